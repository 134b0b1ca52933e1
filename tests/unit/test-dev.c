// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-dev: dev.c on its own, without a mount or a control thread.
 *
 * Swap is turned on and off on the slow thread alone (dev.h): its callers
 * take the hop there, and the swap code refuses, with EDEADLK and nothing
 * changed, to run on any other thread, where swapon could wait for the
 * thread it runs on.  The registry is given a mountpoint where nothing is
 * mounted, so that no loop device can be attached to anything.
 *
 * A write the attribute can only refuse with EINVAL says why in the log:
 * algorithm_params that the compressor refuses, swap on a device too small
 * for a swap area.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev.h"
#include "state.h"
#include "tap.h"

/* Whether the test's thread plays the slow thread. */
static bool slow_here;

static bool on_slow_thread(void)
{
	return slow_here;
}

static char logbuf[4096];
static int saved_stderr = -1, log_fd = -1;

/* From now on the daemon's log (stderr) goes to logbuf, at log_end(). */
static void log_start(void)
{
	char tmp[] = "/tmp/zramfs-test-dev-XXXXXX";

	log_fd = mkstemp(tmp);
	if (log_fd < 0)
		bail_out("mkstemp");
	unlink(tmp);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(log_fd, 2);
}

/* @return what was logged since log_start(). */
static const char *log_end(void)
{
	ssize_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	n = pread(log_fd, logbuf, sizeof(logbuf) - 1, 0);
	logbuf[n > 0 ? n : 0] = '\0';
	close(log_fd);
	return logbuf;
}

/* @return attribute @name of @d, as read. */
static const char *show(struct dev *d, const char *name)
{
	static char buf[DEV_ATTR_MAX];
	unsigned i;

	for (i = 0; i < DEV_NATTRS; i++)
		if (!strcmp(dev_attrs[i].name, name) &&
		    dev_attr_show(d, &dev_attrs[i], buf, sizeof(buf)) >= 0)
			return buf;
	return "(unreadable)";
}

static void test_slow_thread(void)
{
	struct dev *d;
	unsigned i;
	bool marked = false;

	for (i = 0; i < DEV_NATTRS; i++)
		if (dev_attrs[i].slow)
			marked |= !strcmp(dev_attrs[i].name, "swap");
	ok(marked, "the swap attribute's store is marked slow");

	if (dev_add(0) != 0 || !(d = dev_get(0)))
		bail_out("cannot add zramfs0");
	ok(dev_store(d, "disksize", "1M") == 0, "disksize 1M");

	dev_registry_init("/nonexistent/zramfs-test-dev", NULL);
	ok(dev_store(d, "swap", "on") == -EDEADLK &&
		   !strcmp(show(d, "swap"), "none\n"),
	   "with no slow thread, swap on fails with EDEADLK and changes "
	   "nothing");
	dev_registry_init("/nonexistent/zramfs-test-dev", on_slow_thread);
	slow_here = false;
	ok(dev_store(d, "swap", "on priority=5") == -EDEADLK &&
		   dev_store(d, "swap", "off") == -EDEADLK &&
		   !strcmp(show(d, "swap"), "none\n"),
	   "on another thread than the slow one, swap on and off fail with "
	   "EDEADLK and change nothing");
	ok(dev_store(d, "swap", "on priority=x") == -EINVAL,
	   "a malformed swap write is still EINVAL there");
	ok(dev_swapoff_all() == 0, "dev_swapoff_all: no device is swap");

	slow_here = true;
	ok(dev_store(d, "swap", "off") == -EINVAL,
	   "on the slow thread, swap off of a device that is no swap is "
	   "EINVAL, as before");
	ok(dev_store(d, "swap", "on") == -ENOENT &&
		   !strcmp(show(d, "swap"), "none\n"),
	   "on the slow thread, swap on gets as far as the data file, which "
	   "is not mounted: ENOENT, nothing attached");

	dev_put(d);
	ok(dev_hot_remove(0) == 0, "hot_remove");
}

static void test_reasons(void)
{
	const char *logged;
	struct dev *d;
	int ret;

	if (dev_add(0) != 0 || !(d = dev_get(0)))
		bail_out("cannot add zramfs0");
	ok(dev_store(d, "comp_algorithm", "zstd") == 0, "comp_algorithm zstd");
	log_start();
	ret = dev_store(d, "algorithm_params", "level=99");
	logged = log_end();
	ok(ret == -EINVAL &&
		   strstr(logged, "zramfs0: algorithm_params 'level=99': level "
				  "99 is out of range for zstd (-5..-1 or "
				  "1..22)\n"),
	   "algorithm_params the compressor refuses: EINVAL, the reason "
	   "logged (%s)", tap_show(logged));
	log_start();
	ret = dev_store(d, "algorithm_params", "algo=lzo level=1");
	logged = log_end();
	ok(ret == -EINVAL &&
		   strstr(logged, "zramfs0: algorithm_params 'algo=lzo "
				  "level=1': unknown algorithm"),
	   "algorithm_params naming an unknown algorithm: EINVAL, the reason "
	   "logged (%s)", tap_show(logged));
	ok(!strcmp(show(d, "algorithm_params"), "\n"), "nothing kept");

	ok(dev_store(d, "disksize", "36K") == 0, "disksize 36K");
	dev_registry_init("/nonexistent/zramfs-test-dev", on_slow_thread);
	slow_here = true;
	log_start();
	ret = dev_store(d, "swap", "on");
	logged = log_end();
	ok(ret == -EINVAL && !strcmp(show(d, "swap"), "none\n") &&
		   strstr(logged, "zramfs0: swap on: disksize 36K is below the "
				  "40K (10 pages) a swap area needs\n"),
	   "swap on below the swap minimum: EINVAL, the reason logged (%s)",
	   tap_show(logged));
	slow_here = false;
	dev_put(d);
	ok(dev_hot_remove(0) == 0, "hot_remove");
}

int main(void)
{
	if (state_open(-1))
		bail_out("cannot make a state region");
	test_slow_thread();
	test_reasons();
	dev_destroy_all();
	return tap_done();
}
