#!/bin/sh
# dmakit inspect's exit codes: 0 on good trees, 2 with one "dmakit: FILE:
# reason" line on stderr for bad input (check-run.py checks those).
# usage: inspect-exit.sh DMAKIT DTBDIR CHECK-RUN.PY
set -u
dmakit=$1
dir=$2
check_run=$3
err=$(mktemp)
trap 'rm -f "$err"' EXIT
fails=0

expect() {
	want=$1
	shift
	if ! python3 "$check_run" "$dmakit" "$want" --command inspect \
		-- "$@" >"$err" 2>&1; then
		echo "FAIL: dmakit inspect $*"
		cat "$err"
		fails=$((fails + 1))
	fi
}

expect 0 "$dir/qemu-virt-smmu.dtb"
expect 0 "$dir/xen-dom0-qemu-virt.dtb" --json
expect 0 "$dir/bcm2711-rpi-4-b.dtb" --mem 2G
expect 0 "$dir/juno-r2.dtb" --dom0
expect 0 "$dir/qemu-virt.dtb" --all --arch arm32
expect 0 "$dir/imx8mq-evk.dtb" --all --json
expect 2 "$dir/bcm2711-rpi-4-b.dtb"
expect 2 "$dir/does-not-exist.dtb"
expect 2 "$dir/qemu-virt.dtb" --mem banana
expect 2 "$dir/qemu-virt.dtb" --frobnicate
expect 2 "$dir/qemu-virt.dtb" --arch riscv
expect 2 "$dir/qemu-virt.dtb" --arch
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
