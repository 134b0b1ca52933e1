// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conn: resuming libfuse on a connection whose INIT it never saw (see
 * conn.h).
 *
 * Why libfuse's dispatcher and a synthetic INIT, rather than serving this
 * small tree without libfuse: libfuse 3.14 answers EIO to every request
 * before it has processed a FUSE_INIT, and the kernel sends INIT once per
 * connection.  Processing an INIT runs libfuse's do_init() and our
 * fs_init() exactly as the first server did, from the same input (the
 * kernel's fuse_init_in, saved in the hold area), and leaves the session
 * in the state the kernel expects; everything else (request parsing, the
 * reply formats, the protocol minor's quirks) stays libfuse's.  The reply to
 * the synthetic INIT carries a unique no request has (bit 62), and the
 * write hook keeps it from the kernel altogether: it only compares it with
 * the reply the kernel took.  A difference means libfuse's view of the
 * connection (max_write, flags) would not be the kernel's, and this server
 * refuses to serve.  (The probe in /work/shared/probes let the kernel drop
 * such a reply with ENOENT; not writing it is the same without relying on
 * that.)
 *
 * Requests the dead server had read and not answered come back with
 * FUSE_NOTIFY_RESEND (protocol 7.40, Linux 6.9; the kernel's fuse_resend()
 * in fs/fuse/dev.c requeues every request on the processing lists of the
 * connection's descriptors, unique with bit 63 set, at the head of the
 * pending queue).  It is a bare fuse_out_header {len 16, error 7, unique 0}
 * written before any worker reads.  libfuse 3.14's headers stop at 7.38, so
 * the constants are defined here.
 *
 * The hooks run on every worker; what they share is atomics, and the lock
 * of the one case that needs it (the dead server read the INIT but may not
 * have answered it).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "fault.h"
#include "log.h"

#define CONN_NOTIFY_RESEND 7          /* enum fuse_notify_code, 7.40 */
#define CONN_HAS_RESEND (1u << 7)     /* FUSE_HAS_RESEND >> 32, in flags2 */
#define CONN_INIT_EXT (1u << 30)      /* FUSE_INIT_EXT */
#define CONN_SYNTH_UNIQUE (1ull << 62) /* matches no request */

static struct fuse_session *conn_se;
static struct hold_area *hold;
static int conn_fd = -1;

/* The unique of the kernel's INIT while its reply is not saved. */
static _Atomic uint64_t init_unique;
static _Atomic bool init_seen;
/* The dead server read the INIT; whether it answered is not known. */
static _Atomic bool pre_init;
static pthread_mutex_t pre_init_lock = PTHREAD_MUTEX_INITIALIZER;

/* Signalled once the connection's INIT is answered (conn_wait_init()). */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t init_done = PTHREAD_COND_INITIALIZER;

/* The synthetic INIT's reply, caught by conn_writev(). */
static unsigned char synth_out[HOLD_INIT_MAX];
static size_t synth_out_len;
static bool synth_caught;

/* The gap (daemon_stat): still to measure; requests waited at start. */
static _Atomic bool gap_pending;
static bool gap_waiting;
static _Atomic uint64_t first_read_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Copies the payload of @iov (after the out header) into @dst. */
static size_t gather(unsigned char *dst, size_t max, const struct iovec *iov,
		     int count)
{
	size_t len = 0, n;
	int i;

	for (i = 1; i < count; i++) {
		n = iov[i].iov_len < max - len ? iov[i].iov_len : max - len;
		memcpy(dst + len, iov[i].iov_base, n);
		len += n;
	}
	return len;
}

static size_t iov_total(const struct iovec *iov, int count)
{
	size_t len = 0;
	int i;

	for (i = 0; i < count; i++)
		len += iov[i].iov_len;
	return len;
}

/* A request was read into @buf: save it if it is the kernel's INIT. */
static void note_request(const void *buf, ssize_t n)
{
	const struct fuse_in_header *in = buf;
	size_t len;

	if (n < (ssize_t)sizeof(*in) || in->opcode != FUSE_INIT)
		return;
	len = (size_t)n - sizeof(*in);
	if (len > HOLD_INIT_MAX)
		len = HOLD_INIT_MAX;
	memcpy(hold->init_in, in + 1, len);
	hold->init_in_len = (uint32_t)len;
	atomic_store(&hold->init_state, HOLD_INIT_READ);
	atomic_store(&init_unique, in->unique);
	atomic_store(&init_seen, true);
}

/* Feeds libfuse the INIT the kernel sent the first server. */
static void feed_synthetic_init(void)
{
	struct {
		struct fuse_in_header h;
		unsigned char init_in[HOLD_INIT_MAX];
	} msg = { 0 };
	struct fuse_buf b = { 0 };

	msg.h.len = (uint32_t)(sizeof(msg.h) + hold->init_in_len);
	msg.h.opcode = FUSE_INIT;
	msg.h.unique = CONN_SYNTH_UNIQUE;
	memcpy(msg.init_in, hold->init_in, hold->init_in_len);
	b.size = msg.h.len;
	b.mem = &msg;
	synth_caught = false;
	fuse_session_process_buf(conn_se, &b);
}

/* The INIT is answered: libfuse serves, the kernel sends requests. */
static void set_replied(void)
{
	pthread_mutex_lock(&init_lock);
	atomic_store(&hold->init_state, HOLD_INIT_REPLIED);
	pthread_cond_broadcast(&init_done);
	pthread_mutex_unlock(&init_lock);
}

/* read(2) that waits for a request in poll(2) if the device is in
 * non-blocking mode (one thread at a time: the leader, or under
 * pre_init_lock). */
static ssize_t read_wait(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		n = read(fd, buf, len);
		if (n >= 0 || errno != EAGAIN)
			return n;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -1;
	}
}

static void unlock_pre_init(void *unused)
{
	(void)unused;
	pthread_mutex_unlock(&pre_init_lock);
}

/*
 * The first read after a server died between reading the INIT and saving
 * its reply: the kernel queues nothing before INIT is answered, so a
 * request other than INIT means the answer had reached it, and libfuse
 * gets the synthetic INIT before that request.  Other workers wait.
 */
static ssize_t read_pre_init(int fd, void *buf, size_t len)
{
	const struct fuse_in_header *in = buf;
	ssize_t n;

	pthread_mutex_lock(&pre_init_lock);
	pthread_cleanup_push(unlock_pre_init, NULL);
	if (!atomic_load(&pre_init)) {
		n = read_wait(fd, buf, len);
		if (n > 0)
			note_request(buf, n);
	} else {
		n = read_wait(fd, buf, len);
		if (n >= (ssize_t)sizeof(*in)) {
			if (in->opcode == FUSE_INIT) {
				note_request(buf, n);
			} else {
				feed_synthetic_init();
				if (synth_caught) {
					memcpy(hold->init_out, synth_out,
					       synth_out_len);
					hold->init_out_len =
						(uint32_t)synth_out_len;
					set_replied();
				}
			}
			atomic_store(&pre_init, false);
		}
	}
	pthread_cleanup_pop(1);
	return n;
}

/*
 * Polling (poll_us).  While it is on, /dev/fuse is in non-blocking mode
 * and a worker that wants a request first just reads: under load one is
 * queued, and it is taken without a wake-up or a word with the other
 * workers.  Only when none is queued does a worker wait, and then one
 * worker at a time, the leader, does; the others wait for their turn on a
 * semaphore, not in the kernel, so a request wakes nobody needlessly.
 * Within poll_us of the last request the leader spins on poll(2) with a
 * zero timeout, yielding the CPU between polls: a request that comes then
 * is read at once, without the wake-up of a sleeping thread (on a VM an
 * inter-processor interrupt and an exit).  Past the window it sleeps in
 * poll(2).  It hands over its turn as soon as it has a request, before
 * serving it.  With poll_us 0 the device blocks again and every worker
 * sleeps in read(2), as before polling existed.
 *
 * No thread sleeps in read(2) while the leader spins (one would be woken
 * by each request the leader takes first): the non-blocking mode makes a
 * worker caught there when polling was switched on return EAGAIN at its
 * next wake-up, and join the others.
 */
static _Atomic int leader;            /* a worker has the turn */
static _Atomic unsigned int followers; /* workers waiting for it */
static sem_t turn;                    /* posted when the turn is free */
static _Atomic uint64_t last_arrival_ns;

static void leave_turn(void)
{
	atomic_store(&leader, 0);
	if (atomic_load(&followers))
		sem_post(&turn);
}

static void leave_turn_cancelled(void *unused)
{
	(void)unused;
	leave_turn();
}

static void unfollow(void *unused)
{
	(void)unused;
	atomic_fetch_sub(&followers, 1);
}

/* Waits (a cancellation point) until the turn was free once since. */
static void wait_turn(void)
{
	atomic_fetch_add(&followers, 1);
	pthread_cleanup_push(unfollow, NULL);
	/* Counted before looking again: a leader leaving after this sees us
	 * and posts. */
	if (atomic_load(&leader))
		sem_wait(&turn);
	pthread_cleanup_pop(1);
}

/* The leader's wait: polls within the window, then sleeps in poll(2). */
static ssize_t lead(int fd, void *buf, size_t len, uint64_t window)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (now_ns() - atomic_load(&last_arrival_ns) < window &&
	       poll(&pfd, 1, 0) == 0)
		/* Lets whatever else is runnable on this CPU run first: the
		 * loop device's worker that submits the next request, most
		 * of all. */
		sched_yield();
	return read_wait(fd, buf, len);
}

