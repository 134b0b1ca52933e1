/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sizeexpr: the size expressions of zramfsd.conf, modelled on
 * zram-generator's zram-size, but in bytes:
 *
 *   4G            a size (K, M, G, T: powers of 1024)
 *   50%           a percentage of RAM
 *   ram / 2       an expression over "ram" (MemTotal in bytes)
 *   min(ram / 2, 4G) + 512M
 *
 * Grammar: expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
 * unary := '-' unary | postfix; postfix := primary '%'?;
 * primary := NUMBER SUFFIX? | "ram" | ('min'|'max') '(' expr (',' expr)* ')'
 *          | '(' expr ')'.  NUMBER may have a fraction ("1.5G", "0.25").
 * Whitespace is free.  The result is rounded up to a whole 4096-byte page.
 */
#ifndef ZRAMFS_SIZEEXPR_H
#define ZRAMFS_SIZEEXPR_H

#include <stdint.h>

/*
 * Evaluates @s with "ram" = @ram bytes.
 * @return 0 and the page-aligned bytes in *@out; or -EINVAL (syntax error,
 *         division by zero, negative result) or -ERANGE (overflow), with a
 *         short static reason in *@why ("expected ')'", "unknown name
 *         'rma'", "division by zero", "negative size", "too large") if @why
 *         is not NULL.
 */
int sizeexpr_eval(const char *s, uint64_t ram, uint64_t *out,
		  const char **why);

#endif
