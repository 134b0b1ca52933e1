#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# restart-startfail.sh: servers that die at start are restarted with
# back-off, each cause logged, and the holder keeps the mount all along
# (issue 12; docs/design/restart.md section 2.6).
#
# ZRAMFS_FAULT_FILE names a file every server reads at start: while it says
# attach.start:kill, each new server dies there.  The delays the holder
# logs grow (100, 200, 400 ms ...), the mount stays (mountinfo only: a stat
# on it would wait for a server), and once the file is emptied the next
# server serves: daemon_stat counts the start failures and one restart.
# Then a first server that dies after reading the kernel's FUSE_INIT and
# before answering it (init.before_reply): the next one has the INIT sent
# again (FUSE_NOTIFY_RESEND) and answers it; the mount serves.  And one
# that dies after answering INIT, before saving the answer
# (init.after_reply): the next one gets no INIT again, so at its first
# request it feeds libfuse the saved one itself, and serves.
. "$(dirname "$0")/lib.sh"

require_root_fuse
require_cmd pgrep timeout
timebox 120

make_workdir
spec=$WORK/fault
: >"$spec"
ZRAMFS_FAULT_FILE=$spec start_daemon
s1=$(wait_server 10) || fail "no server"
id1=$(awk -v m="$MNT" '$5 == m { print $1 }' /proc/self/mountinfo)

echo attach.start:kill >"$spec"
kill -KILL "$s1"
deadline=$((SECONDS + 30))
until [ "$(grep -c 'before it served; starting another in' "$DAEMON_LOG")" -ge 4 ]; do
	[ "$SECONDS" -lt "$deadline" ] ||
		fail "fewer than 4 servers died at start in 30 s: $(tail -n 5 "$DAEMON_LOG")"
	sleep 0.1
done
delays=$(grep -o 'before it served; starting another in [0-9]* ms' "$DAEMON_LOG" |
	awk '{ print $7 }' | head -n 4 | xargs)
ok "delays after each start failure: $delays ms"
# The first death came after READY, within 10 s: 100 ms; then doubling.
expect_eq "back-off" "$delays" "200 400 800 1600"
grep -q 'server died (signal Killed) before it served' "$DAEMON_LOG" ||
	fail "the cause is not logged"
expect_eq "mount ID while no server serves" \
	"$(awk -v m="$MNT" '$5 == m { print $1 }' /proc/self/mountinfo)" "$id1"
_pid_alive "$DAEMON_PID" || fail "the holder died"

: >"$spec"
s=$(wait_server 30 "$s1") || fail "no server after the fault was cleared"
wait_daemon_stat restarts 1
failures=$(daemon_stat start_failures)
[ "$failures" -ge 4 ] || fail "start_failures $failures, not 4 or more"
ok "daemon_stat after recovery: $(cat "$MNT/control/daemon_stat")"
n=$(new_dev 8M)
expect_eq "zramfs$n disksize" "$(attr "$n" disksize)" 8388608
ok "server $s serves after $failures failed starts"

# ---- the first server dies around its answer to INIT --------------------------

for point in init.before_reply init.after_reply; do
	daemon_kill TERM 30 || fail "zramfsd did not stop"
	expect_eq "exit status" "$DAEMON_STATUS" 0
	: >"$DAEMON_LOG"
	ZRAMFS_FAULT=$point:kill start_daemon
	s=$(wait_server 10) || fail "no server after $point"
	grep -q 'server died (signal Killed) before it served' "$DAEMON_LOG" ||
		fail "the first server did not die at $point: $(cat "$DAEMON_LOG")"
	expect_eq "$point: start_failures" "$(daemon_stat start_failures)" 1
	n=$(new_dev 8M)
	expect_eq "zramfs$n disksize" "$(attr "$n" disksize)" 8388608
	ok "$point: server $s serves"
done
