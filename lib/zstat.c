// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zstat: the statistics lines of a device (see zstat.h).
 *
 * Each line is described by a table of its fields, in column order, that
 * names each field after its struct member and gives the member's offset;
 * formatting, parsing and lookup by name all walk that table, so a field is
 * added by appending one member and one table entry.  A static assertion
 * per table checks that no member of the struct is missing from it.
 *
 * The daemon formats lines as the kernel's zram does ("%8llu" columns
 * separated by one space); zramfsctl parses them, and so can parse the
 * kernel's own mm_stat and io_stat.  Parsing is tolerant of the number of
 * fields (older or newer daemons) but not of what a field holds.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "zstat.h"

#define ZSTAT_FIELD(type, member) { #member, offsetof(struct type, member) }

/* Every member is a uint64_t in the table: the table covers the struct. */
#define ZSTAT_CHECK_TABLE(table, type)                                   \
	_Static_assert(ARRAY_SIZE(table) * sizeof(uint64_t) ==           \
			       sizeof(struct type),                      \
		       #table " must list every member of struct " #type)

const struct zstat_field zstat_mm_fields[] = {
	ZSTAT_FIELD(zstat_mm, orig_data_size),
	ZSTAT_FIELD(zstat_mm, compr_data_size),
	ZSTAT_FIELD(zstat_mm, mem_used_total),
	ZSTAT_FIELD(zstat_mm, mem_limit),
	ZSTAT_FIELD(zstat_mm, mem_used_max),
	ZSTAT_FIELD(zstat_mm, same_pages),
	ZSTAT_FIELD(zstat_mm, pages_compacted),
	ZSTAT_FIELD(zstat_mm, huge_pages),
	ZSTAT_FIELD(zstat_mm, huge_pages_since),
};
const size_t zstat_mm_nfields = ARRAY_SIZE(zstat_mm_fields);
ZSTAT_CHECK_TABLE(zstat_mm_fields, zstat_mm);

const struct zstat_field zstat_io_fields[] = {
	ZSTAT_FIELD(zstat_io, failed_reads),
	ZSTAT_FIELD(zstat_io, failed_writes),
	ZSTAT_FIELD(zstat_io, invalid_io),
	ZSTAT_FIELD(zstat_io, notify_free),
};
const size_t zstat_io_nfields = ARRAY_SIZE(zstat_io_fields);
ZSTAT_CHECK_TABLE(zstat_io_fields, zstat_io);

const struct zstat_field zstat_gc_fields[] = {
	ZSTAT_FIELD(zstat_gc, pending),
	ZSTAT_FIELD(zstat_gc, queued_total),
	ZSTAT_FIELD(zstat_gc, freed_total),
	ZSTAT_FIELD(zstat_gc, max_pending),
	ZSTAT_FIELD(zstat_gc, freed_inline),
};
const size_t zstat_gc_nfields = ARRAY_SIZE(zstat_gc_fields);
ZSTAT_CHECK_TABLE(zstat_gc_fields, zstat_gc);

static uint64_t zstat_get(const void *st, const struct zstat_field *f)
{
	uint64_t v;

	memcpy(&v, (const char *)st + f->offset, sizeof(v));
	return v;
}

static void zstat_set(void *st, const struct zstat_field *f, uint64_t v)
{
	memcpy((char *)st + f->offset, &v, sizeof(v));
}

int zstat_format(const void *st, const struct zstat_field *fields,
		 size_t nfields, char *buf, size_t size)
{
	size_t len = 0, i;
	int n;

	for (i = 0; i <= nfields; i++) {
		char *at = len < size ? buf + len : NULL;
		size_t room = len < size ? size - len : 0;
		unsigned long long v;

		if (i < nfields) {
			v = zstat_get(st, &fields[i]);
			n = snprintf(at, room, "%s%8llu", i ? " " : "", v);
		} else {
			n = snprintf(at, room, "\n"); /* the line's end */
		}
		if (n < 0)
			return n;
		len += (size_t)n;
	}
	return (int)len;
}

/*
 * Reads the next field of *@p: blanks, then digits up to a blank or the
 * end.  @return 1 and *@v, 0 at the end of the line, or -EINVAL.
 */
static int zstat_next(const char **p, uint64_t *v)
{
	const char *s = *p;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return 0;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	*p = end;
	return 1;
}

/*
 * Two passes, so that a malformed line leaves @st untouched: the first only
 * checks the fields, the second stores them.
 */
int zstat_parse(const char *line, const struct zstat_field *fields,
		size_t nfields, void *st)
{
	const char *p = line;
	uint64_t v;
	size_t i;
	int ret = 0;

	for (i = 0; i < nfields; i++) {
		ret = zstat_next(&p, &v);
		if (ret <= 0)
			break;
	}
	if (ret < 0)
		return ret;

	p = line;
	for (i = 0; i < nfields; i++)
		zstat_set(st, &fields[i], zstat_next(&p, &v) > 0 ? v : 0);
	return 0;
}

int zstat_field_index(const struct zstat_field *fields, size_t nfields,
		      const char *name)
{
	size_t i;

	for (i = 0; i < nfields; i++)
		if (!strcmp(fields[i].name, name))
			return (int)i;
	return -1;
}
