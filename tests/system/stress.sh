#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# stress.sh: the daemon under the memory pressure it exists to relieve.
# zramfsd and swapload share one memory cgroup: its limit covers the pages
# the workload keeps resident *and* the memory the daemon needs to store the
# pages swapped out to it, so every page swapped out makes the daemon grow
# inside the limit that pushed the page out.  The workload is bigger than
# the limit.  Two outcomes are acceptable: swapload checks every page and
# exits 0, or the kernel's OOM killer ends it (SIGKILL).  Throughout, the
# daemon must stay alive and answer an attribute read (mm_stat, twice a
# second) within 2 s; at the end it must still serve, with no failed read.
#
# The cgroup is a parent holding the limit, with the daemon and the
# workload in two children (both charged to the parent), so that cleaning
# up the workload never touches the daemon.
#
# The danger is a deadlock: memory the daemon takes from the kernel to
# store a page is charged to the full cgroup, the charge reclaims by
# swapping out more of the workload to the daemon itself and waits for that
# I/O; if every FUSE worker waits there, nothing is stored again.  The
# daemon avoids it without PR_SET_IO_FLUSHER (which needs CAP_SYS_RESOURCE):
# its FUSE workers never map memory, a keeper thread does (zpool.c, "The
# keeper"; docs/reliability.md, "Memory pressure"), and a write the keeper
# cannot serve in time fails (the kernel keeps that page and retries).
# Whether the daemon could be an I/O flusher is reported, not required.
# ZRAMFS_STRESS_SHARED=0 runs the daemon outside the workload's cgroup
# instead (as under the systemd unit, which gives it a cgroup of its own).
# Should the daemon hang anyway, the cleanup aborts its FUSE connection.
#
# ZRAMFS_STRESS_MIB and ZRAMFS_STRESS_CGROUP_MIB change the sizes.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work_mib=${ZRAMFS_STRESS_MIB:-512}
limit_mib=${ZRAMFS_STRESS_CGROUP_MIB:-160}

swap_test 300 "${limit_mib}M"
parent=$CG

# The children go before the parent, whose removal cg_create registered.
at_exit cg_destroy "$parent/daemon"
at_exit cg_destroy "$parent/load"
mkdir "$parent/daemon" "$parent/load" || fail "mkdir $parent/{daemon,load}"
CG=$parent/load # cg_run's and cg_kill's
if [ "$CG_VER" = 1 ]; then
	for c in daemon load; do
		[ ! -e "$parent/$c/memory.swappiness" ] ||
			echo 100 >"$parent/$c/memory.swappiness" ||
			fail "$parent/$c/memory.swappiness"
	done
fi

