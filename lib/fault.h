/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault: named points where a test can make a zramfsd process die (or stop)
 * at an exact moment, to prove that no stored page is lost when the server
 * dies there (issue 12: "kill it at every critical section you can name").
 *
 * A point is FAULT_POINT("write.armed") in the code.  It costs one relaxed
 * load and a branch while nothing is armed, so it is compiled into every
 * build; a process arms at most one point, from its environment, at start:
 *
 *     ZRAMFS_FAULT=NAME[:N][:ACTION]
 *
 * At the N-th hit (default 1) of point NAME, by any thread, ACTION runs:
 *     kill   SIGKILL to the whole process: a crash with no clean-up (default)
 *     abort  abort(): a crash that dumps core where cores are allowed
 *     stop   SIGSTOP to the whole process: a test resumes it with SIGCONT
 *     exit   _exit(70) from the thread that hit it
 * Hits after the N-th do nothing (a stopped process that is resumed goes on).
 * Unit tests arm points with fault_arm() and may catch them with
 * fault_set_handler() instead (a longjmp out of the engine, say).
 *
 * Only root can set a daemon's environment, and the daemon passes
 * ZRAMFS_FAULT to the first process it starts only (see daemon/holder.c),
 * so a point armed by a test fires once, not in every restarted server.
 */
#ifndef ZRAMFS_FAULT_H
#define ZRAMFS_FAULT_H

#include <stdatomic.h>
#include <stdbool.h>

/* Nonzero while a point is armed.  Read through FAULT_POINT() only. */
extern _Atomic int fault_armed;

void fault_hit(const char *name);

#define FAULT_POINT(name)                                                   \
	do {                                                                \
		if (__builtin_expect(atomic_load_explicit(                  \
					     &fault_armed,                  \
					     memory_order_relaxed), 0))     \
			fault_hit(name);                                    \
	} while (0)

/*
 * Arms the point @spec names ("NAME[:N][:ACTION]" as above), replacing any
 * armed one; NULL or "" disarms.
 * @return 0, or -EINVAL for a malformed spec (nothing armed then).
 */
int fault_arm(const char *spec);

/* Arms what ZRAMFS_FAULT says, if set.  @return as fault_arm(). */
int fault_init_from_env(void);

/* @return true once the armed point has fired (for tests). */
bool fault_fired(void);

/*
 * For unit tests: @fn runs instead of ACTION when the point fires (it may
 * longjmp away).  NULL restores the actions.
 */
void fault_set_handler(void (*fn)(const char *name));

#endif
