/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ztree: the names and values of the tree under zramfsd's mountpoint that
 * both the daemon and zramfsctl know: where it is mounted by default, how a
 * device directory is named, how long an attribute's value may be, and the
 * GC modes.  One parser per format, which the daemon's attributes, its
 * configuration and the CLI all call, so that the three cannot disagree.
 * The swap values (priority, discard policy) are lib/swapopt.h's; sizes are
 * lib/size.h's.
 */
#ifndef ZRAMFS_ZTREE_H
#define ZRAMFS_ZTREE_H

/* Where zramfsd mounts the tree unless told otherwise. */
#define ZTREE_MOUNTPOINT "/run/zramfs"

/* Devices are directories named ZTREE_DEV_PREFIX N, 0 <= N < ZTREE_DEV_MAX. */
#define ZTREE_DEV_PREFIX "zramfs"
#define ZTREE_DEV_MAX    256

/* An attribute's value, read or written, is shorter than this (sysfs's
 * page): a longer write fails with EINVAL. */
#define ZTREE_ATTR_MAX 4096

/*
 * Parses a device name, "zramfsN": N in decimal digits without a leading
 * zero ("zramfs0", "zramfs12"; not "zramfs01", "zramfs+1", "zramfs 1").
 * @return N; -EINVAL if @name is not of that form; -ERANGE if N is not below
 *         ZTREE_DEV_MAX (no such device can exist).
 */
int ztree_dev_parse(const char *name);

/*
 * control/daemon_stat: one line of numbers, in this order (columns only
 * ever appended): servers replaced after a death, by a reload, the last and
 * the largest gap in microseconds between a server's death and the first
 * request its successor answered, servers dead before READY, the last
 * server's exit (status, or minus the signal), how in-flight requests come
 * back after a death (1 FUSE_NOTIFY_RESEND, 0 not at all), reloads refused
 * or failed, the pid of the holder (what a reload signals).
 */
#define ZTREE_DAEMON_STAT_NAMES                                              \
	"restarts", "reloads", "last_gap_us", "max_gap_us", "start_failures", \
		"last_exit", "resend", "reload_failures", "holder_pid"
#define ZTREE_DAEMON_STAT_NFIELDS 9
/* The fields zramfsctl --reload reads, by index. */
#define ZTREE_DAEMON_STAT_RELOADS 1
#define ZTREE_DAEMON_STAT_RELOAD_FAILURES 7
#define ZTREE_DAEMON_STAT_HOLDER_PID 8

/* The GC modes of the gc_mode attribute, numbered as the engine's enum
 * zstore_gc_mode (daemon/dev.c checks). */
enum ztree_gc_mode {
	ZTREE_GC_ASYNC, /* the GC worker frees discarded pages' memory */
	ZTREE_GC_SYNC,  /* the discard frees it before it returns */
};

/* The modes, for messages. */
#define ZTREE_GC_MODE_NAMES "async or sync"

/*
 * Parses a GC mode: "async" or "sync", exactly.
 * @return 0 and the mode in *@out, or -EINVAL (*@out untouched).
 */
int ztree_gc_mode_parse(const char *s, enum ztree_gc_mode *out);

/* @return the name of mode @m, or NULL if @m is not one. */
const char *ztree_gc_mode_name(enum ztree_gc_mode m);

#endif
