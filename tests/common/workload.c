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
#include <time.h>
#include <unistd.h>

#include "size.h"
#include "workload.h"

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
