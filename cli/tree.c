// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tree: the tree under the mountpoint as zramfsctl sees it.  A device's
 * attributes are read as cat reads them, each at most once per run (the
 * statistics lines are parsed by field name with lib/zstat), and written as
 * echo writes them, one write(2) per store; device names are read from the
 * command line and from the mountpoint's directory; and a failure about a
 * device is reported once, as "zramfsctl: NAME: MESSAGE", or kept while an
 * action decides what became of the device (dev_fail(), dev_flush()).
 */
#include "config.h"

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "size.h"
#include "zramfsctl.h"
#include "zstat.h"

/* Set by main() (zramfsctl.h). */
const char *mnt = ZTREE_MOUNTPOINT;

/* The statistics lines, indexed by enum col_src. */
static const struct {
	const char *attr;
	const struct zstat_field *fields;
	const size_t *nfields;
} stat_files[] = {
	[SRC_MM] = { "mm_stat", zstat_mm_fields, &zstat_mm_nfields },
	[SRC_IO] = { "io_stat", zstat_io_fields, &zstat_io_nfields },
	[SRC_GC] = { "gc_stat", zstat_gc_fields, &zstat_gc_nfields },
	[SRC_LAT] = { "latency_stat", NULL, NULL }, /* dev_latency() */
};

/* @return the attribute that holds statistics line @src ("mm_stat"). */
const char *dev_stat_attr(enum col_src src)
{
	return stat_files[src].attr;
}

/* "zramfsctl: NAME: MESSAGE" */
__attribute__((format(printf, 2, 3))) void
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

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		err(EXIT_FAILURE, "cannot allocate memory");
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		err(EXIT_FAILURE, "cannot allocate memory");
	return p;
}

__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt,
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

/*
 * "zramfsctl: NAME: MESSAGE" about @z.  While @z->defer is set (--find or
 * --size at work on @z) the first message is kept instead, for dev_flush()
 * to print once it is known what became of the device.
 */
__attribute__((format(printf, 2, 3))) void
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
void dev_flush(struct zdev *z, const char *outcome)
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

void dev_init(struct zdev *z, int id)
{
	memset(z, 0, sizeof(*z));
	z->id = id;
	snprintf(z->name, sizeof(z->name), ZTREE_DEV_PREFIX "%d", id);
	snprintf(z->dir, sizeof(z->dir), "%s/%s", mnt, z->name);
}

/*
 * Reads attribute @attr in @dir as cat would, without the trailing
 * newline.  @return 0, or -errno (-EOVERFLOW if it does not fit @size).
 */
int attr_read(const char *dir, const char *attr, char *buf,
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
int attr_write(const char *dir, const char *attr, const char *value)
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
void dev_read_failed(struct zdev *z, const char *attr, int err)
{
	if (!z->failed)
		dev_fail(z, "cannot read %s: %s", attr, strerror(-err));
	z->failed = true;
}

/* Reports that @attr of @z read @value, which does not parse. */
void dev_bad_value(struct zdev *z, const char *attr, const char *value)
{
	if (!z->failed)
		dev_fail(z, "cannot parse %s: '%s'", attr, value);
	z->failed = true;
}

/* Reads an attribute of @z; a failure is reported once per device. */
int dev_read(struct zdev *z, const char *attr, char *buf, size_t size)
{
	int ret = attr_read(z->dir, attr, buf, size);

	if (ret)
		dev_read_failed(z, attr, ret);
	return ret;
}

/* Reads a number attribute of @z. */
int dev_read_u64(struct zdev *z, const char *attr, uint64_t *v)
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
	char buf[ZTREE_ATTR_MAX];
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
int dev_stat_field(struct zdev *z, enum col_src src, const char *name,
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

/* @return the histogram of @kind in latency_stat of @z, read once, or
 * NULL (reported). */
const struct zlat_hist *dev_latency(struct zdev *z, enum zlat_kind kind)
{
	char buf[ZTREE_ATTR_MAX];

	if (!(z->have & (1u << SRC_LAT))) {
		if (dev_read(z, "latency_stat", buf, sizeof(buf)))
			return NULL;
		if (zlat_parse(buf, z->lat)) {
			dev_bad_value(z, "latency_stat", buf);
			return NULL;
		}
		z->have |= 1u << SRC_LAT;
	}
	return &z->lat[kind];
}

/* The swap attribute of @z, read once: "none" or "LOOP priority=P ...". */
const char *dev_swap(struct zdev *z)
{
	if (!z->swap_read) {
		if (dev_read(z, "swap", z->swap, sizeof(z->swap)))
			return NULL;
		z->swap_read = true;
	}
	return z->swap;
}

/* @return true if @z is active swap (its swap attribute names a loop). */
bool dev_is_swap(struct zdev *z)
{
	const char *s = dev_swap(z);

	return s && strcmp(s, "none") != 0;
}

/*
 * The value of "KEY=VALUE" in the swap attribute of @z, or (for a NULL
 * @key) its first word, the loop device.  @return a new string or NULL.
 */
char *dev_swap_word(struct zdev *z, const char *key)
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
void mnt_check_daemon(void)
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
	id = ztree_dev_parse(base);
	if (id == -ERANGE) {
		dev_warnx(arg, "no such device (devices are numbered 0 to %d)",
			  ZTREE_DEV_MAX - 1);
		return -1;
	}
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
struct zdev *dev_parse_all(char **args, int nargs)
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
int dev_exists(struct zdev *z)
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
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The numbers of the devices under the mountpoint, sorted. */
int *mnt_list_devices(size_t *n)
{
	struct dirent *de;
	size_t used = 0, room = 0;
	int *ids = NULL, id;
	DIR *dir;

	dir = opendir(mnt);
	if (!dir)
		err(EXIT_FAILURE, "cannot open %s", mnt);
	while ((errno = 0, de = readdir(dir))) {
		id = ztree_dev_parse(de->d_name);
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
