# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh: what every system test sources.  System tests run zramfsd for real
# (FUSE, loop devices, swap, memory cgroups), so they need root; they are
# plain scripts with automake's exit codes: 0 pass, 77 skip, anything else
# fail.  Under CI=true a skip is a failure, so a CI runner that lost its
# privileges cannot go green by skipping everything.  The shell tests in
# tests/unit source it too, for the same reporting (note, ok, fail, skip,
# expect_*) and cleanup: sourcing it needs no root (require_root_fuse asks).
#
# Cleanup is a stack: at_exit pushes a command, one trap on EXIT/INT/TERM
# pops and runs them all, newest first, whatever state the test died in.
# A test registers the cleanup for a thing *before* it creates the thing.
# Cleanup only ever touches what this test made: its own mountpoint, the
# loop devices whose backing file lies under that mountpoint, the swap on
# those loop devices, and its own cgroup.
#
# Layout of a test's private state, all under one mktemp directory ($WORK):
#	$WORK/mnt          the mountpoint ($MNT)
#	$WORK/zramfsd.log  the daemon's stderr (shown when the test fails)
#	$WORK/zramfsd.conf an empty config, so /etc/zramfs cannot leak in

_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$_lib_dir/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
: "${ZRAMFSD:=$top_builddir/zramfsd}"
: "${ZRAMFSCTL:=$top_builddir/zramfsctl}"
: "${DATATOOL:=$top_builddir/tests/system/datatool}"
: "${SWAPLOAD:=$top_builddir/tests/system/swapload}"

TEST_NAME=$(basename "$0" .sh)
export LC_ALL=C

# ---- reporting --------------------------------------------------------------

note() { echo "# $*"; }
ok() { echo "ok: $*"; }
# fail MSG: the test fails.  (Within the cleanup it only reports, so that
# the rest of the cleanup still runs.)
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	[ -z "${_in_cleanup:-}" ] || return 1
	exit 1
}
skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $TEST_NAME: cannot run: $* (CI=true: no skipping)" >&2
		exit 1
	fi
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
	ok "$1 = '$3'"
}

# expect_verified OUT NPAGES: swapload's output OUT reports that it checked
# NPAGES pages and found none bad.
expect_verified() {
	grep -qx "verified $2 pages, 0 bad" "$1" ||
		fail "swapload did not report 'verified $2 pages, 0 bad'"
}

# expect_match WHAT GOT ERE
expect_match() {
	[[ $2 =~ $3 ]] || fail "$1: '$2' does not match /$3/"
	ok "$1 '$2' matches /$3/"
}

# strerror NAME: the message bash prints for errno NAME.
strerror() {
	case $1 in
	EINVAL) echo "Invalid argument" ;;
	EBUSY) echo "Device or resource busy" ;;
	ENOSPC) echo "No space left on device" ;;
	ENOENT) echo "No such file or directory" ;;
	ENODEV) echo "No such device" ;;
	ENXIO) echo "No such device or address" ;;
	EACCES) echo "Permission denied" ;;
	EPERM) echo "Operation not permitted" ;;
	EIO) echo "Input/output error" ;;
	EROFS) echo "Read-only file system" ;;
	ERANGE) echo "Numerical result out of range" ;;
	EEXIST) echo "File exists" ;;
	EFBIG) echo "File too large" ;;
	EOPNOTSUPP) echo "Operation not supported" ;;
	ENOMEM) echo "Cannot allocate memory" ;;
	*) echo "unknown errno name $1" >&2; return 1 ;;
	esac
}

# expect_fail ERRNO[|ERRNO...] CMD...: CMD must fail with (one of) those
# errors, judged by the strerror text in its output.
expect_fail() {
	local names=$1 out name text
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded; expected $names"
	fi
	local IFS='|'
	for name in $names; do
		text=$(strerror "$name") || fail "bad errno name $name"
		if [[ $out == *"$text"* ]]; then
			unset IFS
			ok "'$*' fails with $name"
			return 0
		fi
	done
	unset IFS
	fail "'$*': expected $names, got: $out"
}

# expect_fail_any CMD...: CMD must fail, for whatever reason.
expect_fail_any() {
	local out
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded; expected a failure"
	fi
	ok "'$*' fails (${out##*: })"
}

require_root_fuse() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -c /dev/fuse ] || skip "needs /dev/fuse"
	[ -c /dev/loop-control ] || skip "needs /dev/loop-control"
}

require_cmd() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}

require_built() {
	local f
	for f; do
		[ -x "$f" ] || fail "$f: not built (run make check, or set" \
			"top_builddir)"
	done
}

