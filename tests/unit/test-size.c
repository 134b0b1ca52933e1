// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-size: size_parse, size_parse_ul, size_parse_u64, size_format and
 * size_page_align against tables of inputs and expected results, and a
 * format -> parse round trip of every whole multiple of a unit.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "size.h"
#include "tap.h"


static const struct parse_case {
	const char *s;
	int ret;
	uint64_t bytes;
} parse_cases[] = {
	{ "0", 0, 0 },
	{ "4096", 0, 4096 },
	{ "1G", 0, 1073741824ull },
	{ "1g", 0, 1073741824ull },
	{ "4k", 0, 4096 },
	{ "4K", 0, 4096 },
	{ "512M", 0, 536870912ull },
	{ "1GiB", 0, 1073741824ull },
	{ "1GB", 0, 1073741824ull },
	{ "2T", 0, 2ull << 40 },
	{ "2TiB", 0, 2ull << 40 },
	{ "1000B", 0, 1000 },
	{ "  8M\n", 0, 8ull << 20 },
	{ "8M\n", 0, 8ull << 20 },
	{ "\t8M \n", 0, 8ull << 20 },
	{ "007K", 0, 7 << 10 },
	{ "16777215T", 0, 16777215ull << 40 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "", -EINVAL, 0 },
	{ " ", -EINVAL, 0 },
	{ "\n", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ "1.5G", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1Q", -EINVAL, 0 },
	{ "1P", -EINVAL, 0 },
	{ "1G extra", -EINVAL, 0 },
	{ "1 G", -EINVAL, 0 },
	{ "1GiBB", -EINVAL, 0 },
	{ "1Gi", -EINVAL, 0 },
	{ "1iB", -EINVAL, 0 },
	{ "8M\n\n", -EINVAL, 0 },
	{ "8M\n ", -EINVAL, 0 },
	{ "G", -EINVAL, 0 },
	{ "16777216T", -ERANGE, 0 },
	{ "99999999999T", -ERANGE, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "99999999999999999999999999", -ERANGE, 0 },
	{ "99999999999999999999999999x", -EINVAL, 0 }, /* malformed first */
	{ "99999999999999999999999999 K", -EINVAL, 0 },
};

/*
 * size_parse_ul(): util-linux's strtosize() rules, with the examples of its
 * documentation (lib/strutils.c, the size arguments of its man pages).
 * Where util-linux 2.38 (fallocate -l) reads a string otherwise, a note
 * says how: it rounds each digit of a fraction on its own, and its
 * strtoumax() takes blanks, signs, hex and octal.
 */
static const struct parse_case ul_cases[] = {
	{ "0", 0, 0 },
	{ "4096", 0, 4096 },
	{ "10KiB", 0, 10240 },
	{ "10K", 0, 10240 },
	{ "10KB", 0, 10000 },
	{ "0.5MB", 0, 500000 },
	{ "0.5MiB", 0, 524288 }, /* strutils.c says 512000; it reads 524288 */
	{ "512MB", 0, 512000000 },
	{ "512M", 0, 536870912 },
	{ "512MiB", 0, 536870912 },
	{ "1.5G", 0, 1610612736ull },
	{ "1.5GB", 0, 1500000000ull },
	{ "1.05K", 0, 1075 },        /* 1075.2 */
	{ "0.25G", 0, 268435456 },   /* util-linux: 268435455 */
	{ "0.3K", 0, 307 },          /* 307.2; util-linux: 341 */
	{ "0.0009765625K", 0, 1 },   /* exactly one byte */
	{ "0.00048828125K", 0, 0 },  /* half a byte, rounded down */
	{ "1.9999999999999999999999K", 0, 2047 },
	{ "1Kb", 0, 1000 },
	{ "1kB", 0, 1000 },
	{ "1kib", 0, 1024 },
	{ "1k", 0, 1024 },
	{ "2T", 0, 2ull << 40 },
	{ "1P", 0, 1ull << 50 },
	{ "1p", 0, 1ull << 50 },
	{ "15E", 0, 15ull << 60 },
	{ "15.5E", 0, 31ull << 59 },
	{ "16EB", 0, 16000000000000000000ull },
	{ "18.4467440737095516EB", 0, 18446744073709551600ull },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "0Z", 0, 0 },
	{ "0.000Y", 0, 0 },
	{ "", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "-1K", -EINVAL, 0 },
	{ "+1K", -EINVAL, 0 },          /* util-linux: 1024 */
	{ " 1K", -EINVAL, 0 },          /* util-linux: 1024 */
	{ "1K ", -EINVAL, 0 },
	{ "1 K", -EINVAL, 0 },
	{ "1K\n", -EINVAL, 0 },
	{ "0x10K", -EINVAL, 0 },        /* util-linux: hex, 16384 */
	{ "010K", -EINVAL, 0 },         /* util-linux: octal, 8192 */
	{ "1.5.5G", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },          /* a fraction of a byte */
	{ "1.", -EINVAL, 0 },
	{ "1.K", -EINVAL, 0 },          /* util-linux: 1024 */
	{ ".5K", -EINVAL, 0 },
	{ "1Q", -EINVAL, 0 },
	{ "1z", -EINVAL, 0 },
	{ "1B", -EINVAL, 0 },           /* no bare B, as util-linux */
	{ "1KIB", -EINVAL, 0 },
	{ "1Ki", -EINVAL, 0 },
	{ "1KiBB", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "K", -EINVAL, 0 },
	{ "16E", -ERANGE, 0 },
	{ "16384P", -ERANGE, 0 },
	{ "18.446744073709551616EB", -ERANGE, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "99999999999999999999999K", -ERANGE, 0 },
	{ "99999999999999999999999Q", -EINVAL, 0 }, /* malformed first */
	{ "1Z", -ERANGE, 0 },
	{ "0.5Y", -ERANGE, 0 },
};

