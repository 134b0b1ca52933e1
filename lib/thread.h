/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * thread: the signal mask of every zramfsd thread, and creating threads
 * with it.
 *
 * The daemon's memory is other processes' swap, so no stray signal may end
 * it: SIGTERM, SIGINT and SIGHUP are read from a signalfd by the control
 * thread (daemon/ctl.c), and every other asynchronous signal (SIGUSR1,
 * SIGALRM, SIGPIPE, SIGTSTP, SIGQUIT ...) is blocked in every thread, where
 * it stays pending and does nothing.  Only the five signals that report a
 * fault of the thread itself keep their default action (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT): a daemon that faults must not go on.  SIGKILL
 * and SIGSTOP cannot be blocked.
 *
 * A thread must have them blocked from its first instruction, or a signal
 * could be delivered to it before it blocks them itself.  So every thread
 * is made with thread_create(), which blocks them in the calling thread
 * around pthread_create() (the new thread inherits the mask), whichever
 * thread calls it.
 *
 * Header-only: the storage engine (daemon/gc.c, daemon/zpool.c) starts
 * threads too, and the unit tests and fuzz targets compile those files alone,
 * without libzcommon.a.
 */
#ifndef ZRAMFS_THREAD_H
#define ZRAMFS_THREAD_H

#include <pthread.h>
#include <signal.h>

/* Fills @set with the signals every thread blocks. */
static inline void thread_blocked_signals(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGABRT);
}

/*
 * Blocks them in the calling thread; the previous mask goes to *@old if
 * not NULL.
 * @return 0 or -errno.
 */
static inline int thread_block_signals(sigset_t *old)
{
	sigset_t set;

	thread_blocked_signals(&set);
	return -pthread_sigmask(SIG_BLOCK, &set, old);
}

/*
 * pthread_create(@thread, @attr, @fn, @arg) with thread_blocked_signals()
 * blocked in the new thread from its start.  The caller's mask is kept.
 * @attr may be NULL (the process's default attributes).
 * @return 0 or -errno.
 */
static inline int thread_create(pthread_t *thread,
				const pthread_attr_t *attr,
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

#endif
