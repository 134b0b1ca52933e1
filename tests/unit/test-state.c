// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-state: the daemon's state region (daemon/state.h) and dev.c's
 * restore from it, without FUSE.
 *
 * The crash test plays the holder and a line of servers.  This process
 * keeps the region attached, as the holder does; each server is a forked
 * child that attaches it, restores the device table (dev_restore_all()),
 * finishes what the kernel would replay (an open control/hot_add read), then
 * runs a seeded sequence of operations on the devices (every settable
 * attribute, hot_add as fs.c makes it, hot_remove, reset, opens and
 * releases of data files through the handle table), acknowledging each on a
 * pipe, until it dies: at an armed fault point inside a commit, or by
 * SIGKILL from here at an arbitrary instruction.  The next server's
 * restored state must equal what a run without crashes had after the last
 * acknowledged operation, or after the one in flight; from there it goes on
 * (replaying the operation in flight if it had not taken effect, as
 * FUSE_NOTIFY_RESEND would).  Last, the data files counted open must be
 * exactly those of the handle table: hot_remove says EBUSY while one is
 * open, and succeeds once all are released.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dev.h"
#include "fault.h"
#include "region.h"
#include "state.h"
#include "tap.h"
#include "zlat.h"

#define NDEVS 6          /* devices the sequence uses */
#define NOPS 2000        /* length of the sequence */
#define ROUNDS 400       /* servers at most */
#define SNAP_MAX 4096
#define INO_HOT_ADD 3    /* fs.c's inode numbers */
#define DATA_INO(n) (256 + (uint64_t)(n) * 64 + 1)

static bool slow_here;

static bool on_slow_thread(void)
{
	return slow_here;
}

/* --- helpers ------------------------------------------------------------- */

