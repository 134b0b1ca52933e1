// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zramfsd: kernel zram in userspace.  Start-up, signals and shutdown.
 *
 * Start-up order matters: parse the command line and the configuration
 * (errors end here, before anything exists), check the mountpoint and mount
 * (mnt.c), block the signals no thread takes (lib/thread.h), daemonize, lock
 * memory and mark the process an I/O flusher (neither survives fork), start
 * the control thread, drop capabilities, create the devices of the
 * configuration (on this thread, so that their GC workers inherit no
 * capability) and serve: fs_loop() starts every FUSE worker at once, each
 * with its buffers made, so that reading and writing pages needs no new
 * thread or buffer.  The control thread turns the devices into swap once the
 * workers run, because swapon reads the device through them; then systemd is
 * told READY=1.
 *
 * Shutdown: SIGTERM/SIGINT reach the control thread, which turns swap off on
 * every device (the workers keep serving the pages coming back) and detaches
 * the loop devices.  If that fails the daemon logs why and keeps serving: it
 * never exits while its data is active swap.  Nor while any data file is
 * open (a loop device attached by hand, say): it logs which, and keeps
 * serving.  Otherwise the data files are closed for good, the daemon
 * lazily unmounts its own mount (mnt.c: never another mount at the same
 * path) and ends the FUSE loop.  A later signal tries again.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "array_size.h"
#include "conf.h"
#include "ctl.h"
#include "dev.h"
#include "fs.h"
#include "log.h"
#include "mnt.h"
#include "priv.h"
#include "region.h"
#include "state.h"
#include "swapopt.h"
#include "thread.h"
#include "ztree.h"

static struct fuse_session *se;
static char mountpoint[PATH_MAX];
static const struct conf *config;
/* Set by on_signal() once it ends the daemon; control thread only. */
static bool stopping;

enum { OPT_CHECK_CONFIG = CHAR_MAX + 1 };

static void __attribute__((noreturn)) usage(void)
{
	printf("Usage: zramfsd [options]\n"
	       "\n"
	       "Serve compressed RAM block devices (kernel zram in userspace)\n"
	       "as files under a FUSE mount, and swap on them.\n"
	       "\n"
	       "Options:\n"
	       " -f, --foreground       stay in the foreground, log to stderr\n"
	       " -c, --config FILE      configuration file (default %s)\n"
	       " -m, --mountpoint DIR   where to mount (default %s)\n"
	       "     --check-config     check the configuration, show it, exit\n"
	       " -V, --version          print the version and exit\n"
	       " -h, --help             print this help and exit\n"
	       "\n"
	       "See zramfsd(8) and zramfsd.conf(5).\n",
	       CONF_DEFAULT_PATH, ZTREE_MOUNTPOINT);
	exit(EXIT_SUCCESS);
}

/* As util-linux's errtryhelp(): after getopt's own message. */
static void __attribute__((noreturn)) try_help(void)
{
	fprintf(stderr, "Try 'zramfsd --help' for more information.\n");
	exit(EXIT_FAILURE);
}

/*
 * --check-config: the configuration as the daemon would use it, in short,
 * on stdout.  conf_load() has reported any error already.
 * @return the exit status.
 */
static int check_config(const char *path, const char *mnt)
{
	unsigned i;

	if (!path && access(CONF_DEFAULT_PATH, F_OK))
		printf("%s: none, built-in defaults\n", CONF_DEFAULT_PATH);
	else
		printf("%s: OK\n", path ? path : CONF_DEFAULT_PATH);
	printf("mountpoint %s, %u FUSE threads\n", mnt, conf_threads(config));
	for (i = 0; i < conf_ndevs(config); i++) {
		const struct conf_dev *d = conf_dev(config, i);

		char params[DEV_PARAMS_TEXT_MAX];

		dev_params_format(&d->algorithm_params, params, sizeof(params));
		printf("zramfs%d: disksize %llu, %s%s%s%s, ", d->id,
		       (unsigned long long)d->disksize, d->comp_algorithm,
		       params[0] ? " (" : "", params, params[0] ? ")" : "");
		if (d->swap)
			printf("swap priority %d discard %s\n",
			       d->swap_priority,
			       swapopt_discard_name(d->discard));
		else
			printf("no swap\n");
	}
	if (fflush(stdout) || ferror(stdout))
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}

