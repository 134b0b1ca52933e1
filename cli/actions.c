// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * actions: what zramfsctl changes, each step one write to a file under the
 * mountpoint: set a device up (--size, after a reset), change one that
 * exists (--swapoff, --mem-limit, --gc-mode, --compact, --swapon, in that
 * order), add one (--find) and reset and remove devices (--reset).  A step
 * that fails is reported with the attribute that refused it and what became
 * of the device: removed again if --find added it, left reset if --size had
 * reset it.  A failure on one of several devices is reported and the others
 * are still processed.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>

#include "size.h"
#include "zramfsctl.h"

/* Why the daemon refused to reset (or remove) @z with EBUSY. */
static void report_busy(struct zdev *z, const char *what)
{
	if (dev_is_swap(z))
		dev_fail(z,
			 "failed to %s: device is active swap on %.*s; "
			 "turn it off first (--swapoff)",
			 what, (int)strcspn(z->swap, " "), z->swap);
	else
		dev_fail(z, "failed to %s: %s (its data file is open)", what,
			 strerror(EBUSY));
}

static int dev_reset(struct zdev *z)
{
	int ret = attr_write(z->dir, "reset", "1");

	if (ret == -EBUSY)
		report_busy(z, "reset");
	else if (ret)
		dev_fail(z, "failed to reset: %s", strerror(-ret));
	return ret;
}

/*
 * Writes @value to @attr of @z.  On failure reports "failed to set WHAT:
 * strerror", WHAT formatted from @fmt.
 */
__attribute__((format(printf, 4, 5))) static int
dev_set(struct zdev *z, const char *attr, const char *value, const char *fmt,
	...)
{
	int ret = attr_write(z->dir, attr, value);
	char what[256];
	va_list ap;

	if (!ret)
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	dev_fail(z, "failed to set %s: %s", what, strerror(-ret));
	return ret;
}

/* @return true if @z has a disksize (initstate 1). */
static bool dev_initialised(struct zdev *z)
{
	char state[16];

	return !attr_read(z->dir, "initstate", state, sizeof(state)) &&
	       !strcmp(state, "1");
}

/*
 * Whether @z offers @algorithm (comp_algorithm lists it), asked before the
 * first write, or before a reset that a refusal would leave behind.
 * @return 0, or -EINVAL or -errno (reported, with the list).
 */
static int dev_check_algorithm(struct zdev *z, const char *algorithm)
{
	char list[ZTREE_ATTR_MAX], *from, *to = list, *p;
	size_t len;
	int ret = dev_read(z, "comp_algorithm", list, sizeof(list));

	if (ret)
		return ret;
	for (from = list; *from; from++) /* "lz4 [zstd]" -> "lz4 zstd" */
		if (*from != '[' && *from != ']')
			*to++ = *from;
	*to = '\0';
	for (p = list; *p; p += len + strspn(p + len, " ")) {
		len = strcspn(p, " ");
		if (len == strlen(algorithm) && !strncmp(p, algorithm, len))
			return 0;
	}
	dev_fail(z, "unsupported algorithm '%s' (available: %s)", algorithm,
		 list);
	return -EINVAL;
}

static int dev_swapon(struct zdev *z, const struct request *rq)
{
	char value[128], prio[32] = "";
	int ret;

	if (!dev_initialised(z)) {
		dev_fail(z, "failed to turn on swap: device is not set up (no "
			    "disksize; use --size)");
		return -EINVAL;
	}
	if (dev_is_swap(z)) {
		dev_fail(z,
			 "failed to turn on swap: already active swap on %.*s",
			 (int)strcspn(z->swap, " "), z->swap);
		return -EBUSY;
	}
	if (rq->has_priority)
		snprintf(prio, sizeof(prio), " priority=%d", rq->priority);
	snprintf(value, sizeof(value), "on%s%s%s", prio,
		 rq->discard ? " discard=" : "",
		 rq->discard ? rq->discard : "");
	ret = attr_write(z->dir, "swap", value);
	if (ret)
		dev_fail(z, "failed to turn on swap ('%s'): %s", value,
			 strerror(-ret));
	z->swap_read = false;
	return ret;
}

