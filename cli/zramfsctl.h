/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zramfsctl's private interface between its parts, split along its seams as
 * util-linux keeps zramctl's column table apart from its actions:
 *
 *   zramfsctl.c  the options: parsed into a struct cmdline, checked
 *                together, then dispatched to one action; usage()
 *   columns.c    the column table, how each column is filled, the status
 *                table (status())
 *   actions.c    what changes devices (act_*())
 *   tree.c       the tree under the mountpoint: a device's attributes read
 *                and written, device names, messages about a device
 *
 * Nothing here knows the daemon's code: everything goes through the tree.
 */
#ifndef ZRAMFSCTL_H
#define ZRAMFSCTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zlat.h"
#include "zstat.h"
#include "ztree.h"

#define MOUNTPOINT_ENV "ZRAMFS_MOUNTPOINT"
#define ATTR_VALUE_MAX 510 /* the longest value attr_write() writes */

/* Where a column's value comes from: a statistics line, or the switch. */
enum col_src {
	SRC_OTHER,
	SRC_MM, /* mm_stat */
	SRC_IO, /* io_stat */
	SRC_GC, /* gc_stat */
	SRC_LAT, /* latency_stat (lib/zlat) */
};

/* A device, and what has been read of it. */
struct zdev {
	int id;
	char name[32]; /* "zramfs0" */
	char dir[PATH_MAX];
	bool failed; /* a read failed and has been reported */
	unsigned have; /* bit per enum col_src: that line is read */
	struct zstat_mm mm;
	struct zstat_io io;
	struct zstat_gc gc;
	struct zlat_hist lat[ZLAT_NKINDS];
	bool swap_read;
	char swap[256]; /* the swap attribute: "none" or "LOOP priority=..." */
	bool defer;	/* keep the first message for dev_flush() */
	char pending[512];
};


/* How the status table is printed. */
struct output {
	bool raw;        /* --raw */
	bool json;       /* -J */
	bool noheadings; /* -n */
	bool bytes;      /* -b: sizes in bytes */
};

/* What to set up or change; NULL or false when not asked for. */
struct request {
	bool find;
	const char *size_arg; /* -s as given, for messages */
	uint64_t size;
	const char *algorithm;
	const char *params;
	uint64_t streams; /* 0: not given */
	const char *mem_limit_arg;
	uint64_t mem_limit;
	const char *gc_mode;
	bool compact;
	bool swapon, swapoff;
	bool has_priority;
	int priority;
	const char *discard; /* a policy name (lib/swapopt) */
};

/* --- tree.c --------------------------------------------------------------- */
/* Each function's comment in tree.c says what it does and returns. */

/* Where zramfsd serves, without trailing slashes: set by main() before any
 * device is read. */
extern const char *mnt;

/* Messages about a device; dev_fail() may keep one for dev_flush(). */
__attribute__((format(printf, 2, 3))) void dev_warnx(const char *name,
						     const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void dev_fail(struct zdev *z,
						    const char *fmt, ...);
void dev_flush(struct zdev *z, const char *outcome);

/* Allocations that cannot fail: they end the program instead. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);

/* One attribute, read as cat reads it, written as echo writes it. */
int attr_read(const char *dir, const char *attr, char *buf, size_t size);
int attr_write(const char *dir, const char *attr, const char *value);

/* A device's attributes, each read once, a failure reported once. */
void dev_init(struct zdev *z, int id);
void dev_read_failed(struct zdev *z, const char *attr, int err);
void dev_bad_value(struct zdev *z, const char *attr, const char *value);
int dev_read(struct zdev *z, const char *attr, char *buf, size_t size);
int dev_read_u64(struct zdev *z, const char *attr, uint64_t *v);
const char *dev_stat_attr(enum col_src src);
int dev_stat_field(struct zdev *z, enum col_src src, const char *name,
		   uint64_t *v);
const struct zlat_hist *dev_latency(struct zdev *z, enum zlat_kind kind);
const char *dev_swap(struct zdev *z);
bool dev_is_swap(struct zdev *z);
char *dev_swap_word(struct zdev *z, const char *key);
int dev_exists(struct zdev *z);

struct zdev *dev_parse_all(char **args, int nargs);
int *mnt_list_devices(size_t *n);
void mnt_check_daemon(void);

/* --- columns.c ------------------------------------------------------------ */

/* Which columns (all, the default ones, -o), their --help, the table. */
void columns_select(bool all, const char *list);
void columns_print_help(FILE *out);
int status(const struct output *out, struct zdev *devs, int ndevs);

/* --- actions.c ------------------------------------------------------------ */

/* One per action (--find, --size, the changes, --reset): 0, or 1 if
 * something failed (reported). */
int act_find(const struct request *rq);
int act_daemon(const struct output *out);
int act_reload(void);
int act_setup(struct zdev *z, const struct request *rq);
int act_modify(struct zdev *devs, int ndevs, const struct request *rq);
int act_reset(struct zdev *devs, int ndevs, bool swapoff);

#endif
