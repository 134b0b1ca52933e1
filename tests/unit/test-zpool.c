/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-zpool: unit tests of the size-class allocator, as zstore runs it:
 * with its keeper (the thread that maps and unmaps spans for the allocating
 * threads).  They check the class sizes, that every size round-trips
 * through its own memory, that objects pack densely and memory goes back to
 * the system (all but the spares, within their budget), that compaction
 * releases pages without losing an object (and leaves alone those the owner
 * refuses to move), that spares are used and bounded, that an allocation
 * the keeper cannot serve fails with -ENOMEM after a bounded wait and
 * nothing else changes, and that concurrent allocation, freeing and
 * compaction corrupt nothing.  The owner side (the migrate callback) is a
 * table of test objects indexed by backref, as zstore's slot table is.
 * Where a check needs the pool's memory to stay still, the test pauses the
 * keeper.
 *
 * The random tests print their seed; set ZPOOL_TEST_SEED to replay one.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "tap.h"
#include "zpool.h"
#include "zregion.h"

#define PAGE 4096u
/* The longest span zpool makes, in bytes: bounds the slack of one class. */
#define MAX_SPAN_BYTES (32u * PAGE)
/* Threads of the multi-threaded test. */
#define MT_WORKERS 4

static uint64_t seed;
/* Tags made so far by the single-threaded tests: each object its own. */
static uint64_t tags;

/* --- random numbers, patterns and time ---------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* splitmix64 */
static uint64_t rnd(uint64_t *state)
{
	*state += UINT64_C(0x9e3779b97f4a7c15);
	return mix64(*state);
}

static uint32_t rnd_range(uint64_t *state, uint32_t lo, uint32_t hi)
{
	return lo + rnd(state) % (hi - lo + 1);
}

/* Fills @size bytes with a pattern only @tag produces. */
static void pat_fill(void *p, size_t size, uint64_t tag)
{
	unsigned char *b = p;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= size; i += 8) {
		w = mix64(tag ^ i);
		memcpy(b + i, &w, 8);
	}
	if (i < size) {
		w = mix64(tag ^ i);
		memcpy(b + i, &w, size - i);
	}
}

static bool pat_check(const void *p, size_t size, uint64_t tag)
{
	const unsigned char *b = p;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= size; i += 8) {
		w = mix64(tag ^ i);
		if (memcmp(b + i, &w, 8))
			return false;
	}
	if (i < size) {
		w = mix64(tag ^ i);
		if (memcmp(b + i, &w, size - i))
			return false;
	}
	return true;
}

/* --- the owner: a table of objects, indexed by backref ----------------- */

struct obj {
	pthread_mutex_t lock; /* used by the multi-threaded test only */
	uint64_t handle;      /* lock; 0: no object */
	uint32_t size;	      /* lock */
	uint64_t tag;	      /* lock: pattern of the contents */
	bool pinned;	      /* the owner refuses to move it */
};

struct owner {
	struct zpool *pool;
	struct zregion *region;	    /* where the pool lives */
	struct zpool_shared shared; /* what it keeps besides its blocks */
	struct zpool_area area;
	struct obj *objs;
	size_t nr;
	bool locking;		/* take obj->lock in the callback */
	bool paused;		/* the keeper is paused: -ENOMEM is final */
	atomic_ulong late;	/* -ENOMEM retried: the keeper was late */
	atomic_ulong moved;	/* callbacks that moved an object */
	atomic_ulong refused;	/* callbacks answered -EAGAIN */
	atomic_ulong bad_calls; /* callbacks with wrong arguments */
};

static int migrate_cb(void *opaque, uint32_t backref, uint64_t old_handle,
		      uint64_t new_handle, size_t size)
{
	struct owner *ow = opaque;
	struct obj *o;
	int rc = -EAGAIN;

	if (backref >= ow->nr || !old_handle || !new_handle ||
	    old_handle == new_handle) {
		atomic_fetch_add(&ow->bad_calls, 1);
		return -EAGAIN;
	}
	o = &ow->objs[backref];
	if (ow->locking)
		pthread_mutex_lock(&o->lock);
	if (o->handle != old_handle) {
		/* Legitimate only when others publish and free meanwhile. */
		if (!ow->locking)
			atomic_fetch_add(&ow->bad_calls, 1);
		goto out;
	}
	if (size != zpool_class_size(o->size))
		atomic_fetch_add(&ow->bad_calls, 1);
	if (o->pinned)
		goto out;
	memcpy(zpool_map(ow->pool, new_handle), zpool_map(ow->pool, old_handle),
	       size);
	o->handle = new_handle;
	rc = 0;
out:
	if (ow->locking)
		pthread_mutex_unlock(&o->lock);
	atomic_fetch_add(rc ? &ow->refused : &ow->moved, 1);
	return rc;
}

static void owner_init(struct owner *ow, size_t nr, bool locking)
{
	size_t i;

	memset(ow, 0, sizeof(*ow));
	ow->objs = calloc(nr, sizeof(*ow->objs));
	if (!ow->objs)
		bail_out("out of memory");
	ow->nr = nr;
	ow->locking = locking;
	for (i = 0; i < nr; i++)
		pthread_mutex_init(&ow->objs[i].lock, NULL);
	/* A block for each object, as if each were alone in a span, and
	 * some for spares. */
	ow->area.nblocks = nr + 512;
	ow->area.shared = &ow->shared;
	if (zregion_create(zpool_area_bytes(ow->area.nblocks), 0,
			   &ow->region))
		bail_out("zregion_create failed");
	ow->area.region = ow->region;
	ow->pool = zpool_create(&ow->area, migrate_cb, ow, NULL);
	if (!ow->pool)
		bail_out("zpool_create: %s", strerror(errno));
}

