#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# swap-loop: swap.c against the real kernel, on a regular file instead of a
# FUSE data file.  Writes a swap header, attaches a loop device with direct
# I/O and 4096-byte blocks, turns it into swap with each discard policy and
# a priority, checks what swapon(8), blkid(8) and sysfs see, then turns it
# off and detaches it; also checks priv.c's per-thread capabilities.
#
# Needs root and /dev/loop-control: skipped (77) without them, failed under
# CI=true.  Touches only the loop device backed by its own temporary file
# and never any other swap area.  Exit 0 pass, 77 skip, 1 fail.
set -u
export LC_ALL=C

top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
tool=$top_builddir/tests/system/swaptool

file=
dev=

# Detaches whatever is still backed by our file (swapoff first), removes it.
cleanup() {
	if [ -n "$file" ]; then
		for d in $(losetup -n -O NAME -j "$file" 2>/dev/null); do
			if awk -v d="$d" '$1 == d { f = 1 } END { exit !f }' \
				/proc/swaps; then
				swapoff "$d" || echo "cleanup: swapoff $d" >&2
			fi
			losetup -d "$d" || echo "cleanup: losetup -d $d" >&2
		done
		rm -f "$file"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

# requires CONDITION MESSAGE: skip unless CONDITION holds (fail under CI).
requires() {
	if ! eval "$1"; then
		if [ "${CI:-}" = true ]; then
			echo "FAIL: required: $2" >&2
			exit 1
		fi
		echo "SKIP: $2" >&2
		exit 77
	fi
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	echo "ok: $*"
}

requires '[ "$(id -u)" -eq 0 ]' "must run as root"
requires '[ -c /dev/loop-control ]' "no /dev/loop-control"
for cmd in losetup swapon blkid; do
	requires "command -v $cmd >/dev/null 2>&1" "$cmd not installed"
done
[ -x "$tool" ] || fail "$tool not built (make check builds it)"

# Direct I/O needs a real filesystem: tmpfs may refuse O_DIRECT.
file=$(mktemp "${SWAP_LOOP_DIR:-/var/tmp}/zramfs-swap-loop.XXXXXX") ||
	fail "mktemp"
truncate -s 64M "$file" || fail "truncate"

# --- the signature -----------------------------------------------------------
uuid=$("$tool" mkhdr "$file") || fail "mkhdr"
[ "$(blkid -p -o value -s TYPE "$file")" = swap ] ||
	fail "blkid does not see swap on $file"
[ "$(blkid -p -o value -s UUID "$file")" = "$uuid" ] ||
	fail "blkid UUID is not $uuid"
pass "header: TYPE=swap UUID=$uuid"

# --- attach ------------------------------------------------------------------
if "$tool" attach /nonexistent/zramfs 2>/dev/null; then
	fail "attach of a missing file succeeded"
fi

dev=$("$tool" attach "$file") || fail "attach $file"
case $dev in
/dev/loop[0-9]*) ;;
*) fail "attach printed '$dev'" ;;
esac
sys=/sys/block/${dev#/dev/}
[ "$(cat "$sys/loop/backing_file")" = "$file" ] ||
	fail "$dev is not backed by $file"
[ "$(cat "$sys/loop/dio")" = 1 ] || fail "$dev: direct I/O is off"
[ "$(cat "$sys/queue/logical_block_size")" = 4096 ] ||
	fail "$dev: logical block size is not 4096"
[ "$(cat "$sys/loop/autoclear")" = 0 ] || fail "$dev: autoclear is on"
set -- $(losetup -n -O DIO,LOG-SEC "$dev")
[ "${1:-}" = 1 ] && [ "${2:-}" = 4096 ] ||
	fail "losetup says DIO=${1:-?} LOG-SEC=${2:-?}"
[ "$(blkid -p -o value -s TYPE "$dev")" = swap ] ||
	fail "blkid does not see swap on $dev"
[ "$(blkid -p -o value -s UUID "$dev")" = "$uuid" ] ||
	fail "blkid UUID on $dev is not $uuid"
pass "attach: $dev dio=1 logical_block_size=4096 autoclear=0 TYPE=swap"

# --- swapon/swapoff with each policy ------------------------------------------
# One test with swap at a time (the lock tests/system/lib.sh's swap_lock
# takes): swap areas are global, another test's pages must not land here.
lockdir=/run/lock
[ -d "$lockdir" ] && [ -w "$lockdir" ] || lockdir=${TMPDIR:-/tmp}
if command -v flock >/dev/null; then
	exec {lockfd}>"${ZRAMFS_TEST_LOCK:-$lockdir/zramfs-test-swap.lock}"
	flock -w 1800 "$lockfd" || fail "another test held the swap lock"
fi

# prio_of DEV: its priority as swapon(8) shows it, empty if not swap.
prio_of() {
	swapon --show=NAME,PRIO --noheadings --raw |
		awk -v d="$1" '$1 == d { print $2 }'
}

# The discard policy is visible in the file: "once" and "both" discard the
# whole area (all but the header) at swapon, which punches holes in it.
size=$(stat -c %s "$file")
can_discard=yes
[ "$(cat "$sys/queue/discard_max_bytes")" != 0 ] || can_discard=no
command -v fallocate >/dev/null 2>&1 || can_discard=no
blocks() {
	stat -c %b "$file"
}

for case in "5 none" "42 pages" "7 once" "100 both" "-1 both"; do
	set -- $case
	if [ $can_discard = yes ] &&
		fallocate -o 4096 -l $((size - 4096)) "$file"; then
		before=$(blocks)
	else
		before=
	fi
	"$tool" on "$dev" "$1" "$2" || fail "on $dev $1 $2"
	if [ -n "$before" ]; then
		after=$(blocks)
		case $2 in
		once | both) [ $((after * 2)) -lt "$before" ] ||
			fail "discard=$2 did not discard: $before -> $after" ;;
		*) [ $((after * 2)) -gt "$before" ] ||
			fail "discard=$2 discarded: $before -> $after" ;;
		esac
		discarded="blocks $before -> $after"
	else
		discarded="discard not checked"
	fi
	prio=$(prio_of "$dev")
	if [ "$1" = -1 ]; then
		# The kernel's default: negative, below every other area.
		[ -n "$prio" ] && [ "$prio" -lt 0 ] ||
			fail "priority -1 shows as '$prio'"
	else
		[ "$prio" = "$1" ] || fail "priority $1 shows as '$prio'"
	fi
	"$tool" active "$dev" || fail "swap_is_active is false while on"
	if "$tool" on "$dev" "$1" "$2" 2>/dev/null; then
		fail "a second swapon succeeded"
	fi
	out=$("$tool" detach "$dev" "$file" 2>&1) && fail "detach under swap succeeded"
	case $out in
	*busy*) ;;
	*) fail "detach under swap: $out" ;;
	esac
	[ -d "$sys/loop" ] || fail "detach under swap detached"

	"$tool" off "$dev" || fail "off $dev"
	[ -z "$(prio_of "$dev")" ] || fail "$dev still listed after off"
	if "$tool" active "$dev"; then
		fail "swap_is_active is true after off"
	fi
	pass "swap: priority $1 (shown $prio), discard=$2 ($discarded)"
