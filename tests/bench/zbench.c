/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zbench: the storage engine's microbenchmark, a command rather than a test.
 *
 * It drives zstore directly (no FUSE, no root) with pagegen's mix of pages,
 * generated into a buffer before any timing starts, and prints markdown
 * tables meant to be pasted into the documentation:
 *
 *  1. For each algorithm and thread count: write and read throughput of the
 *     whole buffer, one 4 KiB page per call as swap does, next to a memcpy
 *     floor (the same pages copied page by page into another buffer by the
 *     same number of threads), and the compression ratio the engine reports
 *     (orig_data_size / compr_data_size, and orig_data_size / mem_used_total,
 *     which includes the allocator's wastage).
 *  2. The time a discard of the whole buffer takes to return with gc_mode
 *     sync and async, as one call and as 1 MiB calls (what swap's discard
 *     sends), and for async the time until the GC queue has drained.
 *
 * Every figure is the median of REPEATS runs; each run starts from a new
 * store.  Throughput is in MB/s of uncompressed data, MB = 10^6 bytes.
 * Threads split the buffer into contiguous ranges and start together.
 *
 * What it does not measure: the FUSE round trip and the kernel's loop
 * device, which the system benchmarks cover.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "array_size.h"
#include "pagegen.h"
#include "size.h"
#include "zcomp.h"
#include "zregion.h"
#include "zstore.h"
#include "zstore_region.h"

#define PAGE ZSTORE_PAGE_SIZE
#define MIB (1024 * 1024ull)
#define REPEATS 3
#define SEED 1

#define DEFAULT_SIZE_MIB 256
#define QUICK_SIZE_MIB 32
#define DEFAULT_THREADS 2
#define MAX_THREADS 256
#define MAX_ALGS 16
#define DEFAULT_ALGS "lz4,zstd:1,zstd:3,lz4hc"
/* Swap sends discards of at most this much at a time (one swap cluster is
 * 1 MiB on x86-64 with 4 KiB pages). */
#define DISCARD_CHUNK MIB

/* One algorithm to measure: "zstd:3" is name "zstd", params "level=3". */
struct alg {
	char label[32];
	char name[16];
	char params[24];
};

struct bench {
	uint64_t size;           /* bytes of pages */
	size_t npages;
	unsigned max_threads;
	struct alg algs[MAX_ALGS];
	size_t nalgs;
	unsigned char *src;      /* the pages, generated once */
	unsigned char *dst;      /* where reads and the memcpy floor land */
	uint64_t kinds[PAGEGEN_NKINDS];
};

/* ---- timing -------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double mbps(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / seconds / 1e6 : 0;
}

static double quotient(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0;
}

/* ---- parallel page loops ------------------------------------------------- */

enum op {
	OP_WRITE,
	OP_READ,
	OP_MEMCPY,
};

struct worker {
	pthread_t thread;
	const struct bench *b;
	struct zstore *zs;
	pthread_barrier_t *start;
	enum op op;
	size_t first, count; /* pages */
	double start_time, end_time;
	int ret;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct bench *b = w->b;
	size_t i;
	int ret = 0;

	pthread_barrier_wait(w->start);
	w->start_time = now();
	for (i = w->first; i < w->first + w->count && !ret; i++) {
		uint64_t off = (uint64_t)i * PAGE;

		switch (w->op) {
		case OP_WRITE:
			ret = zstore_write(w->zs, b->src + off, PAGE, off);
			break;
		case OP_READ:
			ret = zstore_read(w->zs, b->dst + off, PAGE, off);
			break;
		case OP_MEMCPY:
			memcpy(b->dst + off, b->src + off, PAGE);
			break;
		}
	}
	w->end_time = now();
	w->ret = ret;
	return NULL;
}

/*
 * Runs @op over every page with @nthreads threads, each on its own
 * contiguous range, and times it from the first thread's start to the last
 * one's end (each thread reads the clock itself: with more threads than
 * CPUs, the main thread may not run again until they are done).
 * @return 0 and the seconds in *@secs, or the first error.
 */
static int run_parallel(const struct bench *b, struct zstore *zs,
			unsigned nthreads, enum op op, double *secs)
{
	struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	unsigned i, started = 0;
	double t0 = 0, t1 = 0;
	int ret = 0;

	if (pthread_barrier_init(&start, NULL, nthreads + 1))
		return -ENOMEM;
	for (i = 0; i < nthreads; i++) {
		w[i] = (struct worker){
			.b = b, .zs = zs, .start = &start, .op = op,
			.first = b->npages * i / nthreads,
			.count = b->npages * (i + 1) / nthreads -
				 b->npages * i / nthreads,
		};
		ret = -pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
		if (ret)
			break;
		started++;
	}
	if (ret) {
		/* The barrier can never open now: nothing sane to unwind. */
		errno = -ret;
		err(EXIT_FAILURE, "pthread_create");
	}
	pthread_barrier_wait(&start);
	for (i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].ret && !ret)
			ret = w[i].ret;
		if (i == 0 || w[i].start_time < t0)
			t0 = w[i].start_time;
		if (i == 0 || w[i].end_time > t1)
			t1 = w[i].end_time;
	}
	*secs = t1 - t0;
	pthread_barrier_destroy(&start);
	return ret;
}

