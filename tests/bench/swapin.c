// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swapin: one side of bench.sh's "exit while swapping in" experiment, a
 * command rather than a test.  It fills an anonymous mapping with pagegen
 * pages, pushes them out to swap, waits to be told to go, and then times
 * how long touching every page takes, which is the time to swap them all
 * back in:
 *
 *	swapin [-s MiB] [-S seed] [--fifo PATH]
 *
 * 1. Fill: every page is written (pagegen, version 0).
 * 2. Push out: madvise(MADV_PAGEOUT) over the whole mapping, so the pages
 *    go to swap even without memory pressure (the benchmark also runs it in
 *    a small memory cgroup, which pushes most of them out during the fill,
 *    and shrinks the cgroup afterwards to evict what the swap cache kept).
 *    Prints "filled N pages, VmSwap K kB".
 * 3. Hold: opens PATH (default: reads standard input) and waits for a line
 *    or end-of-file.  bench.sh kills the other process and releases this
 *    one at the same moment.
 * 4. Touch: reads one word of every page, in order, and prints
 *    "swapin N pages in S s" (S with microseconds).  Read faults only: the
 *    swap slots stay allocated, so the only discards during the timing are
 *    those of the other process's exit.
 * 5. Verify (not timed): compares every page with pagegen and prints
 *    "verified N pages, B bad"; the exit status is 0 only when B is 0, so a
 *    benchmark never reports the speed of a device that lost data.
 * 6. Hold again (with --fifo only), so that its own exit, which frees its
 *    swap, comes when bench.sh has finished counting the other's discards.
 *
 * The process that is killed runs the same command and never gets past 3.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pagegen.h"
#include "workload.h"

#define PG PAGEGEN_PAGE_SIZE

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21 /* Linux 5.4 */
#endif

static void usage(int status) __attribute__((noreturn));

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: swapin [-s MiB] [-S seed] [--fifo PATH]\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'},
		{"seed", required_argument, NULL, 'S'},
		{"fifo", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct load ld = {.seed = 1};
	const char *fifo = NULL;
	uint64_t mib = 256, sum = 0;
	size_t bad = 0;
	double t0, dt;
	int c;

	while ((c = getopt_long(argc, argv, "s:S:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			mib = wl_number("-s", optarg, 1u << 20);
			break;
		case 'S':
			ld.seed = wl_number("-S", optarg, UINT64_MAX);
			break;
		case 'F':
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
	wl_load_fill(&ld);
	if (madvise(ld.mem, ld.npages * PG, MADV_PAGEOUT))
		warn("madvise(MADV_PAGEOUT)");
	printf("filled %zu pages, VmSwap %ld kB\n", ld.npages, wl_vm_swap_kb());

	wl_wait_line(fifo);

	t0 = wl_now();
	for (size_t i = 0; i < ld.npages; i++)
		sum += *(volatile uint64_t *)(ld.mem + i * PG + PG / 2);
	dt = wl_now() - t0;
	printf("swapin %zu pages in %.6f s (VmSwap %ld kB after, sum %" PRIx64
	       ")\n",
	       ld.npages, dt, wl_vm_swap_kb(), sum);

	for (size_t i = 0; i < ld.npages; i++) {
		if (wl_load_check(&ld, i, 0, NULL) >= 0) {
			if (bad < 10)
				fprintf(stderr, "swapin: page %zu differs\n",
					i);
			bad++;
		}
	}
	printf("verified %zu pages, %zu bad\n", ld.npages, bad);
	if (fifo)
		wl_wait_line(fifo);
	wl_load_unmap(&ld);
	return bad ? 1 : 0;
}
