// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-attr: a libFuzzer target for the attribute write parsers of dev.c,
 * run against a reference model of a device's settings.
 *
 * The input is a sequence of writes, each a selector byte (which attribute)
 * followed by the value, up to a NUL byte or the end.  Values hold no NUL
 * and are shorter than DEV_ATTR_MAX, as fs.c guarantees before any store
 * runs.  Each input starts from a fresh device zramfs0; every writable
 * attribute is reached through dev_store() as a user's write would reach
 * it, except swap, whose store runs on the control thread alone (dev.h's
 * slow thread): its parser, dev_parse_swap(), is checked on its own.  The selectors are letters so
 * that corpus files stay readable:
 *
 *	d disksize   r reset      c comp_algorithm   p algorithm_params
 *	s max_comp_streams        l mem_limit        u mem_used_max
 *	k compact    g gc_mode    w swap (parse only)
 *
 * (any other byte picks one by its value).  After every write:
 *
 *  - the value passed dev_attr_value(), the one rule every attribute write
 *    meets first, or the write failed with EINVAL; what the rule lets
 *    through is the value less one trailing newline, with no newline left
 *    and no blank at either end;
 *  - the result is the one the model predicts: 0, or EINVAL for a
 *    malformed or out-of-range value, EBUSY once initialised, ENOMEM for
 *    a disksize beyond what RAM can index (algorithm_params is checked
 *    only for its possible results);
 *  - every readable attribute renders a NUL-terminated line shorter than
 *    DEV_ATTR_MAX, and disksize, initstate, comp_algorithm's [active] one,
 *    mem_limit (also in mm_stat) and gc_mode read what the model holds;
 *    what algorithm_params reads, written back before initialisation, is
 *    accepted and reads the same;
 *  - so a rejected write changed nothing.
 *
 * The model decides with the same functions the stores use (lib/size.c,
 * dev.h's rule and bounds): this checks the stores' plumbing, bounds and
 * state rules, not the number syntax (tests/unit/test-size.c does that).  Sizes are capped so that a
 * fuzzed disksize cannot make the fuzzer itself run out of memory.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "array_size.h"
#include "dev.h"
#include "fuzz.h"
#include "size.h"
#include "state.h"
#include "swapopt.h"
#include "zcomp.h"
#include "zstat.h"
#include "ztree.h"

const char fuzz_name[] = "attr";

/* Bigger devices are not created here (their slot table would be mapped). */
#define FUZZ_DISKSIZE_CAP (256ull << 20)

struct model {
	bool init;
	uint64_t disksize;
	char algorithm[DEV_ALGO_MAX];
	uint64_t mem_limit;
	const char *gc_mode;
};

static const char *const sel_names[] = {
	"disksize", "reset", "comp_algorithm", "algorithm_params",
	"max_comp_streams", "mem_limit", "mem_used_max", "compact", "gc_mode",
	"swap",
};
static const char sel_chars[] = "drcpslukgw";
#define NSEL ARRAY_SIZE(sel_names)
_Static_assert(sizeof(sel_chars) - 1 == NSEL, "one letter per attribute");

static uint64_t ram;

static void model_reset(struct model *m)
{
	m->init = false;
	m->disksize = 0;
	snprintf(m->algorithm, sizeof(m->algorithm), "%s", zcomp_default());
	m->mem_limit = 0;
	m->gc_mode = ztree_gc_mode_name(ZTREE_GC_ASYNC);
}

/*
 * dev_attr_value() on @raw (@len bytes): what it lets through is @raw less
 * one trailing newline, and holds no newline and no blank at either end.
 * @return whether it let @raw through, the value in @out.
 */
static bool attr_value(const char *raw, size_t len, char *out, size_t size)
{
	size_t vlen;

	if (dev_attr_value(raw, len, out, size))
		return false;
	vlen = strlen(out);
	fuzz_check(vlen == len - (len && raw[len - 1] == '\n') &&
			   !memcmp(out, raw, vlen) && !strchr(out, '\n') &&
			   (!vlen || (!isspace((unsigned char)out[0]) &&
				      !isspace((unsigned char)out[vlen - 1]))),
		   "dev_attr_value let '%.*s' through as '%s'", (int)len, raw,
		   out);
	return true;
}

static bool parse_u64_is(const char *v, uint64_t max, uint64_t want)
{
	uint64_t n;

	return !size_parse_u64(v, max, &n) && n == want;
}

/*
 * What writing @raw (@len bytes) to attribute @sel must do to @m.
 * @return the expected result, or 1 if only "0, EINVAL or EBUSY" is known;
 * *@skip when the write must not be made here (too big a device).
 */
static int predict(struct model *m, unsigned sel, const char *raw, size_t len,
		   bool *skip)
{
	enum ztree_gc_mode mode;
	char v[DEV_ATTR_MAX];
	uint64_t n;

	*skip = false;
	if (!attr_value(raw, len, v, sizeof(v)))
		return -EINVAL;
	switch (sel) {
	case 0: /* disksize */
		if (size_parse(v, &n))
			return -EINVAL;
		n = size_page_align(n);
		if (!n || n > DEV_DISKSIZE_MAX)
			return -EINVAL;
		if (m->init)
			return -EBUSY;
		if (n / DEV_DISKSIZE_RAM_FACTOR > ram)
			return -ENOMEM;
		if (n > FUZZ_DISKSIZE_CAP) {
			*skip = true;
			return 0;
		}
		m->init = true;
		m->disksize = n;
		return 0;
	case 1: /* reset */
		if (size_parse_u64(v, UINT64_MAX, &n) || !n)
			return -EINVAL;
		model_reset(m);
		return 0;
	case 2: /* comp_algorithm */
		if (strlen(v) >= sizeof(m->algorithm) || !zcomp_available(v))
			return -EINVAL;
		if (m->init)
			return -EBUSY;
		strcpy(m->algorithm, v);
		return 0;
	case 3: /* algorithm_params */
		return 1;
	case 4: /* max_comp_streams */
		if (size_parse_u64(v, INT32_MAX, &n) || !n)
			return -EINVAL;
		return 0;
	case 5: /* mem_limit */
		if (size_parse(v, &n))
			return -EINVAL;
		m->mem_limit = size_page_align(n);
		return 0;
	case 6: /* mem_used_max */
		return parse_u64_is(v, UINT64_MAX, 0) ? 0 : -EINVAL;
	case 7: /* compact */
		return parse_u64_is(v, UINT64_MAX, 1) && m->init ? 0 : -EINVAL;
	case 8: /* gc_mode */
		if (ztree_gc_mode_parse(v, &mode))
			return -EINVAL;
		m->gc_mode = ztree_gc_mode_name(mode);
		return 0;
	}
	abort();
}

/* Renders attribute @name. @return its value (a static buffer). */
static const char *show(struct dev *d, const char *name)
{
	static char buf[DEV_ATTR_MAX + 1];
	unsigned i;
	int len;

	for (i = 0; i < DEV_NATTRS; i++) {
		if (strcmp(dev_attrs[i].name, name))
			continue;
		memset(buf, 'x', sizeof(buf));
		len = dev_attrs[i].show(d, buf, DEV_ATTR_MAX);
		fuzz_check(len > 0 && len < DEV_ATTR_MAX && buf[len] == '\0' &&
				   buf[len - 1] == '\n' &&
				   strlen(buf) == (size_t)len,
			   "%s renders %d bytes", name, len);
		return buf;
	}
	abort();
}

static uint64_t show_u64(struct dev *d, const char *name)
{
	const char *v = show(d, name);
	uint64_t n;

	fuzz_check(!size_parse_u64(v, UINT64_MAX, &n), "%s reads '%s'", name,
		   v);
	return n;
}

/* algorithm_params reads an empty line or "algo=NAME PARAMS", which,
 * written back before initialisation, changes nothing. */
static void check_params(struct dev *d, const struct model *m, const char *op)
{
	char before[DEV_ATTR_MAX];
	int ret;

	snprintf(before, sizeof(before), "%s", show(d, "algorithm_params"));
	fuzz_check(!strcmp(before, "\n") ||
			   (!strncmp(before, "algo=", 5) && strchr(before, ' ')),
		   "after %s: algorithm_params reads '%s'", op, before);
	if (m->init)
		return;
	ret = dev_store(d, "algorithm_params", before);
	fuzz_check(ret == 0 && !strcmp(show(d, "algorithm_params"), before),
		   "after %s: algorithm_params '%s' written back: %d, reads '%s'",
		   op, before, ret, show(d, "algorithm_params"));
}

/* The device reads what the model holds. */
static void check_model(struct dev *d, const struct model *m, const char *op)
{
	struct zstat_mm mm;
	const char *v, *open;
	char active[64];
	unsigned i;

	for (i = 0; i < DEV_NATTRS; i++)
		if (dev_attrs[i].show)
			show(d, dev_attrs[i].name);
	fuzz_check(show_u64(d, "disksize") == m->disksize,
		   "after %s: disksize %s, want %llu", op, show(d, "disksize"),
		   (unsigned long long)m->disksize);
	fuzz_check(show_u64(d, "initstate") == m->init, "after %s: initstate",
		   op);
	v = show(d, "comp_algorithm");
	open = strchr(v, '[');
	fuzz_check(open && sscanf(open, "[%63[^]]]", active) == 1 &&
			   !strcmp(active, m->algorithm),
		   "after %s: comp_algorithm '%s', want [%s]", op, v,
		   m->algorithm);
	fuzz_check(show_u64(d, "mem_limit") == m->mem_limit,
		   "after %s: mem_limit %s, want %llu", op, show(d, "mem_limit"),
		   (unsigned long long)m->mem_limit);
	fuzz_check(!zstat_parse(show(d, "mm_stat"), zstat_mm_fields,
				zstat_mm_nfields, &mm) &&
			   mm.mem_limit == m->mem_limit,
		   "after %s: mm_stat '%s'", op, show(d, "mm_stat"));
	v = show(d, "gc_mode");
	fuzz_check(!strncmp(v, m->gc_mode, strlen(m->gc_mode)) &&
			   v[strlen(m->gc_mode)] == '\n',
		   "after %s: gc_mode '%s', want %s", op, v, m->gc_mode);
	check_params(d, m, op);
}

/* dev_parse_swap: only "on [priority=P] [discard=POLICY]" or "off", and
 * what it accepts reads back the same once formatted. */
static void check_swap_parse(const char *v)
{
	enum swapopt_discard discard, discard2;
	int prio, prio2, ret;
	bool on, on2;
	char again[128];
	const char *name;

	ret = dev_parse_swap(v, &on, &prio, &discard);
	fuzz_check(ret == 0 || ret == -EINVAL, "swap '%s': %d", v, ret);
	if (ret)
		return;
	if (!on) {
		fuzz_check(strstr(v, "off"), "swap '%s' parsed as off", v);
		return;
	}
	name = swapopt_discard_name(discard);
	fuzz_check(prio >= -1 && prio <= SWAPOPT_PRIO_MAX && name,
		   "swap '%s': priority %d discard %d", v, prio, discard);
	snprintf(again, sizeof(again), "on priority=%d discard=%s\n", prio,
		 name);
	fuzz_check(!dev_parse_swap(again, &on2, &prio2, &discard2) && on2 &&
			   prio2 == prio && discard2 == discard,
		   "swap '%s' does not read back as '%s'", v, again);
}

/* Selector byte -> attribute index. */
static unsigned selector(uint8_t c)
{
	const char *p = c ? memchr(sel_chars, c, NSEL) : NULL;

	return p ? (unsigned)(p - sel_chars) : c % NSEL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char value[DEV_ATTR_MAX];
	struct model m;
	struct dev *d;
	size_t pos = 0;
	int id;

	if (!ram) {
		struct sysinfo si;

		if (sysinfo(&si))
			abort();
		ram = (uint64_t)si.totalram * si.mem_unit;
	}
	if (state_region_id() < 0)
		fuzz_check(!state_open(-1), "state_open");
	id = dev_add(0);
	fuzz_check(id == 0, "dev_add: %d", id);
	d = dev_get(0);
	fuzz_check(d, "dev_get");
	model_reset(&m);
	check_model(d, &m, "hot_add");

	while (pos < size) {
		unsigned sel = selector(data[pos++]);
		const uint8_t *nul = memchr(data + pos, '\0', size - pos);
		size_t len = (nul ? (size_t)(nul - data) : size) - pos;
		int want, got;
		bool skip;

		if (len >= sizeof(value)) {
			/* fs.c refuses it (EINVAL) before any store. */
			pos += len + 1;
			continue;
		}
		memcpy(value, data + pos, len);
		value[len] = '\0';
		pos += len + 1;

		if (sel == NSEL - 1) {
			check_swap_parse(value);
			continue;
		}
		want = predict(&m, sel, value, len, &skip);
		if (skip)
			continue;
		got = dev_store(d, sel_names[sel], value);
		if (want == 1)
			fuzz_check(got == 0 || got == -EINVAL || got == -EBUSY,
				   "%s '%s': %d", sel_names[sel], value, got);
		else
			fuzz_check(got == want, "%s '%s': %d, want %d",
				   sel_names[sel], value, got, want);
		check_model(d, &m, sel_names[sel]);
	}

	dev_put(d);
	fuzz_check(dev_hot_remove(0) == 0, "hot_remove");
	return 0;
}
