#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench.sh: zramfs next to the kernel's zram, on this machine, in one run,
# written up (by report.sh) as a markdown report with PNG plots
# (docs/benchmarks.md and docs/bench-*.png).  A command, not a test: `make
# bench` runs it.
#
#	bench.sh [--quick] [--reps N] [--out FILE] [--data DIR]
#	         [--wait-idle MINUTES] [--only LIST] [--report-only]
#
# The experiments, each against /dev/zram0 set up the same way:
#
#  1. swap: swapload keeps a working set three times its memory cgroup's
#     limit of pagegen pages and verifies it on several passes; zramfs lz4
#     vs zram lz4, then zramfs zstd vs zram lzo-rle (the kernel's best
#     here), on a device twice the working set; the last pair again on one
#     the size of the working set (swap over half full changes what the
#     kernel keeps in the swap cache, and so what zramfs must store).
#     Wall time, peak memory (mem_used_max), memory efficiency.
#  2. fio: random 4 KiB reads and writes, 2 jobs, queue depth 16 and 1, on
#     a loop device (direct I/O, 4096-byte blocks, as swap uses it) over a
#     zramfs data file vs /dev/zram0, both filled with pagegen pages first.
#     CPU time and context switches per I/O from /proc/stat, and one
#     profiled run (perf record -a -g) to see where zramfs's time goes.
#  3. compression: the same pagegen pages written to a fresh device per
#     algorithm and zstd level; orig/compr and orig/mem_used_total.
#  4. GC: (a) the time a punch of 256 MiB of stored pages takes to return
#     with gc_mode sync and async (blkdiscard on zram0 for reference);
#     (b) one process (A) exits and frees 256 MiB of swap while another (B)
#     swaps 256 MiB in; B's swap-in time with gc_mode async vs sync, under
#     discard=pages (freed clusters are discarded while B runs) and
#     discard=once (no discards while running: the control), plus B alone
#     and kernel zram for reference; twice the repetitions, in A B B A
#     order, as the effect is small.
#  5. zbench, the engine microbenchmark, next to its memcpy floor.
#  6. restart: the swap workload of 1 (zramfs lz4) with no kill and with
#     RESTART_FEW (5) SIGKILLs of the server 1-3 s apart, alternating; then
#     one longer run with RESTART_KILLS (20) kills, each gap (daemon_stat
#     last_gap_us) kept.
#  7. randswap (issue 13): randswap fills a working set of RS_WS MiB (each
#     size in turn, from below to above the issue's 768) in a cgroup of
#     RS_LIMIT MiB, then touches RS_TOUCHES random pages, verifying each
#     and dirtying one in four; zramfs lz4 vs zram lz4 on a device twice
#     the working set.  Total time, each swap-in fault's latency (p50,
#     p90, p99, max) and, for zramfs, the daemon's own share of it
#     (latency_stat's read and write percentiles, over the whole run).
#
# Rules: zramfs and zram runs alternate (A B A B ...), each run on a fresh
# device (and a fresh memory cgroup); figures are medians of N repetitions
# (--reps, default 3; --quick: smaller sizes, 1 repetition).  The device
# under test is swap with priority 32767, so it is used first; no other swap
# is ever touched.  zram0 is used only if it is free (not swap, not mounted,
# not initialised) and is reset at the end, whatever happens.  The swap
# lock of the system tests (lib.sh) keeps them out meanwhile.
#
# Raw results go to --data (default $top_builddir/bench-data): results.txt
# holds one line per measurement, "EXPERIMENT CONFIG METRIC REP VALUE", and
# run.env the run's sizes and circumstances.  report.sh makes the report
# from these two alone, at the end of the run or again with --report-only.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

bench_usage() {
	cat <<'EOF'
Usage: bench.sh [options]

Benchmarks zramfs against the kernel's zram on this machine and writes a
markdown report with plots.  Needs root, /dev/fuse, loop devices, a free
/dev/zram0, fio and gnuplot; run by `make bench`.

Options:
 --quick            small sizes and 1 repetition (a few minutes)
 --reps N           repetitions of every measurement (default 3)
 --out FILE         the report (default $top_srcdir/docs/benchmarks.md);
                    plots go next to it as bench-*.png
 --data DIR         raw results and logs (default $top_builddir/bench-data)
 --wait-idle MIN    wait up to MIN minutes, in 2-minute steps, for the
                    1-minute load average to fall below 1 (default 20,
                    0 with --quick)
 --report-only      remake the report from DIR/results.txt, measure nothing
 --only LIST        run only these experiments (comma-separated: ratio,
                    swap,fio,punch,mixed,zbench,restart,randswap,
                    hops), for
                    working on one of them; the report, which then lacks
                    the others, goes to DIR/benchmarks.md unless --out is
                    given
 -h, --help         display this help
EOF
}

QUICK=0 REPS='' OUT='' DATA='' WAIT_IDLE='' REPORT_ONLY=0 ONLY=''
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--reps) REPS=${2:?--reps needs a number}; shift ;;
	--reps=*) REPS=${1#*=} ;;
	--out) OUT=${2:?--out needs a file}; shift ;;
	--out=*) OUT=${1#*=} ;;
	--data) DATA=${2:?--data needs a directory}; shift ;;
	--data=*) DATA=${1#*=} ;;
	--wait-idle) WAIT_IDLE=${2:?--wait-idle needs minutes}; shift ;;
	--wait-idle=*) WAIT_IDLE=${1#*=} ;;
	--report-only) REPORT_ONLY=1 ;;
	--only) ONLY=${2:?--only needs a list}; shift ;;
	--only=*) ONLY=${1#*=} ;;
	-h | --help) bench_usage; exit 0 ;;
	*) echo "bench.sh: unknown option '$1'" >&2; bench_usage >&2; exit 2 ;;
	esac
	shift
done

# lib.sh: the cleanup stack, the daemon, attributes, the swap lock.
. "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"

# A benchmark that cannot run says why and fails; it never "skips", not
# even where lib.sh would.
refuse() {
	echo "bench.sh: cannot run: $*" >&2
	exit 1
}
skip() { refuse "$@"; }

if [ "$QUICK" = 1 ]; then
	: "${REPS:=1}" "${WAIT_IDLE:=0}"
else
	: "${REPS:=3}" "${WAIT_IDLE:=20}"
fi
[[ $REPS =~ ^[1-9][0-9]?$ ]] || refuse "--reps: '$REPS' is not 1 to 99"
[[ $WAIT_IDLE =~ ^[0-9]+$ ]] || refuse "--wait-idle: '$WAIT_IDLE' is not a number"
: "${DATA:=$top_builddir/bench-data}"
# A partial run never overwrites the real report by default.
if [ -n "$ONLY" ]; then
	: "${OUT:=$DATA/benchmarks.md}"
