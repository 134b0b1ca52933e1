/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tap: a minimal Test Anything Protocol writer for the unit tests, read by
 * automake's tap-driver.sh.  ok() records one result; tap_done() prints the
 * plan and returns the exit status.  A test that fails prints a diagnostic
 * with the file and line.
 */
#ifndef ZRAMFS_TAP_H
#define ZRAMFS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "array_size.h"

static unsigned tap_count, tap_failed;

__attribute__((format(printf, 4, 5))) static inline int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %u - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("# failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define diag(...)                                                        \
	do {                                                             \
		printf("# ");                                            \
		printf(__VA_ARGS__);                                     \
		printf("\n");                                            \
		fflush(stdout);                                          \
	} while (0)

/* Aborts the test run: the rest cannot be meaningful. */
#define bail_out(...)                                                    \
	do {                                                             \
		printf("Bail out! ");                                    \
		printf(__VA_ARGS__);                                     \
		printf("\n");                                            \
		exit(1);                                                 \
	} while (0)

/* @s with newlines and tabs made visible, for one line of TAP output.
 * The result lives in one of four rotating buffers. */
static inline const char *tap_show(const char *s)
{
	static char bufs[4][128];
	static unsigned int next;
	char *b = bufs[next++ % 4], *p = b;

	if (!s)
		return "(null)";
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

static inline int tap_done(void)
{
	printf("1..%u\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
