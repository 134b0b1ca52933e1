#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# restart-evict.sh: while no server runs, the store cannot be swapped out
# (issue 12).  The stores live in System V segments locked with SHM_LOCK,
# which keeps every page of them unevictable whether or not any process maps
# it.  The test stores 128 MiB in a device of a daemon that runs in a memory
# cgroup of its own, turns on a swap file the pages could go to, then stops
# the holder (SIGSTOP, so no new server starts) and kills the server, and
# forces reclaim on the cgroup far below what it holds.  The reclaim must
# fail to take the store: its segments keep every resident byte, none of it
# in swap.  Then the holder goes on, a new server takes over, and every page
# reads back.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root_fuse
require_built "$DATATOOL"
require_cmd mkswap
swap_lock
timebox 300
cg_create 2G

DAEMON_CGROUP=$CG start_daemon
holder=$DAEMON_PID
d=$(new_dev 256M lz4)
data=$MNT/zramfs$d/data
seed=$RANDOM
"$DATATOOL" fill "$data" "$seed" 128M >/dev/null || fail "datatool fill"
ok "128 MiB of pages stored, seed $seed"

# Somewhere for evictable pages to go: a swap file on disk (WORK is on
# tmpfs, which takes no swap file).
swapfile=$(mktemp /var/tmp/zramfs-test-swapfile.XXXXXX) || fail "mktemp"
at_exit rm -f "$swapfile"
fallocate -l 512M "$swapfile" || fail "fallocate $swapfile"
chmod 600 "$swapfile"
mkswap -q "$swapfile" || fail "mkswap $swapfile"
at_exit swapoff "$swapfile"
swapon -p 32767 "$swapfile" || fail "swapon $swapfile"

server=$(server_pid)
kill -STOP "$holder" || fail "SIGSTOP holder $holder"
at_exit kill -CONT "$holder"
kill -KILL "$server" || fail "SIGKILL server $server"
deadline=$((SECONDS + 10))
while _pid_alive "$server"; do
	[ "$SECONDS" -lt "$deadline" ] || fail "server $server did not die"
	sleep 0.02
done
rss0=$(holder_shm_rss "$holder")
[ "$rss0" -gt $((16 << 20)) ] ||
	fail "the holder's segments hold only $rss0 bytes; the store is not there"
note "no server runs; the holder's segments hold $(mib "$rss0")"

# Reclaim as hard as the cgroup interface allows.
if [ "$CG_VER" = 1 ]; then
	if echo 16M >"$CG/memory.limit_in_bytes" 2>/dev/null; then
		note "the cgroup accepted a 16 MiB limit"
	else
		ok "a 16 MiB limit is refused: the cgroup cannot reclaim enough"
	fi
	cg_set_limit 2G
else
	echo 1G >"$CG/memory.reclaim" 2>/dev/null ||
		ok "memory.reclaim of 1 GiB fails: nothing more to reclaim"
fi
swapped=$(awk -v p="$holder" 'NR > 1 && $5 == p { s += $16 }
	END { print s + 0 }' /proc/sysvipc/shm)
rss1=$(holder_shm_rss "$holder")
expect_eq "swapped bytes of the holder's segments" "$swapped" 0
expect_eq "resident bytes of the holder's segments" "$rss1" "$rss0"
ok "during the gap the store stayed resident, none of it swapped"

kill -CONT "$holder" || fail "SIGCONT holder $holder"
"$DATATOOL" verify "$data" "$seed" 128M >/dev/null ||
	fail "datatool verify after the takeover"
expect_eq "daemon_stat restarts" "$(daemon_stat restarts)" 1
ok "a new server took over and every page of 128 MiB reads back"
