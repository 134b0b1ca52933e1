// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * datatool: drives a zramfs device's data file for the system tests, the
 * way loop and ordinary programs use it: reads, writes, PUNCH_HOLE and
 * ZERO_RANGE at odd offsets and lengths, buffered and O_DIRECT, checked
 * against a reference.  It knows nothing of zramfs beyond the optional
 * gc_stat path, so every mode also runs on a plain file (which is how the
 * tool itself is tested).
 *
 *	datatool fuzz FILE SEED N         N random operations against an
 *	                                  in-memory copy of the whole file
 *	datatool punchrace FILE SEED N [GC_STAT]
 *	                                  write, punch, rewrite at once, read
 *	                                  back; after the GC drains, all again
 *	datatool fill FILE SEED SIZE      pagegen pages, 1 MiB O_DIRECT writes
 *	datatool verify FILE SEED SIZE    check what fill wrote
 *	datatool punchtime FILE OFF LEN   time one punch, seconds on stdout
 *	datatool edge FILE                requests at and past the end, one
 *	                                  "NAME OK N" or "NAME ERR ENAME" line
 *	                                  each
 *	datatool pwrite FILE SEED OFF LEN [direct]
 *	                                  one pwrite(2) of pagegen pages (OFF a
 *	                                  whole page), O_DIRECT if asked:
 *	                                  "pwrite OK N" (bytes written) or
 *	                                  "pwrite ERR ENAME"
 *	datatool preadrace FILE THREADS   THREADS threads pread(2) one open
 *	                                  file at offset 0 at once: one
 *	                                  "COUNT VALUE" line per distinct
 *	                                  answer (newlines shown as \n), or
 *	                                  "COUNT ERR ENAME"
 *
 * Sizes take K/M/G/T suffixes.  Exit status: 0 when everything matched,
 * 1 on a mismatch or an I/O error (with details on stderr), 2 on bad usage.
 * The random modes print their seed so a failure can be replayed.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array_size.h"
#include "pagegen.h"
#include "size.h"

#define PG		PAGEGEN_PAGE_SIZE
#define CHUNK		(1024 * 1024)
#define MAX_IO		(64 * PG) /* longest random read or write */
#define LOG_LEN		32 /* operations remembered for a failure report */
#define GC_WAIT_SECONDS 60

/* ---- small helpers ------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xalloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, PG, len ? len : PG))
		errx(1, "out of memory (%zu bytes)", len);
	return p;
}

static uint64_t parse_size(const char *what, const char *s)
{
	uint64_t v;

	if (size_parse(s, &v))
		errx(2, "%s: not a size: '%s'", what, s);
	return v;
}

static uint64_t parse_u64(const char *what, const char *s)
{
	uint64_t v;

	if (size_parse_u64(s, UINT64_MAX, &v))
		errx(2, "%s: not a number: '%s'", what, s);
	return v;
}

/* Reads or writes exactly @len bytes at @off; any error or short I/O fails. */
static void xpread(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "pread(off=%" PRIu64 ", len=%zu)", off + done,
			    len - done);
		if (n == 0)
			errx(1,
			     "pread(off=%" PRIu64 ", len=%zu): unexpected EOF",
			     off + done, len - done);
		done += (size_t)n;
	}
}

static void xpwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "pwrite(off=%" PRIu64 ", len=%zu)", off + done,
			    len - done);
		if (n == 0)
			errx(1,
			     "pwrite(off=%" PRIu64 ", len=%zu): wrote nothing",
			     off + done, len - done);
		done += (size_t)n;
	}
}

static void xfallocate(int fd, int mode, uint64_t off, uint64_t len)
{
	if (fallocate(fd, mode, (off_t)off, (off_t)len))
		err(1, "fallocate(%s, off=%" PRIu64 ", len=%" PRIu64 ")",
		    mode & FALLOC_FL_PUNCH_HOLE ? "PUNCH_HOLE|KEEP_SIZE"
						: "ZERO_RANGE",
		    off, len);
}

