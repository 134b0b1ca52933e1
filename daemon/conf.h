/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf: zramfsd.conf, parsed with inih.
 *
 * One table of keys drives parsing, defaults and validation.  Every error
 * is reported as "FILE:LINE: [section] key: reason" on stderr and makes the
 * load fail, so the daemon starts with a configuration that is valid as a
 * whole or not at all.  The rest of the daemon reads settings only through
 * the functions below.
 */
#ifndef ZRAMFS_CONF_H
#define ZRAMFS_CONF_H

#include <stdint.h>

#include "dev.h"
#include "swapopt.h"
#include "ztree.h"

#define CONF_DEFAULT_PATH SYSCONFDIR "/zramfs/zramfsd.conf"

struct conf;

/*
 * Loads @path (NULL: CONF_DEFAULT_PATH, where a missing file means built-in
 * defaults) and then the drop-ins "@path.d/\*.conf" in name order, later
 * files overriding earlier ones key by key.  An explicit @path that cannot
 * be read is an error.  Sizes are evaluated against the machine's RAM.
 * @return the configuration, or NULL after printing the errors.
 */
struct conf *conf_load(const char *path);

/* As conf_load, with "ram" = @ram bytes (for tests). */
struct conf *conf_load_ram(const char *path, uint64_t ram);

void conf_free(struct conf *c);

const char *conf_mountpoint(const struct conf *c);

#define CONF_THREADS_MAX 256

/*
 * @return the number of FUSE worker threads: the "threads" key, or if it is
 * 0, one more than the CPUs online (at least 3).  The pool is fixed: libfuse
 * 3.14 ends and restarts workers beyond its idle count for every burst,
 * which costs more than the requests.
 */
unsigned conf_threads(const struct conf *c);

/* @return the "poll_us" key: how long a FUSE worker polls for the next
 * request before it sleeps (conn.h). */
unsigned conf_poll_us(const struct conf *c);

/* The number of device sections, and the Nth (in device-number order). */
unsigned conf_ndevs(const struct conf *c);

/* A device's settings, each checked by the code its attribute uses. */
struct conf_dev {
	int id;                     /* N of [zramfsN] */
	uint64_t disksize;          /* bytes, page-aligned */
	char comp_algorithm[DEV_ALGO_MAX];
	struct dev_params algorithm_params;
	uint64_t mem_limit;         /* bytes, page-aligned, 0 = none */
	enum ztree_gc_mode gc_mode;
	int swap;                   /* 0 or 1 */
	int swap_priority;          /* -1..32767 */
	enum swapopt_discard discard;
};

const struct conf_dev *conf_dev(const struct conf *c, unsigned i);

/*
 * Creates every configured device and sets it up (algorithm, parameters,
 * limits, disksize), in device order.  A failure is logged and the next
 * device still processed.  Initialising a device starts its GC worker,
 * which inherits the calling thread's capabilities: call it from a thread
 * that holds none to spare (main.c calls it after priv_drop_thread_caps()).
 * @return 0 or the first -errno.
 */
int conf_apply(const struct conf *c);

/*
 * Turns into swap every device that has swap = yes and that conf_apply()
 * set up, in device order; failures are logged, the rest still processed.
 * Runs on the control thread, while the FUSE loop serves (swapon reads the
 * device).
 * @return 0 or the first -errno.
 */
int conf_apply_swap(const struct conf *c);

#endif