static const char *show(struct dev *d, const char *name)
{
	static char buf[DEV_ATTR_MAX];
	unsigned i;

	for (i = 0; i < DEV_NATTRS; i++)
		if (!strcmp(dev_attrs[i].name, name) &&
		    dev_attr_show(d, &dev_attrs[i], buf, sizeof(buf)) >= 0) {
			buf[strcspn(buf, "\n")] = '\0';
			return buf;
		}
	return "(unreadable)";
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Everything a user or the kernel can see of the devices and open files,
 * in one string; an open file by the request that opened it and its
 * device (the handle's number differs between runs). */
static void snapshot(char *buf, size_t size)
{
	static uint64_t opens[STATE_HANDLES];
	int ctl = 0, id = -1;
	unsigned nopen = 0, k;
	struct state_fh f;
	uint64_t fh = 0;
	size_t n = 0;

	while ((fh = state_handle_next(fh, &f))) {
		if (f.flags & STATE_FH_DATA)
			opens[nopen++] = (uint64_t)f.dev << 48 | f.open_unique;
		else
			ctl++;
	}
	qsort(opens, nopen, sizeof(opens[0]), cmp_u64);
	memset(buf, 0, size);
	while ((id = dev_next(id)) >= 0) {
		struct dev *d = dev_get(id);

		n += snprintf(buf + n, size - n, "zramfs%d [%s]", id,
			      show(d, "comp_algorithm"));
		n += snprintf(buf + n, size - n, " [%s]",
			      show(d, "algorithm_params"));
		n += snprintf(buf + n, size - n, " %s", show(d, "mem_limit"));
		n += snprintf(buf + n, size - n, " %s", show(d, "gc_mode"));
		n += snprintf(buf + n, size - n, " init=%s",
			      show(d, "initstate"));
		n += snprintf(buf + n, size - n, " swap=%s open",
			      show(d, "swap"));
		for (k = 0; k < nopen && n < size; k++)
			if ((int)(opens[k] >> 48) == id)
				n += snprintf(buf + n, size - n, " %llu",
					      (unsigned long long)(opens[k] &
								   0xffffffff));
		if (n < size)
			n += snprintf(buf + n, size - n, "; ");
		dev_put(d);
	}
	if (n >= size)
		bail_out("snapshot longer than %zu bytes", size);
	snprintf(buf + n, size - n, "control open=%d", ctl);
}

/* The seeded sequence: operation @i is a function of the seed and @i only,
 * and of the state it meets (which a replay recreates). */
static unsigned seed;

static uint32_t op_rand(unsigned i, unsigned k)
{
	uint64_t x = ((uint64_t)seed << 32 | i) * 0x9e3779b97f4a7c15ull +
		     k * 0xbf58476d1ce4e5b9ull;

	x ^= x >> 31;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 29;
	return (uint32_t)x;
}

/* The kernel's read of control/hot_add through @fh, as fs.c renders it:
 * the device the open made already (a read continued by a new server), or
 * a new one. */
static void hot_add_read(uint64_t fh)
{
	struct state_fh f;
	int id;

	if (state_handle_get(fh, &f))
		return;
	id = f.hot_add_id >= 0 ? f.hot_add_id : dev_hot_add(fh);
	if (id >= 0)
		state_handle_set_hot_add(fh, id);
}

/* fs.c's release of a data file: the entry, then the private count. */
static void release_data(uint64_t fh, int id)
{
	struct dev *d = dev_get(id);

	state_handle_free(fh);
	if (d) {
		dev_data_release(d);
		dev_put(d);
	}
}

/* What an operation answered, and for a release, which open it ended
 * (by the unique of its OPEN). */
struct op_result {
	int ret;
	uint64_t closed;
};

/* The unique of operation @i's request (0 is none). */
static uint64_t op_unique(unsigned i)
{
	return (uint64_t)i + 1;
}

/* The kind of operation @i. */
enum { OP_ADD, OP_REMOVE, OP_ALGO, OP_PARAMS, OP_LIMIT, OP_GC, OP_RESET,
       OP_OPEN, OP_OPEN2, OP_CLOSE, OP_HOTADD, OP_KINDS };

static unsigned op_kind(unsigned i)
{
	return op_rand(i, 0) % OP_KINDS;
}

/*
 * Runs operation @i as the request fs.c would serve: @replay as
 * FUSE_NOTIFY_RESEND replays it, with the first run's answer @first (a
 * release ends the same open again, which its fh names in the kernel).
 */
static struct op_result run_op(unsigned i, const struct op_result *first)
{
	static const char *const algos[] = { "lz4", "lz4hc", "zstd" };
	static const char *const params[] = { "level=3", "algo=zstd level=7",
					      "algo=lz4 level=2", "" };
	static const char *const limits[] = { "0", "1M", "64M", "4095" };
	struct op_result r = { -ENOENT, 0 };
	int id = (int)(op_rand(i, 1) % NDEVS);
	unsigned v = op_rand(i, 2), op = op_kind(i);
	struct state_fh f = { .open_unique = op_unique(i), .dev = -1 };
	struct dev *d = NULL;
	uint64_t fh = 0;

	dev_set_request(op_unique(i) | (first ? DEV_REQ_RESEND : 0));
	if (op >= OP_ALGO && op <= OP_OPEN2 && !(d = dev_get(id)))
		goto out;
	switch (op) {
	case OP_ADD:
		r.ret = dev_add(id);
		break;
	case OP_REMOVE:
		r.ret = dev_hot_remove(id);
		break;
	case OP_ALGO:
		r.ret = dev_store(d, "comp_algorithm", algos[v % 3]);
		break;
	case OP_PARAMS:
		r.ret = dev_store(d, "algorithm_params", params[v % 4]);
		break;
	case OP_LIMIT:
		r.ret = dev_store(d, "mem_limit", limits[v % 4]);
		break;
	case OP_GC:
		r.ret = dev_store(d, "gc_mode", v % 2 ? "sync" : "async");
		break;
	case OP_RESET:
		r.ret = dev_store(d, "reset", "1");
		break;
	case OP_OPEN:
	case OP_OPEN2:
		/* as fs_open(): a replay finds the handle its first run made */
		r.ret = 0;
		if (first && (fh = state_handle_find(op_unique(i))))
			break;
		r.ret = dev_data_open(d);
		if (r.ret)
			break;
		f.ino = DATA_INO(id);
		f.dev = id;
		f.flags = STATE_FH_DATA | (v % 2 ? STATE_FH_DIRECT : 0);
		r.ret = state_handle_new(&f, &fh);
		if (r.ret)
			dev_data_release(d);
		break;
	case OP_CLOSE:
		/* the oldest open of the device's data file; a replay ends
		 * the one the first run did, if it is still open */
		r.ret = 0;
		if (first) {
			fh = state_handle_find(first->closed);
			if (fh)
				release_data(fh, id);
			r.closed = first->closed;
			break;
		}
		while ((fh = state_handle_next(fh, &f)))
			if ((f.flags & STATE_FH_DATA) && f.dev == id &&
			    (!r.closed || f.open_unique < r.closed))
				r.closed = f.open_unique;
		fh = state_handle_find(r.closed);
		if (fh)
			release_data(fh, id);
		break;
	case OP_HOTADD:
		/* open control/hot_add, read it, release it (three requests:
		 * not replayed as one); at most NDEVS devices, so that the
		 * new one is one of those above */
		r.ret = 0;
		for (id = -1, v = 0; (id = dev_next(id)) >= 0; v++)
			;
		if (v >= NDEVS)
			break;
		f.ino = INO_HOT_ADD;
		r.ret = state_handle_new(&f, &fh);
		if (r.ret)
			break;
		hot_add_read(fh);
		state_handle_free(fh);
		break;
	}
	if (d)
		dev_put(d);
out:
	dev_set_request(0);
	return r;
}

/* What the kernel replays for a dead server: the read and release of an
 * open control/hot_add file (data files stay open). */
static void finish_control_reads(void)
{
	struct state_fh f;
	uint64_t fh = 0;

	while ((fh = state_handle_next(fh, &f)))
		if (!(f.flags & STATE_FH_DATA) && f.ino == INO_HOT_ADD) {
			hot_add_read(fh);
			state_handle_free(fh);
		}
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static void write_full(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		_exit(3);
}

/* --- the run without crashes ---------------------------------------------- */

/* golden[j]: the snapshot after the first j operations; golden_res[i]:
 * what operation i answered. */
static char (*golden)[SNAP_MAX];
static struct op_result golden_res[NOPS];

static void golden_run(void)
{
	int p[2], status;
	pid_t pid;
	unsigned i;

	golden = calloc(NOPS + 1, SNAP_MAX);
	if (!golden || pipe(p))
		bail_out("golden run");
	pid = fork();
	if (pid == 0) {
		char snap[SNAP_MAX];

		close(p[0]);
		if (state_open(-1))
			_exit(2);
		for (i = 0; i <= NOPS; i++) {
			struct op_result r;

			if (i) {
				r = run_op(i - 1, NULL);
				write_full(p[1], &r, sizeof(r));
			}
			snapshot(snap, sizeof(snap));
			write_full(p[1], snap, sizeof(snap));
		}
		_exit(0);
	}
	close(p[1]);
	for (i = 0; i <= NOPS; i++)
		if ((i && read_full(p[0], &golden_res[i - 1],
				    sizeof(golden_res[0]))) ||
		    read_full(p[0], golden[i], SNAP_MAX))
			break;
	close(p[0]);
	waitpid(pid, &status, 0);
	if (i <= NOPS)
		bail_out("golden run: snapshot %u missing (status %#x)", i,
			 status);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		bail_out("golden run failed");
}

/* --- the servers -------------------------------------------------------- */

static const char *const points[] = {
	"state.conf.before_flip", "state.handle.before_open",
	"hot_add.after_create",   "hot_remove.after_commit",
	"reset.after_commit",     "test.before_reply",
};

struct round {
	int fault;       /* index into points, -1: SIGKILL from outside */
	unsigned nth;    /* the hit that fires, or microseconds before the
			  * kill */
	unsigned ops;    /* then it ends by itself (a clean exit) */
};

/* What a server says after replaying the operation in flight. */
struct replay_report {
	int replayed;
	struct op_result res;
	char snap[SNAP_MAX];
};

/*
 * A server: attaches state region @id, restores, sends its snapshot, learns
 * how many operations were acknowledged and whether the one in flight took
 * effect, replays it as FUSE_NOTIFY_RESEND would and reports, then runs
 * the sequence on with @r armed, acknowledging each operation with a byte.
 */
static void server(int id, const struct round *r, int to_parent,
		   int from_parent)
{
	static struct replay_report rep;
	char snap[SNAP_MAX], spec[64];
	unsigned next, end, in[2];
	int ret;

	ret = state_open(id);
	if (!ret)
		ret = dev_restore_all();
	if (ret) {
		snprintf(snap, sizeof(snap), "restore failed: %s",
			 strerror(-ret));
		memset(snap + strlen(snap), 0, sizeof(snap) - strlen(snap));
	} else {
		finish_control_reads();
		snapshot(snap, sizeof(snap));
	}
	write_full(to_parent, snap, sizeof(snap));
	if (read_full(from_parent, in, sizeof(in)) || in[0] > NOPS)
		_exit(0);
	next = in[0];
	if (next < NOPS) {
		/* A hot_add (three requests) or a device the configuration
		 * made is not replayed as one request once it took effect. */
		unsigned kind = op_kind(next);

		rep.replayed = !(in[1] && (kind == OP_ADD ||
					   kind == OP_HOTADD));
		if (rep.replayed)
			rep.res = run_op(next, &golden_res[next]);
		snapshot(rep.snap, sizeof(rep.snap));
		write_full(to_parent, &rep, sizeof(rep));
		next++;
	}
	if (r->fault >= 0) {
		snprintf(spec, sizeof(spec), "%s:%u:kill", points[r->fault],
			 r->nth);
		if (fault_arm(spec))
			_exit(4);
	}
	for (end = next + r->ops; next < NOPS && next < end; next++) {
		run_op(next, NULL);
		/* Done, not answered: what FUSE_NOTIFY_RESEND replays. */
		FAULT_POINT("test.before_reply");
		write_full(to_parent, "A", 1);
	}
	_exit(0);
}

/* Waits @us microseconds without giving the CPU up. */
static void spin_us(unsigned us)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000 + t.tv_nsec - t0.tv_nsec <
	       (long)us * 1000);
}

/* @return the next operation after a restore that shows @snap with @acked
 * operations acknowledged, or -1 if it matches neither allowed state. */
static int match(const char *snap, unsigned acked)
{
	if (!strncmp(snap, golden[acked], SNAP_MAX))
		return (int)acked; /* the one in flight is replayed */
	if (acked < NOPS && !strncmp(snap, golden[acked + 1], SNAP_MAX))
		return (int)acked + 1; /* it had taken effect */
	return -1;
}

/* @return whether a last server restored the state (for
 * test_open_counts()). */
static bool test_crashes(void)
{
	struct zregion *keep;
	unsigned acked = 0, rounds = 0, by_fault = 0, by_kill = 0, bad = 0,
		 replays_done = 0;
	char snap[SNAP_MAX];
	bool done = false;
	int id;

	srand(seed);
	golden_run();
	/* This process is the holder: it keeps the region between servers. */
	if (state_open(-1))
		bail_out("state_open(-1)");
	id = state_region_id();
	if (region_attach(id, &keep))
		bail_out("region_attach");
	state_close();

	while (!done && rounds < ROUNDS) {
		bool by_fault_point = rand() % 3;
		int point = rand() % 9; /* test.before_reply 4 times in 9 */
		struct round r = { .fault = by_fault_point ? (point < 5 ? point
									: 5)
							   : -1,
				   .nth = 1 + (unsigned)rand() %
						      (by_fault_point ? 4 : 60),
				   .ops = 20 + (unsigned)rand() % 80 };
		static struct replay_report report;
		int up[2], down[2], status, next;
		unsigned in[2];
		pid_t pid;
		char c;

		if (pipe(up) || pipe(down))
			bail_out("pipe");
		pid = fork();
		if (pid < 0)
			bail_out("fork");
		if (pid == 0) {
			close(up[0]);
			close(down[1]);
			server(id, &r, up[1], down[0]);
		}
		close(up[1]);
		close(down[0]);
		if (read_full(up[0], snap, sizeof(snap)))
			bail_out("server %u sent no snapshot", rounds);
		next = match(snap, acked);
		if (next < 0) {
			diag("round %u, %u acknowledged: restored '%.300s'",
			     rounds, acked, snap);
			diag("  expected '%.300s'", golden[acked]);
			if (acked < NOPS)
				diag("  or       '%.300s'", golden[acked + 1]);
			bad++;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		in[0] = acked;
		in[1] = (unsigned)next > acked; /* it took effect */
		write_full(down[1], in, sizeof(in));
		if (acked < NOPS) {
			if (read_full(up[0], &report, sizeof(report)))
				bail_out("server %u sent no replay", rounds);
			if (strncmp(report.snap, golden[acked + 1], SNAP_MAX) ||
			    (report.replayed &&
			     report.res.ret != golden_res[acked].ret)) {
				diag("round %u: operation %u (kind %u) "
				     "replayed%s: answered %d, first %d; "
				     "'%.300s', expected '%.300s'", rounds,
				     acked, op_kind(acked),
				     in[1] ? " after it took effect" : "",
				     report.res.ret, golden_res[acked].ret,
				     report.snap, golden[acked + 1]);
				bad++;
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				break;
			}
			replays_done += report.replayed && in[1];
			acked++;
		}
		if (r.fault < 0) {
			/* At whatever instruction it is at by then. */
			spin_us(r.nth);
			kill(pid, SIGKILL);
		}
		while (read(up[0], &c, 1) == 1)
			acked++;
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status) && r.fault >= 0)
			by_fault++;
		else if (WIFSIGNALED(status))
			by_kill++;
		else if (!WIFEXITED(status) || WEXITSTATUS(status))
			bail_out("server %u failed: status %#x", rounds,
				 status);
		done = acked == NOPS;
		close(up[0]);
		close(down[1]);
		rounds++;
	}
	ok(!bad, "seed %u: after each of %u servers (%u died at a fault "
	   "point inside a commit, %u by SIGKILL, the others exited) the "
	   "restored devices, settings and open files are those "
	   "acknowledged, or with the operation in flight done; replayed as "
	   "FUSE_NOTIFY_RESEND would (%u after it took effect), it answers "
	   "as its first run did and leaves the same state", seed, rounds,
	   by_fault, by_kill, replays_done);
	ok(by_fault > 0 && by_kill > 0, "both kinds of death happened");

	/* This process becomes the last server. */
	if (!bad && !state_open(id)) {
		bad = dev_restore_all() != 0;
		ok(!bad, "a last server restores");
		finish_control_reads();
		snapshot(snap, sizeof(snap));
		ok(match(snap, acked) >= 0, "and finds what was acknowledged");
	}
	region_drop(keep);
	return !bad && state_region_id() >= 0;
}

