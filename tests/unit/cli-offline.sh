#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cli-offline.sh: what zramfsctl does without a daemon, as any user: --help
# documents every option and every column, -V, bad options and conflicting
# options fail with exit status 1 and say why, values are checked before
# anything is touched, a mountpoint without zramfsd is reported as such, and
# a write error on stdout makes the program fail.  A tree of plain files in
# place of zramfsd's shows what zramfsctl writes (sizes as util-linux reads
# them, --discard POLICY, --swapoff with --reset) and that it writes nothing
# when an argument is wrong, and how it prints what it reads (STREAMS,
# MIGRATED, ALGORITHM-PARAMS as zramctl would).  (tests/system/cli.sh checks
# that the columns --help lists are exactly those --output-all shows.)
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
# tests/system/lib.sh gives the reporting and the cleanup.
. "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"
unset ZRAMFS_MOUNTPOINT

require_built "$ZRAMFSCTL"
make_workdir
NOWHERE=$WORK/nowhere # does not exist
EMPTY=$WORK/empty     # exists, but nothing serves it
mkdir "$EMPTY"

# run ARG...: runs zramfsctl; sets OUT, ERR and RC.
run() {
	RC=0
	"$ZRAMFSCTL" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
}

# expect_error MESSAGE ARG...: zramfsctl ARG... exits 1, prints nothing on
# stdout and exactly MESSAGE on stderr.
expect_error() {
	local want=$1
	shift
	run "$@"
	[ "$RC" = 1 ] || fail "zramfsctl $*: exit status $RC, expected 1 (stderr: $ERR)"
	[ -z "$OUT" ] || fail "zramfsctl $*: printed '$OUT' on stdout"
	[ "$ERR" = "$want" ] ||
		fail "zramfsctl $*: stderr is '$ERR', expected '$want'"
	ok "zramfsctl $* -> $want"
}

# ---- --help and -V -----------------------------------------------------------

run --help
[ "$RC" = 0 ] || fail "--help: exit status $RC"
[ -z "$ERR" ] || fail "--help wrote to stderr: $ERR"
HELP=$OUT
ok "--help exits 0"
run -h
[ "$RC" = 0 ] && [ "$OUT" = "$HELP" ] || fail "-h differs from --help"

# Every option of the contract is documented.
for opt in -f,\ --find -s,\ --size -a,\ --algorithm -p,\ --algorithm-params \
	-t,\ --streams -r,\ --reset -o,\ --output --output-all -b,\ --bytes \
	-n,\ --noheadings --raw -J,\ --json -m,\ --mountpoint --swapon \
	--priority --discard --swapoff --mem-limit --gc-mode --compact \
	-h,\ --help -V,\ --version; do
	grep -qF -- " $opt" <<<"$HELP" || fail "--help does not document '$opt'"
done
ok "--help documents every option"
long=$(awk 'length($0) > 80' <<<"$HELP")
[ -z "$long" ] || fail "--help lines wider than 80 columns: $long"
grep -qF 'ZRAMFS_MOUNTPOINT' <<<"$HELP" || fail "--help omits \$ZRAMFS_MOUNTPOINT"
grep -qF '/run/zramfs' <<<"$HELP" || fail "--help omits the default mountpoint"

