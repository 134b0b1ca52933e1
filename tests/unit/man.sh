#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages, which need no root: each renders with man --warnings
# without a single warning, zramfsd(8) names every attribute of the table in
# daemon/dev.c, zramfsd.conf(5) every key of the table in daemon/conf.c, and
# zramfsctl(8) every long option zramfsctl --help lists.  So a new attribute,
# key or option cannot ship undocumented.
#
# The pages are looked for in the build tree, then in the source tree (a
# build from the tarball uses the distributed pages where they are).
# Without man(1) the test is skipped, exit 77 (under CI=true it fails).
# tests/system/lib.sh gives the reporting.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"
export LC_ALL=C.UTF-8

require_cmd man

# page NAME: the path of the generated page NAME (zramfsd.8).
page() {
	local p
	for p in "$top_builddir/man/$1" "$top_srcdir/man/$1"; do
		if [ -f "$p" ]; then
			echo "$p"
			return 0
		fi
	done
	fail "$1: not in $top_builddir/man or $top_srcdir/man (made from" \
		"man/$1.scd)"
}

# words PAGE: the page's roff source without font changes and escapes, so
# that "\fBmem_limit\fR" and "\-\-swapon" read as the words they are.
words() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\-/-/g' \
		-e 's/\\&//g' -e 's/\\(aq/'"'"'/g' "$1"
}

# documents PAGE WHAT NAME...: PAGE mentions each NAME (WHAT: "the
# attribute", "the key" or nothing) as a whole word; fails naming every
# NAME it does not.
documents() {
	local p=$1 what=$2 text n missing=
	shift 2
	text=$(words "$p")
	for n; do
		if grep -q -E -- "(^|[^A-Za-z0-9_-])$n([^A-Za-z0-9_-]|\$)" <<<"$text"; then
			ok "${p##*/} documents ${what:+$what }$n"
		else
			missing="$missing $n"
		fi
	done
	[ -z "$missing" ] || fail "${p##*/} does not document${what:+ $what}:$missing"
}

for name in zramfsd.8 zramfsctl.8 zramfsd.conf.5; do
	p=$(page "$name")
	out=$(man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null) || true
	[ -z "$out" ] || fail "$name renders with warnings: $out"
	ok "$name renders without warnings"
	out=$(MANWIDTH=80 man -E UTF-8 -l "$p" 2>/dev/null) || fail "man -l $p"
	out=${out%%$'\n'*}
	grep -q "^${name%.*}(${name##*.})" <<<"$out" ||
		fail "$name renders as '$out'"
	ok "$name renders: $out"
done

# Every attribute of dev.c's table: { "name", show, store }.
attrs=$(sed -n '/^const struct dev_attr dev_attrs\[\] = {/,/^};/p' \
	"$top_srcdir/daemon/dev.c" | sed -n 's/^[[:space:]]*{ *"\([a-z_]*\)",.*/\1/p')
[ -n "$attrs" ] || fail "dev.c's attribute table is not found"
ok "dev.c's attribute table is found"
# shellcheck disable=SC2086 # one name a word
documents "$(page zramfsd.8)" "the attribute" $attrs hot_add hot_remove data

# Every key of conf.c's table: { SCOPE_..., "name", default, parse }.
keys=$(sed -n '/^static const struct key keys\[\] = {/,/^};/p' \
	"$top_srcdir/daemon/conf.c" | sed -n 's/.*SCOPE_[A-Z]*, *"\([a-z_]*\)".*/\1/p')
[ -n "$keys" ] || fail "conf.c's key table is not found"
ok "conf.c's key table is found"
# shellcheck disable=SC2086
documents "$(page zramfsd.conf.5)" "the key" $keys

# Every long option in zramfsctl --help, and zramfsd's own.
for prog in zramfsctl zramfsd; do
	opts=$("$top_builddir/$prog" --help 2>/dev/null) ||
		fail "$prog --help fails"
	opts=$(grep -o -E -- '--[a-z][a-z-]*' <<<"$opts" | sort -u)
	[ -n "$opts" ] || fail "$prog --help lists no long options"
	ok "$prog --help lists long options"
	# shellcheck disable=SC2086
	documents "$(page "$prog.8")" "" $opts
done
