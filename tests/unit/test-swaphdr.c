// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-swaphdr: the swap signature and the parts of swap.c that need no root.
 *
 * Checks every field of swap_make_header() at its offset, the size limits,
 * the random UUIDs and swap_enable()'s argument checks; then writes a header
 * into a sparse file and asks util-linux whether it agrees: blkid must call
 * it swap with our UUID, and mkswap given the same UUID must write the same
 * page.
 * Those two are skipped when the tools are missing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swap.h"
#include "tap.h"

#define MIB (1024 * 1024)

static const unsigned char test_uuid[16] = {
	0x5a, 0x1d, 0x33, 0x8e, 0x0b, 0x7c, 0x4f, 0x21,
	0x9a, 0x42, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x23,
};

static uint32_t get_u32(const unsigned char *page, size_t off)
{
	uint32_t v;

	memcpy(&v, page + off, sizeof(v));
	return v;
}

static int all_zero(const unsigned char *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i])
			return 0;
	return 1;
}

static void format_uuid(const unsigned char u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	char *o = out;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[u[i] >> 4];
		*o++ = hex[u[i] & 15];
	}
	*o = '\0';
}

static void test_layout(void)
{
	unsigned char page[SWAP_PAGE_SIZE];

	memset(page, 0xaa, sizeof(page));
	ok(swap_make_header(page, 16 * MIB, test_uuid) == 0,
	   "16 MiB header is made");
	ok(all_zero(page, 0, 1024), "boot bits are zero");
	ok(get_u32(page, 1024) == 1, "version 1 at offset 1024");
	ok(get_u32(page, 1028) == 16 * MIB / 4096 - 1,
	   "last_page %u at offset 1028", get_u32(page, 1028));
	ok(get_u32(page, 1032) == 0, "nr_badpages 0 at offset 1032");
	ok(memcmp(page + 1036, test_uuid, 16) == 0, "uuid at offset 1036");
	ok(all_zero(page, 1052, 1068), "empty volume name at offset 1052");
	ok(all_zero(page, 1068, 4086), "padding and bad pages are zero");
	ok(memcmp(page + 4086, "SWAPSPACE2", 10) == 0,
	   "SWAPSPACE2 in the last 10 bytes");
}

static void test_sizes(void)
{
	unsigned char buf[SWAP_PAGE_SIZE + 1], *page = buf + 1;
	uint64_t big = (UINT64_C(1) << 32) * SWAP_PAGE_SIZE;

	ok(swap_make_header(page, 16 * MIB + 100, test_uuid) == 0 &&
		   get_u32(page, 1028) == 4095,
	   "a partial last page is not counted (unaligned buffer)");
	ok(swap_make_header(page, 10 * SWAP_PAGE_SIZE, test_uuid) == 0 &&
		   get_u32(page, 1028) == 9,
	   "10 pages is the minimum");

	memset(buf, 0x55, sizeof(buf));
	ok(swap_make_header(page, 10 * SWAP_PAGE_SIZE - 1, test_uuid) ==
		   -EINVAL,
	   "under 10 pages is -EINVAL");
	ok(swap_make_header(page, 0, test_uuid) == -EINVAL, "0 is -EINVAL");
	ok(buf[1] == 0x55 && buf[SWAP_PAGE_SIZE] == 0x55,
	   "a rejected size leaves the page alone");

	ok(swap_make_header(page, big, test_uuid) == 0 &&
		   get_u32(page, 1028) == UINT32_MAX,
	   "16 TiB: last_page 0xffffffff");
	ok(swap_make_header(page, big + SWAP_PAGE_SIZE, test_uuid) == -EFBIG,
	   "16 TiB + 1 page is -EFBIG");
}

static void test_random_uuid(void)
{
	unsigned char a[16], b[16];

	ok(swap_make_uuid(a) == 0 && swap_make_uuid(b) == 0,
	   "swap_make_uuid succeeds");
	ok((a[6] >> 4) == 4 && (b[6] >> 4) == 4, "uuid version 4");
	ok((a[8] & 0xc0) == 0x80 && (b[8] & 0xc0) == 0x80,
	   "uuid variant RFC 4122");
	ok(memcmp(a, b, 16) != 0, "two uuids differ");
}