else
	: "${OUT:=$top_srcdir/docs/benchmarks.md}"
fi
# The report describes the run that made the data, whatever the options.
REPORT=$(dirname "${BASH_SOURCE[0]}")/report.sh
[ "$REPORT_ONLY" = 0 ] || exec "$BASH" "$REPORT" "$DATA" "$OUT"
RES=$DATA/results.txt
ZBENCH=$top_builddir/tests/bench/zbench
SWAPIN=$top_builddir/tests/bench/swapin
RANDSWAP=$top_builddir/tests/bench/randswap

# ---- sizes ------------------------------------------------------------------
# MiB unless said otherwise.
if [ "$QUICK" = 1 ]; then
	SWAP_LIMIT=64 SWAP_PASSES=2   # working set 3x the limit
	FIO_SIZE=128 FIO_TIME=3 PERF_TIME=2
	RATIO_SIZE=64 RATIO_ZSTD_LEVELS="1 3"
	PUNCH_SIZE=64
	MIX_SIZE=64 MIX_FILL_LIMIT=16
	RESTART_FEW=2 RESTART_KILLS=5
	RS_LIMIT=64 RS_WS="96 192" RS_TOUCHES=30000
	HOPS_TOUCHES=10000
else
	SWAP_LIMIT=256 SWAP_PASSES=3
	FIO_SIZE=512 FIO_TIME=8 PERF_TIME=5
	RATIO_SIZE=512 RATIO_ZSTD_LEVELS="-1 1 3 7 12"
	PUNCH_SIZE=256
	MIX_SIZE=256 MIX_FILL_LIMIT=32
	RESTART_FEW=5 RESTART_KILLS=20
	RS_LIMIT=256 RS_WS="384 768 1536" RS_TOUCHES=300000
	HOPS_TOUCHES=30000
fi
# For working on experiment 7 or 8: other sizes, from the environment.
RS_LIMIT=${BENCH_RS_LIMIT:-$RS_LIMIT} RS_WS=${BENCH_RS_WS:-$RS_WS}
RS_TOUCHES=${BENCH_RS_TOUCHES:-$RS_TOUCHES}
HOPS_TOUCHES=${BENCH_HOPS_TOUCHES:-$HOPS_TOUCHES}
SWAP_WS=$((3 * SWAP_LIMIT))
SWAP_DISK=$((2 * SWAP_WS))
PRIO=32767
KZ=/sys/block/zram0

# ---- small helpers ----------------------------------------------------------

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# res EXPERIMENT CONFIG METRIC REP VALUE: one measurement.
res() { echo "$*" >>"$RES"; }

# elapsed T0 T1: seconds between two $EPOCHREALTIME readings.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", b - a }'; }

# cpu_ctxt: "busy_seconds context_switches" so far, from /proc/stat.
cpu_ctxt() {
	awk '$1 == "cpu" { busy = $2 + $3 + $4 + $7 + $8 }
		$1 == "ctxt" { ctxt = $2 }
		END { printf "%.2f %d\n", busy / 100, ctxt }' /proc/stat
}

# ---- samplers ---------------------------------------------------------------
# A sampler appends "TIME LINE-OF-FILE1 | LINE-OF-FILE2 ..." every INTERVAL
# seconds until stopped; reading a zramfs attribute costs one FUSE round
# trip, negligible at these rates.

SAMPLERS=()
_samplers_registered=

start_sampler() {
	local out=$1 iv=$2
	shift 2
	if [ -z "$_samplers_registered" ]; then
		at_exit _kill_samplers
		_samplers_registered=1
	fi
	(
		trap 'exit 0' TERM
		while :; do
			line=$EPOCHREALTIME
			for f; do
				v=
				read -r v <"$f" 2>/dev/null || true
				line="$line $v |"
			done
			echo "$line"
			sleep "$iv"
		done
	) >>"$out" &
	SAMPLERS+=("$!")
	SAMPLER=$!
}

stop_sampler() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

