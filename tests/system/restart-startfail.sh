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

# delays TEXT N: within 30 s, N log lines "...TEXT starting another in D
# ms" (a server's death); prints the first N delays D.
delays() {
	local deadline=$((SECONDS + 30))
	until [ "$(grep -c "$1 starting another in" "$DAEMON_LOG")" -ge "$2" ]; do
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "fewer than $2 deaths ($1) in 30 s: $(tail -n 5 "$DAEMON_LOG")"
		sleep 0.05
	done
	grep -o "$1 starting another in [0-9]* ms" "$DAEMON_LOG" |
		awk '{ print $(NF - 1) }' | head -n "$2" | xargs
}

make_workdir
spec=$WORK/fault
: >"$spec"
ZRAMFS_FAULT_FILE=$spec start_daemon
s1=$(wait_server 10) || fail "no server"
id1=$(awk -v m="$MNT" '$5 == m { print $1 }' /proc/self/mountinfo)

echo attach.start:kill >"$spec"
kill -KILL "$s1"
delays=$(delays 'before it served;' 4) || exit 1
ok "delays after each start failure: $delays ms"
# The first death came after READY: at once; then 100 ms, doubling.
expect_eq "back-off" "$delays" "100 200 400 800"
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

# ---- a request that kills every server it reaches -------------------------------

# Each server dies at its first statfs, and RESEND hands the same statfs to
# the next: two are replaced at once, then the back-off starts; once the
# fault is cleared the statfs is answered.  The file is read at each
# server's start: the first server, which served over a second, is killed
# to start one that reads it (replaced at once too).
daemon_kill TERM 30 || fail "zramfsd did not stop"
: >"$DAEMON_LOG"
ZRAMFS_FAULT_FILE=$spec start_daemon
s=$(wait_server 10) || fail "no server"
sleep 1.2
echo statfs.before_reply:kill >"$spec"
kill -KILL "$s"
wait_server 10 "$s" >/dev/null || fail "no server after killing $s"
timeout -k 1 60 stat -f "$MNT" >/dev/null &
statfs=$!
delays=$(delays 'server died (signal Killed);' 5) || exit 1
: >"$spec"
expect_eq "delays after the kill, then each death on the statfs" "$delays" \
	"0 0 0 100 200"
wait "$statfs" || fail "the statfs failed once a server survived it"
ok "a request that killed servers: replaced at once twice, then backed off;" \
	"answered once the fault was cleared"
