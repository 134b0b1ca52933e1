/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dev: the devices zramfsN and their attributes, the daemon's equivalent of
 * /sys/block/zramN.  A device exists from hot_add to hot_remove; it is
 * initialised (has a zstore) from the write of disksize to reset.  The
 * attribute semantics are the kernel's (Documentation/admin-guide/blockdev/
 * zram.rst) unless the zramfs interface contract says otherwise.  Nothing
 * here knows FUSE: fs.c calls in with plain buffers and gets -errno back.
 */
#ifndef ZRAMFS_DEV_H
#define ZRAMFS_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "swapopt.h"
#include "ztree.h"

/* Both are part of the tree's format, which zramfsctl knows too. */
#define DEV_MAX ZTREE_DEV_MAX
/* Attribute contents never reach this (sysfs's PAGE_SIZE rule). */
#define DEV_ATTR_MAX ZTREE_ATTR_MAX
/* The longest algorithm name and algorithm_params value, with their NUL. */
#define DEV_ALGO_MAX 32
#define DEV_PARAMS_MAX 128

struct dev;

struct dev_attr {
	const char *name;
	/* @return the length written into @buf (< DEV_ATTR_MAX) or -errno. */
	int (*show)(struct dev *d, char *buf, size_t size);
	/* @buf is NUL-terminated.  @return 0 or -errno; on error nothing
	 * changed. */
	int (*store)(struct dev *d, const char *buf);
	/* The store may block on the mount (swapon reads the device through
	 * it) and needs privileges: the caller runs it on the slow thread
	 * (dev_registry_init()), never on a thread that serves the mount's
	 * requests, which it would wait for. */
	bool slow;
};

/* The attributes, as many as the table in dev.c has (it checks): a
 * compile-time constant, so that fs.c can check its inode space. */
#define DEV_NATTRS 15
extern const struct dev_attr dev_attrs[DEV_NATTRS];

/*
 * Remembers where the tree is mounted (the loop device opens data there),
 * and how to tell the slow thread: the one thread that runs the slow stores
 * (struct dev_attr) and turns swap on and off (the daemon's control thread,
 * which keeps the capabilities for it and serves no request of the mount).
 * Its callers take the hop onto it; the swap code asks @on_slow_thread
 * (NULL: no thread is) and refuses, with EDEADLK, to run anywhere else.
 */
void dev_registry_init(const char *mountpoint, bool (*on_slow_thread)(void));

/* Creates the lowest-numbered free device for the read of control/hot_add
 * through handle @fh (fs.c), recorded so that the read, continued by a new
 * server, renders this device and makes no other.
 * @return its number or -errno. */
int dev_hot_add(uint64_t fh);

/* Creates device @id (or the lowest free if @id < 0).
 * @return its number, -EEXIST, -ENOSPC (all DEV_MAX taken), -ENOMEM. */
int dev_add(int id);

/* Removes device @id and frees its data at once; references still held
 * (open attribute files) keep only the husk, on which every attribute and
 * data operation fails with ENODEV.
 * @return 0, -ENOENT, -EBUSY (data open or swap). */
int dev_hot_remove(int id);

/*
 * Tells dev.c which FUSE request the calling thread serves: its unique, as
 * the kernel numbers requests on the connection, with DEV_REQ_RESEND set
 * when FUSE_NOTIFY_RESEND replays one a dead server had read; 0 for none
 * (the configuration, tests).  Every store commits the unique of its
 * request with its change (state.h), so that a replay of a store, swap on
 * or off, or hot_remove that took effect answers 0 without doing it again.
 */
#define DEV_REQ_RESEND (1ull << 63)
void dev_set_request(uint64_t unique);

/* @return device @id with a reference held, or NULL. */
struct dev *dev_get(int id);
void dev_put(struct dev *d);
/* Takes another reference on a device already held. */
void dev_hold(struct dev *d);

/* @return the first device number above @after, or -1. */
int dev_next(int after);

int dev_id(const struct dev *d);

/* The data file. */
uint64_t dev_disksize(struct dev *d);
/* Counts an open of the data file.  @return 0, or -ENODEV once the device
 * is removed or dev_close_data() has closed the data files. */
