// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mnt: mounting the tree, and unmounting it by mount ID.
 *
 * /proc/self/mountinfo has a line per mount (proc(5)):
 *
 *   43 27 0:40 / /run/zramfs rw,nosuid,nodev shared:1 - fuse.zramfsd zramfs ...
 *   id parent dev   mount point   options, optional fields, "-", type, source
 *
 * Mounts at one path form a stack: each is mounted on the one below it, its
 * parent, and a lookup of the path reaches the top one, the one no other
 * mount at that path has for parent.  Ours is the mount with the ID and
 * device mnt_mount() found on top right after mounting: an ID alone may be
 * reused once a mount is gone, the pair not while ours exists.
 *
 * Mounting ourselves takes what libfuse's fuse_mount_sys() does for root:
 * open /dev/fuse, mount(2) with "fd=N,rootmode=...,user_id=...,group_id=...".
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnt.h"
#include "unmangle.h"

#define MNT_SOURCE "zramfs"
#define MNT_TYPE "fuse.zramfsd"
/* The most mounts at one path looked at; more would be absurd. */
#define MNT_STACK_MAX 16

struct mount {
	int id;
	int parent;
	unsigned int major, minor;
	char type[64];
};

/* Written by mnt_mount() (in the holder) or mnt_adopt() (in a server, and
 * in a holder re-executed by a reload) before the control thread exists,
 * then read and cleared by mnt_unmount() on one thread alone. */
static struct mount ours;
static char ours_path[PATH_MAX];
static bool mounted;

/*
 * Parses a line of mountinfo into @m, and points *@point at its mount point
 * (unmangled, within @line).
 * @return 0, or -EINVAL for a line that does not parse.
 */
static int parse_line(char *line, struct mount *m, char **point)
{
	char *save = NULL, *f[5], *t;
	int i;

	for (i = 0; i < 5; i++) {
		f[i] = strtok_r(i ? NULL : line, " \n", &save);
		if (!f[i])
			return -EINVAL;
	}
	if (sscanf(f[0], "%d", &m->id) != 1 ||
	    sscanf(f[1], "%d", &m->parent) != 1 ||
	    sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
		return -EINVAL;
	do
		t = strtok_r(NULL, " \n", &save);
	while (t && strcmp(t, "-"));
	t = t ? strtok_r(NULL, " \n", &save) : NULL;
	if (!t)
		return -EINVAL;
	snprintf(m->type, sizeof(m->type), "%s", t);
	unmangle(f[4]);
	*point = f[4];
	return 0;
}

/* Reads the mounts at @path, MNT_STACK_MAX at most, into @m.
 * @return how many, or -errno. */
static int mounts_at(const char *path, struct mount *m)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *point;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return -errno;
	while (n < MNT_STACK_MAX && getline(&line, &cap, f) > 0)
		if (!parse_line(line, &m[n], &point) && !strcmp(point, path))
			n++;
	free(line);
	fclose(f);
	return n;
}

/* @return the top of the @n (> 0) mounts at one path in @m. */
static const struct mount *top(const struct mount *m, int n)
{
	int i, j;

	for (i = n - 1; i > 0; i--) {
		for (j = 0; j < n && m[j].parent != m[i].id; j++)
			;
		if (j == n)
			break;
	}
	return &m[i];
}

static bool same(const struct mount *a, const struct mount *b)
{
	return a->id == b->id && a->major == b->major &&
	       a->minor == b->minor;
}

/* @return the connection number "fuse_connection:" in the fdinfo at @path
 * shows, or ULONG_MAX. */
static unsigned long fdinfo_connection(const char *path)
{
	unsigned long conn = ULONG_MAX;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return conn;
	while (getline(&line, &cap, f) > 0 &&
	       sscanf(line, "fuse_connection: %lu", &conn) != 1)
		;
	free(line);
	fclose(f);
	return conn;
}

/* @return whether process @pid has /dev/fuse open for connection @conn. */
static bool serves(long pid, unsigned long conn)
{
	char path[64], link[16];
	struct dirent *de;
	bool yes = false;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	fds = opendir(path);
	if (!fds)
		return false;
	while (!yes && (de = readdir(fds))) {
		ssize_t n = readlinkat(dirfd(fds), de->d_name, link,
				       sizeof(link));

		if (n != 9 || memcmp(link, "/dev/fuse", 9))
			continue;
		/* Descriptor numbers are short. */
		snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%.16s", pid,
			 de->d_name);
		yes = fdinfo_connection(path) == conn;
	}
	closedir(fds);
	return yes;
}

/* Reads the name of process @pid into @comm. @return whether it could. */
static bool read_comm(long pid, char *comm, size_t len)
{
	char path[64];
	bool ok;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(comm, (int)len, f) != NULL;
	fclose(f);
	comm[ok ? strcspn(comm, "\n") : 0] = '\0';
	return ok;
}

