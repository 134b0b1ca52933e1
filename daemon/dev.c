// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dev: devices and their attributes, mirroring /sys/block/zramN.
 *
 * Each device carries its settings (algorithm, parameters, mem_limit,
 * gc_mode) and, once disksize is written, a zstore.  Attributes are a table
 * of {name, show, store}; every value written passes one rule first
 * (dev_attr_value()), every store parses strictly and changes nothing when
 * it fails, and every show and store goes through dev_attr_show() and
 * dev_attr_store(), which refuse a removed device.  Turning swap on or off
 * runs on the slow thread alone (the daemon's control thread, the only one
 * that keeps the capabilities for it): its callers take it there, and
 * swap_job() checks that they did.
 *
 * Locking (outermost first):
 *  1. dev->swap_lock: the swap state, held briefly.  Only the slow thread
 *     changes it: it marks the device swap_busy, turns swap on or off
 *     without the lock (swapon reads the device through FUSE, so no FUSE
 *     worker may wait for it meanwhile), then records the result.
 *  2. dev->init_lock (rwlock): zs and the settings.  Data I/O and statistics
 *     take it shared, disksize/reset/hot_remove exclusive, as the kernel's
 *     zram->init_lock.
 *  3. reg_lock: the device table and reference counts.
 *  4. data_gate: the data files open on all devices together, and whether
 *     they may still be opened; taken alone, with no other lock held.
 * hot_remove frees a device's data at once; the struct itself is freed when
 * its last reference is put (an attribute file opened before may hold one:
 * everything done through it fails with ENODEV).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "array_size.h"
#include "dev.h"
#include "fault.h"
#include "log.h"
#include "memroom.h"
#include "region.h"
#include "size.h"
#include "state.h"
#include "swap.h"
#include "swapctl.h"
#include "zcomp.h"
#include "zlat.h"
#include "zstat.h"
#include "zstore.h"

/* How long a swap off waits for another swapoff of the same area. */
#define SWAPOFF_WAIT_S 300
/*
 * zstore's slot table takes 16 bytes per page, 1/256 of disksize, and the
 * daemon's mlockall(MCL_FUTURE) faults all of it in and locks it the moment
 * it is mapped: a 4T device would lock 16 GiB at once, and the OOM killer
 * would end the daemon (and its swap) instead of the write failing.  So
 * disksize may be at most DEV_DISKSIZE_RAM_FACTOR times the RAM (a table of
 * at most an eighth of RAM), and what the new device takes at once
 * (zstore_fixed_bytes()) may be at most 1/LOCK_SHARE of the memory the
 * daemon can still lock (memroom.h: its memory cgroup, RLIMIT_MEMLOCK,
 * MemAvailable), leaving the rest for the pages it is to store.  Else the
 * write fails with ENOMEM, as the kernel's does when it cannot allocate its
 * table.
 */
#define LOCK_SHARE 2

struct dev {
	int id;
	int refs;     /* protected by reg_lock */
	/*
	 * The device's record in the state region (state.h), which a new
	 * server restores it from (dev_restore_all()): every change of the
	 * settings below and of the swap state is written through to it, and
	 * its commit point is the commit point of the attribute's store.  The
	 * times of the data file (modified_ns, accessed_ns) live there only,
	 * stored without a lock by the I/O path.
	 */
	struct state_dev *rec;
	struct timespec created; /* hot_add; constant */

	pthread_rwlock_t init_lock;
	/* protected by init_lock: */
	bool removed;      /* by hot_remove: nothing works any more */
	struct zstore *zs; /* NULL until disksize is written */
	char algorithm[DEV_ALGO_MAX];
	char params[DEV_PARAMS_MAX];  /* for params_algo only */
	char params_algo[DEV_ALGO_MAX];
	uint64_t mem_limit;
	enum zstore_gc_mode gc_mode;
	int data_opens;

	pthread_mutex_t swap_lock;
	/* protected by swap_lock, written only by the slow thread: */
	bool swap_busy; /* a swap on/off is under way */
	bool swap_on;
	char loop_dev[SWAP_DEV_MAX];
	struct stat loop_file; /* what loop_dev was attached to */
	int priority;
	enum swapopt_discard discard;
	/* What a restored swap record said was under way, until
	 * dev_reconcile_swap() settles it (swap_busy meanwhile). */
	enum state_swap_intent restored;
};

_Static_assert(STATE_DEVS == DEV_MAX && STATE_ALGO_MAX == DEV_ALGO_MAX &&
		       STATE_PARAMS_MAX == DEV_PARAMS_MAX &&
		       STATE_LOOP_MAX == SWAP_DEV_MAX,
	       "the state region's records hold what struct dev holds");

_Static_assert(ZTREE_GC_ASYNC == (int)ZSTORE_GC_ASYNC &&
		       ZTREE_GC_SYNC == (int)ZSTORE_GC_SYNC,
	       "lib/ztree.h numbers the GC modes as the engine does");

/* The request the calling thread serves (dev_set_request()). */
static __thread uint64_t req_unique;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dev *devs[DEV_MAX]; /* protected by reg_lock */
static char mnt[4096];
static bool (*on_slow_thread)(void);

/* dev_close_data() closes the data files for good once none is open. */
static pthread_mutex_t data_gate = PTHREAD_MUTEX_INITIALIZER;
/* protected by data_gate: */
static int data_files_open; /* on all devices */
static bool data_closed;

void dev_registry_init(const char *mountpoint, bool (*slow_thread)(void))
{
	snprintf(mnt, sizeof(mnt), "%s", mountpoint);
	on_slow_thread = slow_thread;
}

void dev_set_request(uint64_t unique)
{
	req_unique = unique;
}

/* @return the unique of the calling thread's request, resent or not. */
static uint64_t req_id(void)
{
	return req_unique & ~DEV_REQ_RESEND;
}

static bool req_resent(void)
{
	return req_unique & DEV_REQ_RESEND;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* The time now, cheaply: the coarse clock is read without a system call. */
static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ts_ns(&ts);
}

static void touch(_Atomic int64_t *t)
{
	atomic_store_explicit(t, now_ns(), memory_order_relaxed);
}

static struct timespec ns_ts(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	return ts;
}

/* Caller holds init_lock exclusively (or owns @d alone). */
static void dev_defaults(struct dev *d)
{
	snprintf(d->algorithm, sizeof(d->algorithm), "%s", zcomp_default());
	d->params[0] = d->params_algo[0] = '\0';
	d->mem_limit = 0;
	d->gc_mode = ZSTORE_GC_ASYNC;
}

/*
 * Writes @d's settings and initialisation through to its record: the one
 * store that commits them (state.h).  Caller holds init_lock exclusively
 * (or owns @d alone).  A removed device's record may be another device's
 * by now: nothing is written for it.
 */
static void record_conf(struct dev *d)
{
	struct state_conf c = { 0 };

	if (d->removed)
		return;
	c.unique = req_id();
	c.disksize = d->zs ? zstore_disksize(d->zs) : 0;
	c.mem_limit = d->mem_limit;
	c.store_id = d->zs ? zregion_id(zstore_region(d->zs)) : -1;
	c.gc_mode = (uint32_t)d->gc_mode;
	memcpy(c.algorithm, d->algorithm, sizeof(c.algorithm));
	memcpy(c.params, d->params, sizeof(c.params));
	memcpy(c.params_algo, d->params_algo, sizeof(c.params_algo));
	state_conf_commit(d->rec, &c);
}

/* Names @d's store region in transit (state.h): @id, or -1 once it is
 * committed or dropped. */
static void record_spare(struct dev *d, int id)
{
	state_dev_set_spare(d->rec, id);
}

/*
 * Writes @d's swap record: @intent, and @loop (NULL: the device's own) with
 * the file it is attached to, for the swap on or off request @unique (0:
 * none succeeded).  Runs on the slow thread, the only writer of the swap
 * state.
 */
static void record_swap(struct dev *d, enum state_swap_intent intent,
			const char *loop, const struct stat *file,
			uint64_t unique)
{
	struct state_swap s = { .unique = unique, .intent = intent };

	if (d->removed)
		return;
	if (!loop) {
		loop = d->loop_dev;
		file = &d->loop_file;
	}
	s.priority = d->priority;
	s.discard = (uint32_t)d->discard;
	snprintf(s.loop_dev, sizeof(s.loop_dev), "%s", loop);
	s.file_dev = (uint64_t)file->st_dev;
	s.file_ino = (uint64_t)file->st_ino;
	state_swap_commit(d->rec, &s);
}

