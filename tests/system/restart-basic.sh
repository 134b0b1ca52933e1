#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# restart-basic.sh: the server dies, the holder starts another, the mount
# stays (issue 12, docs/design/restart.md section 7.3).
#
# - zramfsd (the holder) runs a server, zramfsd-server, found by pgrep -P;
# - a request the server holds when it is SIGKILLed (statfs, held by the
#   fault point statfs.before_reply:stop) is answered by the next server
#   (FUSE_NOTIFY_RESEND), and daemon_stat counts the restart and a gap;
# - an idle server SIGKILLed: same mount (mount ID), a new server pid, the
#   tree works (hot_add, attributes, data), daemon_stat restarts 2;
# - zramfsctl --daemon shows the counters, also as JSON.
# Devices do not survive a restart yet (their stores and records move to
# regions in later steps): only what a new server serves afresh is checked.
. "$(dirname "$0")/lib.sh"

require_root_fuse
require_cmd pgrep timeout
timebox 120

mount_id() { awk -v m="$MNT" '$5 == m { print $1 }' /proc/self/mountinfo; }

ZRAMFS_FAULT=statfs.before_reply:stop start_daemon
holder=$DAEMON_PID
s1=$(wait_server 10) || fail "no server under the holder $holder"
expect_eq "the server's name" "$(cat "/proc/$s1/comm")" zramfsd-server
expect_eq "the server's parent" "$(awk '{ print $4 }' "/proc/$s1/stat")" \
	"$holder"
id1=$(mount_id)
expect_eq "daemon_stat at start" "$(cat "$MNT/control/daemon_stat")" \
	"0 0 0 0 0 0 0 0 $DAEMON_PID"

# ---- a request in flight when the server dies --------------------------------

stat -f -c %S "$MNT" >"$WORK/statfs.out" 2>&1 &
statfs=$!
deadline=$((SECONDS + 10))
until [ "$(pid_state "$s1")" = T ]; do
	[ "$SECONDS" -lt "$deadline" ] ||
		fail "the server did not stop at statfs.before_reply"
	sleep 0.05
done
_pid_alive "$statfs" ||
	fail "statfs answered by a stopped server: $(cat "$WORK/statfs.out")"
ok "the server holds a statfs request, stopped"
kill -KILL "$s1"
s2=$(wait_server 10 "$s1") || fail "no new server after SIGKILL"
wait_child "$statfs" 10 || fail "statfs still waiting after the restart"
expect_eq "statfs's status" "$CHILD_STATUS" 0
expect_eq "statfs's answer (block size)" "$(cat "$WORK/statfs.out")" 4096
expect_eq "mount ID after the restart" "$(mount_id)" "$id1"
expect_eq "the new server's parent" \
	"$(awk '{ print $4 }' "/proc/$s2/stat")" "$holder"
wait_daemon_stat restarts 1
ok "daemon_stat: $(cat "$MNT/control/daemon_stat")"
gap=$(daemon_stat last_gap_us)
[ "$gap" -gt 0 ] || fail "last_gap_us $gap"
expect_eq "last_exit (SIGKILL)" "$(daemon_stat last_exit)" -9
expect_eq "resend (FUSE_NOTIFY_RESEND)" "$(daemon_stat resend)" 1
expect_eq "start_failures" "$(daemon_stat start_failures)" 0

# ---- an idle server dies ----------------------------------------------------

kill -KILL "$s2"
s3=$(wait_server 10 "$s2") || fail "no new server after the second SIGKILL"
expect_eq "mount ID after the second restart" "$(mount_id)" "$id1"
wait_daemon_stat restarts 2
ok "second restart: $(cat "$MNT/control/daemon_stat")"
_pid_alive "$holder" || fail "the holder died"
expect_eq "the holder" "$DAEMON_PID" "$holder"

# The tree works: a device, its attributes, its data.
n=$(new_dev 16M lz4)
expect_eq "zramfs$n disksize" "$(attr "$n" disksize)" 16777216
expect_match "zramfs$n comp_algorithm" "$(attr "$n" comp_algorithm)" \
	'\[lz4\]' 
printf 'restarted\n' | dd of="$(dev_dir "$n")/data" bs=4096 conv=sync \
	status=none || fail "write zramfs$n/data"
expect_eq "data read back" \
	"$(head -c 9 "$(dev_dir "$n")/data")" restarted
ok "the new server serves the tree"

# ---- zramfsctl --daemon ------------------------------------------------------

out=$("$ZRAMFSCTL" -m "$MNT" --daemon) || fail "zramfsctl --daemon"
expect_match "zramfsctl --daemon" "$(echo $out)" \
	"^restarts 2 reloads 0 last_gap_us [0-9]+ max_gap_us [0-9]+ start_failures 0 last_exit -9 resend 1 reload_failures 0 holder_pid $DAEMON_PID$"
out=$("$ZRAMFSCTL" -m "$MNT" --daemon --json) || fail "zramfsctl --daemon -J"
expect_match "zramfsctl --daemon --json" "$(echo $out)" \
	'^\{ "daemon": \{ "restarts": 2, "reloads": 0, "last_gap_us": [0-9]+, "max_gap_us": [0-9]+, "start_failures": 0, "last_exit": -9, "resend": 1, "reload_failures": 0, "holder_pid": '"$DAEMON_PID"' \} \}$'
expect_fail_any "$ZRAMFSCTL" -m "$MNT" --daemon zramfs0
expect_fail_any "$ZRAMFSCTL" -m "$MNT" --reload zramfs0
expect_fail_any "$ZRAMFSCTL" -m "$MNT" --reload --daemon
