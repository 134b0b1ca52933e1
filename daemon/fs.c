// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fs: the FUSE low-level operations, a thin layer over dev.c.
 *
 * The tree is fixed in shape, so inode numbers are computed, not stored:
 *
 *   1                     /
 *   2                     /control
 *   3, 4                  /control/hot_add, /control/hot_remove
 *   5                     /control/daemon_stat
 *   DEV_INO(n)            /zramfsN
 *   DEV_INO(n) + 1        /zramfsN/data
 *   DEV_INO(n) + 2 + i    /zramfsN/<dev_attrs[i].name>
 *
 * Attribute files behave as sysfs: the first read of an open file renders
 * the whole value into a buffer that later reads of the same open file
 * slice (so reading control/hot_add creates one device per open, not per
 * read() call); reads of one open file from several threads at once wait
 * for that one rendering, as sysfs's per-open mutex makes them.  The buffer
 * is allocated at that read, as large as the value, and freed at release.
 * Each write at offset 0 is one store.  Everything is opened with
 * direct_io: no page cache holds attribute values or swap pages.
 *
 * Open files are entries of the state region's handle table (state.h):
 * fi->fh = index | generation << 32, which the kernel keeps across a
 * restart of the server.  An entry holds what the file is (inode, O_DIRECT,
 * the device a hot_add read made); the rest of a handle (its device
 * reference, its rendering) is private, in handles[], and a new server
 * makes it again at the first request on the fh.  A stale or unknown fh
 * answers EBADF.
 *
 * Every handler answers its request exactly once; errors travel as positive
 * errno to one fuse_reply_err().  Handlers run without capabilities: the
 * thread that calls fs_loop() has dropped them, and its workers inherit none.
 * The workers are fspool.c's; each calls fs_thread_prepare() before it
 * serves.
 */
#include "config.h"

#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fuse_lowlevel.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "array_size.h"
#include "conn.h"
#include "ctl.h"
#include "dev.h"
#include "fault.h"
#include "fs.h"
#include "log.h"
#include "state.h"
#include "zlat.h"
#include "zstore.h"
#include "ztree.h"

#define INO_ROOT 1
#define INO_CONTROL 2
#define INO_HOT_ADD 3
#define INO_HOT_REMOVE 4
#define INO_DAEMON_STAT 5
#define INO_POLL_US 6
#define INO_DEV_BASE 256
#define INO_PER_DEV 64
#define DEV_INO(n) (INO_DEV_BASE + (fuse_ino_t)(n) * INO_PER_DEV)
#define FILE_CONTROL (-1) /* a file of ctl_files[] */
#define FILE_DIR 0
#define FILE_DATA 1
#define FILE_ATTR0 2

_Static_assert(FILE_ATTR0 + DEV_NATTRS <= INO_PER_DEV,
	       "every attribute has an inode in its device's range");

/* Requests of up to this size reach us (max_write, max_pages). */
#define FS_MAX_IO (1u << 20)

/* What an inode number names. */
struct node {
	fuse_ino_t ino;
	int dev;   /* -1 outside a device */
	int file;  /* FILE_DIR, FILE_DATA, FILE_ATTR0 + i */
};

/* The private half of an open file.  Holding the device reference for the
 * whole open keeps the registry's lock off the I/O path. */
struct handle {
	uint64_t fh;
	struct dev *d; /* NULL for control files, and for a device gone */
	int file;
	fuse_ino_t ino;
	bool whole; /* data opened with O_DIRECT: see dev_data_write() */
	bool gone;  /* the device was removed before this server started */
	/* attribute and control files only: */
	pthread_mutex_t lock; /* serialises reads; taken once rendered too */
	bool rendered;        /* protected by lock, and so are: */
	size_t len;
	char *buf;            /* the rendered value, len bytes */
};

/* When the daemon started: the times of the directories and control files. */
static struct timespec fs_started;

static __thread unsigned char *io_buf;
/* The unique of the request this worker serves (fs_note_request()). */
static __thread uint64_t req_unique;
static pthread_key_t io_buf_key;

static void free_io_buf(void *p)
{
	free(p);
}

/* Indexed by the fh's index: the private half of each open file this
 * server has seen a request on. */
static _Atomic(struct handle *) handles[STATE_HANDLES];

