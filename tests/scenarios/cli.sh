#!/bin/sh
# SPDX-License-Identifier: MIT
# dmakit scenarios as a user meets it: the list, one scenario run as a
# table and as JSON, and bad usage (exit 2 and one line on stderr, as
# check-run.py checks it).  usage: cli.sh DMAKIT CHECK-RUN.PY
set -u
dmakit="$1"
check_run="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

# expect CODE ARGS...: the exit code, with stdout and stderr kept.
expect() {
	want=$1
	shift
	"$dmakit" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" = "$want" ] || fail "dmakit $* exited $got, not $want"
}

expect 0 scenarios
[ "$(grep -c '^ *[0-9][0-9]*  ' "$tmp/out")" = 13 ] ||
	fail "the list does not have thirteen scenarios"
grep -q 'real: *make real-dma' "$tmp/out" ||
	fail "the list does not point at the real run"
grep -q 'stage2-contiguity' "$tmp/out" || fail "slug missing from the list"
grep -q "Don't bet on this for ARMv8" "$tmp/out" ||
	fail "the list does not quote the thread"

expect 0 scenarios list
expect 0 scenarios --help
expect 0 scenarios run --help

expect 0 scenarios run 3 --ops 100 --seed 5
grep -q '^ 3  armv8-dont-bet .* pass' "$tmp/out" || fail "no pass row for 3"
grep -q '^1 passed, 0 failed$' "$tmp/out" || fail "no closing count"

expect 0 scenarios run --json --ops 100 smmu
python3 - "$tmp/out" <<'PY' || fail "bad JSON for scenario 6"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1
s = a[0]
assert s["id"] == 6 and s["slug"] == "smmu" and s["pass"] is True
for k in ("claim", "platform", "naive", "naive_variants", "dmakit"):
    assert k in s, k
assert s["naive"]["wrong_bytes"] + s["naive"]["faults"] > 0
assert s["dmakit"]["wrong_bytes"] == 0 and s["dmakit"]["faults"] == 0
assert s["dmakit"]["exchanges"] == 0 and s["dmakit"]["bounces"] == 0
assert s["naive"]["design"] and s["dmakit"]["design"]
PY

for bad in "run 14" "run 0" "run nonsense" "frobnicate" "run --seed 0" \
	"run --ops x" "run --bogus" "list extra" "--seed 3 run" \
	"run --report /nonexistent/dir/s.html" "run --report="; do
	# shellcheck disable=SC2086
	python3 "$check_run" "$dmakit" 2 --command scenarios -- $bad ||
		fail "dmakit scenarios $bad: not a usage error"
done

[ $failed = 0 ] && echo "scenarios-cli: ok"
exit $failed