/* The data files counted open per device are those of the handle table
 * the last server restored. */
static void test_open_counts(void)
{
	struct state_fh f;
	uint64_t fh = 0;
	int id, open[DEV_MAX] = { 0 }, busy_ok = 1, free_ok = 1;

	while ((fh = state_handle_next(fh, &f)))
		if (f.flags & STATE_FH_DATA)
			open[f.dev]++;
	for (id = 0; id < DEV_MAX; id++)
		if (open[id] && dev_hot_remove(id) != -EBUSY)
			busy_ok = 0;
	fh = 0;
	while ((fh = state_handle_next(fh, &f)))
		if (f.flags & STATE_FH_DATA)
			release_data(fh, f.dev);
	for (id = dev_next(-1); id >= 0; id = dev_next(id))
		if (dev_hot_remove(id))
			free_ok = 0;
	ok(busy_ok, "hot_remove says EBUSY for each device whose data file "
	   "the restored handle table has open");
	ok(free_ok, "and once they are released every device goes");
}

/* --- the region itself ---------------------------------------------------- */

/*
 * The layout a new server reads must be the one the old one wrote: any
 * change of the offsets below must come with a new STATE_LAYOUT_VERSION,
 * and this table is the record of version 2 (version 1 had no lat, and
 * state_dev was 648 bytes).  (The struct sizes are in
 * the header, which state_open() checks; a field moved within the same
 * size is caught here only.)
 */