static void free_handle(struct handle *h)
{
	if (h->file == FILE_DATA && h->d)
		dev_data_release(h->d);
	if (h->d)
		dev_put(h->d);
	pthread_mutex_destroy(&h->lock);
	free(h->buf);
	free(h);
}

static const struct dev_attr *node_attr(const struct node *n)
{
	return &dev_attrs[n->file - FILE_ATTR0];
}

/* @return 0 and the node for @ino, or ENOENT. */
/* --- /control ------------------------------------------------------------ */

/* hot_add: a read makes a device and shows its number.  A read continued
 * by a new server renders the device the old one made for this open. */
static int show_hot_add(uint64_t fh, char *buf, size_t size)
{
	struct state_fh f;
	int ret;

	ret = state_handle_get(fh, &f);
	if (!ret && f.hot_add_id >= 0)
		ret = f.hot_add_id;
	else if (!ret)
		ret = dev_hot_add(fh);
	if (ret >= 0)
		state_handle_set_hot_add(fh, ret);
	if (ret >= 0)
		ret = snprintf(buf, size, "%d\n", ret);
	return ret;
}

/* hot_remove: a write of a device number removes it.  @return 0 or
 * -errno. */
static int store_hot_remove(const char *value)
{
	char *end;
	long v;

	if (value[0] < '0' || value[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || *end || v >= DEV_MAX)
		return -EINVAL;
	return dev_hot_remove((int)v);
}

static int show_daemon_stat(uint64_t fh, char *buf, size_t size)
{
	(void)fh;
	return conn_stat_show(buf, size);
}

static int show_poll_us(uint64_t fh, char *buf, size_t size)
{
	(void)fh;
	return snprintf(buf, size, "%u\n", conn_poll_us());
}

static int store_poll_us(const char *value)
{
	char *end;
	unsigned long v;

	if (value[0] < '0' || value[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || v > CONN_POLL_US_MAX)
		return -EINVAL;
	conn_set_poll_us((unsigned)v);
	return 0;
}

/*
 * The files of /control, in readdir's order.  A read renders show() once
 * per open (@fh, the open's handle), a write at offset 0 is one store():
 * each returns a length or 0, or -errno.  The mode follows from which of
 * the two a file has, as sysfs's.
 */
struct ctl_file {
	const char *name;
	fuse_ino_t ino;
	int (*show)(uint64_t fh, char *buf, size_t size);
	int (*store)(const char *value);
};

static const struct ctl_file ctl_files[] = {
	{ "hot_add", INO_HOT_ADD, show_hot_add, NULL },
	{ "hot_remove", INO_HOT_REMOVE, NULL, store_hot_remove },
	{ "daemon_stat", INO_DAEMON_STAT, show_daemon_stat, NULL },
	{ "poll_us", INO_POLL_US, show_poll_us, store_poll_us },
};

/* @return the control file of inode @ino, or NULL. */
static const struct ctl_file *ctl_file_of(fuse_ino_t ino)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ctl_files); i++)
		if (ctl_files[i].ino == ino)
			return &ctl_files[i];
	return NULL;
}

static int decode(fuse_ino_t ino, struct node *n)
{
	n->ino = ino;
	n->dev = -1;
	n->file = FILE_DIR;
	if (ino == INO_ROOT || ino == INO_CONTROL)
		return 0;
	if (ctl_file_of(ino)) {
		n->file = FILE_CONTROL;
		return 0;
	}
	if (ino < INO_DEV_BASE ||
	    (ino - INO_DEV_BASE) / INO_PER_DEV >= DEV_MAX)
		return ENOENT;
	n->dev = (int)((ino - INO_DEV_BASE) / INO_PER_DEV);
	n->file = (int)((ino - INO_DEV_BASE) % INO_PER_DEV);
	if (n->file >= FILE_ATTR0 + DEV_NATTRS)
		return ENOENT;
	return 0;
}

/*
 * Times: the daemon's start for what is not a device's; a device's creation
 * (hot_add) for its directory and attributes; for its data file the last
 * write, disksize or reset (mtime and ctime) and the last read (atime).
 * The data file's blocks are its pages that hold compressed data, so du(1)
 * shows it as a sparse file whose holes are the pages never written, the
 * discarded ones and the zero-filled (or same-filled) ones, which take no
 * memory either; du --apparent-size shows disksize.
 */
