#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The fork server and --fresh give the same outcome for every point.

usage: check-faults-same.py DMAKIT -- ARGS...

Runs `dmakit faults ARGS --json` (each point forked from one run, the
default) and `dmakit faults ARGS --fresh --json` (each point in a world
of its own) and wants, per platform, the same outcomes digest (every
point's calls, failure, progress, bytes, leaks, log lines and the
world's resources before and after, in order of k) and the same counts.
The forked sweep must also have left at least one point to a world of
its own (a write lock held at its call), so that path is run too.
Otherwise one line saying what, and exit 1.
"""
import json
import subprocess
import sys

KEYS = ("injection_points", "boot_points", "calls", "boot_calls",
        "corrupted_bytes", "leaks", "crashes", "device_faults", "api_errors",
        "not_injected", "noisy_points", "unlogged_errors",
        "boot_failed_cleanly", "first_failing_k", "by_site",
        "outcomes_digest")


def sweep(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return json.loads(p.stdout)
    except ValueError:
        print("faults: no JSON from %s (exit %d): %s" %
              (" ".join(cmd[1:]), p.returncode, p.stderr[-300:]))
        return None


def main(argv):
    if len(argv) < 3 or argv[2] != "--":
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    base = [argv[1], "faults"] + argv[3:] + ["--json"]
    forked, fresh = sweep(base), sweep(base + ["--fresh"])
    if forked is None or fresh is None:
        return 1
    if len(forked["platforms"]) != len(fresh["platforms"]):
        print("faults: %d platforms forked, %d fresh" %
              (len(forked["platforms"]), len(fresh["platforms"])))
        return 1
    for a, b in zip(forked["platforms"], fresh["platforms"]):
        for k in KEYS:
            if a.get(k) != b.get(k):
                print("faults: %s: %s is %s forked, %s fresh" %
                      (a["platform"], k, a.get(k), b.get(k)))
                return 1
        if b.get("fresh_points"):
            print("faults: %s: --fresh reports %d points left fresh" %
                  (b["platform"], b["fresh_points"]))
            return 1
    if not any(p["fresh_points"] for p in forked["platforms"]):
        print("faults: no point was left to a world of its own")
        return 1
    if forked["ok"] != fresh["ok"] or not forked["ok"]:
        print("faults: ok is %s forked, %s fresh" % (forked["ok"], fresh["ok"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
