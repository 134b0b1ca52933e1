// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zcomp: every backend at several levels compresses as its library
 * does at that level and round-trips text-like, zero, same-filled, random
 * and mixed pages; incompressible data gives -ENOSPC;
 * corrupt input and a wrong output length give -EIO and never touch memory
 * outside the buffers (run it under ASan or valgrind to be sure of that);
 * parameter validation and the comp_algorithm list; and four threads
 * sharing the compressors at once; and that a thread that called
 * zcomp_thread_prepare() takes no heap memory to compress and decompress
 * with every backend at its default level (the FUSE workers rely on it).
 * Random data comes from a seed that is printed, and can be set with
 * ZCOMP_TEST_SEED.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lz4.h>
#include <lz4hc.h>
#include <zstd.h>

#include "pagegen.h"
#include "tap.h"
#include "zcomp.h"

#define PAGE 4096
/* Room for any backend's worst case on a page (LZ4/zstd bound + margin). */
#define BOUND (PAGE + PAGE / 64 + 128)
/* zram's huge-page threshold: above this a page is stored raw. */
#define HUGE_CAP 3264

static uint64_t seed;

/* --- pages ---------------------------------------------------------------- */

enum kind { TEXT, ZERO, SAME, RANDOM, MIXED, NR_KINDS };

static const char *const kind_names[] = { "text", "zero", "same", "random",
					  "mixed" };

