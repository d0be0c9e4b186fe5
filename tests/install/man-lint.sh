#!/bin/sh
# SPDX-License-Identifier: MIT
# The man pages are clean roff: groff with every warning on says nothing,
# mandoc's linter finds nothing at warning level or above, and man(1)
# renders each into a page that starts with its own title.
# usage: man-lint.sh PAGE...
set -eu
rc=0
for page in "$@"; do
	before=$rc rc=0
	out=$(groff -ww -z -man -t "$page" 2>&1) || { echo "groff failed on $page"; rc=1; }
	[ -z "$out" ] || { echo "$out"; rc=1; }
	out=$(mandoc -T lint -W warning "$page" 2>&1) || true
	[ -z "$out" ] || { echo "$out"; rc=1; }
	name=$(basename "$page")
	title=$(echo "${name%.*}" | tr '[:lower:]' '[:upper:]')
	err=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null) || true
	[ -z "$err" ] || { echo "man -l $page: $err"; rc=1; }
	MANWIDTH=80 man -l "$page" 2>/dev/null | head -n 1 |
		grep -q "^$title(${name##*.})" ||
		{ echo "man -l $page does not render its title $title"; rc=1; }
	[ $rc = 1 ] || echo "man-lint: $name clean"
	[ "$before" = 0 ] || rc=1
done
exit $rc
