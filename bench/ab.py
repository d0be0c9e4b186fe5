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
"""
import argparse
import json
import statistics
import subprocess
import sys


def die(msg):
    print(f"ab.py: {msg}", file=sys.stderr)
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        die(message)


def sweep(exe):
    proc = subprocess.run([exe, "bench", "sweep", "--json"],
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
    for _ in range(args.n):
        runs["A"].append(cells(sweep(args.a)))
        runs["B"].append(cells(sweep(args.b)))
    print(f"A = {args.a}\nB = {args.b}\n{args.n} alternated runs each; "
          "min / median of each run's best batch, ns")
    print(f"{'cell':<24} {'A min':>8} {'A med':>8} {'B min':>8} "
          f"{'B med':>8}")
    for key in runs["A"][0]:
        a = [r[key] for r in runs["A"]]
        b = [r[key] for r in runs["B"]]
        print(f"{key:<24} {min(a):8.1f} {statistics.median(a):8.1f} "
              f"{min(b):8.1f} {statistics.median(b):8.1f}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, KeyError) as e:
        die(str(e))
