#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Progress is shown on a terminal and nowhere else.

Runs `dmakit scenarios run` three ways: stderr on a pseudo-terminal
(progress lines must appear there, naming the scenario, and the table on
stdout must be the same as without them), stderr on a pipe (nothing on
stderr), and with --json on a terminal (nothing on stderr).  Then the
same three ways for `dmakit faults` on a few injection points of one
platform (its progress names the platform).
usage: terminal.py DMAKIT"""
import os
import pty
import subprocess
import sys

ARGS = ["scenarios", "run", "1", "3", "--ops", "50"]
FAULTS = ["faults", "--platform", "arm64-native", "--ops", "1", "--max", "3",
          "-j", "1"]


def run(dmakit, extra, tty, args=ARGS):
    if tty:
        master, slave = pty.openpty()
        p = subprocess.Popen([dmakit] + args + extra, stdout=subprocess.PIPE,
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
        p = subprocess.run([dmakit] + args + extra, capture_output=True)
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
    rc, out_tty, err_tty = run(dmakit, [], True, FAULTS)
    if rc != 0:
        bad.append(f"faults on a terminal: exit {rc}")
    if "arm64-native: 0/3 (0%)" not in err_tty or \
            "arm64-native: 3/3 (100%)" not in err_tty:
        bad.append(f"faults: no progress on the terminal: {err_tty[:200]!r}")
    rc, out_pipe, err_pipe = run(dmakit, [], False, FAULTS)
    if rc != 0 or err_pipe:
        bad.append(f"faults on a pipe: exit {rc}, stderr {err_pipe[:200]!r}")
    if out_pipe.split("(")[0] != out_tty.split("(")[0]:
        bad.append("faults: the report differs when progress is shown")
    rc, _, err_json = run(dmakit, ["--json"], True, FAULTS)
    if rc != 0 or err_json:
        bad.append(f"faults --json on a terminal: exit {rc}, "
                   f"stderr {err_json[:200]!r}")
    for b in bad:
        print("progress: " + b)
    if not bad:
        print("progress: shown on a terminal, quiet on a pipe and with --json")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
