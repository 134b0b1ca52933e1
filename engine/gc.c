// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gc: the asynchronous free queue behind discard.
 *
 * zramfs brings the idea of the 2026 kernel patch "zram: support
 * asynchronous GC for lazy slot freeing" to userspace: a discard (swap
 * telling us that slots are free) only detaches the slots, which is cheap,
 * and queues the compressed objects here; one worker thread frees them in
 * batches.  The discard returns quickly and the allocator's class locks are
 * taken by the worker, off the path of the reads and writes that follow.
 *
 *   discard ──gc_defer()──▶ [ ring of handles, bounded ] ──worker──▶ free fn
 *                               ▲ full: caller frees the rest inline
 *
 * The queue is a ring under one mutex, a mapping of its own so that it goes
 * back to the system with the queue (the daemon's heap, locked, never
 * does), sized by the caller: zstore gives a device as many entries as it
 * has pages, 2 KiB to 2 MiB.  gc_defer() copies a batch in and
 * wakes the worker if it sleeps; it never waits for the worker, so a full
 * queue degrades to synchronous freeing rather than to a stall.  The worker
 * takes up to GC_BATCH handles at a time and frees them without the lock.
 * freed_total only grows in queue order, which lets gc_drain() wait for a
 * ticket instead of for an empty queue that a busy device may never reach.
 *
 * Not here: what a handle is.  The free function knows.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fault.h"
#include "gc.h"
#include "thread.h"

#define GC_BATCH 256

struct gc {
	gc_free_fn free_fn;
	void *ctx;
	pthread_t worker;

	pthread_mutex_t lock;
	pthread_cond_t wake;    /* worker waits for work or stop */
	pthread_cond_t drained; /* gc_drain() waits for freed_total */
	/* protected by lock: */
	uint64_t *ring;
	size_t capacity;
	size_t head;   /* next handle to free */
	size_t count;  /* handles in the ring */
	size_t inflight; /* taken by the worker, not yet freed */
	bool sleeping;
	bool stop;
	struct gc_shared *sh; /* the totals */
};

/* Copies @n handles out of the ring from its head.  Caller holds gc->lock. */
static void gc_take(struct gc *gc, uint64_t *out, size_t n)
{
	size_t first = gc->capacity - gc->head;

	if (first > n)
		first = n;
	memcpy(out, gc->ring + gc->head, first * sizeof(*out));
	memcpy(out + first, gc->ring, (n - first) * sizeof(*out));
	gc->head = (gc->head + n) % gc->capacity;
	gc->count -= n;
}

/* Copies @n handles into the ring at its tail.  Caller holds gc->lock. */
static void gc_put(struct gc *gc, const uint64_t *in, size_t n)
{
	size_t tail = (gc->head + gc->count) % gc->capacity;
	size_t first = gc->capacity - tail;

	if (first > n)
		first = n;
	memcpy(gc->ring + tail, in, first * sizeof(*in));
	memcpy(gc->ring, in + first, (n - first) * sizeof(*in));
	gc->count += n;
}

static void *gc_worker(void *arg)
{
	struct gc *gc = arg;
	uint64_t batch[GC_BATCH];

	/* A name for ps -L and the privilege test (tests/system/privs.sh). */
	pthread_setname_np(pthread_self(), "zramfsd-gc");
	thread_lock_stack();

	pthread_mutex_lock(&gc->lock);
	for (;;) {
		size_t n;

		while (!gc->count && !gc->stop) {
			gc->sleeping = true;
			pthread_cond_wait(&gc->wake, &gc->lock);
			gc->sleeping = false;
		}
		if (!gc->count)
			break; /* stop, and nothing left to free */
		/* A test stops the worker here (ZRAMFS_FAULT=gc.stall:stop)
		 * to let the queue fill. */
		FAULT_POINT("gc.stall");
		n = gc->count < GC_BATCH ? gc->count : GC_BATCH;
		gc_take(gc, batch, n);
		gc->inflight = n;
		pthread_mutex_unlock(&gc->lock);

		gc->free_fn(gc->ctx, batch, n);

		pthread_mutex_lock(&gc->lock);
		gc->inflight = 0;
		gc->sh->freed_total += n;
		pthread_cond_broadcast(&gc->drained);
	}
	pthread_mutex_unlock(&gc->lock);
	thread_release_stack();
	return NULL;
}

