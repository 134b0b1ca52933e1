#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cli.sh: zramfsctl against a running zramfsd.  --find with --size and the
# other settings, and what the tree then holds; the status table for known
# data (golden text, normalised with --raw --bytes, deterministic columns
# only); every column checked against the attribute it comes from (JSON);
# -o, +LIST, --output-all, -n, --raw, -J; the changes to an existing device;
# --swapon and --swapoff (only the swap this test made); --reset; and every
# error path with its exit status and exact message.  cli-offline.sh covers
# what needs no daemon.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_cmd python3 dd head
require_built "$ZRAMFSCTL"
timebox 300
start_daemon
unset ZRAMFS_MOUNTPOINT

zc() { "$ZRAMFSCTL" -m "$MNT" "$@"; }

# zc_ok WHAT WANT ARG...: zramfsctl ARG... exits 0, prints WANT on stdout
# and nothing on stderr.
zc_ok() {
	local what=$1 want=$2 out rc=0
	shift 2
	out=$(zc "$@" 2>"$WORK/stderr") || rc=$?
	[ "$rc" = 0 ] || fail "zramfsctl $*: exit status $rc: $(cat "$WORK/stderr")"
	[ ! -s "$WORK/stderr" ] ||
		fail "zramfsctl $*: stderr: $(cat "$WORK/stderr")"
	expect_eq "$what" "$out" "$want"
}

# zc_fails MESSAGE ARG...: zramfsctl ARG... exits 1 with exactly MESSAGE on
# stderr.  Its stdout is left in OUT.
zc_fails() {
	local want=$1 rc=0
	shift
	OUT=$(zc "$@" 2>"$WORK/stderr") || rc=$?
	[ "$rc" = 1 ] ||
		fail "zramfsctl $*: exit status $rc, expected 1 (stdout '$OUT')"
	expect_eq "zramfsctl $*: stderr" "$(cat "$WORK/stderr")" "$want"
}

# devices: the device directories under the mount, on one line.
devices() { (cd "$MNT" && shopt -s nullglob && echo zramfs*); }

# The columns --help lists, in order (as cli-offline.sh reads them).
help_columns() {
	"$ZRAMFSCTL" --help | awk '/^Available output columns:/ { on = 1; next }
		on && /^$/ { exit }
		on && substr($0, 1, 15) ~ /^ *[A-Z][A-Z-]*$/ { print $1 }'
}

# check_json DEVICE: every column of zramfsctl -J -b --output-all DEVICE
# against the attribute it comes from, read right after.
cat >"$WORK/check.py" <<'EOF'
import json, os, sys

mnt, dev, help_columns = sys.argv[1], sys.argv[2], sys.argv[3].split()
doc = json.load(sys.stdin)
assert list(doc) == ["zramfsdevices"], doc
rows = doc["zramfsdevices"]
assert len(rows) == 1, rows
row = rows[0]
assert list(row) == [c.lower() for c in help_columns], \
    "keys %s, --help lists %s" % (list(row), help_columns)

def attr(name):
    with open(os.path.join(mnt, dev, name)) as f:
        return f.read().strip()

def fields(name, names):
    return dict(zip(names, map(int, attr(name).split())))

def params_in_effect(algo):
    # "algo=NAME PARAMS" -> PARAMS while NAME is the algorithm; a daemon
    # whose algorithm_params is write-only (EACCES) shows none.
    try:
        line = attr("algorithm_params")
    except PermissionError:
        return None
    if not line:
        return None
    name, _, params = line.partition(" ")
    assert name.startswith("algo="), line
    return params.strip() if name[5:] == algo and params.strip() else None

mm = fields("mm_stat", "orig_data_size compr_data_size mem_used_total "
            "mem_limit mem_used_max same_pages pages_compacted huge_pages "
            "huge_pages_since".split())
io = fields("io_stat", "failed_reads failed_writes invalid_io "
            "notify_free".split())
