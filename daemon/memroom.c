// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memroom: the memory the daemon can still lock (see memroom.h).
 *
 * Finding the cgroup directory: /proc/self/cgroup names the cgroup of each
 * hierarchy relative to the hierarchy's root ("4:memory:/a/b" for v1,
 * "0::/a/b" for v2); /proc/self/mountinfo says where that hierarchy is
 * mounted and which of its directories the mount shows (its root field).
 * A v1 memory controller wins over v2 (a hybrid system mounts both, and only
 * one holds the controller); a v2 cgroup without the memory controller
 * has no memory.max and bounds nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memroom.h"

#define PATH_LEN 4096

/* Lowers @r to @room, saying why, if @room is less than what it holds. */
static void lower(struct memroom *r, uint64_t room, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lower(struct memroom *r, uint64_t room, const char *fmt, ...)
{
	va_list ap;

	if (room >= r->bytes)
		return;
	r->bytes = room;
	va_start(ap, fmt);
	vsnprintf(r->bound, sizeof(r->bound), fmt, ap);
	va_end(ap);
}

/* Reads the first line of @path into @buf, without its newline.
 * @return 0 or -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return ret;
}

/* @return 0 and the number in @path, -ERANGE for "max", or -errno. */
static int read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;

	if (read_line(path, buf, sizeof(buf)))
		return -ENOENT;
	if (!strcmp(buf, "max"))
		return -ERANGE;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end || buf[0] == '-')
		return -EINVAL;
	return 0;
}

/* Opens @root@name (name starting with '/') for reading.  @return the
 * stream or NULL. */
static FILE *open_at(const char *root, const char *name)
{
	char path[PATH_LEN];

	if (snprintf(path, sizeof(path), "%s%s", root, name) >= PATH_LEN)
		return NULL;
	return fopen(path, "re");
}

/* @return 0 and the value of "@key: N kB" in @root@name in bytes, or
 * -errno. */
static int read_kb(const char *root, const char *name, const char *key,
		   uint64_t *v)
{
	FILE *f = open_at(root, name);
	char line[256];
	size_t klen = strlen(key);
	unsigned long long kb;
	int ret = -ENOENT;

	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		if (sscanf(line + klen + 1, "%llu kB", &kb) == 1 &&
		    kb <= UINT64_MAX / 1024) {
			*v = (uint64_t)kb * 1024;
			ret = 0;
		} else {
			ret = -EINVAL;
		}
		break;
	}
	fclose(f);
	return ret;
}

/* @return whether @word is one of the comma-separated words of @list. */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	while (list) {
		if (!strncmp(list, word, len) &&
		    (list[len] == ',' || list[len] == '\0'))
			return true;
		list = strchr(list, ',');
		if (list)
			list++;
	}
	return false;
}

/*
 * Finds the daemon's cgroup of hierarchy @v (1: the memory controller's,
 * 2: the unified one) in /proc/self/cgroup.
 * @return 0 and its path in @path, or -ENOENT.
 */
