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
 * A store lives in a zregion (zregion.h): its header, its slot table and
 * the memory of its pages, addressed by offsets only, so that when the
 * process serving it dies anywhere, a new one attaches the region
 * (zstore_attach) and serves every page a write had returned for.  What
 * is private to a process (the allocator's lists, the GC queue, the
 * compressor) is rebuilt from the slot table then.  See zstore.c,
 * "The region" and "Crash consistency".
 *
 * Every function is thread-safe, except create, attach, detach and
 * destroy, which the caller must exclude from everything else (the
 * daemon's per-device init lock).
 * zstore knows nothing of FUSE: functions return 0 or -errno.
 *
 * Fault points (lib/fault.h; ZRAMFS_FAULT=NAME[:N][:ACTION] arms one in the
 * daemon), each a moment a crash must lose nothing acknowledged:
 *   write.after_alloc      object allocated and filled, not published
 *   write.armed            publish record armed, between the two stores
 *                          of the slot (handle written, flags not)
 *   write.disarmed         slot complete, record disarmed, slot locked
 *   write.before_free_old  new page published, old object not freed yet
 *   rmw.after_read         partial write: old page read, nothing stored
 *   discard.armed          a discard between the two stores of a slot
 *   discard.mid_batch      slots emptied, their objects not yet freed
 *                          or queued
 *   gc.stall               the GC worker about to take a batch (with
 *                          :stop, the queue fills while it is stopped)
 *   gc.mid_batch           the GC worker halfway through a batch
 *   compact.after_copy     object copied, slot not switched
 *   compact.after_switch   slot switched, old object not freed (the slot
 *                          lock still held)
 *   keeper.after_hwm       a block's number committed, pages not touched
 *   keeper.after_populate  a span faulted in, not handed to anyone
 *   keeper.mid_release     an empty span not yet punched
 *   store.attach.start     attach, before it looks at the region
 *   attach.mid_rebuild     attach, slots scanned and locks cleared, the
 *                          pool not rebuilt, records still armed
 * and in daemon/dev.c: disksize.after_segment (a store's region made, the
 * store not yet).
 */
#ifndef ZRAMFS_ZSTORE_H
#define ZRAMFS_ZSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "zstat.h"

struct zregion;

/* The version of everything a store keeps in its region (the header, the
 * publish records, struct zslot, the handle encoding, the block size).
 * zstore_attach() accepts only its own: any change bumps it. */
#define ZSTORE_LAYOUT_VERSION 1

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

/* What each process that serves a store sets for itself. */
struct zstore_runtime {
	size_t gc_queue_pages;        /* 0: zstore_gc_queue_pages() */
	uint64_t (*lock_room)(void);  /* as in zstore_params */
};

struct zstore;

/*
 * @return the bytes of the region a store of @disksize needs (address
 *         space: only what it stores takes memory), or 0 for a disksize
 *         zstore_create() refuses.
 */
uint64_t zstore_region_bytes(uint64_t disksize);

/*
 * Creates a store in region @r (at least zstore_region_bytes() big, holding
 * no memory past the header and slots: a new region, or one whose store was
 * destroyed).  The settings of @p that must survive (algorithm and its
 * parameters, mem_limit, gc_mode) go into the region's header.
 * @return 0 and the store in *@out, -EINVAL for bad params, -ENOMEM.
 */
int zstore_create(const struct zstore_params *p, struct zregion *r,
		  struct zstore **out);

/*
 * Serves the store that another process (dead now, or detached) left in
 * @r: validates the header and every slot, puts back the slots a crash
 * tore (publish records), clears the slot locks of the dead, rebuilds the
 * allocator and the derived statistics from the slots, frees every object
 * no slot names and punches every block left without one.  The caller
 * guarantees no other process uses @r.
 * @return 0 and the store in *@out; -EPROTO (a store of another layout
 *         version or ABI) or -EUCLEAN (corrupt) with the reason in @why
 *         (@whylen bytes, may be 0), nothing served; -ENOMEM.
 */
int zstore_attach(struct zregion *r, const struct zstore_runtime *rt,
		  struct zstore **out, char *why, size_t whylen);

/* Stops serving @zs: its private state goes, its region stays as it is
 * (for zstore_attach()).  The caller still has the region. */
void zstore_detach(struct zstore *zs);

/* @return the region of @zs. */
struct zregion *zstore_region(const struct zstore *zs);

/* @return the GC queue length, in pages, of a device of @disksize bytes:
 * its pages, at least ZSTORE_GC_QUEUE_MIN, at most ZSTORE_GC_QUEUE_MAX. */
size_t zstore_gc_queue_pages(uint64_t disksize);

/*
 * @return the memory, in bytes, a device of @disksize bytes takes the moment
 *         it is created, whatever it stores: its header and slot table (16
 *         bytes a page, in the region), its GC queue (8 bytes a page of it)
 *         and the pool's map of free blocks (a bit a block) and span table
 *         root.  The daemon locks it all at once, so it must fit before
 *         zstore_create() is called.
 */
uint64_t zstore_fixed_bytes(uint64_t disksize);

/* Drains the GC queue and frees every page: the region holds only the
 * header and the slot table after (the caller drops it), and no attach
 * takes it for a store any more. */
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