gc = fields("gc_stat", "pending queued_total freed_total max_pending "
            "freed_inline".split())
lat = {l.split()[0]: [int(x) for x in l.split()[1:]]
       for l in attr("latency_stat").splitlines()}
algo = attr("comp_algorithm")
algo = algo[algo.index("[") + 1:algo.index("]")]
swap = attr("swap")
swap_words = swap.split()
swap_kv = dict(w.split("=", 1) for w in swap_words[1:])
on = swap != "none"
ratio = (round(mm["orig_data_size"] / mm["mem_used_total"], 4)
         if mm["mem_used_total"] else None)

want = {
    "name": dev,
    "disksize": int(attr("disksize")),
    "data": mm["orig_data_size"],
    "compr": mm["compr_data_size"],
    "algorithm": algo,
    "streams": None,  # as zramctl on Linux 6.15+: no max_comp_streams
    "zero-pages": mm["same_pages"],
    "total": mm["mem_used_total"],
    "mem-limit": mm["mem_limit"],
    "mem-used": mm["mem_used_max"],
    "migrated": mm["pages_compacted"],
    "comp-ratio": ratio,
    "mountpoint": "[SWAP]" if on else None,
    "algorithm-params": params_in_effect(algo),
    "huge-pages": mm["huge_pages"],
    "huge-since": mm["huge_pages_since"],
    "gc-mode": attr("gc_mode"),
    "gc-pending": gc["pending"],
    "gc-queued": gc["queued_total"],
    "gc-freed": gc["freed_total"],
    "gc-max-pending": gc["max_pending"],
    "gc-inline": gc["freed_inline"],
    "failed-reads": io["failed_reads"],
    "failed-writes": io["failed_writes"],
    "invalid-io": io["invalid_io"],
    "notify-free": io["notify_free"],
    "loop": swap_words[0] if on else None,
    "priority": int(swap_kv["priority"]) if on else None,
    "discard": swap_kv["discard"] if on else None,
    "read-p50": lat["read"][1],
    "read-p99": lat["read"][2],
    "write-p50": lat["write"][1],
    "write-p99": lat["write"][2],
}
assert set(want) == set(row), sorted(set(want) ^ set(row))
for key, value in want.items():
    got = row[key]
    if isinstance(value, int):
        assert type(got) is int, "%s: %r is not a JSON integer" % (key, got)
    assert got == value, "%s: zramfsctl says %r, the tree %r" % (key, got, value)
print("checked %d columns of %s" % (len(want), dev))
EOF
check_json() {
	local json
	json=$(zc -J -b --output-all "$1") || fail "zramfsctl -J -b --output-all $1"
	python3 "$WORK/check.py" "$MNT" "$1" "$(help_columns)" <<<"$json" ||
		fail "$1: JSON does not match the tree: $json"
	ok "$1: every column of -J -b --output-all matches the tree"
}

# ---- no devices ----------------------------------------------------------------

zc_ok "status with no device" "" 
zc_ok "status with no device, --raw" "" --raw
python3 -c 'import json, sys; d = json.load(sys.stdin); assert d == {"zramfsdevices": []}, d' \
	<<<"$(zc -J)" || fail "-J with no device"
ok "-J with no device: an empty array"

# ---- --find sets up new devices ----------------------------------------------------

zc_ok "--find --size 64M --algorithm lz4" zramfs0 --find --size 64M --algorithm lz4
expect_eq "zramfs0 disksize" "$(attr 0 disksize)" 67108864
expect_match "zramfs0 comp_algorithm" "$(attr 0 comp_algorithm)" '\[lz4\]'
expect_eq "zramfs0 initstate" "$(attr 0 initstate)" 1

zc_ok "-f with every setting" zramfs1 -f -s 16M -a zstd -p level=5 -t 2 \
	--mem-limit 8M --gc-mode sync
