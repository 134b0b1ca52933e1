# SPDX-License-Identifier: GPL-2.0-or-later
# hops.awk: where a swap-in fault's time goes, from `perf script --ns`
# output of bench.sh's hops experiment (issue 13).
#
# Input: perf script -F comm,pid,cpu,time,event,trace --ns of these events,
# recorded system-wide while randswap (pid PID) touches random pages of a
# working set larger than its memory cgroup, on a zramfs swap device whose
# loop device is LOOP ("7,N"):
#   exceptions:page_fault_user   (only PID's)  the fault begins
#   block:block_rq_issue         LOOP, R       the read reaches the loop device
#   fuse:fuse_request_send       FUSE_READ     the loop worker's read is queued
#   fuse:fuse_request_end        its unique    the daemon's reply came back
#   block:block_rq_complete      LOOP, R       the loop device completes it
#   sched:sched_wakeup           PID           the faulting process is woken
#   sched:sched_switch           to PID        and runs again
# Reads of the loop device pair with FUSE_READs in order (the loop device
# submits them in order), with completions by sector, and a completion with
# the next wake-up and run of PID.  Only chains whose read PID itself
# issued right after a fault are kept: that is a swap-in fault waiting for
# its page (readahead that nobody waits for is left out).
#
# Output: one line per hop, "hop NAME n N p50 A p90 B p99 C sum_s S" (the
# percentiles in microseconds, S the hop's time summed over the N chains in
# seconds: where the tail's time goes, which the median does not say), and
# the hop's meaning; then the whole chain.
#
# Usage: awk -v pid=PID -v loop=7,N -f hops.awk perf-script.txt

function us(a, b) { return (b - a) * 1e6 }

function pct(arr, n, p,    i) {
	if (!n)
		return "-"
	i = int(n * p / 100 + 0.999999)
	if (i < 1)
		i = 1
	return sprintf("%.1f", arr[i])
}

function add(hop, v) {
	cnt[hop]++
	val[hop, cnt[hop]] = v
}

# Heapsort of a[1..n] (POSIX awk has no sort).
function sift(a, start, end,    root, child, t) {
	root = start
	while (2 * root <= end) {
		child = 2 * root
		if (child + 1 <= end && a[child] < a[child + 1])
			child++
		if (a[root] >= a[child])
			return
		t = a[root]; a[root] = a[child]; a[child] = t
		root = child
	}
}

function hsort(a, n,    i, t) {
	for (i = int(n / 2); i >= 1; i--)
		sift(a, i, n)
	for (i = n; i > 1; i--) {
		t = a[1]; a[1] = a[i]; a[i] = t
		sift(a, 1, i - 1)
	}
}

function report(hop, what,    i, n, a, sum) {
	n = cnt[hop] + 0
	split("", a)
	for (i = 1; i <= n; i++)
		a[i] = val[hop, i]
	sum = 0
	for (i = 1; i <= n; i++)
		sum += a[i]
	if (n)
		hsort(a, n)
	printf "hop %-9s n %6d p50 %7s p90 %7s p99 %7s sum_s %8.3f   %s\n", hop,
		n, pct(a, n, 50), pct(a, n, 90), pct(a, n, 99), sum / 1e6, what
}

{
	# comm may hold blanks: find the [cpu] field, then pid before it.
	for (f = 1; f <= NF; f++)
		if ($f ~ /^\[[0-9]+\]$/)
			break
	if (f > NF)
		next
	p = $(f - 1)
	t = $(f + 1)
	sub(/:$/, "", t)
	ev = $(f + 2)
	sub(/:$/, "", ev)
	rest = ""
	for (i = f + 3; i <= NF; i++)
		rest = rest " " $i
}

ev == "exceptions:page_fault_user" {
	if (p == pid)
		last_fault = t
	next
}

ev == "block:block_rq_issue" {
	# 7,N R 4096 () SECTOR + N ...
	if ($(f + 3) != loop || $(f + 4) !~ /R/)
		next
	r = ++nrec
	issue[r] = t
	sector[r] = $(f + 7)
	mine[r] = (p == pid && last_fault != "" && us(last_fault, t) < 5000)
	fault[r] = mine[r] ? last_fault : ""
	last_fault = ""
	q[++qtail] = r
	by_sector[sector[r]] = r
	next
}

ev == "fuse:fuse_request_send" {
	# connection C req U opcode 15 (FUSE_READ) len L
	if ($(f + 8) != 15 || qhead >= qtail)
		next
	r = q[++qhead]
	send[r] = t
	by_unique[$(f + 6)] = r
	next
}

ev == "fuse:fuse_request_end" {
	u = $(f + 6)
	if (u in by_unique) {
		fend[by_unique[u]] = t
		delete by_unique[u]
	}
	next
}

ev == "block:block_rq_complete" {
	# 7,N R () SECTOR + N ...
	if ($(f + 3) != loop || $(f + 4) !~ /R/)
		next
	s = $(f + 6)
	if (s in by_sector) {
		r = by_sector[s]
		delete by_sector[s]
		done[r] = t
		if (mine[r])
			waiting = r
	}
	next
}

ev == "sched:sched_wakeup" {
	# comm=X pid=P prio=.. target_cpu=..
	if (waiting && rest ~ (" pid=" pid " ")) {
		wake[waiting] = t
		woken = waiting
		waiting = 0
	}
	next
}

ev == "sched:sched_switch" {
	if (woken && rest ~ ("next_pid=" pid " ")) {
		run[woken] = t
		woken = 0
	}
	next
}

END {
	for (r = 1; r <= nrec; r++) {
		if (!mine[r] || send[r] == "" || fend[r] == "" || done[r] == "" ||
		    wake[r] == "" || run[r] == "")
			continue
		chains++
		add("A", us(fault[r], issue[r]))
		add("B", us(issue[r], send[r]))
		add("C", us(send[r], fend[r]))
		add("D", us(fend[r], done[r]))
		add("E", us(done[r], wake[r]))
		add("F", us(wake[r], run[r]))
		add("total", us(fault[r], run[r]))
	}
	printf "chains %d of %d loop reads (%d after a fault of pid %s)\n",
		chains, nrec, 0 + nmine(), pid
	report("A", "fault -> read issued to the loop device (swap-in path, charge, reclaim)")
	report("B", "issued -> FUSE_READ queued (loop worker wake-up, submission)")
	report("C", "queued -> reply (daemon wake-up, read(2), serve, writev(2))")
	report("D", "reply -> loop read completed")
	report("E", "completed -> faulting process woken")
	report("F", "woken -> running")
	report("total", "fault -> running again (mapping the page not included)")
}

function nmine(    r, n) {
	for (r = 1; r <= nrec; r++)
		n += mine[r]
	return n
}