static void test_layout(void)
{
#define F(type, field, want) \
	{ #type "." #field, offsetof(struct type, field), want }
	static const struct {
		const char *name;
		size_t off, want;
	} fields[] = {
		F(state_hdr, magic, 0),
		F(state_hdr, layout, 8),
		F(state_hdr, hdr_size, 12),
		F(state_hdr, dev_size, 16),
		F(state_hdr, handle_size, 20),
		F(state_hdr, ndevs, 24),
		F(state_hdr, nhandles, 28),
		F(state_hdr, endian, 32),
		F(state_hdr, devs_off, 40),
		F(state_hdr, handles_off, 48),
		F(state_hdr, bytes, 56),
		F(state_hdr, ready, 64),
		F(state_conf, unique, 0),
		F(state_conf, disksize, 8),
		F(state_conf, mem_limit, 16),
		F(state_conf, store_id, 24),
		F(state_conf, gc_mode, 28),
		F(state_conf, algorithm, 32),
		F(state_conf, params, 64),
		F(state_conf, params_algo, 192),
		F(state_swap, unique, 0),
		F(state_swap, intent, 8),
		F(state_swap, priority, 12),
		F(state_swap, discard, 16),
		F(state_swap, file_dev, 24),
		F(state_swap, file_ino, 32),
		F(state_swap, loop_dev, 40),
		F(state_dev, present, 0),
		F(state_dev, conf_cur, 4),
		F(state_dev, swap_cur, 8),
		F(state_dev, spare_store, 12),
		F(state_dev, created_ns, 16),
		F(state_dev, modified_ns, 24),
		F(state_dev, accessed_ns, 32),
		F(state_dev, created_by, 40),
		F(state_dev, removed_by, 48),
		F(state_dev, conf, 56),
		F(state_dev, swap, 504),
		F(state_dev, lat, 704),
		F(state_handle, gen, 0),
		F(state_handle, state, 4),
		F(state_handle, open_unique, 8),
		F(state_handle, ino, 16),
		F(state_handle, dev, 24),
		F(state_handle, flags, 28),
		F(state_handle, hot_add_id, 32),
	};
#undef F
	unsigned bad = 0;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].off != fields[i].want) {
			diag("%s at %zu, version 2 has it at %zu",
			     fields[i].name, fields[i].off, fields[i].want);
			bad++;
		}
	ok(STATE_LAYOUT_VERSION == 2 && !bad &&
		   sizeof(struct state_hdr) == 72 &&
		   sizeof(struct state_dev) == 3264 &&
		   sizeof(struct state_handle) == 40,
	   "every shared field is where layout version 2 has it");
}