# ---- cleanup stack ----------------------------------------------------------

_cleanup=()
_exit_status=0

# at_exit CMD [ARG...]: run CMD ARG... at exit (newest first).
at_exit() {
	local cmd
	printf -v cmd '%q ' "$@"
	_cleanup+=("$cmd")
}

_run_cleanup() {
	_exit_status=$?
	local i
	set +eu
	trap '' INT TERM
	_in_cleanup=1
	for ((i = ${#_cleanup[@]} - 1; i >= 0; i--)); do
		eval "${_cleanup[i]}"
	done
	_cleanup=()
	exit "$_exit_status"
}
trap _run_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# make_workdir: creates $WORK (once) and registers its removal.
make_workdir() {
	[ -z "${WORK:-}" ] || return 0
	local base=/run
	[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
	at_exit _remove_workdir
	WORK=$(mktemp -d "$base/zramfs-test.$TEST_NAME.XXXXXX") ||
		fail "mktemp"
}

_remove_workdir() {
	[ -n "${WORK:-}" ] && [ -d "$WORK" ] || return 0
	# Never recurse into a mount that is somehow still there.
	if _is_mounted "$WORK/mnt"; then
		note "leaving $WORK: $WORK/mnt is still mounted"
		return 0
	fi
	rm -rf --one-file-system "$WORK"
}

# timebox SECONDS: a watchdog.  After SECONDS the test gets SIGTERM (its
# cleanup runs); if it is stuck in a FUSE call for 60 s more, the daemon
# gets SIGKILL, which aborts the FUSE connection and unsticks it.
timebox() {
	make_workdir
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$1" &
		sp=$!
		wait "$sp"
		echo "FAIL: $TEST_NAME: timed out after $1 s" >&2
		kill -TERM $$ 2>/dev/null
		sleep 60 &
		sp=$!
		wait "$sp"
		pid=$(cat "$WORK/daemon.pid" 2>/dev/null) || exit 0
		comm=$(basename "$ZRAMFSD")
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${comm:0:15}" ] &&
			_kill_holder "$pid"
	) &
	_watchdog=$!
	at_exit kill "$_watchdog"
}

# ---- processes and mounts ---------------------------------------------------

# _kill_holder PID: SIGKILL to the holder PID and its server, which holds
# the FUSE connection too: stopped first, so it starts no other meanwhile.
_kill_holder() {
	kill -STOP "$1" 2>/dev/null
	pkill -KILL -P "$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
}

# pid_state PID: the one-letter state of a process (R, S, D, T, Z ...).
pid_state() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	echo "${stat%% *}"
}

# _pid_alive PID: true while PID exists and is not a zombie.
_pid_alive() {
	local state
	state=$(pid_state "$1") && [ "$state" != Z ]
}

# wait_pid_exit PID SECONDS: true once PID has exited (not reaped).
wait_pid_exit() {
	local deadline=$((SECONDS + $2))
	while _pid_alive "$1"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

_is_mounted() {
	awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts
}

# ---- the daemon -------------------------------------------------------------

# DAEMON_PID is the holder, the process started as zramfsd: it holds the
# mount and the memory; its child, the server (server_pid), serves.
DAEMON_PID=
DAEMON_STATUS=
MNT=

# server_pid: the pid of the holder's server, or nothing (and false) while
# none runs.
server_pid() {
	[ -n "$DAEMON_PID" ] || return 1
	pgrep -P "$DAEMON_PID" -x zramfsd-server
}

# wait_server SECONDS [NOT_PID]: prints the pid of a server (other than
# NOT_PID) once one runs and serves: control/daemon_stat reads.
wait_server() {
	local deadline=$((SECONDS + $1)) pid
	while :; do
		pid=$(server_pid) && [ "$pid" != "${2:-}" ] &&
			timeout -k 1 2 cat "$MNT/control/daemon_stat" \
				>/dev/null 2>&1 && { echo "$pid"; return 0; }
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

# daemon_stat NAME: one field of control/daemon_stat, by name.
_ds_names=(restarts reloads last_gap_us max_gap_us start_failures last_exit
	resend reload_failures holder_pid)
daemon_stat() {
	local pos
	pos=$(_field_pos "$1" "${_ds_names[@]}") || exit 1
	awk -v f="$pos" '{ print $f }' "$MNT/control/daemon_stat"
}

# wait_daemon_stat NAME VALUE [SECONDS]: until daemon_stat's NAME is VALUE
# (the holder counts a restart once the new server says READY).
wait_daemon_stat() {
	local deadline=$((SECONDS + ${3:-5})) v
	until v=$(daemon_stat "$1") && [ "$v" = "$2" ]; do
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "daemon_stat $1 is $v, not $2, after ${3:-5} s"
		sleep 0.05
	done
}

# start_daemon [ARG...]: runs zramfsd -f on a private mountpoint and waits
# until it serves.  Sets MNT, DAEMON_PID, DAEMON_LOG.
start_daemon() {
	require_built "$ZRAMFSD"
	make_workdir
	MNT=$WORK/mnt
	DAEMON_LOG=$WORK/zramfsd.log
	mkdir -p "$MNT" || fail "mkdir $MNT"
	# DAEMON_CONF: a configuration of the test's own; else an empty one,
	# so that nothing in /etc/zramfs is read.
	if [ -n "${DAEMON_CONF:-}" ]; then
		cp "$DAEMON_CONF" "$WORK/zramfsd.conf" || fail "cp $DAEMON_CONF"
	else
		printf '# empty: the built-in defaults\n' >"$WORK/zramfsd.conf"
	fi
	if [ -z "${_stop_registered:-}" ]; then
		at_exit stop_daemon
		_stop_registered=1
	fi

	# In a process group of its own (set -m), so that a ^C meant for the
	# test does not hit the daemon while it serves swap: the cleanup stops
	# it in order, after the test's processes are gone.
	# DAEMON_CGROUP: a cgroup directory to start it in (stress.sh puts it
	# in the memory cgroup of its workload); the test removes that cgroup.
	set -m
	if [ -n "${DAEMON_CGROUP:-}" ]; then
		(
			echo "$BASHPID" >"$DAEMON_CGROUP/cgroup.procs" || exit 126
			exec "$ZRAMFSD" -f -c "$WORK/zramfsd.conf" -m "$MNT" "$@"
		) </dev/null 2>>"$DAEMON_LOG" &
	else
		"$ZRAMFSD" -f -c "$WORK/zramfsd.conf" -m "$MNT" "$@" \
			</dev/null 2>>"$DAEMON_LOG" &
	fi
	DAEMON_PID=$!
	set +m
	echo "$DAEMON_PID" >"$WORK/daemon.pid"

	local deadline=$((SECONDS + 10))
	while [ ! -e "$MNT/control/hot_add" ]; do
		if ! _pid_alive "$DAEMON_PID"; then
			DAEMON_STATUS=0
			wait "$DAEMON_PID" || DAEMON_STATUS=$?
			DAEMON_PID=
			fail "zramfsd exited with status $DAEMON_STATUS" \
				"before serving; log: $(cat "$DAEMON_LOG")"
		fi
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "zramfsd: $MNT/control/hot_add missing after 10 s"
		sleep 0.05
	done
	_is_mounted "$MNT" || fail "$MNT is not in /proc/mounts"
	# TEST_POLL_US: run the test with the FUSE workers polling (poll.sh
	# tests the attribute; this runs any test on the polling path).
	if [ -n "${TEST_POLL_US:-}" ]; then
		wctl poll_us "$TEST_POLL_US" || fail "control/poll_us $TEST_POLL_US"
	fi
	ok "zramfsd (pid $DAEMON_PID) serves $MNT"
}

# daemon_kill SIGNAL SECONDS: signals the daemon (the holder) and waits for
# it to exit.  KILL kills its server too: the daemon dies as a whole, as a
# single process did, leaving its mount dead (holder-kill.sh kills the
# holder alone).  Sets DAEMON_STATUS; returns 1 (daemon still running) on
# timeout.
daemon_kill() {
	[ -n "$DAEMON_PID" ] || fail "daemon_kill: no daemon"
	if [ "$1" = KILL ]; then
		_kill_holder "$DAEMON_PID"
	else
		kill "-$1" "$DAEMON_PID" || return 1
	fi
	wait_pid_exit "$DAEMON_PID" "$2" || return 1
	DAEMON_STATUS=0
	wait "$DAEMON_PID" || DAEMON_STATUS=$?
	DAEMON_PID=
	rm -f "$WORK/daemon.pid"
}

# wait_child PID SECONDS: waits for a child to exit; sets CHILD_STATUS.
# Returns 1 if it is still running after SECONDS.
wait_child() {
	wait_pid_exit "$1" "$2" || return 1
	CHILD_STATUS=0
	wait "$1" || CHILD_STATUS=$?
}

# daemon_asan: whether zramfsd is built with AddressSanitizer, which turns
# mlockall() into a no-op (its shadow memory could never be locked).
daemon_asan() { grep -qa __asan_init "$ZRAMFSD"; }

daemon_rss() {
	awk '/^VmRSS:/ { printf "%.0f\n", $2 * 1024 }' "/proc/$(server_pid)/status"
}

# daemon_threads: what each of the daemon's threads is doing, with the
# kernel stack of those blocked (D), for the report of a failure.
daemon_threads() {
	local t
	for t in /proc/"$(server_pid)"/task/*; do
		note "thread $(cat "$t/comm" 2>/dev/null) ($(awk '{ print $3 }' "$t/stat" 2>/dev/null)): $(cat "$t/wchan" 2>/dev/null)"
		if [ "$(awk '{ print $3 }' "$t/stat" 2>/dev/null)" = D ]; then
			sed 's/^/#     /' "$t/stack" 2>/dev/null | head -n 24
		fi
	done
}

# _our_loops: the loop devices whose backing file lies under $MNT.  (The
# mountpoint is private to this test, so these are ours whoever attached
# them.)  Reads only /sys, never the FUSE mount.
_our_loops() {
	local l back
	for l in /sys/block/loop*; do
		back=$(cat "$l/loop/backing_file" 2>/dev/null) || continue
		case $back in
		"$MNT"/*) echo "/dev/${l##*/}" ;;
		esac
	done
}

_in_proc_swaps() {
	awk -v d="$1" 'NR > 1 && $1 == d { found = 1 } END { exit !found }' \
		/proc/swaps
}

_release_our_loops() {
	local loop
	for loop in $(_our_loops); do
		if _in_proc_swaps "$loop"; then
			note "cleanup: swapoff $loop"
			timeout -k 5 120 swapoff "$loop" ||
				note "cleanup: swapoff $loop failed"
		fi
		note "cleanup: losetup -d $loop"
		losetup -d "$loop" || note "cleanup: losetup -d $loop failed"
	done
}

# The cleanup start_daemon registers: swap off (through the daemon while it
# still serves, so the pages can come back), SIGTERM, SIGKILL after 30 s,
# then whatever loop devices, swap and mount are left.
stop_daemon() {
	local d s
	if [ -n "$DAEMON_PID" ] && _pid_alive "$DAEMON_PID"; then
		for d in $(timeout -k 1 5 ls "$MNT" 2>/dev/null); do
			[[ $d =~ ^zramfs[0-9]+$ ]] || continue
			s=$(timeout -k 1 5 cat "$MNT/$d/swap" 2>/dev/null) ||
				continue
			[[ $s == /dev/loop* ]] || continue
			note "cleanup: $d: swap off (was: $s)"
			timeout -k 5 120 bash -c 'echo off >"$1"' _ \
				"$MNT/$d/swap" || note "cleanup: $d: swap off failed"
		done
		if ! daemon_kill TERM 30; then
			note "cleanup: zramfsd ignored SIGTERM for 30 s"
			_release_our_loops
			if ! daemon_kill TERM 5; then
				_kill_holder "$DAEMON_PID"
				wait "$DAEMON_PID"
				DAEMON_PID=
			fi
		fi
		[ "${DAEMON_STATUS:-0}" = 0 ] ||
			note "cleanup: zramfsd exited with status $DAEMON_STATUS"
	elif [ -n "$DAEMON_PID" ]; then
		DAEMON_STATUS=0
		wait "$DAEMON_PID" 2>/dev/null || DAEMON_STATUS=$?
		DAEMON_PID=
		note "cleanup: zramfsd had already died (status $DAEMON_STATUS)"
	fi
	_release_our_loops
	if _is_mounted "$MNT"; then
		note "cleanup: umount -l $MNT"
		umount -l "$MNT" || note "cleanup: umount $MNT failed"
	fi
	rmdir "$MNT" 2>/dev/null
	if [ "$_exit_status" != 0 ] && [ "$_exit_status" != 77 ] &&
		[ -s "$DAEMON_LOG" ]; then
		echo "--- zramfsd log (last 100 lines) ---" >&2
		tail -n 100 "$DAEMON_LOG" >&2
		echo "--- end of zramfsd log ---" >&2
	fi
}

# ---- devices and attributes -------------------------------------------------

dev_dir() { echo "$MNT/zramfs$1"; }

# attr DEV NAME: the attribute's value (trailing newline stripped).
attr() { cat "$MNT/zramfs$1/$2"; }

# attr_raw DEV NAME: the attribute exactly, newline shown as \n.
attr_raw() {
	local v
	v=$(cat "$MNT/zramfs$1/$2" && echo x) || return 1
	v=${v%x}
	printf '%s' "${v//$'\n'/\\n}"
}

# wattr DEV NAME VALUE: writes VALUE and a newline, as echo would.
wattr() { printf '%s\n' "$3" >"$MNT/zramfs$1/$2"; }

# wctl NAME VALUE: the same for control/NAME.
wctl() { printf '%s\n' "$2" >"$MNT/control/$1"; }

# new_dev SIZE [ALGO[:LEVEL] [GC_MODE]]: hot_add, set the algorithm (and
# its level), the GC mode and the size; prints N.
new_dev() {
	local n alg=${2:-} level=
	[[ $alg != *:* ]] || level=${alg#*:} alg=${alg%%:*}
	n=$(cat "$MNT/control/hot_add") || fail "read control/hot_add"
	[[ $n =~ ^[0-9]+$ ]] || fail "control/hot_add returned '$n'"
	if [ -n "$alg" ]; then
		wattr "$n" comp_algorithm "$alg" ||
			fail "zramfs$n: comp_algorithm $alg"
	fi
	if [ -n "$level" ]; then
		wattr "$n" algorithm_params "level=$level" ||
			fail "zramfs$n: algorithm_params level=$level"
	fi
	if [ -n "${3:-}" ]; then
		wattr "$n" gc_mode "$3" || fail "zramfs$n: gc_mode $3"
	fi
	wattr "$n" disksize "$1" || fail "zramfs$n: disksize $1"
	echo "$n"
}

_mm_names=(orig_data_size compr_data_size mem_used_total mem_limit
	mem_used_max same_pages pages_compacted huge_pages huge_pages_since)
_gc_names=(pending queued_total freed_total max_pending freed_inline)
_io_names=(failed_reads failed_writes invalid_io notify_free)

# _field FILE POSITION NAME [LINE]: one whitespace-separated number from
# FILE, or from LINE, a line read from FILE before.
_field() {
	local v
	if [ $# -gt 3 ]; then
		v=$(awk -v f="$2" '{ print $f }' <<<"$4")
	else
		v=$(awk -v f="$2" '{ print $f }' "$1") || fail "read $1"
	fi
	[[ $v =~ ^[0-9]+$ ]] || fail "$1: field $2 ($3) is '$v', not a number"
	echo "$v"
}

_field_pos() {
	local name=$1 i
	shift
	for ((i = 1; i <= $#; i++)); do
		[ "${!i}" = "$name" ] && { echo "$i"; return 0; }
	done
	fail "unknown field $name"
}

# stat_field FILE NAME [LINE]: one field, by name, of FILE, a stat file of
# zramfs or of the kernel's zram (mm_stat, io_stat or gc_stat), or of
# LINE, a line read from FILE before.
stat_field() {
	local pos
	case ${1##*/} in
	mm_stat) pos=$(_field_pos "$2" "${_mm_names[@]}") ;;
	io_stat) pos=$(_field_pos "$2" "${_io_names[@]}") ;;
	gc_stat) pos=$(_field_pos "$2" "${_gc_names[@]}") ;;
	*) fail "$1: not a stat file" ;;
	esac || exit 1
	_field "$1" "$pos" "$2" "${@:3}"
}

# mm_field DEV NAME: one field of mm_stat, by the kernel's name.
mm_field() { stat_field "$MNT/zramfs$1/mm_stat" "$2"; }

# gc_field DEV NAME: pending, queued_total, freed_total, max_pending or
# freed_inline.
gc_field() { stat_field "$MNT/zramfs$1/gc_stat" "$2"; }

# wait_gc_drained DEV [SECONDS]: until gc_stat pending is 0.
wait_gc_drained() {
	local deadline=$((SECONDS + ${2:-60})) p
	while p=$(gc_field "$1" pending) && [ "$p" != 0 ]; do
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "zramfs$1: gc_stat pending still $p after ${2:-60} s"
		sleep 0.05
	done
}

# swap_on DEV [ARG...]: writes "on ARG..." to swap; sets SWAP_LOOP.
swap_on() {
	local d=$1 s
	shift
	wattr "$d" swap "on${*:+ $*}" || fail "zramfs$d: swap on $*"
	s=$(attr "$d" swap) || fail "zramfs$d: read swap"
	SWAP_LOOP=${s%% *}
	[[ $SWAP_LOOP =~ ^/dev/loop[0-9]+$ ]] ||
		fail "zramfs$d: swap reads '$s' after swap on"
	ok "zramfs$d: swap on $* -> $s"
}

# swap_lock: one test with swap at a time.  Swap areas are global: a second
# test's pages would land on whichever area has the higher priority, and a
# swapoff would pull in pages that are not its own.  Call it before timebox.
swap_lock() {
	require_cmd flock
	local dir=/run/lock
	[ -d "$dir" ] && [ -w "$dir" ] || dir=${TMPDIR:-/tmp}
	exec {_swap_lock_fd}>"${ZRAMFS_TEST_LOCK:-$dir/zramfs-test-swap.lock}"
	flock -w 1800 "$_swap_lock_fd" ||
		fail "another zramfs test held the swap lock for 30 minutes"
}

# _zswap_on: whether zswap would catch swapped pages before the device.
_zswap_on() {
	[ "$(cat /sys/module/zswap/parameters/enabled 2>/dev/null)" = Y ]
}

# ---- memory cgroups ---------------------------------------------------------

# A test that needs one memory cgroup makes it with cg_create and leaves the
# rest to $CG, the default of every cg_* helper.  One that needs several
# names them (cg_create LIMIT NAME) and passes each to the helpers that
# take a CGROUP; cg_run runs in $CG, the cgroup made last, unless the call
# sets CG (CG=... cg_run).
CG=
CG_VER=
CG_PARENT=
CG_PID=
CG_OUT=

# cg_detect: finds the memory controller, v1 or v2, or skips.  Sets CG_VER
# and CG_PARENT, the directory cg_create makes its cgroups in.
cg_detect() {
	[ -z "$CG_PARENT" ] || return 0
	local parent
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		grep -qw memory /sys/fs/cgroup/cgroup.controllers ||
			skip "cgroup v2 without the memory controller"
		CG_VER=2 parent=/sys/fs/cgroup
	elif [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
		CG_VER=1 parent=/sys/fs/cgroup/memory
	elif [ -f /sys/fs/cgroup/unified/cgroup.controllers ] &&
		grep -qw memory /sys/fs/cgroup/unified/cgroup.controllers; then
		CG_VER=2 parent=/sys/fs/cgroup/unified
	else
		skip "no memory cgroup (v1 or v2) mounted"
	fi
	if [ "$CG_VER" = 2 ]; then
		grep -qw memory "$parent/cgroup.subtree_control" ||
			skip "memory controller not enabled in" \
				"$parent/cgroup.subtree_control"
	fi
	CG_PARENT=$parent
}

# cg_create LIMIT [NAME]: a memory cgroup of our own (v1 or v2) limited to
# LIMIT bytes of memory and unlimited swap; NAME tells several of one test
# apart.  Sets CG (and CG_VER).
cg_create() {
	cg_detect
	CG=$CG_PARENT/zramfs-test-$TEST_NAME${2:+-$2}-$$
	at_exit cg_destroy "$CG"
	mkdir "$CG" || fail "mkdir $CG"
	cg_set_limit "$1"
	if [ "$CG_VER" = 1 ]; then
		[ ! -e "$CG/memory.swappiness" ] ||
			echo 100 >"$CG/memory.swappiness" ||
			fail "$CG/memory.swappiness"
		[ ! -e "$CG/memory.memsw.limit_in_bytes" ] ||
			echo -1 >"$CG/memory.memsw.limit_in_bytes" ||
			fail "$CG/memory.memsw.limit_in_bytes"
	else
		[ ! -e "$CG/memory.swap.max" ] ||
			echo max >"$CG/memory.swap.max" ||
			fail "$CG/memory.swap.max"
	fi
	# zswap would keep the pages to itself, away from the device.
	if _zswap_on; then
		if [ -e "$CG/memory.zswap.max" ]; then
			echo 0 >"$CG/memory.zswap.max" || fail "$CG/memory.zswap.max"
		else
			skip "zswap is enabled and cannot be turned off for one" \
				"cgroup here: swapped pages would not reach the device"
		fi
	fi
	ok "cgroup v$CG_VER $CG, memory limit $1"
}

# cg_try_limit BYTES|max [CGROUP]: sets the memory limit of CGROUP ($CG by
# default); returns non-zero if the kernel refuses (it may not manage to
# shrink a cgroup below what it uses).
cg_try_limit() {
	local v=$1
	if [ "$CG_VER" = 1 ]; then
		[ "$v" != max ] || v=-1
		echo "$v" >"${2:-$CG}/memory.limit_in_bytes"
	else
		echo "$v" >"${2:-$CG}/memory.max"
	fi
}

# cg_set_limit BYTES|max [CGROUP]: the same, or the test fails.
cg_set_limit() {
	cg_try_limit "$@" || fail "${2:-$CG}: cannot set the memory limit $1"
}

# cg_run OUTFILE CMD...: runs CMD in the background inside the cgroup,
# stdout and stderr to OUTFILE.  Sets CG_PID and CG_OUT (OUTFILE).
cg_run() {
	CG_OUT=$1
	shift
	[ -n "$CG_PID" ] || at_exit cg_kill
	(
		echo "$BASHPID" >"$CG/cgroup.procs" || exit 126
		exec "$@"
	) >"$CG_OUT" 2>&1 &
	CG_PID=$!
}

# cg_kill [CGROUP]: SIGKILL everything in CGROUP ($CG by default) and wait
# for it to empty; for $CG, reaps cg_run's CG_PID too.
cg_kill() {
	local cg=${1:-$CG}
	[ -n "$cg" ] && [ -d "$cg" ] || return 0
	local deadline=$((SECONDS + 30)) pids
	while pids=$(cat "$cg/cgroup.procs" 2>/dev/null) && [ -n "$pids" ]; do
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		if [ "$SECONDS" -ge "$deadline" ]; then
			note "cleanup: $cg still has processes: $pids"
			return 1
		fi
		sleep 0.1
	done
	if [ "$cg" = "$CG" ] && [ -n "$CG_PID" ]; then
		wait "$CG_PID" 2>/dev/null
		CG_PID=
	fi
}

# cg_destroy [CGROUP]: cg_kill, then removes CGROUP ($CG by default).
cg_destroy() {
	local cg=${1:-$CG}
	[ -n "$cg" ] && [ -d "$cg" ] || return 0
	cg_kill "$cg"
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$cg" 2>/dev/null && return 0
		sleep 0.5
	done
	note "cleanup: cannot remove $cg"
}

# pid_vmswap PID: the process's VmSwap in bytes.
pid_vmswap() {
	awk '/^VmSwap:/ { printf "%.0f\n", $2 * 1024 }' "/proc/$1/status"
}

# swap_used LOOP: bytes of swap in use on LOOP, from /proc/swaps.
swap_used() {
	awk -v d="$1" 'NR > 1 && $1 == d { printf "%.0f\n", $4 * 1024; found = 1 }
		END { if (!found) print 0 }' /proc/swaps
}

mib() { echo "$(($1 / 1048576)) MiB"; }

# ---- swapping to the daemon -------------------------------------------------

# The tests that swap to a zramfs device (swapping.sh, sigterm.sh,
# stress.sh, soak.sh) run swapload in a memory cgroup smaller than its
# working set, so that its pages go out to the device through loop and come
# back.  swap_test and swap_dev set them up; watch_swapload or, for several
# processes, watch_sample watch the daemon meanwhile.

# How long an attribute read may take while the daemon is under load.
MAX_READ_MS=2000

# swap_test SECONDS LIMIT: what such a test needs first: root, swapload,
# the swap lock, a timebox of SECONDS and a memory cgroup limited to LIMIT
# ($CG).
swap_test() {
	require_root_fuse
	require_cmd timeout
	require_built "$SWAPLOAD"
	swap_lock
	timebox "$1"
	cg_create "$2"
}

# swap_dev SIZE: a device of SIZE (lz4) that is swap at the highest
# priority, so that the pages go to it rather than to any swap the machine
# already has, with discard=pages, so that freed slots reach its GC.  Sets
# SWAP_DEV (N) and SWAP_LOOP.
swap_dev() {
	SWAP_DEV=$(new_dev "$1" lz4)
	swap_on "$SWAP_DEV" priority=32767 discard=pages
}

WATCH_READS=0
WATCH_SLOWEST=0
WATCH_ORIG=0
WATCH_MAX_ORIG=0
WATCH_NOTE=

# watch_sample: one look at the daemon under load: it is alive and answers
# a read of SWAP_DEV's mm_stat within MAX_READ_MS (else what its threads do
# is shown).  Counts WATCH_READS and keeps WATCH_SLOWEST, the slowest read
# (ms); sets WATCH_ORIG to orig_data_size and keeps WATCH_MAX_ORIG, its peak.
watch_sample() {
	local f=$MNT/zramfs$SWAP_DEV/mm_stat t0 ms v
	_pid_alive "$DAEMON_PID" || fail "zramfsd died"
	t0=$(date +%s%N)
	if ! v=$(timeout -k 1 "$((MAX_READ_MS / 1000))" cat "$f"); then
		daemon_threads
		fail "reading mm_stat failed or took more than $MAX_READ_MS ms" \
			"(read $WATCH_READS)"
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	WATCH_READS=$((WATCH_READS + 1))
	[ "$ms" -le "$WATCH_SLOWEST" ] || WATCH_SLOWEST=$ms
	[ "$ms" -le "$MAX_READ_MS" ] || fail "reading mm_stat took $ms ms"
	WATCH_ORIG=$(stat_field "$f" orig_data_size "$v")
	[ "$WATCH_ORIG" -le "$WATCH_MAX_ORIG" ] || WATCH_MAX_ORIG=$WATCH_ORIG
}

# watch_swapload SECONDS [EACH]: watches the swapload cg_run started
# (CG_PID, writing to CG_OUT): every half second watch_sample, then EACH, a
# function of the test's that may track more and set WATCH_NOTE to say it
# in the progress note made every 10 s.  Once swapload exits, reaps it (sets
# CHILD_STATUS) and shows its output; fails if it still runs after SECONDS.
# With WATCH_UNTIL=ERE it returns, showing the output so far, as soon as
# swapload prints a line that matches ERE, and fails if it exits first.
watch_swapload() {
	local deadline=$((SECONDS + $1)) until=${WATCH_UNTIL:-} next=0 last
	WATCH_NOTE=
	while _pid_alive "$CG_PID"; do
		if [ -n "$until" ] && grep -qE -- "$until" "$CG_OUT"; then
			cat "$CG_OUT"
			return 0
		fi
		[ "$SECONDS" -lt "$deadline" ] || fail "swapload still running" \
			"after $1 s${until:+ without a line /$until/}"
		watch_sample
		[ -z "${2:-}" ] || "$2"
		if [ "$SECONDS" -ge "$next" ]; then
			last=$(tail -n 1 "$CG_OUT" 2>/dev/null || true)
			note "${last:-starting}; orig_data_size $(mib "$WATCH_ORIG")${WATCH_NOTE:+, $WATCH_NOTE}"
			next=$((SECONDS + 10))
		fi
		sleep 0.5
	done
	wait_child "$CG_PID" 10 || fail "swapload did not exit"
	CG_PID=
	cat "$CG_OUT"
	[ -z "$until" ] || fail "swapload exited (status $CHILD_STATUS)" \
		"before a line /$until/"
}

# wait_swap_drained BYTES WHAT: within 60 s of WHAT (the end of the load),
# SWAP_DEV's orig_data_size falls to BYTES or less with nothing pending in
# its GC: the kernel discarded the freed slots, the discards reached the
# daemon and its GC freed them.  Sets WATCH_ORIG.
wait_swap_drained() {
	local deadline=$((SECONDS + 60)) pending
	while :; do
		WATCH_ORIG=$(mm_field "$SWAP_DEV" orig_data_size)
		pending=$(gc_field "$SWAP_DEV" pending)
		[ "$WATCH_ORIG" -gt "$1" ] || [ "$pending" != 0 ] || return 0
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "60 s after $2: orig_data_size $WATCH_ORIG bytes" \
				"(peak $(mib "$WATCH_MAX_ORIG")), gc pending $pending," \
				"swap used $(mib "$(swap_used "$SWAP_LOOP")");" \
				"gc_stat $(attr "$SWAP_DEV" gc_stat | xargs)"
		sleep 0.5
	done
}

# ---- killing servers (issue 12) ---------------------------------------------

# kill_server_and_wait PID SECONDS: SIGKILL server PID, then wait until it
# is gone and a new server has counted the restart.
kill_server_and_wait() {
	local r0 deadline=$((SECONDS + $2))
	r0=$(daemon_stat restarts)
	kill -KILL "$1" || fail "kill -KILL server $1"
	wait_server "$2" "$1" >/dev/null ||
		fail "no new server $2 s after killing server $1"
	while [ "$(daemon_stat restarts)" -le "$r0" ]; do
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "daemon_stat restarts still $r0 $2 s after" \
				"killing server $1"
		sleep 0.02
	done
}

# mount_id DIR: the mount ID of the mount at DIR (/proc/self/mountinfo).
mount_id() {
	awk -v m="$1" '$5 == m { id = $1 } END { print id }' \
		/proc/self/mountinfo
}

# holder_shm_rss PID: resident bytes of the System V segments PID created.
holder_shm_rss() {
	awk -v p="$1" 'NR > 1 && $5 == p { s += $15 } END { print s + 0 }' \
		/proc/sysvipc/shm
}
