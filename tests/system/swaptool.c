// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swaptool: a command-line driver for swap.c and priv.c, for swap-loop.sh.
 *
 *   swaptool mkhdr FILE             write a swap header to page 0, print UUID
 *   swaptool attach FILE            attach a loop device, print its path
 *   swaptool on DEV PRIO DISCARD    swap_enable()
 *   swaptool off DEV                swap_disable()
 *   swaptool detach DEV FILE        swap_loop_detach(), if DEV is on FILE
 *   swaptool active DEV             exit 0 if DEV is active swap, else 1
 *   swaptool caps                   check priv.c's capability handling
 *   swaptool memlock                check priv_lock_memory() without
 *                                   CAP_SYS_RESOURCE
 *
 * Each subcommand is one call into the module, so the script checks the
 * module and not this tool.  Errors go to stderr as "swaptool: what: why";
 * the exit status is 0 on success, 1 on failure, 2 on bad usage.  "caps"
 * changes only this process: it never calls swapon(2) on anything real.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array_size.h"
#include "priv.h"
#include "swap.h"
#include "swapopt.h"

static int fail(const char *what, const char *arg, int err)
{
	fprintf(stderr, "swaptool: %s %s: %s\n", what, arg, strerror(-err));
	return 1;
}

static int cmd_mkhdr(char **argv)
{
	unsigned char page[SWAP_PAGE_SIZE], uuid[16];
	struct stat st;
	int fd, err, i;

	fd = open(argv[0], O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return fail("open", argv[0], -errno);
	err = swap_make_uuid(uuid);
	if (!err)
		err = swap_make_header(page, (uint64_t)st.st_size, uuid);
	if (!err && pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page))
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		return fail("mkhdr", argv[0], err);
	for (i = 0; i < 16; i++)
		printf("%s%02x",
		       i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "",
		       uuid[i]);
	printf("\n");
	return 0;
}

static int cmd_attach(char **argv)
{
	char dev[SWAP_DEV_MAX];
	int err = swap_loop_attach(argv[0], dev, sizeof(dev), NULL);

	if (err)
		return fail("attach", argv[0], err);
	printf("%s\n", dev);
	return 0;
}

static int cmd_on(char **argv)
{
	enum swapopt_discard d;
	int prio, err;

	err = swapopt_priority_parse(argv[1], &prio);
	if (err)
		return fail("priority", argv[1], err);
	err = swapopt_discard_parse(argv[2], &d);
	if (err)
		return fail("discard", argv[2], err);
	err = swap_enable(argv[0], prio, d);
	return err ? fail("on", argv[0], err) : 0;
}

static int cmd_off(char **argv)
{
	int err = swap_disable(argv[0]);

	return err ? fail("off", argv[0], err) : 0;
}

static int cmd_detach(char **argv)
{
	struct stat st;
	int err;

	if (stat(argv[1], &st) < 0)
		return fail("stat", argv[1], -errno);
	err = swap_loop_detach(argv[0], &st);
	return err ? fail("detach", argv[0], err) : 0;
}

static int cmd_active(char **argv)
{
	return swap_is_active(argv[0]) ? 0 : 1;
}

/* ---- caps -------------------------------------------------------------- */

static int caps_failed;

static void check(int cond, const char *what)
{
	printf("%s: %s\n", cond ? "ok" : "FAILED", what);
	caps_failed += !cond;
}

/* @return whether the calling thread's sets are exactly @text. */
static int thread_caps_are(const char *text)
{
	cap_t now = cap_get_proc(), want = cap_from_text(text);
	int same = now && want && cap_compare(now, want) == 0;

	cap_free(now);
	cap_free(want);
	return same;
}

/*
 * swapon(2) checks CAP_SYS_ADMIN before it looks at its path, so a missing
 * path tells the two apart without touching any swap: EPERM without the
 * capability, ENOENT with it.
 */
static int swapon_errno(void)
{
	return swapon("/nonexistent/zramfs-swaptool", 0) < 0 ? errno : 0;
}

static void *grandchild(void *arg)
{
	(void)arg;
	check(thread_caps_are("cap_ipc_lock=ep"),
	      "a thread created after the drop has only cap_ipc_lock");
	return NULL;
}

/* The FUSE loop thread: drops everything, then its workers start. */
static void *unprivileged(void *arg)
{
	pthread_t t;

	(void)arg;
	check(priv_drop_thread_caps() == 0, "priv_drop_thread_caps");
	/* CAP_IPC_LOCK stays: with mlockall(MCL_FUTURE) in force, the new
	 * thread's stack below is locked and would exceed RLIMIT_MEMLOCK
	 * without it. */
	check(thread_caps_are("cap_ipc_lock=ep"),
	      "the dropping thread keeps only cap_ipc_lock");
	check(swapon_errno() == EPERM,
	      "swapon(2) without the capability: EPERM");
	if (pthread_create(&t, NULL, grandchild, NULL) == 0)
		pthread_join(t, NULL);
	else
		check(0, "pthread_create");
	return NULL;
}

