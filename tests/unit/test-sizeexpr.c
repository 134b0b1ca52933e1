// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-sizeexpr: sizeexpr_eval against a table of expressions, RAM sizes
 * and expected results or errors with their reasons, then the limits that
 * a table cannot spell: deep nesting, long runs of unary minus, a NULL
 * @why and outputs left alone on failure.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sizeexpr.h"
#include "tap.h"

#define K (1ull << 10)
#define M (1ull << 20)
#define G (1ull << 30)
#define T (1ull << 40)

/* @s with newlines and tabs made visible, for one line of TAP output. */
static const char *show(const char *s)
{
	static char bufs[4][128];
	static unsigned int next;
	char *b = bufs[next++ % 4], *p = b;

	for (; *s && p < b + sizeof(bufs[0]) - 3; s++) {
		if (*s == '\n' || *s == '\t') {
			*p++ = '\\';
			*p++ = *s == '\n' ? 'n' : 't';
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	return b;
}

static const struct eval_case {
	const char *s;
	uint64_t ram;
	int ret;
	uint64_t bytes;  /* if ret is 0 */
	const char *why; /* if it is not */
} eval_cases[] = {
	/* plain sizes, as size_parse() reads them */
	{ "4G", 8 * G, 0, 4 * G, NULL },
	{ "4096", 8 * G, 0, 4096, NULL },
	{ "0", 8 * G, 0, 0, NULL },
	{ "1K", 8 * G, 0, 4096, NULL }, /* rounded up to a page */
	{ "4097", 8 * G, 0, 8192, NULL },
	{ "1000B", 8 * G, 0, 4096, NULL },
	{ "1GiB", 8 * G, 0, G, NULL },
	{ "1gb", 8 * G, -EINVAL, 0, "bad size unit" },
	{ "1GB", 8 * G, 0, G, NULL },
	{ "512m", 8 * G, 0, 512 * M, NULL },
	{ "2T", 8 * G, 0, 2 * T, NULL },
	{ "\t1G\n", 8 * G, 0, G, NULL },
	/* fractions */
	{ "1.5G", 8 * G, 0, 1536 * M, NULL },
	{ "0.5K", 8 * G, 0, 4096, NULL },
	{ "ram * 0.75", 8 * G, 0, 6 * G, NULL },
	{ "10G * 0.1", 8 * G, 0, G, NULL }, /* 0.1 is not exact in binary */
	{ "ram / 3", 3 * G, 0, G, NULL },
	{ "ram / 3", 12 * K, 0, 4096, NULL },
	{ "ram / 3 * 3", 10 * G + 4096, 0, 10 * G + 4096, NULL },
	{ "1/3 - 1/3", 8 * G, 0, 0, NULL },
	{ "-0.25", 8 * G, 0, 0, NULL }, /* rounds to 0 bytes */
	/* percentages */
	{ "50%", 8 * G, 0, 4 * G, NULL },
	{ "12.5%", 8 * G, 0, G, NULL },
	{ "50%", 0, 0, 0, NULL },
	{ "(25 + 25)%", 8 * G, 0, 4 * G, NULL },
	{ "100% - 1G", 8 * G, 0, 7 * G, NULL },
	/* expressions over ram */
	{ "ram", 8 * G, 0, 8 * G, NULL },
	{ "ram / 2", 8 * G, 0, 4 * G, NULL },
	{ " ram/4 ", 8 * G, 0, 2 * G, NULL },
	{ "ram/4", UINT64_MAX, 0, 1ull << 62, NULL },
	{ "ram - ram", 8 * G, 0, 0, NULL },
	{ "min(ram / 2, 4G)", 24 * G, 0, 4 * G, NULL },
	{ "min(ram / 2, 4G)", 2 * G, 0, G, NULL },
	{ "min(ram / 2, 4G) + 512M", 24 * G, 0, 4 * G + 512 * M, NULL },
	{ "max(1G, ram*0.1)", 8 * G, 0, G, NULL },
	{ "max(1G, ram*0.1)", 40 * G, 0, 4 * G, NULL },
	{ "min(1G)", 8 * G, 0, G, NULL },
	{ "max(1G, 3G, 2G, 512M)", 8 * G, 0, 3 * G, NULL },
	{ "min( 1G ,2G )", 8 * G, 0, G, NULL },
	{ "(1G + 512M) * 2", 8 * G, 0, 3 * G, NULL },
	{ "1G + 512M * 2", 8 * G, 0, 2 * G, NULL },
	{ "-1G + 2G", 8 * G, 0, G, NULL },
	{ "--1G", 8 * G, 0, G, NULL },
	{ "2G--1G", 8 * G, 0, 3 * G, NULL },
	{ "2 * -1G + 3G", 8 * G, 0, G, NULL },
	{ "8T*1024*1024", 8 * G, 0, 1ull << 63, NULL }, /* the largest */
	/* syntax errors */
	{ "", 8 * G, -EINVAL, 0, "empty expression" },
	{ " \t\n", 8 * G, -EINVAL, 0, "empty expression" },
	{ "ram +", 8 * G, -EINVAL, 0, "expected a number, name or '('" },
	{ "min()", 8 * G, -EINVAL, 0, "expected a number, name or '('" },
	{ "min(1G,)", 8 * G, -EINVAL, 0, "expected a number, name or '('" },
	{ "+1G", 8 * G, -EINVAL, 0, "expected a number, name or '('" },
	{ ".5G", 8 * G, -EINVAL, 0, "expected a number, name or '('" },
	{ "min(1G", 8 * G, -EINVAL, 0, "expected ',' or ')'" },
	{ "min(1G 2G)", 8 * G, -EINVAL, 0, "expected ',' or ')'" },
	{ "(1G", 8 * G, -EINVAL, 0, "expected ')'" },
	{ "min 1G", 8 * G, -EINVAL, 0, "expected '('" },
	{ "ram(1G)", 8 * G, -EINVAL, 0, "expected an operator" },
	{ "foo", 8 * G, -EINVAL, 0, "unknown name 'foo'" },
	{ "rma / 2", 8 * G, -EINVAL, 0, "unknown name 'rma'" },
	{ "RAM", 8 * G, -EINVAL, 0, "unknown name 'RAM'" },
	{ "Min(1G)", 8 * G, -EINVAL, 0, "unknown name 'Min'" },
	{ "abcdefghijklmnopqrstuvwxyz", 8 * G, -EINVAL, 0,
	  "unknown name 'abcdefghijklmnopqrstuvwx...'" },
	{ "1Q", 8 * G, -EINVAL, 0, "bad size unit" },
	{ "1P", 8 * G, -EINVAL, 0, "bad size unit" },
	{ "1Gi", 8 * G, -EINVAL, 0, "bad size unit" },
	{ "2ram", 8 * G, -EINVAL, 0, "bad size unit" },
	{ "1e9", 8 * G, -EINVAL, 0, "bad size unit" },
	{ "0x10", 8 * G, -EINVAL, 0, "bad size unit" },
	{ "1 G", 8 * G, -EINVAL, 0, "expected an operator" },
	{ "1G 2G", 8 * G, -EINVAL, 0, "expected an operator" },
	{ "1G)", 8 * G, -EINVAL, 0, "expected an operator" },
	{ "50%%", 8 * G, -EINVAL, 0, "expected an operator" },
	{ "1,5G", 8 * G, -EINVAL, 0, "expected an operator" },
	{ "1.", 8 * G, -EINVAL, 0, "expected a digit after '.'" },
	{ "1.G", 8 * G, -EINVAL, 0, "expected a digit after '.'" },
	{ "0.0000000000000000001", 8 * G, -EINVAL, 0,
	  "too many digits after '.'" },
	/* evaluation errors */
	{ "1/0", 8 * G, -EINVAL, 0, "division by zero" },
	{ "1G / (ram - ram)", 8 * G, -EINVAL, 0, "division by zero" },
	{ "-1G", 8 * G, -EINVAL, 0, "negative size" },
	{ "ram - 2 * ram", 8 * G, -EINVAL, 0, "negative size" },
	{ "99999999T*99999999", 8 * G, -ERANGE, 0, "too large" },
	{ "99999999T*99999999 - 99999999T*99999999", 8 * G, -ERANGE, 0,
	  "too large" },
	{ "8T*1024*1024 + 4K", 8 * G, -ERANGE, 0, "too large" },
	{ "18446744073709551616", 8 * G, -ERANGE, 0, "too large" },
	{ "99999999999999999999999999999", 8 * G, -ERANGE, 0, "too large" },
	{ "ram", UINT64_MAX, -ERANGE, 0, "too large" },
	{ "ram%", T, -ERANGE, 0, "too large" },
	{ "1/0.000000000000000001/0.000000000000000001", 8 * G, -ERANGE, 0,
	  "too large" },
	/* a syntax error wins over the value, the first evaluation error */
	{ "99999999T*99999999 +", 8 * G, -EINVAL, 0,
	  "expected a number, name or '('" },
	{ "1/0 )", 8 * G, -EINVAL, 0, "expected an operator" },
	{ "1/0 + 99999999T*99999999", 8 * G, -EINVAL, 0, "division by zero" },
	{ "99999999T*99999999 + 1/0", 8 * G, -ERANGE, 0, "too large" },
	{ "99999999T*99999999 - 1T", 8 * G, -ERANGE, 0, "too large" },
};

static void test_table(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(eval_cases); i++) {
		const struct eval_case *c = &eval_cases[i];
		const char *why = NULL;
		uint64_t v = 12345;
		int ret = sizeexpr_eval(c->s, c->ram, &v, &why);

		if (c->ret)
			ok(ret == c->ret && v == 12345 && why &&
				   !strcmp(why, c->why),
			   "\"%s\" ram %" PRIu64 ": %d \"%s\" (want %d \"%s\")",
			   show(c->s), c->ram, ret, why ? why : "(null)",
			   c->ret, c->why);
		else
			ok(ret == 0 && v == c->bytes,
			   "\"%s\" ram %" PRIu64 ": %d, %" PRIu64
			   " (want %" PRIu64 ")%s%s",
			   show(c->s), c->ram, ret, v, c->bytes, why ? " " : "",
			   why ? why : "");
	}
}

/* @return @n copies of @open, @mid, @n copies of @close; free it. */
static char *nest(int n, const char *open, const char *mid,
		  const char *close)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
	char *s = malloc(n * (lo + lc) + lm + 1), *p = s;
	int i;

	if (!s)
		bail_out("out of memory");
	for (i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, mid, lm);
	p += lm;
	for (i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static void test_nesting(void)
{
	static const struct nest_case {
		int n;
		const char *open, *mid, *close;
		int ret;
	} cases[] = {
		{ 50, "(", "1G", ")", 0 },
		{ 50, "min(", "1G", ", 2G)", 0 },
		{ 50, "max(1G, ", "2G", ")", 0 },
		{ 63, "(", "1G", ")", 0 }, /* the top level is one more */
		{ 64, "(", "1G", ")", -EINVAL },
		{ 1000, "(", "1", ")", -EINVAL },
		{ 1000, "min(", "1G", ", 2G)", -EINVAL },
		{ 1000, "max(1G, ", "2G", ")", -EINVAL },
		{ 1000, "((", "1", ")", -EINVAL }, /* unbalanced as well */
		{ 100000, "(", "", "", -EINVAL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct nest_case *c = &cases[i];
		char *s = nest(c->n, c->open, c->mid, c->close);
		const char *why = NULL;
		uint64_t v = 12345;
		int ret = sizeexpr_eval(s, 8 * G, &v, &why);

		if (c->ret)
			ok(ret == c->ret && v == 12345 && why &&
				   !strcmp(why, "too deeply nested"),
			   "%d x \"%s\" \"%s\" \"%s\": %d \"%s\"", c->n,
			   c->open, c->mid, c->close, ret,
			   why ? why : "(null)");
		else
			ok(ret == 0 && (v == G || v == 2 * G),
			   "%d x \"%s\" \"%s\" \"%s\": %d, %" PRIu64, c->n,
			   c->open, c->mid, c->close, ret, v);
		free(s);
	}
}

/* Unary minus is a loop, not a recursion: no depth limit applies. */
static void test_minus_run(void)
{
	char *s = nest(100000, "-", "1G", "");
	const char *why = "";
	uint64_t v = 12345;
	int ret;

	ret = sizeexpr_eval(s, 8 * G, &v, NULL);
	ok(ret == 0 && v == G, "100000 x '-' then 1G: %d, %" PRIu64, ret, v);
	ret = sizeexpr_eval(s + 1, 8 * G, &v, &why);
	ok(ret == -EINVAL && !strcmp(why, "negative size"),
	   "99999 x '-' then 1G: %d \"%s\"", ret, why);
	free(s);
}

static void test_contract(void)
{
	const char *why = "untouched";
	uint64_t v = 12345;
	int ret;

	ret = sizeexpr_eval("ram +", 8 * G, &v, NULL);
	ok(ret == -EINVAL && v == 12345, "a NULL why is allowed: %d", ret);
	ret = sizeexpr_eval("1G", 8 * G, &v, &why);
	ok(ret == 0 && v == G && !strcmp(why, "untouched"),
	   "why is left alone on success: %d \"%s\"", ret, why);
	ret = sizeexpr_eval("foo", 8 * G, &v, &why);
	ok(ret == -EINVAL && !strcmp(why, "unknown name 'foo'"),
	   "an unknown name is quoted: %d \"%s\"", ret, why);
	ret = sizeexpr_eval("barbaz", 8 * G, &v, &why);
	ok(ret == -EINVAL && !strcmp(why, "unknown name 'barbaz'"),
	   "and the next one replaces it: %d \"%s\"", ret, why);
}

int main(void)
{
	test_table();
	test_nesting();
	test_minus_run();
	test_contract();
	return tap_done();
}
