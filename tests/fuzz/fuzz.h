/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz: what every fuzz target defines.  Built with -DZRAMFS_FUZZING and
 * -fsanitize=fuzzer, libFuzzer calls LLVMFuzzerTestOneInput(); built
 * without, replay.c's main() calls it for each file of the target's corpus,
 * tests/fuzz/corpus/<fuzz_name>.  A target checks properties of the code
 * under test and calls abort() when one breaks: the input is a finding.
 */
#ifndef ZRAMFS_FUZZ_H
#define ZRAMFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The name of the target's corpus directory. */
extern const char fuzz_name[];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message on stderr when @cond is false. */
#define fuzz_check(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, \
				#cond);                                    \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
			abort();                                           \
		}                                                          \
	} while (0)

#endif