static uint64_t file_size(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st))
		err(1, "%s", path);
	return (uint64_t)st.st_size;
}

static int open_direct(const char *path)
{
	int fd = open(path, O_RDWR | O_DIRECT);

	if (fd < 0)
		err(1, "%s: open O_DIRECT", path);
	return fd;
}

/* Prints a few bytes either side of @at, expected over got. */
static void dump_diff(const unsigned char *want, const unsigned char *got,
		      size_t len, size_t at)
{
	size_t from = at > 8 ? at - 8 : 0;
	size_t to = at + 8 < len ? at + 8 : len;

	fprintf(stderr, "  expected:");
	for (size_t i = from; i < to; i++)
		fprintf(stderr, " %02x", want[i]);
	fprintf(stderr, "\n  got:     ");
	for (size_t i = from; i < to; i++)
		fprintf(stderr, " %02x", got[i]);
	fprintf(stderr, "\n");
}

/* @return the index of the first byte that differs, or @len. */
static size_t first_diff(const unsigned char *a, const unsigned char *b,
			 size_t len)
{
	if (!memcmp(a, b, len))
		return len;
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return len;
}

/* ---- fuzz ---------------------------------------------------------------- */

enum op {
	OP_WRITE,
	OP_READ,
	OP_PUNCH,
	OP_ZERO,
	OP_DWRITE,
	OP_DREAD,
	OP_VERIFY,
};

static const char *const op_names[] = {
	[OP_WRITE] = "write",		[OP_READ] = "read",
	[OP_PUNCH] = "punch",		[OP_ZERO] = "zero-range",
	[OP_DWRITE] = "write O_DIRECT", [OP_DREAD] = "read O_DIRECT",
	[OP_VERIFY] = "verify all",
};

/* Weights in percent (they add up to 100), in the order of enum op. */
static const unsigned op_weight[] = {
	[OP_WRITE] = 28,  [OP_READ] = 22,  [OP_PUNCH] = 13, [OP_ZERO] = 10,
	[OP_DWRITE] = 13, [OP_DREAD] = 12, [OP_VERIFY] = 2,
};

struct logent {
	unsigned long i;
	enum op op;
	uint64_t off, len;
};

struct fuzz {
	const char *path;
	int fd, dfd;
	uint64_t size, seed;
	unsigned char *ref; /* what the file must hold */
	unsigned char *buf; /* MAX_IO, page aligned */
	unsigned char *gen; /* one pagegen page */
	struct pagegen_rng rng;
	struct logent log[LOG_LEN];
	unsigned long i;
	unsigned long count[OP_VERIFY + 1];
};

static uint64_t rnd(struct fuzz *f, uint64_t n)
{
	return pagegen_rand(&f->rng) % n;
}

static void fuzz_log(struct fuzz *f, enum op op, uint64_t off, uint64_t len)
{
	struct logent *e = &f->log[f->i % LOG_LEN];

	e->i = f->i;
	e->op = op;
	e->off = off;
	e->len = len;
	f->count[op]++;
}

static void fuzz_fail(struct fuzz *f) __attribute__((noreturn));

static void fuzz_fail(struct fuzz *f)
{
	unsigned long first = f->i >= LOG_LEN - 1 ? f->i - (LOG_LEN - 1) : 0;

	fprintf(stderr,
		"datatool fuzz: FAILED at op %lu (seed %" PRIu64
		"); the last operations:\n",
		f->i, f->seed);
	for (unsigned long i = first; i <= f->i; i++) {
		const struct logent *e = &f->log[i % LOG_LEN];

		fprintf(stderr,
			"  #%lu %s off=%" PRIu64 " (page %" PRIu64 " +%" PRIu64
			") len=%" PRIu64 "\n",
			e->i, op_names[e->op], e->off, e->off / PG, e->off % PG,
			e->len);
	}
	exit(1);
}

/*
 * Compares @len bytes read at @off with the reference.
 * @return normally; on a mismatch reports it and exits 1.
 */