_kill_samplers() {
	local p
	for p in "${SAMPLERS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

# ---- kernel zram --------------------------------------------------------------

KZ_SWAP=0   # 1 while we have zram0 on as swap
KZ_OURS=0   # 1 once we have touched zram0: reset it at exit

kz_check() {
	[ -d "$KZ" ] || refuse "no /sys/block/zram0 (modprobe zram first)"
	! _in_proc_swaps /dev/zram0 ||
		refuse "/dev/zram0 is in use as swap; it is left alone" \
			"(swapoff /dev/zram0 && echo 1 > $KZ/reset to free it)"
	! awk '$1 == "/dev/zram0" { f = 1 } END { exit !f }' /proc/mounts ||
		refuse "/dev/zram0 is mounted; it is left alone"
	[ "$(cat "$KZ/initstate")" = 0 ] ||
		refuse "/dev/zram0 is initialised (disksize set): someone may" \
			"be using it; echo 1 > $KZ/reset first if it is free"
	# Put back at the end.
	KZ_ALG0=$(sed -n 's/.*\[\([^]]*\)\].*/\1/p' "$KZ/comp_algorithm")
}

kz_reset() {
	local i
	for i in $(seq 40); do
		echo 1 >"$KZ/reset" 2>/dev/null && return 0
		sleep 0.25
	done
	fail "cannot reset zram0"
}

# kz_setup ALG MIB: a fresh zram0.
kz_setup() {
	KZ_OURS=1
	kz_reset
	echo "$1" >"$KZ/comp_algorithm" || fail "zram0: comp_algorithm $1"
	echo "$2M" >"$KZ/disksize" || fail "zram0: disksize $2M"
}

kz_swapon() {
	mkswap /dev/zram0 >/dev/null || fail "mkswap /dev/zram0"
	KZ_SWAP=1
	swapon -p "$PRIO" --discard /dev/zram0 || fail "swapon /dev/zram0"
}

kz_swapoff() {
	swapoff /dev/zram0 || fail "swapoff /dev/zram0"
	KZ_SWAP=0
}

# The cleanup: only what this script did to zram0.
kz_release() {
	[ "$KZ_OURS" = 1 ] || return 0
	if [ "$KZ_SWAP" = 1 ] && _in_proc_swaps /dev/zram0; then
		note "cleanup: swapoff /dev/zram0"
		timeout -k 5 120 swapoff /dev/zram0 ||
			note "cleanup: swapoff /dev/zram0 failed"
	fi
	echo 1 >"$KZ/reset" 2>/dev/null || {
		sleep 1
		echo 1 >"$KZ/reset" || note "cleanup: cannot reset zram0"
	}
	[ -z "${KZ_ALG0:-}" ] || echo "$KZ_ALG0" >"$KZ/comp_algorithm" ||
		note "cleanup: cannot restore zram0's comp_algorithm $KZ_ALG0"
}

# ---- zramfs devices -------------------------------------------------------------

# A fresh device for each run: ZD=$(new_dev SIZE ALG[:LEVEL] [GC_MODE]), from
# lib.sh.

zdev_del() {
	local s
	s=$(attr "$1" swap) || fail "zramfs$1: read swap"
	[[ $s != /dev/loop* ]] || wattr "$1" swap off || fail "zramfs$1: swap off"
	wattr "$1" reset 1 || fail "zramfs$1: reset"
	wctl hot_remove "$1" || fail "hot_remove $1"
}

# swapdev_on SYSTEM ALG MIB: a fresh device of MIB MiB, zramfs or zram0, on
# as swap at priority PRIO with discard=both; sets SWAPDEV_DIR, the
# directory of its attributes, and for zramfs ZD.
swapdev_on() {
	if [ "$1" = zramfs ]; then
		ZD=$(new_dev "${3}M" "$2")
		wattr "$ZD" swap "on priority=$PRIO discard=both" ||
			fail "zramfs$ZD: swap on"
		SWAPDEV_DIR=$MNT/zramfs$ZD
	else
		kz_setup "$2" "$3"
		kz_swapon
		SWAPDEV_DIR=$KZ
	fi
}

# swapdev_off SYSTEM: swap off and the device of swapdev_on gone.
swapdev_off() {
	if [ "$1" = zramfs ]; then
		zdev_del "$ZD"
	else
		kz_swapoff
		kz_reset
	fi
}

# zloop_attach DEV: a loop device over the data file as swap would set it up
# (direct I/O, 4096-byte blocks); sets ZLOOP.  stop_daemon (lib.sh) detaches
# whatever is left over.
zloop_attach() {
	ZLOOP=$(losetup -f --show --direct-io=on --sector-size 4096 \
		"$MNT/zramfs$1/data") || fail "losetup on zramfs$1/data"
	[ "$(cat "/sys/block/${ZLOOP#/dev/}/loop/dio")" = 1 ] ||
		fail "$ZLOOP: direct I/O is off"
}

# The cleanup: the loop devices fio used (those over our data files that
# are not swap; swap is the daemon's to turn off).
_detach_fio_loops() {
	local loop
	for loop in $(_our_loops); do
		_in_proc_swaps "$loop" || losetup -d "$loop" ||
			note "cleanup: losetup -d $loop failed"
	done
}

# ---- memory cgroups -------------------------------------------------------------
# lib.sh's, one per run: cg_create LIMIT NAME, cg_run, cg_destroy.

# wait_line FILE ERE SECONDS PID: until FILE has a line matching ERE; fails
# if PID exits first or time runs out.
wait_line() {
	local deadline=$((SECONDS + $3))
	until grep -Eq "$2" "$1" 2>/dev/null; do
		_pid_alive "$4" || fail "$(basename "$1"): process exited: $(cat "$1")"
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "$(basename "$1"): no /$2/ after $3 s: $(cat "$1")"
		sleep 0.05
	done
}

# ================================================================================
# The experiments
# ================================================================================

# ---- 1. swap workload -------------------------------------------------------------

# swap_run SYSTEM ALG REP [DISK_MIB SUFFIX]: swapload on a fresh device as
# the only swap in use.
swap_run() {
	local sys=$1 alg=$2 rep=$3 disk=${4:-$SWAP_DISK} cfg=$1-$2${5:-}
	local stat out smp t0 t1 st=0 peak
	out=$DATA/swap-$cfg-$rep.out
	smp=$DATA/swap-$cfg-$rep.samples
	rm -f "$smp"
	swapdev_on "$sys" "$alg" "$disk"
	stat=$SWAPDEV_DIR/mm_stat
	cg_create "${SWAP_LIMIT}M" swap >/dev/null
	start_sampler "$smp" 0.5 "$stat"
	t0=$EPOCHREALTIME
	cg_run "$out" "$SWAPLOAD" -s "$SWAP_WS" -p "$SWAP_PASSES" -S 42
	wait "$CG_PID" || st=$?
	t1=$EPOCHREALTIME
	CG_PID=
	stop_sampler "$SAMPLER"
	peak=$(stat_field "$stat" mem_used_max)
	[ "$st" = 0 ] && grep -qx "verified $((SWAP_WS * 256 * SWAP_PASSES)) pages, 0 bad" "$out" ||
		fail "swapload on $cfg (status $st): $(tail -n 5 "$out")"
	res swap "$cfg" time "$rep" "$(elapsed "$t0" "$t1")"
	# Peak memory: mem_used_max; efficiency: orig/mem at the sample that
	# held the most data.
	res swap "$cfg" mem_peak "$rep" "$peak"
	awk '{ if ($2 + 0 > o) { o = $2; m = $4; c = $3 } }
		END { printf "%d %d %d\n", o, c, m }' "$smp" |
		{
			read -r o c m
			res swap "$cfg" orig_peak "$rep" "$o"
			[ "$m" = 0 ] || res swap "$cfg" eff_at_peak "$rep" \
				"$(awk -v o="$o" -v m="$m" 'BEGIN { printf "%.3f", o / m }')"
		}
	cg_destroy
	swapdev_off "$sys"
	log "swap $cfg rep $rep: $(elapsed "$t0" "$t1") s, peak mem $((peak >> 20)) MiB"
}

exp_swap() {
	local rep
	log "1. swap workload: $SWAP_WS MiB in a $SWAP_LIMIT MiB cgroup, $SWAP_PASSES passes"
	for rep in $(seq "$REPS"); do
		swap_run zramfs lz4 "$rep"
		swap_run kernel lz4 "$rep"
	done
	for rep in $(seq "$REPS"); do
		swap_run zramfs zstd "$rep"
		swap_run kernel lzo-rle "$rep"
	done
	# The same on a device no larger than the working set, so that swap
	# is over half full (vm_swap_full) and the kernel frees the slot of a
	# page it swaps in instead of keeping it with the page in the swap
	# cache: that decides how much stale data zramfs holds.
	for rep in $(seq "$REPS"); do
		swap_run zramfs zstd "$rep" "$SWAP_WS" -small
		swap_run kernel lzo-rle "$rep" "$SWAP_WS" -small
	done
}

# ---- 2. fio ------------------------------------------------------------------------

FIO_JOBS="randread-16 randread-1 randwrite-16 randwrite-1"

# fio_cmd DEV JOB SECONDS: sets FIO_CMD to the command line of one job.
fio_cmd() {
	local rw=${2%-*} qd=${2##*-}
	FIO_CMD=(fio --name=bench --filename="$1" --rw="$rw" --bs=4k \
		--ioengine=libaio --iodepth="$qd" --numjobs=2 --direct=1 \
		--size="${FIO_SIZE}M" --time_based --runtime="$3" \
		--group_reporting --norandommap --randrepeat=0 \
		--buffer_compress_percentage=50 --refill_buffers \
		--output-format=terse --terse-version=3)
}

# fio_run SYSTEM DEV JOB REP: one measured fio run.
fio_run() {
	local sys=$1 dev=$2 job=$3 rep=$4 out c0 c1 kb iops
	out=$DATA/fio-$sys-$job-$rep.out
	fio_cmd "$dev" "$job" "$FIO_TIME"
	c0=$(cpu_ctxt)
	"${FIO_CMD[@]}" >"$out" 2>&1 ||
		fail "fio $job on $dev: $(cat "$out")"
	c1=$(cpu_ctxt)
	# terse v3: 6 read_kb, 8 read_iops, 47 write_kb, 49 write_iops
	if [[ $job == randread* ]]; then
		kb=$(cut -d';' -f6 "$out") iops=$(cut -d';' -f8 "$out")
	else
		kb=$(cut -d';' -f47 "$out") iops=$(cut -d';' -f49 "$out")
	fi
	[[ $iops =~ ^[0-9]+$ ]] && [ "$kb" -gt 0 ] || fail "fio $job on $dev: no IOPS in $(cat "$out")"
	res fio "$sys-$job" iops "$rep" "$iops"
	awk -v c0="$c0" -v c1="$c1" -v kb="$kb" -v s="$sys-$job" -v r="$rep" 'BEGIN {
		split(c0, a, " "); split(c1, b, " "); n = kb / 4
		printf "fio %s cpu_us_per_io %s %.2f\n", s, r, (b[1] - a[1]) * 1e6 / n
		printf "fio %s ctx_per_io %s %.3f\n", s, r, (b[2] - a[2]) / n
	}' >>"$RES"
	log "fio $sys $job rep $rep: $iops IOPS"
}

exp_fio() {
	local rep job zd zloop
	log "2. fio: random 4 KiB, 2 jobs, ${FIO_TIME} s per job, ${FIO_SIZE} MiB devices"
	for rep in $(seq "$REPS"); do
		# Fresh devices for each repetition, filled with pagegen pages
		# so that reads find stored data.
		zd=$(new_dev "${FIO_SIZE}M" lz4)
		"$DATATOOL" fill "$MNT/zramfs$zd/data" 7 "${FIO_SIZE}M" >/dev/null ||
			fail "fill zramfs$zd"
		zloop_attach "$zd"
		zloop=$ZLOOP
		kz_setup lz4 "$FIO_SIZE"
		"$DATATOOL" fill /dev/zram0 7 "${FIO_SIZE}M" >/dev/null ||
			fail "fill zram0"
		for job in $FIO_JOBS; do
			fio_run zramfs "$zloop" "$job" "$rep"
			fio_run kernel /dev/zram0 "$job" "$rep"
		done
		[ "$rep" != "$REPS" ] || fio_profile "$zloop"
		losetup -d "$zloop" || fail "losetup -d $zloop"
		zdev_del "$zd"
		kz_reset
	done
}

# fio_profile LOOP: where zramfs's time goes, with perf, outside the
# measured runs (perf itself costs time).
fio_profile() {
	local job
	command -v perf >/dev/null || {
		log "no perf: no profile"
		return 0
	}
	for job in randread-16 randwrite-16; do
		fio_cmd "$1" "$job" "$PERF_TIME"
		perf record -q -a -g -o "$DATA/perf-$job.data" -- "${FIO_CMD[@]}" \
			>"$DATA/perf-$job.fio" 2>"$DATA/perf-$job.log" ||
			{ log "perf record failed: $(tail -n 3 "$DATA/perf-$job.log")"; continue; }
		perf_digest "$DATA/perf-$job.data" "$job"
		log "fio profile $job done"
	done
}

# perf_digest PERF.DATA JOB: shares of all samples (idle included), in
# percent, as "perf JOB WHAT 1 PERCENT" results: by command, zramfsd's user
# and kernel time, and the inclusive ("children") time of the functions
# that make up a FUSE round trip.
perf_digest() {
	local data=$1 job=$2
	perf report -i "$data" --stdio --no-children --sort comm,dso -g none \
		--percent-limit 0 2>/dev/null | awk '$1 ~ /%$/' >"$DATA/perf-$job.comms"
	perf report -i "$data" --stdio --children --sort comm,sym -g none \
		--percent-limit 0.05 2>/dev/null | awk '$1 ~ /%$/ && $2 ~ /%$/' \
		>"$DATA/perf-$job.syms"
	awk -v j="$job" '
		function kind(c) {
			if (c == "swapper") return "idle"
			if (c == "fio") return "fio"
			if (c ~ /^zramfsd/) return "zramfsd"
			if (c ~ /^kworker/ || c ~ /^loop[0-9]/) return "kworker"
			if (c ~ /^ksoftirqd/) return "softirq"
			if (c ~ /^perf/) return "perf"
			return "other"
		}
		{
			sub(/%/, "", $1); k = kind($2); v[k] += $1
			if (k == "zramfsd") { if ($3 == "[kernel.kallsyms]") zk += $1; else zu += $1 }
		}
		END {
			for (k in v) printf "perf %s comm_%s 1 %.2f\n", j, k, v[k]
			printf "perf %s zd_user 1 %.2f\nperf %s zd_kernel 1 %.2f\n", j, zu, j, zk
		}' "$DATA/perf-$job.comms" >>"$RES"
	awk -v j="$job" '
		{ sub(/%/, "", $1); c = $3; s = $5 }
		c ~ /^zramfsd/ && (s == "fuse_dev_read" || s == "fuse_dev_splice_read") { v["zd_fuse_read"] += $1 }
		c ~ /^zramfsd/ && (s == "fuse_dev_write" || s == "fuse_dev_splice_write") { v["zd_fuse_write"] += $1 }
		c ~ /^zramfsd/ && s == "entry_SYSCALL_64" { v["zd_syscall"] += $1 }
		c ~ /^zramfsd/ && (s ~ /^LZ4_/ || s ~ /^ZSTD_/ || s ~ /^HUF_/ || s ~ /^FSE_/) { v["zd_codec"] += $1 }
		c ~ /^kworker/ && s == "fuse_direct_IO" { v["kw_fuse"] += $1 }
		s == "__schedule" { v["sched"] += $1 }
		s == "finish_task_switch.isra.0" || s == "finish_task_switch" { v["switch_self"] += $2 + 0 }
		END { for (k in v) printf "perf %s %s 1 %.2f\n", j, k, v[k] }' \
		"$DATA/perf-$job.syms" >>"$RES"
}

# ---- 3. compression ratio -------------------------------------------------------------

# ratio_run SYSTEM ALG: fill a fresh device with the same pages, read mm_stat.
ratio_run() {
	local sys=$1 alg=$2 cfg=$1-$2 dev stat t0 t1 mm
	if [ "$sys" = zramfs ]; then
		ZD=$(new_dev "${RATIO_SIZE}M" "$alg")
		dev=$MNT/zramfs$ZD/data stat=$MNT/zramfs$ZD/mm_stat
	else
		kz_setup "$alg" "$RATIO_SIZE"
		dev=/dev/zram0 stat=$KZ/mm_stat
	fi
	t0=$EPOCHREALTIME
	"$DATATOOL" fill "$dev" 3 "${RATIO_SIZE}M" >/dev/null || fail "fill $cfg"
	t1=$EPOCHREALTIME
	[ "$sys" = kernel ] || wait_gc_drained "$ZD"
	mm=$(cat "$stat")
	res ratio "$cfg" orig 1 "$(stat_field "$stat" orig_data_size "$mm")"
	res ratio "$cfg" compr 1 "$(stat_field "$stat" compr_data_size "$mm")"
	res ratio "$cfg" mem 1 "$(stat_field "$stat" mem_used_total "$mm")"
	res ratio "$cfg" same 1 "$(stat_field "$stat" same_pages "$mm")"
	res ratio "$cfg" huge 1 "$(stat_field "$stat" huge_pages "$mm")"
	res ratio "$cfg" fill_mbs 1 "$(awk -v t="$(elapsed "$t0" "$t1")" -v s="$RATIO_SIZE" \
		'BEGIN { printf "%.0f", s * 1048576 / t / 1e6 }')"
	if [ "$sys" = zramfs ]; then
		zdev_del "$ZD"
	else
		kz_reset
	fi
	log "ratio $cfg: $(stat_field "$stat" orig_data_size "$mm") /" \
		"$(stat_field "$stat" compr_data_size "$mm") /" \
		"$(stat_field "$stat" mem_used_total "$mm")"
}

KZ_ALGS=
exp_ratio() {
	local a l
	log "3. compression: $RATIO_SIZE MiB of pagegen pages per algorithm"
	KZ_ALGS=$(tr -d '[]' <"$KZ/comp_algorithm")
	for a in lz4 lz4hc; do
		ratio_run zramfs "$a"
	done
	for l in $RATIO_ZSTD_LEVELS; do
		ratio_run zramfs "zstd:$l"
	done
	for a in $KZ_ALGS; do
		ratio_run kernel "$a"
	done
}

# wait_pending_zero DEV: until gc_stat's pending is 0, polled every few ms
# without forking a reader.
wait_pending_zero() {
	local line deadline=$((SECONDS + 60))
	while read -r line <"$MNT/zramfs$1/gc_stat"; do
		[ "${line%% *}" != 0 ] || return 0
		[ "$SECONDS" -lt "$deadline" ] || fail "zramfs$1: GC still pending after 60 s"
		sleep 0.002
	done
	fail "zramfs$1: cannot read gc_stat"
}

# ---- 4a. punch ------------------------------------------------------------------------

punch_run() {
	local mode=$1 rep=$2 data t0 t1 t
	if [ "$mode" = kernel ]; then
		kz_setup lz4 "$PUNCH_SIZE"
		"$DATATOOL" fill /dev/zram0 5 "${PUNCH_SIZE}M" >/dev/null || fail "fill zram0"
		t0=$EPOCHREALTIME
		blkdiscard /dev/zram0 || fail "blkdiscard /dev/zram0"
		t1=$EPOCHREALTIME
		res punch kernel-lz4 time "$rep" "$(elapsed "$t0" "$t1")"
		kz_reset
		return 0
	fi
	ZD=$(new_dev "${PUNCH_SIZE}M" lz4 "$mode")
	data=$MNT/zramfs$ZD/data
	"$DATATOOL" fill "$data" 5 "${PUNCH_SIZE}M" >/dev/null || fail "fill zramfs$ZD"
	wait_gc_drained "$ZD"
	t0=$EPOCHREALTIME
	t=$("$DATATOOL" punchtime "$data" 0 "${PUNCH_SIZE}M") || fail "punch zramfs$ZD"
	res punch "zramfs-$mode" time "$rep" "$t"
	if [ "$mode" = async ]; then
		wait_pending_zero "$ZD"
		t1=$EPOCHREALTIME
		res punch zramfs-async drained "$rep" "$(elapsed "$t0" "$t1")"
	fi
	[ "$(mm_field "$ZD" orig_data_size)" = 0 ] || fail "zramfs$ZD: data left after the punch"
	zdev_del "$ZD"
	log "punch $mode rep $rep: $t s"
}

exp_punch() {
	local rep
	log "4a. punch of $PUNCH_SIZE MiB of stored pages"
	for rep in $(seq "$REPS"); do
		punch_run sync "$rep"
		punch_run async "$rep"
		punch_run kernel "$rep"
	done
}

# ---- 4b. exit while swapping in ----------------------------------------------------------

# mixed_run CONFIG REP, CONFIG one of
#	pages-async pages-sync once-async once-sync   zramfs, discard and gc_mode
#	alone-async                    zramfs, discard=pages, A not killed
#	kernel kernel-alone            zram0 lz4, A killed or not
# The device is 8 times the data, so that swap stays under half full: past
# that (vm_swap_full) swap-in frees the slots it reads, and B's own discards
# would mix with A's.
mixed_run() {
	local cfg=$1 rep=$2 policy gcm='' kill=1 stat io gcs=/dev/null smp outA outB
	local pidA pidB cgA cgB t0 tB swapA swapB nf0 nf_end nf_during gc0 gc1
	case $cfg in
	alone-*) policy=pages gcm=${cfg#*-} kill=0 ;;
	kernel) policy=both ;;
	kernel-alone) policy=both kill=0 ;;
	*) policy=${cfg%-*} gcm=${cfg#*-} ;;
	esac
	if [[ $cfg == kernel* ]]; then
		kz_setup lz4 $((8 * MIX_SIZE))
		kz_swapon
		stat=$KZ/mm_stat io=$KZ/io_stat
	else
		ZD=$(new_dev "$((8 * MIX_SIZE))M" lz4 "$gcm")
		wattr "$ZD" swap "on priority=$PRIO discard=$policy" || fail "zramfs$ZD: swap on"
		stat=$MNT/zramfs$ZD/mm_stat io=$MNT/zramfs$ZD/io_stat gcs=$MNT/zramfs$ZD/gc_stat
	fi
	outA=$DATA/mixed-$cfg-$rep.A outB=$DATA/mixed-$cfg-$rep.B
	smp=$DATA/mixed-$cfg-$rep.samples
	rm -f "$smp" "$WORK/fifoA" "$WORK/fifoB"
	mkfifo "$WORK/fifoA" "$WORK/fifoB"

	# A, then B: each fills its pages in a small cgroup and pushes them
	# out; then both cgroups shrink, so that the swap cache lets go of
	# the pages too, and B's grows unlimited for the swap-in.
	# Each goes out of the job table: no "Killed" line when it is killed;
	# it is judged by its output, not by its exit status.
	cg_create "${MIX_FILL_LIMIT}M" A >/dev/null
	cgA=$CG
	cg_run "$outA" "$SWAPIN" -s "$MIX_SIZE" -S 11 --fifo "$WORK/fifoA"
	pidA=$CG_PID
	disown "$pidA"
	wait_line "$outA" '^filled' 300 "$pidA"
	cg_create "${MIX_FILL_LIMIT}M" B >/dev/null
	cgB=$CG
	cg_run "$outB" "$SWAPIN" -s "$MIX_SIZE" -S 12 --fifo "$WORK/fifoB"
	pidB=$CG_PID
	disown "$pidB"
	wait_line "$outB" '^filled' 300 "$pidB"
	cg_try_limit 4M "$cgA" 2>/dev/null || note "cgroup A: cannot shrink to 4 MiB"
	cg_try_limit 4M "$cgB" 2>/dev/null || note "cgroup B: cannot shrink to 4 MiB"
	cg_set_limit max "$cgB"
	swapA=$(pid_vmswap "$pidA") swapB=$(pid_vmswap "$pidB")
	res mixed "$cfg" swapped_A "$rep" "$swapA"
	res mixed "$cfg" swapped_B "$rep" "$swapB"
	[ -z "$gcm" ] || wait_gc_drained "$ZD"
	sleep 1
	nf0=$(stat_field "$io" notify_free)
	gc0=$(cat "$gcs")

	# The moment: A dies (its swap slots are freed, whole free clusters
	# are discarded by the kernel's swap discard worker) and B starts
	# touching its pages.
	start_sampler "$smp" 0.02 "$io" "$gcs"
	t0=$EPOCHREALTIME
	[ "$kill" = 0 ] || kill -KILL "$pidA"
	echo go >"$WORK/fifoB"
	wait_line "$outB" '^verified' 300 "$pidB"
	tB=$(awk '/^swapin / { print $5 }' "$outB")
	[ -n "$tB" ] || fail "B printed no time: $(cat "$outB")"
	grep -q '^verified .* 0 bad$' "$outB" || fail "B read bad pages: $(cat "$outB")"
	# Until the discards of A's slots have all arrived.
	local last=-1 cur i
	for i in $(seq 120); do
		cur=$(stat_field "$io" notify_free)
		[ "$cur" != "$last" ] || break
		last=$cur
		sleep 0.5
	done
	stop_sampler "$SAMPLER"
	nf_end=$(stat_field "$io" notify_free)
	gc1=$(cat "$gcs")
	# Pages discarded while B swapped in: the last sample within its
	# timing window (t0 .. t0 + tB).
	nf_during=$(awk -v t="$t0" -v d="$tB" -v nf0="$nf0" '
		$1 <= t + d { n = $5 } END { print (n == "" ? 0 : n - nf0) }' "$smp")
	res mixed "$cfg" swapin "$rep" "$tB"
	res mixed "$cfg" freed_total "$rep" $((nf_end - nf0))
	res mixed "$cfg" freed_during "$rep" "$nf_during"
	if [ -n "$gcm" ]; then
		res mixed "$cfg" gc_queued "$rep" \
			$(($(stat_field "$gcs" queued_total "$gc1") - $(stat_field "$gcs" queued_total "$gc0")))
		res mixed "$cfg" gc_inline "$rep" \
			$(($(stat_field "$gcs" freed_inline "$gc1") - $(stat_field "$gcs" freed_inline "$gc0")))
		res mixed "$cfg" gc_max_pending "$rep" "$(awk '{ if ($7 > m) m = $7 } END { print m + 0 }' "$smp")"
	fi
	log "mixed $cfg rep $rep: B swapped in $((swapB >> 20)) MiB in $tB s;" \
		"A: $((swapA >> 20)) MiB swapped out, $(((nf_end - nf0) / 256)) MiB discarded," \
		"$((nf_during / 256)) MiB of it during B's swap-in"
	echo "done" >"$WORK/fifoB"
	wait_pid_exit "$pidB" 60 || fail "B did not exit"
	if [ "$kill" = 0 ]; then
		kill -KILL "$pidA"
	fi
	wait_pid_exit "$pidA" 60 || fail "A did not exit after SIGKILL"
	cg_destroy "$cgA"
	cg_destroy "$cgB"
	if [[ $cfg == kernel* ]]; then
		kz_swapoff
		kz_reset
	else
		zdev_del "$ZD"
	fi
}

MIX_CFGS="pages-async pages-sync once-async once-sync alone-async kernel kernel-alone"
# Twice the repetitions: the effect looked for is small.  Every other
# round runs the configurations in reverse order (A B ... B A), so that a
# drift in the machine's speed does not favour one of them.
exp_mixed() {
	local rep cfg cfgs
	log "4b. A exits ($MIX_SIZE MiB of swap freed) while B swaps $MIX_SIZE MiB in"
	for rep in $(seq $((2 * REPS))); do
		cfgs=$MIX_CFGS
		[ $((rep % 2)) = 1 ] || cfgs=$(tr ' ' '\n' <<<"$MIX_CFGS" | tac | xargs)
		for cfg in $cfgs; do
			mixed_run "$cfg" "$rep"
		done
	done
}

# ---- 5. engine ----------------------------------------------------------------------------

exp_zbench() {
	log "5. zbench"
	if [ "$QUICK" = 1 ]; then
		"$ZBENCH" -q >"$DATA/zbench.md" || fail "zbench"
	else
		"$ZBENCH" >"$DATA/zbench.md" || fail "zbench"
	fi
}

# ---- 6. restart ---------------------------------------------------------------------

# restart_run KILLS REP [CFG [PASSES]]: swap_run's workload on zramfs lz4
# while the server is killed KILLS times, 1-3 s apart; records the time and
# each gap.
restart_run() {
	local kills=$1 rep=$2 cfg=${3:-kills-$1} passes=${4:-$SWAP_PASSES}
	local out t0 t1 st=0 killed=0 next
	local r0 pid deadline
	out=$DATA/restart-$cfg-$rep.out
	ZD=$(new_dev "${SWAP_DISK}M" lz4)
	wattr "$ZD" swap "on priority=$PRIO discard=both" ||
		fail "zramfs$ZD: swap on"
	cg_create "${SWAP_LIMIT}M" swap >/dev/null
	t0=$EPOCHREALTIME
	cg_run "$out" "$SWAPLOAD" -s "$SWAP_WS" -p "$passes" -S 42
	next=$((SECONDS + 3))
	while _pid_alive "$CG_PID"; do
		if [ "$killed" -lt "$kills" ] && [ "$SECONDS" -ge "$next" ]; then
			r0=$(daemon_stat restarts)
			pid=$(wait_server 10) || fail "no server serves"
			kill -KILL "$pid"
			deadline=$((SECONDS + 30))
			while _pid_alive "$pid" ||
				[ "$(daemon_stat restarts)" -le "$r0" ]; do
				[ "$SECONDS" -lt "$deadline" ] ||
					fail "no new server 30 s after a kill"
				sleep 0.01
			done
			killed=$((killed + 1))
			res restart "$cfg" gap_us "$rep.$killed" \
				"$(daemon_stat last_gap_us)"
			next=$((SECONDS + 1 + RANDOM % 3))
		fi
		sleep 0.05
	done
	wait "$CG_PID" || st=$?
	t1=$EPOCHREALTIME
	CG_PID=
	[ "$st" = 0 ] && grep -qx "verified $((SWAP_WS * 256 * passes)) pages, 0 bad" "$out" ||
		fail "swapload on $cfg (status $st): $(tail -n 5 "$out")"
	[ "$killed" = "$kills" ] ||
		fail "restart $cfg: the workload ended after $killed of $kills kills"
	res restart "$cfg" time "$rep" "$(elapsed "$t0" "$t1")"
	cg_destroy
	zdev_del "$ZD"
	log "restart $cfg rep $rep: $(elapsed "$t0" "$t1") s, $killed kills"
}

exp_restart() {
	local rep
	log "6. restart: the swap workload with 0 and $RESTART_FEW server kills; $RESTART_KILLS kills for the gaps"
	for rep in $(seq "$REPS"); do
		restart_run 0 "$rep"
		restart_run "$RESTART_FEW" "$rep" kills-few
	done
	restart_run "$RESTART_KILLS" 1 gaps $((RESTART_KILLS / 2 + 2))
}

# ---- 7. random swap-in ---------------------------------------------------------------

# randswap_run SYSTEM WS REP: randswap of WS MiB on a fresh lz4 device as
# the only swap in use.
randswap_run() {
	local sys=$1 ws=$2 rep=$3 cfg=$1-$2 out st=0 lat='' line t faults major
	out=$DATA/randswap-$cfg-$rep.out
	swapdev_on "$sys" lz4 $((2 * ws))
	[ "$sys" = kernel ] || lat=$SWAPDEV_DIR/latency_stat
	cg_create "${RS_LIMIT}M" randswap >/dev/null
	cg_run "$out" "$RANDSWAP" -s "$ws" -n "$RS_TOUCHES" -S 42
	wait "$CG_PID" || st=$?
	CG_PID=
	[ "$st" = 0 ] && grep -qx "verified $RS_TOUCHES pages, 0 bad" "$out" ||
		fail "randswap on $cfg (status $st): $(tail -n 5 "$out")"
	# "touched T pages in S s: F faults, R resident, M major faults, ..."
	line=$(grep '^touched ' "$out") || fail "randswap on $cfg: no timing: $(cat "$out")"
	read -r _ _ _ _ t _ faults _ _ _ major _ <<<"$line"
	res randswap "$cfg" time "$rep" "$t"
	res randswap "$cfg" faults "$rep" "$faults"
	res randswap "$cfg" major "$rep" "$major"
	# "fault latency us: p50 A p90 B p99 C max D"
	awk -v c="$cfg" -v r="$rep" '/^fault latency us:/ {
		for (i = 4; i < NF; i += 2)
			printf "randswap %s fault_%s_us %s %s\n", c, $i, r, $(i + 1)
	}' "$out" >>"$RES"
	if [ -n "$lat" ]; then
		# The daemon's share: latency_stat's read and write lines.
		awk -v c="$cfg" -v r="$rep" '$1 == "read" || $1 == "write" {
			printf "randswap %s srv_%ss %s %s\n", c, $1, r, $2
			printf "randswap %s srv_%s_p50_us %s %s\n", c, $1, r, $3
			printf "randswap %s srv_%s_p99_us %s %s\n", c, $1, r, $4
		}' "$lat" >>"$RES"
	fi
	cg_destroy
	swapdev_off "$sys"
	log "randswap $cfg rep $rep: $t s, $faults faults, $(awk '/^fault latency/ { print $4, $5, $8, $9 }' "$out") us"
}

