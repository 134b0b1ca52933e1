// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swap: the swap signature, the loop device and swapon/swapoff.
 *
 * The pieces, in the order the daemon uses them:
 *
 *   swap_make_header()   page 0 of the device, as mkswap(8) writes it
 *   swap_loop_attach()   data file  --LOOP_CONFIGURE-->  /dev/loopN
 *   swap_enable()        swapon(2) /dev/loopN
 *   swap_disable()       swapoff(2) /dev/loopN
 *   swap_loop_detach()   LOOP_CLR_FD /dev/loopN
 *
 * Why a loop device at all: the kernel swaps only onto a block device, or
 * onto a file whose blocks map to one (bmap or swap_activate), which the
 * blocks of a FUSE file do not.  Why direct I/O: without it every page the
 * kernel swaps out would be copied into the page cache of the data file on
 * its way to the daemon, using the very memory swap is meant to free.
 *
 * The loop device is attached without LO_FLAGS_AUTOCLEAR.  Autoclear tears
 * the device down when its last opener closes it, and the daemon closes its
 * own descriptor right after LOOP_CONFIGURE, before swapon(2) opens the
 * device: the device would vanish in that window.  It would also detach
 * behind the daemon's back after an administrator's swapoff(8), leaving the
 * daemon's `swap` attribute naming a device that is gone or, worse, has been
 * reused.  So the daemon owns the loop device's lifetime and detaches it
 * explicitly; after a crash, `losetup -d` does.  An administrator may still
 * detach it by hand, and the next free loop device may go to another file:
 * swap_loop_detach() therefore detaches a device only while it is still
 * attached to the file the caller names (swap_loop_backed_by()).
 *
 * Not here: writing the header into the device (the storage engine does
 * that), logging, and any bookkeeping of which device is whose.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "array_size.h"
#include "size.h"
#include "swap.h"
#include "unmangle.h"

/*
 * Defined by the kernel's include/linux/swap.h and by swapon(8), but not by
 * every libc.
 */
#ifndef SWAP_FLAG_DISCARD
#define SWAP_FLAG_DISCARD 0x10000
#endif
#ifndef SWAP_FLAG_DISCARD_ONCE
#define SWAP_FLAG_DISCARD_ONCE 0x20000
#endif
#ifndef SWAP_FLAG_DISCARD_PAGES
#define SWAP_FLAG_DISCARD_PAGES 0x40000
#endif

/* Times a lost LOOP_CTL_GET_FREE race is retried before giving up. */
#define LOOP_ATTACH_TRIES 16
/* LOOP_CLR_FD: EBUSY retries, and polls for the detach to complete. */
#define LOOP_DETACH_TRIES   20
#define LOOP_DETACH_WAIT_MS 50

/* ---- the signature ----------------------------------------------------- */

/*
 * The version-1 header: the kernel's union swap_header (include/linux/swap.h)
 * without the bad-page list, which is always empty here.  The magic sits in
 * the last 10 bytes of the page, after everything below.
 */
struct swap_header_v1 {
	char bootbits[1024]; /* room for a disk label; left zero */
	uint32_t version;
	uint32_t last_page;
	uint32_t nr_badpages;
	unsigned char uuid[16];
	char volume_name[16];
};

_Static_assert(offsetof(struct swap_header_v1, version) == 1024,
	       "version must follow the boot bits");
_Static_assert(offsetof(struct swap_header_v1, uuid) == 1036,
	       "uuid offset as in the kernel's union swap_header");
_Static_assert(offsetof(struct swap_header_v1, volume_name) == 1052,
	       "volume_name offset as in the kernel's union swap_header");

static const char swap_magic[10] = {'S', 'W', 'A', 'P', 'S',
				    'P', 'A', 'C', 'E', '2'};

int swap_check_size(uint64_t size, char *why, size_t len)
{
	char have[32];

	if (size / SWAP_PAGE_SIZE >= SWAP_MIN_PAGES)
		return 0;
	size_format(size, have, sizeof(have));
	if (len)
		snprintf(why, len, "%s is below the %dK (%d pages) a swap area "
			 "needs", have, SWAP_MIN_PAGES * SWAP_PAGE_SIZE / 1024,
			 SWAP_MIN_PAGES);
	return -EINVAL;
}

int swap_make_header(void *page, uint64_t size, const unsigned char uuid[16])
{
	struct swap_header_v1 hdr;
	uint64_t pages = size / SWAP_PAGE_SIZE;

	if (pages < SWAP_MIN_PAGES)
		return -EINVAL;
	if (pages - 1 > UINT32_MAX)
		return -EFBIG;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = 1;
	hdr.last_page = (uint32_t)(pages - 1);
	hdr.nr_badpages = 0;
	memcpy(hdr.uuid, uuid, sizeof(hdr.uuid));

	/* @page need not be aligned: copy, do not cast. */
	memset(page, 0, SWAP_PAGE_SIZE);
	memcpy(page, &hdr, sizeof(hdr));
	memcpy((char *)page + SWAP_PAGE_SIZE - sizeof(swap_magic), swap_magic,
	       sizeof(swap_magic));
	return 0;
}

