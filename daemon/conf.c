// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf: zramfsd.conf and its drop-ins.
 *
 *   [zramfsd]              daemon settings
 *   mountpoint = /run/zramfs
 *
 *   [zramfsN]              one device, created at start-up
 *   disksize = min(ram / 2, 4G)
 *   ...
 *
 * The key table below is the single description of the format: its parse
 * functions validate and store, its defaults fill a new device section, and
 * the man page zramfsd.conf(5) and conf/zramfsd.conf document the same rows.
 * inih reads the files; a line reader wrapped around it notices section
 * headers, so that an empty "[zramfs1]" still creates a device with the
 * defaults, and knows the line of every section for error messages.  It
 * also drops the blanks that start a line: an indented key is a key, not
 * the continuation of the value before it, which is what inih would make
 * of it (no value here spans lines).
 *
 * A device key takes exactly what the attribute of the same name takes:
 * its value is parsed and checked by the attribute's own code (dev.h's
 * typed settings, lib/ztree.h, lib/swapopt.h, lib/size.h), kept typed, and
 * applied with dev.h's dev_set_*() functions, never formatted back into a
 * string.  The file's own extras have no attribute: sizes may also be
 * expressions over ram (lib/sizeexpr.h), swap is yes or no, and the swap
 * attribute's "on priority=P discard=POLICY" is split into two keys.
 *
 * What only the whole configuration can tell (parameters against the
 * algorithm, disksize against swap) is checked once every file is read;
 * each device remembers where each of its keys was set, so that those
 * errors too name a file and a line.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "array_size.h"
#include "conf.h"
#include "conn.h"
#include "dev.h"
#include "log.h"
#include "size.h"
#include "sizeexpr.h"
#include "swap.h"
#include "swapopt.h"
#include "ztree.h"

/* The keys, in the order of keys[] below. */
enum key_id {
	K_MOUNTPOINT,
	K_THREADS,
	K_POLL_US,
	K_DISKSIZE,
	K_ALGORITHM,
	K_PARAMS,
	K_MEM_LIMIT,
	K_GC_MODE,
	K_SWAP,
	K_PRIORITY,
	K_DISCARD,
	NKEYS
};

/* Where a device's key got its value: the line that set it last, or for a
 * default the device's first section header. */
struct origin {
	const char *file; /* one of struct conf's files */
	int line;
};

struct conf {
	char mountpoint[4096];
	unsigned threads; /* FUSE workers, 0 = automatic */
	unsigned poll_us; /* conn.h's polling window */
	uint64_t ram;
	unsigned ndevs;
	struct conf_dev devs[DEV_MAX];
	char why[256]; /* a parse function's reason, when it is not constant */
	char **files;  /* the names of the files read, for struct origin */
	unsigned nfiles;
	struct origin origin[DEV_MAX][NKEYS]; /* by device number, key */
};

/* The state of one file's parse. */
struct parse {
	struct conf *c;
	const char *file;
	FILE *fp;
	int line;
	char section[64];
	int first_error; /* line of the first error, 0 if none */
};

enum scope { SCOPE_DAEMON, SCOPE_DEVICE };

struct key {
	enum scope scope;
	const char *name;
	const char *def; /* default, parsed like a value; NULL: none */
	/* @return NULL, or why @value is wrong. */
	const char *(*parse)(struct conf *c, struct conf_dev *d,
			     const char *value);
};

static const char *parse_mountpoint(struct conf *c, struct conf_dev *d,
				    const char *v)
{
	if (v[0] != '/')
		return "must be an absolute path";
	if (strlen(v) >= sizeof(c->mountpoint))
		return "too long";
	strcpy(c->mountpoint, v);
	return NULL;
}

static const char *parse_threads(struct conf *c, struct conf_dev *d,
				 const char *v)
{
	uint64_t n;

	if (size_parse_u64(v, CONF_THREADS_MAX, &n))
		return "must be 0 (automatic) to 256";
	c->threads = (unsigned)n;
	return NULL;
}

static const char *parse_poll_us(struct conf *c, struct conf_dev *d,
				 const char *v)
{
	uint64_t n;

	(void)d;
	if (size_parse_u64(v, CONN_POLL_US_MAX, &n))
		return "must be 0 (off) to 1000 microseconds";
	c->poll_us = (unsigned)n;
	return NULL;
}

/*
 * A size: what the attribute takes (size_parse()), or else an expression
 * over ram.  @return NULL and the bytes, rounded up to a page, in *@bytes;
 * or why not.
 */