static struct dev *dev_alloc(void)
{
	struct dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	pthread_rwlock_init(&d->init_lock, NULL);
	pthread_mutex_init(&d->swap_lock, NULL);
	dev_defaults(d);
	d->refs = 1; /* the table's */
	return d;
}

/*
 * Writes a new device's record, then commits it: the device exists from
 * that store on.  Caller holds reg_lock, and @d is not in the table yet.
 */
static void record_new(struct dev *d, uint64_t created_by)
{
	struct state_dev *r = d->rec;
	static const struct stat none;

	r->created_ns = ts_ns(&d->created);
	atomic_store_explicit(&r->modified_ns, r->created_ns,
			      memory_order_relaxed);
	atomic_store_explicit(&r->accessed_ns, r->created_ns,
			      memory_order_relaxed);
	r->created_by = created_by;
	zlat_clear(&r->lat);
	record_conf(d);
	record_swap(d, STATE_SWAP_OFF, "", &none, 0);
	state_dev_commit_present(r, true);
}

/* @return whether device @id's record still has a removed device's store
 * in transit (hot_remove is dropping it).  Caller holds reg_lock. */
static bool record_busy(int id)
{
	return atomic_load(&state_dev(id)->spare_store) >= 0;
}

/* Adds device @want (or the lowest free), made by the hot_add read of
 * handle @created_by (0: not by one). */
static int add_dev(int want, uint64_t created_by)
{
	struct dev *d;
	int id;

	if (want >= DEV_MAX)
		return -EINVAL;
	if (!state_dev(0)) {
		log_err("no state region: cannot add a device (a bug)");
		return -ENXIO;
	}
	d = dev_alloc();
	if (!d)
		return -ENOMEM;
	clock_gettime(CLOCK_REALTIME, &d->created);

	pthread_mutex_lock(&reg_lock);
	if (want >= 0)
		id = devs[want] || record_busy(want) ? DEV_MAX : want;
	else
		for (id = 0; id < DEV_MAX && (devs[id] || record_busy(id));
		     id++)
			;
	if (id < DEV_MAX) {
		d->id = id;
		d->rec = state_dev(id);
		record_new(d, created_by);
		devs[id] = d;
	}
	pthread_mutex_unlock(&reg_lock);
	if (id == DEV_MAX) {
		pthread_mutex_destroy(&d->swap_lock);
		pthread_rwlock_destroy(&d->init_lock);
		free(d);
		return want >= 0 ? -EEXIST : -ENOSPC;
	}
	FAULT_POINT("hot_add.after_create");
	return id;
}

int dev_add(int want)
{
	return add_dev(want, 0);
}

int dev_hot_add(uint64_t fh)
{
	return add_dev(-1, fh);
}

struct dev *dev_get(int id)
{
	struct dev *d = NULL;

	if (id < 0 || id >= DEV_MAX)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	if (devs[id]) {
		d = devs[id];
		d->refs++;
	}
	pthread_mutex_unlock(&reg_lock);
	return d;
}

/* Frees every page of @zs and gives its region back (reset, hot_remove). */
static void store_drop(struct zstore *zs)
{
	struct zregion *r;

	if (!zs)
		return;
	r = zstore_region(zs);
	zstore_destroy(zs);
	region_drop(r);
}

static void dev_free(struct dev *d)
{
	store_drop(d->zs);
	pthread_mutex_destroy(&d->swap_lock);
	pthread_rwlock_destroy(&d->init_lock);
	free(d);
}

void dev_hold(struct dev *d)
{
	pthread_mutex_lock(&reg_lock);
	d->refs++;
	pthread_mutex_unlock(&reg_lock);
}

void dev_put(struct dev *d)
{
	bool last;

	pthread_mutex_lock(&reg_lock);
	last = --d->refs == 0;
	pthread_mutex_unlock(&reg_lock);
	if (last)
		dev_free(d);
}

int dev_next(int after)
{
	int id;

	pthread_mutex_lock(&reg_lock);
	for (id = after + 1; id < DEV_MAX && !devs[id]; id++)
		;
	pthread_mutex_unlock(&reg_lock);
	return id < DEV_MAX ? id : -1;
}

int dev_id(const struct dev *d)
{
	return d->id;
}

/* @return whether @d may not be reset or removed: it is swap, becoming or
 * leaving swap, or its data file is open.  Caller holds swap_lock and
 * init_lock. */
static bool dev_in_use(const struct dev *d)
{
	return d->swap_on || d->swap_busy || d->data_opens;
}

int dev_hot_remove(int id)
{
	struct dev *d;
	struct zstore *zs = NULL;
	int ret = 0;

	/* A replay of one that took effect: done, even if the number went
	 * to a new device since. */
	if (req_resent() && state_dev(id) &&
	    state_dev(id)->removed_by == req_id())
		return 0;
	d = dev_get(id);
	if (!d)
		return -ENOENT;
	pthread_mutex_lock(&d->swap_lock);
	pthread_rwlock_wrlock(&d->init_lock);
	if (dev_in_use(d)) {
		ret = -EBUSY;
	} else {
		pthread_mutex_lock(&reg_lock);
		if (devs[id] == d) {
			devs[id] = NULL;
			d->refs--; /* the table's; ours keeps it alive */
			if (d->zs)
				record_spare(d, zregion_id(
							zstore_region(d->zs)));
			d->rec->removed_by = req_id();
			state_dev_commit_present(d->rec, false);
		} else {
			ret = -ENOENT;
		}
		pthread_mutex_unlock(&reg_lock);
	}
	if (!ret) {
		FAULT_POINT("hot_remove.after_commit");
		/* Its data goes now, not when the last attribute file opened
		 * on it is closed. */
		d->removed = true;
		zs = d->zs;
		d->zs = NULL;
	}
	pthread_rwlock_unlock(&d->init_lock);
	pthread_mutex_unlock(&d->swap_lock);
	if (zs) {
		store_drop(zs);
		/* Under reg_lock: the record is free for a new device from
		 * here (add_dev()). */
		pthread_mutex_lock(&reg_lock);
		record_spare(d, -1);
		pthread_mutex_unlock(&reg_lock);
	}
	dev_put(d);
	return ret;
}

/* --- the data file ----------------------------------------------------------- */

uint64_t dev_disksize(struct dev *d)
{
	uint64_t size;

	pthread_rwlock_rdlock(&d->init_lock);
	size = d->zs ? zstore_disksize(d->zs) : 0;
	pthread_rwlock_unlock(&d->init_lock);
	return size;
}

int dev_data_open(struct dev *d)
{
	int ret = -ENODEV;

	pthread_mutex_lock(&data_gate);
	if (data_closed) {
		pthread_mutex_unlock(&data_gate);
		return -ENODEV;
	}
	data_files_open++;
	pthread_mutex_unlock(&data_gate);
	pthread_rwlock_wrlock(&d->init_lock);
	if (!d->removed) {
		d->data_opens++;
		ret = 0;
	}
	pthread_rwlock_unlock(&d->init_lock);
	if (ret) {
		pthread_mutex_lock(&data_gate);
		data_files_open--;
		pthread_mutex_unlock(&data_gate);
	}
	return ret;
}

void dev_data_release(struct dev *d)
{
	pthread_rwlock_wrlock(&d->init_lock);
	d->data_opens--;
	pthread_rwlock_unlock(&d->init_lock);
	pthread_mutex_lock(&data_gate);
	data_files_open--;
	pthread_mutex_unlock(&data_gate);
}

/* What a data operation on a device without a zstore gets: @ret, or
 * ENODEV once the device is removed.  Caller holds init_lock. */
static int no_store(const struct dev *d, int ret)
{
	return d->removed ? -ENODEV : ret;
}

