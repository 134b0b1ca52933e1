// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zregion: System V shared memory segments for what must outlive a server
 * (see zregion.h, and docs/design/restart.md section 2.3 for why not memfd).
 *
 * Why SHM_LOCK and not mlock: mlock(2) protects a page only while a locked
 * mapping has it mapped, and locks end with the process.  shmem_lock()
 * (mm/shmem.c) marks the segment's mapping unevictable, so every page of it
 * goes to the unevictable LRU whoever faulted it in, and shmem_writeout()
 * refuses a locked inode's page: nothing depends on which process maps what,
 * or whether any does.
 *
 * Mapping without faulting in.  A process that runs with
 * mlockall(MCL_FUTURE) gets every new mapping VM_LOCKED, and shmat() then
 * populates all of it: the whole reserve would be allocated.  So, with
 * ZREGION_MCL_FUTURE, the one shmat() runs between
 *
 *     mlockall(MCL_FUTURE | MCL_ONFAULT)   only def_flags change
 *     shmat()                              VM_LOCKONFAULT: nothing faulted
 *     munlock()                            SHM_LOCK pins it, not VM_LOCKED
 *     mlockall(MCL_FUTURE)                 new mappings faulted in again
 *
 * mlockall() without MCL_CURRENT leaves existing mappings as they are.  A
 * mapping another thread makes in those microseconds is locked on fault
 * rather than faulted in at once; callers attach at start or on a slow path.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "zregion.h"

#ifndef SHM_NORESERVE
#define SHM_NORESERVE 010000
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

struct zregion {
	int id;
	void *base;
	uint64_t size;
};

static uint64_t page_round(uint64_t bytes)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	return (bytes + page - 1) & ~(page - 1);
}

static int map(int id, uint64_t size, unsigned flags, struct zregion **out)
{
	struct zregion *r = malloc(sizeof(*r));
	void *base;
	int err;

	if (!r)
		return -ENOMEM;
	if (flags & ZREGION_MCL_FUTURE &&
	    mlockall(MCL_FUTURE | MCL_ONFAULT) < 0) {
		err = -errno;
		free(r);
		return err;
	}
	base = shmat(id, NULL, 0);
	err = base == (void *)-1 ? -errno : 0;
	if (flags & ZREGION_MCL_FUTURE) {
		if (!err)
			munlock(base, size);
		/* Back as it was: it succeeded a moment ago. */
		mlockall(MCL_FUTURE);
	}
	if (err) {
		free(r);
		return err;
	}
	r->id = id;
	r->base = base;
	r->size = size;
	*out = r;
	return 0;
}

int zregion_create(uint64_t bytes, unsigned flags, struct zregion **out)
{
	uint64_t size = page_round(bytes);
	int id, err;

	if (!bytes || size < bytes)
		return -EINVAL;
	id = shmget(IPC_PRIVATE, size, IPC_CREAT | IPC_EXCL | 0600 |
					       SHM_NORESERVE);
	if (id < 0)
		return errno == EINVAL ? -ENOMEM : -errno;
	if (flags & ZREGION_LOCK && shmctl(id, SHM_LOCK, NULL) < 0) {
		err = errno == ENOMEM ? -EPERM : -errno;
		goto fail;
	}
	err = map(id, size, flags & ZREGION_MCL_FUTURE, out);
	if (err)
		goto fail;
	/* Attached: from now on it lives as long as an attachment does. */
	shmctl(id, IPC_RMID, NULL);
	return 0;
fail:
	shmctl(id, IPC_RMID, NULL);
	return err;
}

int zregion_attach(int id, unsigned flags, struct zregion **out)
{
	struct shmid_ds ds;

	if (id < 0)
		return -EINVAL;
	if (shmctl(id, IPC_STAT, &ds) < 0)
		return -errno;
	return map(id, ds.shm_segsz, flags & ZREGION_MCL_FUTURE, out);
}

void zregion_detach(struct zregion *r)
{
	if (!r)
		return;
	shmdt(r->base);
	free(r);
}

int zregion_id(const struct zregion *r)
{
	return r->id;
}

void *zregion_base(const struct zregion *r)
{
	return r->base;
}

uint64_t zregion_size(const struct zregion *r)
{
	return r->size;
}

bool zregion_locked(const struct zregion *r)
{
	struct shmid_ds ds;

	return shmctl(r->id, IPC_STAT, &ds) == 0 &&
	       (ds.shm_perm.mode & SHM_LOCKED);
}

static int check_range(const struct zregion *r, uint64_t off, uint64_t len)
{
	if (off > r->size || len > r->size - off)
		return -EINVAL;
	return 0;
}

int zregion_populate(struct zregion *r, uint64_t off, uint64_t len)
{
	int err = check_range(r, off, len);

	if (err || !len)
		return err;
	if (madvise((char *)r->base + off, len, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return errno == EFAULT || errno == EHWPOISON ? -ENOMEM
							      : -errno;
	/* Before Linux 5.14: touch each page (it reads as zeros, so a
	 * zero write changes nothing but residency). */
	{
		volatile char *p = (char *)r->base + off;
		long page = sysconf(_SC_PAGESIZE);
		uint64_t i;

		for (i = 0; i < len; i += (uint64_t)page)
			p[i] = p[i];
	}
	return 0;
}

int zregion_punch(struct zregion *r, uint64_t off, uint64_t len)
{
	int err = check_range(r, off, len);

	if (err || !len)
		return err;
	if (madvise((char *)r->base + off, len, MADV_REMOVE) < 0)
		return -errno;
	return 0;
}