static const char *parse_size(struct conf *c, const char *v, uint64_t *bytes)
{
	const char *why = "invalid size";

	if (!size_parse(v, bytes)) {
		*bytes = size_page_align(*bytes);
		return NULL;
	}
	return sizeexpr_eval(v, c->ram, bytes, &why) ? why : NULL;
}

static const char *parse_disksize(struct conf *c, struct conf_dev *d,
				  const char *v)
{
	const char *why = parse_size(c, v, &d->disksize);

	if (why)
		return why;
	if (dev_check_disksize(d->disksize, c->why, sizeof(c->why)))
		return c->why;
	return NULL; /* checked against swap once both are known */
}

static const char *parse_algorithm(struct conf *c, struct conf_dev *d,
				   const char *v)
{
	if (dev_check_algorithm(v, c->why, sizeof(c->why)))
		return c->why;
	strcpy(d->comp_algorithm, v);
	return NULL;
}

static const char *parse_params(struct conf *c, struct conf_dev *d,
				const char *v)
{
	if (dev_parse_params(v, &d->algorithm_params, c->why, sizeof(c->why)))
		return c->why;
	return NULL; /* checked against the algorithm once both are known */
}

static const char *parse_mem_limit(struct conf *c, struct conf_dev *d,
				   const char *v)
{
	return parse_size(c, v, &d->mem_limit);
}

static const char *parse_gc_mode(struct conf *c, struct conf_dev *d,
				 const char *v)
{
	if (ztree_gc_mode_parse(v, &d->gc_mode))
		return "must be " ZTREE_GC_MODE_NAMES;
	return NULL;
}

static const char *parse_swap(struct conf *c, struct conf_dev *d,
			      const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i])) {
			d->swap = 1;
			return NULL;
		}
		if (!strcmp(v, no[i])) {
			d->swap = 0;
			return NULL;
		}
	}
	return "must be yes or no";
}

static const char *parse_priority(struct conf *c, struct conf_dev *d,
				  const char *v)
{
	if (swapopt_priority_parse(v, &d->swap_priority)) {
		snprintf(c->why, sizeof(c->why), "must be -1 or 0..%d",
			 SWAPOPT_PRIO_MAX);
		return c->why;
	}
	return NULL;
}

static const char *parse_discard(struct conf *c, struct conf_dev *d,
				 const char *v)
{
	if (swapopt_discard_parse(v, &d->discard))
		return "must be " SWAPOPT_DISCARD_NAMES;
	return NULL;
}

/*
 * The configuration format.  Keep zramfsd.conf(5) and conf/zramfsd.conf in
 * step with this table.  swap_priority is below the 100 of kernel zram's
 * usual setups (zram-generator, zram-tools): next to kernel zram, zramfs is
 * the second choice, not an equal to take turns with.
 */
static const struct key keys[] = {
	[K_MOUNTPOINT] = { SCOPE_DAEMON, "mountpoint", ZTREE_MOUNTPOINT,
			   parse_mountpoint },
	[K_THREADS] = { SCOPE_DAEMON, "threads", "0", parse_threads },
	[K_POLL_US] = { SCOPE_DAEMON, "poll_us", CONN_POLL_US_DEFAULT_STR,
			parse_poll_us },
	[K_DISKSIZE] = { SCOPE_DEVICE, "disksize", "min(ram / 2, 4G)",
			 parse_disksize },
	[K_ALGORITHM] = { SCOPE_DEVICE, "comp_algorithm", "zstd",
			  parse_algorithm },
	[K_PARAMS] = { SCOPE_DEVICE, "algorithm_params", "", parse_params },
	[K_MEM_LIMIT] = { SCOPE_DEVICE, "mem_limit", "0", parse_mem_limit },
	[K_GC_MODE] = { SCOPE_DEVICE, "gc_mode", "async", parse_gc_mode },
	[K_SWAP] = { SCOPE_DEVICE, "swap", "yes", parse_swap },
	[K_PRIORITY] = { SCOPE_DEVICE, "swap_priority", "90",
			 parse_priority },
	[K_DISCARD] = { SCOPE_DEVICE, "discard", "both", parse_discard },
};
_Static_assert(ARRAY_SIZE(keys) == NKEYS,
	       "a row of keys[] for each enum key_id");

/*
 * Prints the one form of every configuration error,
 * "FILE:LINE: [SECTION] KEY: message" ("[SECTION]: message" without a key),
 * in one write.
 */
