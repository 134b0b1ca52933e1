/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl: the daemon's control thread, the one place that keeps privileges.
 *
 * FUSE request handlers run without capabilities.  What needs them (attaching
 * a loop device, swapon, swapoff, unmounting) is posted to this thread with
 * ctl_call(), which waits for the result.  The same thread reads SIGTERM,
 * SIGINT and SIGHUP from a signalfd (every thread blocks them, and all other
 * asynchronous signals, see lib/thread.h) and hands them to the daemon's
 * signal callback, so a shutdown that needs swapoff runs while the FUSE
 * workers keep serving the pages coming back.
 */
#ifndef ZRAMFS_CTL_H
#define ZRAMFS_CTL_H

#include <stdbool.h>

/* Called on the control thread for each SIGTERM, SIGINT or SIGHUP. */
typedef void (*ctl_signal_fn)(int signo);

/*
 * Starts the control thread.  The caller must have blocked the signals of
 * lib/thread.h (main() does, before any thread exists, so that every thread
 * inherits the mask): a signalfd only gets signals that are blocked.
 * @return 0 or -errno.
 */
int ctl_start(ctl_signal_fn on_signal);

/*
 * Before ctl_start(): the control thread also watches @fd (a socket) and
 * calls @on_hangup once, on itself, when the other end is gone.
 */
void ctl_watch(int fd, void (*on_hangup)(void));

/* Stops the control thread after the jobs already posted. */
void ctl_stop(void);

/*
 * Runs @fn(@arg) on the control thread and waits for it.  The caller owns
 * the hop: code that must run there is posted by whoever needs it, once,
 * and checks where it runs (ctl_on_thread()) rather than hopping again.
 * @return what @fn returned, or -EDEADLK when called from the control
 *         thread itself, which would wait for itself.
 */
int ctl_call(int (*fn)(void *arg), void *arg);

/* Queues @fn(@arg) to run on the control thread and returns at once.
 * @return 0 or -ENOMEM. */
int ctl_post(int (*fn)(void *arg), void *arg);

/* @return whether the caller runs on the control thread (false before
 * ctl_start()). */
bool ctl_on_thread(void);

#endif
