/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zregion: a System V shared memory segment that outlives the process using
 * it, the memory of whatever must survive a zramfsd server's death (issue
 * 12, docs/design/restart.md section 2.3): a device's store, the daemon's
 * state.
 *
 * A region is created once (zregion_create) with a fixed size that is only
 * reserved (SHM_NORESERVE: a page takes memory when first written) and,
 * with ZREGION_LOCK, locked with SHM_LOCK: every page of it, whoever faults
 * it in and whether or not any process maps it, is unevictable, so it can
 * never be swapped out (possibly to zramfs itself) while no server runs.
 * It is marked for removal at once (IPC_RMID): it lives exactly as long as
 * some process has it attached, and Linux still lets another process attach
 * it by its id (shmctl(2)).  Memory goes back with zregion_punch().
 *
 * The region is addressed by offsets only: each process maps it wherever
 * shmat() puts it, so nothing stored in it may be a pointer.
 */
#ifndef ZRAMFS_ZREGION_H
#define ZRAMFS_ZREGION_H

#include <stdbool.h>
#include <stdint.h>

struct zregion;

/* Lock the segment (SHM_LOCK; needs CAP_IPC_LOCK or RLIMIT_MEMLOCK room
 * for the whole reserve). */
#define ZREGION_LOCK 0x1u
/* The calling process runs with mlockall(MCL_FUTURE): map without faulting
 * the reserve in (see zregion_attach()) and keep MCL_FUTURE after. */
#define ZREGION_MCL_FUTURE 0x2u

/*
 * Creates a region of @bytes (rounded up to a page), attaches it and marks
 * it for removal.
 * @return 0 and the region in *@out; -EINVAL for 0 bytes, -ENOMEM, -ENOSPC
 *         (shmmni/shmall) or -EPERM (SHM_LOCK refused) with nothing left
 *         behind.
 */
int zregion_create(uint64_t bytes, unsigned flags, struct zregion **out);

/*
 * Attaches the region @id that another process created.  @flags:
 * ZREGION_MCL_FUTURE only.
 * @return 0, -EINVAL or -EIDRM if @id names no segment (any more), -EACCES,
 *         -ENOMEM.
 */
int zregion_attach(int id, unsigned flags, struct zregion **out);

/* Detaches; the segment goes when no process has it attached. */
void zregion_detach(struct zregion *r);

int zregion_id(const struct zregion *r);
void *zregion_base(const struct zregion *r);
uint64_t zregion_size(const struct zregion *r);
/* @return whether the segment is SHM_LOCKed (as the kernel says). */
bool zregion_locked(const struct zregion *r);

/* Faults [@off, @off + @len) in, for writing.  @return 0 or -errno
 * (-ENOMEM: no memory for it, nothing else changed). */
int zregion_populate(struct zregion *r, uint64_t off, uint64_t len);

/* Gives the memory of [@off, @off + @len) back: it reads as zeros after.
 * Page-aligned.  @return 0 or -errno. */
int zregion_punch(struct zregion *r, uint64_t off, uint64_t len);

#endif
