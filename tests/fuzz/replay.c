// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * replay: the main() of a fuzz target built without libFuzzer.  It feeds
 * LLVMFuzzerTestOneInput() each file named on the command line (each
 * regular file, in name order, of each directory named there), or by
 * default every file of $top_srcdir/tests/fuzz/corpus/NAME, NAME being the
 * target's fuzz_name, and prints TAP: one line per input.  A property the
 * target checks aborts, so a finding that made it into the corpus fails the
 * ordinary test run (make check), under the sanitizers in CI.
 *
 * With -DZRAMFS_FUZZING libFuzzer brings its own main() and this file is
 * empty.
 */
#include "config.h"

#ifndef ZRAMFS_FUZZING

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../unit/tap.h"
#include "fuzz.h"

/* Reads the whole of @path. @return 0, or -errno. */
static int replay_read(const char *path, uint8_t **data, size_t *size)
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

static void replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t size = 0;
	int ret;

	ret = replay_read(path, &data, &size);
	if (ret) {
		ok(0, "%s: %s", path, strerror(-ret));
		return;
	}
	LLVMFuzzerTestOneInput(data, size);
	ok(1, "%s (%zu bytes)", path, size);
	free(data);
}

static int no_dotfile(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Replays the regular files in @dir in name order, not recursively. */
static void replay_dir(const char *dir)
{
	struct dirent **names;
	struct stat st;
	char path[4096];
	int i, n;

	n = scandir(dir, &names, no_dotfile, alphasort);
	if (n < 0) {
		ok(0, "%s: %s", dir, strerror(errno));
		return;
	}
	if (n == 0)
		ok(0, "%s: empty corpus", dir);
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
			     names[i]->d_name) >= (int)sizeof(path))
			ok(0, "%s/%s: path too long", dir, names[i]->d_name);
		else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			replay_file(path);
		free(names[i]);
	}
	free(names);
}

static void replay(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		replay_dir(path);
	else
		replay_file(path);
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("top_srcdir");
	char dflt[4096];
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay(argv[i]);
		return tap_done();
	}
	snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/%s",
		 srcdir ? srcdir : ".", fuzz_name);
	replay_dir(dflt);
	return tap_done();
}

#endif /* !ZRAMFS_FUZZING */
