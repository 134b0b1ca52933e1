#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sigterm.sh: SIGTERM while a process has pages out on the daemon's swap.
# swapload fills more memory than its cgroup may hold, so pages sit in
# swap, and then waits on a FIFO.  The cgroup's limit is lifted (so the
# pages have somewhere to come back to) and the daemon gets SIGTERM: it
# must turn swap off, which brings every page back into the process, detach
# the loop device, unmount and exit 0.  Only then is swapload released to
# check every page.
#
# First, on cgroup v1, SIGTERM while swapoff cannot succeed (the pages
# have nowhere to go): the daemon must log it and keep serving.
#
# ZRAMFS_SWAP_MIB and ZRAMFS_CGROUP_MIB change the sizes.
#
# With ZRAMFS_SIGTERM_RACE=1 (sigterm-race.sh), someone else runs
# swapoff(8) on the loop device just before the SIGTERM, as systemd does at
# shutdown with the swap unit it makes for every active swap area: the
# daemon's own swapoff then fails with EINVAL while the area is still
# listed, and it must wait for the other one instead of refusing to exit.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work_mib=${ZRAMFS_SWAP_MIB:-512}
limit_mib=${ZRAMFS_CGROUP_MIB:-192}

swap_test 600 "${limit_mib}M"
start_daemon
swap_dev 1G
d=$SWAP_DEV loop=$SWAP_LOOP

fifo=$WORK/hold
mkfifo "$fifo"
out=$WORK/swapload.out
cg_run "$out" "$SWAPLOAD" -s "$work_mib" -p 1 -S 7 --hold-fifo "$fifo"
pid=$CG_PID
note "swapload (pid $pid): $work_mib MiB in a $limit_mib MiB cgroup"
WATCH_UNTIL='^filled:' watch_swapload 400
out_bytes=$(pid_vmswap "$pid")
want=$(((work_mib - limit_mib) * 1048576 / 2))
[ "$out_bytes" -ge "$want" ] ||
	fail "swapload has only $(mib "$out_bytes") swapped out; expected >= $(mib "$want")"
ok "swapload holds with $(mib "$out_bytes") in swap ($(mib "$(swap_used "$loop")") on $loop)"
orig=$(mm_field "$d" orig_data_size)
[ "$orig" -gt 0 ] || fail "orig_data_size is 0 with pages swapped out"

# ---- SIGTERM when swapoff cannot succeed -------------------------------------
# With cgroup v1's OOM killer disabled, the pages swapoff would bring back
# cannot be charged to the full cgroup, so swapoff(2) fails with ENOMEM and
# the daemon must keep serving (cgroup v2 cannot refuse that way: skipped).
if [ "$CG_VER" = 1 ] && [ -w "$CG/memory.oom_control" ]; then
	echo 1 >"$CG/memory.oom_control" || fail "$CG/memory.oom_control"
	logged=$(grep -ci swapoff "$DAEMON_LOG" || true)
	kill -TERM "$DAEMON_PID"
	# Until it has said why (the contract: it logs why), then a moment more.
	deadline=$((SECONDS + 120))
	while [ "$(grep -ci swapoff "$DAEMON_LOG" || true)" = "$logged" ]; do
		_pid_alive "$DAEMON_PID" ||
			fail "zramfsd exited on SIGTERM although swapoff could not succeed"
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "zramfsd logged nothing about swapoff in 120 s after SIGTERM"
		sleep 0.2
	done
	sleep 2
	_pid_alive "$DAEMON_PID" ||
		fail "zramfsd exited on SIGTERM although swapoff could not succeed"
	ok "zramfsd still running after SIGTERM with swapoff impossible"
	_is_mounted "$MNT" || fail "$MNT unmounted although the daemon's data is swap"
	ok "$MNT still mounted"
	_in_proc_swaps "$loop" || fail "$loop no longer swap, yet swapoff could not succeed"
	ok "$loop still swap"
	expect_eq "swap attribute" "$(attr "$d" swap)" "$loop priority=32767 discard=pages"
	expect_eq "zramfs$d: initstate (still served)" "$(attr "$d" initstate)" 1
	ok "zramfsd keeps serving: $(grep -i swapoff "$DAEMON_LOG" | tail -n 1)"
	echo 0 >"$CG/memory.oom_control"
else
	note "SIGTERM with swapoff impossible: needs cgroup v1's memory.oom_control; not checked"
fi

# ---- SIGTERM when swapoff can succeed ----------------------------------------
# Room for the pages to come back, then SIGTERM.
cg_set_limit max
t0=$SECONDS
if [ "${ZRAMFS_SIGTERM_RACE:-0}" = 1 ]; then
	swapoff "$loop" &
	other=$!
	sleep 0.05
	_in_proc_swaps "$loop" ||
		note "the other swapoff finished before the SIGTERM: no race"
fi
daemon_kill TERM 300 || fail "zramfsd still running 300 s after SIGTERM" \
	"(swap: $(awk -v l="$loop" '$1 == l' /proc/swaps))"
note "zramfsd exited $((SECONDS - t0)) s after SIGTERM"
expect_eq "zramfsd exit status" "$DAEMON_STATUS" 0
if [ "${ZRAMFS_SIGTERM_RACE:-0}" = 1 ]; then
	wait "$other" || fail "the other swapoff failed"
	grep -q "being turned off elsewhere" "$DAEMON_LOG" &&
		ok "zramfsd waited for the other swapoff" ||
		note "zramfsd's swapoff did not meet the other one"
fi
! _is_mounted "$MNT" || fail "$MNT still mounted after zramfsd exited"
ok "$MNT unmounted"
! _in_proc_swaps "$loop" || fail "$loop still swap after zramfsd exited"
ok "$loop is no longer swap"
[ -z "$(_our_loops)" ] || fail "still attached to the data file: $(_our_loops)"
ok "$loop detached"
expect_eq "swapload's VmSwap" "$(pid_vmswap "$pid")" 0

# Release swapload: every page must have come back.
timeout 10 bash -c 'echo go >"$1"' _ "$fifo" || fail "swapload is not listening on $fifo"
wait_child "$pid" 120 || fail "swapload still verifying after 120 s"
CG_PID=
cat "$out"
[ "$CHILD_STATUS" = 0 ] || fail "swapload exited with status $CHILD_STATUS"
expect_verified "$out" $((work_mib * 256))
ok "every page came back intact"
