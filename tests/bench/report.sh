#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# report.sh: the markdown report and PNG plots of a bench.sh run, made from
# what the run left in its data directory and nothing else:
#
#	report.sh DATA OUT
#
# DATA holds results.txt, one line per measurement ("EXPERIMENT CONFIG
# METRIC REP VALUE"), and run.env, the run's sizes and circumstances as
# shell assignments; OUT is the report, with the plots next to it as
# bench-*.png (their data and gnuplot scripts go to DATA).  bench.sh runs it
# at the end of a run, and alone for --report-only: it measures nothing and
# needs no privileges.  What it says of the machine (CPU, kernel, versions)
# it reads from the machine it runs on; the date is the run's.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
export LC_ALL=C

[ $# = 2 ] || { echo "usage: report.sh DATA OUT" >&2; exit 2; }
DATA=$1 OUT=$2
DOCDIR=$(dirname "$OUT")
RES=$DATA/results.txt

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# rstat EXP CFG METRIC: "median min max n" over the repetitions ("nan" if none).
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
| date | ${DATE:-?} |
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
	report_restart
	report_randswap
	report_hops
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
inside a memory cgroup limited to $SWAP_LIMIT MiB (cgroup v$CG_VER, swappiness 100),
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

report_restart() {
	local n
	n=$(rstat restart gaps gap_us | cut -d' ' -f4)
	echo "## 6. Restart: the server killed under the swap workload"
	echo
	if [ "${n:-0}" = 0 ]; then
		echo "(not run)"
		echo
		return 0
	fi
	cat <<EOF
The swap workload of section 1 (zramfs, lz4) while the server process is
killed with SIGKILL ${RESTART_FEW} times, 1–3 s apart, next to the same workload
with no kill (alternating, median of $REPS): every page verified in every run.
Then one longer run with $n kills: the gap of each, from the holder seeing
the server die to the first request the new server answered
(\`control/daemon_stat\` last_gap_us).

| run | time (s) |
|---|---|
| no kill | $(fmt_range restart kills-0 time %.1f) |
| ${RESTART_FEW} kills | $(fmt_range restart kills-few time %.1f) |

| gaps of $n kills | median | worst |
|---|---|---|
| ms | $(calc "$(med restart gaps gap_us) / 1000" %.1f) | $(calc "$(rstat restart gaps gap_us | cut -d' ' -f3) / 1000" %.1f) |

EOF
}

# The working sets randswap ran with, smallest first.
randswap_sizes() {
	awk '$1 == "randswap" && $3 == "time" { sub(/^[a-z]+-/, "", $2)
		if (!seen[$2]++) print $2 }' "$RES" | sort -n
}

report_randswap() {
	local ws z k
	echo "## 7. Random swap-in"
	echo
	if [ -z "$(randswap_sizes)" ]; then
		echo "(not run)"
		echo
		return 0
	fi
	cat <<EOF
\`randswap\` (tests/bench/randswap.c) fills a working set of pagegen pages
in a ${RS_LIMIT:-?} MiB memory cgroup, then touches ${RS_TOUCHES:-?} pages picked at
random, verifying each and writing one in four again, as a desktop whose
working set no longer fits touches its swapped pages (issue 13); lz4 on
both, a device twice the working set, vm.page-cluster ${RS_PAGE_CLUSTER:-?}, median of
$REPS.  A fault is a touch of a page that mincore() did not find resident,
timed around that one read: the swap device's read and the reclaim the
new page's charge does.  For zramfs, latency_stat gives the daemon's own
share: its read and write percentiles over the whole run (fill
included), from a request's handler to its reply.

| working set | zramfs (s) | kernel zram (s) | ratio | faults, zramfs / zram | fault p50 (µs), zramfs / zram | fault p99 (µs), zramfs / zram | daemon read p50 / p99 (µs) | daemon write p50 / p99 (µs) |
|---|---|---|---|---|---|---|---|---|
EOF
	for ws in $(randswap_sizes); do
		z=zramfs-$ws k=kernel-$ws
		echo "| $ws MiB | $(fmt_range randswap "$z" time %.2f) | $(fmt_range randswap "$k" time %.2f) | $(calc "$(med randswap "$z" time) / $(med randswap "$k" time)")x | $(med randswap "$z" faults) / $(med randswap "$k" faults) | $(calc "$(med randswap "$z" fault_p50_us)" %.1f) / $(calc "$(med randswap "$k" fault_p50_us)" %.1f) | $(calc "$(med randswap "$z" fault_p99_us)" %.1f) / $(calc "$(med randswap "$k" fault_p99_us)" %.1f) | $(med randswap "$z" srv_read_p50_us) / $(med randswap "$z" srv_read_p99_us) | $(med randswap "$z" srv_write_p50_us) / $(med randswap "$z" srv_write_p99_us) |"
	done
	echo
	echo "The daemon's percentiles are upper bounds from log2 buckets (at most"
	echo "twice the true value); the fault percentiles are exact (nearest rank)."
	echo "docs/random-swapin.md logs the levers tried on this workload."
	echo
}

report_hops() {
	local h what total_s
	echo "## 8. Where a swap-in fault's time goes"
	echo
	if ! grep -q '^hops ' "$RES"; then
		echo "(not run)"
		echo
		return 0
	fi
	cat <<EOF
randswap as in section 7 (the middle working set, ${HOPS_TOUCHES:-?} touches) on
zramfs, traced with perf during its touch phase: the fault, the loop device's
read, the FUSE_READ the loop worker sends and the daemon's reply, the loop
device's completion, and the wake-up and run of the faulting process
(tests/bench/hops.awk pairs them; only faults that waited for their own read
count).  Tracing slows every hop a little: compare hops with each other and
across runs, and take the totals from section 7.  Medians of $REPS runs.

| hop | what it is | p50 (µs) | p90 (µs) | p99 (µs) | share of the time |
|---|---|---|---|---|---|
EOF
	total_s=$(med hops zramfs total_sum_s)
	for h in A B C D E F total; do
		case $h in
		A) what="fault → read issued to the loop device (swap-in path, memcg charge, reclaim)" ;;
		B) what="issued → FUSE_READ queued (loop worker wake-up, submission)" ;;
		C) what="queued → reply (daemon wake-up, read(2), lookup and decompression, writev(2))" ;;
		D) what="reply → loop read completed" ;;
		E) what="completed → faulting process woken" ;;
		F) what="woken → running" ;;
		total) what="fault → running again" ;;
		esac
		echo "| $h | $what | $(calc "$(med hops zramfs "${h}_p50_us")" %.1f) | $(calc "$(med hops zramfs "${h}_p90_us")" %.1f) | $(calc "$(med hops zramfs "${h}_p99_us")" %.1f) | $(calc "100 * $(med hops zramfs "${h}_sum_s") / $total_s" %.0f)% |"
	done
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

[ -s "$DATA/run.env" ] && [ -f "$RES" ] ||
	{ echo "report.sh: no run in $DATA (run.env, results.txt)" >&2; exit 1; }
# shellcheck source=/dev/null
. "$DATA/run.env"

write_report
