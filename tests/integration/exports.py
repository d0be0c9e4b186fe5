#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check what a shared library exports against its installed headers.

usage: exports.py LIB.so VERSION_SCRIPT HEADER...

Every dmk_ function and table the headers declare (not static inline,
not a type) must be in the version script and exported by the library,
and the library must export nothing else (no internal dmk_ symbol, no
symbol of the environment).  Prints one line per mismatch and exits 1,
or exits 0 silently; 2 on bad usage.
"""
import re
import subprocess
import sys


def declared(paths):
    syms = set()
    for path in paths:
        text = open(path).read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        # Drop the bodies of static inline functions: helpers, not exports.
        out, i = [], 0
        for m in re.finditer(r"static inline[^;{]*\{", text):
            if m.start() < i:
                continue
            out.append(text[i:m.start()])
            depth, j = 1, m.end()
            while depth and j < len(text):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            i = j
        out.append(text[i:])
        text = "".join(out)
        for m in re.finditer(r"\b(dmk_\w+)\s*\(", text):
            if m.group(1).endswith("_t"):
                continue  # a type in a function pointer's return
            if text[max(0, m.start() - 2):m.start()].endswith("(*"):
                continue  # a member that is a function pointer
            syms.add(m.group(1))
        for m in re.finditer(r"extern\s+const\s+struct\s+\w+\s+(dmk_\w+)\s*;",
                             text):
            syms.add(m.group(1))
    return syms


def in_script(path):
    text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
    glob = text.split("global:")[1].split("local:")[0]
    return {s.strip() for s in glob.split(";") if s.strip()}


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines()
            if len(line.split()) == 3}


def main():
    if len(sys.argv) < 4:
        print("usage: exports.py LIB.so VERSION_SCRIPT HEADER...",
              file=sys.stderr)
        return 2
    lib, script, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
    want, listed, got = declared(headers), in_script(script), exported(lib)
    got.discard(script.rsplit("/", 1)[-1])  # the version node itself
    got = {s for s in got if not s.startswith("DMAKIT_")}
    bad = 0
    for s in sorted(want - listed):
        print(f"exports: {s} is declared but not in {script}")
        bad += 1
    for s in sorted(listed - want):
        print(f"exports: {s} is in {script} but no installed header declares it")
        bad += 1
    for s in sorted(want - got):
        print(f"exports: {s} is declared but {lib} does not export it")
        bad += 1
    for s in sorted(got - want):
        print(f"exports: {lib} exports {s}, which no installed header declares")
        bad += 1
    if not want:
        print("exports: no declarations found in the headers")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
