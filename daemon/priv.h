/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * priv: what the daemon does to itself so that it can serve swap safely,
 * and the capabilities it gives up afterwards.
 *
 * A swap daemon must never wait for memory it is itself supposed to free:
 * it locks itself in memory, marks itself an I/O flusher (its allocations
 * then never recurse into I/O) and keeps the OOM killer away.  Then it
 * drops privileges, in the order chrony does: everything that needs a
 * capability first, then priv_keep_only(), then the threads.
 *
 *   main thread, at start-up:
 *     priv_lock_memory()          CAP_SYS_RESOURCE, or LimitMEMLOCK=infinity
 *     priv_set_io_flusher()       CAP_SYS_RESOURCE
 *     priv_set_oom_score_adj()    CAP_SYS_RESOURCE below 0, or
 *                                 OOMScoreAdjust=-1000 in the unit
 *     priv_no_core_dumps()
 *     priv_no_new_privs()
 *     mount the FUSE file system  CAP_SYS_ADMIN
 *     priv_keep_only({ CAP_SYS_ADMIN })
 *     start the privileged worker (loop, swapon, swapoff, umount)
 *     priv_drop_thread_caps(), then start the FUSE loop
 *
 * Capabilities, like the I/O flusher flag and no_new_privs, belong to a
 * thread on Linux and are inherited by the threads it creates.  So the
 * thread that runs the FUSE session loop drops all of them before it starts
 * the loop, and every worker thread fs_loop() starts from it has none: no
 * request handler holds a capability.  One privileged worker thread,
 * created before that drop, keeps CAP_SYS_ADMIN for the only calls that need
 * it: LOOP_* ioctls are not capability-checked (the device nodes are
 * root-owned, and the daemon keeps uid 0), but swapon(2), swapoff(2) and
 * umount2(2) are.  CAP_DAC_OVERRIDE is not needed for the same reason:
 * everything the daemon opens while serving belongs to root.
 *
 * This module must not be linked with libpsx: with it, libcap's
 * cap_set_proc() changes every thread of the process, which would strip the
 * privileged worker too.
 *
 * Every function returns 0 or -errno and logs nothing.
 */
#ifndef ZRAMFS_PRIV_H
#define ZRAMFS_PRIV_H

#include <sys/capability.h>

/*
 * Raises RLIMIT_MEMLOCK to infinity (unless it already is) and locks all
 * current and future memory with mlockall(MCL_CURRENT | MCL_FUTURE).
 * The limit must become infinite, not merely large: with MCL_FUTURE, every
 * new mapping of a thread without CAP_IPC_LOCK is checked against it, and
 * an allocation past it fails.  So if the limit cannot be raised and the
 * calling thread lacks CAP_IPC_LOCK (which every thread then keeps, see
 * priv_drop_thread_caps(), and which makes the limit not apply), nothing
 * is locked.  Each thread's whole stack is locked too: keep thread stacks
 * small.
 * @return 0; -EPERM if the limit cannot be raised (no CAP_SYS_RESOURCE: set
 * LimitMEMLOCK=infinity in the unit) without CAP_IPC_LOCK; or mlockall's
 * -errno (-ENOMEM, ...).
 */
int priv_lock_memory(void);

/*
 * Marks the calling thread, and the threads it creates afterwards, as an
 * I/O flusher (PR_SET_IO_FLUSHER, Linux 5.6): its memory allocations do
 * not start I/O, so the daemon never waits on its own swap.  Call it in the
 * main thread before creating any other.
 * @return 0, -EPERM without CAP_SYS_RESOURCE, -EINVAL before Linux 5.6.
 */
int priv_set_io_flusher(void);

/*
 * Writes @v (-1000 to 1000) to /proc/self/oom_score_adj, which applies to
 * the whole process.  -1000 exempts it from the OOM killer.
 * @return 0, -EINVAL if @v is out of range, -EACCES or -EPERM if lowering
 * it is not allowed (no CAP_SYS_RESOURCE), or another -errno.
 */
int priv_set_oom_score_adj(int v);

/*
 * Keeps the daemon's memory, which holds every swapped page of every
 * process, out of core files: RLIMIT_CORE 0 (which systemd-coredump also
 * honours) and PR_SET_DUMPABLE 0 (no core, no ptrace but by
 * CAP_SYS_PTRACE, /proc/self owned by root).  For the whole process.
 * @return 0 or -errno.
 */
int priv_no_core_dumps(void);

/*
 * Sets no_new_privs on the calling thread and the threads it creates
 * afterwards: nothing it ever runs can gain privileges.
 * @return 0 or -errno.
 */
int priv_no_new_privs(void);

/*
 * Drops every capability (effective, permitted and inheritable) of the
 * calling thread only; the other threads keep theirs, threads created
 * afterwards by this one start with none.  There is no way back.
 * @return 0 or -errno.
 */
int priv_drop_thread_caps(void);

/*
 * Reduces the calling thread's capabilities to the @n in @caps (effective
 * and permitted; inheritable emptied).  Called in the main thread before any
 * other thread exists, this reduces the whole process.  It cannot add: each
 * of @caps must be in the thread's permitted set already.
 * @return 0; -EINVAL if @n is negative or a capability unknown; -EPERM if
 * one of @caps is not permitted; or another -errno.
 */
int priv_keep_only(const cap_value_t *caps, int n);

/* As priv_keep_only(), but of @caps keeps those the thread has permitted
 * and skips the others. */
int priv_keep_permitted(const cap_value_t *caps, int n);

#endif
