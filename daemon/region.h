/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * region: where zramfsd's memory that must outlive a server comes from
 * (the stores of devices, the daemon's state).  One owner decides: in a
 * daemon with a holder process (issue 12), the holder creates and keeps
 * every segment and a server asks it for one; a process on its own (unit
 * tests, tools) creates them itself.  Callers never call zregion_create()
 * directly.
 *
 * The holder's side (region_keep_*) runs on the holder's one thread; the
 * server's (region_new() and region_drop() once region_set_holder() was
 * called) may be called from any thread: one request at a time goes over
 * the socket, under a lock.
 */
#ifndef ZRAMFS_REGION_H
#define ZRAMFS_REGION_H

#include <stdint.h>

#include "zregion.h"

/* Called once at start, before any region: whether the process runs with
 * mlockall(MCL_FUTURE) (priv_lock_memory() succeeded). */
void region_set_mlocked(int mlocked);

/* In a server: from now on regions come from the holder at the other end
 * of @sock (daemon/hold.h).  Call before any thread uses regions. */
void region_set_holder(int sock);

/*
 * Sends @msg (a struct hold_msg) to the holder, under the lock that keeps
 * one request on the socket at a time.
 * @return 0, -ENOTCONN if there is no holder (any more), or -errno.
 */
int region_tell_holder(const void *msg);

/*
 * A new locked region of @bytes for the calling process, which is its only
 * user until it passes the id on.
 * @return 0 and *@out, or -errno as zregion_create(); -ENOTCONN if the
 *         holder is gone.
 */
int region_new(uint64_t bytes, struct zregion **out);

/* Maps region @id created earlier (by this server or a previous one). */
int region_attach(int id, struct zregion **out);

/* Done with @r for good (reset, hot_remove): unmapped here, and no longer
 * kept by whoever keeps it; its memory goes with its last attachment. */
void region_drop(struct zregion *r);

/* --- the holder's side ---------------------------------------------------- */

/*
 * Creates a locked region of @bytes that the holder keeps attached until
 * region_keep_drop(): its memory outlives every server.
 * @return its id, or -errno as zregion_create() (-ENOSPC once the holder
 *         keeps REGION_KEEP_MAX).
 */
int region_keep_new(uint64_t bytes, struct zregion **out);

/*
 * Answers @msg, a struct hold_msg from a server on @sock, if it is about
 * regions: REGION_NEW (a region made and kept, its id or the error sent
 * back), REGION_DROP (let go).
 * @return 0; -EBADMSG if @msg is about something else; -ENOTCONN if the
 *         answer could not be sent (nothing kept then); or the -errno of
 *         the region's creation (sent back) or drop (-ENOENT).
 */
int region_keep_answer(int sock, const void *msg);

/* Writes the ids of the regions the holder keeps to @ids, at most @max.
 * @return how many. */
int region_keep_ids(int32_t *ids, int max);

/*
 * Keeps region @id, which this holder's earlier self made before it
 * re-executed itself (a reload): attached again, as region_keep_new()'s.
 * @return 0 and *@out if not NULL, or -errno as zregion_attach().
 */
int region_keep_adopt(int id, struct zregion **out);

/* Lets go of the kept region @id.  @return 0, or -ENOENT if none. */
int region_keep_drop(int id);

/* How many regions the holder keeps at most: a state region and a store
 * for each of 256 devices, with room to spare. */
#define REGION_KEEP_MAX 512

#endif