static void fill_random(unsigned char *p, size_t len, struct pagegen_rng *r)
{
	size_t i;
	uint64_t v;

	for (i = 0; i < len; i += 8) {
		v = pagegen_rand(r);
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

static void fill_text(unsigned char *p, size_t len, struct pagegen_rng *r)
{
	static const char *const words[] = {
		"the", "page", "of", "memory", "is", "compressed", "and",
		"stored", "in", "a", "pool", "swap", "zram", "kernel", "to",
		"with", "free", "slot", "lock", "data", "when", "not",
	};
	static const char punct[] = "  ,  .\n";
	size_t i = 0;

	while (i < len) {
		const char *w = words[pagegen_rand(r) % ARRAY_SIZE(words)];
		size_t n = strlen(w);

		memcpy(p + i, w, n < len - i ? n : len - i);
		i += n;
		if (i < len)
			p[i++] = (unsigned char)punct[pagegen_rand(r) % 7];
	}
}

static void fill_page(enum kind k, unsigned char *p, struct pagegen_rng *r)
{
	uint64_t word = pagegen_rand(r) | 1;
	size_t i;

	switch (k) {
	case TEXT:
		fill_text(p, PAGE, r);
		break;
	case ZERO:
		memset(p, 0, PAGE);
		break;
	case SAME:
		for (i = 0; i < PAGE; i += 8)
			memcpy(p + i, &word, 8);
		break;
	case RANDOM:
		fill_random(p, PAGE, r);
		break;
	case MIXED: /* text, zeros, random, as a struct-laden page might be */
		fill_text(p, PAGE / 2, r);
		memset(p + PAGE / 2, 0, PAGE / 4);
		fill_random(p + PAGE / 2 + PAGE / 4, PAGE / 4, r);
		break;
	case NR_KINDS:
		break;
	}
}

/* --- round trips ---------------------------------------------------------- */

static const char *const algos[] = { "lz4", "lz4hc", "zstd" };

static const struct level_case {
	const char *name, *params;
	int level;     /* the library's level the params stand for */
	bool squeezes; /* text and mixed pages come out below HUGE_CAP */
} levels[] = {
	{ "lz4", "", 1, true },
	{ "lz4", "level=1", 1, true },
	{ "lz4", "level=8", 8, true },
	/* the largest acceleration gives up on anything but zeros */
	{ "lz4", "level=65537", 65537, false },
	{ "lz4hc", "", 9, true },
	{ "lz4hc", "level=3", 3, true },
	{ "lz4hc", "level=12", 12, true },
	{ "zstd", "", 3, true },
	{ "zstd", "level=-5", -5, true },
	{ "zstd", "level=1", 1, true },
	{ "zstd", "level=19", 19, true },
	{ "zstd", "level=22", 22, true },
};

/* Compresses a page as the library of backend @name does at @level, called
 * directly.  @return the compressed length, or 0 if it does not fit. */
static int lib_compress(const char *name, int level, const unsigned char *src,
			unsigned char *dst, size_t cap)
{
	size_t n;

	if (!strcmp(name, "lz4"))
		return LZ4_compress_fast((const char *)src, (char *)dst, PAGE,
					 (int)cap, level);
	if (!strcmp(name, "lz4hc"))
		return LZ4_compress_HC((const char *)src, (char *)dst, PAGE,
				       (int)cap, level);
	n = ZSTD_compress(dst, cap, src, PAGE, level);
	return ZSTD_isError(n) ? 0 : (int)n;
}

/* @return whether @zc compresses @src byte for byte as its library does at
 * @level: the level its parameters named is the one it uses. */
static bool compresses_at(const struct zcomp *zc, int level,
			  const unsigned char *src)
{
	unsigned char got[BOUND], want[BOUND];
	int n, m;

	n = zcomp_compress(zc, src, PAGE, got, sizeof(got));
	m = lib_compress(zcomp_name(zc), level, src, want, sizeof(want));
	return n > 0 && n == m && !memcmp(got, want, (size_t)n);
}

/*
 * Compresses and decompresses @src; the output buffer is exactly one page,
 * allocated, so that a sanitizer sees any write past it.
 * @return the compressed length, or a negative errno with a diagnostic.
 */
static int round_trip(const struct zcomp *zc, const unsigned char *src,
		      size_t cap)
{
	unsigned char *comp = malloc(cap), *out = malloc(PAGE);
	int n, ret;

	if (!comp || !out)
		bail_out("out of memory");
	n = zcomp_compress(zc, src, PAGE, comp, cap);
	if (n <= 0) {
		ret = n ? n : -EPROTO;
		goto out;
	}
	ret = zcomp_decompress(zc, comp, (size_t)n, out, PAGE);
	if (ret)
		goto out;
	ret = memcmp(src, out, PAGE) ? -EPROTO : n;
out:
	free(comp);
	free(out);
	return ret;
}

static void test_round_trips(void)
{
	struct pagegen_rng rng = { seed }, text_rng = { seed ^ 5 };
	unsigned char page[PAGE], text[PAGE];
	struct zcomp *zc;
	bool small;
	size_t l;
	int k, n;

	fill_page(TEXT, text, &text_rng);
	for (l = 0; l < ARRAY_SIZE(levels); l++) {
		const struct level_case *c = &levels[l];

		if (zcomp_create(c->name, c->params, &zc)) {
			ok(0, "create %s \"%s\"", c->name, c->params);
			continue;
		}
		ok(!strcmp(zcomp_name(zc), c->name) &&
			   compresses_at(zc, c->level, text),
		   "%s \"%s\" compresses as %s level %d", zcomp_name(zc),
		   c->params, c->name, c->level);
		for (k = 0; k < NR_KINDS; k++) {
			fill_page(k, page, &rng);
			n = round_trip(zc, page, BOUND);
			if (k == ZERO)
				small = n < 64;
			else if (k == RANDOM || !c->squeezes)
				small = true;
			else
				small = n < HUGE_CAP;
			ok(n > 0 && small, "%s \"%s\" %s page: %d bytes",
			   c->name, c->params, kind_names[k], n);
		}
		zcomp_destroy(zc);
	}
}

/* --- what does not fit ---------------------------------------------------- */

static void test_enospc(void)
{
	struct pagegen_rng rng = { seed ^ 1 };
	unsigned char page[PAGE], text[PAGE], dst[BOUND];
	struct zcomp *zc;
	size_t a;
	int n;

	fill_page(RANDOM, page, &rng);
	fill_page(TEXT, text, &rng);
	for (a = 0; a < ARRAY_SIZE(algos); a++) {
		if (zcomp_create(algos[a], "", &zc))
			bail_out("cannot create %s", algos[a]);
		/* a canary after the cap shows the library was told it */
		memset(dst, 0xee, sizeof(dst));
		n = zcomp_compress(zc, page, PAGE, dst, HUGE_CAP);
		ok(n == -ENOSPC && dst[HUGE_CAP] == 0xee,
		   "%s: random page, cap %d -> %d", algos[a], HUGE_CAP,
		   n);
		/* the call before may have written up to its own cap */
		memset(dst, 0xee, sizeof(dst));
		n = zcomp_compress(zc, text, PAGE, dst, 16);
		ok(n == -ENOSPC && dst[16] == 0xee,
		   "%s: text page, cap 16 -> %d", algos[a], n);
		n = zcomp_compress(zc, text, PAGE, dst, 0);
		ok(n == -ENOSPC, "%s: text page, cap 0 -> %d", algos[a],
		   n);
		zcomp_destroy(zc);
	}
}

/* --- corrupt input -------------------------------------------------------- */

static void test_corrupt(void)
{
	struct pagegen_rng rng = { seed ^ 2 };
	unsigned char page[PAGE], comp[BOUND], bad[BOUND], garbage[PAGE];
	unsigned char *out = malloc(PAGE + 1);
	unsigned int others, i;
	struct zcomp *zc;
	size_t a;
	int n, ret;

	if (!out)
		bail_out("out of memory");
	fill_page(TEXT, page, &rng);
	memset(garbage, 0xff, sizeof(garbage));
	for (a = 0; a < ARRAY_SIZE(algos); a++) {
		if (zcomp_create(algos[a], "", &zc))
			bail_out("cannot create %s", algos[a]);
		n = zcomp_compress(zc, page, PAGE, comp, sizeof(comp));
		if (n <= 0)
			bail_out("%s: compress failed: %d", algos[a], n);

		ret = zcomp_decompress(zc, garbage, sizeof(garbage), out, PAGE);
		ok(ret == -EIO, "%s: 0xff garbage -> %d", algos[a], ret);
		ret = zcomp_decompress(zc, comp, 0, out, PAGE);
		ok(ret == -EIO, "%s: empty input -> %d", algos[a], ret);
		ret = zcomp_decompress(zc, comp, (size_t)n / 2, out, PAGE);
		ok(ret == -EIO, "%s: truncated input -> %d", algos[a],
		   ret);

		ret = zcomp_decompress(zc, comp, (size_t)n, out, PAGE - 1);
		ok(ret == -EIO, "%s: dst_len 4095 -> %d", algos[a], ret);
		ret = zcomp_decompress(zc, comp, (size_t)n, out, PAGE + 1);
		ok(ret == -EIO, "%s: dst_len 4097 -> %d", algos[a], ret);
		ret = zcomp_decompress(zc, comp, (size_t)n, out, 0);
		ok(ret == -EIO, "%s: dst_len 0 -> %d", algos[a], ret);

		/*
		 * Flipped bytes may still decode to a page (different data,
		 * right length): 0 is allowed, anything but 0 or -EIO is not.
		 */
		others = 0;
		for (i = 0; i < 2000; i++) {
			uint64_t r = pagegen_rand(&rng);
			size_t len = (size_t)n;

			memcpy(bad, comp, len);
			bad[r % len] ^= (unsigned char)(r >> 32 | 1);
			if (i & 1)
				bad[(r >> 16) % len] = (unsigned char)(r >> 40);
			if (i % 7 == 0)
				len -= (r >> 48) % len;
			ret = zcomp_decompress(zc, bad, len, out, PAGE);
			if (ret && ret != -EIO)
				others++;
		}
		ok(others == 0, "%s: 2000 damaged inputs -> 0 or -EIO",
		   algos[a]);

		others = 0;
		for (i = 0; i < 500; i++) {
			size_t len = 1 + pagegen_rand(&rng) % sizeof(bad);

			fill_random(bad, len, &rng);
			ret = zcomp_decompress(zc, bad, len, out, PAGE);
			if (ret && ret != -EIO)
				others++;
		}
		ok(others == 0, "%s: 500 random inputs -> 0 or -EIO",
		   algos[a]);
		zcomp_destroy(zc);
	}
	free(out);
}

/* --- parameters ----------------------------------------------------------- */

static const struct validate_case {
	const char *name, *params;
	int ret;
} validate_cases[] = {
	{ "lz4", "", 0 },
	{ "lz4", NULL, 0 },
	{ "lz4", "   ", 0 },
	{ "lz4", "level=1", 0 },
	{ "lz4", "level=65537", 0 },
	{ "lz4", "level=65538", -EINVAL },
	{ "lz4", "level=0", -EINVAL },
	{ "lz4", "level=-1", -EINVAL },
	{ "lz4hc", "level=3", 0 },
	{ "lz4hc", "level=12", 0 },
	{ "lz4hc", "level=2", -EINVAL },
	{ "lz4hc", "level=13", -EINVAL },
	{ "zstd", "level=1", 0 },
	{ "zstd", "level=22", 0 },
	{ "zstd", "level=-5", 0 },
	{ "zstd", " level=7\n", 0 },
	{ "zstd", "\tlevel=7  level=9 ", 0 },
	{ "zstd", "level=99", -EINVAL },
	{ "zstd", "level=23", -EINVAL },
	{ "zstd", "level=-6", -EINVAL },
	{ "zstd", "level=0", -EINVAL },
	{ "zstd", "level=abc", -EINVAL },
	{ "zstd", "level=", -EINVAL },
	{ "zstd", "level= 3", -EINVAL },
	{ "zstd", "level =3", -EINVAL },
	{ "zstd", "level", -EINVAL },
	{ "zstd", "=3", -EINVAL },
	{ "zstd", "levelx=1", -EINVAL },
	{ "zstd", "Level=1", -EINVAL },
	{ "zstd", "level=3x", -EINVAL },
	{ "zstd", "level=3 garbage", -EINVAL },
	{ "zstd", "level=3 x=1", -EINVAL },
	{ "zstd", "level=+3", -EINVAL },
	{ "zstd", "level=-", -EINVAL },
	{ "zstd", "level=0x3", -EINVAL },
	{ "zstd", "level=3.0", -EINVAL },
	{ "zstd", "level=99999999999999999999999", -EINVAL },
	{ "zstd", "level=3=4", -EINVAL },
	{ "lzo", "", -EINVAL },
	{ "ZSTD", "", -EINVAL },
	{ "", "", -EINVAL },
	{ NULL, "", -EINVAL },
};

static void test_validate(void)
{
	struct pagegen_rng rng = { seed ^ 6 };
	unsigned char text[PAGE];
	struct zcomp *zc;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(validate_cases); i++) {
		const struct validate_case *c = &validate_cases[i];

		ret = zcomp_validate(c->name, c->params);
		ok(ret == c->ret, "validate %s \"%s\" = %d (want %d)",
		   tap_show(c->name), tap_show(c->params), ret, c->ret);
	}

	ok(zcomp_create("zstd", "level=99", &zc) == -EINVAL,
	   "create rejects what validate rejects");
	fill_page(TEXT, text, &rng);
	ok(zcomp_create("zstd", "level=7 level=9", &zc) == 0 &&
		   compresses_at(zc, 9, text),
	   "a repeated key takes the last value");
	zcomp_destroy(zc);
	zcomp_destroy(NULL);
}

/* Each refusal says why, naming the part at fault and what is accepted. */
static void test_reasons(void)
{
	static const struct reason_case {
		const char *name, *params, *why;
	} cases[] = {
		{ "zstd", "level=99",
		  "level 99 is out of range for zstd (-5..-1 or 1..22)" },
		{ "zstd", "level=0",
		  "level 0 is out of range for zstd (-5..-1 or 1..22)" },
		{ "zstd", "level=99999999999999999999999",
		  "level 99999999999999999999999 is out of range for zstd "
		  "(-5..-1 or 1..22)" },
		{ "lz4hc", "level=2",
		  "level 2 is out of range for lz4hc (3..12)" },
		{ "lz4", "level=0",
		  "level 0 is out of range for lz4 (1..65537)" },
		{ "zstd", "level=abc", "level 'abc' is not a number" },
		{ "zstd", "level=3x", "level '3x' is not a number" },
		{ "zstd", "level=", "level '' is not a number" },
		{ "zstd", "level=3 fast", "'fast' is not key=value" },
		{ "zstd", "dict=/x", "unknown key 'dict' (the key is level)" },
		{ "zstd", "level=123456789012345678901234567890123",
		  "level: value too long" },
		{ "lzo-rle", "",
		  "unknown algorithm; available: lz4 lz4hc zstd" },
	};
	char why[128], tiny[8];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct reason_case *c = &cases[i];
		int ret;

		strcpy(why, "(none)");
		ret = zcomp_validate_why(c->name, c->params, why, sizeof(why));
		ok(ret == -EINVAL && !strcmp(why, c->why),
		   "%s \"%s\": %d, %s", c->name, c->params, ret, why);
	}
	strcpy(why, "(none)");
	ok(!zcomp_validate_why("zstd", "level=5", why, sizeof(why)) &&
		   !strcmp(why, "(none)"),
	   "an accepted value leaves the reason alone");
	ok(zcomp_validate_why("zstd", "level=99", tiny, sizeof(tiny)) ==
			   -EINVAL &&
		   !strcmp(tiny, "level 9"),
	   "a short buffer gets the start of the reason: '%s'", tiny);
	ok(zcomp_validate_why("zstd", "level=99", NULL, 0) == -EINVAL,
	   "no buffer: only the error");
}

