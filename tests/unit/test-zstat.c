// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zstat: the field tables (names and order are a stable interface),
 * zstat_format's exact output, format -> parse round trips of every member
 * of each struct, lines from the kernel (fixed samples, plus this machine's
 * zram0 when there is one) and malformed lines.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "zstat.h"


static const char *const mm_names[] = {
	"orig_data_size", "compr_data_size", "mem_used_total",
	"mem_limit",      "mem_used_max",    "same_pages",
	"pages_compacted", "huge_pages",     "huge_pages_since",
};
static const char *const io_names[] = {
	"failed_reads", "failed_writes", "invalid_io", "notify_free",
};
static const char *const gc_names[] = {
	"pending", "queued_total", "freed_total", "max_pending",
	"freed_inline",
};

static void test_table(const char *what, const struct zstat_field *fields,
		       size_t nfields, const char *const *names, size_t n)
{
	size_t i, bad = 0;

	ok(nfields == n, "%s: %zu fields (want %zu)", what, nfields, n);
	for (i = 0; i < n && i < nfields; i++) {
		if (strcmp(fields[i].name, names[i]) ||
		    fields[i].offset != i * sizeof(uint64_t) ||
		    zstat_field_index(fields, nfields, names[i]) != (int)i) {
			diag("%s: field %zu is %s at %zu", what, i,
			     fields[i].name, fields[i].offset);
			bad++;
		}
	}
	ok(bad == 0, "%s: names, order and offsets follow the struct", what);
	ok(zstat_field_index(fields, nfields, "no_such_field") == -1,
	   "%s: unknown name -> -1", what);
}

static void test_tables(void)
{
	test_table("mm_stat", zstat_mm_fields, zstat_mm_nfields, mm_names,
		   ARRAY_SIZE(mm_names));
	test_table("io_stat", zstat_io_fields, zstat_io_nfields, io_names,
		   ARRAY_SIZE(io_names));
	test_table("gc_stat", zstat_gc_fields, zstat_gc_nfields, gc_names,
		   ARRAY_SIZE(gc_names));
}

static void test_format(void)
{
	struct zstat_mm mm = {
		.orig_data_size = 4096,
		.compr_data_size = 1234,
		.mem_used_total = 8192,
		.mem_limit = 0,
		.mem_used_max = 123456789012ull,
		.same_pages = 1,
		.pages_compacted = 2,
		.huge_pages = 3,
		.huge_pages_since = UINT64_MAX,
	};
	struct zstat_io io = { 1, 2, 0, 4 };
	const char *want_mm = "    4096     1234     8192        0 "
			      "123456789012        1        2        3 "
			      "18446744073709551615\n";
	char buf[256], small[10];
	int n;

	n = zstat_format(&mm, zstat_mm_fields, zstat_mm_nfields, buf,
			 sizeof(buf));
	ok(n == (int)strlen(want_mm) && !strcmp(buf, want_mm),
	   "mm_stat format: \"%s\"", tap_show(buf));
	n = zstat_format(&io, zstat_io_fields, zstat_io_nfields, buf,
			 sizeof(buf));
	ok(n == 36 && !strcmp(buf, "       1        2        0        4\n"),
	   "io_stat format: \"%s\"", tap_show(buf));

	n = zstat_format(&io, zstat_io_fields, zstat_io_nfields, small,
			 sizeof(small));
	ok(n == 36 && !strcmp(small, "       1 "),
	   "truncated format: %d \"%s\"", n, small);
	n = zstat_format(&io, zstat_io_fields, zstat_io_nfields, NULL, 0);
	ok(n == 36, "format(NULL, 0) returns the length: %d", n);
}

/*
 * The table covers the struct: a struct (@size bytes at @st) whose every
 * member holds a value of its own comes back whole through format and parse
 * into @back, filled with 0xa5 first.  A member the table misses or names
 * twice keeps 0xa5 (zstat.c's static assertion only counts the entries).
 */
static void round_trip(const char *what, const struct zstat_field *fields,
		       size_t nfields, void *st, void *back, size_t size)
{
	char buf[512];
	uint64_t v;
	size_t i;

	for (i = 0; i < size / sizeof(v); i++) {
		v = i ? (i + 1) * UINT64_C(1000000007) : UINT64_MAX - 1;
		memcpy((char *)st + i * sizeof(v), &v, sizeof(v));
	}
	memset(back, 0xa5, size);
	zstat_format(st, fields, nfields, buf, sizeof(buf));
	ok(zstat_parse(buf, fields, nfields, back) == 0 &&
		   !memcmp(st, back, size),
	   "%s: every member survives format -> parse", what);
}

