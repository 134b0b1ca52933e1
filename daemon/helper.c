// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * helper: a program's standard output through a pipe (see helper.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

int helper_run(const char *path, char *const argv[], void *out,
	       size_t len, size_t *got, int *status)
{
	posix_spawn_file_actions_t fa;
	ssize_t n;
	int p[2], ret;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	ret = posix_spawn_file_actions_init(&fa);
	if (!ret)
		ret = posix_spawn_file_actions_adddup2(&fa, p[1],
						       STDOUT_FILENO);
	if (!ret)
		ret = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (ret) {
		close(p[0]);
		return -ret;
	}
	*got = 0;
	while (*got < len) {
		n = read(p[0], (char *)out + *got, len - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*got += (size_t)n;
	}
	close(p[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
