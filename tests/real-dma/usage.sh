#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The scripts of `make real-dma` (platform/linux/) as a user meets them,
# without building or booting anything: bad usage is one line on stderr,
# nothing on stdout, exit 2.  The real run is `make real-dma` itself.
#
#   usage.sh PLATFORM_LINUX_DIR
set -u
dir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0

fail() {
	echo "FAIL: $*"
	exit 1
}

bad() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] || fail "$* exited $rc, not 2"
	[ ! -s "$tmp/out" ] || fail "$*: printed on stdout"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "$*: not one line on stderr"
	n=$((n + 1))
}

bad "$dir/real-dma.sh" riscv64
bad "$dir/real-dma.sh" x86_64 arm16
bad env SEED=seven "$dir/real-dma.sh" x86_64
bad env MIN_BYTES=-1 "$dir/real-dma.sh" x86_64
bad env XEN_QEMU="$tmp/nowhere" "$dir/real-dma.sh" x86_64
bad "$dir/build.sh"
bad "$dir/build.sh" x86_64
bad "$dir/build.sh" sparc "$tmp/out-dir"
echo "$n passed, 0 failed"
