// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sizeexpr: evaluation of the size expressions of zramfsd.conf (see
 * sizeexpr.h for the grammar).
 *
 * A recursive-descent parser that evaluates as it parses, one function per
 * rule of the grammar.  It is not a general calculator: there is no unary
 * plus, no exponent, no hex and no implicit multiplication ("2ram"), and a
 * number's unit is what size_parse() accepts (K, M, G or T in either case
 * with an optional "iB" or "B", or a bare "B"), written right after the
 * number.  Names are case-sensitive.
 *
 * Arithmetic is in long double, so that fractions ("1.5G", "ram * 0.75",
 * "ram / 3") need no special case: on x86 it is exact for every integer up
 * to 2^64, and where long double is only a double its error is still far
 * below a page for the sizes of real machines.  Every intermediate result
 * must stay within +-2^64, so that no value ever becomes infinite or NaN,
 * and the final one within 2^63.  That is rounded to the nearest byte,
 * which absorbs the error of fractions that binary cannot represent
 * (10G * 0.1 is exactly 1G) and makes a result like -0.25 count as 0, and
 * then up to a whole page.
 *
 * A syntax error stops the parse at once.  An evaluation error (overflow,
 * division by zero) is remembered and the parse goes on, so that a
 * malformed expression is reported as malformed whatever its value, as
 * size_parse() does.  Nesting is limited, which bounds the recursion.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "array_size.h"
#include "size.h"
#include "sizeexpr.h"

/* Parentheses and min()/max() nested deeper than this are refused. */
#define SX_DEPTH_MAX 64
/* More fraction digits than this cannot matter for a size. */
#define SX_FRAC_DIGITS_MAX 18
/* The bound of every intermediate result (2^64) and of the result (2^63). */
#define SX_LIMIT      18446744073709551616.0L
#define SX_RESULT_MAX 9223372036854775808.0L
/* The longest name quoted in "unknown name '...'". */
#define SX_NAME_QUOTE_MAX 24

struct sx {
	const char *s;        /* the next character to read */
	long double ram;      /* the value of "ram" */
	int depth;            /* of sx_expr() calls in progress */
	const char *why;      /* of the syntax error */
	int eval_err;         /* the first evaluation error, or 0 */
	const char *eval_why; /* and its reason */
};

typedef long double (*sx_pick_fn)(long double a, long double b);

static long double sx_min(long double a, long double b)
{
	return b < a ? b : a;
}

static long double sx_max(long double a, long double b)
{
	return b > a ? b : a;
}

static const struct sx_func {
	const char *name;
	sx_pick_fn pick;
} sx_funcs[] = {
	{ "min", sx_min },
	{ "max", sx_max },
};

/* Unit letters; "KMGT"[i] and "kmgt"[i] are 1024^(i + 1) bytes. */
static const char sx_units[] = "KMGTkmgt";

/*
 * The "unknown name" reason quotes the name, so it cannot be a literal: it
 * is kept per thread, until the thread's next sizeexpr_eval().
 */
static _Thread_local char sx_name_why[sizeof("unknown name '...'") +
				      SX_NAME_QUOTE_MAX];

static int sx_expr(struct sx *p, long double *v);

static int sx_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int sx_is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int sx_is_name_char(char c)
{
	return sx_is_name_start(c) || sx_is_digit(c);
}

static void sx_skip_blanks(struct sx *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' ||
	       *p->s == '\r')
		p->s++;
}

/* @return -EINVAL, after noting @why as the reason of the syntax error. */
static int sx_syntax(struct sx *p, const char *why)
{
	p->why = why;
	return -EINVAL;
}

/* Notes an evaluation error unless one came first; @return 0 to go on. */
static long double sx_fail(struct sx *p, int err, const char *why)
{
	if (!p->eval_err) {
		p->eval_err = err;
		p->eval_why = why;
	}
	return 0;
}

