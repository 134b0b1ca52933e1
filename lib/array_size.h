/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * array_size: the number of elements of an array, as the kernel's
 * <linux/array_size.h> has it, for every part of the tree (the daemon, the
 * engine, zramfsctl, the tests).  Only for a true array: a pointer gives a
 * wrong count.
 */
#ifndef ZRAMFS_ARRAY_SIZE_H
#define ZRAMFS_ARRAY_SIZE_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