expect_eq "zramfs1 disksize" "$(attr 1 disksize)" 16777216
expect_match "zramfs1 comp_algorithm" "$(attr 1 comp_algorithm)" '\[zstd\]'
expect_eq "zramfs1 mem_limit" "$(attr 1 mem_limit)" 8388608
expect_eq "zramfs1 gc_mode" "$(attr 1 gc_mode)" sync

# --find alone: a new device, not set up (but settings apply).
zc_ok "-f --gc-mode sync (no size)" zramfs2 -f --gc-mode sync
expect_eq "zramfs2 initstate" "$(attr 2 initstate)" 0
expect_eq "zramfs2 gc_mode" "$(attr 2 gc_mode)" sync

# ---- known data, golden output ----------------------------------------------------

# zramfs0: 4 MiB of zeros (1024 same-filled pages, no memory), 1 MiB of
# random bytes at 8 MiB (256 incompressible pages, stored raw: 4096 bytes
# each).
dd if=/dev/zero of="$MNT/zramfs0/data" bs=1M count=4 conv=notrunc status=none
head -c 1M /dev/urandom >"$WORK/random"
dd if="$WORK/random" of="$MNT/zramfs0/data" bs=1M seek=8 conv=notrunc status=none

# The deterministic columns (TOTAL and MEM-USED depend on the allocator).
cols=NAME,DISKSIZE,DATA,COMPR,ALGORITHM,ZERO-PAGES,HUGE-PAGES,HUGE-SINCE
cols=$cols,MEM-LIMIT,MIGRATED,GC-MODE,MOUNTPOINT,LOOP,PRIORITY,DISCARD
cols=$cols,FAILED-READS,FAILED-WRITES,INVALID-IO,NOTIFY-FREE
# (empty cells: MOUNTPOINT LOOP PRIORITY DISCARD)
golden=$(
	cat <<'EOF'
NAME DISKSIZE DATA COMPR ALGORITHM ZERO-PAGES HUGE-PAGES HUGE-SINCE MEM-LIMIT MIGRATED GC-MODE MOUNTPOINT LOOP PRIORITY DISCARD FAILED-READS FAILED-WRITES INVALID-IO NOTIFY-FREE
zramfs0 67108864 5242880 1048576 lz4 1024 256 256 0 0 async     0 0 0 0
zramfs1 16777216 0 0 zstd 0 0 0 8388608 0 sync     0 0 0 0
EOF
)
zc_ok "golden --raw --bytes -o $cols" "$golden" --raw --bytes -o "$cols"
zc_ok "golden --raw -n (human sizes; MIGRATED too, as zramctl)" \
	"$(printf '%s\n' 'zramfs0 64M 5M 1M 0B 0B lz4' 'zramfs1 16M 0B 0B 8M 0B zstd')" \
	--raw -n -o NAME,DISKSIZE,DATA,COMPR,MEM-LIMIT,MIGRATED,ALGORITHM
zc_ok "uninitialised zramfs2 not listed" "$(printf 'zramfs0\nzramfs1')" \
	--raw -n -o NAME
zc_ok "zramfs2 shown when named" "zramfs2 0B 0B" --raw -n -o NAME,DISKSIZE,DATA zramfs2
zc_ok "devices shown in the order named" "$(printf 'zramfs1\nzramfs0')" \
	--raw -n -o NAME zramfs1 zramfs0

# The default columns, zramctl's.
expect_eq "default header" "$(zc | head -n 1 | tr -s ' ' | sed 's/ $//')" \
	"NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT"
total0=$(mm_field 0 mem_used_total)
zc_ok "default columns, --raw --bytes (STREAMS empty)" \
	"$(printf 'NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT\nzramfs0 lz4 67108864 5242880 1048576 %s  ' "$total0")" \
	--raw --bytes zramfs0
zc_ok "default columns, -n" \
	"$(zc zramfs0 | tail -n 1)" -n zramfs0

