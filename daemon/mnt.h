/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mnt: the daemon's own mount of its tree.
 *
 * zramfsd mounts the FUSE file system itself and gives libfuse only the
 * descriptor (fuse_session_mount() of "/dev/fd/N"), because libfuse
 * unmounts by path at the end, whatever is mounted at that path by then.
 * Here the mount is known by its mount ID and device number in
 * /proc/self/mountinfo, so that a mountpoint that already is one is refused
 * (mounting over it would hide what is served there, another zramfsd's
 * devices say), and only our own mount is ever unmounted.
 *
 * Nothing here looks into the mountpoint: a FUSE mount answers only while
 * its server does.  What is mounted where comes from mountinfo alone.  The
 * calls need CAP_SYS_ADMIN, and return 0 or -errno; the caller logs.
 */
#ifndef ZRAMFS_MNT_H
#define ZRAMFS_MNT_H

#include <stddef.h>

/*
 * Checks that no mount is at @path (absolute, without symbolic links).
 * @return 0; -EBUSY with a reason for the user in @why, such as "already a
 * mount point (fuse.zramfsd, served by pid 1234 zramfsd)": the type of the
 * mount there and, for FUSE where the kernel tells (in the fdinfo of
 * /dev/fuse) and lets us see it (CAP_SYS_PTRACE), the process that serves
 * it, else for a zramfsd mount the zramfsd processes that run ("zramfsd
 * runs as pid 1234"); or another -errno.
 */
int mnt_check(const char *path, char *why, size_t len);

/*
 * Mounts a FUSE file system on @path: source "zramfs", type fuse.zramfsd,
 * nosuid, nodev, default_permissions, owned by the caller's user and group.
 * Remembers the mount for mnt_unmount().  Should another mount have come to
 * @path since mnt_check(), ours is undone: -EBUSY, with @why as there.
 * @return the /dev/fuse descriptor (3 or above) to serve, or -errno.
 */
int mnt_mount(const char *path, char *why, size_t len);

/*
 * Unmounts, lazily, the mount mnt_mount() made, but only while it is the
 * one a lookup of its path reaches: never a mount made over it, nor one
 * made at the same path after ours went.
 * @return 0; -ENOENT if ours is gone already (and on every call after one
 * that returned 0); -EBUSY if another mount covers ours (both left alone);
 * or another -errno.
 */
int mnt_unmount(void);

/* What tells our mount from any other, for another process to unmount it
 * (a server whose holder died, daemon/holder.c). */
struct mnt_ident {
	int id;
	unsigned int major, minor;
};

/* @return 0 and the identity of the mount mnt_mount() made, or -ENOENT. */
int mnt_ident(struct mnt_ident *out);

/* Makes the mount at @path with identity @m ours, for mnt_unmount().
 * @return 0, or -ENAMETOOLONG. */
int mnt_adopt(const char *path, const struct mnt_ident *m);

#endif
