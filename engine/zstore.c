// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zstore: the storage engine of one device, modelled on kernel zram.
 *
 * The device is an array of 4 KiB pages; each page has a 16-byte slot:
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
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gc.h"
#include "zcomp.h"
#include "zpool.h"
#include "zstore.h"

#define SLOT_SIZE_MASK 0x1fffull
#define SLOT_SAME (1ull << 13)
#define SLOT_HUGE (1ull << 14)
#define SLOT_GEN_SHIFT 16
#define SLOT_GEN_MASK (0xffffffffull << SLOT_GEN_SHIFT)
#define SLOT_LOCK (1ull << 63)

_Static_assert(ZSTORE_PAGE_SIZE <= SLOT_SIZE_MASK, "size fits the flags");
_Static_assert(ZPOOL_MAX_OBJ == ZSTORE_PAGE_SIZE, "a huge page fits a class");

struct zslot {
	uint64_t handle;       /* protected by the slot lock */
	_Atomic uint64_t flags; /* the lock bit, and the rest under it */
};

_Static_assert(sizeof(struct zslot) == 16, "16 bytes of metadata per page");

/* How many discarded objects a discard collects before it frees or queues. */
#define DISCARD_BATCH 256

struct zstore {
	uint64_t disksize;
	uint64_t npages;
	struct zslot *slots; /* npages, mmap'd */
	size_t slots_bytes;
	struct zpool *pool;
	struct zcomp *comp;
	struct gc *gc;

	_Atomic int gc_mode;
	_Atomic uint64_t mem_limit;
	_Atomic uint64_t mem_used_max;

