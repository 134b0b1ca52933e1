#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench.sh: zramfs next to the kernel's zram, on this machine, in one run,
# written up as a markdown report with PNG plots (docs/benchmarks.md and
# docs/bench-*.png).  A command, not a test: `make bench` runs it.
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
# holds one line per measurement, "EXPERIMENT CONFIG METRIC REP VALUE",
# from which the report is made; the report can be remade from it alone
# with --report-only.
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
                    swap,fio,punch,mixed,zbench), for working on one of
                    them; the report, which then lacks the others, goes
                    to DIR/benchmarks.md unless --out is given
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

# A benchmark that cannot run says why and fails; it never "skips".
refuse() {
	echo "bench.sh: cannot run: $*" >&2
	exit 1
}

# --report-only describes the run that made the data, whatever the options.
if [ "$REPORT_ONLY" = 1 ]; then
	: "${DATA:=$top_builddir/bench-data}"
	[ -s "$DATA/run.env" ] || refuse "--report-only: no $DATA/run.env"
	. "$DATA/run.env"
fi
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
DOCDIR=$(dirname "$OUT")
RES=$DATA/results.txt
ZBENCH=$top_builddir/tests/bench/zbench
SWAPIN=$top_builddir/tests/bench/swapin

# ---- sizes ------------------------------------------------------------------
# MiB unless said otherwise.
if [ "$QUICK" = 1 ]; then
	SWAP_LIMIT=64 SWAP_PASSES=2   # working set 3x the limit
	FIO_SIZE=128 FIO_TIME=3 PERF_TIME=2
	RATIO_SIZE=64 RATIO_ZSTD_LEVELS="1 3"
	PUNCH_SIZE=64
	MIX_SIZE=64 MIX_FILL_LIMIT=16
else
	SWAP_LIMIT=256 SWAP_PASSES=3
	FIO_SIZE=512 FIO_TIME=8 PERF_TIME=5
	RATIO_SIZE=512 RATIO_ZSTD_LEVELS="-1 1 3 7 12"
	PUNCH_SIZE=256
	MIX_SIZE=256 MIX_FILL_LIMIT=32
fi
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

# field N LINE...: the Nth whitespace-separated word.
field() {
	local n=$1
	shift
	# shellcheck disable=SC2048,SC2086
	set -- $*
	echo "${!n}"
}

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