/*
 * A worker that has a request wakes one more waiting for the turn if
 * another request is queued: a burst (readahead, a swap-out) is taken by
 * as many workers as it needs at once, each waking the next, not one
 * after the other through the turn.
 */
static void spread(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (atomic_load(&followers) && poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & POLLIN))
		sem_post(&turn);
}

static ssize_t read_polling(int fd, void *buf, size_t len, uint64_t window)
{
	int free_turn;
	ssize_t n;

	for (;;) {
		/* Blocks if the device does (poll_us 0, or on its way). */
		n = read(fd, buf, len);
		if (n >= 0 || errno != EAGAIN)
			break;
		free_turn = 0;
		if (!atomic_compare_exchange_strong(&leader, &free_turn, 1)) {
			wait_turn();
			continue;
		}
		pthread_cleanup_push(leave_turn_cancelled, NULL);
		n = lead(fd, buf, len, window);
		pthread_cleanup_pop(1);
		break;
	}
	if (n > 0 && window) {
		atomic_store(&last_arrival_ns, now_ns());
		spread(fd);
	}
	return n;
}

/*
 * The device's mode for @us (conn_set_poll_us()).  Back to blocking, the
 * workers waiting for the turn are let go: nobody would take the turn
 * again to wake them (reads no longer fail with EAGAIN), and libfuse,
 * which counts them as idle, would start no worker in their place.
 */
