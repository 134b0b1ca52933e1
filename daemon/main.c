// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zramfsd: kernel zram in userspace.  Start-up, signals and shutdown, of
 * the two processes (daemon/holder.h): main() is the holder's start, which
 * parses the command line and the configuration (errors end here, before
 * anything exists), checks the mountpoint and mounts (mnt.c), blocks the
 * signals no thread takes (lib/thread.h), daemonizes, hardens itself and
 * runs holder_run(), which starts the server: server_main(), this same
 * executable started as zramfsd-server (or as zramfsd-swapctl, a swap
 * helper, swapctl.c; or with --resume, the holder re-executed by a reload).
 *
 * The server's start-up order matters: lock memory and mark the process an
 * I/O flusher (neither survives exec), attach the hold area, start the
 * control thread, drop capabilities, create the devices of the
 * configuration if it is the first server (on this thread, so that their
 * GC workers inherit no capability), resume the connection if it follows
 * another (conn.c) and serve: fs_loop() starts every FUSE worker at once, each
 * with its buffers made, so that reading and writing pages needs no new
 * thread or buffer.  The control thread turns the devices into swap once the
 * workers run, because swapon reads the device through them; then the
 * holder is told READY (and tells systemd READY=1).
 *
 * Shutdown: SIGTERM/SIGINT reach the control thread, which turns swap off on
 * every device (the workers keep serving the pages coming back) and detaches
 * the loop devices.  If that fails the daemon logs why and keeps serving: it
 * never exits while its data is active swap.  Nor while any data file is
 * open (a loop device attached by hand, say): it logs which, and keeps
 * serving.  Otherwise the data files are closed for good, the daemon
 * lazily unmounts its own mount (mnt.c: never another mount at the same
 * path) and ends the FUSE loop; the holder, told STOPPING, exits after it.
 * A later signal tries again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array_size.h"
#include "conf.h"
#include "conn.h"
#include "ctl.h"
#include "dev.h"
#include "fault.h"
#include "fs.h"
#include "hold.h"
#include "holder.h"
#include "log.h"
#include "mnt.h"
#include "priv.h"
#include "region.h"
#include "state.h"
#include "swapctl.h"
#include "swapopt.h"
#include "thread.h"
#include "ztree.h"
#include "zstore.h"

static struct fuse_session *se;
static char mountpoint[PATH_MAX];
static const struct conf *config;
/* Set by on_signal() once it ends the daemon; control thread only. */
static bool stopping;
/* Set by on_signal() for SIGHUP: hand over to a new server. */
static _Atomic bool quiescing;

enum {
	OPT_CHECK_CONFIG = CHAR_MAX + 1,
	OPT_HOLD_LAYOUT, /* for a reload's check: print the hold layout */
	OPT_RESUME,      /* a holder re-executed by a reload */
	OPT_HOLDER_THREADS,
};

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

/* How long a first server waits for the kernel's INIT before it gives up
 * saying READY (the kernel queues INIT at mount, before anything else). */
#define INIT_WAIT_S 10

/* Tells the holder something that needs no answer. */
static void tell_holder(enum hold_msg_type type, const char *reason)
{
	struct hold_msg m = { .type = type };

	if (reason)
		snprintf(m.reason, sizeof(m.reason), "%s", reason);
	region_tell_holder(&m);
}

/* Runs on the control thread once the FUSE loop serves.  READY means the
 * kernel's INIT is answered (only then are requests served) and the
 * configuration's swap is on. */
