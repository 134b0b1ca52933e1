// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state: the daemon's state region (state.h has its layout and commit
 * points).  This file makes, attaches and validates the region, flips the
 * shadow copies of device records, and keeps the handle table's free list,
 * which is private and rebuilt from the entries on attach.
 *
 * Validation refuses, never repairs: a region of another layout
 * (-EPROTO) or one whose words hold values no server writes (-EUCLEAN) is
 * not served, and its reason is logged.  The values of the settings are
 * checked by dev_restore_all() with the attributes' own checks.
 *
 * Locking: free_lock protects the free list and serialises the changes of
 * handle entries (allocation, release); lookups take no lock.  Device
 * records are written by dev.c under the device's own locks.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "fault.h"
#include "log.h"
#include "region.h"
#include "state.h"

static struct zregion *state_zr;
static struct state_hdr *hdr;
static struct state_dev *devs;
static struct state_handle *handles;

static pthread_mutex_t free_lock = PTHREAD_MUTEX_INITIALIZER;
/* protected by free_lock: the free entries, lowest index on top */
static uint32_t free_stack[STATE_HANDLES];
static uint32_t free_top;

/* The order of a crash: everything before it in program order is seen by
 * the next server (state.h). */
static void commit_fence(void)
{
	atomic_signal_fence(memory_order_seq_cst);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t devs_offset(void)
{
	return align_up(sizeof(struct state_hdr), 64);
}

static uint64_t handles_offset(void)
{
	return align_up(devs_offset() + STATE_DEVS * sizeof(struct state_dev),
			4096);
}

static uint64_t region_bytes(void)
{
	return handles_offset() + STATE_HANDLES * sizeof(struct state_handle);
}

static void map_parts(void)
{
	char *base = zregion_base(state_zr);

	hdr = (struct state_hdr *)base;
	devs = (struct state_dev *)(base + hdr->devs_off);
	handles = (struct state_handle *)(base + hdr->handles_off);
}

/* Pushes every free entry, so that the lowest index is taken first. */
static void build_free_list(void)
{
	uint32_t i = STATE_HANDLES;

	free_top = 0;
	while (i--)
		if (atomic_load_explicit(&handles[i].state,
					 memory_order_relaxed) == STATE_FH_FREE)
			free_stack[free_top++] = i;
}

static void init_region(void)
{
	char *base = zregion_base(state_zr);
	struct state_hdr *h = (struct state_hdr *)base;
	int i;

	memcpy(h->magic, STATE_MAGIC, sizeof(h->magic));
	h->layout = STATE_LAYOUT_VERSION;
	h->hdr_size = sizeof(struct state_hdr);
	h->dev_size = sizeof(struct state_dev);
	h->handle_size = sizeof(struct state_handle);
	h->ndevs = STATE_DEVS;
	h->nhandles = STATE_HANDLES;
	h->endian = STATE_ENDIAN;
	h->devs_off = devs_offset();
	h->handles_off = handles_offset();
	h->bytes = region_bytes();
	map_parts();
	for (i = 0; i < STATE_DEVS; i++) {
		devs[i].conf[0].store_id = devs[i].conf[1].store_id = -1;
		atomic_store_explicit(&devs[i].spare_store, -1,
				      memory_order_relaxed);
	}
	for (i = 0; i < STATE_HANDLES; i++)
		atomic_store_explicit(&handles[i].hot_add_id, -1,
				      memory_order_relaxed);
	commit_fence();
	atomic_store_explicit(&h->ready, 1, memory_order_relaxed);
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* @return 0, or -EUCLEAN with the reason logged. */
static int check_dev(int id, const struct state_dev *r)
{
	const struct state_conf *c;
	const struct state_swap *s;
	uint32_t cc = atomic_load(&r->conf_cur);
	uint32_t sc = atomic_load(&r->swap_cur);
	uint32_t present = atomic_load(&r->present);
	int32_t spare = atomic_load(&r->spare_store);

	if (present > 1 || cc > 1 || sc > 1 || spare < -1) {
		log_err("state: device record %d: present %u, conf_cur %u, "
			"swap_cur %u, spare_store %d", id, present, cc, sc,
			spare);
		return -EUCLEAN;
	}
	c = &r->conf[cc];
	s = &r->swap[sc];
	if (c->store_id < -1 || !c->disksize != (c->store_id < 0)) {
		log_err("state: device record %d: disksize %llu, store "
			"region %d", id, (unsigned long long)c->disksize,
			c->store_id);
		return -EUCLEAN;
	}
	if (!terminated(c->algorithm, sizeof(c->algorithm)) ||
	    !terminated(c->params, sizeof(c->params)) ||
	    !terminated(c->params_algo, sizeof(c->params_algo)) ||
	    !terminated(s->loop_dev, sizeof(s->loop_dev))) {
		log_err("state: device record %d: a string without its end",
			id);
		return -EUCLEAN;
	}
	if (s->intent > STATE_SWAP_DETACHING) {
		log_err("state: device record %d: swap intent %u", id,
			s->intent);
		return -EUCLEAN;
	}
	return 0;
}

static int check_handle(uint32_t i, const struct state_handle *e)
{
	uint32_t st = atomic_load(&e->state);

	if (st == STATE_FH_FREE)
		return 0;
	if (st != STATE_FH_OPEN || e->dev < -1 || e->dev >= STATE_DEVS ||
	    (e->flags & ~(STATE_FH_DATA | STATE_FH_DIRECT)) ||
	    ((e->flags & STATE_FH_DATA) && e->dev < 0) || !e->gen) {
		log_err("state: handle %u: state %u, device %d, flags %#x, "
			"generation %u", i, st, e->dev, e->flags,
			atomic_load(&e->gen));
		return -EUCLEAN;
	}
	return 0;
}

/* @return 0, -EPROTO (another layout) or -EUCLEAN, the reason logged. */
static int validate(void)
{
	const struct state_hdr *h = zregion_base(state_zr);
	uint64_t size = zregion_size(state_zr);
	uint32_t i;
	int ret;

	if (size < sizeof(*h) || memcmp(h->magic, STATE_MAGIC,
					 sizeof(h->magic))) {
		log_err("state: region %d is no zramfsd state region",
			zregion_id(state_zr));
		return -EUCLEAN;
	}
	if (h->layout != STATE_LAYOUT_VERSION || h->endian != STATE_ENDIAN ||
	    h->hdr_size != sizeof(struct state_hdr) ||
	    h->dev_size != sizeof(struct state_dev) ||
	    h->handle_size != sizeof(struct state_handle) ||
	    h->ndevs != STATE_DEVS || h->nhandles != STATE_HANDLES) {
		log_err("state: region %d has layout %u (structs %u/%u/%u, "
			"%u devices, %u handles, %s byte order); this "
			"zramfsd reads layout %u (%zu/%zu/%zu, %u, %u, its "
			"own byte order) only", zregion_id(state_zr),
			h->layout, h->hdr_size, h->dev_size, h->handle_size,
			h->ndevs, h->nhandles,
			h->endian == STATE_ENDIAN ? "the same" : "another",
			STATE_LAYOUT_VERSION, sizeof(struct state_hdr),
			sizeof(struct state_dev), sizeof(struct state_handle),
			STATE_DEVS, STATE_HANDLES);
		return -EPROTO;
	}
	if (!atomic_load(&h->ready) || h->devs_off != devs_offset() ||
	    h->handles_off != handles_offset() || h->bytes != region_bytes() ||
	    size < h->bytes) {
		log_err("state: region %d: header %s (ready %u, %llu of %llu "
			"bytes)", zregion_id(state_zr), "incomplete or corrupt",
			atomic_load(&h->ready),
			(unsigned long long)h->bytes,
			(unsigned long long)size);
		return -EUCLEAN;
	}
	map_parts();
	for (i = 0; i < STATE_DEVS; i++) {
		ret = check_dev((int)i, &devs[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < STATE_HANDLES; i++) {
		ret = check_handle(i, &handles[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int state_open(int id)
{
	int ret;

	if (state_zr)
		return -EEXIST;
	ret = id < 0 ? region_new(region_bytes(), &state_zr)
		     : region_attach(id, &state_zr);
	if (ret) {
		log_err("state: cannot %s the state region%s: %s",
			id < 0 ? "make" : "attach", id < 0 ? "" : " (id given)",
			strerror(-ret));
		state_zr = NULL;
		return ret;
	}
	if (id < 0) {
		init_region();
	} else {
		ret = validate();
		if (ret) {
			zregion_detach(state_zr);
			state_zr = NULL;
			hdr = NULL;
			devs = NULL;
			handles = NULL;
			return ret;
		}
	}
	pthread_mutex_lock(&free_lock);
	build_free_list();
	pthread_mutex_unlock(&free_lock);
	return 0;
}

int state_region_id(void)
{
	return state_zr ? zregion_id(state_zr) : -1;
}

void state_close(void)
{
	if (!state_zr)
		return;
	/* Not region_drop(): the region stays for the next server. */
	zregion_detach(state_zr);
	state_zr = NULL;
	hdr = NULL;
	devs = NULL;
	handles = NULL;
}

struct state_dev *state_dev(int id)
{
	if (!devs || id < 0 || id >= STATE_DEVS)
		return NULL;
	return &devs[id];
}

/*
 * Shadow-and-flip: writes @val into the one of the two @size-byte copies at
 * @copies that *@cur does not name, then names it: the commit.
 */
static void flip_commit(_Atomic uint32_t *cur, void *copies, size_t size,
			const void *val, const char *point)
{
	uint32_t next = !atomic_load_explicit(cur, memory_order_relaxed);

	memcpy((char *)copies + next * size, val, size);
	commit_fence();
	FAULT_POINT(point);
	atomic_store_explicit(cur, next, memory_order_relaxed);
	commit_fence();
}

const struct state_conf *state_conf(const struct state_dev *r)
{
	return &r->conf[atomic_load_explicit(&r->conf_cur,
					     memory_order_relaxed)];
}

void state_conf_commit(struct state_dev *r, const struct state_conf *c)
{
	flip_commit(&r->conf_cur, r->conf, sizeof(*c), c,
		    "state.conf.before_flip");
}

const struct state_swap *state_swap(const struct state_dev *r)
{
	return &r->swap[atomic_load_explicit(&r->swap_cur,
					     memory_order_relaxed)];
}

void state_swap_commit(struct state_dev *r, const struct state_swap *s)
{
	flip_commit(&r->swap_cur, r->swap, sizeof(*s), s,
		    "state.swap.before_flip");
}

void state_dev_set_spare(struct state_dev *r, int store_id)
{
	commit_fence();
	atomic_store_explicit(&r->spare_store, store_id, memory_order_relaxed);
	commit_fence();
}

void state_dev_commit_present(struct state_dev *r, bool present)
{
	commit_fence();
	atomic_store_explicit(&r->present, present, memory_order_relaxed);
	commit_fence();
}

/* --- the handle table ----------------------------------------------------- */

#define FH_INDEX(fh) ((uint32_t)(fh))
#define FH_GEN(fh) ((uint32_t)((fh) >> 32))

/* @return @fh's entry if it is open with @fh's generation, else NULL. */
static struct state_handle *fh_entry(uint64_t fh)
{
	struct state_handle *e;

	if (!handles || FH_INDEX(fh) >= STATE_HANDLES)
		return NULL;
	e = &handles[FH_INDEX(fh)];
	if (atomic_load_explicit(&e->state, memory_order_acquire) !=
		    STATE_FH_OPEN ||
	    atomic_load_explicit(&e->gen, memory_order_relaxed) != FH_GEN(fh))
		return NULL;
	return e;
}

static void copy_out(const struct state_handle *e, struct state_fh *f)
{
	f->open_unique = e->open_unique;
	f->ino = e->ino;
	f->dev = e->dev;
	f->flags = e->flags;
	f->hot_add_id = atomic_load_explicit(&e->hot_add_id,
					     memory_order_relaxed);
}

int state_handle_new(const struct state_fh *f, uint64_t *fh)
{
	struct state_handle *e;
	uint32_t idx, gen;

	pthread_mutex_lock(&free_lock);
	if (!handles || !free_top) {
		pthread_mutex_unlock(&free_lock);
		return -ENFILE;
	}
	idx = free_stack[--free_top];
	e = &handles[idx];
	gen = atomic_load_explicit(&e->gen, memory_order_relaxed) + 1;
	if (!gen)
		gen = 1; /* 0 is "never opened": fh 0 is never valid */
	atomic_store_explicit(&e->gen, gen, memory_order_relaxed);
	e->open_unique = f->open_unique;
	e->ino = f->ino;
	e->dev = f->dev;
	e->flags = f->flags;
	atomic_store_explicit(&e->hot_add_id, -1, memory_order_relaxed);
	commit_fence();
	FAULT_POINT("state.handle.before_open");
	atomic_store_explicit(&e->state, STATE_FH_OPEN, memory_order_release);
	commit_fence();
	pthread_mutex_unlock(&free_lock);
	*fh = idx | (uint64_t)gen << 32;
	return 0;
}

int state_handle_get(uint64_t fh, struct state_fh *f)
{
	struct state_handle *e = fh_entry(fh);

	if (!e)
		return -EBADF;
	copy_out(e, f);
	return 0;
}

int state_handle_set_hot_add(uint64_t fh, int id)
{
	struct state_handle *e = fh_entry(fh);

	if (!e)
		return -EBADF;
	atomic_store_explicit(&e->hot_add_id, id, memory_order_relaxed);
	commit_fence();
	return 0;
}

int state_handle_free(uint64_t fh)
{
	struct state_handle *e;
	int ret = -EBADF;

	pthread_mutex_lock(&free_lock);
	e = fh_entry(fh);
	if (e) {
		commit_fence();
		atomic_store_explicit(&e->state, STATE_FH_FREE,
				      memory_order_relaxed);
		commit_fence();
		free_stack[free_top++] = FH_INDEX(fh);
		ret = 0;
	}
	pthread_mutex_unlock(&free_lock);
	return ret;
}

uint64_t state_handle_find(uint64_t unique)
{
	struct state_fh f;
	uint64_t fh = 0;

	while (unique && (fh = state_handle_next(fh, &f)))
		if (f.open_unique == unique)
			return fh;
	return 0;
}

uint64_t state_handle_next(uint64_t fh, struct state_fh *f)
{
	uint32_t i = fh ? FH_INDEX(fh) + 1 : 0;

	for (; handles && i < STATE_HANDLES; i++) {
		struct state_handle *e = &handles[i];
		uint64_t cur;

		if (atomic_load_explicit(&e->state, memory_order_acquire) !=
		    STATE_FH_OPEN)
			continue;
		cur = i | (uint64_t)atomic_load_explicit(
				  &e->gen, memory_order_relaxed) << 32;
		copy_out(e, f);
		return cur;
	}
	return 0;
}
