#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tree.sh: the tree zramfsd serves, as zramfs-interface.md describes it.
# Mount and unmount (SIGTERM and SIGINT); control/hot_add and hot_remove;
# a device directory's contents; every attribute's read format; the write
# semantics of each writable attribute, including that a rejected write
# changes nothing; the EBUSY rules; the data file's size, blocks and times;
# hot_add read by many threads through one open file (one device); open
# attribute files of a removed device (ENODEV); and that only root may
# enter the tree.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_cmd setpriv stat fallocate
require_built "$DATATOOL"
timebox 180
# The tree's times are real: none earlier than this (with a second's slack
# for the coarse clock the daemon reads).
t_start=$(($(date +%s) - 1))
start_daemon

# ---- the mount and control/ -------------------------------------------------

fstype=$(awk -v m="$MNT" '$2 == m { print $3 }' /proc/mounts)
expect_match "filesystem type of $MNT" "$fstype" '^fuse(\.[a-z0-9_-]+)?$'
# list DIR: the names in DIR, sorted, on one line.
list() { (cd "$1" && shopt -s nullglob && echo *); }
# devices: the device directories under the mount.
devices() { (cd "$MNT" && shopt -s nullglob && echo zramfs*); }

expect_eq "control/ holds" "$(list "$MNT/control")" \
	"daemon_stat hot_add hot_remove poll_us"
expect_eq "devices before hot_add" "$(devices)" ""

raw() {
	local v
	v=$(cat "$1" && echo x) || return 1
	v=${v%x}
	printf '%s' "${v//$'\n'/\\n}"
}
expect_eq "first read of control/hot_add" "$(raw "$MNT/control/hot_add")" '0\n'
expect_eq "second read of control/hot_add" "$(raw "$MNT/control/hot_add")" '1\n'
[ -d "$MNT/zramfs0" ] && [ -d "$MNT/zramfs1" ] ||
	fail "zramfs0 and zramfs1 should exist: $(list "$MNT")"
ok "zramfs0 and zramfs1 exist"

expected_files="algorithm_params comp_algorithm compact data disksize gc_mode
	gc_stat initstate io_stat latency_stat mem_limit mem_used_max mm_stat
	reset swap"
for f in $expected_files; do
	[ -f "$MNT/zramfs0/$f" ] || fail "zramfs0/$f missing ($(list "$MNT/zramfs0"))"
done
ok "zramfs0 holds: $(list "$MNT/zramfs0")"
extra=$(list "$MNT/zramfs0" | tr ' ' '\n' |
	grep -vxF -f <(printf '%s\n' $expected_files) | xargs || true)
[ -z "$extra" ] || note "zramfs0 also holds (not in the contract): $extra"

# ---- read formats before initialisation -------------------------------------

d0=$(dev_dir 0)
expect_eq "initstate before disksize" "$(attr_raw 0 initstate)" '0\n'
expect_eq "disksize before disksize" "$(attr_raw 0 disksize)" '0\n'
expect_eq "data size before disksize" "$(stat -c %s "$d0/data")" 0
expect_eq "swap before disksize" "$(attr_raw 0 swap)" 'none\n'
expect_eq "gc_mode default" "$(attr_raw 0 gc_mode)" 'async\n'
expect_eq "mem_limit default" "$(attr_raw 0 mem_limit)" '0\n'
expect_eq "algorithm_params default" "$(attr_raw 0 algorithm_params)" '\n'

# check_numbers NAME MIN MAX: the attribute is one line of MIN..MAX numbers.
check_numbers() {
	local v x nums
	v=$(attr_raw 0 "$1")
	[[ $v == *'\n' && ${v%'\n'} != *'\n'* ]] || fail "$1: not one line: '$v'"
	read -r -a nums <<<"$(attr 0 "$1")"
	[ "${#nums[@]}" -ge "$2" ] && [ "${#nums[@]}" -le "$3" ] ||
		fail "$1: ${#nums[@]} fields, expected $2..$3: '$v'"
	for x in "${nums[@]}"; do
		[[ $x =~ ^[0-9]+$ ]] || fail "$1: field '$x' is not a number"
	done
	ok "$1: ${#nums[@]} numbers: ${nums[*]}"
}
check_numbers mm_stat 9 9
check_numbers io_stat 4 4
check_numbers gc_stat 4 64
check_numbers mem_used_max 1 1

