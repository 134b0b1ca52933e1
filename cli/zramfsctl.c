// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zramfsctl: set up, change and show zramfs devices; util-linux's zramctl
 * for zramfsd.
 *
 * It talks to the daemon only through the tree under the mountpoint, one
 * attribute read or write at a time, so that everything it does can also be
 * done with cat and echo (the messages say which step failed).  It
 * keeps zramctl's options and columns with zramctl's meaning, and adds JSON
 * output, swap, the memory limit, the GC mode, compaction and the columns
 * zramctl lacks.
 *
 * Layout, as zramctl's: a table of columns indexed by an enum, each row
 * filled by a switch over the column id (statistics columns are looked up
 * by field name in lib/zstat's tables instead); getopt_long with long-only
 * options above CHAR_MAX; mutually exclusive options declared as data; one
 * function per action.  A failure on one of several devices is reported and
 * the others are still processed; any failure makes the exit status 1.
 *
 * Every argument is checked before the first write: device names, sizes
 * (util-linux's rules, as zramctl reads them: lib/size), numbers, swap
 * priorities and discard policies (the swap attribute's own rule:
 * lib/swapopt), GC modes, the form of the algorithm parameters and the
 * columns; a device that --size resets must offer the algorithm asked for.
 * What only the daemon can judge (a level's range, a disksize it cannot
 * lock) is reported with the attribute that refused it, and with what
 * became of the device: removed again if --find added it, left reset if
 * --size had reset it.
 */
#include "config.h"

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "size.h"
#include "swapopt.h"
#include "zstat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define DEFAULT_MOUNTPOINT "/run/zramfs"
#define MOUNTPOINT_ENV "ZRAMFS_MOUNTPOINT"
#define DEV_PREFIX "zramfs"
#define ATTR_MAX 4096 /* no attribute reads longer (the daemon's buffer) */
#define ATTR_VALUE_MAX 510 /* the longest value attr_write() writes */

/* --- columns -------------------------------------------------------------- */

/* How a column's value is printed, and its JSON type. */
enum col_type {
	CT_STRING, /* text */
	CT_SIZE,   /* bytes: "1.5G", or a number with --bytes */
	CT_COUNT,  /* a number of pages or events: always a number */
	CT_RATIO,  /* a number with four decimals */
};

/* Where a column's value comes from: a statistics line, or the switch. */
enum col_src {
	SRC_OTHER,
	SRC_MM, /* mm_stat */
	SRC_IO, /* io_stat */
	SRC_GC, /* gc_stat */
};

struct colinfo {
	const char *name;
	double whint;
	int flags;
	enum col_type type;
	enum col_src src;
	const char *field; /* for SRC_MM/IO/GC: the field's name (lib/zstat) */
	const char *help;
};

enum {
	/* zramctl's columns, in zramctl's order */
	COL_NAME = 0,
	COL_DISKSIZE,
	COL_ORIG_SIZE,
	COL_COMP_SIZE,
	COL_ALGORITHM,
	COL_STREAMS,
	COL_ZEROPAGES,
	COL_MEMTOTAL,
	COL_MEMLIMIT,
	COL_MEMUSED,
	COL_MIGRATED,
	COL_COMPRATIO,
	COL_MOUNTPOINT,
	/* zramfs's own */
	COL_ALGORITHM_PARAMS,
	COL_HUGE,
	COL_HUGE_SINCE,
	COL_GC_MODE,
	COL_GC_PENDING,
	COL_GC_QUEUED,
	COL_GC_FREED,
	COL_GC_MAX_PENDING,
	COL_GC_INLINE,
	COL_FAILED_READS,
	COL_FAILED_WRITES,
	COL_INVALID_IO,
	COL_NOTIFY_FREE,
	COL_LOOP,
	COL_PRIORITY,
	COL_DISCARD,
};

#define R SCOLS_FL_RIGHT
static const struct colinfo infos[] = {
	[COL_NAME] = { "NAME", 0.25, 0, CT_STRING, SRC_OTHER, NULL,
		"zramfs device name (its directory under the mountpoint)" },
	[COL_DISKSIZE] = { "DISKSIZE", 5, R, CT_SIZE, SRC_OTHER, NULL,
		"limit on the uncompressed amount of data (disksize)" },
	[COL_ORIG_SIZE] = { "DATA", 5, R, CT_SIZE, SRC_MM, "orig_data_size",
		"uncompressed size of stored data, same-filled pages\n"
		"included; pages swap has freed count until they are\n"
		"discarded, so DATA can exceed swap's Used" },
	[COL_COMP_SIZE] = { "COMPR", 5, R, CT_SIZE, SRC_MM, "compr_data_size",
		"compressed size of stored data" },
	[COL_ALGORITHM] = { "ALGORITHM", 3, 0, CT_STRING, SRC_OTHER, NULL,
		"the selected compression algorithm (comp_algorithm)" },
	[COL_STREAMS] = { "STREAMS", 3, R, CT_COUNT, SRC_OTHER, NULL,
		"number of concurrent compress operations: empty, as\n"
		"zramctl shows it on Linux 6.15 and later (zramfs sets\n"
		"no such limit either)" },
	[COL_ZEROPAGES] = { "ZERO-PAGES", 3, R, CT_COUNT, SRC_MM, "same_pages",
		"same-filled (e.g. zero) pages, stored without memory" },
	[COL_MEMTOTAL] = { "TOTAL", 5, R, CT_SIZE, SRC_MM, "mem_used_total",
		"all memory including allocator fragmentation and\n"
		"metadata overhead" },
	[COL_MEMLIMIT] = { "MEM-LIMIT", 5, R, CT_SIZE, SRC_MM, "mem_limit",
		"memory limit used to store compressed data, 0 for none" },
	[COL_MEMUSED] = { "MEM-USED", 5, R, CT_SIZE, SRC_MM, "mem_used_max",
		"peak memory usage to store compressed data" },
	[COL_MIGRATED] = { "MIGRATED", 5, R, CT_SIZE, SRC_MM,
		"pages_compacted",
		"number of pages freed by compaction, printed as\n"
		"zramctl prints it: like a size (0B, 1.5K)" },
	[COL_COMPRATIO] = { "COMP-RATIO", 5, R, CT_RATIO, SRC_OTHER, NULL,
		"compression ratio: DATA/TOTAL (empty while TOTAL is 0)" },
	[COL_MOUNTPOINT] = { "MOUNTPOINT", 0.10, SCOLS_FL_TRUNC, CT_STRING,
		SRC_OTHER, NULL,
		"where the device is used: [SWAP] while it is active swap" },
	[COL_ALGORITHM_PARAMS] = { "ALGORITHM-PARAMS", 0.10, 0, CT_STRING,
		SRC_OTHER, NULL,
		"parameters of the selected algorithm in effect\n"
		"(algorithm_params), empty for none" },
	[COL_HUGE] = { "HUGE-PAGES", 3, R, CT_COUNT, SRC_MM, "huge_pages",
		"incompressible pages, stored uncompressed" },
	[COL_HUGE_SINCE] = { "HUGE-SINCE", 3, R, CT_COUNT, SRC_MM,
		"huge_pages_since",
		"incompressible pages stored since the device was set up" },
	[COL_GC_MODE] = { "GC-MODE", 3, 0, CT_STRING, SRC_OTHER, NULL,
		"who frees discarded pages' memory, gc_mode: async (the\n"
		"GC worker, later) or sync (the discard itself)" },
	[COL_GC_PENDING] = { "GC-PENDING", 3, R, CT_COUNT, SRC_GC, "pending",
		"discarded pages whose memory is not freed yet" },
	[COL_GC_QUEUED] = { "GC-QUEUED", 3, R, CT_COUNT, SRC_GC,
		"queued_total", "pages ever handed to the GC worker" },
	[COL_GC_FREED] = { "GC-FREED", 3, R, CT_COUNT, SRC_GC, "freed_total",
		"pages ever freed by the GC worker" },
	[COL_GC_MAX_PENDING] = { "GC-MAX-PENDING", 3, R, CT_COUNT, SRC_GC,
		"max_pending", "peak of GC-PENDING" },
	[COL_GC_INLINE] = { "GC-INLINE", 3, R, CT_COUNT, SRC_GC,
		"freed_inline",
		"pages freed by the discard itself: sync mode, or the\n"
		"GC worker's queue was full" },
	[COL_FAILED_READS] = { "FAILED-READS", 3, R, CT_COUNT, SRC_IO,
		"failed_reads", "reads of the data file that failed" },
	[COL_FAILED_WRITES] = { "FAILED-WRITES", 3, R, CT_COUNT, SRC_IO,
		"failed_writes",
		"writes of the data file that failed, e.g. past MEM-LIMIT" },
	[COL_INVALID_IO] = { "INVALID-IO", 3, R, CT_COUNT, SRC_IO, "invalid_io",
		"requests outside the device" },
	[COL_NOTIFY_FREE] = { "NOTIFY-FREE", 3, R, CT_COUNT, SRC_IO,
		"notify_free", "pages freed by discard, i.e. punched holes" },
	[COL_LOOP] = { "LOOP", 0.10, 0, CT_STRING, SRC_OTHER, NULL,
		"loop device of active swap (swap)" },
	[COL_PRIORITY] = { "PRIORITY", 3, R, CT_COUNT, SRC_OTHER, NULL,
		"priority of active swap (swap)" },
	[COL_DISCARD] = { "DISCARD", 3, 0, CT_STRING, SRC_OTHER, NULL,
		"discard policy of active swap: pages, once, both or\n"
		"none (swap)" },
};
#undef R

/* The statistics lines, indexed by enum col_src. */
static const struct {
	const char *attr;
	const struct zstat_field *fields;
	const size_t *nfields;
} stat_files[] = {
	[SRC_MM] = { "mm_stat", zstat_mm_fields, &zstat_mm_nfields },
	[SRC_IO] = { "io_stat", zstat_io_fields, &zstat_io_nfields },
	[SRC_GC] = { "gc_stat", zstat_gc_fields, &zstat_gc_nfields },
};

static const int default_columns[] = {
	COL_NAME,     COL_ALGORITHM, COL_DISKSIZE, COL_ORIG_SIZE,
	COL_COMP_SIZE, COL_MEMTOTAL, COL_STREAMS,  COL_MOUNTPOINT,
};

static int columns[ARRAY_SIZE(infos) * 2];
static size_t ncolumns;

/* --- settings from the command line --------------------------------------- */

static const char *mnt = DEFAULT_MOUNTPOINT;
static bool raw, json, no_headings, inbytes;

/* What to set up or change; NULL or false when not asked for. */
struct request {
	bool find;
	const char *size_arg; /* -s as given, for messages */
	uint64_t size;
	const char *algorithm;
	const char *params;
	uint64_t streams; /* 0: not given */
	const char *mem_limit_arg;
	uint64_t mem_limit;
	const char *gc_mode;
	bool compact;
	bool swapon, swapoff;
	bool has_priority;
	int priority;
	const char *discard; /* a policy name (lib/swapopt) */
};

/* --- messages ------------------------------------------------------------- */

/*
 * Output errors must not pass silently: stdout is checked when the program
 * exits, as util-linux's close_stdout(), and a failure changes the exit
 * status to 1.  EPIPE is left alone (the reader went away on purpose).
 */
static void close_stdout(void)
{
	bool failed = ferror(stdout) != 0;
	int e = 0; /* unknown, if an earlier write failed */

	if (fclose(stdout) != 0) {
		failed = true;
		e = errno;
	}
	if (failed && e != EPIPE) {
		if (e)
			warnx("write error: %s", strerror(e));
		else
			warnx("write error");
		_exit(EXIT_FAILURE);
	}
	if (fflush(stderr) != 0 || ferror(stderr))
		_exit(EXIT_FAILURE);
}

/* "zramfsctl: NAME: MESSAGE" */
__attribute__((format(printf, 2, 3))) static void
dev_warnx(const char *name, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: %s: ", program_invocation_short_name, name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		err(EXIT_FAILURE, "cannot allocate memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		err(EXIT_FAILURE, "cannot allocate memory");
	return p;
}

__attribute__((format(printf, 1, 2))) static char *xasprintf(const char *fmt,
							     ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		err(EXIT_FAILURE, "cannot allocate memory");
	return p;
}

/* --- the tree ------------------------------------------------------------- */

/* A device, and what has been read of it. */
struct zdev {
	int id;
	char name[32]; /* "zramfs0" */
	char dir[PATH_MAX];
	bool failed; /* a read failed and has been reported */
	unsigned have; /* bit per enum col_src: that line is read */
	struct zstat_mm mm;
	struct zstat_io io;
	struct zstat_gc gc;
	bool swap_read;
	char swap[256]; /* the swap attribute: "none" or "LOOP priority=..." */
	bool defer;	/* keep the first message for dev_flush() */
	char pending[512];
};

/*
 * "zramfsctl: NAME: MESSAGE" about @z.  While @z->defer is set (--find or
 * --size at work on @z) the first message is kept instead, for dev_flush()
 * to print once it is known what became of the device.
 */
__attribute__((format(printf, 2, 3))) static void
dev_fail(struct zdev *z, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (z->defer && !z->pending[0]) {
		vsnprintf(z->pending, sizeof(z->pending), fmt, ap);
	} else {
		fflush(stdout);
		fprintf(stderr, "%s: %s: ", program_invocation_short_name,
			z->name);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/* Prints the message dev_fail() kept, followed by @outcome. */
static void dev_flush(struct zdev *z, const char *outcome)
{
	z->defer = false;
	if (z->pending[0])
		dev_warnx(z->name, "%s%s", z->pending, outcome);
	z->pending[0] = '\0';
}

static void *dev_stat_buf(struct zdev *z, enum col_src src)
{
	switch (src) {
	case SRC_MM:
		return &z->mm;
	case SRC_IO:
		return &z->io;
	case SRC_GC:
		return &z->gc;
	default:
		return NULL;
	}
}

static void dev_init(struct zdev *z, int id)
{
	memset(z, 0, sizeof(*z));
	z->id = id;
	snprintf(z->name, sizeof(z->name), DEV_PREFIX "%d", id);
	snprintf(z->dir, sizeof(z->dir), "%s/%s", mnt, z->name);
}

/*
 * Reads attribute @attr in @dir as cat would, without the trailing
 * newline.  @return 0, or -errno (-EOVERFLOW if it does not fit @size).
 */
static int attr_read(const char *dir, const char *attr, char *buf,
		     size_t size)
{
	char path[PATH_MAX + 64];
	size_t len = 0;
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size - 1) {
			ret = -EOVERFLOW;
			break;
		}
	}
	close(fd);
	if (ret)
		return ret;
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

/*
 * Writes @value and a newline to attribute @attr in @dir in one write(2),
 * as echo would: one write is one store.  @return 0 or -errno.
 */
static int attr_write(const char *dir, const char *attr, const char *value)
{
	char path[PATH_MAX + 64], line[ATTR_VALUE_MAX + 2];
	ssize_t n;
	int fd, len, ret = 0;

	len = snprintf(line, sizeof(line), "%s\n", value);
	if (len < 0 || (size_t)len >= sizeof(line))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = write(fd, line, (size_t)len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if (n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* Reports that @attr of @z could not be read (-@err), once per device. */
static void dev_read_failed(struct zdev *z, const char *attr, int err)
{
	if (!z->failed)
		dev_fail(z, "cannot read %s: %s", attr, strerror(-err));
	z->failed = true;
}

/* Reports that @attr of @z read @value, which does not parse. */
static void dev_bad_value(struct zdev *z, const char *attr, const char *value)
{
	if (!z->failed)
		dev_fail(z, "cannot parse %s: '%s'", attr, value);
	z->failed = true;
}

/* Reads an attribute of @z; a failure is reported once per device. */
static int dev_read(struct zdev *z, const char *attr, char *buf, size_t size)
{
	int ret = attr_read(z->dir, attr, buf, size);

	if (ret)
		dev_read_failed(z, attr, ret);
	return ret;
}

/* Reads a number attribute of @z. */
static int dev_read_u64(struct zdev *z, const char *attr, uint64_t *v)
{
	char buf[64];
	int ret = dev_read(z, attr, buf, sizeof(buf));

	if (ret)
		return ret;
	ret = size_parse_u64(buf, UINT64_MAX, v);
	if (ret)
		dev_bad_value(z, attr, buf);
	return ret;
}

/* @return the statistics line @src of @z, read once, or NULL. */
static const void *dev_stat(struct zdev *z, enum col_src src)
{
	char buf[ATTR_MAX];
	void *st = dev_stat_buf(z, src);

	if (z->have & (1u << src))
		return st;
	if (dev_read(z, stat_files[src].attr, buf, sizeof(buf)))
		return NULL;
	if (zstat_parse(buf, stat_files[src].fields, *stat_files[src].nfields,
			st)) {
		dev_bad_value(z, stat_files[src].attr, buf);
		return NULL;
	}
	z->have |= 1u << src;
	return st;
}

/* @return field @name of statistics line @src of @z, or -1 on failure. */
static int dev_stat_field(struct zdev *z, enum col_src src, const char *name,
			  uint64_t *v)
{
	const struct zstat_field *fields = stat_files[src].fields;
	const void *st = dev_stat(z, src);
	int i;

	if (!st)
		return -1;
	i = zstat_field_index(fields, *stat_files[src].nfields, name);
	if (i < 0)
		return -1; /* a column names a field lib/zstat lacks */
	memcpy(v, (const char *)st + fields[i].offset, sizeof(*v));
	return 0;
}

/* The swap attribute of @z, read once: "none" or "LOOP priority=P ...". */
static const char *dev_swap(struct zdev *z)
{
	if (!z->swap_read) {
		if (dev_read(z, "swap", z->swap, sizeof(z->swap)))
			return NULL;
		z->swap_read = true;
	}
	return z->swap;
}

/* @return true if @z is active swap (its swap attribute names a loop). */
static bool dev_is_swap(struct zdev *z)
{
	const char *s = dev_swap(z);

	return s && strcmp(s, "none") != 0;
}

/*
 * The value of "KEY=VALUE" in the swap attribute of @z, or (for a NULL
 * @key) its first word, the loop device.  @return a new string or NULL.
 */
static char *dev_swap_word(struct zdev *z, const char *key)
{
	const char *s = dev_is_swap(z) ? z->swap : NULL, *end;
	size_t klen = key ? strlen(key) : 0;

	while (s && *s) {
		end = s + strcspn(s, " ");
		if (!key)
			return xstrndup(s, (size_t)(end - s));
		if ((size_t)(end - s) > klen && !strncmp(s, key, klen) &&
		    s[klen] == '=')
			return xstrndup(s + klen + 1,
					(size_t)(end - s) - klen - 1);
		s = end + strspn(end, " ");
	}
	return NULL;
}

/* Whether the mountpoint is served by a running daemon; exits if not. */
static void check_daemon(void)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/control/hot_add", mnt);
	if (stat(path, &st) == 0)
		return;
	if (errno == ENOENT || errno == ENOTDIR)
		errx(EXIT_FAILURE,
		     "%s: zramfsd is not running there (no control/hot_add)",
		     mnt);
	if (errno == ENOTCONN) /* the mount of a daemon that is gone */
		errx(EXIT_FAILURE,
		     "%s: zramfsd is not running there: it died and left its "
		     "mount (%s); unmount it (umount %s) and start zramfsd "
		     "again",
		     mnt, strerror(errno), mnt);
	if (errno == EACCES || errno == EPERM)
		errx(EXIT_FAILURE, "%s: %s (only root may use zramfs)", mnt,
		     strerror(errno));
	err(EXIT_FAILURE, "%s", path);
}

/* @return true if @a and @b are the same directory. */
static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Parses "zramfsN", N without leading zeros. @return N, or -1. */
static int parse_dev_name(const char *s)
{
	size_t plen = strlen(DEV_PREFIX);
	const char *num = s + plen;
	uint64_t id;

	if (strncmp(s, DEV_PREFIX, plen) || *num < '0' || *num > '9' ||
	    (*num == '0' && num[1]) || strpbrk(num, " \t\n") ||
	    size_parse_u64(num, INT_MAX, &id))
		return -1;
	return (int)id;
}

/*
 * Reads DEVICE, a name (zramfs0) or its directory under the mountpoint
 * (/run/zramfs/zramfs0), into @z; whether the device exists is
 * dev_exists()'s question.  @return 0, or -1 after reporting why not.
 */
static int dev_parse(const char *arg, struct zdev *z)
{
	char buf[PATH_MAX], *slash, *base;
	size_t len;
	int id;

	len = strlen(arg);
	if (len >= sizeof(buf)) {
		dev_warnx(arg, "not a zramfs device (expected zramfsN)");
		return -1;
	}
	memcpy(buf, arg, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	slash = strrchr(buf, '/');
	base = slash ? slash + 1 : buf;
	id = parse_dev_name(base);
	if (id < 0) {
		dev_warnx(arg, "not a zramfs device (expected zramfsN)");
		return -1;
	}
	if (slash) {
		*slash = '\0';
		if (!same_dir(slash == buf ? "/" : buf, mnt)) {
			dev_warnx(arg, "not under the mountpoint %s", mnt);
			return -1;
		}
	}
	dev_init(z, id);
	return 0;
}

/*
 * The devices named on the command line, every one read before anything
 * is done: a word that is not a device stops the program, naming each.
 */
static struct zdev *dev_parse_all(char **args, int nargs)
{
	struct zdev *devs = calloc((size_t)nargs + 1, sizeof(*devs));
	bool bad = false;
	int i;

	if (!devs)
		err(EXIT_FAILURE, "cannot allocate memory");
	for (i = 0; i < nargs; i++)
		if (dev_parse(args[i], &devs[i]))
			bad = true;
	if (bad)
		exit(EXIT_FAILURE);
	return devs;
}

/* @return 0 if @z exists, or -1 after reporting why not. */
static int dev_exists(struct zdev *z)
{
	struct stat st;

	if (stat(z->dir, &st) == 0)
		return 0;
	if (errno == ENOENT)
		dev_fail(z, "no such device");
	else
		dev_fail(z, "%s: %s", z->dir, strerror(errno));
	return -1;
}

/* --- status --------------------------------------------------------------- */

/* @v formatted as column type @type wants it. */
static char *format_value(enum col_type type, uint64_t v)
{
	char buf[32];

	if (type == CT_SIZE && !inbytes) {
		size_format(v, buf, sizeof(buf));
		return xstrdup(buf);
	}
	return xasprintf("%" PRIu64, v);
}

/* The bracketed entry of comp_algorithm ("lz4 [zstd]" -> "zstd"). */
static char *get_algorithm(struct zdev *z)
{
	char buf[ATTR_MAX], *l, *r;

	if (dev_read(z, "comp_algorithm", buf, sizeof(buf)))
		return NULL;
	l = strrchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!r || r - l < 2)
		return NULL;
	*r = '\0';
	return xstrdup(l + 1);
}

/*
 * The parameters in effect: "level=3" while algorithm_params reads
 * "algo=zstd level=3" and zstd is the selected algorithm.  NULL for none:
 * no parameters, those of another algorithm, or a daemon whose
 * algorithm_params is write-only (EACCES), as the kernel's is.
 */
static char *get_params(struct zdev *z)
{
	char buf[ATTR_MAX], *name, *params, *active;
	size_t len;
	bool in_effect;
	int ret;

	ret = attr_read(z->dir, "algorithm_params", buf, sizeof(buf));
	if (ret == -EACCES)
		return NULL;
	if (ret) {
		dev_read_failed(z, "algorithm_params", ret);
		return NULL;
	}
	if (!*buf)
		return NULL;
	if (strncmp(buf, "algo=", 5)) {
		dev_bad_value(z, "algorithm_params", buf);
		return NULL;
	}
	name = buf + 5;
	len = strcspn(name, " \t");
	params = name + len + strspn(name + len, " \t");
	active = get_algorithm(z);
	in_effect = active && strlen(active) == len &&
		    !strncmp(active, name, len) && *params;
	free(active);
	return in_effect ? xstrdup(params) : NULL;
}

/* The value of column @id for device @z, or NULL for none. */
static char *get_cell(struct zdev *z, int id)
{
	const struct colinfo *col = &infos[id];
	char buf[ATTR_MAX];
	uint64_t v, data, total;

	if (col->src != SRC_OTHER) {
		if (dev_stat_field(z, col->src, col->field, &v))
			return NULL;
		return format_value(col->type, v);
	}
	switch (id) {
	case COL_NAME:
		return xstrdup(z->name);
	case COL_DISKSIZE:
		if (dev_read_u64(z, "disksize", &v))
			return NULL;
		return format_value(col->type, v);
	case COL_ALGORITHM:
		return get_algorithm(z);
	case COL_STREAMS:
		/* zramctl reads max_comp_streams, gone since Linux 6.15;
		 * zramfsd's reads the number of CPUs, a limit on nothing. */
		return NULL;
	case COL_ALGORITHM_PARAMS:
		return get_params(z);
	case COL_COMPRATIO:
		if (dev_stat_field(z, SRC_MM, "orig_data_size", &data) ||
		    dev_stat_field(z, SRC_MM, "mem_used_total", &total) ||
		    !total)
			return NULL;
		return xasprintf("%.4f", (double)data / (double)total);
	case COL_MOUNTPOINT:
		return dev_is_swap(z) ? xstrdup("[SWAP]") : NULL;
	case COL_GC_MODE:
		if (dev_read(z, "gc_mode", buf, sizeof(buf)))
			return NULL;
		return xstrdup(buf);
	case COL_LOOP:
		return dev_swap_word(z, NULL);
	case COL_PRIORITY:
		return dev_swap_word(z, "priority");
	case COL_DISCARD:
		return dev_swap_word(z, "discard");
	}
	return NULL;
}

static void add_row(struct libscols_table *tb, struct zdev *z)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	size_t i;

	if (!ln)
		err(EXIT_FAILURE, "failed to allocate output line");
	for (i = 0; i < ncolumns; i++) {
		char *str = get_cell(z, columns[i]);

		if (str && scols_line_refer_data(ln, i, str))
			err(EXIT_FAILURE, "failed to add output data");
	}
}

static struct libscols_table *new_table(void)
{
	struct libscols_table *tb;
	size_t i;

	scols_init_debug(0);
	tb = scols_new_table();
	if (!tb)
		err(EXIT_FAILURE, "failed to allocate output table");
	scols_table_enable_raw(tb, raw);
	scols_table_enable_json(tb, json);
	scols_table_enable_noheadings(tb, no_headings);
	if (json)
		scols_table_set_name(tb, "zramfsdevices");
	for (i = 0; i < ncolumns; i++) {
		const struct colinfo *col = &infos[columns[i]];
		struct libscols_column *cl;
		int type = SCOLS_JSON_STRING;

		cl = scols_table_new_column(tb, col->name, col->whint,
					    col->flags);
		if (!cl)
			err(EXIT_FAILURE, "failed to allocate output column");
		if (col->type == CT_COUNT || col->type == CT_RATIO ||
		    (col->type == CT_SIZE && inbytes))
			type = SCOLS_JSON_NUMBER;
		scols_column_set_json_type(cl, type);
	}
	return tb;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The numbers of the devices under the mountpoint, sorted. */
static int *list_devices(size_t *n)
{
	struct dirent *de;
	size_t used = 0, room = 0;
	int *ids = NULL, id;
	DIR *dir;

	dir = opendir(mnt);
	if (!dir)
		err(EXIT_FAILURE, "cannot open %s", mnt);
	while ((errno = 0, de = readdir(dir))) {
		id = parse_dev_name(de->d_name);
		if (id < 0)
			continue;
		if (used == room) {
			room = room ? room * 2 : 16;
			ids = realloc(ids, room * sizeof(*ids));
			if (!ids)
				err(EXIT_FAILURE, "cannot allocate memory");
		}
		ids[used++] = id;
	}
	if (errno)
		err(EXIT_FAILURE, "cannot read %s", mnt);
	closedir(dir);
	if (used)
		qsort(ids, used, sizeof(*ids), cmp_int);
	*n = used;
	return ids;
}

/*
 * Prints the table for the devices named, or without any, for every
 * initialised device.  @return 0, or 1 if something could not be shown.
 */
static int status(struct zdev *devs, int ndevs)
{
	struct libscols_table *tb = new_table();
	struct zdev z;
	char state[16];
	int rc = 0, i, ret;

	for (i = 0; i < ndevs; i++) {
		if (dev_exists(&devs[i])) {
			rc = 1;
			continue;
		}
		add_row(tb, &devs[i]);
		rc |= devs[i].failed;
	}
	if (!ndevs) {
		size_t n, j;
		int *ids = list_devices(&n);

		for (j = 0; j < n; j++) {
			dev_init(&z, ids[j]);
			ret = attr_read(z.dir, "initstate", state,
					sizeof(state));
			if (ret == -ENOENT)
				continue; /* removed since readdir */
			if (ret) {
				dev_warnx(z.name, "cannot read initstate: %s",
					  strerror(-ret));
				rc = 1;
				continue;
			}
			if (strcmp(state, "1"))
				continue;
			add_row(tb, &z);
			rc |= z.failed;
		}
		free(ids);
	}
	if (scols_print_table(tb))
		rc = 1;
	scols_unref_table(tb);
	return rc;
}

/* --- actions -------------------------------------------------------------- */

/* Why the daemon refused to reset (or remove) @z with EBUSY. */
static void report_busy(struct zdev *z, const char *what)
{
	if (dev_is_swap(z))
		dev_fail(z,
			 "failed to %s: device is active swap on %.*s; "
			 "turn it off first (--swapoff)",
			 what, (int)strcspn(z->swap, " "), z->swap);
	else
		dev_fail(z, "failed to %s: %s (its data file is open)", what,
			 strerror(EBUSY));
}

static int dev_reset(struct zdev *z)
{
	int ret = attr_write(z->dir, "reset", "1");

	if (ret == -EBUSY)
		report_busy(z, "reset");
	else if (ret)
		dev_fail(z, "failed to reset: %s", strerror(-ret));
	return ret;
}

/*
 * Writes @value to @attr of @z.  On failure reports "failed to set WHAT:
 * strerror", WHAT formatted from @fmt.
 */
__attribute__((format(printf, 4, 5))) static int
dev_set(struct zdev *z, const char *attr, const char *value, const char *fmt,
	...)
{
	int ret = attr_write(z->dir, attr, value);
	char what[256];
	va_list ap;

	if (!ret)
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	dev_fail(z, "failed to set %s: %s", what, strerror(-ret));
	return ret;
}

/* @return true if @z has a disksize (initstate 1). */
static bool dev_initialised(struct zdev *z)
{
	char state[16];

	return !attr_read(z->dir, "initstate", state, sizeof(state)) &&
	       !strcmp(state, "1");
}

/*
 * Whether @z offers @algorithm (comp_algorithm lists it), asked before the
 * first write, or before a reset that a refusal would leave behind.
 * @return 0, or -EINVAL or -errno (reported, with the list).
 */
static int dev_check_algorithm(struct zdev *z, const char *algorithm)
{
	char list[ATTR_MAX], *from, *to = list, *p;
	size_t len;
	int ret = dev_read(z, "comp_algorithm", list, sizeof(list));

	if (ret)
		return ret;
	for (from = list; *from; from++) /* "lz4 [zstd]" -> "lz4 zstd" */
		if (*from != '[' && *from != ']')
			*to++ = *from;
	*to = '\0';
	for (p = list; *p; p += len + strspn(p + len, " ")) {
		len = strcspn(p, " ");
		if (len == strlen(algorithm) && !strncmp(p, algorithm, len))
			return 0;
	}
	dev_fail(z, "unsupported algorithm '%s' (available: %s)", algorithm,
		 list);
	return -EINVAL;
}

static int dev_swapon(struct zdev *z, const struct request *rq)
{
	char value[128], prio[32] = "";
	int ret;

	if (!dev_initialised(z)) {
		dev_fail(z, "failed to turn on swap: device is not set up (no "
			    "disksize; use --size)");
		return -EINVAL;
	}
	if (dev_is_swap(z)) {
		dev_fail(z,
			 "failed to turn on swap: already active swap on %.*s",
			 (int)strcspn(z->swap, " "), z->swap);
		return -EBUSY;
	}
	if (rq->has_priority)
		snprintf(prio, sizeof(prio), " priority=%d", rq->priority);
	snprintf(value, sizeof(value), "on%s%s%s", prio,
		 rq->discard ? " discard=" : "",
		 rq->discard ? rq->discard : "");
	ret = attr_write(z->dir, "swap", value);
	if (ret)
		dev_fail(z, "failed to turn on swap ('%s'): %s", value,
			 strerror(-ret));
	z->swap_read = false;
	return ret;
}

static int dev_swapoff(struct zdev *z)
{
	int ret;

	if (!dev_swap(z))
		return -EIO;
	if (!dev_is_swap(z)) {
		dev_fail(z, "failed to turn off swap: not active swap");
		return -EINVAL;
	}
	ret = attr_write(z->dir, "swap", "off");
	if (ret)
		dev_fail(z, "failed to turn off swap: %s; it stays swap",
			 strerror(-ret));
	z->swap_read = false;
	return ret;
}

/* --mem-limit, --gc-mode: settings a device keeps across disksize. */
static int dev_settings(struct zdev *z, const struct request *rq)
{
	char bytes[32];

	if (rq->mem_limit_arg) {
		snprintf(bytes, sizeof(bytes), "%" PRIu64, rq->mem_limit);
		if (dev_set(z, "mem_limit", bytes, "memory limit (%s bytes)",
			    bytes))
			return -1;
	}
	if (rq->gc_mode && dev_set(z, "gc_mode", rq->gc_mode, "GC mode '%s'",
				   rq->gc_mode))
		return -1;
	return 0;
}

/*
 * Changes a device that exists: swap off, memory limit, GC mode, compaction,
 * swap on, in that order.
 */
static int modify(struct zdev *z, const struct request *rq)
{
	int ret;

	if (rq->swapoff && dev_swapoff(z))
		return -1;
	if (dev_settings(z, rq))
		return -1;
	if (rq->compact) {
		ret = attr_write(z->dir, "compact", "1");
		if (ret == -EINVAL && !dev_initialised(z))
			dev_fail(z, "failed to compact: device is not set up "
				    "(no disksize)");
		else if (ret)
			dev_fail(z, "failed to compact: %s", strerror(-ret));
		if (ret)
			return -1;
	}
	if (rq->swapon && dev_swapon(z, rq))
		return -1;
	return 0;
}

/*
 * Sets up a device that is new or just reset, as zramctl does: streams,
 * algorithm, its parameters, the memory limit and GC mode, the disksize,
 * and swap if asked.
 */
static int setup(struct zdev *z, const struct request *rq)
{
	char bytes[32];
	int ret;

	if (rq->streams) {
		snprintf(bytes, sizeof(bytes), "%" PRIu64, rq->streams);
		ret = attr_write(z->dir, "max_comp_streams", bytes);
		if (ret && ret != -ENOENT) { /* gone with Linux 6.15 */
			dev_fail(z, "failed to set number of streams: %s",
				 strerror(-ret));
			return -1;
		}
	}
	if (rq->algorithm &&
	    (dev_check_algorithm(z, rq->algorithm) ||
	     dev_set(z, "comp_algorithm", rq->algorithm, "algorithm '%s'",
		     rq->algorithm)))
		return -1;
	if (rq->params && dev_set(z, "algorithm_params", rq->params,
				  "algorithm parameters '%s'", rq->params))
		return -1;
	if (dev_settings(z, rq))
		return -1;
	snprintf(bytes, sizeof(bytes), "%" PRIu64, rq->size);
	if (dev_set(z, "disksize", bytes, "disksize (%s bytes)", bytes))
		return -1;
	if (rq->swapon && dev_swapon(z, rq))
		return -1;
	return 0;
}

/*
 * -s DEVICE: reset it and set it up again.  A step after the reset that
 * fails leaves the device reset, and its message says so.
 */
static int setup_existing(struct zdev *z, const struct request *rq)
{
	if (rq->algorithm && dev_check_algorithm(z, rq->algorithm))
		return -1;
	if (dev_reset(z))
		return -1;
	z->defer = true;
	if (!setup(z, rq)) {
		z->defer = false;
		return 0;
	}
	dev_flush(z, dev_initialised(z) ? "" :
		  "; the device is left reset, without a disksize");
	return -1;
}

/* Reads control/hot_add: a new device.  @return 0, or -1 (reported). */
static int hot_add(struct zdev *z)
{
	char ctl[PATH_MAX], buf[32];
	uint64_t id;
	int ret;

	snprintf(ctl, sizeof(ctl), "%s/control", mnt);
	ret = attr_read(ctl, "hot_add", buf, sizeof(buf));
	if (ret) {
		warnx("no free device found: control/hot_add: %s",
		      strerror(-ret));
		return -1;
	}
	if (size_parse_u64(buf, INT_MAX, &id)) {
		warnx("control/hot_add returned '%s', not a device number",
		      buf);
		return -1;
	}
	dev_init(z, (int)id);
	return 0;
}

/* Writes control/hot_remove.  @return 0 or -errno. */
static int hot_remove(struct zdev *z)
{
	char ctl[PATH_MAX], num[16];

	snprintf(ctl, sizeof(ctl), "%s/control", mnt);
	snprintf(num, sizeof(num), "%d", z->id);
	return attr_write(ctl, "hot_remove", num);
}

/*
 * -f: a new device, set up if -s is given; prints its name.  If a step
 * fails, the device is removed again (it is ours alone so far, and not
 * swap: swap on is the last step), and the message says so.
 */
static int find(const struct request *rq)
{
	char outcome[128];
	struct zdev z;
	int ret;

	if (hot_add(&z))
		return 1;
	z.defer = true;
	ret = rq->size_arg ? setup(&z, rq) : dev_settings(&z, rq);
	if (!ret) {
		z.defer = false;
		printf("%s\n", z.name);
		return 0;
	}
	ret = hot_remove(&z);
	if (ret)
		snprintf(outcome, sizeof(outcome),
			 "; cannot remove the device again: %s",
			 strerror(-ret));
	else
		snprintf(outcome, sizeof(outcome), "; device removed");
	dev_flush(&z, outcome);
	return 1;
}

/*
 * -r: reset each device and remove it, as zramctl does; with --swapoff,
 * turn swap off first on those that are swap.
 */
static int reset_all(struct zdev *devs, int ndevs, bool swapoff)
{
	struct zdev *z;
	int rc = 0, i, ret;

	for (i = 0; i < ndevs; i++) {
		z = &devs[i];
		if (dev_exists(z) || (swapoff && !dev_swap(z)) ||
		    (swapoff && dev_is_swap(z) && dev_swapoff(z)) ||
		    dev_reset(z)) {
			rc = 1;
			continue;
		}
		ret = hot_remove(z);
		if (ret == -EBUSY) {
			report_busy(z, "remove");
			rc = 1;
		} else if (ret && ret != -ENOENT) {
			dev_fail(z, "failed to remove (control/hot_remove): %s",
				 strerror(-ret));
			rc = 1;
		}
	}
	return rc;
}

/* --- options -------------------------------------------------------------- */

#define COLUMN_NAME_MAX 16 /* strlen("ALGORITHM-PARAMS") */

/*
 * One column in --help: its name right-aligned, its help (lines split at
 * '\n'), and for a statistics column the field it shows, on the last line
 * if it fits in 80 columns.
 */
static void print_column_help(FILE *out, const struct colinfo *col)
{
	const char *h = col->help, *nl;
	char src[64] = "";
	size_t last;

	fprintf(out, " %*s  ", COLUMN_NAME_MAX, col->name);
	while ((nl = strchr(h, '\n'))) {
		fprintf(out, "%.*s\n %*s  ", (int)(nl - h), h, COLUMN_NAME_MAX,
			"");
		h = nl + 1;
	}
	if (col->src != SRC_OTHER)
		snprintf(src, sizeof(src), "(%s %s)",
			 stat_files[col->src].attr, col->field);
	last = COLUMN_NAME_MAX + 3 + strlen(h);
	if (!*src)
		fprintf(out, "%s\n", h);
	else if (last + 1 + strlen(src) <= 80)
		fprintf(out, "%s %s\n", h, src);
	else
		fprintf(out, "%s\n %*s  %s\n", h, COLUMN_NAME_MAX, "", src);
}

static void __attribute__((__noreturn__)) usage(void)
{
	FILE *out = stdout;
	size_t i;

	fputs("\nUsage:\n", out);
	fprintf(out,
		" %1$s [options] [<device>...]\n"
		" %1$s -r [--swapoff] <device>...\n"
		" %1$s [options] -f | <device> -s <size>\n"
		" %1$s --swapon|--swapoff|--mem-limit|--gc-mode|--compact "
		"<device>...\n",
		program_invocation_short_name);

	fputs("\nSet up and control zramfs devices: zramctl for zramfsd.\n"
	      "Without options, show the devices that are set up.\n",
	      out);

	fputs("\nOptions:\n", out);
	fputs(" -a, --algorithm <alg>     compression algorithm to use\n"
	      " -b, --bytes               print sizes in bytes, not in "
	      "human-readable form\n"
	      " -f, --find                add a new device (control/hot_add), "
	      "print its name\n"
	      " -J, --json                use JSON output format\n"
	      " -m, --mountpoint <dir>    where zramfsd serves (default "
	      "$" MOUNTPOINT_ENV ",\n"
	      "                             else " DEFAULT_MOUNTPOINT ")\n"
	      " -n, --noheadings          don't print headings\n"
	      " -o, --output <list>       columns to use for status output;\n"
	      "                             +<list> adds to the default ones\n"
	      "     --output-all          output all columns\n"
	      " -p, --algorithm-params <parameter>...\n"
	      "                           parameters for the compression "
	      "algorithm (level=N)\n"
	      " -r, --reset <device>...   reset the devices and remove them "
	      "(with --swapoff,\n"
	      "                             turn off swap first)\n"
	      "     --raw                 use raw status output format\n"
	      " -s, --size <size>         device size (resets the device "
	      "first)\n"
	      " -t, --streams <number>    number of compression streams\n",
	      out);
	fputs("\n"
	      "     --swapon              turn the device into swap\n"
	      "     --priority <prio>     swap priority, -1 to 32767 "
	      "(with --swapon)\n"
	      "     --discard[=<policy>]  discard policy of swap: pages, once, "
	      "both or none\n"
	      "                             (--discard alone: both; "
	      "\"--discard <policy>\"\n"
	      "                             works too); without --discard the "
	      "daemon's\n"
	      "                             default (both)\n"
	      "     --swapoff             stop using the device as swap\n"
	      "     --mem-limit <size>    limit on the memory holding "
	      "compressed data (0: none)\n"
	      "     --gc-mode <mode>      free discarded pages' memory "
	      "async or sync\n"
	      "     --compact             compact the device's memory\n",
	      out);
	fputs("\n -h, --help                display this help\n"
	      " -V, --version             display version\n",
	      out);

	fputs("\nWith --size, <device> is reset, then its streams, algorithm, "
	      "parameters,\n"
	      "memory limit, GC mode and disksize are written, and swap turned "
	      "on if asked.\n"
	      "With --find it is a new device, removed again if a step fails.  "
	      "Otherwise\n"
	      "--swapoff, --mem-limit, --gc-mode, --compact and --swapon change "
	      "each <device>\n"
	      "in that order; --swapoff with --reset turns swap off, then "
	      "resets.  Every step\n"
	      "is one write to a file under the mountpoint, and every argument "
	      "is checked\n"
	      "before the first.\n",
	      out);

	fputs("\nArguments:\n"
	      " <device> is a device name (zramfs0) or its directory under the "
	      "mountpoint.\n"
	      " <size> arguments may be followed by the suffixes K, M, G, T, "
	      "P, E (powers of\n"
	      "   1024, \"iB\" optional: K = KiB) or KB, MB, GB, TB, PB, EB "
	      "(powers of 1000),\n"
	      "   with a decimal fraction: 1.5G, 512MB; as util-linux reads "
	      "them.\n"
	      " <alg> is one of the algorithms the device's comp_algorithm "
	      "lists.\n",
	      out);

	fputs("\nAvailable output columns:\n", out);
	for (i = 0; i < ARRAY_SIZE(infos); i++)
		print_column_help(out, &infos[i]);
	fputs("\nSizes are in bytes with --bytes, else with a K, M, G or T "
	      "suffix (powers of\n"
	      "1024), and so is MIGRATED, as zramctl prints it; the other "
	      "numbers count\n"
	      "pages or requests.  Statistics columns name the field of "
	      "mm_stat, io_stat\n"
	      "or gc_stat they show.\n",
	      out);
	fputs("\nExit status: 0 on success, 1 if anything failed.\n", out);
	fputs("\nFor more details see zramfsctl(8).\n", out);
	exit(EXIT_SUCCESS);
}

static void __attribute__((__noreturn__)) errtryhelp(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n",
		program_invocation_short_name);
	exit(EXIT_FAILURE);
}

enum {
	OPT_RAW = CHAR_MAX + 1,
	OPT_OUTPUT_ALL,
	OPT_SWAPON,
	OPT_SWAPOFF,
	OPT_PRIORITY,
	OPT_DISCARD,
	OPT_MEM_LIMIT,
	OPT_GC_MODE,
	OPT_COMPACT,
};

static const struct option longopts[] = {
	{ "algorithm", required_argument, NULL, 'a' },
	{ "algorithm-params", required_argument, NULL, 'p' },
	{ "bytes", no_argument, NULL, 'b' },
	{ "compact", no_argument, NULL, OPT_COMPACT },
	{ "discard", optional_argument, NULL, OPT_DISCARD },
	{ "find", no_argument, NULL, 'f' },
	{ "gc-mode", required_argument, NULL, OPT_GC_MODE },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'J' },
	{ "mem-limit", required_argument, NULL, OPT_MEM_LIMIT },
	{ "mountpoint", required_argument, NULL, 'm' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "output-all", no_argument, NULL, OPT_OUTPUT_ALL },
	{ "priority", required_argument, NULL, OPT_PRIORITY },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "reset", no_argument, NULL, 'r' },
	{ "size", required_argument, NULL, 's' },
	{ "streams", required_argument, NULL, 't' },
	{ "swapoff", no_argument, NULL, OPT_SWAPOFF },
	{ "swapon", no_argument, NULL, OPT_SWAPON },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Options that exclude each other: at most one option of each row (as
 * util-linux's ul_excl_t).  The first two rows are zramctl's: -o is for
 * the status table, -r for nothing but resetting (after --swapoff, the
 * teardown), -f for new devices.
 */
static const int excl[][6] = {
	{ 'f', 'o', 'r' },
	{ 'o', 'r', 's' },
	{ 'f', 'o', OPT_SWAPOFF, OPT_COMPACT },
	{ 'r', OPT_COMPACT },
	{ 'o', 'r', OPT_SWAPON },
	{ OPT_SWAPON, OPT_SWAPOFF },
	{ 'o', 'r', OPT_MEM_LIMIT },
	{ 'o', 'r', OPT_GC_MODE },
	{ 's', OPT_SWAPOFF },
	{ 'J', OPT_RAW },
};

/* "--name" of option @c. */
static const char *option_name(int c)
{
	static char buf[2][64];
	static int which;
	const struct option *o;

	for (o = longopts; o->name; o++)
		if (o->val == c) {
			which ^= 1;
			snprintf(buf[which], sizeof(buf[which]), "--%s",
				 o->name);
			return buf[which];
		}
	return "?";
}

static void check_exclusive(int c, int seen[ARRAY_SIZE(excl)])
{
	size_t row, i;

	for (row = 0; row < ARRAY_SIZE(excl); row++)
		for (i = 0; i < ARRAY_SIZE(excl[row]) && excl[row][i]; i++) {
			if (excl[row][i] != c)
				continue;
			if (seen[row] && seen[row] != c)
				errx(EXIT_FAILURE,
				     "options %s and %s are mutually exclusive",
				     option_name(seen[row]), option_name(c));
			seen[row] = c;
		}
}

static int column_name_to_id(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(infos); i++)
		if (!strncasecmp(name, infos[i].name, len) &&
		    !infos[i].name[len])
			return (int)i;
	warnx("unknown column: %.*s", (int)len, name);
	return -1;
}

/* -o LIST: replaces the columns, or with "+LIST" adds to them. */
static void parse_columns(const char *list)
{
	const char *p, *end;
	int id;

	if (*list == '+')
		list++;
	else
		ncolumns = 0;
	for (p = list;; p = end + 1) {
		end = p + strcspn(p, ",");
		id = column_name_to_id(p, (size_t)(end - p));
		if (id < 0)
			exit(EXIT_FAILURE);
		if (ncolumns == ARRAY_SIZE(columns))
			errx(EXIT_FAILURE, "too many columns: %s", list);
		columns[ncolumns++] = id;
		if (!*end)
			break;
	}
}

/* A size as zramctl reads it (util-linux's rules). */
static uint64_t parse_size_or_err(const char *s, const char *what)
{
	uint64_t v;
	int ret = size_parse_ul(s, &v);

	if (ret == -ERANGE)
		errx(EXIT_FAILURE, "%s too large: '%s'", what, s);
	if (ret)
		errx(EXIT_FAILURE, "failed to parse %s: '%s'", what, s);
	return v;
}

/*
 * -p: words KEY=VALUE between blanks, the form of every algorithm_params
 * (none at all clears them), that fit one write.  Which keys and values an
 * algorithm takes is the daemon's to judge.
 */
static void check_params(const char *s)
{
	const char *p, *eq;
	size_t len;
	bool bad = strlen(s) > ATTR_VALUE_MAX;

	for (p = s; *p; p++)
		if ((unsigned char)*p < ' ' && *p != '\t')
			bad = true;
	for (p = s + strspn(s, " \t"); *p && !bad;
	     p += len + strspn(p + len, " \t")) {
		len = strcspn(p, " \t");
		eq = memchr(p, '=', len);
		bad = !eq || eq == p || eq == p + len - 1;
	}
	if (bad)
		errx(EXIT_FAILURE,
		     "failed to parse algorithm parameters: '%s' (KEY=VALUE "
		     "...)",
		     s);
}

static const char *const gc_modes[] = { "async", "sync" };

static void check_gc_mode(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gc_modes); i++)
		if (!strcmp(s, gc_modes[i]))
			return;
	errx(EXIT_FAILURE, "unsupported GC mode: '%s' (async or sync)", s);
}

int main(int argc, char **argv)
{
	struct request rq = { 0 };
	const char *outarg = NULL, *env;
	int seen[ARRAY_SIZE(excl)] = { 0 };
	bool reset = false, output_all = false;
	enum swapopt_discard policy;
	struct zdev *devs;
	uint64_t v;
	int c, nargs, rc = 0, i;

	atexit(close_stdout);
	env = getenv(MOUNTPOINT_ENV);
	if (env && *env)
		mnt = env;

	while ((c = getopt_long(argc, argv, "a:bfhJm:no:p:rs:t:V", longopts,
				NULL)) != -1) {
		check_exclusive(c, seen);
		switch (c) {
		case 'a':
			rq.algorithm = optarg;
			break;
		case 'b':
			inbytes = true;
			break;
		case 'f':
			rq.find = true;
			break;
		case 'J':
			json = true;
			break;
		case 'm':
			mnt = optarg;
			break;
		case 'n':
			no_headings = true;
			break;
		case 'o':
			outarg = optarg;
			break;
		case OPT_OUTPUT_ALL:
			output_all = true;
			break;
		case 'p':
			check_params(optarg);
			rq.params = optarg;
			break;
		case 'r':
			reset = true;
			break;
		case OPT_RAW:
			raw = true;
			break;
		case 's':
			rq.size_arg = optarg;
			rq.size = parse_size_or_err(optarg, "size");
			if (!rq.size)
				errx(EXIT_FAILURE,
				     "invalid size: '%s' (0 bytes)", optarg);
			break;
		case 't':
			if (size_parse_u64(optarg, INT_MAX, &v) || !v)
				errx(EXIT_FAILURE,
				     "failed to parse streams: '%s'", optarg);
			rq.streams = v;
			break;
		case OPT_SWAPON:
			rq.swapon = true;
			break;
		case OPT_SWAPOFF:
			rq.swapoff = true;
			break;
		case OPT_PRIORITY:
			if (swapopt_priority_parse(optarg, &rq.priority))
				errx(EXIT_FAILURE,
				     "failed to parse priority: '%s' (-1 to "
				     "32767)",
				     optarg);
			rq.has_priority = true;
			break;
		case OPT_DISCARD:
			/* "--discard once" as well as "--discard=once": a
			 * policy's name is never a device's. */
			if (!optarg && optind < argc &&
			    !swapopt_discard_parse(argv[optind], &policy))
				optarg = argv[optind++];
			rq.discard = optarg ? optarg : "both";
			if (swapopt_discard_parse(rq.discard, &policy))
				errx(EXIT_FAILURE,
				     "unsupported discard policy: '%s' "
				     "(" SWAPOPT_DISCARD_NAMES ")",
				     rq.discard);
			break;
		case OPT_MEM_LIMIT:
			rq.mem_limit_arg = optarg;
			rq.mem_limit =
				parse_size_or_err(optarg, "memory limit");
			break;
		case OPT_GC_MODE:
			check_gc_mode(optarg);
			rq.gc_mode = optarg;
			break;
		case OPT_COMPACT:
			rq.compact = true;
			break;
		case 'V':
			printf("%s from %s %s\n",
			       program_invocation_short_name, PACKAGE_NAME,
			       PACKAGE_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage();
		default:
			errtryhelp();
		}
	}
	nargs = argc - optind;
	argv += optind;

	if (rq.find && nargs)
		errx(EXIT_FAILURE,
		     "option --find is mutually exclusive with <device>");
	if ((rq.algorithm || rq.params || rq.streams) && !rq.size_arg)
		errx(EXIT_FAILURE,
		     "options --algorithm, --algorithm-params and --streams "
		     "must be combined with --size");
	if ((rq.has_priority || rq.discard) && !rq.swapon)
		errx(EXIT_FAILURE, "options --priority and --discard must be "
				   "combined with --swapon");
	if (rq.find && rq.swapon && !rq.size_arg)
		errx(EXIT_FAILURE, "option --swapon with --find must be "
				   "combined with --size");
	if ((reset || rq.size_arg || rq.swapon || rq.swapoff ||
	     rq.mem_limit_arg || rq.gc_mode || rq.compact) &&
	    !rq.find && !nargs)
		errx(EXIT_FAILURE, "no device specified");
	if (rq.size_arg && nargs > 1)
		errx(EXIT_FAILURE, "only one <device> at a time is allowed "
				   "with --size");

	/* Strip trailing slashes, so that paths under it compare. */
	if (*mnt) {
		char *m = strdup(mnt);
		size_t len;

		if (!m)
			err(EXIT_FAILURE, "cannot allocate memory");
		len = strlen(m);
		while (len > 1 && m[len - 1] == '/')
			m[--len] = '\0';
		mnt = m;
	} else {
		errx(EXIT_FAILURE, "empty mountpoint");
	}

	if (output_all)
		for (ncolumns = 0; ncolumns < ARRAY_SIZE(infos); ncolumns++)
			columns[ncolumns] = (int)ncolumns;
	else
		for (ncolumns = 0; ncolumns < ARRAY_SIZE(default_columns);
		     ncolumns++)
			columns[ncolumns] = default_columns[ncolumns];
	if (outarg)
		parse_columns(outarg);

	check_daemon();
	devs = dev_parse_all(argv, nargs);

	/* Nothing has been written before this line. */
	if (reset) {
		rc = reset_all(devs, nargs, rq.swapoff);
	} else if (rq.find) {
		rc = find(&rq);
	} else if (rq.size_arg) {
		rc = dev_exists(&devs[0]) || setup_existing(&devs[0], &rq);
	} else if (rq.swapon || rq.swapoff || rq.mem_limit_arg ||
		   rq.gc_mode || rq.compact) {
		for (i = 0; i < nargs; i++)
			if (dev_exists(&devs[i]) || modify(&devs[i], &rq))
				rc = 1;
	} else {
		rc = status(devs, nargs);
	}
	free(devs);
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
