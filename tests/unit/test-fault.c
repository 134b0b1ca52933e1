// SPDX-License-Identifier: GPL-2.0-or-later
/* fault: specs parse, the N-th hit fires once, a handler catches it, and a
 * point armed with "exit" ends a child process at exactly that hit. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "tap.h"

static jmp_buf caught;
static const char *caught_name;

static void catch_point(const char *name)
{
	caught_name = name;
	longjmp(caught, 1);
}

/* @return the hit (1-based) of "p" that fired within @hits hits, else 0. */
static int hits_until_fired(int hits)
{
	volatile int i;

	caught_name = NULL;
	for (i = 1; i <= hits; i++) {
		if (setjmp(caught))
			return i;
		FAULT_POINT("other");
		FAULT_POINT("p");
	}
	return 0;
}

int main(void)
{
	static const char *const bad[] = {
		":3", "p:0", "p:x", "p:3:bogus", "p:-1", "p:3x",
		"a-name-far-longer-than-the-sixty-four-bytes-a-point-name-may-take",
	};
	pid_t pid;
	size_t i;
	int status;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(fault_arm(bad[i]) == -EINVAL && !fault_armed,
		   "%s is refused and arms nothing", tap_show(bad[i]));

	fault_set_handler(catch_point);
	ok(fault_arm("p") == 0 && hits_until_fired(5) == 1 &&
		   caught_name && !strcmp(caught_name, "p"),
	   "p fires at its first hit, and only p");
	ok(hits_until_fired(5) == 0 && fault_fired(),
	   "and never again (fault_fired() says it did)");
	ok(fault_arm("p:3:stop") == 0 && !fault_fired() &&
		   hits_until_fired(5) == 3,
	   "p:3:stop fires at the third hit");
	ok(fault_arm("p:2") == 0 && fault_arm(NULL) == 0 &&
		   hits_until_fired(5) == 0,
	   "disarming leaves every point silent");
	fault_set_handler(NULL);

	setenv("ZRAMFS_FAULT", "p:4:exit", 1);
	pid = fork();
	if (pid == 0) {
		if (fault_init_from_env())
			_exit(1);
		hits_until_fired(3);
		if (fault_fired())
			_exit(2);
		hits_until_fired(1);
		_exit(3);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid &&
		   WIFEXITED(status) && WEXITSTATUS(status) == 70,
	   "ZRAMFS_FAULT=p:4:exit ends the process at the fourth hit");

	setenv("ZRAMFS_FAULT", "p", 1);
	pid = fork();
	if (pid == 0) {
		fault_init_from_env();
		hits_until_fired(1);
		_exit(3);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid &&
		   WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "the default action is SIGKILL");
	return tap_done();
}