# latency_stat: the lines read, write, discard, each a name and 28 numbers;
# COUNT is the sum of the 24 buckets, P50 <= P99 <= MAX.  Prints
# "READS WRITES DISCARDS".
check_latency() {
	awk -v want="read write discard" '
		{ kinds = kinds (NR > 1 ? " " : "") $1
		  if (NF != 29) { print "line " NR ": " NF - 1 " numbers"; exit 1 }
		  for (i = 2; i <= NF; i++)
			if ($i !~ /^[0-9]+$/) { print "not a number: " $i; exit 1 }
		  sum = 0
		  for (i = 6; i <= NF; i++) sum += $i
		  if (sum != $2) { print $1 ": count " $2 ", buckets " sum; exit 1 }
		  if ($3 > $4 || $4 > $5) { print $1 ": p50 p99 max " $3, $4, $5; exit 1 }
		  counts = counts (NR > 1 ? " " : "") $2 }
		END { if (kinds != want) { print "kinds: " kinds; exit 1 }
		      print counts }' "$MNT/zramfs$1/latency_stat"
}
expect_eq "latency_stat before disksize" "$(check_latency 0)" "0 0 0"
ok "latency_stat: three lines of 28 numbers"

# comp_algorithm: every name, the active one in brackets (a trailing space
# before the newline, as the kernel prints, is allowed).
check_algos() {
	local v active="" w
	v=$(attr 0 comp_algorithm)
	read -r -a algos <<<"$v"
	for w in "${algos[@]}"; do
		[[ $w =~ ^\[?[a-z0-9-]+\]?$ ]] || fail "comp_algorithm: bad word '$w' in '$v'"
		if [[ $w == \[*\] ]]; then
			[ -z "$active" ] || fail "comp_algorithm: two active: '$v'"
			active=${w:1:-1}
		fi
	done
	[ -n "$active" ] || fail "comp_algorithm: no [active] one: '$v'"
	algos=("${algos[@]//[\[\]]/}")
	ACTIVE=$active
}
check_algos
ok "comp_algorithm '$(attr 0 comp_algorithm)': ${algos[*]}, active $ACTIVE"
for a in lz4 zstd; do
	[[ " ${algos[*]} " == *" $a "* ]] || fail "comp_algorithm does not offer $a"
done
for a in "${algos[@]}"; do
	wattr 0 comp_algorithm "$a" || fail "comp_algorithm $a"
	check_algos
	expect_eq "active after writing $a" "$ACTIVE" "$a"
done

# ---- writes before initialisation -------------------------------------------

wattr 0 comp_algorithm zstd
for bad in lz5 ZSTD "" "zstd lz4"; do
	expect_fail EINVAL wattr 0 comp_algorithm "$bad"
	check_algos
	expect_eq "comp_algorithm after '$bad'" "$ACTIVE" zstd
done
wattr 0 algorithm_params "level=3" || fail "algorithm_params level=3 (zstd)"
ok "algorithm_params level=3 accepted for zstd"
# Read back in the form it is written, for the algorithm it was kept for.
expect_eq "algorithm_params after level=3" "$(attr_raw 0 algorithm_params)" \
	'algo=zstd level=3\n'
for bad in "level=abc" "level=" "nosuchkey=1" "level"; do
	expect_fail EINVAL wattr 0 algorithm_params "$bad"
	expect_eq "algorithm_params after '$bad'" "$(attr 0 algorithm_params)" \
		'algo=zstd level=3'
