// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zcomp_zstd: the "zstd" backend of zcomp.
 *
 * Each thread keeps one ZSTD_CCtx and one ZSTD_DCtx, made on first use, and
 * every page is one self-contained zstd frame (the one-shot API, so nothing
 * carries over from one page to the next).  Levels run from -5 (zstd's fast
 * negative levels) to 22 (ZSTD_maxCLevel() of every release since 1.3), 0
 * excluded (see zcomp_impl.h); the default is 3, ZSTD_CLEVEL_DEFAULT.  The
 * fast levels below -5 only approach storing the page raw, which zramfs
 * does by itself for incompressible pages.
 */
#include "config.h"

#include <errno.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "zcomp_impl.h"

static void *zstd_cctx_create(void)
{
	return ZSTD_createCCtx();
}

static void zstd_cctx_destroy(void *cctx)
{
	ZSTD_freeCCtx(cctx);
}

static void *zstd_dctx_create(void)
{
	return ZSTD_createDCtx();
}

static void zstd_dctx_destroy(void *dctx)
{
	ZSTD_freeDCtx(dctx);
}

static int zstd_compress(void *cctx, int level, const void *src,
			 size_t src_len, void *dst, size_t dst_cap)
{
	size_t n;

	n = ZSTD_compressCCtx(cctx, dst, dst_cap, src, src_len, level);
	if (!ZSTD_isError(n))
		return (int)n;
	switch (ZSTD_getErrorCode(n)) {
	case ZSTD_error_dstSize_tooSmall:
		return -ENOSPC;
	case ZSTD_error_memory_allocation:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/*
 * A frame that would decode to more than @dst_len bytes fails with
 * dstSize_tooSmall, which here means corrupt input, not -ENOSPC.
 */
static int zstd_decompress(void *dctx, const void *src, size_t src_len,
			   void *dst, size_t dst_len)
{
	size_t n;

	n = ZSTD_decompressDCtx(dctx, dst, dst_len, src, src_len);
	if (ZSTD_isError(n) &&
	    ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
		return -ENOMEM;
	if (ZSTD_isError(n) || n != dst_len)
		return -EIO;
	return 0;
}

const struct zcomp_ops zcomp_zstd_ops = {
	.name = "zstd",
	.level_min = -5,
	.level_max = 22,
	.level_default = 3,
	.ctx = {
		[ZCOMP_CCTX] = { zstd_cctx_create, zstd_cctx_destroy },
		[ZCOMP_DCTX] = { zstd_dctx_create, zstd_dctx_destroy },
	},
	.compress = zstd_compress,
	.decompress = zstd_decompress,
};
