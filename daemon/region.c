// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * region: the process creates its own regions (see region.h).  The holder
 * (daemon/holder.c, issue 12) will take this decision over.
 */
#include "config.h"

#include "region.h"

static unsigned region_map_flags;

void region_set_mlocked(int mlocked)
{
	region_map_flags = mlocked ? ZREGION_MCL_FUTURE : 0;
}

int region_new(uint64_t bytes, struct zregion **out)
{
	return zregion_create(bytes, ZREGION_LOCK | region_map_flags, out);
}

int region_attach(int id, struct zregion **out)
{
	return zregion_attach(id, region_map_flags, out);
}

void region_drop(struct zregion *r)
{
	zregion_detach(r);
}
