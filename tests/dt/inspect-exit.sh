#!/bin/sh
# dmakit inspect's exit codes: 0 on good trees, 2 with one "dmakit: FILE:
# reason" line on stderr for bad input.  usage: inspect-exit.sh DMAKIT DTBDIR
set -u
dmakit=$1
dir=$2
err=$(mktemp)
trap 'rm -f "$err"' EXIT
fails=0

expect() {
	want=$1
	shift
	"$dmakit" inspect "$@" >/dev/null 2>"$err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: dmakit inspect $*: exit $got, want $want"
		cat "$err"
		fails=$((fails + 1))
	elif [ "$want" -eq 2 ]; then
		lines=$(wc -l <"$err")
		if [ "$lines" -ne 1 ] || ! grep -q '^dmakit: ' "$err"; then
			echo "FAIL: dmakit inspect $*: want one 'dmakit:' line"
			cat "$err"
			fails=$((fails + 1))
		fi
	fi
}

expect 0 "$dir/qemu-virt-smmu.dtb"
expect 0 "$dir/xen-dom0-qemu-virt.dtb" --json
expect 0 "$dir/bcm2711-rpi-4-b.dtb" --mem 2G
expect 0 "$dir/juno-r2.dtb" --dom0
expect 2 "$dir/bcm2711-rpi-4-b.dtb"
expect 2 "$dir/does-not-exist.dtb"
expect 2 "$dir/qemu-virt.dtb" --mem banana
expect 2 "$dir/qemu-virt.dtb" --frobnicate
expect 2
for f in "$dir"/hostile/*.dtb; do
	expect 2 "$f"
done
# a truncated copy of a real tree
head -c 3000 "$dir/juno-r2.dtb" >"$err.dtb"
expect 2 "$err.dtb"
rm -f "$err.dtb"

[ "$fails" -eq 0 ] && echo "inspect exit codes: ok"
exit "$fails"