static int start_swap(void *unused)
{
	int ret;

	(void)unused;
	ret = conn_wait_init(INIT_WAIT_S);
	if (ret) {
		log_err("no FUSE_INIT answered in %d s: %s", INIT_WAIT_S,
			strerror(-ret));
		return 0;
	}
	/* What a dead server left half done with swap (dev.h). */
	if (dev_reconcile_swap())
		log_err("some devices' swap could not be reconciled");
	if (config && conf_apply_swap(config))
		log_err("some configured devices could not be turned into swap");
	tell_holder(HOLD_MSG_READY, NULL);
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

/* The stop path, on the control thread: for SIGTERM or SIGINT (from the
 * holder, or sent to the server itself), or when the holder is gone. */
static void stop(const char *sig)
{
	int ret;

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
 * Runs on the control thread.  SIGHUP (from the holder, reloading): stop
 * reading requests and exit, leaving everything (the mount, swap, the
 * regions) as it is for the next server.  A request read but not answered
 * meanwhile comes back to that server through FUSE_NOTIFY_RESEND.
 */
static void on_signal(int signo)
{
	if (signo == SIGHUP) {
		if (stopping)
			return;
		log_info("SIGHUP: handing over to a new server");
		atomic_store(&quiescing, true);
		fs_stop(se);
		return;
	}
	stop(strsignal(signo));
}

/*
 * Runs on the control thread when the socket to the holder hangs up: the
 * holder died.  The connection lives on while this server holds it, but
 * nothing would restart a server after this one: stop as on SIGTERM (swap
 * off, unmount, exit), or, if swap cannot be turned off, keep serving
 * (its pages would be lost otherwise); a SIGTERM tries again.
 */
static void on_holder_gone(void)
{
	log_err("the holder (zramfsd) is gone: stopping");
	stop("holder gone");
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
 * Mounts the tree on mountpoint[].  Prints why not.
 * @return the /dev/fuse descriptor, or -errno.
 */
static int mount_tree(void)
{
	char why[256];
	int fd;

	fd = mnt_mount(mountpoint, why, sizeof(why));
	if (fd < 0)
		fprintf(stderr, "zramfsd: cannot mount on %s: %s\n",
			mountpoint, fd == -EBUSY ? why : strerror(-fd));
	return fd;
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

/* Holder and server alike.  @return whether memory is locked. */
static bool harden(void)
{
	bool locked;
	int ret;

	ret = priv_lock_memory();
	locked = !ret;
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
	if (priv_no_new_privs())
		log_warn("cannot set no_new_privs");
	region_set_mlocked(locked);
	return locked;
}

/* Arms the fault point of ZRAMFS_FAULT, or of the file ZRAMFS_FAULT_FILE
 * names (read at every server start, so a test can make every server die
 * at start, then let one live by emptying it). */
static void arm_fault(void)
{
	const char *path = getenv("ZRAMFS_FAULT_FILE");
	char spec[128] = "";
	FILE *f;

	if (fault_init_from_env())
		log_warn("ZRAMFS_FAULT: malformed, ignored");
	if (!path)
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(spec, sizeof(spec), f))
		spec[strcspn(spec, "\n")] = '\0';
	fclose(f);
	if (spec[0] && fault_arm(spec))
		log_warn("%s: malformed fault spec, ignored", path);
}

/* A server that cannot serve says why, to the log and the holder. */
static int server_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static int server_fatal(const char *fmt, ...)
{
	char reason[HOLD_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_err("%s", reason);
	tell_holder(HOLD_MSG_FATAL, reason);
	return EXIT_FAILURE;
}

/* The hold area's mapping, kept for the server's life. */
static struct zregion *hold_region;

/* @return the hold area @id, mapped and checked, or NULL. */
static struct hold_area *attach_hold(int id)
{
	int ret;

	ret = region_attach(id, &hold_region);
	if (ret) {
		server_fatal("cannot attach the hold area %d: %s", id,
			     strerror(-ret));
		return NULL;
	}
	ret = hold_check(zregion_base(hold_region), zregion_size(hold_region));
	if (ret) {
		server_fatal("the hold area %d is not of this version: %s", id,
			     strerror(-ret));
		zregion_detach(hold_region);
		hold_region = NULL;
		return NULL;
	}
	return zregion_base(hold_region);
}

/*
 * The server: started by the holder (daemon/holder.c) with the connection
 * as fd 3 and the socket to it as fd 4, as
 *   zramfsd-server --hold-area=ID --threads=N -m MNT [--configure] [-c F] [-f]
 * It sets the configuration's devices up if --configure says it is the
 * first (per holder), resumes the connection if it follows another
 * (conn.c), and serves until the stop path ends it.
 */
static int server_main(int argc, char **argv)
{
	enum { OPT_HOLD = CHAR_MAX + 1, OPT_THREADS, OPT_CONFIGURE };
	static const struct option longopts[] = {
		{ "hold-area", required_argument, NULL, OPT_HOLD },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "configure", no_argument, NULL, OPT_CONFIGURE },
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "mountpoint", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *mnt_opt = NULL;
	char *fuse_argv[] = { argv[0], NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, fuse_argv);
	int foreground = 0, configure = 0, hold_id = -1, c, ret;
	unsigned int threads = 0;
	struct hold_area *hold;
	struct mnt_ident mi;
	char why[HOLD_REASON_MAX];
	int status = EXIT_FAILURE;

	log_set_ident("zramfsd-server");
	prctl(PR_SET_NAME, "zramfsd-server", 0, 0, 0);
	while ((c = getopt_long(argc, argv, "fc:m:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = 1;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case 'm':
			mnt_opt = optarg;
			break;
		case OPT_HOLD:
			hold_id = atoi(optarg);
			break;
		case OPT_THREADS:
			threads = (unsigned int)atoi(optarg);
			break;
		case OPT_CONFIGURE:
			configure = 1;
			break;
		default:
			return EXIT_FAILURE;
		}
	}
	log_init(foreground);
	/* Not for the swap helpers (daemon/swapctl.c). */
	fcntl(HOLD_FUSE_FD, F_SETFD, FD_CLOEXEC);
	fcntl(HOLD_SOCK_FD, F_SETFD, FD_CLOEXEC);
	region_set_holder(HOLD_SOCK_FD);
	swapctl_use_helper();
	if (hold_id < 0 || !threads || !mnt_opt ||
	    strlen(mnt_opt) >= sizeof(mountpoint))
		return server_fatal("started without its holder's arguments");
	strcpy(mountpoint, mnt_opt);
	arm_fault();
	ret = thread_block_signals(NULL);
	if (ret)
		return server_fatal("cannot block signals: %s", strerror(-ret));
	size_threads();
	harden();

	hold = attach_hold(hold_id);
	if (!hold)
		return EXIT_FAILURE;
	FAULT_POINT("attach.start");
	mi.id = hold->mnt_id;
	mi.major = hold->mnt_major;
	mi.minor = hold->mnt_minor;
	mnt_adopt(mountpoint, &mi);
	if (configure) {
		config = conf_load(conf_path);
		if (!config)
			return server_fatal("cannot load the configuration");
	}
	/* Every device and open file is recorded in the state region
	 * (state.h): the first server makes it, the next ones rebuild their
	 * tables from it.  Nothing below destroys what it holds unless the
	 * daemon stops for good: a server that fails exits and leaves it to
	 * the next. */
	ret = state_open(hold->state_region_id);
	if (ret)
		return server_fatal("cannot open the state region %d: %s",
				    hold->state_region_id, strerror(-ret));
	if (hold->state_region_id < 0)
		hold->state_region_id = state_region_id();
	dev_registry_init(mountpoint, ctl_on_thread);
	ret = dev_restore_all();
	if (ret)
		return server_fatal("cannot restore the devices: %s",
				    strerror(-ret));
	if (configure)
		/* Once per holder, even if this server dies setting it up:
		 * the next one restores what it made. */
		atomic_store(&hold->configured, 1);

	se = fs_session_new(&args);
	if (!se) {
		server_fatal("cannot create the FUSE session");
		goto out_conf;
	}
	ret = conn_attach(se, HOLD_FUSE_FD, hold);
	if (ret) {
		server_fatal("cannot serve the connection: %s", strerror(-ret));
		goto out_session;
	}

	ctl_watch(HOLD_SOCK_FD, on_holder_gone);
	ret = ctl_start(on_signal);
	if (ret) {
		server_fatal("cannot start the control thread: %s",
			     strerror(-ret));
		goto out_session;
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
	if (config && conf_apply(config))
		log_err("some configured devices could not be set up");
	ret = conn_resume(se, why, sizeof(why));
	if (ret) {
		/* The stores stay as they are, for the next server. */
		server_fatal("%s", why);
		_exit(EXIT_FAILURE);
	}
	/* Queued now, run by the control thread while the loop serves. */
	ret = ctl_post(start_swap, NULL);
	if (ret) {
		server_fatal("cannot start the devices: %s", strerror(-ret));
		_exit(EXIT_FAILURE);
	}
	ret = fs_loop(se, threads);
	if (atomic_load(&quiescing)) {
		/* Nothing torn down: it is the next server's. */
		log_info("handed over: exiting");
		_exit(EXIT_SUCCESS);
	}
	if (ret) {
		/* Like a crash: the next server takes over what is stored. */
		server_fatal("the FUSE loop failed: %s", strerror(abs(ret)));
		_exit(EXIT_FAILURE);
	}
	/* Stopped (a signal, the holder gone), or the mount went: the
	 * holder ends too, and only now is anything torn down. */
	tell_holder(HOLD_MSG_STOPPING, NULL);
	log_info("exiting");
	status = EXIT_SUCCESS;
	ctl_call(unmount_job, NULL);
	ctl_stop();
	dev_destroy_all();
out_session:
	fuse_session_destroy(se);
out_conf:
	fuse_opt_free_args(&args);
	conf_free((struct conf *)config);
	/* Unmapped here only: the holder keeps it. */
	zregion_detach(hold_region);
	return status;
}

/* What the holder keeps, and so all its servers can have: with
 * no_new_privs, a server gets no more than the holder's permitted set. */
static const cap_value_t holder_caps[] = {
	CAP_SYS_ADMIN, CAP_IPC_LOCK, CAP_SYS_RESOURCE
};

/*
 * A holder re-executed by a reload (holder.c): everything is there
 * already (the mount, the connection as @fd of the resume state, the
 * server), and the configuration is not read again.
 */
static int resume_holder(struct holder_args *ha,
			 const struct holder_resume *hr,
			 const char *conf_path, const char *mnt, int foreground)
{
	int ret;

	if (!mnt || strlen(mnt) >= sizeof(mountpoint) || !ha->threads)
		return EXIT_FAILURE;
	strcpy(mountpoint, mnt);
	log_init(foreground);
	harden();
	ret = priv_keep_permitted(holder_caps, ARRAY_SIZE(holder_caps));
	if (ret)
		log_warn("cannot reduce capabilities: %s", strerror(-ret));
	ha->fuse_fd = hr->fuse_fd;
	ha->mountpoint = mountpoint;
	ha->conf_path = conf_path;
	ha->foreground = foreground;
	ha->resume = hr;
	return holder_run(ha);
}

/* zramfsd: the holder, unless started as its server. */
int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "mountpoint", required_argument, NULL, 'm' },
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "hold-layout", no_argument, NULL, OPT_HOLD_LAYOUT },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "threads", required_argument, NULL, OPT_HOLDER_THREADS },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *mnt_opt = NULL, *test_layout;
	static char conf_abs[PATH_MAX];
	struct holder_args ha = { 0 };
	struct holder_resume hr = { 0 };
	bool resuming = false;
	int foreground = 0, check = 0, c, status = EXIT_FAILURE, ret, fd;
	const char *base = strrchr(argv[0], '/');

	if (!strcmp(base ? base + 1 : argv[0], "zramfsd-server"))
		return server_main(argc, argv);
	if (!strcmp(base ? base + 1 : argv[0], "zramfsd-swapctl"))
		return swapctl_main(argc, argv);
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
		case OPT_HOLD_LAYOUT:
			/* ZRAMFS_TEST_LAYOUT: a test's other layout. */
			test_layout = getenv("ZRAMFS_TEST_LAYOUT");
			printf("%d %d %d\n",
			       HOLD_LAYOUT +
				       (test_layout ? atoi(test_layout) : 0),
			       STATE_LAYOUT_VERSION, ZSTORE_LAYOUT_VERSION);
			return EXIT_SUCCESS;
		case OPT_RESUME:
			if (sscanf(optarg, "%d:%d:%d:%d:%d", &hr.hold_id,
				   &hr.fuse_fd, &hr.sock, &hr.server_pid,
				   &hr.bridge_pid) != 5)
				try_help();
			resuming = true;
			break;
		case OPT_HOLDER_THREADS:
			ha.threads = (unsigned int)atoi(optarg);
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
	if (resuming)
		return resume_holder(&ha, &hr, conf_path, mnt_opt, foreground);

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
	/* Servers read it after fuse_daemonize() went to "/". */
	if (conf_path && !realpath(conf_path, conf_abs)) {
		fprintf(stderr, "zramfsd: %s: %s\n", conf_path,
			strerror(errno));
		goto out_conf;
	}
	fd = mount_tree();
	if (fd < 0)
		goto out_conf;
	/* From now on only SIGTERM, SIGINT and SIGHUP (read from a signalfd)
	 * and the fault signals do anything: none may leave a dead mount
	 * behind. */
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
	harden();
	ret = priv_keep_permitted(holder_caps, ARRAY_SIZE(holder_caps));
	if (ret)
		log_warn("cannot reduce capabilities: %s", strerror(-ret));

	ha.fuse_fd = fd;
	ha.mountpoint = mountpoint;
	ha.conf_path = conf_path ? conf_abs : NULL;
	ha.threads = conf_threads(config);
	ha.poll_us = conf_poll_us(config);
	ha.foreground = foreground;
	status = holder_run(&ha);
	close(fd);
	goto out_conf;
out_unmount:
	mnt_unmount();
	close(fd);
out_conf:
	conf_free((struct conf *)config);
	return status;
}
