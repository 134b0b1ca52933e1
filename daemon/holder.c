// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * holder: keeps the connection and the memory, starts servers (see
 * holder.h).  One thread, one poll() loop over a signalfd (TERM, INT, HUP,
 * CHLD), the server's pidfd and the socket to it.  Nothing it reads comes
 * from outside but signals and the fixed messages of daemon/hold.h.
 *
 * Death detection: the pidfd of a process becomes readable once its whole
 * thread group has exited (pidfd_open(2)), and waitid(P_PIDFD) reaps it:
 * from then on no thread of the old server can touch a region, so the next
 * one may.  The holder is a child subreaper, so that the short-lived swap
 * helpers of a server that died (daemon/swapctl.c) are reaped here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "helper.h"
#include "hold.h"
#include "holder.h"
#include "state.h"
#include "zstore.h"
#include "log.h"
#include "mnt.h"
#include "region.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define NS_PER_MS 1000000ull
/*
 * Back-off.  A server that served is replaced at once: that is the restart
 * the gap is measured on (a kill, a crash under load).  One that dies before
 * it serves (READY) is replaced after a delay that doubles from
 * BACKOFF_MIN_MS to BACKOFF_MAX_MS, and so is the QUICK_DEATHS-th server in
 * a row that dies within QUICK_DEATH_MS of serving: what a request that
 * kills every server it reaches (sent again to each by FUSE_NOTIFY_RESEND)
 * looks like.  A server that serves QUICK_DEATH_MS or longer resets both.
 */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define QUICK_DEATH_MS 1000
#define QUICK_DEATHS 3

struct server {
	pid_t pid;
	int pidfd, sock; /* -1 when none runs */
	bool ready;
	bool stopping;   /* it said its stop path succeeded */
	uint64_t ready_ns;
	char fatal[HOLD_REASON_MAX]; /* its last words, if any */
};

_Static_assert(HOLD_KEPT_MAX >= REGION_KEEP_MAX,
	       "the hold area lists every region the holder keeps");

static const struct holder_args *args;
static struct hold_area *hold;
static int hold_id;
static int exe_fd = -1;
/* Where the executable was installed: what a reload executes. */
static char exe_path[PATH_MAX];
static unsigned int started; /* servers started so far */
/* A reload is under way: the next server to say READY counts as one. */
static bool reloading;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Tells systemd (Type=notify) that we are ready, if it asked. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1";
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, len) < 0)
		log_warn("cannot notify systemd: %s", strerror(errno));
	close(fd);
}

/* The hold area, made once; its id goes to every server. */
static int make_hold_area(void)
{
	struct mnt_ident m;
	struct zregion *r;
	int id;

	id = region_keep_new(sizeof(*hold), &r);
	if (id < 0)
		return id;
	hold = zregion_base(r);
	memset(hold, 0, sizeof(*hold));
	memcpy(hold->magic, HOLD_MAGIC, sizeof(hold->magic));
	hold->layout = HOLD_LAYOUT;
	hold->size = sizeof(*hold);
	hold->state_region_id = -1;
	hold->holder_pid = (int32_t)getpid();
	hold->poll_us = args->poll_us;
	if (!mnt_ident(&m)) {
		hold->mnt_id = m.id;
		hold->mnt_major = m.major;
		hold->mnt_minor = m.minor;
	}
	return id;
}

/*
 * The command line of a server (@name "zramfsd-server", @first its
 * --hold-area) or of the holder itself re-executed (@name "zramfsd",
 * @first its --resume): the worker count (written into @threads), the
 * mountpoint, --configure if @configure, the configuration file for a
 * holder or a configuring server, -f.  @argv has room for ARGV_MAX.
 */
#define ARGV_MAX 12
static void make_argv(char **argv, char *name, char *first,
		      char threads[24], bool configure)
{
	int n = 0;

	snprintf(threads, 24, "--threads=%u", args->threads);
	argv[n++] = name;
	argv[n++] = first;
	argv[n++] = threads;
	argv[n++] = "-m";
	argv[n++] = (char *)args->mountpoint;
	if (configure)
		argv[n++] = "--configure";
	if (args->conf_path && (configure || !strcmp(name, "zramfsd"))) {
		argv[n++] = "-c";
		argv[n++] = (char *)args->conf_path;
	}
	if (args->foreground)
		argv[n++] = "-f";
	argv[n] = NULL;
}

