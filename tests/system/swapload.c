// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swapload: the workload of the real-swap system tests.  It fills an
 * anonymous mapping with realistic pages (pagegen: text, code, data, zero,
 * same-filled and random, reproducible from the seed) and then reads every
 * page back and checks it, several times over.  Run inside a memory cgroup
 * whose limit is below the working set, most pages make a round trip
 * through swap on every pass, so a lost, stale or torn page shows up as a
 * wrong page here.
 *
 *	swapload [-s MiB] [-p passes] [-S seed] [--hold-fifo PATH]
 *
 * Pass k (1-based) checks that every page is version k-1 and, unless it is
 * the last pass, rewrites it as version k, so each pass also checks the
 * writes of the one before.  The last line is "verified N pages, B bad";
 * the exit status is 0 only when B is 0.
 *
 * --hold-fifo is the handshake of the SIGTERM test: after the fill (when
 * most pages sit in swap) swapload prints "filled ..." and opens PATH for
 * reading, which blocks until the test opens it for writing; it goes on
 * once it has read a line or end-of-file.  Meanwhile the test is free to
 * take the swap device away underneath it.
 *
 * It is not a benchmark: timings are printed only to help read a log.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pagegen.h"
#include "workload.h"

#define PG	     PAGEGEN_PAGE_SIZE
#define MAX_REPORTED 10 /* bad pages described in full */

static void fill(struct load *ld)
{
	double t0 = wl_now();

	wl_load_fill(ld);
	printf("filled %zu pages (%zu MiB) in %.1f s, VmSwap %ld kB\n",
	       ld->npages, ld->npages * PG >> 20, wl_now() - t0,
	       wl_vm_swap_kb());
}

/* @return the number of bad pages in this pass. */
static size_t pass(struct load *ld, unsigned n, unsigned passes)
{
	uint64_t version = n - 1;
	size_t bad = 0;
	double t0 = wl_now();

	for (size_t i = 0; i < ld->npages; i++) {
		unsigned char *page = ld->mem + i * PG;
		enum pagegen_kind kind;
		ssize_t at = wl_load_check(ld, i, version, &kind);

		if (at >= 0) {
			if (bad < MAX_REPORTED)
				fprintf(stderr,
					"swapload: pass %u: page %zu "
					"(%s, version %" PRIu64 ") differs "
					"from byte %zd: got %02x, want %02x\n",
					n, i, pagegen_kind_name(kind), version,
					at, page[at], ld->want[at]);
			bad++;
		}
		if (n < passes)
			pagegen_page(ld->seed, i, version + 1, page);
	}
	printf("pass %u: %zu pages checked in %.1f s, %zu bad, VmSwap %ld kB\n",
	       n, ld->npages, wl_now() - t0, bad, wl_vm_swap_kb());
	return bad;
}

/* Blocks until the test opens @path for writing and sends a line. */
static void hold(const char *path)
{
	printf("filled: holding on %s\n", path);
	fflush(stdout);
	wl_wait_line(path);
	printf("released\n");
}

static void usage(int status) __attribute__((noreturn));

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: swapload [-s MiB] [-p passes] [-S seed] "
		"[--hold-fifo PATH]\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'},
		{"passes", required_argument, NULL, 'p'},
		{"seed", required_argument, NULL, 'S'},
		{"hold-fifo", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct load ld = {.seed = 1};
	uint64_t mib = 768;
	unsigned passes = 2;
	const char *fifo = NULL;
	size_t bad = 0;
	int c;

	while ((c = getopt_long(argc, argv, "s:p:S:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			mib = wl_number("-s", optarg, 1u << 20);
			break;
		case 'p':
			passes = (unsigned)wl_number("-p", optarg, 1000);
			break;
		case 'S':
			ld.seed = wl_number("-S", optarg, UINT64_MAX);
			break;
		case 'H':
			fifo = optarg;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc || mib == 0)
		usage(2);
	setvbuf(stdout, NULL, _IOLBF, 0);

	wl_load_map(&ld, mib);
	printf("swapload: %" PRIu64 " MiB, %u passes, seed %" PRIu64 "\n", mib,
	       passes, ld.seed);

	fill(&ld);
	if (fifo)
		hold(fifo);
	for (unsigned n = 1; n <= passes; n++)
		bad += pass(&ld, n, passes);

	printf("verified %zu pages, %zu bad\n", ld.npages * passes, bad);
	wl_load_unmap(&ld);
	return bad ? 1 : 0;
}
