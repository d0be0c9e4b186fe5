#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The scenarios report says where the naive design's damage fell.

Runs `dmakit scenarios run 4 9 12 --json --report FILE` once.  For each
naive design the oracle caught, every device that moved wrong bytes must
come with the guest-physical and bus address of its first wrong byte
(from the oracle's findings, in the JSON), and the page must show them,
with the bus address of the device's last fault.  The addresses must be
the ones the design handed out, which is what makes it wrong:

  4  plain dma-direct in a Xen dom0 that is not 1:1: the bus address is
     the guest-physical one (no p2m translation);
  9  a driver that never checks dmk_mapping_error: the device was given
     DMK_MAPPING_ERROR itself (and faults there);
  12 dma-direct for virtio in a domU: a guest frame as DMA address, where
     the backend wanted a grant (bit 63 clear, equal to guest-physical).

dmakit's design must have no such entry.

usage: scenario-where.py DMAKIT WORKDIR
"""
import json
import os
import subprocess
import sys

ERROR = 0xFFFFFFFFFFFFFFFF


def main():
    dmakit, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    html = os.path.join(work, "scenarios-where.html")
    p = subprocess.run([dmakit, "scenarios", "run", "4", "9", "12",
                        "--ops", "100", "--json", "--report", html],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print(f"scenarios exited {p.returncode}: {p.stderr[-400:]}")
        return 1
    page = open(html, encoding="utf-8").read()
    failures = []
    checked = 0
    for o in json.loads(p.stdout):
        sid = o["id"]
        if o["dmakit"]["where"]:
            failures.append(f"{sid}: dmakit's design has damage listed")
        for d in o["naive_variants"]:
            for w in d["where"]:
                dev = w["device"]
                if w["wrong_bytes"] == 0:
                    continue
                phys, bus = w["first_wrong_phys"], w["first_wrong_bus"]
                if phys is None or bus is None:
                    failures.append(f"{sid} {dev}: no address for the "
                                    f"first wrong byte ({w['first_wrong']})")
                    continue
                for what, a in (("guest-physical", phys), ("bus", bus)):
                    if f"{what} {a}" not in page:
                        failures.append(f"{sid} {dev}: {what} {a} not in "
                                        f"the page")
                if w["last_fault"] and w["last_fault"] not in page:
                    failures.append(f"{sid} {dev}: its last fault is not "
                                    f"in the page")
                pa, ba = int(phys, 16), int(bus, 16)
                if sid in (4, 12) and ba != pa:
                    failures.append(f"{sid} {dev}: bus {bus} is not the "
                                    f"guest-physical {phys}")
                if sid == 12 and ba >> 63:
                    failures.append(f"{sid} {dev}: a grant address in the "
                                    f"naive design")
                if sid == 9 and (ba != ERROR or
                                 "at bus 0xffffffffffffffff" not in
                                 w["last_fault"]):
                    failures.append(f"{sid} {dev}: bus {bus} is not the "
                                    f"mapping error handed to the device")
                checked += 1
                print(f"scenario-where: {sid} {dev}: first wrong byte at "
                      f"guest-physical {phys}, bus {bus}")
    seen = {o["id"] for o in json.loads(p.stdout)
            if any(w["wrong_bytes"] for d in [o["naive"]] +
                   o["naive_variants"] for w in d["where"])}
    if seen != {4, 9, 12}:
        failures.append(f"wrong bytes located only for scenarios "
                        f"{sorted(seen)}")
    for f in failures:
        print("scenario-where: " + f)
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
