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
 * Formats @bytes as zramctl does without --bytes: "1G", "512M", "1.5G",
 * "4K", "0B" (one decimal when not whole, units of 1024).
 * @return the length (snprintf semantics).
 */
int size_format(uint64_t bytes, char *buf, size_t size);

/* @return @bytes rounded up to a multiple of 4096 (saturating). */
uint64_t size_page_align(uint64_t bytes);

#endif
