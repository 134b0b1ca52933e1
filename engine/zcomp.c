// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zcomp: the compressors behind one small vtable (see zcomp.h).
 *
 * zcomp_backends[] lists the backends (struct zcomp_ops, zcomp_impl.h); a
 * name, its levels, its parameters and its contexts are all looked up in
 * that table.  A struct zcomp is just a backend and a level, immutable, so
 * any number of threads share it without a lock.
 *
 * Working memory is per thread and per backend, not per struct zcomp: the
 * libraries take the level with every call, so one LZ4 state or ZSTD_CCtx
 * serves every compressor of its backend in that thread.  A thread's
 * contexts hang off one process-wide pthread key:
 *
 *   pthread_getspecific(zcomp_key) -> struct zcomp_thread
 *                                       ctx[backend][ZCOMP_CCTX | ZCOMP_DCTX]
 *
 * Each slot is filled on the thread's first (de)compression with that
 * backend, so the hot path is one pthread_getspecific() and two loads: no
 * lock, no allocation.  The key's destructor frees everything when the
 * thread exits.  The main thread usually never exits that way, so when the
 * last struct zcomp is destroyed the calling thread's contexts are freed
 * too (they would only be made again on next use).
 *
 * A FUSE worker must not allocate while it serves: under memory pressure
 * the allocation could wait for reclaim that swaps out to zramfs itself.
 * So it calls zcomp_thread_prepare() before its first request, which makes
 * every context of every backend and runs each once, and its contexts are
 * pinned: freed only when it exits, not when it happens to destroy the last
 * struct zcomp (a hot_remove).
 *
 * This module does not choose what to do with an incompressible page: it
 * reports -ENOSPC and the caller stores the page raw.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "zcomp.h"
#include "zcomp_impl.h"

/* The first one is the default. */
static const struct zcomp_ops *const zcomp_backends[] = {
	&zcomp_lz4_ops,
	&zcomp_lz4hc_ops,
	&zcomp_zstd_ops,
};

#define ZCOMP_NR_BACKENDS ARRAY_SIZE(zcomp_backends)

/* What zcomp_thread_prepare() compresses: one page, as swap writes. */
#define ZCOMP_SAMPLE_LEN 4096

struct zcomp {
	const struct zcomp_ops *ops;
	unsigned int id; /* index of ops in zcomp_backends[] */
	int level;
};

/* One thread's contexts; only that thread touches them. */
struct zcomp_thread {
	void *ctx[ZCOMP_NR_BACKENDS][ZCOMP_NR_CTX];
	bool pinned; /* made by zcomp_thread_prepare(): kept until exit */
};

static pthread_key_t zcomp_key;
static pthread_once_t zcomp_key_once = PTHREAD_ONCE_INIT;
static int zcomp_key_err;      /* written once, under zcomp_key_once */
static atomic_uint zcomp_live; /* struct zcomps not yet destroyed */

/* --- per-thread contexts -------------------------------------------------- */

static void zcomp_thread_free(void *arg)
{
	struct zcomp_thread *t = arg;
	size_t i, k;

	for (i = 0; i < ZCOMP_NR_BACKENDS; i++)
		for (k = 0; k < ZCOMP_NR_CTX; k++)
			if (t->ctx[i][k])
				zcomp_backends[i]->ctx[k].destroy(t->ctx[i][k]);
	free(t);
}

static void zcomp_key_init(void)
{
	zcomp_key_err = pthread_key_create(&zcomp_key, zcomp_thread_free);
}

/* @return the calling thread's contexts, made empty if it has none, or NULL. */
static struct zcomp_thread *zcomp_thread(void)
{
	struct zcomp_thread *t = pthread_getspecific(zcomp_key);

	if (!t) {
		t = calloc(1, sizeof(*t));
		if (t && pthread_setspecific(zcomp_key, t)) {
			free(t);
			t = NULL;
		}
	}
	return t;
}

/*
 * Finds the calling thread's context of @kind for @zc's backend, making it
 * on first use.  zcomp_create() has made the key before any @zc exists.
 * @return 0 and *@ctx (NULL if the backend needs none), or -ENOMEM.
 */
static int zcomp_thread_ctx(const struct zcomp *zc, enum zcomp_ctx_kind kind,
			    void **ctx)
{
	const struct zcomp_ctx_ops *cops = &zc->ops->ctx[kind];
	struct zcomp_thread *t;
	void **slot;

	*ctx = NULL;
	if (!cops->create)
		return 0;
	t = zcomp_thread();
	if (!t)
		return -ENOMEM;
	slot = &t->ctx[zc->id][kind];
	if (!*slot) {
		*slot = cops->create();
		if (!*slot)
			return -ENOMEM;
	}
	*ctx = *slot;
	return 0;
}

/* Frees the calling thread's contexts now rather than at its exit. */
static void zcomp_thread_release(void)
{
	struct zcomp_thread *t = pthread_getspecific(zcomp_key);

	if (t && !t->pinned) {
		pthread_setspecific(zcomp_key, NULL);
		zcomp_thread_free(t);
	}
}

