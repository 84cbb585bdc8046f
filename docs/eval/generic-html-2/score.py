#!/usr/bin/env python3
"""Score a docscan binary on the independent test set.
Usage: python3 score.py [/path/to/docscan] [--json OUT.json]"""
import json, os, re, subprocess, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mrz import translit

FIELDS = ['last_name', 'first_name', 'date_of_birth', 'date_of_issue', 'date_of_expiry',
          'document_number', 'personal_number', 'authority', 'place_of_birth']
HONEST_FIELDS = ['last_name', 'first_name', 'document_number', 'date_of_birth', 'date_of_issue', 'date_of_expiry']


def norm(s):
    return re.sub(r'\s+', ' ', (s or '')).strip().casefold()


def fold(s):
    import unicodedata
    s = ''.join(c for c in unicodedata.normalize('NFD', s.replace('Ł', 'L').replace('ł', 'l')) if not unicodedata.combining(c))
    return norm(s)


def mrz_form(s):
    return re.sub(r'<+', ' ', translit(s)).strip().casefold()


def run(binary, t):
    cmd = ['nice', '-n', '19', binary, 'recognize', '-front', os.path.join(HERE, t['files']['front'])]
    if 'back' in t['files']:
        cmd += ['-back', os.path.join(HERE, t['files']['back'])]
    env = dict(os.environ, OMP_THREAD_LIMIT='1')
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    try:
        o = json.loads(p.stdout)
    except Exception:
        o = None
    return p.returncode, o, p.stderr.strip()


def field_value(o, f):
    v = o.get(f)
    if isinstance(v, str) and v:
        return v
    fv = (o.get('fields') or {}).get(f)
    if isinstance(fv, dict):
        return fv.get('value') or ''
    return v if isinstance(v, str) else ''


