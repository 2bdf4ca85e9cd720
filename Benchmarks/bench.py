#!/usr/bin/env python3
"""Interleaved wall-clock benchmark of a set of commands; prints a Markdown table.

    python3 Benchmarks/bench.py --label NAME --runs N --budget SECONDS --ratio-to NAME \
        name1 'cmd ...' name2 'cmd ...' ...

Every round runs each command once, in an order shuffled per round (fixed seed), so drift on a shared
machine hits all commands alike. Each command is started with posix_spawn (no shell), stdout/stderr to
/dev/null, timed from spawn to reap. A nonzero exit aborts. The number of rounds is --runs, lowered so
that the whole benchmark takes about --budget seconds (but at least 5 rounds). Reports the median,
min and interquartile range per command, and each median's ratio to the --ratio-to commands' medians
(from this same run). --json FILE also writes the raw samples.
"""

import json
import os
import random
import shlex
import statistics
import sys
import time


def run_once(argv, devnull):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[
        (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"FAIL (exit {os.waitstatus_to_exitcode(status)}): {shlex.join(argv)}")
    return (t1 - t0) / 1e6


def main(argv):
    label, runs, budget, ratio_to, out_json, warmup = "", 30, 60.0, [], None, 2
    while argv and argv[0].startswith("--"):
        opt, val = argv[0], argv[1]
        argv = argv[2:]
        if opt == "--label": label = val
        elif opt == "--runs": runs = int(val)
        elif opt == "--budget": budget = float(val)
        elif opt == "--ratio-to": ratio_to.append(val)
        elif opt == "--json": out_json = val
        elif opt == "--warmup": warmup = int(val)
        else: raise SystemExit(f"unknown option {opt}")
    cmds = [(argv[i], shlex.split(argv[i + 1])) for i in range(0, len(argv), 2)]
    devnull = os.open("/dev/null", os.O_WRONLY)
    # warm-up (page cache, dentry cache) and a first estimate of the cost of one round
    for _ in range(warmup):
        for _, c in cmds:
            run_once(c, devnull)
    t0 = time.perf_counter()
    for _, c in cmds:
        run_once(c, devnull)
    per_round = time.perf_counter() - t0
    rounds = max(5, min(runs, int(budget / max(per_round, 1e-6))))
    samples = {n: [] for n, _ in cmds}
    rng = random.Random(1)
    order = list(cmds)
    for _ in range(rounds):
        rng.shuffle(order)
        for n, c in order:
            samples[n].append(run_once(c, devnull))
    med = {n: statistics.median(s) for n, s in samples.items()}
    print(f"\n#### {label} ({rounds} interleaved rounds)\n")
    heads = ["command", "median ms", "min ms", "IQR ms"] + [f"÷ {r}" for r in ratio_to]
    print("| " + " | ".join(heads) + " |")
    print("|" + "---|" * len(heads))
    for n, c in cmds:
        s = sorted(samples[n])
        q = statistics.quantiles(s, n=4) if len(s) >= 4 else [s[0], 0, s[-1]]
        row = [f"`{n}`", f"{med[n]:.2f}", f"{s[0]:.2f}", f"{q[0]:.2f}–{q[2]:.2f}"]
        row += [f"{med[n] / med[r]:.2f}×" for r in ratio_to]
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()
    if out_json:
        with open(out_json, "w") as f:
            json.dump({"label": label, "commands": {n: shlex.join(c) for n, c in cmds}, "samples": samples}, f)


if __name__ == "__main__":
    main(sys.argv[1:])
