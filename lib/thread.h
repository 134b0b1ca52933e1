/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * thread: how every zramfsd thread starts and ends: the signals it blocks
 * from its first instruction, and, for the threads a device starts and ends
 * (its GC worker, its allocator's keeper), a stack that is locked while it
 * runs and given back when it ends.  Both the engine (engine/gc.c,
 * engine/zpool.c) and the daemon (the control thread, the FUSE workers)
 * start threads, so this lives below both.
 *
 * Signals.  The daemon's memory is other processes' swap, so no stray
 * signal may end it: SIGTERM, SIGINT and SIGHUP are read from a signalfd by
 * the control thread (daemon/ctl.c), and every other asynchronous signal
 * (SIGUSR1, SIGALRM, SIGPIPE, SIGTSTP, SIGQUIT ...) is blocked in every
 * thread, where it stays pending and does nothing.  Only the five signals
 * that report a fault of the thread itself keep their default action
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): a daemon that faults must not
 * go on.  SIGKILL and SIGSTOP cannot be blocked.
 *
 * A thread must have them blocked from its first instruction, or a signal
 * could be delivered to it before it blocks them itself.  So every thread
 * is made with thread_create(), which blocks them in the calling thread
 * around pthread_create() (the new thread inherits the mask), whichever
 * thread calls it.
 *
 * Stacks.  glibc keeps the stacks of threads that ended, up to 40 MiB, for
 * the threads created next, and tells the kernel their pages are free
 * (MADV_DONTNEED) as each thread ends.  But the daemon locks all its memory
 * (mlockall(MCL_FUTURE)), and the kernel refuses MADV_DONTNEED on locked
 * pages: the cached stacks stayed resident and locked, 40 MiB after a few
 * hundred devices came and went.  So such a thread unlocks its stack as its
 * last act, and, since the stack it starts on may be such a cached one,
 * locks it again as its first.
 */
#ifndef ZRAMFS_THREAD_H
#define ZRAMFS_THREAD_H

#include <pthread.h>
#include <signal.h>

/*
 * Blocks the signals every thread blocks in the calling thread; the
 * previous mask goes to *@old if not NULL.
 * @return 0 or -errno.
 */
int thread_block_signals(sigset_t *old);

/*
 * pthread_create(@thread, @attr, @fn, @arg) with those signals blocked in
 * the new thread from its start.  The caller's mask is kept.  @attr may be
 * NULL (the process's default attributes).
 * @return 0 or -errno.
 */
int thread_create(pthread_t *thread, const pthread_attr_t *attr,
		  void *(*fn)(void *), void *arg);

/*
 * Locks the calling thread's whole stack if the process locks its memory
 * (a no-op where the stack is locked already; nothing in a process that
 * does not, as the unit tests).  Best effort: without CAP_IPC_LOCK or room
 * under RLIMIT_MEMLOCK the stack stays as it is.
 */
void thread_lock_stack(void);

/* Unlocks the calling thread's stack; call it right before the thread
 * returns, and touch no more than a few pages of stack after it. */
void thread_release_stack(void);

#endif