def main():
    args = sys.argv[1:]
    binary = args[0] if args and not args[0].startswith('--') else os.path.join(HERE, 'docscan')
    jout = args[args.index('--json') + 1] if '--json' in args else None
    truth = json.load(open(os.path.join(HERE, 'truth.json')))
    outdir = os.path.join(HERE, 'out', re.sub(r'\W+', '_', os.path.abspath(binary)).strip('_'))
    os.makedirs(outdir, exist_ok=True)
    N = len(truth)
    tot = dict(honest=0, mrz=0, icao=0, country=0, doi_right=0, doi_printed=0, fa_docs=0, valid=0, exp_flag=0, expired=0, refused=0)
    per = {f: dict(right=0, empty=0, wrong=0) for f in FIELDS}
    wrongs, alarms, refused, notes, rows = [], [], [], [], []
    folded_only, hard_bad = set(), set()
    honest_folded = 0
    for did, t in truth.items():
        rc, o, err = run(binary, t)
        json.dump(dict(rc=rc, out=o, stderr=err[-4000:]), open(os.path.join(outdir, did + '.json'), 'w'), indent=1, ensure_ascii=False)
        exp = t['expired']
        tot['expired'] += exp
        tot['valid'] += not exp
        row = dict(id=did, fmt=t['format'], cap=t['capture'], expired=exp)
        dt = (o or {}).get('document_type') or {}
        fs = dt.get('frontside') if isinstance(dt, dict) else None
        if o is None or not fs:
            reason = (o or {}).get('failure_reason') or (o or {}).get('detail') or err[-300:] or f'rc={rc}'
            refused.append((did, t['format'], t['capture'], reason))
            tot['refused'] += 1
        lst = (fs or {}).get('fdsid_list') or {}
        icao = lst.get('icao_code') or ''
        cname = lst.get('d_country_name') or ''
        cc = ((o or {}).get('country_code') or '')
        icao_ok = icao.upper() in (t['state'], t['mrz_state'], t['mrz_state'].strip('<'))
        cc_ok = cc.lower() == t['country'].lower()
        tot['icao'] += icao_ok
        tot['country'] += cc_ok
        m = (o or {}).get('mrz') or {}
        mrz_ok = (m.get('lines') == t['mrz'])
        tot['mrz'] += mrz_ok
        row.update(mrz=mrz_ok, icao=icao or '-', country=cc or '-', doc_name=(fs or {}).get('document_name', ''))
        if o and not mrz_ok:
            notes.append(f'{did}: MRZ got {m.get("lines")} (status {m.get("status")}) want {t["mrz"]}')
        bad = False
        fres = {}
        for f in FIELDS:
            want = t['fields'][f]
            got = field_value(o or {}, f)
            if norm(got) == '':
                res = 'right' if want == '' else 'empty'
            elif norm(got) == norm(want):
                res = 'right'
            else:
                res = 'wrong'
            per[f][res] += 1
            fres[f] = res
            if res == 'wrong':
                fo = ((o or {}).get('fields') or {}).get(f) or {}
                extra = ''
                if want and norm(got) == mrz_form(want):
                    extra = ' [= MRZ transliteration of the printed value]'
                elif want and norm(got) == fold(want):
                    extra = ' [= printed value with its diacritics dropped]'
                if extra:
                    folded_only.add(did) if f in HONEST_FIELDS else None
                elif f in HONEST_FIELDS:
                    hard_bad.add(did)
                wrongs.append(f'{did} {f}: got {got!r} want {want!r} (source {fo.get("source")}, conf {fo.get("confidence")}, '
                              f'sources {fo.get("sources")}){extra}')
                if f in HONEST_FIELDS:
                    bad = True
        if t['fields']['date_of_issue']:
            tot['doi_printed'] += 1
            tot['doi_right'] += fres['date_of_issue'] == 'right'
        checks = (o or {}).get('checks') or []
        failed = [c for c in checks if c.get('status') == 'failed']
        fa = [c for c in failed if not (exp and c.get('name') == 'date_logic')]
        for c in fa:
            alarms.append(f'{did} ({"expired" if exp else "valid"}) {c.get("name")} side={c.get("side")}: '
                          f'reason={c.get("reason")!r} evidence={json.dumps(c.get("evidence"), ensure_ascii=False)}')
        if fa:
            tot['fa_docs'] += 1
        flagged = any(c.get('name') == 'date_logic' for c in failed)
        if exp:
            tot['exp_flag'] += flagged
        dl = [c for c in checks if c.get('name') == 'date_logic']
        honest = cc_ok and not bad and not fa and (flagged or not exp)
        tot['honest'] += honest
        honest_folded += cc_ok and did not in hard_bad and not fa and (flagged or not exp)
        row.update(honest=honest, fields=fres, failure_reason=(o or {}).get('failure_reason'),
                   date_logic=(dl[0].get('status') if dl else '-'), failed=[c.get('name') for c in failed])
        rows.append(row)
        print(f'{did:8s} {t["format"]} {t["capture"]:5s} mrz={"ok" if mrz_ok else "NO"} icao={icao or "-":4s} cc={cc or "-":3s} '
              f'date_logic={row["date_logic"]:8s} honest={"yes" if honest else "NO"} '
              f'{" ".join(f[:8] + "=" + r[0].upper() for f, r in fres.items() if r != "right")}', flush=True)
    print()
    print(f'binary: {binary}   docs: {N} (valid {tot["valid"]}, expired {tot["expired"]})')
    print(f'| measure | result |\n|---|---|')
    print(f'| docs honest | {tot["honest"]}/{N} |')
    print(f'| docs honest if diacritic-folded names count as right | {honest_folded}/{N} |')
    print(f'| MRZ lines exact | {tot["mrz"]}/{N} |')
    print(f'| icao_code right | {tot["icao"]}/{N} |')
    print(f'| country_code right | {tot["country"]}/{N} |')
    print(f'| refused (no document type) | {tot["refused"]}/{N} |')
    print(f'| date_of_issue right | {tot["doi_right"]}/{tot["doi_printed"]} printed |')
    print(f'| docs with a false alarm | {tot["fa_docs"] - sum(1 for r in rows if r["expired"] and [x for x in r["failed"] if x != "date_logic"])}/{tot["valid"]} valid'
          f' (+{sum(1 for r in rows if r["expired"] and [x for x in r["failed"] if x != "date_logic"])} expired docs with a non-date failed check) |')
    print(f'| expired flagged by date_logic | {tot["exp_flag"]}/{tot["expired"]} |')
    print()
    print('| field | right | empty | WRONG |\n|---|---|---|---|')
    for f in FIELDS:
        print(f'| {f} | {per[f]["right"]} | {per[f]["empty"]} | {per[f]["wrong"]} |')
    print('\nWRONG values:')
    for w in wrongs or ['(none)']:
        print('  ' + w)
    print('\nFalse alarms (failed checks other than date_logic on an expired doc):')
    for a in alarms or ['(none)']:
        print('  ' + a)
    print('\nRefused:')
    for r in refused or [('(none)', '', '', '')]:
        print('  ' + ' '.join(str(x) for x in r))
    print('\nMRZ not exact:')
    for n in notes or ['(none)']:
        print('  ' + n)
    print('\nExpired docs:')
    for r in rows:
        if r['expired']:
            print(f'  {r["id"]}: date_logic={r["date_logic"]} failure_reason={r["failure_reason"]!r}')
    if jout:
        json.dump(dict(totals=tot, per_field=per, rows=rows, wrong=wrongs, alarms=alarms, refused=refused), open(jout, 'w'), indent=1, ensure_ascii=False)


if __name__ == '__main__':
    main()
