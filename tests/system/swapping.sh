#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# swapping.sh: real swapping.  swapload keeps a working set three times its
# memory cgroup's limit (768 MiB in 256 MiB) of realistic pages and checks
# every one of them on two full passes, so most pages go out to a zramfs
# device through loop and come back, twice.  While it runs the device must
# hold the pages (orig_data_size); once it exits, swap discards the freed
# slots, the discards reach the daemon as punches and the GC frees them:
# gc_stat moves and orig_data_size falls to almost nothing.
#
# The swap gets the highest priority, so that the pages go to it rather
# than to any swap the machine already has.
# ZRAMFS_SWAP_MIB and ZRAMFS_CGROUP_MIB change the sizes (for a quick run).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work_mib=${ZRAMFS_SWAP_MIB:-768}
limit_mib=${ZRAMFS_CGROUP_MIB:-256}

require_root_fuse
require_built "$SWAPLOAD"
swap_lock
timebox 660
cg_create "${limit_mib}M"
start_daemon

d=$(new_dev 2G lz4)
swap_on "$d" priority=32767 discard=pages
loop=$SWAP_LOOP
q0=$(gc_field "$d" queued_total)
f0=$(gc_field "$d" freed_total)
note "gc_stat before: $(attr "$d" gc_stat | xargs)"

out=$WORK/swapload.out
cg_run "$out" "$SWAPLOAD" -s "$work_mib" -p 2 -S 42
note "swapload (pid $CG_PID): $work_mib MiB in a $limit_mib MiB cgroup"

max_orig=0 max_swap=0 next_report=0
deadline=$((SECONDS + 600))
while _pid_alive "$CG_PID"; do
	[ "$SECONDS" -lt "$deadline" ] || fail "swapload still running after 600 s"
	orig=$(mm_field "$d" orig_data_size)
	used=$(swap_used "$loop")
	[ "$orig" -le "$max_orig" ] || max_orig=$orig
	[ "$used" -le "$max_swap" ] || max_swap=$used
	if [ "$SECONDS" -ge "$next_report" ]; then
		last=$(tail -n 1 "$out" 2>/dev/null || true)
		note "${last:-starting}; swap used $(mib "$used"), orig_data_size $(mib "$orig")"
		next_report=$((SECONDS + 10))
	fi
	sleep 0.5
done
wait_child "$CG_PID" 5 || fail "swapload did not exit"
CG_PID=
cat "$out"
[ "$CHILD_STATUS" = 0 ] || fail "swapload exited with status $CHILD_STATUS"
expect_verified "$out" $((work_mib * 256 * 2))
ok "swapload: every page of $work_mib MiB correct on both passes"

# At least half the excess over the limit must have gone out (zero pages
# never reach the device: the kernel keeps them in its own bitmap).
want=$(((work_mib - limit_mib) * 1048576 / 2))
[ "$max_swap" -ge "$want" ] ||
	fail "at most $(mib "$max_swap") of swap used; expected >= $(mib "$want")"
[ "$max_orig" -ge "$want" ] ||
	fail "orig_data_size peaked at $(mib "$max_orig"); expected >= $(mib "$want")"
ok "peak: swap used $(mib "$max_swap"), orig_data_size $(mib "$max_orig")"
expect_eq "io_stat failed_reads failed_writes" \
	"$(attr "$d" io_stat | awk '{ print $1, $2 }')" "0 0"

# The program is gone: its slots are freed and discarded.
deadline=$((SECONDS + 60))
while :; do
	orig=$(mm_field "$d" orig_data_size)
	pending=$(gc_field "$d" pending)
	[ "$orig" -gt $((max_orig / 20)) ] || [ "$pending" != 0 ] || break
	[ "$SECONDS" -lt "$deadline" ] ||
		fail "60 s after swapload exited: orig_data_size $(mib "$orig") (peak" \
			"$(mib "$max_orig")), gc pending $pending, swap used" \
			"$(mib "$(swap_used "$loop")"); gc_stat $(attr "$d" gc_stat | xargs)"
	sleep 0.5
done
q1=$(gc_field "$d" queued_total)
f1=$(gc_field "$d" freed_total)
note "gc_stat after: $(attr "$d" gc_stat | xargs)"
note "mm_stat after: $(attr "$d" mm_stat | xargs)"
[ "$q1" -gt "$q0" ] || [ "$f1" -gt "$f0" ] ||
	fail "gc_stat did not move: queued_total $q0 -> $q1, freed_total $f0 -> $f1"
ok "discards reached the GC: queued_total $q0 -> $q1, freed_total $f0 -> $f1"
ok "orig_data_size fell from $(mib "$max_orig") to $orig bytes"