/* @return state_open(@id) after @poke changed the region. */
static int open_poked(int id, void (*poke)(char *base))
{
	struct zregion *zr;

	if (region_attach(id, &zr))
		bail_out("region_attach");
	poke(zregion_base(zr));
	zregion_detach(zr);
	return state_open(id);
}

static char saved[sizeof(struct state_hdr)];

static void save_hdr(char *base)
{
	memcpy(saved, base, sizeof(saved));
}

static void restore_hdr(char *base)
{
	memcpy(base, saved, sizeof(saved));
}

static void bump_layout(char *base)
{
	((struct state_hdr *)base)->layout++;
}

static void bad_magic(char *base)
{
	base[0] ^= 1;
}

static void other_endian(char *base)
{
	((struct state_hdr *)base)->endian = 0x0807060504030201ull;
}

static void bad_conf_cur(char *base)
{
	struct state_hdr *h = (struct state_hdr *)base;
	struct state_dev *r = (struct state_dev *)(base + h->devs_off);

	atomic_store(&r[3].conf_cur, 2);
}

static void fix_conf_cur(char *base)
{
	struct state_hdr *h = (struct state_hdr *)base;
	struct state_dev *r = (struct state_dev *)(base + h->devs_off);

	atomic_store(&r[3].conf_cur, 0);
}

static void test_validation(void)
{
	struct zregion *keep;
	int id, ret;

	ok(state_open(-1) == 0 && state_region_id() >= 0,
	   "state_open(-1) makes a region");
	ok(state_open(-1) == -EEXIST, "a second state_open says EEXIST");
	id = state_region_id();
	if (region_attach(id, &keep))
		bail_out("region_attach");
	state_close();
	ok(state_region_id() == -1, "state_close: no region any more");
	ok(state_open(id) == 0, "a new process attaches it by its id");
	state_close();

	open_poked(id, save_hdr);
	state_close();
	ret = open_poked(id, bump_layout);
	ok(ret == -EPROTO && state_region_id() == -1,
	   "another layout version is refused with EPROTO (%d)", ret);
	open_poked(id, restore_hdr);
	state_close();
	ret = open_poked(id, other_endian);
	ok(ret == -EPROTO, "another byte order is refused with EPROTO");
	open_poked(id, restore_hdr);
	state_close();
	ret = open_poked(id, bad_magic);
	ok(ret == -EUCLEAN, "no magic: refused with EUCLEAN");
	open_poked(id, restore_hdr);
	state_close();
	ret = open_poked(id, bad_conf_cur);
	ok(ret == -EUCLEAN, "a record's shadow index out of range: EUCLEAN");
	ret = open_poked(id, fix_conf_cur);
	ok(ret == 0, "the same region, mended, is accepted");
	state_close();
	ok(state_open(12345678) < 0, "an id that names no region fails");
	region_drop(keep);
}

static void test_handles(void)
{
	struct state_fh f = { .ino = 77, .dev = 2, .flags = STATE_FH_DATA },
			g;
	uint64_t fh, fh2;
	unsigned n;

	if (state_open(-1))
		bail_out("state_open");
	ok(state_handle_new(&f, &fh) == 0 && fh >> 32 &&
		   state_handle_get(fh, &g) == 0 && g.ino == 77 &&
		   g.dev == 2 && g.flags == STATE_FH_DATA && g.hot_add_id == -1,
	   "a handle is index | generation << 32 and holds what was opened");
	ok(state_handle_get(0, &g) == -EBADF &&
		   state_handle_get((uint64_t)STATE_HANDLES, &g) == -EBADF &&
		   state_handle_get(fh + (1ull << 32), &g) == -EBADF,
	   "fh 0, an index past the table and a wrong generation: EBADF");
	ok(state_handle_free(fh) == 0 && state_handle_free(fh) == -EBADF &&
		   state_handle_get(fh, &g) == -EBADF,
	   "a released handle is EBADF, and so is its second release");
	ok(state_handle_new(&f, &fh2) == 0 && (uint32_t)fh2 == (uint32_t)fh &&
		   fh2 != fh && state_handle_get(fh, &g) == -EBADF,
	   "its entry, taken again, has another generation: the old fh "
	   "stays stale");
	state_handle_free(fh2);
	for (n = 0; !state_handle_new(&f, &fh); n++)
		;
	ok(n == STATE_HANDLES && state_handle_new(&f, &fh) == -ENFILE,
	   "%u files open at once; one more is ENFILE", n);
	state_close();
}

