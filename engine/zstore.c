// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zstore: the storage engine of one device, modelled on kernel zram.
 *
 * The device is an array of 4 KiB pages; each page has a 16-byte slot, in
 * the store's region (see "The region" below):
 *
 *   struct zslot { handle; flags }
 *       handle: the zpool object of a compressed or huge page,
 *               the repeated word of a same-filled page, else 0
 *       flags:  [63] lock  [47..16] generation  [14] huge  [13] same
 *               [12..0] object size in bytes (0 = no object)
 *
 * The slot table is touched only through the accessors below.  A write
 * detects a same-filled page and stores the word without memory; otherwise
 * it compresses into a per-thread buffer outside any lock, stores the page
 * raw ("huge") if it did not shrink below ZSTORE_HUGE_THRESHOLD, allocates
 * the object and fills it, and only then takes the slot lock to swap the
 * handle in.  The old object is freed after the lock is dropped.  A read
 * copies the compressed bytes out under the slot lock and decompresses after
 * dropping it.  A partial-page write is read-modify-write: it remembers the
 * slot's generation when it reads, and publishes only if the generation is
 * unchanged, else it starts over, so two partial writes to one page never
 * lose each other's bytes.
 *
 * Discard empties slots under their locks at once (the page reads as zeros
 * and a later write allocates fresh memory) and hands the old objects to the
 * GC queue (async mode) or frees them itself (sync mode).  Because the slot
 * no longer refers to the object, nothing but the GC can reach it: a write
 * that lands on a punched page while the old object waits is never lost.
 *
 * Locking rules:
 *  1. The slot lock is a bit spinlock in the flags word; it protects the
 *     slot's handle and flags.  It is held only for copies of at most a page
 *     and for swapping the handle: never across compression, decompression,
 *     allocation or freeing.
 *  2. zpool's class locks are never taken under a slot lock.  Compaction
 *     takes a class lock and then, in zstore_migrate(), the slot lock of the
 *     object it moves: order is class lock -> slot lock.
 *  3. Statistics are atomics updated after the slot lock is dropped.
 *
 * The region
 *
 * The whole store lives in one zregion, so that it outlives the process
 * serving it (docs/design/restart.md).  Each process maps the region at
 * another address: nothing in it is a pointer, only offsets and handles
 * (zpool.c, "The area"):
 *
 *     0       struct zstore_hdr: magic "ZRAMFSST", ZSTORE_LAYOUT_VERSION,
 *             sizes of the shared structs, an endian mark, disksize,
 *             geometry, algorithm and parameters, a checksum of all that;
 *             then mem_limit, gc_mode, mem_used_max, the counters no slot
 *             tells (huge_pages_since, failed_reads, failed_writes,
 *             invalid_io, notify_free, freed_inline), zpool's and gc's
 *             shared parts (hwm, pages_compacted, alloc_failures; the GC
 *             totals)
 *     4 KiB   128 publish records, 64 bytes each
 *     16 KiB  the slot table: npages x struct zslot (16 bytes; issue 14
 *             keeps it at most 24)
 *     64 KiB- the pool's blocks, 64 KiB each, one span each: one for each
 *     aligned page and GC queue entry plus 1024, or as many spans of 8 KiB
 *             as RAM holds if fewer (address space; memory only for what
 *             is stored)
 *
 * Header, records and slots are faulted in at create (the daemon counts
 * them, zstore_fixed_bytes()); blocks only by the keeper.  What is private
 * and rebuilt by zstore_attach(): the pool's lists and span metadata, the
 * GC queue (its objects are unreferenced: freed), the compressor, and the
 * derived counters (pages_stored, compr_data_size, same_pages, huge_pages),
 * recounted from the slots.
 *
 * Crash consistency
 *
 * A process killed anywhere leaves every store it executed and none after;
 * the slot table is the one source of truth.  An object is live exactly
 * when a slot names it: one allocated but not published yet, one a slot
 * no longer names (waiting for its free or in the GC queue), one copied by
 * compaction before the switch or left behind after it, all are freed by
 * the attach that finds them unreferenced, and blocks left with no live
 * object are punched.  The one update a kill can tear is a slot's two
 * words (handle, flags): every change of both goes through a publish
 * record in the region (slot_publish()): the undo image is written, the
 * record armed (the slot index), the two stores made, the record disarmed,
 * all while the slot lock is held, so at most one armed record names a
 * slot.  zstore_attach() puts each armed record's old image back (the
 * write that was in flight never returned: old is right), then clears
 * every lock bit (every one belongs to the dead), then validates and
 * adopts every slot, and disarms the records last, so an attach that dies
 * too is redone the same way.  Compaction changes only the handle, one
 * aligned store after the copy: its commit point.  Fault points at each of
 * these steps are listed in zstore.h; test-zstore-crash kills a process at
 * each and at random.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "gc.h"
#include "zcomp.h"
#include "zpool.h"
#include "zregion.h"
#include "zstore.h"

#define SLOT_SIZE_MASK 0x1fffull
#define SLOT_SAME (1ull << 13)
#define SLOT_HUGE (1ull << 14)
#define SLOT_GEN_SHIFT 16
#define SLOT_GEN_MASK (0xffffffffull << SLOT_GEN_SHIFT)
#define SLOT_LOCK (1ull << 63)
/* Bits no slot may have set (attach refuses them). */
#define SLOT_RESERVED \
	(~(SLOT_SIZE_MASK | SLOT_SAME | SLOT_HUGE | SLOT_GEN_MASK | SLOT_LOCK))

_Static_assert(ZSTORE_PAGE_SIZE <= SLOT_SIZE_MASK, "size fits the flags");
_Static_assert(ZPOOL_MAX_OBJ == ZSTORE_PAGE_SIZE, "a huge page fits a class");

struct zslot {
	uint64_t handle;       /* protected by the slot lock; one store */
	_Atomic uint64_t flags; /* the lock bit, and the rest under it */
};

/* Issue 14 wants the slot to stay at most 24 bytes: it is 16. */
_Static_assert(sizeof(struct zslot) == 16, "16 bytes of metadata per page");

/* How many discarded objects a discard collects before it frees or queues. */
#define DISCARD_BATCH 256

/*
 * A publish record: the undo image of the one slot its thread is changing
 * (see "Crash consistency" above).  busy only means something to the live
 * process (which thread has the record); attach clears it.
 */
