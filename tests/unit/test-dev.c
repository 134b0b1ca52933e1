// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-dev: dev.c on its own, without a mount or a control thread.
 *
 * Swap is turned on and off on the slow thread alone (dev.h): its callers
 * take the hop there, and the swap code refuses, with EDEADLK and nothing
 * changed, to run on any other thread, where swapon could wait for the
 * thread it runs on.  The registry is given a mountpoint where nothing is
 * mounted, so that no loop device can be attached to anything.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dev.h"
#include "tap.h"

/* Whether the test's thread plays the slow thread. */
static bool slow_here;

static bool on_slow_thread(void)
{
	return slow_here;
}

/* @return attribute @name of @d, as read. */
static const char *show(struct dev *d, const char *name)
{
	static char buf[DEV_ATTR_MAX];
	unsigned i;

	for (i = 0; i < dev_nattrs; i++)
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

	for (i = 0; i < dev_nattrs; i++)
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

int main(void)
{
	test_slow_thread();
	dev_destroy_all();
	return tap_done();
}