static int dev_swapoff(struct zdev *z)
{
	int ret;

	if (!dev_swap(z))
		return -EIO;
	if (!dev_is_swap(z)) {
		dev_fail(z, "failed to turn off swap: not active swap");
		return -EINVAL;
	}
	ret = attr_write(z->dir, "swap", "off");
	if (ret)
		dev_fail(z, "failed to turn off swap: %s; it stays swap",
			 strerror(-ret));
	z->swap_read = false;
	return ret;
}

/* --mem-limit, --gc-mode: settings a device keeps across disksize. */
static int dev_settings(struct zdev *z, const struct request *rq)
{
	char bytes[32];

	if (rq->mem_limit_arg) {
		snprintf(bytes, sizeof(bytes), "%" PRIu64, rq->mem_limit);
		if (dev_set(z, "mem_limit", bytes, "memory limit (%s bytes)",
			    bytes))
			return -1;
	}
	if (rq->gc_mode && dev_set(z, "gc_mode", rq->gc_mode, "GC mode '%s'",
				   rq->gc_mode))
		return -1;
	return 0;
}

/*
 * Changes a device that exists: swap off, memory limit, GC mode, compaction,
 * swap on, in that order.
 */
static int modify(struct zdev *z, const struct request *rq)
{
	int ret;

	if (rq->swapoff && dev_swapoff(z))
		return -1;
	if (dev_settings(z, rq))
		return -1;
	if (rq->compact) {
		ret = attr_write(z->dir, "compact", "1");
		if (ret == -EINVAL && !dev_initialised(z))
			dev_fail(z, "failed to compact: device is not set up "
				    "(no disksize)");
		else if (ret)
			dev_fail(z, "failed to compact: %s", strerror(-ret));
		if (ret)
			return -1;
	}
	if (rq->swapon && dev_swapon(z, rq))
		return -1;
	return 0;
}

/*
 * Sets up a device that is new or just reset, as zramctl does: streams,
 * algorithm, its parameters, the memory limit and GC mode, the disksize,
 * and swap if asked.
 */
static int setup(struct zdev *z, const struct request *rq)
{
	char bytes[32];
	int ret;

	if (rq->streams) {
		snprintf(bytes, sizeof(bytes), "%" PRIu64, rq->streams);
		ret = attr_write(z->dir, "max_comp_streams", bytes);
		if (ret && ret != -ENOENT) { /* gone with Linux 6.15 */
			dev_fail(z, "failed to set number of streams: %s",
				 strerror(-ret));
			return -1;
		}
	}
	if (rq->algorithm &&
	    (dev_check_algorithm(z, rq->algorithm) ||
	     dev_set(z, "comp_algorithm", rq->algorithm, "algorithm '%s'",
		     rq->algorithm)))
		return -1;
	if (rq->params && dev_set(z, "algorithm_params", rq->params,
				  "algorithm parameters '%s'", rq->params))
		return -1;
	if (dev_settings(z, rq))
		return -1;
	snprintf(bytes, sizeof(bytes), "%" PRIu64, rq->size);
	if (dev_set(z, "disksize", bytes, "disksize (%s bytes)", bytes))
		return -1;
	if (rq->swapon && dev_swapon(z, rq))
		return -1;
	return 0;
}

/*
 * -s DEVICE: reset it and set it up again.  A step after the reset that
 * fails leaves the device reset, and its message says so.
 */
static int setup_existing(struct zdev *z, const struct request *rq)
{
	if (rq->algorithm && dev_check_algorithm(z, rq->algorithm))
		return -1;
	if (dev_reset(z))
		return -1;
	z->defer = true;
	if (!setup(z, rq)) {
		z->defer = false;
		return 0;
	}
	dev_flush(z, dev_initialised(z) ? "" :
		  "; the device is left reset, without a disksize");
	return -1;
}

