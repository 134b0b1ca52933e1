// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * workload: helpers of the swap workload programs; see workload.h.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "size.h"
#include "workload.h"

#define PG PAGEGEN_PAGE_SIZE

void wl_load_map(struct load *ld, uint64_t mib)
{
	ld->npages = (size_t)(mib << 20) / PG;
	ld->mem = mmap(NULL, ld->npages * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ld->mem == MAP_FAILED)
		err(1, "mmap %" PRIu64 " MiB", mib);
	if (madvise(ld->mem, ld->npages * PG, MADV_NOHUGEPAGE))
		warn("madvise(MADV_NOHUGEPAGE)");
	ld->want = malloc(PG);
	if (!ld->want)
		errx(1, "out of memory");
}

void wl_load_fill(struct load *ld)
{
	for (size_t i = 0; i < ld->npages; i++)
		pagegen_page(ld->seed, i, 0, ld->mem + i * PG);
}

ssize_t wl_load_check(struct load *ld, size_t i, uint64_t version,
		      enum pagegen_kind *kind)
{
	const unsigned char *page = ld->mem + i * PG;
	enum pagegen_kind k;
	size_t at = 0;

	k = pagegen_page(ld->seed, i, version, ld->want);
	if (kind)
		*kind = k;
	if (!memcmp(page, ld->want, PG))
		return -1;
	while (page[at] == ld->want[at])
		at++;
	return (ssize_t)at;
}

void wl_load_unmap(struct load *ld)
{
	free(ld->want);
	munmap(ld->mem, ld->npages * PG);
}

double wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long wl_vm_swap_kb(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmSwap: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

void wl_wait_line(const char *path)
{
	int fd = STDIN_FILENO;
	ssize_t n;
	char c;

	if (path) {
		do
			fd = open(path, O_RDONLY);
		while (fd < 0 && errno == EINTR);
		if (fd < 0)
			err(1, "%s", path);
	}
	do
		n = read(fd, &c, 1);
	while ((n > 0 && c != '\n') || (n < 0 && errno == EINTR));
	if (path)
		close(fd);
}

uint64_t wl_number(const char *opt, const char *s, uint64_t max)
{
	uint64_t v;

	if (size_parse_u64(s, max, &v))
		errx(2, "%s: not a number up to %" PRIu64 ": '%s'", opt, max,
		     s);
	return v;
}
