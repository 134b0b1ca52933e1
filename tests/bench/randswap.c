// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * randswap: bench.sh's random swap-in workload (issue 13), a command rather
 * than a test.  A desktop whose working set no longer fits touches its
 * swapped pages in no particular order; so does this:
 *
 *	randswap [-s MiB] [-n touches] [-S seed]
 *
 * 1. Fill: every page of an anonymous mapping of MiB is written (pagegen,
 *    version 0).  Run in a memory cgroup smaller than that, most pages go
 *    to swap while it fills.  Prints "filled N pages in S s, VmSwap K kB".
 * 2. Touch: picks a page at random (splitmix64 of the seed) touches times.
 *    Before each touch mincore() says whether the page is resident (mapped,
 *    or still in the swap cache); then one word of it is read, timed with
 *    CLOCK_MONOTONIC around that read alone.  A page that was not resident
 *    makes that read a swap-in fault, whose latency is kept.  Then the
 *    whole page is compared with what it must hold, and one touch in four
 *    writes the page's next version, so that reclaim has dirty pages to
 *    swap out as well as clean ones to drop.  The compare and the write are
 *    in the total time, not in a fault's.
 * 3. Report: "touched T pages in S s: F faults, R resident, M major
 *    faults", then "fault latency us: p50 A p90 B p99 C max D" over the F
 *    faults (nearest rank, microseconds with one decimal), then "fault
 *    time s: all X, <10us a, 10-100us b, 0.1-1ms c, >1ms d" (the faults'
 *    summed latency, and its share by band: the median alone hides a tail
 *    that may hold most of the time), then "verified T pages, B bad".  The exit status is 0 only when B is 0, so a
 *    benchmark never reports the speed of a device that lost data.
 *
 * The fault time is what the process waits for a page: the kernel's
 * fault path, the swap device's read (for zramfs: the loop device, FUSE,
 * the daemon's reply; latency_stat shows the daemon's share) and the
 * reclaim the charge of the new page may do in the memory cgroup.
 */
#include "config.h"

#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pagegen.h"
#include "workload.h"

#define PG	     PAGEGEN_PAGE_SIZE
#define MAX_REPORTED 10 /* bad pages described */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long major_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_majflt;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* @return the @permille / 1000 quantile of the sorted @v[@n] in us, by
 * nearest rank, or 0 for none. */
static double quantile_us(const uint64_t *v, size_t n, unsigned permille)
{
	size_t rank = (n * permille + 999) / 1000;

	if (!n)
		return 0;
	return (double)v[(rank ? rank : 1) - 1] / 1000.0;
}

static void usage(int status) __attribute__((noreturn));

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: randswap [-s MiB] [-n touches] [-S seed]\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'},
		{"touches", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct load ld = {.seed = 1};
	uint64_t mib = 768, touches = 300000, rnd, *lat, t0, t1, start;
	size_t nfaults = 0, bad = 0, i;
	uint32_t *version;
	unsigned char *page, resident;
	long maj0;
	double t;
	int c;

	while ((c = getopt_long(argc, argv, "s:n:S:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			mib = wl_number("-s", optarg, 1u << 20);
			break;
		case 'n':
			touches = wl_number("-n", optarg, UINT32_MAX);
			break;
		case 'S':
			ld.seed = wl_number("-S", optarg, UINT64_MAX);
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc || mib == 0 || touches == 0)
		usage(2);
	setvbuf(stdout, NULL, _IOLBF, 0);

	wl_load_map(&ld, mib);
	printf("randswap: %" PRIu64 " MiB (%zu pages), %" PRIu64
	       " touches, seed %" PRIu64 "\n",
	       mib, ld.npages, touches, ld.seed);
	/* Ours, touched now: they take no fault during the timing. */
	lat = calloc(touches, sizeof(*lat));
	version = calloc(ld.npages, sizeof(*version));
	if (!lat || !version)
		err(1, "cannot allocate the latency and version tables");

	start = now_ns();
	wl_load_fill(&ld);
	printf("filled %zu pages in %.1f s, VmSwap %ld kB\n", ld.npages,
	       (double)(now_ns() - start) / 1e9, wl_vm_swap_kb());

	rnd = ld.seed ^ 0x72616e6473776170ull; /* "randswap" */
	maj0 = major_faults();
	start = now_ns();
	for (uint64_t k = 0; k < touches; k++) {
		rnd = pagegen_mix(rnd);
		i = (size_t)(rnd % ld.npages);
		page = ld.mem + i * PG;
		if (mincore(page, PG, &resident))
			err(1, "mincore");
		t0 = now_ns();
		(void)*(volatile uint64_t *)(page + PG / 2);
		t1 = now_ns();
		if (!(resident & 1))
			lat[nfaults++] = t1 - t0;
		if (wl_load_check(&ld, i, version[i], NULL) >= 0) {
			if (bad < MAX_REPORTED)
				fprintf(stderr,
					"randswap: page %zu (version %" PRIu32
					") differs\n",
					i, version[i]);
			bad++;
		}
		if (k % 4 == 3)
			pagegen_page(ld.seed, i, ++version[i], page);
	}
	t = (double)(now_ns() - start) / 1e9;
	printf("touched %" PRIu64 " pages in %.6f s: %zu faults, %" PRIu64
	       " resident, %ld major faults, VmSwap %ld kB\n",
	       touches, t, nfaults, touches - nfaults, major_faults() - maj0,
	       wl_vm_swap_kb());
	qsort(lat, nfaults, sizeof(*lat), cmp_u64);
	printf("fault latency us: p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
	       quantile_us(lat, nfaults, 500), quantile_us(lat, nfaults, 900),
	       quantile_us(lat, nfaults, 990), quantile_us(lat, nfaults, 1000));
	{
		/* Where the faults' time goes: their summed latency by band
		 * (the median alone hides a tail that may hold most of it). */
		static const uint64_t edge[] = { 10000, 100000, 1000000,
						 UINT64_MAX };
		double sum[4] = { 0 }, all = 0;
		size_t b = 0;

		for (size_t f = 0; f < nfaults; f++) {
			while (lat[f] >= edge[b])
				b++;
			sum[b] += (double)lat[f] / 1e9;
			all += (double)lat[f] / 1e9;
		}
		printf("fault time s: all %.3f, <10us %.3f, 10-100us %.3f, "
		       "0.1-1ms %.3f, >1ms %.3f\n",
		       all, sum[0], sum[1], sum[2], sum[3]);
	}
	printf("verified %" PRIu64 " pages, %zu bad\n", touches, bad);
	free(version);
	free(lat);
	wl_load_unmap(&ld);
	return bad ? 1 : 0;
}
