#!/bin/sh
# SPDX-License-Identifier: MIT
#
# `make freestanding`: prove that the library needs nothing of the world
# but dmk_env.h.  Every library source (src/, src/swiotlb/, src/xen/) is
# compiled with -ffreestanding -nostdinc against env/freestanding/dmk_env.h,
# the project's public headers and Xen's public ABI headers (libxen-dev's
# xen/ directory, alone), for x86_64, aarch64 and 32-bit ARM, with the warnings
# the project builds with, as errors.  The objects are then linked into
# one relocatable object per architecture whose undefined symbols must be
# the four functions the embedder provides and the memory builtins the
# compiler may still call; anything else (printf, malloc, pthread_*, a
# libgcc helper, an outline atomic) is a hidden dependency and fails.
#
# Usage: env/freestanding/check.sh BUILD_DIR    exit 0, or 1 on a finding,
#        2 on bad usage or a missing tool.
set -eu

out=${1:?usage: env/freestanding/check.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
xenpub=/usr/include/xen

[ -d "$xenpub" ] || { echo "freestanding: $xenpub missing (apt-get install libxen-dev)" >&2; exit 2; }

# The embedder's four functions, and what a compiler may emit for
# __builtin_memcpy & co. (the kernel and every libc provide them).
allowed='dmk_env_vsnprintf dmk_env_zalloc dmk_env_free dmk_env_bug memcpy memmove memset memcmp strlen'

# Xen's headers alone on the include path: a directory holding only xen/.
mkdir -p "$out/xen-abi"
ln -sfn "$xenpub" "$out/xen-abi/xen"

srcs=$(cd "$top" && ls src/*.c src/swiotlb/*.c src/xen/*.c)
status=0

check_arch() {
	arch=$1 cc=$2 ld=$3 nm=$4 archallowed=$5
	shift 5
	for t in "$cc" "$ld" "$nm"; do
		command -v "$t" >/dev/null 2>&1 || {
			echo "freestanding: $t missing (apt-get install gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf binutils)" >&2
			exit 2
		}
	done
	dir=$out/$arch
	rm -rf "$dir"
	mkdir -p "$dir"
	for s in $srcs; do
		o=$dir/$(echo "$s" | tr / _).o
		"$cc" -std=c11 -ffreestanding -nostdinc -O2 \
			-Wall -Wextra -Werror "$@" \
			-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
			-I"$top/include" -I"$top/env/freestanding" \
			-I"$top/src" -isystem "$out/xen-abi" \
			-c "$top/$s" -o "$o" || {
			echo "freestanding $arch: $s does not compile against dmk_env.h alone" >&2
			status=1
			return
		}
	done
	"$ld" -r -o "$dir/libdmakit.o" "$dir"/*.o
	undefined=$("$nm" -u "$dir/libdmakit.o" | awk '{print $2}' | sort -u)
	extra=
	for sym in $undefined; do
		case " $allowed $archallowed " in
		*" $sym "*) ;;
		*) extra="$extra $sym" ;;
		esac
	done
	if [ -n "$extra" ]; then
		echo "freestanding $arch: the library needs symbols its environment does not provide:$extra" >&2
		status=1
		return
	fi
	n=$(echo "$srcs" | wc -w)
	echo "freestanding $arch: $n library sources, needs only:" $undefined
}

check_arch x86_64 gcc ld nm '' -mno-red-zone
# The kernel's own choice: atomics inline, not libgcc's outline helpers.
check_arch aarch64 aarch64-linux-gnu-gcc aarch64-linux-gnu-ld \
	aarch64-linux-gnu-nm '' -mno-outline-atomics -mgeneral-regs-only
# 32-bit ARM (the thread's "ARM", an LPAE kernel), built as the kernel
# builds: no PIC, no FPU.  The only run-time helpers allowed are the ones
# Linux's arch/arm/lib and lib/clz_ctz.c provide: 32-bit division and
# 64-bit bit scans.  64-bit division (__aeabi_uldivmod) is not among
# them, as the kernel has none: a 64-bit '/' in the library fails here.
check_arch arm32 arm-linux-gnueabihf-gcc arm-linux-gnueabihf-ld \
	arm-linux-gnueabihf-nm \
	'__aeabi_uidiv __aeabi_uidivmod __aeabi_idiv __aeabi_idivmod __ctzdi2 __clzdi2' \
	-march=armv7-a -mfloat-abi=soft -fno-pic
exit $status
