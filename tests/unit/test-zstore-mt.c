// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zstore-mt: the engine under concurrency, the way swap uses it and
 * worse.  Writers, a discarder (whole-page punches), readers and a
 * compactor hit the same pages at once while the GC worker frees behind
 * them.  Every page written carries its own index and version in its first
 * 16 bytes and the rest is a pure function of them, so any read can check
 * that it saw one whole page (or zeros) and never a torn mix.  Two threads
 * doing partial writes to the two halves of the same pages check that
 * read-modify-write never loses the other half.  Meant to run under TSan as
 * well (the CI does).
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pagegen.h"
#include "tap.h"
#include "zstore.h"
#include "zstore_region.h"

#define PG ZSTORE_PAGE_SIZE
#define NPAGES 1024      /* shared pages */
#define HALF_PAGES 64    /* pages for the partial-write test, after them */

static struct zstore *zs;
static uint64_t seed;
static unsigned iters;
static _Atomic int stop;
static _Atomic uint64_t torn, errors, reads_checked;

static void make_page(uint64_t idx, uint64_t version, unsigned char *page)
{
	pagegen_page(seed, idx, version, page);
	memcpy(page, &idx, 8);
	memcpy(page + 8, &version, 8);
}

/* @return true if @page is zeros or a whole page written for @idx. */
static bool page_valid(uint64_t idx, const unsigned char *page)
{
	unsigned char want[PG];
	uint64_t got_idx, version;

	if (!page[0] && !memcmp(page, page + 1, PG - 1))
		return true;
	memcpy(&got_idx, page, 8);
	memcpy(&version, page + 8, 8);
	if (got_idx != idx)
		return false;
	make_page(idx, version, want);
	return !memcmp(page, want, PG);
}

static void *writer(void *arg)
{
	struct pagegen_rng r = { seed ^ (uintptr_t)arg };
	unsigned char buf[4 * PG];
	unsigned i;

	for (i = 0; i < iters; i++) {
		uint64_t idx = pagegen_rand(&r) % (NPAGES - 3);
		unsigned n = 1 + pagegen_rand(&r) % 4, k;

		for (k = 0; k < n; k++)
			make_page(idx + k, pagegen_rand(&r), buf + k * PG);
		if (zstore_write(zs, buf, n * PG, idx * PG))
			errors++;
	}
	return NULL;
}

static void *discarder(void *arg)
{
	struct pagegen_rng r = { seed ^ 0xd15c };
	unsigned i;

	(void)arg;
	for (i = 0; i < iters; i++) {
		uint64_t idx = pagegen_rand(&r) % (NPAGES - 8);
		uint64_t n = 1 + pagegen_rand(&r) % 8;

		if (zstore_zero(zs, idx * PG, n * PG))
			errors++;
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct pagegen_rng r = { seed ^ 0x7ead ^ (uintptr_t)arg };
	unsigned char buf[2 * PG];

	while (!atomic_load(&stop)) {
		uint64_t idx = pagegen_rand(&r) % (NPAGES - 1);
		unsigned k;

		if (zstore_read(zs, buf, 2 * PG, idx * PG)) {
			errors++;
			continue;
		}
		for (k = 0; k < 2; k++)
			if (!page_valid(idx + k, buf + k * PG))
				torn++;
		reads_checked++;
	}
	return NULL;
}

static void *compactor(void *arg)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	(void)arg;
	while (!atomic_load(&stop)) {
		zstore_compact(zs);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *mode_switcher(void *arg)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int m = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		zstore_set_gc_mode(zs, (m++ & 1) ? ZSTORE_GC_ASYNC
						 : ZSTORE_GC_SYNC);
		nanosleep(&ts, NULL);
	}
	zstore_set_gc_mode(zs, ZSTORE_GC_ASYNC);
	return NULL;
}

/* Partial writes: thread @half owns bytes [half * PG/2, (half+1) * PG/2) of
 * each page; it writes a counter pattern and the other half must survive. */
static _Atomic uint32_t last_written[2][HALF_PAGES];

