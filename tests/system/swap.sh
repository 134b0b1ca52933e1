#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# swap.sh: turning a device into swap and back through its swap attribute.
# The daemon must attach a loop device with direct I/O and 4096-byte blocks
# to the data file, write a swap signature the tools recognise, and call
# swapon with the priority and discard policy written; "off" must undo all
# of it.  Malformed requests change nothing, and a device that is swap
# refuses reset, hot_remove and a new disksize.  "on" refuses a data file
# someone holds open; "off" leaves alone a loop device that is no longer on
# the data file, and keeps its own while its detach cannot finish.  Nothing
# is swapped here (swapping.sh does that).
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

# ---- whose data and whose loop device --------------------------------------

# "on" while someone else holds the data file open: their data would be
# overwritten by the signature.
page0=$WORK/page0
head -c 4096 /dev/urandom >"$page0"
dd if="$page0" of="$dd/data" bs=4096 oflag=direct conv=notrunc status=none ||
	fail "writing page 0"
exec {held}<>"$dd/data"
expect_fail EBUSY wattr "$d" swap on
expect_eq "swap after on with data open" "$(attr "$d" swap)" none
dd if="$dd/data" bs=4096 count=1 iflag=direct status=none | cmp -s - "$page0" ||
	fail "page 0 changed by a refused swap on"
ok "page 0 is still the holder's data"
exec {held}>&-
[ -z "$(_our_loops)" ] || fail "a loop device stayed attached: $(_our_loops)"
# The release of the file reaches the daemon just after the close.
for i in $(seq 50); do
	wattr "$d" swap "on priority=4" 2>/dev/null && break
	sleep 0.1
done
expect_match "swap on once the data file is closed" "$(attr "$d" swap)" \
	"^/dev/loop[0-9]+ priority=4 "
wattr "$d" swap off || fail "swap off"

# The loop device taken down by hand, and its number given to a file of
# ours: "off" must leave that alone, and say swap is off.
scratch=$WORK/scratch.img
truncate -s 1M "$scratch"
other=
detach_other() {
	[ -n "$other" ] && [ "$(cat "/sys/block/${other#/dev/}/loop/backing_file" \
		2>/dev/null)" = "$scratch" ] || return 0
	losetup -d "$other" || note "cleanup: losetup -d $other failed"
}
at_exit detach_other
swap_on "$d" priority=9
swapoff "$SWAP_LOOP" || fail "swapoff $SWAP_LOOP by hand"
losetup -d "$SWAP_LOOP" || fail "losetup -d $SWAP_LOOP by hand"
other=$SWAP_LOOP
losetup "$other" "$scratch" || fail "losetup $other $scratch (taken meanwhile?)"
wattr "$d" swap off || fail "swap off with $other on another file"
expect_eq "$other backing file after off" \
	"$(cat "/sys/block/${other#/dev/}/loop/backing_file")" "$scratch"
expect_eq "swap after off" "$(attr_raw "$d" swap)" 'none\n'
grep -q "$other is no longer attached to $dd/data" "$DAEMON_LOG" ||
	fail "the daemon did not say it left $other alone"
losetup -d "$other" || fail "losetup -d $other"
other=

# A detach that cannot finish (someone holds the loop device open, so the
# kernel defers it to their close): "off" fails with EBUSY and the device
# keeps its loop device, until "off" again finds it detached.
swap_on "$d" priority=9
line=$(attr "$d" swap)
exec {held}<"$SWAP_LOOP"
expect_fail EBUSY wattr "$d" swap off
! _in_proc_swaps "$SWAP_LOOP" || fail "$SWAP_LOOP still swap after the off"
expect_eq "swap while the detach waits" "$(attr "$d" swap)" "$line"
expect_fail EBUSY wattr "$d" reset 1
exec {held}<&-
wattr "$d" swap off || fail "swap off once the loop device is closed"
check_swap_off "$SWAP_LOOP"

# Swap off, the device is an ordinary device again (once the release of
# the file, which the kernel sent at the close above, has arrived).
for i in $(seq 50); do
	wattr "$d" reset 1 2>/dev/null && break
	sleep 0.1
done
wattr "$d" reset 1 || fail "reset after swap off"
expect_eq "initstate after reset" "$(attr "$d" initstate)" 0
wctl hot_remove "$d" || fail "hot_remove after swap off"
ok "reset and hot_remove work once swap is off"