static void fill_stat(const struct node *n, struct dev *d, struct stat *st)
{
	struct dev_stat ds = { .created = fs_started };

	memset(st, 0, sizeof(*st));
	if (d)
		dev_stat(d, &ds);
	st->st_ino = n->ino;
	st->st_uid = 0;
	st->st_gid = 0;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = ds.created;
	if (n->ino == INO_ROOT || n->ino == INO_CONTROL ||
	    (n->dev >= 0 && n->file == FILE_DIR)) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return;
	}
	st->st_nlink = 1;
	if (n->file == FILE_CONTROL) {
		const struct ctl_file *c = ctl_file_of(n->ino);

		st->st_mode = S_IFREG | (c->show ? 0444 : 0) |
			      (c->store ? 0200 : 0);
		st->st_size = 4096;
	} else if (n->file == FILE_DATA) {
		st->st_mode = S_IFREG | 0600;
		st->st_size = (off_t)ds.size;
		st->st_blocks = (blkcnt_t)(ds.allocated / 512);
		st->st_mtim = st->st_ctim = ds.modified;
		st->st_atim = ds.accessed;
	} else {
		const struct dev_attr *a = node_attr(n);

		st->st_mode = S_IFREG | (a->show ? 0444 : 0) |
			      (a->store ? 0200 : 0);
		st->st_size = 4096; /* as sysfs */
	}
}

/*
 * Resolves @ino and takes a reference on its device, if any.
 * @return 0, or ENOENT if it names nothing (any more).
 */
static int lookup_node(fuse_ino_t ino, struct node *n, struct dev **d)
{
	int ret = decode(ino, n);

	*d = NULL;
	if (ret || n->dev < 0)
		return ret;
	*d = dev_get(n->dev);
	return *d ? 0 : ENOENT;
}

static void put(struct dev *d)
{
	if (d)
		dev_put(d);
}

static struct handle *new_handle(uint64_t fh, const struct node *n,
				 struct dev *d, bool whole)
{
	struct handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fh = fh;
	h->d = d;
	h->file = n->file;
	h->ino = n->ino;
	h->whole = whole;
	h->gone = n->dev >= 0 && !d;
	pthread_mutex_init(&h->lock, NULL);
	return h;
}

/*
 * @return the handle of @fh, made from its entry if an earlier server
 * opened it (its data file was counted open by dev_restore_all()), or NULL
 * and EBADF (unknown or stale) or ENOMEM in *@err.
 */
static struct handle *get_handle(uint64_t fh, int *err)
{
	uint32_t idx = (uint32_t)fh;
	struct handle *h, *none = NULL;
	struct state_fh f;
	struct node n;

	*err = EBADF;
	if (state_handle_get(fh, &f) || decode(f.ino, &n))
		return NULL;
	h = atomic_load(&handles[idx]);
	if (h)
		return h->fh == fh ? h : NULL;
	h = new_handle(fh, &n, n.dev >= 0 ? dev_get(n.dev) : NULL,
		       f.flags & STATE_FH_DIRECT);
	if (!h) {
		*err = ENOMEM;
		return NULL;
	}
	if (atomic_compare_exchange_strong(&handles[idx], &none, h))
		return h;
	/* Another worker made it first. */
	if (h->d)
		dev_put(h->d);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return none->fh == fh ? none : NULL;
}

/*
 * Ends open file @fh: its entry (the commit point: a new server no longer
 * counts it), then its private half.  A release replayed after the dead
 * server's took effect finds the entry free, or taken by a later open with
 * another generation: nothing to do either way.
 */
static void release_fh(uint64_t fh)
{
	struct handle *h;
	int err;

	h = get_handle(fh, &err);
	if (!h) {
		if (err != EBADF)
			log_err("cannot release open file %#llx: %s",
				(unsigned long long)fh, strerror(err));
		return;
	}
	atomic_store(&handles[(uint32_t)fh], NULL);
	state_handle_free(fh);
	FAULT_POINT("release.after_free");
	free_handle(h);
}

