/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * region: where zramfsd's memory that must outlive a server comes from
 * (the stores of devices, the daemon's state).  One owner decides: in a
 * daemon with a holder process (issue 12), the holder creates and keeps
 * every segment and a server asks it for one; a process on its own (unit
 * tests, tools) creates them itself.  Callers never call zregion_create()
 * directly.
 */
#ifndef ZRAMFS_REGION_H
#define ZRAMFS_REGION_H

#include <stdint.h>

#include "zregion.h"

/* Called once at start, before any region: whether the process runs with
 * mlockall(MCL_FUTURE) (priv_lock_memory() succeeded). */
void region_set_mlocked(int mlocked);

/*
 * A new locked region of @bytes for the calling process, which is its only
 * user until it passes the id on.
 * @return 0 and *@out, or -errno as zregion_create().
 */
int region_new(uint64_t bytes, struct zregion **out);

/* Maps region @id created earlier (by this server or a previous one). */
int region_attach(int id, struct zregion **out);

/* Done with @r for good (reset, hot_remove): unmapped here, and no longer
 * kept by whoever keeps it; its memory goes with its last attachment. */
void region_drop(struct zregion *r);

#endif
