/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zpool: a size-class allocator for compressed pages, modelled on zsmalloc.
 *
 * Objects of 1..ZPOOL_MAX_OBJ bytes are packed densely into spans: runs of
 * pages at the start of the 64 KiB blocks of an area of a zregion, faulted
 * in when a span is made and punched as soon as it holds no object.  A
 * handle is an offset in the area, never a pointer, so a new process that
 * attaches the region can rebuild the pool (zpool_open, zpool_adopt,
 * zpool_start) from the handles its owner holds.  The pool never calls
 * malloc() per object.  It is not a general
 * purpose allocator: objects are addressed by opaque 64-bit handles, mapped
 * with zpool_map() and may be moved by zpool_compact(), which asks the owner
 * (through the migrate callback) to repoint the one reference it holds.
 */
#ifndef ZRAMFS_ZPOOL_H
#define ZRAMFS_ZPOOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZPOOL_MAX_OBJ 4096
/* Every span lives in a block of its own. */
#define ZPOOL_BLOCK_SIZE (64u << 10)

struct zpool;
struct zregion;

/* What a pool keeps in the region besides its blocks (in the owner's
 * header): all of it survives the process. */
struct zpool_shared {
	_Atomic uint64_t hwm; /* blocks 1..hwm may hold memory */
	_Atomic uint64_t pages_compacted;
	_Atomic uint64_t alloc_failures;
};

/* Where a pool lives. */
struct zpool_area {
	struct zregion *region;
	uint64_t blocks_off; /* of block 1; a multiple of ZPOOL_BLOCK_SIZE */
	uint64_t nblocks;    /* 1..2^32-1 */
	struct zpool_shared *shared;
};

/* @return the bytes @nblocks blocks take in the region. */
uint64_t zpool_area_bytes(uint64_t nblocks);
/* @return the private memory a pool of @nblocks takes at once (the free
 * block map and the span table's root). */
uint64_t zpool_private_bytes(uint64_t nblocks);

/*
 * Moves one object during compaction.  The pool calls it with the class lock
 * held and never with any lock of the owner's.  The owner takes the lock of
 * whatever @backref names, checks that it still refers to @old_handle and, if
 * so, copies @size bytes from zpool_map(@old_handle) to zpool_map(@new_handle),
 * makes it refer to @new_handle and returns 0.  If it no longer refers to
 * @old_handle (the object is being published or waits to be freed), it
 * returns -EAGAIN and the pool leaves the object where it is.
 */
typedef int (*zpool_migrate_fn)(void *owner, uint32_t backref,
				uint64_t old_handle, uint64_t new_handle,
				size_t size);

/*
 * @return how many more bytes the process may lock before something ends it
 * (its memory cgroup's OOM killer, say), UINT64_MAX if nothing bounds it.
 * Called by the keeper, without locks, before it maps memory.
 */
typedef uint64_t (*zpool_room_fn)(void);

/* What the keeper leaves of that room: the workload's own page faults, the
 * daemon's heap and page tables. */
#define ZPOOL_ROOM_MARGIN (4u << 20)

/*
 * Creates an empty pool in @area (its shared part reset; its blocks must
 * hold no memory) and starts its keeper: a thread that maps and unmaps the
 * pool's memory, so that zpool_alloc() and zpool_free() never do (see
 * zpool.c, "The keeper").  With @room (may be NULL) the keeper maps a span
 * only while @room leaves it ZPOOL_ROOM_MARGIN to spare.
 * @return a new empty pool, or NULL with errno set.
 */
struct zpool *zpool_create(const struct zpool_area *area,
			   zpool_migrate_fn migrate, void *owner,
			   zpool_room_fn room);

/*
 * Rebuilding the pool of an area another process left (zstore_attach):
 * zpool_open() makes the private state, with no span and no keeper;
 * zpool_adopt() records each live object, as its owner's references name
 * them; zpool_start() builds the free lists from that, punches every block
 * that holds no live object (whatever else it held is unreferenced: freed)
 * and starts the keeper.  On a failure, zpool_detach() the opened pool.
 * zpool_adopt() @return 0, -EUCLEAN (a handle outside the blocks in use,
 * of another class than @size, a second reference to one object, a block
 * holding two classes; *@why says which) or -ENOMEM.
 */
struct zpool *zpool_open(const struct zpool_area *area,
			 zpool_migrate_fn migrate, void *owner,
			 zpool_room_fn room);
int zpool_adopt(struct zpool *pool, uint64_t handle, size_t size,
		uint32_t backref, const char **why);
int zpool_start(struct zpool *pool);

/* Stops the keeper and frees the private state only: the area is left as
 * it is, for zpool_open() in this process or another. */
void zpool_detach(struct zpool *pool);

/*
 * For tests: a paused keeper delivers nothing and unmaps nothing.  Pausing
 * returns once the keeper is between two tasks, so the pool's memory stays
 * as it is while the caller neither allocates nor frees.
 */
void zpool_pause_keeper(struct zpool *pool, bool paused);

/* Stops the keeper and frees every span: the area holds no memory after.
 * The caller guarantees no other call is in progress. */
void zpool_destroy(struct zpool *pool);

/*
 * Allocates an object of @size bytes (1..ZPOOL_MAX_OBJ) and records @backref
 * for the migrate callback.  Thread-safe.
 * @return 0 and the handle in *@handle (never 0), -EINVAL for a bad size,
 *         -ENOMEM when the keeper could not deliver memory within a tenth
 *         of a second.
 */
int zpool_alloc(struct zpool *pool, size_t size, uint32_t backref,
		uint64_t *handle);

/* Frees an object.  Thread-safe; the handle must be live. */
void zpool_free(struct zpool *pool, uint64_t handle);

/* The same, but a span it empties that is not kept as a spare is unmapped
 * by the caller before it returns, not by the keeper. */
void zpool_free_now(struct zpool *pool, uint64_t handle);

/*
 * @return the address of the object.  Takes no lock: the caller guarantees
 * the object is neither freed nor migrated while it uses the address (for
 * zstore: it holds the slot lock, which the migrate callback also takes).
 */
void *zpool_map(struct zpool *pool, uint64_t handle);

/* @return the bytes of the spans that hold objects: what the pool holds
 * from the system (total_bytes) but the empty spans, those kept ready
 * (spares), those the keeper has yet to unmap and those it is mapping. */
uint64_t zpool_used_bytes(const struct zpool *pool);

/*
 * Moves objects out of sparse spans into fuller ones of the same class and
 * releases the spans that empties.
 * @return the number of 4 KiB pages released by this call.
 */
uint64_t zpool_compact(struct zpool *pool);

struct zpool_stats {
	uint64_t total_bytes;     /* bytes in spans */
	uint64_t obj_bytes;       /* bytes in live objects, as requested */
	uint64_t objects;         /* live objects */
	uint64_t spans;           /* spans held */
	uint64_t pages_compacted; /* pages released by compaction, ever */
	uint64_t spare_bytes;	  /* bytes in spares (in total_bytes) */
	uint64_t retired_bytes;	  /* bytes the keeper has yet to unmap (too) */
	uint64_t alloc_failures;  /* -ENOMEM: the keeper did not deliver */
};

void zpool_get_stats(const struct zpool *pool, struct zpool_stats *st);

/* @return the class size an object of @size bytes occupies (for tests). */
size_t zpool_class_size(size_t size);

#endif
