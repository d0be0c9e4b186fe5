#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Masters confined to a restricted-dma-pool.

usage: check-restricted.py DMAKIT DTB [RUN-ARGS...]

`dmakit run --json` on tests/data/dts/restricted-pool.dts (with RUN-ARGS,
e.g. --xen-dom0) must run the Wi-Fi and crypto masters with every map
bounced (through their pool: the simulator's firewall faults any access
outside it, and the run must have no fault), the Ethernet master as
usual, under swiotlb-xen when the run is a dom0, and hold integrity:
zero wrong bytes, faults, leaks and failed mappings.
"""
import json
import subprocess
import sys

CONFINED = ["/soc@0/wifi@1000000", "/soc@0/crypto@1010000"]
ETH = "/soc@0/ethernet@1020000"


def main():
    dmakit, dtb, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    args = [dmakit, "run", "--platform", dtb, "--ops", "400", "--json"]
    p = subprocess.run(args + extra, capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s%s" % (" ".join(args + extra),
                 p.returncode, p.stdout[-4000:], p.stderr[-2000:]))
    out = json.loads(p.stdout)
    devs = {d["name"]: d for d in out["devices"]}
    xen = "--xen-dom0" in extra
    for name in CONFINED + [ETH]:
        d = devs[name]
        assert d["maps"] > 0 and d["faults"] == 0, d
        assert ("xen-swiotlb>" in d["ops"]) == xen, d
    for name in CONFINED:
        assert devs[name]["bounced"] == devs[name]["maps"], devs[name]
    integ = out["integrity"]
    assert integ["ok"] is True, integ
    assert integ["checked_bytes"] > 0 and integ["corrupted_bytes"] == 0
    assert integ["faults"] == 0 and integ["leaks"] == 0, integ
    for k in ("map_errors", "api_errors", "alloc_failures", "misplaced"):
        assert integ.get(k, 0) == 0, integ
    print("ok: %s, %d bytes checked, confined masters bounced every map" %
          (" ".join(extra) or "native", integ["checked_bytes"]))


if __name__ == "__main__":
    main()
