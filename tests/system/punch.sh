#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# punch.sh: what the GC buys.  256 MiB of stored pages are punched through
# the data file in one fallocate: in gc_mode sync the call frees everything
# before it returns, in async it only detaches the pages and the GC worker
# frees them after, so async must return at least 3x sooner.  Either way
# the range reads back as zeros at once, and once the GC has drained,
# mem_used_total is close to 0 and the daemon's RSS has dropped by at
# least half of what the data held (the daemon is mlocked, but the
# allocator gives empty spans back, so RSS follows).
#
# Each mode is timed over a few fresh fills and the fastest run counts, so
# one scheduling hiccup does not decide the result.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

size=256M
size_bytes=$((256 * 1048576))
rounds=3

require_root_fuse
require_cmd cmp
require_built "$DATATOOL"
timebox 300
start_daemon

# punch_round DEV: fill, punch, check; sets T (seconds), USED (mem_used_total
# before the punch) and RSS (daemon's VmRSS before the punch).
punch_round() {
	local d=$1 data
	data=$(dev_dir "$d")/data
	"$DATATOOL" fill "$data" 5 "$size" >/dev/null
	wait_gc_drained "$d"
	USED=$(mm_field "$d" mem_used_total)
	RSS=$(daemon_rss)
	T=$("$DATATOOL" punchtime "$data" 0 "$size")
	cmp -n "$size_bytes" "$data" /dev/zero ||
		fail "zramfs$d: punched range does not read back as zeros"
}

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }

ds=$(new_dev 512M lz4)
wattr "$ds" gc_mode sync
da=$(new_dev 512M lz4)
wattr "$da" gc_mode async

t_sync=1e9 t_async=1e9
for ((r = 1; r <= rounds; r++)); do
	punch_round "$ds"
	t_sync=$(min "$t_sync" "$T")
	# sync: everything is freed by the time the call returns.
	pending=$(gc_field "$ds" pending)
	after=$(mm_field "$ds" mem_used_total)
	orig=$(mm_field "$ds" orig_data_size)
	note "round $r sync: ${T}s; mem_used_total $(mib "$USED") -> $(mib "$after")," \
		"orig_data_size $orig, pending $pending"
	[ "$pending" = 0 ] || fail "sync mode: gc_stat pending $pending after the punch returned"
	[ "$orig" = 0 ] || fail "sync mode: orig_data_size $orig after punching everything"
	[ "$after" -le $((USED / 10)) ] ||
		fail "sync mode: mem_used_total $(mib "$after") right after the punch (was $(mib "$USED"))"

	punch_round "$da"
	t_async=$(min "$t_async" "$T")
	used_before=$USED rss_before=$RSS
	orig=$(mm_field "$da" orig_data_size)
	[ "$orig" = 0 ] || fail "async mode: orig_data_size $orig after punching everything"
	wait_gc_drained "$da"
	after=$(mm_field "$da" mem_used_total)
	rss_after=$(daemon_rss)
	note "round $r async: ${T}s; mem_used_total $(mib "$used_before") -> $(mib "$after")," \
		"daemon RSS $(mib "$rss_before") -> $(mib "$rss_after")"
	[ "$after" -le $((used_before / 10)) ] ||
		fail "async mode: mem_used_total $(mib "$after") after the GC drained (was $(mib "$used_before"))"
	[ $((rss_before - rss_after)) -ge $((used_before / 2)) ] ||
		fail "async mode: daemon RSS fell only $(mib $((rss_before - rss_after)))" \
			"($(mib "$rss_before") -> $(mib "$rss_after")) after freeing $(mib "$used_before")"
done
ok "mem_used_total near 0 and daemon RSS down after every punch"

ratio=$(awk -v s="$t_sync" -v a="$t_async" 'BEGIN { printf "%.1f", (a > 0 ? s / a : 1e9) }')
note "punching $size: sync ${t_sync}s, async ${t_async}s (best of $rounds), ${ratio}x"
awk -v s="$t_sync" -v a="$t_async" 'BEGIN { exit !(s >= 3 * a) }' ||
	fail "async punch (${t_async}s) not 3x faster than sync (${t_sync}s): ${ratio}x"
ok "async punch returns ${ratio}x faster than sync"