static void owner_fini(struct owner *ow)
{
	size_t i;

	if (atomic_load(&ow->late))
		diag("the keeper was late %lu times (ENOMEM, retried)",
		     atomic_load(&ow->late));
	zpool_destroy(ow->pool);
	zregion_detach(ow->region);
	for (i = 0; i < ow->nr; i++)
		pthread_mutex_destroy(&ow->objs[i].lock);
	free(ow->objs);
}

/* Pauses or resumes the keeper (see zpool_pause_keeper()).  Called only
 * while no other thread of the test allocates. */
static void owner_pause(struct owner *ow, bool paused)
{
	zpool_pause_keeper(ow->pool, paused);
	ow->paused = paused;
}

/*
 * zpool_alloc(), but while the keeper runs, an -ENOMEM is retried for 10 s:
 * a loaded machine can keep the keeper off the CPU past the allocator's
 * 100 ms, and what the other tests check does not depend on its timing
 * (test_keeper() checks the -ENOMEM itself, with the keeper paused).
 */
static int owner_alloc(struct owner *ow, size_t size, uint32_t backref,
		       uint64_t *handle)
{
	uint64_t deadline = now_ms() + 10000;
	int rc;

	for (;;) {
		rc = zpool_alloc(ow->pool, size, backref, handle);
		if (rc != -ENOMEM || ow->paused || now_ms() >= deadline)
			return rc;
		atomic_fetch_add(&ow->late, 1);
		usleep(1000);
	}
}

/* Allocates object @i of @size bytes and fills it.  @return 0 or -errno. */
static int obj_alloc(struct owner *ow, size_t i, uint32_t size, bool fill)
{
	struct obj *o = &ow->objs[i];
	int rc;

	rc = owner_alloc(ow, size, i, &o->handle);
	if (rc)
		return rc;
	o->size = size;
	o->tag = mix64(seed ^ ++tags) | 1;
	if (fill)
		pat_fill(zpool_map(ow->pool, o->handle), size, o->tag);
	return 0;
}

static void obj_free(struct owner *ow, size_t i)
{
	struct obj *o = &ow->objs[i];

	zpool_free(ow->pool, o->handle);
	o->handle = 0;
}

/* @return the number of live objects whose contents are wrong. */
static size_t owner_check(struct owner *ow)
{
	size_t i, bad = 0;

	for (i = 0; i < ow->nr; i++) {
		struct obj *o = &ow->objs[i];

		if (o->handle &&
		    !pat_check(zpool_map(ow->pool, o->handle), o->size, o->tag))
			bad++;
	}
	return bad;
}

static void owner_free_all(struct owner *ow)
{
	size_t i;

	for (i = 0; i < ow->nr; i++)
		if (ow->objs[i].handle)
			obj_free(ow, i);
}

/* @return the bytes of the classes the live objects occupy. */
static uint64_t owner_class_bytes(struct owner *ow, size_t *nr_classes)
{
	static bool used[ZPOOL_MAX_OBJ + 1];
	uint64_t bytes = 0;
	size_t i;

	memset(used, 0, sizeof(used));
	*nr_classes = 0;
	for (i = 0; i < ow->nr; i++) {
		struct obj *o = &ow->objs[i];
		size_t cs;

		if (!o->handle)
			continue;
		cs = zpool_class_size(o->size);
		bytes += cs;
		if (!used[cs]) {
			used[cs] = true;
			(*nr_classes)++;
		}
	}
	return bytes;
}

