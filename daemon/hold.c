// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hold: the check of a hold area a server attaches (see hold.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hold.h"

int hold_check(const struct hold_area *h, uint64_t bytes)
{
	if (bytes < sizeof(*h) || memcmp(h->magic, HOLD_MAGIC, 8))
		return -EUCLEAN;
	if (h->layout != HOLD_LAYOUT || h->size != sizeof(*h))
		return -EPROTO;
	if (h->init_in_len > HOLD_INIT_MAX || h->init_out_len > HOLD_INIT_MAX)
		return -EUCLEAN;
	return 0;
}
