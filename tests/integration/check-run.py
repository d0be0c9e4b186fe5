#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run `dmakit run ...` and check its verdict.

usage: check-run.py DMAKIT EXPECT [--positive KEY.PATH]...
                    [--message TEXT] [--command CMD] -- ARGS...

EXPECT is the exit code the run must give:
  0  integrity holds; with --json in ARGS the object must have every key
     of the documented schema, zero wrong bytes, faults, leaks, failed
     mappings, API misuse reports and refused coherent allocations, and
     a non-zero number of checked bytes;
  1  the oracle must report the run wrong: the last line of the report
     says "integrity: FAILED", or with --json integrity.ok is false;
  2  bad usage or input: exactly one line on stderr, nothing on stdout.

--positive KEY.PATH (with --json): that number of the object must be
above zero, e.g. swiotlb.bounced_maps for a run that must bounce.

--message TEXT: the DMA-API checker's first report must contain TEXT
(the report's "misuse:" line, or integrity.api_report with --json).

--command CMD runs `dmakit CMD ARGS...` instead of `dmakit run`, for the
usage tests of the other subcommands: their exit code is checked, and
with EXPECT 2 their one line on stderr; the output checks above are
run's own.
"""
import json
import subprocess
import sys

KEYS = {
    "platform": str, "seed": int, "ops": int, "integrity": dict,
    "swiotlb": dict, "cache": dict, "hypercalls": dict,
    "pages_exchanged": int, "foreign_maps": int, "devices": list,
}
INTEGRITY = ["checked_bytes", "corrupted_bytes", "faults", "leaks"]
SWIOTLB = ["slots", "used_hiwater", "bounced_maps", "bounced_bytes", "full",
           "dynamic", "pools", "pools_grown", "transient_pools",
           "transient_live", "transient_failed", "pool_bytes_hiwater",
           "pools_hiwater"]
CACHE = ["clean_lines", "invalidate_lines"]
DEVICE = ["name", "coherent", "reach_bits", "ops", "maps", "bounced"]


def fail(msg, proc):
    sys.stderr.write("FAIL: %s\n--- stdout\n%s--- stderr\n%s" %
                     (msg, proc.stdout[-6000:], proc.stderr[-4000:]))
    sys.exit(1)


def check_schema(obj, proc):
    for key, typ in KEYS.items():
        if not isinstance(obj.get(key), typ):
            fail("json: key %r missing or not a %s" % (key, typ.__name__),
                 proc)
    for sub, keys in (("integrity", INTEGRITY), ("swiotlb", SWIOTLB),
                      ("cache", CACHE)):
        for k in keys:
            if not isinstance(obj[sub].get(k), int):
                fail("json: %s.%s missing" % (sub, k), proc)
    if not obj["devices"]:
        fail("json: no devices", proc)
    for dev in obj["devices"]:
        for k in DEVICE:
            if k not in dev:
                fail("json: device key %r missing" % k, proc)
        if not dev["ops"] or dev["ops"] == "?":
            fail("json: device %s has no ops chain" % dev["name"], proc)


def check_clean(obj, proc):
    integ = obj["integrity"]
    for k in ("corrupted_bytes", "faults", "leaks", "map_errors",
              "api_errors", "alloc_failures", "misplaced"):
        if integ.get(k, 0) != 0:
            fail("integrity.%s is %s" % (k, integ[k]), proc)
    if integ["checked_bytes"] <= 0:
        fail("no byte was checked", proc)
    if obj["swiotlb"]["full"] != 0:
        fail("the bounce pool was full", proc)
    if obj["swiotlb"]["transient_live"] != 0:
        fail("transient pools left at the end", proc)


def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    dmakit, expect = argv[0], int(argv[1])
    opts = argv[2:sep]
    positive = [opts[i + 1] for i, o in enumerate(opts) if o == "--positive"]
    commands = [opts[i + 1] for i, o in enumerate(opts) if o == "--command"]
    messages = [opts[i + 1] for i, o in enumerate(opts) if o == "--message"]
    command = commands[-1] if commands else "run"
    args = argv[sep + 1:]
    proc = subprocess.run([dmakit, command] + args, capture_output=True,
                          text=True, timeout=600)
    if proc.returncode != expect:
        fail("exit %d, expected %d" % (proc.returncode, expect), proc)
    as_json = "--json" in args
    if expect == 2:
        lines = proc.stderr.splitlines()
        if len(lines) != 1 or not lines[0].startswith("dmakit: "):
            fail("usage error must be one 'dmakit: ' line on stderr", proc)
        if proc.stdout:
            fail("usage error must print nothing on stdout", proc)
        return
    if command != "run":
        return
    if as_json:
        try:
            obj = json.loads(proc.stdout)
        except ValueError as e:
            fail("output is not JSON: %s" % e, proc)
        check_schema(obj, proc)
        for path in positive:
            val = obj
            for k in path.split("."):
                val = val.get(k, {}) if isinstance(val, dict) else {}
            if not isinstance(val, int) or val <= 0:
                fail("%s is %r, must be above zero" % (path, val), proc)
        if expect == 0:
            check_clean(obj, proc)
        elif obj["integrity"]["ok"]:
            fail("integrity.ok is true for a run that must fail", proc)
        for m in messages:
            if m not in (obj["integrity"].get("api_report") or ""):
                fail("integrity.api_report does not say %r" % m, proc)
        return
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout else ""
    want = "integrity: OK (" if expect == 0 else "integrity: FAILED ("
    if not last.startswith(want):
        fail("last line %r does not start with %r" % (last, want), proc)
    misuse = [ln for ln in proc.stdout.splitlines()
              if ln.startswith("  misuse: DMA-API: ")]
    for m in messages:
        if not misuse or m not in misuse[0]:
            fail("no 'misuse: DMA-API:' line saying %r" % m, proc)


if __name__ == "__main__":
    main()