int dev_data_open(struct dev *d);
void dev_data_release(struct dev *d);
/* @return bytes read (short at the end of the device) or -errno. */
ssize_t dev_data_read(struct dev *d, void *buf, size_t size, uint64_t off);
/*
 * Writes @size bytes at @off.  When a page fails (mem_limit, no memory) the
 * pages before it stay written.  With @whole false the call then returns
 * their count, a short write, as a file does; with @whole true it fails
 * with the error, as a block device does: that is for the loop device's
 * direct I/O, which takes any count for complete (see dev.c).
 * @return the bytes written (@size, or fewer for a short write), or -errno
 *         (ENOSPC beyond the end or at the memory limit, ENOMEM).
 */
ssize_t dev_data_write(struct dev *d, const void *buf, size_t size,
		       uint64_t off, bool whole);
/* FALLOC_FL_PUNCH_HOLE|KEEP_SIZE and FALLOC_FL_ZERO_RANGE. */
int dev_data_fallocate(struct dev *d, int mode, uint64_t off, uint64_t len);
/*
 * @return the histograms latency_stat shows, which fs.c counts the data
 * requests of @d into once it has answered them: they live in the state
 * region, so they stay valid after @d is put (a request answered as its
 * device is removed and another made under its number may count for the
 * new one).
 */
struct zlat *dev_latency(struct dev *d);

/*
 * Writes @value to the attribute named @attr as a write(2) of its file
 * would, through dev_attr_value() and dev_attr_store() (a slow store must
 * be on the slow thread already).
 * @return as dev_attr_store(), -EINVAL as dev_attr_value(), or -ENOENT if
 *         no attribute of that name can be written.
 */
int dev_store(struct dev *d, const char *attr, const char *value);

/*
 * The settings, typed.  Each settable attribute's store parses its value
 * with the parser of its format (lib/size.h's size_parse(), lib/ztree.h,
 * lib/swapopt.h, or dev_parse_params() below), checks it with the check
 * below, and applies it with the dev_set_*() function; the configuration
 * (conf.c) parses its keys with the same parsers, checks them with the same
 * checks when it loads, and applies them with the same functions, so that
 * the file takes exactly the values the attribute takes.  The checks look
 * at the value alone and say why they refuse it in @why (@size bytes, as
 * zcomp_validate_why()); the functions return what a write of the attribute
 * returns.
 */

/* @return 0 if @bytes, rounded up to a page, is a disksize (1 page to
 * DEV_DISKSIZE_MAX), or -EINVAL. */
int dev_check_disksize(uint64_t bytes, char *why, size_t size);
/* disksize: @bytes rounded up to a page. */
int dev_set_disksize(struct dev *d, uint64_t bytes);

/* @return 0 if @name is an algorithm of this build, or -EINVAL. */
int dev_check_algorithm(const char *name, char *why, size_t size);
/* comp_algorithm. */
int dev_set_algorithm(struct dev *d, const char *name);

/* An algorithm_params value: the parameters, and the algorithm they are
 * for (empty: the one selected when they are stored). */
struct dev_params {
	char algo[DEV_ALGO_MAX];
	char params[DEV_PARAMS_MAX]; /* "level=3": words, one blank apart */
};
/*
 * Parses "[algo=NAME] [KEY=VALUE ...]" (the words in any order, at most one
 * algo=), checking only NAME, not the parameters.
 * @return 0 and the value in *@p, or -EINVAL.
 */
int dev_parse_params(const char *value, struct dev_params *p, char *why,
		     size_t size);
/* Writes @p as dev_parse_params() takes it ("algo=zstd level=3",
 * "level=3", "" ...), in at most DEV_PARAMS_TEXT_MAX bytes with the NUL.
 * @return the length (snprintf's). */
#define DEV_PARAMS_TEXT_MAX (DEV_ALGO_MAX + DEV_PARAMS_MAX + 5)
int dev_params_format(const struct dev_params *p, char *buf, size_t size);
/* @return 0 if @p's parameters are valid for its algorithm, or for
 * @algorithm if it names none; or -EINVAL. */
int dev_check_params(const struct dev_params *p, const char *algorithm,
		     char *why, size_t size);
/* algorithm_params. */
int dev_set_params(struct dev *d, const struct dev_params *p);

/* mem_limit: @bytes rounded up to a page, 0 for none. */
int dev_set_mem_limit(struct dev *d, uint64_t bytes);

/* gc_mode. */
int dev_set_gc_mode(struct dev *d, enum ztree_gc_mode mode);

/* swap "on priority=@priority discard=@discard" (priority -1: the kernel
 * chooses).  On the slow thread alone: elsewhere it fails with -EDEADLK. */
int dev_swap_on(struct dev *d, int priority, enum swapopt_discard discard);

