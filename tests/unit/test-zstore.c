// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zstore: the storage engine against a flat reference model.
 *
 * A long seeded random sequence of writes, reads, zero-ranges (punches),
 * compactions, gc_mode switches and resets at random offsets and lengths is
 * applied both to a zstore and to a plain byte array; every read must agree
 * and the statistics must agree with what the model says is stored.  The
 * seed is printed (set ZRAMFS_SEED to replay one).  Then the cases the
 * design exists for: same-filled and huge pages, the memory limit, I/O
 * outside the device, a write right after a discard surviving the GC,
 * compaction, allocator overhead on realistic data, and teardown with a full
 * GC queue.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pagegen.h"
#include "tap.h"
#include "zpool.h"
#include "zstore.h"
#include "zstore_region.h"

#define PG ZSTORE_PAGE_SIZE

static struct zstore *mk(uint64_t disksize, const char *algo,
			 const char *params, enum zstore_gc_mode mode,
			 size_t queue)
{
	struct zstore_params p = {
		.disksize = disksize,
		.algorithm = algo,
		.algorithm_params = params,
		.gc_mode = mode,
		.gc_queue_pages = queue,
	};
	struct zstore *zs = NULL;
	int ret = zstore_region_create(&p, &zs);

	if (ret)
		bail_out("zstore_create(%s): %s", algo, strerror(-ret));
	return zs;
}

/* --- the reference model ------------------------------------------------- */

struct model {
	unsigned char *data;
	bool *stored; /* page holds something (possibly zeros) */
	uint64_t npages;
};

static bool page_is_same(const unsigned char *p)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 1; i < PG / 8; i++)
		if (w[i] != w[0])
			return false;
	return true;
}

static void fill_random(struct pagegen_rng *r, unsigned char *buf, size_t len)
{
	uint64_t kind = pagegen_rand(r) % 4;
	size_t i;

	switch (kind) {
	case 0: /* realistic pages */
		for (i = 0; i < len; i += PG) {
			unsigned char page[PG];
			size_t n = len - i < PG ? len - i : PG;

			pagegen_page(r->state, pagegen_rand(r), 0, page);
			memcpy(buf + i, page, n);
		}
		break;
	case 1: /* zeros */
		memset(buf, 0, len);
		break;
	case 2: /* one byte repeated */
		memset(buf, (int)(pagegen_rand(r) & 0xff), len);
		break;
	default: /* noise */
		for (i = 0; i < len; i++)
			buf[i] = (unsigned char)pagegen_rand(r);
		break;
	}
}

static uint64_t rand_below(struct pagegen_rng *r, uint64_t n)
{
	return n ? pagegen_rand(r) % n : 0;
}

/* A random range, biased to page-aligned and to small. */
static void rand_range(struct pagegen_rng *r, uint64_t size, uint64_t *off,
		       uint64_t *len, uint64_t maxlen)
{
	if (pagegen_rand(r) & 1) {
		*off = rand_below(r, size / PG) * PG;
		*len = (1 + rand_below(r, maxlen / PG)) * PG;
	} else {
		*off = rand_below(r, size);
		*len = 1 + rand_below(r, maxlen);
	}
	if (*off + *len > size)
		*len = size - *off;
}

static int check_stats(struct zstore *zs, const struct model *m)
{
	struct zstore_stats st;
	uint64_t stored = 0, same = 0, i;

	zstore_get_stats(zs, &st);
	for (i = 0; i < m->npages; i++) {
		if (!m->stored[i])
			continue;
		stored++;
		same += page_is_same(m->data + i * PG);
	}
	if (st.mm.orig_data_size != stored * PG) {
		diag("orig_data_size %" PRIu64 ", model %" PRIu64,
		     st.mm.orig_data_size, stored * PG);
		return 0;
	}
	if (st.mm.same_pages != same) {
		diag("same_pages %" PRIu64 ", model %" PRIu64,
		     st.mm.same_pages, same);
		return 0;
	}
	if (st.mm.compr_data_size > (stored - same) * PG ||
	    st.mm.huge_pages > stored - same) {
		diag("compr %" PRIu64 " huge %" PRIu64 " for %" PRIu64
		     " pages",
		     st.mm.compr_data_size, st.mm.huge_pages, stored - same);
		return 0;
	}
	return 1;
}

