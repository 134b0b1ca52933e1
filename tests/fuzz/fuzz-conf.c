// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-conf: a libFuzzer target for the configuration parser, conf_load_ram().
 * The input is the text of zramfsd.conf.  It is handed to the parser as a
 * file, a memfd named by /proc/self/fd/N, so nothing touches the disk and
 * no drop-in directory can exist.  Whatever the input:
 *
 *  - the parser does not crash, leak or read out of bounds (the sanitizers);
 *  - it fails with at least one message, each line naming the file, and
 *    every "FILE:LINE:" a line that exists (also for what is checked once
 *    the whole file is read); or
 *  - it succeeds with a configuration the daemon can apply as it is: an
 *    absolute mountpoint, at most CONF_THREADS_MAX threads, devices in
 *    strictly increasing order of N < DEV_MAX, each with a page-aligned
 *    disksize of at most DEV_DISKSIZE_MAX, big enough for swap if it is to
 *    be swap, an available algorithm and parameters zcomp_validate()
 *    accepts for it (or for the algorithm they name), a page-aligned
 *    mem_limit, a known gc_mode, swap 0 or 1, a priority of -1..32767 and
 *    a known discard policy.
 *
 * See fuzz.h and replay.c for the two ways it is built.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "dev.h"
#include "fuzz.h"
#include "swap.h"
#include "swapopt.h"
#include "zcomp.h"
#include "ztree.h"

const char fuzz_name[] = "conf";

/* An odd amount of RAM, so that ram-relative sizes need rounding. */
#define FUZZ_RAM (4ull * 1024 * 1024 * 1024 - 12345)

static void check_conf(const struct conf *c)
{
	const char *mnt = conf_mountpoint(c);
	unsigned i, n = conf_ndevs(c);
	int prev = -1;

	fuzz_check(mnt && mnt[0] == '/', "mountpoint '%s'", mnt ? mnt : "");
	fuzz_check(conf_threads(c) >= 1 && conf_threads(c) <= CONF_THREADS_MAX,
		   "threads %u", conf_threads(c));
	fuzz_check(n <= DEV_MAX, "%u devices", n);
	for (i = 0; i < n; i++) {
		const struct conf_dev *d = conf_dev(c, i);
		const struct dev_params *p;

		fuzz_check(d, "device %u of %u missing", i, n);
		p = &d->algorithm_params;
		fuzz_check(d->id > prev && d->id < DEV_MAX,
			   "device %u: zramfs%d after zramfs%d", i, d->id,
			   prev);
		prev = d->id;
		fuzz_check(d->disksize && d->disksize % 4096 == 0 &&
				   d->disksize <= DEV_DISKSIZE_MAX &&
				   (!d->swap ||
				    d->disksize >= SWAP_MIN_PAGES * 4096ull),
			   "zramfs%d: disksize %llu, swap %d", d->id,
			   (unsigned long long)d->disksize, d->swap);
		fuzz_check(memchr(d->comp_algorithm, '\0',
				  sizeof(d->comp_algorithm)) &&
				   zcomp_available(d->comp_algorithm),
			   "zramfs%d: algorithm", d->id);
		fuzz_check(memchr(p->algo, '\0', sizeof(p->algo)) &&
				   memchr(p->params, '\0', sizeof(p->params)) &&
				   !zcomp_validate(p->algo[0] ? p->algo
							      : d->comp_algorithm,
						   p->params),
			   "zramfs%d: params '%s' for '%s' or %s", d->id,
			   p->params, p->algo, d->comp_algorithm);
		fuzz_check(d->mem_limit % 4096 == 0, "zramfs%d: mem_limit %llu",
			   d->id, (unsigned long long)d->mem_limit);
		fuzz_check(ztree_gc_mode_name(d->gc_mode),
			   "zramfs%d: gc_mode %d", d->id, d->gc_mode);
		fuzz_check(d->swap == 0 || d->swap == 1, "zramfs%d: swap %d",
			   d->id, d->swap);
		fuzz_check(d->swap_priority >= -1 && d->swap_priority <= 32767,
			   "zramfs%d: priority %d", d->id, d->swap_priority);
		fuzz_check(swapopt_discard_name(d->discard),
			   "zramfs%d: discard %d", d->id, d->discard);
	}
}

/* Every line of @msgs starts with @path; "@path:N:" has 1 <= N <= @lines. */
static void check_messages(const char *msgs, size_t len, const char *path,
			   unsigned long lines)
{
	size_t plen = strlen(path);
	const char *p = msgs, *end = msgs + len;

	fuzz_check(len > 0, "the load failed without a message");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p + plen;

		fuzz_check(nl, "message without a newline: '%.*s'",
			   (int)(end - p), p);
		fuzz_check(!strncmp(p, path, plen) && *q == ':',
			   "message without the file: '%.*s'", (int)(nl - p),
			   p);
		if (q[1] >= '0' && q[1] <= '9') {
			unsigned long line = strtoul(q + 1, NULL, 10);

			fuzz_check(line >= 1 && line <= lines,
				   "line %lu of %lu: '%.*s'", line, lines,
				   (int)(nl - p), p);
		}
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *msgs = NULL;
	unsigned long lines = 1;
	size_t mlen = 0, i;
	struct conf *c;
	FILE *saved, *mem;
	int fd;

	fd = memfd_create("zramfsd.conf", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	if (size && write(fd, data, size) != (ssize_t)size) {
		perror("write");
		abort();
	}
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	/* The parser's messages go to a buffer, to be checked (ASan writes
	 * to file descriptor 2 directly and is still heard). */
	mem = open_memstream(&msgs, &mlen);
	if (!mem)
		abort();
	saved = stderr;
	stderr = mem;
	c = conf_load_ram(path, FUZZ_RAM);
	stderr = saved;
	fclose(mem);

	if (c)
		check_conf(c);
	else
		check_messages(msgs, mlen, path, lines);
	conf_free(c);
	free(msgs);
	close(fd);
	return 0;
}
