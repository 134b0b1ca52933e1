/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * swap: turning a device's data file into swap, and back.
 *
 * Three steps, each one call: swap_make_header() fills the first page with
 * the version-1 signature mkswap(8) writes (the caller stores it as page 0
 * of the device), swap_loop_attach() puts a loop device with direct I/O and
 * 4096-byte blocks on top of the data file, and swap_enable() hands that
 * loop device to the kernel with swapon(2).  swap_disable() and
 * swap_loop_detach() undo the last two.
 *
 * This module only talks to the kernel: no FUSE, no storage engine, no
 * logging, no fork or exec.  Every function returns 0 or -errno and the
 * caller decides what to say.  swap_enable() and swap_disable() need
 * CAP_SYS_ADMIN in the calling thread; the loop calls need only write
 * access to /dev/loop-control and /dev/loopN (root-owned: uid 0 suffices);
 * the rest need nothing.
 */
#ifndef ZRAMFS_SWAP_H
#define ZRAMFS_SWAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "swapopt.h"

/* Size of the page the swap signature lives in (the header is page 0). */
#define SWAP_PAGE_SIZE 4096

/* The fewest pages a swap area may have (mkswap's MIN_GOODPAGES). */
#define SWAP_MIN_PAGES 10

/* Longest device path swap_loop_attach() writes, with its NUL. */
#define SWAP_DEV_MAX 32

/*
 * Whether a device of @size bytes can be a swap area: SWAP_MIN_PAGES pages
 * or more.  @return 0, or -EINVAL and the reason for messages in @why (@len
 * bytes, nothing if 0): "32K is below the 40K (10 pages) a swap area needs".
 */
int swap_check_size(uint64_t size, char *why, size_t len);

/*
 * Fills the SWAP_PAGE_SIZE bytes at @page with a version-1 swap signature
 * for a device of @size bytes, as mkswap(8) writes it: zeroed boot bits,
 * version 1, last_page = @size / 4096 - 1, no bad pages, @uuid (16 bytes),
 * an empty label, and "SWAPSPACE2" in the last 10 bytes.  Numbers are in
 * host byte order, as the kernel reads them.  Only memory is written.
 * @return 0; -EINVAL if @size is under SWAP_MIN_PAGES pages; -EFBIG if
 * last_page does not fit the header's 32 bits (over 16 TiB).
 */
int swap_make_header(void *page, uint64_t size, const unsigned char uuid[16]);

/*
 * Fills @uuid with a random (version 4, RFC 4122 variant) UUID from
 * getrandom(2).  It does not wait for the kernel's entropy pool: a swap
 * label needs to be unique, not secret, and swap may be set up early at
 * boot.
 * @return 0 or -errno.
 */
int swap_make_uuid(unsigned char uuid[16]);

/*
 * Attaches a free loop device to the file at @path with LOOP_CTL_GET_FREE
 * and LOOP_CONFIGURE: direct I/O, 4096-byte logical blocks, read-write, and
 * no autoclear (see swap.c for why).  Another process may take the free
 * device first; that race is retried.  Then LOOP_GET_STATUS64 must show
 * that direct I/O took effect: a loop device on a file without O_DIRECT
 * support would double-cache every swapped page in the page cache, exactly
 * what swap is trying to get rid of.  Needs Linux 5.8 (LOOP_CONFIGURE).
 * @return 0, the device path ("/dev/loop3") in @dev and, if @file is not
 * NULL, the file's stat(2) in *@file (what swap_loop_detach() wants to
 * know it by: a path may come to name another file); -ENAMETOOLONG if
 * @devlen is under SWAP_DEV_MAX; -EOPNOTSUPP (nothing left attached) if
 * direct I/O did not take; -EBUSY if no free device could be won; or the
 * -errno of the open or ioctl that failed.
 */
int swap_loop_attach(const char *path, char *dev, size_t devlen,
		     struct stat *file);

/*
 * Whether the loop device @dev is attached to the file @file (as stat(2)
 * gave it): the same device and inode numbers, as LOOP_GET_STATUS64 reports
 * them.  The loop driver stats the backing file for that: for a file on
 * FUSE this is a request to its server.
 * @return 1 if it is; 0 if it is attached to another file; -ENXIO if to
 * none; or another -errno.
 */
int swap_loop_backed_by(const char *dev, const struct stat *file);

/*
 * Detaches the loop device @dev (LOOP_CLR_FD) if it is still attached to
 * @file (swap_loop_backed_by(), asked on the descriptor the detach uses),
 * retrying briefly while the kernel reports EBUSY, then waits briefly for
 * the kernel to finish the detach.  Refuses while @dev is active swap:
 * swapoff first.
 * @return 0; -ESTALE if @dev is attached to another file and -ENXIO if to
 * none (left alone, both); -EBUSY if @dev is active swap or stayed busy
 * (another opener holds it: the kernel detaches it at its last close); or
 * another -errno.
 */
int swap_loop_detach(const char *dev, const struct stat *file);

/*
 * Lists the loop devices whose backing file is @path, by name, as sysfs
 * shows it (/sys/block/loopN/loop/backing_file): the file itself is never
 * touched.  Writes "/dev/loopN /dev/loopM" into @buf (cut to @size).
 * @return how many there are, or -errno.
 */
int swap_loop_find(const char *path, char *buf, size_t size);

/*
 * swapon(2) on @dev with @priority (0 to 32767, or -1 for the kernel's
 * default, which gives each new area a lower priority than the last) and
 * discard policy @d, mapped to flags exactly as swapon(8) maps --discard:
 * "pages" discards freed swap clusters while swapping, so the daemon frees
 * their memory at once; "once" discards the whole area at swapon time;
 * "both" (what a bare --discard means) does both; "none" never discards.
 * @return 0, -EINVAL for a bad @priority or @d, or swapon's -errno (-EINVAL
 * also for a missing or bad signature, -EBUSY if already swap).
 */
int swap_enable(const char *dev, int priority, enum swapopt_discard d);

/*
 * swapoff(2) on @dev.  This pulls every swapped-out page back into memory
 * and may fail with -ENOMEM when there is no room for them; the area then
 * stays active.
 * @return 0 or -errno.
 */
int swap_disable(const char *dev);

/*
 * Looks @dev up in /proc/swaps (by device number, not by name) and stores
 * the priority the kernel gave it in *@priority if not NULL.
 * @return 0, or -ENOENT if it is not active swap.
 */
int swap_find(const char *dev, int *priority);

/*
 * @return true if the block device @dev is listed in /proc/swaps.  Entries
 * are compared by device number, not by name, so "/dev/loop3" matches an
 * entry listed under another path of the same device.  False on any error.
 */
bool swap_is_active(const char *dev);

#endif
