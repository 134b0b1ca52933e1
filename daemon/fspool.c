// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fspool: the FUSE worker threads that serve fs.c's operations (fs_loop(),
 * fs_stop(); declared in fs.h).
 *
 * fs_loop() replaces libfuse's multi-threaded loop, which starts one worker
 * and creates the next from a worker that finds all others busy: under
 * memory pressure that mmap of a stack (faulted in whole by mlockall) could
 * wait for reclaim that swaps out to this very daemon, whose workers are
 * busy.  Here every worker exists before the first request, and each makes
 * its buffers and compression contexts (fs_thread_prepare()) before it
 * serves.
 *
 * Locking: running_lock protects `running`; a pool's lock protects its
 * start-up state (prepared, open, error).  Neither is held while a worker
 * serves, and they are never nested.
 */
#include "config.h"

#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "log.h"
#include "thread.h"

/* A worker's stack: the handlers keep a value or two of DEV_ATTR_MAX bytes
 * on it, and the stores, compressors and libfuse their frames; a wide
 * margin, as main.c's default for the other threads. */
#define FS_WORKER_STACK (512 * 1024)

/*
 * What the workers of one fs_loop() share.  Start-up is all or nothing:
 * each worker prepares, then waits at the gate until fs_loop() has started
 * them all and opens it; if one could not start or prepare, they all leave
 * there, before any of them reads a request.
 */
struct fs_pool {
	struct fuse_session *se;
	sem_t finish; /* posted by each worker that stops serving */
	pthread_mutex_t lock;
	pthread_cond_t gate;
	/* protected by lock: */
	unsigned int prepared; /* workers past fs_thread_prepare() */
	bool open;             /* the gate: every worker started and prepared */
	int error;             /* the first failure, or 0 */
};

/* The pool fs_loop() serves with, for fs_stop(). */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fs_pool *running; /* protected by running_lock */

struct fs_worker {
	pthread_t thread;
	/* libfuse's request buffer, allocated by the first receive; freed
	 * after the join, since a cancelled worker cannot free it. */
	struct fuse_buf fbuf;
	struct fs_pool *pool;
};

/* Remembers @err if it is the first failure.  Caller holds pool->lock. */
static void fs_pool_fail(struct fs_pool *pool, int err)
{
	if (err < 0 && err != -ENODEV && !pool->error)
		pool->error = err;
}

/* @return whether to serve: once fs_loop() opens the gate, if all is well. */
static bool fs_worker_ready(struct fs_pool *pool, int err)
{
	bool serve;

	pthread_mutex_lock(&pool->lock);
	fs_pool_fail(pool, err);
	pool->prepared++;
	pthread_cond_broadcast(&pool->gate);
	while (!pool->open)
		pthread_cond_wait(&pool->gate, &pool->lock);
	serve = !pool->error;
	pthread_mutex_unlock(&pool->lock);
	return serve;
}

static void *fs_worker(void *arg)
{
	struct fs_worker *w = arg;
	struct fs_pool *pool = w->pool;
	struct fuse_session *se = pool->se;
	int ret;

	/* Cancelled only while it waits for a request: see fs_loop(). */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	/* A name for ps -L and the privilege test (tests/system/privs.sh). */
	pthread_setname_np(pthread_self(), "zramfsd-fuse");

	ret = fs_thread_prepare();
	if (ret)
		log_err("cannot prepare a FUSE worker: %s", strerror(-ret));
	if (!fs_worker_ready(pool, ret))
		return NULL;

	while (!ret && !fuse_session_exited(se)) {
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		ret = fuse_session_receive_buf(se, &w->fbuf);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (ret == -EINTR || ret == -EAGAIN) {
			ret = 0;
		} else if (ret > 0) {
			fs_note_request(&w->fbuf);
			fuse_session_process_buf(se, &w->fbuf);
			ret = 0;
		} else if (ret == 0) {
			break; /* unmounted (ENODEV), or the session exited */
		}
	}
	pthread_mutex_lock(&pool->lock);
	fs_pool_fail(pool, ret);
	pthread_mutex_unlock(&pool->lock);
	fuse_session_exit(se);
	sem_post(&pool->finish);
	return NULL;
}

int fs_loop(struct fuse_session *se, unsigned int nthreads)
{
	struct fs_pool pool = { .se = se };
	struct fs_worker *w;
	pthread_attr_t attr;
	unsigned int i, started;
	bool serving;
	int ret;

	if (!nthreads)
		return -EINVAL;
	w = calloc(nthreads, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (sem_init(&pool.finish, 0, 0)) {
		free(w);
		return -errno;
	}
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.gate, NULL);

	pthread_mutex_lock(&running_lock);
	running = &pool;
	pthread_mutex_unlock(&running_lock);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, FS_WORKER_STACK);
	for (started = 0; started < nthreads; started++) {
		w[started].pool = &pool;
		/* Signals belong to the control thread (lib/thread.h). */
		ret = thread_create(&w[started].thread, &attr, fs_worker,
				    &w[started]);
		if (ret) {
			log_err("cannot start FUSE worker %u of %u: %s",
				started + 1, nthreads, strerror(-ret));
			pthread_mutex_lock(&pool.lock);
			fs_pool_fail(&pool, ret);
			pthread_mutex_unlock(&pool.lock);
			break;
		}
	}
	pthread_attr_destroy(&attr);

	pthread_mutex_lock(&pool.lock);
	while (pool.prepared < started)
		pthread_cond_wait(&pool.gate, &pool.lock);
	pool.open = true;
	serving = !pool.error;
	pthread_cond_broadcast(&pool.gate);
	pthread_mutex_unlock(&pool.lock);

	/*
	 * As libfuse's loop: the first worker to stop ends the session (the
	 * connection ended, or an error), or fs_stop() does, but the others
	 * may sleep in read(2) of /dev/fuse for a request that never comes.
	 * They wait there with cancellation enabled, and only there, so
	 * cancelling them interrupts no request.
	 */
	if (serving) {
		while (!fuse_session_exited(se))
			sem_wait(&pool.finish);
		for (i = 0; i < started; i++)
			pthread_cancel(w[i].thread);
	}
	for (i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		free(w[i].fbuf.mem);
	}

	pthread_mutex_lock(&running_lock);
	running = NULL;
	pthread_mutex_unlock(&running_lock);
	ret = pool.error;
	pthread_cond_destroy(&pool.gate);
	pthread_mutex_destroy(&pool.lock);
	sem_destroy(&pool.finish);
	free(w);
	fuse_session_reset(se);
	return ret;
}

void fs_stop(struct fuse_session *se)
{
	fuse_session_exit(se);
	pthread_mutex_lock(&running_lock);
	if (running)
		sem_post(&running->finish);
	pthread_mutex_unlock(&running_lock);
}