struct zstore_rec {
	_Atomic uint64_t slot; /* armed: slot index + 1; 0: disarmed */
	uint64_t old_handle;
	uint64_t old_flags; /* without the lock bit */
	_Atomic uint32_t busy;
	uint32_t pad0;
	uint64_t pad[4];
};

_Static_assert(sizeof(struct zstore_rec) == 64, "a record per cache line");

#define ZSTORE_MAGIC "ZRAMFSST"
#define ZSTORE_ENDIAN UINT64_C(0x0102030405060708)
#define ZSTORE_NRECS 128u
#define ZSTORE_RECS_OFF 4096u
#define ZSTORE_SLOTS_OFF 16384u
/* Blocks beyond one a page and one a GC queue entry: spares (one a class),
 * objects in flight (one a writer), spans the keeper has yet to punch. */
#define ZSTORE_EXTRA_BLOCKS 1024u
#define ZSTORE_ALGO_MAX 32u
#define ZSTORE_PARAMS_MAX 192u

/*
 * The store header, at offset 0 of the region.  Everything up to @sum is
 * written once by zstore_create() and checksummed; what follows changes.
 */
struct zstore_hdr {
	char magic[8];
	uint32_t layout;      /* ZSTORE_LAYOUT_VERSION */
	uint32_t hdr_bytes;   /* sizeof(struct zstore_hdr) */
	uint64_t endian;      /* ZSTORE_ENDIAN */
	uint32_t slot_bytes;  /* sizeof(struct zslot) */
	uint32_t rec_bytes;   /* sizeof(struct zstore_rec) */
	uint32_t nrecs;	      /* ZSTORE_NRECS, at ZSTORE_RECS_OFF */
	uint32_t block_bytes; /* ZPOOL_BLOCK_SIZE */
	uint64_t disksize;
	uint64_t npages;
	uint64_t slots_off;
	uint64_t blocks_off;
	uint64_t nblocks;
	char algorithm[ZSTORE_ALGO_MAX];
	char algorithm_params[ZSTORE_PARAMS_MAX];
	uint64_t sum; /* FNV-1a of the bytes above */

	/* Settings and the counters no slot can tell (relaxed atomics). */
	_Atomic uint64_t mem_limit;
	_Atomic uint64_t gc_mode;
	_Atomic uint64_t mem_used_max;
	_Atomic uint64_t huge_pages_since;
	_Atomic uint64_t failed_reads;
	_Atomic uint64_t failed_writes;
	_Atomic uint64_t invalid_io;
	_Atomic uint64_t notify_free;
	_Atomic uint64_t freed_inline;
	struct zpool_shared pool;
	struct gc_shared gc; /* under the GC queue's lock */
};

_Static_assert(sizeof(struct zstore_hdr) <= ZSTORE_RECS_OFF,
	       "the header fits before the records");
_Static_assert(ZSTORE_RECS_OFF + ZSTORE_NRECS * sizeof(struct zstore_rec) <=
		       ZSTORE_SLOTS_OFF,
	       "the records fit before the slots");

struct zstore {
	struct zregion *region;
	struct zstore_hdr *hdr;	 /* in the region */
	struct zstore_rec *recs; /* in the region */
	struct zslot *slots;	 /* in the region: npages */
	uint64_t disksize;
	uint64_t npages;
	struct zpool *pool;
	struct zcomp *comp;
	struct gc *gc;

	/* Derived from the slots (recounted by attach). */
	_Atomic int64_t pages_stored;
	_Atomic int64_t compr_data_size;
	_Atomic int64_t same_pages;
	_Atomic int64_t huge_pages;
};

/* Per-thread scratch: compressed bytes going in or out, and a whole page for
 * partial reads and writes.  No allocation per page. */
static __thread unsigned char tls_cbuf[ZSTORE_PAGE_SIZE]
	__attribute__((aligned(64)));
static __thread unsigned char tls_page[ZSTORE_PAGE_SIZE]
	__attribute__((aligned(64)));

static const unsigned char zero_page[ZSTORE_PAGE_SIZE];

#define stat_add(zs, field, n) \
	atomic_fetch_add_explicit(&(zs)->field, (n), memory_order_relaxed)
#define stat_get(zs, field) \
	atomic_load_explicit(&(zs)->field, memory_order_relaxed)
/* The same for the counters in the header. */
#define hstat_add(zs, field, n) stat_add((zs)->hdr, field, n)
#define hstat_get(zs, field) stat_get((zs)->hdr, field)

/* The thread's publish record hint (index + 1; 0: none yet). */
static __thread unsigned int tls_rec;
static _Atomic unsigned int next_rec;

/* --- slot accessors ------------------------------------------------------- */

static void slot_lock(struct zstore *zs, uint64_t idx)
{
	_Atomic uint64_t *f = &zs->slots[idx].flags;
	unsigned spins = 0;

	for (;;) {
		if (!(atomic_fetch_or_explicit(f, SLOT_LOCK,
					       memory_order_acquire) &
		      SLOT_LOCK))
			return;
		while (atomic_load_explicit(f, memory_order_relaxed) &
		       SLOT_LOCK) {
			/* The holder may have been preempted: in userspace a
			 * spinlock must yield rather than burn its slice. */
			if (++spins > 64)
				sched_yield();
		}
	}
}

static void slot_unlock(struct zstore *zs, uint64_t idx)
{
	atomic_fetch_and_explicit(&zs->slots[idx].flags, ~SLOT_LOCK,
				  memory_order_release);
}

/* Caller holds the slot lock (for all accessors below). */
static uint64_t slot_flags(struct zstore *zs, uint64_t idx)
{
	return atomic_load_explicit(&zs->slots[idx].flags,
				    memory_order_relaxed) &
	       ~SLOT_LOCK;
}

static size_t flags_size(uint64_t flags)
{
	return flags & SLOT_SIZE_MASK;
}

static uint64_t flags_gen(uint64_t flags)
{
	return (flags & SLOT_GEN_MASK) >> SLOT_GEN_SHIFT;
}

/* One store of the handle, which a crash cannot tear. */
static void slot_store_handle(struct zstore *zs, uint64_t idx, uint64_t h)
{
	__atomic_store_n(&zs->slots[idx].handle, h, __ATOMIC_RELAXED);
}

