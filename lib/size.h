/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * size: strict parsing and printing of byte sizes, shared by the daemon's
 * attributes, its configuration and zramfsctl.
 */
#ifndef ZRAMFS_SIZE_H
#define ZRAMFS_SIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a size: decimal digits and an optional suffix K, M, G or T (powers
 * of 1024, either case, an optional trailing "iB" or "B"), surrounding
 * whitespace and one trailing newline allowed.  Nothing else: no sign, no
 * fraction, no hex.
 * @return 0 and the bytes in *@out, -EINVAL if malformed, -ERANGE on overflow.
 */
int size_parse(const char *s, uint64_t *out);

/*
 * Parses an unsigned decimal integer (whitespace and one trailing newline
 * allowed) no larger than @max.
 * @return 0, -EINVAL or -ERANGE.
 */
int size_parse_u64(const char *s, uint64_t max, uint64_t *out);

/*
 * Parses a size as util-linux's strtosize() reads it (zramctl -s, and so
 * zramfsctl's command line): DIGITS[.DIGITS][SUFFIX], where SUFFIX is K, M,
 * G, T, P, E, Z or Y (K to E also in lower case) for powers of 1024, with
 * an optional "iB" ("KiB" = "K"), or followed by "B" for powers of 1000
 * ("KB" = 1000, "1.5MB" = 1500000).  A fraction needs a suffix and is
 * rounded down to a whole byte.  Nothing else: no blanks, no sign, no bare
 * "B".  Where util-linux's strtoumax() reads a string as something other
 * than a decimal number (" 1K", "+1K", hex "0x10K", octal "010K"), this
 * parser refuses it; where util-linux rounds each digit of a fraction on its
 * own ("0.3K" is 341 there), this parser is exact (307).
 * @return 0 and the bytes in *@out, -EINVAL if malformed, -ERANGE if the
 *         size does not fit 64 bits.
 */
int size_parse_ul(const char *s, uint64_t *out);

/*
 * Formats @bytes as zramctl does without --bytes: "1G", "512M", "1.5G",
 * "4K", "0B" (one decimal when not whole, units of 1024).
 * @return the length (snprintf semantics).
 */
int size_format(uint64_t bytes, char *buf, size_t size);

/* @return @bytes rounded up to a multiple of 4096 (saturating). */
uint64_t size_page_align(uint64_t bytes);

#endif