static void model_reset(struct model *m)
{
	memset(m->data, 0, m->npages * PG);
	memset(m->stored, 0, m->npages * sizeof(*m->stored));
}

/*
 * Runs @nops random operations; returns the number of mismatches.  The seed
 * is printed by the caller.
 */
static int random_run(uint64_t seed, const char *algo, const char *params,
		      unsigned nops)
{
	const uint64_t size = 512 * PG + 0; /* 2 MiB */
	const uint64_t maxlen = 5 * PG;
	struct pagegen_rng r = { seed };
	struct model m = { malloc(size), calloc(size / PG, sizeof(bool)),
			   size / PG };
	unsigned char *buf = malloc(maxlen), *got = malloc(maxlen);
	struct zstore *zs = mk(size, algo, params, ZSTORE_GC_ASYNC, 64);
	int bad = 0;
	unsigned op;

	memset(m.data, 0, size);
	for (op = 0; op < nops && !bad; op++) {
		uint64_t off, len, i, choice = rand_below(&r, 100);
		int ret;

		rand_range(&r, size, &off, &len, maxlen);
		if (choice < 40) {
			fill_random(&r, buf, len);
			ret = zstore_write(zs, buf, len, off);
			if (ret) {
				diag("op %u: write %" PRIu64 "+%" PRIu64
				     ": %s", op, off, len, strerror(-ret));
				bad++;
			}
			memcpy(m.data + off, buf, len);
			for (i = off / PG; i <= (off + len - 1) / PG; i++)
				m.stored[i] = true;
		} else if (choice < 75) {
			ret = zstore_read(zs, got, len, off);
			if (ret || memcmp(got, m.data + off, len)) {
				diag("op %u: read %" PRIu64 "+%" PRIu64
				     " differs (%d)", op, off, len, ret);
				bad++;
			}
		} else if (choice < 93) {
			uint64_t first = (off + PG - 1) / PG;
			uint64_t last = (off + len) / PG;

			ret = zstore_zero(zs, off, len);
			bad += ret != 0;
			memset(m.data + off, 0, len);
			/* Whole pages are discarded, partial ones written. */
			for (i = off / PG; i <= (off + len - 1) / PG; i++)
				m.stored[i] = !(i >= first && i < last);
		} else if (choice < 96) {
			zstore_compact(zs);
		} else if (choice < 99) {
			zstore_set_gc_mode(zs, zstore_gc_mode(zs) ==
							       ZSTORE_GC_ASYNC
						       ? ZSTORE_GC_SYNC
						       : ZSTORE_GC_ASYNC);
		} else {
			zstore_region_destroy(zs);
			zs = mk(size, algo, params, ZSTORE_GC_ASYNC, 64);
			model_reset(&m);
		}
		if (op % 256 == 0 && !check_stats(zs, &m)) {
			diag("op %u: statistics disagree with the model", op);
			bad++;
		}
	}
	if (!bad) {
		struct zstore_stats st;

		/* Everything read back at the end, then discarded: no
		 * memory may remain once the GC has run. */
		for (op = 0; op < size / maxlen; op++)
			if (zstore_read(zs, got, maxlen, op * maxlen) ||
			    memcmp(got, m.data + op * maxlen, maxlen))
				bad++;
		bad += !check_stats(zs, &m);
		zstore_zero(zs, 0, size);
		zstore_gc_drain(zs);
		zstore_get_stats(zs, &st);
		if (st.mm.mem_used_total || st.mm.orig_data_size ||
		    st.mm.compr_data_size || st.mm.same_pages ||
		    st.mm.huge_pages) {
			diag("after discarding all: used %" PRIu64
			     " orig %" PRIu64,
			     st.mm.mem_used_total, st.mm.orig_data_size);
			bad++;
		}
	}
	zstore_region_destroy(zs);
	free(m.data);
	free(m.stored);
	free(buf);
	free(got);
	return bad;
}