	/* mm_stat, io_stat, gc_stat counters */
	_Atomic int64_t pages_stored;
	_Atomic int64_t compr_data_size;
	_Atomic int64_t same_pages;
	_Atomic int64_t huge_pages;
	_Atomic uint64_t huge_pages_since;
	_Atomic uint64_t failed_reads;
	_Atomic uint64_t failed_writes;
	_Atomic uint64_t invalid_io;
	_Atomic uint64_t notify_free;
	_Atomic uint64_t freed_inline;
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

/* Sets handle and flags (size, same, huge) and bumps the generation, so a
 * read-modify-write that started before sees the slot changed. */
static void slot_set(struct zstore *zs, uint64_t idx, uint64_t handle,
		     uint64_t flags)
{
	uint64_t gen = flags_gen(slot_flags(zs, idx)) + 1;

	zs->slots[idx].handle = handle;
	flags &= SLOT_SIZE_MASK | SLOT_SAME | SLOT_HUGE;
	flags |= (gen << SLOT_GEN_SHIFT) & SLOT_GEN_MASK;
	atomic_store_explicit(&zs->slots[idx].flags, flags | SLOT_LOCK,
			      memory_order_relaxed);
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
		stat_add(zs, failed_reads, 1);
	return ret;
}

/* Bumps mem_used_max to at least @used. */
static void update_max(struct zstore *zs, uint64_t used)
{
	uint64_t max = atomic_load_explicit(&zs->mem_used_max,
					    memory_order_relaxed);

	while (used > max &&
	       !atomic_compare_exchange_weak_explicit(&zs->mem_used_max, &max,
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
	limit = atomic_load_explicit(&zs->mem_limit, memory_order_relaxed);
	if (limit && used > limit) {
		zpool_free(zs->pool, handle);
		return -ENOSPC;
	}
	update_max(zs, used);
	/* Not yet published: no one else can reach the object, and
	 * compaction leaves it alone because the slot does not refer to it. */
	memcpy(zpool_map(zs->pool, handle), data, size);

publish:
	slot_lock(zs, idx);
	old_flags = slot_flags(zs, idx);
	if (expect_gen >= 0 && flags_gen(old_flags) != (uint64_t)expect_gen) {
		slot_unlock(zs, idx);
		if (flags_size(flags))
			zpool_free(zs->pool, handle);
		return -EAGAIN;
	}
	old_handle = zs->slots[idx].handle;
	slot_set(zs, idx, handle, flags);
	slot_unlock(zs, idx);

	if (flags_size(old_flags))
		zpool_free(zs->pool, old_handle);
	account(zs, old_flags, flags_used(old_flags), flags, true);
	if (flags & SLOT_HUGE)
		stat_add(zs, huge_pages_since, 1);
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
		stat_add(zs, invalid_io, 1);
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
		stat_add(zs, invalid_io, 1);
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
			stat_add(zs, failed_writes, 1);
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
	stat_add(zs, freed_inline, n);
}

static void release_batch(struct zstore *zs, const uint64_t *handles,
			  size_t n)
{
	bool sync = atomic_load_explicit(&zs->gc_mode, memory_order_relaxed) !=
		    ZSTORE_GC_ASYNC;
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
		slot_set(zs, idx, 0, 0);
		slot_unlock(zs, idx);

		pages++;
		compr += flags_size(flags);
		same += !!(flags & SLOT_SAME);
		huge += !!(flags & SLOT_HUGE);
		if (nbatch == DISCARD_BATCH) {
			release_batch(zs, batch, nbatch);
			nbatch = 0;
		}
	}
	if (nbatch)
		release_batch(zs, batch, nbatch);
	stat_add(zs, pages_stored, -pages);
	stat_add(zs, compr_data_size, -compr);
	stat_add(zs, same_pages, -same);
	stat_add(zs, huge_pages, -huge);
	stat_add(zs, notify_free, (uint64_t)pages);
}

int zstore_zero(struct zstore *zs, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;
	uint64_t first_full, last_full;
	int ret;

	if (!in_range(zs, off, len)) {
		stat_add(zs, invalid_io, 1);
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
		/* Same contents: the generation stays. */
		zs->slots[backref].handle = new_handle;
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

	for (i = 0; i < n; i++)
		zpool_free(zs->pool, handles[i]);
}

uint64_t zstore_compact(struct zstore *zs)
{
	return zpool_compact(zs->pool);
}

void zstore_set_mem_limit(struct zstore *zs, uint64_t bytes)
{
	atomic_store_explicit(&zs->mem_limit, bytes, memory_order_relaxed);
}

void zstore_set_gc_mode(struct zstore *zs, enum zstore_gc_mode mode)
{
	atomic_store(&zs->gc_mode, mode);
	/* Discards that read the old mode may still queue; draining here
	 * makes "pending" reach 0 right after switching to sync. */
	if (mode == ZSTORE_GC_SYNC)
		gc_drain(zs->gc);
}

enum zstore_gc_mode zstore_gc_mode(const struct zstore *zs)
{
	return atomic_load(&zs->gc_mode);
}

void zstore_gc_drain(struct zstore *zs)
{
	gc_drain(zs->gc);
}

void zstore_reset_mem_used_max(struct zstore *zs)
{
	atomic_store_explicit(&zs->mem_used_max, zpool_used_bytes(zs->pool),
			      memory_order_relaxed);
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
	st->mm.mem_limit = stat_get(zs, mem_limit);
	st->mm.mem_used_max = stat_get(zs, mem_used_max);
	if (st->mm.mem_used_max < st->mm.mem_used_total)
		st->mm.mem_used_max = st->mm.mem_used_total;
	st->mm.same_pages = nonneg(stat_get(zs, same_pages));
	st->mm.pages_compacted = ps.pages_compacted;
	st->mm.huge_pages = nonneg(stat_get(zs, huge_pages));
	st->mm.huge_pages_since = stat_get(zs, huge_pages_since);
	st->io.failed_reads = stat_get(zs, failed_reads);
	st->io.failed_writes = stat_get(zs, failed_writes);
	st->io.invalid_io = stat_get(zs, invalid_io);
	st->io.notify_free = stat_get(zs, notify_free);
	st->gc.pending = gs.pending;
	st->gc.queued_total = gs.queued_total;
	st->gc.freed_total = gs.freed_total;
	st->gc.max_pending = gs.max_pending;
	st->gc.freed_inline = stat_get(zs, freed_inline);
}

size_t zstore_gc_queue_pages(uint64_t disksize)
{
	uint64_t pages = disksize >> ZSTORE_PAGE_SHIFT;

	if (pages < ZSTORE_GC_QUEUE_MIN)
		return ZSTORE_GC_QUEUE_MIN;
	return pages < ZSTORE_GC_QUEUE_MAX ? (size_t)pages : ZSTORE_GC_QUEUE_MAX;
}

uint64_t zstore_fixed_bytes(uint64_t disksize)
{
	return (disksize >> ZSTORE_PAGE_SHIFT) * sizeof(struct zslot) +
	       zstore_gc_queue_pages(disksize) * sizeof(uint64_t);
}

int zstore_thread_prepare(void)
{
	return zcomp_thread_prepare();
}

int zstore_create(const struct zstore_params *p, struct zstore **out)
{
	struct zstore *zs;
	size_t queue;
	int ret;

	if (!p->disksize || p->disksize % ZSTORE_PAGE_SIZE ||
	    (p->disksize >> ZSTORE_PAGE_SHIFT) > UINT32_MAX ||
	    (p->gc_mode != ZSTORE_GC_ASYNC && p->gc_mode != ZSTORE_GC_SYNC))
		return -EINVAL;
	zs = calloc(1, sizeof(*zs));
	if (!zs)
		return -ENOMEM;
	zs->disksize = p->disksize;
	zs->npages = p->disksize >> ZSTORE_PAGE_SHIFT;
	zs->mem_limit = p->mem_limit;
	zs->gc_mode = p->gc_mode;

	ret = zcomp_create(p->algorithm ? p->algorithm : zcomp_default(),
			   p->algorithm_params ? p->algorithm_params : "",
			   &zs->comp);
	if (ret)
		goto err_free;
	zs->slots_bytes = zs->npages * sizeof(*zs->slots);
	zs->slots = mmap(NULL, zs->slots_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (zs->slots == MAP_FAILED) {
		ret = -ENOMEM;
		goto err_comp;
	}
	zs->pool = zpool_create(zstore_migrate, zs, p->lock_room);
	if (!zs->pool) {
		ret = -ENOMEM;
		goto err_slots;
	}
	queue = p->gc_queue_pages ? p->gc_queue_pages
				  : zstore_gc_queue_pages(p->disksize);
	ret = gc_create(zstore_gc_free, zs, queue, &zs->gc);
	if (ret)
		goto err_pool;
	*out = zs;
	return 0;

err_pool:
	zpool_destroy(zs->pool);
err_slots:
	munmap(zs->slots, zs->slots_bytes);
err_comp:
	zcomp_destroy(zs->comp);
err_free:
	free(zs);
	return ret;
}

void zstore_destroy(struct zstore *zs)
{
	if (!zs)
		return;
	/* Drains the queue: the GC frees its objects before the pool goes,
	 * which releases every span the pool still holds. */
	gc_destroy(zs->gc);
	zpool_destroy(zs->pool);
	munmap(zs->slots, zs->slots_bytes);
	zcomp_destroy(zs->comp);
	free(zs);
}
