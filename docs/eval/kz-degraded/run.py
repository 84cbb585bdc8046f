#!/usr/bin/env python3
"""run.py DOCSCAN DIR: run DOCSCAN on every card of DIR (a variant of make_variants.sh); write DIR/out/<id>.json, .err and times.json."""
import json, os, subprocess, sys, time
bin_, d = sys.argv[1], sys.argv[2]
gt = json.load(open(os.path.join(d, 'ground_truth.json')))
os.makedirs(os.path.join(d, 'out'), exist_ok=True)
env = dict(os.environ, OMP_THREAD_LIMIT='1')
times = {}
for cid, g in sorted(gt.items()):
    cmd = ['nice', '-n', '19', bin_, 'recognize', '-front', os.path.join(d, g['front']),
           '-back', os.path.join(d, g['back']), '-country', 'kz']
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, env=env)
    times[cid] = round(time.monotonic() - t, 3)
    open(os.path.join(d, 'out', cid + '.json'), 'wb').write(p.stdout)
    open(os.path.join(d, 'out', cid + '.err'), 'wb').write(p.stderr + b'\nexit=%d\n' % p.returncode)
json.dump(times, open(os.path.join(d, 'out', 'times.json'), 'w'), indent=1)