done
wattr 0 algorithm_params "algo=lz4hc level=10"
expect_eq "algorithm_params after algo=lz4hc level=10" \
	"$(attr_raw 0 algorithm_params)" 'algo=lz4hc level=10\n'
# What it reads, written back, is what it keeps.
attr 0 algorithm_params >"$WORK/params"
cp "$WORK/params" "$d0/algorithm_params"
expect_eq "algorithm_params written back" "$(attr 0 algorithm_params)" \
	'algo=lz4hc level=10'
wattr 0 algorithm_params ""
expect_eq "algorithm_params after an empty write" \
	"$(attr_raw 0 algorithm_params)" '\n'
wattr 0 algorithm_params "level=3"

for bad in abc 0 -1 12Q 1.5M 0x100000 "64M junk"; do
	expect_fail EINVAL wattr 0 disksize "$bad"
	expect_eq "disksize after '$bad'" "$(attr 0 disksize)" 0
	expect_eq "initstate after '$bad'" "$(attr 0 initstate)" 0
done

# ---- disksize ---------------------------------------------------------------

wattr 0 disksize 64M || fail "disksize 64M"
expect_eq "disksize after 64M" "$(attr_raw 0 disksize)" '67108864\n'
expect_eq "initstate after disksize" "$(attr_raw 0 initstate)" '1\n'
expect_eq "data size" "$(stat -c %s "$d0/data")" 67108864
expect_eq "data blocks before any write" "$(stat -c %b "$d0/data")" 0
for f in "$MNT" "$MNT/control" "$MNT/control/hot_add" "$d0" "$d0/disksize" \
	"$d0/data"; do
	for t in X Y Z; do
		v=$(stat -c "%$t" "$f")
		[ "$v" -ge "$t_start" ] ||
			fail "${f#"$MNT"}: time %$t is $v, before the test began ($t_start)"
	done
done
ok "the tree's times are real (not before $t_start)"
expect_fail EBUSY wattr 0 disksize 128M
expect_eq "disksize after the EBUSY write" "$(attr 0 disksize)" 67108864
expect_eq "data size after the EBUSY write" "$(stat -c %s "$d0/data")" 67108864
expect_fail EBUSY wattr 0 comp_algorithm lz4
check_algos
expect_eq "comp_algorithm after the EBUSY write" "$ACTIVE" zstd
expect_eq "swap after init" "$(attr_raw 0 swap)" 'none\n'

# The suffixes, one fresh device each.
for spec in "65536K 67108864" "1G 1073741824" "8388608 8388608" "3m 3145728"; do
	set -- $spec
	n=$(cat "$MNT/control/hot_add")
	wattr "$n" disksize "$1" || fail "zramfs$n: disksize $1"
	expect_eq "zramfs$n: disksize after '$1'" "$(attr "$n" disksize)" "$2"
	expect_eq "zramfs$n: data size after '$1'" "$(stat -c %s "$(dev_dir "$n")/data")" "$2"
	wctl hot_remove "$n" || fail "hot_remove $n"
	[ ! -e "$(dev_dir "$n")" ] || fail "zramfs$n still there after hot_remove"
done
ok "hot_remove takes the devices away"

# ---- hot_add: one open file read by many threads at once --------------------

# As sysfs: the first read of an open file renders it, once; every reader of
# that open file gets the same number, and one device is made.  The race is
# narrow: 200 rounds of 8 readers (without the fix about one round in ten
# made two devices here).
before=$(devices)
for ((round = 0; round < 200; round++)); do
	"$DATATOOL" preadrace "$MNT/control/hot_add" 8 >"$WORK/race.out" ||
		fail "datatool preadrace"
	[ "$(wc -l <"$WORK/race.out")" = 1 ] ||
		fail "round $round: 8 reads of one open hot_add got different answers: $(xargs <"$WORK/race.out")"
	read -r count n <"$WORK/race.out"
	n=${n%'\n'}
	[ "$count" = 8 ] && [[ $n =~ ^[0-9]+$ ]] ||
		fail "round $round: 8 reads of one open hot_add: $(cat "$WORK/race.out")"
	added=$(comm -13 <(echo "$before" | tr ' ' '\n') <(devices | tr ' ' '\n') | xargs)
	[ "$added" = "zramfs$n" ] ||
		fail "round $round: one open hot_add read by 8 threads made '$added'"
	wctl hot_remove "$n" || fail "hot_remove $n"