static void fuzz_check(struct fuzz *f, const unsigned char *got, uint64_t off,
		       size_t len, const char *what)
{
	size_t at = first_diff(f->ref + off, got, len);

	if (at == len)
		return;
	fprintf(stderr,
		"datatool fuzz: %s: mismatch at byte %" PRIu64 " (page %" PRIu64
		" +%" PRIu64 "), range off=%" PRIu64 " len=%zu\n",
		what, off + at, (off + at) / PG, (off + at) % PG, off, len);
	dump_diff(f->ref + off, got, len, at);
	fuzz_fail(f);
}

/*
 * Offsets cluster around page boundaries, where read-modify-write and
 * partial punches have their edge cases: exactly on one, one byte either
 * side, or anywhere in the page (mostly odd).
 */
static uint64_t pick_off(struct fuzz *f)
{
	uint64_t page = rnd(f, (f->size + PG - 1) / PG) * PG;
	uint64_t off;

	switch (rnd(f, 6)) {
	case 0:
		off = page;
		break;
	case 1:
		off = page + 1;
		break;
	case 2:
		off = page ? page - 1 : 0;
		break;
	case 3:
		off = page + PG / 2 + 1;
		break;
	default:
		off = page + (rnd(f, PG) | 1);
		break;
	}
	return off < f->size ? off : f->size - 1;
}

static uint64_t pick_len(struct fuzz *f, uint64_t off)
{
	uint64_t len;

	switch (rnd(f, 10)) {
	case 0:
	case 1:
	case 2:
		len = 1 + rnd(f, 64);
		break;
	case 3:
	case 4:
	case 5:
		len = 1 + rnd(f, PG);
		break;
	case 6:
	case 7:
		len = PG - 3 + rnd(f, 7);
		break;
	case 8:
		len = 1 + rnd(f, 3 * PG);
		break;
	default:
		len = 1 + rnd(f, MAX_IO);
		break;
	}
	return len < f->size - off ? len : f->size - off;
}

/* Fills @len bytes of @dst with realistic contents (pagegen pages). */
static void fuzz_content(struct fuzz *f, unsigned char *dst, size_t len)
{
	size_t skip = rnd(f, PG);

	while (len) {
		size_t n = PG - skip < len ? PG - skip : len;

		pagegen_page(f->seed ^ 0x5a5a5a5a, rnd(f, 1u << 20), 0, f->gen);
		memcpy(dst, f->gen + skip, n);
		dst += n;
		len -= n;
		skip = 0;
	}
}

static void fuzz_verify_all(struct fuzz *f, const char *what)
{
	for (uint64_t off = 0; off < f->size; off += MAX_IO) {
		size_t n = f->size - off < MAX_IO ? f->size - off : MAX_IO;

		xpread(f->fd, f->buf, n, off);
		fuzz_check(f, f->buf, off, n, what);
	}
}

/* After a punch or zero-range the range must read back as zeros at once. */
static void fuzz_check_zeroed(struct fuzz *f, uint64_t off, uint64_t len)
{
	size_t n = len < MAX_IO ? len : MAX_IO;

	xpread(f->fd, f->buf, n, off);
	fuzz_check(f, f->buf, off, n, "read right after zeroing");
}

static enum op pick_op(struct fuzz *f)
{
	uint64_t r = rnd(f, 100);
	unsigned acc = 0;

	for (enum op op = OP_WRITE; op <= OP_VERIFY; op++) {
		acc += op_weight[op];
		if (r < acc)
			return op;
	}
	return OP_READ;
}