ssize_t dev_data_read(struct dev *d, void *buf, size_t size, uint64_t off)
{
	ssize_t ret = 0;
	uint64_t disksize;

	pthread_rwlock_rdlock(&d->init_lock);
	if (!d->zs) {
		ret = no_store(d, 0);
		goto out;
	}
	disksize = zstore_disksize(d->zs);
	if (off >= disksize)
		goto out; /* end of file */
	if (size > disksize - off)
		size = disksize - off;
	ret = zstore_read(d->zs, buf, size, off);
	if (!ret)
		ret = (ssize_t)size;
out:
	pthread_rwlock_unlock(&d->init_lock);
	if (ret > 0)
		touch(&d->rec->accessed_ns);
	return ret;
}

/*
 * A short count is what write(2) promises a program, which writes the rest
 * again and so learns why it failed.  The loop device's direct I/O does not:
 * it takes any count of an asynchronous write for complete (lo_complete_rq()
 * in drivers/block/loop.c retries only short reads), so a swap write cut
 * short would lose the pages after the cut without a word.  An error, on
 * the contrary, makes the kernel keep those pages and write them again
 * later.  So a @whole write goes on after a short count and ends with the
 * error of the page that stores nothing.
 */
ssize_t dev_data_write(struct dev *d, const void *buf, size_t size,
		       uint64_t off, bool whole)
{
	const unsigned char *src = buf;
	size_t done = 0;
	ssize_t ret;

	pthread_rwlock_rdlock(&d->init_lock);
	if (!d->zs) {
		ret = no_store(d, -ENOSPC);
		goto out;
	}
	do {
		ret = zstore_write(d->zs, src + done, size - done, off + done);
		if (ret >= 0)
			done = ret ? done + (size_t)ret : size;
	} while (whole && ret > 0);
	if (ret >= 0)
		ret = (ssize_t)done;
out:
	pthread_rwlock_unlock(&d->init_lock);
	if (done)
		touch(&d->rec->modified_ns);
	return ret;
}

int dev_data_fallocate(struct dev *d, int mode, uint64_t off, uint64_t len)
{
	uint64_t disksize;
	int ret = 0;

	if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) &&
	    mode != FALLOC_FL_ZERO_RANGE &&
	    mode != (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	pthread_rwlock_rdlock(&d->init_lock);
	if (!d->zs) {
		ret = no_store(d, mode & FALLOC_FL_KEEP_SIZE ? 0 : -ENOSPC);
		goto out;
	}
	disksize = zstore_disksize(d->zs);
	if (off >= disksize || len > disksize - off) {
		/* The file cannot grow; a punch past the end is clipped, as
		 * on a regular file. */
		if (!(mode & FALLOC_FL_KEEP_SIZE)) {
			ret = -ENOSPC;
			goto out;
		}
		if (off >= disksize)
			goto out;
		len = disksize - off;
	}
	ret = zstore_zero(d->zs, off, len);
	if (!ret)
		touch(&d->rec->modified_ns);
out:
	pthread_rwlock_unlock(&d->init_lock);
	return ret;
}

/* --- attributes ---------------------------------------------------------------- */

/*
 * One rule, as the kernel's attributes have it (sysfs_streq() and
 * kstrtoull() take one trailing newline and nothing else around the value):
 * echo's newline goes, anything else around the value or a line break in
 * it is an error, so "lz4\n\n", "\nlz4" and " 1G" fail as "1G\n\n" does.
 */
int dev_attr_value(const char *buf, size_t len, char *out, size_t size)
{
	if (len >= size)
		return -EINVAL;
	if (len && buf[len - 1] == '\n')
		len--;
	if (memchr(buf, '\0', len) || memchr(buf, '\n', len))
		return -EINVAL;
	if (len && (isspace((unsigned char)buf[0]) ||
		    isspace((unsigned char)buf[len - 1])))
		return -EINVAL;
	memcpy(out, buf, len);
	out[len] = '\0';
	return 0;
}

/* Copies the value @buf into @out (@size bytes) under dev_attr_value()'s
 * rule, which a value that came through dev_attr_store() has passed
 * already.  @return 0, or -EINVAL if it does not fit. */
static int strip(const char *buf, char *out, size_t size)
{
	return dev_attr_value(buf, strlen(buf), out, size);
}

/* Writes why a value is refused into @why (@size bytes, nothing if 0).
 * @return -EINVAL. */
static int refuse(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int show_u64(char *buf, size_t size, uint64_t v)
{
	return snprintf(buf, size, "%llu\n", (unsigned long long)v);
}

static void get_stats(struct dev *d, struct zstore_stats *st)
{
	pthread_rwlock_rdlock(&d->init_lock);
	if (d->zs) {
		zstore_get_stats(d->zs, st);
	} else {
		memset(st, 0, sizeof(*st));
		st->mm.mem_limit = d->mem_limit;
	}
	pthread_rwlock_unlock(&d->init_lock);
}

static int disksize_show(struct dev *d, char *buf, size_t size)
{
	return show_u64(buf, size, dev_disksize(d));
}

/* @return MemTotal in bytes (UINT64_MAX if unknown: no bound). */
static uint64_t ram_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return UINT64_MAX;
	return (uint64_t)si.totalram * si.mem_unit;
}

/*
 * The keeper's bound (zstore_params.lock_room): the room under the daemon's
 * memory cgroups, where a locked page fault past the limit calls the OOM
 * killer on the daemon's own cgroup.  Not MemAvailable: swap is written
 * when that is low, and a stored page frees more than it takes.
 */
static uint64_t keeper_room(void)
{
	struct memroom room = { .bytes = UINT64_MAX };

	memroom_cgroup("", &room);
	return room.bytes;
}

/*
 * @return 0 if a device of @disksize bytes fits in the memory the daemon can
 * lock (see LOCK_SHARE), else -ENOMEM, logged with the bound that refused it:
 * the attribute can only say ENOMEM.
 */
static int disksize_fits(const struct dev *d, uint64_t disksize)
{
	uint64_t need = zstore_fixed_bytes(disksize);
	struct memroom room;

	if (disksize / DEV_DISKSIZE_RAM_FACTOR > ram_bytes()) {
		log_warn("zramfs%d: disksize %llu is more than %d times the "
			 "RAM (%llu bytes)", d->id,
			 (unsigned long long)disksize, DEV_DISKSIZE_RAM_FACTOR,
			 (unsigned long long)ram_bytes());
		return -ENOMEM;
	}
	memroom_get("", &room);
	if (need <= room.bytes / LOCK_SHARE)
		return 0;
	log_warn("zramfs%d: disksize %llu needs %llu bytes of locked memory at "
		 "once, more than 1/%d of the %llu the daemon can still lock "
		 "(%s)", d->id, (unsigned long long)disksize,
		 (unsigned long long)need, LOCK_SHARE,
		 (unsigned long long)room.bytes, room.bound);
	return -ENOMEM;
}

int dev_check_disksize(uint64_t bytes, char *why, size_t size)
{
	char max[32];

	if (!bytes)
		return refuse(why, size, "must be larger than 0");
	if (size_page_align(bytes) > DEV_DISKSIZE_MAX) {
		size_format(DEV_DISKSIZE_MAX, max, sizeof(max));
		return refuse(why, size, "larger than the %s a device may have",
			      max);
	}
	return 0;
}

int dev_set_disksize(struct dev *d, uint64_t bytes)
{
	struct zstore_params p = { 0 };
	struct zregion *zr;
	int ret;

	ret = dev_check_disksize(bytes, NULL, 0);
	if (ret)
		return ret;
	bytes = size_page_align(bytes);
	pthread_rwlock_wrlock(&d->init_lock);
	if (d->removed) {
		ret = -ENODEV; /* removed since dev_attr_store() looked */
		goto out;
	}
	if (d->zs) {
		ret = -EBUSY;
		goto out;
	}
	ret = disksize_fits(d, bytes);
	if (ret)
		goto out;
	/* Fixed now: the store has them and reset brings the defaults. */
	p.disksize = bytes;
	p.algorithm = d->algorithm;
	p.algorithm_params =
		strcmp(d->params_algo, d->algorithm) ? "" : d->params;
	p.mem_limit = d->mem_limit;
	p.gc_mode = d->gc_mode;
	p.lock_room = keeper_room;
	/* The store lives in a region of its own (daemon/region.h). */
	ret = region_new(zstore_region_bytes(bytes), &zr);
	if (ret) {
		log_warn("zramfs%d: no shared memory segment of %llu bytes "
			 "for disksize %llu: %s", d->id,
			 (unsigned long long)zstore_region_bytes(bytes),
			 (unsigned long long)bytes, strerror(-ret));
		goto out;
	}
	/* A server that dies before the commit leaves it to the next,
	 * which drops it (dev_restore_all()). */
	record_spare(d, zregion_id(zr));
	FAULT_POINT("disksize.after_segment");
	ret = zstore_create(&p, zr, &d->zs);
	if (ret) {
		region_drop(zr);
	} else {
		record_conf(d);
		FAULT_POINT("disksize.after_commit");
		touch(&d->rec->modified_ns);
	}
	record_spare(d, -1);
out:
	pthread_rwlock_unlock(&d->init_lock);
	return ret;
}