int swap_make_uuid(unsigned char uuid[16])
{
	/* GRND_INSECURE (Linux 5.6) never blocks; older kernels reject it. */
	unsigned int flags = GRND_INSECURE;
	size_t got = 0;

	while (got < 16) {
		ssize_t n = getrandom(uuid + got, 16 - got, flags);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EINVAL && flags) {
				flags = 0;
				continue;
			}
			return -errno;
		}
		got += (size_t)n;
	}
	uuid[6] = (uuid[6] & 0x0f) | 0x40; /* version 4: random */
	uuid[8] = (uuid[8] & 0x3f) | 0x80; /* variant: RFC 4122 */
	return 0;
}

/* ---- discard policies -------------------------------------------------- */

/*
 * swapon(2) flags per policy (named by lib/swapopt), as swapon(8) sets them
 * for --discard=POLICY.  "both" is the bare SWAP_FLAG_DISCARD, which the
 * kernel reads as both policies; adding ONCE and PAGES together would mean
 * "once" only.
 */
static const int discard_flags[] = {
	[SWAPOPT_DISCARD_NONE] = 0,
	[SWAPOPT_DISCARD_PAGES] = SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_PAGES,
	[SWAPOPT_DISCARD_ONCE] = SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_ONCE,
	[SWAPOPT_DISCARD_BOTH] = SWAP_FLAG_DISCARD,
};

/* ---- swapon / swapoff -------------------------------------------------- */

int swap_enable(const char *dev, int priority, enum swapopt_discard d)
{
	int flags;

	if ((size_t)d >= ARRAY_SIZE(discard_flags))
		return -EINVAL;
	if (priority < -1 || priority > SWAP_FLAG_PRIO_MASK)
		return -EINVAL;

	flags = discard_flags[d];
	if (priority >= 0)
		flags |=
			SWAP_FLAG_PREFER | ((priority << SWAP_FLAG_PRIO_SHIFT) &
					    SWAP_FLAG_PRIO_MASK);
	if (swapon(dev, flags) < 0)
		return -errno;
	return 0;
}

int swap_disable(const char *dev)
{
	if (swapoff(dev) < 0)
		return -errno;
	return 0;
}

int swap_find(const char *dev, int *priority)
{
	struct stat want, st;
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	if (stat(dev, &want) < 0 || !S_ISBLK(want.st_mode))
		return -ENOENT;
	f = fopen("/proc/swaps", "re");
	if (!f)
		return -errno;

	/* A header line, then one line per area: path, type, size, used,
	 * priority, separated by blanks. */
	if (getline(&line, &cap, f) < 0)
		goto out;
	while (ret && getline(&line, &cap, f) > 0) {
		char *end = line + strcspn(line, " \t\n");
		char *rest = *end ? end + 1 : end;
		long prio;

		*end = '\0';
		unmangle(line);
		if (stat(line, &st) || !S_ISBLK(st.st_mode) ||
		    st.st_rdev != want.st_rdev)
			continue;
		ret = 0;
		if (priority && sscanf(rest, "%*s %*s %*s %ld", &prio) == 1)
			*priority = (int)prio;
	}
out:
	free(line);
	fclose(f);
	return ret;
}

bool swap_is_active(const char *dev)
{
	return swap_find(dev, NULL) == 0;
}

/* ---- the loop device --------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * One attempt: take the device LOOP_CTL_GET_FREE names and configure it.
 * @return 0, -EBUSY if another process configured it first, or -errno.
 */
static int loop_try_attach(int ctl, int file, const char *path, char *dev,
			   size_t devlen)
{
	struct loop_config cfg;
	struct loop_info64 info;
	int nr, fd, err = 0;

	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (nr < 0)
		return -errno;
	snprintf(dev, devlen, "/dev/loop%d", nr);

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)file;
	cfg.block_size = SWAP_PAGE_SIZE;
	cfg.info.lo_flags = LO_FLAGS_DIRECT_IO;
	/* Informational only (losetup reads sysfs); a long path is cut. */
	memcpy(cfg.info.lo_file_name, path,
	       strnlen(path, sizeof(cfg.info.lo_file_name) - 1));
	if (ioctl(fd, LOOP_CONFIGURE, &cfg) < 0) {
		err = -errno;
		goto out;
	}

	/* Older kernels quietly drop direct I/O they cannot do. */
	if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0)
		err = -errno;
	else if (!(info.lo_flags & LO_FLAGS_DIRECT_IO))
		err = -EOPNOTSUPP;
	if (err)
		ioctl(fd, LOOP_CLR_FD, 0);
