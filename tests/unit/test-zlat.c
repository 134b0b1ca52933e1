// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zlat: the latency histogram behind latency_stat: bucket edges,
 * percentiles against a sorted list of the same samples (the bound is the
 * bucket's limit: at least the true value, less than twice it), recording
 * from several threads (no count lost), clearing, the exact format and the
 * format -> parse round trip, and malformed input refused.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zlat.h"

static void test_buckets(void)
{
	static const struct {
		uint64_t us;
		unsigned b;
	} cases[] = {
		{0, 0},		{1, 1},
		{2, 2},		{3, 2},
		{4, 3},		{7, 3},
		{8, 4},		{1023, 10},
		{1024, 11},	{(1u << 22) - 1, 22},
		{1u << 22, 23}, {UINT64_MAX, 23},
	};
	size_t i, bad = 0;
	unsigned b;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		b = zlat_bucket(cases[i].us);
		if (b != cases[i].b) {
			diag("%" PRIu64 " us: bucket %u, want %u", cases[i].us,
			     b, cases[i].b);
			bad++;
		}
	}
	ok(!bad, "bucket of each edge");
	for (b = 0, bad = 0; b + 1 < ZLAT_BUCKETS; b++)
		if (zlat_bucket(zlat_bucket_limit(b)) != b + 1 ||
		    zlat_bucket(zlat_bucket_limit(b) - 1) != b)
			bad++;
	ok(!bad && zlat_bucket_limit(ZLAT_BUCKETS - 1) == UINT64_MAX,
	   "each bucket's limit is the first value of the next");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Records @n samples (us) and checks the percentiles against the sorted
 * samples: the exact rank's value v satisfies v <= p and p <= max(1, 2v). */
static void check_percentiles(const char *what, uint64_t *us, size_t n)
{
	static const unsigned pms[] = {1, 100, 500, 900, 990, 999, 1000};
	struct zlat *l = calloc(1, sizeof(*l));
	struct zlat_hist h;
	size_t i, rank, bad = 0;
	uint64_t p, v;

	if (!l)
		bail_out("out of memory");
	for (i = 0; i < n; i++)
		zlat_record(l, ZLAT_READ, us[i] * 1000 + 999);
	zlat_sum(l, ZLAT_READ, &h);
	qsort(us, n, sizeof(*us), cmp_u64);
	ok(h.count == n && h.max_us == us[n - 1],
	   "%s: count %" PRIu64 " max %" PRIu64 " us", what, h.count, h.max_us);
	for (i = 0; i < ARRAY_SIZE(pms); i++) {
		rank = (n * pms[i] + 999) / 1000;
		v = us[(rank ? rank : 1) - 1];
		p = zlat_percentile(&h, pms[i]);
		if (p < v || p > (v ? 2 * v : 1)) {
			diag("%s: p%u.%u = %" PRIu64 ", sample %" PRIu64, what,
			     pms[i] / 10, pms[i] % 10, p, v);
			bad++;
		}
	}
	ok(!bad, "%s: each percentile bounds its sample within 2x", what);
	ok(h.p50_us == zlat_percentile(&h, 500) &&
		   h.p99_us == zlat_percentile(&h, 990),
	   "%s: p50 and p99 filled", what);
	free(l);
}

static void test_percentiles(void)
{
	uint64_t one[] = {37}, zeros[] = {0, 0, 0};
	uint64_t *us = malloc(100000 * sizeof(*us));
	struct zlat_hist empty = {0};
	size_t i;

	if (!us)
		bail_out("out of memory");
	ok(zlat_percentile(&empty, 500) == 0 &&
		   zlat_percentile(&empty, 1000) == 0,
	   "an empty histogram: 0");
	check_percentiles("one sample", one, 1);
	check_percentiles("under 1 us", zeros, 3);
	srandom(13);
	for (i = 0; i < 100000; i++) /* 18 us mostly, a tail to 60 ms */
		us[i] = i % 100 ? 10 + (uint64_t)random() % 20
				: (uint64_t)random() % 60000;
	check_percentiles("100000 samples with a tail", us, 100000);
	for (i = 0; i < 1000; i++)
		us[i] = i + 1;
	check_percentiles("1..1000 us", us, 1000);
	free(us);
}

#define THREADS	   4
#define PER_THREAD 200000

static void *recorder(void *arg)
{
	struct zlat *l = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		zlat_record(l, (enum zlat_kind)(i % ZLAT_NKINDS),
			    (uint64_t)(i % 5000) * 1000);
	return NULL;
}

static void test_threads_and_clear(void)
{
	struct zlat *l = calloc(1, sizeof(*l));
	pthread_t t[THREADS];
	uint64_t total = 0;
	struct zlat_hist h;
	int i, k;

	if (!l)
		bail_out("out of memory");
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, recorder, l))
			bail_out("pthread_create");
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (k = 0; k < ZLAT_NKINDS; k++) {
		zlat_sum(l, (enum zlat_kind)k, &h);
		total += h.count;
	}
	ok(total == (uint64_t)THREADS * PER_THREAD,
	   "%d threads: every request counted (%" PRIu64 ")", THREADS, total);
	zlat_sum(l, ZLAT_READ, &h);
	ok(h.max_us == 4999, "the largest read kept: %" PRIu64, h.max_us);
	zlat_clear(l);
	for (k = 0, total = 0; k < ZLAT_NKINDS; k++) {
		zlat_sum(l, (enum zlat_kind)k, &h);
		total += h.count + h.max_us + h.p99_us;
	}
	ok(total == 0, "cleared: nothing left");
	free(l);
}

