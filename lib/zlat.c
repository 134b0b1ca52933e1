// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zlat: latency histograms of a device's data requests (see zlat.h).
 *
 * The percentiles are computed from the buckets, so they are upper bounds
 * within a factor of two: precise enough to tell 18 us from 60 us, and
 * what a fixed array of counters that needs no lock can give.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "zlat.h"

_Static_assert((ZLAT_SHARDS & (ZLAT_SHARDS - 1)) == 0,
	       "ZLAT_SHARDS is a power of two");

static const char *const kind_names[] = {
	[ZLAT_READ] = "read",
	[ZLAT_WRITE] = "write",
	[ZLAT_DISCARD] = "discard",
};
_Static_assert(ARRAY_SIZE(kind_names) == ZLAT_NKINDS, "every kind has a name");

const char *zlat_kind_name(enum zlat_kind k)
{
	return (unsigned)k < ZLAT_NKINDS ? kind_names[k] : NULL;
}

unsigned zlat_bucket(uint64_t us)
{
	unsigned b;

	if (!us)
		return 0;
	b = 64u - (unsigned)__builtin_clzll(us); /* 1 -> 1, 2..3 -> 2 */
	return b < ZLAT_BUCKETS - 1 ? b : ZLAT_BUCKETS - 1;
}

uint64_t zlat_bucket_limit(unsigned b)
{
	return b < ZLAT_BUCKETS - 1 ? UINT64_C(1) << b : UINT64_MAX;
}

/* The shard of the CPU the caller runs on (a stale answer only costs a
 * shared cache line, never a count). */
static struct zlat_shard *my_shard(struct zlat *l)
{
	int cpu = sched_getcpu();

	return &l->shard[(cpu < 0 ? 0 : (unsigned)cpu) & (ZLAT_SHARDS - 1)];
}

void zlat_record(struct zlat *l, enum zlat_kind k, uint64_t ns)
{
	struct zlat_shard *s = my_shard(l);
	uint64_t us = ns / 1000, max;

	atomic_fetch_add_explicit(&s->bucket[k][zlat_bucket(us)], 1,
				  memory_order_relaxed);
	max = atomic_load_explicit(&s->max_us[k], memory_order_relaxed);
	while (us > max && !atomic_compare_exchange_weak_explicit(
				   &s->max_us[k], &max, us,
				   memory_order_relaxed, memory_order_relaxed))
		;
}

uint64_t zlat_percentile(const struct zlat_hist *h, unsigned permille)
{
	uint64_t rank, seen = 0, limit;
	unsigned b;

	if (!h->count)
		return 0;
	/* The rank of the request at that quantile, 1-based, rounded up. */
	rank = h->count / 1000 * permille +
	       (h->count % 1000 * permille + 999) / 1000;
	if (!rank)
		rank = 1;
	for (b = 0; b < ZLAT_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			break;
	}
	if (b == ZLAT_BUCKETS)
		return h->max_us; /* buckets that disagree with count */
	limit = zlat_bucket_limit(b);
	return limit < h->max_us ? limit : h->max_us;
}

void zlat_sum(const struct zlat *l, enum zlat_kind k, struct zlat_hist *h)
{
	unsigned s, b;
	uint64_t v;

	memset(h, 0, sizeof(*h));
	for (s = 0; s < ZLAT_SHARDS; s++) {
		const struct zlat_shard *sh = &l->shard[s];

		for (b = 0; b < ZLAT_BUCKETS; b++) {
			v = atomic_load_explicit(&sh->bucket[k][b],
						 memory_order_relaxed);
			h->bucket[b] += v;
			h->count += v;
		}
		v = atomic_load_explicit(&sh->max_us[k], memory_order_relaxed);
		if (v > h->max_us)
			h->max_us = v;
	}
	h->p50_us = zlat_percentile(h, 500);
	h->p99_us = zlat_percentile(h, 990);
}

