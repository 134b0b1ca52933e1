/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zcomp_impl: the contract between zcomp.c and its backends (one file per
 * compression library).  A backend is a const struct zcomp_ops: its name,
 * its range of levels, how to make and free its per-thread working memory,
 * and one compress and one decompress function.  zcomp.c owns everything
 * else: the table of backends, parameter parsing, the per-thread contexts
 * and the error contract of zcomp.h.  Nothing outside zcomp*.c includes
 * this header.
 */
#ifndef ZRAMFS_ZCOMP_IMPL_H
#define ZRAMFS_ZCOMP_IMPL_H

#include <limits.h>
#include <stddef.h>

/*
 * Lengths handed to a backend never exceed this, so they fit the int the
 * libraries take and the int zcomp_compress returns.
 */
#define ZCOMP_MAX_LEN INT_MAX

/* The kinds of per-thread context a backend may need. */
enum zcomp_ctx_kind {
	ZCOMP_CCTX, /* working memory for compression */
	ZCOMP_DCTX, /* working memory for decompression */
	ZCOMP_NR_CTX,
};

struct zcomp_ctx_ops {
	/*
	 * Creates one thread's context; NULL (the function) if the backend
	 * needs none of this kind.  Called once per thread, on first use.
	 * @return the context, or NULL when out of memory.
	 */
	void *(*create)(void);
	/* Frees a context create() made (at thread exit). */
	void (*destroy)(void *ctx);
};

struct zcomp_ops {
	const char *name;
	/*
	 * Accepted values of "level=N", inclusive.  0 is never accepted, even
	 * inside the range: to zstd it means "the library's default", and a
	 * device should report the level it really uses.
	 */
	int level_min, level_max, level_default;
	struct zcomp_ctx_ops ctx[ZCOMP_NR_CTX];
	/*
	 * Compresses @src_len bytes into @dst (room for @dst_cap bytes) at
	 * @level, with this thread's ZCOMP_CCTX context (NULL if none).  Both
	 * lengths are at most ZCOMP_MAX_LEN.  The library must be told
	 * @dst_cap so that it gives up as soon as the output cannot fit.
	 * @return the compressed length (> 0), -ENOSPC if it does not fit,
	 *         -ENOMEM, or -EIO for any other library failure.
	 */
	int (*compress)(void *cctx, int level, const void *src, size_t src_len,
			void *dst, size_t dst_cap);
	/*
	 * Decompresses @src_len bytes into @dst, with this thread's ZCOMP_DCTX
	 * context (NULL if none), writing at most @dst_len bytes.
	 * @return 0 if exactly @dst_len bytes came out, -ENOMEM, else -EIO.
	 */
	int (*decompress)(void *dctx, const void *src, size_t src_len,
			  void *dst, size_t dst_len);
};

/* zcomp_lz4.c */
extern const struct zcomp_ops zcomp_lz4_ops;
extern const struct zcomp_ops zcomp_lz4hc_ops;
/* zcomp_zstd.c */
extern const struct zcomp_ops zcomp_zstd_ops;

#endif