/*
 * Puts the connection back in blocking mode, in which a server finds it
 * when it starts: a server with polling on (conn.c) makes it non-blocking,
 * and an older one, started after a downgrade, would take EAGAIN for the
 * end of the connection.  The open file description is shared: a server
 * still running meanwhile merely reads in blocking mode.
 */
static int blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fl;
}

/* In the child: fd 3 the connection, fd 4 the socket, nothing else open
 * that the holder has (all CLOEXEC), then the server.  Never returns. */
static void __attribute__((noreturn)) exec_server(int sock)
{
	char id[24], threads[24], *argv[ARGV_MAX];
	/* Out of the way of 3 and 4 first: any of them may be there. */
	int fuse = fcntl(args->fuse_fd, F_DUPFD, 10);
	int s = fcntl(sock, F_DUPFD, 10);
	int exe = fcntl(exe_fd, F_DUPFD_CLOEXEC, 10);

	if (fuse < 0 || s < 0 || exe < 0 || dup2(fuse, HOLD_FUSE_FD) < 0 ||
	    dup2(s, HOLD_SOCK_FD) < 0)
		_exit(127);
	close(fuse);
	close(s);
	blocking(HOLD_FUSE_FD);
	/* A fault point armed by a test fires in the first server only. */
	if (started > 1)
		unsetenv("ZRAMFS_FAULT");
	snprintf(id, sizeof(id), "--hold-area=%d", hold_id);
	/* The configuration's devices are set up once per holder. */
	make_argv(argv, "zramfsd-server", id, threads,
		  !atomic_load(&hold->configured));
	fexecve(exe, argv, environ);
	_exit(127);
}

/* @return 0 once a server runs in @s, or -errno. */
static int start_server(struct server *s)
{
	int sv[2], ret;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	started++;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (!pid)
		exec_server(sv[1]);
	close(sv[1]);
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (s->pidfd < 0) {
		/* Cannot watch it: better no server than an unwatched one. */
		ret = -errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(sv[0]);
		return ret;
	}
	s->pid = pid;
	s->sock = sv[0];
	s->ready = false;
	s->stopping = false;
	s->fatal[0] = '\0';
	log_info("started server pid %d", (int)pid);
	return 0;
}

/* One message from the server. */
static void on_message(struct server *s, const struct hold_msg *m,
		       bool *stop_pending)
{
	int ret;

	switch (m->type) {
	case HOLD_MSG_READY:
		s->ready = true;
		s->ready_ns = now_ns();
		if (reloading)
			atomic_fetch_add(&hold->reloads, 1);
		else if (atomic_load(&hold->death_ns))
			atomic_fetch_add(&hold->restarts, 1);
		else
			notify_ready();
		reloading = false;
		if (*stop_pending) {
			*stop_pending = false;
			kill(s->pid, SIGTERM);
		}
		break;
	case HOLD_MSG_STOPPING:
		s->stopping = true;
		break;
	case HOLD_MSG_FATAL:
		memcpy(s->fatal, m->reason, sizeof(s->fatal));
		s->fatal[sizeof(s->fatal) - 1] = '\0';
		break;
	default:
		ret = region_keep_answer(s->sock, m);
		if (ret == -EBADMSG)
			log_warn("unknown message %u from the server", m->type);
		else if (ret && m->type == HOLD_MSG_REGION_NEW)
			log_warn("cannot make a region of %llu bytes for the "
				 "server: %s", (unsigned long long)m->bytes,
				 strerror(-ret));
		else if (ret)
			log_warn("the server dropped region %d, which the "
				 "holder does not keep", m->id);
	}
}

/* @return whether there was a message. */
static bool read_socket(struct server *s, bool *stop_pending)
{
	struct hold_msg m;
	ssize_t n;

	n = recv(s->sock, &m, sizeof(m), MSG_DONTWAIT);
	if (n == sizeof(m)) {
		on_message(s, &m, stop_pending);
		return true;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* It is exiting: the pidfd says when it is gone. */
		close(s->sock);
		s->sock = -1;
	} else if (n > 0) {
		log_warn("a short message (%zd bytes) from the server", n);
		return true;
	}
	return false;
}