static void test_format(void)
{
	struct zlat *l = calloc(1, sizeof(*l));
	struct zlat_hist h[ZLAT_NKINDS], back[ZLAT_NKINDS];
	char buf[4096], small[16];
	int n, k;

	if (!l)
		bail_out("out of memory");
	zlat_record(l, ZLAT_READ, 500);	  /* bucket 0 */
	zlat_record(l, ZLAT_READ, 20000); /* 20 us: bucket 5 */
	zlat_record(l, ZLAT_READ, 21000); /* p50, p99: 32, but max 21 */
	zlat_record(l, ZLAT_WRITE, 5000000000ull); /* 5 s: the last */
	n = zlat_format(l, buf, sizeof(buf));
	ok(n > 0 && (size_t)n == strlen(buf) &&
		   !strcmp(buf, "read 3 21 21 21 1 0 0 0 0 2 0 0 0 0 0 0 0 0 0 "
				"0 0 0 "
				"0 0 0 0 0 0\n"
				"write 1 5000000 5000000 5000000 0 0 0 0 0 0 0 "
				"0 0 0 "
				"0 0 0 0 0 0 0 0 0 0 0 0 0 1\n"
				"discard 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
				"0 0 0 "
				"0 0 0 0 0 0\n"),
	   "format: %s", tap_show(buf));
	ok(zlat_format(l, small, sizeof(small)) == n &&
		   strlen(small) == sizeof(small) - 1,
	   "a short buffer: truncated, the full length returned");
	for (k = 0; k < ZLAT_NKINDS; k++)
		zlat_sum(l, (enum zlat_kind)k, &h[k]);
	ok(!zlat_parse(buf, back) && !memcmp(h, back, sizeof(h)),
	   "parse gives back what was formatted");
	ok(!zlat_parse("write 7 1 2 3 4 5\nfuture 1 2 3 4\n", back) &&
		   back[ZLAT_WRITE].count == 7 &&
		   back[ZLAT_WRITE].p99_us == 2 &&
		   back[ZLAT_WRITE].bucket[0] == 4 &&
		   back[ZLAT_WRITE].bucket[1] == 5 &&
		   back[ZLAT_WRITE].bucket[2] == 0 &&
		   back[ZLAT_READ].count == 0,
	   "short lines and unknown kinds: read as far as they go");
	ok(!zlat_parse("read 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
		       "0 0 0 9 9\n",
		       back) &&
		   back[ZLAT_READ].count == 1,
	   "appended columns ignored");
	ok(zlat_parse("read 1 2 3\n", back) == -EINVAL &&
		   zlat_parse("read 1 2 x 4\n", back) == -EINVAL &&
		   zlat_parse("read 1 2 3 4 5z\n", back) == -EINVAL &&
		   zlat_parse("read 1 2 3 -4\n", back) == -EINVAL &&
		   zlat_parse("read 99999999999999999999 0 0 0\n", back) ==
			   -EINVAL,
	   "malformed lines refused");
	ok(!strcmp(zlat_kind_name(ZLAT_DISCARD), "discard") &&
		   !zlat_kind_name(ZLAT_NKINDS),
	   "kind names");
	free(l);
}

int main(void)
{
	test_buckets();
	test_percentiles();
	test_threads_and_clear();
	test_format();
	return tap_done();
}