# COMP-RATIO = DATA/TOTAL with four decimals; empty while TOTAL is 0.
ratio=$(awk '{ printf "%.4f", $1 / $3 }' "$MNT/zramfs0/mm_stat")
zc_ok "zramfs0 COMP-RATIO" "$ratio" --raw -n -o COMP-RATIO zramfs0
zc_ok "zramfs1 COMP-RATIO (TOTAL 0)" "zramfs1 " --raw -n -o NAME,COMP-RATIO zramfs1

# Every column against the tree.
check_json zramfs0
check_json zramfs1
check_json zramfs2

# ALGORITHM-PARAMS: zramfs1's level=5 where the daemon shows
# algorithm_params; empty, and no error, where it is write-only (EACCES),
# as the kernel's is.
if params=$(cat "$MNT/zramfs1/algorithm_params" 2>/dev/null); then
	expect_eq "zramfs1 algorithm_params" "$params" "algo=zstd level=5"
	zc_ok "ALGORITHM-PARAMS" "zramfs1 level=5" --raw -n -o NAME,ALGORITHM-PARAMS zramfs1
else
	zc_ok "ALGORITHM-PARAMS (write-only)" "zramfs1 " --raw -n -o NAME,ALGORITHM-PARAMS zramfs1
fi

# JSON without --bytes: sizes are strings, counts stay numbers.
python3 - "$(zc -J -o NAME,DISKSIZE,DATA,ZERO-PAGES,COMP-RATIO,MOUNTPOINT,STREAMS zramfs0)" <<'EOF' ||
import json, sys
row = json.loads(sys.argv[1])["zramfsdevices"][0]
want = {"name": "zramfs0", "disksize": "64M", "data": "5M", "zero-pages": 1024,
        "mountpoint": None}
for k, v in want.items():
    assert row[k] == v, (k, row[k], v)
assert type(row["comp-ratio"]) is float, row
assert row["streams"] is None, row
EOF
	fail "-J without --bytes"
ok "-J: human sizes as strings, counts as numbers, empty cells null"

# ---- -o, +LIST, --output-all, -n ------------------------------------------------------

expect_eq "-o +ZERO-PAGES,comp-ratio header" \
	"$(zc --raw -o +ZERO-PAGES,comp-ratio | head -n 1)" \
	"NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT ZERO-PAGES COMP-RATIO"
expect_eq "-o name,huge-pages header" "$(zc --raw -o name,huge-pages | head -n 1)" \
	"NAME HUGE-PAGES"
expect_eq "--output-all header = the columns --help lists" \
	"$(zc --raw --output-all | head -n 1)" "$(help_columns | xargs)"
expect_eq "--output-all -o +NAME header" \
	"$(zc --raw --output-all -o +NAME | head -n 1)" "$(help_columns | xargs) NAME"
expect_eq "-n: lines" "$(zc -n | wc -l)" 2
expect_eq "-n --output-all: lines" "$(zc -n --output-all | wc -l)" 2

# ---- DEVICE forms; the mountpoint from the environment -------------------------------

zc_ok "DEVICE as a path" zramfs1 --raw -n -o NAME "$MNT/zramfs1"
zc_ok "DEVICE as a path with a slash" zramfs1 --raw -n -o NAME "$MNT/zramfs1/"
out=$(ZRAMFS_MOUNTPOINT=$MNT "$ZRAMFSCTL" --raw -n -o NAME) ||
	fail "ZRAMFS_MOUNTPOINT=$MNT zramfsctl"
expect_eq "\$ZRAMFS_MOUNTPOINT" "$out" "$(printf 'zramfs0\nzramfs1')"

# ---- changing a device -----------------------------------------------------------------

