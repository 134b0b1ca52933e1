#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# holder-kill.sh: the holder (the process started as zramfsd) is killed;
# its server sees the socket hang up and runs the stop path (zramfsd(8),
# docs/reliability.md "Holder killed"):
#
#  - with a device that is swap: the server turns swap off, detaches the
#    loop device, unmounts and exits 0;
#  - with a data file held open (a loop device attached by hand): it cannot
#    stop without losing what is open, so it says so and keeps serving
#    (the data reads back); a SIGTERM once the file is closed ends it,
#    unmounted.
#  - first, how a server turns swap off at all: in a helper process,
#    zramfsd-swapctl, its child, while its control thread waits
#    interruptibly (docs/design/restart.md 2.7): stopped there by the fault
#    point swapctl.swapoff, the helper is found and the server's threads
#    are in no uninterruptible sleep.
. "$(dirname "$0")/lib.sh"

require_root_fuse
require_cmd losetup cmp pgrep timeout
swap_lock
timebox 180

server=
stop_orphan() {
	[ -n "$server" ] && _pid_alive "$server" || return 0
	kill -TERM "$server"
	wait_pid_exit "$server" 30 || kill -KILL "$server"
}

# kill_holder: SIGKILL to the holder; sets server, now an orphan.
kill_holder() {
	server=$(server_pid) || fail "no server"
	kill -KILL "$DAEMON_PID"
	wait_child "$DAEMON_PID" 10 || fail "the holder did not die"
	DAEMON_PID=
	rm -f "$WORK/daemon.pid"
	ok "holder killed; server $server on its own"
}

# ---- swapoff runs in a helper process ----------------------------------------

ZRAMFS_FAULT=swapctl.swapoff:stop start_daemon
at_exit stop_orphan
n=$(new_dev 16M lz4)
swap_on "$n" priority=0
loop=$SWAP_LOOP
s=$(server_pid) || fail "no server"
wattr "$n" swap off &
off=$!
deadline=$((SECONDS + 10))
until helper=$(pgrep -P "$s" -x zramfsd-swapctl) &&
	[ "$(pid_state "$helper")" = T ]; do
	[ "$SECONDS" -lt "$deadline" ] ||
		fail "no zramfsd-swapctl stopped under the server $s"
	sleep 0.05
done
ok "swapoff runs in pid $helper, zramfsd-swapctl, child of the server"
_in_proc_swaps "$loop" || fail "$loop is no longer swap before the helper ran"
cap=$((16#$(awk '$1 == "CapEff:" { print $2 }' "/proc/$helper/status")))
[ $((cap & (1 << 21))) != 0 ] || fail "the helper lacks CAP_SYS_ADMIN"
for t in /proc/"$s"/task/*; do
	[ "$(awk '{ print $3 }' "$t/stat")" != D ] ||
		fail "server thread $(cat "$t/comm") in D while the helper works"
done
ok "no server thread waits uninterruptibly meanwhile"
kill -CONT "$helper"
wait_child "$off" 30 || fail "swap off did not end after the helper resumed"
expect_eq "swap off's status" "$CHILD_STATUS" 0
! _in_proc_swaps "$loop" || fail "$loop is still swap"
expect_eq "zramfs$n swap" "$(attr "$n" swap)" none
daemon_kill TERM 30 || fail "zramfsd did not stop"

# ---- swap on: the server turns it off and goes --------------------------------

start_daemon
n=$(new_dev 16M lz4)
swap_on "$n" priority=0
loop=$SWAP_LOOP
kill_holder
wait_pid_exit "$server" 30 || fail "the server still runs 30 s after its holder died"
grep -q "the holder (zramfsd) is gone: stopping" "$DAEMON_LOG" ||
	fail "the server did not say why it stops: $(tail -n 3 "$DAEMON_LOG")"
! _in_proc_swaps "$loop" || fail "$loop is still swap"
[ -z "$(_our_loops)" ] || fail "loop devices left on $MNT: $(_our_loops)"
! _is_mounted "$MNT" || fail "$MNT is still mounted"
ok "swap off, $loop detached, $MNT unmounted, server gone"

# ---- a data file open: the server keeps serving -------------------------------

start_daemon
d=$(new_dev 16M lz4)
data=$MNT/zramfs$d/data
pat=$WORK/pattern
head -c $((1024 * 1024)) /dev/urandom >"$pat"
own=
detach_own() { [ -z "$own" ] || losetup -d "$own" || note "cleanup: losetup -d $own failed"; }
at_exit detach_own
own=$(losetup -f --show --direct-io=on -b 4096 "$data") || fail "losetup $data"
dd if="$pat" of="$own" bs=64k oflag=direct status=none || fail "writing $own"
kill_holder
deadline=$((SECONDS + 20))
until grep -q "not exiting while a data file is open" "$DAEMON_LOG"; do
	_pid_alive "$server" || fail "the server exited while $own holds $data"
	[ "$SECONDS" -lt "$deadline" ] ||
		fail "the server said nothing 20 s after its holder died"
	sleep 0.1
done
_pid_alive "$server" || fail "the server exited while $own holds $data"
_is_mounted "$MNT" || fail "$MNT unmounted while $own holds $data"
timeout 10 dd if="$own" bs=64k count=16 iflag=direct status=none |
	cmp -s - "$pat" || fail "the pattern does not read back through $own"
ok "the server keeps serving: the pattern reads back through $own"

losetup -d "$own" || fail "losetup -d $own"
own=
for _ in $(seq 20); do
	kill -TERM "$server"
	wait_pid_exit "$server" 1 && break
done
_pid_alive "$server" && fail "the server still runs after SIGTERM with nothing open"
! _is_mounted "$MNT" || fail "$MNT still mounted after the server exited"
ok "SIGTERM ends the orphan server, unmounted"
