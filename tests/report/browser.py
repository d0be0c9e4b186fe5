#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The --report pages in a real browser.

Writes each report with the dmakit binary, checks that the file is
self-contained (nothing fetched: no src, href or url() that leaves the
page), loads it in headless Chromium, and checks that the page logged
nothing to the console (the reports have no script; a message means an
error) and that its screenshot is not blank (distinct colours counted
from the PNG, decoded here with zlib).  Two control pages first prove
that both checks can fail: one with a script error, one blank.

A board whose model string is markup (tests/data/dts/hostile-model.dts,
compiled with dtc) must come out as text: no <script> or <img> of its own
in the page, and nothing in the console.

usage: browser.py DMAKIT HOSTILE.dts WORKDIR [--keep=NAME=DEST.png]
"""
import concurrent.futures
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
            "--no-first-run", "--disable-extensions",
            "--window-size=1280,1800"]

# name, dmakit arguments (the report path is added), expected exit status
REPORTS = [
    ("run-arm64-dom0", ["run", "--ops", "600"], 0),
    ("run-domU-netback", ["run", "--platform", "arm64-domU-passthrough",
                          "--ops", "600"], 0),
    ("run-driver-bug", ["run", "--platform", "arm64-native",
                        "--driver-bug", "skip-sync", "--ops", "400"], 1),
    ("scenarios", ["scenarios", "run", "1", "4", "5", "--ops", "100"], 0),
    ("bench-sweep", ["bench", "sweep", "--quick"], 0),
]


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth} type {ctype}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def colour_stats(path):
    """(distinct colours, share of pixels unlike the most common one)."""
    w, h, bpp, rows = png_pixels(path)
    counts = {}
    for row in rows[::2]:
        for x in range(0, w * bpp, 2 * bpp):
            px = row[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    return len(counts), 1 - max(counts.values()) / total


def load(html, png):
    """Console lines Chromium logged for the page."""
    url = "file://" + os.path.abspath(html)
    # A profile of its own: Chromium hands a second instance on one
    # profile to the first, and loads would wait for each other.
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        p = subprocess.run(CHROMIUM + ["--user-data-dir=" + profile,
                                       "--screenshot=" + png, url],
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, HOME=profile))
    if not os.path.exists(png):
        raise RuntimeError(f"chromium wrote no screenshot (status "
                           f"{p.returncode}): {p.stderr[-600:]}")
    return [l for l in p.stderr.splitlines() if ":CONSOLE" in l]


def self_contained(html):
    text = open(html, encoding="utf-8").read()
    bad = re.findall(r'(?:src|href|xlink:href)\s*=\s*["\']?\s*'
                     r'((?:https?:)?//[^"\' >]*)', text, re.I)
    bad += re.findall(r'url\(\s*["\']?((?:https?:)?//[^)"\']*)', text, re.I)
    bad += re.findall(r'@import', text)
    return bad


def write_reports(dmakit, work, failures):
    """Each report written and checked for self-containment; the pages
    that exist, by name."""
    pages = {}
    for name, args, status in REPORTS:
        html = os.path.join(work, name + ".html")
        png = os.path.join(work, name + ".png")
        for f in (html, png):
            if os.path.exists(f):
                os.remove(f)
        p = subprocess.run([dmakit] + args + ["--report", html],
                           capture_output=True, text=True, timeout=300)
        if p.returncode != status:
            failures.append(f"{name}: dmakit exited with {p.returncode}, "
                            f"expected {status}: {p.stderr.strip()[:300]}")
            continue
        if not os.path.exists(html):
            failures.append(f"{name}: no report written")
            continue
        ext = self_contained(html)
        if ext:
            failures.append(f"{name}: not self-contained: {ext[:3]}")
        pages[name] = html
    return pages


def main():
    dmakit, hostile, work = sys.argv[1], sys.argv[2], sys.argv[3]
    keep = {}
    for a in sys.argv[4:]:
        if a.startswith("--keep="):
            k, v = a[len("--keep="):].split("=", 1)
            keep[k] = v
    if not shutil.which("chromium"):
        print("browser: chromium is not installed (apt-get install chromium)")
        return 1
    os.makedirs(work, exist_ok=True)
    failures = []

    # Controls: the checks must be able to fail.
    controls = {
        "control-error": "<!DOCTYPE html><html><body><h1>control</h1>"
                         "<script>no_such_function();</script></body></html>",
        "control-blank": "<!DOCTYPE html><html><body></body></html>",
    }
    pages = {}
    for name, text in controls.items():
        pages[name] = os.path.join(work, name + ".html")
        with open(pages[name], "w") as f:
            f.write(text)
    dtb = os.path.join(work, "hostile-model.dtb")
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb,
                    hostile], check=True)
    REPORTS.append(("run-hostile-model", ["run", "--platform", dtb,
                                          "--ops", "200"], 0))
    pages.update(write_reports(dmakit, work, failures))
    if "run-hostile-model" in pages:
        text = open(pages["run-hostile-model"], encoding="utf-8").read()
        if re.search(r"<script|<img|<b>", text, re.I) or \
                "&lt;script&gt;nope()" not in text:
            failures.append("run-hostile-model: the model string was not "
                            "escaped")

    # Chromium spends most of a load waiting: three at a time.
    def one(name):
        png = os.path.join(work, name + ".png")
        try:
            return name, load(pages[name], png), colour_stats(png), None
        except Exception as e:  # noqa: BLE001 - reported as a failure
            return name, [], (0, 0.0), str(e)

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
        results = dict((r[0], r[1:]) for r in ex.map(one, pages))

    for name in pages:
        console, (ncol, busy), err = results[name]
        blank = ncol < 16 or busy < 0.02
        if err:
            failures.append(f"{name}: {err}")
            continue
        if name == "control-error":
            if not console:
                failures.append("control: a script error was not seen in "
                                "the console")
            continue
        if name == "control-blank":
            if not blank:
                failures.append("control: a blank page was not seen as blank")
            continue
        errs = []
        if console:
            errs.append(f"{name}: console: " + "; ".join(console[:3]))
        if blank:
            errs.append(f"{name}: the screenshot looks blank ({ncol} "
                        f"colours, {busy:.1%} of pixels off the background)")
        failures += errs
        print(f"browser: {name}: {os.path.getsize(pages[name])} bytes, "
              f"{ncol} colours, {busy:.0%} of the screenshot drawn, "
              f"{'clean' if not errs else 'FAILED'}")
        if name in keep:
            shutil.copyfile(os.path.join(work, name + ".png"), keep[name])
    for f in failures:
        print("browser: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