static void conf_verror(const char *file, int line, const char *section,
			const char *key, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
static void conf_verror(const char *file, int line, const char *section,
			const char *key, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s:%d: [%s]%s%s: %s\n", file, line, section,
		key ? " " : "", key ? key : "", msg);
}

static void conf_error(const struct origin *o, int id, const char *key,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void conf_error(const struct origin *o, int id, const char *key,
		       const char *fmt, ...)
{
	char section[16];
	va_list ap;

	snprintf(section, sizeof(section), "zramfs%d", id);
	va_start(ap, fmt);
	conf_verror(o->file, o->line, section, key, fmt, ap);
	va_end(ap);
}

static void report(struct parse *p, int line, const char *key,
		   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report(struct parse *p, int line, const char *key,
		   const char *fmt, ...)
{
	va_list ap;

	if (!p->first_error)
		p->first_error = line;
	va_start(ap, fmt);
	conf_verror(p->file, line, p->section, key, fmt, ap);
	va_end(ap);
}

/*
 * @return @v as it can be quoted in a message, in @buf: a byte that is not
 * printable ASCII (a control character, UTF-8) becomes \xNN.
 */
static const char *printable(const char *v, char *buf, size_t size)
{
	size_t n = 0;

	for (; *v && n + 5 < size; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch >= ' ' && ch < 0x7f)
			buf[n++] = (char)ch;
		else
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", ch);
	}
	buf[n] = '\0';
	return buf;
}

/*
 * inih ends a value at a ';' after a blank (an inline comment) but not at a
 * '#', which starts a comment only at the start of a line.  A '#' that
 * starts a word of a value is taken for a comment that was meant, and
 * refused, rather than read as part of the value.
 * @return true if @v holds a '#' at its start or after a blank.
 */
static bool has_hash_comment(const char *v)
{
	const char *h;

	for (h = strchr(v, '#'); h; h = strchr(h + 1, '#'))
		if (h == v || h[-1] == ' ' || h[-1] == '\t')
			return true;
	return false;
}

static struct conf_dev *find_dev(struct conf *c, int id)
{
	unsigned i;

	for (i = 0; i < c->ndevs; i++)
		if (c->devs[i].id == id)
			return &c->devs[i];
	return NULL;
}

/* Creates the device for [zramfs@id] with every default, which come from
 * the section at line @line of @p's file. */
static struct conf_dev *add_dev(struct parse *p, int id, int line)
{
	struct conf *c = p->c;
	struct conf_dev *d = find_dev(c, id);
	unsigned i;

	if (d)
		return d;
	d = &c->devs[c->ndevs++];
	memset(d, 0, sizeof(*d));
	d->id = id;
	for (i = 0; i < NKEYS; i++) {
		c->origin[id][i] = (struct origin){ p->file, line };
		if (keys[i].scope == SCOPE_DEVICE &&
		    keys[i].parse(c, d, keys[i].def))
			abort(); /* a default that does not parse: a bug */
	}
	return d;
}

/* Called for each section header line. */
static void on_section(struct parse *p, const char *name)
{
	int id;

	snprintf(p->section, sizeof(p->section), "%s", name);
	if (!strcmp(name, "zramfsd"))
		return;
	id = ztree_dev_parse(name);
	if (id < 0) {
		report(p, p->line, NULL,
		       "unknown section (expected zramfsd or zramfsN)");
		return;
	}
	add_dev(p, id, p->line);
}

/*
 * inih's line reader: one whole line, plus section tracking.  inih reads
 * lines into a buffer of @num bytes and takes whatever does not fit for the
 * next line: the end of a long comment would become a key.  So a line that
 * does not fit, or that holds a NUL byte (inih would see only its start),
 * is an error here, and inih gets an empty line in its place.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	bool any = false, nul = false, too_long = false;
	size_t len = 0;
	char *s, *end;
	int ch;

	while ((ch = getc(p->fp)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		nul |= ch == '\0';
		if (len + 1 < (size_t)num)
			str[len++] = (char)ch;
		else
			too_long = true;
	}
	if (!any)
		return NULL;
	if (ch == '\n' && len + 1 < (size_t)num)
		str[len++] = '\n';
	str[len] = '\0';
	p->line++;
	if (too_long || nul) {
		char why[64];

		snprintf(why, sizeof(why),
			 too_long ? "line longer than %d characters"
				  : "NUL byte in the line",
			 num - 1);
		report(p, p->line, NULL, "%s", why);
		str[0] = '\0';
		return str;
	}
	for (s = str; *s == ' ' || *s == '\t'; s++)
		;
	memmove(str, s, strlen(s) + 1); /* see the top of the file */
	s = str;
	if (*s == '[') {
		end = strchr(s, ']');
		if (end && end - s - 1 < (long)sizeof(p->section)) {
			char name[64];

			memcpy(name, s + 1, (size_t)(end - s - 1));
			name[end - s - 1] = '\0';
			on_section(p, name);
		}
	}
	return str;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;
	struct conf_dev *d = NULL;
	enum scope scope;
	char quoted[1024];
	const char *why;
	unsigned i;
	int id = -1;

	if (!strcmp(section, "zramfsd")) {
		scope = SCOPE_DAEMON;
	} else if ((id = ztree_dev_parse(section)) >= 0) {
		scope = SCOPE_DEVICE;
		d = add_dev(p, id, p->line);
	} else {
		/* Reported once at the section header. */
		if (!section[0])
			report(p, p->line, name, "key outside any section");
		return 1;
	}
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].scope != scope || strcmp(keys[i].name, name))
			continue;
		if (has_hash_comment(value))
			why = "'#' after a value is not a comment: put the "
			      "comment on a line of its own";
		else
			why = keys[i].parse(p->c, d, value);
		if (why)
			report(p, p->line, name, "'%s': %s",
			       printable(value, quoted, sizeof(quoted)), why);
		else if (d)
			p->c->origin[id][i] = (struct origin){ p->file,
							       p->line };
		return 1;
	}
	report(p, p->line, name, "unknown key");
	return 1;
}