static int cmd_caps(char **argv)
{
	static const cap_value_t keep[] = {CAP_SYS_ADMIN, CAP_IPC_LOCK};
	static const cap_value_t gone[] = {CAP_SYS_ADMIN, CAP_NET_ADMIN};
	static const cap_value_t bad[] = {CAP_LAST_CAP + 1};
	pthread_t t;
	int err;

	(void)argv;
	/* Report, do not require: they need CAP_SYS_RESOURCE. */
	err = priv_lock_memory();
	printf("info: priv_lock_memory: %s\n", strerror(-err));
	check(err == 0 || err == -EPERM, "priv_lock_memory is 0 or -EPERM");
	err = priv_set_io_flusher();
	printf("info: priv_set_io_flusher: %s\n", strerror(-err));
	check(err == 0 ? prctl(58 /* PR_GET_IO_FLUSHER */, 0, 0, 0, 0) == 1
		       : err == -EPERM,
	      "priv_set_io_flusher is 0 (and set) or -EPERM");

	check(priv_set_oom_score_adj(1001) == -EINVAL, "oom_score_adj 1001");
	check(priv_set_oom_score_adj(100) == 0, "oom_score_adj 100");
	check(priv_no_new_privs() == 0 &&
		      prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1,
	      "priv_no_new_privs");

	check(priv_keep_only(bad, 1) == -EINVAL, "an unknown capability");
	check(priv_keep_only(keep, 2) == 0,
	      "priv_keep_only(CAP_SYS_ADMIN, CAP_IPC_LOCK)");
	check(thread_caps_are("cap_ipc_lock,cap_sys_admin=ep"),
	      "only cap_sys_admin and cap_ipc_lock left");
	check(priv_keep_only(gone, 2) == -EPERM, "it cannot add a capability");

	if (pthread_create(&t, NULL, unprivileged, NULL) == 0)
		pthread_join(t, NULL);
	else
		check(0, "pthread_create");

	check(thread_caps_are("cap_ipc_lock,cap_sys_admin=ep"),
	      "the privileged thread still has cap_sys_admin");
	check(swapon_errno() == ENOENT, "swapon(2) with it gets past EPERM");
	return caps_failed ? 1 : 0;
}

/* @return the memory the process has locked, in kB (VmLck), or -1. */
static long locked_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * In a child: a finite RLIMIT_MEMLOCK (its hard limit, or 64 MiB if that is
 * infinite), which cannot be raised without CAP_SYS_RESOURCE, and only the
 * capabilities @keep (@n of them); then priv_lock_memory().
 * @return its result, or 1 if the set-up failed; VmLck after it in *@kb.
 */
static int lock_memory_with(const cap_value_t *keep, int n, long *kb)
{
	int pipefd[2], status, ret = 1;
	struct rlimit rl;
	long res[2] = { 1, -1 };
	pid_t pid;

	if (pipe(pipefd) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
			_exit(1);
		if (rl.rlim_max == RLIM_INFINITY)
			rl.rlim_max = 64 << 20;
		rl.rlim_cur = rl.rlim_max;
		if (!setrlimit(RLIMIT_MEMLOCK, &rl) && !priv_keep_only(keep, n)) {
			res[0] = priv_lock_memory();
			res[1] = locked_kb();
		}
		if (write(pipefd[1], res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (pid > 0 && read(pipefd[0], res, sizeof(res)) == sizeof(res))
		ret = (int)res[0];
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	*kb = res[1];
	return ret;
}

/*
 * priv_lock_memory() when RLIMIT_MEMLOCK cannot be raised: it locks anyway
 * with CAP_IPC_LOCK, which makes the limit not apply, and refuses to lock
 * anything without it, even where the limit is large enough for the
 * process as it is (later allocations would fail at it).
 */
static int cmd_memlock(char **argv)
{
	static const cap_value_t ipc_lock[] = { CAP_IPC_LOCK };
	long kb;
	int err;

	(void)argv;
	err = lock_memory_with(ipc_lock, ARRAY_SIZE(ipc_lock), &kb);
	check(err == 0 && kb > 0,
	      "without CAP_SYS_RESOURCE, with CAP_IPC_LOCK: locked");
	printf("info: %d, VmLck %ld kB\n", err, kb);
	err = lock_memory_with(NULL, 0, &kb);
	check(err == -EPERM && kb == 0,
	      "without CAP_SYS_RESOURCE and CAP_IPC_LOCK: -EPERM, nothing "
	      "locked");
	printf("info: %d, VmLck %ld kB\n", err, kb);
	return caps_failed ? 1 : 0;
}

static const struct {
	const char *name;
	int argc;
	int (*fn)(char **argv);
} commands[] = {
	{"mkhdr", 1, cmd_mkhdr},   {"attach", 1, cmd_attach},
	{"on", 3, cmd_on},	   {"off", 1, cmd_off},
	{"detach", 2, cmd_detach}, {"active", 1, cmd_active},
	{"caps", 0, cmd_caps},	   {"memlock", 0, cmd_memlock},
};

int main(int argc, char **argv)
{
	size_t i;
	int ret;

	for (i = 0; argc >= 2 && i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name) == 0 &&
		    argc - 2 == commands[i].argc) {
			ret = commands[i].fn(argv + 2);
			if (fflush(stdout) != 0 || ferror(stdout))
				return 1;
			return ret;
		}
	}
	fprintf(stderr, "usage: swaptool mkhdr|attach FILE | on DEV PRIO "
			"DISCARD | off|active DEV | detach DEV FILE | caps\n");
	return 2;
}
