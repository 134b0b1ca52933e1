#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# badinput.sh: bad input gets a clear error and changes nothing.
#
#  - Every writable attribute, and control/hot_remove, with malformed,
#    empty, oversized (over 4096 bytes), out-of-range values, a NUL byte, and
#    a write at an offset other than 0: each write must fail with the errno
#    the interface names (EINVAL, or ENOMEM for a disksize the RAM cannot
#    index) and leave every readable attribute of the device as it was.
#  - One rule for what surrounds a value, for every kind of attribute
#    (sizes, numbers, words, lists of words, control/hot_remove): one
#    trailing newline is dropped, as the kernel's attributes do; another
#    newline, or a blank, before or after the value is EINVAL.
#    Once the device is initialised, the settings that only disksize may
#    take fail with EBUSY, again changing nothing.
#  - Opening a read-only attribute for writing, or a write-only one for
#    reading: EACCES.
#  - I/O at and past the end of the data file (datatool edge): refused
#    whole (ENOSPC) or clipped at the end, never a crash, the data inside
#    intact, each refusal counted in io_stat's invalid_io.
#  - Exhausting mem_limit: writes fail with ENOSPC, counted in io_stat's
#    failed_writes; memory stays within the limit; every page written
#    before is intact.
#  - reset, hot_remove, disksize, comp_algorithm and a second "swap on" of a
#    device that is swap: EBUSY, nothing changed.
#  - Configuration errors, as root (where a mount could happen): an invalid
#    file ends zramfsd before anything is mounted; a device the
#    configuration asks for but that cannot be set up is logged and left
#    uninitialised while the rest is served.
#  - Another user than root reaching the tree, even with capabilities:
#    EACCES from the kernel (FUSE without allow_other), nothing changed.
#
# tree.sh already checks the common malformed values of each attribute
# and the EBUSY rules while the data file is open; data.sh the mem_limit
# basics.  docs/reliability.md lists every case and the test proving it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_cmd dd setpriv timeout head tr
require_built "$DATATOOL"
swap_lock
timebox 300
make_workdir
val=$WORK/value

# ---- helpers ----------------------------------------------------------------

# snapshot N: every readable attribute of zramfsN, and the device list.
snapshot() {
	local a
	echo "devices: $(cd "$MNT" && echo zramfs*)"
	for a in disksize initstate comp_algorithm algorithm_params \
		max_comp_streams mem_limit mem_used_max mm_stat io_stat gc_mode \
		gc_stat swap; do
		printf '%s: %s\n' "$a" "$(attr "$1" "$a" | xargs)"
	done
}

# wraw FILE [DD-ARG...]: $val written to FILE in one write(2).
wraw() {
	local f=$1
	shift
	dd of="$f" bs=1M count=1 iflag=fullblock conv=notrunc status=none \
		"$@" <"$val"
}

# bad ERRNO N FILE WHAT [DD-ARG...]: writing $val to FILE (an attribute of
# zramfsN, or control/hot_remove) fails with ERRNO and changes nothing.
bad() {
	local errno=$1 n=$2 file=$3 what=$4 before after out text
	shift 4
	before=$(snapshot "$n")
	if out=$(wraw "$file" "$@" 2>&1); then
		fail "${file#"$MNT"/}: $what: accepted; expected $errno"
	fi
	text=$(strerror "$errno")
	[[ $out == *"$text"* ]] ||
		fail "${file#"$MNT"/}: $what: expected $errno, got: $out"
	after=$(snapshot "$n")
	[ "$before" = "$after" ] ||
		fail "${file#"$MNT"/}: $what changed the device:" \
			"$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | xargs)"
	ok "${file#"$MNT"/}: $what: $errno, nothing changed"
}

# Values by kind; each is written as the file $val.
v() { printf "$@" >"$val"; }
oversized() { head -c 5000 /dev/zero | tr '\0' "$1" >"$val"; }

# bad_common N ATTR: the kinds of value every attribute refuses alike.
# (An empty algorithm_params is valid: it clears the parameters.)
bad_common() {
	local n=$1 a=$2 f=$MNT/zramfs$1/$2
	if [ "$a" != algorithm_params ]; then
		v '\n'
		bad EINVAL "$n" "$f" "empty"
	fi
	v ' \t \n'
	bad EINVAL "$n" "$f" "blank"
	v '\n\n\n'
	bad EINVAL "$n" "$f" "three newlines"
	oversized 1
	bad EINVAL "$n" "$f" "oversized (5000 bytes)"
	v '1\0002\n'
	bad EINVAL "$n" "$f" "a NUL byte"
}