/* @return @v if it is within bounds (and not NaN), else 0 and an error. */
static long double sx_check(struct sx *p, long double v)
{
	if (!(v >= -SX_LIMIT && v <= SX_LIMIT))
		return sx_fail(p, -ERANGE, "too large");
	return v;
}

/*
 * NUMBER SUFFIX?: digits, optionally '.' and digits, then optionally a
 * unit.  The digits are read as one integer (mant) and a power of ten
 * (scale), so that "1.5G" is 15 * 2^30 / 10, exact.
 */
static int sx_number(struct sx *p, long double *v)
{
	long double mant = 0, scale = 1, unit = 1;
	int frac_digits = 0, big = 0, shift;
	const char *u;

	while (sx_is_digit(*p->s)) {
		if (!big)
			mant = mant * 10 + (*p->s - '0');
		if (mant > SX_LIMIT)
			big = 1; /* stop before it grows to infinity */
		p->s++;
	}
	if (*p->s == '.') {
		p->s++;
		if (!sx_is_digit(*p->s))
			return sx_syntax(p, "expected a digit after '.'");
		while (sx_is_digit(*p->s)) {
			if (++frac_digits > SX_FRAC_DIGITS_MAX)
				return sx_syntax(p,
						 "too many digits after '.'");
			mant = mant * 10 + (*p->s - '0');
			scale *= 10;
			p->s++;
		}
	}

	u = *p->s ? memchr(sx_units, *p->s, sizeof(sx_units) - 1) : NULL;
	if (u) {
		shift = 10 * ((int)(u - sx_units) % 4 + 1);
		unit = (long double)((uint64_t)1 << shift);
		p->s++;
		if (!strncmp(p->s, "iB", 2))
			p->s += 2;
		else if (*p->s == 'B')
			p->s++;
	} else if (*p->s == 'B') {
		p->s++;
	}
	if (sx_is_name_char(*p->s))
		return sx_syntax(p, "bad size unit");

	*v = big ? sx_fail(p, -ERANGE, "too large") :
		   sx_check(p, mant * unit / scale);
	return 0;
}

/* ('min'|'max') '(' expr (',' expr)* ')', after the name. */
static int sx_call(struct sx *p, const struct sx_func *f, long double *v)
{
	long double arg;
	int ret;

	sx_skip_blanks(p);
	if (*p->s != '(')
		return sx_syntax(p, "expected '('");
	p->s++;
	ret = sx_expr(p, v);
	if (ret)
		return ret;
	for (;;) {
		sx_skip_blanks(p);
		if (*p->s == ')')
			break;
		if (*p->s != ',')
			return sx_syntax(p, "expected ',' or ')'");
		p->s++;
		ret = sx_expr(p, &arg);
		if (ret)
			return ret;
		*v = f->pick(*v, arg);
	}
	p->s++;
	return 0;
}

/* "ram" or a function call. */
static int sx_name(struct sx *p, long double *v)
{
	const char *name = p->s;
	size_t len, i;

	while (sx_is_name_char(*p->s))
		p->s++;
	len = (size_t)(p->s - name);

	if (len == 3 && !memcmp(name, "ram", 3)) {
		*v = p->ram;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(sx_funcs); i++) {
		if (strlen(sx_funcs[i].name) == len &&
		    !memcmp(name, sx_funcs[i].name, len))
			return sx_call(p, &sx_funcs[i], v);
	}

	snprintf(sx_name_why, sizeof(sx_name_why), "unknown name '%.*s%s'",
		 (int)(len > SX_NAME_QUOTE_MAX ? SX_NAME_QUOTE_MAX : len), name,
		 len > SX_NAME_QUOTE_MAX ? "..." : "");
	return sx_syntax(p, sx_name_why);
}

