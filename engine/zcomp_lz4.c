// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zcomp_lz4: the "lz4" and "lz4hc" backends of zcomp.
 *
 * "lz4" is LZ4's fast compressor; as in the kernel's zram, its "level" is
 * LZ4's acceleration factor (1 = best ratio, the default; up to 65537,
 * LZ4_ACCELERATION_MAX, trading ratio for speed).  "lz4hc" is LZ4's high
 * compression mode, levels LZ4HC_CLEVEL_MIN..LZ4HC_CLEVEL_MAX, default
 * LZ4HC_CLEVEL_DEFAULT (9).  Both write the same block format, so they share
 * one decompressor, which needs no working memory.  Each compressor keeps
 * its state (LZ4_sizeofState() or LZ4_sizeofStateHC() bytes) per thread.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <lz4.h>
#include <lz4hc.h>

#include "zcomp_impl.h"

/* lz4.c's LZ4_ACCELERATION_MAX, which lz4.h only mentions. */
#define LZ4_ACCEL_MAX 65537

static void *lz4_state_create(void)
{
	return malloc(LZ4_sizeofState());
}

static void *lz4hc_state_create(void)
{
	return malloc(LZ4_sizeofStateHC());
}

static void lz4_state_destroy(void *state)
{
	free(state);
}

/*
 * LZ4 returns 0 when the output would exceed @dst_cap (it stops as soon as
 * it knows) and also for inputs above LZ4_MAX_INPUT_SIZE: either way the
 * data is not stored compressed.
 */
static int lz4_compress(void *state, int level, const void *src,
			size_t src_len, void *dst, size_t dst_cap)
{
	int n;

	n = LZ4_compress_fast_extState(state, src, dst, (int)src_len,
				       (int)dst_cap, level);
	return n > 0 ? n : -ENOSPC;
}

static int lz4hc_compress(void *state, int level, const void *src,
			  size_t src_len, void *dst, size_t dst_cap)
{
	int n;

	n = LZ4_compress_HC_extStateHC(state, src, dst, (int)src_len,
				       (int)dst_cap, level);
	return n > 0 ? n : -ENOSPC;
}

/*
 * LZ4_decompress_safe never writes past @dst_len and fails on malformed
 * input or when the output would be longer; a shorter output is caught by
 * the length check.
 */
static int lz4_decompress(void *unused, const void *src, size_t src_len,
			  void *dst, size_t dst_len)
{
	int n;

	n = LZ4_decompress_safe(src, dst, (int)src_len, (int)dst_len);
	return n >= 0 && (size_t)n == dst_len ? 0 : -EIO;
}

const struct zcomp_ops zcomp_lz4_ops = {
	.name = "lz4",
	.level_min = 1,
	.level_max = LZ4_ACCEL_MAX,
	.level_default = 1,
	.ctx = {
		[ZCOMP_CCTX] = { lz4_state_create, lz4_state_destroy },
	},
	.compress = lz4_compress,
	.decompress = lz4_decompress,
};

const struct zcomp_ops zcomp_lz4hc_ops = {
	.name = "lz4hc",
	.level_min = LZ4HC_CLEVEL_MIN,
	.level_max = LZ4HC_CLEVEL_MAX,
	.level_default = LZ4HC_CLEVEL_DEFAULT,
	.ctx = {
		[ZCOMP_CCTX] = { lz4hc_state_create, lz4_state_destroy },
	},
	.compress = lz4hc_compress,
	.decompress = lz4_decompress,
};