# bad_values ERRNO N ATTR KIND VALUE...: each VALUE (plus a newline).
bad_values() {
	local errno=$1 n=$2 a=$3 kind=$4 x
	shift 4
	for x; do
		printf '%s\n' "$x" >"$val"
		bad "$errno" "$n" "$MNT/zramfs$n/$a" "$kind '$x'"
	done
}

# ---- configuration errors, as root --------------------------------------------

# An invalid file: zramfsd ends before mounting anything.
mkdir -p "$WORK/mnt2"
at_exit bash -c '! grep -q " $1 " /proc/mounts || umount -l "$1"' _ "$WORK/mnt2"
long=$(head -c 300 /dev/zero | tr '\0' x)
printf '[zramfs0]\n; %s swap = no\ndisksize = 1G\n' "$long" >"$WORK/long.conf"
printf '[zramfs0]\ndisksize = 1G\nswap = \001\n' >"$WORK/ctrl.conf"
printf '[zramfs0]\ndisksize = 1G\ndiscard = sometimes\n' >"$WORK/discard.conf"
# Refused by the disksize attribute, so by the file too (as before a
# device is set up: zramfsd never starts with it).
printf '[zramfs0]\ndisksize = 20T\nswap = no\n' >"$WORK/huge.conf"
for c in long ctrl discard huge; do
	rc=0
	err=$(timeout -k 5 20 "$ZRAMFSD" -f -c "$WORK/$c.conf" -m "$WORK/mnt2" 2>&1) || rc=$?
	[ "$rc" = 1 ] || fail "$c.conf: zramfsd exited $rc, expected 1 ($err)"
	! _is_mounted "$WORK/mnt2" || fail "$c.conf: $WORK/mnt2 mounted"
	[[ $err == "$WORK/$c.conf:"[0-9]*": "* ]] ||
		fail "$c.conf: the error does not name file and line: $err"
	ok "$c.conf: exit 1, nothing mounted: ${err//$'\n'/ | }"
done

# Valid, but a device cannot be set up (what the machine cannot hold is
# known only then): logged, left uninitialised, the rest served.
# 33 times the RAM, up to the 16T the file takes (a machine of 512G or more
# has room for 16T: there the device is just not made).
ram=$(awk '/^MemTotal:/ { printf "%.0f\n", $2 * 1024 }' /proc/meminfo)
big=1
[ $((ram / 4096 * 4096 * 32)) -lt $((16 << 40)) ] || big=0
printf '[zramfs1]\ndisksize = min(ram * 33, 16T)\nswap = no\n' >"$WORK/apply.conf"
[ $big = 1 ] || : >"$WORK/apply.conf"
printf '[zramfs2]\ndisksize = 1M\nswap = no\n' >>"$WORK/apply.conf"
DAEMON_CONF=$WORK/apply.conf start_daemon
if [ $big = 1 ]; then
	expect_eq "zramfs1 (33 x RAM) initstate" "$(attr 1 initstate)" 0
	grep -q "zramfs1: cannot set up from the configuration: Cannot allocate memory" "$DAEMON_LOG" ||
		fail "zramfs1's failure not logged: $(cat "$DAEMON_LOG")"
fi
expect_eq "zramfs2 (1M) initstate" "$(attr 2 initstate)" 1
ok "devices the configuration cannot set up are logged and left uninitialised"
daemon_kill TERM 20 || fail "zramfsd still running 20 s after SIGTERM"
expect_eq "zramfsd exit status" "$DAEMON_STATUS" 0
unset DAEMON_CONF

start_daemon

# ---- every attribute, uninitialised -------------------------------------------

n=$(cat "$MNT/control/hot_add")
note "zramfs$n, not initialised: $(snapshot "$n" | tr '\n' ';')"

for a in disksize reset comp_algorithm algorithm_params max_comp_streams \
	mem_limit mem_used_max compact gc_mode swap; do
	bad_common "$n" "$a"
	# Only one write at offset 0 is a store, as in sysfs.
	v '1\n'
	bad EINVAL "$n" "$MNT/zramfs$n/$a" "a write at offset 1" oflag=seek_bytes seek=1
done

bad_values EINVAL "$n" disksize malformed 12Q 0x10 1.5M "64M junk" "- 1" 64MM
bad_values EINVAL "$n" disksize out-of-range 0 17T 99999999999999999999 \
	18446744073709551615
