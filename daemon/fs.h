/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fs: the FUSE operations that serve the tree under the mountpoint (fs.c),
 * and the worker threads that serve them (fspool.c).
 */
#ifndef ZRAMFS_FS_H
#define ZRAMFS_FS_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

/* @return a new session serving the zramfs tree, or NULL. */
struct fuse_session *fs_session_new(struct fuse_args *args);

/*
 * Makes what the calling thread needs to serve any request, so that it
 * asks the kernel for no memory while it serves: the data I/O buffer, what
 * the engine needs to read and write on this thread (every dev's zstore
 * compresses here), and room in its malloc arena.  Each of fs_loop()'s
 * workers calls it before its first request.
 * @return 0 or -ENOMEM.
 */
int fs_thread_prepare(void);

/*
 * Notes the unique of the request in @buf, which the calling worker is
 * about to process: an OPEN replayed by FUSE_NOTIFY_RESEND finds the handle
 * its first run made, and a store its commit (dev_set_request()).  libfuse
 * 3.14 has no accessor for it; the raw buffer starts with the kernel's
 * struct fuse_in_header.
 */
void fs_note_request(const struct fuse_buf *buf);

/* --- fspool.c ------------------------------------------------------------ */

/*
 * Serves @se with @nthreads worker threads, all started now, each of which
 * makes its buffers and compression contexts before its first request: no
 * worker creates a thread or maps a buffer to serve data I/O (setting a
 * device up or removing it still allocates, on its worker).  They
 * inherit the caller's capabilities and block the signals of lib/thread.h.
 * None serves unless all could be started and prepared.
 * Returns when the session ends: the connection ends (unmount), or
 * fs_stop() or fuse_session_exit() is called, as fuse_session_loop_mt().
 * @return 0, or -errno if a worker failed (to start, to prepare, to read).
 */
int fs_loop(struct fuse_session *se, unsigned int nthreads);

/*
 * Ends the session from any thread: fs_loop() returns once the requests in
 * flight are answered, also if no worker gets another request (the mount
 * may stay, held by an open file, or covered by another mount).  Before
 * fs_loop() starts, it makes fs_loop() return at once.
 */
void fs_stop(struct fuse_session *se);

#endif