/* The checks that happen before any system call. */
static void test_arguments(void)
{
	char dev[SWAP_DEV_MAX];

	ok(swap_enable("/nonexistent", -2, SWAPOPT_DISCARD_NONE) == -EINVAL,
	   "priority -2 is -EINVAL");
	ok(swap_enable("/nonexistent", 32768, SWAPOPT_DISCARD_NONE) == -EINVAL,
	   "priority 32768 is -EINVAL");
	ok(swap_enable("/nonexistent", 0, (enum swapopt_discard)7) == -EINVAL,
	   "an invalid discard policy is -EINVAL");
	ok(swap_loop_attach("/nonexistent", dev, SWAP_DEV_MAX - 1, NULL) ==
		   -ENAMETOOLONG,
	   "a short device buffer is -ENAMETOOLONG");
	ok(!swap_is_active("/nonexistent"), "a missing path is not swap");
	ok(!swap_is_active("/dev/null"), "a character device is not swap");
}

/* Runs @cmd and returns its first line of output, without the newline. */
static int run_line(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	int st;

	if (!p)
		return -1;
	if (!fgets(out, (int)size, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	st = pclose(p);
	return st == 0 ? 0 : -1;
}

/* Makes a sparse 16 MiB file; @return its descriptor or -1. */
static int make_file(char *path)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, 16 * MIB) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static void test_tools(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096], mk[4096], cmd[8400], line[128], uuid[37];
	unsigned char page[SWAP_PAGE_SIZE], theirs[SWAP_PAGE_SIZE];
	int fd, fd2;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(path, sizeof(path), "%s/test-swaphdr.XXXXXX", tmp);
	snprintf(mk, sizeof(mk), "%s/test-swaphdr-mkswap.XXXXXX", tmp);
	fd = make_file(path);
	if (fd < 0)
		bail_out("cannot create a file in %s: %s", tmp,
			 strerror(errno));
	format_uuid(test_uuid, uuid);

	ok(swap_make_header(page, 16 * MIB, test_uuid) == 0 &&
		   pwrite(fd, page, sizeof(page), 0) == (ssize_t)sizeof(page),
	   "header written to %s", path);

	if (system("command -v blkid >/dev/null 2>&1") != 0) {
		ok(1, "blkid TYPE # SKIP blkid not installed");
		ok(1, "blkid UUID # SKIP blkid not installed");
	} else {
		snprintf(cmd, sizeof(cmd),
			 "blkid -p -o value -s TYPE '%s' 2>&1", path);
		ok(run_line(cmd, line, sizeof(line)) == 0 &&
			   strcmp(line, "swap") == 0,
		   "blkid says TYPE=swap (\"%s\")", line);
		snprintf(cmd, sizeof(cmd),
			 "blkid -p -o value -s UUID '%s' 2>&1", path);
		ok(run_line(cmd, line, sizeof(line)) == 0 &&
			   strcmp(line, uuid) == 0,
		   "blkid says UUID=%s (\"%s\")", uuid, line);
	}

	fd2 = -1;
	if (system("command -v mkswap >/dev/null 2>&1") != 0) {
		ok(1,
		   "mkswap writes the same page # SKIP mkswap not installed");
	} else if ((fd2 = make_file(mk)) < 0) {
		ok(0, "cannot create %s: %s", mk, strerror(errno));
	} else {
		snprintf(cmd, sizeof(cmd),
			 "mkswap -p 4096 -U %s '%s' >/dev/null 2>&1", uuid, mk);
		ok(system(cmd) == 0 &&
			   pread(fd2, theirs, sizeof(theirs), 0) ==
				   (ssize_t)sizeof(theirs) &&
			   memcmp(page, theirs, sizeof(page)) == 0,
		   "mkswap -U %s writes the same page", uuid);
	}

	if (fd2 >= 0) {
		close(fd2);
		unlink(mk);
	}
	close(fd);
	unlink(path);
}

int main(void)
{
	test_layout();
	test_sizes();
	test_random_uuid();
	test_arguments();
	test_tools();
	return tap_done();
}