done
ok "200 times, 8 threads reading one open hot_add got one number, one device"

# ---- a removed device's open attribute files ---------------------------------

# Opened before hot_remove, they fail with ENODEV after it: no write may
# set a device up that nobody can see (64G would lock a 256 MiB table), and
# no read may show one.
n=$(cat "$MNT/control/hot_add")
dn=$(dev_dir "$n")
exec 3>"$dn/disksize" 4>"$dn/mem_limit" 5<"$dn/mm_stat" 6<"$dn/disksize"
rss0=$(daemon_rss)
wctl hot_remove "$n" || fail "hot_remove $n with attribute files open"
[ ! -e "$dn" ] || fail "zramfs$n still there after hot_remove"
expect_fail ENODEV bash -c 'echo 64G >&3'
expect_fail ENODEV bash -c 'echo 1M >&4'
expect_fail ENODEV bash -c 'IFS= read -r x <&5'
expect_fail ENODEV bash -c 'IFS= read -r x <&6'
[ "$(daemon_rss)" -lt $((rss0 + 64 * 1048576)) ] ||
	fail "the daemon grew by $(mib $(($(daemon_rss) - rss0))) after writing 64G to a removed device"
# A new device of the same number is another device.
expect_eq "hot_add after the removal" "$(cat "$MNT/control/hot_add")" "$n"
expect_fail ENODEV bash -c 'echo 64M >&3'
expect_eq "zramfs$n (new): disksize" "$(attr "$n" disksize)" 0
exec 3>&- 4>&- 5<&- 6<&-
wctl hot_remove "$n" || fail "hot_remove $n"
ok "attribute files of a removed device fail with ENODEV"

# ---- mem_limit, mem_used_max, gc_mode, compact ------------------------------

wattr 0 mem_limit 100M || fail "mem_limit 100M"
expect_eq "mem_limit after 100M" "$(attr_raw 0 mem_limit)" '104857600\n'
expect_eq "mm_stat mem_limit after 100M" "$(mm_field 0 mem_limit)" 104857600
for bad in junk -5 1.5G 10X ""; do
	expect_fail EINVAL wattr 0 mem_limit "$bad"
	expect_eq "mem_limit after '$bad'" "$(attr 0 mem_limit)" 104857600
done
wattr 0 mem_limit 0 || fail "mem_limit 0"
expect_eq "mem_limit after 0" "$(attr 0 mem_limit)" 0

for bad in 1 abc -1 ""; do
	expect_fail EINVAL wattr 0 mem_used_max "$bad"
done
wattr 0 mem_used_max 0 || fail "mem_used_max 0"
ok "mem_used_max accepts 0"

wattr 0 gc_mode sync || fail "gc_mode sync"
expect_eq "gc_mode after sync" "$(attr_raw 0 gc_mode)" 'sync\n'
for bad in bogus SYNC "" "async sync"; do
	expect_fail EINVAL wattr 0 gc_mode "$bad"
	expect_eq "gc_mode after '$bad'" "$(attr 0 gc_mode)" sync
done
wattr 0 gc_mode async || fail "gc_mode async"
expect_eq "gc_mode after async" "$(attr 0 gc_mode)" async

wattr 0 compact 1 || fail "compact 1"
ok "compact accepts 1"

# Read-only attributes refuse writes and keep their value.
for ro in initstate mm_stat io_stat gc_stat latency_stat; do
	before=$(attr 0 "$ro")
	expect_fail_any wattr 0 "$ro" 0
	expect_eq "$ro after a write" "$(attr 0 "$ro")" "$before"
