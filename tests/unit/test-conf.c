// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-conf: zramfsd.conf parsing: defaults, every key, size expressions,
 * drop-in precedence, comments and indentation, and every error reported
 * as "FILE:LINE: [section] key: 'value': reason" with the right line, also
 * those found once all files are read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "swap.h"
#include "tap.h"
#include "zstore.h"

#define G (1024ull * 1024 * 1024)

static char dir[] = "/tmp/zramfs-test-conf-XXXXXX";
static char errbuf[4096];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		bail_out("cannot write %s", path);
}

/* Loads @name from the test directory with stderr captured in errbuf. */
static struct conf *load(const char *name, uint64_t ram)
{
	char path[256], tmp[] = "/tmp/zramfs-test-conf-err-XXXXXX";
	struct conf *c;
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = mkstemp(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	c = conf_load_ram(path, ram);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, errbuf, sizeof(errbuf) - 1);
	errbuf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmp);
	return c;
}

static void test_defaults(void)
{
	const struct conf_dev *d;
	struct conf *c;

	write_file("empty.conf", "");
	c = load("empty.conf", 8 * G);
	ok(c && conf_ndevs(c) == 0 &&
		   !strcmp(conf_mountpoint(c), "/run/zramfs") &&
		   conf_threads(c) >= 3,
	   "an empty file: no devices, mountpoint /run/zramfs, >= 3 threads");
	conf_free(c);

	write_file("one.conf", "[zramfs0]\n");
	c = load("one.conf", 8 * G);
	d = c ? conf_dev(c, 0) : NULL;
	ok(d && d->id == 0 && d->disksize == 4 * G &&
		   !strcmp(d->comp_algorithm, "zstd") &&
		   !d->algorithm_params[0] && d->mem_limit == 0 &&
		   d->gc_mode == ZSTORE_GC_ASYNC && d->swap == 1 &&
		   d->swap_priority == 90 && d->discard == SWAP_DISCARD_BOTH,
	   "an empty device section gets every default (disksize 4G at 8G "
	   "RAM)");
	conf_free(c);
	c = load("one.conf", 2 * G);
	d = c ? conf_dev(c, 0) : NULL;
	ok(d && d->disksize == 1 * G, "min(ram / 2, 4G) is 1G at 2G RAM");
	conf_free(c);
}

/* conf/zramfsd.conf shows every key at its default: it must say what the
 * built-in defaults are. */
static void test_shipped(void)
{
	const char *srcdir = getenv("top_srcdir");
	const struct conf_dev *d, *def;
	struct conf *c, *defaults;
	char path[4096];

	snprintf(path, sizeof(path), "%s/conf/zramfsd.conf",
		 srcdir ? srcdir : ".");
	c = conf_load_ram(path, 8 * G);
	defaults = load("one.conf", 8 * G);
	d = c ? conf_dev(c, 0) : NULL;
	def = defaults ? conf_dev(defaults, 0) : NULL;
	ok(d && def && conf_ndevs(c) == 1 && d->id == 0 &&
		   !strcmp(conf_mountpoint(c), conf_mountpoint(defaults)) &&
		   conf_threads(c) == conf_threads(defaults) &&
		   !memcmp(d, def, sizeof(*d)),
	   "%s: zramfs0 with every built-in default", path);
	conf_free(c);
	conf_free(defaults);
}

static void test_keys(void)
{
	const struct conf_dev *d;
	struct conf *c;

	write_file("full.conf",
		   "; comment\n"
		   "[zramfsd]\n"
		   "mountpoint = /run/zz\n"
		   "threads = 5\n"
		   "[zramfs3]\n"
		   "disksize = 25%\n"
		   "comp_algorithm = lz4\n"
		   "algorithm_params = level=2\n"
		   "mem_limit = 512M\n"
		   "gc_mode = sync\n"
		   "swap = no\n"
		   "swap_priority = -1\n"
		   "discard = once\n"
		   "[zramfs1]\n"
		   "disksize = (1G + 512M) * 2\n");
	c = load("full.conf", 8 * G);
	ok(c != NULL, "a file setting every key loads (%s)", errbuf);
	if (!c)
		return;
	ok(!strcmp(conf_mountpoint(c), "/run/zz"), "mountpoint");
	ok(conf_threads(c) == 5, "threads");
	ok(conf_ndevs(c) == 2 && conf_dev(c, 0)->id == 1 &&
		   conf_dev(c, 1)->id == 3,
	   "devices come in number order");
	d = conf_dev(c, 1);
	ok(d->disksize == 2 * G && !strcmp(d->comp_algorithm, "lz4") &&
		   !strcmp(d->algorithm_params, "level=2") &&
		   d->mem_limit == 512ull << 20 &&
		   d->gc_mode == ZSTORE_GC_SYNC && d->swap == 0 &&
		   d->swap_priority == -1 && d->discard == SWAP_DISCARD_ONCE,
	   "every device key is read");
	ok(conf_dev(c, 0)->disksize == 3 * G, "an expression disksize");
	conf_free(c);
}

