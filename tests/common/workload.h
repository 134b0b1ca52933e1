/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * workload: what the swap workload programs share (tests/system/swapload.c,
 * tests/bench/swapin.c): a clock, the process's VmSwap, the FIFO handshake
 * with the script that drives them, and strict option numbers.
 */
#ifndef ZRAMFS_WORKLOAD_H
#define ZRAMFS_WORKLOAD_H

#include <stdint.h>

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