exp_randswap() {
	local ws rep
	log "7. random swap-in: $RS_TOUCHES touches of $RS_WS MiB in a $RS_LIMIT MiB cgroup"
	for ws in $RS_WS; do
		for rep in $(seq "$REPS"); do
			randswap_run zramfs "$ws" "$rep"
			randswap_run kernel "$ws" "$rep"
		done
	done
}

# ---- 8. hops -----------------------------------------------------------------------

# exp_hops: where a swap-in fault's time goes on zramfs.  randswap as in 7
# (the middle working set, HOPS_TOUCHES touches), traced with perf during
# its touch phase only: the fault, the loop device's read, the FUSE_READ
# and its reply, the completion, the wake-up and run of the faulting
# process (hops.awk pairs them and says what each hop is).  Traced runs are
# slower than untraced ones: the hops are for comparing, the totals of 7
# are the measurement.
exp_hops() {
	local ws out st=0 loop trace rep
	require_cmd perf
	ws=$(echo "$RS_WS" | awk '{ print $(int((NF + 1) / 2)) }')
	log "8. hops: $HOPS_TOUCHES touches of $ws MiB in a $RS_LIMIT MiB cgroup, traced"
	for rep in $(seq "$REPS"); do
		out=$DATA/hops-$rep.out
		trace=$DATA/perf-hops-$rep
		swapdev_on zramfs lz4 $((2 * ws))
		loop=$(losetup -j "$SWAPDEV_DIR/data" -O NAME -n | head -n 1)
		[ -n "$loop" ] || fail "hops: no loop device over $SWAPDEV_DIR/data"
		loop=$(stat -L -c '%Hr,%Lr' "$loop")
		cg_create "${RS_LIMIT}M" hops >/dev/null
		cg_run "$out" "$RANDSWAP" -s "$ws" -n "$HOPS_TOUCHES" -S 42
		until grep -q '^filled' "$out"; do
			_pid_alive "$CG_PID" || break
			sleep 0.05
		done
		perf record -q -a -k mono -o "$trace.data" \
			-e exceptions:page_fault_user --filter "common_pid == $CG_PID" \
			-e block:block_rq_issue -e block:block_rq_complete \
			-e fuse:fuse_request_send -e fuse:fuse_request_end \
			-e sched:sched_wakeup --filter "pid == $CG_PID" \
			-e sched:sched_switch --filter "next_pid == $CG_PID" \
			>"$trace.log" 2>&1 &
		local perf_pid=$! rpid=$CG_PID
		wait "$CG_PID" || st=$?
		CG_PID=
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		[ "$st" = 0 ] && grep -qx "verified $HOPS_TOUCHES pages, 0 bad" "$out" ||
			fail "hops: randswap (status $st): $(tail -n 5 "$out")"
		perf script -i "$trace.data" --ns -F comm,pid,cpu,time,event,trace \
			>"$trace.txt" 2>>"$trace.log" || fail "hops: perf script: $(tail -n 3 "$trace.log")"
		awk -v pid="$rpid" -v loop="$loop" \
			-f "$(dirname "${BASH_SOURCE[0]}")/hops.awk" "$trace.txt" >"$DATA/hops-$rep.txt"
		awk -v r="$rep" '$1 == "hop" {
			printf "hops zramfs %s_p50_us %s %s\n", $2, r, $6
			printf "hops zramfs %s_p90_us %s %s\n", $2, r, $8
			printf "hops zramfs %s_p99_us %s %s\n", $2, r, $10
			printf "hops zramfs %s_sum_s %s %s\n", $2, r, $12
		}' "$DATA/hops-$rep.txt" >>"$RES"
		log "hops rep $rep: $(tr '\n' ';' <"$DATA/hops-$rep.txt")"
		rm -f "$trace.data" "$trace.txt"
		cg_destroy
		swapdev_off zramfs
	done
}