static void fuzz_one(struct fuzz *f)
{
	enum op op = pick_op(f);
	uint64_t npages = f->size / PG;
	uint64_t off, len;

	if ((op == OP_DWRITE || op == OP_DREAD) && npages == 0)
		op = op == OP_DWRITE ? OP_WRITE : OP_READ;
	if (op == OP_DWRITE || op == OP_DREAD) {
		uint64_t page = rnd(f, npages);
		uint64_t max = npages - page < 16 ? npages - page : 16;

		off = page * PG;
		len = (1 + rnd(f, max)) * PG;
	} else if (op == OP_VERIFY) {
		off = 0;
		len = f->size;
	} else {
		off = pick_off(f);
		len = pick_len(f, off);
	}
	fuzz_log(f, op, off, len);

	switch (op) {
	case OP_WRITE:
	case OP_DWRITE:
		fuzz_content(f, f->buf, len);
		xpwrite(op == OP_DWRITE ? f->dfd : f->fd, f->buf, len, off);
		memcpy(f->ref + off, f->buf, len);
		break;
	case OP_READ:
	case OP_DREAD:
		xpread(op == OP_DREAD ? f->dfd : f->fd, f->buf, len, off);
		fuzz_check(f, f->buf, off, len, op_names[op]);
		break;
	case OP_PUNCH:
		xfallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			   off, len);
		memset(f->ref + off, 0, len);
		fuzz_check_zeroed(f, off, len);
		break;
	case OP_ZERO:
		xfallocate(f->fd, FALLOC_FL_ZERO_RANGE, off, len);
		memset(f->ref + off, 0, len);
		fuzz_check_zeroed(f, off, len);
		break;
	case OP_VERIFY:
		if (fsync(f->fd))
			err(1, "fsync");
		fuzz_verify_all(f, "verify all");
		break;
	}
}

static int cmd_fuzz(const char *path, uint64_t seed, unsigned long n)
{
	struct fuzz f = {.path = path, .seed = seed, .rng = {seed}};
	double t0 = now();

	f.fd = open(path, O_RDWR);
	if (f.fd < 0)
		err(1, "%s", path);
	f.dfd = open_direct(path);
	f.size = file_size(f.fd, path);
	if (f.size == 0)
		errx(1, "%s: empty file", path);
	printf("datatool fuzz: seed %" PRIu64 ", %lu ops, size %" PRIu64 "\n",
	       seed, n, f.size);
	fflush(stdout);

	f.ref = xalloc(f.size);
	f.buf = xalloc(MAX_IO);
	f.gen = xalloc(PG);
	/* The file's current contents are the starting reference. */
	for (uint64_t off = 0; off < f.size; off += CHUNK) {
		size_t len = f.size - off < CHUNK ? f.size - off : CHUNK;

		xpread(f.fd, f.ref + off, len, off);
	}

	for (f.i = 0; f.i < n; f.i++)
		fuzz_one(&f);
	f.i = n;
	fuzz_log(&f, OP_VERIFY, 0, f.size);
	fuzz_verify_all(&f, "final verify");

	printf("datatool fuzz: seed %" PRIu64 ": %lu ops in %.2f s, all "
	       "matched (",
	       seed, n, now() - t0);
	for (enum op op = OP_WRITE; op <= OP_VERIFY; op++)
		printf("%s%s %lu", op ? ", " : "", op_names[op], f.count[op]);
	printf(")\n");
	free(f.ref);
	free(f.buf);
	free(f.gen);
	close(f.dfd);
	close(f.fd);
	return 0;
}

/* ---- punchrace ----------------------------------------------------------- */

/*
 * Every page's expected contents are pagegen (seed, index, version) with the
 * version in ver[]; version 0 means zeros.  Versions only grow, so a stale
 * page (an old version surfacing after the GC ran) cannot pass for the
 * right one.
 */
struct race {
	int fd, dfd;
	uint64_t seed, npages;
	uint32_t *ver;
	unsigned char *buf;  /* up to RACE_RUN pages */
	unsigned char *want; /* one page */
	unsigned long bad;
};

#define RACE_RUN 8

static void race_expect(struct race *r, uint64_t page, unsigned char *out)
{
	if (r->ver[page])
		pagegen_page(r->seed, page, r->ver[page], out);
	else
		memset(out, 0, PG);
}

