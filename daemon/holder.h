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
 *
 * SIGHUP reloads (docs/design/restart.md section 6, simplified): the
 * holder checks that the installed executable (the path it was started
 * from) runs and shares its hold area layout, keeps every region and
 * descriptor alive in a bridge child, and re-executes itself from that
 * path; the new holder takes everything over and has the old server hand
 * over to a new one of the new executable (SIGHUP to the server: it stops
 * reading and exits; requests it had read come back through
 * FUSE_NOTIFY_RESEND).  Any failure before the exec leaves the running
 * version serving, with the reason logged.
 */
#ifndef ZRAMFS_HOLDER_H
#define ZRAMFS_HOLDER_H

#include <stdbool.h>

/* What a holder that re-executed itself for a reload takes over from its
 * earlier self (passed on its command line). */
struct holder_resume {
	int hold_id;    /* the hold area, which lists the other regions */
	int fuse_fd;    /* the connection */
	int sock;       /* the socket to the server */
	int server_pid; /* its child, the server */
	int bridge_pid; /* its child that held everything meanwhile */
};

struct holder_args {
	int fuse_fd;            /* mnt_mount()'s descriptor */
	const char *mountpoint; /* resolved */
	const char *conf_path;  /* -c, or NULL */
	unsigned int threads;   /* FUSE workers per server */
	unsigned int poll_us;   /* conn.h's window, at start */
	bool foreground;
	const struct holder_resume *resume; /* NULL: a fresh start */
};

/*
 * Runs the holder until the server stops for good.  Called single-threaded,
 * after mounting, daemonizing and hardening, with the signals of
 * lib/thread.h blocked.
 * @return the exit status: the last server's.
 */
int holder_run(const struct holder_args *a);

#endif
