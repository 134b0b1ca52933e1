#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# memory.sh: the memory the daemon locks, and what it gives back.
#
#  - In a memory cgroup of 256 MiB (v1 or v2), "100G" to disksize, whose
#    slot table (400 MiB) would be locked the moment it is mapped, fails
#    with ENOMEM, and the log names the limit with its numbers; the daemon
#    is not OOM-killed and still serves; a size that fits still works, data
#    and all.  (It used to pass the "32 times the RAM" check and get the
#    daemon killed by the cgroup's OOM killer.)
#  - What a device costs and what its removal gives back, from the daemon's
#    VmRSS (docs/reliability.md has the numbers): 100 devices of 4K cost
#    less than MAX_DEV_KIB each, and once they are removed the daemon holds
#    less than MAX_LEFT_MIB more than before; doing it again adds nothing
#    (MAX_AGAIN_MIB); 2000 attribute files open at once cost less than
#    MAX_FDS_MIB.  Not checked under AddressSanitizer, which neither locks
#    memory nor gives freed memory back at once.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

limit_mib=256
ndev=100
nfds=2000
MAX_DEV_KIB=512
MAX_LEFT_MIB=16
MAX_AGAIN_MIB=4
MAX_FDS_MIB=2

require_root_fuse
require_built "$DATATOOL"
timebox 300
cg_create "${limit_mib}M"
DAEMON_CGROUP=$CG start_daemon

# oom_kills: how often the OOM killer struck in our cgroup.
oom_kills() {
	if [ "$CG_VER" = 1 ]; then
		cat "$CG/memory.oom_control"
	else
		cat "$CG/memory.events"
	fi | awk '$1 == "oom_kill" { n += $2 } END { print n + 0 }'
}

# ---- disksize beyond what the daemon can lock --------------------------------

ram=$(awk '/^MemTotal:/ { printf "%.0f\n", $2 * 1024 }' /proc/meminfo)
n=$(cat "$MNT/control/hot_add")
expect_fail ENOMEM wattr "$n" disksize 100G
_pid_alive "$DAEMON_PID" || fail "zramfsd died after disksize 100G"
expect_eq "OOM kills in $CG" "$(oom_kills)" 0
expect_eq "zramfs$n: initstate after disksize 100G" "$(attr "$n" initstate)" 0
if [ $((ram * 32)) -gt $((100 << 30)) ]; then
	# Not the "32 times the RAM" rule: the cgroup's limit, named.
	grep -E "zramfs$n: disksize 107374182400 needs [0-9]+ bytes of locked memory .*memory cgroup [^ ]+: limit $((limit_mib << 20)), usage [0-9]+" \
		"$DAEMON_LOG" ||
		fail "the log does not name the cgroup's limit: $(tail -n 3 "$DAEMON_LOG")"
	ok "the log names the limit: $(grep "zramfs$n: disksize" "$DAEMON_LOG" | tail -n 1)"
else
	note "RAM $(mib "$ram"): 100G is more than 32 times it; the cgroup is not what refused it"
fi
# A size that fits: its table is 4 MiB.
wattr "$n" disksize 1G || fail "zramfs$n: disksize 1G in a $limit_mib MiB cgroup"
expect_eq "zramfs$n: initstate after disksize 1G" "$(attr "$n" initstate)" 1
"$DATATOOL" fill "$(dev_dir "$n")/data" 3 8M
"$DATATOOL" verify "$(dev_dir "$n")/data" 3 8M || fail "zramfs$n: data"
expect_eq "OOM kills in $CG at the end" "$(oom_kills)" 0
wattr "$n" reset 1
wctl hot_remove "$n"
ok "disksize beyond the cgroup's room: ENOMEM, the daemon serves on"

# ---- what a device costs, and what its removal gives back ---------------------

cg_set_limit max
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