static void test_names(void)
{
	static const struct list_case {
		const char *active, *want;
	} cases[] = {
		{ NULL, "lz4 lz4hc zstd\n" },
		{ "zstd", "lz4 lz4hc [zstd]\n" },
		{ "lz4", "[lz4] lz4hc zstd\n" },
		{ "lz4hc", "lz4 [lz4hc] zstd\n" },
		{ "lzo", "lz4 lz4hc zstd\n" },
	};
	char buf[64], small[8];
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = zcomp_list(cases[i].active, buf, sizeof(buf));
		ok(n == (int)strlen(cases[i].want) &&
			   !strcmp(buf, cases[i].want),
		   "list(%s) = \"%s\"", tap_show(cases[i].active), tap_show(buf));
	}
	n = zcomp_list("lz4", small, sizeof(small));
	ok(n == 17 && !strcmp(small, "[lz4] l"),
	   "list truncates like snprintf: %d \"%s\"", n, small);
	n = zcomp_list("lz4", NULL, 0);
	ok(n == 17, "list(NULL, 0) returns the length: %d", n);

	ok(!strcmp(zcomp_default(), "lz4"), "default is lz4");
	ok(zcomp_available("lz4") && zcomp_available("lz4hc") &&
		   zcomp_available("zstd"),
	   "lz4, lz4hc and zstd are available");
	ok(!zcomp_available("lzo") && !zcomp_available("") &&
		   !zcomp_available(NULL),
	   "lzo, \"\" and NULL are not");
}

