#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# restart-points.sh: the server dies inside each critical section that has a
# name, and the data file still reads back exactly what was acknowledged
# (issue 12).  For each fault point (lib/fault.h) a fresh daemon is started
# with ZRAMFS_FAULT=POINT:N, which the holder passes to its first server
# only: at the N-th hit that server kills itself with SIGKILL, in the middle
# of whatever it was doing, and the holder starts the next one, which must
# find the store as the dead one left it, repair it and answer the requests
# the dead one had read (FUSE_NOTIFY_RESEND).  The workload is datatool's
# fuzz mode, which keeps its own copy of the file and checks every read and,
# at the end, the whole file; for compaction points it runs while compact is
# written in a loop, for 1 MiB requests it is fill and verify, for swap
# points it is "swap on" (then the fuzz, then "swap off").  Each point
# must fire (daemon_stat restarts 1), or the list below is out of date.
# "write.after_alloc 200 fill" is the server dying in the middle of a 1 MiB
# O_DIRECT write: the kernel resends the whole request.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_built "$DATATOOL"
swap_lock
timebox 600

# POINT N WORKLOAD
points=(
	"write.after_alloc 40 fuzz"
	"write.armed 40 fuzz"
	"write.disarmed 40 fuzz"
	"write.before_free_old 40 fuzz"
	"write.after_alloc 200 fill"
	"rmw.after_read 10 fuzz"
	"discard.mid_batch 2 fuzz"
	"gc.mid_batch 2 fuzz"
	"compact.after_copy 5 compact"
	"compact.after_switch 5 compact"
	"keeper.after_hwm 3 fill"
	"keeper.after_populate 3 fill"
	"keeper.mid_release 1 fuzz"
	"hot_add.after_create 1 fuzz"
	"disksize.after_commit 1 fuzz"
	"open.before_reply 1 fuzz"
	"state.handle.before_open 1 fuzz"
	"release.after_free 1 fuzz"
	"swapon.after_loop 1 swap"
)
[ -z "${ZRAMFS_POINTS:-}" ] || mapfile -t points < <(
	printf '%s\n' "${points[@]}" | grep -E "^(${ZRAMFS_POINTS//,/|}) ")

compact_loop() {
	while :; do
		printf '1\n' >"$MNT/zramfs$1/compact" 2>/dev/null || true
		sleep 0.05
	done
}

run_point() {
	local point=$1 n=$2 work=$3 d data cpid= status=0 seed=$RANDOM
	export ZRAMFS_FAULT="$point:$n"
	start_daemon
	unset ZRAMFS_FAULT
	d=$(new_dev 64M lz4)
	data=$MNT/zramfs$d/data
	case $work in
	fuzz)
		timeout -k 5 240 "$DATATOOL" fuzz "$data" "$seed" 6000 \
			>"$WORK/dt.out" 2>&1 || status=$?
		;;
	fill)
		{ timeout -k 5 240 "$DATATOOL" fill "$data" "$seed" 64M &&
			timeout -k 5 240 "$DATATOOL" verify "$data" "$seed" 64M
		} >"$WORK/dt.out" 2>&1 || status=$?
		;;
	swap)
		# The server dies with the loop device attached and swapon
		# not yet called; the next one settles that with the kernel
		# before it serves, and the write, sent again, turns swap on.
		timeout -k 5 60 bash -c 'printf "on priority=32767\n" >"$1"' \
			_ "$MNT/zramfs$d/swap" || status=$?
		loop=$(attr "$d" swap)
		[[ $loop == /dev/loop* ]] && _in_proc_swaps "${loop%% *}" ||
			fail "$point: swap reads '$loop', not an active loop device"
		"$DATATOOL" fuzz "$data" "$seed" 500 >"$WORK/dt.out" 2>&1 ||
			status=$?
		wattr "$d" swap off || fail "$point: swap off"
		;;
	compact)
		compact_loop "$d" &
		cpid=$!
		timeout -k 5 240 "$DATATOOL" fuzz "$data" "$seed" 6000 \
			>"$WORK/dt.out" 2>&1 || status=$?
		kill "$cpid"
		wait "$cpid" 2>/dev/null || true
		;;
	esac
	[ "$status" = 0 ] || fail "$point: datatool $work failed" \
		"(status $status): $(tail -n 5 "$WORK/dt.out")"
	# A release is not waited for: its restart may come a moment later.
	wait_daemon_stat restarts 1 10
	grep -q "fault point $point fired" "$DAEMON_LOG" ||
		fail "$point: the log does not say the point fired"
	expect_eq "$point: io_stat failed_reads" \
		"$(stat_field "$MNT/zramfs$d/io_stat" failed_reads)" 0
	wattr "$d" reset 1 || fail "$point: reset"
	expect_eq "$point: mem_used_total after reset" \
		"$(mm_field "$d" mem_used_total)" 0
	ok "$point:$n ($work, seed $seed): the server died there, the next" \
		"one answered, every byte matched"
	stop_daemon
	[ "${DAEMON_STATUS:-0}" = 0 ] ||
		fail "$point: zramfsd exited with status $DAEMON_STATUS"
}

for p in "${points[@]}"; do
	# shellcheck disable=SC2086 # POINT N WORKLOAD
	run_point $p
done