/* Sets handle and flags (size, same, huge) and bumps the generation, so a
 * read-modify-write that started before sees the slot changed.  Two
 * stores: callers go through slot_publish(). */
static void slot_set(struct zstore *zs, uint64_t idx, uint64_t handle,
		     uint64_t flags, const char *point)
{
	uint64_t gen = flags_gen(slot_flags(zs, idx)) + 1;

	slot_store_handle(zs, idx, handle);
	atomic_signal_fence(memory_order_seq_cst);
	FAULT_POINT(point);
	flags &= SLOT_SIZE_MASK | SLOT_SAME | SLOT_HUGE;
	flags |= (gen << SLOT_GEN_SHIFT) & SLOT_GEN_MASK;
	atomic_store_explicit(&zs->slots[idx].flags, flags | SLOT_LOCK,
			      memory_order_relaxed);
}

/*
 * @return a publish record of the calling thread's for now: each thread
 * keeps to the one it had last, unless another has it.
 */
static struct zstore_rec *rec_claim(struct zstore *zs)
{
	unsigned int i, n;

	if (!tls_rec)
		tls_rec = atomic_fetch_add_explicit(&next_rec, 1,
						    memory_order_relaxed) %
				  ZSTORE_NRECS +
			  1;
	for (n = 0;; n++) {
		struct zstore_rec *rec;
		uint32_t free_ = 0;

		i = (tls_rec - 1 + n) % ZSTORE_NRECS;
		rec = &zs->recs[i];
		if (atomic_load_explicit(&rec->busy, memory_order_relaxed) ==
			    0 &&
		    atomic_compare_exchange_strong_explicit(
			    &rec->busy, &free_, 1, memory_order_acquire,
			    memory_order_relaxed)) {
			tls_rec = i + 1;
			return rec;
		}
		if (n && n % ZSTORE_NRECS == 0)
			sched_yield();
	}
}

static void rec_release(struct zstore_rec *rec)
{
	atomic_store_explicit(&rec->busy, 0, memory_order_release);
}

/*
 * Caller holds the slot lock and @rec.  Changes slot @idx from @old_handle,
 * @old_flags to @handle, @flags so that a crash at any instruction leaves
 * either state to the next attach: the record holds the undo image while
 * the two stores of slot_set() run (armed), and is disarmed after.  Only
 * the compiler can reorder what a killed thread leaves (the kernel makes
 * every store it executed visible to the next process): signal fences.
 */
static void slot_publish(struct zstore *zs, struct zstore_rec *rec,
			 uint64_t idx, uint64_t old_handle, uint64_t old_flags,
			 uint64_t handle, uint64_t flags, const char *point)
{
	rec->old_handle = old_handle;
	rec->old_flags = old_flags;
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&rec->slot, idx + 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	slot_set(zs, idx, handle, flags, point);
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&rec->slot, 0, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
}

/* --- pages ------------------------------------------------------------------ */

/*
 * @return true if @page is one machine word repeated, and the word.  The
 * page may be unaligned (a FUSE write at any offset): words are loaded with
 * memcpy, which compiles to plain loads.
 */
static bool page_same_filled(const void *page, uint64_t *word)
{
	const unsigned char *p = page;
	uint64_t first, w;
	size_t i;

	memcpy(&first, p, sizeof(first));
	for (i = sizeof(w); i < ZSTORE_PAGE_SIZE; i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		if (w != first)
			return false;
	}
	*word = first;
	return true;
}

static void page_fill(void *page, uint64_t word)
{
	unsigned char *p = page;
	size_t i;

	if (word == 0) {
		memset(page, 0, ZSTORE_PAGE_SIZE);
		return;
	}
	for (i = 0; i < ZSTORE_PAGE_SIZE; i += sizeof(word))
		memcpy(p + i, &word, sizeof(word));
}

/* Updates the counters for a slot going from @old to @new flags. */
static void account(struct zstore *zs, uint64_t old, bool old_used,
		    uint64_t new, bool new_used)
{
	stat_add(zs, pages_stored, (int64_t)new_used - (int64_t)old_used);
	stat_add(zs, compr_data_size,
		 (int64_t)flags_size(new) - (int64_t)flags_size(old));
	stat_add(zs, same_pages,
		 (int64_t)!!(new & SLOT_SAME) - (int64_t)!!(old & SLOT_SAME));
	stat_add(zs, huge_pages,
		 (int64_t)!!(new & SLOT_HUGE) - (int64_t)!!(old & SLOT_HUGE));
}

static bool flags_used(uint64_t flags)
{
	return flags & (SLOT_SAME | SLOT_SIZE_MASK);
}

/*
 * Reads page @idx into @dst (ZSTORE_PAGE_SIZE bytes).  If @gen is not NULL,
 * it receives the slot's generation at the time of the read.
 * @return 0, or -EIO if the page does not decompress.
 */
static int read_page(struct zstore *zs, uint64_t idx, void *dst,
		     uint64_t *gen)
{
	uint64_t flags, handle;
	size_t size;
	int ret;

	slot_lock(zs, idx);
	flags = slot_flags(zs, idx);
	handle = zs->slots[idx].handle;
	size = flags_size(flags);
	if (gen)
		*gen = flags_gen(flags);
	if (!size) {
		slot_unlock(zs, idx);
		page_fill(dst, (flags & SLOT_SAME) ? handle : 0);
		return 0;
	}
	if (flags & SLOT_HUGE) {
		memcpy(dst, zpool_map(zs->pool, handle), ZSTORE_PAGE_SIZE);
		slot_unlock(zs, idx);
		return 0;
	}
	memcpy(tls_cbuf, zpool_map(zs->pool, handle), size);
	slot_unlock(zs, idx);

	ret = zcomp_decompress(zs->comp, tls_cbuf, size, dst,
			       ZSTORE_PAGE_SIZE);
	if (ret)
		hstat_add(zs, failed_reads, 1);
	return ret;
}