/*
 * Parses a write to the swap attribute, "on [priority=P] [discard=POLICY]"
 * or "off", without acting on it: the check the store makes first
 * (tests/fuzz/fuzz-attr.c).  P and POLICY as lib/swapopt.h parses them.
 * @return 0 and the request in *@on, *@priority (-1: the kernel chooses)
 *         and *@discard, or -EINVAL.
 */
int dev_parse_swap(const char *buf, bool *on, int *priority,
		   enum swapopt_discard *discard);

/*
 * Turns swap off and detaches the loop device of every device that is
 * swap, logging each.  A loop device no longer attached to its data file is
 * left alone and forgotten.  Runs on the slow thread.
 * @return 0, -EDEADLK on another thread, or the first error (those devices
 *         stay swap, or keep their loop device, and the daemon must keep
 *         serving them).
 */
int dev_swapoff_all(void);

/*
 * Closes the data files of all devices for good, if none is open: from then
 * on opening one fails with ENODEV.  At shutdown, after dev_swapoff_all():
 * the daemon must not exit while a data file is open, as the kernel's zram
 * cannot be unloaded while a zram device is open (a loop device attached by
 * hand to it would lose every page).
 * @return 0, or -EBUSY after logging which devices are open and, where a
 *         loop device is attached to the data file, which one.
 */
int dev_close_data(void);

/* Frees every device (at exit, after dev_swapoff_all succeeded). */
void dev_destroy_all(void);

/*
 * Every device is written through to its record in the state region
 * (state.h), which must be open (state_open()) before the first device is
 * added.  In a new server, after state_open(id) attached the region of the
 * one that died, this rebuilds the device table from the records: devices,
 * settings, times, swap records, and the data files open (counted from the
 * handle table).  Each record is checked with the attributes' own checks.
 * The store of each initialised device is attached (region_attach(),
 * zstore_attach(): validated, repaired, rebuilt), and a store region that a
 * disksize, reset or hot_remove cut short left in transit is dropped.
 * Nothing is served yet: swap records are settled with the kernel later,
 * by dev_reconcile_swap().
 * @return 0; -EEXIST if devices exist already; -EUCLEAN for a record no
 *         attribute could have written or a store that cannot be attached,
 *         -EPROTO for a store of another layout (all logged; the table
 *         stays empty, every region as it was); -ENOMEM; -ENXIO without a
 *         state region.
 */
int dev_restore_all(void);

/*
 * Settles each restored swap record that was not plainly off with what the
 * kernel says (/proc/swaps, the loop device's backing file): swap stays on
 * where the area is active on our loop device; a loop device a swap on or
 * off that was cut short left attached is detached; one gone or attached
 * elsewhere is forgotten.  Until then reset and hot_remove of such a
 * device answer EBUSY.  On the slow thread, once the mount is served (the
 * loop device asks the mount about its file).
 * @return 0, or -EDEADLK on another thread.
 */
int dev_reconcile_swap(void);

/* The largest disksize: page indices must fit zstore's 32-bit
 * back-references. */
#define DEV_DISKSIZE_MAX (16ull << 40)
/* disksize may be at most this many times the RAM (see disksize_store()). */
#define DEV_DISKSIZE_RAM_FACTOR 32

/*
 * The one rule for every value written to an attribute (and to
 * control/hot_remove), applied before any store parses it, as the kernel's
 * attributes do: one trailing newline, the one echo adds, is dropped; what
 * is left must hold no NUL byte, no other newline and no blank at either
 * end.  @len must be less than @size (a sysfs value is less than a page).
 * @return 0 and the value, NUL-terminated, in @out; or -EINVAL.
 */
int dev_attr_value(const char *buf, size_t len, char *out, size_t size);

/*
 * Renders attribute @a of @d, or stores @value (which passed
 * dev_attr_value()) into it: every read and write of an attribute file goes
 * through these.  @return as the show or store, or -ENODEV once @d is
 * removed.
 */
int dev_attr_show(struct dev *d, const struct dev_attr *a, char *buf,
		  size_t size);
int dev_attr_store(struct dev *d, const struct dev_attr *a, const char *value);

/* What stat(2) tells of a device's files. */
struct dev_stat {
	uint64_t size;            /* disksize */
	uint64_t allocated;       /* bytes in pages that hold compressed data */
	struct timespec created;  /* hot_add */
	struct timespec modified; /* data: last write, disksize or reset */
	struct timespec accessed; /* data: last read */
};

void dev_stat(struct dev *d, struct dev_stat *st);

#endif
