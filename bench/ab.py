#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare two dmakit builds on a noisy machine: A/B alternation.

usage: bench/ab.py [-n ROUNDS] DMAKIT_A DMAKIT_B

Runs `DMAKIT bench sweep --json` alternately for A and B, ROUNDS times
each, so both see the same minute of the machine's load, and prints for
the cells docs/benchmarks.md holds targets for (64 B / 1500 B / 4 KiB TO_DEVICE
bounce at 0/50/90 % and the direct path) the minimum and the median
over the rounds of each run's best batch, in ns.  A change is real when
B's minimum and median both move the same way and by more than the
spread between rounds.  Exit 0, or 2 with one line on bad usage or a
failed run.

The same binary can run in two modes: on the 2-vCPU EPYC VM of
docs/benchmarks.md a process either maps in ~15 ns (direct) or in
~26-30 ns, and which one it gets depends on the process, not on the
code (two copies of one binary differing only in their path gave 14.4
and 28.8 ns, run after run).  So both builds are copied to paths of the
same length (argv[0] and AT_EXECFN on the initial stack are then the
same size), round i gives A and B the same environment padding (a
different one each round), and a cell where some run was more than
1.4 times its best is flagged: read its minimum, and use more rounds.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def die(msg):
    print(f"ab.py: {msg}", file=sys.stderr)
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        die(message)


def sweep(exe, pad):
    env = dict(os.environ, DMK_AB_LAYOUT="x" * pad)
    proc = subprocess.run([exe, "bench", "sweep", "--json"], env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        die(f"{exe} bench sweep exited {proc.returncode}")
    return json.loads(proc.stdout)


def cells(result):
    out = {}
    for b in result["bounce"]:
        if b["impl"] == "dmakit" and b["dir"] == "TO_DEVICE" and \
                b["size"] in (64, 1500, 4096):
            out[f"bounce {b['size']} B @{b['occupancy']:.0f}%"] = b["ns"]
    for d in result["direct"]:
        out[f"direct {d['size']} B"] = d["ns"]
    out["indirect call floor"] = result["floors"]["indirect_call_ns"]
    return out


def main():
    ap = Parser(add_help=True)
    ap.add_argument("-n", type=int, default=5)
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    if args.n < 1:
        die("-n must be at least 1")
    runs = {"A": [], "B": []}
    with tempfile.TemporaryDirectory(prefix="dmk-ab-") as tmp:
        exe = {}
        for side, src in (("A", args.a), ("B", args.b)):
            os.mkdir(os.path.join(tmp, side))
            exe[side] = os.path.join(tmp, side, "dmakit")
            shutil.copy2(src, exe[side])
        for i in range(args.n):
            pad = (i * 40) % 4096
            runs["A"].append(cells(sweep(exe["A"], pad)))
            runs["B"].append(cells(sweep(exe["B"], pad)))
    print(f"A = {args.a}\nB = {args.b}\n{args.n} alternated runs each, "
          "one environment layout per round; min / median of each run's "
          "best batch, ns; * = some run above 1.4 x its side's minimum")
    print(f"{'cell':<24} {'A min':>8} {'A med':>8} {'B min':>8} "
          f"{'B med':>8}")
    for key in runs["A"][0]:
        a = [r[key] for r in runs["A"]]
        b = [r[key] for r in runs["B"]]
        flag = "*" if max(a) > 1.4 * min(a) or max(b) > 1.4 * min(b) else ""
        print(f"{key:<24} {min(a):8.1f} {statistics.median(a):8.1f} "
              f"{min(b):8.1f} {statistics.median(b):8.1f} {flag}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, KeyError) as e:
        die(str(e))
