#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# soak.sh: swap churn for a while.  Several swapload processes share a
# memory cgroup far smaller than their working sets, so their pages keep
# going out to the daemon's swap and coming back.  They come and go: each
# takes a random size, number of passes and seed; about half of them are
# killed (SIGKILL) at a random moment, the rest run to the end and must
# have found every page intact.  Whenever one ends, its swap slots are
# freed, swap discards them, and the discards reach the daemon's GC, which
# must keep up: gc_stat moves while the churn goes on, and once the last
# process is gone the device drains, orig_data_size falls to (almost)
# nothing (what swap keeps in its per-CPU clusters) and nothing is
# pending.  Throughout, the daemon answers attribute
# reads within 2 s and counts no failed read or write.
#
# ZRAMFS_SOAK_SECONDS is how long new processes are started (default 20,
# for make check; an hour by hand: ZRAMFS_SOAK_SECONDS=3600).  The seed is
# random unless ZRAMFS_SEED is set; it is printed for a replay.
# ZRAMFS_SOAK_PROCS (3) processes run at once in ZRAMFS_CGROUP_MIB (128).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

secs=${ZRAMFS_SOAK_SECONDS:-20}
nprocs=${ZRAMFS_SOAK_PROCS:-3}
limit_mib=${ZRAMFS_CGROUP_MIB:-128}
seed=${ZRAMFS_SEED:-$(($(date +%s) % 100000))}

note "seed $seed (set ZRAMFS_SEED=$seed to replay), $secs s, $nprocs processes"
RANDOM=$seed
swap_test $((secs + 300)) "${limit_mib}M"
start_daemon
swap_dev 2G
d=$SWAP_DEV
q0=$(gc_field "$d" queued_total)
f0=$(gc_field "$d" freed_total)

# The processes: pid -> output file, and the time to kill it (0: never).
declare -A out_of=() kill_at=()
started=0 verified=0 killed=0 oom=0 pages_checked=0

spawn() {
	local mib=$((32 + RANDOM % 129)) passes=$((1 + RANDOM % 3)) s=$RANDOM
	local pid
	cg_run "$WORK/load.$started" "$SWAPLOAD" -s "$mib" -p "$passes" -S "$s"
	pid=$CG_PID
	out_of[$pid]=$CG_OUT
	kill_at[$pid]=0
	# Every second one is to be killed (not a coin toss: a run whose
	# processes all drew "no" failed "no process was killed").
	if ((started % 2)); then
		kill_at[$pid]=$((SECONDS + 1 + RANDOM % 6))
	fi
	started=$((started + 1))
}

# reap PID: it has exited; judge how.
reap() {
	local pid=$1 status=0 out=${out_of[$1]} n
	# (Without bash's "Killed" line for the ones killed on purpose.)
	{ wait "$pid"; } 2>/dev/null || status=$?
	if [ "$status" = 0 ]; then
		n=$(sed -n 's/^verified \([0-9]*\) pages, 0 bad$/\1/p' "$out")
		[ -n "$n" ] || { cat "$out"; fail "swapload $pid exited 0 without 'verified N pages, 0 bad'"; }
		verified=$((verified + 1))
		pages_checked=$((pages_checked + n))
	elif [ "$status" = 137 ] && [ "${kill_at[$pid]}" != 0 ]; then
		killed=$((killed + 1))
	elif [ "$status" = 137 ]; then
		oom=$((oom + 1)) # the kernel's OOM killer: allowed, counted
	else
		cat "$out"
		fail "swapload $pid exited with status $status (1: a bad page; 135: SIGBUS, a lost page)"
	fi
	grep -q "differs" "$out" && { cat "$out"; fail "swapload $pid found bad pages"; }
	unset "out_of[$pid]" "kill_at[$pid]"
	rm -f "$out"
}

# poll: one round of checks; also reaps, kills and (if $1) spawns.
gc_moved_at=
poll() {
	local pid
	watch_sample
	if [ -z "$gc_moved_at" ] && [ "$(gc_field "$d" queued_total)" != "$q0" ]; then
		gc_moved_at=$SECONDS
	fi
	for pid in "${!out_of[@]}"; do
		if ! _pid_alive "$pid"; then
			reap "$pid"
		elif [ "${kill_at[$pid]}" != 0 ] && [ "$SECONDS" -ge "${kill_at[$pid]}" ]; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	while [ "$1" = spawn ] && [ "${#out_of[@]}" -lt "$nprocs" ]; do
		spawn
	done
}

t_start=$SECONDS
end=$((SECONDS + secs))
next_report=0
while [ "$SECONDS" -lt "$end" ]; do
	poll spawn
	if [ "$SECONDS" -ge "$next_report" ]; then
		note "$((SECONDS - t_start)) s: started $started, verified $verified, killed $killed, OOM $oom;" \
			"orig_data_size $(mib "$WATCH_ORIG"), swap used $(mib "$(swap_used "$SWAP_LOOP")"), gc_stat $(attr "$d" gc_stat | xargs)"
		next_report=$((SECONDS + 10))
	fi
	sleep 0.5
done

# No new processes; the ones left to be killed are killed, the others
# finish (they have at most 3 passes of 160 MiB to check).
note "churn over after $secs s; waiting for ${#out_of[@]} processes"
for pid in "${!out_of[@]}"; do
	[ "${kill_at[$pid]}" = 0 ] || kill_at[$pid]=$SECONDS
done
deadline=$((SECONDS + 180))
while [ "${#out_of[@]}" -gt 0 ]; do
	[ "$SECONDS" -lt "$deadline" ] || fail "processes still running 180 s after the churn: ${!out_of[*]}"
	poll no
	sleep 0.5
done
ok "$started processes: $verified verified every page ($pages_checked page checks), $killed killed on purpose, $oom by the OOM killer"
ok "$WATCH_READS reads of mm_stat during the churn, the slowest $WATCH_SLOWEST ms (limit $MAX_READ_MS ms)"
[ "$verified" -gt 0 ] || fail "no process ran to the end"
[ "$secs" -lt 15 ] || [ "$killed" -gt 0 ] || fail "no process was killed in $secs s"
[ -n "$gc_moved_at" ] ||
	fail "gc_stat queued_total never moved while processes came and went"
ok "discards reached the GC $((gc_moved_at - t_start)) s into the churn"
expect_eq "zramfs$d: io_stat failed_reads failed_writes" \
	"$(attr "$d" io_stat | awk '{ print $1, $2 }')" "0 0"

# Everyone is gone: every slot is free and discarded, the GC drains.  The
# kernel discards a swap cluster (SWAPFILE_CLUSTER pages: 512, 2 MiB on
# x86-64) once it is wholly free.  Two kinds never are: the one cluster per
# CPU it keeps for its next allocations, and the first cluster, whose page 0
# is the swap signature.  Their stale pages may stay, nothing else.
left=$((($(nproc) + 1) * 2097152))
wait_swap_drained "$left" "the last process"
q1=$(gc_field "$d" queued_total)
f1=$(gc_field "$d" freed_total)
[ "$f1" -gt "$f0" ] || fail "gc_stat freed_total did not move: $f0 -> $f1"
ok "gc_stat: queued_total $q0 -> $q1, freed_total $f0 -> $f1, pending 0"
ok "orig_data_size fell from a peak of $(mib "$WATCH_MAX_ORIG") to $WATCH_ORIG bytes (at most $(mib "$left"))"
note "mm_stat at the end: $(attr "$d" mm_stat | xargs)"
