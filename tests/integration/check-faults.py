#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run `dmakit faults ... --json` and check its verdict.

usage: check-faults.py DMAKIT MIN_POINTS [SITE...] -- ARGS...

Exit 0 when the command exits 0, its JSON has injection_points,
corrupted_bytes, leaks and crashes overall and per platform, every count
of a fault is 0 (noisy_points and unlogged_errors too: an injected
failure logs at most one line, and exactly one when its error reaches a
driver), at least MIN_POINTS injection points were run, and each
SITE named (alloc_pages, hypercall, iommu_map, ...) was called at least
once on some platform.  Otherwise one line saying what, and exit 1.
"""
import json
import subprocess
import sys


def main(argv):
    if "--" not in argv or len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    sep = argv.index("--")
    dmakit, min_points, sites = argv[1], int(argv[2]), argv[3:sep]
    cmd = [dmakit, "faults"] + argv[sep + 1:] + ["--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        print("faults: no JSON (exit %d): %s" % (p.returncode, p.stderr[-300:]))
        return 1
    keys = ("injection_points", "corrupted_bytes", "leaks", "crashes")
    for obj in [doc] + doc.get("platforms", []):
        for k in keys:
            if k not in obj:
                print("faults: JSON without %s" % k)
                return 1
        for k in keys[1:] + ("device_faults", "api_errors", "not_injected",
                             "noisy_points", "unlogged_errors"):
            if obj.get(k, 0):
                print("faults: %s: %s = %d (%s at k=%d)" % (
                    obj.get("platform", "all"), k, obj[k],
                    obj.get("first_failure", ""), obj.get("first_failing_k", 0)))
                return 1
    if p.returncode != 0:
        print("faults: exit %d: %s" % (p.returncode, p.stderr[-300:]))
        return 1
    if doc["injection_points"] < min_points:
        print("faults: %d injection points, wanted %d" %
              (doc["injection_points"], min_points))
        return 1
    for s in sites:
        if not any(pl["by_site"].get(s, 0) for pl in doc["platforms"]):
            print("faults: no call at site %s" % s)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