# zdev_new ALG[:LEVEL] MIB [GC_MODE]: a fresh zramfs device; sets ZD.
zdev_new() {
	local alg=${1%%:*} level=
	[[ $1 != *:* ]] || level=${1#*:}
	ZD=$(cat "$MNT/control/hot_add") || fail "control/hot_add"
	wattr "$ZD" comp_algorithm "$alg" || fail "zramfs$ZD: comp_algorithm $alg"
	[ -z "$level" ] || wattr "$ZD" algorithm_params "level=$level" ||
		fail "zramfs$ZD: algorithm_params level=$level"
	[ -z "${3:-}" ] || wattr "$ZD" gc_mode "$3" || fail "zramfs$ZD: gc_mode $3"
	wattr "$ZD" disksize "$2M" || fail "zramfs$ZD: disksize $2M"
}

zdev_del() {
	local s
	s=$(attr "$1" swap) || fail "zramfs$1: read swap"
	[[ $s != /dev/loop* ]] || wattr "$1" swap off || fail "zramfs$1: swap off"
	wattr "$1" reset 1 || fail "zramfs$1: reset"
	wctl hot_remove "$1" || fail "hot_remove $1"
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

# ---- memory cgroups (v1 or v2) -------------------------------------------------

BCG_PARENT='' BCG_VER=''
BCGS=()

bcg_detect() {
	if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
		BCG_VER=1 BCG_PARENT=/sys/fs/cgroup/memory
	elif [ -f /sys/fs/cgroup/cgroup.controllers ] &&
		grep -qw memory /sys/fs/cgroup/cgroup.subtree_control; then
		BCG_VER=2 BCG_PARENT=/sys/fs/cgroup
	else
		refuse "no memory cgroup: neither v1 /sys/fs/cgroup/memory nor" \
			"v2 /sys/fs/cgroup with the memory controller enabled"
	fi
}

# bcg_create NAME MIB: a fresh memory cgroup with that limit, unlimited
# swap, swappiness 100; sets BCG.
bcg_create() {
	BCG=$BCG_PARENT/zramfs-bench-$1-$$
	[ "${#BCGS[@]}" != 0 ] || at_exit _bcg_destroy_all
	BCGS+=("$BCG")
	mkdir "$BCG" || fail "mkdir $BCG"
	bcg_limit "$BCG" "$2"
	if [ "$BCG_VER" = 1 ]; then
		echo 100 >"$BCG/memory.swappiness" || fail "$BCG/memory.swappiness"
		[ ! -e "$BCG/memory.memsw.limit_in_bytes" ] ||
			echo -1 >"$BCG/memory.memsw.limit_in_bytes"
	else
		[ ! -e "$BCG/memory.swap.max" ] || echo max >"$BCG/memory.swap.max"
		[ ! -e "$BCG/memory.zswap.max" ] || echo 0 >"$BCG/memory.zswap.max"
	fi
}

# bcg_limit CG MIB|max: returns non-zero if the kernel refused.
bcg_limit() {
	local v=$2
	[ "$v" = max ] || v=$(($2 * 1048576))
	if [ "$BCG_VER" = 1 ]; then
		[ "$v" != max ] || v=-1
		echo "$v" >"$1/memory.limit_in_bytes" 2>/dev/null
	else
		echo "$v" >"$1/memory.max" 2>/dev/null
	fi
}

# bcg_spawn CG OUT CMD...: runs CMD in CG in the background; sets BCG_PID.
# (bcg_destroy kills whatever is left in CG.)
bcg_spawn() {
	local cg=$1 out=$2
	shift 2
	(
		echo "$BASHPID" >"$cg/cgroup.procs" || exit 126
		exec "$@"
	) >"$out" 2>&1 &
	BCG_PID=$!
	# Out of the job table: no "Killed" line when it is killed.  Callers
	# judge it by its output, not by its exit status.
	disown "$BCG_PID"
}

bcg_destroy() {
	local cg=$1 pids i
	[ -d "$cg" ] || return 0
	for i in $(seq 300); do
		pids=$(cat "$cg/cgroup.procs" 2>/dev/null) || break
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.1
	done
	for i in $(seq 20); do
		rmdir "$cg" 2>/dev/null && return 0
		sleep 0.25
	done
	note "cannot remove $cg"
}

_bcg_destroy_all() {
	local cg
	for cg in "${BCGS[@]}"; do
		bcg_destroy "$cg"
	done
}

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
	local stat out smp t0 t1 st=0 mm
	out=$DATA/swap-$cfg-$rep.out
	smp=$DATA/swap-$cfg-$rep.samples
	rm -f "$smp"
	if [ "$sys" = zramfs ]; then
		zdev_new "$alg" "$disk"
		wattr "$ZD" swap "on priority=$PRIO discard=both" ||
			fail "zramfs$ZD: swap on"
		stat=$MNT/zramfs$ZD/mm_stat
	else
		kz_setup "$alg" "$disk"
		kz_swapon
		stat=$KZ/mm_stat
	fi
	bcg_create swap "$SWAP_LIMIT"
	start_sampler "$smp" 0.5 "$stat"
	t0=$EPOCHREALTIME
	(
		echo "$BASHPID" >"$BCG/cgroup.procs" || exit 126
		exec "$SWAPLOAD" -s "$SWAP_WS" -p "$SWAP_PASSES" -S 42
	) >"$out" 2>&1 || st=$?
	t1=$EPOCHREALTIME
	stop_sampler "$SAMPLER"
	mm=$(cat "$stat")
	[ "$st" = 0 ] && grep -qx "verified $((SWAP_WS * 256 * SWAP_PASSES)) pages, 0 bad" "$out" ||
		fail "swapload on $cfg (status $st): $(tail -n 5 "$out")"
	res swap "$cfg" time "$rep" "$(elapsed "$t0" "$t1")"
	# Peak memory: mem_used_max; efficiency: orig/mem at the sample that
	# held the most data.
	res swap "$cfg" mem_peak "$rep" "$(field 5 "$mm")"
	awk '{ if ($2 + 0 > o) { o = $2; m = $4; c = $3 } }
		END { printf "%d %d %d\n", o, c, m }' "$smp" |
		{
			read -r o c m
			res swap "$cfg" orig_peak "$rep" "$o"
			[ "$m" = 0 ] || res swap "$cfg" eff_at_peak "$rep" \
				"$(awk -v o="$o" -v m="$m" 'BEGIN { printf "%.3f", o / m }')"
		}
	bcg_destroy "$BCG"
	if [ "$sys" = zramfs ]; then
		zdev_del "$ZD"
	else
		kz_swapoff
		kz_reset
	fi
	log "swap $cfg rep $rep: $(elapsed "$t0" "$t1") s, peak mem $(($(field 5 "$mm") >> 20)) MiB"
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
		zdev_new lz4 "$FIO_SIZE"
		zd=$ZD
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
		zdev_new "$alg" "$RATIO_SIZE"
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
	res ratio "$cfg" orig 1 "$(field 1 "$mm")"
	res ratio "$cfg" compr 1 "$(field 2 "$mm")"
	res ratio "$cfg" mem 1 "$(field 3 "$mm")"
	res ratio "$cfg" same 1 "$(field 6 "$mm")"
	res ratio "$cfg" huge 1 "$(field 8 "$mm")"
	res ratio "$cfg" fill_mbs 1 "$(awk -v t="$(elapsed "$t0" "$t1")" -v s="$RATIO_SIZE" \
		'BEGIN { printf "%.0f", s * 1048576 / t / 1e6 }')"
	if [ "$sys" = zramfs ]; then
		zdev_del "$ZD"
	else
		kz_reset
	fi
	log "ratio $cfg: $(field 1 "$mm") / $(field 2 "$mm") / $(field 3 "$mm")"
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
	zdev_new lz4 "$PUNCH_SIZE" "$mode"
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
		zdev_new lz4 $((8 * MIX_SIZE)) "$gcm"
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
	bcg_create A "$MIX_FILL_LIMIT"
	cgA=$BCG
	bcg_spawn "$cgA" "$outA" "$SWAPIN" -s "$MIX_SIZE" -S 11 --fifo "$WORK/fifoA"
	pidA=$BCG_PID
	wait_line "$outA" '^filled' 300 "$pidA"
	bcg_create B "$MIX_FILL_LIMIT"
	cgB=$BCG
	bcg_spawn "$cgB" "$outB" "$SWAPIN" -s "$MIX_SIZE" -S 12 --fifo "$WORK/fifoB"
	pidB=$BCG_PID
	wait_line "$outB" '^filled' 300 "$pidB"
	bcg_limit "$cgA" 4 || note "cgroup A: cannot shrink to 4 MiB"
	bcg_limit "$cgB" 4 || note "cgroup B: cannot shrink to 4 MiB"
	bcg_limit "$cgB" max || fail "cgroup B: cannot lift the limit"
	swapA=$(pid_vmswap "$pidA") swapB=$(pid_vmswap "$pidB")
	res mixed "$cfg" swapped_A "$rep" "$swapA"
	res mixed "$cfg" swapped_B "$rep" "$swapB"
	[ -z "$gcm" ] || wait_gc_drained "$ZD"
	sleep 1
	nf0=$(field 4 "$(cat "$io")")
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
		cur=$(field 4 "$(cat "$io")")
		[ "$cur" != "$last" ] || break
		last=$cur
		sleep 0.5
	done
	stop_sampler "$SAMPLER"
	nf_end=$(field 4 "$(cat "$io")")
	gc1=$(cat "$gcs")
	# Pages discarded while B swapped in: the last sample within its
	# timing window (t0 .. t0 + tB).
	nf_during=$(awk -v t="$t0" -v d="$tB" -v nf0="$nf0" '
		$1 <= t + d { n = $5 } END { print (n == "" ? 0 : n - nf0) }' "$smp")
	res mixed "$cfg" swapin "$rep" "$tB"
	res mixed "$cfg" freed_total "$rep" $((nf_end - nf0))
	res mixed "$cfg" freed_during "$rep" "$nf_during"
	if [ -n "$gcm" ]; then
		# gc_stat: pending queued_total freed_total max_pending freed_inline
		res mixed "$cfg" gc_queued "$rep" $(($(field 2 "$gc1") - $(field 2 "$gc0")))
		res mixed "$cfg" gc_inline "$rep" $(($(field 5 "$gc1") - $(field 5 "$gc0")))
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
	bcg_destroy "$cgA"
	bcg_destroy "$cgB"
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

# ================================================================================
# The report
# ================================================================================

# stat EXP CFG METRIC: "median min max n" over the repetitions ("nan" if none).
rstat() {
	awk -v e="$1" -v c="$2" -v m="$3" '$1 == e && $2 == c && $3 == m { print $5 }' "$RES" |
		sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan nan 0"; exit }
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print med, v[1], v[NR], NR
		}'
}
med() { rstat "$@" | cut -d' ' -f1; }

# calc EXPR [FORMAT]: awk arithmetic, "nan"-safe.
calc() {
	awk "BEGIN { x = $1; printf \"${2:-%.2f}\", x }" 2>/dev/null || echo nan
}

# fmt_range EXP CFG METRIC FORMAT [SCALE]: "median (min–max)" or "median".
fmt_range() {
	local s
	s=$(rstat "$1" "$2" "$3")
	awk -v s="$s" -v f="$4" -v k="${5:-1}" 'BEGIN {
		split(s, a, " ")
		if (a[4] == 0) { print "–"; exit }
		out = sprintf(f, a[1] * k)
		if (a[4] > 1) out = out sprintf(" (" f "–" f ")", a[2] * k, a[3] * k)
		print out
	}'
}

# verdict OK-EXPR: PASS or MISS.
verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo MISS; fi; }