static void reply_entry(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse_entry_param e = { 0 };
	struct node n;
	struct dev *d;
	int ret = lookup_node(ino, &n, &d);

	if (ret) {
		fuse_reply_err(req, ret);
		return;
	}
	e.ino = ino;
	/* Devices come and go with hot_add/hot_remove and sizes change with
	 * disksize: the kernel caches nothing. */
	e.attr_timeout = 0;
	e.entry_timeout = 0;
	fill_stat(&n, d, &e.attr);
	put(d);
	fuse_reply_entry(req, &e);
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node p;
	unsigned i;
	int id;

	if (decode(parent, &p)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (parent == INO_ROOT) {
		if (!strcmp(name, "control")) {
			reply_entry(req, INO_CONTROL);
			return;
		}
		id = ztree_dev_parse(name);
		if (id >= 0) {
			reply_entry(req, DEV_INO(id));
			return;
		}
	} else if (parent == INO_CONTROL) {
		for (i = 0; i < ARRAY_SIZE(ctl_files); i++) {
			if (!strcmp(name, ctl_files[i].name)) {
				reply_entry(req, ctl_files[i].ino);
				return;
			}
		}
	} else if (p.dev >= 0 && p.file == FILE_DIR) {
		if (!strcmp(name, "data")) {
			reply_entry(req, DEV_INO(p.dev) + FILE_DATA);
			return;
		}
		for (i = 0; i < DEV_NATTRS; i++) {
			if (!strcmp(name, dev_attrs[i].name)) {
				reply_entry(req, DEV_INO(p.dev) + FILE_ATTR0 + i);
				return;
			}
		}
	}
	fuse_reply_err(req, ENOENT);
}

static void fs_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;
	struct node n;
	struct dev *d;
	int ret;

	ret = lookup_node(ino, &n, &d);
	if (ret) {
		fuse_reply_err(req, ret);
		return;
	}
	fill_stat(&n, d, &st);
	put(d);
	fuse_reply_attr(req, &st, 0);
}

/*
 * The size of a fixed-size file cannot change, but O_TRUNC on an attribute
 * (echo value > attr) and truncation of data (dd without conv=notrunc) are
 * accepted and ignored, as on a block device.  Times are ignored; owner and
 * mode cannot change.
 */
static void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
		      FUSE_SET_ATTR_GID)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	fs_getattr(req, ino, fi);
}

struct dirbuf {
	char *p;
	size_t size, cap;
};

static int dirbuf_add(fuse_req_t req, struct dirbuf *b, const char *name,
		      fuse_ino_t ino, mode_t mode)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);

	if (b->size + need > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *p;

		while (cap < b->size + need)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	fuse_add_direntry(req, b->p + b->size, need, name, &st,
			  (off_t)(b->size + need));
	b->size += need;
	return 0;
}

static void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct dirbuf b = { 0 };
	struct node n;
	char name[32];
	int ret, id;
	unsigned i;

	ret = decode(ino, &n);
	if (!ret && n.file != FILE_DIR)
		ret = ENOTDIR;
	if (!ret && n.dev >= 0 && !(id = dev_next(n.dev - 1), id == n.dev))
		ret = ENOENT;
	if (ret)
		goto out;
	ret = dirbuf_add(req, &b, ".", ino, S_IFDIR);
	if (!ret)
		ret = dirbuf_add(req, &b, "..", INO_ROOT, S_IFDIR);
	if (ino == INO_ROOT) {
		if (!ret)
			ret = dirbuf_add(req, &b, "control", INO_CONTROL,
					 S_IFDIR);
		for (id = dev_next(-1); !ret && id >= 0; id = dev_next(id)) {
			snprintf(name, sizeof(name), ZTREE_DEV_PREFIX "%d", id);
			ret = dirbuf_add(req, &b, name, DEV_INO(id), S_IFDIR);
		}
	} else if (ino == INO_CONTROL) {
		for (i = 0; !ret && i < ARRAY_SIZE(ctl_files); i++)
			ret = dirbuf_add(req, &b, ctl_files[i].name,
					 ctl_files[i].ino, S_IFREG);
	} else {
		if (!ret)
			ret = dirbuf_add(req, &b, "data",
					 DEV_INO(n.dev) + FILE_DATA, S_IFREG);
		for (i = 0; !ret && i < DEV_NATTRS; i++)
			ret = dirbuf_add(req, &b, dev_attrs[i].name,
					 DEV_INO(n.dev) + FILE_ATTR0 + i,
					 S_IFREG);
	}
out:
	if (ret)
		fuse_reply_err(req, ret);
	else if ((size_t)off >= b.size)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, b.p + off,
			       b.size - (size_t)off < size ? b.size - (size_t)off
							   : size);
	free(b.p);
}

