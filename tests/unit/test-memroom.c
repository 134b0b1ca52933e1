// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-memroom: the memory the daemon can still lock, read from small fake
 * trees of proc/ and sys/ (memroom_get()'s @root): cgroup v1 and v2, the
 * levels above the daemon's cgroup, a mount that shows a subtree, escaped
 * mount points, "max", a cgroup over its limit, no memory controller,
 * MemAvailable; and RLIMIT_MEMLOCK with CAP_IPC_LOCK dropped.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memroom.h"
#include "tap.h"

#define M (1ull << 20)
#define UNLIMITED_V1 "9223372036854771712"

static char top[] = "/tmp/zramfs-test-memroom-XXXXXX";
static char root[sizeof(top) + 16];
static unsigned ntree;

/* Starts a fresh tree under top/N: @root points at it. */
static void new_tree(void)
{
	snprintf(root, sizeof(root), "%s/%u", top, ntree++);
	if (mkdir(root, 0700))
		bail_out("mkdir %s: %s", root, strerror(errno));
}

/* Writes @text to @root/@path, making the directories on the way. */
static void put(const char *path, const char *text)
{
	char full[512], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	for (slash = strchr(full + strlen(root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(full, 0700) && errno != EEXIST)
			bail_out("mkdir %s: %s", full, strerror(errno));
		*slash = '/';
	}
	f = fopen(full, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		bail_out("write %s", full);
}

static void v1_cgroup(const char *limit, const char *usage, const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "sys/fs/cgroup/memory%s/memory.limit_in_bytes",
		 dir);
	put(path, limit);
	snprintf(path, sizeof(path), "sys/fs/cgroup/memory%s/memory.usage_in_bytes",
		 dir);
	put(path, usage);
}

static const char v1_mounts[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static struct memroom cgroup_room(void)
{
	struct memroom r = { UINT64_MAX, "nothing" };

	memroom_cgroup(root, &r);
	return r;
}

static void test_v1(void)
{
	struct memroom r;

	new_tree();
	put("proc/self/cgroup", "8:pids:/\n4:memory:/a/b\n1:cpu:/\n0::/\n");
	put("proc/self/mountinfo", v1_mounts);
	v1_cgroup("268435456\n", "10485760\n", "/a/b");
	v1_cgroup(UNLIMITED_V1 "\n", "20971520\n", "/a");
	v1_cgroup(UNLIMITED_V1 "\n", "1073741824\n", "");
	r = cgroup_room();
	ok(r.bytes == 246 * M &&
		   strstr(r.bound, "memory cgroup /sys/fs/cgroup/memory/a/b: "
				   "limit 268435456, usage 10485760"),
	   "v1: the daemon's cgroup: limit less usage (%" PRIu64 ", %s)",
	   r.bytes, r.bound);

	v1_cgroup("104857600\n", "94371840\n", "/a");
	r = cgroup_room();
	ok(r.bytes == 10 * M && strstr(r.bound, "/sys/fs/cgroup/memory/a:"),
	   "v1: a parent with less room bounds it (%" PRIu64 ", %s)", r.bytes,
	   r.bound);

	v1_cgroup("104857600\n", "209715200\n", "/a");
	r = cgroup_room();
	ok(r.bytes == 0, "v1: a cgroup over its limit leaves no room");

	put("proc/self/cgroup", "4:memory:/\n");
	r = cgroup_room();
	ok(r.bytes == 9223372036854771712ull - 1073741824,
	   "v1: the root cgroup, unlimited, bounds little (%" PRIu64 ")",
	   r.bytes);
}

static void test_v1_subtree_and_escapes(void)
{
	struct memroom r;

	/* A container's view: the mount shows /lxc/c1 of the hierarchy, at
	 * a mount point with a blank in its name. */
	new_tree();
	put("proc/self/cgroup", "5:cpuacct,memory:/lxc/c1/app\n");
	put("proc/self/mountinfo",
	    "35 31 0:32 /lxc/c1 /sys/fs/cg\\040mem rw - cgroup cgroup rw,memory,cpuacct\n");
	put("sys/fs/cg mem/app/memory.limit_in_bytes", "134217728\n");
	put("sys/fs/cg mem/app/memory.usage_in_bytes", "33554432\n");
	put("sys/fs/cg mem/memory.limit_in_bytes", "1073741824\n");
	put("sys/fs/cg mem/memory.usage_in_bytes", "1040187392\n");
	r = cgroup_room();
	ok(r.bytes == 32 * M && strstr(r.bound, "/sys/fs/cg mem:"),
	   "v1: a mount of a subtree, a blank in the mount point, a controller "
	   "list (%" PRIu64 ", %s)", r.bytes, r.bound);

	put("proc/self/cgroup", "5:cpuacct,memory:/other/app\n");
	r = cgroup_room();
	ok(r.bytes == UINT64_MAX,
	   "v1: a cgroup outside what the mount shows bounds nothing");
}

static void test_v2(void)
{
	struct memroom r;

	new_tree();
	put("proc/self/cgroup", "0::/system.slice/zramfsd.service\n");
	put("proc/self/mountinfo",
	    "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n");
	put("sys/fs/cgroup/system.slice/zramfsd.service/memory.max", "max\n");
	put("sys/fs/cgroup/system.slice/zramfsd.service/memory.current",
	    "5242880\n");
	put("sys/fs/cgroup/system.slice/memory.max", "1073741824\n");
	put("sys/fs/cgroup/system.slice/memory.current", "104857600\n");
	r = cgroup_room();
	ok(r.bytes == 924 * M &&
		   strstr(r.bound, "/sys/fs/cgroup/system.slice: limit "
				   "1073741824, usage 104857600"),
	   "v2: \"max\" bounds nothing, the parent's memory.max does (%" PRIu64
	   ", %s)", r.bytes, r.bound);

	put("sys/fs/cgroup/system.slice/memory.max", "max\n");
	r = cgroup_room();
	ok(r.bytes == UINT64_MAX, "v2: max all the way up: no bound");

	/* Hybrid: v1 without a memory controller, v2 without memory files. */
	new_tree();
	put("proc/self/cgroup", "4:cpu:/\n0::/x\n");
	put("proc/self/mountinfo",
	    "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
	put("sys/fs/cgroup/unified/x/cgroup.procs", "1\n");
	r = cgroup_room();
	ok(r.bytes == UINT64_MAX,
	   "no memory controller anywhere: no bound (%" PRIu64 ")", r.bytes);
}

static void test_available(void)
{
	struct memroom r = { UINT64_MAX, "nothing" };

	new_tree();
	put("proc/meminfo", "MemTotal:       24683848 kB\n"
			    "MemFree:        24061152 kB\n"
			    "MemAvailable:   24245868 kB\n");
	memroom_available(root, &r);
	ok(r.bytes == 24245868ull * 1024 && strstr(r.bound, "MemAvailable"),
	   "MemAvailable bounds it (%s)", r.bound);
	r.bytes = 1;
	memroom_available(root, &r);
	ok(r.bytes == 1, "a tighter bound found before stays");
}

/* Drops CAP_IPC_LOCK from the effective set. @return 0 or -errno. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static void test_memlock(void)
{
	struct memroom r = { UINT64_MAX, "nothing" };
	struct rlimit rl;
	char want[64];
	int ret;

	new_tree();
	put("proc/self/status", "Name:\ttest\nVmLck:\t    1024 kB\nVmPin:\t0 kB\n");
	ret = drop_ipc_lock();
	if (ret)
		bail_out("cannot drop CAP_IPC_LOCK: %s", strerror(-ret));
	/* A soft limit of 4 MiB, or the hard one if it is lower. */
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		bail_out("getrlimit: %s", strerror(errno));
	rl.rlim_cur = rl.rlim_max < 4 * M ? rl.rlim_max : 4 * M;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		bail_out("setrlimit: %s", strerror(errno));
	memroom_memlock(root, &r);
	snprintf(want, sizeof(want), "RLIMIT_MEMLOCK %llu",
		 (unsigned long long)rl.rlim_cur);
	ok(r.bytes == (rl.rlim_cur > M ? rl.rlim_cur - M : 0) &&
		   strstr(r.bound, want) && strstr(r.bound, "locked 1048576"),
	   "without CAP_IPC_LOCK: RLIMIT_MEMLOCK less VmLck (%" PRIu64 ", %s)",
	   r.bytes, r.bound);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(top))
		bail_out("mkdtemp");
	test_v1();
	test_v1_subtree_and_escapes();
	test_v2();
	test_available();
	test_memlock();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	if (system(cmd) == -1)
		diag("cleanup failed");
	return tap_done();
}