static void set_nonblocking(unsigned int us)
{
	int fl = fcntl(conn_fd, F_GETFL);
	unsigned int n;

	if (fl < 0)
		return;
	fl = us ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	if (fcntl(conn_fd, F_SETFL, fl)) {
		log_warn("poll_us: /dev/fuse: %s", strerror(errno));
		return;
	}
	if (!us)
		for (n = atomic_load(&followers); n; n--)
			sem_post(&turn);
}

static ssize_t conn_read(int fd, void *buf, size_t len, void *userdata)
{
	uint64_t zero = 0, window;
	ssize_t n;

	(void)userdata;
	atomic_compare_exchange_strong(&first_read_ns, &zero, now_ns());
	if (atomic_load(&pre_init))
		return read_pre_init(fd, buf, len);
	window = (uint64_t)atomic_load_explicit(&hold->poll_us,
						memory_order_relaxed) *
		 1000u;
	n = read_polling(fd, buf, len, window);
	if (n > 0 && atomic_load(&hold->init_state) != HOLD_INIT_REPLIED)
		note_request(buf, n);
	return n;
}

/* The first reply of a server that follows a dead one: the gap ends. */
static void note_gap(void)
{
	bool yes = true;
	uint64_t end, gap, max;

	if (!atomic_compare_exchange_strong(&gap_pending, &yes, false))
		return;
	/* Nobody waited past the moment the workers started to read if no
	 * request was queued then. */
	end = gap_waiting ? now_ns() : atomic_load(&first_read_ns);
	gap = (end - atomic_load(&hold->death_ns)) / 1000;
	atomic_store(&hold->last_gap_us, gap);
	max = atomic_load(&hold->max_gap_us);
	while (gap > max &&
	       !atomic_compare_exchange_weak(&hold->max_gap_us, &max, gap))
		;
}

static ssize_t conn_writev(int fd, struct iovec *iov, int count,
			   void *userdata)
{
	const struct fuse_out_header *out = iov[0].iov_base;
	ssize_t n;

	(void)userdata;
	if (out->unique == CONN_SYNTH_UNIQUE) {
		synth_out_len = gather(synth_out, sizeof(synth_out), iov,
				       count);
		synth_caught = true;
		return (ssize_t)iov_total(iov, count);
	}
	if (atomic_load(&init_seen) && out->unique == atomic_load(&init_unique)) {
		FAULT_POINT("init.before_reply");
		n = writev(fd, iov, count);
		FAULT_POINT("init.after_reply");
		if (n >= 0 && !out->error) {
			hold->init_out_len = (uint32_t)gather(
				hold->init_out, sizeof(hold->init_out), iov,
				count);
			set_replied();
		}
		atomic_store(&init_seen, false);
		return n;
	}
	n = writev(fd, iov, count);
	if (n >= 0 && out->unique && atomic_load(&gap_pending))
		note_gap();
	return n;
}