/* Bumps mem_used_max to at least @used. */
static void update_max(struct zstore *zs, uint64_t used)
{
	uint64_t max = atomic_load_explicit(&zs->hdr->mem_used_max,
					    memory_order_relaxed);

	while (used > max &&
	       !atomic_compare_exchange_weak_explicit(&zs->hdr->mem_used_max,
						      &max,
						      used,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

/*
 * Stores @src as page @idx.  With @expect_gen >= 0 it publishes only if the
 * slot's generation still equals it (read-modify-write).
 * @return 0, -EAGAIN if the generation changed (nothing stored), -ENOSPC
 *         when the memory limit is reached, -ENOMEM.
 */
static int write_page(struct zstore *zs, uint64_t idx, const void *src,
		      int64_t expect_gen)
{
	uint64_t handle = 0, flags, old_flags, old_handle, limit, used;
	const void *data = tls_cbuf;
	struct zstore_rec *rec;
	size_t size;
	int ret;

	if (page_same_filled(src, &handle)) {
		flags = SLOT_SAME;
		goto publish;
	}

	ret = zcomp_compress(zs->comp, src, ZSTORE_PAGE_SIZE, tls_cbuf,
			     ZSTORE_HUGE_THRESHOLD - 1);
	if (ret == -ENOSPC) {
		size = ZSTORE_PAGE_SIZE;
		data = src;
		flags = SLOT_HUGE | size;
	} else if (ret < 0) {
		return ret;
	} else {
		size = ret;
		flags = size;
	}

	ret = zpool_alloc(zs->pool, size, (uint32_t)idx, &handle);
	if (ret)
		return ret;
	/* mem_used_total, the limit and the maximum leave out the empty
	 * spans the pool keeps ready (1 MiB at most, see zpool.c). */
	used = zpool_used_bytes(zs->pool);
	limit = hstat_get(zs, mem_limit);
	if (limit && used > limit) {
		zpool_free(zs->pool, handle);
		return -ENOSPC;
	}
	update_max(zs, used);
	/* Not yet published: no one else can reach the object, and
	 * compaction leaves it alone because the slot does not refer to it. */
	memcpy(zpool_map(zs->pool, handle), data, size);
	FAULT_POINT("write.after_alloc");

publish:
	rec = rec_claim(zs);
	slot_lock(zs, idx);
	old_flags = slot_flags(zs, idx);
	if (expect_gen >= 0 && flags_gen(old_flags) != (uint64_t)expect_gen) {
		slot_unlock(zs, idx);
		rec_release(rec);
		if (flags_size(flags))
			zpool_free(zs->pool, handle);
		return -EAGAIN;
	}
	old_handle = zs->slots[idx].handle;
	slot_publish(zs, rec, idx, old_handle, old_flags, handle, flags,
		     "write.armed");
	FAULT_POINT("write.disarmed");
	slot_unlock(zs, idx);
	rec_release(rec);

	FAULT_POINT("write.before_free_old");
	if (flags_size(old_flags))
		zpool_free(zs->pool, old_handle);
	account(zs, old_flags, flags_used(old_flags), flags, true);
	if (flags & SLOT_HUGE)
		hstat_add(zs, huge_pages_since, 1);
	return 0;
}

/* Writes @len bytes at @pos inside page @idx (read-modify-write). */
static int write_partial(struct zstore *zs, uint64_t idx, size_t pos,
			 const void *src, size_t len)
{
	uint64_t gen;
	int ret;

	do {
		ret = read_page(zs, idx, tls_page, &gen);
		if (ret)
			return ret;
		FAULT_POINT("rmw.after_read");
		memcpy(tls_page + pos, src, len);
		ret = write_page(zs, idx, tls_page, (int64_t)gen);
	} while (ret == -EAGAIN);
	return ret;
}

/* @return true if [off, off + len) lies inside the device. */
static bool in_range(const struct zstore *zs, uint64_t off, uint64_t len)
{
	return len <= zs->disksize && off <= zs->disksize - len;
}

/* Splits I/O at page boundaries: @return the length of the piece at @off
 * (at most @len), its page in *@idx and its offset in the page in *@pos. */
static size_t page_piece(uint64_t off, size_t len, uint64_t *idx, size_t *pos)
{
	size_t n;

	*idx = off >> ZSTORE_PAGE_SHIFT;
	*pos = off & (ZSTORE_PAGE_SIZE - 1);
	n = ZSTORE_PAGE_SIZE - *pos;
	return n < len ? n : len;
}

/* --- public interface ----------------------------------------------------- */

int zstore_read(struct zstore *zs, void *buf, size_t len, uint64_t off)
{
	unsigned char *dst = buf;
	int ret;

	if (!in_range(zs, off, len)) {
		hstat_add(zs, invalid_io, 1);
		return -EIO;
	}
	while (len) {
		uint64_t idx;
		size_t pos, n = page_piece(off, len, &idx, &pos);

		if (n == ZSTORE_PAGE_SIZE) {
			ret = read_page(zs, idx, dst, NULL);
		} else {
			ret = read_page(zs, idx, tls_page, NULL);
			if (!ret)
				memcpy(dst, tls_page + pos, n);
		}
		if (ret)
			return ret;
		dst += n;
		off += n;
		len -= n;
	}
	return 0;
}

ssize_t zstore_write(struct zstore *zs, const void *buf, size_t len,
		     uint64_t off)
{
	const unsigned char *src = buf;
	size_t done = 0;
	int ret;

	if (!in_range(zs, off, len)) {
		hstat_add(zs, invalid_io, 1);
		return -ENOSPC;
	}
	while (done < len) {
		uint64_t idx;
		size_t pos, n = page_piece(off + done, len - done, &idx, &pos);

		if (n == ZSTORE_PAGE_SIZE)
			ret = write_page(zs, idx, src + done, -1);
		else
			ret = write_partial(zs, idx, pos, src + done, n);
		if (ret) {
			/* A short write is no failure: the caller's next
			 * write, which stores nothing, is. */
			if (done)
				return (ssize_t)done;
			hstat_add(zs, failed_writes, 1);
			return ret;
		}
		done += n;
	}
	return 0;
}

/*
 * Frees objects the GC could not take, or all of them in sync mode, which
 * also unmaps the spans they empty before the discard returns: the whole
 * cost of freeing, as the kernel's zram pays it, for gc_mode to measure.
 */
static void free_inline(struct zstore *zs, const uint64_t *handles, size_t n,
			bool sync)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (sync)
			zpool_free_now(zs->pool, handles[i]);
		else
			zpool_free(zs->pool, handles[i]);
	}
	hstat_add(zs, freed_inline, n);
}

static void release_batch(struct zstore *zs, const uint64_t *handles,
			  size_t n)
{
	bool sync = hstat_get(zs, gc_mode) != ZSTORE_GC_ASYNC;
	size_t queued = 0;

	if (!sync)
		queued = gc_defer(zs->gc, handles, n);
	if (queued < n)
		free_inline(zs, handles + queued, n - queued, sync);
}

/* Empties pages [first, last) and frees or queues their objects. */
static void discard_pages(struct zstore *zs, uint64_t first, uint64_t last)
{
	uint64_t batch[DISCARD_BATCH];
	int64_t pages = 0, compr = 0, same = 0, huge = 0;
	struct zstore_rec *rec = rec_claim(zs);
	size_t nbatch = 0;
	uint64_t idx;

	for (idx = first; idx < last; idx++) {
		uint64_t flags;

		/* A page never written (or already discarded) needs no lock:
		 * the unlocked look is only a shortcut, and a write racing
		 * with a discard of the same page may land either way. */
		if (!flags_used(atomic_load_explicit(&zs->slots[idx].flags,
						     memory_order_relaxed)))
			continue;
		slot_lock(zs, idx);
		flags = slot_flags(zs, idx);
		if (!flags_used(flags)) {
			slot_unlock(zs, idx);
			continue;
		}
		if (flags_size(flags))
			batch[nbatch++] = zs->slots[idx].handle;
		slot_publish(zs, rec, idx, zs->slots[idx].handle, flags, 0, 0,
			     "discard.armed");
		slot_unlock(zs, idx);

		pages++;
		compr += flags_size(flags);
		same += !!(flags & SLOT_SAME);
		huge += !!(flags & SLOT_HUGE);
		if (nbatch == DISCARD_BATCH) {
			FAULT_POINT("discard.mid_batch");
			release_batch(zs, batch, nbatch);
			nbatch = 0;
		}
	}
	rec_release(rec);
	if (nbatch) {
		FAULT_POINT("discard.mid_batch");
		release_batch(zs, batch, nbatch);
	}
	stat_add(zs, pages_stored, -pages);
	stat_add(zs, compr_data_size, -compr);
	stat_add(zs, same_pages, -same);
	stat_add(zs, huge_pages, -huge);
	hstat_add(zs, notify_free, (uint64_t)pages);
}

int zstore_zero(struct zstore *zs, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;
	uint64_t first_full, last_full;
	int ret;

	if (!in_range(zs, off, len)) {
		hstat_add(zs, invalid_io, 1);
		return -EIO;
	}
	first_full = (off + ZSTORE_PAGE_SIZE - 1) & ~(uint64_t)(ZSTORE_PAGE_SIZE - 1);
	last_full = end & ~(uint64_t)(ZSTORE_PAGE_SIZE - 1);
	/* Each zstore_write() below stays inside one page: it stores all or
	 * nothing. */
	if (first_full >= last_full) {
		/* Inside one page, or across one page boundary: no whole
		 * page to discard, write the zeros. */
		while (off < end) {
			uint64_t next = (off | (ZSTORE_PAGE_SIZE - 1)) + 1;
			size_t n = (next < end ? next : end) - off;

			ret = zstore_write(zs, zero_page, n, off);
			if (ret)
				return ret;
			off += n;
		}
		return 0;
	}
	if (off < first_full) {
		ret = zstore_write(zs, zero_page, first_full - off, off);
		if (ret)
			return ret;
	}
	if (last_full < end) {
		ret = zstore_write(zs, zero_page, end - last_full, last_full);
		if (ret)
			return ret;
	}
	discard_pages(zs, first_full >> ZSTORE_PAGE_SHIFT,
		      last_full >> ZSTORE_PAGE_SHIFT);
	return 0;
}

/* zpool's migrate callback: see zpool.h.  Called with a class lock held. */
static int zstore_migrate(void *owner, uint32_t backref, uint64_t old_handle,
			  uint64_t new_handle, size_t size)
{
	struct zstore *zs = owner;
	uint64_t flags;
	int ret = -EAGAIN;

	slot_lock(zs, backref);
	flags = slot_flags(zs, backref);
	if (flags_size(flags) && zs->slots[backref].handle == old_handle) {
		memcpy(zpool_map(zs->pool, new_handle),
		       zpool_map(zs->pool, old_handle), size);
		atomic_signal_fence(memory_order_seq_cst);
		FAULT_POINT("compact.after_copy");
		/* Same contents: the generation stays, and one store is the
		 * commit (the old object is unreferenced from here). */
		slot_store_handle(zs, backref, new_handle);
		atomic_signal_fence(memory_order_seq_cst);
		FAULT_POINT("compact.after_switch");
		ret = 0;
	}
	slot_unlock(zs, backref);
	return ret;
}

/* gc's free function. */
static void zstore_gc_free(void *ctx, const uint64_t *handles, size_t n)
{
	struct zstore *zs = ctx;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i == n / 2)
			FAULT_POINT("gc.mid_batch");
		zpool_free(zs->pool, handles[i]);
	}
}

