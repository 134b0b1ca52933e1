// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zstore-attach: zstore_attach() serves exactly what was stored and
 * refuses, with the right error and reason, what it must not read (issue
 * 12; docs/design/restart.md 3.7 and 4.2).
 *
 *   - detach and attach: the same pages, the same statistics;
 *   - another layout version or ABI: -EPROTO; a bad magic, a header
 *     checksum mismatch, impossible slots, two slots naming one object, a
 *     handle past the blocks in use, a record naming no slot: -EUCLEAN,
 *     each with its reason, and the store attaches again once mended;
 *   - repairs: an armed publish record puts its slot's old image back,
 *     lock bits of the dead are cleared;
 *   - the time an attach takes per GiB of disksize (diag).
 *
 * The corruptions poke the region at the offsets zstore.c's layout has
 * (ZSTORE_LAYOUT_VERSION 1): a white-box test, to be updated with it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "zregion.h"
#include "zstore.h"
#include "zstore_region.h"

#define PG 4096u
#define NPAGES 4096u

/* zstore.c's layout. */
#define HDR_LAYOUT 8	     /* uint32_t, after the 8-byte magic */
#define HDR_DISKSIZE 40	     /* uint64_t, checksummed */
#define RECS_OFF 4096u	     /* struct zstore_rec[128], 64 bytes each */
#define SLOTS_OFF 16384u     /* struct zslot { handle; flags; } */
#define SLOT_LOCK (1ull << 63)
#define SLOT_HUGE (1ull << 14)
#define SLOT_SIZE_MASK 0x1fffull

static struct zregion *region;

static char *base(void)
{
	return zregion_base(region);
}

static uint64_t *slot_handle(uint64_t i)
{
	return (uint64_t *)(base() + SLOTS_OFF + i * 16);
}

static uint64_t *slot_flags(uint64_t i)
{
	return (uint64_t *)(base() + SLOTS_OFF + i * 16 + 8);
}

static void page_of(uint64_t i, unsigned char *buf)
{
	size_t k;

	if (i % 7 == 0) { /* same-filled */
		memset(buf, (int)(i % 250) + 1, PG);
		return;
	}
	for (k = 0; k < PG; k++) {
		if (i % 5 == 0) /* barely compressible */
			buf[k] = (unsigned char)((i * 2654435761u +
						  k * k * 7) >> 3);
		else /* text-like */
			buf[k] = (unsigned char)('a' + (k * i / 3 + k / 7) %
							 11);
	}
}

static int attach(struct zstore **zs, char *why, size_t len)
{
	struct zstore_runtime rt = { 0 };

	*zs = NULL;
	return zstore_attach(region, &rt, zs, why, len);
}

/* @return pages that do not read back as page_of() (or zeros if punched). */
static unsigned int check_pages(struct zstore *zs)
{
	static unsigned char want[PG], got[PG];
	unsigned int bad = 0;
	uint64_t i;

	for (i = 0; i < NPAGES; i++) {
		if (i % 3 == 2)
			memset(want, 0, PG);
		else
			page_of(i, want);
		if (zstore_read(zs, got, PG, i * PG) || memcmp(got, want, PG))
			bad++;
	}
	return bad;
}

/* Attach must fail with @err and a reason containing @reason; the store
 * then attaches once @undo ran. */
static void refused(const char *what, int err, const char *reason)
{
	struct zstore *zs;
	char why[256];
	int ret = attach(&zs, why, sizeof(why));

	ok(ret == err && !zs && strstr(why, reason),
	   "%s: refused with %d (got %d): \"%s\"", what, err, ret, why);
	if (zs)
		zstore_detach(zs);
}

static void attached_again(const char *what)
{
	struct zstore *zs;
	char why[256];
	int ret = attach(&zs, why, sizeof(why));

	ok(ret == 0 && check_pages(zs) == 0,
	   "mended after %s: attaches and serves every page (%d %s)", what,
	   ret, why);
	if (!ret)
		zstore_detach(zs);
}