static int disksize_store(struct dev *d, const char *buf)
{
	uint64_t bytes;

	if (size_parse(buf, &bytes))
		return -EINVAL;
	return dev_set_disksize(d, bytes);
}

static int initstate_show(struct dev *d, char *buf, size_t size)
{
	int init;

	pthread_rwlock_rdlock(&d->init_lock);
	init = d->zs != NULL;
	pthread_rwlock_unlock(&d->init_lock);
	return snprintf(buf, size, "%d\n", init);
}

static int reset_store(struct dev *d, const char *buf)
{
	uint64_t v;
	int ret;

	if (size_parse_u64(buf, UINT64_MAX, &v) || !v)
		return -EINVAL;
	pthread_mutex_lock(&d->swap_lock);
	pthread_rwlock_wrlock(&d->init_lock);
	if (dev_in_use(d)) {
		ret = -EBUSY;
	} else {
		/* Committed before the store goes: a new server never finds
		 * a device initialised with a store already destroyed, and
		 * drops the one a reset left behind. */
		struct zstore *zs = d->zs;

		if (zs)
			record_spare(d, zregion_id(zstore_region(zs)));
		d->zs = NULL;
		dev_defaults(d);
		record_conf(d);
		FAULT_POINT("reset.after_commit");
		store_drop(zs);
		record_spare(d, -1);
		touch(&d->rec->modified_ns);
		zlat_clear(&d->rec->lat); /* as io_stat, gone with the store */
		ret = 0;
	}
	pthread_rwlock_unlock(&d->init_lock);
	pthread_mutex_unlock(&d->swap_lock);
	return ret;
}

static int comp_algorithm_show(struct dev *d, char *buf, size_t size)
{
	int ret;

	pthread_rwlock_rdlock(&d->init_lock);
	ret = zcomp_list(d->algorithm, buf, size);
	pthread_rwlock_unlock(&d->init_lock);
	return ret;
}

int dev_check_algorithm(const char *name, char *why, size_t size)
{
	if (zcomp_validate_why(name, "", why, size))
		return -EINVAL;
	if (strlen(name) >= DEV_ALGO_MAX)
		return refuse(why, size, "too long"); /* no algorithm is */
	return 0;
}

int dev_set_algorithm(struct dev *d, const char *name)
{
	int ret;

	ret = dev_check_algorithm(name, NULL, 0);
	if (ret)
		return ret;
	pthread_rwlock_wrlock(&d->init_lock);
	if (d->zs) {
		ret = -EBUSY;
	} else {
		strcpy(d->algorithm, name);
		record_conf(d);
	}
	pthread_rwlock_unlock(&d->init_lock);
	return ret;
}

static int comp_algorithm_store(struct dev *d, const char *buf)
{
	return dev_set_algorithm(d, buf);
}

/*
 * What algorithm_params keeps, written back in the form it takes, so that
 * writing what it reads changes nothing: "algo=zstd level=3", or an empty
 * line when no parameter is kept.  (The kernel's attribute cannot be read.)
 */
static int algorithm_params_show(struct dev *d, char *buf, size_t size)
{
	int ret;

	pthread_rwlock_rdlock(&d->init_lock);
	if (d->params[0])
		ret = snprintf(buf, size, "algo=%s %s\n", d->params_algo,
			       d->params);
	else
		ret = snprintf(buf, size, "\n");
	pthread_rwlock_unlock(&d->init_lock);
	return ret;
}

/*
 * "[algo=NAME] level=N": as the kernel's algorithm_params, parameters are
 * kept for one algorithm (the named one, else the one selected now) and
 * used only if that algorithm is the one selected at initialisation.
 */
int dev_parse_params(const char *value, struct dev_params *p, char *why,
		     size_t size)
{
	char in[DEV_PARAMS_MAX], *tok, *save = NULL;
	size_t used = 0;

	memset(p, 0, sizeof(*p));
	if (strip(value, in, sizeof(in)))
		return refuse(why, size, "too long");
	for (tok = strtok_r(in, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(tok, "algo=", 5)) {
			if (p->algo[0])
				return refuse(why, size, "algo= twice");
			if (dev_check_algorithm(tok + 5, why, size))
				return -EINVAL;
			strcpy(p->algo, tok + 5);
			continue;
		}
		used += snprintf(p->params + used, sizeof(p->params) - used,
				 "%s%s", used ? " " : "", tok);
		if (used >= sizeof(p->params))
			return refuse(why, size, "too long");
	}
	return 0;
}

int dev_params_format(const struct dev_params *p, char *buf, size_t size)
{
	return snprintf(buf, size, "%s%s%s%s", p->algo[0] ? "algo=" : "",
			p->algo, p->algo[0] && p->params[0] ? " " : "",
			p->params);
}

int dev_check_params(const struct dev_params *p, const char *algorithm,
		     char *why, size_t size)
{
	return zcomp_validate_why(p->algo[0] ? p->algo : algorithm, p->params,
				  why, size);
}

int dev_set_params(struct dev *d, const struct dev_params *p)
{
	char why[128], value[DEV_PARAMS_TEXT_MAX];
	int ret;

	pthread_rwlock_wrlock(&d->init_lock);
	if (d->zs) {
		ret = -EBUSY;
		goto out;
	}
	ret = dev_check_params(p, d->algorithm, why, sizeof(why));
	if (ret) {
		/* The attribute can only say EINVAL: the log says why. */
		dev_params_format(p, value, sizeof(value));
		log_info("zramfs%d: algorithm_params '%s': %s", d->id, value,
			 why);
		goto out;
	}
	strcpy(d->params_algo, p->algo[0] ? p->algo : d->algorithm);
	strcpy(d->params, p->params);
	record_conf(d);
out:
	pthread_rwlock_unlock(&d->init_lock);
	return ret;
}

static int algorithm_params_store(struct dev *d, const char *buf)
{
	struct dev_params p;
	char why[128];

	if (dev_parse_params(buf, &p, why, sizeof(why))) {
		log_info("zramfs%d: algorithm_params '%s': %s", d->id, buf,
			 why);
		return -EINVAL;
	}
	return dev_set_params(d, &p);
}

static int max_comp_streams_show(struct dev *d, char *buf, size_t size)
{
	/* As the kernel since 4.7: one stream per CPU, the value is fixed. */
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return snprintf(buf, size, "%ld\n", n > 0 ? n : 1);
}

static int max_comp_streams_store(struct dev *d, const char *buf)
{
	uint64_t v;

	/* Accepted and ignored, as the kernel does, so zramctl -t works. */
	if (size_parse_u64(buf, INT32_MAX, &v) || !v)
		return -EINVAL;
	return 0;
}

static int mem_limit_show(struct dev *d, char *buf, size_t size)
{
	uint64_t v;

	pthread_rwlock_rdlock(&d->init_lock);
	v = d->mem_limit;
	pthread_rwlock_unlock(&d->init_lock);
	return show_u64(buf, size, v);
}

int dev_set_mem_limit(struct dev *d, uint64_t bytes)
{
	bytes = size_page_align(bytes);
	pthread_rwlock_wrlock(&d->init_lock);
	d->mem_limit = bytes;
	if (d->zs)
		zstore_set_mem_limit(d->zs, bytes);
	record_conf(d);
	pthread_rwlock_unlock(&d->init_lock);
	return 0;
}

static int mem_limit_store(struct dev *d, const char *buf)
{
	uint64_t bytes;

	if (size_parse(buf, &bytes))
		return -EINVAL;
	return dev_set_mem_limit(d, bytes);
}