zc_ok "--mem-limit 1M zramfs0" "" --mem-limit 1M zramfs0
expect_eq "zramfs0 mem_limit" "$(attr 0 mem_limit)" 1048576
zc_ok "MEM-LIMIT column" "1M" --raw -n -o MEM-LIMIT zramfs0
zc_ok "--mem-limit 0 --gc-mode sync --compact zramfs0" "" \
	--mem-limit 0 --gc-mode sync --compact zramfs0
expect_eq "zramfs0 mem_limit" "$(attr 0 mem_limit)" 0
expect_eq "zramfs0 gc_mode" "$(attr 0 gc_mode)" sync
zc_ok "--gc-mode async on two devices" "" --gc-mode async zramfs0 zramfs1
expect_eq "zramfs1 gc_mode" "$(attr 1 gc_mode)" async
expect_eq "zramfs0 data kept" "$(mm_field 0 orig_data_size)" 5242880

# ---- errors ------------------------------------------------------------------------------

zc_fails "zramfsctl: zramfs9: no such device" zramfs9
zc_fails "zramfsctl: zramfs9: no such device" --raw -n -o NAME zramfs9 zramfs0
expect_eq "status of zramfs9 zramfs0: zramfs0 still shown" "$OUT" zramfs0
zc_fails "zramfsctl: foo: not a zramfs device (expected zramfsN)" foo
zc_fails "zramfsctl: zramfs: not a zramfs device (expected zramfsN)" zramfs
zc_fails "zramfsctl: zramfs00: not a zramfs device (expected zramfsN)" zramfs00
zc_fails "zramfsctl: /tmp/zramfs0: not under the mountpoint $MNT" /tmp/zramfs0
zc_fails "zramfsctl: zramfs9: no such device" --swapoff zramfs9
zc_fails "zramfsctl: zramfs9: no such device" -s 1G zramfs9
zc_fails "zramfsctl: failed to parse size: '1X'" -s 1X zramfs1
expect_eq "zramfs1 disksize after a bad -s" "$(attr 1 disksize)" 16777216
zc_fails "zramfsctl: options --find and --reset are mutually exclusive" -f -r
zc_fails "zramfsctl: $WORK/nowhere: zramfsd is not running there (no control/hot_add)" \
	-m "$WORK/nowhere"

# A device --find added and could not set up is removed again, and the
# message says so.
before=$(devices)
available=$(attr 0 comp_algorithm | tr -d '[]')
zc_fails "zramfsctl: zramfs3: unsupported algorithm 'bogus' (available: $available); device removed" \
	-f -s 1M -a bogus
zc_fails "zramfsctl: zramfs3: failed to set algorithm parameters 'level=99': Invalid argument; device removed" \
	-f -s 1M -a zstd -p level=99
zc_fails "zramfsctl: zramfs3: failed to set disksize (18691697672192 bytes): Invalid argument; device removed" \
	-f -s 17T
# Values with a fixed rule are refused before --find adds anything.
zc_fails "zramfsctl: unsupported GC mode: 'bogus' (async or sync)" -f --gc-mode bogus
expect_eq "devices after failed --find (nothing left behind)" "$(devices)" "$before"

# A device -s reset and could not set up: the message says it is reset.
zc_fails "zramfsctl: zramfs2: failed to set disksize (18691697672192 bytes): Invalid argument; the device is left reset, without a disksize" \
	-s 17T zramfs2
# What can be checked first is, before the reset: zramfs1 keeps its data.
zc_fails "zramfsctl: zramfs1: unsupported algorithm 'bogus' (available: $available)" \
	-s 1G -a bogus zramfs1
expect_eq "zramfs1 disksize after -s with a bad algorithm" "$(attr 1 disksize)" 16777216
zc_fails "zramfsctl: invalid size: '0' (0 bytes)" -s 0 zramfs2
zc_fails "zramfsctl: unsupported GC mode: 'bogus' (async or sync)" \
	--gc-mode bogus zramfs0