void fs_note_request(const struct fuse_buf *buf)
{
	const struct fuse_in_header *in = buf->mem;

	req_unique = !(buf->flags & FUSE_BUF_IS_FD) && buf->size >= sizeof(*in)
			     ? in->unique
			     : 0;
	dev_set_request(req_unique);
}

/*
 * An OPEN that FUSE_NOTIFY_RESEND replays after its first run made the
 * handle: @return that handle (counted already), or 0.
 */
static uint64_t reopened(fuse_ino_t ino)
{
	struct state_fh f;
	uint64_t fh;

	if (!(req_unique & DEV_REQ_RESEND))
		return 0;
	fh = state_handle_find(req_unique & ~DEV_REQ_RESEND);
	return fh && !state_handle_get(fh, &f) && f.ino == ino ? fh : 0;
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	bool rd = (fi->flags & O_ACCMODE) != O_WRONLY;
	bool wr = (fi->flags & O_ACCMODE) != O_RDONLY;
	struct state_fh f = { .open_unique = req_unique & ~DEV_REQ_RESEND,
			      .ino = ino, .dev = -1 };
	struct handle *h = NULL;
	struct node n;
	struct dev *d;
	uint64_t fh;
	int ret;

	ret = lookup_node(ino, &n, &d);
	if (ret)
		goto err;
	if (n.file == FILE_DIR) {
		ret = EISDIR;
		goto err;
	}
	fh = reopened(ino);
	if (fh) {
		put(d);
		goto reply;
	}
	if (n.file != FILE_DATA) {
		/* As sysfs: no reading a write-only attribute, no writing a
		 * read-only one, even for root. */
		const struct ctl_file *c = ctl_file_of(ino);
		bool can_rd = c ? c->show != NULL
				: n.dev >= 0 && node_attr(&n)->show;
		bool can_wr = c ? c->store != NULL
				: n.dev >= 0 && node_attr(&n)->store;

		if ((rd && !can_rd) || (wr && !can_wr)) {
			ret = EACCES;
			goto err;
		}
	}
	f.dev = n.dev;
	f.flags = (n.file == FILE_DATA ? STATE_FH_DATA : 0) |
		  (fi->flags & O_DIRECT ? STATE_FH_DIRECT : 0);
	if (n.file == FILE_DATA) {
		/* ENODEV once the daemon is stopping (dev_close_data()). */
		ret = -dev_data_open(d);
		if (ret)
			goto err;
	}
	/* the reference (and the data open) are the handle's until
	 * release */
	h = new_handle(0, &n, d, fi->flags & O_DIRECT);
	if (!h) {
		ret = ENOMEM;
		goto err_data;
	}
	ret = -state_handle_new(&f, &fh);
	if (ret) {
		free_handle(h); /* with its data open and reference */
		fuse_reply_err(req, ret);
		return;
	}
	h->fh = fh;
	atomic_store(&handles[(uint32_t)fh], h);
reply:
	fi->fh = fh;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	FAULT_POINT("open.before_reply");
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* The opener was interrupted: no release will follow. */
		release_fh(fh);
	}
	return;
err_data:
	if (n.file == FILE_DATA)
		dev_data_release(d);
err:
	put(d);
	fuse_reply_err(req, ret);
}

/* Renders an attribute or control file into its handle, once.
 * Caller holds h->lock.  @return 0 or a positive errno. */
static int render(struct handle *h)
{
	char value[DEV_ATTR_MAX];
	int ret;

	if (h->rendered)
		return 0;
	if (h->gone)
		return ENODEV;
	if (h->file == FILE_CONTROL) {
		ret = ctl_file_of(h->ino)->show(h->fh, value, sizeof(value));
	} else {
		ret = dev_attr_show(h->d, &dev_attrs[h->file - FILE_ATTR0],
				    value, sizeof(value));
	}
	if (ret < 0)
		return -ret;
	h->len = (size_t)ret < sizeof(value) ? (size_t)ret : sizeof(value) - 1;
	h->buf = malloc(h->len ? h->len : 1);
	if (!h->buf)
		return ENOMEM; /* a device hot_add made stays, as in sysfs */
	memcpy(h->buf, value, h->len);
	h->rendered = true;
	return 0;
}

/* @return CLOCK_MONOTONIC in nanoseconds. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Counts a request on a data file, answered now, that its handler began
 * at @t0, into @lat (dev_latency(), taken before the reply: after it the
 * handle may be gone).  latency_stat so covers the handler and the reply's
 * writev() to /dev/fuse, not the time the request waited in the kernel
 * for a worker.
 */
