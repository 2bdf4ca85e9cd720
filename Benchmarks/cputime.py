#!/usr/bin/env python3
"""CPU time (user + sys from wait4) and minimum wall time of commands, interleaved, as ratios to the
first one: start-up measured in a way the machine's load moves less than wall medians.

  Benchmarks/cputime.py ROUNDS LABEL "CMD ARGS" [LABEL "CMD ARGS"]...
  e.g. Benchmarks/cputime.py 300 hello ./hello "sriovctl --version" ".build-release/release/sriovctl --version"
"""
import os, sys, time, random, statistics, subprocess
cmds = {}
args = sys.argv[1:]
rounds = int(args.pop(0))
while args:
    label = args.pop(0); cmds[label] = args.pop(0).split()
res = {k: [] for k in cmds}; wall = {k: [] for k in cmds}
dn = os.open("/dev/null", os.O_WRONLY)
for r in range(rounds + 2):
    order = list(cmds); random.shuffle(order)
    for k in order:
        t = time.perf_counter()
        pid = os.posix_spawn(cmds[k][0], cmds[k], os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, dn, 1)])
        _, status, ru = os.wait4(pid, 0)
        w = time.perf_counter() - t
        if r >= 2:
            res[k].append((ru.ru_utime + ru.ru_stime) * 1000); wall[k].append(w * 1000)
base = list(cmds)[0]
mb = statistics.median(res[base]); mwb = min(wall[base])
print(f"| command | median CPU ms | min wall ms | CPU ÷ {base} | min wall ÷ {base} |\n|---|---|---|---|---|")
for k in cmds:
    m = statistics.median(res[k])
    print(f"| `{k}` | {m:.2f} | {min(wall[k]):.2f} | {m/mb:.2f}× | {min(wall[k])/mwb:.2f}× |")