/* Tells systemd (Type=notify) that we are ready, if it asked. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1";
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, len) < 0)
		log_warn("cannot notify systemd: %s", strerror(errno));
	close(fd);
}

/* Runs on the control thread once the FUSE loop serves. */
static int start_swap(void *unused)
{
	int ret = conf_apply_swap(config);

	(void)unused;
	if (ret)
		log_err("some configured devices could not be turned into swap");
	notify_ready();
	log_info("serving %s", mountpoint);
	return 0;
}

/* Runs on the control thread. */
static int keep_admin_caps(void *unused)
{
	static const cap_value_t keep[] = { CAP_SYS_ADMIN, CAP_IPC_LOCK };

	(void)unused;
	return priv_keep_only(keep, ARRAY_SIZE(keep));
}

/* Unmounts our mount, if it is still there and on top.  Runs on the
 * control thread, which keeps CAP_SYS_ADMIN (or on main() before it). */
static void unmount_tree(void)
{
	int ret = mnt_unmount();

	if (ret == -EBUSY)
		log_warn("not unmounting %s: another mount covers ours "
			 "(ours stays beneath it, dead once we exit: umount "
			 "both)", mountpoint);
	else if (ret && ret != -ENOENT)
		log_warn("unmounting %s: %s", mountpoint, strerror(-ret));
}

/* Runs on the control thread, after the FUSE loop ended. */
static int unmount_job(void *unused)
{
	(void)unused;
	if (!stopping) /* else on_signal() did */
		unmount_tree();
	return 0;
}

/* Runs on the control thread. */
static void on_signal(int signo)
{
	const char *sig = strsignal(signo);
	int ret;

	if (signo == SIGHUP)
		return; /* reserved for reloading; ignored for now */
	if (stopping)
		return;
	log_info("%s: stopping", sig);
	ret = dev_swapoff_all();
	if (ret) {
		log_err("%s: not exiting: a device is still swap, or still "
			"has its loop device (%s); free memory and send the "
			"signal again", sig, strerror(-ret));
		return;
	}
	if (dev_close_data()) {
		log_err("%s: not exiting while a data file is open; close or "
			"detach it and send the signal again", sig);
		return;
	}
	stopping = true;
	log_info("%s: unmounting %s and exiting", sig, mountpoint);
	unmount_tree();
	/* No data file is open, and none can be opened any more: what
	 * remains open (an attribute, a directory) loses nothing. */
	fs_stop(se);
}

/*
 * Makes @dir (absolute: -m and the configuration see to that) if it is
 * missing and resolves it into mountpoint[], where no mount may be yet
 * (mnt_check()).  Prints why not.
 * @return 0 or -errno.
 */
static int make_mountpoint(const char *dir)
{
	char why[256];
	struct stat st;
	int ret;

	if ((mkdir(dir, 0755) && errno != EEXIST) ||
	    !realpath(dir, mountpoint) || stat(mountpoint, &st)) {
		ret = -errno;
		if (ret == -ENOTCONN)
			fprintf(stderr, "zramfsd: %s: a FUSE mount whose "
				"server is gone is there: umount it first\n",
				dir);
		else
			fprintf(stderr, "zramfsd: %s: %s\n", dir,
				strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "zramfsd: %s: not a directory\n", dir);
		return -ENOTDIR;
	}
	ret = mnt_check(mountpoint, why, sizeof(why));
	if (ret == -EBUSY)
		fprintf(stderr, "zramfsd: %s: %s\n", mountpoint, why);
	else if (ret)
		fprintf(stderr, "zramfsd: %s: %s\n", mountpoint,
			strerror(-ret));
	return ret;
}