machine_info() {
	local cpu cores mem libfuse rev
	cpu=$(awk -F': ' '/^model name/ { n = $2 } /^cpu family/ { f = $2 }
		/^model\t/ { m = $2 } END { printf "%s (family %s, model %s)", n, f, m }' \
		/proc/cpuinfo)
	cores=$(nproc)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	libfuse=$(pkg-config --modversion fuse3 2>/dev/null || echo unknown)
	rev=${ZRAMFS_REV:-unknown}
	cat <<EOF
| | |
|---|---|
| CPU | $cpu |
| cores | $cores online$(lscpu 2>/dev/null | awk -F': *' '/^Hypervisor vendor/ { print ", a virtual machine (" $2 ")" }') |
| RAM | $mem |
| kernel | $(uname -r) ($(uname -v)) |
| kernel zram algorithms | $(tr -d '[]' <"$KZ/comp_algorithm" 2>/dev/null || echo "?") |
| libfuse | $libfuse |
| fio | $(fio --version 2>/dev/null) |
| zramfs | $rev |
| date | $(date -u '+%Y-%m-%d %H:%M UTC') |
| load average before the run | $LOAD_START${WAITED_NOTE:+ ($WAITED_NOTE)} |
| other swap during the run | ${OTHER_SWAP:-none} |
| run | $([ "$QUICK" = 1 ] && echo "--quick (small sizes)" || echo full), $REPS repetition(s), medians |
EOF
}

# ---- plots -----------------------------------------------------------------------------

# plot NAME SCRIPT [WIDTH]: docs/bench-NAME.png from a gnuplot script.
plot() {
	local name=$1 script=$2 width=${3:-900}
	printf 'set terminal pngcairo size %s,480 font "sans,10"\nset output "%s"\n%s\n' \
		"$width" "$DOCDIR/bench-$name.png" "$script" >"$DATA/bench-$name.gp"
	gnuplot "$DATA/bench-$name.gp" 2>"$DATA/bench-$name.gp.log" ||
		log "gnuplot bench-$name failed: $(cat "$DATA/bench-$name.gp.log")"
}

HIST_STYLE='set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside bottom center horizontal
set yrange [0:*]
set xtics nomirror'

make_plots() {
	local j
	# 1. swap
	{
		echo "# pair zramfs kernel"
		echo "\"lz4 vs lz4\" $(med swap zramfs-lz4 time) $(med swap kernel-lz4 time)"
		echo "\"zstd vs lzo-rle\" $(med swap zramfs-zstd time) $(med swap kernel-lzo-rle time)"
		echo "\"same, swap > ½ full\" $(med swap zramfs-zstd-small time) $(med swap kernel-lzo-rle-small time)"
	} >"$DATA/swap-time.dat"
	{
		echo "# pair zramfs kernel"
		echo "\"lz4 vs lz4\" $(calc "$(med swap zramfs-lz4 mem_peak) / 1048576") $(calc "$(med swap kernel-lz4 mem_peak) / 1048576")"
		echo "\"zstd vs lzo-rle\" $(calc "$(med swap zramfs-zstd mem_peak) / 1048576") $(calc "$(med swap kernel-lzo-rle mem_peak) / 1048576")"
		echo "\"same, swap > ½ full\" $(calc "$(med swap zramfs-zstd-small mem_peak) / 1048576") $(calc "$(med swap kernel-lzo-rle-small mem_peak) / 1048576")"
	} >"$DATA/swap-mem.dat"
	plot swap "$HIST_STYLE
set xtics font ',9'
set multiplot layout 1,2 title \"Swap workload: $SWAP_WS MiB in a $SWAP_LIMIT MiB cgroup, $SWAP_PASSES passes (median of $REPS)\"
set title 'wall time (s), lower is better'
plot '$DATA/swap-time.dat' using 2:xtic(1) title 'zramfs' lc rgb '#3366cc', '' using 3 title 'kernel zram' lc rgb '#dc3912'
set title 'peak memory, mem\\_used\\_max (MiB), lower is better'
plot '$DATA/swap-mem.dat' using 2:xtic(1) title 'zramfs' lc rgb '#3366cc', '' using 3 title 'kernel zram' lc rgb '#dc3912'
unset multiplot" 1150

	# 2. fio
	{
		echo "# job zramfs kernel"
		for j in $FIO_JOBS; do
			echo "\"$j\" $(calc "$(med fio "zramfs-$j" iops) / 1000") $(calc "$(med fio "kernel-$j" iops) / 1000")"
		done
	} >"$DATA/fio.dat"
	plot fio "$HIST_STYLE
set title \"fio random 4 KiB, 2 jobs, queue depth 16 and 1 (median of $REPS): kIOPS, log scale\"
set logscale y
set yrange [1:*]
set xlabel 'job (rw-iodepth)'
plot '$DATA/fio.dat' using 2:xtic(1) title 'zramfs (loop, direct I/O)' lc rgb '#3366cc', '' using 3 title '/dev/zram0' lc rgb '#dc3912'"

	# 3. compression
	{
		echo "# alg orig_compr orig_mem"
		awk '$1 == "ratio" && $3 == "orig" { print $2 }' "$RES" | while read -r c; do
			echo "\"$c\" $(calc "$(med ratio "$c" orig) / $(med ratio "$c" compr)") $(calc "$(med ratio "$c" orig) / $(med ratio "$c" mem)")"
		done
	} >"$DATA/ratio.dat"
	plot ratio "$HIST_STYLE
set title \"Compression of $RATIO_SIZE MiB of pagegen pages, higher is better\"
set xtics rotate by -30
plot '$DATA/ratio.dat' using 2:xtic(1) title 'orig / compr' lc rgb '#3366cc', '' using 3 title 'orig / mem\\_used\\_total' lc rgb '#109618'"

	# 4. GC
	{
		echo "# what ms"
		echo "\"zramfs sync\" $(calc "$(med punch zramfs-sync time) * 1000")"
		echo "\"zramfs async\" $(calc "$(med punch zramfs-async time) * 1000")"
		echo "\"zramfs async, until freed\" $(calc "$(med punch zramfs-async drained) * 1000")"
		echo "\"kernel zram (blkdiscard)\" $(calc "$(med punch kernel-lz4 time) * 1000")"
	} >"$DATA/punch.dat"
	{
		echo "# cfg s"
		for j in $MIX_CFGS; do
			echo "\"$j\" $(med mixed "$j" swapin)"
		done
	} >"$DATA/mixed.dat"
	plot gc "set style data histogram
set style histogram clustered
set style fill solid 0.85 border -1
set boxwidth 0.8
set grid ytics
set yrange [0:*]
set key off
set xtics rotate by -25
set multiplot layout 1,2 title \"GC: punch median of $REPS, swap-in median of $((2 * REPS))\"
set title 'punch $PUNCH_SIZE MiB: ms (log scale)'
set logscale y
set yrange [0.01:*]
plot '$DATA/punch.dat' using 2:xtic(1) lc rgb '#3366cc'
set title 'B swaps $MIX_SIZE MiB in while A exits: seconds'
unset logscale y
set yrange [0:*]
plot '$DATA/mixed.dat' using 2:xtic(1) lc rgb '#ff9900'
unset multiplot"
}

# ---- the markdown -------------------------------------------------------------------------

write_report() {
	local tmp=$OUT.tmp
	mkdir -p "$DOCDIR"
	make_plots
	{
		report_body
	} >"$tmp"
	mv -f "$tmp" "$OUT"
	log "wrote $OUT and $DOCDIR/bench-*.png"
}

report_body() {
	local j
	# ---- the figures the targets need
	local sw_z sw_k sw_r zs_t lr_t zs_m lr_m zst_r zsm_r
	sw_z=$(med swap zramfs-lz4 time) sw_k=$(med swap kernel-lz4 time)
	sw_r=$(calc "$sw_z / $sw_k" %.4f)
	zs_t=$(med swap zramfs-zstd time) lr_t=$(med swap kernel-lzo-rle time)
	zs_m=$(med swap zramfs-zstd mem_peak) lr_m=$(med swap kernel-lzo-rle mem_peak)
	zst_r=$(calc "$zs_t / $lr_t" %.4f) zsm_r=$(calc "$lr_m / $zs_m" %.4f)
	local zs_ms lr_ms zsm_rs
	zs_ms=$(med swap zramfs-zstd-small mem_peak) lr_ms=$(med swap kernel-lzo-rle-small mem_peak)
	zsm_rs=$(calc "$lr_ms / $zs_ms" %.4f)
	local rr16 rw16
	# Verdicts on unrounded ratios: 0.297 must not pass for 0.30.
	rr16=$(calc "$(med fio zramfs-randread-16 iops) / $(med fio kernel-randread-16 iops)" %.4f)
	rw16=$(calc "$(med fio zramfs-randwrite-16 iops) / $(med fio kernel-randwrite-16 iops)" %.4f)
	local cz ck cr ez ek er
	cz=$(calc "$(med ratio zramfs-lz4 orig) / $(med ratio zramfs-lz4 compr)" %.4f)
	ck=$(calc "$(med ratio kernel-lz4 orig) / $(med ratio kernel-lz4 compr)" %.4f)
	cr=$(calc "$cz / $ck" %.4f)
	ez=$(calc "$(med ratio zramfs-lz4 orig) / $(med ratio zramfs-lz4 mem)" %.4f)
	ek=$(calc "$(med ratio kernel-lz4 orig) / $(med ratio kernel-lz4 mem)" %.4f)
	er=$(calc "$ez / $ek" %.4f)
	local ps pa pr
	ps=$(med punch zramfs-sync time) pa=$(med punch zramfs-async time)
	pr=$(calc "$ps / $pa" %.1f)
	local mxs mxa mxr
	mxs=$(med mixed pages-sync swapin) mxa=$(med mixed pages-async swapin)
	mxr=$(calc "$mxs / $mxa" %.3f)
	local mxw mxn mxp
	read -r _ _ _ mxw mxn mxp <<<"$(paired pages-sync pages-async)"
	local v1 v2 v3 v4 v5 v6 v7 v8 v9
	v1=$(verdict "$sw_r <= 1.5") v2=$(verdict "$rr16 >= 0.3")
	v3=$(verdict "$rw16 >= 0.3") v4=$(verdict "$cr >= 0.97 && $cr <= 1.03")
	v5=$(verdict "$er >= 0.97") v6=$(verdict "$zsm_r >= 1.2")
	v7=$(verdict "$zst_r <= 2.5") v8=$(verdict "$pr >= 3")
	v9=$(verdict "$mxr > 1")
	SUMMARY_KEYS="swap_time $v1
fio_read $v2
fio_write $v3
ratio $v4
eff $v5
swap_mem $v6
zstd_time $v7
punch $v8
mixed $v9"

	cat <<EOF
# zramfs next to kernel zram: benchmarks

This file is generated: \`make bench\` (tests/bench/bench.sh) measured
everything below in one run on the machine described here, zramfs and kernel
zram alternating run by run, each run on a fresh device; figures are medians
of $REPS repetition(s), with the range (min–max) in brackets where there is
more than one.  Do not edit it by hand: run the command again.

## The machine

$(machine_info)

## Summary

Ratios are zramfs / kernel zram unless said otherwise.

| target | goal | measured | result |
|---|---|---|---|
| swap workload time, lz4 vs lz4 | ≤ 1.5x | $(calc "$sw_r")x ($(calc "$sw_z" %.1f) s vs $(calc "$sw_k" %.1f) s) | $v1 |
| fio randread 4 KiB QD16 IOPS | ≥ 0.3x | $(calc "$rr16" %.3f)x ($(calc "$(med fio zramfs-randread-16 iops) / 1000" %.0f)k vs $(calc "$(med fio kernel-randread-16 iops) / 1000" %.0f)k) | $v2 |
| fio randwrite 4 KiB QD16 IOPS | ≥ 0.3x | $(calc "$rw16" %.3f)x ($(calc "$(med fio zramfs-randwrite-16 iops) / 1000" %.0f)k vs $(calc "$(med fio kernel-randwrite-16 iops) / 1000" %.0f)k) | $v3 |
| compression ratio (orig/compr), lz4 | within 3% | $(calc "$cz")  vs $(calc "$ck") ($(calc "($cr - 1) * 100" %+.1f)%) | $v4 |
| memory efficiency (orig/mem_used_total), lz4 | ≥ 0.97x | $(calc "$er" %.3f)x ($(calc "$ez") vs $(calc "$ek")) | $v5 |
| swap workload memory: zramfs zstd vs kernel lzo-rle | ≥ 1.2x less | $(calc "$zsm_r")x less ($(calc "$zs_m / 1048576" %.0f) MiB vs $(calc "$lr_m / 1048576" %.0f) MiB peak) | $v6 |
| — the same with swap over half full (device = working set; not the target's setup, shows the cause) | ≥ 1.2x less | $(calc "$zsm_rs")x less ($(calc "$zs_ms / 1048576" %.0f) MiB vs $(calc "$lr_ms / 1048576" %.0f) MiB peak) | ($(verdict "$zsm_rs >= 1.2")) |
| swap workload time: zramfs zstd vs kernel lzo-rle | ≤ 2.5x | $(calc "$zst_r")x ($(calc "$zs_t" %.1f) s vs $(calc "$lr_t" %.1f) s) | $v7 |
| punch $PUNCH_SIZE MiB: async vs sync (sync time / async time) | ≥ 3x | ${pr}x ($(calc "$ps * 1000" %.1f) ms vs $(calc "$pa * 1000" %.2f) ms) | $v8 |
| A exits while B swaps in, discard=pages: sync time / async time | > 1 | ${mxr}x ($(calc "$mxs" %.3f) s vs $(calc "$mxa" %.3f) s); async faster in $mxw of $mxn paired rounds, sign test p = $mxp | $v9$(awk "BEGIN { exit !($mxp >= 0.05) }" && echo " (not significant)") |

$(summary_notes)

EOF
	report_swap
	report_fio
	report_ratio
	report_gc
	report_zbench
	report_reproduce
}

# pct JOB WHAT: a perf share, "nan" if missing.
pct() { med perf "$1" "$2"; }

summary_notes() {
	local mxp
	read -r _ _ _ _ _ mxp <<<"$(paired pages-sync pages-async)"
	if ! grep -q MISS <<<"$SUMMARY_KEYS"; then
		echo "Every target is met."
	else
		echo "Targets missed, and why (details in the sections below):"
	fi
	echo
	if grep -q '^swap_mem MISS' <<<"$SUMMARY_KEYS"; then
		cat <<EOF
- **Swap workload memory, zstd vs lzo-rle.** Per byte stored, zstd is
  $(calc "$(med swap zramfs-zstd eff_at_peak) / $(med swap kernel-lzo-rle eff_at_peak)")x denser than the kernel's lzo-rle ($(calc "$(med swap zramfs-zstd eff_at_peak)") vs $(calc "$(med swap kernel-lzo-rle eff_at_peak)")
  orig/mem_used_total at the peak; section 3 gives $(calc "$(med ratio kernel-lzo-rle mem) / $(med ratio zramfs-zstd:3 mem)")x on the same
  pages), but at the peak zramfs held $(calc "$(med swap zramfs-zstd orig_peak) / 1048576" %.0f) MiB of data where zram held
  $(calc "$(med swap kernel-lzo-rle orig_peak) / 1048576" %.0f) MiB.  zram, a synchronous device, gets each page back without the
  swap cache and frees its slot, and its memory, at once; zramfs sits
  behind a loop device, and there the kernel keeps a swapped-in page's slot
  (and so zramfs keeps its copy) as long as the page stays in the swap
  cache, unless swap is more than half full.  A freed slot reaches zramfs
  only as a discard of a whole free cluster.  With swap over half full
  (the row below the target) zstd needs $(calc "$zsm_rs")x less memory than lzo-rle.
  It is the price of swapping through loop, not of the compressor or the
  allocator.
EOF
	fi
	if grep -Eq '^fio_(read|write) MISS' <<<"$SUMMARY_KEYS"; then
		cat <<EOF
- **fio IOPS** ($(fio_shortfall)).  Every 4 KiB request makes a round trip
  through the loop worker, /dev/fuse and a daemon thread; zramfs spends
  $(calc "$(med fio zramfs-randread-16 cpu_us_per_io)" %.1f) µs of CPU per random read
  where zram spends $(calc "$(med fio kernel-randread-16 cpu_us_per_io)" %.1f) µs, with
  $(calc "$(med fio zramfs-randread-16 ctx_per_io)" %.1f) context switches per I/O against
  $(calc "$(med fio kernel-randread-16 ctx_per_io)" %.3f).  See "Where the time goes" in section 2.
EOF
	fi
	if grep -Eq '^swap_time MISS|^zstd_time MISS' <<<"$SUMMARY_KEYS"; then
		echo "- **Swap workload time.** Swap-outs and swap-ins pay the same FUSE"
		echo "  round trip per page as the fio requests (section 2)."
	fi
	if grep -Eq '^(ratio|eff) MISS' <<<"$SUMMARY_KEYS"; then
		echo "- **Compression.** See section 3."
	fi
	if grep -q '^punch MISS' <<<"$SUMMARY_KEYS"; then
		echo "- **Punch.** See section 4."
	fi
	if grep -q '^mixed MISS' <<<"$SUMMARY_KEYS"; then
		echo "- **Exit while swapping in.** async is not faster here; section 4"
		echo "  explains why the GC mode hardly matters on this path."
	elif awk "BEGIN { exit !($mxp >= 0.05) }"; then
		echo "- **Exit while swapping in** passes on the medians, but the gain is"
		echo "  within this machine's noise (section 4 explains why the GC mode"
		echo "  can hardly matter on this path)."
	fi
	return 0
}

# fio_shortfall: how far each QD16 job that missed 0.3x fell short.
fio_shortfall() {
	local j r out=''
	for j in randread-16 randwrite-16; do
		r=$(calc "$(med fio "zramfs-$j" iops) / $(med fio "kernel-$j" iops)" %.3f)
		awk "BEGIN { exit !($r < 0.3) }" || continue
		out="${out:+$out; }${j%-16} QD16 reached $(calc "$r" %.3f)x, $(calc "(1 - $r / 0.3) * 100" %.0f)% below the goal"
	done
	echo "$out"
}

report_swap() {
	local c mib label
	mib=$(calc '1 / 1048576' %.12f)
	cat <<EOF
## 1. Swap workload

\`swapload\` (tests/system/swapload.c) fills $SWAP_WS MiB of pagegen pages (text,
code, structured data, zero, same-filled and random pages; tests/common/pagegen.c)
inside a memory cgroup limited to $SWAP_LIMIT MiB (cgroup v$BCG_VER, swappiness 100),
then verifies every page on $SWAP_PASSES passes, rewriting each page on every pass
but the last.  About two thirds of the working set is out on swap at any
time, so every pass swaps most pages in and out.  The device under test is
the only swap in use (priority $PRIO; \`discard=both\` for zramfs, \`swapon
--discard\` for zram0), $SWAP_DISK MiB (twice the working set), fresh for every
run.  Time is the wall time of the whole program; memory is
\`mem_used_max\`; mm_stat was sampled every 0.5 s to find the peak of stored
data (orig_data_size) and the memory efficiency (orig/mem_used_total) at
that moment.  The last two rows repeat the zstd/lzo-rle pair on a device
of $SWAP_WS MiB, the size of the working set, so that swap is more than half
full during the run.

| device | algorithm | time (s) | peak memory (MiB) | peak stored (MiB) | orig/mem at peak |
|---|---|---:|---:|---:|---:|
EOF
	for c in zramfs-lz4 kernel-lz4 zramfs-zstd kernel-lzo-rle zramfs-zstd-small kernel-lzo-rle-small; do
		label=${c#*-}
		label=${label%-small}
		[[ $label != zstd ]] || label="zstd (level 3)"
		[[ $c != *-small ]] || label="$label, $SWAP_WS MiB device"
		echo "| ${c%%-*} | $label |" \
			"$(fmt_range swap "$c" time %.2f) |" \
			"$(fmt_range swap "$c" mem_peak %.0f "$mib") |" \
			"$(fmt_range swap "$c" orig_peak %.0f "$mib") |" \
			"$(fmt_range swap "$c" eff_at_peak %.2f) |"
	done
	cat <<EOF

![swap workload](bench-swap.png)

zramfs runs the workload in $(calc "$(med swap zramfs-lz4 time) / $(med swap kernel-lz4 time)")x zram's time with the same algorithm
(lz4); zstd takes $(calc "$(med swap zramfs-zstd time) / $(med swap zramfs-lz4 time)")x the time of lz4 in zramfs.  zramfs keeps up far better here
than in the random I/O of section 2, most likely because swapload walks its
memory in order: through loop, a swap-in fault reads ahead (vm.page-cluster
$(cat /proc/sys/vm/page-cluster 2>/dev/null || echo "?"), up to $((1 << $(cat /proc/sys/vm/page-cluster 2>/dev/null || echo 0))) pages) and sends fewer, larger requests, while zram, a
synchronous device, faults every page in on its own; and generating and
checking the pages costs the same CPU time on both.  Per byte, both store
the pages alike (the last column; section 3 has the exact comparison), but
zramfs holds more data: $(calc "$(med swap zramfs-lz4 orig_peak) / 1048576" %.0f) MiB at the peak against zram's $(calc "$(med swap kernel-lz4 orig_peak) / 1048576" %.0f) MiB
with lz4, which is about the whole working set.  zram is a synchronous
device (SWP_SYNCHRONOUS_IO): a page comes back without going through the
swap cache, its slot is freed at once and zram is told
(\`swap_slot_free_notify\`, a block device hook only zram has), so it frees
the memory.  Behind a loop device the kernel reads the page into the swap
cache and, while swap is less than half full (\`vm_swap_full()\`), keeps the
slot with the page, so that the page can be dropped again without being
written; zramfs must keep its copy.  When a slot is finally freed, zramfs
hears of it only when its whole cluster (512 slots) is free and the
kernel discards it.  With the device no larger than the working set, swap
is over half full and the kernel frees slots on swap-in: then zramfs held
$(calc "$(med swap zramfs-zstd-small orig_peak) / 1048576" %.0f) MiB against zram's $(calc "$(med swap kernel-lzo-rle-small orig_peak) / 1048576" %.0f) MiB, and zstd used $(calc "$(med swap kernel-lzo-rle-small mem_peak) / $(med swap zramfs-zstd-small mem_peak)")x less memory than
lzo-rle.  So the memory a zramfs swap device takes depends on how full swap
is, the kernel zram's does not; the compressor and the allocator are not
the cause.

EOF
}

report_fio() {
	local j rj wj
	cat <<EOF
## 2. fio: random 4 KiB I/O

$(fio --version 2>/dev/null), \`--rw=randread|randwrite --bs=4k --ioengine=libaio
--direct=1 --numjobs=2 --iodepth=16|1 --buffer_compress_percentage=50
--refill_buffers --norandommap\`, ${FIO_TIME} s per run, over the whole of a ${FIO_SIZE} MiB
device filled with pagegen pages first (\`datatool fill\`): for zramfs a loop
device set up as the daemon sets up swap (\`losetup --direct-io=on
--sector-size 4096\` on the data file), for the kernel /dev/zram0; lz4 on
both.  The two alternate job by job.  CPU time (user, system, irq and
softirq time of all CPUs) and context switches per I/O come from /proc/stat
over each run.

| job | zramfs IOPS | zram IOPS | ratio | zramfs CPU µs/I/O | zram CPU µs/I/O | zramfs context switches/I/O | zram context switches/I/O |
|---|---:|---:|---:|---:|---:|---:|---:|
EOF
	for j in $FIO_JOBS; do
		echo "| $j | $(fmt_range fio "zramfs-$j" iops %.0f) | $(fmt_range fio "kernel-$j" iops %.0f) |" \
			"$(calc "$(med fio "zramfs-$j" iops) / $(med fio "kernel-$j" iops)")x |" \
			"$(calc "$(med fio "zramfs-$j" cpu_us_per_io)" %.1f) | $(calc "$(med fio "kernel-$j" cpu_us_per_io)" %.1f) |" \
			"$(calc "$(med fio "zramfs-$j" ctx_per_io)" %.2f) | $(calc "$(med fio "kernel-$j" ctx_per_io)" %.3f) |"
	done
	echo
	echo "![fio](bench-fio.png)"
	echo
	if [ "$(pct randread-16 comm_fio)" = nan ]; then
		echo "(perf was not available: no profile.)"
		echo
		return 0
	fi
	rj=randread-16 wj=randwrite-16
	cat <<EOF
### Where the time goes

One more run of each QD16 job on zramfs, ${PERF_TIME} s under \`perf record -a -g\`
(cpu-clock sampling of both CPUs; not one of the measured runs).  Shares of
all samples, in percent; a function's share includes what it calls:

| | randread QD16 | randwrite QD16 |
|---|---:|---:|
| idle | $(pct $rj comm_idle) | $(pct $wj comm_idle) |
| fio (submitting its I/O, in the kernel mostly) | $(pct $rj comm_fio) | $(pct $wj comm_fio) |
| loop workers (kworker): the request into FUSE | $(pct $rj comm_kworker) | $(pct $wj comm_kworker) |
| softirq threads (block completions) | $(pct $rj comm_softirq) | $(pct $wj comm_softirq) |
| zramfsd, all | $(calc "$(pct $rj zd_user) + $(pct $rj zd_kernel)" %.2f) | $(calc "$(pct $wj zd_user) + $(pct $wj zd_kernel)" %.2f) |
| — in user space (engine, libfuse, libc) | $(pct $rj zd_user) | $(pct $wj zd_user) |
| — — of which lz4 | $(pct $rj zd_codec) | $(pct $wj zd_codec) |
| — in the kernel | $(pct $rj zd_kernel) | $(pct $wj zd_kernel) |
| — — reading requests from /dev/fuse | $(pct $rj zd_fuse_read) | $(pct $wj zd_fuse_read) |
| — — writing replies to /dev/fuse (this completes the loop request) | $(pct $rj zd_fuse_write) | $(pct $wj zd_fuse_write) |
| scheduler (\`__schedule\`, all tasks) | $(pct $rj sched) | $(pct $wj sched) |
| other programs (not part of the benchmark) | $(pct $rj comm_other) | $(pct $wj comm_other) |

EOF
	report_fio_analysis
}

report_fio_analysis() {
	local rj=randread-16 busy zu zk fr fw sc ctx cpu_z cpu_k gain_rd gain_all
	busy=$(calc "100 - $(pct $rj comm_idle)" %.1f)
	zu=$(pct $rj zd_user) zk=$(pct $rj zd_kernel)
	fr=$(pct $rj zd_fuse_read) fw=$(pct $rj zd_fuse_write) sc=$(pct $rj sched)
	ctx=$(calc "$(med fio zramfs-randread-16 ctx_per_io)" %.1f)
	cpu_z=$(calc "$(med fio zramfs-randread-16 cpu_us_per_io)" %.1f)
	cpu_k=$(calc "$(med fio kernel-randread-16 cpu_us_per_io)" %.1f)
	# io_uring's gain is bounded by what it removes; upper bounds for a
	# CPU-bound run: the request read path and all scheduling gone, and
	# the reply path too.
	gain_rd=$(calc "$busy / ($busy - $fr - $sc)" %.2f)
	gain_all=$(calc "$busy / ($busy - $fr - $fw - $sc)" %.2f)
	cat <<EOF
The machine is CPU-bound during the run (${busy}% of the samples busy).  A
random read costs ${cpu_z} µs of CPU on zramfs against ${cpu_k} µs on zram, with ${ctx}
context switches per read against almost none: zram decompresses in the
submitting task, while a zramfs read goes fio → loop worker → /dev/fuse →
a zramfsd thread → reply → completion → fio, handing over to another task
at each arrow.  The storage engine is a small part of it: zramfsd spends
${zu}% of all samples in user space (lz4 $(pct $rj zd_codec)%) and ${zk}% in the kernel, of
which ${fr}% reading requests from /dev/fuse and ${fw}% writing replies (that
write also completes the loop request and wakes the submitter).  The
scheduler takes ${sc}% across all tasks, the loop workers $(pct $rj comm_kworker)%, fio's
own submission path $(pct $rj comm_fio)%.  The FUSE round trip, not compression, sets the
IOPS: the engine alone reads pages at GB/s on one thread (section 5).

**What FUSE-over-io_uring would gain.**  This kernel has it
(\`/sys/module/fuse/parameters/enable_uring\`, Linux 6.14 and later), but
libfuse $(pkg-config --modversion fuse3 2>/dev/null || echo "here") predates it (3.18 is the first release with it).
With io_uring a daemon thread commits its reply and fetches the next
request in one \`IORING_OP_URING_CMD\` instead of a writev(2) and a read(2)
per request, and requests are queued per CPU, so a request is served on the
CPU that issued it rather than by a thread woken elsewhere: fewer syscalls
and fewer context switches; the copies stay.  From the profile above: if
the whole request read path (${fr}%) and all scheduling (${sc}%) vanished, a
CPU-bound random read would run at most ${gain_rd}x faster; if the reply path
(${fw}%) vanished too, at most ${gain_all}x.  Both are upper bounds (a reply still
has to be copied and completed); published FUSE-over-io_uring measurements
on small I/O report gains of about 1.4–1.6x, within them.  The loop worker
hop would remain; a ublk device (a userspace block device over io_uring)
in place of loop + FUSE would remove it as well.

**Levers tried, outside this harness** (2026-11-26, randread QD16 as above,
runs alternating, 6 s each; single runs vary by ±15% here): worker threads
1, 2, 3 (the default on 2 CPUs), 4 and 6: no setting stood out of the
noise (110k–140k IOPS each); \`clone_fd\` (a /dev/fuse descriptor per
worker): no change (116k–140k against 122k–139k), as the kernel still
queues every request on the one connection; replying to reads with
libfuse's splice path (\`fuse_reply_data\`, \`FUSE_CAP_SPLICE_WRITE\` and
\`_MOVE\`): no change (median 144k against 143k over 5 pairs), a 4 KiB reply
costing a vmsplice(2) and a splice(2) where writev(2) is one call; adding
\`FUSE_CAP_SPLICE_READ\`: no gain for writes either.  A daemon thread
already makes exactly one read(2) and one writev(2) per request (strace -c
over 2 s of the run: 72,195 writev, 72,196 read, 115 futex), so what is
left is the kernel's part of the round trip.

EOF
}

report_ratio() {
	local c
	cat <<EOF
## 3. Compression ratio and memory efficiency

The same ${RATIO_SIZE} MiB of pagegen pages (seed 3), written with 1 MiB O_DIRECT
writes (\`datatool fill\`) to a fresh device per algorithm: the zramfs data
file, or /dev/zram0.  orig/compr is orig_data_size / compr_data_size (a huge
page counts 4096 bytes, a same-filled page 0); memory efficiency is
orig_data_size / mem_used_total (zramctl's COMP-RATIO), which includes the
allocator's wastage.  One run each: the result is deterministic.  The fill
rate (one writer, through FUSE for zramfs) is for information only.

| device | algorithm | orig/compr | orig/mem_used_total | same-filled pages | huge pages | fill MB/s |
|---|---|---:|---:|---:|---:|---:|
EOF
	awk '$1 == "ratio" && $3 == "orig" { print $2 }' "$RES" | while read -r c; do
		echo "| ${c%%-*} | ${c#*-} |" \
			"$(calc "$(med ratio "$c" orig) / $(med ratio "$c" compr)" %.3f) |" \
			"$(calc "$(med ratio "$c" orig) / $(med ratio "$c" mem)" %.3f) |" \
			"$(med ratio "$c" same) | $(med ratio "$c" huge) | $(med ratio "$c" fill_mbs) |"
	done
	cat <<EOF

![compression](bench-ratio.png)

With the algorithm both have (lz4), zramfs stores the same pages in
$(calc "($(med ratio zramfs-lz4 compr) / $(med ratio kernel-lz4 compr) - 1) * 100" %+.2f)% of zram's compressed bytes and $(calc "($(med ratio zramfs-lz4 mem) / $(med ratio kernel-lz4 mem) - 1) * 100" %+.2f)% of its memory (zsmalloc's).
zstd at its default level 3 needs $(calc "$(med ratio kernel-lzo-rle mem) / $(med ratio zramfs-zstd:3 mem)")x less memory than the kernel's
lzo-rle for these pages; kernel zram here has no zstd
($(tr -d '[]' <"$KZ/comp_algorithm" 2>/dev/null | xargs)).

EOF
}

report_gc() {
	local c ps pa mxa mxs frac cost upper
	ps=$(med punch zramfs-sync time) pa=$(med punch zramfs-async time)
	cat <<EOF
## 4. The GC: punching, and a process exiting while another swaps in

### Punch ${PUNCH_SIZE} MiB of stored pages

A fresh device is filled with ${PUNCH_SIZE} MiB of pagegen pages, then one
\`fallocate(PUNCH_HOLE)\` of the whole range is timed (\`datatool punchtime\`),
gc_mode sync and async alternately; for async also the time until the GC
worker has freed everything.  zram0's \`blkdiscard\` of the same pages is
there for scale (it includes starting blkdiscard).

| | ms |
|---|---:|
| zramfs, gc_mode sync: punch returns | $(fmt_range punch zramfs-sync time %.2f 1000) |
| zramfs, gc_mode async: punch returns | $(fmt_range punch zramfs-async time %.3f 1000) |
| zramfs, gc_mode async: memory freed | $(fmt_range punch zramfs-async drained %.2f 1000) |
| kernel zram, blkdiscard | $(fmt_range punch kernel-lz4 time %.2f 1000) |

async returns $(calc "$ps / $pa" %.0f)x sooner than sync: it only empties the slots and
queues their objects, which the GC worker frees in batches afterwards.

### A exits while B swaps in

Two processes (\`tests/bench/swapin\`) each fill ${MIX_SIZE} MiB of pagegen pages in a
memory cgroup of their own (${MIX_FILL_LIMIT} MiB, then shrunk to 4 MiB so that the
swap cache lets go too) and push them out with MADV_PAGEOUT, onto a fresh
$((8 * MIX_SIZE)) MiB device (lz4; kept under half full, or swap-in would free
slots itself).  Then, at the same moment, A is killed (its exit frees its
${MIX_SIZE} MiB of swap) and B, its cgroup limit lifted, reads one word of every
page, which is timed; B verifies every page afterwards.  Each configuration
ran $((2 * REPS)) times (twice the other experiments' repetitions, every other
round in reverse order), medians.  Configurations:

- **pages-async / pages-sync**: \`discard=pages\`; the kernel's swap discard
  worker sends a discard for each cluster (2 MiB) that A's exit frees;
  loop turns it into \`fallocate(PUNCH_HOLE)\` on the data file, and zramfs
  frees the memory in the GC worker (async) or in the punch (sync).
- **once-async / once-sync**: \`discard=once\`, the control: no discard
  while running, A's pages stay stored, so gc_mode cannot matter.
- **alone-async**: A is not killed: B's swap-in on its own.
- **kernel / kernel-alone**: zram0 with \`swapon --discard\`, for scale.

| configuration | B's swap-in (s) | A's data discarded while B swapped in (MiB) | GC queue peak (pages) | freed inline (pages) |
|---|---:|---:|---:|---:|
EOF
	for c in $MIX_CFGS; do
		if [[ $c == kernel* ]]; then
			echo "| $c | $(fmt_range mixed "$c" swapin %.3f) | – | – | – |"
		else
			echo "| $c | $(fmt_range mixed "$c" swapin %.3f) |" \
				"$(calc "$(med mixed "$c" freed_during) / 256" %.0f) |" \
				"$(calc "$(med mixed "$c" gc_max_pending)" %.0f) | $(calc "$(med mixed "$c" gc_inline)" %.0f) |"
		fi
	done
	mxa=$(med mixed pages-async swapin) mxs=$(med mixed pages-sync swapin)
	frac=$(calc "100 * $(med mixed pages-async freed_during) / $(med mixed pages-async freed_total)" %.0f)
	cost=$(calc "$ps * 1000 * $MIX_SIZE / $PUNCH_SIZE" %.0f)
	upper=$(calc "$cost / 10 / $mxs" %.0f)
	cat <<EOF

![GC](bench-gc.png)

With \`discard=pages\`, B's swap-in took $(calc "$mxs" %.3f) s with gc_mode sync and
$(calc "$mxa" %.3f) s with async: sync/async = $(calc "$mxs / $mxa" %.3f)x (the seed claimed 1.22x for the
kernel patch).  $(mixed_verdict)

The discards did arrive during the swap-in: ${frac}% of A's discarded pages
were discarded before B finished, so the GC work overlapped with it.  But
there is little to win on this path.  Freeing ${MIX_SIZE} MiB of objects inline
costs about ${cost} ms in all (the sync punch above), ${upper}% of B's swap-in,
and it comes in 2 MiB pieces, one discard at a time from the kernel's swap
discard worker, while B's faults wait on FUSE round trips (section 2), not
on the daemon's allocator.  zram's swap-in is faster by the FUSE round
trip: it swaps in synchronously, in the faulting task, without loop or swap
cache.

Why the kernel patch gains and zramfs hardly can: in the kernel, freeing a
slot's memory on exit happens in the exiting task, under zram's slot locks,
in the way of the other task's faults, and making it lazy takes it out of
that path.  In zramfs that is already so by construction: A's exit only
marks its swap slots free, and their memory is freed later through discards
that the kernel batches per cluster and issues from a worker; gc_mode only
decides which daemon thread does the final free.  Where a caller waits for
the freeing, as a punch does, async shows its effect (above).

EOF
}

# paired SLOW FAST: sync/async-style ratios of two mixed configurations
# that ran next to each other in every round: "median min max wins n p",
# wins = rounds where FAST was faster, p = one-sided sign test.
paired() {
	awk -v a="$1" -v b="$2" '
		$1 == "mixed" && $3 == "swapin" { if ($2 == a) x[$4] = $5; if ($2 == b) y[$4] = $5 }
		END {
			n = 0; w = 0
			for (r in x) if (r in y) { q[++n] = x[r] / y[r]; if (x[r] > y[r]) w++ }
			if (n == 0) { print "nan nan nan 0 0 nan"; exit }
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && q[j] < q[j - 1]; j--) { t = q[j]; q[j] = q[j - 1]; q[j - 1] = t }
			med = n % 2 ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2
			p = 0; c = 1
			for (k = 0; k <= n; k++) { if (k >= w) p += c; c = c * (n - k) / (k + 1) }
			printf "%.3f %.3f %.3f %d %d %.3f\n", med, q[1], q[n], w, n, p / 2 ^ n
		}' "$RES"
}

# mixed_verdict: whether async's gain stands out of the noise.  Each round
# ran pages-async next to pages-sync and once-async next to once-sync, so
# the rounds pair them; in the discard=once control the GC has nothing to
# do, so its pairs show what noise alone does.
mixed_verdict() {
	local pm pmin pmax pw pn pp cm cmin cmax
	read -r pm pmin pmax pw pn pp <<<"$(paired pages-sync pages-async)"
	read -r cm cmin cmax _ _ _ <<<"$(paired once-sync once-async)"
	[ "$pn" != 0 ] || return 0
	echo "Paired by round (each round ran the two next to each other), sync/async"
	echo "was ${pm}x (${pmin}–${pmax}x) and async was the faster in $pw of $pn rounds"
	echo "(one-sided sign test p = $pp).  The same pairs in the \`discard=once\`"
	echo "control, where the GC has nothing to do, came out at ${cm}x (${cmin}–${cmax}x)."
	if awk "BEGIN { exit !($pm > 1 && $pp < 0.05) }"; then
		echo "So async is consistently, if slightly, faster."
	elif awk "BEGIN { exit !($pm > 1) }"; then
		echo "So async's edge is no larger than what noise alone does here: this"
		echo "experiment cannot tell it from none."
	else
		echo "async is not faster here."
	fi
}

report_zbench() {
	echo "## 5. Engine microbenchmark"
	echo
	echo "\`zbench\` (tests/bench/zbench.c, also \`make bench-engine\`) drives the storage"
	echo "engine directly, without FUSE, next to a memcpy floor:"
	echo
	if [ -s "$DATA/zbench.md" ]; then
		sed -e 's/^## /### /' -e 's/^### discard/#### discard/' "$DATA/zbench.md"
	else
		echo "(not run)"
	fi
	echo
}

report_reproduce() {
	cat <<EOF
## How to reproduce

As root, on an idle machine with kernel zram (\`modprobe zram\`; /dev/zram0
must be free), fio and gnuplot (\`apt-get install fio gnuplot-nox\`), and perf
for the profile (optional; \`apt-get install linux-perf\`):

    ./configure && make bench

That run took $(( (${DURATION:-0} + 30) / 60 )) min and regenerated this file and docs/bench-*.png.
\`make bench BENCH_FLAGS=--quick\` is a small run of a few minutes;
\`BENCH_FLAGS='--reps 5'\` repeats every measurement five times.  The script
first waits (up to 20 minutes) for the load average to fall below 1, takes
the system tests' swap lock, and at the end turns off and resets everything
it set up, zram0 included.  Raw results and logs stay in the build tree's
\`bench-data/\`; \`tests/bench/bench.sh --report-only\` remakes the report
from them.

EOF
}


# ================================================================================
# Main
# ================================================================================

if [ "$REPORT_ONLY" = 1 ]; then
	[ -s "$RES" ] || refuse "--report-only: no $RES"
	write_report
	exit 0
fi

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
for f in "$ZRAMFSD" "$DATATOOL" "$SWAPLOAD" "$SWAPIN" "$ZBENCH"; do
	[ -x "$f" ] || refuse "$f is not built (make bench builds it)"
done
bcg_detect

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
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$waited" = 0 ] || [ -n "${WAITED_NOTE:-}" ] ||
	WAITED_NOTE="after waiting $waited min for it to fall below 1"

mkdir -p "$DATA"
rm -f "$RES" "$DATA"/*.out "$DATA"/*.samples "$DATA"/mixed-* "$DATA"/perf-*
{
	printf 'LOAD_START=%q\n' "$LOAD_START"
	printf 'WAITED_NOTE=%q\n' "${WAITED_NOTE:-}"
	printf 'QUICK=%q REPS=%q BCG_VER=%q\n' "$QUICK" "$REPS" "$BCG_VER"
} >"$DATA/run.env"

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
log "zramfsd serves $MNT; results in $DATA"

T_START=$SECONDS
for e in ratio swap fio punch mixed zbench; do
	[ -z "$ONLY" ] || [[ ,$ONLY, == *,$e,* ]] || continue
	"exp_$e"
done
kz_release
KZ_OURS=0
printf 'LOAD_END=%q\nDURATION=%q\n' "$(cut -d' ' -f1-3 /proc/loadavg)" \
	$((SECONDS - T_START)) >>"$DATA/run.env"
. "$DATA/run.env"
log "measured in $((SECONDS - T_START)) s"
write_report
