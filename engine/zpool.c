/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zpool: the size-class allocator that holds zramfs's compressed pages,
 * modelled on the kernel's zsmalloc.  It packs objects of 1..4096 bytes
 * densely into runs of pages of a shared memory region (engine/zregion.h),
 * hands out opaque handles, gives memory back to the system as soon as a
 * run is empty and, on request, moves objects out of sparse runs so that
 * more of them empty.  Its memory outlives the process: handles are offsets
 * in the region, and a new process rebuilds the rest (see "Attach").
 *
 * It is not a general purpose allocator: it knows nothing of what it stores,
 * it never calls malloc() per object, an object is only reachable through
 * its handle, and the one reference to it the owner holds must be repointed
 * (through the migrate callback) when compaction moves it.
 *
 * Size classes
 *
 * An object of n bytes lives in the class of n rounded up to 16 bytes, and
 * at least 32: 255 classes of 32, 48, ..., 4096 bytes, the last one for pages
 * stored raw.  Rounding wastes at most 15 bytes an object (under 1% for the
 * sizes compressed pages have).  Each class gets memory in spans: 2..16 pages
 * at the start of one 64 KiB block of the region, cut into equal slots.
 * What is left past the last slot is the tail, never used.  At start-up
 * each class picks the span length whose tail is the smallest fraction of
 * the span, but takes a shorter span when its tail is within 1/32 of that
 * best: a class holds up to about one span partly empty, 255 classes hold
 * that much, and short spans waste less in all but the largest pools, and
 * empty (and are released) more readily.
 * Measured on the realistic page mix of tests/common/pagegen.c, 256 MiB of
 * data: 3.0% over compr_data_size, where kernel zsmalloc holds 2.9%.
 * For class 1168, 8 pages:
 *
 *     0       1168      2336                     31536     32704  32768
 *     +---------+---------+-------- ... ---------+---------+------+
 *     | slot 0  | slot 1  |                      | slot 27 | tail |
 *     +---------+---------+-------- ... ---------+---------+------+
 *     span memory: 28 slots, 64 bytes of tail (0.2%)
 *
 * The metadata of a span is one struct zspan (never one per object), taken
 * from the pool's metadata cache: blocks of the class's metadata size cut
 * from 64 KiB mappings, kept on a free list per class when their span goes
 * (see "The keeper" for why not malloc()).  Besides list links and counts
 * it holds three arrays with one entry per slot: the owner's backref (for
 * the migrate callback), the stack of free slot indices, and how much
 * smaller than its class the object is (to keep obj_bytes exact without the
 * caller passing the size to free):
 *
 *     struct zclass (one per size)        struct zspan (one per span)
 *     +----------------------+            +------------------------------+
 *     | lock                 |            | node (in lists[group])       |
 *     | lists[0..7] partial  |<---------->| cls, base -----> span memory |
 *     | lists[8]    full     |            | objs, inuse, group           |
 *     | size, objs, span_len |            | backref[objs]  (uint32_t)    |
 *     +----------------------+            | free_idx[objs] (uint16_t)    |
 *                                         | slack[objs]    (uint8_t)     |
 *                                         +------------------------------+
 *
 * The area
 *
 * The pool lives in an area of a zregion: nblocks blocks of 64 KiB from
 * blocks_off, block b (1-based) at blocks_off + (b - 1) * 64 KiB.  A span
 * takes one block, whatever its length; the rest of the block is never
 * touched (address space, no memory).  The region is sized so that blocks
 * never run out in practice (zstore.c); if they do, the keeper first punches
 * the spans it has yet to punch, then fails the allocation (-ENOMEM).
 *
 *     region: | owner's header, shared part | ... | block 1 | block 2 | ...
 *     block:  | span: 2..16 pages of slots | untouched up to 64 KiB |
 *
 * The only shared state besides the blocks is struct zpool_shared, in the
 * owner's header: hwm, the highest block ever handed out (raised before a
 * block is touched, so that blocks above it hold no memory), and the two
 * counters no object tells (pages_compacted, alloc_failures).  Free blocks
 * at or below hwm are a private bitmap.
 *
 * A handle is the block, the class and the slot index, never 0 (block 0
 * does not exist), never a pointer, so it means the same in every process:
 *
 *     63      51 50                       19 18        11 10          0
 *     +---------+---------------------------+------------+------------+
 *     |  zero   |  block (1..2^32-1)         |  class     |  slot idx  |
 *     +---------+---------------------------+------------+------------+
 *
 * zpool_map() is therefore base + (block - 1) * 64 KiB + index * class
 * size, arithmetic and no lock: the caller guarantees the object is not
 * freed or moved.  Free and compaction find the private struct zspan of a
 * block through a two-level table (leaves of 1024 pointers, mapped on
 * demand).
 *
 * Attach
 *
 * Nothing private is ever written to the region, so a process that
 * attaches it after another died rebuilds the pool from its owner's
 * references alone: zpool_adopt() for each live object (block, class and
 * index from the handle; the size and backref from the owner), checking
 * that no two references name one object and that no block holds two
 * classes; zpool_start() then makes each adopted span's free stack and
 * fullness group, marks every other block up to hwm free and punches it
 * (whatever a dead process left there, a span being made, a spare, a span
 * it had yet to punch, objects it had not published or freed, is
 * unreferenced), and starts the keeper.  No spare survives a process.
 *
 * Fullness groups
 *
 * A class keeps its spans on nine lists by fullness: eight partial groups
 * by eighths of the slots in use, and one of full spans (a span never stays
 * listed empty: it is unlinked and released by whoever empties it).  An
 * allocation takes the head of the fullest partial group, so objects gather
 * in few spans and the others can empty; a span that moves to another group
 * goes to its head, so one just freed from full is the next one filled.
 * Compaction moves objects from the head of the sparsest group to the head
 * of the fullest.
 *
 * Compaction
 *
 * Per class, while the sparsest span can be emptied into the free slots of
 * the others: take a free slot in the fullest other span, ask the owner to
 * copy the object there and repoint its reference (the migrate callback),
 * then free the old slot.  If the owner answers -EAGAIN (it does not refer
 * to the object yet or any more: being published, or waiting to be freed),
 * the new slot is given back, the object stays, and the span is not tried
 * again in this pass.  The span emptied is released with the class lock
 * dropped, so allocation in that class waits for at most one span's moves.
 * If the sparsest span cannot be emptied, no other can either (it has the
 * most free slots, so the others have fewer places to go for more objects),
 * and the class is done.
 *
 * Locking
 *
 *   1. pool->compact_lock: serialises zpool_compact() (one pass at a time,
 *      so the per-pass marks of refused spans stay meaningful).
 *   2. cls->lock: the span lists of a class and the bookkeeping of its spans
 *      (inuse, free stack, backrefs, slack, group).
 *   3. the owner's lock, taken by the migrate callback; or the keeper's
 *      lock (struct zkeeper), taken to ask for a spare or hand over a span
 *      to unmap.  The keeper itself never holds it with a class lock.
 *
 * Locks are taken in that order only.  The callback runs with the class lock
 * held; in return the owner never calls zpool_alloc() or zpool_free() while
 * holding a lock its callback takes.  Populating, punching, mmap() and
 * malloc() are never done with a class lock held.  The pool-wide counters
 * are relaxed atomics so that statistics need no lock; zpool_map() takes
 * none.
 *
 * The keeper
 *
 * A pool never faults memory in or punches it in the threads that allocate
 * and free:
 * those are zramfsd's FUSE workers, and memory they take from the kernel can
 * be charged to a memory cgroup at its limit, whose reclaim swaps pages out
 * to zramfs and waits for a FUSE worker to store them.  If every worker waits
 * there, nothing is ever stored again: a deadlock (PR_SET_IO_FLUSHER avoids
 * it, but needs CAP_SYS_RESOURCE).  So a thread of its own, the keeper, which
 * zpool_create() starts and zpool_destroy() stops, makes spans (takes a
 * free block, raising hwm if none is, and populates the span's pages) and
 * punches the spans freed ("maps" and "unmaps" below):
 *
 *   - Each class may hold one spare: an empty span, mapped and faulted in,
 *     not linked.  An allocation that finds no partial span links the spare
 *     and asks the keeper for another (a refill, done while the spares of
 *     the pool stay under ZPOOL_SPARE_MAX_BYTES).
 *   - With no spare either, it asks for one at once (urgent) and waits for
 *     it, ZPOOL_SPARE_WAIT_MS at most (not at all after a wait timed out,
 *     until the keeper delivers again), or up to ZPOOL_SPARE_WAIT_MAX_MS
 *     while the keeper is seen waiting for a CPU (below); then it fails
 *     with -ENOMEM, as the
 *     kernel's zram fails a write when zsmalloc cannot get a page without
 *     I/O.  The kernel keeps a page whose swap-out failed in memory and
 *     tries again later: nothing is lost, and the writeback the keeper's
 *     reclaim may be waiting for completes.
 *   - A span that empties becomes its class's spare if the class has none
 *     (within the same budget), else goes to the keeper to be unmapped;
 *     zpool_free_now() unmaps it in the caller instead (zstore's gc_mode
 *     sync, which measures the cost of freeing in the discard itself).
 *
 * The deadline tells a keeper stuck in reclaim (which may wait for the very
 * swap-out a waiting writer serves) from one merely starved of CPU on a
 * loaded machine, which will deliver: a second thread, the watch, samples
 * the keeper's /proc/self/task/TID/schedstat every ZPOOL_WATCH_MS while an
 * allocation waits, and when the keeper's wait for a CPU (run_delay) grew
 * by half the time or more, says so (starved_until); a waiter past its
 * deadline then waits one more ZPOOL_SPARE_WAIT_MS.  A keeper in reclaim
 * sleeps or runs, and its run_delay stands still.  The watch reads /proc,
 * which allocates: that is why it is a thread of its own that serves no
 * I/O; if it is held up, its word goes stale and waits end on time.
 *
 * The keeper's lock is taken after a class lock, never before; the keeper
 * holds one of them at a time.  Spares count in total_bytes (memory the
 * pool holds from the system) and in spare_bytes.  zpool_compact() unmaps
 * what it empties itself: it is an administrator's request, not a worker's
 * path.
 *
 * Known limits: spans are counted in 4 KiB pages (on systems with larger
 * pages punching works on whole pages); the span metadata (7 bytes a slot)
 * is not counted in total_bytes, like zsmalloc's, and its chunks go back
 * to the system only with the pool (the blocks are reused, so they stay at
 * the most the pool ever needed).
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "thread.h"
#include "zpool.h"
#include "zregion.h"

#define ZPOOL_PAGE_SIZE	 4096u
#define ZPOOL_STEP	 16u
#define ZPOOL_MIN_CLASS	 32u
#define ZPOOL_NR_CLASSES ((ZPOOL_MAX_OBJ - ZPOOL_MIN_CLASS) / ZPOOL_STEP + 1)

#define ZSPAN_MIN_PAGES 2u
#define ZSPAN_MAX_PAGES 16u
#define ZSPAN_MAX_OBJS	(ZSPAN_MAX_PAGES * ZPOOL_PAGE_SIZE / ZPOOL_MIN_CLASS)
/* A shorter span is preferred if its tail is within 1/n of the best. */
#define ZSPAN_TAIL_TOLERANCE 32u

/* Empty spans a pool keeps ready, in bytes at most (about: see the keeper). */
#define ZPOOL_SPARE_MAX_BYTES (1024u * 1024u)
/* How long the keeper trusts an answer of pool->room. */
#define ZPOOL_ROOM_AGE_MS 100
/* How long an allocation waits for the keeper before it fails... */
#define ZPOOL_SPARE_WAIT_MS 100
/* ...or at most, while the watch sees the keeper wait for a CPU. */
#define ZPOOL_SPARE_WAIT_MAX_MS 1000
/* How often the watch samples the keeper while an allocation waits. */
#define ZPOOL_WATCH_MS 5

/* Groups 0..7: partial spans by eighths in use; group 8: full spans. */
#define ZSPAN_NR_PARTIAL 8u
#define ZSPAN_FULL	 ZSPAN_NR_PARTIAL
#define ZSPAN_NR_GROUPS	 (ZSPAN_NR_PARTIAL + 1)

/* A handle: block << 19 | class << 11 | slot index (see above). */
#define ZHANDLE_IDX_BITS   11
#define ZHANDLE_CLASS_BITS 8
#define ZHANDLE_BLOCK_SHIFT (ZHANDLE_IDX_BITS + ZHANDLE_CLASS_BITS)
#define ZHANDLE_BLOCK_BITS 32
/* Metadata blocks are aligned so (the arrays after struct zspan). */
#define ZMETA_ALIGN 16u
/* The span table: blocks per leaf. */
#define ZDIR_LEAF 1024u

static_assert(ZPOOL_MAX_OBJ % ZPOOL_STEP == 0, "classes must end at max");
static_assert(ZPOOL_MIN_CLASS % ZPOOL_STEP == 0, "classes must be steps");
static_assert(ZPOOL_NR_CLASSES == 255, "one class per 16-byte step");
static_assert(ZSPAN_MAX_OBJS <= (1u << ZHANDLE_IDX_BITS),
	      "a slot index must fit in the handle");
static_assert(ZSPAN_MAX_OBJS <= UINT16_MAX,
	      "slot counts and indices must fit in uint16_t");
static_assert(ZPOOL_MIN_CLASS <= UINT8_MAX + 1u,
	      "class size - object size must fit in uint8_t");
static_assert(ZPOOL_NR_CLASSES <= (1u << ZHANDLE_CLASS_BITS),
	      "a class index must fit in the handle");
static_assert(ZSPAN_MAX_PAGES * ZPOOL_PAGE_SIZE <= ZPOOL_BLOCK_SIZE,
	      "a span must fit in a block");
static_assert(ZSPAN_MAX_PAGES * ZPOOL_PAGE_SIZE <= UINT32_MAX,
	      "span lengths are 32-bit");

/* A circular doubly linked list with a head node, as the kernel's. */
struct zlist {
	struct zlist *next, *prev;
};

static void zlist_init(struct zlist *head)
{
	head->next = head;
	head->prev = head;
}

static bool zlist_empty(const struct zlist *head)
{
	return head->next == head;
}

static void zlist_add(struct zlist *node, struct zlist *head)
{
	node->next = head->next;
	node->prev = head;
	head->next->prev = node;
	head->next = node;
}

static void zlist_del(struct zlist *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->next = node;
	node->prev = node;
}

struct zclass;

struct zspan {
	struct zlist node;     /* in cls->lists[group]; cls->lock */
	struct zclass *cls;    /* immutable */
	char *base;	       /* immutable: the span memory, in its block */
	uint32_t block;	       /* immutable: its block, 1..nblocks */
	uint32_t size;	       /* immutable: the class size */
	uint16_t objs;	       /* immutable: slots in the span */
	uint16_t inuse;	       /* cls->lock: live objects */
	uint8_t group;	       /* cls->lock: the list it is on */
	uint32_t refused_pass; /* cls->lock: pass in which the owner refused */
	uint32_t *backref;     /* cls->lock: [objs], the owner's backrefs */
	uint16_t *free_idx;    /* cls->lock: stack of objs - inuse free slots */
	uint8_t *slack;	       /* cls->lock: [objs], class - object size */
};

static struct zspan *zspan_of(struct zlist *node)
{
	return (struct zspan *)(void *)((char *)node -
					offsetof(struct zspan, node));
}

struct zclass {
	alignas(64) pthread_mutex_t lock;
	struct zlist lists[ZSPAN_NR_GROUPS]; /* lock */
	uint64_t nr_spans;		     /* lock */
	uint64_t nr_inuse;		     /* lock: objects in all spans */
	uint32_t pass;			     /* lock: compaction passes */
	struct zspan *spare; /* lock: empty, unlinked, or NULL */
	/* lock: an allocator asked for an urgent spare and no allocation of
	 * the class succeeded since (one that timed out still counts). */
	bool urgent;
	uint8_t index;	     /* immutable: in pool->classes */
	uint32_t size;	     /* immutable */
	uint32_t span_bytes; /* immutable */
	uint16_t objs;	     /* immutable: slots per span */
};

/* What the keeper is asked for, per class. */
enum zwant { ZWANT_NONE, ZWANT_REFILL, ZWANT_URGENT };

struct zkeeper {
	pthread_mutex_t lock;
	pthread_cond_t work;	  /* the keeper waits here for requests */
	pthread_cond_t delivered; /* allocators wait here for spares, and
				   * zpool_pause_keeper() for it to stop */
	pthread_t thread;
	uint64_t epoch;	      /* lock: spares delivered, ever */
	uint64_t stall_epoch; /* lock: epoch + 1 when a wait timed out */
	bool stop;	      /* lock */
	bool paused;	      /* lock: for tests, see zpool_pause_keeper */
	bool working;	      /* lock: at work without the lock */
	struct zlist retired; /* lock: empty spans to unmap */
	/* The keeper's own, see zkeeper_room(): */
	uint64_t room_budget;	      /* bytes it may map before asking */
	struct timespec room_asked;   /* when it last asked pool->room */
	uint8_t want[ZPOOL_NR_CLASSES]; /* lock: enum zwant */
	/* The watch (zkeeper_watch_main()): */
	pthread_t watch;
	pthread_cond_t watch_wake;	/* lock: it waits here for waiters */
	unsigned int waiters;		/* lock: allocations waiting */
	_Atomic int tid;		/* the keeper's thread id, once known */
	_Atomic uint64_t starved_until;	/* CLOCK_MONOTONIC ns */
};

/*
 * Span metadata: per class, blocks of one size (struct zspan and its
 * arrays), cut from chunks of ZMETA_CHUNK bytes mapped on demand and
 * unmapped only with the pool.  A chunk starts with the link to the
 * previous one.
 */
#define ZMETA_CHUNK (64u * 1024u)

/*
 * The blocks of the area: 1..hwm have been handed out at some time (hwm
 * lives in the region, raised before a block's pages are touched); those
 * of them not holding a span are free, one bit each, and hold no memory.
 */
struct zblocks {
	pthread_mutex_t lock;
	uint64_t *free_map; /* lock: bit b - 1 set: block b <= hwm is free */
	size_t map_bytes;   /* immutable */
	uint64_t nfree;	    /* lock */
	uint64_t hint;	    /* lock: the word a search starts from */
};

struct zmeta {
	pthread_mutex_t lock;
	void *free[ZPOOL_NR_CLASSES]; /* lock: free blocks, linked in place */
	char *next, *end;	      /* lock: the uncut rest of the chunk */
	void *chunks;		      /* lock: the last chunk mapped */
	uint64_t bytes;		      /* lock: in chunks */
};

struct zpool {
	zpool_migrate_fn migrate;
	void *owner;
	zpool_room_fn room; /* NULL: no bound */
	struct zregion *region;	     /* immutable */
	char *blocks;		     /* immutable: block 1's address */
	uint64_t blocks_off;	     /* immutable: its region offset */
	uint64_t nblocks;	     /* immutable */
	struct zpool_shared *shared; /* immutable: in the region */
	/* The span of block b is dir[b / ZDIR_LEAF][b % ZDIR_LEAF]; leaves
	 * are mapped by whoever creates a span there (the keeper, attach). */
	struct zspan ***dir; /* immutable array; entries: blocks.lock */
	size_t ndir;
	bool keeper_running;
	pthread_mutex_t compact_lock;
	struct zmeta meta;
	struct zblocks blocks_free;
	struct zkeeper keeper;
	_Atomic uint64_t spare_bytes;	/* in spares */
	_Atomic uint64_t retired_bytes; /* in spans the keeper is to unmap */
	/* In linked spans, those that hold objects: zpool_used_bytes().  One
	 * counter, not total_bytes less spares and retired spans, whose three
	 * reads could see a span the keeper is mapping or unmapping as used:
	 * a write near mem_limit would fail, and mem_used_max would rise. */
	_Atomic uint64_t linked_bytes;
	_Atomic uint64_t total_bytes;
	_Atomic uint64_t obj_bytes;
	_Atomic uint64_t objects;
	_Atomic uint64_t spans;
	struct zclass classes[ZPOOL_NR_CLASSES];
};

/* --- statistics -------------------------------------------------------- */

static void zstat_add(_Atomic uint64_t *stat, uint64_t v)
{
	atomic_fetch_add_explicit(stat, v, memory_order_relaxed);
}

static void zstat_sub(_Atomic uint64_t *stat, uint64_t v)
{
	atomic_fetch_sub_explicit(stat, v, memory_order_relaxed);
}

static uint64_t zstat_read(const _Atomic uint64_t *stat)
{
	return atomic_load_explicit(stat, memory_order_relaxed);
}

/* --- handles ----------------------------------------------------------- */

static uint64_t zhandle_encode(const struct zspan *span, unsigned int idx)
{
	return (uint64_t)span->block << ZHANDLE_BLOCK_SHIFT |
	       (uint64_t)span->cls->index << ZHANDLE_IDX_BITS | idx;
}

static uint64_t zhandle_block(uint64_t handle)
{
	return handle >> ZHANDLE_BLOCK_SHIFT;
}

static unsigned int zhandle_class(uint64_t handle)
{
	return (handle >> ZHANDLE_IDX_BITS) & ((1u << ZHANDLE_CLASS_BITS) - 1);
}

static unsigned int zhandle_idx(uint64_t handle)
{
	return handle & ((1u << ZHANDLE_IDX_BITS) - 1);
}

/* @return the address of block @b's span entry; its leaf must exist. */
static struct zspan **zdir_entry(const struct zpool *pool, uint64_t b)
{
	return &pool->dir[b / ZDIR_LEAF][b % ZDIR_LEAF];
}

static struct zspan *zhandle_span(const struct zpool *pool, uint64_t handle)
{
	return *zdir_entry(pool, zhandle_block(handle));
}

/* @return the address of block @b (1-based). */
static char *zblock_addr(const struct zpool *pool, uint64_t b)
{
	return pool->blocks + (b - 1) * ZPOOL_BLOCK_SIZE;
}

/* --- classes ----------------------------------------------------------- */

static unsigned int zpool_class_index(size_t size)
{
	if (size <= ZPOOL_MIN_CLASS)
		return 0;
	return (size + ZPOOL_STEP - 1) / ZPOOL_STEP -
	       ZPOOL_MIN_CLASS / ZPOOL_STEP;
}

/*
 * @return the class size an object of @size bytes occupies, or 0 if @size
 * is not 1..ZPOOL_MAX_OBJ.
 */
size_t zpool_class_size(size_t size)
{
	if (size == 0 || size > ZPOOL_MAX_OBJ)
		return 0;
	return ZPOOL_MIN_CLASS + zpool_class_index(size) * ZPOOL_STEP;
}

/*
 * Chooses the span length of a class: the fewest pages whose tail, as a
 * fraction of the span, is within 1/ZSPAN_TAIL_TOLERANCE of the smallest.
 */
static void zclass_set_geometry(struct zclass *cls, uint32_t size)
{
	uint64_t best_tail = 0, best_bytes = 0, tail, bytes;
	unsigned int pages;

	for (pages = ZSPAN_MIN_PAGES; pages <= ZSPAN_MAX_PAGES; pages++) {
		bytes = (uint64_t)pages * ZPOOL_PAGE_SIZE;
		tail = bytes % size;
		if (!best_bytes || tail * best_bytes < best_tail * bytes) {
			best_tail = tail;
			best_bytes = bytes;
		}
	}
	/* tail / bytes <= best_tail / best_bytes + 1 / tolerance */
	for (pages = ZSPAN_MIN_PAGES; pages <= ZSPAN_MAX_PAGES; pages++) {
		bytes = (uint64_t)pages * ZPOOL_PAGE_SIZE;
		tail = bytes % size;
		if (tail * best_bytes * ZSPAN_TAIL_TOLERANCE <=
		    best_tail * bytes * ZSPAN_TAIL_TOLERANCE +
			    bytes * best_bytes)
			break;
	}
	cls->size = size;
	cls->span_bytes = pages * ZPOOL_PAGE_SIZE;
	cls->objs = cls->span_bytes / size;
}

static unsigned int zspan_group(const struct zspan *span)
{
	if (span->inuse == span->objs)
		return ZSPAN_FULL;
	return span->inuse * ZSPAN_NR_PARTIAL / span->objs;
}

/* Caller holds cls->lock.  Moves @span to the head of its fullness group. */
static void zclass_regroup(struct zclass *cls, struct zspan *span)
{
	unsigned int group = zspan_group(span);

	if (group == span->group)
		return;
	zlist_del(&span->node);
	zlist_add(&span->node, &cls->lists[group]);
	span->group = group;
}

/* Caller holds cls->lock.  @span holds no object yet. */
static void zclass_link(struct zclass *cls, struct zspan *span)
{
	span->group = zspan_group(span);
	span->refused_pass = cls->pass - 1;
	zlist_add(&span->node, &cls->lists[span->group]);
	cls->nr_spans++;
}

/* Caller holds cls->lock.  @span holds no object any more. */
static void zclass_unlink(struct zclass *cls, struct zspan *span)
{
	assert(span->inuse == 0);
	zlist_del(&span->node);
	cls->nr_spans--;
}

/* Caller holds cls->lock.  @return the fullest span with a free slot. */
static struct zspan *zclass_fullest_partial(struct zclass *cls,
					    const struct zspan *except)
{
	struct zlist *node;
	unsigned int group;

	for (group = ZSPAN_NR_PARTIAL; group-- > 0;) {
		for (node = cls->lists[group].next; node != &cls->lists[group];
		     node = node->next) {
			struct zspan *span = zspan_of(node);

			if (span != except)
				return span;
		}
	}
	return NULL;
}

/* Caller holds cls->lock.  @span is not full.  @return a slot index. */
static unsigned int zclass_take_slot(struct zclass *cls, struct zspan *span)
{
	unsigned int idx;

	assert(span->inuse < span->objs);
	idx = span->free_idx[span->objs - span->inuse - 1];
	span->inuse++;
	cls->nr_inuse++;
	zclass_regroup(cls, span);
	return idx;
}

/* Caller holds cls->lock.  If @span empties, the caller unlinks it. */
static void zclass_put_slot(struct zclass *cls, struct zspan *span,
			    unsigned int idx)
{
	assert(span->inuse > 0);
	span->free_idx[span->objs - span->inuse] = idx;
	span->inuse--;
	cls->nr_inuse--;
	zclass_regroup(cls, span);
}

/* --- span metadata ------------------------------------------------------ */

static unsigned int zclass_index_of(const struct zpool *pool,
				    const struct zclass *cls)
{
	return (unsigned int)(cls - pool->classes);
}

static size_t zmeta_size(const struct zclass *cls)
{
	size_t bytes = sizeof(struct zspan) +
		       (size_t)cls->objs * (sizeof(uint32_t) +
					    sizeof(uint16_t) + sizeof(uint8_t));

	return (bytes + ZMETA_ALIGN - 1) & ~(size_t)(ZMETA_ALIGN - 1);
}

static_assert(sizeof(struct zspan) + ZSPAN_MAX_OBJS * 7 + ZMETA_ALIGN <=
		      ZMETA_CHUNK - ZMETA_ALIGN,
	      "the largest metadata block must fit in a chunk");

/* @return a metadata block for a span of @cls (ZMETA_ALIGN-aligned), or
 * NULL.  Maps a chunk, without the lock, when none has room. */
static void *zmeta_alloc(struct zpool *pool, const struct zclass *cls)
{
	struct zmeta *m = &pool->meta;
	unsigned int i = zclass_index_of(pool, cls);
	size_t size = zmeta_size(cls);
	void *block = NULL;
	char *chunk;

	pthread_mutex_lock(&m->lock);
	for (;;) {
		if (m->free[i]) {
			block = m->free[i];
			m->free[i] = *(void **)block;
			break;
		}
		if (m->next && (size_t)(m->end - m->next) >= size) {
			block = m->next;
			m->next += size;
			break;
		}
		pthread_mutex_unlock(&m->lock);
		chunk = mmap(NULL, ZMETA_CHUNK, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chunk == MAP_FAILED)
			return NULL;
		memset(chunk, 0, ZMETA_CHUNK); /* faulted in here and now */
		pthread_mutex_lock(&m->lock);
		/* What another thread left of its chunk is given up. */
		*(void **)chunk = m->chunks;
		m->chunks = chunk;
		m->bytes += ZMETA_CHUNK;
		m->next = chunk + ZMETA_ALIGN;
		m->end = chunk + ZMETA_CHUNK;
	}
	pthread_mutex_unlock(&m->lock);
	return block;
}

static void zmeta_free(struct zpool *pool, const struct zclass *cls,
		       void *block)
{
	struct zmeta *m = &pool->meta;
	unsigned int i = zclass_index_of(pool, cls);

	pthread_mutex_lock(&m->lock);
	*(void **)block = m->free[i];
	m->free[i] = block;
	pthread_mutex_unlock(&m->lock);
}

static void zmeta_destroy(struct zpool *pool)
{
	struct zmeta *m = &pool->meta;
	void *chunk, *prev;

	for (chunk = m->chunks; chunk; chunk = prev) {
		prev = *(void **)chunk;
		munmap(chunk, ZMETA_CHUNK);
	}
	pthread_mutex_destroy(&m->lock);
}

/* --- blocks ----------------------------------------------------------- */

static uint64_t zpool_hwm(const struct zpool *pool)
{
	return atomic_load_explicit(&pool->shared->hwm, memory_order_relaxed);
}

/* Caller holds blocks.lock.  Marks block @b free. */
static void zblocks_mark_free(struct zblocks *bl, uint64_t b)
{
	bl->free_map[(b - 1) / 64] |= UINT64_C(1) << ((b - 1) % 64);
	bl->nfree++;
}

/*
 * @return a block that holds no memory, or 0 if every block is taken.  A
 * new one raises hwm in the region first: a crash after that leaves a block
 * that attach punches, never one it does not know.
 */
static uint64_t zblock_get(struct zpool *pool)
{
	struct zblocks *bl = &pool->blocks_free;
	size_t words = (pool->nblocks + 63) / 64, w, i;
	uint64_t b = 0, hwm;

	pthread_mutex_lock(&bl->lock);
	if (bl->nfree) {
		for (i = 0; i < words; i++) {
			w = (bl->hint + i) % words;
			if (bl->free_map[w])
				break;
		}
		assert(i < words);
		b = (uint64_t)w * 64 +
		    (uint64_t)__builtin_ctzll(bl->free_map[w]);
		bl->free_map[w] &= bl->free_map[w] - 1;
		bl->nfree--;
		bl->hint = w;
		b++;
	} else {
		hwm = zpool_hwm(pool);
		if (hwm < pool->nblocks) {
			b = hwm + 1;
			atomic_signal_fence(memory_order_seq_cst);
			atomic_store_explicit(&pool->shared->hwm, b,
					      memory_order_relaxed);
			atomic_signal_fence(memory_order_seq_cst);
		}
	}
	pthread_mutex_unlock(&bl->lock);
	return b;
}

/* Gives the first @bytes of block @b back to the system and the block to
 * the free blocks. */
static void zblock_put(struct zpool *pool, uint64_t b, uint32_t bytes)
{
	struct zblocks *bl = &pool->blocks_free;

	zregion_punch(pool->region,
		      pool->blocks_off + (b - 1) * ZPOOL_BLOCK_SIZE, bytes);
	pthread_mutex_lock(&bl->lock);
	zblocks_mark_free(bl, b);
	pthread_mutex_unlock(&bl->lock);
}

/* Maps the leaf of the span table for block @b if it has none.
 * @return 0 or -ENOMEM. */
static int zdir_leaf(struct zpool *pool, uint64_t b)
{
	struct zblocks *bl = &pool->blocks_free;
	struct zspan ***slot = &pool->dir[b / ZDIR_LEAF];
	void *leaf;

	pthread_mutex_lock(&bl->lock);
	leaf = *slot;
	pthread_mutex_unlock(&bl->lock);
	if (leaf)
		return 0;
	leaf = mmap(NULL, ZDIR_LEAF * sizeof(**slot), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (leaf == MAP_FAILED)
		return -ENOMEM;
	pthread_mutex_lock(&bl->lock);
	if (!*slot) {
		*slot = leaf;
		leaf = NULL;
	}
	pthread_mutex_unlock(&bl->lock);
	if (leaf)
		munmap(leaf, ZDIR_LEAF * sizeof(**slot));
	return 0;
}

/* --- spans ------------------------------------------------------------- */

/* The private metadata of a span of @cls in block @b, with no object;
 * @backref all UINT32_MAX (attach marks the slots it adopts there).
 * @return it, or NULL. */
static struct zspan *zspan_meta(struct zpool *pool, struct zclass *cls,
				uint64_t b)
{
	size_t objs = cls->objs;
	struct zspan *span;
	unsigned int i;

	if (zdir_leaf(pool, b))
		return NULL;
	span = zmeta_alloc(pool, cls);
	if (!span)
		return NULL;
	memset(span, 0, sizeof(*span));
	zlist_init(&span->node);
	span->cls = cls;
	span->block = (uint32_t)b;
	span->base = zblock_addr(pool, b);
	span->size = cls->size;
	span->objs = objs;
	span->backref = (uint32_t *)(span + 1);
	span->free_idx = (uint16_t *)(span->backref + objs);
	span->slack = (uint8_t *)(span->free_idx + objs);
	memset(span->backref, 0xff, objs * sizeof(*span->backref));
	/* Slot 0 on top: a new span fills from its start. */
	for (i = 0; i < objs; i++)
		span->free_idx[i] = objs - 1 - i;
	return span;
}

/* Records @span as its block's and counts it. */
static void zspan_add(struct zpool *pool, struct zspan *span)
{
	pthread_mutex_lock(&pool->blocks_free.lock);
	*zdir_entry(pool, span->block) = span;
	pthread_mutex_unlock(&pool->blocks_free.lock);
	zstat_add(&pool->total_bytes, span->cls->span_bytes);
	zstat_add(&pool->spans, 1);
}

/* Called without cls->lock (the keeper).  @return a new empty span with
 * its pages faulted in, or NULL. */
static struct zspan *zspan_create(struct zpool *pool, struct zclass *cls)
{
	struct zspan *span;
	uint64_t b;

	b = zblock_get(pool);
	if (!b)
		return NULL;
	span = zspan_meta(pool, cls, b);
	if (!span)
		goto err_block;
	/* Fault the pages in now, in the keeper, not later in the memcpy of
	 * whoever stores an object (-ENOMEM rather than a signal). */
	FAULT_POINT("keeper.after_hwm");
	if (zregion_populate(pool->region,
			     pool->blocks_off + (b - 1) * ZPOOL_BLOCK_SIZE,
			     cls->span_bytes))
		goto err_meta;
	FAULT_POINT("keeper.after_populate");
	zspan_add(pool, span);
	return span;

err_meta:
	zmeta_free(pool, cls, span);
err_block:
	zblock_put(pool, b, cls->span_bytes);
	return NULL;
}

/* Called without cls->lock, @span unlinked and empty. */
static void zspan_release(struct zpool *pool, struct zspan *span)
{
	uint32_t bytes = span->cls->span_bytes;
	uint64_t b = span->block;

	pthread_mutex_lock(&pool->blocks_free.lock);
	*zdir_entry(pool, b) = NULL;
	pthread_mutex_unlock(&pool->blocks_free.lock);
	zmeta_free(pool, span->cls, span);
	zblock_put(pool, b, bytes);
	zstat_sub(&pool->total_bytes, bytes);
	zstat_sub(&pool->spans, 1);
}

/* --- the keeper -------------------------------------------------------- */

/*
 * Caller holds cls->lock.  Links the class's spare, if it has one.
 * @return the spare, now linked, or NULL.
 */
static struct zspan *zclass_take_spare(struct zpool *pool, struct zclass *cls)
{
	struct zspan *span = cls->spare;

	if (span) {
		cls->spare = NULL;
		zstat_sub(&pool->spare_bytes, cls->span_bytes);
		zclass_link(cls, span);
		zstat_add(&pool->linked_bytes, cls->span_bytes);
	}
	return span;
}

/*
 * @return whether one more spare of @cls keeps the pool's spares within
 * budget.  Checked without a pool-wide lock: concurrent frees and refills
 * in several classes may overshoot it by a span each.
 */
static bool zpool_spare_fits(const struct zpool *pool, const struct zclass *cls)
{
	return zstat_read(&pool->spare_bytes) + cls->span_bytes <=
	       ZPOOL_SPARE_MAX_BYTES;
}

/*
 * Caller holds cls->lock; @span is empty and unlinked.  Keeps it as the
 * class's spare if the class has none and the budget allows.
 * @return true if it was kept.
 */
static bool zclass_keep_spare(struct zpool *pool, struct zclass *cls,
			      struct zspan *span)
{
	if (cls->spare || !zpool_spare_fits(pool, cls))
		return false;
	cls->spare = span;
	zstat_add(&pool->spare_bytes, cls->span_bytes);
	return true;
}

/* Called without cls->lock, @span unlinked and empty: hands it to the
 * keeper to unmap. */
static void zspan_retire(struct zpool *pool, struct zspan *span)
{
	struct zkeeper *k = &pool->keeper;

	zstat_add(&pool->retired_bytes, span->cls->span_bytes);
	pthread_mutex_lock(&k->lock);
	zlist_add(&span->node, &k->retired);
	pthread_cond_signal(&k->work);
	pthread_mutex_unlock(&k->lock);
}

/* The keeper, without its lock: unmaps a span zspan_retire() gave it. */
static void zspan_release_retired(struct zpool *pool, struct zspan *span)
{
	uint32_t bytes = span->cls->span_bytes;

	FAULT_POINT("keeper.mid_release");
	zspan_release(pool, span);
	zstat_sub(&pool->retired_bytes, bytes);
}

/*
 * Asks the keeper for a spare for class @i (a class lock may be held).
 * @return the delivery epoch at the time of asking; *@stalled (if given)
 * tells whether a wait timed out since the last delivery.
 */
static uint64_t zkeeper_want(struct zkeeper *k, unsigned int i,
			     enum zwant level, bool *stalled)
{
	uint64_t epoch;

	pthread_mutex_lock(&k->lock);
	if (k->want[i] < level)
		k->want[i] = level;
	pthread_cond_signal(&k->work);
	epoch = k->epoch;
	if (stalled)
		*stalled = k->stall_epoch == epoch + 1;
	pthread_mutex_unlock(&k->lock);
	return epoch;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void ts_add_ms(struct timespec *ts, long ms)
{
	ts->tv_nsec += ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

/* Whether the watch saw the keeper wait for a CPU just now. */
static bool zkeeper_starved(struct zkeeper *k)
{
	return mono_ns() < atomic_load(&k->starved_until);
}

/*
 * Caller holds cls->lock and found no partial span: links the spare or
 * waits for the keeper to make one, ZPOOL_SPARE_WAIT_MS at most.  Returns
 * with cls->lock held.
 * @return a linked span with a free slot, or NULL.
 */
static struct zspan *zclass_wait_spare(struct zpool *pool, struct zclass *cls)
{
	struct zkeeper *k = &pool->keeper;
	unsigned int i = zclass_index_of(pool, cls);
	struct timespec deadline;
	bool timed = false, stalled;
	unsigned int extended = 0;
	struct zspan *span;
	uint64_t epoch;
	int rc = 0;

	for (;;) {
		span = zclass_fullest_partial(cls, NULL);
		if (span)
			return span;
		span = zclass_take_spare(pool, cls);
		if (span) {
			zkeeper_want(k, i, ZWANT_REFILL, NULL);
			return span;
		}
		if (rc == ETIMEDOUT)
			break;
		/* Once a wait timed out, the keeper is stuck (in reclaim,
		 * most likely): fail at once until it delivers again, or
		 * every request queued behind would wait its turn too. */
		epoch = zkeeper_want(k, i, ZWANT_URGENT, &stalled);
		cls->urgent = true;
		if (stalled)
			break;
		pthread_mutex_unlock(&cls->lock);

		if (!timed) {
			timed = true;
			clock_gettime(CLOCK_MONOTONIC, &deadline);
			ts_add_ms(&deadline, ZPOOL_SPARE_WAIT_MS);
		}
		pthread_mutex_lock(&k->lock);
		if (k->waiters++ == 0)
			pthread_cond_signal(&k->watch_wake);
		while (k->epoch == epoch && rc != ETIMEDOUT) {
			rc = pthread_cond_timedwait(&k->delivered, &k->lock,
						    &deadline);
			if (rc == ETIMEDOUT && k->epoch == epoch &&
			    extended < ZPOOL_SPARE_WAIT_MAX_MS /
						       ZPOOL_SPARE_WAIT_MS -
					       1 &&
			    zkeeper_starved(k)) {
				extended++;
				ts_add_ms(&deadline, ZPOOL_SPARE_WAIT_MS);
				rc = 0;
			}
		}
		k->waiters--;
		if (rc == ETIMEDOUT && k->epoch == epoch)
			k->stall_epoch = epoch + 1;
		pthread_mutex_unlock(&k->lock);
		pthread_mutex_lock(&cls->lock);
	}
	zstat_add(&pool->shared->alloc_failures, 1);
	return NULL;
}

/*
 * The keeper, without its lock: whether it may map @bytes more for a spare
 * that no writer waits for yet.  The daemon locks all it maps, so in a
 * memory cgroup at its limit a span's page faults call the cgroup's OOM
 * killer; once the workload it shares the cgroup with has been killed (its
 * swapped pages still held here until their discards arrive), the daemon
 * is the one left to kill, with every page it holds.  A writer that waits
 * is served all the same: its span's charge makes the kernel reclaim, which
 * is how swap-out proceeds at the limit; refusing it would stall swap-out.
 * Asking pool->room reads a few files, so the answer is spent over several
 * spans: half of the room above the margin, for at most ZPOOL_ROOM_AGE_MS.
 */
static bool zkeeper_room(struct zpool *pool, uint32_t bytes)
{
	struct zkeeper *k = &pool->keeper;
	struct timespec now;
	uint64_t room;
	long ms;

	if (!pool->room)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - k->room_asked.tv_sec) * 1000 +
	     (now.tv_nsec - k->room_asked.tv_nsec) / 1000000;
	if (k->room_budget < bytes || ms >= ZPOOL_ROOM_AGE_MS ||
	    !k->room_asked.tv_sec) {
		room = pool->room();
		k->room_asked = now;
		k->room_budget = room > ZPOOL_ROOM_MARGIN
					 ? (room - ZPOOL_ROOM_MARGIN) / 2
					 : 0;
	}
	if (k->room_budget < bytes)
		return false;
	k->room_budget -= bytes;
	return true;
}

/* The keeper, without its lock: unmaps every retired span.
 * @return whether there was one. */
static bool zkeeper_flush_retired(struct zpool *pool)
{
	struct zkeeper *k = &pool->keeper;
	bool any = false;

	pthread_mutex_lock(&k->lock);
	while (!zlist_empty(&k->retired)) {
		struct zspan *span = zspan_of(k->retired.next);

		zlist_del(&span->node);
		pthread_mutex_unlock(&k->lock);
		zspan_release_retired(pool, span);
		any = true;
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return any;
}

/*
 * The keeper, without its lock: gives class @cls a spare if it has none.
 * A refill is skipped when the pool's spares are at their budget.
 * @return true if a spare was delivered.
 */
static bool zkeeper_fill(struct zpool *pool, struct zclass *cls,
			 enum zwant level)
{
	struct zspan *span;
	bool have;

	pthread_mutex_lock(&cls->lock);
	have = cls->spare != NULL;
	/* An urgent request whose allocators were all served since (a refill
	 * came first, or a slot was freed) is a refill, within the spares'
	 * budget; one whose writer timed out stays urgent, or at a cgroup's
	 * limit, where refills are refused, no span would ever be made. */
	if (level == ZWANT_URGENT && !cls->urgent)
		level = ZWANT_REFILL;
	pthread_mutex_unlock(&cls->lock);
	if (have)
		return true;
	if (level == ZWANT_REFILL && !zpool_spare_fits(pool, cls))
		return false;
	if (level == ZWANT_REFILL && !zkeeper_room(pool, cls->span_bytes))
		return false;
	span = zspan_create(pool, cls);
	/* Every block taken: those of the spans it has yet to unmap first. */
	if (!span && zkeeper_flush_retired(pool))
		span = zspan_create(pool, cls);
	if (!span)
		return false; /* the waiters time out: -ENOMEM */
	pthread_mutex_lock(&cls->lock);
	if (!cls->spare) {
		cls->spare = span;
		zstat_add(&pool->spare_bytes, cls->span_bytes);
		span = NULL;
	}
	pthread_mutex_unlock(&cls->lock);
	if (span)
		zspan_release(pool, span);
	return true;
}

/* Caller holds k->lock.  @return a class wanted at @level, or -1. */
static int zkeeper_next(const struct zkeeper *k, enum zwant level)
{
	unsigned int i;

	for (i = 0; i < ZPOOL_NR_CLASSES; i++)
		if (k->want[i] == level)
			return (int)i;
	return -1;
}

/* The keeper, back from work with its lock: wakes the allocators if it
 * delivered a spare, and zpool_pause_keeper() if it waits. */
static void zkeeper_done(struct zkeeper *k, bool delivered)
{
	k->working = false;
	if (delivered)
		k->epoch++;
	if (delivered || k->paused)
		pthread_cond_broadcast(&k->delivered);
}

/* Urgent requests first, then unmapping, then refills. */
static void *zkeeper_main(void *arg)
{
	struct zpool *pool = arg;
	struct zkeeper *k = &pool->keeper;
	enum zwant level;
	bool delivered;
	int i;

	pthread_setname_np(pthread_self(), "zramfsd-keeper");
	thread_lock_stack();
	atomic_store(&k->tid, (int)gettid());
	pthread_mutex_lock(&k->lock);
	while (!k->stop) {
		if (k->paused) {
			pthread_cond_wait(&k->work, &k->lock);
			continue;
		}
		i = zkeeper_next(k, ZWANT_URGENT);
		if (i < 0 && !zlist_empty(&k->retired)) {
			struct zspan *span = zspan_of(k->retired.next);

			zlist_del(&span->node);
			k->working = true;
			pthread_mutex_unlock(&k->lock);
			zspan_release_retired(pool, span);
			pthread_mutex_lock(&k->lock);
			zkeeper_done(k, false);
			continue;
		}
		if (i < 0)
			i = zkeeper_next(k, ZWANT_REFILL);
		if (i < 0) {
			pthread_cond_wait(&k->work, &k->lock);
			continue;
		}
		level = k->want[i];
		k->want[i] = ZWANT_NONE;
		k->working = true;
		pthread_mutex_unlock(&k->lock);
		delivered = zkeeper_fill(pool, &pool->classes[i], level);
		pthread_mutex_lock(&k->lock);
		zkeeper_done(k, delivered);
	}
	pthread_mutex_unlock(&k->lock);
	thread_release_stack();
	return NULL;
}

/* @return the run_delay (ns) in @fd, a schedstat file, or UINT64_MAX. */
static uint64_t read_run_delay(int fd)
{
	uint64_t run, delay;
	char buf[96];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return UINT64_MAX;
	buf[n] = '\0';
	if (sscanf(buf, "%" SCNu64 " %" SCNu64, &run, &delay) != 2)
		return UINT64_MAX;
	return delay;
}

/* The watch: see "The deadline tells..." at the top. */
static void *zkeeper_watch_main(void *arg)
{
	const struct timespec period = { 0, ZPOOL_WATCH_MS * 1000000L };
	struct zpool *pool = arg;
	struct zkeeper *k = &pool->keeper;
	uint64_t delay, delay0 = 0, t, t0 = 0;
	bool have = false;
	char path[64];
	int fd = -1;

	pthread_setname_np(pthread_self(), "zramfsd-kwatch");
	thread_lock_stack();
	pthread_mutex_lock(&k->lock);
	while (!k->stop) {
		if (!k->waiters) {
			have = false;
			pthread_cond_wait(&k->watch_wake, &k->lock);
			continue;
		}
		pthread_mutex_unlock(&k->lock);
		if (fd < 0 && atomic_load(&k->tid)) {
			snprintf(path, sizeof(path),
				 "/proc/self/task/%d/schedstat",
				 atomic_load(&k->tid));
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) /* no schedstat: waits end on time */
				goto out;
		}
		delay = fd >= 0 ? read_run_delay(fd) : UINT64_MAX;
		t = mono_ns();
		if (delay != UINT64_MAX) {
			if (have && delay - delay0 >= (t - t0) / 2)
				atomic_store(&k->starved_until,
					     t + 2 * ZPOOL_WATCH_MS * 1000000ull);
			delay0 = delay;
			t0 = t;
			have = true;
		}
		nanosleep(&period, NULL);
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
out:
	if (fd >= 0)
		close(fd);
	thread_release_stack();
	return NULL;
}

/* Starts the keeper of a pool that is not shared yet.  @return 0 or an
 * errno. */
static int zkeeper_start(struct zpool *pool)
{
	struct zkeeper *k = &pool->keeper;
	pthread_condattr_t attr;
	int rc;

	zlist_init(&k->retired);
	rc = pthread_condattr_init(&attr);
	if (rc)
		return rc;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!rc)
		rc = pthread_cond_init(&k->delivered, &attr);
	pthread_condattr_destroy(&attr);
	if (rc)
		return rc;
	rc = pthread_cond_init(&k->work, NULL);
	if (rc)
		goto err_delivered;
	rc = pthread_cond_init(&k->watch_wake, NULL);
	if (rc)
		goto err_work;
	rc = pthread_mutex_init(&k->lock, NULL);
	if (rc)
		goto err_watch_wake;
	/* With the daemon's signal mask (lib/thread.h). */
	rc = -thread_create(&k->thread, NULL, zkeeper_main, pool);
	if (rc)
		goto err_lock;
	rc = -thread_create(&k->watch, NULL, zkeeper_watch_main, pool);
	if (rc)
		goto err_keeper;
	return 0;

err_keeper:
	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_signal(&k->work);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
err_lock:
	pthread_mutex_destroy(&k->lock);
err_watch_wake:
	pthread_cond_destroy(&k->watch_wake);
err_work:
	pthread_cond_destroy(&k->work);
err_delivered:
	pthread_cond_destroy(&k->delivered);
	return rc;
}

void zpool_pause_keeper(struct zpool *pool, bool paused)
{
	struct zkeeper *k = &pool->keeper;

	pthread_mutex_lock(&k->lock);
	k->paused = paused;
	pthread_cond_signal(&k->work);
	while (paused && k->working)
		pthread_cond_wait(&k->delivered, &k->lock);
	pthread_mutex_unlock(&k->lock);
}

/* Stops the keeper and unmaps what it had yet to. */
static void zkeeper_stop(struct zpool *pool)
{
	struct zkeeper *k = &pool->keeper;

	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_signal(&k->work);
	pthread_cond_signal(&k->watch_wake);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	pthread_join(k->watch, NULL);
	while (!zlist_empty(&k->retired)) {
		struct zspan *span = zspan_of(k->retired.next);

		zlist_del(&span->node);
		zspan_release_retired(pool, span);
	}
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->work);
	pthread_cond_destroy(&k->watch_wake);
	pthread_cond_destroy(&k->delivered);
}

/* --- the pool ---------------------------------------------------------- */

/*
 * The pool itself, 66 KiB of class locks and lists, is a mapping of its own
 * rather than heap: the daemon locks its memory, and locked heap is never
 * given back (its free pages cannot be dropped, and main.c keeps glibc from
 * trimming the heap), so a removed device's pool would stay resident.
 */
static void *zpool_map_anon(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p; /* zero-filled */
}

uint64_t zpool_area_bytes(uint64_t nblocks)
{
	return nblocks * ZPOOL_BLOCK_SIZE;
}

uint64_t zpool_private_bytes(uint64_t nblocks)
{
	return (nblocks + 63) / 64 * sizeof(uint64_t) +
	       (nblocks / ZDIR_LEAF + 1) * sizeof(void *);
}

/* Frees the private state of a pool whose keeper is not running. */
static void zpool_free_private(struct zpool *pool)
{
	unsigned int i;
	size_t d;

	for (i = 0; i < ZPOOL_NR_CLASSES; i++)
		pthread_mutex_destroy(&pool->classes[i].lock);
	zmeta_destroy(pool);
	for (d = 0; d < pool->ndir; d++)
		if (pool->dir[d])
			munmap(pool->dir[d], ZDIR_LEAF * sizeof(**pool->dir));
	if (pool->dir)
		munmap(pool->dir, pool->ndir * sizeof(*pool->dir));
	if (pool->blocks_free.free_map)
		munmap(pool->blocks_free.free_map, pool->blocks_free.map_bytes);
	pthread_mutex_destroy(&pool->blocks_free.lock);
	pthread_mutex_destroy(&pool->compact_lock);
	munmap(pool, sizeof(*pool));
}

struct zpool *zpool_open(const struct zpool_area *area,
			 zpool_migrate_fn migrate, void *owner,
			 zpool_room_fn room)
{
	struct zpool *pool;
	unsigned int i, g;

	static_assert(alignof(struct zpool) <= ZPOOL_PAGE_SIZE,
		      "a mapping is aligned enough");
	if (!area->nblocks || area->nblocks >> ZHANDLE_BLOCK_BITS ||
	    area->blocks_off % ZPOOL_BLOCK_SIZE ||
	    area->blocks_off > zregion_size(area->region) ||
	    zpool_area_bytes(area->nblocks) >
		    zregion_size(area->region) - area->blocks_off) {
		errno = EINVAL;
		return NULL;
	}
	pool = zpool_map_anon(sizeof(*pool));
	if (!pool)
		return NULL;
	pool->migrate = migrate;
	pool->owner = owner;
	pool->room = room;
	pool->region = area->region;
	pool->blocks_off = area->blocks_off;
	pool->blocks = (char *)zregion_base(area->region) + area->blocks_off;
	pool->nblocks = area->nblocks;
	pool->shared = area->shared;
	/* Mutexes and condition variables of glibc need no destruction and
	 * cannot fail to initialise without attributes. */
	pthread_mutex_init(&pool->meta.lock, NULL);
	pthread_mutex_init(&pool->compact_lock, NULL);
	pthread_mutex_init(&pool->blocks_free.lock, NULL);
	for (i = 0; i < ZPOOL_NR_CLASSES; i++) {
		struct zclass *cls = &pool->classes[i];

		pthread_mutex_init(&cls->lock, NULL);
		for (g = 0; g < ZSPAN_NR_GROUPS; g++)
			zlist_init(&cls->lists[g]);
		cls->index = (uint8_t)i;
		zclass_set_geometry(cls, ZPOOL_MIN_CLASS + i * ZPOOL_STEP);
	}
	pool->ndir = pool->nblocks / ZDIR_LEAF + 1;
	pool->dir = zpool_map_anon(pool->ndir * sizeof(*pool->dir));
	pool->blocks_free.map_bytes =
		(pool->nblocks + 63) / 64 * sizeof(uint64_t);
	pool->blocks_free.free_map =
		zpool_map_anon(pool->blocks_free.map_bytes);
	if (!pool->dir || !pool->blocks_free.free_map) {
		zpool_free_private(pool);
		errno = ENOMEM;
		return NULL;
	}
	return pool;
}

/* Sets *@why and @return -EUCLEAN. */
static int zpool_corrupt(const char **why, const char *reason)
{
	*why = reason;
	return -EUCLEAN;
}

int zpool_adopt(struct zpool *pool, uint64_t handle, size_t size,
		uint32_t backref, const char **why)
{
	uint64_t b = zhandle_block(handle);
	unsigned int ci = zhandle_class(handle), idx = zhandle_idx(handle);
	struct zclass *cls;
	struct zspan *span;

	if (b >> ZHANDLE_BLOCK_BITS || !b || b > zpool_hwm(pool))
		return zpool_corrupt(why, "block outside the blocks in use");
	if (!size || size > ZPOOL_MAX_OBJ || ci != zpool_class_index(size))
		return zpool_corrupt(why, "class of another size");
	cls = &pool->classes[ci];
	if (idx >= cls->objs)
		return zpool_corrupt(why, "index beyond its class's slots");
	if (backref == UINT32_MAX)
		return zpool_corrupt(why, "backref out of range");
	if (zdir_leaf(pool, b))
		return -ENOMEM;
	span = *zdir_entry(pool, b);
	if (!span) {
		span = zspan_meta(pool, cls, b);
		if (!span)
			return -ENOMEM;
		zspan_add(pool, span);
	} else if (span->cls != cls) {
		return zpool_corrupt(why, "block holding two classes");
	}
	if (span->backref[idx] != UINT32_MAX)
		return zpool_corrupt(why, "object another slot names");
	span->backref[idx] = backref;
	span->slack[idx] = cls->size - size;
	span->inuse++;
	zstat_add(&pool->objects, 1);
	zstat_add(&pool->obj_bytes, size);
	return 0;
}

/* Punches blocks [@first, @last) of the area, holding spans or not. */
static void zpool_punch_blocks(struct zpool *pool, uint64_t first,
			       uint64_t last)
{
	if (first < last)
		zregion_punch(pool->region,
			      pool->blocks_off +
				      (first - 1) * ZPOOL_BLOCK_SIZE,
			      (last - first) * ZPOOL_BLOCK_SIZE);
}

/*
 * Turns what zpool_adopt() recorded into the allocator's state: each span's
 * free stack and list, the free blocks (punched: whatever a dead process
 * left in them is unreferenced), then starts the keeper.
 */
int zpool_start(struct zpool *pool)
{
	uint64_t hwm = zpool_hwm(pool), b, run = 0;
	struct zblocks *bl = &pool->blocks_free;
	int rc;

	if (hwm > pool->nblocks)
		return -EUCLEAN;
	for (b = 1; b <= hwm; b++) {
		struct zspan *span = pool->dir[b / ZDIR_LEAF]
					     ? *zdir_entry(pool, b)
					     : NULL;
		struct zclass *cls;
		unsigned int idx, nfree = 0;

		if (!span) {
			zblocks_mark_free(bl, b);
			if (!run)
				run = b;
			continue;
		}
		if (run)
			zpool_punch_blocks(pool, run, b);
		run = 0;
		cls = span->cls;
		for (idx = span->objs; idx-- > 0;)
			if (span->backref[idx] == UINT32_MAX)
				span->free_idx[nfree++] = idx;
		zclass_link(cls, span);
		cls->nr_inuse += span->inuse;
		zstat_add(&pool->linked_bytes, cls->span_bytes);
	}
	if (run)
		zpool_punch_blocks(pool, run, hwm + 1);
	rc = zkeeper_start(pool);
	if (rc)
		return -rc;
	pool->keeper_running = true;
	return 0;
}

struct zpool *zpool_create(const struct zpool_area *area,
			   zpool_migrate_fn migrate, void *owner,
			   zpool_room_fn room)
{
	struct zpool *pool;
	int rc;

	memset(area->shared, 0, sizeof(*area->shared));
	pool = zpool_open(area, migrate, owner, room);
	if (!pool)
		return NULL;
	rc = zpool_start(pool);
	if (rc) {
		zpool_free_private(pool);
		errno = -rc;
		return NULL;
	}
	return pool;
}

/* Frees the metadata of every span; their memory stays as it is. */
static void zpool_drop_spans(struct zpool *pool)
{
	unsigned int i, g;

	for (i = 0; i < ZPOOL_NR_CLASSES; i++) {
		struct zclass *cls = &pool->classes[i];

		cls->spare = NULL;
		for (g = 0; g < ZSPAN_NR_GROUPS; g++)
			while (!zlist_empty(&cls->lists[g]))
				zlist_del(cls->lists[g].next);
	}
}

void zpool_detach(struct zpool *pool)
{
	if (!pool)
		return;
	if (pool->keeper_running)
		zkeeper_stop(pool);
	zpool_drop_spans(pool);
	zpool_free_private(pool);
}

void zpool_destroy(struct zpool *pool)
{
	uint64_t hwm;

	if (!pool)
		return;
	if (pool->keeper_running)
		zkeeper_stop(pool);
	hwm = zpool_hwm(pool);
	zpool_drop_spans(pool);
	zpool_punch_blocks(pool, 1, hwm + 1);
	atomic_store_explicit(&pool->shared->hwm, 0, memory_order_relaxed);
	zpool_free_private(pool);
}

int zpool_alloc(struct zpool *pool, size_t size, uint32_t backref,
		uint64_t *handle)
{
	struct zclass *cls;
	struct zspan *span;
	unsigned int idx;

	if (size == 0 || size > ZPOOL_MAX_OBJ)
		return -EINVAL;
	cls = &pool->classes[zpool_class_index(size)];

	pthread_mutex_lock(&cls->lock);
	span = zclass_fullest_partial(cls, NULL);
	if (!span)
		span = zclass_wait_spare(pool, cls);
	if (!span) {
		pthread_mutex_unlock(&cls->lock);
		return -ENOMEM;
	}
	idx = zclass_take_slot(cls, span);
	span->backref[idx] = backref;
	span->slack[idx] = cls->size - size;
	cls->urgent = false;
	pthread_mutex_unlock(&cls->lock);

	zstat_add(&pool->objects, 1);
	zstat_add(&pool->obj_bytes, size);
	*handle = zhandle_encode(span, idx);
	return 0;
}

static void zpool_free_span(struct zpool *pool, uint64_t handle, bool now)
{
	struct zspan *span = zhandle_span(pool, handle);
	unsigned int idx = zhandle_idx(handle);
	struct zclass *cls = span->cls;
	size_t size;
	bool retire = false;

	assert(handle && idx < span->objs);
	pthread_mutex_lock(&cls->lock);
	size = cls->size - span->slack[idx];
	zclass_put_slot(cls, span, idx);
	if (span->inuse == 0) {
		zclass_unlink(cls, span);
		zstat_sub(&pool->linked_bytes, cls->span_bytes);
		retire = !zclass_keep_spare(pool, cls, span);
	}
	pthread_mutex_unlock(&cls->lock);

	zstat_sub(&pool->objects, 1);
	zstat_sub(&pool->obj_bytes, size);
	if (retire && now)
		zspan_release(pool, span);
	else if (retire)
		zspan_retire(pool, span);
}

void zpool_free(struct zpool *pool, uint64_t handle)
{
	zpool_free_span(pool, handle, false);
}

void zpool_free_now(struct zpool *pool, uint64_t handle)
{
	zpool_free_span(pool, handle, true);
}

void *zpool_map(struct zpool *pool, uint64_t handle)
{
	return zblock_addr(pool, zhandle_block(handle)) +
	       (size_t)zhandle_idx(handle) *
		       (ZPOOL_MIN_CLASS + zhandle_class(handle) * ZPOOL_STEP);
}

void zpool_get_stats(const struct zpool *pool, struct zpool_stats *st)
{
	st->total_bytes = zstat_read(&pool->total_bytes);
	st->obj_bytes = zstat_read(&pool->obj_bytes);
	st->objects = zstat_read(&pool->objects);
	st->spans = zstat_read(&pool->spans);
	st->pages_compacted = zstat_read(&pool->shared->pages_compacted);
	st->spare_bytes = zstat_read(&pool->spare_bytes);
	st->retired_bytes = zstat_read(&pool->retired_bytes);
	st->alloc_failures = zstat_read(&pool->shared->alloc_failures);
}

uint64_t zpool_used_bytes(const struct zpool *pool)
{
	return zstat_read(&pool->linked_bytes);
}

/* --- compaction -------------------------------------------------------- */

/*
 * Caller holds cls->lock.  @return the sparsest span the owner has not
 * refused a move from in this pass, or NULL.
 */
static struct zspan *zclass_sparsest_partial(struct zclass *cls)
{
	struct zlist *node;
	unsigned int group;

	for (group = 0; group < ZSPAN_NR_PARTIAL; group++) {
		for (node = cls->lists[group].next; node != &cls->lists[group];
		     node = node->next) {
			struct zspan *span = zspan_of(node);

			if (span->refused_pass != cls->pass)
				return span;
		}
	}
	return NULL;
}

/*
 * Moves every object of @src into the fullest other spans of the class.
 * Caller holds cls->lock.
 * @return 0; -ENOSPC, with nothing moved, if the other spans have fewer
 * free slots than @src has objects; or -EAGAIN if the owner refused to
 * move an object (which then stays in @src with its handle).
 */
static int zclass_evacuate(struct zpool *pool, struct zclass *cls,
			   struct zspan *src)
{
	uint64_t is_free[ZSPAN_MAX_OBJS / 64] = {0};
	uint64_t room = cls->nr_spans * cls->objs - cls->nr_inuse -
			(src->objs - src->inuse);
	unsigned int i, idx, new_idx;
	struct zspan *dst;
	int rc;

	if (room < src->inuse)
		return -ENOSPC;
	/* The slots freed below must not be visited: take a snapshot. */
	for (i = 0; i < (unsigned int)(src->objs - src->inuse); i++) {
		idx = src->free_idx[i];
		is_free[idx / 64] |= UINT64_C(1) << (idx % 64);
	}
	for (idx = 0; idx < src->objs && src->inuse; idx++) {
		if (is_free[idx / 64] & UINT64_C(1) << (idx % 64))
			continue;
		/*
		 * Never NULL: the free slots counted in room are all in
		 * partial spans other than @src (no empty span is listed),
		 * each move takes one of them for one object of @src, and
		 * the class lock, held throughout, keeps out everyone else.
		 */
		dst = zclass_fullest_partial(cls, src);
		assert(dst);
		new_idx = zclass_take_slot(cls, dst);
		dst->backref[new_idx] = src->backref[idx];
		dst->slack[new_idx] = src->slack[idx];
		rc = pool->migrate(pool->owner, src->backref[idx],
				   zhandle_encode(src, idx),
				   zhandle_encode(dst, new_idx), cls->size);
		if (rc) {
			zclass_put_slot(cls, dst, new_idx);
			return -EAGAIN;
		}
		zclass_put_slot(cls, src, idx);
	}
	return 0;
}

/*
 * @return the pages released from @cls.  Each span is tried at most once,
 * and at most as many as the class holds at the start, so that a pass ends
 * even while other threads keep allocating and freeing.
 */
static uint64_t zclass_compact(struct zpool *pool, struct zclass *cls)
{
	uint64_t pages = 0, budget;
	struct zspan *src;
	int rc;

	pthread_mutex_lock(&cls->lock);
	cls->pass++;
	budget = cls->nr_spans;
	while (budget-- > 0 && (src = zclass_sparsest_partial(cls))) {
		rc = zclass_evacuate(pool, cls, src);
		/* No room elsewhere for the sparsest span's objects: none of
		 * the others can empty either. */
		if (rc == -ENOSPC)
			break;
		if (rc) {
			src->refused_pass = cls->pass;
			continue;
		}
		zclass_unlink(cls, src);
		zstat_sub(&pool->linked_bytes, cls->span_bytes);
		pthread_mutex_unlock(&cls->lock);

		zspan_release(pool, src);
		pages += cls->span_bytes / ZPOOL_PAGE_SIZE;

		pthread_mutex_lock(&cls->lock);
	}
	pthread_mutex_unlock(&cls->lock);
	return pages;
}

uint64_t zpool_compact(struct zpool *pool)
{
	uint64_t pages = 0;
	unsigned int i;

	if (!pool->migrate)
		return 0;
	pthread_mutex_lock(&pool->compact_lock);
	for (i = 0; i < ZPOOL_NR_CLASSES; i++)
		pages += zclass_compact(pool, &pool->classes[i]);
	pthread_mutex_unlock(&pool->compact_lock);
	zstat_add(&pool->shared->pages_compacted, pages);
	return pages;
}
