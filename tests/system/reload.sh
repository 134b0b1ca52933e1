#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# reload.sh: SIGHUP to zramfsd re-executes the installed binary, holder and
# server (issue 12; zramfsd(8) SIGNALS):
#
#  - a copy of zramfsd is started, then replaced on disk by a new copy (a
#    new inode at the same path, as a package upgrade does); after SIGHUP
#    the holder has the same pid and both /proc/PID/exe are the new inode;
#    the mount is the same, daemon_stat counts one reload and no restart,
#    and the tree serves;
#  - an installed binary of another hold area layout (ZRAMFS_TEST_LAYOUT)
#    is refused: the log says why, the same server serves on.
. "$(dirname "$0")/lib.sh"

require_root_fuse
require_cmd pgrep timeout
timebox 120
make_workdir
mkdir -p "$WORK/bin"
bin=$WORK/bin/zramfsd
cp "$ZRAMFSD" "$bin" || fail "cp $ZRAMFSD"

mount_id() { awk -v m="$MNT" '$5 == m { print $1 }' /proc/self/mountinfo; }
exe_ino() { stat -L -c %i "/proc/$1/exe"; }

ZRAMFSD=$bin start_daemon
holder=$DAEMON_PID
s1=$(wait_server 10) || fail "no server"
id=$(mount_id)
old=$(exe_ino "$holder")
cp "$ZRAMFSD" "$bin.new" && mv -f "$bin.new" "$bin" || fail "install a new copy"
new=$(stat -c %i "$bin")
[ "$new" != "$old" ] || fail "the new copy has the old inode"

kill -HUP "$holder"
s2=$(wait_server 10 "$s1") || fail "no new server after SIGHUP"
wait_daemon_stat reloads 1
_pid_alive "$holder" || fail "the holder is gone"
expect_eq "the holder's pid" "$DAEMON_PID" "$holder"
expect_eq "the holder's executable (inode)" "$(exe_ino "$holder")" "$new"
expect_eq "the server's executable (inode)" "$(exe_ino "$s2")" "$new"
expect_eq "the server's parent" "$(awk '{ print $4 }' "/proc/$s2/stat")" "$holder"
expect_eq "mount ID" "$(mount_id)" "$id"
expect_eq "restarts" "$(daemon_stat restarts)" 0
n=$(new_dev 8M lz4)
expect_eq "zramfs$n disksize" "$(attr "$n" disksize)" 8388608
ok "reloaded: $(cat "$MNT/control/daemon_stat")"
daemon_kill TERM 30 || fail "the reloaded zramfsd did not stop"
expect_eq "exit status" "$DAEMON_STATUS" 0

# ---- another layout: refused ---------------------------------------------------

: >"$DAEMON_LOG"
ZRAMFS_TEST_LAYOUT=1 ZRAMFSD=$bin start_daemon
s1=$(wait_server 10) || fail "no server"
kill -HUP "$DAEMON_PID"
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
