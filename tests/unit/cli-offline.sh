#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cli-offline.sh: what zramfsctl does without a daemon, as any user: --help
# documents every option and every column, -V, bad options and conflicting
# options fail with exit status 1 and say why, values are checked before
# anything is touched, a mountpoint without zramfsd is reported as such, and
# a write error on stdout makes the program fail.  (tests/system/cli.sh
# checks that the columns --help lists are exactly those --output-all shows.)
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
ZRAMFSCTL=${ZRAMFSCTL:-$top_builddir/zramfsctl}
export LC_ALL=C
unset ZRAMFS_MOUNTPOINT

fail() {
	echo "FAIL: cli-offline: $*" >&2
	exit 1
}
ok() { echo "ok: $*"; }

[ -x "$ZRAMFSCTL" ] || fail "$ZRAMFSCTL: not built"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/zramfs-test.cli-offline.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
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

expect_error "zramfsctl: failed to parse size: '1X'" -s 1X zramfs0
expect_error "zramfsctl: failed to parse size: '-1'" -s -1 zramfs0
expect_error "zramfsctl: failed to parse size: '1.5G'" -s 1.5G zramfs0
expect_error "zramfsctl: size too large: '99999999999T'" -s 99999999999T zramfs0
expect_error "zramfsctl: failed to parse memory limit: 'lots'" --mem-limit lots zramfs0
expect_error "zramfsctl: failed to parse streams: '0'" -s 1G -t 0 zramfs0
expect_error "zramfsctl: failed to parse streams: 'x'" -s 1G -t x zramfs0
expect_error "zramfsctl: failed to parse priority: '40000' (-1 to 32767)" \
	--swapon --priority 40000 zramfs0
expect_error "zramfsctl: failed to parse priority: '-2' (-1 to 32767)" \
	--swapon --priority -2 zramfs0
expect_error "zramfsctl: unsupported discard policy: 'all' (pages, once, both or none)" \
	--swapon --discard=all zramfs0
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
expect_error "zramfsctl: options --reset and --swapoff are mutually exclusive" \
	-r --swapoff zramfs0
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

echo "PASS: cli-offline"