/* Records a device that no attribute could have written, or an
 * initialised one: the restore refuses the state and builds nothing. */
static void test_refusals(void)
{
	struct state_conf c;
	struct state_swap s = { .intent = STATE_SWAP_ATTACHING,
				.priority = 5,
				.loop_dev = "/nonexistent/loop7" };
	struct state_dev *r;
	struct dev *d;
	int ret;

	if (state_open(-1))
		bail_out("state_open");
	if (dev_add(4) != 4)
		bail_out("dev_add");
	dev_destroy_all(); /* this process's table only: a new server */
	r = state_dev(4);
	c = *state_conf(r);
	strcpy(c.algorithm, "lzo");
	state_conf_commit(r, &c);
	ret = dev_restore_all();
	ok(ret == -EUCLEAN && dev_next(-1) < 0,
	   "a recorded algorithm this build lacks is refused (%d), nothing "
	   "built", ret);
	strcpy(c.algorithm, "zstd");
	c.disksize = 1 << 20;
	state_conf_commit(r, &c);
	ret = dev_restore_all();
	ok(ret == -EUCLEAN && dev_next(-1) < 0,
	   "an initialised device whose store cannot be attached is refused "
	   "(%d), nothing built", ret);

	c.disksize = 0;
	state_conf_commit(r, &c);
	state_swap_commit(r, &s);
	d = NULL;
	ok(dev_restore_all() == 0 && (d = dev_get(4)), "the mended state "
	   "restores");
	if (!d)
		bail_out("no device 4 to go on with");
	ok(!strcmp(show(d, "swap"), "/nonexistent/loop7 priority=5 "
				    "discard=none") &&
		   dev_store(d, "reset", "1") == -EBUSY,
	   "a swap on cut short is restored as it was recorded, and reset "
	   "waits for the reconciliation (EBUSY)");
	slow_here = false;
	ok(dev_reconcile_swap() == -EDEADLK, "reconciling is for the slow "
	   "thread");
	slow_here = true;
	ok(dev_reconcile_swap() == 0 && !strcmp(show(d, "swap"), "none") &&
		   state_swap(r)->intent == STATE_SWAP_OFF &&
		   dev_store(d, "reset", "1") == 0,
	   "a loop device that is gone: swap off, recorded, reset works");
	dev_put(d);
	dev_destroy_all();
	state_close();
}

/* @return the count of @kind's line in latency_stat of @d, or -1. */
static long long latency_count(struct dev *d, enum zlat_kind kind)
{
	struct zlat_hist h[ZLAT_NKINDS];
	char buf[DEV_ATTR_MAX];
	unsigned i;

	for (i = 0; i < DEV_NATTRS; i++)
		if (!strcmp(dev_attrs[i].name, "latency_stat") &&
		    dev_attr_show(d, &dev_attrs[i], buf, sizeof(buf)) >= 0 &&
		    !zlat_parse(buf, h))
			return (long long)h[kind].count;
	return -1;
}

/* latency_stat's counters live in the state region: a new server goes
 * on from them; reset and the hot_add of the same number clear them. */
static void test_latency(void)
{
	struct dev *d;

	if (state_open(-1))
		bail_out("state_open");
	if (dev_add(5) != 5 || !(d = dev_get(5)))
		bail_out("dev_add");
	zlat_record(dev_latency(d), ZLAT_READ, 18000);
	zlat_record(dev_latency(d), ZLAT_READ, 60000);
	zlat_record(dev_latency(d), ZLAT_WRITE, 30000);
	dev_put(d);
	dev_destroy_all(); /* this process's table only: a new server */
	ok(dev_restore_all() == 0 && (d = dev_get(5)) &&
		   latency_count(d, ZLAT_READ) == 2 &&
		   latency_count(d, ZLAT_WRITE) == 1 &&
		   latency_count(d, ZLAT_DISCARD) == 0,
	   "a new server shows the counts of the old one");
	ok(dev_store(d, "reset", "1") == 0 &&
		   latency_count(d, ZLAT_READ) == 0 &&
		   latency_count(d, ZLAT_WRITE) == 0,
	   "reset clears them");
	zlat_record(dev_latency(d), ZLAT_DISCARD, 1000);
	dev_put(d);
	ok(dev_hot_remove(5) == 0 && dev_add(5) == 5 && (d = dev_get(5)) &&
		   latency_count(d, ZLAT_DISCARD) == 0,
	   "a device made again under the same number starts from zero");
	dev_put(d);
	dev_destroy_all();
	state_close();
}

/* A store replayed after it took effect (FUSE_NOTIFY_RESEND marks the
 * replay with bit 63 of the same unique) answers as the first run did. */
