/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zthread: what a thread that a device starts and ends (its GC worker, its
 * allocator's keeper) does with its stack, so that removing the device gives
 * the stack's memory back.
 *
 * glibc keeps the stacks of threads that ended, up to 40 MiB, for the
 * threads created next, and tells the kernel their pages are free
 * (MADV_DONTNEED) as each thread ends.  But the daemon locks all its memory
 * (mlockall(MCL_FUTURE)), and the kernel refuses MADV_DONTNEED on locked
 * pages: the cached stacks stayed resident and locked, 40 MiB after a few
 * hundred devices came and went.  So such a thread unlocks its stack as its
 * last act, and, since the stack it starts on may be such a cached one,
 * locks it again as its first.
 */
#ifndef ZRAMFS_ZTHREAD_H
#define ZRAMFS_ZTHREAD_H

/*
 * Locks the calling thread's whole stack if the process locks its memory
 * (a no-op where the stack is locked already; nothing in a process that
 * does not, as the unit tests).  Best effort: without CAP_IPC_LOCK or room
 * under RLIMIT_MEMLOCK the stack stays as it is.
 */
void zthread_lock_stack(void);

/* Unlocks the calling thread's stack; call it right before the thread
 * returns, and touch no more than a few pages of stack after it. */
void zthread_release_stack(void);

#endif