static void test_dropins(void)
{
	const struct conf_dev *d;
	struct conf *c;
	char sub[256];

	snprintf(sub, sizeof(sub), "%s/main.conf.d", dir);
	mkdir(sub, 0755);
	write_file("main.conf", "[zramfs0]\ndisksize = 1G\nswap = no\n");
	write_file("main.conf.d/20-b.conf", "[zramfs0]\ndisksize = 3G\n");
	write_file("main.conf.d/10-a.conf",
		   "[zramfs0]\ndisksize = 2G\ngc_mode = sync\n[zramfs2]\n");
	write_file("main.conf.d/30-c.conf.disabled",
		   "[zramfs0]\ndisksize = 9G\n");
	c = load("main.conf", 8 * G);
	d = c ? conf_dev(c, 0) : NULL;
	ok(d && d->disksize == 3 * G,
	   "drop-ins are read in name order and the later wins");
	ok(d && d->gc_mode == ZSTORE_GC_SYNC && d->swap == 0,
	   "keys a drop-in does not set keep their earlier value");
	ok(c && conf_ndevs(c) == 2 && conf_dev(c, 1)->id == 2,
	   "a drop-in can add a device; *.conf.disabled is ignored");
	conf_free(c);

	write_file("main.conf.d/40-bad.conf", "[zramfs0]\ngc_mode = later\n");
	c = load("main.conf", 8 * G);
	ok(!c && strstr(errbuf, "main.conf.d/40-bad.conf:2: [zramfs0] "
				"gc_mode: 'later': must be async or sync"),
	   "an error in a drop-in names the drop-in and its line: %.*s",
	   (int)strcspn(errbuf, "\n"), errbuf);
	conf_free(c);

	/* Checked once all files are read, reported where the key was set. */
	write_file("main.conf.d/40-bad.conf",
		   "[zramfs0]\ncomp_algorithm = lz4\n");
	write_file("main.conf", "[zramfs0]\ndisksize = 1G\n"
				"algorithm_params = level=-3\n");
	c = load("main.conf", 8 * G);
	ok(!c && strstr(errbuf, "main.conf:3: [zramfs0] algorithm_params: "
				"'level=-3': level -3 is out of range for "
				"lz4 (1..65537)\n"),
	   "parameters a drop-in's algorithm refuses: named at their line: "
	   "%.*s", (int)strcspn(errbuf, "\n"), errbuf);
	conf_free(c);
}