uint64_t zstore_compact(struct zstore *zs)
{
	return zpool_compact(zs->pool);
}

void zstore_set_mem_limit(struct zstore *zs, uint64_t bytes)
{
	atomic_store_explicit(&zs->hdr->mem_limit, bytes, memory_order_relaxed);
}

void zstore_set_gc_mode(struct zstore *zs, enum zstore_gc_mode mode)
{
	atomic_store(&zs->hdr->gc_mode, (uint64_t)mode);
	/* Discards that read the old mode may still queue; draining here
	 * makes "pending" reach 0 right after switching to sync. */
	if (mode == ZSTORE_GC_SYNC)
		gc_drain(zs->gc);
}

enum zstore_gc_mode zstore_gc_mode(const struct zstore *zs)
{
	return (enum zstore_gc_mode)atomic_load(&zs->hdr->gc_mode);
}

void zstore_gc_drain(struct zstore *zs)
{
	gc_drain(zs->gc);
}

void zstore_reset_mem_used_max(struct zstore *zs)
{
	atomic_store_explicit(&zs->hdr->mem_used_max,
			      zpool_used_bytes(zs->pool), memory_order_relaxed);
}

uint64_t zstore_disksize(const struct zstore *zs)
{
	return zs->disksize;
}

static uint64_t nonneg(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

uint64_t zstore_object_pages(struct zstore *zs)
{
	return nonneg(stat_get(zs, pages_stored) - stat_get(zs, same_pages));
}

void zstore_get_stats(struct zstore *zs, struct zstore_stats *st)
{
	struct zpool_stats ps;
	struct gc_stats gs;

	zpool_get_stats(zs->pool, &ps);
	gc_get_stats(zs->gc, &gs);
	memset(st, 0, sizeof(*st));
	st->mm.orig_data_size = nonneg(stat_get(zs, pages_stored)) *
				ZSTORE_PAGE_SIZE;
	st->mm.compr_data_size = nonneg(stat_get(zs, compr_data_size));
	st->mm.mem_used_total = zpool_used_bytes(zs->pool);
	st->mm.mem_limit = hstat_get(zs, mem_limit);
	st->mm.mem_used_max = hstat_get(zs, mem_used_max);
	if (st->mm.mem_used_max < st->mm.mem_used_total)
		st->mm.mem_used_max = st->mm.mem_used_total;
	st->mm.same_pages = nonneg(stat_get(zs, same_pages));
	st->mm.pages_compacted = ps.pages_compacted;
	st->mm.huge_pages = nonneg(stat_get(zs, huge_pages));
	st->mm.huge_pages_since = hstat_get(zs, huge_pages_since);
	st->io.failed_reads = hstat_get(zs, failed_reads);
	st->io.failed_writes = hstat_get(zs, failed_writes);
	st->io.invalid_io = hstat_get(zs, invalid_io);
	st->io.notify_free = hstat_get(zs, notify_free);
	st->gc.pending = gs.pending;
	st->gc.queued_total = gs.queued_total;
	st->gc.freed_total = gs.freed_total;
	st->gc.max_pending = gs.max_pending;
	st->gc.freed_inline = hstat_get(zs, freed_inline);
}

size_t zstore_gc_queue_pages(uint64_t disksize)
{
	uint64_t pages = disksize >> ZSTORE_PAGE_SHIFT;

	if (pages < ZSTORE_GC_QUEUE_MIN)
		return ZSTORE_GC_QUEUE_MIN;
	return pages < ZSTORE_GC_QUEUE_MAX ? (size_t)pages : ZSTORE_GC_QUEUE_MAX;
}


/* --- the region ----------------------------------------------------------- */

static uint64_t layout_blocks_off(uint64_t npages)
{
	uint64_t end = ZSTORE_SLOTS_OFF + npages * sizeof(struct zslot);

	return (end + ZPOOL_BLOCK_SIZE - 1) & ~(uint64_t)(ZPOOL_BLOCK_SIZE - 1);
}

/*
 * Blocks for a store of @disksize: enough for one span an object (a page's,
 * or one waiting in the GC queue) and ZSTORE_EXTRA_BLOCKS, and no more
 * than RAM can fill with spans of at least 8 KiB each: at most 8 times the
 * RAM in address space, of which only what is stored takes memory.
 */
static uint64_t layout_nblocks(uint64_t disksize)
{
	uint64_t n = (disksize >> ZSTORE_PAGE_SHIFT) +
		     zstore_gc_queue_pages(disksize);
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t ram_spans;

	if (pages > 0 && psize > 0) {
		ram_spans = (uint64_t)pages * (uint64_t)psize / (8u << 10);
		if (n > ram_spans)
			n = ram_spans;
	}
	return n + ZSTORE_EXTRA_BLOCKS;
}

static bool disksize_valid(uint64_t disksize)
{
	return disksize && !(disksize % ZSTORE_PAGE_SIZE) &&
	       (disksize >> ZSTORE_PAGE_SHIFT) < UINT32_MAX;
}

uint64_t zstore_region_bytes(uint64_t disksize)
{
	if (!disksize_valid(disksize))
		return 0;
	return layout_blocks_off(disksize >> ZSTORE_PAGE_SHIFT) +
	       zpool_area_bytes(layout_nblocks(disksize));
}

uint64_t zstore_fixed_bytes(uint64_t disksize)
{
	uint64_t npages = disksize >> ZSTORE_PAGE_SHIFT;

	return ZSTORE_SLOTS_OFF + npages * sizeof(struct zslot) +
	       zstore_gc_queue_pages(disksize) * sizeof(uint64_t) +
	       zpool_private_bytes(layout_nblocks(disksize));
}

int zstore_thread_prepare(void)
{
	return zcomp_thread_prepare();
}

/* FNV-1a over the immutable part of the header. */
static uint64_t hdr_sum(const struct zstore_hdr *h)
{
	const unsigned char *p = (const unsigned char *)h;
	uint64_t sum = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < offsetof(struct zstore_hdr, sum); i++) {
		sum ^= p[i];
		sum *= UINT64_C(0x100000001b3);
	}
	return sum;
}

