// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-sizeexpr: a libFuzzer target for sizeexpr_eval.  Whatever the input,
 * the evaluation must not crash, must fail only with -EINVAL or -ERANGE and
 * a reason, must leave the output alone when it fails, and must give a
 * whole number of pages no larger than 2^63 when it succeeds.  A broken
 * property aborts, which libFuzzer and the sanitizers report.
 *
 * Built with -DZRAMFS_FUZZING (and -fsanitize=fuzzer) it is the fuzzer;
 * built without, replay.c replays its corpus, tests/fuzz/corpus/sizeexpr.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sizeexpr.h"

const char fuzz_name[] = "sizeexpr";

/* An odd RAM size, so that ram-relative results are not all whole pages. */
#define FUZZ_RAM       (8ull * 1024 * 1024 * 1024 - 12345)
#define FUZZ_UNTOUCHED 12345u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t out = FUZZ_UNTOUCHED;
	const char *why = NULL;
	char *s;
	int ret;

	s = malloc(size + 1);
	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size); /* data may be NULL when size is 0 */
	s[size] = '\0';

	ret = sizeexpr_eval(s, FUZZ_RAM, &out, &why);
	if (ret == 0) {
		if (out % 4096 || out > (uint64_t)1 << 63)
			abort();
	} else if ((ret != -EINVAL && ret != -ERANGE) || !why || !*why ||
		   out != FUZZ_UNTOUCHED) {
		abort();
	}
	/* Without a place for the reason the answer must be the same. */
	if (sizeexpr_eval(s, FUZZ_RAM, &out, NULL) != ret)
		abort();

	free(s);
	return 0;
}