static void test_syntax(void)
{
	const struct conf_dev *d;
	struct conf *c;

	write_file("indented.conf", "[zramfs0]\n"
				    "  disksize = 1G\n"
				    "\tswap = no\n"
				    "  [zramfs1]\n"
				    "    gc_mode = sync\n"
				    "  ; an indented comment\n"
				    "  # another\n");
	c = load("indented.conf", 8 * G);
	ok(c && conf_ndevs(c) == 2, "indented keys and sections load (%.*s)",
	   (int)strcspn(errbuf, "\n"), errbuf);
	d = c ? conf_dev(c, 0) : NULL;
	ok(d && d->disksize == 1 * G && d->swap == 0 &&
		   d->gc_mode == ZSTORE_GC_ASYNC,
	   "an indented key is a key, not the value before it continued");
	d = c ? conf_dev(c, 1) : NULL;
	ok(d && d->id == 1 && d->gc_mode == ZSTORE_GC_SYNC && d->swap == 1,
	   "an indented section header starts a section");
	conf_free(c);

	write_file("inline.conf", "[zramfsd]\nthreads = 5 ; five\n"
				  "[zramfs0]\nswap = no\t; not swap\n");
	c = load("inline.conf", 8 * G);
	ok(c && conf_threads(c) == 5 && !conf_dev(c, 0)->swap,
	   "';' after a blank starts a comment (%.*s)",
	   (int)strcspn(errbuf, "\n"), errbuf);
	conf_free(c);

	write_file("small.conf", "[zramfs0]\ndisksize = 16K\nswap = no\n");
	c = load("small.conf", 8 * G);
	ok(c && conf_dev(c, 0)->disksize == 16384,
	   "a device below swap's minimum that is not swap loads (%.*s)",
	   (int)strcspn(errbuf, "\n"), errbuf);
	conf_free(c);

	write_file("small.conf", "[zramfs0]\nswap = yes\n");
	c = load("small.conf", 64 * 1024);
	ok(!c && strstr(errbuf, "small.conf:1: [zramfs0] disksize: 32K is "
				"below the 40K (10 pages) a swap area needs"),
	   "a default disksize too small for swap: named at the section: "
	   "%.*s", (int)strcspn(errbuf, "\n"), errbuf);
	conf_free(c);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *expect;
	} cases[] = {
		{ "[zramfs0]\nsize = 1G\n", ":2: [zramfs0] size: unknown key" },
		{ "[zramfs0]\n\ndisksize = 1Q\n", ":3: [zramfs0] disksize: " },
		{ "[zramfs0]\ndisksize = 0\n", ":2: [zramfs0] disksize: '0': "
					       "must be larger than 0" },
		{ "[zramfs0]\ndisksize = 16K\n",
		  ":2: [zramfs0] disksize: 16K is below the 40K (10 pages) a "
		  "swap area needs: make it larger, or set swap = no" },
		{ "[zramfs0]\ndisksize = min(ram\n", ":2: [zramfs0] disksize:" },
		{ "[zramfs0]\ncomp_algorithm = lzo-rle\n",
		  ":2: [zramfs0] comp_algorithm: 'lzo-rle': unknown algorithm; "
		  "available: lz4 lz4hc zstd" },
		{ "[zramfs0]\nmem_limit = lots\n", ":2: [zramfs0] mem_limit:" },
		{ "[zramfs0]\ngc_mode = lazy\n", ":2: [zramfs0] gc_mode:" },
		{ "[zramfs0]\nswap = maybe\n", ":2: [zramfs0] swap: 'maybe': "
					       "must be yes or no" },
		{ "[zramfs0]\nswap = \001\n",
		  ":2: [zramfs0] swap: '\\x01': must be yes or no" },
		{ "[zramfs0]\nswap_priority = 40000\n",
		  ":2: [zramfs0] swap_priority:" },
		{ "[zramfs0]\nswap_priority = high\n",
		  ":2: [zramfs0] swap_priority:" },
		{ "[zramfs0]\ndiscard = sometimes\n", ":2: [zramfs0] discard:" },
		{ "[zramfsd]\nmountpoint = run/zramfs\n",
		  ":2: [zramfsd] mountpoint: 'run/zramfs': must be an absolute "
		  "path" },
		{ "[zramfsd]\nthreads = 1000\n",
		  ":2: [zramfsd] threads: '1000': must be" },
		{ "[zramfsd]\nthreads = 0 # automatic\n",
		  ":2: [zramfsd] threads: '0 # automatic': '#' after a value is "
		  "not a comment: put the comment on a line of its own" },
		{ "[zramfsd]\nmountpoint = #none\n",
		  ":2: [zramfsd] mountpoint: '#none': '#' after a value" },
		{ "[zramfsd]\ndisksize = 1G\n", ":2: [zramfsd] disksize: "
						"unknown key" },
		{ "[zram0]\ndisksize = 1G\n", ":1: [zram0]: unknown section" },
		{ "[zramfs256]\n", ":1: [zramfs256]: unknown section" },
		{ "[zramfs01]\n", ":1: [zramfs01]: unknown section" },
		{ "disksize = 1G\n", ":1: [] disksize: key outside any section" },
		{ "[zramfs0]\nthis is not a key\n", ":2: syntax error" },
		{ "[zramfs0]\ncomp_algorithm = zstd\nalgorithm_params = "
		  "level=99\n",
		  ":3: [zramfs0] algorithm_params: 'level=99': level 99 is out "
		  "of range for zstd (-5..-1 or 1..22)" },
		{ "[zramfs0]\ncomp_algorithm = lz4hc\n[zramfs1]\n[zramfs0]\n"
		  "algorithm_params = dict=/x\n",
		  ":5: [zramfs0] algorithm_params: 'dict=/x': unknown key 'dict'" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct conf *c;

		write_file("bad.conf", cases[i].text);
		c = load("bad.conf", 8 * G);
		ok(!c && strstr(errbuf, cases[i].expect),
		   "error '%s' reported: %.*s", cases[i].expect,
		   (int)strcspn(errbuf, "\n"), errbuf);
		conf_free(c);
	}
	{
		struct conf *c = load("does-not-exist.conf", 8 * G);

		ok(!c && strstr(errbuf, "does-not-exist.conf: No such file"),
		   "an explicit file that does not exist is an error");
	}
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	test_defaults();
	test_shipped();
	test_keys();
	test_dropins();
	test_syntax();
	test_errors();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) == -1)
		diag("cleanup failed");
	return tap_done();
}
