#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# startup.sh: start-up from a configuration, as the systemd unit does it.
# Devices of the configuration exist and are swap before zramfsd tells
# systemd READY=1 (through NOTIFY_SOCKET), and their settings are those of
# the file; SIGTERM then turns that swap off and the daemon exits 0.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_cmd python3 swapon
swap_lock
timebox 120
make_workdir

cat >"$WORK/test.conf" <<CONF
[zramfsd]
threads = 4

[zramfs0]
disksize = 64M
comp_algorithm = lz4
gc_mode = sync
mem_limit = 32M
swap = yes
swap_priority = 5
discard = pages

[zramfs2]
disksize = 32M
comp_algorithm = zstd
algorithm_params = level=1
swap = no
CONF

# A notify socket that records what arrives and, at READY=1, what
# /proc/swaps held at that moment.
sock=$WORK/notify.sock
python3 - "$sock" "$WORK/notified" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2] + ".tmp", "w") as out:
    while True:
        msg = s.recv(4096).decode()
        out.write("msg " + msg + "\n")
        if "READY=1" in msg.split("\n"):
            out.write(open("/proc/swaps").read())
            break
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
PY
listener=$!
stop_listener() { kill "$listener" 2>/dev/null || true; }
at_exit stop_listener
for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

DAEMON_CONF=$WORK/test.conf NOTIFY_SOCKET=$sock start_daemon
deadline=$((SECONDS + 20))
while [ ! -e "$WORK/notified" ]; do
	[ "$SECONDS" -lt "$deadline" ] || fail "no READY=1 within 20 s"
	sleep 0.1
done
ok "READY=1 arrived: $(head -1 "$WORK/notified")"

line=$(attr 0 swap)
expect_match "zramfs0 swap" "$line" '^/dev/loop[0-9]+ priority=5 discard=pages$'
loop=${line%% *}
grep -q "^$loop " "$WORK/notified" ||
	fail "$loop was not swap yet when READY=1 was sent: $(cat "$WORK/notified")"
ok "$loop was swap when READY=1 was sent"
expect_eq "zramfs0 disksize" "$(attr 0 disksize)" $((64 << 20))
expect_match "zramfs0 algorithm" "$(attr 0 comp_algorithm)" '\[lz4\]'
expect_eq "zramfs0 gc_mode" "$(attr 0 gc_mode)" sync
expect_eq "zramfs0 mem_limit" "$(attr 0 mem_limit)" $((32 << 20))
expect_eq "zramfs2 swap" "$(attr 2 swap)" none
expect_match "zramfs2 algorithm" "$(attr 2 comp_algorithm)" '\[zstd\]'
expect_eq "zramfs2 disksize" "$(attr 2 disksize)" $((32 << 20))
[ ! -e "$MNT/zramfs1" ] || fail "zramfs1 exists though not configured"
ok "zramfs1 is not created"

kill -TERM "$DAEMON_PID"
wait_pid_exit "$DAEMON_PID" 30 || fail "zramfsd did not exit after SIGTERM"
status=0
wait "$DAEMON_PID" || status=$?
DAEMON_PID=
expect_eq "exit status after SIGTERM" "$status" 0
! grep -q "^$loop " /proc/swaps || fail "$loop is still swap"
! _is_mounted "$MNT" || fail "$MNT is still mounted"
ok "SIGTERM: swap off, unmounted, exit 0"