static int mem_used_max_show(struct dev *d, char *buf, size_t size)
{
	struct zstore_stats st;

	get_stats(d, &st);
	return show_u64(buf, size, st.mm.mem_used_max);
}

static int mem_used_max_store(struct dev *d, const char *buf)
{
	uint64_t v;

	if (size_parse_u64(buf, UINT64_MAX, &v) || v)
		return -EINVAL;
	pthread_rwlock_rdlock(&d->init_lock);
	if (d->zs)
		zstore_reset_mem_used_max(d->zs);
	pthread_rwlock_unlock(&d->init_lock);
	return 0;
}

static int compact_store(struct dev *d, const char *buf)
{
	uint64_t v;
	int ret = 0;

	if (size_parse_u64(buf, UINT64_MAX, &v) || v != 1)
		return -EINVAL;
	pthread_rwlock_rdlock(&d->init_lock);
	if (d->zs)
		zstore_compact(d->zs);
	else
		ret = -EINVAL; /* as the kernel: nothing to compact */
	pthread_rwlock_unlock(&d->init_lock);
	return ret;
}

static int mm_stat_show(struct dev *d, char *buf, size_t size)
{
	struct zstore_stats st;

	get_stats(d, &st);
	return zstat_format(&st.mm, zstat_mm_fields, zstat_mm_nfields, buf,
			    size);
}

static int io_stat_show(struct dev *d, char *buf, size_t size)
{
	struct zstore_stats st;

	get_stats(d, &st);
	return zstat_format(&st.io, zstat_io_fields, zstat_io_nfields, buf,
			    size);
}

struct zlat *dev_latency(struct dev *d)
{
	return &d->rec->lat;
}

static int latency_stat_show(struct dev *d, char *buf, size_t size)
{
	return zlat_format(&d->rec->lat, buf, size);
}

static int gc_stat_show(struct dev *d, char *buf, size_t size)
{
	struct zstore_stats st;

	get_stats(d, &st);
	return zstat_format(&st.gc, zstat_gc_fields, zstat_gc_nfields, buf,
			    size);
}

static int gc_mode_show(struct dev *d, char *buf, size_t size)
{
	enum zstore_gc_mode m;

	pthread_rwlock_rdlock(&d->init_lock);
	m = d->gc_mode;
	pthread_rwlock_unlock(&d->init_lock);
	return snprintf(buf, size, "%s\n",
			ztree_gc_mode_name((enum ztree_gc_mode)m));
}

int dev_set_gc_mode(struct dev *d, enum ztree_gc_mode mode)
{
	if (!ztree_gc_mode_name(mode))
		return -EINVAL;
	pthread_rwlock_wrlock(&d->init_lock);
	d->gc_mode = (enum zstore_gc_mode)mode;
	if (d->zs)
		zstore_set_gc_mode(d->zs, d->gc_mode);
	record_conf(d);
	pthread_rwlock_unlock(&d->init_lock);
	return 0;
}

static int gc_mode_store(struct dev *d, const char *buf)
{
	enum ztree_gc_mode mode;

	if (ztree_gc_mode_parse(buf, &mode))
		return -EINVAL;
	return dev_set_gc_mode(d, mode);
}

/* --- swap ------------------------------------------------------------------------ */

struct swap_req {
	struct dev *d;
	bool on;
	int priority;
	enum swapopt_discard discard;
};

/* Waits (briefly) for the loop device's release of data to arrive: the
 * kernel sends it asynchronously after LOOP_CLR_FD. */
static void wait_data_closed(struct dev *d, int opens)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, now;

	for (i = 0; i < 200; i++) {
		pthread_rwlock_rdlock(&d->init_lock);
		now = d->data_opens;
		pthread_rwlock_unlock(&d->init_lock);
		if (now < opens)
			return;
		nanosleep(&ts, NULL);
	}
}

/*
 * Detaches @loop, attached to @d's data file @st, and waits for its open
 * of the file to be released (as do_swap_on() after a failed swapon), so
 * that swap on right after finds the file closed, not EBUSY.
 * @return as swapctl_loop_detach().
 */
static int detach_loop(struct dev *d, const char *loop, const struct stat *st)
{
	int opens, ret;

	pthread_rwlock_rdlock(&d->init_lock);
	opens = d->data_opens;
	pthread_rwlock_unlock(&d->init_lock);
	ret = swapctl_loop_detach(loop, st);
	if (!ret)
		wait_data_closed(d, opens);
	return ret;
}

/* Writes the path of @d's data file under the mountpoint into @path. */
static void data_path(const struct dev *d, char *path, size_t size)
{
	snprintf(path, size, "%s/zramfs%d/data", mnt, d->id);
}

/* Runs on the slow thread, with the device marked swap_busy. */
static int do_swap_on(struct swap_req *r)
{
	struct dev *d = r->d;
	unsigned char uuid[16], page[SWAP_PAGE_SIZE];
	char path[sizeof(mnt) + 32], loop[SWAP_DEV_MAX], why[128];
	struct stat st;
	uint64_t size;
	int ret, err;

	/*
	 * The signature overwrites page 0: not while anybody has the data
	 * file open, whose data that is (EBUSY, as reset and hot_remove).
	 * The check and the write are one step under init_lock held
	 * exclusively, which every open takes too, so no open made before
	 * the signature can have its data overwritten.  An open made after
	 * it, before the loop device's own below, opens a device on its way
	 * to being swap, as root may open /dev/zramN while it is swap: it
	 * is not refused, and, being no different from the loop device's
	 * open, cannot be.
	 */
	pthread_rwlock_wrlock(&d->init_lock);
	if (!d->zs || d->data_opens) {
		ret = d->zs ? -EBUSY : -EINVAL;
		pthread_rwlock_unlock(&d->init_lock);
		return ret;
	}
	size = zstore_disksize(d->zs);
	if (swap_check_size(size, why, sizeof(why))) {
		pthread_rwlock_unlock(&d->init_lock);
		log_warn("zramfs%d: swap on: disksize %s", d->id, why);
		return -EINVAL;
	}
	ret = swap_make_uuid(uuid);
	if (!ret)
		ret = swap_make_header(page, size, uuid);
	if (!ret)
		ret = zstore_write(d->zs, page, sizeof(page), 0);
	pthread_rwlock_unlock(&d->init_lock);
	if (ret) {
		log_err("zramfs%d: cannot write the swap signature: %s", d->id,
			strerror(-ret));
		return ret;
	}

	data_path(d, path, sizeof(path));
	ret = swapctl_loop_attach(path, loop, sizeof(loop), &st);
	if (ret) {
		log_err("zramfs%d: cannot attach a loop device to %s: %s",
			d->id, path, strerror(-ret));
		return ret;
	}
	/* A new server finds it, and detaches it if swapon never came. */
	pthread_mutex_lock(&d->swap_lock);
	d->priority = r->priority;
	d->discard = r->discard;
	pthread_mutex_unlock(&d->swap_lock);
	record_swap(d, STATE_SWAP_ATTACHING, loop, &st, req_id());
	FAULT_POINT("swapon.after_loop");
	ret = swapctl_enable(loop, r->priority, r->discard);
	if (ret) {
		log_err("zramfs%d: swapon %s: %s", d->id, loop, strerror(-ret));
		err = swapctl_loop_detach(loop, &st);
		if (err)
			log_err("zramfs%d: detaching %s: %s", d->id, loop,
				strerror(-err));
		else
			wait_data_closed(d, 1); /* the loop device's open */
		return ret;
	}
	/* Without a priority the kernel picks one (-2, -3, ...): show that. */
	swap_find(loop, &r->priority);
	pthread_mutex_lock(&d->swap_lock);
	memcpy(d->loop_dev, loop, sizeof(loop));
	d->loop_file = st;
	d->priority = r->priority;
	d->discard = r->discard;
	d->swap_on = true;
	pthread_mutex_unlock(&d->swap_lock);
	log_info("zramfs%d: swap on %s, priority %d, discard %s", d->id, loop,
		 d->priority, swapopt_discard_name(r->discard));
	return 0;
}

