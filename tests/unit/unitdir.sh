#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Where "make install" puts zramfsd.service, which needs no root: configure
# runs in scratch build directories with several prefixes and the unit is
# installed under a DESTDIR.  The unit follows --prefix (a staging or /opt
# install must never replace the system's unit), lands where systemd looks
# for --prefix=/usr (the README's command) and /usr/local, goes exactly
# where --with-systemdsystemunitdir=DIR says, and not at all with "no".
#
# configure cannot run elsewhere from a source tree configured in place
# (automake refuses), so it runs from a shadow of the source tree: a
# directory of symbolic links to every top-level entry but config.status.
# Five configure runs sharing one cache take about ten seconds.
# tests/system/lib.sh gives the reporting and the cleanup; nothing here
# needs root or touches the system.
set -u
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
# Not a sub-make of the one running the tests: its jobserver is not ours.
unset MAKEFLAGS MFLAGS MAKELEVEL

tmp=$(mktemp -d /tmp/zramfs-test-unitdir.XXXXXX) || fail "mktemp"
at_exit rm -rf "$tmp"

mkdir "$tmp/src" || fail "mkdir $tmp/src"
srcdir=$(cd "$top_srcdir" && pwd)
for f in "$srcdir"/* "$srcdir"/.[!.]*; do
	[ -e "$f" ] || continue
	case ${f##*/} in
	config.status | config.log | config.cache) ;;
	*) ln -s "$f" "$tmp/src/" || fail "ln -s $f" ;;
	esac
done

# install_unit NAME CONFIGURE-ARGS...: configures build directory NAME and
# installs the unit alone into $tmp/NAME.dest/ (a "no" taken for a
# relative directory would put it in there too); prints the files installed
# there, relative to it.
install_unit() {
	local name=$1
	shift
	mkdir "$tmp/$name" &&
		(cd "$tmp/$name" &&
			"$tmp/src/configure" -q \
				--cache-file="$tmp/config.cache" "$@" \
				>configure.out 2>&1 &&
			make -s install-systemdsystemunitDATA \
				DESTDIR="$tmp/$name.dest/" >make.out 2>&1) ||
		{ cat "$tmp/$name"/*.out >&2; return 1; }
	mkdir -p "$tmp/$name.dest"
	(cd "$tmp/$name.dest" && find . -type f | sed 's|^\.||')
}

# The directories systemd reads system units from, if systemd-analyze can
# say (it needs no running systemd).
unit_paths=$(systemd-analyze --system unit-paths 2>/dev/null)

opt=/work/staging/opt/zramfs
files=$(install_unit opt --prefix="$opt") ||
	fail "--prefix=$opt: configure or make failed"
expect_eq "--prefix=$opt: the unit installed" "$files" \
	"$opt/lib/systemd/system/zramfsd.service"
grep -qx "ExecStart=$opt/sbin/zramfsd -f" "$tmp/opt.dest$files" ||
	fail "the unit does not run $opt/sbin/zramfsd"
ok "and it runs the binary of that prefix"

for prefix in /usr /usr/local; do
	files=$(install_unit "prefix${prefix//\//-}" --prefix=$prefix) ||
		fail "--prefix=$prefix: configure or make failed"
	expect_eq "--prefix=$prefix: the unit installed" "$files" \
		"$prefix/lib/systemd/system/zramfsd.service"
	if [ -n "$unit_paths" ]; then
		grep -qx "$prefix/lib/systemd/system" <<<"$unit_paths" ||
			fail "systemd does not read $prefix/lib/systemd/system"
		ok "where systemd looks for units"
	else
		note "systemd-analyze cannot list the unit directories"
	fi
done

files=$(install_unit dir --prefix="$opt" \
	--with-systemdsystemunitdir=/lib/systemd/system) ||
	fail "--with-systemdsystemunitdir=DIR: configure or make failed"
expect_eq "--with-systemdsystemunitdir=DIR: the unit installed" "$files" \
	/lib/systemd/system/zramfsd.service

files=$(install_unit no --prefix="$opt" --with-systemdsystemunitdir=no) ||
	fail "--with-systemdsystemunitdir=no: configure or make failed"
expect_eq "--with-systemdsystemunitdir=no: the files installed" "$files" ""