# The column list: after "Available output columns:", lines of a name
# right-aligned in 15 columns, two blanks and its help; continuation lines
# have blanks where the name would be.
COLUMNS_HELP=$(awk '/^Available output columns:/ { on = 1; next }
	on && /^$/ { exit }
	on && substr($0, 1, 15) ~ /^ *[A-Z][A-Z-]*$/ { print $1 }' <<<"$HELP")
[ -n "$COLUMNS_HELP" ] || fail "--help lists no columns"
# The contract's columns, zramctl's and the added ones.
for col in NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT \
	ZERO-PAGES MEM-LIMIT MEM-USED MIGRATED COMP-RATIO HUGE-PAGES \
	GC-PENDING GC-FREED LOOP PRIORITY; do
	grep -qx -- "$col" <<<"$COLUMNS_HELP" || fail "--help does not document column $col"
done
ok "--help documents the contract's columns"
# Each column --help lists is one -o accepts (the option is checked before
# the daemon is looked for), and has a description.
for col in $COLUMNS_HELP; do
	expect_error "zramfsctl: $NOWHERE: zramfsd is not running there (no control/hot_add)" \
		-m "$NOWHERE" -o "$col"
	line=$(grep -E "^ +$col  " <<<"$HELP") || fail "column $col: no help line"
	desc=${line#*"$col"  }
	[ ${#desc} -ge 10 ] || fail "column $col: help '$desc' is too short"
done
ok "every column --help lists is accepted by -o and described"
# Column names are case-insensitive, as in zramctl.
expect_error "zramfsctl: $NOWHERE: zramfsd is not running there (no control/hot_add)" \
	-m "$NOWHERE" -o name,Comp-Ratio,zero-pages
expect_error "zramfsctl: $NOWHERE: zramfsd is not running there (no control/hot_add)" \
	-m "$NOWHERE" -o +huge-pages

run -V
[ "$RC" = 0 ] && [[ $OUT =~ ^zramfsctl\ from\ zramfs\ [0-9]+\.[0-9]+ ]] ||
	fail "-V: '$OUT' (exit $RC)"
ok "-V: $OUT"

# A write error on stdout is a failure (close_stdout), EPIPE aside.
if [ -w /dev/full ]; then
	RC=0
	"$ZRAMFSCTL" --help >/dev/full 2>"$WORK/err" || RC=$?
	[ "$RC" = 1 ] || fail "--help >/dev/full: exit status $RC"
	[ "$(cat "$WORK/err")" = "zramfsctl: write error: No space left on device" ] ||
		fail "--help >/dev/full: stderr '$(cat "$WORK/err")'"
	ok "--help >/dev/full fails with 'write error'"
fi

# ---- bad options ---------------------------------------------------------------

TRY="Try 'zramfsctl --help' for more information."
for args in "--bogus" "-x" "--size" "-o" "--discard-typo"; do
	run $args
	[ "$RC" = 1 ] || fail "zramfsctl $args: exit status $RC"
	[[ $ERR == *"$TRY" ]] || fail "zramfsctl $args: stderr '$ERR'"
	ok "zramfsctl $args -> exit 1 and '$TRY'"
done

# ---- values, checked before anything is touched ------------------------------

for size in 1X -1 1.5.5G "" 1Q " 1G" 1B 010K 0x10K 1.5; do
	expect_error "zramfsctl: failed to parse size: '$size'" -s "$size" zramfs0
done
expect_error "zramfsctl: size too large: '99999999999T'" -s 99999999999T zramfs0
expect_error "zramfsctl: size too large: '16E'" -s 16E zramfs0
expect_error "zramfsctl: invalid size: '0' (0 bytes)" -s 0 zramfs0
expect_error "zramfsctl: invalid size: '0.0001K' (0 bytes)" -s 0.0001K zramfs0
expect_error "zramfsctl: failed to parse memory limit: 'lots'" --mem-limit lots zramfs0
expect_error "zramfsctl: failed to parse memory limit: '1.5'" --mem-limit 1.5 zramfs0
expect_error "zramfsctl: failed to parse streams: '0'" -s 1G -t 0 zramfs0
expect_error "zramfsctl: failed to parse streams: 'x'" -s 1G -t x zramfs0
# The swap attribute's rule (lib/swapopt): digits alone or -1, 0 to 32767.
for prio in 40000 -2 " 5" "5 " +5 5x ""; do
	expect_error "zramfsctl: failed to parse priority: '$prio' (-1 to 32767)" \
		--swapon --priority "$prio" zramfs0
done
expect_error "zramfsctl: unsupported discard policy: 'all' (pages, once, both or none)" \
	--swapon --discard=all zramfs0
expect_error "zramfsctl: unsupported discard policy: '' (pages, once, both or none)" \
	--swapon --discard= zramfs0
expect_error "zramfsctl: unsupported GC mode: 'bogus' (async or sync)" \
	--gc-mode bogus zramfs0
for params in level =3 "level=" "level=3 x" $'level=3\nlevel=4'; do
	expect_error "zramfsctl: failed to parse algorithm parameters: '$params' (KEY=VALUE ...)" \
		-s 1G -p "$params" zramfs0
done
expect_error "zramfsctl: unknown column: BOGUS" -o NAME,BOGUS
expect_error "zramfsctl: unknown column: " -o NAME,
expect_error "zramfsctl: unknown column: NAME " -o "NAME ,DATA"

# ---- conflicting and incomplete options ----------------------------------------

expect_error "zramfsctl: options --find and --reset are mutually exclusive" -f -r
expect_error "zramfsctl: options --reset and --find are mutually exclusive" -r -f
expect_error "zramfsctl: options --find and --output are mutually exclusive" -f -o NAME
expect_error "zramfsctl: options --output and --size are mutually exclusive" -o NAME -s 1G zramfs0
expect_error "zramfsctl: options --reset and --size are mutually exclusive" -r -s 1G zramfs0
expect_error "zramfsctl: options --swapon and --swapoff are mutually exclusive" \
	--swapon --swapoff zramfs0
expect_error "zramfsctl: options --reset and --swapon are mutually exclusive" \
	-r --swapon zramfs0
expect_error "zramfsctl: options --reset and --compact are mutually exclusive" \
	-r --compact zramfs0
expect_error "zramfsctl: options --swapoff and --compact are mutually exclusive" \
	--swapoff --compact zramfs0
expect_error "zramfsctl: options --find and --swapoff are mutually exclusive" \
	-f --swapoff
expect_error "zramfsctl: options --size and --swapoff are mutually exclusive" \
	-s 1G --swapoff zramfs0
expect_error "zramfsctl: options --find and --compact are mutually exclusive" \
	-f --compact
expect_error "zramfsctl: options --reset and --mem-limit are mutually exclusive" \
	-r --mem-limit 1G zramfs0
expect_error "zramfsctl: options --output and --gc-mode are mutually exclusive" \
	-o NAME --gc-mode sync zramfs0
expect_error "zramfsctl: options --json and --raw are mutually exclusive" -J --raw
expect_error "zramfsctl: option --find is mutually exclusive with <device>" -f zramfs0
expect_error "zramfsctl: options --algorithm, --algorithm-params and --streams must be combined with --size" \
	-a lz4 zramfs0
expect_error "zramfsctl: options --algorithm, --algorithm-params and --streams must be combined with --size" \
	-f -p level=3
expect_error "zramfsctl: options --algorithm, --algorithm-params and --streams must be combined with --size" \
	-t 2
expect_error "zramfsctl: options --priority and --discard must be combined with --swapon" \
	--priority 3 zramfs0
expect_error "zramfsctl: options --priority and --discard must be combined with --swapon" \
	--discard zramfs0
expect_error "zramfsctl: option --swapon with --find must be combined with --size" \
	-f --swapon
expect_error "zramfsctl: no device specified" -r
expect_error "zramfsctl: no device specified" -s 1G
expect_error "zramfsctl: no device specified" --swapon
expect_error "zramfsctl: no device specified" --swapoff
expect_error "zramfsctl: no device specified" --compact
expect_error "zramfsctl: no device specified" --mem-limit 1G
expect_error "zramfsctl: no device specified" --gc-mode sync
expect_error "zramfsctl: only one <device> at a time is allowed with --size" \
	-s 1G zramfs0 zramfs1

# ---- no daemon ---------------------------------------------------------------------

NOT_RUNNING="zramfsctl: $NOWHERE: zramfsd is not running there (no control/hot_add)"
expect_error "$NOT_RUNNING" -m "$NOWHERE"
expect_error "$NOT_RUNNING" -m "$NOWHERE/"
expect_error "$NOT_RUNNING" -m "$NOWHERE" -f -s 1G -a lz4
expect_error "$NOT_RUNNING" -m "$NOWHERE" -r zramfs0
expect_error "$NOT_RUNNING" -m "$NOWHERE" --swapoff zramfs0
expect_error "$NOT_RUNNING" -m "$NOWHERE" --reload
expect_error "zramfsctl: option --reload takes no <device> and no other option" \
	--reload zramfs0
expect_error "zramfsctl: option --reload takes no <device> and no other option" \
	--reload -J
expect_error "zramfsctl: $EMPTY: zramfsd is not running there (no control/hot_add)" \
	-m "$EMPTY" zramfs0
RC=0
ERR=$(ZRAMFS_MOUNTPOINT=$NOWHERE "$ZRAMFSCTL" 2>&1 >/dev/null) || RC=$?
[ "$RC" = 1 ] && [ "$ERR" = "$NOT_RUNNING" ] ||
	fail "ZRAMFS_MOUNTPOINT=$NOWHERE: exit $RC, '$ERR'"
ok "\$ZRAMFS_MOUNTPOINT is the default mountpoint"
RC=0
ERR=$(ZRAMFS_MOUNTPOINT=$EMPTY "$ZRAMFSCTL" -m "$NOWHERE" 2>&1 >/dev/null) || RC=$?
[ "$RC" = 1 ] && [ "$ERR" = "$NOT_RUNNING" ] ||
	fail "-m overriding \$ZRAMFS_MOUNTPOINT: exit $RC, '$ERR'"
ok "-m overrides \$ZRAMFS_MOUNTPOINT"
expect_error "zramfsctl: empty mountpoint" -m ""

# ---- a tree of plain files in place of zramfsd's -----------------------------------
# zramfsctl reads and writes files under the mountpoint and nothing else, so
# plain files show what it writes: each write lands at offset 0, the file's
# first line is the last value written there.  Nothing judges the values:
# this is about what zramfsctl itself accepts, writes and prints.
FAKE=$WORK/fake

# fake_tree: zramfs0, set up with zstd at level 3, and zramfs1, swap.
fake_tree() {
	local d
	rm -rf "$FAKE"
	mkdir -p "$FAKE/control" "$FAKE/zramfs0" "$FAKE/zramfs1"
	echo 2 >"$FAKE/control/hot_add"
	: >"$FAKE/control/hot_remove"
	for d in "$FAKE/zramfs0" "$FAKE/zramfs1"; do
		echo 1 >"$d/initstate"
		echo 1073741824 >"$d/disksize"
		echo "lz4 lz4hc [zstd]" >"$d/comp_algorithm"
		echo 2 >"$d/max_comp_streams"
		echo "4194304 1048576 1310720 0 1310720 1024 1536 3 3" >"$d/mm_stat"
		echo "0 0 0 0" >"$d/io_stat"
		echo "0 0 0 0 0" >"$d/gc_stat"
		printf '%s 0 0 0 0%s\n' read "$(printf ' 0%.0s' {1..24})" \
			write "$(printf ' 0%.0s' {1..24})" \
			discard "$(printf ' 0%.0s' {1..24})" >"$d/latency_stat"
		echo async >"$d/gc_mode"
		echo 0 >"$d/mem_limit"
		echo none >"$d/swap"
		: >"$d/reset"
		: >"$d/compact"
	done
	echo "algo=zstd level=3" >"$FAKE/zramfs0/algorithm_params"
	echo "algo=lz4 level=5" >"$FAKE/zramfs1/algorithm_params"
	echo "/dev/loop7 priority=5 discard=both" >"$FAKE/zramfs1/swap"
}
snapshot() { (cd "$FAKE" && find . -type f | sort | xargs md5sum); }
# first_line FILE: the value last written to FILE (zramfs0/swap).
first_line() { head -n 1 "$FAKE/$1"; }

# fake_ok WANT ARG...: zramfsctl -m FAKE ARG... exits 0 and prints WANT.
fake_ok() {
	local want=$1
	shift
	run -m "$FAKE" "$@"
	[ "$RC" = 0 ] && [ -z "$ERR" ] ||
		fail "zramfsctl $*: exit status $RC, stderr '$ERR'"
	[ "$OUT" = "$want" ] || fail "zramfsctl $*: printed '$OUT', expected '$want'"
	ok "zramfsctl $* -> '$want'"
}

# fake_refused MESSAGE ARG...: zramfsctl -m FAKE ARG... fails with MESSAGE
# and writes nothing.
fake_refused() {
	local want=$1 before
	shift
	before=$(snapshot)
	expect_error "$want" -m "$FAKE" "$@"
	[ "$(snapshot)" = "$before" ] || fail "zramfsctl $*: the tree changed"
}

fake_tree

# How values are printed: STREAMS empty (max_comp_streams is not read, as
# zramctl finds none on Linux 6.15), MIGRATED like a size, as zramctl
# prints it, ZERO-PAGES a number, ALGORITHM-PARAMS those of the selected
# algorithm only.
cols=NAME,STREAMS,MIGRATED,ZERO-PAGES,MEM-LIMIT,ALGORITHM,ALGORITHM-PARAMS
fake_ok "$(printf '%s\n' "${cols//,/ }" "zramfs0  1.5K 1024 0B zstd level=3" \
	"zramfs1  1.5K 1024 0B zstd ")" --raw -o "$cols"
fake_ok "zramfs0  1536 1024 0 zstd level=3" --raw -n -b -o "$cols" zramfs0
echo >"$FAKE/zramfs0/algorithm_params" # none set
fake_ok "zramfs0 " --raw -n -o NAME,ALGORITHM-PARAMS zramfs0
echo "algo=zstd" >"$FAKE/zramfs0/algorithm_params"
fake_ok "zramfs0 " --raw -n -o NAME,ALGORITHM-PARAMS zramfs0
echo "level=3" >"$FAKE/zramfs0/algorithm_params" # not the format
run -m "$FAKE" --raw -n -o NAME,ALGORITHM-PARAMS zramfs0
[ "$RC" = 1 ] && [ "$OUT" = "zramfs0 " ] &&
	[ "$ERR" = "zramfsctl: zramfs0: cannot parse algorithm_params: 'level=3'" ] ||
	fail "algorithm_params 'level=3': exit $RC, stdout '$OUT', stderr '$ERR'"
ok "algorithm_params 'level=3': the row, an empty cell and why"
python3 - "$("$ZRAMFSCTL" -m "$FAKE" -J -o NAME,STREAMS,MIGRATED zramfs1)" <<'EOF' ||
import json, sys
row = json.loads(sys.argv[1])["zramfsdevices"][0]
assert row == {"name": "zramfs1", "streams": None, "migrated": "1.5K"}, row
EOF
	fail "-J: STREAMS null, MIGRATED a string without --bytes"
ok "-J: STREAMS null, MIGRATED a string without --bytes"
# The latency columns: P50_US and P99_US of latency_stat's read and write
# lines, as the daemon computed them.
printf '%s\n' "read 1000 32 64 97 0 0 0 0 120 600 270 10" \
	"write 12 16 33 33 0 0 0 0 9 2 1" "discard 0 0 0 0" \
	>"$FAKE/zramfs0/latency_stat"
cols=NAME,READ-P50,READ-P99,WRITE-P50,WRITE-P99
fake_ok "zramfs0 32 64 16 33" --raw -n -o "$cols" zramfs0
echo "read 1 2 x" >"$FAKE/zramfs0/latency_stat"
run -m "$FAKE" --raw -n -o "$cols" zramfs0
[ "$RC" = 1 ] && [ "$OUT" = "zramfs0    " ] &&
	[ "$ERR" = "zramfsctl: zramfs0: cannot parse latency_stat: 'read 1 2 x'" ] ||
	fail "latency_stat 'read 1 2 x': exit $RC, stdout '$OUT', stderr '$ERR'"
ok "latency_stat 'read 1 2 x': the row, empty cells and why (once)"
fake_tree

# Every argument is checked before the first write.  (Before, the device
# named first was turned into swap, then 'once' was found not to be one.)
fake_refused "zramfsctl: bogus: not a zramfs device (expected zramfsN)" \
	--swapon zramfs0 bogus
fake_refused "zramfsctl: all: not a zramfs device (expected zramfsN)" \
	--swapon --discard all zramfs0
fake_refused "zramfsctl: zramfs256: no such device (devices are numbered 0 to 255)" \
	--swapon zramfs0 zramfs256
fake_refused "zramfsctl: failed to parse priority: ' 5' (-1 to 32767)" \
	--swapon --priority ' 5' zramfs0
fake_refused "zramfsctl: unsupported GC mode: 'bogus' (async or sync)" \
	--mem-limit 1G --gc-mode bogus zramfs0
fake_refused "zramfsctl: failed to parse memory limit: '1.5.5G'" \
	--mem-limit 1.5.5G zramfs0
# A device that -s would reset must offer the algorithm first.
fake_refused "zramfsctl: zramfs0: unsupported algorithm 'bogus' (available: lz4 lz4hc zstd)" \
	-s 1G -a bogus zramfs0

# --discard POLICY as well as --discard=POLICY, wherever the device is.
for args in "--swapon --discard once --priority 0 zramfs0" \
	"zramfs0 --swapon --discard once --priority 0" \
	"--discard once zramfs0 --priority 0 --swapon" \
	"--swapon --discard=once --priority 0 zramfs0"; do
	fake_tree
	fake_ok "" $args
	[ "$(first_line zramfs0/swap)" = "on priority=0 discard=once" ] ||
		fail "zramfsctl $args wrote '$(first_line zramfs0/swap)'"
done
fake_tree
fake_ok "" --swapon --discard zramfs0 # no policy named: both
[ "$(first_line zramfs0/swap)" = "on discard=both" ] ||
	fail "--swapon --discard zramfs0 wrote '$(first_line zramfs0/swap)'"
fake_tree
fake_ok "" --swapon --priority 007 zramfs0
[ "$(first_line zramfs0/swap)" = "on priority=7" ] ||
	fail "--priority 007 wrote '$(first_line zramfs0/swap)'"
ok "swap on: what --priority and --discard write"

# Sizes as util-linux reads them, written in bytes.
fake_tree
fake_ok "" --mem-limit 512MB zramfs0
[ "$(first_line zramfs0/mem_limit)" = 512000000 ] ||
	fail "--mem-limit 512MB wrote '$(first_line zramfs0/mem_limit)'"
fake_ok "" --mem-limit 1.5G zramfs0
[ "$(first_line zramfs0/mem_limit)" = 1610612736 ] ||
	fail "--mem-limit 1.5G wrote '$(first_line zramfs0/mem_limit)'"
fake_ok "" -s 512MB -a lz4 -p level=1 zramfs0
[ "$(first_line zramfs0/reset)" = 1 ] &&
	[ "$(first_line zramfs0/disksize)" = 512000000 ] &&
	[ "$(first_line zramfs0/comp_algorithm)" = lz4 ] &&
	[ "$(first_line zramfs0/algorithm_params)" = level=1 ] ||
	fail "-s 512MB -a lz4 -p level=1: reset '$(first_line zramfs0/reset)'," \
		"disksize '$(first_line zramfs0/disksize)'"
fake_ok "" -s 0.5MiB zramfs0
[ "$(first_line zramfs0/disksize)" = 524288 ] ||
	fail "-s 0.5MiB wrote '$(first_line zramfs0/disksize)'"
ok "sizes: 512MB, 1.5G, 0.5MiB written in bytes"

# --swapoff with --reset: swap off where it is on, then reset and remove.
fake_tree
fake_ok "" --swapoff --reset zramfs1 zramfs0
[ "$(first_line zramfs1/swap)" = off ] &&
	[ "$(first_line zramfs0/swap)" = none ] &&
	[ "$(first_line zramfs1/reset)" = 1 ] &&
	[ "$(first_line zramfs0/reset)" = 1 ] &&
	[ "$(first_line control/hot_remove)" = 0 ] ||
	fail "--swapoff --reset zramfs1 zramfs0: swap" \
		"'$(first_line zramfs1/swap)' '$(first_line zramfs0/swap)'"
ok "--swapoff --reset: swap off where it was on, both reset and removed"

echo "PASS: cli-offline"