/* --- threads -------------------------------------------------------------- */

#define NR_THREADS 4
#define PAGES_PER_THREAD 600

struct worker {
	pthread_t tid;
	struct zcomp **zcs; /* one per backend, shared by all workers */
	size_t nzcs;
	uint64_t seed;
	unsigned int bad;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pagegen_rng rng = { w->seed };
	unsigned char page[PAGE];
	unsigned int i;
	int n;

	for (i = 0; i < PAGES_PER_THREAD; i++) {
		const struct zcomp *zc = w->zcs[i % w->nzcs];
		enum kind k = (enum kind)(pagegen_rand(&rng) % NR_KINDS);

		fill_page(k, page, &rng);
		n = round_trip(zc, page, BOUND);
		if (n <= 0)
			w->bad++;
	}
	return NULL;
}

static void test_threads(void)
{
	struct zcomp *zcs[ARRAY_SIZE(algos)];
	struct worker w[NR_THREADS];
	unsigned int bad = 0, started = 0;
	size_t a, t;

	for (a = 0; a < ARRAY_SIZE(algos); a++)
		if (zcomp_create(algos[a], "", &zcs[a]))
			bail_out("cannot create %s", algos[a]);
	for (t = 0; t < NR_THREADS; t++) {
		w[t] = (struct worker){ .zcs = zcs,
					.nzcs = ARRAY_SIZE(zcs),
					.seed = seed + 100 + t };
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t]))
			bail_out("pthread_create failed");
		started++;
	}
	for (t = 0; t < started; t++) {
		pthread_join(w[t].tid, NULL);
		bad += w[t].bad;
	}
	ok(bad == 0,
	   "%d threads x %d pages over lz4, lz4hc and zstd: %u failures",
	   NR_THREADS, PAGES_PER_THREAD, bad);
	for (a = 0; a < ARRAY_SIZE(algos); a++)
		zcomp_destroy(zcs[a]);
}

