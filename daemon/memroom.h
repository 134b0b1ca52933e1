/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memroom: how much more memory the daemon can lock before something ends
 * it.  The daemon locks everything it maps (mlockall(MCL_FUTURE)), so memory
 * it takes is never reclaimable: past its memory cgroup's limit the cgroup's
 * OOM killer strikes, past RLIMIT_MEMLOCK (for a thread without
 * CAP_IPC_LOCK) the mapping fails, past the machine's available memory the
 * system's OOM killer strikes.  disksize asks here before it creates a slot
 * table that is locked whole the moment it is mapped.
 *
 * The bounds, each the room left under it now (what the devices already hold
 * is charged to all of them):
 *   - every memory cgroup from the daemon's own up to the root of the
 *     hierarchy: limit - usage (v1: memory.limit_in_bytes and
 *     memory.usage_in_bytes under the "memory" controller's mount; v2:
 *     memory.max and memory.current), the least of them;
 *   - RLIMIT_MEMLOCK - VmLck, if the calling thread lacks CAP_IPC_LOCK in
 *     its effective set;
 *   - MemAvailable of /proc/meminfo.
 * A bound that cannot be read bounds nothing.  Usage counts page cache the
 * kernel could reclaim: the room is the least there is for certain.
 *
 * Not here: what to do with the answer (dev.c decides).
 */
#ifndef ZRAMFS_MEMROOM_H
#define ZRAMFS_MEMROOM_H

#include <stdint.h>

struct memroom {
	uint64_t bytes;  /* the least room; UINT64_MAX if nothing bounds it */
	char bound[256]; /* names that bound and its numbers, for a log */
};

/*
 * Finds the room left for the calling thread to lock.  @root prefixes every
 * path read ("" for the real /proc and /sys; tests pass a directory holding
 * a fake proc/ and sys/).  The capability and RLIMIT_MEMLOCK are those of
 * the calling thread and process whatever @root is.
 */
void memroom_get(const char *root, struct memroom *r);

/* The parts of memroom_get(), each lowering @r if its bound is tighter. */
void memroom_cgroup(const char *root, struct memroom *r);
void memroom_memlock(const char *root, struct memroom *r);
void memroom_available(const char *root, struct memroom *r);

#endif