/* Reads control/hot_add: a new device.  @return 0, or -1 (reported). */
static int hot_add(struct zdev *z)
{
	char ctl[PATH_MAX], buf[32];
	uint64_t id;
	int ret;

	snprintf(ctl, sizeof(ctl), "%s/control", mnt);
	ret = attr_read(ctl, "hot_add", buf, sizeof(buf));
	if (ret) {
		warnx("no free device found: control/hot_add: %s",
		      strerror(-ret));
		return -1;
	}
	if (size_parse_u64(buf, INT_MAX, &id)) {
		warnx("control/hot_add returned '%s', not a device number",
		      buf);
		return -1;
	}
	dev_init(z, (int)id);
	return 0;
}

/* Writes control/hot_remove.  @return 0 or -errno. */
static int hot_remove(struct zdev *z)
{
	char ctl[PATH_MAX], num[16];

	snprintf(ctl, sizeof(ctl), "%s/control", mnt);
	snprintf(num, sizeof(num), "%d", z->id);
	return attr_write(ctl, "hot_remove", num);
}

/*
 * -f: a new device, set up if -s is given; prints its name.  If a step
 * fails, the device is removed again (it is ours alone so far, and not
 * swap: swap on is the last step), and the message says so.
 */
int act_find(const struct request *rq)
{
	char outcome[128];
	struct zdev z;
	int ret;

	if (hot_add(&z))
		return 1;
	z.defer = true;
	ret = rq->size_arg ? setup(&z, rq) : dev_settings(&z, rq);
	if (!ret) {
		z.defer = false;
		printf("%s\n", z.name);
		return 0;
	}
	ret = hot_remove(&z);
	if (ret)
		snprintf(outcome, sizeof(outcome),
			 "; cannot remove the device again: %s",
			 strerror(-ret));
	else
		snprintf(outcome, sizeof(outcome), "; device removed");
	dev_flush(&z, outcome);
	return 1;
}

/*
 * -r: reset each device and remove it, as zramctl does; with --swapoff,
 * turn swap off first on those that are swap.
 */
int act_reset(struct zdev *devs, int ndevs, bool swapoff)
{
	struct zdev *z;
	int rc = 0, i, ret;

	for (i = 0; i < ndevs; i++) {
		z = &devs[i];
		if (dev_exists(z) || (swapoff && !dev_swap(z)) ||
		    (swapoff && dev_is_swap(z) && dev_swapoff(z)) ||
		    dev_reset(z)) {
			rc = 1;
			continue;
		}
		ret = hot_remove(z);
		if (ret == -EBUSY) {
			report_busy(z, "remove");
			rc = 1;
		} else if (ret && ret != -ENOENT) {
			dev_fail(z, "failed to remove (control/hot_remove): %s",
				 strerror(-ret));
			rc = 1;
		}
	}
	return rc;
}

/* -s DEVICE: @z, which must exist, reset and set up again. */
int act_setup(struct zdev *z, const struct request *rq)
{
	return dev_exists(z) || setup_existing(z, rq);
}

/* --swapon, --swapoff, --mem-limit, --gc-mode, --compact on each device. */
int act_modify(struct zdev *devs, int ndevs, const struct request *rq)
{
	int rc = 0, i;

	for (i = 0; i < ndevs; i++)
		if (dev_exists(&devs[i]) || modify(&devs[i], rq))
			rc = 1;
	return rc;
}

/*
 * Reads control/daemon_stat into @v (ZTREE_DAEMON_STAT_NFIELDS numbers).
 * @return 0, or -errno (told on stderr unless @quiet).
 */
