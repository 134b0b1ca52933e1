/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagegen: realistic, reproducible 4 KiB page contents for tests and
 * benchmarks: a mix of text, code, structured data, zero, same-filled and
 * random pages, as found in the anonymous memory a machine swaps out.
 *
 * A page is a pure function of (seed, index, version), so a test can verify
 * any page it wrote without keeping a copy.
 */
#ifndef ZRAMFS_PAGEGEN_H
#define ZRAMFS_PAGEGEN_H

#include <stddef.h>
#include <stdint.h>

#define PAGEGEN_PAGE_SIZE 4096

enum pagegen_kind {
	PAGEGEN_ZERO,   /* all zero bytes */
	PAGEGEN_SAME,   /* one repeated non-zero 8-byte word */
	PAGEGEN_TEXT,   /* English-like words and punctuation */
	PAGEGEN_CODE,   /* machine-code-like bytes and small integers */
	PAGEGEN_DATA,   /* structs: pointers, counters, padding */
	PAGEGEN_RANDOM, /* incompressible */
	PAGEGEN_NKINDS,
};

/* @return the kind of page (seed, index, version) is, drawn from the mix. */
enum pagegen_kind pagegen_kind_of(uint64_t seed, uint64_t index,
				  uint64_t version);

/* Fills @page (PAGEGEN_PAGE_SIZE bytes) with page (seed, index, version). */
enum pagegen_kind pagegen_page(uint64_t seed, uint64_t index,
			       uint64_t version, void *page);

/* Fills @page with a page of the given kind, derived from @rnd. */
void pagegen_fill_kind(enum pagegen_kind kind, uint64_t rnd, void *page);

/* @return the kind's name ("text", "random", ...). */
const char *pagegen_kind_name(enum pagegen_kind kind);

/* A small fast PRNG (splitmix64) the tests share. */
static inline uint64_t pagegen_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct pagegen_rng {
	uint64_t state;
};

static inline uint64_t pagegen_rand(struct pagegen_rng *r)
{
	r->state += 0x9e3779b97f4a7c15ull;
	return pagegen_mix(r->state);
}

#endif