static struct zpool_area store_area(struct zstore *zs)
{
	struct zpool_area a = {
		.region = zs->region,
		.blocks_off = zs->hdr->blocks_off,
		.nblocks = zs->hdr->nblocks,
		.shared = &zs->hdr->pool,
	};

	return a;
}

/* The private part of a store on @r whose header is valid. */
static struct zstore *store_new(struct zregion *r)
{
	char *base = zregion_base(r);
	struct zstore *zs = calloc(1, sizeof(*zs));

	if (!zs)
		return NULL;
	zs->region = r;
	zs->hdr = (struct zstore_hdr *)base;
	zs->recs = (struct zstore_rec *)(base + ZSTORE_RECS_OFF);
	zs->slots = (struct zslot *)(base + zs->hdr->slots_off);
	zs->disksize = zs->hdr->disksize;
	zs->npages = zs->hdr->npages;
	return zs;
}

/* Stops the workers and frees the private part; the region stays. */
static void store_free(struct zstore *zs, bool destroy)
{
	/* Drains the queue: the GC frees its objects before the pool goes. */
	gc_destroy(zs->gc);
	if (destroy)
		zpool_destroy(zs->pool);
	else
		zpool_detach(zs->pool);
	zcomp_destroy(zs->comp);
	free(zs);
}

static int store_start_gc(struct zstore *zs, size_t gc_queue_pages)
{
	size_t queue = gc_queue_pages ? gc_queue_pages
				      : zstore_gc_queue_pages(zs->disksize);

	return gc_create(zstore_gc_free, zs, queue, &zs->hdr->gc, &zs->gc);
}