static void test_random(void)
{
	static const struct {
		const char *algo, *params;
	} cfg[] = {
		{ "lz4", "" },
		{ "zstd", "level=3" },
		{ "lz4hc", "" },
		{ "zstd", "level=1" },
	};
	const char *env = getenv("ZRAMFS_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	unsigned ops = getenv("ZRAMFS_OPS") ? atoi(getenv("ZRAMFS_OPS"))
					    : 30000;
	size_t i;

	diag("seed %" PRIu64 " (ZRAMFS_SEED=%" PRIu64 " replays it)", seed,
	     seed);
	for (i = 0; i < ARRAY_SIZE(cfg); i++) {
		int bad = random_run(seed + i, cfg[i].algo, cfg[i].params,
				     i == 0 ? ops : ops / 4);

		ok(!bad, "%s %s: random operations agree with the model "
		   "(seed %" PRIu64 ")",
		   cfg[i].algo, cfg[i].params, seed + i);
	}
}

static void test_page_kinds(void)
{
	struct zstore *zs = mk(64 * PG, "lz4", NULL, ZSTORE_GC_SYNC, 0);
	unsigned char page[PG], got[PG];
	struct zstore_stats st;
	struct pagegen_rng r = { 42 };
	size_t i;

	memset(page, 0, PG);
	ok(zstore_write(zs, page, PG, 0) == 0, "write a zero page");
	for (i = 0; i < PG; i += 8)
		memcpy(page + i, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	ok(zstore_write(zs, page, PG, PG) == 0, "write a same-filled page");
	zstore_get_stats(zs, &st);
	ok(st.mm.same_pages == 2 && st.mm.mem_used_total == 0 &&
		   st.mm.compr_data_size == 0 &&
		   st.mm.orig_data_size == 2 * PG,
	   "same-filled pages cost no memory (same %" PRIu64 ", used %" PRIu64
	   ")", st.mm.same_pages, st.mm.mem_used_total);
	ok(zstore_read(zs, got, PG, PG) == 0 && !memcmp(got, page, PG),
	   "the same-filled page reads back");

	for (i = 0; i < PG; i++)
		page[i] = (unsigned char)pagegen_rand(&r);
	ok(zstore_write(zs, page, PG, 2 * PG) == 0, "write a random page");
	zstore_get_stats(zs, &st);
	ok(st.mm.huge_pages == 1 && st.mm.huge_pages_since == 1 &&
		   st.mm.compr_data_size == PG,
	   "an incompressible page is stored raw as huge");
	ok(zstore_read(zs, got, PG, 2 * PG) == 0 && !memcmp(got, page, PG),
	   "the huge page reads back");

	pagegen_fill_kind(PAGEGEN_TEXT, 7, page);
	ok(zstore_write(zs, page, PG, 2 * PG) == 0, "overwrite it with text");
	zstore_get_stats(zs, &st);
	ok(st.mm.huge_pages == 0 && st.mm.huge_pages_since == 1 &&
		   st.mm.compr_data_size > 0 &&
		   st.mm.compr_data_size < ZSTORE_HUGE_THRESHOLD &&
		   st.mm.orig_data_size == 3 * PG,
	   "text compresses (%" PRIu64 " bytes); huge_pages_since stays",
	   st.mm.compr_data_size);
	ok(zstore_read(zs, got, PG, 2 * PG) == 0 && !memcmp(got, page, PG),
	   "the text page reads back");
	ok(zstore_read(zs, got, PG, 10 * PG) == 0 && !got[0] &&
		   !memcmp(got, got + 1, PG - 1),
	   "a page never written reads as zeros");
	zstore_region_destroy(zs);
}

static void test_bounds(void)
{
	struct zstore *zs = mk(16 * PG, "lz4", NULL, ZSTORE_GC_ASYNC, 0);
	struct zstore_params bad = { .disksize = 1000 };
	struct zstore *none = NULL;
	unsigned char buf[2 * PG] = { 1 };
	struct zstore_stats st;

	ok(zstore_read(zs, buf, PG, 16 * PG) == -EIO,
	   "read past the end: EIO");
	ok(zstore_read(zs, buf, 2 * PG, 15 * PG) == -EIO,
	   "read straddling the end: EIO");
	ok(zstore_write(zs, buf, 1, 16 * PG) == -ENOSPC,
	   "write past the end: ENOSPC");
	ok(zstore_write(zs, buf, PG, UINT64_MAX - 10) == -ENOSPC,
	   "write at an offset that overflows: ENOSPC");
	ok(zstore_zero(zs, 15 * PG, 2 * PG) == -EIO,
	   "zero range past the end: EIO");
	zstore_get_stats(zs, &st);
	ok(st.io.invalid_io == 5 && st.mm.orig_data_size == 0,
	   "invalid_io counts them (%" PRIu64 "), nothing stored",
	   st.io.invalid_io);
	ok(zstore_region_create(&bad, &none) == -EINVAL && !none,
	   "a disksize that is not whole pages is refused");
	bad.disksize = 0;
	ok(zstore_region_create(&bad, &none) == -EINVAL,
	   "disksize 0 is refused");
	bad.disksize = PG;
	bad.algorithm = "lzma";
	ok(zstore_region_create(&bad, &none) == -EINVAL,
	   "an unknown algorithm is refused");
	zstore_region_destroy(zs);
}

static void test_mem_limit(void)
{
	const uint64_t n = 4096;
	struct zstore *zs = mk(n * PG, "lz4", NULL, ZSTORE_GC_SYNC, 0);
	unsigned char page[PG], got[PG], old[PG];
	struct zstore_stats st;
	uint64_t i, written = 0;
	int ret = 0, bad = 0;

	zstore_set_mem_limit(zs, 1 << 20);
	for (i = 0; i < n; i++) {
		pagegen_fill_kind(PAGEGEN_RANDOM, i, page);
		ret = zstore_write(zs, page, PG, i * PG);
		if (ret)
			break;
		written++;
	}
	zstore_get_stats(zs, &st);
	ok(ret == -ENOSPC, "writes past mem_limit fail with ENOSPC (%d)", ret);
	ok(st.mm.mem_used_total <= (1 << 20) && written > 100,
	   "mem_used_total %" PRIu64 " stays within the limit after %" PRIu64
	   " pages", st.mm.mem_used_total, written);
	ok(st.io.failed_writes == 1, "failed_writes counts it");
	for (i = 0; i < written; i++) {
		pagegen_fill_kind(PAGEGEN_RANDOM, i, page);
		if (zstore_read(zs, got, PG, i * PG) || memcmp(got, page, PG))
			bad++;
	}
	ok(!bad, "every page written before the limit is intact");
	ok(zstore_read(zs, got, PG, written * PG) == 0 && !got[0] &&
		   !memcmp(got, got + 1, PG - 1),
	   "the page whose write failed keeps its old contents (zeros)");
	/* An overwrite at the limit either lands whole or not at all. */
	pagegen_fill_kind(PAGEGEN_RANDOM, 0, old);
	for (i = 0; i < 64; i++) {
		pagegen_fill_kind(PAGEGEN_RANDOM, 1000000 + i, page);
		ret = zstore_write(zs, page, PG, 0);
		if (ret == 0)
			memcpy(old, page, PG);
		if ((ret && ret != -ENOSPC) || zstore_read(zs, got, PG, 0) ||
		    memcmp(got, old, PG))
			bad++;
	}
	ok(!bad, "overwrites at the limit keep the page whole");
	zstore_set_mem_limit(zs, 0);
	pagegen_fill_kind(PAGEGEN_RANDOM, 99, page);
	ok(zstore_write(zs, page, PG, (n - 1) * PG) == 0,
	   "limit 0 means none again");
	zstore_region_destroy(zs);
}

/*
 * A write of many pages that reaches mem_limit part way stores the pages
 * before and says how many bytes that is, as write(2) does; only the write
 * that stores nothing fails, and only it counts in failed_writes.
 */
static void test_short_write(void)
{
	const size_t len = 256 * PG; /* 1 MiB, as a FUSE write at most */
	struct zstore *zs = mk(1024 * PG, "lz4", NULL, ZSTORE_GC_SYNC, 0);
	unsigned char *buf = malloc(len), *got = malloc(len);
	struct zstore_stats st;
	ssize_t n, again;
	size_t i;

	if (!buf || !got)
		bail_out("out of memory");
	for (i = 0; i < len / PG; i++)
		pagegen_fill_kind(PAGEGEN_RANDOM, i, buf + i * PG);
	zstore_set_mem_limit(zs, 256 * 1024);
	/* Unaligned: the first piece is part of a page. */
	n = zstore_write(zs, buf, len - 100, 100);
	zstore_get_stats(zs, &st);
	ok(n > 0 && (size_t)n < len - 100 && (100 + (size_t)n) % PG == 0,
	   "a 1 MiB write at mem_limit returns a short count of whole "
	   "pieces (%zd)", n);
	ok(st.io.failed_writes == 0, "a short write is no failed write");
	ok(st.mm.orig_data_size == (100 + (uint64_t)n) / PG * PG &&
		   !zstore_read(zs, got, (size_t)n, 100) &&
		   !memcmp(got, buf, (size_t)n),
	   "the %zd bytes it reports are stored (orig_data_size %" PRIu64 ")",
	   n, st.mm.orig_data_size);
	ok(!zstore_read(zs, got, PG, 100 + (uint64_t)n) && !got[0] &&
		   !memcmp(got, got + 1, PG - 1),
	   "the page after them keeps its old contents (zeros)");
	again = zstore_write(zs, buf + n, len - 100 - (size_t)n,
			     100 + (uint64_t)n);
	zstore_get_stats(zs, &st);
	ok(again == -ENOSPC && st.io.failed_writes == 1,
	   "writing the rest fails with ENOSPC (%zd), and counts", again);
	zstore_set_mem_limit(zs, 0);
	ok(zstore_write(zs, buf, len - 100, 100) == 0 &&
		   !zstore_read(zs, got, len - 100, 100) &&
		   !memcmp(got, buf, len - 100),
	   "without the limit the whole write is stored and returns 0");
	zstore_region_destroy(zs);
	free(buf);
	free(got);
}

/*
 * @return whether the fixed cost of @disksize is 16 KiB of header, @table
 * (its slot table and GC queue) and at most the block map and span table
 * root of a block for every page and queue entry.
 */
static bool fixed_ok(uint64_t disksize, uint64_t table)
{
	uint64_t fixed = zstore_fixed_bytes(disksize), base = 16384 + table;
	uint64_t blocks = (disksize / PG) + zstore_gc_queue_pages(disksize) +
			  1024;

	return fixed > base && fixed - base <= zpool_private_bytes(blocks);
}

/* The GC queue follows the device's size; the fixed cost is its table and
 * the queue. */
static void test_sizes(void)
{
	ok(zstore_gc_queue_pages(PG) == ZSTORE_GC_QUEUE_MIN &&
		   zstore_gc_queue_pages(1000 * PG) == 1000 &&
		   zstore_gc_queue_pages(1ull << 30) == ZSTORE_GC_QUEUE_MAX &&
		   zstore_gc_queue_pages(1ull << 40) == ZSTORE_GC_QUEUE_MAX,
	   "GC queue: the device's pages, at least %u, at most %u",
	   ZSTORE_GC_QUEUE_MIN, ZSTORE_GC_QUEUE_MAX);
	ok(fixed_ok(PG, 16 + 8 * ZSTORE_GC_QUEUE_MIN) &&
		   fixed_ok(1ull << 30, 6ull << 20) &&
		   fixed_ok(100ull << 30, (400ull << 20) + (2 << 20)),
	   "fixed bytes: 16 KiB of header, 16 a page of table, 8 a page of "
	   "queue, and the pool's block map (4K: %" PRIu64 ", 1G: %" PRIu64
	   ")", zstore_fixed_bytes(PG), zstore_fixed_bytes(1ull << 30));
	ok(zstore_region_bytes(PG) >= 16384 + 16 + 64 * 1024 &&
		   zstore_region_bytes(1ull << 30) > (1ull << 30) &&
		   zstore_region_bytes(1ull << 30) % 4096 == 0 &&
		   zstore_region_bytes(0) == 0 && zstore_region_bytes(100) == 0,
	   "region bytes: header, table and blocks; 0 for a bad disksize "
	   "(1G: %" PRIu64 ")", zstore_region_bytes(1ull << 30));
}

static void test_write_after_discard(void)
{
	struct zstore *zs = mk(256 * PG, "lz4", NULL, ZSTORE_GC_ASYNC, 4096);
	unsigned char a[PG], b[PG], got[PG];
	struct zstore_stats st;
	int bad = 0, round;
	uint64_t i;

	for (round = 0; round < 200; round++) {
		for (i = 0; i < 256; i++) {
			pagegen_page(1, i, round * 2, a);
			zstore_write(zs, a, PG, i * PG);
		}
		/* Discard all, then at once write half of them again. */
		zstore_zero(zs, 0, 256 * PG);
		for (i = 0; i < 256; i += 2) {
			pagegen_page(1, i, round * 2 + 1, b);
			zstore_write(zs, b, PG, i * PG);
		}
		for (i = 0; i < 256; i++) {
			if (zstore_read(zs, got, PG, i * PG)) {
				bad++;
				continue;
			}
			if (i % 2) {
				bad += got[0] || memcmp(got, got + 1, PG - 1);
			} else {
				pagegen_page(1, i, round * 2 + 1, b);
				bad += !!memcmp(got, b, PG);
			}
		}
	}
	zstore_gc_drain(zs);
	for (i = 0; i < 256; i += 2) {
		pagegen_page(1, i, 199 * 2 + 1, b);
		bad += zstore_read(zs, got, PG, i * PG) || memcmp(got, b, PG);
	}
	zstore_get_stats(zs, &st);
	ok(!bad, "a write right after a discard survives the GC");
	ok(st.gc.queued_total > 0 && st.gc.pending == 0 &&
		   st.gc.freed_total == st.gc.queued_total,
	   "the GC freed what was queued (%" PRIu64 ")", st.gc.freed_total);
	ok(st.io.notify_free == 200 * 256, "notify_free counts pages (%" PRIu64
	   ")", st.io.notify_free);
	zstore_region_destroy(zs);
}

static void test_compact_and_overhead(void)
{
	const uint64_t n = 65536; /* 256 MiB */
	struct zstore *zs = mk(n * PG, "lz4", NULL, ZSTORE_GC_ASYNC, 0);
	unsigned char page[PG], got[PG];
	struct zstore_stats st, after;
	struct pagegen_rng r = { 7 };
	bool *kept = calloc(n, sizeof(bool));
	uint64_t i, compacted;
	double overhead;
	int bad = 0;

	for (i = 0; i < n; i++) {
		pagegen_page(3, i, 0, page);
		zstore_write(zs, page, PG, i * PG);
	}
	zstore_get_stats(zs, &st);
	overhead = (double)(st.mm.mem_used_total - st.mm.compr_data_size) /
		   (double)st.mm.compr_data_size;
	diag("realistic data: orig %" PRIu64 " compr %" PRIu64 " used %" PRIu64
	     " ratio %.2f", st.mm.orig_data_size, st.mm.compr_data_size,
	     st.mm.mem_used_total,
	     (double)st.mm.orig_data_size / (double)st.mm.mem_used_total);
	ok(overhead <= 0.05,
	   "allocator overhead %.2f%% of compr_data_size (target <= 5%%)",
	   overhead * 100);

	for (i = 0; i < n; i++) {
		kept[i] = rand_below(&r, 10) < 3;
		if (!kept[i])
			zstore_zero(zs, i * PG, PG);
	}
	zstore_gc_drain(zs);
	zstore_get_stats(zs, &st);
	compacted = zstore_compact(zs);
	zstore_get_stats(zs, &after);
	diag("compaction: used %" PRIu64 " -> %" PRIu64 ", %" PRIu64
	     " pages released", st.mm.mem_used_total,
	     after.mm.mem_used_total, compacted);
	ok(compacted > 0 && after.mm.pages_compacted == compacted &&
		   after.mm.mem_used_total < st.mm.mem_used_total,
	   "compaction releases memory after fragmentation");
	ok(after.mm.mem_used_total <= after.mm.compr_data_size * 1.10,
	   "after compaction overhead is small again (%" PRIu64 " vs %" PRIu64
	   ")", after.mm.mem_used_total, after.mm.compr_data_size);
	for (i = 0; i < n; i++) {
		if (zstore_read(zs, got, PG, i * PG)) {
			bad++;
			continue;
		}
		if (kept[i]) {
			pagegen_page(3, i, 0, page);
			bad += !!memcmp(got, page, PG);
		} else {
			bad += got[0] || memcmp(got, got + 1, PG - 1);
		}
	}
	ok(!bad, "every page is intact after compaction");
	zstore_reset_mem_used_max(zs);
	zstore_get_stats(zs, &st);
	ok(st.mm.mem_used_max == st.mm.mem_used_total,
	   "mem_used_max resets to mem_used_total");
	free(kept);
	zstore_region_destroy(zs);
}

static void test_teardown_full_queue(void)
{
	struct zstore *zs = mk(8192 * PG, "zstd", "level=1", ZSTORE_GC_ASYNC,
			       1 << 16);
	unsigned char page[PG];
	struct zstore_stats st;
	uint64_t i;

	for (i = 0; i < 8192; i++) {
		pagegen_page(5, i, 0, page);
		zstore_write(zs, page, PG, i * PG);
	}
	zstore_zero(zs, 0, 8192 * PG);
	zstore_get_stats(zs, &st);
	ok(st.mm.orig_data_size == 0,
	   "a discard empties the slots at once (pending %" PRIu64 ")",
	   st.gc.pending);
	/* Destroy with work still queued: ASan/valgrind check the rest. */
	zstore_region_destroy(zs);
	ok(1, "teardown with a queued GC completes");
}

static void test_sync_mode(void)
{
	struct zstore *zs = mk(1024 * PG, "lz4", NULL, ZSTORE_GC_SYNC, 0);
	unsigned char page[PG];
	struct zstore_stats st;
	uint64_t i;

	for (i = 0; i < 1024; i++) {
		pagegen_page(9, i, 0, page);
		zstore_write(zs, page, PG, i * PG);
	}
	zstore_zero(zs, 0, 1024 * PG);
	zstore_get_stats(zs, &st);
	ok(st.mm.mem_used_total == 0 && st.gc.queued_total == 0 &&
		   st.gc.freed_inline > 0,
	   "sync mode frees before the discard returns (freed_inline %" PRIu64
	   ")", st.gc.freed_inline);
	ok(zstore_gc_mode(zs) == ZSTORE_GC_SYNC, "gc_mode reads back");
	zstore_region_destroy(zs);
}

int main(void)
{
	test_page_kinds();
	test_bounds();
	test_mem_limit();
	test_short_write();
	test_sizes();
	test_write_after_discard();
	test_sync_mode();
	test_compact_and_overhead();
	test_teardown_full_queue();
	test_random();
	return tap_done();
}
