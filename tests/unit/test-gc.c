// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-gc: the asynchronous free queue on its own: every handle freed exactly
 * once, the bound is kept (a full queue takes only what fits), drain waits
 * for what was queued before it, teardown frees what is still queued, and
 * several producers race with the worker without loss.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"
#include "tap.h"

#define MAXH (1u << 20)

static _Atomic unsigned char freed[MAXH];
static _Atomic uint64_t nfreed, double_frees;
static sem_t entered, release_worker;
static _Atomic bool block_first;

static void count_free(void *ctx, const uint64_t *h, size_t n)
{
	size_t i;

	(void)ctx;
	if (atomic_exchange(&block_first, false)) {
		sem_post(&entered);
		sem_wait(&release_worker);
	}
	for (i = 0; i < n; i++) {
		if (atomic_fetch_add(&freed[h[i]], 1))
			atomic_fetch_add(&double_frees, 1);
		atomic_fetch_add(&nfreed, 1);
	}
}

static void reset_counts(void)
{
	memset((void *)freed, 0, sizeof(freed));
	nfreed = 0;
	double_frees = 0;
}

static bool all_freed_once(uint64_t lo, uint64_t hi)
{
	uint64_t i;

	for (i = lo; i < hi; i++)
		if (freed[i] != 1)
			return false;
	return true;
}

static void test_basic(void)
{
	struct gc_shared sh = { 0 };
	struct gc *gc;
	struct gc_stats st;
	uint64_t h[1000];
	size_t i, q;

	reset_counts();
	ok(gc_create(count_free, NULL, 4096, &sh, &gc) == 0, "create");
	for (i = 0; i < 1000; i++)
		h[i] = i + 1;
	q = gc_defer(gc, h, 1000);
	ok(q == 1000, "a queue with room takes the whole batch (%zu)", q);
	gc_drain(gc);
	gc_get_stats(gc, &st);
	ok(nfreed == 1000 && all_freed_once(1, 1001) && !double_frees,
	   "drain: every handle freed exactly once");
	ok(st.pending == 0 && st.queued_total == 1000 &&
		   st.freed_total == 1000,
	   "stats: pending 0, queued 1000, freed 1000 (%llu %llu %llu)",
	   (unsigned long long)st.pending,
	   (unsigned long long)st.queued_total,
	   (unsigned long long)st.freed_total);
	ok(st.max_pending >= 1 && st.max_pending <= 1000, "max_pending %llu",
	   (unsigned long long)st.max_pending);
	gc_destroy(gc);
	ok(gc_create(count_free, NULL, 0, &sh, &gc) == -EINVAL,
	   "capacity 0 is refused");
}

static void test_bound_and_teardown(void)
{
	struct gc_shared sh = { 0 };
	struct gc *gc;
	struct gc_stats st;
	uint64_t h[20];
	size_t i, q;

	reset_counts();
	sem_init(&entered, 0, 0);
	sem_init(&release_worker, 0, 0);
	block_first = true;
	ok(gc_create(count_free, NULL, 8, &sh, &gc) == 0, "create capacity 8");
	h[0] = 1;
	ok(gc_defer(gc, h, 1) == 1, "first handle queued");
	sem_wait(&entered); /* the worker holds it, blocked in free */
	for (i = 0; i < 20; i++)
		h[i] = 100 + i;
	q = gc_defer(gc, h, 20);
	ok(q == 7, "a full queue takes only what fits: %zu of 20", q);
	ok(gc_defer(gc, h + 7, 1) == 0, "and then nothing more");
	gc_get_stats(gc, &st);
	ok(st.pending == 8 && st.max_pending == 8,
	   "pending counts the worker's batch: %llu, max %llu",
	   (unsigned long long)st.pending,
	   (unsigned long long)st.max_pending);
	sem_post(&release_worker);
	/* Teardown with a full queue frees everything still queued. */
	gc_destroy(gc);
	ok(nfreed == 8 && all_freed_once(100, 107) && freed[1] == 1,
	   "teardown frees what was queued (%llu)",
	   (unsigned long long)nfreed);
	ok(!double_frees, "no double frees");
	sem_destroy(&entered);
	sem_destroy(&release_worker);
}

struct producer {
	struct gc *gc;
	uint64_t base, n;
	uint64_t inline_freed;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	uint64_t batch[64];
	uint64_t i = 0;

	while (i < p->n) {
		size_t n = 0, q;

		while (n < 64 && i < p->n)
			batch[n++] = p->base + i++;
		q = gc_defer(p->gc, batch, n);
		if (q < n) {
			/* What the queue could not take, the caller frees. */
			count_free(NULL, batch + q, n - q);
			p->inline_freed += n - q;
		}
	}
	return NULL;
}

static void test_producers(void)
{
	struct gc_shared sh = { 0 };
	enum { NPROD = 4, PER = 200000 };
	struct producer p[NPROD];
	pthread_t t[NPROD];
	struct gc *gc;
	struct gc_stats st;
	uint64_t inl = 0;
	int i;

	reset_counts();
	ok(gc_create(count_free, NULL, 1024, &sh, &gc) == 0,
	   "create capacity 1024");
	for (i = 0; i < NPROD; i++) {
		p[i] = (struct producer){ gc, 1 + (uint64_t)i * PER, PER, 0 };
		pthread_create(&t[i], NULL, produce, &p[i]);
	}
	for (i = 0; i < NPROD; i++) {
		pthread_join(t[i], NULL);
		inl += p[i].inline_freed;
	}
	gc_drain(gc);
	gc_get_stats(gc, &st);
	ok(nfreed == NPROD * PER && all_freed_once(1, 1 + NPROD * PER) &&
		   !double_frees,
	   "%d producers: %u handles each freed exactly once", NPROD, PER);
	ok(st.queued_total + inl == NPROD * PER &&
		   st.freed_total == st.queued_total,
	   "queued %llu + inline %llu = total, all queued freed",
	   (unsigned long long)st.queued_total, (unsigned long long)inl);
	ok(st.max_pending <= 1024, "the bound holds: max_pending %llu",
	   (unsigned long long)st.max_pending);
	gc_destroy(gc);
}

int main(void)
{
	test_basic();
	test_bound_and_teardown();
	test_producers();
	return tap_done();
}
