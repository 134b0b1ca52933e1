#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# data.sh: the data file as programs and loop use it.  datatool fuzz runs
# random reads, writes, punches and zero-ranges at odd offsets, buffered
# and O_DIRECT, against a reference, for each compressor and GC mode;
# datatool punchrace writes, punches and rewrites pages at once and checks
# the rewrite survives the GC.  Then the edges: access past disksize fails
# cleanly, and mem_limit turns writes into ENOSPC; a write that reaches
# mem_limit part way returns the short count of the pages it stored, as a
# file does, except with O_DIRECT (the loop device's way), where it fails.
#
# The seed is random unless ZRAMFS_SEED is set; it is printed, so a failure
# can be replayed with ZRAMFS_SEED=<seed>.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_cmd dd cmp
require_built "$DATATOOL"
timebox 300
seed=${ZRAMFS_SEED:-$(( $(date +%s) % 100000 ))}
note "seed $seed (set ZRAMFS_SEED=$seed to replay)"
start_daemon

for algo in lz4 zstd; do
	for mode in async sync; do
		d=$(new_dev 16M "$algo")
		wattr "$d" gc_mode "$mode"
		note "zramfs$d: $algo, gc_mode $mode"
		"$DATATOOL" fuzz "$(dev_dir "$d")/data" "$seed" 20000 ||
			fail "datatool fuzz on zramfs$d ($algo, $mode), seed $seed"
		"$DATATOOL" punchrace "$(dev_dir "$d")/data" "$seed" 4000 \
			"$(dev_dir "$d")/gc_stat" ||
			fail "datatool punchrace on zramfs$d ($algo, $mode), seed $seed"
		ok "zramfs$d ($algo, $mode): fuzz and punchrace, seed $seed"
		expect_eq "zramfs$d: gc_stat pending" "$(gc_field "$d" pending)" 0
		expect_eq "zramfs$d: io_stat failed_reads failed_writes" \
			"$(attr "$d" io_stat | awk '{ print $1, $2 }')" "0 0"
		wattr "$d" reset 1 || fail "zramfs$d: reset"
		wctl hot_remove "$d" || fail "hot_remove $d"
	done
done

# ---- past the end -----------------------------------------------------------

d=$(new_dev 1M lz4)
data=$(dev_dir "$d")/data
expect_fail "ENOSPC|EIO|EFBIG|EINVAL" \
	dd if=/dev/zero of="$data" bs=4096 seek=256 count=1 conv=notrunc status=none
expect_fail "ENOSPC|EIO|EFBIG|EINVAL" \
	dd if=/dev/zero of="$data" bs=4096 seek=256 count=1 conv=notrunc oflag=direct status=none
expect_eq "bytes read past the end" \
	"$(dd if="$data" bs=4096 skip=256 count=1 status=none | wc -c)" 0
expect_eq "data size after writes past the end" "$(stat -c %s "$data")" 1048576
expect_eq "zramfs$d: initstate (the daemon still answers)" "$(attr "$d" initstate)" 1
"$DATATOOL" fill "$data" "$seed" 1M
"$DATATOOL" verify "$data" "$seed" 1M

# ---- mem_limit --------------------------------------------------------------

d=$(new_dev 64M lz4)
data=$(dev_dir "$d")/data
wattr "$d" mem_limit 1M || fail "zramfs$d: mem_limit 1M"
expect_fail ENOSPC dd if=/dev/urandom of="$data" bs=1M count=8 conv=notrunc \
	oflag=direct status=none
used=$(mm_field "$d" mem_used_total)
[ "$used" -le 1048576 ] || fail "zramfs$d: mem_used_total $used over mem_limit 1M"
ok "zramfs$d: mem_used_total $used within mem_limit"
failed=$(attr "$d" io_stat | awk '{ print $2 }')
[ "$failed" -gt 0 ] || fail "zramfs$d: io_stat failed_writes $failed after ENOSPC"
ok "zramfs$d: io_stat counts the failed writes ($failed)"
# Zero pages need no memory, so they still go in; and raising the limit
# makes room again.
dd if=/dev/zero of="$data" bs=1M count=8 seek=16 conv=notrunc oflag=direct status=none ||
	fail "zramfs$d: writing zero pages over mem_limit"
ok "zramfs$d: zero pages are stored past mem_limit"
wattr "$d" mem_limit 0
"$DATATOOL" fill "$data" "$seed" 8M
"$DATATOOL" verify "$data" "$seed" 8M
cmp -n 8388608 -i 16777216:0 "$data" /dev/zero || fail "zramfs$d: the zero pages"
ok "zramfs$d: data after mem_limit 0"

# ---- a write that reaches mem_limit part way ---------------------------------

# short_write DEV [direct]: one 1 MiB write of pagegen pages at offset 0
# against a mem_limit of 256K; prints datatool's "pwrite OK N" or "pwrite
# ERR ENAME".
short_write() {
	wattr "$1" mem_limit 256K || fail "zramfs$1: mem_limit 256K"
	"$DATATOOL" pwrite "$(dev_dir "$1")/data" "$seed" 0 1M ${2:-}
}
d=$(new_dev 64M lz4)
data=$(dev_dir "$d")/data
out=$(short_write "$d")
[[ $out =~ ^pwrite\ OK\ ([0-9]+)$ ]] ||
	fail "zramfs$d: a 1 MiB write at mem_limit: '$out', not a count"
n=${BASH_REMATCH[1]}
[ "$n" -gt 0 ] && [ "$n" -lt 1048576 ] && [ $((n % 4096)) = 0 ] ||
	fail "zramfs$d: a 1 MiB write at mem_limit returned $n"
ok "zramfs$d: a 1 MiB write at mem_limit returns the short count $n"
"$DATATOOL" verify "$data" "$seed" "$n" ||
	fail "zramfs$d: the $n bytes the short write reported"
cmp -n $((1048576 - n)) -i "$n:0" "$data" /dev/zero ||
	fail "zramfs$d: the pages after the short count are not as before (zeros)"
ok "zramfs$d: the pages it reports are stored, the rest as before"
expect_eq "zramfs$d: io_stat failed_writes after a short write" \
	"$(attr "$d" io_stat | awk '{ print $2 }')" 0
d=$(new_dev 64M lz4)
expect_eq "zramfs$d: a 1 MiB O_DIRECT write at mem_limit" \
	"$(short_write "$d" direct)" "pwrite ERR ENOSPC"
expect_eq "zramfs$d: io_stat failed_writes after it" \
	"$(attr "$d" io_stat | awk '{ print $2 }')" 1
[ "$(mm_field "$d" orig_data_size)" -gt 0 ] ||
	fail "zramfs$d: the pages before the failure are not stored"
ok "zramfs$d: the pages before the failure stay stored"
