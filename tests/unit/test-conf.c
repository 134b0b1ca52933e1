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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "dev.h"
#include "state.h"
#include "swapopt.h"
#include "tap.h"
#include "ztree.h"

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
		   !d->algorithm_params.algo[0] &&
		   !d->algorithm_params.params[0] && d->mem_limit == 0 &&
		   d->gc_mode == ZTREE_GC_ASYNC && d->swap == 1 &&
		   d->swap_priority == 90 && d->discard == SWAPOPT_DISCARD_BOTH,
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
		   conf_poll_us(c) == conf_poll_us(defaults) &&
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
		   "poll_us = 200\n"
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
	ok(conf_poll_us(c) == 200, "poll_us");
	ok(conf_ndevs(c) == 2 && conf_dev(c, 0)->id == 1 &&
		   conf_dev(c, 1)->id == 3,
	   "devices come in number order");
	d = conf_dev(c, 1);
	ok(d->disksize == 2 * G && !strcmp(d->comp_algorithm, "lz4") &&
		   !strcmp(d->algorithm_params.params, "level=2") &&
		   d->mem_limit == 512ull << 20 &&
		   d->gc_mode == ZTREE_GC_SYNC && d->swap == 0 &&
		   d->swap_priority == -1 && d->discard == SWAPOPT_DISCARD_ONCE,
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
	ok(d && d->gc_mode == ZTREE_GC_SYNC && d->swap == 0,
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
		   d->gc_mode == ZTREE_GC_ASYNC,
	   "an indented key is a key, not the value before it continued");
	d = c ? conf_dev(c, 1) : NULL;
	ok(d && d->id == 1 && d->gc_mode == ZTREE_GC_SYNC && d->swap == 1,
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
		{ "[zramfsd]\npoll_us = 1001\n",
		  ":2: [zramfsd] poll_us: '1001': must be 0 (off) to 1000 "
		  "microseconds" },
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

/* --- the file takes what the attribute takes --------------------------------
 *
 * For each format, a table of values is written both to a configuration
 * file ("KEY = VALUE" in [zramfs0]) and to the attribute of the same name
 * of a fresh device (dev_store(), as a write(2) of its file), and both
 * must take the same ones.  What the file took is applied as the daemon
 * applies it (conf_apply()), and must read back as what the attribute was
 * given.  The attribute's own errors that are no verdict on the value
 * (ENOMEM for a disksize the RAM cannot index) count as taking it.  Values
 * marked 'expression' are the file's own extra, sizes over ram, which no
 * attribute takes.
 */

/* A small RAM, so that the default disksize is small. */
#define AGREE_RAM (64ull << 20)

/* @return attribute @name of @d as read, in @buf. */
static const char *read_attr(struct dev *d, const char *name, char *buf,
			     size_t size)
{
	unsigned i;

	for (i = 0; i < DEV_NATTRS; i++)
		if (!strcmp(dev_attrs[i].name, name) &&
		    dev_attr_show(d, &dev_attrs[i], buf, size) >= 0)
			return buf;
	return "(unreadable)";
}

/*
 * Writes @value to attribute @key of a fresh zramfs0, after @setup_key =
 * @setup_value if not NULL, and reads @key back into @shown.
 * @return the write's result.
 */
static int attr_write(const char *key, const char *value,
		      const char *setup_key, const char *setup_value,
		      char *shown, size_t size)
{
	struct dev *d;
	int ret;

	if (dev_add(0) != 0 || !(d = dev_get(0)))
		bail_out("cannot add zramfs0");
	if (setup_key && dev_store(d, setup_key, setup_value))
		bail_out("%s = %s", setup_key, setup_value);
	ret = dev_store(d, key, value);
	read_attr(d, key, shown, size);
	dev_put(d);
	if (dev_hot_remove(0))
		bail_out("cannot remove zramfs0");
	return ret;
}

/*
 * Loads a file setting @key = @value in [zramfs0] (after @setup_key =
 * @setup_value, if not NULL) and, if it loads, applies it and reads @key
 * back into @shown.
 * @return whether the file loaded; *@applied the result of conf_apply().
 */
static bool conf_write(const char *key, const char *value,
		       const char *setup_key, const char *setup_value,
		       int *applied, char *shown, size_t size)
{
	char text[512];
	struct conf *c;
	struct dev *d;

	snprintf(text, sizeof(text), "[zramfs0]\nswap = no\n%s%s%s%s%s%s = %s\n",
		 strcmp(key, "disksize") ? "disksize = 1M\n" : "",
		 setup_key ? setup_key : "", setup_key ? " = " : "",
		 setup_key ? setup_value : "", setup_key ? "\n" : "", key,
		 value);
	write_file("agree.conf", text);
	c = load("agree.conf", AGREE_RAM);
	if (!c)
		return false;
	*applied = conf_apply(c);
	d = dev_get(0);
	if (d) {
		read_attr(d, key, shown, size);
		dev_put(d);
		if (dev_hot_remove(0))
			bail_out("cannot remove zramfs0");
	}
	conf_free(c);
	return true;
}

/*
 * @values (@n of them, the first @nplain plain values, the rest size
 * expressions, which the file alone takes) to @key, after @setup_key =
 * @setup_value if not NULL.
 */
static void agree(const char *key, const char *const *values, size_t n,
		  size_t nplain, const char *setup_key, const char *setup_value)
{
	char by_attr[DEV_ATTR_MAX], by_conf[DEV_ATTR_MAX];
	unsigned bad = 0, taken = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		bool file, same = true, expression = i >= nplain;
		int attr, applied = 0;

		by_attr[0] = by_conf[0] = '\0';
		attr = attr_write(key, values[i], setup_key, setup_value,
				  by_attr, sizeof(by_attr));
		file = conf_write(key, values[i], setup_key, setup_value,
				  &applied, by_conf, sizeof(by_conf));
		if (attr == 0 && applied == 0)
			same = !strcmp(by_attr, by_conf);
		if (file != (attr != -EINVAL || expression) ||
		    (expression && attr != -EINVAL) || !same) {
			diag("%s '%s': attribute %d ('%s'), file %s (%d, '%s')",
			     key, tap_show(values[i]), attr, tap_show(by_attr),
			     file ? "takes it" : "refuses it", applied,
			     tap_show(by_conf));
			bad++;
		}
		taken += attr != -EINVAL;
	}
	ok(!bad && taken && taken < nplain,
	   "%s: the file takes the %u of %zu values the attribute takes, "
	   "with the same result, and %zu expressions (%u differ)", key,
	   taken, nplain, n - nplain, bad);
}

/* The swap attribute's priority and policy against the file's keys. */
static void agree_swap(const char *key, const char *word,
		       const char *const *values, size_t n)
{
	unsigned bad = 0, taken = 0;
	char text[256];
	size_t i;

	for (i = 0; i < n; i++) {
		enum swapopt_discard discard;
		const struct conf_dev *d;
		struct conf *c;
		int prio, attr;
		bool on;

		snprintf(text, sizeof(text), "on %s=%s", word, values[i]);
		attr = dev_parse_swap(text, &on, &prio, &discard);
		snprintf(text, sizeof(text), "[zramfs0]\n%s = %s\n", key,
			 values[i]);
		write_file("agree.conf", text);
		c = load("agree.conf", AGREE_RAM);
		d = c ? conf_dev(c, 0) : NULL;
		if (!attr != !!c ||
		    (d && (strcmp(word, "priority") ? d->discard != discard
						    : d->swap_priority != prio))) {
			diag("%s '%s': attribute %d, file %s", key,
			     tap_show(values[i]), attr,
			     c ? "takes it" : "refuses it");
			bad++;
		}
		taken += !attr;
		conf_free(c);
	}
	ok(!bad && taken && taken < n,
	   "%s: the file takes the %u of %zu values the swap attribute takes "
	   "as %s=, with the same result (%u differ)", key, taken, n, word,
	   bad);
}

static void test_same_as_attributes(void)
{
	/* The expressions last (SIZE_EXPRESSIONS of them). */
	static const char *const sizes[] = {
		"1M", "4096", "1", "4k", "2KiB", "1G", "16T", "0", "17T",
		"16385G", "1Q", "0x10", "-1", "abc", "1 G",
		"99999999999999999999", "18446744073709551615",
		"10000000000000000000",
		"1.5M", "50%", "ram / 4", "2 * 1M",
	};
#define SIZE_EXPRESSIONS 4
	static const char *const algorithms[] = {
		"lz4", "lz4hc", "zstd", "LZ4", "lzo", "zstd1", "lz4 zstd",
		"algo=lz4",
	};
	static const char *const params[] = {
		"", "level=3", "level=-1", "level=99", "level=x", "fast",
		"dict=/x", "algo=lz4 level=1", "level=1 algo=lz4",
		"algo=lz4\tlevel=9", "algo=lz4 level=-3", "algo=nope",
		"algo=lz4 algo=zstd", "algo=", "level=1 level=2",
		"level=1                                                     "
		"                                                            "
		"         level=2",
	};
	static const char *const gc_modes[] = {
		"async", "sync", "Sync", "lazy", "async sync",
	};
	static const char *const priorities[] = {
		"-1", "0", "5", "32767", "007", "32768", "-2", "+5", "-0",
		"1e3", "five", "0x10", "99999999999999999999999",
	};
	static const char *const policies[] = {
		"none", "pages", "once", "both", "Pages", "all", "both,once",
		"1",
	};
	static const char *const names[] = {
		"zramfs0", "zramfs7", "zramfs255", "zramfs256", "zramfs01",
		"zramfs", "zramfs-1", "zramfs+1", "zram0", "zramfs1x",
		"zramfs99999999999999999999", "Zramfs1",
	};
	unsigned bad = 0;
	size_t i;

	dev_registry_init("/nonexistent/zramfs-test-conf", NULL);
	agree("disksize", sizes, ARRAY_SIZE(sizes),
	      ARRAY_SIZE(sizes) - SIZE_EXPRESSIONS, NULL, NULL);
	agree("mem_limit", sizes, ARRAY_SIZE(sizes),
	      ARRAY_SIZE(sizes) - SIZE_EXPRESSIONS, NULL, NULL);
	agree("comp_algorithm", algorithms, ARRAY_SIZE(algorithms),
	      ARRAY_SIZE(algorithms), NULL, NULL);
	agree("algorithm_params", params, ARRAY_SIZE(params),
	      ARRAY_SIZE(params), "comp_algorithm", "zstd");
	agree("gc_mode", gc_modes, ARRAY_SIZE(gc_modes), ARRAY_SIZE(gc_modes),
	      NULL, NULL);
	agree_swap("swap_priority", "priority", priorities,
		   ARRAY_SIZE(priorities));
	agree_swap("discard", "discard", policies, ARRAY_SIZE(policies));

	/* A section is a device exactly when fs.c's lookup takes its name. */
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char text[128];
		struct conf *c;

		snprintf(text, sizeof(text), "[%s]\nswap = no\n", names[i]);
		write_file("agree.conf", text);
		c = load("agree.conf", AGREE_RAM);
		if (!c != (ztree_dev_parse(names[i]) < 0) ||
		    (c && conf_dev(c, 0)->id != ztree_dev_parse(names[i]))) {
			diag("[%s]: %s, ztree_dev_parse %d", names[i],
			     c ? "a device" : "refused",
			     ztree_dev_parse(names[i]));
			bad++;
		}
		conf_free(c);
	}
	ok(!bad, "a section is device N exactly when its name is zramfsN "
		 "to the tree (%u differ)", bad);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	if (state_open(-1))
		bail_out("cannot make a state region");
	test_defaults();
	test_shipped();
	test_keys();
	test_dropins();
	test_syntax();
	test_errors();
	test_same_as_attributes();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) == -1)
		diag("cleanup failed");
	return tap_done();
}