# Beyond 32 times the RAM its page table would not fit: ENOMEM, as the
# kernel's zram when it cannot allocate its table.
if [ $((ram / 4096 * 4096 * 33)) -le $((16 << 40)) ]; then
	bad_values ENOMEM "$n" disksize "more than 32 x RAM" "$((ram / 4096 * 4096 * 33))"
else
	note "more than 32 x RAM is more than 16T here: not checked"
fi
bad_values EINVAL "$n" reset malformed abc 1x -1 "1 1"
bad_values EINVAL "$n" reset out-of-range 0 18446744073709551616
bad_values EINVAL "$n" comp_algorithm malformed lz5 ZSTD "zstd lz4" "[lz4]" lz4hc2
bad_values EINVAL "$n" algorithm_params malformed level=abc level nosuchkey=1 \
	"level=3 bogus" algo=nosuch "algo=lz4 algo=zstd" "level==3"
bad_values EINVAL "$n" algorithm_params out-of-range level=0 level=-1 \
	"algo=zstd level=23" "algo=zstd level=0" "algo=zstd level=-6" \
	"algo=lz4hc level=13" "algo=lz4hc level=2" "algo=lz4 level=65538" \
	level=99999999999999999999
bad_values EINVAL "$n" max_comp_streams malformed abc 4x 0x4
bad_values EINVAL "$n" max_comp_streams out-of-range 0 -1 2147483648
bad_values EINVAL "$n" mem_limit malformed junk 10X 1.5G 0x1000
bad_values EINVAL "$n" mem_limit out-of-range -5 99999999999999999999 17179869184T
bad_values EINVAL "$n" mem_used_max malformed abc 0x0
bad_values EINVAL "$n" mem_used_max out-of-range 1 -1
bad_values EINVAL "$n" compact malformed abc 1x
bad_values EINVAL "$n" compact out-of-range 0 2 -1
bad_values EINVAL "$n" compact "before disksize" 1
bad_values EINVAL "$n" gc_mode malformed bogus SYNC "async sync" lazy
bad_values EINVAL "$n" swap malformed bogus "on priority=x" "on discard=all" \
	"off now" "on priority=1 priority=2" "on foo" ON
bad_values EINVAL "$n" swap out-of-range "on priority=32768" "on priority=-2" \
	"on priority=99999999999999999999"
bad_values EINVAL "$n" swap "before disksize" on off

# ---- one rule around every value ------------------------------------------------

# good N ATTR WANT FMT: writing printf FMT to ATTR works and ATTR then reads
# WANT.
good() {
	local n=$1 a=$2 want=$3
	shift 3
	v "$@"
	wraw "$MNT/zramfs$n/$a" || fail "zramfs$n/$a: '$*' refused"
	expect_eq "zramfs$n/$a after '$*'" "$(attr "$n" "$a")" "$want"
}
# around N ATTR VALUE: VALUE with one newline, or none, is a store (the
# caller checks what it did); with anything else around it, EINVAL.
around() {
	local n=$1 a=$2 x=$3 f=$MNT/zramfs$1/$2 w
	for w in '%s\n\n' '\n%s' '\n%s\n' ' %s' '%s ' '\t%s\n' '%s\t\n' \
		'%s \n' '%s\r\n'; do
		# shellcheck disable=SC2059
		v "$w" "$x"
		bad EINVAL "$n" "$f" "'${w//%s/$x}'"
	done
}
m=$(cat "$MNT/control/hot_add")
# A size; the device stays uninitialised until the last one.
around "$m" mem_limit 1G
good "$m" mem_limit 1073741824 '1G\n'
good "$m" mem_limit 2097152 '2M'
around "$m" disksize 1G
# Numbers.
around "$m" max_comp_streams 4
good "$m" max_comp_streams "$(attr "$m" max_comp_streams)" '4\n'
around "$m" mem_used_max 0
around "$m" reset 1
# Words.
around "$m" comp_algorithm zstd
good "$m" comp_algorithm "$(attr "$m" comp_algorithm | sed 's/\[//; s/\]//; s/\<zstd\>/[zstd]/')" 'zstd\n'
good "$m" comp_algorithm "$(attr "$m" comp_algorithm | sed 's/\[//; s/\]//; s/\<lz4\>/[lz4]/')" 'lz4'
around "$m" gc_mode sync
good "$m" gc_mode sync 'sync\n'
good "$m" gc_mode async 'async'
# Lists of words: blanks between them are theirs.
around "$m" algorithm_params "algo=zstd level=3"
good "$m" algorithm_params "algo=zstd level=3" 'algo=zstd level=3\n'
good "$m" algorithm_params "algo=zstd level=5" 'algo=zstd \t level=5'
around "$m" swap off
# A size that initialises the device, last.
good "$m" disksize 1073741824 '1G\n'
around "$m" compact 1
# control/hot_remove: nothing removed by the values around it.
for w in '%s\n\n' '\n%s' ' %s' '%s ' '%s\t\n'; do
	# shellcheck disable=SC2059
	v "$w" "$m"
	bad EINVAL "$m" "$MNT/control/hot_remove" "'${w//%s/$m}'"