static void race_check_pages(struct race *r, uint64_t first, uint64_t n,
			     const unsigned char *got, const char *when)
{
	for (uint64_t k = 0; k < n; k++) {
		uint64_t page = first + k;
		size_t at;

		race_expect(r, page, r->want);
		at = first_diff(r->want, got + k * PG, PG);
		if (at == PG)
			continue;
		if (r->bad++ < 10) {
			fprintf(stderr,
				"datatool punchrace: %s: page %" PRIu64
				" (version %" PRIu32 ", %s) differs at byte "
				"%zu\n",
				when, page, r->ver[page],
				r->ver[page]
					? pagegen_kind_name(pagegen_kind_of(
						  r->seed, page, r->ver[page]))
					: "zeros",
				at);
			dump_diff(r->want, got + k * PG, PG, at);
		}
	}
}

static void race_write_page(struct race *r, int fd, uint64_t page,
			    uint32_t version)
{
	pagegen_page(r->seed, page, version, r->buf);
	xpwrite(fd, r->buf, PG, page * PG);
	r->ver[page] = version;
}

static uint64_t read_gc_pending(const char *path)
{
	char line[256];
	unsigned long long pending;
	FILE *fp = fopen(path, "r");

	if (!fp)
		err(1, "%s", path);
	if (!fgets(line, sizeof(line), fp) ||
	    sscanf(line, "%llu", &pending) != 1)
		errx(1, "%s: cannot parse '%s'", path, line);
	fclose(fp);
	return pending;
}

static void race_verify_all(struct race *r, const char *when)
{
	for (uint64_t page = 0; page < r->npages; page += RACE_RUN) {
		uint64_t n = r->npages - page < RACE_RUN ? r->npages - page
							 : RACE_RUN;

		xpread(r->dfd, r->buf, n * PG, page * PG);
		race_check_pages(r, page, n, r->buf, when);
	}
}

static int cmd_punchrace(const char *path, uint64_t seed, unsigned long n,
			 const char *gc_stat)
{
	struct race r = {.seed = seed};
	struct pagegen_rng rng = {seed};
	uint32_t version = 1;
	double t0 = now();

	r.fd = open(path, O_RDWR);
	if (r.fd < 0)
		err(1, "%s", path);
	r.dfd = open_direct(path);
	r.npages = file_size(r.fd, path) / PG;
	if (r.npages == 0)
		errx(1, "%s: smaller than a page", path);
	printf("datatool punchrace: seed %" PRIu64 ", %lu rounds over %" PRIu64
	       " pages\n",
	       seed, n, r.npages);
	fflush(stdout);
	r.ver = calloc(r.npages, sizeof(*r.ver));
	r.buf = xalloc(RACE_RUN * PG);
	r.want = xalloc(PG);
	if (!r.ver)
		errx(1, "out of memory");

	/* Start from a known state: everything zero. */
	xfallocate(r.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		   r.npages * PG);

	for (unsigned long i = 0; i < n && !r.bad; i++) {
		uint64_t first = pagegen_rand(&rng) % r.npages;
		uint64_t run = 1 + pagegen_rand(&rng) % RACE_RUN;
		int fd = i & 1 ? r.dfd : r.fd;
		unsigned cycles = 1 + (pagegen_rand(&rng) % 4 == 0);

		if (run > r.npages - first)
			run = r.npages - first;
		for (uint64_t k = 0; k < run; k++)
			race_write_page(&r, fd, first + k, version);
		version++;
		/*
		 * Punch the run and rewrite some of its pages (always the
		 * first) before the GC can have freed the old memory;
		 * sometimes twice in a row.
		 */
		for (unsigned c = 0; c < cycles; c++) {
			xfallocate(r.fd,
				   FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				   first * PG, run * PG);
			for (uint64_t k = 0; k < run; k++)
				r.ver[first + k] = 0;
			for (uint64_t k = 0; k < run; k++)
				if (k == 0 || pagegen_rand(&rng) & 1)
					race_write_page(&r, fd, first + k,
							version);
			version++;
		}
		xpread(i & 2 ? r.dfd : r.fd, r.buf, run * PG, first * PG);
		race_check_pages(&r, first, run, r.buf, "read back at once");
	}
	if (!r.bad)
		race_verify_all(&r, "verify before GC drained");

	if (gc_stat && !r.bad) {
		double t1 = now();
		uint64_t pending;

		while ((pending = read_gc_pending(gc_stat)) != 0 &&
		       now() - t1 < GC_WAIT_SECONDS)
			usleep(20000);
		if (pending)
			errx(1,
			     "%s: %" PRIu64 " pages still pending after "
			     "%d s",
			     gc_stat, pending, GC_WAIT_SECONDS);
		printf("datatool punchrace: GC drained in %.2f s\n",
		       now() - t1);
		race_verify_all(&r, "verify after GC drained");
	}

	if (r.bad) {
		fprintf(stderr,
			"datatool punchrace: seed %" PRIu64 ": %lu bad "
			"pages\n",
			seed, r.bad);
		return 1;
	}
	printf("datatool punchrace: seed %" PRIu64 ": %lu rounds in %.2f s, "
	       "every page correct\n",
	       seed, n, now() - t0);
	free(r.ver);
	free(r.buf);
	free(r.want);
	close(r.dfd);
	close(r.fd);
	return 0;
}

