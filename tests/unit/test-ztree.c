// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-ztree: device names and GC modes (lib/ztree) against tables: the
 * one spelling of "zramfsN", N below ZTREE_DEV_MAX told apart from a name
 * no device can have, and each GC mode parsed back from its name.  The
 * daemon's attributes and configuration use these very functions
 * (test-conf checks that they agree); zramfsctl is to use them too.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "ztree.h"

static const struct {
	const char *name;
	int ret;
} names[] = {
	{ "zramfs0", 0 },
	{ "zramfs7", 7 },
	{ "zramfs10", 10 },
	{ "zramfs255", 255 },
	{ "zramfs256", -ERANGE },
	{ "zramfs1000", -ERANGE },
	{ "zramfs99999999999999999999", -ERANGE },
	{ "zramfs", -EINVAL },
	{ "zramfs01", -EINVAL },
	{ "zramfs00", -EINVAL },
	{ "zramfs-1", -EINVAL },
	{ "zramfs+1", -EINVAL },
	{ "zramfs 1", -EINVAL },
	{ "zramfs1 ", -EINVAL },
	{ "zramfs1\n", -EINVAL },
	{ "zramfs1x", -EINVAL },
	{ "zramfs0x1", -EINVAL },
	{ "Zramfs1", -EINVAL },
	{ "zram1", -EINVAL },
	{ "", -EINVAL },
	{ "/run/zramfs/zramfs1", -EINVAL },
};

int main(void)
{
	static const char *const bad_modes[] = {
		"", "Async", "sync ", " sync", "lazy", "async sync", "1",
	};
	enum ztree_gc_mode m, out;
	unsigned same = 1;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		int ret = ztree_dev_parse(names[i].name);

		ok(ret == names[i].ret, "\"%s\": %d", tap_show(names[i].name),
		   ret);
	}
	for (m = ZTREE_GC_ASYNC; m <= ZTREE_GC_SYNC; m++) {
		const char *name = ztree_gc_mode_name(m);

		out = ZTREE_GC_SYNC + 1;
		if (!name || ztree_gc_mode_parse(name, &out) || out != m ||
		    !strstr(ZTREE_GC_MODE_NAMES, name))
			same = 0;
	}
	ok(same, "each GC mode parses back from its name, listed in "
		 "ZTREE_GC_MODE_NAMES");
	ok(!ztree_gc_mode_name(ZTREE_GC_SYNC + 1) &&
		   !ztree_gc_mode_name((enum ztree_gc_mode)-1),
	   "no name for a number that is not a mode");
	for (i = 0; i < ARRAY_SIZE(bad_modes); i++) {
		out = ZTREE_GC_SYNC;
		ok(ztree_gc_mode_parse(bad_modes[i], &out) == -EINVAL &&
			   out == ZTREE_GC_SYNC,
		   "GC mode \"%s\" is refused", tap_show(bad_modes[i]));
	}
	return tap_done();
}