/* ---- the measurements ---------------------------------------------------- */

static int store_create(const struct bench *b, const struct alg *a,
			enum zstore_gc_mode mode, struct zstore **out)
{
	struct zstore_params p = {
		.disksize = b->size,
		.algorithm = a->name,
		.algorithm_params = a->params,
		.gc_mode = mode,
	};

	return zstore_region_create(&p, out);
}

struct io_result {
	double write_mbps, read_mbps;
	double ratio;   /* orig_data_size / compr_data_size */
	double density; /* orig_data_size / mem_used_total */
};

/* Writes every page into a new store, then reads them all back. */
static int io_once(struct bench *b, const struct alg *a, unsigned nthreads,
		   struct io_result *res)
{
	struct zstore_stats st;
	struct zstore *zs;
	double secs;
	int ret;

	ret = store_create(b, a, ZSTORE_GC_ASYNC, &zs);
	if (ret)
		return ret;
	ret = run_parallel(b, zs, nthreads, OP_WRITE, &secs);
	if (ret)
		goto out;
	res->write_mbps = mbps(b->size, secs);
	zstore_get_stats(zs, &st);
	res->ratio = quotient(st.mm.orig_data_size, st.mm.compr_data_size);
	res->density = quotient(st.mm.orig_data_size, st.mm.mem_used_total);

	/* Poison the destination so that the check below means something. */
	memset(b->dst, 0xa5, b->size);
	ret = run_parallel(b, zs, nthreads, OP_READ, &secs);
	if (ret)
		goto out;
	res->read_mbps = mbps(b->size, secs);
	if (memcmp(b->src, b->dst, b->size)) {
		warnx("%s: pages read back differ from those written",
		      a->label);
		ret = -EIO;
	}
out:
	zstore_region_destroy(zs);
	return ret;
}

/*
 * The restart cost: how long zstore_attach() takes to rebuild a store that
 * another process left, empty and with every page written by @nthreads.
 * @return 0 and the milliseconds in *@empty_ms and *@full_ms, or -errno.
 */
static int bench_attach(struct bench *b, const struct alg *a,
			unsigned nthreads, double *empty_ms, double *full_ms)
{
	struct zstore_runtime rt = { 0 };
	struct zregion *r;
	struct zstore *zs;
	double t0, secs;
	char why[128];
	int ret;

	ret = store_create(b, a, ZSTORE_GC_ASYNC, &zs);
	if (ret)
		return ret;
	r = zstore_region(zs);
	zstore_detach(zs);
	t0 = now();
	ret = zstore_attach(r, &rt, &zs, why, sizeof(why));
	*empty_ms = (now() - t0) * 1e3;
	if (!ret)
		ret = run_parallel(b, zs, nthreads, OP_WRITE, &secs);
	if (!ret) {
		zstore_detach(zs);
		t0 = now();
		ret = zstore_attach(r, &rt, &zs, why, sizeof(why));
		*full_ms = (now() - t0) * 1e3;
	}
	if (ret) {
		warnx("attach: %s", why);
		zregion_detach(r);
		return ret;
	}
	zstore_region_destroy(zs);
	return 0;
}

/* @return 0 and the medians of REPEATS io_once() runs in *@res, or -errno. */
static int bench_io(struct bench *b, const struct alg *a, unsigned nthreads,
		    struct io_result *res)
{
	double wr[REPEATS], rd[REPEATS], ratio[REPEATS], density[REPEATS];
	int r, ret;

	for (r = 0; r < REPEATS; r++) {
		struct io_result one;

		ret = io_once(b, a, nthreads, &one);
		if (ret)
			return ret;
		wr[r] = one.write_mbps;
		rd[r] = one.read_mbps;
		ratio[r] = one.ratio;
		density[r] = one.density;
	}
	res->write_mbps = median(wr, REPEATS);
	res->read_mbps = median(rd, REPEATS);
	res->ratio = median(ratio, REPEATS);
	res->density = median(density, REPEATS);
	return 0;
}