static void count_latency(struct zlat *lat, enum zlat_kind kind, uint64_t t0)
{
	zlat_record(lat, kind, now_ns() - t0);
}

static unsigned char *thread_io_buf(void)
{
	if (!io_buf) {
		if (posix_memalign((void **)&io_buf, 4096, FS_MAX_IO))
			return io_buf = NULL;
		pthread_setspecific(io_buf_key, io_buf);
	}
	return io_buf;
}

static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	uint64_t t0 = now_ns();
	char out[DEV_ATTR_MAX];
	struct handle *h;
	struct zlat *lat;
	size_t n = 0;
	ssize_t got;
	int ret;

	h = get_handle(fi->fh, &ret);
	if (!h || (h->gone && h->file == FILE_DATA)) {
		fuse_reply_err(req, h ? ENODEV : ret);
		return;
	}
	if (h->file == FILE_DATA) {
		lat = dev_latency(h->d);
		if (size > FS_MAX_IO)
			size = FS_MAX_IO;
		if (!thread_io_buf())
			got = -ENOMEM;
		else
			got = dev_data_read(h->d, io_buf, size, (uint64_t)off);
		if (got < 0)
			fuse_reply_err(req, (int)-got);
		else
			fuse_reply_buf(req, (const char *)io_buf, (size_t)got);
		count_latency(lat, ZLAT_READ, t0);
		return;
	}
	/*
	 * Replied from a copy made under the lock: the moment the kernel has
	 * taken the reply, the opener may close the file and another worker
	 * free @h, while this one is still returning from writev().
	 */
	pthread_mutex_lock(&h->lock);
	ret = render(h);
	if (!ret && (size_t)off < h->len) {
		n = h->len - (size_t)off < size ? h->len - (size_t)off : size;
		memcpy(out, h->buf + off, n);
	}
	pthread_mutex_unlock(&h->lock);
	if (ret)
		fuse_reply_err(req, ret);
	else
		fuse_reply_buf(req, n ? out : NULL, n);
}

/* A slow store (struct dev_attr): it may block on this very mount, so it
 * runs on the control thread, dev.c's slow thread, which answers the
 * request; the worker goes back to serving. */
struct slow_store {
	fuse_req_t req;
	uint64_t unique; /* the request's (dev_set_request()) */
	struct dev *d; /* a reference of its own */
	const struct dev_attr *attr;
	size_t size;
	char value[];
};

static int slow_store_job(void *arg)
{
	struct slow_store *s = arg;
	int ret;

	dev_set_request(s->unique);
	ret = dev_attr_store(s->d, s->attr, s->value);
	dev_set_request(0);
	if (ret)
		fuse_reply_err(s->req, -ret);
	else
		fuse_reply_write(s->req, s->size);
	dev_put(s->d);
	free(s);
	return 0;
}

/* @return 0 once the control thread owns @req, or a positive errno. */
static int post_slow_store(fuse_req_t req, struct handle *h, const char *value,
			   size_t size)
{
	size_t len = strlen(value);
	struct slow_store *s = malloc(sizeof(*s) + len + 1);
	int ret;

	if (!s)
		return ENOMEM;
	s->req = req;
	s->unique = req_unique;
	s->d = h->d;
	dev_hold(s->d);
	s->attr = &dev_attrs[h->file - FILE_ATTR0];
	s->size = size;
	memcpy(s->value, value, len + 1);
	ret = ctl_post(slow_store_job, s);
	if (ret) {
		dev_put(s->d);
		free(s);
		return -ret;
	}
	return 0;
}

