// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-sizeexpr: a libFuzzer target for sizeexpr_eval.  Whatever the input,
 * the evaluation must not crash, must fail only with -EINVAL or -ERANGE and
 * a reason, must leave the output alone when it fails, and must give a
 * whole number of pages no larger than 2^63 when it succeeds.  A broken
 * property aborts, which libFuzzer and the sanitizers report.
 *
 * Built with -DZRAMFS_FUZZING (and -fsanitize=fuzzer) it is the fuzzer.
 * Built without, it is a plain test that replays a corpus through the same
 * function and prints TAP: each file named on the command line, each file
 * in each directory named there, or by default the seed corpus in
 * $top_srcdir/tests/fuzz/corpus/sizeexpr, so that findings stay in the
 * ordinary test run.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sizeexpr.h"

/* An odd RAM size, so that ram-relative results are not all whole pages. */
#define FUZZ_RAM       (8ull * 1024 * 1024 * 1024 - 12345)
#define FUZZ_UNTOUCHED 12345u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t out = FUZZ_UNTOUCHED;
	const char *why = NULL;
	char *s;
	int ret;

	s = malloc(size + 1);
	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size); /* data may be NULL when size is 0 */
	s[size] = '\0';

	ret = sizeexpr_eval(s, FUZZ_RAM, &out, &why);
	if (ret == 0) {
		if (out % 4096 || out > (uint64_t)1 << 63)
			abort();
	} else if ((ret != -EINVAL && ret != -ERANGE) || !why || !*why ||
		   out != FUZZ_UNTOUCHED) {
		abort();
	}
	/* Without a place for the reason the answer must be the same. */
	if (sizeexpr_eval(s, FUZZ_RAM, &out, NULL) != ret)
		abort();

	free(s);
	return 0;
}

#ifndef ZRAMFS_FUZZING

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "../unit/tap.h"

/* Reads the whole of @path. @return 0, or -errno. */
static int fuzz_read(const char *path, uint8_t **data, size_t *size)
{
	size_t len = 0, cap = 4096, n;
	uint8_t *buf = NULL, *p;
	FILE *f;
	int ret = 0;

	f = fopen(path, "rb");
	if (!f)
		return -errno;
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			p = realloc(buf, cap);
			if (!p) {
				ret = -ENOMEM;
				break;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				ret = -EIO;
			break;
		}
	}
	fclose(f);
	if (ret) {
		free(buf);
		return ret;
	}
	*data = buf;
	*size = len;
	return 0;
}

static void fuzz_replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t size = 0;
	int ret;

	ret = fuzz_read(path, &data, &size);
	if (ret) {
		ok(0, "%s: %s", path, strerror(-ret));
		return;
	}
	LLVMFuzzerTestOneInput(data, size);
	ok(1, "%s (%zu bytes)", path, size);
	free(data);
}

static int fuzz_no_dotfile(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Replays the regular files in @dir in name order, not recursively. */
static void fuzz_replay_dir(const char *dir)
{
	struct dirent **names;
	struct stat st;
	char path[4096];
	int i, n;

	n = scandir(dir, &names, fuzz_no_dotfile, alphasort);
	if (n < 0) {
		ok(0, "%s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
			     names[i]->d_name) >= (int)sizeof(path))
			ok(0, "%s/%s: path too long", dir, names[i]->d_name);
		else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			fuzz_replay_file(path);
		free(names[i]);
	}
	free(names);
}

static void fuzz_replay(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		fuzz_replay_dir(path);
	else
		fuzz_replay_file(path);
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("top_srcdir");
	char dflt[4096];
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			fuzz_replay(argv[i]);
		return tap_done();
	}
	snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/sizeexpr",
		 srcdir ? srcdir : ".");
	fuzz_replay_dir(dflt);
	return tap_done();
}

#endif /* !ZRAMFS_FUZZING */