/* Reaps the server; @return its exit status as daemon_stat's last_exit:
 * the status, or minus the signal. */
static int64_t reap_server(struct server *s, char *cause, size_t len)
{
	siginfo_t si = { 0 };
	int64_t last;

	if (waitid((idtype_t)P_PIDFD, (id_t)s->pidfd, &si, WEXITED) < 0) {
		snprintf(cause, len, "waitid: %s", strerror(errno));
		last = -SIGKILL;
	} else if (si.si_code == CLD_EXITED) {
		snprintf(cause, len, "exit status %d", si.si_status);
		last = si.si_status;
	} else {
		snprintf(cause, len, "signal %s%s", strsignal(si.si_status),
			 si.si_code == CLD_DUMPED ? " (core dumped)" : "");
		last = -si.si_status;
	}
	close(s->pidfd);
	if (s->sock >= 0)
		close(s->sock);
	s->pidfd = s->sock = -1;
	s->pid = 0;
	return last;
}

/* Reaps whatever else died: swap helpers a dead server left behind. */
static void reap_orphans(const struct server *s)
{
	siginfo_t si;

	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
		    !si.si_pid || si.si_pid == s->pid)
			return; /* the server is the pidfd's to reap */
		waitpid(si.si_pid, NULL, 0);
	}
}

/*
 * Runs the installed executable as "zramfsd --hold-layout", which prints
 * the layouts of everything a server shares with the next: the hold area,
 * the state region and the stores ("HOLD STATE STORE").  @return 0 if it
 * ran and every layout is this one's, else -errno with the reason in @why:
 * a server of the new version could not read what this one left.
 */
static int check_installed(char *why, size_t len)
{
	char *argv[] = { "zramfsd", "--hold-layout", NULL }, out[64] = "";
	const long mine[3] = { HOLD_LAYOUT, STATE_LAYOUT_VERSION,
			       ZSTORE_LAYOUT_VERSION };
	static const char *const what[3] = { "hold area", "state region",
					     "store" };
	long theirs[3];
	int ret, status = 0, i;
	size_t got;

	ret = helper_run(exe_path, argv, out, sizeof(out) - 1, &got,
			 &status);
	if (ret) {
		snprintf(why, len, "cannot run %s: %s", exe_path,
			 strerror(-ret));
		return ret;
	}
	out[got] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) ||
	    sscanf(out, "%ld %ld %ld", &theirs[0], &theirs[1], &theirs[2]) !=
		    3) {
		snprintf(why, len, "%s --hold-layout failed", exe_path);
		return -ENOEXEC;
	}
	for (i = 0; i < 3; i++) {
		if (theirs[i] != mine[i]) {
			snprintf(why, len, "%s has %s layout %ld, this "
				 "zramfsd %ld: stop and start the service "
				 "instead", exe_path, what[i], theirs[i],
				 mine[i]);
			return -EPROTO;
		}
	}
	return 0;
}

/* Clears (@cloexec false) or sets FD_CLOEXEC on @fd. */
static void set_cloexec(int fd, bool cloexec)
{
	fcntl(fd, F_SETFD, cloexec ? FD_CLOEXEC : 0);
}

/*
 * SIGHUP: re-executes the holder from the installed executable, leaving
 * the server serving meanwhile and a bridge child holding every region and
 * the connection in case the server dies in between.  Returns only if
 * that could not be done; the running version goes on.
 */