static const struct u64_case {
	const char *s;
	uint64_t max;
	int ret;
	uint64_t val;
} u64_cases[] = {
	{ "0", 10, 0, 0 },
	{ "10", 10, 0, 10 },
	{ " 7\n", 10, 0, 7 },
	{ "11", 10, -ERANGE, 0 },
	{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, -ERANGE, 0 },
	{ "", 10, -EINVAL, 0 },
	{ "-1", 10, -EINVAL, 0 },
	{ "1K", 4096, -EINVAL, 0 },
	{ "1 2", 10, -EINVAL, 0 },
	{ "0x1", 10, -EINVAL, 0 },
	{ "99999999999999999999x", 10, -EINVAL, 0 },
};

static const struct format_case {
	uint64_t bytes;
	const char *s;
} format_cases[] = {
	{ 0, "0B" },
	{ 1, "1B" },
	{ 1000, "1000B" },
	{ 1023, "1023B" },
	{ 1024, "1K" },
	{ 4096, "4K" },
	{ 1536, "1.5K" },
	{ 12000, "11.7K" },            /* util-linux's own test values */
	{ 12000000, "11.4M" },
	{ 12000000000ull, "11.2G" },
	{ 536870912, "512M" },
	{ 1073741824ull, "1G" },
	{ 1610612736ull, "1.5G" },
	{ 1048575, "1024K" },          /* 1023.999K rounds up, as zramctl */
	{ (1 << 20) + 52, "1M" },      /* 1.00005M */
	{ (1 << 20) + 52429, "1.1M" }, /* 1.05M rounds half up */
	{ 1ull << 40, "1T" },
	{ 1ull << 50, "1P" },
	{ 1ull << 60, "1E" },
	{ UINT64_MAX, "16E" },
};