done

# --- detach ------------------------------------------------------------------
# Only while the device is still attached to the file named: not to another.
out=$("$tool" detach "$dev" "$0" 2>&1) && fail "detach naming another file succeeded"
case $out in
*"Stale file handle"*) ;;
*) fail "detach naming another file: $out" ;;
esac
[ -d "$sys/loop" ] || fail "detach naming another file detached $dev"
pass "detach: $dev is left alone when named with another file"
"$tool" detach "$dev" "$file" || fail "detach $dev"
[ ! -d "$sys/loop" ] || fail "$dev still has a backing file"
[ -z "$(losetup -n -O NAME -j "$file")" ] || fail "$file still attached"
if "$tool" detach "$dev" "$file" 2>/dev/null; then
	fail "a second detach succeeded"
fi
pass "detach: $dev released"
dev=

# --- capabilities ------------------------------------------------------------
"$tool" caps || fail "caps"
pass "caps"
# AddressSanitizer replaces mlockall() with a no-op (it maps terabytes of
# shadow): nothing is ever locked there, so the check would see nothing.
if grep -qa __asan_init "$tool"; then
	echo "# memlock: not checked (AddressSanitizer build: mlockall is a no-op)"
else
	"$tool" memlock || fail "memlock"
	pass "memlock"
fi

exit 0
