#!/bin/sh
# SPDX-License-Identifier: MIT
#
# `meson install --destdir D` and then what a user of the installed tree
# does: find dmakit through pkg-config (PKG_CONFIG_SYSROOT_DIR and
# PKG_CONFIG_LIBDIR point into D, so nothing of the build tree or of the
# system's /usr/local can answer), compile an outside program with the
# compiler and flags pkg-config gives, link it once against the shared
# libraries and once against the static ones, and run both.  Also the
# installed command, the headers and the man pages must be where the
# README says.
#
# usage: install.sh BUILDDIR PROGRAM.c CC [SANITIZE]
#   SANITIZE is the build's b_sanitize ('none' or e.g. address,undefined):
#   a sanitized library needs the same runtime in the outside program.
set -eu

build=$1 prog=$2 cc=$3 san=${4:-none}
fail() { echo "install: $*" >&2; exit 1; }

dest=$(mktemp -d "${TMPDIR:-/tmp}/dmakit-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$dest.log" 2>&1 ||
	{ cat "$dest.log" >&2; rm -f "$dest.log"; fail "meson install failed"; }
rm -f "$dest.log"

# Where each piece goes, from the build's own options (prefix /usr/local
# by default; Debian's multiarch libdir).
opt() {
	meson introspect "$build" --buildoptions | python3 -c \
		'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]==sys.argv[1]))' "$1"
}
prefix=$(opt prefix) libdir=$(opt libdir) bindir=$(opt bindir)
incdir=$(opt includedir) mandir=$(opt mandir)
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
root=$dest$prefix
lib=$dest$libdir

for f in "$root/$bindir/dmakit" \
	"$lib/libdmakit.so" "$lib/libdmakit.a" \
	"$lib/libdmakit-host.so" "$lib/libdmakit-host.a" \
	"$lib/pkgconfig/dmakit.pc" "$lib/pkgconfig/dmakit-host.pc" \
	"$root/$mandir/man1/dmakit.1" "$root/$mandir/man3/libdmakit.3" \
	"$root/$mandir/man7/dmakit-platform.7"; do
	[ -e "$f" ] || fail "not installed: ${f#"$dest"}"
done
for h in dmakit.h dma.h dma-map-ops.h platform.h system.h xen.h xen-ext.h \
	dmk_env.h host.h; do
	[ -f "$root/$incdir/dmakit/$h" ] || fail "header not installed: $h"
done

# The installed command runs (it links the static libraries).
"$root/$bindir/dmakit" --version | grep -q '^dmakit ' ||
	fail "installed dmakit --version"

export PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_LIBDIR="$lib/pkgconfig"
unset PKG_CONFIG_PATH
cflags=$(pkg-config --cflags dmakit-host) || fail "pkg-config --cflags"
libs=$(pkg-config --libs dmakit-host) || fail "pkg-config --libs"
sL=$(pkg-config --static --libs-only-L dmakit-host) &&
	sl=$(pkg-config --static --libs-only-l dmakit-host) &&
	so=$(pkg-config --static --libs-only-other dmakit-host) ||
	fail "pkg-config --static --libs"
case "$cflags $libs" in
*"$dest"*) ;;
*) fail "pkg-config did not point into the install tree: $cflags $libs" ;;
esac

extra=
[ "$san" = none ] || extra="-fsanitize=$san"

# Shared: the program finds the libraries of the install tree only.
# shellcheck disable=SC2086
$cc $extra $cflags -o "$dest/outside" "$prog" $libs ||
	fail "compiling against the installed tree (shared) failed"
out=$(LD_LIBRARY_PATH="$lib" "$dest/outside") ||
	fail "the outside program (shared) exited with $?"
echo "shared: $out"
LD_LIBRARY_PATH="$lib" ldd "$dest/outside" | grep -q "$lib/libdmakit.so" ||
	fail "the shared program did not load the installed libdmakit.so"

# Static: the archives, with what --static adds (-pthread).
# shellcheck disable=SC2086
$cc $extra $cflags -o "$dest/outside-static" "$prog" \
	$sL -Wl,-Bstatic $sl -Wl,-Bdynamic $so ||
	fail "compiling against the installed tree (static) failed"
if ldd "$dest/outside-static" | grep -q libdmakit; then
	fail "the static program still needs a shared libdmakit"
fi
out=$("$dest/outside-static") || fail "the outside program (static) exited with $?"
echo "static: $out"
