#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# zramfsd's command line and start-up errors, which need no root: every
# configuration error is reported as FILE:LINE: [section] key: reason, the
# exit status is non-zero, and nothing is mounted.  An unknown option gets
# getopt's message and a pointer to --help; -m must be an absolute path to a
# directory; --check-config reports and exits without mounting anything.
# tests/system/lib.sh gives the reporting and the cleanup.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"

require_cmd timeout
require_built "$ZRAMFSD"
make_workdir
tmp=$WORK
# Run as root, a zramfsd that wrongly accepted a mountpoint would mount it:
# nothing under $tmp may stay mounted when it goes.
umount_strays() {
	awk -v t="$tmp/" 'index($2, t) == 1 { print $2 }' /proc/mounts |
		while read -r m; do umount -l "$m"; done
}
at_exit umount_strays

# run ARG...: runs zramfsd ARG... (for 10 s at most: one that wrongly
# mounted would serve until stopped); sets OUT (stdout and stderr) and RC.
run() {
	RC=0
	OUT=$(timeout 10 "$ZRAMFSD" "$@" 2>&1) || RC=$?
}

# expect_line WHAT ERE: a line of OUT matches ERE.
expect_line() {
	local line
	line=$(grep -m 1 -E -- "$2" <<<"$OUT") || fail "$1: no line /$2/ in: $OUT"
	ok "$1: $line"
}

# expect_absent PATH: zramfsd made nothing at PATH.
expect_absent() {
	[ ! -e "$1" ] || fail "$1 exists"
	ok "and creates nothing at $1"
}

run --version
expect_eq "--version: exit status" "$RC" 0
[ "${OUT#zramfsd }" != "$OUT" ] || fail "--version prints '$OUT'"
ok "--version prints the version: $OUT"
run --help
expect_line "--help documents the options" "--mountpoint"
run --bogus
expect_eq "an unknown option: exit status" "$RC" 1
expect_eq "with getopt's message and a pointer to --help" "$OUT" \
	"$ZRAMFSD: unrecognized option '--bogus'
Try 'zramfsd --help' for more information."
run extra
[ "$RC" != 0 ] || fail "a stray argument: exit status 0"
ok "a stray argument fails ($RC)"

# -m: as the configuration's mountpoint, an absolute path, and a directory.
printf '# empty\n' >"$tmp/empty.conf"
cd "$tmp"
run -f -c "$tmp/empty.conf" -m relative
cd - >/dev/null
expect_eq "-m with a relative path: exit status" "$RC" 1
expect_line "and says so" \
	"^zramfsd: -m relative: the mountpoint must be an absolute path"
expect_absent "$tmp/relative"
echo "not a directory" >"$tmp/file"
run -f -c "$tmp/empty.conf" -m "$tmp/file"
expect_eq "-m with a regular file: exit status" "$RC" 1
expect_line "and says so" "^zramfsd: $tmp/file: not a directory\$"
expect_eq "and leaves the file alone" "$(cat "$tmp/file")" "not a directory"

# --check-config: the configuration, in short; nothing mounted or made.
printf '[zramfsd]\nmountpoint = %s/mnt\nthreads = 4\n\n[zramfs0]\ndisksize = 64M\ncomp_algorithm = lz4\nswap_priority = 7\ndiscard = pages\n\n[zramfs2]\ndisksize = 1G\nalgorithm_params = level=1\nswap = no\n' "$tmp" >"$tmp/good.conf"
run --check-config -c "$tmp/good.conf"
expect_eq "--check-config of a valid file: exit status" "$RC" 0
expect_eq "and shows it" "$OUT" "$tmp/good.conf: OK
mountpoint $tmp/mnt, 4 FUSE threads
zramfs0: disksize 67108864, lz4, swap priority 7 discard pages
zramfs2: disksize 1073741824, zstd (level=1), no swap"
expect_absent "$tmp/mnt"
run --check-config -c "$tmp/good.conf" -m /elsewhere
expect_line "-m overrides the mountpoint it shows" \
	"^mountpoint /elsewhere, 4 FUSE threads\$"
printf '[zramfs0]\ndisksize = 1G\ngc_mode = lazy\n' >"$tmp/bad2.conf"
run --check-config -c "$tmp/bad2.conf"
expect_eq "--check-config of an invalid file: exit status" "$RC" 1
expect_line "with FILE:LINE: [section] key: reason" \
	"^$tmp/bad2.conf:3: \[zramfs0\] gc_mode: "

run -f -c "$tmp/missing.conf" -m "$tmp/mnt"
[ "$RC" != 0 ] || fail "an explicit config that does not exist: exit status 0"
ok "an explicit config that does not exist fails ($RC)"
expect_line "and says which file" "missing.conf: No such file"
expect_absent "$tmp/mnt"

printf '[zramfsd]\nmountpoint = %s/mnt\n\n[zramfs0]\ndisksize = lots\n' "$tmp" >"$tmp/bad.conf"
run -f -c "$tmp/bad.conf"
[ "$RC" != 0 ] || fail "an invalid value: exit status 0"
ok "an invalid value fails ($RC)"
expect_line "reported as FILE:LINE: [section] key: reason" \
	"^$tmp/bad.conf:5: \[zramfs0\] disksize: "
expect_absent "$tmp/mnt"

mkdir "$tmp/bad.conf.d"
printf '[zramfs0]\ndisksize = 1G\n' >"$tmp/bad.conf"
printf '[zramfs0]\n\nfrobnicate = 1\n' >"$tmp/bad.conf.d/50-x.conf"
run -f -c "$tmp/bad.conf" -m "$tmp/mnt"
[ "$RC" != 0 ] || fail "an unknown key in a drop-in: exit status 0"
ok "an unknown key in a drop-in fails ($RC)"
expect_line "reported with the drop-in's name and line" \
	"bad.conf.d/50-x.conf:3: \[zramfs0\] frobnicate: unknown key"