/* --- zcomp_thread_prepare() -------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HEAP_STATS_BLIND 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HEAP_STATS_BLIND 1
#endif
#endif

struct prep {
	struct zcomp **zcs;
	bool prepare;
	int ret;
	long long grew; /* heap bytes in use after - before */
	unsigned int bad;
};

/* Bytes malloc() has handed out, from the arenas and as mappings. */
static long long heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long long)(mi.uordblks + mi.hblkhd);
}

/* A fresh thread: prepares (or not), then round-trips a page through every
 * backend on stack buffers, measuring the heap around that alone. */
static void *prep_main(void *arg)
{
	struct prep *p = arg;
	unsigned char page[PAGE], comp[BOUND], out[PAGE];
	struct pagegen_rng rng = { seed ^ 3 };
	long long before;
	size_t a;
	int n;

	fill_page(MIXED, page, &rng);
	p->ret = p->prepare ? zcomp_thread_prepare() : 0;
	before = heap_in_use();
	for (a = 0; a < ARRAY_SIZE(algos); a++) {
		n = zcomp_compress(p->zcs[a], page, PAGE, comp, sizeof(comp));
		if (n <= 0 ||
		    zcomp_decompress(p->zcs[a], comp, (size_t)n, out, PAGE) ||
		    memcmp(page, out, PAGE))
			p->bad++;
	}
	p->grew = heap_in_use() - before;
	return NULL;
}

