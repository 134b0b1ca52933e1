/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For tests and benchmarks: a store in a region of its own, as the daemon
 * makes them (daemon/dev.c with daemon/region.c), but unlocked: no
 * CAP_IPC_LOCK needed, and the test owns the region.
 */
#ifndef ZRAMFS_TESTS_ZSTORE_REGION_H
#define ZRAMFS_TESTS_ZSTORE_REGION_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zregion.h"
#include "zstore.h"

/* As zstore_create(), in a new region. */
static inline int zstore_region_create(const struct zstore_params *p,
				       struct zstore **out)
{
	uint64_t bytes = zstore_region_bytes(p->disksize);
	struct zregion *r;
	int ret;

	if (!bytes)
		return -EINVAL;
	ret = zregion_create(bytes, 0, &r);
	if (ret)
		return ret;
	ret = zstore_create(p, r, out);
	if (ret)
		zregion_detach(r);
	return ret;
}

/* zstore_destroy() and the region with it. */
static inline void zstore_region_destroy(struct zstore *zs)
{
	struct zregion *r;

	if (!zs)
		return;
	r = zstore_region(zs);
	zstore_destroy(zs);
	zregion_detach(r);
}

/* @return the bytes region @id holds, resident or swapped out, as
 * /proc/sysvipc/shm says (its rss and swap columns), or -1.  A test's
 * region is not locked, so memory pressure elsewhere on the machine (other
 * tests) may swap part of it out: it still holds that memory. */
static inline int64_t zstore_region_rss(int id)
{
	FILE *f = fopen("/proc/sysvipc/shm", "r");
	char line[512];
	long long held = -1;
	int rss_col = -1, swap_col = -1, i;

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;

		for (i = 0, tok = strtok_r(line, " \n", &save); tok;
		     i++, tok = strtok_r(NULL, " \n", &save)) {
			if (!strcmp(tok, "rss"))
				rss_col = i;
			if (!strcmp(tok, "swap"))
				swap_col = i;
		}
	}
	while (rss_col >= 0 && swap_col >= 0 && fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;
		long long shmid = -1, v = 0;

		for (i = 0, tok = strtok_r(line, " \n", &save); tok;
		     i++, tok = strtok_r(NULL, " \n", &save)) {
			if (i == 1)
				shmid = atoll(tok);
			if (i == rss_col || i == swap_col)
				v += atoll(tok);
		}
		if (shmid == id) {
			held = v;
			break;
		}
	}
	fclose(f);
	return held;
}

#endif