expect_eq "zramfs0 gc_mode after a bad one" "$(attr 0 gc_mode)" async
zc_fails "zramfsctl: zramfs2: failed to compact: device is not set up (no disksize)" \
	--compact zramfs2
zc_fails "zramfsctl: zramfs2: failed to turn on swap: device is not set up (no disksize; use --size)" \
	--swapon zramfs2
zc_fails "zramfsctl: zramfs0: failed to turn off swap: not active swap" --swapoff zramfs0

# A device whose data file is open cannot be reset (nor set up again).
exec 3<"$MNT/zramfs1/data"
zc_fails "zramfsctl: zramfs1: failed to reset: Device or resource busy (its data file is open)" \
	-r zramfs1
zc_fails "zramfsctl: zramfs1: failed to reset: Device or resource busy (its data file is open)" \
	-s 32M zramfs1
exec 3<&-
expect_eq "zramfs1 after the refused resets: initstate" "$(attr 1 initstate)" 1
expect_eq "zramfs1 after the refused resets: disksize" "$(attr 1 disksize)" 16777216

# Write errors on stdout make the program fail.
if [ -w /dev/full ]; then
	rc=0
	zc >/dev/full 2>"$WORK/stderr" || rc=$?
	expect_eq "zramfsctl >/dev/full: exit status" "$rc" 1
	expect_eq "zramfsctl >/dev/full: stderr" "$(cat "$WORK/stderr")" \
		"zramfsctl: write error: No space left on device"
fi

# ---- -s on an existing device: reset, then set up ------------------------------------------

zc_ok "-s 32M -a zstd zramfs0" "" -s 32M -a zstd zramfs0
zc_ok "zramfs0 after -s" "zramfs0 33554432 0 zstd 0 async" --raw -n -b \
	-o NAME,DISKSIZE,DATA,ALGORITHM,MEM-LIMIT,GC-MODE zramfs0

# ---- swap ----------------------------------------------------------------------------------------

out=$(zc --find --size 32M --algorithm lz4 --swapon --priority 7 --discard=once) ||
	fail "--find --swapon"
