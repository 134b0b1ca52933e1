#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-report.sh: the benchmark report is made from a run's data directory
# alone (tests/bench/report.sh, as bench.sh --report-only runs it), without
# root or a benchmark run: the sizes, the cgroup version and the date it
# states are the run's, the figures are the medians of the results, and the
# same data makes the same report.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"

BENCH=$top_srcdir/tests/bench/bench.sh
make_workdir
data=$WORK/data
mkdir "$data"
# A run of two repetitions with sizes of its own, on cgroup v2, dated.
cat >"$data/run.env" <<'EOF'
QUICK=0
REPS=2
CG_VER=2
PRIO=32767
KZ=/nonexistent/zram0
SWAP_LIMIT=48
SWAP_PASSES=2
SWAP_WS=144
SWAP_DISK=288
FIO_SIZE=96
FIO_TIME=2
FIO_JOBS=randread-16\ randwrite-16
PERF_TIME=1
RATIO_SIZE=80
PUNCH_SIZE=40
MIX_SIZE=24
MIX_FILL_LIMIT=8
MIX_CFGS=pages-async\ pages-sync
RS_LIMIT=48
RS_WS=144
RS_TOUCHES=5000
RS_PAGE_CLUSTER=3
LOAD_START=0.10\ 0.20\ 0.30
WAITED_NOTE=''
OTHER_SWAP=''
ZRAMFS_REV=abc1234
LOAD_END=0.40\ 0.50\ 0.60
DURATION=150
DATE=2001-02-03\ 04:05\ UTC
EOF
cat >"$data/results.txt" <<'EOF'
swap zramfs-lz4 time 1 10.0
swap kernel-lz4 time 1 8.0
swap zramfs-lz4 time 2 12.0
swap kernel-lz4 time 2 8.0
randswap zramfs-144 time 1 10.0
randswap zramfs-144 time 2 12.0
randswap kernel-144 time 1 4.0
randswap kernel-144 time 2 6.0
randswap zramfs-144 faults 1 1000
randswap kernel-144 faults 1 500
randswap zramfs-144 fault_p50_us 1 60.5
randswap zramfs-144 fault_p50_us 2 62.5
randswap kernel-144 fault_p50_us 1 19.0
randswap zramfs-144 fault_p99_us 1 200.0
randswap zramfs-144 fault_p99_us 2 300.0
randswap kernel-144 fault_p99_us 1 80.0
randswap zramfs-144 srv_read_p50_us 1 32
randswap zramfs-144 srv_read_p99_us 1 64
randswap zramfs-144 srv_write_p50_us 1 16
randswap zramfs-144 srv_write_p99_us 1 32
hops zramfs A_p50_us 1 2.0
hops zramfs A_p90_us 1 3.0
hops zramfs A_p99_us 1 9.0
hops zramfs A_sum_s 1 0.5
hops zramfs total_p50_us 1 50.0
hops zramfs total_p90_us 1 70.0
hops zramfs total_p99_us 1 900.0
hops zramfs total_sum_s 1 2.0
EOF

# report NAME: the report of $data into $WORK/NAME/benchmarks.md.
report() {
	bash "$BENCH" --report-only --data "$data" \
		--out "$WORK/$1/benchmarks.md" 2>"$WORK/$1.log" ||
		fail "bench.sh --report-only: $(cat "$WORK/$1.log")"
	[ -s "$WORK/$1/benchmarks.md" ] || fail "no report in $WORK/$1"
}

report a
md=$WORK/a/benchmarks.md
expect_eq "the date" "$(grep '^| date |' "$md")" "| date | 2001-02-03 04:05 UTC |"
expect_eq "the run" "$(grep '^| run |' "$md")" \
	"| run | full, 2 repetition(s), medians |"
expect_eq "the swap workload's cgroup" \
	"$(grep -o 'limited to [0-9]* MiB (cgroup v[0-9]*,' "$md")" \
	"limited to 48 MiB (cgroup v2,"
expect_eq "the punch size" "$(grep -o '^### Punch .*' "$md")" \
	"### Punch 40 MiB of stored pages"
expect_eq "the swap time target, medians 11 s and 8 s" \
	"$(grep '^| swap workload time, lz4 vs lz4 |' "$md")" \
	"| swap workload time, lz4 vs lz4 | ≤ 1.5x | 1.38x (11.0 s vs 8.0 s) | PASS |"
expect_eq "the swap table's time range" \
	"$(grep -o '^| zramfs | lz4 | [^|]* |' "$md")" \
	"| zramfs | lz4 | 11.00 (10.00–12.00) |"

expect_eq "the random swap-in row, medians of the run" \
	"$(grep '^| 144 MiB |' "$md")" \
	"| 144 MiB | 11.00 (10.00–12.00) | 5.00 (4.00–6.00) | 2.20x | 1000 / 500 | 61.5 / 19.0 | 250.0 / 80.0 | 32 / 64 | 16 / 32 |"
expect_eq "the random swap-in cgroup and touches" \
	"$(grep -o 'in a [0-9]* MiB memory cgroup, then touches [0-9]*' "$md")" \
	"in a 48 MiB memory cgroup, then touches 5000"

expect_eq "a hop's row: percentiles and its share of the summed time" \
	"$(grep '^| A |' "$md" | awk -F' [|] ' '{ print $3, $4, $5, $6 }')" \
	"2.0 3.0 9.0 25% |"

report b
cmp "$md" "$WORK/b/benchmarks.md" || fail "the same data made two reports"
ok "the same data makes the same report"

expect_fail_any bash "$BENCH" --report-only --data "$WORK/none" \
	--out "$WORK/c/benchmarks.md"
[ ! -e "$WORK/c" ] || fail "a report without data wrote $WORK/c"
