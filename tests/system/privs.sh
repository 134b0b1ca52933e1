#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# privs.sh: what a running zramfsd holds (docs/security.md).
#
#  - the holder (the process started as zramfsd, one thread) keeps
#    CAP_SYS_ADMIN (unmount), CAP_IPC_LOCK (SHM_LOCK of its regions,
#    mlockall) and CAP_SYS_RESOURCE if it had it (for its servers), nothing
#    else; what follows is about its server, zramfsd-server;
#  - no_new_privs is set, for both processes and every thread;
#  - exactly one thread keeps CAP_SYS_ADMIN: the control thread, named
#    zramfsd-ctl, which alone attaches loop devices, turns swap on and off
#    and unmounts; it and every other thread hold CAP_IPC_LOCK (with
#    mlockall(MCL_FUTURE) each new mapping of a thread without it counts
#    against RLIMIT_MEMLOCK), and nothing else, effective or permitted,
#    inheritable or ambient;
#  - that holds for the GC workers, the allocators' keepers and their
#    watches too (zramfsd-gc, zramfsd-keeper, zramfsd-kwatch), whichever thread
#    created them: the devices of the configuration are set up by the main
#    thread after it dropped its capabilities, those made by hand by a FUSE
#    worker;
#  - its memory is locked (VmLck), it cannot dump core, and the loop device
#    under its swap uses direct I/O, so no page cache holds a copy of a
#    swapped page: swap contents live only in the daemon's locked memory.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CAP_IPC_LOCK=$((1 << 14))
CAP_SYS_ADMIN=$((1 << 21))

require_root_fuse
swap_lock
timebox 120
make_workdir
# A device from the configuration (set up before the FUSE loop serves),
# one by hand (set up by a FUSE worker), and swap on the first.
printf '[zramfs0]\ndisksize = 16M\ncomp_algorithm = lz4\nswap = yes\nswap_priority = 0\ndiscard = none\n' \
	>"$WORK/privs.conf"
DAEMON_CONF=$WORK/privs.conf start_daemon
deadline=$((SECONDS + 20))
until [[ $(attr 0 swap) == /dev/loop* ]]; do
	[ "$SECONDS" -lt "$deadline" ] || fail "zramfs0 from the configuration is not swap after 20 s"
	sleep 0.1
done
loop=$(attr 0 swap)
loop=${loop%% *}
ok "zramfs0 (from the configuration) is swap on $loop"
d=$(new_dev 8M zstd)
ok "zramfs$d set up by hand"

if grep -q "cannot reduce capabilities" "$DAEMON_LOG"; then
	fail "zramfsd could not reduce its capabilities: $(grep "cannot reduce" "$DAEMON_LOG")"
fi
CAP_SYS_RESOURCE=$((1 << 24))
server=$(server_pid) || fail "no server"
expect_eq "NoNewPrivs of the holder" \
	"$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$DAEMON_PID/status")" 1
expect_eq "NoNewPrivs of the server" \
	"$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$server/status")" 1
expect_eq "the holder's threads" \
	"$(ls "/proc/$DAEMON_PID/task" | wc -l)" 1

# field TASK NAME: a hex capability set of a thread, as a number.
field() { echo $((16#$(awk -v k="$2:" '$1 == k { print $2 }' "$1/status"))); }

h=/proc/$DAEMON_PID
heff=$(field "$h" CapEff)
[ "$heff" = "$(field "$h" CapPrm)" ] || fail "the holder could raise capabilities"
[ $((heff & ~CAP_SYS_RESOURCE)) = $((CAP_SYS_ADMIN | CAP_IPC_LOCK)) ] ||
	fail "the holder holds $(printf %x "$heff"), not CAP_SYS_ADMIN|CAP_IPC_LOCK[|CAP_SYS_RESOURCE]"
[ "$(field "$h" CapInh)" = 0 ] && [ "$(field "$h" CapAmb)" = 0 ] ||
	fail "the holder has inheritable or ambient capabilities"
ok "the holder holds $(printf %x "$heff")"

ctl=0 gc=0 keepers=0 watches=0 other=0
for t in /proc/"$server"/task/*; do
	tid=${t##*/}
	name=$(cat "$t/comm")
	eff=$(field "$t" CapEff)
	prm=$(field "$t" CapPrm)
	inh=$(field "$t" CapInh)
	amb=$(field "$t" CapAmb)
	nnp=$(awk '$1 == "NoNewPrivs:" { print $2 }' "$t/status")
	note "thread $tid $name: CapEff $(printf %x "$eff") CapPrm $(printf %x "$prm") CapInh $inh CapAmb $amb NoNewPrivs $nnp"
	[ "$nnp" = 1 ] || fail "thread $tid ($name) lacks no_new_privs"
	[ "$inh" = 0 ] && [ "$amb" = 0 ] ||
		fail "thread $tid ($name) has inheritable or ambient capabilities"
	[ "$eff" = "$prm" ] ||
		fail "thread $tid ($name) could raise capabilities it has not in effect"
	case $name in
	zramfsd-ctl)
		ctl=$((ctl + 1))
		[ "$eff" = $((CAP_SYS_ADMIN | CAP_IPC_LOCK)) ] ||
			fail "the control thread holds $(printf %x "$eff"), not CAP_SYS_ADMIN|CAP_IPC_LOCK"
		;;
	*)
		case $name in
		zramfsd-gc) gc=$((gc + 1)) ;;
		zramfsd-keeper) keepers=$((keepers + 1)) ;;
		zramfsd-kwatch) watches=$((watches + 1)) ;;
		*) other=$((other + 1)) ;;
		esac
		[ "$eff" = "$CAP_IPC_LOCK" ] ||
			fail "thread $tid ($name) holds $(printf %x "$eff"), not CAP_IPC_LOCK alone"
		;;
	esac
done
expect_eq "control threads" "$ctl" 1
[ "$gc" -ge 2 ] || fail "$gc GC workers for two initialised devices"
[ "$keepers" -ge 2 ] || fail "$keepers keepers for two initialised devices"
[ "$watches" -ge 2 ] || fail "$watches keeper watches for two initialised devices"
ok "$gc GC workers, $keepers keepers, $watches watches and $other other threads (main, FUSE workers) hold CAP_IPC_LOCK alone"

for p in "$DAEMON_PID" "$server"; do
	core=$(awk '/^Max core file size/ { print $5, $6 }' "/proc/$p/limits")
	expect_eq "pid $p: core file size limit (no swapped page in a core file)" "$core" "0 0"
	locked=$(awk '$1 == "VmLck:" { print $2 }' "/proc/$p/status")
	if daemon_asan; then
		note "zramfsd is built with AddressSanitizer, which makes mlockall() a no-op: VmLck $locked kB not checked"
	else
		[ "$locked" -gt 0 ] || fail "pid $p has no locked memory"
		ok "pid $p's memory is locked: VmLck $locked kB"
	fi
done
dio=$(cat "/sys/block/${loop#/dev/}/loop/dio")
expect_eq "$loop direct I/O (no page cache copy of swapped pages)" "$dio" 1
back=$(cat "/sys/block/${loop#/dev/}/loop/backing_file")
expect_eq "$loop backing file" "$back" "$MNT/zramfs0/data"