/* primary := NUMBER SUFFIX? | name | '(' expr ')' */
static int sx_primary(struct sx *p, long double *v)
{
	int ret;

	sx_skip_blanks(p);
	if (sx_is_digit(*p->s))
		return sx_number(p, v);
	if (sx_is_name_start(*p->s))
		return sx_name(p, v);
	if (*p->s != '(')
		return sx_syntax(p, "expected a number, name or '('");
	p->s++;
	ret = sx_expr(p, v);
	if (ret)
		return ret;
	sx_skip_blanks(p);
	if (*p->s != ')')
		return sx_syntax(p, "expected ')'");
	p->s++;
	return 0;
}

/* postfix := primary '%'? */
static int sx_postfix(struct sx *p, long double *v)
{
	int ret;

	ret = sx_primary(p, v);
	if (ret)
		return ret;
	sx_skip_blanks(p);
	if (*p->s == '%') {
		p->s++;
		*v = sx_check(p, *v * p->ram / 100);
	}
	return 0;
}

/* unary := '-' unary | postfix; a loop, so that "----1" costs no depth. */
static int sx_unary(struct sx *p, long double *v)
{
	int neg = 0, ret;

	for (;;) {
		sx_skip_blanks(p);
		if (*p->s != '-')
			break;
		neg = !neg;
		p->s++;
	}
	ret = sx_postfix(p, v);
	if (ret)
		return ret;
	if (neg)
		*v = -*v;
	return 0;
}

/* term := unary (('*'|'/') unary)* */
static int sx_term(struct sx *p, long double *v)
{
	long double b;
	char op;
	int ret;

	ret = sx_unary(p, v);
	while (!ret) {
		sx_skip_blanks(p);
		op = *p->s;
		if (op != '*' && op != '/')
			break;
		p->s++;
		ret = sx_unary(p, &b);
		if (ret)
			break;
		if (op == '*')
			*v = sx_check(p, *v * b);
		else if (b == 0)
			*v = sx_fail(p, -EINVAL, "division by zero");
		else
			*v = sx_check(p, *v / b);
	}
	return ret;
}

/* expr := term (('+'|'-') term)* */
static int sx_expr(struct sx *p, long double *v)
{
	long double b;
	char op;
	int ret;

	if (++p->depth > SX_DEPTH_MAX)
		return sx_syntax(p, "too deeply nested");
	ret = sx_term(p, v);
	while (!ret) {
		sx_skip_blanks(p);
		op = *p->s;
		if (op != '+' && op != '-')
			break;
		p->s++;
		ret = sx_term(p, &b);
		if (ret)
			break;
		*v = sx_check(p, op == '+' ? *v + b : *v - b);
	}
	p->depth--;
	return ret;
}

/* @return 0 and the value of the whole of @p's string, or -errno. */
static int sx_parse(struct sx *p, long double *v)
{
	int ret;

	sx_skip_blanks(p);
	if (!*p->s)
		return sx_syntax(p, "empty expression");
	ret = sx_expr(p, v);
	if (ret)
		return ret;
	sx_skip_blanks(p);
	if (*p->s)
		return sx_syntax(p, "expected an operator");
	if (p->eval_err) {
		p->why = p->eval_why;
		return p->eval_err;
	}
	return 0;
}

int sizeexpr_eval(const char *s, uint64_t ram, uint64_t *out,
		  const char **why)
{
	struct sx p = { .s = s, .ram = (long double)ram };
	long double v;
	int ret;

	ret = sx_parse(&p, &v);
	if (!ret && v + 0.5L < 0)
		ret = sx_syntax(&p, "negative size");
	if (!ret && v > SX_RESULT_MAX) {
		p.why = "too large";
		ret = -ERANGE;
	}
	if (ret) {
		if (why)
			*why = p.why;
		return ret;
	}
	/*
	 * 0 <= v + 0.5 <= 2^63 + 0.5, so the conversion is defined, and
	 * rounding up to a page cannot saturate.
	 */
	*out = size_page_align((uint64_t)(v + 0.5L));
	return 0;
}