done

# ---- statistics after some data ---------------------------------------------

t_fill=$(($(date +%s) - 1))
"$DATATOOL" fill "$d0/data" 11 4M
orig=$(mm_field 0 orig_data_size)
compr=$(mm_field 0 compr_data_size)
used=$(mm_field 0 mem_used_total)
same=$(mm_field 0 same_pages)
[ "$orig" -gt 0 ] && [ "$orig" -le 4194304 ] ||
	fail "orig_data_size $orig after writing 4 MiB"
[ "$compr" -gt 0 ] && [ "$compr" -lt "$orig" ] ||
	fail "compr_data_size $compr for orig_data_size $orig (realistic pages compress)"
[ "$used" -gt 0 ] || fail "mem_used_total $used after writing data"
[ "$same" -gt 0 ] || fail "same_pages $same after writing zero and same-filled pages"
[ "$(mm_field 0 mem_used_max)" -ge "$used" ] ||
	fail "mm_stat mem_used_max $(mm_field 0 mem_used_max) < mem_used_total $used"
ok "mm_stat after 4 MiB: $(attr 0 mm_stat | xargs)"
# du: the pages that hold compressed data are allocated; never-written,
# zero-filled and same-filled pages are holes.
expect_eq "data blocks after 4 MiB" "$(stat -c %b "$d0/data")" \
	$(((orig - same * 4096) / 512))
[ "$(du -k "$d0/data" | cut -f1)" -lt 4096 ] ||
	fail "du reports $(du -k "$d0/data" | cut -f1) KiB for 4 MiB with holes"
expect_eq "du --apparent-size" "$(du -k --apparent-size "$d0/data" | cut -f1)" 65536
[ "$(stat -c %Y "$d0/data")" -ge "$t_fill" ] ||
	fail "data mtime $(stat -c %Y "$d0/data") is before the write ($t_fill)"
[ "$(stat -c %Z "$d0/data")" -ge "$t_fill" ] ||
	fail "data ctime $(stat -c %Z "$d0/data") is before the write ($t_fill)"
ok "data mtime and ctime follow the write"
wattr 0 mem_used_max 0
expect_eq "mem_used_max after writing 0" "$(mm_field 0 mem_used_max)" "$(mm_field 0 mem_used_total)"
expect_eq "io_stat failed_reads failed_writes" "$(attr 0 io_stat | awk '{ print $1, $2 }')" "0 0"
sleep 1.1
t_read=$(date +%s)
"$DATATOOL" verify "$d0/data" 11 4M
[ "$(stat -c %X "$d0/data")" -ge "$((t_read - 1))" ] &&
	[ "$(stat -c %X "$d0/data")" -gt "$(stat -c %Y "$d0/data")" ] ||
	fail "data atime $(stat -c %X "$d0/data") does not follow the read ($t_read)"
ok "data atime follows the read"

# ---- latency_stat counts each data request once ----------------------------

# Every file is direct_io: each dd block is one request, each fallocate one;
# past the 4 MiB that datatool verifies below.
lat=$(check_latency 0) || fail "latency_stat: $lat"
read -r r0 w0 z0 <<<"$lat"
dd if=/dev/zero of="$d0/data" bs=4096 seek=2000 count=5 conv=notrunc \
	oflag=direct status=none
dd if="$d0/data" of=/dev/null bs=4096 skip=2000 count=7 iflag=direct status=none
fallocate -p -o $((2000 * 4096)) -l 8192 "$d0/data"
fallocate -z -o $((2002 * 4096)) -l 4096 "$d0/data"
lat=$(check_latency 0) || fail "latency_stat: $lat"
read -r r1 w1 z1 <<<"$lat"
expect_eq "latency_stat after 7 reads, 5 writes, 2 discards" \
	"$((r1 - r0)) $((w1 - w0)) $((z1 - z0))" "7 5 2"
