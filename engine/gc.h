/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gc: the asynchronous free queue behind discard.
 *
 * A discard detaches its slots at once and hands the handles of their
 * compressed objects to gc_defer(); a worker thread frees them in batches, so
 * the discard returns without paying for the frees and readers and writers
 * are never stalled behind them.  The queue is bounded: when it is full,
 * gc_defer() takes only what fits and the caller frees the rest inline.
 * The queue knows nothing of slots or pools: it calls one free function.
 */
#ifndef ZRAMFS_GC_H
#define ZRAMFS_GC_H

#include <stddef.h>
#include <stdint.h>

/* Frees @n handles; called by the worker without the queue lock held. */
typedef void (*gc_free_fn)(void *ctx, const uint64_t *handles, size_t n);

struct gc;

/* The totals, in memory of the caller's that may outlive the process
 * (zstore's region): read and written under the queue's lock. */
struct gc_shared {
	uint64_t queued_total;
	uint64_t freed_total;
	uint64_t max_pending;
};

struct gc_stats {
	uint64_t pending;      /* handles queued, not yet freed */
	uint64_t queued_total; /* handles ever queued */
	uint64_t freed_total;  /* handles ever freed by the worker */
	uint64_t max_pending;  /* high-water mark of pending */
};

/*
 * Starts the worker.  @capacity is the queue length in handles; @shared
 * holds the totals (kept as they are: the ring starts empty).
 * @return 0 and the queue in *@out, or -errno.
 */
int gc_create(gc_free_fn fn, void *ctx, size_t capacity,
	      struct gc_shared *shared, struct gc **out);

/* Drains the queue, stops the worker and frees the queue. */
void gc_destroy(struct gc *gc);

/*
 * Queues up to @n handles.  Never blocks on the worker.
 * @return how many were queued (the first ones); the caller frees the rest.
 */
size_t gc_defer(struct gc *gc, const uint64_t *handles, size_t n);

/* Waits until every handle queued before the call has been freed. */
void gc_drain(struct gc *gc);

void gc_get_stats(struct gc *gc, struct gc_stats *st);

#endif
