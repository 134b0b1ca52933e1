/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zstat: the statistics lines of a device, shared by the daemon (which
 * formats them) and zramfsctl (which parses them).
 *
 * mm_stat and io_stat have the kernel's fields in the kernel's order and the
 * kernel's format (Documentation/admin-guide/blockdev/zram.rst).  gc_stat is
 * zramfs's own.  These are stable interfaces: fields are only ever appended.
 */
#ifndef ZRAMFS_ZSTAT_H
#define ZRAMFS_ZSTAT_H

#include <stddef.h>
#include <stdint.h>

struct zstat_mm {
	uint64_t orig_data_size;   /* bytes of data stored (pages * 4096) */
	uint64_t compr_data_size;  /* compressed bytes stored */
	uint64_t mem_used_total;   /* bytes the allocator holds */
	uint64_t mem_limit;        /* bytes, 0 = none */
	uint64_t mem_used_max;     /* high-water mark of mem_used_total */
	uint64_t same_pages;       /* same-filled pages (no memory) */
	uint64_t pages_compacted;  /* pages freed by compaction */
	uint64_t huge_pages;       /* incompressible pages stored raw */
	uint64_t huge_pages_since; /* ... ever, since initialisation */
};

struct zstat_io {
	uint64_t failed_reads;
	uint64_t failed_writes;
	uint64_t invalid_io;  /* requests outside the device */
	uint64_t notify_free; /* pages freed by discard */
};

struct zstat_gc {
	uint64_t pending;      /* pages detached, memory not yet freed */
	uint64_t queued_total; /* pages ever handed to the GC worker */
	uint64_t freed_total;  /* pages ever freed by the GC worker */
	uint64_t max_pending;  /* high-water mark of pending */
	uint64_t freed_inline; /* pages freed by the discard itself (sync
				  mode, or the queue was full) */
};

/* One field of a stat line: its name and where it lives in the struct. */
struct zstat_field {
	const char *name;
	size_t offset;
};

extern const struct zstat_field zstat_mm_fields[];
extern const size_t zstat_mm_nfields;
extern const struct zstat_field zstat_io_fields[];
extern const size_t zstat_io_nfields;
extern const struct zstat_field zstat_gc_fields[];
extern const size_t zstat_gc_nfields;

/*
 * Formats @st (one of the structs above, described by @fields) as one line
 * of "%8llu" columns separated by spaces and ending in a newline.
 * @return the length (snprintf semantics).
 */
int zstat_format(const void *st, const struct zstat_field *fields,
		 size_t nfields, char *buf, size_t size);

/*
 * Parses a line written by zstat_format (or by the kernel).  Missing
 * trailing fields are left 0; extra trailing fields are ignored, so older
 * and newer daemons stay readable.
 * @return 0, or -EINVAL if a field is not a number.
 */
int zstat_parse(const char *line, const struct zstat_field *fields,
		size_t nfields, void *st);

/* @return the index of the field called @name, or -1. */
int zstat_field_index(const struct zstat_field *fields, size_t nfields,
		      const char *name);

#endif