/*
 * Mounts the tree on mountpoint[] and gives the connection to se.  Prints
 * why not.
 * @return 0 or -errno.
 */
static int mount_tree(void)
{
	char why[256], dev_fd[32];
	int fd;

	fd = mnt_mount(mountpoint, why, sizeof(why));
	if (fd < 0) {
		fprintf(stderr, "zramfsd: cannot mount on %s: %s\n",
			mountpoint, fd == -EBUSY ? why : strerror(-fd));
		return fd;
	}
	/* libfuse serves the descriptor and leaves the mount to us. */
	snprintf(dev_fd, sizeof(dev_fd), "/dev/fd/%d", fd);
	if (fuse_session_mount(se, dev_fd)) {
		fprintf(stderr, "zramfsd: cannot serve %s\n", mountpoint);
		close(fd);
		mnt_unmount();
		return -EIO;
	}
	return 0;
}

/*
 * Every thread's stack is locked and faulted in whole by mlockall(MCL_FUTURE):
 * glibc's default of RLIMIT_STACK (8 MiB) would pin 8 MiB a thread.  The
 * threads made with the default attributes, the control thread and the two
 * each device starts (its GC worker and its allocator's keeper, so this is
 * what a device costs), need a few pages; 128 KiB leaves a wide margin, also
 * for the sanitizers' redzones.  The FUSE workers, which run the handlers,
 * ask for more (fs.c).  Likewise each malloc arena is locked as it grows:
 * two are plenty for a handful of threads that allocate once at start.
 *
 * A FUSE worker must not ask the kernel for memory while it serves (the
 * request could wait for reclaim that swaps out to this daemon), yet libfuse
 * and the handlers still malloc and free small things per request.  Those
 * must come from heap memory the daemon already holds.  By default glibc
 * gives free memory at the top of a heap back to the kernel once it exceeds
 * 128 KiB (to take it again with brk or mprotect on a later malloc), and
 * serves each allocation above its mmap threshold with a mapping of its own,
 * made by malloc and unmapped by free; that threshold starts at 128 KiB and
 * moves up as such chunks are freed.  So the heap keeps up to 64 MiB it has
 * freed, and the threshold is fixed at 1 MiB: only the per-thread buffers of
 * 1 MiB, made once before a worker serves, get mappings of their own.
 */
#define THREAD_STACK_SIZE     (128 * 1024)
#define MALLOC_TRIM_THRESHOLD (64 * 1024 * 1024)
#define MALLOC_MMAP_THRESHOLD (1024 * 1024)

static void size_threads(void)
{
	pthread_attr_t attr;

	mallopt(M_ARENA_MAX, 2);
	mallopt(M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD);
	mallopt(M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD);
	if (pthread_attr_init(&attr))
		return;
	if (pthread_attr_setstacksize(&attr, THREAD_STACK_SIZE) ||
	    pthread_setattr_default_np(&attr))
		log_warn("cannot set the default thread stack size");
	pthread_attr_destroy(&attr);
}