static void shuffle(size_t *v, size_t n, uint64_t *rs)
{
	size_t i, j, t;

	for (i = n - 1; i > 0; i--) {
		j = rnd(rs) % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static size_t *iota(size_t n)
{
	size_t *v = malloc(n * sizeof(*v));
	size_t i;

	if (!v)
		bail_out("out of memory");
	for (i = 0; i < n; i++)
		v[i] = i;
	return v;
}

/* --- the pool's memory ------------------------------------------------- */

/* @return the bytes the pool holds from the system. */
static uint64_t pool_total(struct zpool *pool)
{
	struct zpool_stats st;

	zpool_get_stats(pool, &st);
	return st.total_bytes;
}

static bool pool_is_empty(struct zpool *pool)
{
	struct zpool_stats st;

	zpool_get_stats(pool, &st);
	return st.total_bytes == 0 && st.spans == 0 && st.objects == 0 &&
	       st.obj_bytes == 0;
}

/* Waits (5 s at most) for @cond(@pool) to hold. */
static bool wait_for(struct zpool *pool, bool (*cond)(struct zpool *))
{
	uint64_t deadline = now_ms() + 5000;

	while (!cond(pool)) {
		if (now_ms() > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

/* The pool holds nothing but spares, within their budget (1 MiB, which
 * concurrent frees may overshoot by a span each). */
static bool spares_only(struct zpool *pool)
{
	struct zpool_stats st;

	zpool_get_stats(pool, &st);
	return st.objects == 0 && st.obj_bytes == 0 &&
	       st.total_bytes == st.spare_bytes &&
	       st.spare_bytes <= (1u << 20) + MT_WORKERS * MAX_SPAN_BYTES &&
	       zpool_used_bytes(pool) == 0;
}

/* Waits for the keeper to unmap what was freed, all but the spares. */
static bool wait_spares_only(struct zpool *pool)
{
	struct zpool_stats st;

	if (wait_for(pool, spares_only))
		return true;
	zpool_get_stats(pool, &st);
	diag("objects %llu obj_bytes %llu total %llu spare %llu retired %llu "
	     "used %llu",
	     (unsigned long long)st.objects, (unsigned long long)st.obj_bytes,
	     (unsigned long long)st.total_bytes,
	     (unsigned long long)st.spare_bytes,
	     (unsigned long long)st.retired_bytes,
	     (unsigned long long)zpool_used_bytes(pool));
	return false;
}

static bool has_spare(struct zpool *pool)
{
	struct zpool_stats st;

	zpool_get_stats(pool, &st);
	return st.spare_bytes > 0;
}

/* --- tests ------------------------------------------------------------- */

static void test_class_sizes(void)
{
	static const struct {
		size_t size, class_size;
	} cases[] = {
		{0, 0},	      {1, 32},	    {16, 32},	  {32, 32},
		{33, 48},     {48, 48},	    {49, 64},	  {200, 208},
		{1000, 1008}, {1024, 1024}, {3300, 3312}, {4080, 4080},
		{4081, 4096}, {4095, 4096}, {4096, 4096}, {4097, 0},
	};
	size_t i, s, cs, prev = 0, classes = 0, bad = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ok(zpool_class_size(cases[i].size) == cases[i].class_size,
		   "zpool_class_size(%zu) == %zu (got %zu)", cases[i].size,
		   cases[i].class_size, zpool_class_size(cases[i].size));

	for (s = 1; s <= ZPOOL_MAX_OBJ; s++) {
		cs = zpool_class_size(s);
		if (cs < s || cs < 32 || cs % 16 || (s > 32 && cs - s >= 16) ||
		    cs < prev)
			bad++;
		if (cs != prev)
			classes++;
		prev = cs;
	}
	ok(bad == 0, "every size 1..4096 rounds up to a 16-byte step >= 32");
	ok(classes == 255, "255 size classes (got %zu)", classes);
}

static void test_bad_sizes(void)
{
	struct owner ow;
	uint64_t h = 42;

	owner_init(&ow, 1, false);
	ok(zpool_alloc(ow.pool, 0, 0, &h) == -EINVAL && h == 42,
	   "alloc of 0 bytes fails with -EINVAL");
	ok(zpool_alloc(ow.pool, ZPOOL_MAX_OBJ + 1, 0, &h) == -EINVAL && h == 42,
	   "alloc of 4097 bytes fails with -EINVAL");
	ok(pool_is_empty(ow.pool), "failed allocs leave the pool empty");
	owner_fini(&ow);
}

/* One object of every size 1..4096, all live at once. */
static void test_round_trip(void)
{
	struct owner ow;
	struct zpool_stats st;
	size_t i, failed_alloc = 0, bad, zero = 0;
	uint64_t sum = 0, class_sum = 0;

	owner_init(&ow, ZPOOL_MAX_OBJ + 1, false);
	for (i = 1; i <= ZPOOL_MAX_OBJ; i++) {
		if (obj_alloc(&ow, i, i, true))
			failed_alloc++;
		else if (!ow.objs[i].handle)
			zero++;
		sum += i;
		class_sum += zpool_class_size(i);
	}
	ok(failed_alloc == 0, "4096 allocs of sizes 1..4096 succeed");
	ok(zero == 0, "no handle is 0");
	bad = owner_check(&ow);
	ok(bad == 0, "every size reads back what was written (%zu bad)", bad);

	zpool_get_stats(ow.pool, &st);
	ok(st.objects == ZPOOL_MAX_OBJ, "objects == 4096 (got %llu)",
	   (unsigned long long)st.objects);
	ok(st.obj_bytes == sum, "obj_bytes is the sum of requested sizes");
	ok(st.total_bytes >= class_sum && st.total_bytes % PAGE == 0,
	   "total_bytes covers the classes, in whole pages");

	/* Free every other one, check the rest, then free the rest. */
	for (i = 1; i <= ZPOOL_MAX_OBJ; i += 2)
		obj_free(&ow, i);
	bad = owner_check(&ow);
	ok(bad == 0, "frees leave the other objects intact (%zu bad)", bad);
	owner_free_all(&ow);
	ok(wait_spares_only(ow.pool),
	   "all freed: the keeper unmaps every span but the spares");
	owner_fini(&ow);
}

/* Realistic compressed sizes pack within 5%, and all goes back. */
static void test_density(void)
{
	const size_t nr = 100000;
	struct owner ow;
	struct zpool_stats st;
	uint64_t rs = seed ^ 1, before, used;
	size_t i, failed = 0, not_released = 0, *order;
	double overhead;

	owner_init(&ow, nr, false);
	for (i = 0; i < nr; i++)
		if (obj_alloc(&ow, i, rnd_range(&rs, 200, 3300), false))
			failed++;
	ok(failed == 0, "%zu allocs of 200..3300 bytes succeed", nr);
	/* From here on, only the frees below change the pool. */
	owner_pause(&ow, true);
	zpool_get_stats(ow.pool, &st);
	used = zpool_used_bytes(ow.pool);
	overhead = 100.0 * (double)(used - st.obj_bytes) / (double)st.obj_bytes;
	diag("%zu objects: obj_bytes %llu used %llu spans %llu "
	     "overhead %.2f%%; spares %llu bytes",
	     nr, (unsigned long long)st.obj_bytes, (unsigned long long)used,
	     (unsigned long long)st.spans, overhead,
	     (unsigned long long)st.spare_bytes);
	ok(overhead <= 5.0, "allocator overhead %.2f%% <= 5%%", overhead);

	/* Freed in random order, each span goes once it is empty (to be a
	 * spare, or to the keeper to unmap). */
	order = iota(nr);
	shuffle(order, nr, &rs);
	before = used;
	for (i = 0; i < nr; i++) {
		used = zpool_used_bytes(ow.pool);
		if (used > before)
			not_released++;
		before = used;
		obj_free(&ow, order[i]);
	}
	ok(not_released == 0 && zpool_used_bytes(ow.pool) == 0,
	   "the memory in use never grows while freeing, and ends at 0");
	owner_pause(&ow, false);
	ok(wait_spares_only(ow.pool),
	   "all freed: the keeper unmaps every span but the spares");
	free(order);
	owner_fini(&ow);
}

/* Spans empty as soon as their objects go, while others are live. */
static void test_release_early(void)
{
	const size_t nr = 4000;
	struct owner ow;
	uint64_t full, half;
	size_t i;

	owner_init(&ow, nr, false);
	for (i = 0; i < nr; i++)
		if (obj_alloc(&ow, i, 1000, true))
			bail_out("alloc failed");
	owner_pause(&ow, true);
	full = zpool_used_bytes(ow.pool);
	for (i = 0; i < nr / 2; i++)
		obj_free(&ow, i);
	half = zpool_used_bytes(ow.pool);
	diag("1000-byte objects: %llu bytes for %zu, %llu for %zu",
	     (unsigned long long)full, nr, (unsigned long long)half, nr / 2);
	ok(half <= full / 2 + MAX_SPAN_BYTES,
	   "freeing the first half of the objects releases half the memory");
	ok(owner_check(&ow) == 0, "the second half is intact");
	owner_free_all(&ow);
	owner_pause(&ow, false);
	ok(wait_spares_only(ow.pool), "then nothing is left but the spares");
	owner_fini(&ow);
}

/* Fragments the pool: frees a random 70% of @ow's objects. */
static void fragment(struct owner *ow, uint64_t *rs)
{
	size_t i;

	for (i = 0; i < ow->nr; i++)
		if (ow->objs[i].handle && rnd(rs) % 10 < 7)
			obj_free(ow, i);
}

/* Refills @nr free entries of @ow with new objects of its sizes. */
static size_t refill(struct owner *ow, size_t nr, uint64_t *rs, uint32_t lo,
		     uint32_t hi)
{
	size_t i, done = 0;

	for (i = 0; i < ow->nr && done < nr; i++) {
		if (ow->objs[i].handle)
			continue;
		if (obj_alloc(ow, i, rnd_range(rs, lo, hi), true))
			bail_out("alloc failed");
		done++;
	}
	return done;
}

static void test_compact(void)
{
	const size_t nr = 30000;
	struct owner ow;
	struct zpool_stats before, after;
	uint64_t rs = seed ^ 2, released, again, class_bytes, used;
	unsigned long moved;
	size_t i, nr_classes, bad;

	owner_init(&ow, nr, false);
	for (i = 0; i < nr; i++)
		if (obj_alloc(&ow, i, rnd_range(&rs, 600, 1800), true))
			bail_out("alloc failed");
	/* Only compaction may change the pool's memory now. */
	owner_pause(&ow, true);
	fragment(&ow, &rs);
	zpool_get_stats(ow.pool, &before);

	released = zpool_compact(ow.pool);
	zpool_get_stats(ow.pool, &after);
	used = zpool_used_bytes(ow.pool);
	class_bytes = owner_class_bytes(&ow, &nr_classes);
	diag("compaction: %llu -> %llu bytes, %llu pages released, "
	     "%lu objects moved, overhead %.2f%%",
	     (unsigned long long)before.total_bytes,
	     (unsigned long long)after.total_bytes,
	     (unsigned long long)released, atomic_load(&ow.moved),
	     100.0 * (double)(used - after.obj_bytes) /
		     (double)after.obj_bytes);
	ok(released > 0, "zpool_compact releases pages");
	ok(after.total_bytes < before.total_bytes, "total_bytes drops");
	ok(before.total_bytes - after.total_bytes == released * PAGE,
	   "by exactly the pages it reports");
	ok(after.pages_compacted == released, "pages_compacted counts them");
	ok(after.objects == before.objects &&
		   after.obj_bytes == before.obj_bytes,
	   "objects and obj_bytes are unchanged");
	ok(atomic_load(&ow.moved) > 0 && atomic_load(&ow.bad_calls) == 0,
	   "the callback moved objects, always with the right arguments");
	bad = owner_check(&ow);
	ok(bad == 0,
	   "every survivor is intact through its new handle "
	   "(%zu bad)",
	   bad);
	/* Less than one span of slack per class, plus the tails (the spares
	 * and the spans left to the keeper do not count). */
	ok(used - class_bytes <=
		   nr_classes * MAX_SPAN_BYTES + class_bytes * 3 / 100,
	   "at most about a span free per class is left (%zu classes)",
	   nr_classes);

	moved = atomic_load(&ow.moved);
	again = zpool_compact(ow.pool);
	ok(again == 0 && atomic_load(&ow.moved) == moved,
	   "a second pass finds nothing to move or release (%llu pages)",
	   (unsigned long long)again);

	/* Slots the pool thinks free must really be free. */
	owner_pause(&ow, false);
	refill(&ow, nr / 4, &rs, 600, 1800);
	bad = owner_check(&ow);
	ok(bad == 0, "new objects overwrite none that moved (%zu bad)", bad);
	owner_free_all(&ow);
	ok(wait_spares_only(ow.pool), "all freed after compaction");
	owner_fini(&ow);
}

/* Objects the owner refuses to move (-EAGAIN) stay, intact. */
static void test_compact_refused(void)
{
	const size_t nr = 8000;
	struct owner ow;
	uint64_t rs = seed ^ 3, *pinned_at, released, total;
	size_t i, pinned = 0, moved_pinned = 0, bad;

	owner_init(&ow, nr, false);
	pinned_at = calloc(nr, sizeof(*pinned_at));
	if (!pinned_at)
		bail_out("out of memory");
	for (i = 0; i < nr; i++)
		if (obj_alloc(&ow, i, 1000, true))
			bail_out("alloc failed");
	fragment(&ow, &rs);
	for (i = 0; i < nr; i++) {
		struct obj *o = &ow.objs[i];

		if (o->handle && rnd(&rs) % 5 == 0) {
			o->pinned = true;
			pinned_at[i] = o->handle;
			pinned++;
		}
	}

	released = zpool_compact(ow.pool);
	diag("%zu pinned: %llu pages released, %lu moved, %lu refused", pinned,
	     (unsigned long long)released, atomic_load(&ow.moved),
	     atomic_load(&ow.refused));
	ok(atomic_load(&ow.refused) > 0, "the owner refused some moves");
	/* Another pass asks again, and is refused again. */
	zpool_compact(ow.pool);
	ok(atomic_load(&ow.bad_calls) == 0, "with the right arguments");
	for (i = 0; i < nr; i++)
		if (pinned_at[i] && ow.objs[i].handle != pinned_at[i])
			moved_pinned++;
	ok(moved_pinned == 0, "refused objects keep their handles");
	bad = owner_check(&ow);
	ok(bad == 0, "all objects are intact (%zu bad)", bad);

	/* Their slots are still taken: new objects must not land there. */
	refill(&ow, nr / 2, &rs, 993, 1008);
	bad = owner_check(&ow);
	ok(bad == 0, "new objects overwrite no refused one (%zu bad)", bad);

	/* Once the owner lets go, they move and more pages go. */
	fragment(&ow, &rs);
	for (i = 0; i < nr; i++)
		ow.objs[i].pinned = false;
	owner_pause(&ow, true);
	total = pool_total(ow.pool);
	released = zpool_compact(ow.pool);
	ok(released > 0 && pool_total(ow.pool) == total - released * PAGE,
	   "unpinned, compaction releases %llu pages",
	   (unsigned long long)released);
	bad = owner_check(&ow);
	ok(bad == 0, "and all objects are intact (%zu bad)", bad);
	owner_free_all(&ow);
	owner_pause(&ow, false);
	ok(wait_spares_only(ow.pool), "all freed");
	free(pinned_at);
	owner_fini(&ow);
}

/* --- threads ----------------------------------------------------------- */

#define MT_SLOTS 1024
#define MT_OPS	 100000

struct worker {
	pthread_t thread;
	struct owner *ow;
	unsigned int id;
	size_t bad;
	size_t failed;
};

static atomic_bool mt_done;

/* Widens, now and then, the windows in which compaction must be refused. */
static void mt_dawdle(uint64_t *rs)
{
	if (rnd(rs) % 16 == 0)
		sched_yield();
}

/*
 * Owns slots [id * MT_SLOTS, (id + 1) * MT_SLOTS).  As zstore does: fill an
 * object before publishing its handle under the slot lock, unpublish before
 * freeing, never call the pool with the slot lock held.
 */
static void *mt_worker(void *arg)
{
	struct worker *w = arg;
	struct owner *ow = w->ow;
	uint64_t rs = seed ^ (w->id + 1) * UINT64_C(0x1234567);
	unsigned int n;

	for (n = 0; n < MT_OPS; n++) {
		size_t i = w->id * MT_SLOTS + rnd(&rs) % MT_SLOTS;
		struct obj *o = &ow->objs[i];
		/* Alternately fill up and drain, to fragment the pool. */
		bool draining = n / (MT_OPS / 8) % 2;
		bool unpublish = rnd(&rs) % 10 < (draining ? 9 : 1);
		uint64_t h, tag;
		uint32_t size;

		pthread_mutex_lock(&o->lock);
		h = o->handle;
		if (h) {
			if (!pat_check(zpool_map(ow->pool, h), o->size, o->tag))
				w->bad++;
			if (unpublish)
				o->handle = 0;
		}
		pthread_mutex_unlock(&o->lock);

		if (h) {
			/* Freed only once unpublished, outside the lock. */
			if (unpublish) {
				mt_dawdle(&rs);
				zpool_free(ow->pool, h);
			}
			continue;
		}
		if (draining)
			continue;
		size = rnd(&rs) % 8 ? rnd_range(&rs, 100, 3500)
				    : rnd_range(&rs, 1, ZPOOL_MAX_OBJ);
		if (owner_alloc(ow, size, i, &h)) {
			w->failed++;
			continue;
		}
		tag = rnd(&rs) | 1;
		pat_fill(zpool_map(ow->pool, h), size, tag);
		mt_dawdle(&rs);
		pthread_mutex_lock(&o->lock);
		o->handle = h;
		o->size = size;
		o->tag = tag;
		pthread_mutex_unlock(&o->lock);
	}
	return NULL;
}

static void *mt_compactor(void *arg)
{
	struct owner *ow = arg;
	unsigned long passes = 0;

	while (!atomic_load(&mt_done)) {
		zpool_compact(ow->pool);
		passes++;
	}
	diag("compactor: %lu passes", passes);
	return NULL;
}

static void test_threads(void)
{
	struct worker w[MT_WORKERS];
	struct owner ow;
	pthread_t compactor;
	size_t bad = 0, failed = 0, i;
	struct zpool_stats st;

	owner_init(&ow, MT_WORKERS * MT_SLOTS, true);
	atomic_store(&mt_done, false);
	if (pthread_create(&compactor, NULL, mt_compactor, &ow))
		bail_out("pthread_create failed");
	for (i = 0; i < MT_WORKERS; i++) {
		w[i] = (struct worker){.ow = &ow, .id = i};
		if (pthread_create(&w[i].thread, NULL, mt_worker, &w[i]))
			bail_out("pthread_create failed");
	}
	for (i = 0; i < MT_WORKERS; i++) {
		pthread_join(w[i].thread, NULL);
		bad += w[i].bad;
		failed += w[i].failed;
	}
	atomic_store(&mt_done, true);
	pthread_join(compactor, NULL);

	diag("threads: %lu moved, %lu refused", atomic_load(&ow.moved),
	     atomic_load(&ow.refused));
	ok(failed == 0, "%d threads: every alloc succeeds", MT_WORKERS);
	ok(bad == 0, "no thread read a corrupt object (%zu bad)", bad);
	ok(atomic_load(&ow.bad_calls) == 0,
	   "the callback always got the class size");

	/* A last pass with nobody else running, then check everything. */
	zpool_compact(ow.pool);
	ok(atomic_load(&ow.moved) > 0, "compaction moved objects");
	bad = owner_check(&ow);
	ok(bad == 0, "all objects are intact at the end (%zu bad)", bad);
	zpool_get_stats(ow.pool, &st);
	ok(st.objects <= MT_WORKERS * MT_SLOTS, "objects are counted right");
	owner_free_all(&ow);
	ok(wait_spares_only(ow.pool),
	   "all freed after the threads but the spares");
	owner_fini(&ow);
}

/* --- the keeper --------------------------------------------------------- */

/*
 * One class (1000-byte objects), keeper paused and resumed: a class with
 * neither a partial span nor a spare fails after the bounded wait, and
 * works again once the keeper runs; a spare serves without the keeper;
 * an emptied span becomes the spare, the next waits for the keeper to be
 * unmapped.
 */
static void test_keeper(void)
{
	const size_t nr = 1000;
	struct owner ow;
	struct zpool_stats st, st2;
	uint64_t t0, waited;
	size_t i, per_span, n;
	unsigned char vec;
	uintptr_t second;
	int rc;

	owner_init(&ow, nr, false);
	owner_pause(&ow, true);
	t0 = now_ms();
	rc = obj_alloc(&ow, 0, 1000, true);
	waited = now_ms() - t0;
	zpool_get_stats(ow.pool, &st);
	ok(rc == -ENOMEM,
	   "paused keeper, no spare: the allocation fails "
	   "with ENOMEM (%d)",
	   rc);
	ok(waited >= 90 && waited < 2000,
	   "after waiting about 100 ms (%llu ms)", (unsigned long long)waited);
	ok(st.alloc_failures == 1 && st.total_bytes == 0 && st.objects == 0,
	   "counted, and nothing else changed");
	ow.objs[0].handle = 0;
	t0 = now_ms();
	rc = obj_alloc(&ow, 0, 1000, true);
	waited = now_ms() - t0;
	ok(rc == -ENOMEM && waited < 50,
	   "the next fails at once, the keeper being stuck (%llu ms)",
	   (unsigned long long)waited);
	ow.objs[0].handle = 0;

	owner_pause(&ow, false);
	ok(wait_for(ow.pool, has_spare),
	   "the keeper running again, it delivers the spare asked for");
	ok(obj_alloc(&ow, 0, 1000, true) == 0, "and allocations succeed");
	ok(wait_for(ow.pool, has_spare), "the class gets a new spare");

	/* Fill the first span, then the spare, with the keeper paused. */
	owner_pause(&ow, true);
	zpool_get_stats(ow.pool, &st);
	per_span = (st.total_bytes - st.spare_bytes) / zpool_class_size(1000);
	for (n = 1, rc = 0; n < nr && !rc; n++)
		rc = obj_alloc(&ow, n, 1000, true);
	n--;
	if (rc)
		ow.objs[n].handle = 0;
	zpool_get_stats(ow.pool, &st2);
	diag("%zu objects a span; %zu stored before ENOMEM", per_span, n);
	ok(rc == -ENOMEM && n == 2 * per_span,
	   "paused keeper: the spare takes %zu more objects, then ENOMEM",
	   per_span);
	ok(st2.spare_bytes == 0 && st2.total_bytes == st.total_bytes,
	   "no memory was mapped meanwhile");
	ok(owner_check(&ow) == 0, "every object stored is intact");

	/* Empty both spans: the first becomes the spare, the second waits. */
	second = (uintptr_t)zpool_map(ow.pool, ow.objs[per_span].handle) &
		 ~(uintptr_t)(PAGE - 1);
	for (i = 0; i < n; i++)
		obj_free(&ow, i);
	zpool_get_stats(ow.pool, &st2);
	ok(st2.objects == 0 && st2.spare_bytes > 0 &&
		   st2.total_bytes == 2 * st2.spare_bytes,
	   "emptied: one span kept as the spare, one left to the keeper");
	ok(mincore((void *)second, PAGE, &vec) == 0 && (vec & 1),
	   "which holds on to it while paused");
	owner_pause(&ow, false);
	ok(wait_spares_only(ow.pool) &&
		   mincore((void *)second, PAGE, &vec) == 0 && !(vec & 1),
	   "and punches it once it runs");
	owner_fini(&ow);
}

/* What the pool of test_room() may still map (its zpool_room_fn). */
static _Atomic uint64_t room_left;

static uint64_t room_fn(void)
{
	return atomic_load(&room_left);
}

/* owner_init() of a pool whose keeper has no room (room_fn) to start with. */
static void owner_init_no_room(struct owner *ow, size_t nr)
{
	owner_init(ow, nr, false);
	zpool_destroy(ow->pool);
	atomic_store(&room_left, 0);
	ow->pool = zpool_create(&ow->area, migrate_cb, ow, room_fn);
	if (!ow->pool)
		bail_out("zpool_create: %s", strerror(errno));
}

/*
 * With no room under its memory cgroup, the keeper maps what a writer waits
 * for and no spare ahead of time; with room again, it refills.
 */
static void test_room(void)
{
	struct zpool_stats st;
	struct owner ow;
	uint64_t t0;
	int rc;

	owner_init_no_room(&ow, 2);
	rc = obj_alloc(&ow, 0, 1000, true);
	ok(rc == 0, "no room: the span a writer waits for is mapped (%d)", rc);
	usleep(200 * 1000);
	zpool_get_stats(ow.pool, &st);
	ok(st.spare_bytes == 0, "no room: no spare is refilled (%llu bytes)",
	   (unsigned long long)st.spare_bytes);
	atomic_store(&room_left, UINT64_MAX);
	rc = obj_alloc(&ow, 1, 3000, true);
	t0 = now_ms();
	do {
		usleep(1000);
		zpool_get_stats(ow.pool, &st);
	} while (!st.spare_bytes && now_ms() - t0 < 2000);
	ok(rc == 0 && st.spare_bytes > 0,
	   "room again: the keeper refills a spare (%llu bytes)",
	   (unsigned long long)st.spare_bytes);
	owner_fini(&ow);
}

/* test_urgent_served(): writers the keeper itself starts while it makes
 * a span (at the fault point keeper.after_populate). */
static struct owner *urgent_ow;
static pthread_t urgent_threads[2];
static int urgent_rc[2] = { -1, -1 };
static unsigned int urgent_calls;

static void *urgent_writer(void *arg)
{
	size_t i = (size_t)(uintptr_t)arg;
	uint64_t h;

	/* Object 1 in the first writer's class, object 2 in a class of a
	 * lower index, which the keeper serves first. */
	urgent_rc[i] = owner_alloc(urgent_ow, i ? 200 : 1000, 1 + i, &h);
	if (!urgent_rc[i])
		urgent_ow->objs[1 + i].handle = h;
	return NULL;
}

static void urgent_point(const char *name)
{
	size_t i;

	fault_arm("keeper.after_populate:1");
	if (urgent_calls++ == 0) {
		/* The first writer's span: two more ask, urgently. */
		for (i = 0; i < 2; i++)
			if (pthread_create(&urgent_threads[i], NULL,
					   urgent_writer, (void *)(uintptr_t)i))
				bail_out("pthread_create");
		usleep(30 * 1000);
	} else if (urgent_calls == 2) {
		/* The lower class's span: meanwhile both writers of the
		 * first class are served by the span just delivered. */
		usleep(50 * 1000);
	}
	(void)name;
}

/*
 * An urgent request whose writers were all served before the keeper got to
 * it is a refill (test-zpool used to see spares over budget, 1 run in 40):
 * with no room, the keeper makes no spare for it.  Two writers of one class
 * ask for a span urgently, the second while the keeper makes the first's;
 * that one span serves both while the keeper serves another class.
 */
static void test_urgent_served(void)
{
	struct zpool_stats st;
	struct owner ow;
	int rc;

	owner_init_no_room(&ow, 3);
	urgent_ow = &ow;
	fault_set_handler(urgent_point);
	if (fault_arm("keeper.after_populate:1"))
		bail_out("fault_arm");
	rc = owner_alloc(&ow, 1000, 0, &ow.objs[0].handle);
	pthread_join(urgent_threads[0], NULL);
	pthread_join(urgent_threads[1], NULL);
	usleep(200 * 1000);
	fault_arm(NULL);
	fault_set_handler(NULL);
	zpool_get_stats(ow.pool, &st);
	ok(rc == 0 && !urgent_rc[0] && !urgent_rc[1] && st.spans == 2 &&
		   !st.spare_bytes,
	   "urgent requests served before the keeper got to them: no spare "
	   "made past the room (%d %d %d, %llu spans, %llu spare bytes)",
	   rc, urgent_rc[0], urgent_rc[1], (unsigned long long)st.spans,
	   (unsigned long long)st.spare_bytes);
	owner_fini(&ow);
}

/* --- the keeper starved of CPU ------------------------------------------ */

static int starve_cpu;
static uint64_t starve_end;	/* now_ms() when the hog and the point stop */
static bool starve_yield;	/* the point yields (starved) or spins (busy) */

/* Spins on starve_cpu until starve_end. */
static void *hog(void *arg)
{
	cpu_set_t set;

	(void)arg;
	CPU_ZERO(&set);
	CPU_SET(starve_cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (now_ms() < starve_end)
		;
	return NULL;
}

/*
 * In the keeper, making a span: on starve_cpu until starve_end, either
 * yielding it to the hog there (runnable, waiting for the CPU: a loaded
 * machine) or spinning alone (running: a keeper busy in reclaim).
 */
static void starve_point(const char *name)
{
	cpu_set_t set;

	(void)name;
	CPU_ZERO(&set);
	CPU_SET(starve_cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		diag("sched_setaffinity: %s", strerror(errno));
	while (now_ms() < starve_end)
		if (starve_yield)
			sched_yield();
}

/* One allocation while the keeper is held in starve_point() for @ms.
 * @return its result; its wait in *@waited, in ms. */
static int starved_alloc(bool yield, unsigned int ms, uint64_t *waited,
			 uint64_t *failures)
{
	struct zpool_stats st;
	struct owner ow;
	pthread_t h;
	uint64_t t0;
	int rc;

	owner_init(&ow, 2, false);
	starve_yield = yield;
	starve_end = now_ms() + ms;
	if (yield && pthread_create(&h, NULL, hog, NULL))
		bail_out("pthread_create");
	fault_set_handler(starve_point);
	if (fault_arm("keeper.after_hwm:1"))
		bail_out("fault_arm");
	t0 = now_ms();
	rc = zpool_alloc(ow.pool, 1000, 0, &ow.objs[0].handle);
	*waited = now_ms() - t0;
	if (yield)
		pthread_join(h, NULL);
	while (now_ms() < starve_end)
		usleep(10 * 1000);
	fault_arm(NULL);
	fault_set_handler(NULL);
	zpool_get_stats(ow.pool, &st);
	*failures = st.alloc_failures;
	owner_fini(&ow);
	return rc;
}

/*
 * A keeper kept off the CPU (a loaded machine) is not a keeper stuck in
 * reclaim: the writer waits past the 100 ms while the watch sees the
 * keeper wait for a CPU, and gets its span once the keeper runs.  A keeper
 * that runs without delivering (as in reclaim) fails it, at 100 ms when it
 * has its CPU to itself, within the 1 s cap however loaded the machine is
 * (make check runs tests side by side: then it waits for a CPU too).  A
 * paused keeper, asleep, fails it at 100 ms (test_keeper()).
 */
static void test_keeper_starved(void)
{
	uint64_t waited, failures;
	cpu_set_t mine;
	int rc;

	if (access("/proc/self/schedstat", R_OK)) {
		ok(1, "# SKIP no schedstat in /proc (CONFIG_SCHED_INFO)");
		ok(1, "# SKIP no schedstat in /proc (CONFIG_SCHED_INFO)");
		return;
	}
	CPU_ZERO(&mine);
	if (sched_getaffinity(0, sizeof(mine), &mine))
		bail_out("sched_getaffinity: %s", strerror(errno));
	for (starve_cpu = 0; !CPU_ISSET(starve_cpu, &mine); starve_cpu++)
		;
	rc = starved_alloc(true, 300, &waited, &failures);
	ok(rc == 0 && failures == 0 && waited >= 250,
	   "a keeper waiting for a CPU for 300 ms: the writer waits for it "
	   "(%d after %llu ms, %llu failures)",
	   rc, (unsigned long long)waited, (unsigned long long)failures);
	rc = starved_alloc(false, 1500, &waited, &failures);
	ok(rc == -ENOMEM && failures == 1 && waited >= 90 && waited < 1300,
	   "a keeper running 1.5 s without delivering: ENOMEM after 100 ms "
	   "to 1 s (%d after %llu ms)",
	   rc, (unsigned long long)waited);
}

int main(void)
{
	const char *env = getenv("ZPOOL_TEST_SEED");

	seed = env ? strtoull(env, NULL, 0)
		   : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	diag("seed %llu (ZPOOL_TEST_SEED to replay)", (unsigned long long)seed);

	test_class_sizes();
	test_bad_sizes();
	test_round_trip();
	test_density();
	test_release_early();
	test_compact();
	test_compact_refused();
	test_keeper();
	test_room();
	test_urgent_served();
	test_keeper_starved();
	test_threads();
	return tap_done();
}