static void test_replays(void)
{
	struct dev *d;
	int ret;

	if (state_open(-1) || dev_add(0) || !(d = dev_get(0)))
		bail_out("set-up");
	dev_set_request(100);
	ok(dev_store(d, "disksize", "1M") == 0, "disksize, request 100");
	dev_set_request(100 | DEV_REQ_RESEND);
	ret = dev_store(d, "disksize", "1M");
	dev_set_request(101 | DEV_REQ_RESEND);
	ok(ret == 0 && dev_store(d, "disksize", "1M") == -EBUSY,
	   "its replay answers 0 (%d); a replay of another request, which "
	   "never ran, is refused as a second store", ret);
	dev_set_request(102);
	ok(dev_store(d, "disksize", "1M") == -EBUSY, "a new write: EBUSY");
	dev_set_request(103);
	ok(dev_store(d, "mem_limit", "8M") == 0, "mem_limit, request 103");
	dev_set_request(100 | DEV_REQ_RESEND);
	ok(dev_store(d, "disksize", "1M") == -EBUSY, "a replay after a later "
	   "store committed is a second store (the record remembers the "
	   "last request)");
	dev_put(d);
	dev_set_request(200);
	ok(dev_hot_remove(0) == 0, "hot_remove, request 200");
	dev_set_request(0);
	ok(dev_add(0) == 0, "the number goes to a new device");
	dev_set_request(200 | DEV_REQ_RESEND);
	ret = dev_hot_remove(0);
	dev_set_request(201);
	ok(ret == 0 && (d = dev_get(0)) && dev_hot_remove(0) == 0 &&
		   dev_hot_remove(0) == -ENOENT,
	   "its replay answers 0 and leaves the new device alone; a new "
	   "hot_remove removes it, the next says ENOENT");
	if (d)
		dev_put(d);
	dev_set_request(0);
	dev_destroy_all();
	state_close();
}

/* --- initialised devices: stores in regions ------------------------------ */

#define STORE_PAGES 64

/* Page @i of device @id's pattern: every fifth page zero-filled. */
static void pattern(int id, unsigned i, unsigned char *page)
{
	unsigned j;

	for (j = 0; j < 4096; j++)
		page[j] = i % 5 ? (unsigned char)(i * 31 + id + j / 512) : 0;
}

/* @return whether device @id holds its pattern. */
static bool has_pattern(struct dev *d, int id)
{
	unsigned char want[4096], got[4096];
	unsigned i;

	for (i = 0; i < STORE_PAGES; i++) {
		pattern(id, i, want);
		if (dev_data_read(d, got, sizeof(got), (uint64_t)i * 4096) !=
			    (ssize_t)sizeof(got) ||
		    memcmp(want, got, sizeof(got)))
			return false;
	}
	return true;
}

enum store_op { SOP_DISKSIZE, SOP_RESET, SOP_HOT_REMOVE, SOP_MEM_LIMIT };
static const char *const store_op_names[] = {
	"disksize 2M", "reset", "hot_remove", "mem_limit 128M"
};

static const struct store_case {
	enum store_op op;
	const char *point; /* where the old server dies; NULL: after it */
	bool done;         /* the operation is committed there */
} store_cases[] = {
	{ SOP_DISKSIZE, "state.conf.before_flip:1", false },
	{ SOP_DISKSIZE, "disksize.after_commit", true },
	{ SOP_DISKSIZE, NULL, true },
	{ SOP_RESET, "state.conf.before_flip:1", false },
	{ SOP_RESET, "reset.after_commit", true },
	{ SOP_HOT_REMOVE, "hot_remove.after_commit", true },
	{ SOP_MEM_LIMIT, "state.conf.before_flip:1", false },
	{ SOP_MEM_LIMIT, NULL, true },
};

static int old_to_holder = -1, holder_to_old = -1;

/*
 * The old server's death: hands the holder (this test's main process)
 * every region id the state names, which it keeps from now on, then dies
 * with all its threads.
 */
static void old_server_dies(const char *name)
{
	int ids[2 + 2 * DEV_MAX], n = 0, id;
	char c;

	(void)name;
	ids[n++] = state_region_id();
	for (id = 0; id < DEV_MAX; id++) {
		struct state_dev *r = state_dev(id);

		if (state_conf(r)->store_id >= 0)
			ids[n++] = state_conf(r)->store_id;
		if (atomic_load(&r->spare_store) >= 0)
			ids[n++] = atomic_load(&r->spare_store);
	}
	write_full(old_to_holder, &n, sizeof(n));
	write_full(old_to_holder, ids, sizeof(ids[0]) * (size_t)n);
	if (read(holder_to_old, &c, 1) != 1)
		_exit(5);
	raise(SIGKILL);
}

static int store_set_up(const struct store_case *t)
{
	unsigned char page[4096];
	struct state_fh f = { .ino = DATA_INO(2), .dev = 2,
			      .flags = STATE_FH_DATA };
	struct dev *d[3];
	uint64_t fh;
	unsigned i;
	int id;

	if (state_open(-1) || dev_add(0) || dev_add(1) != 1 ||
	    dev_add(2) != 2)
		return -1;
	for (id = 0; id < 3; id++)
		d[id] = dev_get(id);
	if (dev_store(d[0], "comp_algorithm", "zstd") ||
	    dev_store(d[0], "algorithm_params", "level=5") ||
	    dev_store(d[0], "mem_limit", "64M") ||
	    dev_store(d[0], "gc_mode", "sync") ||
	    dev_store(d[0], "disksize", "1M") ||
	    dev_store(d[2], "disksize", "1M"))
		return -2;
	for (id = 0; id < 3; id += 2)
		for (i = 0; i < STORE_PAGES; i++) {
			pattern(id, i, page);
			if (dev_data_write(d[id], page, sizeof(page),
					   (uint64_t)i * 4096, true) !=
			    (ssize_t)sizeof(page))
				return -3;
		}
	/* Data file of zramfs2 open, as a loop device keeps it. */
	if (dev_data_open(d[2]) || state_handle_new(&f, &fh))
		return -4;
	fault_set_handler(old_server_dies);
	if (t->point && fault_arm(t->point))
		return -5;
	switch (t->op) {
	case SOP_DISKSIZE:
		return dev_store(d[1], "disksize", "2M");
	case SOP_RESET:
		return dev_store(d[0], "reset", "1");
	case SOP_HOT_REMOVE:
		return dev_hot_remove(0);
	case SOP_MEM_LIMIT:
		return dev_store(d[0], "mem_limit", "128M");
	}
	return -6;
}