# ================================================================================
# Main
# ================================================================================

# ---- what the run needs -----------------------------------------------------------

[ "$(id -u)" = 0 ] || refuse "needs root (swapon, loop devices, cgroups, /dev/zram0)"
[ -c /dev/fuse ] || refuse "needs /dev/fuse"
[ -c /dev/loop-control ] || refuse "needs loop devices (/dev/loop-control)"
kz_check
[ "$(cat /sys/module/zswap/parameters/enabled 2>/dev/null || echo N)" != Y ] ||
	refuse "zswap is enabled: it would keep swapped pages away from the" \
		"devices under test (echo N > /sys/module/zswap/parameters/enabled)"
for c in fio gnuplot losetup mkswap swapon swapoff blkdiscard flock mkfifo; do
	command -v "$c" >/dev/null 2>&1 ||
		refuse "needs $c (apt-get install fio gnuplot-nox util-linux)"
done
gnuplot -e 'set terminal pngcairo' 2>/dev/null ||
	refuse "gnuplot has no pngcairo terminal (apt-get install gnuplot-nox)"
for f in "$ZRAMFSD" "$DATATOOL" "$SWAPLOAD" "$SWAPIN" "$RANDSWAP" "$ZBENCH"; do
	[ -x "$f" ] || refuse "$f is not built (make bench builds it)"
