#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0
#
# Build dmakit-edu.ko (the library, its Linux platform and the edu driver)
# for Debian 12's 6.1 kernel of one architecture.
#
#   build.sh ARCH OUT      ARCH: x86_64 | arm64 | arm32; OUT: a directory
#
# x86_64 builds against the installed linux-headers-6.1.0-50-amd64.  arm64
# and arm32 fetch Debian's linux-headers-6.1.0-50-{arm64,armmp-lpae} and
# -common .debs with apt (that architecture's own package lists, kept in
# OUT; no dpkg --add-architecture) and build with the host's kbuild tools:
# the headers' scripts/ is a symlink to linux-kbuild-6.1, which Debian
# ships per architecture, so it is pointed at the host's (x86-64) one, and
# the cross compilers are Debian's gcc-aarch64-linux-gnu and
# gcc-arm-linux-gnueabihf.  The module ends up as OUT/dmakit-edu.ko.
set -euo pipefail

usage() { echo "usage: build.sh x86_64|arm64|arm32 OUT_DIR" >&2; exit 2; }
[ $# = 2 ] || usage
ARCH=$1
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
KABI=6.1.0-50

case $ARCH in
x86_64) DEBARCH=amd64; FLAVOUR=amd64; KARCH=x86; CROSS= ;;
arm64)  DEBARCH=arm64; FLAVOUR=arm64; KARCH=arm64; CROSS=aarch64-linux-gnu- ;;
arm32)  DEBARCH=armhf; FLAVOUR=armmp-lpae; KARCH=arm; CROSS=arm-linux-gnueabihf- ;;
*) usage ;;
esac

need() {
	command -v "$1" >/dev/null || {
		echo "build.sh: missing $1 (apt-get install $2)" >&2
		exit 2
	}
}
need make make
need gcc-12 gcc-12
[ -z "$CROSS" ] || need "${CROSS}gcc-12" "gcc-${CROSS%-}"
[ -d /usr/lib/linux-kbuild-6.1/scripts ] ||
	{ echo "build.sh: missing linux-kbuild-6.1 (apt-get install linux-headers-$KABI-amd64)" >&2; exit 2; }
[ -f /usr/include/xen/memory.h ] ||
	{ echo "build.sh: missing Xen's public headers (apt-get install libxen-dev)" >&2; exit 2; }

# 1. the kernel headers
if [ "$ARCH" = x86_64 ]; then
	KDIR=/usr/src/linux-headers-$KABI-amd64
	[ -f "$KDIR/Makefile" ] ||
		{ echo "build.sh: missing $KDIR (apt-get install linux-headers-$KABI-amd64)" >&2; exit 2; }
else
	DL=$OUT/dl-headers
	ROOT=$DL/root
	KDIR=$ROOT/usr/src/linux-headers-$KABI-$FLAVOUR
	COMMON=$ROOT/usr/src/linux-headers-$KABI-common
	if [ ! -f "$KDIR/.dmakit-ready" ]; then
		mkdir -p "$DL/lists/partial"
		A=(-oAPT::Architecture=$DEBARCH -oAPT::Architectures=$DEBARCH
			-oDir::State::Lists="$DL/lists")
		(
			cd "$DL"
			for p in linux-headers-$KABI-$FLAVOUR linux-headers-$KABI-common; do
				ls "${p}"_*.deb >/dev/null 2>&1 && continue
				ls "$DL"/lists/*binary-${DEBARCH}_Packages* >/dev/null 2>&1 ||
					apt-get "${A[@]}" update >&2
				apt-get "${A[@]}" download "$p" >&2
			done
		)
		rm -rf "$ROOT"
		for d in "$DL"/linux-headers-*.deb; do dpkg -x "$d" "$ROOT"; done
		# Debian's scripts/ and tools/ are relative symlinks to that
		# architecture's linux-kbuild-6.1; use the host's instead.
		for d in "$KDIR" "$COMMON"; do
			ln -sfn /usr/lib/linux-kbuild-6.1/scripts "$d/scripts"
			ln -sfn /usr/lib/linux-kbuild-6.1/tools "$d/tools"
		done
		# Its Makefile includes the common one by absolute path.
		echo "include $COMMON/Makefile" >"$KDIR/Makefile"
		touch "$KDIR/.dmakit-ready"
	fi
fi

# 2. the module's directory: links to the sources, objects beside them
M=$OUT/module
rm -rf "$M"
mkdir -p "$M/linux" "$M/xenpub"
cp "$REPO/platform/linux/Kbuild" "$M/Kbuild"
ln -s "$REPO"/platform/linux/*.[ch] "$M/linux/"
cp -rs "$REPO/src" "$M/src"
cp -rs "$REPO/include" "$M/include"
ln -s /usr/include/xen "$M/xenpub/xen-public"

# 3. the build
make -s -C "$KDIR" M="$M" ARCH=$KARCH ${CROSS:+CROSS_COMPILE=$CROSS} modules
cp "$M/dmakit-edu.ko" "$OUT/dmakit-edu.ko"
