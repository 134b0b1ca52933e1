/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state: what zramfsd knows about its devices and open files, besides the
 * stores themselves, in one region (region.h) that outlives the server
 * process, so that a new server rebuilds its private tables from it after
 * the old one died at any instruction (issue 12, docs/design/restart.md
 * sections 3.1, 5.4 and 5.5).
 *
 * The region is addressed by offsets only and versioned:
 *
 *   0            struct state_hdr   magic "ZRAMFSSD", STATE_LAYOUT_VERSION,
 *                                   sizeof of every struct below, endian
 *                                   mark, counts and offsets, ready word
 *   devs_off     struct state_dev[STATE_DEVS]
 *                  present                  hot_add/hot_remove commit word
 *                  spare_store              a store region in transit
 *                  created_ns, modified_ns, accessed_ns, created_by
 *                  conf_cur, conf[2]        settings, disksize, store id
 *                  swap_cur, swap[2]        loop device, backing file,
 *                                           priority, discard, intent
 *                  lat                      latency_stat's histograms
 *   handles_off  struct state_handle[STATE_HANDLES]
 *                  gen, state, open_unique, ino, dev, flags, hot_add_id
 *
 * What is not here is private and rebuilt: locks, reference counts, the
 * zstore's private half, the free list of the handle table, the rendered
 * contents of open attribute files (re-rendered by the next read after a
 * restart: a read of an attribute split across a restart may see two
 * renderings), and the derived counts (data files open, from the handle
 * table).
 *
 * Commit points.  A dying server stops between two instructions and every
 * store it made before is visible to the next one (after the holder reaped
 * it: program order, not memory order).  Each change is therefore a single
 * aligned 32-bit store, made after everything it publishes was written,
 * with a compiler barrier (atomic_signal_fence) in between:
 *  - a device exists when present is 1 (hot_add writes its record first);
 *  - a store region is named in spare_store before disksize makes a store
 *    in it and before reset or hot_remove commit without it, and cleared
 *    once it is committed or dropped: the next server drops a spare that
 *    the committed settings do not name, so no region is kept for nothing;
 *  - a device's settings and initialisation (struct state_conf) and its
 *    swap record (struct state_swap) are written shadow-and-flip: the new
 *    value goes into the copy not in use, then the index flips.  So every
 *    attribute store commits at one store, and a crash leaves the old
 *    value or the new, never half of one.  Each store sets an absolute
 *    value, and a record commits the unique of the request that made it
 *    (struct state_conf, struct state_swap, removed_by, a handle's
 *    open_unique) in the same store, so that a request FUSE_NOTIFY_RESEND
 *    replays after it took effect is recognised and answered as it was,
 *    never done twice (dev_set_request(); no separate journal needed);
 *  - a handle is open when its state is STATE_FH_OPEN (its fields and new
 *    generation written before); released when it is STATE_FH_FREE.
 * A record's lat (lib/zlat.h) is statistics, relaxed counters with no
 * commit point: a server that dies leaves them as they were, less the
 * requests it had not answered (a replayed request counts once, when it
 * is answered).  They live here, not in the server, so that they survive
 * a restart and outlive the handles and devices of the requests that
 * count into them after their reply.
 * Only one process writes the region at a time (the holder starts a
 * server after reaping the last one); within a server, a device's record is
 * written under that device's locks (dev.c) and the handle table under a
 * private mutex (state.c).
 */
#ifndef ZRAMFS_STATE_H
#define ZRAMFS_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "zlat.h"

/* Any change of a struct below, of its meaning, or of fs.c's inode
 * numbering (the kernel keeps nodeids and fh across a restart) bumps it. */
#define STATE_LAYOUT_VERSION 2
#define STATE_MAGIC "ZRAMFSSD"
#define STATE_ENDIAN 0x0102030405060708ull

#define STATE_DEVS 256          /* ZTREE_DEV_MAX; dev.c checks */
#define STATE_HANDLES 16384     /* open files at once: ENFILE beyond */
#define STATE_ALGO_MAX 32       /* DEV_ALGO_MAX */
#define STATE_PARAMS_MAX 128    /* DEV_PARAMS_MAX */
#define STATE_LOOP_MAX 32       /* SWAP_DEV_MAX */

struct state_hdr {
	char magic[8];
	uint32_t layout;
	uint32_t hdr_size;
	uint32_t dev_size;
	uint32_t handle_size;
	uint32_t ndevs;
	uint32_t nhandles;
	uint64_t endian;
	uint64_t devs_off;
	uint64_t handles_off;
	uint64_t bytes;         /* the region's size when it was made */
	_Atomic uint32_t ready; /* 1: everything above is written */
	uint32_t pad;
};

/* A device's settings and initialisation, one consistent copy. */
struct state_conf {
	uint64_t unique;        /* the request whose store made it, 0: none */
	uint64_t disksize;      /* 0: not initialised */
	uint64_t mem_limit;
	int32_t store_id;       /* region of the store, -1: none */
	uint32_t gc_mode;       /* enum zstore_gc_mode */
	char algorithm[STATE_ALGO_MAX];
	char params[STATE_PARAMS_MAX];  /* for params_algo only */
	char params_algo[STATE_ALGO_MAX];
};

