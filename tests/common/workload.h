/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * workload: what the swap workload programs share (tests/system/swapload.c,
 * tests/bench/swapin.c): their working set of pagegen pages, a clock, the
 * process's VmSwap, the FIFO handshake with the script that drives them,
 * and strict option numbers.
 */
#ifndef ZRAMFS_WORKLOAD_H
#define ZRAMFS_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pagegen.h"

/* A working set: npages pagegen pages of one seed in an anonymous mapping. */
struct load {
	unsigned char *mem;
	size_t npages;
	uint64_t seed;
	unsigned char *want; /* one page: what the page being checked holds */
};

/* Maps @mib MiB for @ld (no huge pages: page-sized swap traffic, as most
 * real anonymous memory makes) and allocates @ld->want; @ld->seed is left
 * as it is.  Exits with an error message if it cannot. */
void wl_load_map(struct load *ld, uint64_t mib);

/* Writes version 0 of every page. */
void wl_load_fill(struct load *ld);

/* Compares page @i with version @version of it, which it leaves in
 * @ld->want, and its kind in *@kind unless @kind is NULL.
 * @return -1 if they are the same, else the offset of the first byte that
 * differs. */
ssize_t wl_load_check(struct load *ld, size_t i, uint64_t version,
		      enum pagegen_kind *kind);

void wl_load_unmap(struct load *ld);

/* @return CLOCK_MONOTONIC in seconds. */
double wl_now(void);

/* @return this process's VmSwap in kB, or -1 if unknown. */
long wl_vm_swap_kb(void);

/* Blocks until a line or end-of-file arrives on @path (a FIFO the driving
 * script writes to), or on standard input if @path is NULL.  Exits with an
 * error message if @path cannot be opened. */
void wl_wait_line(const char *path);

/* @return @s as a number no larger than @max; exits with status 2 and a
 * message naming option @opt otherwise. */
uint64_t wl_number(const char *opt, const char *s, uint64_t max);

#endif
