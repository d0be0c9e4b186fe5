#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0
#
# `make real-dma`: dmakit in a real Linux kernel on real Xen 4.17, driving
# QEMU's edu DMA engines.  For each architecture: build dmakit-edu.ko
# (build.sh), boot Xen with Debian's 6.1 dom0 under QEMU with four edu
# devices (../shared/xen-qemu/run-in-dom0.sh), load the module there, and
# judge what it reports together with what QEMU logged about the devices.
#
#   real-dma.sh [ARCH...]     ARCH: x86_64, arm64, arm32 (Debian's
#                             armmp-lpae dom0); default: x86_64 arm64
#
# Prints, per architecture, exactly
#   real-dma ARCH: integrity: OK (N bytes checked, 0 wrong, 0 faults)
#   real-dma ARCH dynamic: OK (...)   (a dynamic swiotlb grown for real)
#   real-dma ARCH naive: N wrong bytes (...)
# and the run's details indented below.  Exit 0 when every architecture's
# integrity holds with at least MIN_BYTES checked and, where the naive
# designs must fail (x86 PV), they did; 1 otherwise; 2 for bad usage.
#
# Env: OUT (build/real-dma), SEED (1), MIN_BYTES (1000000), XEN_QEMU (the
# directory of run-in-dom0.sh; default ../shared/xen-qemu beside the repo).
# Every architecture boots with its own work directory OUT/ARCH/w, which
# also keeps the .debs: never share one with another run.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$REPO/build/real-dma}
SEED=${SEED:-1}
MIN_BYTES=${MIN_BYTES:-1000000}
XEN_QEMU=${XEN_QEMU:-$REPO/../shared/xen-qemu}
RUN=$XEN_QEMU/run-in-dom0.sh
NEDU=4

ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(x86_64 arm64)
for a in "${ARCHES[@]}"; do
	case $a in x86_64 | arm64 | arm32) ;; *)
		echo "real-dma.sh: unknown architecture '$a' (x86_64, arm64, arm32)" >&2
		exit 2
		;;
	esac
done
case $SEED$MIN_BYTES in *[!0-9]*)
	echo "real-dma.sh: SEED and MIN_BYTES must be decimal numbers" >&2
	exit 2
	;;
esac
[ -x "$RUN" ] || { echo "real-dma.sh: $RUN not found (set XEN_QEMU)" >&2; exit 2; }

# key=value from a "dmakit-edu: result ..." line; empty when absent.
field() { sed -n "s/.* $1=\([0-9a-z_]*\).*/\1/p" <<<"$2" | head -1; }

# What each architecture's machine looks like.
#   x86_64: a 512 MiB PV dom0 on 2 GiB, whose machine frames lie mostly
#           above edu's default 28-bit reach: swiotlb-xen must exchange its
#           pool below it, and coherent buffers need contiguous regions.
#   arm64:  a 3 GiB 1:1 dom0 on 5 GiB, so that Xen gives it RAM on both
#           sides of 4 GiB (bank 0 as low as it can, the rest above), and
#           a 32-bit reach: buffers above 4 GiB must bounce.  Devices 1
#           and 3 are treated as not cache-coherent, to run the arm64
#           maintenance (QEMU's TCG has no cache model to catch a miss),
#           and device 1 also DMAs through a page dom0 granted to itself
#           and mapped back, which needs GNTTABOP_cache_flush.
# Fields: dma_bits noncoherent_mask MEM DOM0_MEM foreign-device (-1: none)
machine() {
	case $1 in
	x86_64) echo "28 0 2G 512M -1" ;;
	arm64) echo "32 0xa 5G 3G 1" ;;
	arm32) echo "32 0xa 1G 512M 1" ;;
	esac
}