int zstore_create(const struct zstore_params *p, struct zregion *r,
		  struct zstore **out)
{
	const char *algo = p->algorithm ? p->algorithm : zcomp_default();
	const char *params = p->algorithm_params ? p->algorithm_params : "";
	uint64_t npages = p->disksize >> ZSTORE_PAGE_SHIFT, meta_end;
	struct zpool_area area;
	struct zstore_hdr *h;
	struct zcomp *comp;
	struct zstore *zs;
	int ret;

	if (!disksize_valid(p->disksize) ||
	    (p->gc_mode != ZSTORE_GC_ASYNC && p->gc_mode != ZSTORE_GC_SYNC) ||
	    strlen(algo) >= ZSTORE_ALGO_MAX ||
	    strlen(params) >= ZSTORE_PARAMS_MAX || !r ||
	    zregion_size(r) < zstore_region_bytes(p->disksize))
		return -EINVAL;
	ret = zcomp_create(algo, params, &comp);
	if (ret)
		return ret;
	/* Header, records and slots take their memory now, as the daemon
	 * counts them (zstore_fixed_bytes()); a region reused is cleared. */
	meta_end = ZSTORE_SLOTS_OFF + npages * sizeof(struct zslot);
	ret = zregion_populate(r, 0, meta_end);
	if (ret)
		goto err_comp;
	h = zregion_base(r);
	memset(h, 0, meta_end);
	memcpy(h->magic, ZSTORE_MAGIC, sizeof(h->magic));
	h->layout = ZSTORE_LAYOUT_VERSION;
	h->hdr_bytes = sizeof(*h);
	h->endian = ZSTORE_ENDIAN;
	h->slot_bytes = sizeof(struct zslot);
	h->rec_bytes = sizeof(struct zstore_rec);
	h->nrecs = ZSTORE_NRECS;
	h->block_bytes = ZPOOL_BLOCK_SIZE;
	h->disksize = p->disksize;
	h->npages = npages;
	h->slots_off = ZSTORE_SLOTS_OFF;
	h->blocks_off = layout_blocks_off(npages);
	h->nblocks = layout_nblocks(p->disksize);
	strcpy(h->algorithm, algo);
	strcpy(h->algorithm_params, params);
	h->sum = hdr_sum(h);
	h->mem_limit = p->mem_limit;
	h->gc_mode = p->gc_mode;

	zs = store_new(r);
	if (!zs) {
		ret = -ENOMEM;
		goto err_hdr;
	}
	zs->comp = comp;
	area = store_area(zs);
	zs->pool = zpool_create(&area, zstore_migrate, zs, p->lock_room);
	if (!zs->pool) {
		ret = -ENOMEM;
		goto err_zs;
	}
	ret = store_start_gc(zs, p->gc_queue_pages);
	if (ret)
		goto err_pool;
	*out = zs;
	return 0;

err_pool:
	zpool_destroy(zs->pool);
err_zs:
	free(zs);
err_hdr:
	memset(h, 0, sizeof(*h));
err_comp:
	zcomp_destroy(comp);
	return ret;
}