/*
 * Says in @who which process, not this one, serves the FUSE mount @m: the
 * one with /dev/fuse open for its connection, which recent kernels show in
 * the fdinfo of /dev/fuse ("fuse_connection:", the mount's device number
 * as the kernel keeps it, the name /sys/fs/fuse/connections gives it too).
 * Reading another process's fdinfo takes the right to trace it, and a
 * zramfsd, not dumpable, can be traced only with CAP_SYS_PTRACE, which the
 * systemd unit does not give.  Failing that, for a zramfsd mount, the
 * zramfsd processes that run are named: one of them serves it.
 * @return whether @who says anything.
 */
static bool fuse_server(const struct mount *m, char *who, size_t len)
{
	unsigned long conn = (unsigned long)m->major << 20 | m->minor;
	char comm[32], others[64] = "";
	size_t used = 0;
	int n = 0;
	struct dirent *de;
	bool found = false;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return false;
	while (!found && (de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == (long)getpid() ||
		    !read_comm(pid, comm, sizeof(comm)))
			continue;
		if (serves(pid, conn)) {
			snprintf(who, len, "served by pid %ld %s", pid, comm);
			found = true;
		} else if (!strcmp(comm, "zramfsd") && n++ < 4) {
			/* Four numbers fit. */
			used += (size_t)snprintf(others + used,
						 sizeof(others) - used, " %ld",
						 pid);
		}
	}
	closedir(proc);
	if (found || !used || strcmp(m->type, MNT_TYPE))
		return found;
	snprintf(who, len, "zramfsd runs as pid%s", others);
	return true;
}

static void describe(const struct mount *m, char *why, size_t len)
{
	char who[128];

	if (!strncmp(m->type, "fuse", 4) && fuse_server(m, who, sizeof(who)))
		snprintf(why, len, "already a mount point (%s, %s)", m->type,
			 who);
	else
		snprintf(why, len, "already a mount point (%s)", m->type);
}

int mnt_check(const char *path, char *why, size_t len)
{
	struct mount m[MNT_STACK_MAX];
	int n = mounts_at(path, m);

	if (n <= 0)
		return n;
	describe(top(m, n), why, len);
	return -EBUSY;
}

/* @return @fd moved to 3 or above (0 to 2 may be closed now, and
 * fuse_daemonize() puts /dev/null there), or -errno. */
static int fd_above_stdio(int fd)
{
	int high, err;

	if (fd > 2)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	err = errno;
	close(fd);
	return high < 0 ? -err : high;
}

int mnt_mount(const char *path, char *why, size_t len)
{
	struct mount m[MNT_STACK_MAX];
	const struct mount *t;
	char opts[128];
	int fd, n, i, ret;

	if (strlen(path) >= sizeof(ours_path))
		return -ENAMETOOLONG;
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fd = fd_above_stdio(fd);
	if (fd < 0)
		return fd;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=%o,user_id=%u,group_id=%u,"
		 "default_permissions", fd, (unsigned int)S_IFDIR,
		 (unsigned int)getuid(), (unsigned int)getgid());
	if (mount(MNT_SOURCE, path, MNT_TYPE, MS_NOSUID | MS_NODEV, opts)) {
		ret = -errno;
		goto err;
	}

	/* Ours is on top now, unless someone mounted over it this instant:
	 * then it is theirs to see, and ours stays dead beneath. */
	n = mounts_at(path, m);
	ret = n < 0 ? n : -ENOENT;
	if (n <= 0)
		goto err;
	t = top(m, n);
	if (strcmp(t->type, MNT_TYPE)) {
		describe(t, why, len);
		ret = -EBUSY;
		goto err;
	}
	ours = *t;
	strcpy(ours_path, path);
	mounted = true;
	/* A mount beneath ours came after mnt_check(): leave it alone. */
	for (i = 0; i < n; i++) {
		if (m[i].id == ours.parent) {
			describe(&m[i], why, len);
			mnt_unmount();
			ret = -EBUSY;
			goto err;
		}
	}
	return fd;
err:
	close(fd);
	return ret;
}

int mnt_unmount(void)
{
	struct mount m[MNT_STACK_MAX];
	int n, i;

	if (!mounted)
		return -ENOENT;
	n = mounts_at(ours_path, m);
	if (n < 0)
		return n;
	for (i = 0; i < n && !same(&m[i], &ours); i++)
		;
	if (i == n) {
		mounted = false;
		return -ENOENT;
	}
	if (!same(top(m, n), &ours))
		return -EBUSY;
	if (umount2(ours_path, MNT_DETACH | UMOUNT_NOFOLLOW))
		return -errno;
	mounted = false;
	return 0;
}

int mnt_ident(struct mnt_ident *out)
{
	if (!mounted)
		return -ENOENT;
	out->id = ours.id;
	out->major = ours.major;
	out->minor = ours.minor;
	return 0;
}

int mnt_adopt(const char *path, const struct mnt_ident *m)
{
	if (strlen(path) >= sizeof(ours_path))
		return -ENAMETOOLONG;
	memset(&ours, 0, sizeof(ours));
	ours.id = m->id;
	ours.major = m->major;
	ours.minor = m->minor;
	strcpy(ours_path, path);
	mounted = true;
	return 0;
}
