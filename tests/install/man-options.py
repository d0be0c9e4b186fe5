#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dmakit(1) against the command's code: every option the command parses
(its getopt tables, its strcmp'd "--name" literals, its getopt short
options) is documented in the man page, and every option the man page
documents is parsed somewhere.  usage: man-options.py dmakit.1 TOOLS_DIR
(every .c of TOOLS_DIR and its folders but xen-conformance/)."""
import os
import re
import sys


def code_options(paths):
    longs, shorts = set(), set()
    for p in paths:
        text = open(p, encoding="utf-8").read()
        longs |= set(re.findall(r'\{\s*"([a-z][a-z0-9-]*)"\s*,\s*'
                                r'(?:no|required|optional)_argument', text))
        longs |= set(re.findall(r'"--([a-z][a-z0-9-]*)"', text))
        for optstring in re.findall(r'getopt(?:_long)?\([^,]+,[^,]+,\s*"([^"]*)"',
                                    text):
            shorts |= set(c for c in optstring if c.isalpha())
    # usage and error strings quote options too; only "--name" that is
    # followed by a quote counts above, so "--help" is there by design.
    return longs, shorts


def man_options(path):
    text = open(path, encoding="utf-8").read()
    longs = set(re.findall(r'\\-\\-([a-z][a-z0-9]*(?:\\-[a-z0-9]+)*)', text))
    longs = {l.replace("\\-", "-") for l in longs}
    shorts = set(re.findall(r'^\.B[IR]? \\-([a-zA-Z])\b', text, re.M))
    return longs, shorts


def main():
    man, tools = sys.argv[1], sys.argv[2]
    srcs = sorted(os.path.join(d, f)
                  for d, dirs, files in os.walk(tools)
                  if "xen-conformance" not in d.split(os.sep)
                  for f in files if f.endswith(".c"))
    cl, cs = code_options(srcs)
    ml, ms = man_options(man)
    bad = 0
    for o in sorted(cl - ml):
        print(f"man-options: --{o} is parsed but not in {man}")
        bad = 1
    for o in sorted(ml - cl):
        print(f"man-options: --{o} is in {man} but parsed nowhere")
        bad = 1
    for o in sorted(cs - ms - {"h"}):
        print(f"man-options: -{o} is parsed but not in {man}")
        bad = 1
    for o in sorted(ms - cs - {"h"}):
        print(f"man-options: -{o} is in {man} but parsed nowhere")
        bad = 1
    if not cl:
        print("man-options: found no options in the sources")
        bad = 1
    print(f"man-options: {len(cl)} long and {len(cs)} short options checked")
    return bad


if __name__ == "__main__":
    sys.exit(main())
