// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * size: strict parsing and printing of byte sizes (see size.h).
 *
 * Parsing is deliberately narrow, because its input comes from attribute
 * writes and configuration files, where a typo must fail rather than
 * become a surprising size: digits, then at most one unit letter (K, M,
 * G, T: powers of 1024) with an optional "iB" or "B", or a bare "B" for
 * bytes.  Blanks may surround it and one newline may end it (what `echo 1G
 * > disksize` writes).  Signs, fractions, hex, blanks between number and
 * unit and decimal (1000-based) units are all errors.
 *
 * The command line follows util-linux instead (size_parse_ul()), since
 * zramfsctl is zramctl for zramfsd: there "512MB" is 512,000,000 bytes and
 * "1.5G" is a size, as zramctl and every util-linux tool read them.  That
 * parser is exact where util-linux's strtosize() rounds each digit of a
 * fraction, and refuses what strtoumax() would read as something other than
 * a decimal number.
 *
 * Printing follows util-linux's size_to_human_string() as zramctl uses it:
 * the largest unit the value reaches, one decimal rounded half up and left
 * out when it is 0 ("1.5G", "1G", "4K", "1000B").  Unlike zramctl it always
 * uses '.', whatever the locale, since attribute contents must not change
 * with the reader's environment.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

#define SIZE_PAGE 4096u

/* Units in increasing order; unit i is 1024^i bytes. */
static const char size_units[] = "BKMGTPE";

static const char *size_skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* @return 0 if @s is only blanks, then at most one newline, then the end. */
static int size_check_end(const char *s)
{
	s = size_skip_blanks(s);
	if (*s == '\n')
		s++;
	return *s ? -EINVAL : 0;
}

/*
 * Parses the leading digits of @s (no sign, no blank first).
 * @return 0 and the value, -EINVAL, or -ERANGE; *@end is past the digits
 *         in both of the last two cases, so that the caller can still tell
 *         a malformed string (-EINVAL wins) from a number too large.
 */
static int size_digits(const char *s, uint64_t *val, const char **end)
{
	unsigned long long v;
	char *e;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, 10);
	*end = e;
	if (errno)
		return -ERANGE; /* the only error left after the digit check */
	*val = v;
	return 0;
}

int size_parse(const char *s, uint64_t *out)
{
	const char *unit;
	uint64_t v = 0;
	int shift = 0, ret, range;

	range = size_digits(size_skip_blanks(s), &v, &s);
	if (range == -EINVAL)
		return range;
	/* A unit letter: K, M, G or T (P and E are not accepted). */
	unit = *s ? memchr(size_units + 1, toupper((unsigned char)*s), 4) :
		    NULL;
	if (unit) {
		shift = 10 * (int)(unit - size_units);
		s++;
		if (!strncmp(s, "iB", 2))
			s += 2;
		else if (*s == 'B')
			s++;
	} else if (*s == 'B') {
		s++;
	}
	ret = size_check_end(s);
	if (ret)
		return ret;
	if (range || v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int size_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int ret, range;

	range = size_digits(size_skip_blanks(s), &v, &s);
	if (range == -EINVAL)
		return range;
	ret = size_check_end(s);
	if (ret)
		return ret;
	if (range || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* The units of size_parse_ul() in increasing order: unit i is base^(i+1).
 * Lower case is util-linux's, for K to E only. */
static const char ul_units[] = "KMGTPEZY";
static const char ul_units_lower[] = "kmgtpe";

/* Parses the leading decimal digits of @s into *@val (-ERANGE past 64
 * bits, still counting them).  @return the number of digits. */
static size_t size_ul_digits(const char *s, uint64_t *val, int *range)
{
	size_t n;

	*val = 0;
	for (n = 0; isdigit((unsigned char)s[n]); n++) {
		unsigned d = (unsigned)(s[n] - '0');

		if (*val > (UINT64_MAX - d) / 10)
			*range = -ERANGE;
		else
			*val = *val * 10 + d;
	}
	return n;
}

/*
 * floor(0.F * @mult) for the fraction digits F (@n of them) at @f, @mult at
 * most 1024^6: from the last digit to the first, t = (digit * mult + t) / 10
 * stays below @mult, and rounding down at each step rounds the sum down.
 */
static uint64_t size_ul_fraction(const char *f, size_t n, uint64_t mult)
{
	uint64_t t = 0;

	while (n--)
		t = ((uint64_t)(f[n] - '0') * mult + t) / 10;
	return t;
}

int size_parse_ul(const char *s, uint64_t *out)
{
	const char *p, *frac = NULL, *u;
	uint64_t whole, mult = 1, base = 1024, part = 0;
	size_t nint, nfrac = 0;
	int power = 0, range = 0, zero;

	nint = size_ul_digits(s, &whole, &range);
	/* "010" is octal to util-linux: refused rather than read otherwise. */
	if (!nint || (s[0] == '0' && nint > 1))
		return -EINVAL;
	p = s + nint;
	if (*p == '.') {
		frac = p + 1;
		nfrac = strspn(frac, "0123456789");
		if (!nfrac)
			return -EINVAL;
		p = frac + nfrac;
	}
	if (*p) {
		if ((u = strchr(ul_units, *p)))
			power = (int)(u - ul_units) + 1;
		else if ((u = strchr(ul_units_lower, *p)))
			power = (int)(u - ul_units_lower) + 1;
		else
			return -EINVAL;
		p++;
		if (p[0] == 'i' && (p[1] == 'B' || p[1] == 'b')) {
			p += 2;
		} else if (*p == 'B' || *p == 'b') {
			base = 1000;
			p++;
		}
		if (*p)
			return -EINVAL;
	} else if (frac) {
		return -EINVAL; /* a fraction of a byte */
	}
	if (range)
		return range;

	zero = !whole && (!frac || strspn(frac, "0") == nfrac);
	while (power--) {
		if (mult > UINT64_MAX / base) { /* Z and Y: only 0 fits */
			if (!zero)
				return -ERANGE;
			*out = 0;
			return 0;
		}
		mult *= base;
	}
	if (whole > UINT64_MAX / mult)
		return -ERANGE;
	if (frac)
		part = size_ul_fraction(frac, nfrac, mult);
	if (whole * mult > UINT64_MAX - part)
		return -ERANGE;
	*out = whole * mult + part;
	return 0;
}

int size_format(uint64_t bytes, char *buf, size_t size)
{
	uint64_t whole, frac, tenths;
	int exp = 0;

	while (exp < 60 && bytes >= (uint64_t)1 << (exp + 10))
		exp += 10;
	whole = bytes >> exp;
	frac = exp ? bytes & (((uint64_t)1 << exp) - 1) : 0;

	/* frac / 2^exp in thousandths, then tenths rounded half up */
	if (frac >= UINT64_MAX / 1000)
		frac = frac / 1024 * 1000 >> (exp - 10);
	else
		frac = frac * 1000 >> exp;
	tenths = (frac + 50) / 100;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}

	if (tenths)
		return snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%c", whole,
				tenths, size_units[exp / 10]);
	return snprintf(buf, size, "%" PRIu64 "%c", whole,
			size_units[exp / 10]);
}

uint64_t size_page_align(uint64_t bytes)
{
	if (bytes > UINT64_MAX - (SIZE_PAGE - 1))
		return UINT64_MAX & ~(uint64_t)(SIZE_PAGE - 1);
	return (bytes + SIZE_PAGE - 1) & ~(uint64_t)(SIZE_PAGE - 1);
}