one_arch() {
	local arch=$1 dir=$OUT/$1 bits ncmask mem dom0mem mask qlog out result naive
	local foreign
	read -r bits ncmask mem dom0mem foreign <<<"$(machine "$arch")"
	mask=$(printf '0x%x' $(((1 << bits) - 1)))
	mkdir -p "$dir"
	if ! "$REPO/platform/linux/build.sh" "$arch" "$dir" >"$dir/build.log" 2>&1; then
		echo "real-dma $arch: integrity: FAILED (the module did not build; see $dir/build.log)"
		tail -20 "$dir/build.log" | sed 's/^/  /'
		return 1
	fi
	rm -rf "$dir/payload"
	mkdir -p "$dir/payload"
	cp "$dir/dmakit-edu.ko" "$dir/payload/"
	cat >"$dir/payload/run" <<EOF
#!/bin/sh
insmod /payload/dmakit-edu.ko seed=$SEED min_bytes=$MIN_BYTES dma_bits=$bits noncoherent_mask=$ncmask foreign=$foreign dynamic=1 dynamic_stride=8
echo "dmakit-edu: insmod rc=\$?"
dmesg | grep -E 'dmakit|BUG|Oops|WARNING|Call Trace' | sed 's/^\[[ 0-9.]*\] //'
EOF
	chmod +x "$dir/payload/run"
	local extra="" i
	for ((i = 0; i < NEDU; i++)); do extra+=" -device edu,dma_mask=$mask"; done
	qlog=$dir/w/qemu-guest.log
	mkdir -p "$dir/w"
	rm -f "$qlog"
	out=$dir/payload.out
	# QEMU_TIMEOUT: run-in-dom0.sh's 300 s is tight for this payload
	# (about 2.3 MB through the devices under TCG) on a loaded machine.
	if ! QEMU_TIMEOUT=${QEMU_TIMEOUT:-900} ARCH=$arch W=$dir/w MEM=$mem DOM0_MEM=$dom0mem QEMU_EXTRA="$extra -d guest_errors -D $qlog" \
		"$RUN" "$dir/payload" >"$out" 2>"$dir/boot.err"; then
		echo "real-dma $arch: integrity: FAILED (the boot failed; see $dir/boot.err and $dir/w/boot.log)"
		tail -5 "$dir/boot.err" | sed 's/^/  /'
		return 1
	fi
	result=$(grep -m1 'dmakit-edu: result ' "$out" || true)
	naive=$(grep -m1 'dmakit-edu: naive ' "$out" || true)
	if [ -z "$result" ] || ! grep -q 'dmakit-edu: done;' "$out"; then
		echo "real-dma $arch: integrity: FAILED (no verdict from the module; see $out)"
		grep -E 'dmakit|BUG|Oops' "$out" | tail -15 | sed 's/^/  /'
		return 1
	fi
	local checked wrong faults p2mfail clamps beyond extra_faults ok=0
	checked=$(field checked "$result")
	wrong=$(field wrong "$result")
	faults=$(field faults "$result")
	p2mfail=$(grep -m1 'dmakit-edu: done;' "$out" | sed -n 's/.*p2m_failures=\([0-9]*\).*/\1/p')
	# The device's own complaints: a DMA beyond its reach is clamped.
	# Only the naive designs may cause one, once per transfer beyond.
	# QEMU 7.2 creates the -D file but the message reaches its stdout.
	clamps=$(cat "$qlog" "$out" 2>/dev/null | grep -c 'EDU: clamping DMA' || true)
	local b1 b2
	b1=$(field pfn_beyond "$naive")
	b2=$(field noncontig_beyond "$naive")
	beyond=$((${b1:-0} + ${b2:-0}))
	extra_faults=0
	[ "${clamps:-0}" -le "$beyond" ] || extra_faults=$((clamps - beyond))
	faults=$((faults + p2mfail + extra_faults))
	# A self-granted page where asked for: it must map, move its bytes
	# right, and make swiotlb-xen call GNTTABOP_cache_flush.
	local fline
	fline=$(grep -m1 'dmakit-edu: foreign arch=' "$out" || true)
	if [ "$foreign" != -1 ]; then
		if [ -z "$fline" ] || [ "$(field map_error "$fline")" != 0 ] ||
			[ "$(field cache_flushes "$fline")" = 0 ] ||
			[ "$(field unmap_error "$fline")" != 0 ]; then
			faults=$((faults + 1))
		fi
	fi
	# The dynamic swiotlb: every held mapping bounced and checked, the
	# pool list grown on the workqueue, nothing transient left.
	local dline dyn_ok=1
	dline=$(grep -m1 'dmakit-edu: dynamic arch=' "$out" || true)
	if [ -n "$dline" ] && [ "$(field map_failed "$dline")" = 0 ] &&
		[ "$(field wrong "$dline")" = 0 ] && [ "$(field faults "$dline")" = 0 ] &&
		[ "$(field transient_left "$dline")" = 0 ] &&
		[ "$(field pools_after "$dline")" -ge 2 ] &&
		[ "$(field deferred "$dline")" -ge 1 ] &&
		[ "$(field checked "$dline")" = $((2 * 4000 * (($(field held "$dline") + 7) / 8))) ]; then
		dyn_ok=0
	fi
	if [ "$wrong" = 0 ] && [ "$faults" = 0 ] && [ "$checked" -ge "$MIN_BYTES" ]; then
		echo "real-dma $arch: integrity: OK ($checked bytes checked, 0 wrong, 0 faults)"
	else
		echo "real-dma $arch: integrity: FAILED ($checked bytes checked, $wrong wrong, $faults faults)"
		ok=1
	fi
	local keys k
	keys="devices transfers maps bounced coherent sg_entries partial_syncs pool_slots pool_hiwater pages_exchanged exchanges p2m_updates hypercalls cache_ops"
	printf '  '
	for k in $keys; do printf '%s=%s ' "$k" "$(field "$k" "$result")"; done
	printf 'qemu_clamps=%s\n' "${clamps:-0}"
	grep -E 'dmakit-edu: (naive: |p2m: |XENMEM_exchange |foreign)' "$out" | sed 's/^dmakit-edu: /  /'
	if [ "$dyn_ok" = 0 ]; then
		echo "real-dma $arch dynamic: OK ($(field held "$dline") bounced mappings alive at once, every 8th through the device: $(field checked "$dline") bytes checked, 0 wrong; $(field pools_after "$dline") pools after $(field deferred "$dline") growths on the workqueue, $(field transient_total "$dline") transient pools, none left)"
	else
		echo "real-dma $arch dynamic: FAILED (${dline:-no dynamic line; see $out})"
		ok=1
	fi

	if [ -z "$naive" ]; then
		echo "real-dma $arch naive: not run (see $out)"
		return 1
	fi
	local pw pb nw nb total
	pw=$(field pfn_wrong "$naive")
	pb=$(field pfn_bytes "$naive")
	nw=$(field noncontig_wrong "$naive")
	nb=$(field noncontig_bytes "$naive")
	total=$((pw + nw))
	echo "real-dma $arch naive: $total wrong bytes (pfn as bus address: $pw of $pb wrong; two pages without a contiguous region: $nw of $nb wrong; $beyond transfers beyond the device's reach)"
	# Where dom0 is not 1:1 the naive designs must fail.
	if [ "$arch" = x86_64 ] && [ "$total" = 0 ]; then
		ok=1
	fi
	return $ok
}

rc=0
for a in "${ARCHES[@]}"; do
	one_arch "$a" || rc=1
done
exit $rc