done
v '%s\n' "$m"
wraw "$MNT/control/hot_remove" || fail "hot_remove '$m\n' refused"
[ ! -e "$MNT/zramfs$m" ] || fail "zramfs$m still there after hot_remove"
ok "hot_remove '$m\n' removes zramfs$m"

# control/hot_remove: nothing removed.
hr=$MNT/control/hot_remove
for x in abc "1 2" 0x1 "" " 0"; do
	printf '%s\n' "$x" >"$val"
	bad EINVAL "$n" "$hr" "malformed '$x'"
done
for x in -1 256 99999999999999999999; do
	printf '%s\n' "$x" >"$val"
	bad EINVAL "$n" "$hr" "out-of-range '$x'"
done
oversized 1
bad EINVAL "$n" "$hr" "oversized (5000 bytes)"
printf '99\n' >"$val"
bad ENOENT "$n" "$hr" "a device that does not exist"

# ---- initialised: what only disksize may set is busy --------------------------

wattr "$n" comp_algorithm zstd
wattr "$n" algorithm_params level=1
wattr "$n" disksize 1M
bad_values EBUSY "$n" disksize "once initialised" 2M 1M
bad_values EBUSY "$n" comp_algorithm "once initialised" lz4 zstd
bad_values EBUSY "$n" algorithm_params "once initialised" level=3
bad_values EINVAL "$n" swap "not swap" off
# The same malformed values as before still change nothing.
bad_values EINVAL "$n" disksize "malformed, initialised" 12Q ""
bad_values EINVAL "$n" mem_limit "malformed, initialised" junk ""
bad_values EINVAL "$n" compact "out-of-range, initialised" 0 2

# ---- the wrong direction --------------------------------------------------------

for a in initstate mm_stat io_stat gc_stat; do
	expect_fail EACCES bash -c 'exec 3>"$1"' _ "$MNT/zramfs$n/$a"
done
for a in reset compact; do
	expect_fail EACCES cat "$MNT/zramfs$n/$a"
done
expect_fail EACCES cat "$MNT/control/hot_remove"
expect_fail EACCES bash -c 'exec 3>"$1"' _ "$MNT/control/hot_add"

# ---- I/O at and past the end ----------------------------------------------------

d=$(new_dev 1M lz4)
data=$(dev_dir "$d")/data
"$DATATOOL" fill "$data" 5 1M
io0=$(attr "$d" io_stat)
"$DATATOOL" edge "$data" >"$WORK/edge.out" || fail "datatool edge"
cat "$WORK/edge.out"
# What each probe must give: refused whole, or clipped at the end.
expected='write-at-end ERR ENOSPC
write-across-end ERR ENOSPC
write-far ERR ENOSPC
direct-write-at-end ERR ENOSPC
direct-write-across-end ERR ENOSPC
read-at-end OK 0
read-across-end OK 4096
read-far OK 0
direct-read-across-end OK 4096
punch-at-end OK 0
zero-keep-at-end OK 0
zero-at-end ERR ENOSPC
allocate-at-end ERR EOPNOTSUPP
punch-far OK 0
collapse-range ERR EOPNOTSUPP
truncate-grow OK 0
size-after-grow OK 1048576
truncate-shrink OK 0
size-after-shrink OK 1048576'
diff <(echo "$expected") "$WORK/edge.out" ||
	fail "datatool edge: the results above differ from what is expected"
ok "every request past the end refused whole or clipped"
"$DATATOOL" verify "$data" 5 1M || fail "the data inside changed"
ok "the data inside is intact"
read -r fr0 fw0 inv0 _ <<<"$io0"
read -r fr1 fw1 inv1 _ <<<"$(attr "$d" io_stat)"
expect_eq "io_stat failed_reads failed_writes after the probes" "$fr1 $fw1" "$fr0 $fw0"
[ "$inv1" -ge $((inv0 + 5)) ] ||
	fail "io_stat invalid_io $inv0 -> $inv1 after 5 writes past the end"
ok "io_stat invalid_io counts the refused writes: $inv0 -> $inv1"
expect_eq "zramfs$d: initstate (the daemon still answers)" "$(attr "$d" initstate)" 1

