/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * helper: runs a program and takes what it writes on its standard output,
 * for the holder's check of an installed executable (holder.c) and the
 * server's swap helpers (swapctl.c).  posix_spawn(): CLONE_VM|CLONE_VFORK,
 * no page tables copied from a large locked process; the child inherits
 * the calling thread's credentials and the environment.
 */
#ifndef ZRAMFS_HELPER_H
#define ZRAMFS_HELPER_H

#include <stddef.h>

/*
 * Runs @path with @argv, reads its standard output into @out (at most
 * @len bytes; the rest is not read), and waits for it.
 * @return 0, how many bytes it wrote in *@got and its wait status in
 *         *@status; or -errno if it could not be started.
 */
int helper_run(const char *path, char *const argv[], void *out,
	       size_t len, size_t *got, int *status);

#endif
