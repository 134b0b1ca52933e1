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
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}
export LC_ALL=C.UTF-8
fails=0

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL - cannot run: $* (CI=true: no skipping)"
		exit 1
	fi
	echo "SKIP - $*"
	exit 77
}

check() { # DESCRIPTION CONDITION...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "FAIL - $what"
		fails=$((fails + 1))
	fi
}

command -v man >/dev/null 2>&1 || skip "man is not installed"

# page NAME: the path of the generated page NAME (zramfsd.8).
page() {
	local p
	for p in "$top_builddir/man/$1" "$top_srcdir/man/$1"; do
		if [ -f "$p" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# words PAGE: the page's roff source without font changes and escapes, so
# that "\fBmem_limit\fR" and "\-\-swapon" read as the words they are.
words() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\-/-/g' \
		-e 's/\\&//g' -e 's/\\(aq/'"'"'/g' "$1"
}

# mentions PAGE NAME: whether NAME occurs in PAGE as a whole word.
mentions() {
	words "$1" | grep -q -E -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)"
}

for name in zramfsd.8 zramfsctl.8 zramfsd.conf.5; do
	if ! p=$(page "$name"); then
		check "$name exists (built from man/$name.scd)" false
		continue
	fi
	out=$(man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
	check "$name renders without warnings${out:+: $out}" [ -z "$out" ]
	out=$(MANWIDTH=80 man -E UTF-8 -l "$p" 2>/dev/null | head -n 1)
	check "$name renders: $out" grep -q "^${name%.*}(${name##*.})" <<<"$out"
done

# Every attribute of dev.c's table: { "name", show, store }.
attrs=$(sed -n '/^const struct dev_attr dev_attrs\[\] = {/,/^};/p' \
	"$top_srcdir/daemon/dev.c" | sed -n 's/^[[:space:]]*{ *"\([a-z_]*\)",.*/\1/p')
check "dev.c's attribute table is found" [ -n "$attrs" ]
if p=$(page zramfsd.8); then
	for a in $attrs hot_add hot_remove data; do
		check "zramfsd.8 documents the attribute $a" mentions "$p" "$a"
	done
fi

# Every key of conf.c's table: { SCOPE_..., "name", default, parse }.
keys=$(sed -n '/^static const struct key keys\[\] = {/,/^};/p' \
	"$top_srcdir/daemon/conf.c" | sed -n 's/.*SCOPE_[A-Z]*, *"\([a-z_]*\)".*/\1/p')
check "conf.c's key table is found" [ -n "$keys" ]
if p=$(page zramfsd.conf.5); then
	for k in $keys; do
		check "zramfsd.conf.5 documents the key $k" mentions "$p" "$k"
	done
fi

# Every long option in zramfsctl --help.
if opts=$("$top_builddir/zramfsctl" --help 2>/dev/null); then
	opts=$(grep -o -E -- '--[a-z][a-z-]*' <<<"$opts" | sort -u)
	check "zramfsctl --help lists long options" [ -n "$opts" ]
	if p=$(page zramfsctl.8); then
		for o in $opts; do
			check "zramfsctl.8 documents $o" mentions "$p" "$o"
		done
	fi
else
	check "zramfsctl --help runs" false
fi

# And zramfsd's own options.
if opts=$("$top_builddir/zramfsd" --help 2>/dev/null); then
	opts=$(grep -o -E -- '--[a-z][a-z-]*' <<<"$opts" | sort -u)
	if p=$(page zramfsd.8); then
		for o in $opts; do
			check "zramfsd.8 documents $o" mentions "$p" "$o"
		done
	fi
else
	check "zramfsd --help runs" false
fi

[ $fails -eq 0 ]