static double bench_memcpy(struct bench *b, unsigned nthreads)
{
	double v[REPEATS], secs;
	int r;

	for (r = 0; r < REPEATS; r++) {
		if (run_parallel(b, NULL, nthreads, OP_MEMCPY, &secs))
			secs = 0;
		v[r] = mbps(b->size, secs);
	}
	return median(v, REPEATS);
}

struct discard_result {
	double returned; /* seconds until the discard calls returned */
	double drained;  /* ... until the GC queue was empty (async) */
	uint64_t freed_inline;
};

/*
 * Fills a new store, then discards all of it as one call (@chunk 0) or in
 * @chunk-byte calls and waits for the GC queue to drain.
 */
static int discard_once(struct bench *b, const struct alg *a,
			enum zstore_gc_mode mode, uint64_t chunk,
			struct discard_result *res)
{
	struct zstore_stats st;
	struct zstore *zs;
	uint64_t off, len;
	double t0, secs;
	int ret;

	ret = store_create(b, a, mode, &zs);
	if (ret)
		return ret;
	ret = run_parallel(b, zs, b->max_threads, OP_WRITE, &secs);
	if (ret)
		goto out;

	t0 = now();
	for (off = 0; off < b->size && !ret; off += len) {
		len = chunk && chunk < b->size - off ? chunk : b->size - off;
		ret = zstore_zero(zs, off, len);
	}
	res->returned = now() - t0;
	zstore_gc_drain(zs);
	res->drained = now() - t0;
	if (ret)
		goto out;

	zstore_get_stats(zs, &st);
	res->freed_inline = st.gc.freed_inline;
	if (st.mm.orig_data_size) {
		warnx("discard left %llu bytes stored",
		      (unsigned long long)st.mm.orig_data_size);
		ret = -EIO;
	} else if (st.mm.mem_used_total > b->size / 64) {
		/* Worth knowing, but the timing stands. */
		warnx("%llu bytes still in use after discard and drain",
		      (unsigned long long)st.mm.mem_used_total);
	}
out:
	zstore_region_destroy(zs);
	return ret;
}

/* @return 0 and the medians of REPEATS discard_once() runs, or -errno. */
static int bench_discard(struct bench *b, const struct alg *a,
			 enum zstore_gc_mode mode, uint64_t chunk,
			 struct discard_result *res)
{
	double ret_s[REPEATS], drain_s[REPEATS];
	int r, ret;

	for (r = 0; r < REPEATS; r++) {
		ret = discard_once(b, a, mode, chunk, res);
		if (ret)
			return ret;
		ret_s[r] = res->returned;
		drain_s[r] = res->drained;
	}
	res->returned = median(ret_s, REPEATS);
	res->drained = median(drain_s, REPEATS);
	return 0;
}

/* ---- output -------------------------------------------------------------- */

static void print_header(const struct bench *b)
{
	unsigned k;

	printf("## zstore engine benchmark\n\n");
	printf("%llu MiB of pagegen pages (seed %d:",
	       (unsigned long long)(b->size / MIB), SEED);
	for (k = 0; k < PAGEGEN_NKINDS; k++)
		printf(" %s %.0f%%", pagegen_kind_name(k),
		       100.0 * (double)b->kinds[k] / (double)b->npages);
	printf("), one 4 KiB page per call, median of %d runs, "
	       "%ld online CPUs.  MB = 10^6 bytes.\n\n", REPEATS,
	       sysconf(_SC_NPROCESSORS_ONLN));
}

static void print_io_table_head(void)
{
	printf("| algorithm | threads | write MB/s | read MB/s "
	       "| memcpy MB/s | orig/compr | orig/mem_used |\n");
	printf("|-----------|--------:|-----------:|----------:"
	       "|------------:|-----------:|--------------:|\n");
}

static void print_io_row(const struct alg *a, unsigned nthreads,
			 const struct io_result *res, double floor)
{
	printf("| %-9s | %7u | %10.0f | %9.0f | %11.0f | %10.2f | %13.2f |\n",
	       a->label, nthreads, res->write_mbps, res->read_mbps, floor,
	       res->ratio, res->density);
	fflush(stdout);
}

static void print_discard_row(const char *pattern,
			      const struct discard_result *sync,
			      const struct discard_result *async)
{
	printf("| %-14s | %7.2f | %8.2f | %9.2f | %11.1fx |\n", pattern,
	       sync->returned * 1e3, async->returned * 1e3,
	       async->drained * 1e3,
	       async->returned > 0 ? sync->returned / async->returned : 0);
	fflush(stdout);
}

