// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * priv: memory lock, I/O flusher, OOM score and capabilities.
 *
 * Thin wrappers over single system calls, each turning the result into
 * 0 or -errno; the order they are called in, and why, is in priv.h.  The
 * capability functions use libcap's cap_set_proc(), which without libpsx
 * is the capset(2) system call on the calling thread alone.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "array_size.h"
#include "priv.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

/* @return whether the calling thread holds @cap (in its effective set). */
static bool thread_has_cap(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps)
		return false;
	if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) < 0)
		v = CAP_CLEAR;
	cap_free(caps);
	return v == CAP_SET;
}

int priv_lock_memory(void)
{
	struct rlimit rl;
	int err;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY) {
		rl.rlim_cur = RLIM_INFINITY;
		rl.rlim_max = RLIM_INFINITY;
		/* Without CAP_SYS_RESOURCE the limit stays; CAP_IPC_LOCK,
		 * which every thread keeps (priv_drop_thread_caps), lets
		 * mlockall() and later mappings ignore it anyway.  Without
		 * either, nothing is locked (priv.h). */
		if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0) {
			err = -errno;
			if (!thread_has_cap(CAP_IPC_LOCK))
				return err;
		}
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		return -errno;
	return 0;
}

int priv_set_io_flusher(void)
{
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int priv_set_oom_score_adj(int v)
{
	char buf[16];
	ssize_t n;
	int fd, len, err = 0;

	if (v < -1000 || v > 1000)
		return -EINVAL;
	len = snprintf(buf, sizeof(buf), "%d\n", v);

	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, (size_t)len);
	if (n < 0)
		err = -errno;
	else if (n != len)
		err = -EIO;
	close(fd);
	return err;
}

int priv_no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		return -errno;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int priv_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* Sets the calling thread's capabilities to @caps; frees it. */
static int set_thread_caps(cap_t caps)
{
	int err = 0;

	if (cap_set_proc(caps) < 0)
		err = -errno;
	cap_free(caps);
	return err;
}

int priv_drop_thread_caps(void)
{
	/* Every capability but CAP_IPC_LOCK: with mlockall(MCL_FUTURE) in
	 * force, each new mapping a thread makes (a FUSE buffer, an allocator
	 * span) is locked and counted against RLIMIT_MEMLOCK unless the thread
	 * holds CAP_IPC_LOCK; without it, allocations would start failing at
	 * the limit.  CAP_IPC_LOCK grants nothing beyond locking memory. */
	static const cap_value_t keep[] = { CAP_IPC_LOCK };

	return priv_keep_only(keep, ARRAY_SIZE(keep));
}

int priv_keep_only(const cap_value_t *caps, int n)
{
	cap_t set;
	int err, i;

	if (n < 0 || (n > 0 && !caps))
		return -EINVAL;
	/* libcap skips values it does not know; refuse them instead. */
	for (i = 0; i < n; i++)
		if (caps[i] < 0 || caps[i] > CAP_LAST_CAP)
			return -EINVAL;
	set = cap_init();
	if (!set)
		return -errno;
	if (n > 0 && (cap_set_flag(set, CAP_PERMITTED, n, caps, CAP_SET) < 0 ||
		      cap_set_flag(set, CAP_EFFECTIVE, n, caps, CAP_SET) < 0)) {
		err = -errno;
		cap_free(set);
		return err;
	}
	return set_thread_caps(set);
}

int priv_keep_permitted(const cap_value_t *caps, int n)
{
	cap_value_t have[CAP_LAST_CAP + 1];
	cap_flag_value_t v;
	cap_t cur;
	int i, m = 0;

	if (n < 0 || n > CAP_LAST_CAP + 1 || (n > 0 && !caps))
		return -EINVAL;
	cur = cap_get_proc();
	if (!cur)
		return -errno;
	for (i = 0; i < n; i++)
		if (!cap_get_flag(cur, caps[i], CAP_PERMITTED, &v) &&
		    v == CAP_SET)
			have[m++] = caps[i];
	cap_free(cur);
	return priv_keep_only(have, m);
}
