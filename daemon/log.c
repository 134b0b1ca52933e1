// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log: stderr in the foreground, syslog otherwise.  Messages are formatted
 * into a stack buffer and written with one call, so lines from different
 * threads never interleave and nothing is allocated while the machine may
 * be short of memory.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int to_stderr = 1;
static const char *ident = "zramfsd";

void log_set_ident(const char *name)
{
	ident = name;
}

void log_init(int foreground)
{
	to_stderr = foreground;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_msg(int prio, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = 0;

	if (to_stderr)
		n = snprintf(buf, sizeof(buf), "%s: ", ident);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (!to_stderr) {
		syslog(prio, "%s", buf);
		return;
	}
	n = strlen(buf);
	if (n < (int)sizeof(buf) - 1)
		buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* Nowhere left to report it. */
	}
}
