#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# poll.sh: control/poll_us, the FUSE workers' polling window (issue 13;
# zramfsd.conf(5) poll_us, zramfsd(8) control):
#
# - it reads the default, 0 (off); 0 to 1000 are taken, anything else is EINVAL
#   and changes nothing;
# - with the widest window, data written and read at random through the
#   data file is what was written (datatool fuzz), and a server killed
#   while it serves leaves nothing lost: the next one answers;
# - the window outlives the server: a new one polls as the old one did;
# - polling stops when requests do: an idle second costs the server almost
#   no CPU time, however wide the window.
. "$(dirname "$0")/lib.sh"

require_root_fuse
require_cmd pgrep
timebox 180

start_daemon
s1=$(wait_server 10) || fail "no server"
expect_eq "poll_us by default" "$(cat "$MNT/control/poll_us")" 0
for v in 0 1000 7; do
	wctl poll_us "$v" || fail "poll_us $v"
	expect_eq "poll_us after writing $v" "$(cat "$MNT/control/poll_us")" "$v"
done
for v in 1001 -1 abc ""; do
	expect_fail_any wctl poll_us "$v"
done
expect_eq "poll_us after the refused writes" "$(cat "$MNT/control/poll_us")" 7

# ---- data, and a kill, with the widest window ------------------------------------

wctl poll_us 1000 || fail "poll_us 1000"
d=$(new_dev 64M lz4)
seed=$RANDOM
"$DATATOOL" fuzz "$MNT/zramfs$d/data" "$seed" 6000 >"$WORK/dt.out" 2>&1 ||
	fail "datatool fuzz, seed $seed: $(tail -n 5 "$WORK/dt.out")"
ok "datatool fuzz (seed $seed) with poll_us 1000: every byte as written"

seed=$RANDOM
"$DATATOOL" fuzz "$MNT/zramfs$d/data" "$seed" 20000 >"$WORK/dt2.out" 2>&1 &
dt=$!
sleep 0.3
kill_server_and_wait "$s1" 10
s2=$(server_pid)
status=0
wait "$dt" || status=$?
[ "$status" = 0 ] ||
	fail "datatool fuzz across the kill, seed $seed: $(tail -n 5 "$WORK/dt2.out")"
ok "datatool fuzz (seed $seed) across a server killed while polling: every byte as written"
expect_eq "io_stat failed_reads failed_writes" \
	"$(stat_field "$MNT/zramfs$d/io_stat" failed_reads) $(stat_field "$MNT/zramfs$d/io_stat" failed_writes)" "0 0"
expect_eq "poll_us in the new server $s2" "$(cat "$MNT/control/poll_us")" 1000

# ---- idle: no polling --------------------------------------------------------------

# cpu_ms PID: user and system time of PID so far, in milliseconds.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' \
		"/proc/$1/stat"
}
sleep 0.2
c0=$(cpu_ms "$s2")
sleep 1
c1=$(cpu_ms "$s2")
[ $((c1 - c0)) -lt 100 ] ||
	fail "an idle second cost the server $((c1 - c0)) ms of CPU with poll_us 1000"
ok "an idle second cost the server $((c1 - c0)) ms of CPU with poll_us 1000"

wattr "$d" reset 1 || fail "reset"