done
cg_detect

# ---- a quiet machine -------------------------------------------------------------------

# Other people's builds would be measured too: wait for the 1-minute load
# average to fall below 1, and say in the report how it was.
waited=0
while load=$(cut -d' ' -f1 /proc/loadavg) && awk -v l="$load" 'BEGIN { exit !(l >= 1) }'; do
	if [ "$waited" -ge "$WAIT_IDLE" ]; then
		WAITED_NOTE="still ≥ 1 after waiting $waited min: other work ran during the benchmark"
		log "load average $load after $waited min: going on anyway"
		break
	fi
	log "load average $load: waiting 2 minutes for the machine to be idle"
	sleep 120
	waited=$((waited + 2))
done
# shellcheck disable=SC2034 # for run.env
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$waited" = 0 ] || [ -n "${WAITED_NOTE:-}" ] ||
	WAITED_NOTE="after waiting $waited min for it to fall below 1"

mkdir -p "$DATA"
rm -f "$DATA"/*.out "$DATA"/*.samples "$DATA"/mixed-* "$DATA"/perf-*
: >"$RES" # empty if only zbench runs
RS_PAGE_CLUSTER=$(cat /proc/sys/vm/page-cluster 2>/dev/null || echo '?')
# run.env: what report.sh needs to know of the run besides its results.
for v in QUICK REPS CG_VER PRIO KZ SWAP_LIMIT SWAP_PASSES SWAP_WS SWAP_DISK \
	FIO_SIZE FIO_TIME FIO_JOBS PERF_TIME RATIO_SIZE PUNCH_SIZE MIX_SIZE \
	MIX_FILL_LIMIT MIX_CFGS RESTART_FEW RESTART_KILLS RS_LIMIT RS_WS \
	RS_TOUCHES RS_PAGE_CLUSTER HOPS_TOUCHES LOAD_START WAITED_NOTE; do
	printf '%s=%q\n' "$v" "${!v:-}"
done >"$DATA/run.env"

swap_lock
# Swap areas of equal priority share the pages round robin: one at ours
# would take half of them.
OTHER_SWAP=$(awk 'NR > 1 { printf "%s%s (priority %s)", sep, $1, $5; sep = ", " }' /proc/swaps)
! awk -v p="$PRIO" 'NR > 1 && $5 == p { f = 1 } END { exit !f }' /proc/swaps ||
	refuse "other swap already has priority $PRIO: $OTHER_SWAP"
printf 'OTHER_SWAP=%q\n' "$OTHER_SWAP" >>"$DATA/run.env"
# The code measured, taken now: the report this run writes (docs/) must
# not make it look modified.
ZRAMFS_REV=$(git -C "$top_srcdir" describe --always 2>/dev/null || echo unknown)
[ -z "$(git -C "$top_srcdir" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
	ZRAMFS_REV="$ZRAMFS_REV with uncommitted changes"
printf 'ZRAMFS_REV=%q\n' "$ZRAMFS_REV" >>"$DATA/run.env"
at_exit kz_release
timebox $((QUICK ? 1800 : 5400))
start_daemon
at_exit _detach_fio_loops
# For comparing the polling window (zramfsd.conf(5) poll_us) in one build.
if [ -n "${BENCH_POLL_US:-}" ]; then
	echo "$BENCH_POLL_US" >"$MNT/control/poll_us" || fail "control/poll_us"
fi
POLL_US=$(cat "$MNT/control/poll_us")
printf 'POLL_US=%q\n' "$POLL_US" >>"$DATA/run.env"
log "zramfsd serves $MNT; results in $DATA"

T_START=$SECONDS
for e in ratio swap fio punch mixed zbench restart randswap hops; do
	[ -z "$ONLY" ] || [[ ,$ONLY, == *,$e,* ]] || continue
	"exp_$e"
done
kz_release
KZ_OURS=0
printf 'LOAD_END=%q\nDURATION=%q\nDATE=%q\n' "$(cut -d' ' -f1-3 /proc/loadavg)" \
	$((SECONDS - T_START)) "$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$DATA/run.env"
log "measured in $((SECONDS - T_START)) s"
"$BASH" "$REPORT" "$DATA" "$OUT"