/* --- names and parameters ------------------------------------------------- */

/* @return the index of backend @name in zcomp_backends[], or -1. */
static int zcomp_find(const char *name)
{
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < ZCOMP_NR_BACKENDS; i++)
		if (!strcmp(zcomp_backends[i]->name, name))
			return (int)i;
	return -1;
}

/* Where a parse says why it refused: @buf of @size bytes, or nowhere. */
struct zcomp_why {
	char *buf;
	size_t size;
};

/* Writes the reason into @why. @return -EINVAL. */
static int zcomp_refuse(struct zcomp_why *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int zcomp_refuse(struct zcomp_why *why, const char *fmt, ...)
{
	va_list ap;

	if (why->size) {
		va_start(ap, fmt);
		vsnprintf(why->buf, why->size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * "level=N": a decimal integer, optionally negative, nothing around it, in
 * the backend's range and not 0.
 */
static int zcomp_set_level(struct zcomp *zc, const char *val,
			   struct zcomp_why *why)
{
	const struct zcomp_ops *ops = zc->ops;
	const char *digits = val[0] == '-' ? val + 1 : val;
	char *end;
	long v;

	if (!isdigit((unsigned char)digits[0]))
		return zcomp_refuse(why, "level '%s' is not a number", val);
	errno = 0;
	v = strtol(val, &end, 10);
	if (*end)
		return zcomp_refuse(why, "level '%s' is not a number", val);
	if (errno || v < ops->level_min || v > ops->level_max || v == 0) {
		char range[48];

		snprintf(range, sizeof(range),
			 ops->level_min < 0 ? "%d..-1 or 1..%d" : "%d..%d",
			 ops->level_min, ops->level_max);
		return zcomp_refuse(why, "level %s is out of range for %s (%s)",
				    val, ops->name, range);
	}
	zc->level = (int)v;
	return 0;
}

/* The keys of algorithm_params; a key given twice takes the last value. */
static const struct zcomp_param {
	const char *key;
	int (*set)(struct zcomp *zc, const char *val, struct zcomp_why *why);
} zcomp_params[] = {
	{ "level", zcomp_set_level },
};

/* Applies one "key=value" token of @len bytes to @zc. */
static int zcomp_parse_token(struct zcomp *zc, const char *tok, size_t len,
			     struct zcomp_why *why)
{
	const char *eq = memchr(tok, '=', len);
	char val[32];
	size_t klen, vlen, i;

	if (!eq)
		return zcomp_refuse(why, "'%.*s' is not key=value", (int)len,
				    tok);
	klen = (size_t)(eq - tok);
	vlen = len - klen - 1;
	for (i = 0; i < ARRAY_SIZE(zcomp_params); i++)
		if (strlen(zcomp_params[i].key) == klen &&
		    !memcmp(zcomp_params[i].key, tok, klen))
			break;
	if (i == ARRAY_SIZE(zcomp_params))
		return zcomp_refuse(why,
				    "unknown key '%.*s' (the key is level)",
				    (int)klen, tok);
	if (vlen >= sizeof(val)) /* no valid value is that long */
		return zcomp_refuse(why, "%s: value too long",
				    zcomp_params[i].key);
	memcpy(val, eq + 1, vlen);
	val[vlen] = '\0';
	return zcomp_params[i].set(zc, val, why);
}

/* Fills @zc from @name and @params (NULL counts as ""). */
static int zcomp_parse(const char *name, const char *params, struct zcomp *zc,
		       struct zcomp_why *why)
{
	const char *p = params ? params : "";
	const char *tok;
	int id, ret;

	id = zcomp_find(name);
	if (id < 0) {
		char list[64];

		zcomp_list(NULL, list, sizeof(list));
		list[strcspn(list, "\n")] = '\0';
		return zcomp_refuse(why, "unknown algorithm; available: %s",
				    list);
	}
	zc->ops = zcomp_backends[id];
	zc->id = (unsigned int)id;
	zc->level = zc->ops->level_default;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		tok = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		ret = zcomp_parse_token(zc, tok, (size_t)(p - tok), why);
		if (ret)
			return ret;
	}
}

/* --- the API -------------------------------------------------------------- */

int zcomp_validate(const char *name, const char *params)
{
	return zcomp_validate_why(name, params, NULL, 0);
}

int zcomp_validate_why(const char *name, const char *params, char *why,
		       size_t size)
{
	struct zcomp_why w = { why, size };
	struct zcomp zc;

	return zcomp_parse(name, params, &zc, &w);
}

int zcomp_create(const char *name, const char *params, struct zcomp **out)
{
	struct zcomp_why nowhere = { NULL, 0 };
	struct zcomp conf, *zc;
	int ret;

	ret = zcomp_parse(name, params, &conf, &nowhere);
	if (ret)
		return ret;
	pthread_once(&zcomp_key_once, zcomp_key_init);
	if (zcomp_key_err)
		return -ENOMEM;
	zc = malloc(sizeof(*zc));
	if (!zc)
		return -ENOMEM;
	*zc = conf;
	atomic_fetch_add(&zcomp_live, 1);
	*out = zc;
	return 0;
}

void zcomp_destroy(struct zcomp *zc)
{
	if (!zc)
		return;
	free(zc);
	if (atomic_fetch_sub(&zcomp_live, 1) == 1)
		zcomp_thread_release();
}

const char *zcomp_name(const struct zcomp *zc)
{
	return zc->ops->name;
}

int zcomp_compress(const struct zcomp *zc, const void *src, size_t src_len,
		   void *dst, size_t dst_cap)
{
	void *ctx;
	int ret;

	if (src_len > ZCOMP_MAX_LEN)
		return -ENOSPC; /* too big to compress: the caller stores it */
	if (dst_cap > ZCOMP_MAX_LEN)
		dst_cap = ZCOMP_MAX_LEN;
	ret = zcomp_thread_ctx(zc, ZCOMP_CCTX, &ctx);
	if (ret)
		return ret;
	return zc->ops->compress(ctx, zc->level, src, src_len, dst, dst_cap);
}

int zcomp_decompress(const struct zcomp *zc, const void *src, size_t src_len,
		     void *dst, size_t dst_len)
{
	void *ctx;
	int ret;

	if (src_len > ZCOMP_MAX_LEN || dst_len > ZCOMP_MAX_LEN)
		return -EIO; /* nothing zcomp_compress made */
	ret = zcomp_thread_ctx(zc, ZCOMP_DCTX, &ctx);
	if (ret)
		return ret;
	return zc->ops->decompress(ctx, src, src_len, dst, dst_len);
}

/*
 * A sample page: half text, which compresses, half noise, which does not, so
 * that each backend runs both its match finder and its literal coding.
 */
static void zcomp_fill_sample(unsigned char *page, size_t len)
{
	static const char text[] = "zramfs: kernel zram in userspace. ";
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < len / 2; i++)
		page[i] = (unsigned char)text[i % (sizeof(text) - 1)];
	for (; i < len; i++) {
		x ^= x << 13; /* xorshift32 */
		x ^= x >> 17;
		x ^= x << 5;
		page[i] = (unsigned char)x;
	}
}

int zcomp_thread_prepare(void)
{
	unsigned char page[ZCOMP_SAMPLE_LEN], comp[ZCOMP_SAMPLE_LEN],
		out[ZCOMP_SAMPLE_LEN];
	struct zcomp_thread *t;
	size_t i;
	int ret;

	pthread_once(&zcomp_key_once, zcomp_key_init);
	if (zcomp_key_err)
		return -ENOMEM;
	t = zcomp_thread();
	if (!t)
		return -ENOMEM;
	zcomp_fill_sample(page, sizeof(page));
	for (i = 0; i < ZCOMP_NR_BACKENDS; i++) {
		const struct zcomp zc = {
			.ops = zcomp_backends[i],
			.id = (unsigned int)i,
			.level = zcomp_backends[i]->level_default,
		};

		/* Makes the contexts, and zstd's CCtx grows its workspace
		 * for this level and page size on its first compression. */
		ret = zcomp_compress(&zc, page, sizeof(page), comp,
				     sizeof(comp));
		if (ret == -ENOMEM)
			return ret;
		if (ret < 0) /* did not fit: the contexts exist all the same */
			continue;
		ret = zcomp_decompress(&zc, comp, (size_t)ret, out,
				       sizeof(out));
		if (ret == -ENOMEM)
			return ret;
	}
	t->pinned = true;
	return 0;
}

bool zcomp_available(const char *name)
{
	return zcomp_find(name) >= 0;
}

const char *zcomp_default(void)
{
	return zcomp_backends[0]->name;
}

/*
 * Appends @s at offset *@len of @buf (@size bytes), truncating and keeping
 * @buf terminated, and advances *@len by the full length (as snprintf).
 */
static void zcomp_puts(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s), room, c;

	if (*len + 1 < size) {
		room = size - *len - 1;
		c = n < room ? n : room;
		memcpy(buf + *len, s, c);
		buf[*len + c] = '\0';
	} else if (size && *len == 0) {
		buf[0] = '\0';
	}
	*len += n;
}

int zcomp_list(const char *active, char *buf, size_t size)
{
	size_t len = 0, i;

	for (i = 0; i < ZCOMP_NR_BACKENDS; i++) {
		const char *name = zcomp_backends[i]->name;
		bool on = active && !strcmp(active, name);

		zcomp_puts(buf, size, &len, i ? " " : "");
		zcomp_puts(buf, size, &len, on ? "[" : "");
		zcomp_puts(buf, size, &len, name);
		zcomp_puts(buf, size, &len, on ? "]" : "");
	}
	zcomp_puts(buf, size, &len, "\n");
	return (int)len;
}