/* The new server: @return a failure's description, or NULL. */
static const char *store_check(const struct store_case *t, int state_id)
{
	struct dev *d0, *d1, *d2;
	bool gone0, reset0;
	int id;

	if (state_open(state_id) || dev_restore_all())
		return "restore failed";
	for (id = 0; id < DEV_MAX; id++)
		if (atomic_load(&state_dev(id)->spare_store) != -1)
			return "a store region left in transit";
	d0 = dev_get(0);
	d1 = dev_get(1);
	d2 = dev_get(2);
	if (!d1 || !d2)
		return "a device lost";
	if (!has_pattern(d2, 2) || strcmp(show(d2, "disksize"), "1048576"))
		return "zramfs2's data or size";
	if (dev_hot_remove(2) != -EBUSY)
		return "zramfs2's open data file not counted";
	gone0 = t->op == SOP_HOT_REMOVE && t->done;
	reset0 = t->op == SOP_RESET && t->done;
	if (gone0 != !d0)
		return "zramfs0 there or not";
	if (reset0 && (strcmp(show(d0, "initstate"), "0") ||
		       strcmp(show(d0, "mem_limit"), "0")))
		return "zramfs0 not reset";
	if (d0 && !reset0 &&
	    (!has_pattern(d0, 0) ||
	     strcmp(show(d0, "comp_algorithm"), "lz4 lz4hc [zstd]") ||
	     strcmp(show(d0, "algorithm_params"), "algo=zstd level=5") ||
	     strcmp(show(d0, "gc_mode"), "sync") ||
	     strcmp(show(d0, "mem_limit"),
		    t->op == SOP_MEM_LIMIT && t->done ? "134217728"
						     : "67108864")))
		return "zramfs0's data or settings";
	if (strcmp(show(d1, "disksize"),
		   t->op == SOP_DISKSIZE && t->done ? "2097152" : "0"))
		return "zramfs1's disksize";
	if (d0 && dev_store(d0, "reset", "1"))
		return "reset of zramfs0 after the restore";
	if (dev_store(d1, "disksize", "4M") && dev_store(d1, "reset", "1"))
		return "zramfs1 cannot be set up again";
	return NULL;
}

static void test_stores(void)
{
	size_t k;

	for (k = 0; k < sizeof(store_cases) / sizeof(store_cases[0]); k++) {
		const struct store_case *t = &store_cases[k];
		struct zregion *keep[2 + 2 * DEV_MAX];
		int up[2], down[2], n = 0, ids[2 + 2 * DEV_MAX], i, status;
		const char *why = "the old server did not hand over";
		pid_t pid;

		if (pipe(up) || pipe(down))
			bail_out("pipe");
		pid = fork();
		if (pid == 0) {
			close(up[0]);
			close(down[1]);
			old_to_holder = up[1];
			holder_to_old = down[0];
			status = store_set_up(t);
			if (status < 0) {
				fprintf(stderr, "set-up failed: %d\n", status);
				_exit(6);
			}
			old_server_dies(NULL);
		}
		close(up[1]);
		close(down[0]);
		if (!read_full(up[0], &n, sizeof(n)) && n > 0 &&
		    n <= (int)(sizeof(ids) / sizeof(ids[0])) &&
		    !read_full(up[0], ids, sizeof(ids[0]) * (size_t)n)) {
			/* One that is gone already fails the restore. */
			for (i = 0; i < n; i++)
				if (region_attach(ids[i], &keep[i]))
					keep[i] = NULL;
			write_full(down[1], "k", 1);
			why = NULL;
		}
		waitpid(pid, &status, 0);
		close(up[0]);
		close(down[1]);
		if (!why) {
			int p[2];
			char msg[128] = "";

			if (pipe(p))
				bail_out("pipe");
			pid = fork();
			if (pid == 0) {
				why = store_check(t, ids[0]);
				write_full(p[1], why ? why : "", why ?
					   strlen(why) + 1 : 1);
				_exit(0);
			}
			close(p[1]);
			if (read(p[0], msg, sizeof(msg) - 1) <= 0)
				snprintf(msg, sizeof(msg), "the new server "
					 "died");
			close(p[0]);
			waitpid(pid, &status, 0);
			why = msg[0] ? msg : NULL;
			ok(!why, "%s, the server killed %s%s: the next "
			   "attaches every store and finds data, settings "
			   "and open files as committed%s%s",
			   store_op_names[t->op], t->point ? "at " : "",
			   t->point ? t->point : "after it",
			   why ? ": " : "", why ? why : "");
		} else {
			ok(0, "case %zu: %s", k, why);
		}
		for (i = 0; i < n; i++)
			if (keep[i])
				region_drop(keep[i]);
	}
}

int main(int argc, char **argv)
{
	seed = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0)
			: (unsigned)time(NULL) ^ (unsigned)getpid();
	diag("seed %u (tests/unit/test-state SEED repeats a run)", seed);
	dev_registry_init("/nonexistent/zramfs-test-state", on_slow_thread);
	test_layout();
	test_validation();
	test_handles();
	test_refusals();
	test_latency();
	test_replays();
	test_stores();
	if (test_crashes())
		test_open_counts();
	return tap_done();
}
