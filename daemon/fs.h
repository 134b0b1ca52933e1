/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fs: the FUSE operations that serve the tree under the mountpoint.
 */
#ifndef ZRAMFS_FS_H
#define ZRAMFS_FS_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

/* @return a new session serving the zramfs tree, or NULL. */
struct fuse_session *fs_session_new(struct fuse_args *args);

#endif