enum state_swap_intent {
	STATE_SWAP_OFF,
	STATE_SWAP_ATTACHING,   /* swap on under way */
	STATE_SWAP_ON,
	STATE_SWAP_DETACHING,   /* swap off under way */
};

/* A device's swap record: what swap on attached, and what is under way. */
struct state_swap {
	/* The swap on or off this records the success of (or is under way
	 * for, with an intent), 0: none. */
	uint64_t unique;
	uint32_t intent;        /* enum state_swap_intent */
	int32_t priority;
	uint32_t discard;       /* enum swapopt_discard */
	uint32_t pad;
	uint64_t file_dev;      /* the data file loop_dev is attached to */
	uint64_t file_ino;
	char loop_dev[STATE_LOOP_MAX]; /* "": none (yet) */
};

struct state_dev {
	_Atomic uint32_t present;
	_Atomic uint32_t conf_cur;      /* 0 or 1: conf[conf_cur] is valid */
	_Atomic uint32_t swap_cur;      /* 0 or 1 */
	/* A store region made or given up, not yet committed or dropped:
	 * unless conf's store_id names it, the next server drops it. */
	_Atomic int32_t spare_store;    /* -1: none */
	int64_t created_ns;             /* hot_add */
	_Atomic int64_t modified_ns;    /* data: last write, disksize, reset */
	_Atomic int64_t accessed_ns;    /* data: last read */
	uint64_t created_by;            /* fh of the hot_add read, 0: none */
	uint64_t removed_by;            /* the hot_remove request, 0: none */
	struct state_conf conf[2];
	struct state_swap swap[2];
	struct zlat lat;                /* hot_add and reset clear it */
};

enum state_fh_state {
	STATE_FH_FREE,
	STATE_FH_OPEN,
};

/* Flags of an open file. */
#define STATE_FH_DATA 0x1u      /* the data file of device dev */
#define STATE_FH_DIRECT 0x2u    /* opened with O_DIRECT */

struct state_handle {
	_Atomic uint32_t gen;           /* of the last open; 0: never */
	_Atomic uint32_t state;         /* enum state_fh_state */
	uint64_t open_unique;           /* the OPEN request, 0: none */
	uint64_t ino;
	int32_t dev;                    /* -1: no device (control files) */
	uint32_t flags;
	_Atomic int32_t hot_add_id;     /* the device a hot_add read made */
	uint32_t pad;
};

/* What an open file is, as state_handle_get() copies it out. */
struct state_fh {
	uint64_t open_unique;           /* the OPEN request that made it */
	uint64_t ino;
	int dev;
	unsigned flags;
	int hot_add_id;                 /* -1: none */
};

/*
 * Opens the state region: @id -1 makes a new one (a daemon's first start)
 * with region_new(); any other @id attaches that region (made by an
 * earlier server) and validates it.  Refused regions are left as they are.
 * @return 0; -EEXIST if one is open already; -EPROTO if the region has
 *         another layout (another version, struct sizes or endianness),
 *         -EUCLEAN if it is corrupt (both logged with the reason); or the
 *         -errno of region_new() / region_attach().
 */
int state_open(int id);

/* @return the id of the open state region (for the holder), or -1. */
int state_region_id(void);

/*
 * Unmaps the state region from this process, leaving it to whoever else
 * keeps it (the holder; a test's parent): what a server's death does.
 * Nothing of it is freed.
 */
void state_close(void);

/* @return the record of device @id (0..STATE_DEVS-1), or NULL if no state
 * region is open. */
struct state_dev *state_dev(int id);

/* @return the current settings of @r: read only while nobody changes them
 * (dev.c: under the device's init_lock). */
const struct state_conf *state_conf(const struct state_dev *r);
/* Commits @c as @r's settings: the one store that makes it current. */
void state_conf_commit(struct state_dev *r, const struct state_conf *c);

const struct state_swap *state_swap(const struct state_dev *r);
void state_swap_commit(struct state_dev *r, const struct state_swap *s);

/* Makes @r's device exist (after its other fields are written) or not. */
void state_dev_commit_present(struct state_dev *r, bool present);
/* Names the store region in transit (-1: none). */
void state_dev_set_spare(struct state_dev *r, int store_id);

/*
 * Open files.  fh = index | generation << 32: the kernel keeps it across a
 * restart, and a stale or unknown one is refused, never followed.
 */

/* @return 0 and the new handle in *@fh, or -ENFILE (table full).
 * f->hot_add_id is not taken: a new handle has none. */
int state_handle_new(const struct state_fh *f, uint64_t *fh);
/* @return the open handle that the OPEN request @unique made, or 0. */
uint64_t state_handle_find(uint64_t unique);
/* @return 0 and a copy of @fh's entry in *@f, or -EBADF. */
int state_handle_get(uint64_t fh, struct state_fh *f);
/* Records that the hot_add read of @fh made device @id. */
int state_handle_set_hot_add(uint64_t fh, int id);
/* Releases @fh.  @return 0 or -EBADF (released already, or stale). */
int state_handle_free(uint64_t fh);
/*
 * Walks the open handles: @return the handle after @fh (0 starts) and its
 * entry in *@f, or 0 when there is none.
 */
uint64_t state_handle_next(uint64_t fh, struct state_fh *f);

#endif
