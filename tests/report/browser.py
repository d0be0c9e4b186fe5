#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The --report pages in a real browser.

Writes each report with the dmakit binary (the writers run side by
side), checks that the file is self-contained (nothing fetched: no src,
href or url() that leaves the page), loads it in headless Chromium, and
checks that the page logged nothing to the console and threw nothing
(the reports have no script; a message means an error) and that its
screenshot is not blank (distinct colours counted from the PNG, decoded
here with zlib).  Two control pages first prove that both checks can
fail: one with a script error, one blank.

One Chromium serves every page: the test drives it over the DevTools
protocol on a pipe (--remote-debugging-pipe, fds 3 and 4), navigating
one tab from page to page, so the browser starts once instead of once a
page; its start-up was most of the test's time.

A board whose model string is markup (tests/data/dts/hostile-model.dts,
compiled with dtc) must come out as text: no <script> or <img> of its own
in the page, and nothing in the console.

usage: browser.py DMAKIT HOSTILE.dts WORKDIR [--keep=NAME=DEST.png]
"""
import base64
import concurrent.futures
import json
import os
import re
import shutil
import struct
import select
import subprocess
import sys
import tempfile
import time
import zlib

CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--hide-scrollbars", "--no-first-run", "--disable-extensions",
            "--remote-debugging-pipe", "--window-size=1280,1800"]
WIDTH, HEIGHT = 1280, 1800

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


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe:
    JSON messages ended by a NUL byte, commands on the browser's fd 3,
    answers and events on its fd 4."""

    def __init__(self, profile, log, timeout=120):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        def fds():
            # In the child: the pipe ends onto fds 3 and 4 (copied away
            # first, in case they are 3 and 4 the other way round).
            r, w = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        # close_fds=False: Python's own fds are close-on-exec anyway, and
        # the ones made in fds() must survive the exec.
        self.proc = subprocess.Popen(
            CHROMIUM + ["--user-data-dir=" + profile, "about:blank"],
            preexec_fn=fds, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=log,
            env=dict(os.environ, HOME=profile))
        self.log = log
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.timeout = timeout
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("chromium did not answer in time")
            r, _, _ = select.select([self.from_browser], [], [], left)
            if r:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    self.log.seek(0)
                    err = self.log.read().decode(errors="replace")
                    raise RuntimeError("chromium closed the pipe: " +
                                       err[-400:])
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, session=True, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method):
        deadline = time.monotonic() + self.timeout
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                del self.events[i]
                return m
        while True:
            m = self._read(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def open_tab(self):
        target = self.call("Target.createTarget", session=False,
                           url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", session=False,
                                 targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH,
                  height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def screenshot(self, png, scale):
        """The viewport, scaled, as a PNG file."""
        shot = self.call("Page.captureScreenshot", format="png",
                         clip={"x": 0, "y": 0, "width": WIDTH,
                               "height": HEIGHT, "scale": scale})
        with open(png, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def load(self, html, png):
        """Console messages, exceptions and log entries of the page;
        its screenshot at a quarter of the size written to png (decoding
        the full one in Python took seconds a page)."""
        self.events = []
        self.call("Page.navigate", url="file://" + os.path.abspath(html))
        self.wait_event("Page.loadEventFired")
        self.screenshot(png, 0.25)
        # Whatever the page said up to now (the reports have no script:
        # an entry of any of these kinds is an error).
        said = []
        for m in self.events:
            p = m.get("params", {})
            if m.get("method") == "Runtime.consoleAPICalled":
                said.append("console." + p.get("type", "?") + ": " +
                            " ".join(str(a.get("value", a.get("description",
                                                               "")))
                                     for a in p.get("args", [])))
            elif m.get("method") == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                said.append("exception: " + d.get("text", "") + " " +
                            d.get("exception", {}).get("description", ""))
            elif m.get("method") == "Log.entryAdded":
                e = p.get("entry", {})
                said.append(f"log {e.get('level')}: {e.get('text')}")
        return said

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except Exception:  # noqa: BLE001 - it is going anyway
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)


def self_contained(html):
    text = open(html, encoding="utf-8").read()
    bad = re.findall(r'(?:src|href|xlink:href)\s*=\s*["\']?\s*'
                     r'((?:https?:)?//[^"\' >]*)', text, re.I)
    bad += re.findall(r'url\(\s*["\']?((?:https?:)?//[^)"\']*)', text, re.I)
    bad += re.findall(r'@import', text)
    return bad


def write_report(dmakit, work, report):
    """One report written; (name, html, expected status, the run)."""
    name, args, status = report
    html = os.path.join(work, name + ".html")
    png = os.path.join(work, name + ".png")
    for f in (html, png):
        if os.path.exists(f):
            os.remove(f)
    p = subprocess.run([dmakit] + args + ["--report", html],
                       capture_output=True, text=True, timeout=300)
    return name, html, status, p


def report_written(done, failures):
    """The page of a finished write_report, checked for
    self-containment; None when there is none to load."""
    name, html, status, p = done
    if p.returncode != status:
        failures.append(f"{name}: dmakit exited with {p.returncode}, "
                        f"expected {status}: {p.stderr.strip()[:300]}")
        return None
    if not os.path.exists(html):
        failures.append(f"{name}: no report written")
        return None
    ext = self_contained(html)
    if ext:
        failures.append(f"{name}: not self-contained: {ext[:3]}")
    return html


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
    # The reports are written side by side while one browser starts and
    # loads the controls; each page is loaded in the one tab as soon as
    # its report is there.
    t_start = time.monotonic()
    t_reports = None
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex, \
            tempfile.TemporaryDirectory(prefix="chromium-") as profile, \
            tempfile.TemporaryFile() as log:
        writing = [ex.submit(write_report, dmakit, work, r)
                   for r in REPORTS]
        browser = None

        def load(name):
            png = os.path.join(work, name + ".png")
            try:
                results[name] = (browser.load(pages[name], png),
                                 colour_stats(png), None)
                if name in keep:
                    browser.screenshot(keep[name], 1)
            except Exception as e:  # noqa: BLE001 - a failure
                results[name] = ([], (0, 0.0), str(e))

        try:
            browser = Browser(profile, log)
            browser.open_tab()
            for name in list(pages):
                load(name)
            for fut in concurrent.futures.as_completed(writing):
                done = fut.result()
                html = report_written(done, failures)
                if html:
                    pages[done[0]] = html
                    load(done[0])
            t_reports = time.monotonic() - t_start
        except Exception as e:  # noqa: BLE001 - reported as a failure
            concurrent.futures.wait(writing)
            for fut in writing:
                html = report_written(fut.result(), failures)
                if html:
                    pages[fut.result()[0]] = html
            for name in pages:
                results.setdefault(name, ([], (0, 0.0),
                                          f"chromium: {e}"))
        finally:
            if browser:
                browser.close()
    t_all = time.monotonic() - t_start
    if "run-hostile-model" in pages:
        text = open(pages["run-hostile-model"], encoding="utf-8").read()
        if re.search(r"<script|<img|<b>", text, re.I) or \
                "&lt;script&gt;nope()" not in text:
            failures.append("run-hostile-model: the model string was not "
                            "escaped")

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
    # How long it took, and how loaded the machine was meanwhile.
    # How long it took, and what the machine was doing meanwhile: the
    # CPU time (this script, dmakit, Chromium and its helpers) says what
    # the test costs whatever else runs.
    t = os.times()
    cpu = t.user + t.system + t.children_user + t.children_system
    print(f"browser: {len(REPORTS)} reports written and {len(pages)} "
          f"pages loaded in one Chromium in {t_all:.1f} s, {cpu:.1f} s "
          f"of CPU (the last page loaded at {t_reports or 0:.1f} s; load "
          f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    for f in failures:
        print("browser: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