int conn_attach(struct fuse_session *se, int fd, struct hold_area *h)
{
	static const struct fuse_custom_io io = {
		.read = conn_read,
		.writev = conn_writev,
	};

	conn_se = se;
	conn_fd = fd;
	hold = h;
	sem_init(&turn, 0, 0);
	set_nonblocking(atomic_load(&hold->poll_us));
	if (fuse_session_custom_io(se, &io, fd))
		return -EIO;
	return 0;
}

int conn_wait_init(unsigned int seconds)
{
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&init_lock);
	while (!ret && atomic_load(&hold->init_state) != HOLD_INIT_REPLIED)
		ret = pthread_cond_timedwait(&init_done, &init_lock, &until);
	pthread_mutex_unlock(&init_lock);
	return ret ? -ret : 0;
}

/* @return whether the kernel offered FUSE_HAS_RESEND in the saved INIT. */
static bool kernel_has_resend(void)
{
	uint32_t w[5];

	if (hold->init_in_len < sizeof(w))
		return false;
	memcpy(w, hold->init_in, sizeof(w));
	return (w[3] & CONN_INIT_EXT) && (w[4] & CONN_HAS_RESEND);
}

static void resend(void)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh),
		.error = CONN_NOTIFY_RESEND,
		.unique = 0,
	};
	uint32_t state = atomic_load(&hold->init_state);

	if (state != HOLD_INIT_NONE && !kernel_has_resend()) {
		atomic_store(&hold->resend, HOLD_RESEND_NONE);
		log_warn("the kernel has no FUSE_NOTIFY_RESEND (Linux < 6.9): "
			 "requests the dead server had read stay unanswered, "
			 "and their callers wait until the mount goes");
		return;
	}
	if (write(conn_fd, &oh, sizeof(oh)) != sizeof(oh)) {
		atomic_store(&hold->resend, HOLD_RESEND_NONE);
		if (state != HOLD_INIT_NONE)
			log_warn("FUSE_NOTIFY_RESEND: %s: requests the dead "
				 "server had read stay unanswered",
				 strerror(errno));
		return;
	}
	atomic_store(&hold->resend, HOLD_RESEND_NOTIFY);
}

int conn_resume(struct fuse_session *se, char *why, size_t len)
{
	struct pollfd pfd = { .fd = conn_fd, .events = POLLIN };
	uint32_t state = atomic_load(&hold->init_state);

	(void)se;
	if (!atomic_load(&hold->death_ns))
		return 0; /* the first server: INIT comes from the kernel */
	if (state == HOLD_INIT_REPLIED) {
		feed_synthetic_init();
		if (!synth_caught || synth_out_len != hold->init_out_len ||
		    memcmp(synth_out, hold->init_out, synth_out_len)) {
			snprintf(why, len, "INIT mismatch: libfuse's reply to "
				 "the saved INIT is not the one the kernel "
				 "took");
			return -EPROTO;
		}
	} else if (state == HOLD_INIT_READ) {
		atomic_store(&pre_init, true);
	}
	resend();
	gap_waiting = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
	atomic_store(&gap_pending, true);
	return 0;
}

unsigned int conn_poll_us(void)
{
	return hold ? atomic_load(&hold->poll_us) : 0;
}

void conn_set_poll_us(unsigned int us)
{
	if (!hold)
		return;
	atomic_store(&hold->poll_us, us);
	set_nonblocking(us);
}

int conn_stat_show(char *buf, size_t size)
{
	struct hold_area none = { 0 };
	const struct hold_area *h = hold ? hold : &none;
	int n;

	n = snprintf(buf, size, "%llu %llu %llu %llu %llu %lld %u %llu %d\n",
		     (unsigned long long)atomic_load(&h->restarts),
		     (unsigned long long)atomic_load(&h->reloads),
		     (unsigned long long)atomic_load(&h->last_gap_us),
		     (unsigned long long)atomic_load(&h->max_gap_us),
		     (unsigned long long)atomic_load(&h->start_failures),
		     (long long)atomic_load(&h->last_exit),
		     (unsigned)atomic_load(&h->resend),
		     (unsigned long long)atomic_load(&h->reload_failures),
		     (int)h->holder_pid);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}
