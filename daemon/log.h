/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log: the daemon's messages, to stderr in the foreground and to syslog (the
 * journal under systemd) otherwise.  Never allocates; safe from any thread.
 */
#ifndef ZRAMFS_LOG_H
#define ZRAMFS_LOG_H

#include <syslog.h>

/* @foreground: write to stderr instead of syslog. */
void log_init(int foreground);
/* The name messages carry ("zramfsd", "zramfsd-server"); before log_init(),
 * @name a string that lives as long as the process. */
void log_set_ident(const char *name);

__attribute__((format(printf, 2, 3))) void log_msg(int prio, const char *fmt,
						   ...);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

#endif
