#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lifecycle.sh: what ends zramfsd and what does not (zramfsd(8) SIGNALS,
# docs/reliability.md "Shutdown").
#
#  - Every asynchronous signal but SIGTERM, SIGINT and SIGHUP is blocked in
#    every thread (the holder; the server's main, control, FUSE workers, GC
#    workers, keepers), the fault signals are not; after a volley of them
#    (SIGUSR1, SIGALRM, SIGPIPE, SIGTSTP, SIGQUIT, real-time signals ...)
#    to both processes the daemon is alive, not stopped, and serves
#    attributes and data.
#  - A second zramfsd on the same mountpoint is refused, names the pid that
#    serves it, exits 1, and the first still serves.
#  - SIGTERM while a loop device attached by hand holds a data file: the
#    daemon logs which loop device holds which device and keeps serving,
#    and the pattern written through the loop device reads back; SIGTERM
#    once the loop device is detached ends it (status 0, unmounted).  With
#    no swap it does not claim to turn swap off.
#  - SIGTERM while another mount covers the daemon's: that mount stays.
#    And a daemon started on a mountpoint whose server is gone says so.
#
# Uses one loop device of its own (detached by name at exit), no swap.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_cmd losetup cmp dd timeout
timebox 180
start_daemon

d=$(new_dev 16M lz4)
data=$MNT/zramfs$d/data
pat=$WORK/pattern
head -c $((1024 * 1024)) /dev/urandom >"$pat"

# check_serves WHAT: the daemon is alive, not stopped, answers an attribute
# read and stores and returns data.
check_serves() {
	local st p
	_pid_alive "$DAEMON_PID" || fail "$1: zramfsd is gone"
	p=$(server_pid) || fail "$1: zramfsd has no server"
	st=$(pid_state "$DAEMON_PID")$(pid_state "$p")
	[[ $st != *[Tt]* ]] || fail "$1: zramfsd is stopped ($st)"
	expect_eq "$1: zramfs$d initstate" "$(timeout 5 cat "$MNT/zramfs$d/initstate")" 1
	timeout 10 dd if="$pat" of="$data" bs=64k oflag=direct conv=notrunc \
		status=none || fail "$1: writing $data"
	timeout 10 dd if="$data" bs=64k count=16 iflag=direct status=none |
		cmp -s - "$pat" || fail "$1: $data does not read back"
	ok "$1: zramfsd serves (state $st)"
}

# ---- signals it does not use ------------------------------------------------

# Asynchronous signals whose default is to end or stop a process, and some
# whose default is to ignore.  SIGTERM, SIGINT (shutdown), SIGHUP (reload,
# reload.sh) and SIGKILL, SIGSTOP (unblockable) are not sent.
sigs="QUIT TRAP USR1 USR2 PIPE ALRM STKFLT CHLD CONT TSTP TTIN TTOU URG
XCPU XFSZ VTALRM PROF WINCH IO PWR SYS RTMIN RTMIN+3 RTMAX-1 RTMAX"
faults="SEGV BUS FPE ILL ABRT"

# mask NAMES...: the signal set of NAMES as /proc/PID/status shows it.
mask() {
	local m=0 s n
	for s; do
		n=$(kill -l "$s") || fail "kill -l $s"
		m=$((m | 1 << (n - 1)))
	done
	echo "$m"
}
want=$(mask HUP INT TERM $sigs)
notwant=$(mask $faults)
names=
server=$(server_pid) || fail "no server"
for t in /proc/"$DAEMON_PID"/task/* /proc/"$server"/task/*; do
	name=$(cat "$t/comm")
	blk=$((16#$(awk '$1 == "SigBlk:" { print $2 }' "$t/status")))
	ign=$((16#$(awk '$1 == "SigIgn:" { print $2 }' "$t/status")))
	[ $((blk & want)) = "$want" ] ||
		fail "thread ${t##*/} ($name) lets through $(printf %x $((want & ~blk)))"
	[ $(((blk | ign) & notwant)) = 0 ] ||
		fail "thread ${t##*/} ($name) blocks or ignores a fault signal"
	names="$names $name"
done
for n in zramfsd zramfsd-server zramfsd-ctl zramfsd-fuse zramfsd-gc \
	zramfsd-keeper; do
	[[ $names == *" $n"* ]] || fail "no thread $n among:$names"
done
ok "every thread blocks every asynchronous signal but the fault signals:$names"

for s in $sigs; do
	kill "-$s" "$DAEMON_PID" "$server" || fail "kill -$s"
done
sleep 0.5
check_serves "after the signals"

# ---- a second daemon on the same mountpoint ---------------------------------

