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
# Four configure runs sharing one cache take a few seconds.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}
tmp=$(mktemp -d /tmp/zramfs-test-unitdir.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
# Not a sub-make of the one running the tests: its jobserver is not ours.
unset MAKEFLAGS MFLAGS MAKELEVEL

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

mkdir "$tmp/src"
for f in "$top_srcdir"/* "$top_srcdir"/.[!.]*; do
	[ -e "$f" ] || continue
	case ${f##*/} in
	config.status | config.log | config.cache) ;;
	*) ln -s "$(cd "$(dirname "$f")" && pwd)/${f##*/}" "$tmp/src/" ;;
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
			"$tmp/src/configure" -q --cache-file="$tmp/config.cache" \
				"$@" >configure.out 2>&1 &&
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
files=$(install_unit opt --prefix="$opt")
check "--prefix=$opt: the unit under the prefix ($files)" \
	[ "$files" = "$opt/lib/systemd/system/zramfsd.service" ]
check "and it runs the binary of that prefix" \
	grep -qx "ExecStart=$opt/sbin/zramfsd -f" "$tmp/opt.dest$files"

for prefix in /usr /usr/local; do
	files=$(install_unit "prefix${prefix//\//-}" --prefix=$prefix)
	check "--prefix=$prefix: the unit in $prefix/lib/systemd/system ($files)" \
		[ "$files" = "$prefix/lib/systemd/system/zramfsd.service" ]
	if [ -n "$unit_paths" ]; then
		check "where systemd looks for units" \
			grep -qx "$prefix/lib/systemd/system" <<<"$unit_paths"
	else
		echo "# systemd-analyze cannot list the unit directories"
	fi
done

files=$(install_unit dir --prefix="$opt" \
	--with-systemdsystemunitdir=/lib/systemd/system)
check "--with-systemdsystemunitdir=DIR: the unit in DIR ($files)" \
	[ "$files" = /lib/systemd/system/zramfsd.service ]

files=$(install_unit no --prefix="$opt" --with-systemdsystemunitdir=no)
rc=$?
check "--with-systemdsystemunitdir=no: installs, no unit (${files:-none})" \
	[ $rc -eq 0 -a -z "$files" ]

[ $fails -eq 0 ]