static int refuse(int err, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(int err, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Validates the header of @r (3.7 of docs/design/restart.md). */
static int hdr_check(struct zregion *r, char *why, size_t whylen)
{
	const struct zstore_hdr *h = zregion_base(r);
	uint64_t size = zregion_size(r), meta_end;

	if (size < ZSTORE_SLOTS_OFF)
		return refuse(-EUCLEAN, why, whylen,
			      "region of %" PRIu64 " bytes is too small",
			      size);
	if (memcmp(h->magic, ZSTORE_MAGIC, sizeof(h->magic)))
		return refuse(-EUCLEAN, why, whylen, "no store (bad magic)");
	if (h->layout != ZSTORE_LAYOUT_VERSION)
		return refuse(-EPROTO, why, whylen,
			      "store layout %" PRIu32 ", this build reads %d",
			      h->layout, ZSTORE_LAYOUT_VERSION);
	if (h->endian != ZSTORE_ENDIAN || h->hdr_bytes != sizeof(*h) ||
	    h->slot_bytes != sizeof(struct zslot) ||
	    h->rec_bytes != sizeof(struct zstore_rec) ||
	    h->nrecs != ZSTORE_NRECS || h->block_bytes != ZPOOL_BLOCK_SIZE)
		return refuse(-EPROTO, why, whylen,
			      "store of another ABI (sizes or byte order)");
	if (h->sum != hdr_sum(h))
		return refuse(-EUCLEAN, why, whylen,
			      "header checksum mismatch");
	if (!disksize_valid(h->disksize) ||
	    h->npages != h->disksize >> ZSTORE_PAGE_SHIFT ||
	    h->slots_off != ZSTORE_SLOTS_OFF ||
	    h->blocks_off != layout_blocks_off(h->npages) || !h->nblocks ||
	    h->nblocks >= UINT32_MAX)
		return refuse(-EUCLEAN, why, whylen,
			      "header geometry inconsistent");
	meta_end = h->blocks_off + zpool_area_bytes(h->nblocks);
	if (meta_end > size)
		return refuse(-EUCLEAN, why, whylen,
			      "store of %" PRIu64 " bytes in a region of %"
			      PRIu64, meta_end, size);
	if (!memchr(h->algorithm, 0, sizeof(h->algorithm)) ||
	    !memchr(h->algorithm_params, 0, sizeof(h->algorithm_params)))
		return refuse(-EUCLEAN, why, whylen,
			      "algorithm name unterminated");
	if (h->gc_mode != ZSTORE_GC_ASYNC && h->gc_mode != ZSTORE_GC_SYNC)
		return refuse(-EUCLEAN, why, whylen,
			      "gc_mode %" PRIu64 " unknown", h->gc_mode);
	if (h->pool.hwm > h->nblocks)
		return refuse(-EUCLEAN, why, whylen,
			      "block high-water mark %" PRIu64 " beyond %"
			      PRIu64, (uint64_t)h->pool.hwm, h->nblocks);
	return 0;
}

/* Step 2 of attach: each armed record puts its slot's old image back (the
 * lock bit stays set until the scan).  Idempotent. */
static int apply_records(struct zstore *zs, char *why, size_t whylen)
{
	unsigned int i;

	for (i = 0; i < ZSTORE_NRECS; i++) {
		struct zstore_rec *rec = &zs->recs[i];
		uint64_t s = atomic_load_explicit(&rec->slot,
						  memory_order_relaxed);

		atomic_store_explicit(&rec->busy, 0, memory_order_relaxed);
		if (!s)
			continue;
		if (s > zs->npages)
			return refuse(-EUCLEAN, why, whylen,
				      "record %u names slot %" PRIu64
				      " of %" PRIu64, i, s - 1, zs->npages);
		zs->slots[s - 1].handle = rec->old_handle;
		atomic_store_explicit(&zs->slots[s - 1].flags,
				      (rec->old_flags & ~SLOT_LOCK) | SLOT_LOCK,
				      memory_order_relaxed);
	}
	return 0;
}

static void disarm_records(struct zstore *zs)
{
	unsigned int i;

	atomic_signal_fence(memory_order_seq_cst);
	for (i = 0; i < ZSTORE_NRECS; i++)
		atomic_store_explicit(&zs->recs[i].slot, 0,
				      memory_order_relaxed);
}

/* @return why slot flags @f with @handle are impossible, or NULL. */
static const char *slot_invalid(uint64_t f, uint64_t handle)
{
	size_t size = flags_size(f);

	if (f & SLOT_RESERVED)
		return "reserved bits set";
	if (size > ZSTORE_PAGE_SIZE)
		return "size above a page";
	if ((f & SLOT_SAME) && size)
		return "same-filled with a size";
	if ((f & SLOT_SAME) && (f & SLOT_HUGE))
		return "same-filled and huge";
	if (!!(f & SLOT_HUGE) != (size == ZSTORE_PAGE_SIZE))
		return "huge flag and size disagree";
	if (size && size < ZSTORE_PAGE_SIZE && size >= ZSTORE_HUGE_THRESHOLD)
		return "compressed size at or above the huge threshold";
	if (!size && !(f & SLOT_SAME) && handle)
		return "empty with a handle";
	return NULL;
}

/* Step 3: clears every lock, checks every slot, adopts every object into
 * the pool and recounts the derived statistics. */
static int scan_slots(struct zstore *zs, char *why, size_t whylen)
{
	int64_t pages = 0, compr = 0, same = 0, huge = 0;
	const char *bad;
	uint64_t idx;
	int ret;

	for (idx = 0; idx < zs->npages; idx++) {
		_Atomic uint64_t *fp = &zs->slots[idx].flags;
		uint64_t f = atomic_load_explicit(fp, memory_order_relaxed);
		uint64_t handle = zs->slots[idx].handle;

		if (f & SLOT_LOCK) {
			f &= ~SLOT_LOCK;
			atomic_store_explicit(fp, f, memory_order_relaxed);
		}
		bad = slot_invalid(f, handle);
		if (bad)
			return refuse(-EUCLEAN, why, whylen,
				      "slot %" PRIu64 ": %s", idx, bad);
		if (!flags_used(f))
			continue;
		pages++;
		same += !!(f & SLOT_SAME);
		huge += !!(f & SLOT_HUGE);
		if (!flags_size(f))
			continue;
		compr += flags_size(f);
		ret = zpool_adopt(zs->pool, handle, flags_size(f),
				  (uint32_t)idx, &bad);
		if (ret == -EUCLEAN)
			return refuse(ret, why, whylen,
				      "slot %" PRIu64 ": handle %#" PRIx64
				      ": %s", idx, handle, bad);
		if (ret)
			return refuse(ret, why, whylen, "out of memory");
	}
	FAULT_POINT("attach.mid_rebuild");
	atomic_store(&zs->pages_stored, pages);
	atomic_store(&zs->compr_data_size, compr);
	atomic_store(&zs->same_pages, same);
	atomic_store(&zs->huge_pages, huge);
	return 0;
}

int zstore_attach(struct zregion *r, const struct zstore_runtime *rt,
		  struct zstore **out, char *why, size_t whylen)
{
	struct zpool_area area;
	struct zstore *zs;
	uint64_t used;
	int ret;

	if (why && whylen)
		why[0] = '\0';
	FAULT_POINT("store.attach.start");
	ret = hdr_check(r, why, whylen);
	if (ret)
		return ret;
	zs = store_new(r);
	if (!zs)
		return refuse(-ENOMEM, why, whylen, "out of memory");
	ret = zcomp_create(zs->hdr->algorithm, zs->hdr->algorithm_params,
			   &zs->comp);
	if (ret) {
		ret = refuse(ret == -ENOMEM ? ret : -EUCLEAN, why, whylen,
			     "algorithm '%s' with '%s' unusable here",
			     zs->hdr->algorithm, zs->hdr->algorithm_params);
		goto err_zs;
	}
	ret = apply_records(zs, why, whylen);
	if (ret)
		goto err_comp;
	area = store_area(zs);
	zs->pool = zpool_open(&area, zstore_migrate, zs, rt->lock_room);
	if (!zs->pool) {
		ret = refuse(-ENOMEM, why, whylen, "out of memory");
		goto err_comp;
	}
	ret = scan_slots(zs, why, whylen);
	if (ret)
		goto err_pool;
	ret = zpool_start(zs->pool);
	if (ret) {
		refuse(ret, why, whylen, "cannot start the pool");
		goto err_pool;
	}
	/* The queue died with the process; its objects were unreferenced
	 * and freed by the rebuild. */
	zs->hdr->gc.freed_total = zs->hdr->gc.queued_total;
	ret = store_start_gc(zs, rt->gc_queue_pages);
	if (ret) {
		refuse(ret, why, whylen, "cannot start the GC worker");
		zpool_detach(zs->pool);
		goto err_comp;
	}
	used = zpool_used_bytes(zs->pool);
	update_max(zs, used);
	disarm_records(zs);
	*out = zs;
	return 0;

err_pool:
	zpool_detach(zs->pool);
err_comp:
	zcomp_destroy(zs->comp);
err_zs:
	free(zs);
	return ret;
}

void zstore_detach(struct zstore *zs)
{
	if (zs)
		store_free(zs, false);
}

void zstore_destroy(struct zstore *zs)
{
	struct zstore_hdr *h;

	if (!zs)
		return;
	h = zs->hdr;
	store_free(zs, true);
	/* No attach may take what is left for a store. */
	memset(h->magic, 0, sizeof(h->magic));
}

struct zregion *zstore_region(const struct zstore *zs)
{
	return zs->region;
}