rc=0
out=$(timeout 20 "$ZRAMFSD" -f -c "$WORK/zramfsd.conf" -m "$MNT" 2>&1) || rc=$?
expect_eq "a second zramfsd on $MNT: exit status" "$rc" 1
expect_match "its message" "$out" "^zramfsd: $MNT: already a mount point \\(fuse\\.zramfsd"
if grep -qs '^fuse_connection:' /proc/"$DAEMON_PID"/fdinfo/*; then
	expect_match "it names the server" "$out" "served by pid $DAEMON_PID zramfsd\\)\$"
else
	note "this kernel does not show fuse_connection in fdinfo: no pid named"
fi
# As systemd's unit runs it, without CAP_SYS_PTRACE: the first daemon's
# fdinfo is out of reach (it is not dumpable), the zramfsd processes are not.
if command -v capsh >/dev/null; then
	others=$(pgrep -xc zramfsd) || true
	rc=0
	out=$(timeout 20 capsh --drop=cap_sys_ptrace -- -c 'exec "$0" "$@"' \
		"$ZRAMFSD" -f -c "$WORK/zramfsd.conf" -m "$MNT" 2>&1) || rc=$?
	expect_eq "without CAP_SYS_PTRACE: exit status" "$rc" 1
	expect_match "its message" "$out" \
		"already a mount point \\(fuse\\.zramfsd, zramfsd runs as pid( [0-9]+)+\\)\$"
	if [ "$others" -le 4 ]; then
		[[ "$out " == *" $DAEMON_PID"[\ \)]* ]] ||
			fail "the message does not name pid $DAEMON_PID"
	fi
else
	note "no capsh: the message without CAP_SYS_PTRACE is not checked"
fi
check_serves "with a second zramfsd refused"

# ---- SIGTERM while a loop device holds a data file --------------------------

loop=
detach_own_loop() {
	[ -z "$loop" ] || losetup -d "$loop" || note "cleanup: losetup -d $loop failed"
}
at_exit detach_own_loop
loop=$(losetup -f --show --direct-io=on -b 4096 "$data") || fail "losetup $data"
ok "$loop attached by hand to $data"
dd if="$pat" of="$loop" bs=64k oflag=direct status=none || fail "writing $loop"

kill -TERM "$DAEMON_PID"
deadline=$((SECONDS + 20))
until grep -q "not exiting while a data file is open" "$DAEMON_LOG"; do
	_pid_alive "$DAEMON_PID" ||
		fail "zramfsd exited on SIGTERM while $loop holds $data"
	_is_mounted "$MNT" ||
		fail "zramfsd unmounted on SIGTERM while $loop holds $data"
	[ "$SECONDS" -lt "$deadline" ] ||
		fail "zramfsd said nothing in 20 s after SIGTERM"
	sleep 0.1
done
sleep 0.5
_pid_alive "$DAEMON_PID" || fail "zramfsd exited on SIGTERM while $loop holds $data"
grep -q "zramfs$d: the data file is open: $loop is attached to it" "$DAEMON_LOG" ||
	fail "the log does not name $loop: $(tail -n 3 "$DAEMON_LOG")"
ok "SIGTERM refused: $(grep "is attached to it" "$DAEMON_LOG" | tail -n 1)"
_is_mounted "$MNT" || fail "$MNT unmounted while $loop holds $data"
dd if="$loop" bs=64k count=16 iflag=direct status=none | cmp -s - "$pat" ||
	fail "the pattern does not read back through $loop"
ok "the pattern reads back through $loop"
expect_eq "zramfs$d initstate after the refused SIGTERM" "$(attr "$d" initstate)" 1

losetup -d "$loop" || fail "losetup -d $loop"
loop=
# The loop device's release of the file reaches the daemon a moment after
# the detach; a later SIGTERM tries again.
for _ in $(seq 20); do
	if daemon_kill TERM 1; then
		break
	fi
done
[ -z "$DAEMON_PID" ] || fail "zramfsd still running after SIGTERM with nothing open"
expect_eq "zramfsd exit status" "$DAEMON_STATUS" 0
! _is_mounted "$MNT" || fail "$MNT still mounted after zramfsd exited"
! grep -q "turning swap off" "$DAEMON_LOG" ||
	fail "zramfsd logged turning swap off with no swap on"
ok "exited, unmounted; logged: $(grep -c . "$DAEMON_LOG") lines, no swap off"

# ---- SIGTERM with another mount over ours -----------------------------------

start_daemon
cover=
umount_cover() { [ -z "$cover" ] || umount "$MNT" || note "cleanup: umount $MNT failed"; }
at_exit umount_cover
mount -t tmpfs -o size=1M zramfs-test-cover "$MNT" || fail "mount tmpfs on $MNT"
cover=1
touch "$MNT/marker"
daemon_kill TERM 30 || fail "zramfsd still running 30 s after SIGTERM"
expect_eq "zramfsd exit status" "$DAEMON_STATUS" 0
expect_eq "the file system at $MNT" "$(stat -f -c %T "$MNT")" tmpfs
[ -e "$MNT/marker" ] || fail "the tmpfs over $MNT lost its file"
grep -q "another mount covers ours" "$DAEMON_LOG" ||
	fail "zramfsd did not say why it left $MNT mounted"
ok "the tmpfs over zramfsd's mount is left alone"

umount "$MNT" || fail "umount the tmpfs"
cover=
_is_mounted "$MNT" || fail "zramfsd's own mount is gone from beneath the tmpfs"
rc=0
out=$(timeout 20 "$ZRAMFSD" -f -c "$WORK/zramfsd.conf" -m "$MNT" 2>&1) || rc=$?
expect_eq "zramfsd on a mount whose server is gone: exit status" "$rc" 1
expect_match "its message" "$out" "(server is gone is there: umount it first|already a mount point \\(fuse\\.zramfsd\\))\$"