/* @return the index of a page holding a compressed (not huge) object. */
static uint64_t object_page(uint64_t from)
{
	uint64_t i;

	for (i = from; i < NPAGES; i++) {
		uint64_t f = *slot_flags(i);

		if ((f & SLOT_SIZE_MASK) && !(f & SLOT_HUGE))
			return i;
	}
	bail_out("no compressed page after %" PRIu64, from);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Attach time of a 1 GiB store, empty and full (diag, and a loose bound). */
static void test_attach_time(void)
{
	const uint64_t ds = 1ull << 30, n = ds / PG;
	struct zstore_params p = { .disksize = ds, .algorithm = "lz4" };
	struct zstore_runtime rt = { 0 };
	static unsigned char buf[64 * PG];
	double t0, empty, full;
	struct zregion *r;
	struct zstore *zs;
	uint64_t i, k;
	char why[128];

	if (zregion_create(zstore_region_bytes(ds), 0, &r) ||
	    zstore_create(&p, r, &zs))
		bail_out("1 GiB store");
	zstore_detach(zs);
	t0 = now_ms();
	if (zstore_attach(r, &rt, &zs, why, sizeof(why)))
		bail_out("attach: %s", why);
	empty = now_ms() - t0;
	for (i = 0; i < n; i += 64) {
		for (k = 0; k < 64; k++)
			page_of(i + k + 1, buf + k * PG);
		if (zstore_write(zs, buf, sizeof(buf), i * PG))
			bail_out("write at page %" PRIu64, i);
	}
	zstore_detach(zs);
	t0 = now_ms();
	if (zstore_attach(r, &rt, &zs, why, sizeof(why)))
		bail_out("attach: %s", why);
	full = now_ms() - t0;
	diag("attach of a 1 GiB store: %.1f ms empty, %.1f ms with every "
	     "page stored", empty, full);
	ok(full < 2000, "attach rebuilds a full 1 GiB store in %.0f ms",
	   full);
	zstore_destroy(zs);
	zregion_detach(r);
}

int main(void)
{
	struct zstore_params p = { .disksize = (uint64_t)NPAGES * PG };
	struct zstore_stats before, after;
	unsigned char buf[PG];
	struct zstore *zs;
	uint64_t i, a, b, h, f, h2, f2;
	uint32_t layout;
	char why[256];

	if (zstore_region_create(&p, &zs))
		bail_out("zstore_create");
	region = zstore_region(zs);
	for (i = 0; i < NPAGES; i++) {
		page_of(i, buf);
		if (zstore_write(zs, buf, PG, i * PG))
			bail_out("write %" PRIu64, i);
	}
	for (i = 2; i < NPAGES; i += 3)
		if (zstore_zero(zs, i * PG, PG))
			bail_out("zero %" PRIu64, i);
	zstore_compact(zs);
	zstore_gc_drain(zs);
	zstore_get_stats(zs, &before);
	zstore_detach(zs);

	ok(attach(&zs, why, sizeof(why)) == 0, "detached store attaches (%s)",
	   why);
	zstore_get_stats(zs, &after);
	ok(check_pages(zs) == 0, "every page reads back as stored");
	ok(!memcmp(&before, &after, sizeof(before)),
	   "statistics identical (orig %" PRIu64 "/%" PRIu64 ", compr %"
	   PRIu64 "/%" PRIu64 ", used %" PRIu64 "/%" PRIu64 ")",
	   before.mm.orig_data_size, after.mm.orig_data_size,
	   before.mm.compr_data_size, after.mm.compr_data_size,
	   before.mm.mem_used_total, after.mm.mem_used_total);
	zstore_detach(zs);

	/* Header. */
	memcpy(&layout, base() + HDR_LAYOUT, sizeof(layout));
	layout++;
	memcpy(base() + HDR_LAYOUT, &layout, sizeof(layout));
	refused("another layout version", -EPROTO, "layout 2");
	layout--;
	memcpy(base() + HDR_LAYOUT, &layout, sizeof(layout));

	base()[0] ^= 1;
	refused("a bad magic", -EUCLEAN, "magic");
	base()[0] ^= 1;

	base()[HDR_DISKSIZE + 2] ^= 1;
	refused("a changed disksize", -EUCLEAN, "checksum");
	base()[HDR_DISKSIZE + 2] ^= 1;
	attached_again("the header");

	/* Slots. */
	a = object_page(0);
	b = object_page(a + 1);
	*slot_flags(a) |= 1ull << 15;
	refused("a reserved bit", -EUCLEAN, "reserved bits set");
	*slot_flags(a) &= ~(1ull << 15);

	f = *slot_flags(a);
	*slot_flags(a) = (f & ~SLOT_SIZE_MASK) | PG;
	refused("a page-sized object not huge", -EUCLEAN, "huge flag");
	*slot_flags(a) = f;

	h = *slot_handle(b);
	f2 = *slot_flags(b);
	*slot_handle(b) = *slot_handle(a);
	*slot_flags(b) = *slot_flags(a);
	refused("two slots naming one object", -EUCLEAN,
		"object another slot names");
	*slot_handle(b) = h;
	*slot_flags(b) = f2;

	h = *slot_handle(a);
	*slot_handle(a) = h | (0xfffffull << 19);
	refused("a handle past the blocks in use", -EUCLEAN,
		"block outside the blocks in use");
	*slot_handle(a) = h;

	*(uint64_t *)(base() + RECS_OFF) = NPAGES + 5;
	refused("a record naming no slot", -EUCLEAN, "record 0 names slot");
	*(uint64_t *)(base() + RECS_OFF) = 0;
	attached_again("the slots");

	/*
	 * Repairs.  A write torn between its two stores: the record holds
	 * the old image (page a's), the slot half of the new one (page b's
	 * handle with a's flags).  And locks left set.
	 */
	h = *slot_handle(a);
	f = *slot_flags(a);
	h2 = *slot_handle(b);
	{
		uint64_t *rec = (uint64_t *)(base() + RECS_OFF + 64 * 3);

		rec[1] = h;
		rec[2] = f;
		rec[0] = a + 1; /* armed */
		*slot_handle(a) = h2;
		*slot_flags(a) = f | SLOT_LOCK;
		for (i = 0; i < NPAGES; i += 97)
			*slot_flags(i) |= SLOT_LOCK;
		ok(attach(&zs, why, sizeof(why)) == 0 && check_pages(zs) == 0,
		   "a torn slot is put back from its record, stale locks "
		   "cleared: every page reads back (%s)", why);
		ok(rec[0] == 0 && *slot_handle(a) == h &&
			   !(*slot_flags(a) & SLOT_LOCK),
		   "the record is disarmed, the slot whole and unlocked");
		zstore_get_stats(zs, &after);
		ok(!memcmp(&before.mm, &after.mm, sizeof(before.mm)),
		   "and the statistics are those stored");
	}
	zstore_destroy(zs);
	refused("a destroyed store", -EUCLEAN, "magic");
	zregion_detach(region);

	test_attach_time();
	return tap_done();
}