/*
 * swapoff(2) says EINVAL for an area another swapoff is taking down (at
 * shutdown, systemd stops its own swap unit for our loop device at the same
 * time as it stops us).  Waits for that one to finish; if the area is still
 * swap afterwards (the other swapoff failed), tries once more.
 * @return 0 once the area is no longer swap, or the last error.
 */
static int wait_other_swapoff(struct dev *d)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int i;

	log_info("zramfs%d: %s is being turned off elsewhere; waiting", d->id,
		 d->loop_dev);
	for (i = 0; i < SWAPOFF_WAIT_S * 10; i++) {
		if (!swap_is_active(d->loop_dev))
			return 0;
		nanosleep(&ts, NULL);
	}
	return swapctl_disable(d->loop_dev);
}

/* The device is no swap and has no loop device of ours any more.  Runs on
 * the slow thread. */
static void forget_loop(struct dev *d)
{
	pthread_mutex_lock(&d->swap_lock);
	d->swap_on = false;
	d->loop_dev[0] = '\0';
	pthread_mutex_unlock(&d->swap_lock);
}

/*
 * Runs on the slow thread, with the device marked swap_busy; loop_dev
 * and loop_file need no lock to be read there, the slow thread alone
 * writes them.
 *
 * The loop device is ours only while it is attached to our data file, the
 * same file (device and inode) swap on attached it to, whatever path leads
 * to it now: someone may have run swapoff(8) and losetup -d on it, and the
 * number may have gone to another file since.  Such a device is not
 * touched (no swapoff, no detach): it is forgotten, and swap is off as far
 * as the device is concerned.  If swap is off but the detach fails, the
 * device keeps its loop device, and the error is returned: the next "off"
 * (or SIGTERM) tries the detach again.
 */
static int do_swap_off(struct dev *d)
{
	char path[sizeof(mnt) + 32];
	int ret;

	data_path(d, path, sizeof(path));
	ret = swap_loop_backed_by(d->loop_dev, &d->loop_file);
	if (ret == 0)
		ret = -ESTALE; /* attached to another file */
	if (ret == -ESTALE || ret == -ENXIO)
		goto not_ours;
	if (ret < 0) {
		log_err("zramfs%d: %s: %s; the device stays swap", d->id,
			d->loop_dev, strerror(-ret));
		return ret;
	}

	/* Someone may have run swapoff(8) on the loop device: then only the
	 * detach is left to do. */
	if (swap_is_active(d->loop_dev)) {
		ret = swapctl_disable(d->loop_dev);
		if (ret == -EINVAL)
			ret = wait_other_swapoff(d);
		if (ret) {
			log_err("zramfs%d: swapoff %s: %s; the device stays swap",
				d->id, d->loop_dev, strerror(-ret));
			return ret;
		}
	}
	ret = detach_loop(d, d->loop_dev, &d->loop_file);
	if (ret == -ESTALE || ret == -ENXIO)
		goto not_ours; /* in the meantime */
	if (ret) {
		log_err("zramfs%d: swap is off, but detaching %s failed: %s; "
			"write off to swap again", d->id, d->loop_dev,
			strerror(-ret));
		return ret;
	}
	log_info("zramfs%d: swap off %s", d->id, d->loop_dev);
	forget_loop(d);
	return 0;

not_ours:
	if (ret == -ENXIO)
		log_info("zramfs%d: swap off, %s was detached already", d->id,
			 d->loop_dev);
	else
		log_warn("zramfs%d: %s is no longer attached to %s: left "
			 "alone; swap off", d->id, d->loop_dev, path);
	forget_loop(d);
	return 0;
}

static int swap_show(struct dev *d, char *buf, size_t size)
{
	int ret;

	pthread_mutex_lock(&d->swap_lock);
	if (d->swap_on)
		ret = snprintf(buf, size, "%s priority=%d discard=%s\n",
			       d->loop_dev, d->priority,
			       swapopt_discard_name(d->discard));
	else
		ret = snprintf(buf, size, "none\n");
	pthread_mutex_unlock(&d->swap_lock);
	return ret;
}