static const struct align_case {
	uint64_t in, out;
} align_cases[] = {
	{ 0, 0 },
	{ 1, 4096 },
	{ 4095, 4096 },
	{ 4096, 4096 },
	{ 4097, 8192 },
	{ UINT64_MAX - 8192, UINT64_MAX - 8191 },
	{ UINT64_MAX - 8191, UINT64_MAX - 8191 },
	{ UINT64_MAX - 8190, UINT64_MAX - 4095 },
	{ UINT64_MAX - 4095, UINT64_MAX - 4095 },
	{ UINT64_MAX - 4094, UINT64_MAX - 4095 }, /* saturates */
	{ UINT64_MAX, UINT64_MAX - 4095 },
};

/* Each case of @cases through @parse, called @name in the output. */
static void test_parse(const char *name,
		       int (*parse)(const char *, uint64_t *),
		       const struct parse_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct parse_case *c = &cases[i];
		uint64_t v = 12345;
		int ret = parse(c->s, &v);

		if (c->ret)
			ok(ret == c->ret && v == 12345,
			   "%s(\"%s\") = %d (want %d), no output", name,
			   tap_show(c->s), ret, c->ret);
		else
			ok(ret == 0 && v == c->bytes,
			   "%s(\"%s\") = %d, %" PRIu64 " (want %" PRIu64 ")",
			   name, tap_show(c->s), ret, v, c->bytes);
	}
}

static void test_parse_u64(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(u64_cases); i++) {
		const struct u64_case *c = &u64_cases[i];
		uint64_t v = 12345;
		int ret = size_parse_u64(c->s, c->max, &v);

		ok(ret == c->ret && v == (c->ret ? 12345 : c->val),
		   "size_parse_u64(\"%s\", %" PRIu64 ") = %d, %" PRIu64,
		   tap_show(c->s), c->max, ret, v);
	}
}

static void test_format(void)
{
	char buf[32], small[3];
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(format_cases); i++) {
		const struct format_case *c = &format_cases[i];

		n = size_format(c->bytes, buf, sizeof(buf));
		ok(n == (int)strlen(c->s) && !strcmp(buf, c->s),
		   "size_format(%" PRIu64 ") = \"%s\" (want \"%s\")", c->bytes,
		   buf, c->s);
	}

	n = size_format(1610612736ull, small, sizeof(small));
	ok(n == 4 && !strcmp(small, "1."),
	   "size_format truncates like snprintf: %d \"%s\"", n, small);
	n = size_format(1610612736ull, NULL, 0);
	ok(n == 4, "size_format(NULL, 0) returns the length: %d", n);
}

/* Whole multiples of a unit format without a decimal and parse back. */
static void test_round_trip(void)
{
	static const uint64_t units[] = { 1, 1ull << 10, 1ull << 20,
					  1ull << 30, 1ull << 40 };
	static const uint64_t counts[] = { 1, 2, 3, 4, 7, 100, 512, 1023 };
	unsigned int bad = 0, n = 0;
	char buf[32];
	uint64_t v;
	size_t u, c;

	for (u = 0; u < ARRAY_SIZE(units); u++) {
		for (c = 0; c < ARRAY_SIZE(counts); c++) {
			uint64_t bytes = units[u] * counts[c];

			n++;
			size_format(bytes, buf, sizeof(buf));
			if (size_parse(buf, &v) || v != bytes) {
				diag("%" PRIu64 " -> \"%s\" -> %" PRIu64, bytes,
				     buf, v);
				bad++;
			}
		}
	}
	ok(bad == 0, "format -> parse round trip of %u whole sizes", n);
}

static void test_page_align(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(align_cases); i++) {
		const struct align_case *c = &align_cases[i];
		uint64_t got = size_page_align(c->in);

		ok(got == c->out,
		   "size_page_align(%" PRIu64 ") = %" PRIu64 " (want %" PRIu64
		   ")",
		   c->in, got, c->out);
	}
}

int main(void)
{
	test_parse("size_parse", size_parse, parse_cases,
		   ARRAY_SIZE(parse_cases));
	test_parse("size_parse_ul", size_parse_ul, ul_cases,
		   ARRAY_SIZE(ul_cases));
	test_parse_u64();
	test_format();
	test_round_trip();
	test_page_align();
	return tap_done();
}
