// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ztree: device names and GC modes (see ztree.h).
 *
 * A device name's number is read digit by digit rather than with strtol(),
 * which would take a sign and leading blanks: "zramfs 1" and "zramfs+1" are
 * no names, and a name has one spelling, so "zramfs01" is none either.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "array_size.h"
#include "ztree.h"

static const char *const ztree_gc_mode_names[] = {
	[ZTREE_GC_ASYNC] = "async",
	[ZTREE_GC_SYNC] = "sync",
};

int ztree_dev_parse(const char *name)
{
	const char *num = name + strlen(ZTREE_DEV_PREFIX);
	long n = 0;
	size_t i;

	if (strncmp(name, ZTREE_DEV_PREFIX, strlen(ZTREE_DEV_PREFIX)))
		return -EINVAL;
	for (i = 0; num[i] >= '0' && num[i] <= '9'; i++)
		if (n < ZTREE_DEV_MAX) /* past it, stop counting */
			n = n * 10 + (num[i] - '0');
	if (!i || num[i] || (num[0] == '0' && i > 1))
		return -EINVAL;
	return n < ZTREE_DEV_MAX ? (int)n : -ERANGE;
}

int ztree_gc_mode_parse(const char *s, enum ztree_gc_mode *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ztree_gc_mode_names); i++) {
		if (!strcmp(s, ztree_gc_mode_names[i])) {
			*out = (enum ztree_gc_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *ztree_gc_mode_name(enum ztree_gc_mode m)
{
	if ((size_t)m >= ARRAY_SIZE(ztree_gc_mode_names))
		return NULL;
	return ztree_gc_mode_names[m];
}