void zlat_clear(struct zlat *l)
{
	unsigned s, k, b;

	for (s = 0; s < ZLAT_SHARDS; s++)
		for (k = 0; k < ZLAT_NKINDS; k++) {
			for (b = 0; b < ZLAT_BUCKETS; b++)
				atomic_store_explicit(&l->shard[s].bucket[k][b],
						      0, memory_order_relaxed);
			atomic_store_explicit(&l->shard[s].max_us[k], 0,
					      memory_order_relaxed);
		}
}

/* Appends " @v" (@first: "@name @v") to @buf at *@len, snprintf-style. */
static int append(char *buf, size_t size, size_t *len, const char *name,
		  uint64_t v)
{
	size_t at = *len < size ? *len : size;
	int n;

	if (name)
		n = snprintf(buf + at, size - at, "%s %llu", name,
			     (unsigned long long)v);
	else
		n = snprintf(buf + at, size - at, " %llu",
			     (unsigned long long)v);
	if (n < 0)
		return n;
	*len += (size_t)n;
	return 0;
}

int zlat_format(const struct zlat *l, char *buf, size_t size)
{
	struct zlat_hist h;
	size_t len = 0;
	unsigned k, b;

	for (k = 0; k < ZLAT_NKINDS; k++) {
		zlat_sum(l, (enum zlat_kind)k, &h);
		if (append(buf, size, &len, kind_names[k], h.count) ||
		    append(buf, size, &len, NULL, h.p50_us) ||
		    append(buf, size, &len, NULL, h.p99_us) ||
		    append(buf, size, &len, NULL, h.max_us))
			return -1;
		for (b = 0; b < ZLAT_BUCKETS; b++)
			if (append(buf, size, &len, NULL, h.bucket[b]))
				return -1;
		if (len + 1 < size)
			buf[len] = '\n', buf[len + 1] = '\0';
		else if (size)
			buf[size - 1] = '\0';
		len++;
	}
	return (int)len;
}

/* Parses one unsigned decimal number at *@p, skipping blanks before it.
 * @return 0, 1 at the end of the line, or -EINVAL. */
static int parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p + strspn(*p, " \t");
	char *end;

	if (!*s || *s == '\n') {
		*p = s;
		return 1;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || (*end && *end != ' ' && *end != '\t' && *end != '\n'))
		return -EINVAL;
	*p = end;
	return 0;
}

int zlat_parse(const char *text, struct zlat_hist h[ZLAT_NKINDS])
{
	const char *p = text, *name;
	struct zlat_hist one;
	uint64_t *cols[4];
	size_t namelen;
	unsigned i, k;
	int ret;

	memset(h, 0, ZLAT_NKINDS * sizeof(*h));
	while (*p) {
		name = p + strspn(p, " \t");
		namelen = strcspn(name, " \t\n");
		p = name + namelen;
		if (!namelen) {
			if (*p == '\n')
				p++;
			continue; /* an empty line */
		}
		memset(&one, 0, sizeof(one));
		cols[0] = &one.count;
		cols[1] = &one.p50_us;
		cols[2] = &one.p99_us;
		cols[3] = &one.max_us;
		for (i = 0; i < 4; i++)
			if (parse_u64(&p, cols[i]))
				return -EINVAL;
		for (i = 0; i < ZLAT_BUCKETS; i++) {
			ret = parse_u64(&p, &one.bucket[i]);
			if (ret < 0)
				return ret;
			if (ret)
				break;
		}
		/* Columns a newer daemon appended. */
		while ((ret = parse_u64(&p, &(uint64_t){0})) == 0)
			;
		if (ret < 0)
			return ret;
		if (*p == '\n')
			p++;
		for (k = 0; k < ZLAT_NKINDS; k++)
			if (strlen(kind_names[k]) == namelen &&
			    !strncmp(kind_names[k], name, namelen))
				h[k] = one;
	}
	return 0;
}
