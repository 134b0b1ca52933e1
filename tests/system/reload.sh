#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# reload.sh: zramfsctl --reload (SIGHUP to zramfsd's holder) re-executes the
# installed binary, holder and server, under swap load and without losing a
# page (issue 12; zramfsd(8) SIGNALS):
#
#  - a copy of zramfsd is started and serves a swap device on which
#    swapload keeps a working set three times its memory cgroup's limit;
#    mid-way the copy is replaced on disk by a new one (a new inode at the
#    same path, as a package upgrade does) and zramfsctl --reload runs: it
#    returns 0 once the new server serves (daemon_stat counts the reload by
#    then), the holder keeps its pid, both /proc/PID/exe are the new inode,
#    the mount is the same, no restart is counted, and swapload verifies
#    every page on every pass;
#  - an installed binary of another hold area layout (ZRAMFS_TEST_LAYOUT)
#    is refused: zramfsctl --reload exits 1, daemon_stat counts the
#    failure, the log says why, the same server serves on; a bare SIGHUP
#    is refused the same way.
. "$(dirname "$0")/lib.sh"

work_mib=${ZRAMFS_SWAP_MIB:-768}
limit_mib=${ZRAMFS_CGROUP_MIB:-256}
passes=3

require_cmd pgrep
swap_test 300 "${limit_mib}M"
make_workdir
mkdir -p "$WORK/bin"
bin=$WORK/bin/zramfsd
cp "$ZRAMFSD" "$bin" || fail "cp $ZRAMFSD"

exe_ino() { stat -L -c %i "/proc/$1/exe"; }

ZRAMFSD=$bin start_daemon
holder=$DAEMON_PID
s1=$(wait_server 10) || fail "no server"
id=$(mount_id "$MNT")
old=$(exe_ino "$holder")
swap_dev 2G
cg_run "$WORK/swapload.out" "$SWAPLOAD" -s "$work_mib" -p "$passes" -S 11
note "swapload (pid $CG_PID): $work_mib MiB in a $limit_mib MiB cgroup"

reloaded=
reload_once() {
	[ -z "$reloaded" ] && grep -q '^filled' "$CG_OUT" || return 0
	cp "$ZRAMFSD" "$bin.new" && mv -f "$bin.new" "$bin" ||
		fail "install a new copy"
	new=$(stat -c %i "$bin")
	[ "$new" != "$old" ] || fail "the new copy has the old inode"
	expect_eq "daemon_stat holder_pid" "$(daemon_stat holder_pid)" "$holder"
	"$ZRAMFSCTL" -m "$MNT" --reload || fail "zramfsctl --reload failed"
	# Counted by the time it returns.
	expect_eq "reloads once zramfsctl --reload returned" \
		"$(daemon_stat reloads)" 1
	s2=$(wait_server 10 "$s1") || fail "no new server after the reload"
	reloaded=1
	WATCH_NOTE="reloaded: server $s1 -> $s2"
}
watch_swapload 600 reload_once
[ "$CHILD_STATUS" = 0 ] || fail "swapload exited with status $CHILD_STATUS"
[ -n "$reloaded" ] || fail "swapload ended before the reload"
expect_verified "$CG_OUT" $((work_mib * 256 * passes))
ok "swapload: every page of $work_mib MiB correct on $passes passes," \
	"reloaded during the second"
_pid_alive "$holder" || fail "the holder is gone"
expect_eq "the holder's pid" "$DAEMON_PID" "$holder"
expect_eq "the holder's executable (inode)" "$(exe_ino "$holder")" "$new"
expect_eq "the server's executable (inode)" "$(exe_ino "$s2")" "$new"
expect_eq "the server's parent" "$(awk '{ print $4 }' "/proc/$s2/stat")" "$holder"
expect_eq "mount ID" "$(mount_id "$MNT")" "$id"
expect_eq "restarts" "$(daemon_stat restarts)" 0
n=$(new_dev 8M lz4)
expect_eq "zramfs$n disksize" "$(attr "$n" disksize)" 8388608
ok "reloaded: $(cat "$MNT/control/daemon_stat")"
wattr "$SWAP_DEV" swap off || fail "swap off"
daemon_kill TERM 30 || fail "the reloaded zramfsd did not stop"
expect_eq "exit status" "$DAEMON_STATUS" 0

# ---- another layout: refused ---------------------------------------------------

: >"$DAEMON_LOG"
ZRAMFS_TEST_LAYOUT=1 ZRAMFSD=$bin start_daemon
s1=$(wait_server 10) || fail "no server"
out=$("$ZRAMFSCTL" -m "$MNT" --reload 2>&1) &&
	fail "zramfsctl --reload succeeded: $out"
expect_match "zramfsctl --reload says" "$out" "refused the reload"
expect_eq "reload_failures" "$(daemon_stat reload_failures)" 1
kill -HUP "$DAEMON_PID"
wait_daemon_stat reload_failures 2 10
deadline=$((SECONDS + 10))
until grep -q "reload refused: .*hold area layout" "$DAEMON_LOG"; do
	[ "$SECONDS" -lt "$deadline" ] ||
		fail "no refusal logged: $(tail -n 3 "$DAEMON_LOG")"
	sleep 0.05
done
ok "$(grep "reload refused" "$DAEMON_LOG")"
expect_eq "the server" "$(server_pid)" "$s1"
expect_eq "reloads" "$(daemon_stat reloads)" 0
expect_match "the tree serves" "$(cat "$MNT/control/hot_add")" '^[0-9]+$'
