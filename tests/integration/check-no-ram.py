#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A tree with masters whose dma-ranges reach no system RAM.

usage: check-no-ram.py DMAKIT DTB [RUN-ARGS...]

`dmakit inspect --json` must mark the Cortex-M4 (on-chip SRAM only)
unable to reach RAM and the DSP (its restricted pool only) as reaching
no RAM but able to run; `dmakit run --json` must list the M4 without
running it, run the DSP through its pool (every map bounced) and the
Ethernet master as usual, and report integrity held: an unreachable
master is never an integrity failure of the library.
"""
import json
import subprocess
import sys

M4 = "/m4-bus@20000000/remoteproc@0"
DSP = "/dsp-bus@30000000/dsp@0"
ETH = "/soc@0/ethernet@1000000"


def run(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s%s" %
                 (" ".join(args), p.returncode, p.stdout[-4000:],
                  p.stderr[-2000:]))
    return json.loads(p.stdout)


def main():
    dmakit, dtb, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    ins = run([dmakit, "inspect", "--json", dtb])
    devs = {d["path"]: d for d in ins["devices"]}
    assert devs[M4]["unable_to_reach_ram"] is True, devs[M4]
    assert devs[M4]["reaches_ram"] is False, devs[M4]
    assert devs[DSP]["reaches_ram"] is False, devs[DSP]
    assert devs[DSP]["unable_to_reach_ram"] is False, devs[DSP]
    assert devs[ETH]["reaches_ram"] is True, devs[ETH]

    out = run([dmakit, "run", "--platform", dtb, "--ops", "300", "--json"]
              + extra)
    devs = {d["name"]: d for d in out["devices"]}
    assert set(devs) == {M4, DSP, ETH}, sorted(devs)
    assert devs[M4]["unable_to_reach_ram"] is True
    assert devs[M4]["maps"] == 0 and devs[M4]["faults"] == 0, devs[M4]
    assert devs[DSP]["unable_to_reach_ram"] is False
    assert devs[DSP]["maps"] > 0, devs[DSP]
    assert devs[DSP]["bounced"] == devs[DSP]["maps"], devs[DSP]
    assert devs[ETH]["maps"] > 0, devs[ETH]
    integ = out["integrity"]
    assert integ["ok"] is True, integ
    assert integ["checked_bytes"] > 0 and integ["corrupted_bytes"] == 0
    assert integ["faults"] == 0 and integ["leaks"] == 0, integ
    print("ok: M4 listed unable to reach RAM, DSP through its pool, "
          "%d bytes checked" % integ["checked_bytes"])


if __name__ == "__main__":
    main()