/* Parses "on [priority=P] [discard=POLICY]" or "off". */
static int parse_swap(const char *buf, struct swap_req *r)
{
	char in[128], *tok, *save = NULL;
	bool seen_prio = false, seen_discard = false;
	int i = 0;

	if (strip(buf, in, sizeof(in)))
		return -EINVAL;
	r->priority = SWAPOPT_PRIO_DEFAULT;
	r->discard = SWAPOPT_DISCARD_BOTH;
	for (tok = strtok_r(in, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save), i++) {
		if (i == 0) {
			if (strcmp(tok, "on") && strcmp(tok, "off"))
				return -EINVAL;
			r->on = !strcmp(tok, "on");
		} else if (!r->on) {
			return -EINVAL;
		} else if (!strncmp(tok, "priority=", 9) && !seen_prio) {
			seen_prio = true;
			if (swapopt_priority_parse(tok + 9, &r->priority))
				return -EINVAL;
		} else if (!strncmp(tok, "discard=", 8) && !seen_discard) {
			seen_discard = true;
			if (swapopt_discard_parse(tok + 8, &r->discard))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return i ? 0 : -EINVAL;
}

int dev_parse_swap(const char *buf, bool *on, int *priority,
		   enum swapopt_discard *discard)
{
	struct swap_req r = { 0 };
	int ret = parse_swap(buf, &r);

	if (ret)
		return ret;
	*on = r.on;
	*priority = r.priority;
	*discard = r.discard;
	return 0;
}

/*
 * Runs on the slow thread, which alone changes swap state, so swap
 * transitions are serialised there; anywhere else it refuses (EDEADLK), as
 * swapon there could wait for the very thread it runs on.  While one is
 * under way the device is swap_busy: reset and hot_remove answer EBUSY
 * instead of waiting.
 */
static int swap_job(struct swap_req *r)
{
	struct dev *d = r->d;
	int ret = 0;

	if (!on_slow_thread || !on_slow_thread()) {
		log_err("zramfs%d: swap %s asked for on a thread that may not "
			"block on the mount (a bug)", d->id,
			r->on ? "on" : "off");
		return -EDEADLK;
	}
	pthread_mutex_lock(&d->swap_lock);
	if (r->on && d->swap_on)
		ret = -EBUSY;
	else if (!r->on && !d->swap_on)
		ret = -EINVAL;
	else
		d->swap_busy = true;
	pthread_mutex_unlock(&d->swap_lock);
	if (ret)
		return ret;

	/* The intent first, then each kernel step, then the outcome: what a
	 * new server reconciles with the kernel (dev_reconcile_swap()). */
	record_swap(d, r->on ? STATE_SWAP_ATTACHING : STATE_SWAP_DETACHING,
		    NULL, NULL, req_id());
	ret = r->on ? do_swap_on(r) : do_swap_off(d);

	pthread_mutex_lock(&d->swap_lock);
	record_swap(d, d->swap_on ? STATE_SWAP_ON : STATE_SWAP_OFF, NULL,
		    NULL, ret ? 0 : req_id());
	d->swap_busy = false;
	pthread_mutex_unlock(&d->swap_lock);
	return ret;
}

static int swap_store(struct dev *d, const char *buf)
{
	struct swap_req r = { .d = d };
	int ret;

	ret = parse_swap(buf, &r);
	if (ret)
		return ret;
	return swap_job(&r);
}

int dev_swap_on(struct dev *d, int priority, enum swapopt_discard discard)
{
	struct swap_req r = {
		.d = d, .on = true, .priority = priority, .discard = discard
	};

	return swap_job(&r);
}

int dev_swapoff_all(void)
{
	char loop[SWAP_DEV_MAX];
	int id = -1, ret, first = 0;

	while ((id = dev_next(id)) >= 0) {
		struct dev *d = dev_get(id);
		struct swap_req r = { .d = d, .on = false };

		if (!d)
			continue;
		pthread_mutex_lock(&d->swap_lock);
		ret = d->swap_on;
		memcpy(loop, d->loop_dev, sizeof(loop));
		pthread_mutex_unlock(&d->swap_lock);
		if (ret) {
			log_info("zramfs%d: turning swap off on %s", id, loop);
			ret = swap_job(&r);
		}
		dev_put(d);
		if (ret && !first)
			first = ret;
	}
	return first;
}

/* Logs what holds @d's data file open. */
static void log_data_holders(struct dev *d)
{
	char path[sizeof(mnt) + 32], loops[128];

	data_path(d, path, sizeof(path));
	if (swap_loop_find(path, loops, sizeof(loops)) > 0)
		log_err("zramfs%d: the data file is open: %s is attached to "
			"it (losetup -d)", d->id, loops);
	else
		log_err("zramfs%d: the data file is open (fuser -v %s names "
			"who holds it)", d->id, path);
}

int dev_close_data(void)
{
	int id = -1, opens;
	bool busy;

	pthread_mutex_lock(&data_gate);
	busy = data_files_open > 0;
	if (!busy)
		data_closed = true;
	pthread_mutex_unlock(&data_gate);
	if (!busy)
		return 0;
	while ((id = dev_next(id)) >= 0) {
		struct dev *d = dev_get(id);

		if (!d)
			continue;
		pthread_rwlock_rdlock(&d->init_lock);
		opens = d->data_opens;
		pthread_rwlock_unlock(&d->init_lock);
		if (opens)
			log_data_holders(d);
		dev_put(d);
	}
	return -EBUSY;
}

void dev_destroy_all(void)
{
	int id;

	for (id = 0; id < DEV_MAX; id++) {
		struct dev *d;

		pthread_mutex_lock(&reg_lock);
		d = devs[id];
		devs[id] = NULL;
		pthread_mutex_unlock(&reg_lock);
		if (d)
			dev_put(d);
	}
}

/* --- a new server -------------------------------------------------------- */

/*
 * @return 0 if @c holds settings an attribute could have stored, or
 * -EUCLEAN with the reason logged: the checks are the attributes' own.
 */
static int check_conf(int id, const struct state_conf *c)
{
	char why[128];

	if (dev_check_algorithm(c->algorithm, why, sizeof(why)) ||
	    (c->params[0] &&
	     zcomp_validate_why(c->params_algo, c->params, why,
				sizeof(why)))) {
		log_err("zramfs%d: restored settings refused: %s", id, why);
		return -EUCLEAN;
	}
	if (!ztree_gc_mode_name((enum ztree_gc_mode)c->gc_mode) ||
	    c->mem_limit != size_page_align(c->mem_limit) ||
	    (c->disksize && dev_check_disksize(c->disksize, why,
					       sizeof(why)))) {
		log_err("zramfs%d: restored settings refused: gc_mode %u, "
			"mem_limit %llu, disksize %llu", id, c->gc_mode,
			(unsigned long long)c->mem_limit,
			(unsigned long long)c->disksize);
		return -EUCLEAN;
	}
	return 0;
}

/*
 * Attaches the store of an initialised device recorded as @c (steps 1-2 of
 * the restart design: the engine validates and rebuilds it).
 * @return 0 and the store in *@out, or -errno with the reason logged; the
 *         region is left as it was.
 */
static int attach_store(int id, const struct state_conf *c,
			struct zstore **out)
{
	struct zstore_runtime rt = { .lock_room = keeper_room };
	struct zregion *zr;
	char why[160];
	int ret;

	ret = region_attach(c->store_id, &zr);
	if (ret) {
		log_err("zramfs%d: cannot attach its store (region %d): %s", id,
			c->store_id, strerror(-ret));
		return ret == -ENOMEM ? ret : -EUCLEAN;
	}
	ret = zstore_attach(zr, &rt, out, why, sizeof(why));
	if (ret) {
		log_err("zramfs%d: store (region %d) refused: %s", id,
			c->store_id, why);
		zregion_detach(zr); /* kept for a fixed server */
		return ret;
	}
	if (zstore_disksize(*out) != c->disksize) {
		log_err("zramfs%d: store of %llu bytes, recorded %llu", id,
			(unsigned long long)zstore_disksize(*out),
			(unsigned long long)c->disksize);
		zstore_detach(*out);
		zregion_detach(zr);
		return -EUCLEAN;
	}
	/* The record commits mem_limit and gc_mode: a server killed after
	 * setting the store's and before the commit left the old ones. */
	zstore_set_mem_limit(*out, c->mem_limit);
	zstore_set_gc_mode(*out, (enum zstore_gc_mode)c->gc_mode);
	return 0;
}

/* Builds device @id from its record into *@out.  @return 0 or -errno,
 * logged. */
static int restore_dev(int id, struct dev **out)
{
	struct state_dev *r = state_dev(id);
	const struct state_conf *c = state_conf(r);
	const struct state_swap *s = state_swap(r);
	struct dev *d;
	int ret;

	ret = check_conf(id, c);
	if (ret)
		return ret;
	d = dev_alloc();
	if (!d)
		return -ENOMEM;
	if (c->disksize) {
		ret = attach_store(id, c, &d->zs);
		if (ret) {
			dev_free(d);
			return ret;
		}
	}
	d->id = id;
	d->rec = r;
	d->created = ns_ts(r->created_ns);
	memcpy(d->algorithm, c->algorithm, sizeof(d->algorithm));
	memcpy(d->params, c->params, sizeof(d->params));
	memcpy(d->params_algo, c->params_algo, sizeof(d->params_algo));
	d->mem_limit = c->mem_limit;
	d->gc_mode = (enum zstore_gc_mode)c->gc_mode;
	d->restored = (enum state_swap_intent)s->intent;
	if (s->intent != STATE_SWAP_OFF) {
		memcpy(d->loop_dev, s->loop_dev, sizeof(d->loop_dev));
		d->loop_file.st_dev = (dev_t)s->file_dev;
		d->loop_file.st_ino = (ino_t)s->file_ino;
		d->priority = s->priority;
		d->discard = (enum swapopt_discard)s->discard;
		d->swap_on = d->loop_dev[0] != '\0';
		/* Until dev_reconcile_swap() has asked the kernel. */
		d->swap_busy = s->intent != STATE_SWAP_ON;
	}
	*out = d;
	return 0;
}

/* Frees what dev_restore_all() built so far, leaving the stores' regions
 * as they are.  Caller holds reg_lock. */
static void unrestore(void)
{
	struct zregion *zr;
	int id;

	for (id = 0; id < DEV_MAX; id++) {
		struct dev *d = devs[id];

		devs[id] = NULL;
		if (!d)
			continue;
		if (d->zs) {
			zr = zstore_region(d->zs);
			zstore_detach(d->zs);
			zregion_detach(zr);
			d->zs = NULL;
		}
		dev_free(d);
	}
	data_files_open = 0;
}

/* Drops the store region in transit in record @id, unless its committed
 * settings name it (state.h). */
static void drop_spare(int id)
{
	struct state_dev *r = state_dev(id);
	int spare = atomic_load(&r->spare_store);
	struct zregion *zr;

	if (spare < 0)
		return;
	if (!atomic_load(&r->present) || state_conf(r)->store_id != spare) {
		log_info("zramfs%d: dropping store region %d, which a "
			 "disksize, reset or hot_remove cut short left", id,
			 spare);
		if (!region_attach(spare, &zr))
			region_drop(zr);
	}
	state_dev_set_spare(r, -1);
}

/*
 * The hot_add read that made a device is linked to it, if the old server
 * died before it could: the read, replayed or continued, then renders that
 * device's number instead of making another.
 */
static void restore_hot_add(int id, uint64_t by)
{
	struct state_fh f;

	if (by && !state_handle_get(by, &f) && f.hot_add_id < 0)
		state_handle_set_hot_add(by, id);
}

int dev_restore_all(void)
{
	struct state_fh f;
	uint64_t fh = 0;
	int id, ret = 0;

	if (!state_dev(0))
		return -ENXIO;
	pthread_mutex_lock(&reg_lock);
	for (id = 0; id < DEV_MAX; id++)
		if (devs[id])
			ret = -EEXIST;
	for (id = 0; !ret && id < DEV_MAX; id++) {
		struct state_dev *r = state_dev(id);

		if (atomic_load(&r->present))
			ret = restore_dev(id, &devs[id]);
	}
	/* Data files open are counted from the handle table.  A handle on
	 * the data file of a device that is gone was left by an open that
	 * died before its reply: nobody holds it. */
	while (!ret && (fh = state_handle_next(fh, &f))) {
		if (!(f.flags & STATE_FH_DATA))
			continue;
		if (!devs[f.dev]) {
			log_warn("zramfs%d: released a data file handle of a "
				 "device that is gone", f.dev);
			state_handle_free(fh);
			continue;
		}
		devs[f.dev]->data_opens++;
		data_files_open++;
	}
	for (id = 0; !ret && id < DEV_MAX; id++) {
		drop_spare(id);
		if (devs[id])
			restore_hot_add(id, devs[id]->rec->created_by);
	}
	if (ret && ret != -EEXIST)
		unrestore();
	pthread_mutex_unlock(&reg_lock);
	if (ret)
		log_err("cannot restore the devices: %s", strerror(-ret));
	return ret;
}

/*
 * Settles a restored swap record with what the kernel says (the table of
 * docs/design/restart.md 5.5).  Runs on the slow thread, with the mount
 * served: asking a loop device about its file is a request to the mount.
 */
static void reconcile(struct dev *d)
{
	char path[sizeof(mnt) + 32], loops[128], *loop, *save = NULL;
	struct stat st;
	int ret;

	data_path(d, path, sizeof(path));
	if (!d->loop_dev[0]) {
		/* Killed between attaching a loop device and recording it:
		 * sysfs names it by our data file's path. */
		if (swap_loop_find(path, loops, sizeof(loops)) > 0 &&
		    !stat(path, &st))
			for (loop = strtok_r(loops, " ", &save); loop;
			     loop = strtok_r(NULL, " ", &save)) {
				ret = detach_loop(d, loop, &st);
				log_info("zramfs%d: swap on was cut short: "
					 "detaching %s: %s", d->id, loop,
					 ret ? strerror(-ret) : "done");
			}
		goto off;
	}
	ret = swap_loop_backed_by(d->loop_dev, &d->loop_file);
	if (ret == 1 && swap_is_active(d->loop_dev)) {
		swap_find(d->loop_dev, &d->priority);
		log_info("zramfs%d: swap is on %s", d->id, d->loop_dev);
		return;
	}
	if (ret == 1 && d->restored == STATE_SWAP_ON)
		return; /* swapped off by hand: "swap off" detaches it */
	if (ret == 1) {
		ret = detach_loop(d, d->loop_dev, &d->loop_file);
		if (ret) {
			log_err("zramfs%d: swap %s was cut short; detaching "
				"%s: %s; write off to swap to retry", d->id,
				d->restored == STATE_SWAP_ATTACHING ? "on"
								    : "off",
				d->loop_dev, strerror(-ret));
			return;
		}
		goto off;
	}
	if (ret < 0 && ret != -ENXIO && ret != -ENOENT) {
		log_err("zramfs%d: %s: %s; the device stays swap", d->id,
			d->loop_dev, strerror(-ret));
		return;
	}
off:
	log_info("zramfs%d: swap off (%s)", d->id,
		 d->loop_dev[0] ? d->loop_dev : "no loop device");
	d->swap_on = false;
	d->loop_dev[0] = '\0';
}

/* Settles @d's restored swap record, if it has one still.  Runs on the
 * slow thread. */
static void reconcile_one(struct dev *d)
{
	uint64_t u;

	if (d->restored == STATE_SWAP_OFF)
		return;
	/* The request under way succeeded if the kernel ended where it was
	 * going: its replay answers 0. */
	u = state_swap(d->rec)->unique;
	reconcile(d);
	if (d->restored != STATE_SWAP_ON &&
	    (d->restored == STATE_SWAP_ATTACHING) != d->swap_on)
		u = 0;
	pthread_mutex_lock(&d->swap_lock);
	record_swap(d, d->swap_on ? STATE_SWAP_ON : STATE_SWAP_OFF, NULL, NULL,
		    u);
	d->restored = STATE_SWAP_OFF;
	d->swap_busy = false;
	pthread_mutex_unlock(&d->swap_lock);
}

int dev_reconcile_swap(void)
{
	int id = -1;

	if (!on_slow_thread || !on_slow_thread())
		return -EDEADLK;
	while ((id = dev_next(id)) >= 0) {
		struct dev *d = dev_get(id);

		if (!d)
			continue;
		reconcile_one(d);
		dev_put(d);
	}
	return 0;
}

/* The table of attributes; fs.c lists them in this order after "data".
 * Columns: name, show, store, the store is slow (struct dev_attr). */
const struct dev_attr dev_attrs[] = {
	{ "disksize", disksize_show, disksize_store, false },
	{ "initstate", initstate_show, NULL, false },
	{ "reset", NULL, reset_store, false },
	{ "comp_algorithm", comp_algorithm_show, comp_algorithm_store, false },
	{ "algorithm_params", algorithm_params_show, algorithm_params_store,
	  false },
	{ "max_comp_streams", max_comp_streams_show, max_comp_streams_store, false },
	{ "mem_limit", mem_limit_show, mem_limit_store, false },
	{ "mem_used_max", mem_used_max_show, mem_used_max_store, false },
	{ "compact", NULL, compact_store, false },
	{ "mm_stat", mm_stat_show, NULL, false },
	{ "io_stat", io_stat_show, NULL, false },
	{ "gc_mode", gc_mode_show, gc_mode_store, false },
	{ "gc_stat", gc_stat_show, NULL, false },
	{ "swap", swap_show, swap_store, true },
	{ "latency_stat", latency_stat_show, NULL, false },
};
_Static_assert(ARRAY_SIZE(dev_attrs) == DEV_NATTRS,
	       "DEV_NATTRS counts the rows of dev_attrs[]");

/* @return whether @d has been removed. */
static bool dev_removed(struct dev *d)
{
	bool removed;

	pthread_rwlock_rdlock(&d->init_lock);
	removed = d->removed;
	pthread_rwlock_unlock(&d->init_lock);
	return removed;
}

int dev_attr_show(struct dev *d, const struct dev_attr *a, char *buf,
		  size_t size)
{
	if (!a->show)
		return -EACCES;
	return dev_removed(d) ? -ENODEV : a->show(d, buf, size);
}

/*
 * @return whether the calling thread's request is a replay of a store
 * that took effect: the device's record was committed by it, and nothing
 * since.  (A store another request committed after it hides it: the
 * replay then runs again, as a second write would.)
 */
static bool replay_took_effect(struct dev *d)
{
	const struct state_swap *s;
	bool done;

	if (!req_resent())
		return false;
	pthread_rwlock_rdlock(&d->init_lock);
	done = state_conf(d->rec)->unique == req_id();
	pthread_rwlock_unlock(&d->init_lock);
	pthread_mutex_lock(&d->swap_lock);
	s = state_swap(d->rec);
	done |= s->unique == req_id() && (s->intent == STATE_SWAP_ON ||
					  s->intent == STATE_SWAP_OFF);
	pthread_mutex_unlock(&d->swap_lock);
	return done;
}

int dev_attr_store(struct dev *d, const struct dev_attr *a, const char *value)
{
	if (!a->store)
		return -EACCES;
	if (dev_removed(d))
		return -ENODEV;
	return replay_took_effect(d) ? 0 : a->store(d, value);
}

int dev_store(struct dev *d, const char *attr, const char *value)
{
	char v[DEV_ATTR_MAX];
	unsigned i;
	int ret;

	for (i = 0; i < DEV_NATTRS; i++) {
		if (strcmp(dev_attrs[i].name, attr) || !dev_attrs[i].store)
			continue;
		ret = dev_attr_value(value, strlen(value), v, sizeof(v));
		return ret ? ret : dev_attr_store(d, &dev_attrs[i], v);
	}
	return -ENOENT;
}

void dev_stat(struct dev *d, struct dev_stat *st)
{
	pthread_rwlock_rdlock(&d->init_lock);
	st->size = d->zs ? zstore_disksize(d->zs) : 0;
	st->allocated = d->zs ? zstore_object_pages(d->zs) * ZSTORE_PAGE_SIZE
			      : 0;
	pthread_rwlock_unlock(&d->init_lock);
	st->created = d->created;
	st->modified = ns_ts(atomic_load_explicit(&d->rec->modified_ns,
						  memory_order_relaxed));
	st->accessed = ns_ts(atomic_load_explicit(&d->rec->accessed_ns,
						  memory_order_relaxed));
}