static struct prep run_prep(struct zcomp **zcs, bool prepare)
{
	struct prep p = { .zcs = zcs, .prepare = prepare };
	pthread_t tid;

	if (pthread_create(&tid, NULL, prep_main, &p))
		bail_out("pthread_create failed");
	pthread_join(tid, NULL);
	return p;
}

static void test_prepare(void)
{
	struct zcomp *zcs[ARRAY_SIZE(algos)];
	struct prep cold, warm;
	size_t a;

#ifdef HEAP_STATS_BLIND
	diag("zcomp_thread_prepare not checked: a sanitizer's allocator is "
	     "invisible to mallinfo2()");
	return;
#endif
	for (a = 0; a < ARRAY_SIZE(algos); a++)
		if (zcomp_create(algos[a], "", &zcs[a]))
			bail_out("cannot create %s", algos[a]);
	cold = run_prep(zcs, false);
	warm = run_prep(zcs, true);
	diag("heap taken by the first pages: %lld bytes unprepared, %lld "
	     "prepared", cold.grew, warm.grew);
	ok(cold.bad == 0 && warm.bad == 0, "both threads round-trip the page");
	ok(cold.grew > 0,
	   "an unprepared thread allocates on its first page (%lld bytes): "
	   "the measure sees it", cold.grew);
	ok(warm.ret == 0 && warm.grew == 0,
	   "a prepared thread allocates nothing for lz4, lz4hc and zstd "
	   "(%lld bytes)", warm.grew);
	for (a = 0; a < ARRAY_SIZE(algos); a++)
		zcomp_destroy(zcs[a]);
}

int main(void)
{
	const char *env = getenv("ZCOMP_TEST_SEED");

	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	diag("seed %" PRIu64 " (set ZCOMP_TEST_SEED to repeat)", seed);

	test_round_trips();
	test_enospc();
	test_corrupt();
	test_validate();
	test_reasons();
	test_names();
	test_threads();
	test_prepare();
	return tap_done();
}
