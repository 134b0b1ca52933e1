/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * holder: the process started as zramfsd (systemd's MAINPID).  It holds
 * what must outlive any server: the FUSE connection (the one open file
 * description of /dev/fuse, which keeps the mount alive) and every region
 * (daemon/region.c), and it does no request work.  The requests are served
 * by its child, the server ("zramfsd-server", main.c's server_main()),
 * started by fork and fexecve of the holder's own executable with the
 * descriptor as fd 3 and a socket to the holder as fd 4
 * (docs/design/restart.md, section 2).
 *
 * When a server dies, for any reason, the holder starts the next one at
 * once; one that dies before it reports READY, or within 10 s of it, only
 * after a back-off (100 ms doubling to 10 s).  It never unmounts or drops
 * memory on its own.  SIGTERM and SIGINT are passed on to the server, whose
 * stop path turns swap off and refuses to end while data is open (as a
 * single zramfsd did); once the server says it stops and exits, the holder
 * unmounts and exits with the server's status.
 */
#ifndef ZRAMFS_HOLDER_H
#define ZRAMFS_HOLDER_H

#include <stdbool.h>

struct holder_args {
	int fuse_fd;            /* mnt_mount()'s descriptor */
	const char *mountpoint; /* resolved */
	const char *conf_path;  /* -c, or NULL */
	unsigned int threads;   /* FUSE workers per server */
	bool foreground;
};

/*
 * Runs the holder until the server stops for good.  Called single-threaded,
 * after mounting, daemonizing and hardening, with the signals of
 * lib/thread.h blocked.
 * @return the exit status: the last server's.
 */
int holder_run(const struct holder_args *a);

#endif