out:
	close(fd);
	return err;
}

int swap_loop_attach(const char *path, char *dev, size_t devlen,
		     struct stat *file)
{
	int ctl, fd, err = -EBUSY, i;

	if (devlen < SWAP_DEV_MAX)
		return -ENAMETOOLONG;

	/*
	 * Open with O_DIRECT, as losetup --direct-io does: a file that
	 * refuses it cannot back a direct-I/O loop device, and a FUSE server
	 * sees the flag in its open request.
	 */
	fd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT);
	if (fd < 0)
		return errno == EINVAL ? -EOPNOTSUPP : -errno;
	if (file && fstat(fd, file) < 0) {
		err = -errno;
		goto out_file;
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		err = -errno;
		goto out_file;
	}

	for (i = 0; i < LOOP_ATTACH_TRIES && err == -EBUSY; i++)
		err = loop_try_attach(ctl, fd, path, dev, devlen);

	close(ctl);
out_file:
	/* The loop device holds its own reference to the file. */
	close(fd);
	if (err)
		dev[0] = '\0';
	return err;
}

/* @return whether the loop device with @rdev still has a backing file. */
static bool loop_is_bound(dev_t rdev)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/loop", major(rdev),
		 minor(rdev));
	return stat(path, &st) == 0;
}

/*
 * Whether the loop device open at @fd is attached to @file.  The loop
 * driver reports its backing file's device and inode numbers as stat(2)
 * gives them (lo_device, lo_inode): for the data file of a FUSE mount, the
 * mount's anonymous device and the inode number the daemon gave the file.
 * @return 1, 0 if it is attached to another file, -ENXIO if to none, or
 * -errno.
 */
static int loop_backed_by(int fd, const struct stat *file)
{
	struct loop_info64 info;

	if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0)
		return -errno;
	return info.lo_device == (uint64_t)file->st_dev &&
	       info.lo_inode == (uint64_t)file->st_ino;
}

int swap_loop_backed_by(const char *dev, const struct stat *file)
{
	int fd, ret;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = loop_backed_by(fd, file);
	close(fd);
	return ret;
}

int swap_loop_detach(const char *dev, const struct stat *file)
{
	struct stat st;
	int fd, err = 0, i;

	if (stat(dev, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * Someone may have detached the device and attached it to a file of
	 * their own: asked on the descriptor LOOP_CLR_FD then uses, so that
	 * the answer is about the very device it would detach.
	 */
	err = loop_backed_by(fd, file);
	if (err <= 0) {
		close(fd);
		return err ? err : -ESTALE;
	}
	/*
	 * The kernel would accept LOOP_CLR_FD under active swap and detach
	 * at swapoff: refuse instead, so detaching never happens by surprise.
	 */
	if (swap_is_active(dev)) {
		close(fd);
		return -EBUSY;
	}
	/*
	 * Current kernels never say EBUSY here (they defer the detach to the
	 * last close, see below); retried for any kernel or race that does.
	 */
	for (i = 0; i < LOOP_DETACH_TRIES; i++) {
		err = ioctl(fd, LOOP_CLR_FD, 0) < 0 ? -errno : 0;
		if (err != -EBUSY)
			break;
		sleep_ms(LOOP_DETACH_WAIT_MS);
	}
	close(fd);
	if (err)
		return err;

	/*
	 * Newer kernels finish the detach at the last close, which may be
	 * another opener's.  Wait for it, so that on success the data file
	 * is really released; if it is not, the kernel still finishes the
	 * detach later, and calling again is harmless.
	 */
	for (i = 0; i < LOOP_DETACH_TRIES; i++) {
		if (!loop_is_bound(st.st_rdev))
			return 0;
		sleep_ms(LOOP_DETACH_WAIT_MS);
	}
	return -EBUSY;
}

int swap_loop_find(const char *path, char *buf, size_t size)
{
	char back[PATH_MAX + 2], name[64];
	struct dirent *de;
	size_t used = 0;
	int found = 0;
	DIR *dir;

	if (size)
		buf[0] = '\0';
	dir = opendir("/sys/block");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		ssize_t n;
		int fd;

		if (strncmp(de->d_name, "loop", 4))
			continue;
		snprintf(name, sizeof(name), "%.32s/loop/backing_file",
			 de->d_name);
		/* Only bound devices have the file. */
		fd = openat(dirfd(dir), name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, back, sizeof(back) - 1);
		close(fd);
		if (n <= 0)
			continue;
		back[n] = '\0';
		back[strcspn(back, "\n")] = '\0';
		if (strcmp(back, path))
			continue;
		found++;
		if (used < size)
			used += (size_t)snprintf(buf + used, size - used,
						 "%s/dev/%s", used ? " " : "",
						 de->d_name);
	}
	closedir(dir);
	return found;
}
