/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zstore: the storage engine of one initialised device.
 *
 * A zstore holds disksize / 4096 pages.  Each page is a slot: empty (reads as
 * zeros), same-filled (one repeated machine word, no memory), compressed (an
 * object in the zpool) or huge (the raw 4096 bytes in the zpool, because it
 * did not compress below ZSTORE_HUGE_THRESHOLD).  Reads and writes take any
 * length at any offset; partial pages are read-modify-write.  Zeroing a range
 * discards its whole pages at once and defers the freeing of their memory to
 * the GC queue (gc_mode async) or frees it before returning (gc_mode sync).
 *
 * There is no discard of the kernel's kind, which leaves partial pages at
 * either end of the range alone: the device is a file here, and a file's
 * PUNCH_HOLE, like ZERO_RANGE, must read back as zeros over its whole range.
 * For the page-aligned ranges loop sends, zeroing is exactly that discard.
 *
 * Every function is thread-safe, except create and destroy, which the caller
 * must exclude from everything else (the daemon's per-device init lock).
 * zstore knows nothing of FUSE: functions return 0 or -errno.
 */
#ifndef ZRAMFS_ZSTORE_H
#define ZRAMFS_ZSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "zstat.h"

#define ZSTORE_PAGE_SIZE 4096u
#define ZSTORE_PAGE_SHIFT 12
/* Compressed pages at least this long are stored raw, as the kernel's
 * huge_class_size does with zsmalloc's default configuration. */
#define ZSTORE_HUGE_THRESHOLD 3264u
/* The GC queue holds as many pages as the device, within these bounds
 * (the most is 2 MiB of handles for 1 GiB of data). */
#define ZSTORE_GC_QUEUE_MIN 256u
#define ZSTORE_GC_QUEUE_MAX (1u << 18)

enum zstore_gc_mode {
	ZSTORE_GC_ASYNC,
	ZSTORE_GC_SYNC,
};

struct zstore_params {
	uint64_t disksize;            /* bytes, > 0, multiple of 4096 */
	const char *algorithm;        /* NULL: zcomp_default() */
	const char *algorithm_params; /* NULL or "": defaults */
	uint64_t mem_limit;           /* bytes, 0 = none */
	enum zstore_gc_mode gc_mode;
	size_t gc_queue_pages;        /* 0: zstore_gc_queue_pages() */
	/* What may still be locked (zpool_room_fn); NULL: no bound. */
	uint64_t (*lock_room)(void);
};

struct zstore;

/* @return 0 and the store in *@out, -EINVAL for bad params, -ENOMEM. */
int zstore_create(const struct zstore_params *p, struct zstore **out);

/* @return the GC queue length, in pages, of a device of @disksize bytes:
 * its pages, at least ZSTORE_GC_QUEUE_MIN, at most ZSTORE_GC_QUEUE_MAX. */
size_t zstore_gc_queue_pages(uint64_t disksize);

/*
 * @return the memory, in bytes, a device of @disksize bytes takes the moment
 *         it is created, whatever it stores: its slot table (16 bytes a page)
 *         and its GC queue (8 bytes a page of it).  The daemon locks it all at
 *         once, so it must fit before zstore_create() is called.
 */
uint64_t zstore_fixed_bytes(uint64_t disksize);

/* Drains the GC queue and frees every page. */
void zstore_destroy(struct zstore *zs);

/*
 * Makes what the calling thread needs to read and write through any zstore,
 * whatever its algorithm, so that it allocates nothing on its first page:
 * every compressor's context (zcomp_thread_prepare()).  The per-thread page
 * buffers are static TLS, which exists from the thread's start.  For threads
 * that must not allocate while they serve (the FUSE workers); callable
 * before any zstore exists.
 * @return 0 or -ENOMEM.
 */
int zstore_thread_prepare(void);

/*
 * Reads @len bytes at @off into @buf.
 * @return 0, -EIO if the range leaves the device (counted as invalid_io) or a
 *         page fails to decompress (failed_reads), -ENOMEM.
 */
int zstore_read(struct zstore *zs, void *buf, size_t len, uint64_t off);

/*
 * Writes @len bytes at @off.  Pages are written in order; when one fails,
 * the pieces before it are stored and it and those after it keep their old
 * contents, and the call reports what it stored, as write(2) does: a
 * caller that wants all of it writes the rest again to learn why.
 * @return 0 when all @len bytes are stored; the bytes stored, 0 < n < @len
 *         (a whole number of the pieces the write splits into at page
 *         boundaries), when a later page failed; -errno when nothing was
 *         stored: -ENOSPC if the range leaves the device (invalid_io) or the
 *         memory limit would be exceeded (failed_writes), -ENOMEM.
 */
ssize_t zstore_write(struct zstore *zs, const void *buf, size_t len,
		     uint64_t off);

/*
 * Makes [@off, @off + @len) read as zeros (PUNCH_HOLE, ZERO_RANGE): writes
 * zeros into the partial pages at either end, then discards the whole pages
 * inside: they read as zeros on return, and their memory is freed by the GC
 * worker (async) or before return (sync).
 * @return 0, -EIO if the range leaves the device (invalid_io), or as
 *         zstore_write for the partial pages (the whole pages are then
 *         left as they were).
 */
int zstore_zero(struct zstore *zs, uint64_t off, uint64_t len);

/* Compacts the pool. @return the pages released by this call. */
uint64_t zstore_compact(struct zstore *zs);

/* Sets the memory limit in bytes (0 = none); later writes obey it. */
void zstore_set_mem_limit(struct zstore *zs, uint64_t bytes);

/* Switches the GC mode; switching to sync drains the queue first. */
void zstore_set_gc_mode(struct zstore *zs, enum zstore_gc_mode mode);
enum zstore_gc_mode zstore_gc_mode(const struct zstore *zs);

/* Waits until the GC queue is empty. */
void zstore_gc_drain(struct zstore *zs);

/* Sets mem_used_max to the current mem_used_total. */
void zstore_reset_mem_used_max(struct zstore *zs);

uint64_t zstore_disksize(const struct zstore *zs);
/* @return the pages that hold an object in the pool (compressed or huge):
 * the stored pages but the same-filled ones, which take no memory.  Cheaper
 * than zstore_get_stats(). */
uint64_t zstore_object_pages(struct zstore *zs);

struct zstore_stats {
	struct zstat_mm mm;
	struct zstat_io io;
	struct zstat_gc gc;
};

void zstore_get_stats(struct zstore *zs, struct zstore_stats *st);

#endif
