// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl: the control thread.  One poll() loop over a signalfd and an eventfd:
 * SIGTERM, SIGINT and SIGHUP go to the daemon's callback, posted jobs run in
 * order.  Every thread blocks those three and every other asynchronous
 * signal (lib/thread.h); the others stay pending for good.  A job is a
 * function and its argument on the caller's stack; the caller sleeps on a
 * condition variable until the job's done flag is set.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "thread.h"

struct job {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	bool done;
	bool detached; /* posted with ctl_post: freed after it runs */
	struct job *next;
};

static pthread_t ctl_thread;
/* Set by the control thread itself, first thing: true on it alone. */
static __thread bool on_ctl_thread;
static int sig_fd = -1, ev_fd = -1;
static ctl_signal_fn signal_cb;
static int watch_fd = -1;
static void (*watch_cb)(void);
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
/* protected by lock: */
static struct job *head, **tail = &head;
static bool stopping;

static void run_jobs(void)
{
	struct job *j;

	pthread_mutex_lock(&lock);
	while ((j = head)) {
		head = j->next;
		if (!head)
			tail = &head;
		pthread_mutex_unlock(&lock);
		j->ret = j->fn(j->arg);
		if (j->detached) {
			free(j);
			pthread_mutex_lock(&lock);
			continue;
		}
		pthread_mutex_lock(&lock);
		j->done = true;
		pthread_cond_broadcast(&done_cond);
	}
	pthread_mutex_unlock(&lock);
}

static void *ctl_main(void *unused)
{
	struct pollfd pfd[3] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = ev_fd, .events = POLLIN },
		/* No events asked: POLLHUP and POLLERR come anyway. */
		{ .fd = watch_fd, .events = 0 },
	};

	(void)unused;
	on_ctl_thread = true;
	/* The one thread that keeps CAP_SYS_ADMIN, by name for ps -L and
	 * tests/system/privs.sh. */
	pthread_setname_np(pthread_self(), "zramfsd-ctl");
	for (;;) {
		struct signalfd_siginfo si;
		uint64_t n;
		bool stop;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("control thread: poll: %s", strerror(errno));
			break;
		}
		if ((pfd[0].revents & POLLIN) &&
		    read(sig_fd, &si, sizeof(si)) == sizeof(si))
			signal_cb((int)si.ssi_signo);
		if (pfd[2].fd >= 0 && (pfd[2].revents & (POLLHUP | POLLERR))) {
			pfd[2].fd = -1; /* once */
			watch_cb();
		}
		if ((pfd[1].revents & POLLIN) &&
		    read(ev_fd, &n, sizeof(n)) != sizeof(n))
			continue;
		run_jobs();
		pthread_mutex_lock(&lock);
		stop = stopping && !head;
		pthread_mutex_unlock(&lock);
		if (stop)
			break;
	}
	return NULL;
}

void ctl_watch(int fd, void (*on_hangup)(void))
{
	watch_fd = fd;
	watch_cb = on_hangup;
}

int ctl_start(ctl_signal_fn on_signal)
{
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0)
		return -errno;
	ev_fd = eventfd(0, EFD_CLOEXEC);
	if (ev_fd < 0) {
		ret = -errno;
		close(sig_fd);
		return ret;
	}
	signal_cb = on_signal;
	ret = thread_create(&ctl_thread, NULL, ctl_main, NULL);
	if (ret) {
		close(ev_fd);
		close(sig_fd);
		return ret;
	}
	return 0;
}

static void kick(void)
{
	uint64_t one = 1;

	if (write(ev_fd, &one, sizeof(one)) != sizeof(one))
		log_err("control thread: eventfd: %s", strerror(errno));
}

void ctl_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_mutex_unlock(&lock);
	kick();
	pthread_join(ctl_thread, NULL);
	close(ev_fd);
	close(sig_fd);
}

static void enqueue(struct job *j)
{
	pthread_mutex_lock(&lock);
	*tail = j;
	tail = &j->next;
	pthread_mutex_unlock(&lock);
	kick();
}

int ctl_post(int (*fn)(void *arg), void *arg)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	j->fn = fn;
	j->arg = arg;
	j->detached = true;
	enqueue(j);
	return 0;
}

bool ctl_on_thread(void)
{
	return on_ctl_thread;
}

int ctl_call(int (*fn)(void *arg), void *arg)
{
	struct job j = { .fn = fn, .arg = arg };

	if (ctl_on_thread()) {
		log_err("control thread: a job posted from the control thread "
			"itself (a bug)");
		return -EDEADLK;
	}
	enqueue(&j);
	pthread_mutex_lock(&lock);
	while (!j.done)
		pthread_cond_wait(&done_cond, &lock);
	pthread_mutex_unlock(&lock);
	return j.ret;
}
