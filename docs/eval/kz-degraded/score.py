#!/usr/bin/env python3
"""Score docscan answers in <dir>/out/<id>.json against <dir>/ground_truth.json.
usage: score.py DIR [DIR...]   (prints a summary line per dir and every miss)"""
import json, os, statistics, sys

KZ = 'Kazakhstan - Id Card'

def score(d):
    gt = json.load(open(os.path.join(d, 'ground_truth.json')))
    tpath = os.path.join(d, 'out', 'times.json')
    times = json.load(open(tpath)) if os.path.exists(tpath) else {}
    s = dict(sides=0, sides_n=0, fields=0, fields_n=0, mrz=0, mrz_n=0, fa=0, gen=0, caught=0, cf=0)
    misses = []
    for cid, g in sorted(gt.items()):
        raw = open(os.path.join(d, 'out', cid + '.json')).read()
        try:
            r = json.loads(raw) if raw.strip() else {}
        except ValueError:
            r = {}
        refused = 'detail' in r or 'failure_reason' not in r
        reason = r.get('detail') if refused else r.get('failure_reason')
        if refused:
            err = open(os.path.join(d, 'out', cid + '.err')).read().strip().splitlines()
            reason = 'REFUSED: ' + (r.get('detail') or (err[-2] if len(err) > 1 else '?'))
        failed = sorted({c['name'] for c in (r.get('checks') or []) if c.get('status') == 'failed'})
        # sides
        dt = r.get('document_type') or {}
        for side in ('frontside', 'backside'):
            s['sides_n'] += 1
            name = ((dt.get(side) or {}).get('document_name') or '')
            if not refused and name.startswith(KZ):
                s['sides'] += 1
            else:
                misses.append(f'{cid} {side}: identified as {name!r}; reason {reason!r}')
        # fields
        for f, want in sorted(g['fields'].items()):
            s['fields_n'] += 1
            got = r.get(f, '') if not refused else ''
            if got == want:
                s['fields'] += 1
            else:
                fr = (r.get('fields') or {}).get(f) or {}
                misses.append(f'{cid} {f}: got {got!r} want {want!r} (source {fr.get("source")}, sources {fr.get("sources")}, agree {fr.get("agree")}, conf {fr.get("confidence")}); reason {reason!r}')
        # mrz
        s['mrz_n'] += 1
        m = r.get('mrz') or {}
        lines = m.get('lines') or []
        if lines == g['mrz']:
            s['mrz'] += 1
        else:
            misses.append(f'{cid} MRZ: got {lines} want {g["mrz"]} (status {m.get("status")}, mrz_reason {r.get("mrz_reason")!r}); reason {reason!r}')
        # checks
        if g['variant'] == 'genuine':
            s['gen'] += 1
            if failed or refused:
                s['fa'] += 1
                misses.append(f'{cid} genuine FALSE ALARM: failed {failed}; reason {reason!r}')
            elif reason != 'None':
                misses.append(f'{cid} genuine, no failed check but failure_reason {reason!r}')
        else:
            s['cf'] += 1
            if failed:
                s['caught'] += 1
            else:
                misses.append(f'{cid} {g["variant"]} NOT CAUGHT; reason {reason!r}')
            misses.append(f'{cid} ({g["variant"]}) info: failed checks {failed}')
    med = statistics.median(times.values()) if times else float('nan')
    return s, misses, med

if __name__ == '__main__':
    print(f'{"variant":10} {"sides":>7} {"fields":>7} {"MRZ":>5} {"falseAl":>8} {"caught":>7} {"med s":>6}')
    allm = []
    for d in sys.argv[1:]:
        s, m, med = score(d)
        name = os.path.basename(os.path.normpath(d))
        print(f'{name:10} {s["sides"]:>3}/{s["sides_n"]:<3} {s["fields"]:>3}/{s["fields_n"]:<3} {s["mrz"]:>2}/{s["mrz_n"]:<2} {s["fa"]:>3}/{s["gen"]:<4} {s["caught"]:>3}/{s["cf"]:<3} {med:6.2f}')
        allm += [(name, x) for x in m]
    print()
    for name, x in allm:
        print(f'[{name}] {x}')
