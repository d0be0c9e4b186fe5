#!/bin/sh
# SPDX-License-Identifier: MIT
# Run `dmakit run --json` over every .dtb under a directory (Debian's
# kernel packages ship hundreds: dpkg -x linux-image-*.deb DIR) and
# count the verdicts.  A tree whose RAM firmware fills in is run with
# --mem 1G (then 2G if a pool does not fit); when that guess at address
# 0 is refused or fails, the same sizes at 0x40000000, 0x80000000 and
# 0xc0000000 (where i.MX8M and STM32MP1 boards have their RAM) are
# tried, and the line says which guess ran ("mem=1G@0x40000000").  One
# line per tree in OUT (verdict, masters found, masters run, wrong
# bytes, faults, path, the RAM guess if any), a summary on stdout.  ARGS go to every run and inspect (e.g. --arch
# arm32 for the trees of a 32-bit kernel package).  By default a run
# takes one master of each kind (dmakit run's covering set); with
# --every-master it names every master inspect lists (--device, at most
# 64: a tree's loader keeps no more).
# Usage: tests/dt/sweep.sh [--every-master] DMAKIT DIR OUT [OPS [ARGS...]]
set -u
every=0
[ "${1:-}" = "--every-master" ] && { every=1; shift; }
[ $# -ge 3 ] || { echo "usage: $0 [--every-master] DMAKIT DIR OUT [OPS [ARGS...]]" >&2; exit 2; }
dmakit=$1 dir=$2 out=$3 ops=${4:-100}
shift 3
[ $# -gt 0 ] && shift
# run_mem TREE MEM ARGS...: one run; sets j, rc, devs
run_mem() {
	f=$1 mem=$2
	shift 2
	devs=
	[ $every = 1 ] && devs=$("$dmakit" inspect "$f" $mem "$@" --json 2>/dev/null |
		python3 -c 'import json,sys
print(" ".join("--device " + d["path"] for d in json.load(sys.stdin)["devices"]))' 2>/dev/null)
	j=$("$dmakit" run --platform "$f" $mem $devs "$@" --ops "$ops" --json 2>/tmp/sweep.$$.err)
	rc=$?
}
verdict_ok() {
	[ $rc -ne 2 ] && echo "$j" | python3 -c 'import json,sys
sys.exit(0 if json.load(sys.stdin)["integrity"]["ok"] else 1)' 2>/dev/null
}
one() {
	f=$1
	shift
	for mem in "" "--mem 1G" "--mem 2G"; do
		run_mem "$f" "$mem" "$@"
		if [ $rc -ne 2 ] || ! grep -q -- "--mem" /tmp/sweep.$$.err; then
			break
		fi
	done
	mem0=$mem
	if [ -n "$mem" ] && ! verdict_ok; then
		for base in 0x40000000 0x80000000 0xc0000000; do
			for size in 1G 2G; do
				run_mem "$f" "--mem $size@$base" "$@"
				[ $rc -ne 2 ] || ! grep -q -- "--mem" /tmp/sweep.$$.err && break
			done
			verdict_ok && break
		done
		verdict_ok || run_mem "$f" "$mem0" "$@"
	fi
	guess=
	[ -n "$mem" ] && guess="mem=${mem#--mem }"
	if [ $rc -eq 2 ]; then
		echo "refused 0 0 0 0 $f $guess $(head -c 160 /tmp/sweep.$$.err)"
	else
		found=$("$dmakit" inspect "$f" $mem "$@" --json 2>/dev/null |
			python3 -c 'import json,sys; print(len(json.load(sys.stdin)["devices"]))' 2>/dev/null || echo 0)
		echo "$j" | python3 -c '
import json,sys
r=json.load(sys.stdin); i=r["integrity"]
print("%s %s %d %d %d" % ("ok" if i["ok"] else "FAILED", sys.argv[1], len(r["devices"]), i["corrupted_bytes"], i["faults"]), end=" ")' "$found" 2>/dev/null || printf 'noparse 0 0 0 0 '
		echo "$f${guess:+ $guess}"
	fi
	rm -f /tmp/sweep.$$.err
}
find "$dir" -name '*.dtb' | sort | while read -r f; do one "$f" "$@"; done > "$out"
awk '{n[$1]++; f+=$2; m+=$3; w+=$4; fl+=$5; if ($2 == 0 && $1 == "ok") z++}
     /mem=[^ ]*@/ {b++}
END {for (k in n) printf "%s %d\n", k, n[k];
     printf "RAM guessed at a non-zero base: %d\n", b;
     printf "trees %d, masters found %d, masters run %d, trees without a master %d, wrong bytes %d, faults %d\n", NR, f, m, z, w, fl}' "$out"