/* ---- fill, verify, punchtime --------------------------------------------- */

static int cmd_fill_verify(const char *path, uint64_t seed, uint64_t size,
			   bool verify)
{
	unsigned char *buf = xalloc(CHUNK), *want = xalloc(PG);
	int fd = open_direct(path);
	unsigned long bad = 0;
	double t0 = now(), dt;

	if (size % PG)
		errx(2, "size %" PRIu64 " is not a multiple of %d", size, PG);
	for (uint64_t off = 0; off < size; off += CHUNK) {
		size_t len = size - off < CHUNK ? size - off : CHUNK;

		if (!verify) {
			for (size_t k = 0; k < len / PG; k++)
				pagegen_page(seed, off / PG + k, 0,
					     buf + k * PG);
			xpwrite(fd, buf, len, off);
			continue;
		}
		xpread(fd, buf, len, off);
		for (size_t k = 0; k < len / PG; k++) {
			uint64_t page = off / PG + k;
			size_t at;

			pagegen_page(seed, page, 0, want);
			at = first_diff(want, buf + k * PG, PG);
			if (at == PG)
				continue;
			if (bad++ < 10) {
				fprintf(stderr,
					"datatool verify: page %" PRIu64
					" (%s) differs at byte %zu\n",
					page,
					pagegen_kind_name(
						pagegen_kind_of(seed, page, 0)),
					at);
				dump_diff(want, buf + k * PG, PG, at);
			}
		}
	}
	dt = now() - t0;
	printf("datatool %s: %" PRIu64 " pages in %.2f s (%.0f MiB/s)",
	       verify ? "verify" : "fill", size / PG, dt,
	       (double)size / CHUNK / (dt > 0 ? dt : 1e-9));
	if (verify)
		printf(", %lu bad", bad);
	printf("\n");
	close(fd);
	free(buf);
	free(want);
	return bad ? 1 : 0;
}

static int cmd_punchtime(const char *path, uint64_t off, uint64_t len)
{
	int fd = open(path, O_RDWR);
	double t0;

	if (fd < 0)
		err(1, "%s", path);
	t0 = now();
	xfallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	printf("%.6f\n", now() - t0);
	close(fd);
	return 0;
}

/* ---- edge: requests at and past the end ----------------------------------- */

/* Prints "NAME OK N" for a result N >= 0, else "NAME ERR ENAME". */
static void edge_report(const char *name, long long ret)
{
	int e = errno;

	if (ret >= 0) {
		printf("%s OK %lld\n", name, ret);
		return;
	}
	printf("%s ERR %s\n", name, strerrorname_np(e) ? strerrorname_np(e)
						       : "E?");
}

