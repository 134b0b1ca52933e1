/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zcomp: the compressors behind one small vtable.
 *
 * A struct zcomp is an algorithm plus its parameters (e.g. the zstd level),
 * immutable once created and shared by every thread.  The working memory an
 * algorithm needs (LZ4 state, ZSTD_CCtx/ZSTD_DCtx) lives in per-thread
 * contexts that are created on a thread's first use (or all at once by
 * zcomp_thread_prepare()) and freed when the thread exits, so compression
 * never takes a lock and never allocates per page.
 */
#ifndef ZRAMFS_ZCOMP_H
#define ZRAMFS_ZCOMP_H

#include <stdbool.h>
#include <stddef.h>

struct zcomp;

/*
 * Parses @params ("" or space-separated key=value; the key is "level") for
 * algorithm @name without creating anything.
 * @return 0, or -EINVAL for an unknown algorithm, key or out-of-range value.
 */
int zcomp_validate(const char *name, const char *params);

/*
 * As zcomp_validate(); on -EINVAL it also writes the reason into @why
 * (@size bytes, nothing if @size is 0): the part at fault and what is
 * accepted, not the whole input, which the caller shows before it.  E.g.
 * "level 99 is out of range for zstd (-5..-1 or 1..22)", "unknown
 * algorithm; available: lz4 lz4hc zstd", "unknown key 'dict' (the key is
 * level)", "'fast' is not key=value".
 */
int zcomp_validate_why(const char *name, const char *params, char *why,
		       size_t size);

/* @return 0 and a compressor in *@out, -EINVAL (as zcomp_validate), -ENOMEM. */
int zcomp_create(const char *name, const char *params, struct zcomp **out);
void zcomp_destroy(struct zcomp *zc);

const char *zcomp_name(const struct zcomp *zc);

/*
 * Compresses @src_len bytes into @dst, which has room for @dst_cap bytes.
 * @return the compressed length (> 0), -ENOSPC when the result does not fit
 *         in @dst_cap (the caller stores the data raw), or -ENOMEM when the
 *         thread's context could not be created.
 */
int zcomp_compress(const struct zcomp *zc, const void *src, size_t src_len,
		   void *dst, size_t dst_cap);

/*
 * Decompresses @src_len bytes into @dst, which must come out exactly
 * @dst_len bytes long.
 * @return 0, -EIO for corrupt input, -ENOMEM as above.
 */
int zcomp_decompress(const struct zcomp *zc, const void *src, size_t src_len,
		     void *dst, size_t dst_len);

/*
 * Makes the calling thread's contexts for every algorithm now, and runs one
 * page through each at its default level, so that what a library allocates
 * on first use (zstd's compression workspace) exists too.  They stay until
 * the thread exits.  For threads that must not allocate while they work
 * (FUSE workers); callable before any struct zcomp exists.  Another level
 * may still need a larger zstd workspace on its first page.
 * @return 0 or -ENOMEM.
 */
int zcomp_thread_prepare(void);

/* @return true if @name is an algorithm this build supports. */
bool zcomp_available(const char *name);

/* @return the name of the default algorithm ("lz4"). */
const char *zcomp_default(void);

/*
 * Writes the supported algorithms as the kernel's comp_algorithm does:
 * "lz4 lz4hc [zstd]\n" with @active in brackets (none if NULL or unknown).
 * @return the length written (snprintf semantics).
 */
int zcomp_list(const char *active, char *buf, size_t size);

#endif