static void *half_writer(void *arg)
{
	uintptr_t half = (uintptr_t)arg;
	unsigned char buf[PG / 2];
	uint32_t v;
	unsigned i;

	for (i = 1; i <= iters; i++) {
		uint64_t idx = NPAGES + (i * 7 + half) % HALF_PAGES;

		v = (uint32_t)i * 2 + (uint32_t)half;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, &v, sizeof(v));
		memset(buf + 8, (int)(v & 0xff) | 1, sizeof(buf) - 8);
		if (zstore_write(zs, buf, sizeof(buf),
				 idx * PG + half * (PG / 2)))
			errors++;
		atomic_store(&last_written[half][idx - NPAGES], v);
	}
	return NULL;
}

static int check_halves(void)
{
	unsigned char page[PG];
	int bad = 0;
	unsigned i, h;

	for (i = 0; i < HALF_PAGES; i++) {
		if (zstore_read(zs, page, PG, (uint64_t)(NPAGES + i) * PG))
			return -1;
		for (h = 0; h < 2; h++) {
			uint32_t v;

			memcpy(&v, page + h * (PG / 2), sizeof(v));
			if (v != last_written[h][i]) {
				diag("page %u half %u: %u, last written %u",
				     NPAGES + i, h, v, last_written[h][i]);
				bad++;
			}
		}
	}
	return bad;
}

int main(void)
{
	struct zstore_params p = {
		.disksize = (uint64_t)(NPAGES + HALF_PAGES) * PG,
		.algorithm = "lz4",
		.gc_mode = ZSTORE_GC_ASYNC,
		.gc_queue_pages = 512,
	};
	pthread_t w[3], d, rd[2], c, m, hw[2];
	struct zstore_stats st;
	const char *env = getenv("ZRAMFS_SEED");
	unsigned char page[PG];
	uint64_t i, bad = 0;
	uintptr_t k;

	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	iters = getenv("ZRAMFS_OPS") ? atoi(getenv("ZRAMFS_OPS")) : 20000;
	diag("seed %" PRIu64 " (ZRAMFS_SEED replays it), %u iterations", seed,
	     iters);
	if (zstore_region_create(&p, &zs))
		bail_out("zstore_create");

	for (k = 0; k < 2; k++)
		pthread_create(&rd[k], NULL, reader, (void *)k);
	pthread_create(&c, NULL, compactor, NULL);
	pthread_create(&m, NULL, mode_switcher, NULL);
	for (k = 0; k < 3; k++)
		pthread_create(&w[k], NULL, writer, (void *)(k + 1));
	pthread_create(&d, NULL, discarder, NULL);
	for (k = 0; k < 2; k++)
		pthread_create(&hw[k], NULL, half_writer, (void *)k);

	for (k = 0; k < 3; k++)
		pthread_join(w[k], NULL);
	pthread_join(d, NULL);
	for (k = 0; k < 2; k++)
		pthread_join(hw[k], NULL);
	atomic_store(&stop, 1);
	for (k = 0; k < 2; k++)
		pthread_join(rd[k], NULL);
	pthread_join(c, NULL);
	pthread_join(m, NULL);

	ok(!errors, "no operation failed (%" PRIu64 ")", (uint64_t)errors);
	ok(!torn && reads_checked > 0,
	   "no torn page in %" PRIu64 " concurrent reads (%" PRIu64 " torn)",
	   (uint64_t)reads_checked, (uint64_t)torn);
	for (i = 0; i < NPAGES; i++)
		bad += zstore_read(zs, page, PG, i * PG) ||
		       !page_valid(i, page);
	ok(!bad, "every page whole at the end");
	ok(check_halves() == 0,
	   "concurrent partial writes to two halves lose nothing");

	zstore_zero(zs, 0, p.disksize);
	zstore_gc_drain(zs);
	zstore_get_stats(zs, &st);
	ok(st.mm.orig_data_size == 0 && st.mm.mem_used_total == 0 &&
		   st.gc.pending == 0 && st.mm.same_pages == 0 &&
		   st.mm.huge_pages == 0,
	   "after discarding everything the counters and memory are zero "
	   "(used %" PRIu64 ", orig %" PRIu64 ")",
	   st.mm.mem_used_total, st.mm.orig_data_size);
	ok(st.gc.freed_total == st.gc.queued_total && st.gc.queued_total > 0,
	   "the GC freed all %" PRIu64 " queued", st.gc.queued_total);
	zstore_region_destroy(zs);
	return tap_done();
}