static size_t ring_bytes(size_t capacity)
{
	return capacity * sizeof(uint64_t);
}

int gc_create(gc_free_fn fn, void *ctx, size_t capacity,
	      struct gc_shared *shared, struct gc **out)
{
	struct gc *gc;
	void *ring;
	int ret;

	if (!fn || !shared || !capacity ||
	    capacity > SIZE_MAX / sizeof(uint64_t))
		return -EINVAL;
	gc = calloc(1, sizeof(*gc));
	if (!gc)
		return -ENOMEM;
	ring = mmap(NULL, ring_bytes(capacity), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ring == MAP_FAILED) {
		free(gc);
		return -ENOMEM;
	}
	gc->ring = ring;
	gc->capacity = capacity;
	gc->free_fn = fn;
	gc->ctx = ctx;
	gc->sh = shared;
	pthread_mutex_init(&gc->lock, NULL);
	pthread_cond_init(&gc->wake, NULL);
	pthread_cond_init(&gc->drained, NULL);
	/* With the daemon's signal mask, which only SIGSEGV and the like
	 * pass (lib/thread.h). */
	ret = thread_create(&gc->worker, NULL, gc_worker, gc);
	if (ret) {
		pthread_cond_destroy(&gc->drained);
		pthread_cond_destroy(&gc->wake);
		pthread_mutex_destroy(&gc->lock);
		munmap(gc->ring, ring_bytes(capacity));
		free(gc);
		return ret;
	}
	*out = gc;
	return 0;
}

void gc_destroy(struct gc *gc)
{
	if (!gc)
		return;
	pthread_mutex_lock(&gc->lock);
	gc->stop = true;
	pthread_cond_signal(&gc->wake);
	pthread_mutex_unlock(&gc->lock);
	/* The worker frees everything still queued before it exits. */
	pthread_join(gc->worker, NULL);
	pthread_cond_destroy(&gc->drained);
	pthread_cond_destroy(&gc->wake);
	pthread_mutex_destroy(&gc->lock);
	munmap(gc->ring, ring_bytes(gc->capacity));
	free(gc);
}

size_t gc_defer(struct gc *gc, const uint64_t *handles, size_t n)
{
	size_t room, pending;

	pthread_mutex_lock(&gc->lock);
	/* The worker's batch counts against the bound: at most @capacity
	 * handles are ever pending. */
	room = gc->capacity - gc->count - gc->inflight;
	if (n > room)
		n = room;
	if (n) {
		gc_put(gc, handles, n);
		gc->sh->queued_total += n;
		pending = gc->count + gc->inflight;
		if (pending > gc->sh->max_pending)
			gc->sh->max_pending = pending;
		if (gc->sleeping)
			pthread_cond_signal(&gc->wake);
	}
	pthread_mutex_unlock(&gc->lock);
	return n;
}

void gc_drain(struct gc *gc)
{
	uint64_t ticket;

	pthread_mutex_lock(&gc->lock);
	ticket = gc->sh->queued_total;
	while (gc->sh->freed_total < ticket)
		pthread_cond_wait(&gc->drained, &gc->lock);
	pthread_mutex_unlock(&gc->lock);
}

void gc_get_stats(struct gc *gc, struct gc_stats *st)
{
	pthread_mutex_lock(&gc->lock);
	st->pending = gc->count + gc->inflight;
	st->queued_total = gc->sh->queued_total;
	st->freed_total = gc->sh->freed_total;
	st->max_pending = gc->sh->max_pending;
	pthread_mutex_unlock(&gc->lock);
}
