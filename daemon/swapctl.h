/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * swapctl: the swap calls that may wait for I/O through the server's own
 * mount, run where a dying server never waits for them
 * (docs/design/restart.md section 2.7).
 *
 * swapon(2) reads the signature through the loop device, and so through
 * FUSE; swapoff(2) reads every swapped page back the same way and waits for
 * each uninterruptibly; LOOP_CONFIGURE and LOOP_CLR_FD wait for the loop
 * device's queue.  A server killed while one of its threads sat in such a
 * call could not finish dying, and the holder starts the next server only
 * once the last one is gone: no server would ever answer that I/O.  So in
 * a server (swapctl_use_helper()) each call runs in a helper process,
 * zramfsd-swapctl, spawned for it (posix_spawn of the server's own
 * executable: CLONE_VM|CLONE_VFORK, no page tables copied); it inherits
 * the calling thread's capabilities (the control thread's CAP_SYS_ADMIN),
 * touches no shared memory, and reports through a pipe.  If the server
 * dies meanwhile the helper carries on, its I/O answered by the next
 * server, and the holder, a child subreaper, reaps it.  Elsewhere (unit
 * tests) the calls run in the calling thread.
 *
 * Each function is swap.h's of the same name, with its contract.
 */
#ifndef ZRAMFS_SWAPCTL_H
#define ZRAMFS_SWAPCTL_H

#include <stddef.h>
#include <sys/stat.h>

#include "swapopt.h"

/* From now on the calls run in helper processes.  Once, at start. */
void swapctl_use_helper(void);

int swapctl_loop_attach(const char *path, char *dev, size_t devlen,
			struct stat *file);
int swapctl_loop_detach(const char *dev, const struct stat *file);
int swapctl_enable(const char *dev, int priority, enum swapopt_discard d);
int swapctl_disable(const char *dev);

/* main() of the helper, started as zramfsd-swapctl OP ARG... */
int swapctl_main(int argc, char **argv);

#endif
