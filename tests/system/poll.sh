#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# poll.sh: control/poll_us, the FUSE workers' polling window (issue 13;
# zramfsd.conf(5) poll_us, zramfsd(8) control):
#
# - it reads the default, 0 (off); 0 to 1000 are taken, anything else is EINVAL
#   and changes nothing;
# - the server's /dev/fuse descriptor is non-blocking while the window is
#   not 0 and blocking when it is (conn.c: workers take queued requests
#   without a turn), and data stays as written while the window is switched
#   on and off under I/O;
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

# fuse_nonblock PID: 1 if the /dev/fuse descriptor of PID is non-blocking.
fuse_nonblock() {
	local fd flags
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd")" = /dev/fuse ] || continue
		flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$1/fdinfo/${fd##*/}")
		echo $(((8#$flags & 8#4000) != 0))
		return 0
	done
	fail "no /dev/fuse descriptor in pid $1"
}

start_daemon
s1=$(wait_server 10) || fail "no server"
expect_eq "poll_us by default" "$(cat "$MNT/control/poll_us")" 0
expect_eq "/dev/fuse non-blocking with poll_us 0" "$(fuse_nonblock "$s1")" 0
wctl poll_us 200 || fail "poll_us 200"
expect_eq "/dev/fuse non-blocking with poll_us 200" "$(fuse_nonblock "$s1")" 1
wctl poll_us 0 || fail "poll_us 0"
expect_eq "/dev/fuse non-blocking with poll_us 0 again" "$(fuse_nonblock "$s1")" 0
for v in 0 1000 7; do
	wctl poll_us "$v" || fail "poll_us $v"
	expect_eq "poll_us after writing $v" "$(cat "$MNT/control/poll_us")" "$v"
done
for v in 1001 -1 abc ""; do
	expect_fail_any wctl poll_us "$v"
done
expect_eq "poll_us after the refused writes" "$(cat "$MNT/control/poll_us")" 7

# ---- data while the window is switched on and off ---------------------------------

# Three at once, so that workers wait for the turn when it is switched off.
pids=() devs=()
for i in 1 2 3; do
	devs+=("$(new_dev 64M lz4)")
	seed=$RANDOM
	"$DATATOOL" fuzz "$MNT/zramfs${devs[-1]}/data" "$seed" 20000 \
		>"$WORK/dt0-$i.out" 2>&1 &
	pids+=("$!")
done
n=0
while kill -0 "${pids[0]}" 2>/dev/null; do
	wctl poll_us $((n % 2 ? 0 : 1000)) || fail "poll_us while fuzzing"
	n=$((n + 1))
	sleep 0.01
done
for i in 0 1 2; do
	status=0
	wait "${pids[$i]}" || status=$?
	[ "$status" = 0 ] ||
		fail "datatool fuzz $i while switching: $(tail -n 5 "$WORK/dt0-$((i + 1)).out")"
done
[ "$n" -ge 4 ] || fail "the window was switched only $n times during the fuzz"
ok "three datatool fuzz at once while poll_us went $n times between 0 and 1000: every byte as written"
for d in "${devs[@]}"; do
	wattr "$d" reset 1 || fail "reset"
done

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
expect_eq "/dev/fuse non-blocking in the new server" "$(fuse_nonblock "$s2")" 1

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