# oom_kills: how many times the OOM killer struck in the cgroup (cgroup v1
# counts a kill in the victim's own cgroup only, v2 in every ancestor too).
oom_kills() {
	if [ "$CG_VER" = 1 ]; then
		cat "$parent/memory.oom_control" "$parent"/*/memory.oom_control
	else
		cat "$parent/memory.events"
	fi | awk '$1 == "oom_kill" { n += $2 } END { print n + 0 }'
}
# cg_bytes: the parent's memory use.
cg_bytes() {
	if [ "$CG_VER" = 1 ]; then
		cat "$parent/memory.usage_in_bytes"
	else
		cat "$parent/memory.current"
	fi
}
status_kib() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

case ${ZRAMFS_STRESS_SHARED:-1} in
0 | no) shared=no ;;
*) shared=yes ;;
esac
# Under AddressSanitizer the daemon cannot lock its memory, so in a shared
# cgroup its own pages (its request buffers) are swapped out to itself and
# a worker faulting one in waits for itself: not a case zramfsd supports.
if [ "$shared" = yes ] && daemon_asan; then
	note "zramfsd is built with AddressSanitizer and cannot lock its memory:"
	note "it runs outside the workload's cgroup"
	shared=no
fi

# abort_fuse: the way out of a deadlocked daemon, for the cleanup (SIGKILL
# alone leaves its threads stuck in reclaim, and the process unreaped).
abort_fuse() {
	[ -n "$DAEMON_PID" ] && _is_mounted "$MNT" || return 0
	timeout -k 1 5 ls "$MNT" >/dev/null 2>&1 && return 0
	local dev ctl=/sys/fs/fuse/connections mounted=
	dev=$(awk -v m="$MNT" '$5 == m { print $3 }' /proc/self/mountinfo)
	[ -d "$ctl" ] || return 0
	if [ ! -e "$ctl/${dev#*:}" ]; then
		mount -t fusectl fusectl "$ctl" && mounted=1
	fi
	note "cleanup: zramfsd does not answer: aborting FUSE connection ${dev#*:}"
	echo 1 >"$ctl/${dev#*:}/abort" || note "cleanup: cannot abort it"
	[ -z "$mounted" ] || umount "$ctl"
}

if [ "$shared" = yes ]; then
	DAEMON_CGROUP=$parent/daemon start_daemon
	at_exit abort_fuse
	for p in "$DAEMON_PID" "$(server_pid)"; do
		grep -qx "$p" "$parent/daemon/cgroup.procs" ||
			fail "zramfsd (pid $p) is not in $parent/daemon"
	done
	ok "zramfsd (holder and server) runs in $parent/daemon, under the $limit_mib MiB limit of $parent"
else
	note "the daemon runs outside the workload's cgroup"
	start_daemon
fi
flusher=yes
! grep -q "cannot mark the daemon an I/O flusher" "$DAEMON_LOG" || flusher=no
server=$(server_pid) || fail "no server"
note "zramfsd-server protections: VmLck $(status_kib "$server" VmLck) kB," \
	"oom_score_adj $(cat "/proc/$server/oom_score_adj"), I/O flusher: $flusher"
if daemon_asan; then
	note "zramfsd is built with AddressSanitizer: its memory is not locked"
else
	for p in "$DAEMON_PID" "$server"; do
		[ "$(status_kib "$p" VmLck)" -gt 0 ] ||
			fail "pid $p has no locked memory: it could be swapped out to itself"
	done
fi

swap_dev 1G
d=$SWAP_DEV loop=$SWAP_LOOP
oom0=$(oom_kills)

cg_run "$WORK/swapload.out" "$SWAPLOAD" -s "$work_mib" -p 2 -S 23
note "swapload (pid $CG_PID): $work_mib MiB in $limit_mib MiB (shared with the daemon: $shared)"

max_rss=0 max_cg=0
# track_memory: the daemon's RSS and the cgroup's use, their peaks.
track_memory() {
	local rss cgb
	rss=$(status_kib "$server" VmRSS)
	[ "$rss" -le "$max_rss" ] || max_rss=$rss
	cgb=$(cg_bytes)
	[ "$cgb" -le "$max_cg" ] || max_cg=$cgb
	WATCH_NOTE="zramfsd RSS $((rss / 1024)) MiB, cgroup $(mib "$cgb")"
}
watch_swapload 240 track_memory
ok "$WATCH_READS reads of mm_stat under pressure, the slowest $WATCH_SLOWEST ms (limit $MAX_READ_MS ms)"
note "peak: orig_data_size $(mib "$WATCH_MAX_ORIG"), zramfsd RSS $((max_rss / 1024)) MiB, cgroup $(mib "$max_cg") of $limit_mib MiB"

_pid_alive "$DAEMON_PID" || fail "zramfsd died"
ok "zramfsd (pid $DAEMON_PID) is alive"
ooms=$(($(oom_kills) - oom0))
case $CHILD_STATUS in
0)
	expect_verified "$CG_OUT" $((work_mib * 256 * 2))
	ok "outcome: swapload verified every page on both passes ($ooms OOM kills in the cgroup)"
	;;
137)
	[ "$ooms" -gt 0 ] ||
		fail "swapload got SIGKILL, but the cgroup counts no OOM kill"
	ok "outcome: the kernel's OOM killer ended swapload ($ooms OOM kills in the cgroup); no bad page was reported before"
	! grep -q "differs" "$CG_OUT" || fail "swapload reported bad pages before it was killed"
	;;
*)
	fail "swapload exited with status $CHILD_STATUS (a bad page is status 1, a lost one SIGBUS)"
	;;
esac
[ "$WATCH_MAX_ORIG" -gt 0 ] || fail "nothing was ever swapped out to zramfs$d"

# Still serving, and nothing was lost on the way.  A read never fails; a
# write may, when the daemon shares the cgroup: its memory is then the
# workload's, and when the keeper cannot get any the write fails with
# ENOMEM and the kernel keeps the page (swapload's checks prove it).
read -r failed_reads failed_writes _ <<<"$(attr "$d" io_stat)"
expect_eq "zramfs$d: io_stat failed_reads" "$failed_reads" 0
if [ "$shared" = yes ]; then
	note "zramfs$d: $failed_writes writes failed for want of memory (io_stat failed_writes)"
else
	expect_eq "zramfs$d: io_stat failed_writes" "$failed_writes" 0
fi
expect_eq "zramfs$d: swap" "$(attr "$d" swap)" "$loop priority=32767 discard=pages"
if [ "$shared" = yes ]; then
	grep -qx "$DAEMON_PID" "$parent/daemon/cgroup.procs" ||
		fail "zramfsd left $parent/daemon"
	ok "zramfsd still serves from inside the cgroup"
fi