static void harden(void)
{
	int ret;

	ret = priv_lock_memory();
	region_set_mlocked(!ret);
	if (ret)
		log_warn("cannot lock memory: %s: pages may be swapped out to "
			 "ourselves under pressure", strerror(-ret));
	ret = priv_set_io_flusher();
	if (ret)
		log_warn("cannot mark the daemon an I/O flusher: %s",
			 strerror(-ret));
	ret = priv_set_oom_score_adj(-1000);
	if (ret)
		log_warn("cannot set oom_score_adj: %s", strerror(-ret));
	/* Last: /proc/self becomes root's alone once we are not dumpable. */
	ret = priv_no_core_dumps();
	if (ret)
		log_warn("cannot disable core dumps: %s: a crash may write "
			 "swapped pages to disk", strerror(-ret));
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "mountpoint", required_argument, NULL, 'm' },
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *mnt_opt = NULL;
	/* Mount options are mnt.c's: libfuse gets none. */
	char *fuse_argv[] = { argv[0], NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, fuse_argv);
	int foreground = 0, check = 0, c, status = EXIT_FAILURE, ret;

	while ((c = getopt_long(argc, argv, "fc:m:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = 1;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case 'm':
			/* As the configuration's mountpoint key. */
			if (optarg[0] != '/') {
				fprintf(stderr, "zramfsd: -m %s: the "
					"mountpoint must be an absolute "
					"path\n", optarg);
				try_help();
			}
			mnt_opt = optarg;
			break;
		case OPT_CHECK_CONFIG:
			check = 1;
			break;
		case 'V':
			printf("zramfsd %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage();
		default:
			try_help();
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zramfsd: unexpected argument '%s'\n",
			argv[optind]);
		try_help();
	}
	log_init(1);

	/* Configuration errors end here, with nothing created. */
	config = conf_load(conf_path);
	if (!config)
		return EXIT_FAILURE;
	if (!mnt_opt)
		mnt_opt = conf_mountpoint(config);
	if (check) {
		status = check_config(conf_path, mnt_opt);
		goto out_conf;
	}
	if (make_mountpoint(mnt_opt))
		goto out_conf;
	/* Where every device and open file is recorded (state.h). */
	if (state_open(-1))
		goto out_conf;
	dev_registry_init(mountpoint, ctl_on_thread);

	se = fs_session_new(&args);
	if (!se) {
		fprintf(stderr, "zramfsd: cannot create the FUSE session\n");
		goto out_conf;
	}
	if (mount_tree())
		goto out_session;
	/* From now on, and in every thread made from now on, only SIGTERM,
	 * SIGINT and SIGHUP (read by the control thread) and the fault
	 * signals do anything: none may leave a dead mount behind. */
	ret = thread_block_signals(NULL);
	if (ret) {
		fprintf(stderr, "zramfsd: cannot block signals: %s\n",
			strerror(-ret));
		goto out_unmount;
	}
	if (fuse_daemonize(foreground)) {
		fprintf(stderr, "zramfsd: cannot daemonize\n");
		goto out_unmount;
	}
	log_init(foreground);
	size_threads();
	harden();
	if (priv_no_new_privs())
		log_warn("cannot set no_new_privs");

	ret = ctl_start(on_signal);
	if (ret) {
		log_err("cannot start the control thread: %s", strerror(-ret));
		goto out_unmount;
	}
	/* The control thread keeps what swapon, swapoff and umount need; this
	 * thread, and so every FUSE worker it starts, keeps nothing but the
	 * right to lock memory (see priv.h). */
	ret = ctl_call(keep_admin_caps, NULL);
	if (!ret)
		ret = priv_drop_thread_caps();
	if (ret)
		log_warn("cannot reduce capabilities: %s", strerror(-ret));

	/* Without capabilities now: the GC workers of these devices start
	 * with none. */
	if (conf_apply(config))
		log_err("some configured devices could not be set up");
	/* Queued now, run by the control thread while the loop serves. */
	ret = ctl_post(start_swap, NULL);
	if (ret) {
		log_err("cannot start the devices: %s", strerror(-ret));
	} else {
		ret = fs_loop(se, conf_threads(config));
		status = ret ? EXIT_FAILURE : EXIT_SUCCESS;
		if (ret)
			log_err("the FUSE loop failed: %s", strerror(abs(ret)));
		else
			log_info("exiting");
	}
	ctl_call(unmount_job, NULL);
	ctl_stop();
	dev_destroy_all();
	goto out_session;
out_unmount:
	mnt_unmount();
out_session:
	fuse_session_destroy(se);
out_conf:
	/* fuse_session_new() may have copied the arguments. */
	fuse_opt_free_args(&args);
	conf_free((struct conf *)config);
	return status;
}