/* ---- options ------------------------------------------------------------- */

static void __attribute__((noreturn)) usage(int status)
{
	FILE *out = status == EXIT_SUCCESS ? stdout : stderr;

	fprintf(out,
		"Usage: zbench [options]\n"
		"\n"
		"Measures the zramfs storage engine: write and read throughput "
		"per\nalgorithm and thread count, discard latency with "
		"gc_mode sync\nand async, and the time an attach takes to "
		"rebuild a store after a\nrestart.  Prints markdown tables.\n"
		"\n"
		"Options:\n"
		" -s, --size MIB        pages to store, in MiB (default %d)\n"
		" -q, --quick           same as --size %d\n"
		" -t, --threads N       up to N threads: 1, 2, 4, ... N "
		"(default %d)\n"
		" -a, --algorithms LIST comma-separated NAME[:LEVEL]\n"
		"                       (default %s)\n"
		" -h, --help            display this help\n",
		DEFAULT_SIZE_MIB, QUICK_SIZE_MIB, DEFAULT_THREADS,
		DEFAULT_ALGS);
	exit(status);
}

/*
 * Parses "name[:level]" into @a.
 * @return 0, -EINVAL if malformed or unknown, -ENOTSUP if this build lacks
 *         the algorithm.
 */
static int parse_alg(const char *spec, size_t len, struct alg *a)
{
	const char *colon = memchr(spec, ':', len);
	size_t nlen = colon ? (size_t)(colon - spec) : len;
	uint64_t level;
	char lvl[16];

	if (nlen == 0 || nlen >= sizeof(a->name) || len >= sizeof(a->label))
		return -EINVAL;
	memcpy(a->label, spec, len);
	a->label[len] = '\0';
	memcpy(a->name, spec, nlen);
	a->name[nlen] = '\0';
	a->params[0] = '\0';
	if (colon) {
		size_t llen = len - nlen - 1;

		if (llen == 0 || llen >= sizeof(lvl))
			return -EINVAL;
		memcpy(lvl, colon + 1, llen);
		lvl[llen] = '\0';
		/* Negative zstd levels are rare enough to leave out. */
		if (size_parse_u64(lvl, 99, &level))
			return -EINVAL;
		snprintf(a->params, sizeof(a->params), "level=%u",
			 (unsigned)level);
	}
	if (!zcomp_available(a->name))
		return -ENOTSUP;
	return zcomp_validate(a->name, a->params);
}

/* Fills b->algs from @list; @strict: an unavailable algorithm is an error
 * (the user asked for it) rather than skipped (the default list). */
static void parse_algs(struct bench *b, const char *list, bool strict)
{
	const char *p = list;

	b->nalgs = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int ret;

		if (len) {
			if (b->nalgs == MAX_ALGS)
				errx(EXIT_FAILURE, "at most %d algorithms",
				     MAX_ALGS);
			ret = parse_alg(p, len, &b->algs[b->nalgs]);
			if (ret == -ENOTSUP && !strict)
				warnx("%.*s: not in this build, skipped",
				      (int)len, p);
			else if (ret)
				errx(EXIT_FAILURE, "invalid algorithm '%.*s'",
				     (int)len, p);
			else
				b->nalgs++;
		}
		p += len + (p[len] == ',');
	}
	if (!b->nalgs)
		errx(EXIT_FAILURE, "no algorithm to measure");
}

