#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# swap.sh: turning a device into swap and back through its swap attribute.
# The daemon must attach a loop device with direct I/O and 4096-byte blocks
# to the data file, write a swap signature the tools recognise, and call
# swapon with the priority and discard policy written; "off" must undo all
# of it.  Malformed requests change nothing, and a device that is swap
# refuses reset, hot_remove and a new disksize.  Nothing is swapped here
# (swapping.sh does that).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_cmd blkid blockdev swapon losetup
swap_lock
timebox 180
start_daemon

d=$(new_dev 64M lz4)
dd=$(dev_dir "$d")
size=$(attr "$d" disksize)

# ---- requests that must change nothing --------------------------------------

u=$(cat "$MNT/control/hot_add")
expect_fail_any wattr "$u" swap on
expect_eq "zramfs$u (no disksize): swap" "$(attr "$u" swap)" none
t=$(cat "$MNT/control/hot_add")
wattr "$t" disksize 16K
expect_fail_any wattr "$t" swap on
expect_eq "zramfs$t (4 pages): swap" "$(attr "$t" swap)" none

for bad in "on priority=abc" "on priority=40000" "on priority=" \
	"on discard=bogus" "on discard=" "on foo=1" "on priority=7 junk" \
	"bogus" "" "onn"; do
	expect_fail EINVAL wattr "$d" swap "$bad"
	expect_eq "swap after '$bad'" "$(attr "$d" swap)" none
done
[ -z "$(_our_loops)" ] || fail "loop devices attached after rejected requests: $(_our_loops)"
ok "no loop device attached by rejected requests"

# ---- on, check, off ---------------------------------------------------------

# check_swap_on LOOP PRIORITY: everything the kernel and the tools say
# about the loop device the daemon set up.
check_swap_on() {
	local loop=$1 prio=$2 name=${1#/dev/}
	expect_eq "$loop backing file" \
		"$(losetup --list --noheadings --output BACK-FILE "$loop" | xargs)" "$dd/data"
	expect_eq "$loop direct I/O" "$(cat "/sys/block/$name/loop/dio")" 1
	expect_eq "$loop logical block size" \
		"$(cat "/sys/block/$name/queue/logical_block_size")" 4096
	expect_eq "$loop size" "$(blockdev --getsize64 "$loop")" "$size"
	expect_eq "blkid -p $loop TYPE" "$(blkid -p -o value -s TYPE "$loop")" swap
	expect_eq "swapon --show $loop" \
		"$(swapon --show=NAME,PRIO --noheadings --raw | awk -v l="$loop" '$1 == l')" \
		"$loop $prio"
	expect_eq "data size while swap" "$(stat -c %s "$dd/data")" "$size"
}

check_swap_off() {
	local loop=$1
	expect_eq "swap after off" "$(attr_raw "$d" swap)" 'none\n'
	! _in_proc_swaps "$loop" || fail "$loop still in /proc/swaps after off"
	[ -z "$(_our_loops)" ] || fail "still attached after off: $(_our_loops)"
	ok "$loop is no swap and no longer attached to $dd/data"
}

swap_on "$d" priority=7 discard=pages
expect_eq "swap after on" "$(attr_raw "$d" swap)" "$SWAP_LOOP priority=7 discard=pages\\n"
check_swap_on "$SWAP_LOOP" 7

# ---- the EBUSY rules while swap is on ---------------------------------------

line=$(attr "$d" swap)
expect_fail EBUSY wattr "$d" reset 1
expect_fail EBUSY wctl hot_remove "$d"
expect_fail EBUSY wattr "$d" disksize 128M
expect_fail_any wattr "$d" swap "on priority=3"
expect_eq "swap after the refused requests" "$(attr "$d" swap)" "$line"
expect_eq "initstate while swap" "$(attr "$d" initstate)" 1
check_swap_on "$SWAP_LOOP" 7

wattr "$d" swap off || fail "swap off"
check_swap_off "$SWAP_LOOP"

# ---- the other forms of "on" ------------------------------------------------

swap_on "$d"
expect_match "swap after a bare on" "$(attr "$d" swap)" \
	"^/dev/loop[0-9]+ priority=-?[0-9]+ discard=(pages|once|both|none)\$"
prio=$(attr "$d" swap | sed 's/.* priority=\([-0-9]*\) .*/\1/')
check_swap_on "$SWAP_LOOP" "$prio"
wattr "$d" swap off || fail "swap off"
check_swap_off "$SWAP_LOOP"

for spec in "priority=5:5:discard=(pages|once|both|none)" \
	"priority=12 discard=once:12:discard=once" \
	"priority=0 discard=both:0:discard=both" \
	"priority=32767 discard=none:32767:discard=none"; do
	IFS=: read -r args prio pol <<<"$spec"
	swap_on "$d" $args
	expect_match "swap after 'on $args'" "$(attr "$d" swap)" \
		"^$SWAP_LOOP priority=$prio $pol\$"
	check_swap_on "$SWAP_LOOP" "$prio"
	wattr "$d" swap off || fail "swap off"
	check_swap_off "$SWAP_LOOP"
done

# swapoff(8) run behind the daemon's back: "off" still detaches the loop.
swap_on "$d" priority=9
swapoff "$SWAP_LOOP" || fail "swapoff $SWAP_LOOP by hand"
wattr "$d" swap off || fail "swap off after a swapoff by hand"
check_swap_off "$SWAP_LOOP"

# Swap off, the device is an ordinary device again.
wattr "$d" reset 1 || fail "reset after swap off"
expect_eq "initstate after reset" "$(attr "$d" initstate)" 0
wctl hot_remove "$d" || fail "hot_remove after swap off"
ok "reset and hot_remove work once swap is off"