/*
 * Probes the end of the file: reads, writes (buffered and O_DIRECT) and
 * fallocate() at, across and far past the end, truncation, and modes the
 * file does not support.  One line per probe; the caller judges them, and
 * checks with verify that the data inside did not change: every probe
 * reaches at least partly past the end, and should be refused whole (or,
 * for reads and punches, clipped at the end).
 */
static int cmd_edge(const char *path)
{
	static const struct {
		const char *name;
		int mode;
	} fal[] = {
		{ "punch-at-end", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE },
		{ "zero-keep-at-end", FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE },
		{ "zero-at-end", FALLOC_FL_ZERO_RANGE },
		{ "allocate-at-end", 0 },
	};
	const uint64_t far = 1ull << 50;
	unsigned char *buf = xalloc(2 * PG);
	int fd = open(path, O_RDWR), dfd = open_direct(path);
	uint64_t size;
	unsigned i;

	if (fd < 0)
		err(1, "%s", path);
	size = file_size(fd, path);
	if (size < PG)
		errx(1, "%s: smaller than a page", path);
	memset(buf, 0x5a, 2 * PG);
	edge_report("write-at-end", pwrite(fd, buf, PG, (off_t)size));
	edge_report("write-across-end",
		    pwrite(fd, buf, 2 * PG, (off_t)(size - PG)));
	edge_report("write-far", pwrite(fd, buf, PG, (off_t)far));
	edge_report("direct-write-at-end", pwrite(dfd, buf, PG, (off_t)size));
	edge_report("direct-write-across-end",
		    pwrite(dfd, buf, 2 * PG, (off_t)(size - PG)));
	edge_report("read-at-end", pread(fd, buf, PG, (off_t)size));
	edge_report("read-across-end",
		    pread(fd, buf, 2 * PG, (off_t)(size - PG)));
	edge_report("read-far", pread(fd, buf, PG, (off_t)far));
	edge_report("direct-read-across-end",
		    pread(dfd, buf, 2 * PG, (off_t)(size - PG)));
	for (i = 0; i < ARRAY_SIZE(fal); i++)
		edge_report(fal[i].name,
			    fallocate(fd, fal[i].mode, (off_t)size, PG));
	edge_report("punch-far",
		    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)far, PG));
	edge_report("collapse-range",
		    fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, PG));
	edge_report("truncate-grow", ftruncate(fd, (off_t)(2 * size)));
	edge_report("size-after-grow", (long long)file_size(fd, path));
	edge_report("truncate-shrink", ftruncate(fd, 0));
	edge_report("size-after-shrink", (long long)file_size(fd, path));
	close(dfd);
	close(fd);
	free(buf);
	return 0;
}

/* ---- pwrite: one write, its count --------------------------------------- */

static int cmd_pwrite(const char *path, uint64_t seed, uint64_t off,
		      uint64_t len, bool direct)
{
	unsigned char *buf = xalloc(len);
	int fd = direct ? open_direct(path) : open(path, O_WRONLY);

	if (fd < 0)
		err(1, "%s", path);
	if (off % PG || len % PG)
		errx(2, "OFF and LEN must be whole pages");
	for (uint64_t k = 0; k < len / PG; k++)
		pagegen_page(seed, off / PG + k, 0, buf + k * PG);
	edge_report("pwrite", pwrite(fd, buf, len, (off_t)off));
	close(fd);
	free(buf);
	return 0;
}

/* ---- preadrace: one open file, many readers ------------------------------ */

#define RACE_READ_MAX 64

struct preader {
	pthread_t thread;
	pthread_barrier_t *start;
	int fd;
	ssize_t n;
	int err;
	char buf[RACE_READ_MAX];
};

static void *preader(void *arg)
{
	struct preader *r = arg;

	pthread_barrier_wait(r->start);
	r->n = pread(r->fd, r->buf, sizeof(r->buf) - 1, 0);
	r->err = errno;
	return NULL;
}

