#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# zramfsd's command line and start-up errors, which need no root: every
# configuration error is reported as FILE:LINE: [section] key: reason, the
# exit status is non-zero, and nothing is mounted.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
zramfsd=$top_builddir/zramfsd
tmp=$(mktemp -d /tmp/zramfs-test-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

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

out=$("$zramfsd" --version)
check "--version prints the version" [ "${out#zramfsd }" != "$out" ]
"$zramfsd" --help | grep -q -- "--mountpoint" ; check "--help documents the options" [ $? -eq 0 ]
"$zramfsd" --bogus >/dev/null 2>&1; check "an unknown option fails" [ $? -ne 0 ]
"$zramfsd" extra >/dev/null 2>&1; check "a stray argument fails" [ $? -ne 0 ]

err=$("$zramfsd" -f -c "$tmp/missing.conf" -m "$tmp/mnt" 2>&1)
rc=$?
check "an explicit config that does not exist fails ($rc)" [ $rc -ne 0 ]
check "and says which file: $err" grep -q "missing.conf: No such file" <<<"$err"
check "and creates no mountpoint" [ ! -e "$tmp/mnt" ]

printf '[zramfsd]\nmountpoint = %s/mnt\n\n[zramfs0]\ndisksize = lots\n' "$tmp" >"$tmp/bad.conf"
err=$("$zramfsd" -f -c "$tmp/bad.conf" 2>&1)
rc=$?
check "an invalid value fails ($rc)" [ $rc -ne 0 ]
check "reported as FILE:LINE: [section] key: reason: $err" \
	grep -q "^$tmp/bad.conf:5: \[zramfs0\] disksize: " <<<"$err"
check "nothing mounted or created" [ ! -e "$tmp/mnt" ]

mkdir "$tmp/bad.conf.d"
printf '[zramfs0]\ndisksize = 1G\n' >"$tmp/bad.conf"
printf '[zramfs0]\n\nfrobnicate = 1\n' >"$tmp/bad.conf.d/50-x.conf"
err=$("$zramfsd" -f -c "$tmp/bad.conf" -m "$tmp/mnt" 2>&1)
rc=$?
check "an unknown key in a drop-in fails ($rc)" [ $rc -ne 0 ]
check "reported with the drop-in's name and line: $err" \
	grep -q "bad.conf.d/50-x.conf:3: \[zramfs0\] frobnicate: unknown key" <<<"$err"

[ $fails -eq 0 ]