static void reload(struct server *s)
{
	char why[PATH_MAX + 128], resume[96], threads[24];
	char *argv[ARGV_MAX];
	pid_t bridge;
	int ret, fl;

	if (!s->pid || !s->ready) {
		log_warn("SIGHUP: no server serves; reload refused");
		atomic_fetch_add(&hold->reload_failures, 1);
		return;
	}
	ret = check_installed(why, sizeof(why));
	if (ret) {
		log_err("reload refused: %s; this version goes on serving",
			why);
		atomic_fetch_add(&hold->reload_failures, 1);
		return;
	}
	hold->nkept = (uint32_t)region_keep_ids(hold->kept, HOLD_KEPT_MAX);
	bridge = fork();
	if (bridge < 0) {
		log_err("reload refused: fork: %s", strerror(errno));
		atomic_fetch_add(&hold->reload_failures, 1);
		return;
	}
	if (!bridge) {
		/* Inherited: every region attached, the connection open. */
		prctl(PR_SET_NAME, "zramfsd-bridge", 0, 0, 0);
		for (;;)
			pause();
	}
	snprintf(resume, sizeof(resume), "--resume=%d:%d:%d:%d:%d", hold_id,
		 args->fuse_fd, s->sock, (int)s->pid, (int)bridge);
	make_argv(argv, "zramfsd", resume, threads, false);
	log_info("reloading: executing %s", exe_path);
	set_cloexec(args->fuse_fd, false);
	set_cloexec(s->sock, false);
	fl = blocking(args->fuse_fd);
	FAULT_POINT("holder.before_exec");
	execv(exe_path, argv);
	log_err("reload failed: %s: %s; this version goes on serving",
		exe_path, strerror(errno));
	set_cloexec(args->fuse_fd, true);
	set_cloexec(s->sock, true);
	if (fl >= 0) /* the server goes on as it was */
		fcntl(args->fuse_fd, F_SETFL, fl);
	kill(bridge, SIGKILL);
	waitpid(bridge, NULL, 0);
	atomic_fetch_add(&hold->reload_failures, 1);
}

/*
 * The holder after a reload's exec: takes over the hold area, the regions
 * it lists, the mount, the server and its socket, then ends the bridge and
 * has the server hand over to a new one of this executable.
 * @return 0 or -errno (nothing to serve with: the server and the bridge
 *         still hold everything, and the server stops once we are gone).
 */
static int resume(struct server *s, const struct holder_resume *r)
{
	struct mnt_ident m;
	struct zregion *z;
	uint32_t i;
	int ret;

	ret = region_keep_adopt(r->hold_id, &z);
	if (ret)
		return ret;
	ret = hold_check(zregion_base(z), zregion_size(z));
	if (ret)
		return ret;
	hold = zregion_base(z);
	hold_id = r->hold_id;
	for (i = 0; i < hold->nkept && i < HOLD_KEPT_MAX; i++) {
		if (hold->kept[i] == hold_id)
			continue;
		ret = region_keep_adopt(hold->kept[i], NULL);
		if (ret)
			log_err("reload: cannot keep region %d: %s",
				hold->kept[i], strerror(-ret));
	}
	m.id = hold->mnt_id;
	m.major = hold->mnt_major;
	m.minor = hold->mnt_minor;
	mnt_adopt(args->mountpoint, &m);
	s->pid = r->server_pid;
	s->sock = r->sock;
	set_cloexec(s->sock, true);
	set_cloexec(args->fuse_fd, true);
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (s->pidfd < 0)
		return -errno;
	s->ready = true;
	s->ready_ns = now_ns();
	kill(r->bridge_pid, SIGKILL);
	waitpid(r->bridge_pid, NULL, 0);
	/* A fault point armed by a test fired in the first server. */
	unsetenv("ZRAMFS_FAULT");
	started = 1;
	reloading = true;
	log_info("reloaded; handing over from server %d", (int)s->pid);
	kill(s->pid, SIGHUP);
	return 0;
}

/* @return the signalfd for TERM, INT, HUP and CHLD, or -errno. */
static int open_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	/* For the signalfd: SIGCHLD must be blocked too. */
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* A signal to the holder. */
static void on_signal(struct server *s, int signo, bool *stop_pending)
{
	if (signo == SIGCHLD) {
		reap_orphans(s);
		return;
	}
	if (signo == SIGHUP) {
		reload(s);
		return;
	}
	if (s->pid && s->ready) {
		log_info("%s: asking the server (pid %d) to stop",
			 strsignal(signo), (int)s->pid);
		kill(s->pid, SIGTERM);
	} else {
		/* Only a server can turn swap off. */
		log_info("%s: stopping once a server serves",
			 strsignal(signo));
		*stop_pending = true;
	}
}

