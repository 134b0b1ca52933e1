// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swapctl: swap.c's blocking calls in a helper process (see swapctl.h).
 * The helper is the daemon's own executable started as zramfsd-swapctl
 * with the operation and its arguments as strings; it writes one struct
 * swapctl_reply on its stdout (a pipe) and exits.  Same binary on both
 * ends, so the reply is plain bytes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fault.h"
#include "helper.h"
#include "swap.h"
#include "swapctl.h"

#define SWAPCTL_NAME "zramfsd-swapctl"

struct swapctl_reply {
	int32_t ret;
	char dev[SWAP_DEV_MAX];
	struct stat st;
};

static bool use_helper;

void swapctl_use_helper(void)
{
	use_helper = true;
}

/* Runs the helper with @argv and waits for it.  @return its result. */
static int run(char *const argv[], struct swapctl_reply *r)
{
	size_t got;
	int status, ret;

	ret = helper_run("/proc/self/exe", argv, r, sizeof(*r), &got,
			 &status);
	if (ret)
		return ret;
	return got == sizeof(*r) ? r->ret : -EIO;
}

int swapctl_loop_attach(const char *path, char *dev, size_t devlen,
			struct stat *file)
{
	char *argv[] = { SWAPCTL_NAME, "loop-attach", (char *)path, NULL };
	struct swapctl_reply r = { 0 };
	int ret;

	if (!use_helper)
		return swap_loop_attach(path, dev, devlen, file);
	if (devlen < SWAP_DEV_MAX)
		return -ENAMETOOLONG;
	ret = run(argv, &r);
	if (ret)
		return ret;
	memcpy(dev, r.dev, SWAP_DEV_MAX);
	dev[SWAP_DEV_MAX - 1] = '\0';
	if (file)
		*file = r.st;
	return 0;
}

int swapctl_loop_detach(const char *dev, const struct stat *file)
{
	char sdev[24], sino[24];
	char *argv[] = { SWAPCTL_NAME, "loop-detach", (char *)dev, sdev, sino,
			 NULL };
	struct swapctl_reply r = { 0 };

	if (!use_helper)
		return swap_loop_detach(dev, file);
	snprintf(sdev, sizeof(sdev), "%" PRIu64, (uint64_t)file->st_dev);
	snprintf(sino, sizeof(sino), "%" PRIu64, (uint64_t)file->st_ino);
	return run(argv, &r);
}

int swapctl_enable(const char *dev, int priority, enum swapopt_discard d)
{
	char sprio[16], sd[16];
	char *argv[] = { SWAPCTL_NAME, "swapon", (char *)dev, sprio, sd,
			 NULL };
	struct swapctl_reply r = { 0 };

	if (!use_helper)
		return swap_enable(dev, priority, d);
	snprintf(sprio, sizeof(sprio), "%d", priority);
	snprintf(sd, sizeof(sd), "%d", (int)d);
	return run(argv, &r);
}

int swapctl_disable(const char *dev)
{
	char *argv[] = { SWAPCTL_NAME, "swapoff", (char *)dev, NULL };
	struct swapctl_reply r = { 0 };

	if (!use_helper)
		return swap_disable(dev);
	return run(argv, &r);
}

int swapctl_main(int argc, char **argv)
{
	struct swapctl_reply r = { .ret = -EINVAL };
	struct stat st = { 0 };
	const char *op = argc > 2 ? argv[1] : "";

	prctl(PR_SET_NAME, SWAPCTL_NAME, 0, 0, 0);
	fault_init_from_env(); /* the server's, if a test armed one */
	/* Its pages could otherwise go out to the very swap it works on;
	 * the server's RLIMIT_MEMLOCK (infinite) and CAP_IPC_LOCK came
	 * along. */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	if (!strcmp(op, "loop-attach") && argc == 3) {
		r.ret = swap_loop_attach(argv[2], r.dev, sizeof(r.dev), &r.st);
	} else if (!strcmp(op, "loop-detach") && argc == 5) {
		st.st_dev = (dev_t)strtoull(argv[3], NULL, 10);
		st.st_ino = (ino_t)strtoull(argv[4], NULL, 10);
		r.ret = swap_loop_detach(argv[2], &st);
	} else if (!strcmp(op, "swapon") && argc == 5) {
		r.ret = swap_enable(argv[2], atoi(argv[3]),
				    (enum swapopt_discard)atoi(argv[4]));
	} else if (!strcmp(op, "swapoff") && argc == 3) {
		FAULT_POINT("swapctl.swapoff");
		r.ret = swap_disable(argv[2]);
	}
	if (write(STDOUT_FILENO, &r, sizeof(r)) != sizeof(r))
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}