static void fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	uint64_t t0 = now_ns();
	const struct dev_attr *attr;
	char value[DEV_ATTR_MAX];
	struct handle *h;
	struct zlat *lat;
	ssize_t done;
	int ret;

	h = get_handle(fi->fh, &ret);
	if (!h || h->gone) {
		fuse_reply_err(req, h ? ENODEV : ret);
		return;
	}
	if (h->file == FILE_DATA) {
		lat = dev_latency(h->d);
		done = dev_data_write(h->d, buf, size, (uint64_t)off, h->whole);
		if (done < 0)
			fuse_reply_err(req, (int)-done);
		else
			fuse_reply_write(req, (size_t)done);
		count_latency(lat, ZLAT_WRITE, t0);
		return;
	}
	/* Attributes: one write at offset 0 is one store, as sysfs. */
	ret = off ? EINVAL : -dev_attr_value(buf, size, value, sizeof(value));
	if (ret)
		goto out;
	if (h->file == FILE_CONTROL) {
		ret = -ctl_file_of(h->ino)->store(value);
		goto out;
	}
	attr = &dev_attrs[h->file - FILE_ATTR0];
	if (attr->slow) {
		ret = post_slow_store(req, h, value, size);
		if (!ret)
			return; /* answered by the control thread */
		goto out;
	}
	ret = -dev_attr_store(h->d, attr, value);
out:
	if (ret)
		fuse_reply_err(req, ret);
	else
		fuse_reply_write(req, size);
}

static void fs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			 off_t offset, off_t length, struct fuse_file_info *fi)
{
	uint64_t t0 = now_ns();
	struct zlat *lat = NULL;
	struct handle *h;
	int ret;

	h = get_handle(fi->fh, &ret);
	if (!h)
		; /* ret says why */
	else if (h->file != FILE_DATA)
		ret = EOPNOTSUPP;
	else if (h->gone)
		ret = ENODEV;
	else if (offset < 0 || length <= 0)
		ret = EINVAL;
	else
		lat = dev_latency(h->d);
	if (lat)
		ret = -dev_data_fallocate(h->d, mode, (uint64_t)offset,
					  (uint64_t)length);
	fuse_reply_err(req, ret);
	if (lat)
		count_latency(lat, ZLAT_DISCARD, t0);
}

static void fs_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	release_fh(fi->fh); /* a replayed one may find nothing: 0 */
	fuse_reply_err(req, 0);
}

/* Nothing is cached: flush and fsync have nothing to do. */
static void fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = {
		.f_bsize = 4096, /* discards align to pages */
		.f_frsize = 4096,
		.f_namemax = 255,
	};

	/* A request a test can hold while the server dies (restart-basic.sh):
	 * it has no side effect, and no handle that dies with the server. */
	FAULT_POINT("statfs.before_reply");
	fuse_reply_statfs(req, &sv);
}

static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	/* Large requests: the loop device sends up to 1 MiB at a time. */
	conn->max_write = FS_MAX_IO;
	/* Many direct I/O requests in flight from the loop device. */
	if (conn->capable & FUSE_CAP_ASYNC_DIO)
		conn->want |= FUSE_CAP_ASYNC_DIO;
	conn->max_background = 64;
	conn->congestion_threshold = 48;
	/* Plain copies: splice needs a pipe per worker and pays off for large
	 * buffers, while swap moves 4 KiB pages; measured, replying to 4 KiB
	 * reads through splice gained nothing (docs/benchmarks.md). */
	conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
			FUSE_CAP_SPLICE_MOVE);
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
}

static const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.readdir = fs_readdir,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.fallocate = fs_fallocate,
	.release = fs_release,
	.flush = fs_flush,
	.fsync = fs_fsync,
	.statfs = fs_statfs,
};

struct fuse_session *fs_session_new(struct fuse_args *args)
{
	clock_gettime(CLOCK_REALTIME, &fs_started);
	if (pthread_key_create(&io_buf_key, free_io_buf))
		return NULL;
	return fuse_session_new(args, &fs_ops, sizeof(fs_ops), NULL);
}

/*
 * What libfuse and the handlers may hold from the heap at once (a struct
 * fuse_req per request in flight, a handle per open attribute file, a
 * directory listing).  Taken and freed once by each worker, it stays in the
 * worker's malloc arena, which main.c keeps glibc from trimming, so that a
 * request finds it there instead of growing the heap with brk or mprotect.
 * Below main.c's mmap threshold, or it would be a mapping of its own.
 */
#define FS_HEAP_RESERVE (512 * 1024)

/* The heap reserve last, so that the buffers before it do not use it up. */
int fs_thread_prepare(void)
{
	void *volatile reserve; /* volatile: the compiler may not drop it */
	int ret;

	if (!thread_io_buf())
		return -ENOMEM;
	ret = zstore_thread_prepare();
	if (ret)
		return ret;
	reserve = malloc(FS_HEAP_RESERVE);
	if (!reserve)
		return -ENOMEM;
	free(reserve);
	return 0;
}
