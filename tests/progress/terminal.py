#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Progress is shown on a terminal and nowhere else.

Runs `dmakit scenarios run` three ways: stderr on a pseudo-terminal
(progress lines must appear there, naming the scenario, and the table on
stdout must be the same as without them), stderr on a pipe (nothing on
stderr), and with --json on a terminal (nothing on stderr).
usage: terminal.py DMAKIT"""
import os
import pty
import subprocess
import sys

ARGS = ["scenarios", "run", "1", "3", "--ops", "50"]


def run(dmakit, extra, tty):
    if tty:
        master, slave = pty.openpty()
        p = subprocess.Popen([dmakit] + ARGS + extra, stdout=subprocess.PIPE,
                             stderr=slave)
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            err += chunk
        out = p.stdout.read()
        p.wait()
        os.close(master)
    else:
        p = subprocess.run([dmakit] + ARGS + extra, capture_output=True)
        out, err = p.stdout, p.stderr
    return p.returncode, out.decode(), err.decode(errors="replace")


def main():
    dmakit = sys.argv[1]
    bad = []
    rc, out_tty, err_tty = run(dmakit, [], True)
    if rc != 0:
        bad.append(f"on a terminal: exit {rc}")
    if "scenarios: x86-free-pages  0/2 (0%)" not in err_tty or \
            "armv8-dont-bet  1/2" not in err_tty:
        bad.append(f"no progress on the terminal: {err_tty[:200]!r}")
    rc, out_pipe, err_pipe = run(dmakit, [], False)
    if rc != 0 or err_pipe:
        bad.append(f"on a pipe: exit {rc}, stderr {err_pipe[:200]!r}")
    if out_pipe != out_tty:
        bad.append("the table differs when progress is shown")
    rc, _, err_json = run(dmakit, ["--json"], True)
    if rc != 0 or err_json:
        bad.append(f"--json on a terminal: exit {rc}, stderr {err_json[:200]!r}")
    for b in bad:
        print("progress: " + b)
    if not bad:
        print("progress: shown on a terminal, quiet on a pipe and with --json")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
