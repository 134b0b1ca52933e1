// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * thread: every zramfsd thread's signal mask, and a device thread's stack,
 * locked while it runs and given back when it ends (see thread.h).
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "thread.h"

/* Fills @set with the signals every thread blocks: all but the faults. */
static void blocked_signals(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGABRT);
}

int thread_block_signals(sigset_t *old)
{
	sigset_t set;

	blocked_signals(&set);
	return -pthread_sigmask(SIG_BLOCK, &set, old);
}

int thread_create(pthread_t *thread, const pthread_attr_t *attr,
		  void *(*fn)(void *), void *arg)
{
	sigset_t old;
	int ret;

	ret = thread_block_signals(&old);
	if (ret)
		return ret;
	ret = -pthread_create(thread, attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* @return 0 and the calling thread's stack, and the size of the guard
 * page(s) below it; or -1. */
static int own_stack(char **addr, size_t *size, size_t *guard)
{
	pthread_attr_t attr;
	void *a;
	int ret;

	if (pthread_getattr_np(pthread_self(), &attr))
		return -1;
	ret = pthread_attr_getstack(&attr, &a, size) ||
	      pthread_attr_getguardsize(&attr, guard);
	pthread_attr_destroy(&attr);
	*addr = a;
	return ret ? -1 : 0;
}

/*
 * @return whether the process locks what it maps (mlockall(MCL_FUTURE)):
 * only then does the kernel fault in a new mapping before it is touched.
 */
static bool locks_future(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char in = 0;
	void *p;

	p = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return false;
	if (mincore(p, (size_t)page, &in))
		in = 0;
	munmap(p, (size_t)page);
	return in & 1;
}

/* The stack alone: mlock() of the inaccessible guard would fail before it
 * faulted the stack in. */
void thread_lock_stack(void)
{
	size_t size, guard;
	char *addr;

	if (locks_future() && !own_stack(&addr, &size, &guard))
		mlock(addr, size);
}

/* The guard too: glibc's MADV_DONTNEED covers it, and fails whole if any
 * page of its range is locked (mlockall() locked the guard with the rest). */
void thread_release_stack(void)
{
	size_t size, guard;
	char *addr;

	if (!own_stack(&addr, &size, &guard))
		munlock(addr - guard, size + guard);
}
