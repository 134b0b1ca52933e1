/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn: a server's side of the FUSE connection its holder keeps
 * (docs/design/restart.md, section 5).  libfuse 3.14 serves the inherited
 * descriptor through fuse_session_custom_io(); the hooks here see every
 * request read and every reply written, which is how the kernel's FUSE_INIT
 * and the reply to it are saved in the hold area on first start, how a
 * later server resumes the session without the kernel's INIT, and where the
 * restart gap is measured.
 */
#ifndef ZRAMFS_CONN_H
#define ZRAMFS_CONN_H

#include <stddef.h>

#include "fs.h"
#include "hold.h"

/*
 * Makes @se serve @fd (the holder's /dev/fuse description, which @se owns
 * from now on) and record the connection in @h.
 * @return 0 or -errno.
 */
int conn_attach(struct fuse_session *se, int fd, struct hold_area *h);

/*
 * Before any worker reads, in a server that follows another: if the
 * connection's INIT was answered, feeds libfuse a synthetic INIT made from
 * the saved fuse_init_in and checks that its reply is the saved one
 * (nothing is written); then asks the kernel (FUSE_NOTIFY_RESEND) to queue
 * again every request the dead server had read and not answered.  A kernel
 * without it is logged: those requests stay unanswered.  A first server
 * does nothing here (the kernel's INIT is its first request).
 * @return 0, or -EPROTO with the reason in @why (libfuse's reply differs
 *         from the one the kernel took: this server cannot serve it).
 */
int conn_resume(struct fuse_session *se, char *why, size_t len);

/*
 * Waits until the connection's FUSE_INIT is answered (at once in a server
 * that follows another), at most @seconds: before, nothing is served.
 * @return 0, or -ETIMEDOUT.
 */
int conn_wait_init(unsigned int seconds);

/*
 * Renders control/daemon_stat: one line of the hold area's counters,
 *   restarts reloads last_gap_us max_gap_us start_failures last_exit resend
 * (columns only ever appended; all 0 in a process without a holder).
 * @return its length, or -ENOSPC if @size is too small.
 */
int conn_stat_show(char *buf, size_t size);

/*
 * Polling: while poll_us is not 0, /dev/fuse is non-blocking, a worker
 * takes a queued request at once, and within poll_us microseconds of the
 * last request the worker whose turn it is to wait polls /dev/fuse instead
 * of sleeping, so a request that comes then costs no wake-up; past it, it
 * sleeps.  0 turns it off (the device blocks, every worker sleeps in
 * read(2)).  The value lives in the hold area: it outlives servers, and
 * control/poll_us (conn_set_poll_us()) changes it and the device's mode.
 */
#define CONN_POLL_US_MAX 1000
#define CONN_POLL_US_DEFAULT 0
#define CONN_POLL_US_DEFAULT_STR "0"
unsigned int conn_poll_us(void);
void conn_set_poll_us(unsigned int us);

#endif
