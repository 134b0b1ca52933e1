/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * swapopt: the values of a swap request (a priority, a discard policy) as
 * the swap attribute ("on priority=P discard=POLICY"), the configuration
 * (swap_priority, discard) and zramfsctl (--priority, --discard) take them,
 * so that the three cannot disagree.  Names and ranges only: what a policy
 * means to swapon(2) is daemon/swap.c's business.
 */
#ifndef ZRAMFS_SWAPOPT_H
#define ZRAMFS_SWAPOPT_H

#define SWAPOPT_PRIO_DEFAULT (-1)  /* the kernel chooses: -2, -3, ... */
#define SWAPOPT_PRIO_MAX     32767 /* SWAP_FLAG_PRIO_MASK */

/* The discard policies (daemon/swap.c maps each to swapon(2)'s flags). */
enum swapopt_discard {
	SWAPOPT_DISCARD_NONE,
	SWAPOPT_DISCARD_PAGES,
	SWAPOPT_DISCARD_ONCE,
	SWAPOPT_DISCARD_BOTH,
};

/* The policies, for messages: "pages, once, both or none". */
#define SWAPOPT_DISCARD_NAMES "pages, once, both or none"

/*
 * Parses a swap priority: "-1" (the kernel's default), or decimal digits
 * for 0 to 32767.  Nothing else: no blanks, no sign, no other negative
 * number.
 * @return 0 and the priority in *@out, -EINVAL if malformed, -ERANGE above
 *         32767 (*@out untouched on error).
 */
int swapopt_priority_parse(const char *s, int *out);

/*
 * Parses a discard policy: "none", "pages", "once" or "both", exactly (the
 * names of swapon --discard=POLICY).
 * @return 0 and the policy in *@out, or -EINVAL (*@out untouched).
 */
int swapopt_discard_parse(const char *s, enum swapopt_discard *out);

/* @return the name of policy @d, or NULL if @d is not one. */
const char *swapopt_discard_name(enum swapopt_discard d);

#endif
