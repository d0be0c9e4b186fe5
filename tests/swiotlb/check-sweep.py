#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`dmakit bench sweep --quick --json` runs every part of the sweep.

usage: check-sweep.py DMAKIT

No timing is asserted (speed is docs/benchmarks.md's business): the
check is that each part measured something, the parts that drive the
simulator (grant DMA, the simulator's speed) ran on it with their bytes
intact, and a map that needed a transient pool got one.  Exit 0, or 1
with the first missing part.
"""
import json
import subprocess
import sys


def main():
    out = subprocess.run([sys.argv[1], "bench", "sweep", "--quick", "--json"],
                         capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    problems = []
    if not r.get("bounce"):
        problems.append("no bounce cells")
    g = r.get("grant", {})
    if not g.get("measured"):
        problems.append(f"grant DMA not measured: {g.get('why')}")
    else:
        sizes = [c["size"] for c in g["cells"]]
        if sizes != [4096, 65536] or any(c["ns"] <= 0 for c in g["cells"]):
            problems.append(f"grant cells wrong: {g['cells']}")
        if [c["grants"] for c in g["cells"]] != [1, 16]:
            problems.append("grant counts are not one per page")
    d = r.get("dynamic", {})
    if not d.get("transient_ok"):
        problems.append("the transient-pool row did not use transient pools")
    s = r.get("simulator", {})
    if not s.get("measured") or not s.get("integrity_ok"):
        problems.append(f"simulator speed: {s}")
    if problems:
        print("check-sweep: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