/* @return 0, -ENOENT if the file does not exist, or -EINVAL after
 * reporting errors. */
static int parse_file(struct conf *c, const char *file)
{
	struct parse p = { .c = c };
	char **files;
	int ret;

	/* For struct origin; freed with the configuration. */
	files = realloc(c->files, (c->nfiles + 1) * sizeof(*files));
	if (files)
		c->files = files;
	if (!files || !(p.file = files[c->nfiles] = strdup(file))) {
		fprintf(stderr, "%s: out of memory\n", file);
		return -EINVAL;
	}
	c->nfiles++;
	p.fp = fopen(file, "re");
	if (!p.fp) {
		if (errno == ENOENT)
			return -ENOENT;
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return -EINVAL;
	}
	ret = ini_parse_stream(reader, &p, handler, &p);
	if (ferror(p.fp))
		ret = -1;
	fclose(p.fp);
	if (ret < 0) {
		fprintf(stderr, "%s: cannot read the file\n", file);
		return -EINVAL;
	}
	if (ret > 0 && !p.first_error) {
		/* inih's own syntax error (a line that is neither a section,
		 * a key = value pair, nor a comment). */
		fprintf(stderr, "%s:%d: syntax error\n", file, ret);
		return -EINVAL;
	}
	return p.first_error ? -EINVAL : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parses "@dir/\*.conf" in name order. */
static int parse_dropins(struct conf *c, const char *dir)
{
	char **names = NULL, path[4096 + 256];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	int ret = 0;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 : (fprintf(stderr, "%s: %s\n", dir,
						      strerror(errno)),
					      -EINVAL);
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".conf") ||
		    de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 16) *
							  sizeof(*names));

			if (!p) {
				ret = -ENOMEM;
				break;
			}
			names = p;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = parse_file(c, path);
		if (r && !ret)
			ret = r == -ENOENT ? 0 : r;
		free(names[i]);
	}
	free(names);
	return ret;
}

static int dev_cmp(const void *a, const void *b)
{
	return ((const struct conf_dev *)a)->id -
	       ((const struct conf_dev *)b)->id;
}

/* Checks what only the whole configuration can tell, and reports it at
 * the line that set the key. */
static int validate(struct conf *c)
{
	char why[256], quoted[1024], params[DEV_PARAMS_TEXT_MAX];
	unsigned i;
	int ret = 0;

	for (i = 0; i < c->ndevs; i++) {
		struct conf_dev *d = &c->devs[i];
		const struct origin *o = c->origin[d->id];

		if (dev_check_params(&d->algorithm_params, d->comp_algorithm,
				     why, sizeof(why))) {
			dev_params_format(&d->algorithm_params, params,
					  sizeof(params));
			conf_error(&o[K_PARAMS], d->id, "algorithm_params",
				   "'%s': %s",
				   printable(params, quoted, sizeof(quoted)),
				   why);
			ret = -EINVAL;
		}
		if (d->swap && swap_check_size(d->disksize, why, sizeof(why))) {
			conf_error(&o[K_DISKSIZE], d->id, "disksize",
				   "%s: make it larger, or set swap = no", why);
			ret = -EINVAL;
		}
	}
	return ret;
}