static int daemon_stat_read(long long *v, bool quiet)
{
	static const char *const names[] = { ZTREE_DAEMON_STAT_NAMES };
	char ctl[PATH_MAX], buf[256], *p = buf, *end;
	size_t i;
	int ret;

	snprintf(ctl, sizeof(ctl), "%s/control", mnt);
	ret = attr_read(ctl, "daemon_stat", buf, sizeof(buf));
	if (ret < 0) {
		if (!quiet)
			warnx("%s/daemon_stat: %s", ctl, strerror(-ret));
		return ret;
	}
	for (i = 0; i < ZTREE_DAEMON_STAT_NFIELDS; i++) {
		errno = 0;
		v[i] = strtoll(p, &end, 10);
		if (errno || end == p) {
			if (!quiet)
				warnx("%s/daemon_stat: field %zu (%s) missing "
				      "or bad", ctl, i + 1, names[i]);
			return -EPROTO;
		}
		p = end;
	}
	return 0;
}

/*
 * --daemon: control/daemon_stat, one field a line by name, or as a JSON
 * object.  @return 0, or 1 if it could not be read.
 */
int act_daemon(const struct output *out)
{
	static const char *const names[] = { ZTREE_DAEMON_STAT_NAMES };
	long long v[ZTREE_DAEMON_STAT_NFIELDS];
	size_t i;

	if (daemon_stat_read(v, false))
		return 1;
	if (out->json) {
		printf("{\n   \"daemon\": {\n");
		for (i = 0; i < ZTREE_DAEMON_STAT_NFIELDS; i++)
			printf("      \"%s\": %lld%s\n", names[i], v[i],
			       i + 1 < ZTREE_DAEMON_STAT_NFIELDS ? "," : "");
		printf("   }\n}\n");
		return 0;
	}
	for (i = 0; i < ZTREE_DAEMON_STAT_NFIELDS; i++)
		printf("%-15s %lld\n", names[i], v[i]);
	return 0;
}

/* Whether @pid runs an executable named zramfsd (not a pid reused). */
static bool is_zramfsd(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "zramfsd\n");
}

/*
 * --reload: SIGHUP to the daemon's holder (daemon_stat's holder_pid), then
 * waits until daemon_stat counts the reload done (reloads grew) or refused
 * (reload_failures grew), as systemctl reload expects of ExecReload.
 * @return 0, or 1 if the reload was refused, failed or did not end in
 *         RELOAD_TIMEOUT_S.
 */
#define RELOAD_TIMEOUT_S 90
#define RELOAD_POLL_MS 20

int act_reload(void)
{
	long long before[ZTREE_DAEMON_STAT_NFIELDS];
	long long now[ZTREE_DAEMON_STAT_NFIELDS];
	struct timespec t0, t;
	pid_t pid;
	int ret;

	if (daemon_stat_read(before, false))
		return 1;
	pid = (pid_t)before[ZTREE_DAEMON_STAT_HOLDER_PID];
	if (pid <= 0 || !is_zramfsd(pid)) {
		warnx("the daemon's holder (pid %lld) is not a zramfsd process "
		      "this system shows", before[ZTREE_DAEMON_STAT_HOLDER_PID]);
		return 1;
	}
	if (kill(pid, SIGHUP)) {
		warn("cannot signal the daemon (pid %d)", (int)pid);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec nap = { 0, RELOAD_POLL_MS * 1000000L };

		nanosleep(&nap, NULL);
		ret = daemon_stat_read(now, true);
		if (ret == -ENOTCONN) {
			warnx("the daemon exited during the reload; its log "
			      "says why");
			return 1;
		}
		if (!ret && now[ZTREE_DAEMON_STAT_RELOADS] >
				    before[ZTREE_DAEMON_STAT_RELOADS])
			return 0;
		if (!ret && now[ZTREE_DAEMON_STAT_RELOAD_FAILURES] >
				    before[ZTREE_DAEMON_STAT_RELOAD_FAILURES]) {
			warnx("the daemon refused the reload or it failed; its "
			      "log says why (the running version serves on)");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= RELOAD_TIMEOUT_S) {
			warnx("the reload did not end in %d s", RELOAD_TIMEOUT_S);
			return 1;
		}
	}
}
