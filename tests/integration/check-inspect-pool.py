#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What `dmakit inspect` says of each master's memory-region pool.

usage: check-inspect-pool.py DMAKIT DTB PATH=USE [PATH=USE...] [-- ARGS...]

Each PATH must be a DMA master of DTB whose `pool_use` in `inspect --json`
is USE ("coherent", "cma", "restricted", "not bound: behind an IOMMU",
"none" for null), and the text table must agree: its POOL column says
"unbound" for a pool that is not bound, with a line saying why.  ARGS go
to inspect (e.g. --dom0).
"""
import json
import subprocess
import sys


def inspect(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s" %
                 (" ".join(args), p.returncode, p.stderr[-2000:]))
    return p.stdout


def main():
    dmakit, dtb = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    extra = rest[rest.index("--") + 1:] if "--" in rest else []
    want = dict(a.split("=", 1) for a in rest[:len(rest) - len(extra)]
                if a != "--")
    devs = {d["path"]: d for d in json.loads(
        inspect([dmakit, "inspect", "--json", dtb] + extra))["devices"]}
    text = inspect([dmakit, "inspect", dtb] + extra).splitlines()
    for path, use in want.items():
        if path not in devs:
            sys.exit("FAIL: %s is not a DMA master (%s)" %
                     (path, sorted(devs)))
        got = devs[path]["pool_use"]
        if (got or "none") != use:
            sys.exit("FAIL: %s: pool_use %r, expected %r" % (path, got, use))
        row = [i for i, l in enumerate(text) if l.startswith(path + " ")]
        if len(row) != 1:
            sys.exit("FAIL: no single row for %s in the table" % path)
        cols = text[row[0]].split()
        unbound = use.startswith("not bound")
        if ("unbound" in cols) != unbound:
            sys.exit("FAIL: %s: the table's row says %r" % (path, text[row[0]]))
        if unbound:
            why = text[row[0] + 1] if row[0] + 1 < len(text) else ""
            if use not in why or devs[path]["pool"] not in why:
                sys.exit("FAIL: %s: no line naming the pool and %r, got %r"
                         % (path, use, why))
    print("OK: %d masters' pools as expected" % len(want))


if __name__ == "__main__":
    main()