static int own_cgroup(const char *root, int v, char *path, size_t size)
{
	FILE *f = open_at(root, "/proc/self/cgroup");
	char line[PATH_LEN];
	int ret = -ENOENT;

	if (!f)
		return -ENOENT;
	while (ret && fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *cg;

		if (!ctrl || !(cg = strchr(ctrl + 1, ':')))
			continue;
		*ctrl++ = '\0';
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		if (v == 1 ? has_word(ctrl, "memory")
			   : !strcmp(line, "0") && !*ctrl) {
			snprintf(path, size, "%s", cg);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* Undoes mountinfo's octal escapes (\040 for a blank) in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/*
 * Finds where hierarchy @v is mounted and which of its directories the
 * mount shows.  @return 0, or -ENOENT.
 */
static int find_mount(const char *root, int v, char *mnt, char *mroot,
		      size_t size)
{
	FILE *f = open_at(root, "/proc/self/mountinfo");
	char line[2 * PATH_LEN];
	int ret = -ENOENT;

	if (!f)
		return -ENOENT;
	while (ret && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - "), *save = NULL, *fields[5];
		char *fstype, *opts;
		int i;

		if (!sep)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " \n", &save);
		strtok_r(NULL, " \n", &save); /* the source */
		opts = strtok_r(NULL, " \n", &save);
		if (!fstype || !opts)
			continue;
		if (v == 1 ? strcmp(fstype, "cgroup") || !has_word(opts, "memory")
			   : strcmp(fstype, "cgroup2"))
			continue;
		save = NULL;
		for (i = 0; i < 5; i++)
			fields[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!fields[4])
			continue;
		unescape(fields[3]);
		unescape(fields[4]);
		snprintf(mroot, size, "%s", fields[3]);
		snprintf(mnt, size, "%s", fields[4]);
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* Joins @root, @dir and @name into @out.  @return false if it is too long. */
static bool join(char *out, const char *root, const char *dir,
		 const char *name)
{
	int n = snprintf(out, PATH_LEN, "%s%s/%s", root, dir, name);

	return n > 0 && n < PATH_LEN;
}

/* Lowers @r to the room of the cgroup directory @dir (v1 or v2).
 * @return false if @dir has no memory limit files (the walk stops). */
static bool cgroup_level(const char *root, int v, const char *dir,
			 struct memroom *r)
{
	char lpath[PATH_LEN], upath[PATH_LEN];
	uint64_t limit, usage;
	int ret;

	if (!join(lpath, root, dir,
		  v == 1 ? "memory.limit_in_bytes" : "memory.max") ||
	    !join(upath, root, dir,
		  v == 1 ? "memory.usage_in_bytes" : "memory.current"))
		return false;
	ret = read_u64(lpath, &limit);
	if (ret == -ERANGE)
		return true; /* "max": no limit here, perhaps above */
	if (ret || read_u64(upath, &usage))
		return false;
	lower(r, usage < limit ? limit - usage : 0,
	      "memory cgroup %s: limit %" PRIu64 ", usage %" PRIu64, dir,
	      limit, usage);
	return true;
}

void memroom_cgroup(const char *root, struct memroom *r)
{
	char cg[PATH_LEN], mnt[PATH_LEN], mroot[PATH_LEN], dir[PATH_LEN];
	size_t mlen, rlen;
	const char *rel;
	int v;

	for (v = 1; v <= 2; v++)
		if (!own_cgroup(root, v, cg, sizeof(cg)) &&
		    !find_mount(root, v, mnt, mroot, sizeof(mnt)))
			break;
	if (v > 2)
		return;
	/* The mount shows the hierarchy from mroot down. */
	rlen = strcmp(mroot, "/") ? strlen(mroot) : 0;
	if (strncmp(cg, mroot, rlen) || (cg[rlen] && cg[rlen] != '/'))
		return;
	rel = cg + rlen;
	rlen = (size_t)snprintf(dir, sizeof(dir), "%s%s", mnt,
				strcmp(rel, "/") ? rel : "");
	if (rlen >= sizeof(dir))
		return;
	mlen = strlen(mnt);
	for (;;) {
		char *slash;

		if (!cgroup_level(root, v, dir, r) || strlen(dir) <= mlen)
			return;
		slash = strrchr(dir + mlen, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
}

/* @return whether the calling thread has CAP_IPC_LOCK in its effective
 * set (as capget(2) reports it for thread 0, the caller). */
static bool can_lock_freely(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &
	       CAP_TO_MASK(CAP_IPC_LOCK);
}

void memroom_memlock(const char *root, struct memroom *r)
{
	struct rlimit rl;
	uint64_t locked;

	if (can_lock_freely() || getrlimit(RLIMIT_MEMLOCK, &rl) ||
	    rl.rlim_cur == RLIM_INFINITY ||
	    read_kb(root, "/proc/self/status", "VmLck", &locked))
		return;
	lower(r, locked < rl.rlim_cur ? rl.rlim_cur - locked : 0,
	      "RLIMIT_MEMLOCK %" PRIu64 " (no CAP_IPC_LOCK), locked %" PRIu64,
	      (uint64_t)rl.rlim_cur, locked);
}

void memroom_available(const char *root, struct memroom *r)
{
	uint64_t avail;

	if (!read_kb(root, "/proc/meminfo", "MemAvailable", &avail))
		lower(r, avail, "MemAvailable %" PRIu64, avail);
}

void memroom_get(const char *root, struct memroom *r)
{
	r->bytes = UINT64_MAX;
	snprintf(r->bound, sizeof(r->bound), "nothing");
	memroom_cgroup(root, r);
	memroom_memlock(root, r);
	memroom_available(root, r);
}
