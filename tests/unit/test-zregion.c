// SPDX-License-Identifier: GPL-2.0-or-later
/* zregion: a segment outlives its creator's attachment, is reserved rather
 * than allocated (even under mlockall(MCL_FUTURE)), and gives memory back
 * when punched. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "zregion.h"

/* @return the resident bytes of segment @id (/proc/sysvipc/shm), or -1. */
static long long shm_rss(int id)
{
	char line[512];
	long long rss = -1;
	FILE *f = fopen("/proc/sysvipc/shm", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long long key, shmid, perms, size, cpid, lpid, nattch, uid,
			gid, cuid, cgid, atime, dtime, ctime, r, swap;

		if (sscanf(line, "%lld %lld %llo %lld %lld %lld %lld %lld %lld "
				 "%lld %lld %lld %lld %lld %lld %lld",
			   &key, &shmid, &perms, &size, &cpid, &lpid, &nattch,
			   &uid, &gid, &cuid, &cgid, &atime, &dtime, &ctime,
			   &r, &swap) == 16 && shmid == id) {
			rss = r;
			break;
		}
	}
	fclose(f);
	return rss;
}

/* @return VmLck of this process in kB (0 if unknown). */
static long vm_locked_kb(void)
{
	char line[128];
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Child: attach @id, check the parent's bytes, write its own, exit. */
static int child_reads(int id)
{
	struct zregion *r;
	char *p;

	if (zregion_attach(id, 0, &r))
		return 1;
	p = zregion_base(r);
	if (memcmp(p + 8192, "parent", 7))
		return 2;
	memcpy(p + 8192, "child", 6);
	zregion_detach(r);
	return 0;
}

/* Child: under mlockall(MCL_FUTURE), a 1 GiB region stays unallocated. */
static int child_mlocked(void)
{
	struct zregion *r;
	long long rss;

	/* AddressSanitizer makes mlockall() a no-op (its shadow could never
	 * be locked): then nothing is locked and there is nothing to test. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0 || !vm_locked_kb())
		return 77;
	if (zregion_create(1ull << 30, ZREGION_MCL_FUTURE, &r))
		return 1;
	rss = shm_rss(zregion_id(r));
	if (rss != 0)
		return 2;
	/* And later mappings are still faulted in whole. */
	{
		char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned char vec[256];

		if (m == MAP_FAILED || mincore(m, 1 << 20, vec) < 0 ||
		    !(vec[0] & 1) || !(vec[255] & 1))
			return 3;
	}
	zregion_detach(r);
	return 0;
}

static int run_child(int (*fn)(int), int arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int mlocked(int unused)
{
	(void)unused;
	return child_mlocked();
}

int main(void)
{
	struct zregion *r, *r2;
	char *p;
	int id, rc;

	ok(zregion_create(0, 0, &r) == -EINVAL, "0 bytes is refused");

	if (zregion_create(64ull << 30, 0, &r))
		bail_out("a 64 GiB reserve: %s", strerror(errno));
	id = zregion_id(r);
	p = zregion_base(r);
	ok(zregion_size(r) == 64ull << 30 && shm_rss(id) == 0,
	   "a 64 GiB region is reserved, not allocated");
	ok(zregion_populate(r, 1 << 20, 1 << 20) == 0 &&
		   shm_rss(id) == 1 << 20,
	   "populating 1 MiB makes 1 MiB resident");
	memcpy(p + 8192, "parent", 7);
	ok(run_child(child_reads, id) == 0 && !strcmp(p + 8192, "child"),
	   "another process attaches it by id and shares its bytes");
	/* Checked before the read: reading a hole of shmem allocates. */
	ok(zregion_punch(r, 1 << 20, 1 << 20) == 0 &&
		   shm_rss(id) == 4096 && p[1 << 20] == 0,
	   "punching gives the memory back and reads as zeros");
	ok(zregion_punch(r, zregion_size(r), 4096) == -EINVAL &&
		   zregion_populate(r, zregion_size(r) - 4096, 8192) == -EINVAL,
	   "ranges past the end are refused");

	ok(zregion_attach(id, 0, &r2) == 0 && zregion_base(r2) != p,
	   "a second attachment maps it elsewhere");
	zregion_detach(r);
	ok(!strcmp((char *)zregion_base(r2) + 8192, "child") &&
		   shm_rss(id) == 8192,
	   "the region lives while any attachment does");
	zregion_detach(r2);
	ok(shm_rss(id) == -1 && zregion_attach(id, 0, &r) < 0,
	   "and is gone with the last one");

	rc = run_child(mlocked, 0);
	if (rc == 77)
		diag("skipped: mlockall not permitted (or a no-op) here");
	else
		ok(rc == 0, "under mlockall(MCL_FUTURE) a 1 GiB region is "
			    "not faulted in, later mappings still are (%d)",
		   rc);

	rc = zregion_create(1 << 20, ZREGION_LOCK, &r);
	if (rc == -EPERM) {
		diag("skipped: SHM_LOCK not permitted here");
	} else {
		ok(rc == 0 && zregion_locked(r), "ZREGION_LOCK locks it");
		zregion_detach(r);
	}
	return tap_done();
}
