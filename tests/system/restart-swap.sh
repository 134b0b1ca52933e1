#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# restart-swap.sh: the server dies under swap load and no page is lost
# (issue 12).  swapload keeps a working set three times its memory cgroup's
# limit on a zramfs swap device and verifies every page on three passes,
# while the server process (the holder's child, zramfsd-server) is killed
# with SIGKILL ZRAMFS_KILLS times (default 5) at random moments.  Each time
# a new server must take over: daemon_stat's restarts moves, swapload never
# sees an error or a wrong page, the mount and the holder stay.  Afterwards
# the GC drains as usual, and once swap is off and the device reset its
# memory is all back.
#
# ZRAMFS_SWAP_MIB and ZRAMFS_CGROUP_MIB change the sizes (for a quick run).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work_mib=${ZRAMFS_SWAP_MIB:-768}
limit_mib=${ZRAMFS_CGROUP_MIB:-256}
kills=${ZRAMFS_KILLS:-5}
passes=3

swap_test 900 "${limit_mib}M"
start_daemon
holder=$DAEMON_PID
mount_id=$(mount_id "$MNT")
swap_dev 2G
d=$SWAP_DEV

cg_run "$WORK/swapload.out" "$SWAPLOAD" -s "$work_mib" -p "$passes" -S 7
note "swapload (pid $CG_PID): $work_mib MiB in a $limit_mib MiB cgroup"

killed=0
gaps=()
# The first kill once swapload is well into its first pass: pages are out.
next_kill=$((SECONDS + 4 + RANDOM % 3))
kill_server() {
	local pid
	[ "$killed" -lt "$kills" ] && [ "$SECONDS" -ge "$next_kill" ] ||
		return 0
	pid=$(wait_server 10) || fail "no server serves"
	kill_server_and_wait "$pid" 10
	killed=$((killed + 1))
	gaps+=("$(daemon_stat last_gap_us)")
	next_kill=$((SECONDS + 1 + RANDOM % 2))
	WATCH_NOTE="$killed kills, gaps ${gaps[*]} us"
}
watch_swapload 900 kill_server
[ "$CHILD_STATUS" = 0 ] || fail "swapload exited with status $CHILD_STATUS"
expect_verified "$CG_OUT" $((work_mib * 256 * passes))
[ "$killed" = "$kills" ] ||
	fail "swapload ended after $killed of $kills kills; make it longer"
ok "swapload: every page of $work_mib MiB correct on $passes passes," \
	"$kills servers killed (gaps ${gaps[*]} us)"

expect_eq "holder pid" "$DAEMON_PID" "$holder"
expect_eq "mount id" "$(mount_id "$MNT")" "$mount_id"
expect_eq "daemon_stat restarts" "$(daemon_stat restarts)" "$kills"
expect_eq "io_stat failed_reads" "$(stat_field "$MNT/zramfs$d/io_stat" \
	failed_reads)" 0

# The program is gone: its slots are discarded and freed by the GC the
# last server rebuilt, and nothing the dead servers held is left over.
wait_swap_drained $((WATCH_MAX_ORIG / 20)) "swapload exited"
ok "orig_data_size fell from $(mib "$WATCH_MAX_ORIG") to $WATCH_ORIG bytes"

wattr "$d" swap off || fail "swap off"
wattr "$d" reset 1 || fail "reset"
expect_eq "mem_used_total after reset" "$(mm_field "$d" mem_used_total)" 0
rss=$(holder_shm_rss "$holder")
[ "$rss" -le $((16 << 20)) ] ||
	fail "the holder's segments still hold $(mib "$rss") after reset"
ok "after reset the holder's segments hold $rss bytes (state only)"
