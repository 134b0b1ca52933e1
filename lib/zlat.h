/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zlat: latency histograms of a device's data requests, shared by the
 * daemon (which records into one and formats the latency_stat attribute)
 * and zramfsctl (which parses the attribute and shows its percentiles).
 *
 * Each kind of request (read, write, discard) has ZLAT_BUCKETS log2
 * buckets in microseconds: bucket 0 counts requests under 1 us, bucket b
 * (1 <= b < ZLAT_BUCKETS - 1) those of [2^(b-1), 2^b) us, and the last
 * those of 2^(ZLAT_BUCKETS - 2) us (4.2 s) or more.  Recording is lock-free
 * and allocates nothing: relaxed atomic adds into one of ZLAT_SHARDS
 * cache-line-aligned shards chosen by the CPU the caller runs on, so two
 * CPUs rarely share a line; reading sums the shards, without a lock.  A
 * read concurrent with recording may miss the requests under way, never
 * see a count that disagrees with its buckets (the count is their sum).
 *
 * struct zlat holds only atomics and no pointer, so it may live in shared
 * memory (the daemon keeps it in the state region, daemon/state.h).
 *
 * latency_stat is a stable interface: one line per kind, in the order of
 * enum zlat_kind, "NAME COUNT P50_US P99_US MAX_US B0 ... B23"; kinds and
 * trailing columns are only ever appended.
 */
#ifndef ZRAMFS_ZLAT_H
#define ZRAMFS_ZLAT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define ZLAT_BUCKETS 24
#define ZLAT_SHARDS  4 /* a power of two */

enum zlat_kind {
	ZLAT_READ,
	ZLAT_WRITE,
	ZLAT_DISCARD,
	ZLAT_NKINDS,
};

struct zlat_shard {
	_Atomic uint64_t bucket[ZLAT_NKINDS][ZLAT_BUCKETS];
	_Atomic uint64_t max_us[ZLAT_NKINDS];
} __attribute__((aligned(64)));

struct zlat {
	struct zlat_shard shard[ZLAT_SHARDS];
};

/* One kind's histogram, summed over the shards (or parsed from a line). */
struct zlat_hist {
	uint64_t count; /* the sum of the buckets */
	uint64_t p50_us;
	uint64_t p99_us;
	uint64_t max_us;
	uint64_t bucket[ZLAT_BUCKETS];
};

/* @return the name of @k in latency_stat ("read"), or NULL. */
const char *zlat_kind_name(enum zlat_kind k);

/* @return the bucket that counts a request of @us microseconds. */
unsigned zlat_bucket(uint64_t us);

/* @return the least latency, in us, that bucket @b does not count
 * (2^b), or UINT64_MAX for the last bucket. */
uint64_t zlat_bucket_limit(unsigned b);

/* Counts one request of kind @k that took @ns nanoseconds. */
void zlat_record(struct zlat *l, enum zlat_kind k, uint64_t ns);

/* Sums kind @k of @l into @h, percentiles included. */
void zlat_sum(const struct zlat *l, enum zlat_kind k, struct zlat_hist *h);

/* Zeroes every counter of @l (relaxed: a request recorded at the same
 * time may survive it). */
void zlat_clear(struct zlat *l);

/*
 * @return an upper bound, in us, of the @permille / 1000 quantile of @h:
 *         the limit of the bucket that holds the request of that rank (so
 *         at most twice the true value, or 1 us for bucket 0), never more
 *         than max_us; 0 for an empty histogram.  @permille is 1..1000.
 */
uint64_t zlat_percentile(const struct zlat_hist *h, unsigned permille);

/* Formats latency_stat: one line per kind.  @return the length
 * (snprintf semantics). */
int zlat_format(const struct zlat *l, char *buf, size_t size);

/*
 * Parses latency_stat into @h[ZLAT_NKINDS]: a kind whose line is missing is
 * left zero, lines of kinds it does not know and trailing columns are
 * ignored (newer daemons stay readable), missing trailing buckets are 0.
 * @return 0, or -EINVAL if a line does not start with a name and four
 *         numbers or a column is not a number.
 */
int zlat_parse(const char *text, struct zlat_hist h[ZLAT_NKINDS]);

#endif
