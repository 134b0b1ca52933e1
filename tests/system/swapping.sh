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
# ZRAMFS_SWAP_MIB and ZRAMFS_CGROUP_MIB change the sizes (for a quick run).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work_mib=${ZRAMFS_SWAP_MIB:-768}
limit_mib=${ZRAMFS_CGROUP_MIB:-256}

swap_test 660 "${limit_mib}M"
start_daemon
swap_dev 2G
d=$SWAP_DEV
q0=$(gc_field "$d" queued_total)
f0=$(gc_field "$d" freed_total)
note "gc_stat before: $(attr "$d" gc_stat | xargs)"

cg_run "$WORK/swapload.out" "$SWAPLOAD" -s "$work_mib" -p 2 -S 42
note "swapload (pid $CG_PID): $work_mib MiB in a $limit_mib MiB cgroup"

max_swap=0
track_swap() {
	local used
	used=$(swap_used "$SWAP_LOOP")
	[ "$used" -le "$max_swap" ] || max_swap=$used
	WATCH_NOTE="swap used $(mib "$used")"
}
watch_swapload 600 track_swap
[ "$CHILD_STATUS" = 0 ] || fail "swapload exited with status $CHILD_STATUS"
expect_verified "$CG_OUT" $((work_mib * 256 * 2))
ok "swapload: every page of $work_mib MiB correct on both passes"

# At least half the excess over the limit must have gone out (zero pages
# never reach the device: the kernel keeps them in its own bitmap).
want=$(((work_mib - limit_mib) * 1048576 / 2))
[ "$max_swap" -ge "$want" ] ||
	fail "at most $(mib "$max_swap") of swap used; expected >= $(mib "$want")"
[ "$WATCH_MAX_ORIG" -ge "$want" ] ||
	fail "orig_data_size peaked at $(mib "$WATCH_MAX_ORIG"); expected >= $(mib "$want")"
ok "peak: swap used $(mib "$max_swap"), orig_data_size $(mib "$WATCH_MAX_ORIG")"
expect_eq "io_stat failed_reads failed_writes" \
	"$(attr "$d" io_stat | awk '{ print $1, $2 }')" "0 0"

# The program is gone: its slots are freed and discarded.
wait_swap_drained $((WATCH_MAX_ORIG / 20)) "swapload exited"
q1=$(gc_field "$d" queued_total)
f1=$(gc_field "$d" freed_total)
note "gc_stat after: $(attr "$d" gc_stat | xargs)"
note "mm_stat after: $(attr "$d" mm_stat | xargs)"
[ "$q1" -gt "$q0" ] || [ "$f1" -gt "$f0" ] ||
	fail "gc_stat did not move: queued_total $q0 -> $q1, freed_total $f0 -> $f1"
ok "discards reached the GC: queued_total $q0 -> $q1, freed_total $f0 -> $f1"
ok "orig_data_size fell from $(mib "$WATCH_MAX_ORIG") to $WATCH_ORIG bytes"
