// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fault: one armed fault point per process (see fault.h).  Arming happens
 * at start-up or in a unit test before the threads that hit points run, so
 * the spec is plain data published by the release store of fault_armed;
 * the hit count is atomic because any thread may hit the point.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

#define FAULT_NAME_MAX 64

enum fault_action { FAULT_KILL, FAULT_ABORT, FAULT_STOP, FAULT_EXIT };

_Atomic int fault_armed;

static char fault_name[FAULT_NAME_MAX];
static unsigned long fault_nth;
static enum fault_action fault_action;
static _Atomic unsigned long fault_hits;
static _Atomic bool fault_done;
static void (*fault_handler)(const char *name);

static int parse_action(const char *s, enum fault_action *a)
{
	static const struct {
		const char *name;
		enum fault_action action;
	} actions[] = {
		{ "kill", FAULT_KILL },
		{ "abort", FAULT_ABORT },
		{ "stop", FAULT_STOP },
		{ "exit", FAULT_EXIT },
	};
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (!strcmp(s, actions[i].name)) {
			*a = actions[i].action;
			return 0;
		}
	}
	return -EINVAL;
}

int fault_arm(const char *spec)
{
	char buf[FAULT_NAME_MAX + 48], *field, *end;
	enum fault_action action = FAULT_KILL;
	unsigned long nth = 1;
	size_t len;

	atomic_store_explicit(&fault_armed, 0, memory_order_relaxed);
	if (!spec || !*spec)
		return 0;
	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, spec);

	field = strchr(buf, ':');
	if (field)
		*field++ = '\0';
	len = strlen(buf);
	if (!len || len >= FAULT_NAME_MAX)
		return -EINVAL;
	while (field) {
		char *next = strchr(field, ':');

		if (next)
			*next++ = '\0';
		if (*field >= '0' && *field <= '9') {
			errno = 0;
			nth = strtoul(field, &end, 10);
			if (errno || *end || !nth || nth == ULONG_MAX)
				return -EINVAL;
		} else if (parse_action(field, &action)) {
			return -EINVAL;
		}
		field = next;
	}

	memcpy(fault_name, buf, len + 1);
	fault_nth = nth;
	fault_action = action;
	atomic_store_explicit(&fault_hits, 0, memory_order_relaxed);
	atomic_store_explicit(&fault_done, false, memory_order_relaxed);
	atomic_store_explicit(&fault_armed, 1, memory_order_release);
	return 0;
}

int fault_init_from_env(void)
{
	return fault_arm(getenv("ZRAMFS_FAULT"));
}

bool fault_fired(void)
{
	return atomic_load_explicit(&fault_done, memory_order_acquire);
}

void fault_set_handler(void (*fn)(const char *name))
{
	fault_handler = fn;
}

void fault_hit(const char *name)
{
	if (!atomic_load_explicit(&fault_armed, memory_order_acquire) ||
	    strcmp(name, fault_name))
		return;
	if (atomic_fetch_add_explicit(&fault_hits, 1, memory_order_relaxed) +
		    1 != fault_nth)
		return;
	atomic_store_explicit(&fault_done, true, memory_order_release);
	if (fault_handler) {
		fault_handler(name);
		return;
	}
	/* One write(2): the log says which point ended the process. */
	dprintf(STDERR_FILENO, "fault point %s fired (hit %lu)\n", name,
		fault_nth);
	switch (fault_action) {
	case FAULT_KILL:
		kill(getpid(), SIGKILL);
		break;
	case FAULT_ABORT:
		abort();
	case FAULT_STOP:
		/* To this thread: it stops (with the whole process) on its
		 * way out of the call.  Sent to the process, the signal may
		 * wake another thread first, and this one would go on past
		 * the point until that one has stopped the group. */
		raise(SIGSTOP);
		return;
	case FAULT_EXIT:
		_exit(70);
	}
	/* SIGKILL is not delivered synchronously to every thread: this one
	 * must not go on past the point either. */
	for (;;)
		pause();
}
