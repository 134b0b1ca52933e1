// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swapopt: swap priorities and discard policies (see swapopt.h).
 *
 * A priority is what swapon(2) takes in SWAP_FLAG_PRIO_MASK, 0 to 32767, or
 * -1 for none (the kernel then numbers swap areas -2, -3, ...).  The rule is
 * the swap attribute's: the digits alone, since a blank would end the
 * "priority=P" word there, so " 5" is refused everywhere rather than only
 * by the daemon.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "array_size.h"
#include "swapopt.h"

static const char *const swapopt_discard_names[] = {
	[SWAPOPT_DISCARD_NONE] = "none",
	[SWAPOPT_DISCARD_PAGES] = "pages",
	[SWAPOPT_DISCARD_ONCE] = "once",
	[SWAPOPT_DISCARD_BOTH] = "both",
};

#define SWAPOPT_NDISCARD ARRAY_SIZE(swapopt_discard_names)

int swapopt_priority_parse(const char *s, int *out)
{
	long v = 0;
	size_t n;

	if (!strcmp(s, "-1")) {
		*out = SWAPOPT_PRIO_DEFAULT;
		return 0;
	}
	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
		if (v <= SWAPOPT_PRIO_MAX) /* past it, stop counting */
			v = v * 10 + (s[n] - '0');
	if (!n || s[n])
		return -EINVAL;
	if (v > SWAPOPT_PRIO_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

int swapopt_discard_parse(const char *s, enum swapopt_discard *out)
{
	size_t i;

	for (i = 0; i < SWAPOPT_NDISCARD; i++) {
		if (!strcmp(s, swapopt_discard_names[i])) {
			*out = (enum swapopt_discard)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *swapopt_discard_name(enum swapopt_discard d)
{
	if ((size_t)d >= SWAPOPT_NDISCARD)
		return NULL;
	return swapopt_discard_names[d];
}
