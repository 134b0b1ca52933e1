#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# memory.sh: what a device costs, and what its removal gives back.
#
# From the daemon's VmRSS (docs/reliability.md has the numbers): 100
# devices of 4K cost less than MAX_DEV_KIB each, and once they are removed
# the daemon holds less than MAX_LEFT_MIB more than before; doing it again
# adds nothing (MAX_AGAIN_MIB); 2000 attribute files open at once cost less
# than MAX_FDS_MIB.  Not checked under AddressSanitizer, which neither locks
# memory nor gives freed memory back at once.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ndev=100
nfds=2000
MAX_DEV_KIB=512
MAX_LEFT_MIB=16
MAX_AGAIN_MIB=4
MAX_FDS_MIB=2

require_root_fuse
require_built "$DATATOOL"
timebox 300
start_daemon

# ---- what a device costs, and what its removal gives back ---------------------

if daemon_asan; then
	note "AddressSanitizer build: memory is neither locked nor given back at once; not measured"
	exit 0
fi

# cycle: hot_add $ndev devices of 4K, then remove them; sets RSS_WITH (all
# there) and RSS_AFTER (all removed).
cycle() {
	local i d
	for ((i = 0; i < ndev; i++)); do
		d=$(cat "$MNT/control/hot_add")
		wattr "$d" disksize 4K || fail "zramfs$d: disksize 4K"
	done
	RSS_WITH=$(daemon_rss)
	for d in $(cd "$MNT" && echo zramfs*); do
		wctl hot_remove "${d#zramfs}" || fail "hot_remove ${d#zramfs}"
	done
	RSS_AFTER=$(daemon_rss)
}
rss0=$(daemon_rss)
cycle
per_dev=$(((RSS_WITH - rss0) / ndev / 1024))
note "RSS $(mib "$rss0") at the start, $(mib "$RSS_WITH") with $ndev devices of 4K ($per_dev KiB each), $(mib "$RSS_AFTER") after their removal"
[ "$per_dev" -lt "$MAX_DEV_KIB" ] ||
	fail "a 4K device costs $per_dev KiB, more than $MAX_DEV_KIB"
[ "$RSS_AFTER" -lt $((rss0 + (MAX_LEFT_MIB << 20))) ] ||
	fail "after removing $ndev devices the daemon holds $(mib $((RSS_AFTER - rss0))) more than before"
ok "a 4K device costs $per_dev KiB; $(mib $((RSS_AFTER - rss0))) stays after removing $ndev"
rss1=$RSS_AFTER
cycle
note "again: $(mib "$RSS_WITH") with $ndev devices, $(mib "$RSS_AFTER") after their removal"
[ "$RSS_AFTER" -lt $((rss1 + (MAX_AGAIN_MIB << 20))) ] ||
	fail "a second round of $ndev devices left $(mib $((RSS_AFTER - rss1))) more"
ok "a second round leaves nothing more"

# Attribute files: each open one costs its handle and its value, not a page.
n=$(cat "$MNT/control/hot_add")
rss0=$(daemon_rss)
(
	ulimit -n $((nfds + 64))
	fds=()
	for ((i = 0; i < nfds; i++)); do
		exec {fd}<"$MNT/zramfs$n/mm_stat"
		IFS= read -r -u "$fd" _ || exit 1
		fds+=("$fd")
	done
	daemon_rss >"$WORK/rss_fds"
) || fail "cannot open and read $nfds attribute files"
rss1=$(cat "$WORK/rss_fds")
note "$nfds open attribute files: RSS $(mib "$rss0") -> $(mib "$rss1")"
[ "$rss1" -lt $((rss0 + (MAX_FDS_MIB << 20))) ] ||
	fail "$nfds open attribute files cost $(mib $((rss1 - rss0)))"
ok "$nfds open attribute files cost less than $MAX_FDS_MIB MiB"
wctl hot_remove "$n"