static void test_round_trip(void)
{
	struct zstat_mm mm, mm_back;
	struct zstat_io io, io_back;
	struct zstat_gc gc, gc_back;

	round_trip("mm_stat", zstat_mm_fields, zstat_mm_nfields, &mm, &mm_back,
		   sizeof(mm));
	round_trip("io_stat", zstat_io_fields, zstat_io_nfields, &io, &io_back,
		   sizeof(io));
	round_trip("gc_stat", zstat_gc_fields, zstat_gc_nfields, &gc, &gc_back,
		   sizeof(gc));
}

/* Lines as kernels print them, with fewer fields on older kernels. */
static void test_kernel_lines(void)
{
	struct zstat_mm mm;
	struct zstat_io io;
	char line[512];
	FILE *f;

	ok(zstat_parse("  229376    12609    73728        0    73728        2"
		       "        0        0        0\n",
		       zstat_mm_fields, zstat_mm_nfields, &mm) == 0 &&
		   mm.orig_data_size == 229376 && mm.compr_data_size == 12609 &&
		   mm.mem_used_total == 73728 && mm.mem_used_max == 73728 &&
		   mm.same_pages == 2 && mm.huge_pages_since == 0,
	   "mm_stat line of a 6.x kernel");

	memset(&mm, 0xff, sizeof(mm));
	ok(zstat_parse("   16384      185    12288        0    12288        0"
		       "        0\n",
		       zstat_mm_fields, zstat_mm_nfields, &mm) == 0 &&
		   mm.orig_data_size == 16384 && mm.pages_compacted == 0 &&
		   mm.huge_pages == 0 && mm.huge_pages_since == 0,
	   "7-field mm_stat of an older kernel: missing fields are 0");

	/* The kernel prints a literal 0 for invalid_io, without padding. */
	ok(zstat_parse("       3        4 0        5\n", zstat_io_fields,
		       zstat_io_nfields, &io) == 0 &&
		   io.failed_reads == 3 && io.failed_writes == 4 &&
		   io.invalid_io == 0 && io.notify_free == 5,
	   "io_stat line of a 6.x kernel");

	f = fopen("/sys/block/zram0/mm_stat", "r");
	if (!f) {
		ok(1, "# SKIP /sys/block/zram0/mm_stat: %s", strerror(errno));
		return;
	}
	if (fgets(line, sizeof(line), f))
		ok(zstat_parse(line, zstat_mm_fields, zstat_mm_nfields, &mm) ==
			   0,
		   "this machine's zram0 mm_stat parses: %s", tap_show(line));
	else
		ok(1, "# SKIP /sys/block/zram0/mm_stat is empty");
	fclose(f);
}

static const struct bad_case {
	const char *line;
	int ret;
} parse_cases[] = {
	{ "", 0 },                       /* all fields missing */
	{ "\n", 0 },
	{ "1 2 3 4 5 extra words", 0 },  /* extra fields are not read */
	{ "1 2 3 4 5 6", 0 },
	{ "1 2 x 4", -EINVAL },
	{ "1 2 -3 4", -EINVAL },
	{ "1 2 +3 4", -EINVAL },
	{ "1 2 3.5 4", -EINVAL },
	{ "1 2 0x3 4", -EINVAL },
	{ "1 2 3x 4", -EINVAL },
	{ "1,2,3,4", -EINVAL },
	{ "1 18446744073709551616", -EINVAL },
	{ "garbage", -EINVAL },
};

static void test_parse_cases(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct bad_case *c = &parse_cases[i];
		struct zstat_gc gc, before;
		int ret;

		memset(&gc, 0x5a, sizeof(gc));
		before = gc;
		ret = zstat_parse(c->line, zstat_gc_fields, zstat_gc_nfields,
				  &gc);
		if (c->ret)
			ok(ret == c->ret && !memcmp(&gc, &before, sizeof(gc)),
			   "parse \"%s\" = %d, output untouched",
			   tap_show(c->line), ret);
		else
			ok(ret == 0, "parse \"%s\" = 0", tap_show(c->line));
	}
}

static void test_short_line(void)
{
	struct zstat_gc gc;

	memset(&gc, 0x5a, sizeof(gc));
	ok(zstat_parse("7 8", zstat_gc_fields, zstat_gc_nfields, &gc) == 0 &&
		   gc.pending == 7 && gc.queued_total == 8 &&
		   gc.freed_total == 0 && gc.max_pending == 0 &&
		   gc.freed_inline == 0,
	   "short line: the rest is 0");
}

int main(void)
{
	test_tables();
	test_format();
	test_round_trip();
	test_kernel_lines();
	test_parse_cases();
	test_short_line();
	return tap_done();
}