[ "$r0" -gt 0 ] && [ "$w0" -gt 0 ] ||
	fail "latency_stat counted none of the fill and verify: $r0 $w0"
ok "latency_stat: $(awk '{ print $1, $2, "p50", $3, "us p99", $4, "us" }' \
	"$d0/latency_stat" | paste -sd ';')"

# ---- reset and hot_remove while the data file is open -----------------------

exec 9<>"$d0/data"
expect_fail EBUSY wattr 0 reset 1
expect_eq "initstate after the EBUSY reset" "$(attr 0 initstate)" 1
expect_fail EBUSY wctl hot_remove 0
[ -d "$d0" ] || fail "zramfs0 gone after an EBUSY hot_remove"
exec 9>&-
ok "the data file is closed"
"$DATATOOL" verify "$d0/data" 11 4M

for bad in 0 abc ""; do
	expect_fail EINVAL wattr 0 reset "$bad"
	expect_eq "initstate after reset '$bad'" "$(attr 0 initstate)" 1
done
wattr 0 reset 1 || fail "reset 1"
expect_eq "initstate after reset" "$(attr_raw 0 initstate)" '0\n'
expect_eq "latency_stat after reset" "$(check_latency 0)" "0 0 0"
expect_eq "disksize after reset" "$(attr 0 disksize)" 0
expect_eq "data size after reset" "$(stat -c %s "$d0/data")" 0
expect_eq "orig_data_size after reset" "$(mm_field 0 orig_data_size)" 0
expect_eq "mem_used_total after reset" "$(mm_field 0 mem_used_total)" 0
wattr 0 disksize 32M || fail "disksize after reset"
expect_eq "disksize after reset and 32M" "$(attr 0 disksize)" 33554432
"$DATATOOL" fill "$d0/data" 12 1M
wattr 0 reset 1 || fail "second reset"
expect_eq "initstate after the second reset" "$(attr 0 initstate)" 0

expect_fail EINVAL wctl hot_remove abc
expect_fail EINVAL wctl hot_remove -1
expect_fail "ENODEV|ENOENT|EINVAL" wctl hot_remove 99
expect_eq "devices after bad hot_removes" "$(devices)" "zramfs0 zramfs1"
wctl hot_remove 1 || fail "hot_remove 1"
ok "hot_remove 1"
expect_fail "ENODEV|ENOENT|EINVAL" wctl hot_remove 1
expect_eq "devices after hot_remove 1" "$(devices)" "zramfs0"

# ---- only root may enter ----------------------------------------------------

# $WORK is 0700; let others through it so that only FUSE can say no.
chmod 0711 "$WORK"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody test -r "$WORK/zramfsd.conf" ||
	fail "nobody cannot reach $WORK/zramfsd.conf: the check below means nothing"
expect_fail_any as_nobody ls "$MNT"
expect_fail_any as_nobody stat "$MNT/control"
expect_fail_any as_nobody cat "$MNT/zramfs0/mm_stat"
expect_fail_any as_nobody cat "$MNT/control/hot_add"
expect_eq "devices after nobody's attempts" "$(devices)" "zramfs0"
chmod 0700 "$WORK"

# ---- unmount ----------------------------------------------------------------

daemon_kill TERM 20 || fail "zramfsd still running 20 s after SIGTERM"
expect_eq "zramfsd exit status after SIGTERM" "$DAEMON_STATUS" 0
! _is_mounted "$MNT" || fail "$MNT still mounted after SIGTERM"
ok "$MNT unmounted"

start_daemon
expect_eq "hot_add after a restart" "$(cat "$MNT/control/hot_add")" 0
daemon_kill INT 20 || fail "zramfsd still running 20 s after SIGINT"
expect_eq "zramfsd exit status after SIGINT" "$DAEMON_STATUS" 0
! _is_mounted "$MNT" || fail "$MNT still mounted after SIGINT"
ok "$MNT unmounted"