expect_match "--find --swapon output" "$out" '^zramfs[0-9]+$'
d=$(tail -n 1 <<<"$out")
n=${d#zramfs}
swap=$(attr "$n" swap)
expect_match "$d swap" "$swap" '^/dev/loop[0-9]+ priority=7 discard=once$'
loop=${swap%% *}
_in_proc_swaps "$loop" || fail "$loop is not in /proc/swaps"
expect_eq "$loop priority in /proc/swaps" \
	"$(awk -v l="$loop" '$1 == l { print $5 }' /proc/swaps)" 7
zc_ok "$d swap columns" "$d [SWAP] $loop 7 once" --raw -n \
	-o NAME,MOUNTPOINT,LOOP,PRIORITY,DISCARD "$d"
wait_gc_drained "$n" # swapon's discard must not move GC-* under check_json
check_json "$d"
expect_match "default table shows [SWAP]" "$(zc --raw | grep "^$d ")" ' \[SWAP\]$'

zc_fails "zramfsctl: $d: failed to reset: device is active swap on $loop; turn it off first (--swapoff)" \
	-r "$d"
zc_fails "zramfsctl: $d: failed to reset: device is active swap on $loop; turn it off first (--swapoff)" \
	-s 64M "$d"
zc_fails "zramfsctl: $d: failed to turn on swap: already active swap on $loop" --swapon "$d"
expect_eq "$d swap after the refused requests" "$(attr "$n" swap)" "$swap"

zc_ok "--swapoff $d" "" --swapoff "$d"
expect_eq "$d swap after --swapoff" "$(attr "$n" swap)" none
! _in_proc_swaps "$loop" || fail "$loop still in /proc/swaps after --swapoff"
[ ! -e "/sys/block/${loop#/dev/}/loop/backing_file" ] ||
	fail "$loop still attached to $(cat "/sys/block/${loop#/dev/}/loop/backing_file")"
[ -z "$(_our_loops)" ] || fail "loop devices left on $MNT: $(_our_loops)"
ok "$loop: no longer swap, detached"
zc_ok "$d swap columns after --swapoff" "$d    " --raw -n \
	-o NAME,MOUNTPOINT,LOOP,PRIORITY,DISCARD "$d"

# --swapon on an existing device: the daemon's default discard policy.
zc_ok "--swapon $d" "" --swapon "$d"
swap=$(attr "$n" swap)
expect_match "$d swap after a bare --swapon" "$swap" '^/dev/loop[0-9]+ priority=-?[0-9]+ discard=both$'
loop=${swap%% *}
_in_proc_swaps "$loop" || fail "$loop is not in /proc/swaps"
zc_ok "--swapoff $d" "" --swapoff "$d"
! _in_proc_swaps "$loop" || fail "$loop still in /proc/swaps after --swapoff"
# Priority -1 lets the kernel choose (-1, -2, ... whatever other swap holds).
zc_ok "--swapon --discard --priority -1 $d" "" --swapon --discard --priority -1 "$d"
expect_match "$d swap" "$(attr "$n" swap)" '^/dev/loop[0-9]+ priority=-[0-9]+ discard=both$'
zc_ok "--swapoff $d" "" --swapoff "$d"
[ -z "$(_our_loops)" ] || fail "loop devices left on $MNT: $(_our_loops)"
ok "no loop device left"
# "--discard once" without '=' (issue 16: it turned swap on with discard=both
# and then failed on 'once'); priority 0 as written.
zc_ok "--swapon --discard once --priority 0 $d" "" \
	--swapon --discard once --priority 0 "$d"
swap=$(attr "$n" swap)
expect_match "$d swap" "$swap" '^/dev/loop[0-9]+ priority=0 discard=once$'
loop=${swap%% *}

# ---- --reset: reset and remove, one failure does not stop the others ---------------------

# --swapoff --reset, the teardown: swap off where it is on, then reset and
# remove; zramfs9 does not exist, and the others are still taken down.
zc_fails "zramfsctl: zramfs9: no such device" --swapoff --reset "$d" zramfs9 zramfs2
[ ! -e "$MNT/$d" ] || fail "$d still exists after --swapoff --reset"
! _in_proc_swaps "$loop" || fail "$loop still in /proc/swaps after --swapoff --reset"
[ -z "$(_our_loops)" ] || fail "loop devices left on $MNT: $(_our_loops)"
expect_eq "devices after --swapoff --reset $d zramfs9 zramfs2" "$(devices)" "zramfs0 zramfs1"
zc_ok "-r zramfs0 zramfs1" "" -r zramfs0 "$MNT/zramfs1"
expect_eq "devices after -r of all" "$(devices)" ""
zc_ok "status after -r of all" ""

# ---- who may use it, and a daemon that died ------------------------------------------------

if command -v setpriv >/dev/null 2>&1; then
	rc=0
	err=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$ZRAMFSCTL" -m "$MNT" 2>&1 >/dev/null) || rc=$?
	expect_eq "zramfsctl as nobody: exit status" "$rc" 1
	expect_eq "zramfsctl as nobody: stderr" "$err" \
		"zramfsctl: $MNT: Permission denied (only root may use zramfs)"
fi

# No swap is left (checked above), so the daemon may die: its mount stays,
# and the cleanup unmounts it.
daemon_kill KILL 30 || fail "zramfsd survived SIGKILL"
_is_mounted "$MNT" || fail "$MNT: not mounted after SIGKILL (expected a stale mount)"
dead="zramfsctl: $MNT: zramfsd is not running there: it died and left its mount"
dead="$dead (Transport endpoint is not connected); unmount it (umount $MNT) and"
dead="$dead start zramfsd again"
zc_fails "$dead"
zc_fails "$dead" -f -s 1M