struct conf *conf_load_ram(const char *path, uint64_t ram)
{
	struct conf *c = calloc(1, sizeof(*c));
	char dir[4096 + 8];
	unsigned i;
	int ret;

	if (!c) {
		fprintf(stderr, "zramfsd: out of memory\n");
		return NULL;
	}
	c->ram = ram;
	for (i = 0; i < NKEYS; i++)
		if (keys[i].scope == SCOPE_DAEMON && keys[i].parse(c, NULL, keys[i].def))
			abort(); /* a default that does not parse: a bug */
	ret = parse_file(c, path ? path : CONF_DEFAULT_PATH);
	if (ret == -ENOENT) {
		if (path) {
			fprintf(stderr, "%s: %s\n", path, strerror(ENOENT));
			goto err;
		}
		ret = 0; /* no configuration: built-in defaults */
	}
	snprintf(dir, sizeof(dir), "%s.d", path ? path : CONF_DEFAULT_PATH);
	if (parse_dropins(c, dir) && !ret)
		ret = -EINVAL;
	if (!ret)
		ret = validate(c);
	if (ret)
		goto err;
	qsort(c->devs, c->ndevs, sizeof(c->devs[0]), dev_cmp);
	return c;
err:
	conf_free(c);
	return NULL;
}

struct conf *conf_load(const char *path)
{
	struct sysinfo si;

	if (sysinfo(&si)) {
		fprintf(stderr, "zramfsd: sysinfo: %s\n", strerror(errno));
		return NULL;
	}
	return conf_load_ram(path, (uint64_t)si.totalram * si.mem_unit);
}

void conf_free(struct conf *c)
{
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

const char *conf_mountpoint(const struct conf *c)
{
	return c->mountpoint;
}

unsigned conf_threads(const struct conf *c)
{
	long n;

	if (c->threads)
		return c->threads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 && n < CONF_THREADS_MAX ? (unsigned)n + 1 : 3;
}

unsigned conf_poll_us(const struct conf *c)
{
	return c->poll_us;
}

unsigned conf_ndevs(const struct conf *c)
{
	return c->ndevs;
}

const struct conf_dev *conf_dev(const struct conf *c, unsigned i)
{
	return i < c->ndevs ? &c->devs[i] : NULL;
}

/* Applies one device's settings with the functions the attributes' stores
 * call; swap comes later (conf_apply_swap). */
static int apply_dev(const struct conf_dev *cd)
{
	struct dev *d;
	int ret;

	ret = dev_add(cd->id);
	if (ret < 0)
		return ret;
	d = dev_get(cd->id);
	if (!d)
		return -ENOENT;
	ret = dev_set_algorithm(d, cd->comp_algorithm);
	if (!ret)
		ret = dev_set_params(d, &cd->algorithm_params);
	if (!ret)
		ret = dev_set_mem_limit(d, cd->mem_limit);
	if (!ret)
		ret = dev_set_gc_mode(d, cd->gc_mode);
	if (!ret)
		ret = dev_set_disksize(d, cd->disksize);
	dev_put(d);
	return ret;
}

int conf_apply(const struct conf *c)
{
	unsigned i;
	int ret, first = 0;

	for (i = 0; i < c->ndevs; i++) {
		ret = apply_dev(&c->devs[i]);
		if (ret) {
			log_err("zramfs%d: cannot set up from the "
				"configuration: %s",
				c->devs[i].id, strerror(-ret));
			if (!first)
				first = ret;
		} else {
			log_info("zramfs%d: %llu bytes, %s", c->devs[i].id,
				 (unsigned long long)c->devs[i].disksize,
				 c->devs[i].comp_algorithm);
		}
	}
	return first;
}

int conf_apply_swap(const struct conf *c)
{
	unsigned i;
	int ret, first = 0;

	for (i = 0; i < c->ndevs; i++) {
		const struct conf_dev *cd = &c->devs[i];
		struct dev *d;

		if (!cd->swap)
			continue;
		d = dev_get(cd->id);
		if (!d || !dev_disksize(d)) {
			/* Not set up: conf_apply() has said why. */
			if (d)
				dev_put(d);
			continue;
		}
		ret = dev_swap_on(d, cd->swap_priority, cd->discard);
		dev_put(d);
		if (ret) {
			log_err("zramfs%d: cannot turn swap on: %s", cd->id,
				strerror(-ret));
			if (!first)
				first = ret;
		}
	}
	return first;
}