# ---- exhausting mem_limit -------------------------------------------------------

d=$(new_dev 64M lz4)
data=$(dev_dir "$d")/data
"$DATATOOL" fill "$data" 9 8M
used=$(mm_field "$d" mem_used_total)
limit=$(((used / 4096 + 16) * 4096))
wattr "$d" mem_limit "$limit"
read -r _ fw0 _ <<<"$(attr "$d" io_stat)"
expect_fail ENOSPC dd if=/dev/urandom of="$data" bs=1M count=8 seek=16 \
	conv=notrunc oflag=direct status=none
expect_fail ENOSPC dd if=/dev/urandom of="$data" bs=4096 count=64 seek=6144 \
	conv=notrunc status=none
read -r _ fw1 _ <<<"$(attr "$d" io_stat)"
[ "$fw1" -ge $((fw0 + 2)) ] || fail "io_stat failed_writes $fw0 -> $fw1 after two ENOSPC"
ok "io_stat failed_writes counts them: $fw0 -> $fw1"
used=$(mm_field "$d" mem_used_total)
[ "$used" -le "$limit" ] || fail "mem_used_total $used over mem_limit $limit"
ok "mem_used_total $used within mem_limit $limit"
expect_eq "mm_stat mem_limit" "$(mm_field "$d" mem_limit)" "$limit"
"$DATATOOL" verify "$data" 9 8M || fail "pages written before the limit changed"
ok "every page written before the limit is intact"

# ---- busy: a device that is swap -------------------------------------------------

d=$(new_dev 16M lz4)
swap_on "$d" priority=0 discard=none
before=$(snapshot "$d")
printf '1\n' >"$val"
bad EBUSY "$d" "$MNT/zramfs$d/reset" "reset of a swap device"
printf '%s\n' "$d" >"$val"
bad EBUSY "$d" "$MNT/control/hot_remove" "hot_remove of a swap device"
bad_values EBUSY "$d" disksize "swap device" 32M
bad_values EBUSY "$d" comp_algorithm "swap device" zstd
bad_values EBUSY "$d" swap "already swap" on "on priority=5"
# The one rule holds for swap too: "off" with two newlines is no "off".
v 'off\n\n'
bad EINVAL "$d" "$MNT/zramfs$d/swap" "'off\\n\\n' of a swap device"
[ "$(snapshot "$d")" = "$before" ] || fail "zramfs$d changed by the busy writes"
ok "zramfs$d: nothing changed by the busy writes"
wattr "$d" swap off || fail "zramfs$d: swap off"
wattr "$d" reset 1 || fail "zramfs$d: reset after swap off"
ok "zramfs$d: reset once swap is off"

# ---- another user ---------------------------------------------------------------

# $WORK is 0700; let others through it so that only FUSE can say no.
chmod 0711 "$WORK"
at_exit chmod 0700 "$WORK"
before=$(snapshot "$n")
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# The same user with every capability root could lend it: FUSE without
# allow_other looks at the uid alone.
as_nobody_caps() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=+dac_override,+dac_read_search,+sys_admin \
		--ambient-caps=+dac_override,+dac_read_search,+sys_admin "$@"
}
caps_ok=yes
as_nobody_caps true 2>/dev/null || caps_ok=no
for who in as_nobody as_nobody_caps; do
	[ "$who" = as_nobody ] || [ "$caps_ok" = yes ] || {
		note "setpriv cannot give capabilities to another user here: not checked"
		continue
	}
	if [ "$who" = as_nobody_caps ]; then
		eff=$(as_nobody_caps awk '/^CapEff/ { print $2 }' /proc/self/status)
		note "uid 65534 with CapEff $eff"
	fi
	expect_fail EACCES "$who" stat "$MNT"
	expect_fail EACCES "$who" ls "$MNT"
	expect_fail EACCES "$who" stat "$MNT/control/hot_add"
	expect_fail EACCES "$who" cat "$MNT/control/hot_add"
	expect_fail EACCES "$who" cat "$MNT/zramfs$n/mm_stat"
	expect_fail EACCES "$who" cat "$MNT/zramfs$n/data"
	expect_fail EACCES "$who" bash -c 'echo 1M >"$1"' _ "$MNT/zramfs$n/mem_limit"
	expect_fail EACCES "$who" bash -c 'echo "$2" >"$1"' _ "$MNT/control/hot_remove" "$n"
done
[ "$(snapshot "$n")" = "$before" ] || fail "zramfs$n changed by the other user"
ok "zramfs$n, and the device list, unchanged by the other user's attempts"