int holder_run(const struct holder_args *a)
{
	struct server s = { .pidfd = -1, .sock = -1 };
	uint64_t backoff_ms = 0, next_start = 0;
	unsigned int quick_deaths = 0;
	bool stop_pending = false;
	int sig_fd, ret, status = EXIT_FAILURE;
	ssize_t len;

	args = a;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		log_warn("cannot become a child subreaper: %s",
			 strerror(errno));
	exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe_fd < 0) {
		log_err("cannot open /proc/self/exe: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	len = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
	exe_path[len > 0 ? len : 0] = '\0';
	if (a->resume) {
		ret = resume(&s, a->resume);
		if (ret) {
			/* The server stops once we are gone. */
			log_err("reload: cannot take over: %s", strerror(-ret));
			if (hold)
				atomic_fetch_add(&hold->reload_failures, 1);
			kill(a->resume->bridge_pid, SIGKILL);
			goto out_exe;
		}
	} else {
		hold_id = make_hold_area();
		if (hold_id < 0) {
			log_err("cannot make the hold area: %s",
				strerror(-hold_id));
			goto out_exe;
		}
	}
	sig_fd = open_signals();
	if (sig_fd < 0) {
		log_err("cannot read signals: %s", strerror(-sig_fd));
		goto out_exe;
	}

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = s.pidfd, .events = POLLIN },
			{ .fd = s.sock, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		int timeout = -1;
		uint64_t t;

		if (!s.pid) {
			t = now_ns();
			if (t >= next_start) {
				ret = start_server(&s);
				if (ret) {
					log_err("cannot start a server: %s",
						strerror(-ret));
					backoff_ms = BACKOFF_MAX_MS;
					next_start = t + backoff_ms * NS_PER_MS;
				}
				continue;
			}
			timeout = (int)((next_start - t + NS_PER_MS - 1) /
					NS_PER_MS);
		}
		pfd[1].fd = s.pidfd;
		pfd[2].fd = s.sock;
		if (poll(pfd, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			break;
		}
		while (read(sig_fd, &si, sizeof(si)) == sizeof(si))
			on_signal(&s, (int)si.ssi_signo, &stop_pending);
		if (s.sock >= 0 && (pfd[2].revents & (POLLIN | POLLHUP)))
			read_socket(&s, &stop_pending);
		if (s.pidfd >= 0 && (pfd[1].revents & POLLIN)) {
			char cause[HOLD_REASON_MAX + 64];
			bool ready = s.ready, stopping = s.stopping;
			uint64_t ready_ns = s.ready_ns, delay_ms;
			int64_t last;

			/* Read what it said before it died. */
			while (s.sock >= 0 && read_socket(&s, &stop_pending))
				;
			t = now_ns();
			last = reap_server(&s, cause, sizeof(cause));
			atomic_store(&hold->death_ns, t);
			atomic_store(&hold->last_exit, last);
			reap_orphans(&s);
			if (stopping) {
				status = last >= 0 ? (int)last : EXIT_FAILURE;
				break;
			}
			if (s.fatal[0])
				snprintf(cause + strlen(cause),
					 sizeof(cause) - strlen(cause), ": %s",
					 s.fatal);
			if (!ready)
				atomic_fetch_add(&hold->start_failures, 1);
			if (ready && t - ready_ns >= QUICK_DEATH_MS * NS_PER_MS) {
				quick_deaths = 0;
				backoff_ms = 0;
			} else if (ready) {
				quick_deaths++;
			}
			if (reloading || (ready && quick_deaths < QUICK_DEATHS)) {
				delay_ms = 0;
			} else {
				backoff_ms = !backoff_ms ? BACKOFF_MIN_MS
					     : backoff_ms * 2 < BACKOFF_MAX_MS
						     ? backoff_ms * 2
						     : BACKOFF_MAX_MS;
				delay_ms = backoff_ms;
			}
			next_start = t + delay_ms * NS_PER_MS;
			if (reloading && !last)
				log_info("the old server handed over");
			else
				log_err("server died (%s)%s; starting another "
					"in %llu ms", cause,
					ready ? "" : " before it served",
					(unsigned long long)delay_ms);
		}
	}
	close(sig_fd);
	log_info("the server stopped; unmounting %s", args->mountpoint);
	ret = mnt_unmount();
	if (ret && ret != -ENOENT)
		log_warn("unmounting %s: %s", args->mountpoint,
			 strerror(-ret));
out_exe:
	close(exe_fd);
	return status;
}