/* What reader @r got, as one line's text. */
static void preader_result(const struct preader *r, char *out, size_t size)
{
	size_t o = 0;

	if (r->n < 0) {
		snprintf(out, size, "ERR %s", strerrorname_np(r->err) ?
						      strerrorname_np(r->err) :
						      "E?");
		return;
	}
	for (ssize_t i = 0; i < r->n && o + 3 < size; i++) {
		if (r->buf[i] == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = r->buf[i];
		}
	}
	out[o] = '\0';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_preadrace(const char *path, unsigned long nthreads)
{
	struct preader *r = calloc(nthreads, sizeof(*r));
	char **res = calloc(nthreads, sizeof(*res));
	pthread_barrier_t start;
	int fd = open(path, O_RDONLY);
	unsigned long i, j;

	if (fd < 0)
		err(1, "%s", path);
	if (!r || !res || !nthreads)
		errx(2, "THREADS must be 1 or more (and fit in memory)");
	if (pthread_barrier_init(&start, NULL, (unsigned)nthreads))
		errx(1, "pthread_barrier_init");
	for (i = 0; i < nthreads; i++) {
		r[i].fd = fd;
		r[i].start = &start;
		if (pthread_create(&r[i].thread, NULL, preader, &r[i]))
			errx(1, "cannot start reader %lu", i);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(r[i].thread, NULL);
		res[i] = xalloc(2 * RACE_READ_MAX + 16);
		preader_result(&r[i], res[i], 2 * RACE_READ_MAX + 16);
	}
	qsort(res, nthreads, sizeof(*res), cmp_str);
	for (i = 0; i < nthreads; i = j) {
		for (j = i; j < nthreads && !strcmp(res[i], res[j]); j++)
			;
		printf("%lu %s\n", j - i, res[i]);
	}
	for (i = 0; i < nthreads; i++)
		free(res[i]);
	pthread_barrier_destroy(&start);
	close(fd);
	free(res);
	free(r);
	return 0;
}

static void usage(void) __attribute__((noreturn));

static void usage(void)
{
	fprintf(stderr, "usage: datatool fuzz FILE SEED N\n"
			"       datatool punchrace FILE SEED N [GC_STAT]\n"
			"       datatool fill FILE SEED SIZE\n"
			"       datatool verify FILE SEED SIZE\n"
			"       datatool punchtime FILE OFF LEN\n"
			"       datatool edge FILE\n"
			"       datatool pwrite FILE SEED OFF LEN [direct]\n"
			"       datatool preadrace FILE THREADS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode, *path;

	if (argc < 3)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = argv[1];
	path = argv[2];
	if (!strcmp(mode, "fuzz") && argc == 5)
		return cmd_fuzz(path, parse_u64("SEED", argv[3]),
				(unsigned long)parse_u64("N", argv[4]));
	if (!strcmp(mode, "punchrace") && (argc == 5 || argc == 6))
		return cmd_punchrace(path, parse_u64("SEED", argv[3]),
				     (unsigned long)parse_u64("N", argv[4]),
				     argc == 6 ? argv[5] : NULL);
	if ((!strcmp(mode, "fill") || !strcmp(mode, "verify")) && argc == 5)
		return cmd_fill_verify(path, parse_u64("SEED", argv[3]),
				       parse_size("SIZE", argv[4]),
				       !strcmp(mode, "verify"));
	if (!strcmp(mode, "edge") && argc == 3)
		return cmd_edge(path);
	if (!strcmp(mode, "punchtime") && argc == 5)
		return cmd_punchtime(path, parse_size("OFF", argv[3]),
				     parse_size("LEN", argv[4]));
	if (!strcmp(mode, "pwrite") && (argc == 6 ||
					(argc == 7 && !strcmp(argv[6], "direct"))))
		return cmd_pwrite(path, parse_u64("SEED", argv[3]),
				  parse_size("OFF", argv[4]),
				  parse_size("LEN", argv[5]), argc == 7);
	if (!strcmp(mode, "preadrace") && argc == 4)
		return cmd_preadrace(path, (unsigned long)parse_u64("THREADS",
								    argv[3]));
	usage();
}
