#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# zramfsd's command line and start-up errors, which need no root: every
# configuration error is reported as FILE:LINE: [section] key: reason, the
# exit status is non-zero, and nothing is mounted.  An unknown option gets
# getopt's message and a pointer to --help; -m must be an absolute path to a
# directory; --check-config reports and exits without mounting anything.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
zramfsd=$top_builddir/zramfsd
tmp=$(mktemp -d /tmp/zramfs-test-cli.XXXXXX)
# Run as root, a zramfsd that wrongly accepted a mountpoint would mount it:
# nothing under $tmp may stay mounted when it goes.
cleanup() {
	awk -v t="$tmp/" 'index($2, t) == 1 { print $2 }' /proc/mounts |
		while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
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
err=$("$zramfsd" --bogus 2>&1)
rc=$?
check "an unknown option fails with status 1 ($rc)" [ $rc -eq 1 ]
check "with getopt's message and a pointer to --help: $err" \
	[ "$err" = "$zramfsd: unrecognized option '--bogus'
Try 'zramfsd --help' for more information." ]
"$zramfsd" extra >/dev/null 2>&1; check "a stray argument fails" [ $? -ne 0 ]

# -m: as the configuration's mountpoint, an absolute path, and a directory.
printf '# empty\n' >"$tmp/empty.conf"
err=$(cd "$tmp" && timeout 10 "$zramfsd" -f -c "$tmp/empty.conf" -m relative 2>&1)
rc=$?
check "-m with a relative path fails with status 1 ($rc)" [ $rc -eq 1 ]
check "and says so: $err" grep -q "^zramfsd: -m relative: the mountpoint must be an absolute path" <<<"$err"
check "and creates nothing" [ ! -e "$tmp/relative" ]
echo "not a directory" >"$tmp/file"
err=$(timeout 10 "$zramfsd" -f -c "$tmp/empty.conf" -m "$tmp/file" 2>&1)
rc=$?
check "-m with a regular file fails with status 1 ($rc)" [ $rc -eq 1 ]
check "and says so: $err" grep -qx "zramfsd: $tmp/file: not a directory" <<<"$err"
check "and leaves the file alone" [ "$(cat "$tmp/file")" = "not a directory" ]

# --check-config: the configuration, in short; nothing mounted or made.
printf '[zramfsd]\nmountpoint = %s/mnt\nthreads = 4\n\n[zramfs0]\ndisksize = 64M\ncomp_algorithm = lz4\nswap_priority = 7\ndiscard = pages\n\n[zramfs2]\ndisksize = 1G\nalgorithm_params = level=1\nswap = no\n' "$tmp" >"$tmp/good.conf"
out=$("$zramfsd" --check-config -c "$tmp/good.conf" 2>&1)
rc=$?
check "--check-config of a valid file exits 0 ($rc)" [ $rc -eq 0 ]
check "and shows it: $out" [ "$out" = "$tmp/good.conf: OK
mountpoint $tmp/mnt, 4 FUSE threads
zramfs0: disksize 67108864, lz4, swap priority 7 discard pages
zramfs2: disksize 1073741824, zstd (level=1), no swap" ]
check "and makes no mountpoint" [ ! -e "$tmp/mnt" ]
out=$("$zramfsd" --check-config -c "$tmp/good.conf" -m /elsewhere 2>&1)
check "-m overrides the mountpoint it shows" grep -qx "mountpoint /elsewhere, 4 FUSE threads" <<<"$out"
printf '[zramfs0]\ndisksize = 1G\ngc_mode = lazy\n' >"$tmp/bad2.conf"
err=$("$zramfsd" --check-config -c "$tmp/bad2.conf" 2>&1)
rc=$?
check "--check-config of an invalid file exits 1 ($rc)" [ $rc -eq 1 ]
check "with FILE:LINE: [section] key: reason: $err" \
	grep -q "^$tmp/bad2.conf:3: \[zramfs0\] gc_mode: " <<<"$err"

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