static void parse_options(struct bench *b, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "quick", no_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, 't' },
		{ "algorithms", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *algs = NULL;
	uint64_t v, size_mib = DEFAULT_SIZE_MIB;
	int c;

	b->max_threads = DEFAULT_THREADS;
	while ((c = getopt_long(argc, argv, "s:qt:a:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 's':
			/* 1 TiB: far beyond what a benchmark should hold. */
			if (size_parse_u64(optarg, 1u << 20, &v) || v == 0)
				errx(EXIT_FAILURE, "invalid size '%s' (MiB)",
				     optarg);
			size_mib = v;
			break;
		case 'q':
			size_mib = QUICK_SIZE_MIB;
			break;
		case 't':
			if (size_parse_u64(optarg, MAX_THREADS, &v) || v == 0)
				errx(EXIT_FAILURE,
				     "invalid thread count '%s' (1-%d)",
				     optarg, MAX_THREADS);
			b->max_threads = (unsigned)v;
			break;
		case 'a':
			algs = optarg;
			break;
		case 'h':
			usage(EXIT_SUCCESS);
		default:
			usage(EXIT_FAILURE);
		}
	}
	if (optind < argc)
		usage(EXIT_FAILURE);
	parse_algs(b, algs ? algs : DEFAULT_ALGS, algs != NULL);
	b->size = size_mib * MIB;
	b->npages = (size_t)(b->size / PAGE);
}

/* ---- main ---------------------------------------------------------------- */

/* @return the next thread count after @t: 1, 2, 4, ..., then @max. */
static unsigned next_threads(unsigned t, unsigned max)
{
	if (t >= max)
		return 0;
	return t * 2 < max ? t * 2 : max;
}

static void *alloc_buffer(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		err(EXIT_FAILURE, "cannot allocate %llu MiB",
		    (unsigned long long)(size / MIB));
	/* Fault it in now: page faults are not what is measured. */
	memset(p, 0, size);
	return p;
}

static void generate(struct bench *b)
{
	size_t i;

	for (i = 0; i < b->npages; i++)
		b->kinds[pagegen_page(SEED, i, 0, b->src + i * PAGE)]++;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint64_t chunk;
	} patterns[] = {
		{ "one call", 0 },
		{ "1 MiB calls", DISCARD_CHUNK },
	};
	struct bench b = { 0 };
	double floors[MAX_THREADS + 1];
	int ret, status = EXIT_SUCCESS;
	uint64_t inline_pages = 0;
	unsigned t;
	size_t i, k;

	parse_options(&b, argc, argv);
	b.src = alloc_buffer(b.size);
	b.dst = alloc_buffer(b.size);
	generate(&b);

	print_header(&b);
	for (t = 1; t; t = next_threads(t, b.max_threads))
		floors[t] = bench_memcpy(&b, t);

	print_io_table_head();
	for (i = 0; i < b.nalgs; i++) {
		for (t = 1; t; t = next_threads(t, b.max_threads)) {
			struct io_result res;

			/* Report a failure and go on with the others. */
			ret = bench_io(&b, &b.algs[i], t, &res);
			if (ret) {
				warnx("%s, %u threads: %s", b.algs[i].label, t,
				      strerror(-ret));
				status = EXIT_FAILURE;
				continue;
			}
			print_io_row(&b.algs[i], t, &res, floors[t]);
		}
	}

	printf("\n### discard of %llu MiB (%s, filled by %u threads)\n\n",
	       (unsigned long long)(b.size / MIB), b.algs[0].label,
	       b.max_threads);
	printf("| discard        | sync ms | async ms | drained ms "
	       "| sync/async |\n");
	printf("|----------------|--------:|---------:|-----------:"
	       "|-----------:|\n");
	for (k = 0; k < ARRAY_SIZE(patterns); k++) {
		struct discard_result sync, async;

		ret = bench_discard(&b, &b.algs[0], ZSTORE_GC_SYNC,
				    patterns[k].chunk, &sync);
		if (!ret)
			ret = bench_discard(&b, &b.algs[0], ZSTORE_GC_ASYNC,
					    patterns[k].chunk, &async);
		if (ret) {
			warnx("discard, %s: %s", patterns[k].name,
			      strerror(-ret));
			status = EXIT_FAILURE;
			continue;
		}
		print_discard_row(patterns[k].name, &sync, &async);
		if (async.freed_inline > inline_pages)
			inline_pages = async.freed_inline;
	}
	printf("\nasync ms: until the discard calls return; drained ms: "
	       "until the GC\nworker has freed everything.  The target is "
	       "sync/async >= 3.\n");
	if (inline_pages)
		printf("The GC queue was full: async discards freed up to %llu "
		       "pages inline.\n", (unsigned long long)inline_pages);

	{
		double empty_ms, full_ms, gib = (double)b.size / (1u << 30);

		ret = bench_attach(&b, &b.algs[0], b.max_threads, &empty_ms,
				   &full_ms);
		if (ret) {
			status = EXIT_FAILURE;
		} else {
			printf("\n### attach after a restart (%s)\n\n",
			       b.algs[0].label);
			printf("zstore_attach() of a %llu MiB store: %.2f ms "
			       "empty, %.2f ms with every page stored: %.1f "
			       "ms per GiB of disksize, full.\n",
			       (unsigned long long)(b.size / MIB), empty_ms,
			       full_ms, full_ms / gib);
		}
	}

	munmap(b.src, b.size);
	munmap(b.dst, b.size);
	if (fflush(stdout) || ferror(stdout))
		err(EXIT_FAILURE, "write error");
	return status;
}
