// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zramfsctl: set up, change and show zramfs devices; util-linux's zramctl
 * for zramfsd.
 *
 * It talks to the daemon only through the tree under the mountpoint, one
 * attribute read or write at a time, so that everything it does can also be
 * done with cat and echo (the messages say which step failed).  It
 * keeps zramctl's options and columns with zramctl's meaning, and adds JSON
 * output, swap, the memory limit, the GC mode, compaction and the columns
 * zramctl lacks.
 *
 * Layout, as zramctl's: a table of columns indexed by an enum, each row
 * filled by a switch over the column id (columns.c); one function per
 * action (actions.c); the tree read and written one attribute at a time
 * (tree.c); and here getopt_long with long-only options above CHAR_MAX,
 * mutually exclusive options declared as data, and main(): parse the
 * command line into a struct cmdline, check it, dispatch it.  A failure on
 * one of several devices is reported and the others are still processed;
 * any failure makes the exit status 1.
 *
 * Every argument is checked before the first write: device names, sizes
 * (util-linux's rules, as zramctl reads them: lib/size), numbers, swap
 * priorities and discard policies (the swap attribute's own rule:
 * lib/swapopt), GC modes, the form of the algorithm parameters and the
 * columns; a device that --size resets must offer the algorithm asked for.
 * What only the daemon can judge (a level's range, a disksize it cannot
 * lock) is reported with the attribute that refused it, and with what
 * became of the device: removed again if --find added it, left reset if
 * --size had reset it.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array_size.h"
#include "size.h"
#include "swapopt.h"
#include "zramfsctl.h"

/* What the command line asks for; NULL or false when not asked for. */
struct cmdline {
	enum {
		ACT_STATUS, /* no action asked for: show the table */
		ACT_RESET,  /* -r */
		ACT_FIND,   /* -f */
		ACT_SETUP,  /* -s DEVICE */
		ACT_MODIFY, /* --swapon, --swapoff, --mem-limit, ... */
		ACT_DAEMON, /* --daemon */
		ACT_RELOAD, /* --reload */
	} action; /* decided by check_cmdline() */
	struct request rq;
	struct output out;
	const char *mnt;
	bool reset, output_all, daemon, reload;
	const char *columns; /* -o */
	char **devices;
	int ndevices;
};

/* --- messages ------------------------------------------------------------- */

/*
 * Output errors must not pass silently: stdout is checked when the program
 * exits, as util-linux's close_stdout(), and a failure changes the exit
 * status to 1.  EPIPE is left alone (the reader went away on purpose).
 */
static void close_stdout(void)
{
	bool failed = ferror(stdout) != 0;
	int e = 0; /* unknown, if an earlier write failed */

	if (fclose(stdout) != 0) {
		failed = true;
		e = errno;
	}
	if (failed && e != EPIPE) {
		if (e)
			warnx("write error: %s", strerror(e));
		else
			warnx("write error");
		_exit(EXIT_FAILURE);
	}
	if (fflush(stderr) != 0 || ferror(stderr))
		_exit(EXIT_FAILURE);
}


/* --- options -------------------------------------------------------------- */

static void __attribute__((__noreturn__)) usage(void)
{
	FILE *out = stdout;

	fputs("\nUsage:\n", out);
	fprintf(out,
		" %1$s [options] [<device>...]\n"
		" %1$s -r [--swapoff] <device>...\n"
		" %1$s [options] -f | <device> -s <size>\n"
		" %1$s --swapon|--swapoff|--mem-limit|--gc-mode|--compact "
		"<device>...\n",
		program_invocation_short_name);

	fputs("\nSet up and control zramfs devices: zramctl for zramfsd.\n"
	      "Without options, show the devices that are set up.\n",
	      out);

	fputs("\nOptions:\n", out);
	fputs(" -a, --algorithm <alg>     compression algorithm to use\n"
	      " -b, --bytes               print sizes in bytes, not in "
	      "human-readable form\n"
	      " -f, --find                add a new device (control/hot_add), "
	      "print its name\n"
	      " -J, --json                use JSON output format\n"
	      " -m, --mountpoint <dir>    where zramfsd serves (default "
	      "$" MOUNTPOINT_ENV ",\n"
	      "                             else " ZTREE_MOUNTPOINT ")\n"
	      " -n, --noheadings          don't print headings\n"
	      " -o, --output <list>       columns to use for status output;\n"
	      "                             +<list> adds to the default ones\n"
	      "     --output-all          output all columns\n"
	      " -p, --algorithm-params <parameter>...\n"
	      "                           parameters for the compression "
	      "algorithm (level=N)\n"
	      " -r, --reset <device>...   reset the devices and remove them "
	      "(with --swapoff,\n"
	      "                             turn off swap first)\n"
	      "     --raw                 use raw status output format\n"
	      " -s, --size <size>         device size (resets the device "
	      "first)\n"
	      " -t, --streams <number>    number of compression streams\n",
	      out);
	fputs("\n"
	      "     --swapon              turn the device into swap\n"
	      "     --priority <prio>     swap priority, -1 to 32767 "
	      "(with --swapon)\n"
	      "     --discard[=<policy>]  discard policy of swap: pages, once, "
	      "both or none\n"
	      "                             (--discard alone: both; "
	      "\"--discard <policy>\"\n"
	      "                             works too); without --discard the "
	      "daemon's\n"
	      "                             default (both)\n"
	      "     --swapoff             stop using the device as swap\n"
	      "     --mem-limit <size>    limit on the memory holding "
	      "compressed data (0: none)\n"
	      "     --gc-mode <mode>      free discarded pages' memory "
	      "async or sync\n"
	      "     --compact             compact the device's memory\n"
	      "     --daemon              show the daemon's restarts "
	      "(control/daemon_stat)\n"
	      "     --reload              have the daemon re-execute its "
	      "installed version\n",
	      out);
	fputs("\n -h, --help                display this help\n"
	      " -V, --version             display version\n",
	      out);

	fputs("\nWith --size, <device> is reset, then its streams, algorithm, "
	      "parameters,\n"
	      "memory limit, GC mode and disksize are written, and swap turned "
	      "on if asked.\n"
	      "With --find it is a new device, removed again if a step fails.  "
	      "Otherwise\n"
	      "--swapoff, --mem-limit, --gc-mode, --compact and --swapon change "
	      "each <device>\n"
	      "in that order; --swapoff with --reset turns swap off, then "
	      "resets.  Every step\n"
	      "is one write to a file under the mountpoint, and every argument "
	      "is checked\n"
	      "before the first.\n",
	      out);

	fputs("\nArguments:\n"
	      " <device> is a device name (zramfs0) or its directory under the "
	      "mountpoint.\n"
	      " <size> arguments may be followed by the suffixes K, M, G, T, "
	      "P, E (powers of\n"
	      "   1024, \"iB\" optional: K = KiB) or KB, MB, GB, TB, PB, EB "
	      "(powers of 1000),\n"
	      "   with a decimal fraction: 1.5G, 512MB; as util-linux reads "
	      "them.\n"
	      " <alg> is one of the algorithms the device's comp_algorithm "
	      "lists.\n",
	      out);

	fputs("\nAvailable output columns:\n", out);
	columns_print_help(out);
	fputs("\nSizes are in bytes with --bytes, else with a K, M, G or T "
	      "suffix (powers of\n"
	      "1024), and so is MIGRATED, as zramctl prints it; the other "
	      "numbers count\n"
	      "pages or requests, or are microseconds (*-P50, *-P99).  "
	      "Statistics columns\n"
	      "name the field of mm_stat, io_stat, gc_stat or latency_stat "
	      "they show.\n",
	      out);
	fputs("\nExit status: 0 on success, 1 if anything failed.\n", out);
	fputs("\nFor more details see zramfsctl(8).\n", out);
	exit(EXIT_SUCCESS);
}

static void __attribute__((__noreturn__)) errtryhelp(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n",
		program_invocation_short_name);
	exit(EXIT_FAILURE);
}

enum {
	OPT_RAW = CHAR_MAX + 1,
	OPT_OUTPUT_ALL,
	OPT_SWAPON,
	OPT_SWAPOFF,
	OPT_PRIORITY,
	OPT_DISCARD,
	OPT_MEM_LIMIT,
	OPT_GC_MODE,
	OPT_COMPACT,
	OPT_DAEMON,
	OPT_RELOAD,
};

static const struct option longopts[] = {
	{ "algorithm", required_argument, NULL, 'a' },
	{ "algorithm-params", required_argument, NULL, 'p' },
	{ "bytes", no_argument, NULL, 'b' },
	{ "compact", no_argument, NULL, OPT_COMPACT },
	{ "daemon", no_argument, NULL, OPT_DAEMON },
	{ "discard", optional_argument, NULL, OPT_DISCARD },
	{ "find", no_argument, NULL, 'f' },
	{ "gc-mode", required_argument, NULL, OPT_GC_MODE },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'J' },
	{ "mem-limit", required_argument, NULL, OPT_MEM_LIMIT },
	{ "mountpoint", required_argument, NULL, 'm' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "output-all", no_argument, NULL, OPT_OUTPUT_ALL },
	{ "priority", required_argument, NULL, OPT_PRIORITY },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "reload", no_argument, NULL, OPT_RELOAD },
	{ "reset", no_argument, NULL, 'r' },
	{ "size", required_argument, NULL, 's' },
	{ "streams", required_argument, NULL, 't' },
	{ "swapoff", no_argument, NULL, OPT_SWAPOFF },
	{ "swapon", no_argument, NULL, OPT_SWAPON },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Options that exclude each other: at most one option of each row (as
 * util-linux's ul_excl_t).  The first two rows are zramctl's: -o is for
 * the status table, -r for nothing but resetting (after --swapoff, the
 * teardown), -f for new devices.
 */
static const int excl[][6] = {
	{ 'f', 'o', 'r' },
	{ 'o', 'r', 's' },
	{ 'f', 'o', OPT_SWAPOFF, OPT_COMPACT },
	{ 'r', OPT_COMPACT },
	{ 'o', 'r', OPT_SWAPON },
	{ OPT_SWAPON, OPT_SWAPOFF },
	{ 'o', 'r', OPT_MEM_LIMIT },
	{ 'o', 'r', OPT_GC_MODE },
	{ 's', OPT_SWAPOFF },
	{ 'J', OPT_RAW },
};

/* "--name" of option @c. */
static const char *option_name(int c)
{
	static char buf[2][64];
	static int which;
	const struct option *o;

	for (o = longopts; o->name; o++)
		if (o->val == c) {
			which ^= 1;
			snprintf(buf[which], sizeof(buf[which]), "--%s",
				 o->name);
			return buf[which];
		}
	return "?";
}

static void check_exclusive(int c, int seen[ARRAY_SIZE(excl)])
{
	size_t row, i;

	for (row = 0; row < ARRAY_SIZE(excl); row++)
		for (i = 0; i < ARRAY_SIZE(excl[row]) && excl[row][i]; i++) {
			if (excl[row][i] != c)
				continue;
			if (seen[row] && seen[row] != c)
				errx(EXIT_FAILURE,
				     "options %s and %s are mutually exclusive",
				     option_name(seen[row]), option_name(c));
			seen[row] = c;
		}
}

/* A size as zramctl reads it (util-linux's rules). */
static uint64_t parse_size_or_err(const char *s, const char *what)
{
	uint64_t v;
	int ret = size_parse_ul(s, &v);

	if (ret == -ERANGE)
		errx(EXIT_FAILURE, "%s too large: '%s'", what, s);
	if (ret)
		errx(EXIT_FAILURE, "failed to parse %s: '%s'", what, s);
	return v;
}

/*
 * -p: words KEY=VALUE between blanks, the form of every algorithm_params
 * (none at all clears them), that fit one write.  Which keys and values an
 * algorithm takes is the daemon's to judge.
 */
static void check_params(const char *s)
{
	const char *p, *eq;
	size_t len;
	bool bad = strlen(s) > ATTR_VALUE_MAX;

	for (p = s; *p; p++)
		if ((unsigned char)*p < ' ' && *p != '\t')
			bad = true;
	for (p = s + strspn(s, " \t"); *p && !bad;
	     p += len + strspn(p + len, " \t")) {
		len = strcspn(p, " \t");
		eq = memchr(p, '=', len);
		bad = !eq || eq == p || eq == p + len - 1;
	}
	if (bad)
		errx(EXIT_FAILURE,
		     "failed to parse algorithm parameters: '%s' (KEY=VALUE "
		     "...)",
		     s);
}

static void check_gc_mode(const char *s)
{
	enum ztree_gc_mode mode;

	if (ztree_gc_mode_parse(s, &mode))
		errx(EXIT_FAILURE,
		     "unsupported GC mode: '%s' (" ZTREE_GC_MODE_NAMES ")", s);
}


/*
 * Reads the options into @cl, each checked on its own as it comes (a bad
 * one ends the program before anything is done); -h and -V end it too.
 */
static void parse_cmdline(int argc, char **argv, struct cmdline *cl)
{
	struct request *rq = &cl->rq;
	int seen[ARRAY_SIZE(excl)] = { 0 };
	enum swapopt_discard policy;
	const char *env;
	uint64_t v;
	int c;

	cl->mnt = ZTREE_MOUNTPOINT;
	env = getenv(MOUNTPOINT_ENV);
	if (env && *env)
		cl->mnt = env;

	while ((c = getopt_long(argc, argv, "a:bfhJm:no:p:rs:t:V", longopts,
				NULL)) != -1) {
		check_exclusive(c, seen);
		switch (c) {
		case 'a':
			rq->algorithm = optarg;
			break;
		case 'b':
			cl->out.bytes = true;
			break;
		case 'f':
			rq->find = true;
			break;
		case 'J':
			cl->out.json = true;
			break;
		case 'm':
			cl->mnt = optarg;
			break;
		case 'n':
			cl->out.noheadings = true;
			break;
		case 'o':
			cl->columns = optarg;
			break;
		case OPT_OUTPUT_ALL:
			cl->output_all = true;
			break;
		case 'p':
			check_params(optarg);
			rq->params = optarg;
			break;
		case 'r':
			cl->reset = true;
			break;
		case OPT_RAW:
			cl->out.raw = true;
			break;
		case 's':
			rq->size_arg = optarg;
			rq->size = parse_size_or_err(optarg, "size");
			if (!rq->size)
				errx(EXIT_FAILURE,
				     "invalid size: '%s' (0 bytes)", optarg);
			break;
		case 't':
			if (size_parse_u64(optarg, INT_MAX, &v) || !v)
				errx(EXIT_FAILURE,
				     "failed to parse streams: '%s'", optarg);
			rq->streams = v;
			break;
		case OPT_SWAPON:
			rq->swapon = true;
			break;
		case OPT_SWAPOFF:
			rq->swapoff = true;
			break;
		case OPT_PRIORITY:
			if (swapopt_priority_parse(optarg, &rq->priority))
				errx(EXIT_FAILURE,
				     "failed to parse priority: '%s' (-1 to "
				     "32767)",
				     optarg);
			rq->has_priority = true;
			break;
		case OPT_DISCARD:
			/* "--discard once" as well as "--discard=once": a
			 * policy's name is never a device's. */
			if (!optarg && optind < argc &&
			    !swapopt_discard_parse(argv[optind], &policy))
				optarg = argv[optind++];
			rq->discard = optarg ? optarg : "both";
			if (swapopt_discard_parse(rq->discard, &policy))
				errx(EXIT_FAILURE,
				     "unsupported discard policy: '%s' "
				     "(" SWAPOPT_DISCARD_NAMES ")",
				     rq->discard);
			break;
		case OPT_MEM_LIMIT:
			rq->mem_limit_arg = optarg;
			rq->mem_limit =
				parse_size_or_err(optarg, "memory limit");
			break;
		case OPT_GC_MODE:
			check_gc_mode(optarg);
			rq->gc_mode = optarg;
			break;
		case OPT_DAEMON:
			cl->daemon = true;
			break;
		case OPT_RELOAD:
			cl->reload = true;
			break;
		case OPT_COMPACT:
			rq->compact = true;
			break;
		case 'V':
			printf("%s from %s %s\n",
			       program_invocation_short_name, PACKAGE_NAME,
			       PACKAGE_VERSION);
			exit(EXIT_SUCCESS);
		case 'h':
			usage();
		default:
			errtryhelp();
		}
	}
	cl->ndevices = argc - optind;
	cl->devices = argv + optind;
}

/*
 * Checks the options of @cl together (what each needs along, and the
 * devices), strips the mountpoint's trailing slashes, and decides the
 * action.  Ends the program on the first rule broken.
 */
static void check_cmdline(struct cmdline *cl)
{
	const struct request *rq = &cl->rq;
	int nargs = cl->ndevices;
	char *m;
	size_t len;

	if (rq->find && nargs)
		errx(EXIT_FAILURE,
		     "option --find is mutually exclusive with <device>");
	if ((rq->algorithm || rq->params || rq->streams) && !rq->size_arg)
		errx(EXIT_FAILURE,
		     "options --algorithm, --algorithm-params and --streams "
		     "must be combined with --size");
	if ((rq->has_priority || rq->discard) && !rq->swapon)
		errx(EXIT_FAILURE, "options --priority and --discard must be "
				   "combined with --swapon");
	if (rq->find && rq->swapon && !rq->size_arg)
		errx(EXIT_FAILURE, "option --swapon with --find must be "
				   "combined with --size");
	if ((cl->reset || rq->size_arg || rq->swapon || rq->swapoff ||
	     rq->mem_limit_arg || rq->gc_mode || rq->compact) &&
	    !rq->find && !nargs)
		errx(EXIT_FAILURE, "no device specified");
	if (rq->size_arg && nargs > 1)
		errx(EXIT_FAILURE, "only one <device> at a time is allowed "
				   "with --size");

	/* Strip trailing slashes, so that paths under it compare. */
	if (!*cl->mnt)
		errx(EXIT_FAILURE, "empty mountpoint");
	m = xstrdup(cl->mnt);
	len = strlen(m);
	while (len > 1 && m[len - 1] == '/')
		m[--len] = '\0';
	cl->mnt = m;

	if (cl->daemon &&
	    (nargs || cl->reset || rq->find || rq->size_arg || rq->swapon ||
	     rq->swapoff || rq->mem_limit_arg || rq->gc_mode || rq->compact ||
	     cl->columns || cl->output_all))
		errx(EXIT_FAILURE, "option --daemon takes no <device> and no "
				   "other option but --json");
	if (cl->reload &&
	    (nargs || cl->daemon || cl->reset || rq->find || rq->size_arg ||
	     rq->swapon || rq->swapoff || rq->mem_limit_arg || rq->gc_mode ||
	     rq->compact || cl->columns || cl->output_all || cl->out.json))
		errx(EXIT_FAILURE, "option --reload takes no <device> and no "
				   "other option");
	if (cl->reload)
		cl->action = ACT_RELOAD;
	else if (cl->daemon)
		cl->action = ACT_DAEMON;
	else if (cl->reset)
		cl->action = ACT_RESET;
	else if (rq->find)
		cl->action = ACT_FIND;
	else if (rq->size_arg)
		cl->action = ACT_SETUP;
	else if (rq->swapon || rq->swapoff || rq->mem_limit_arg ||
		 rq->gc_mode || rq->compact)
		cl->action = ACT_MODIFY;
	else
		cl->action = ACT_STATUS;
}

/* Does what @cl asks to @devs.  @return 0, or 1 if anything failed. */
static int run(const struct cmdline *cl, struct zdev *devs)
{
	switch (cl->action) {
	case ACT_RESET:
		return act_reset(devs, cl->ndevices, cl->rq.swapoff);
	case ACT_FIND:
		return act_find(&cl->rq);
	case ACT_SETUP:
		return act_setup(&devs[0], &cl->rq);
	case ACT_MODIFY:
		return act_modify(devs, cl->ndevices, &cl->rq);
	case ACT_DAEMON:
		return act_daemon(&cl->out);
	case ACT_RELOAD:
		return act_reload();
	case ACT_STATUS:
		break;
	}
	return status(&cl->out, devs, cl->ndevices);
}

int main(int argc, char **argv)
{
	struct cmdline cl = { 0 };
	struct zdev *devs;
	int rc;

	atexit(close_stdout);
	parse_cmdline(argc, argv, &cl);
	check_cmdline(&cl);
	mnt = cl.mnt;
	columns_select(cl.output_all, cl.columns);
	mnt_check_daemon();
	devs = dev_parse_all(cl.devices, cl.ndevices);

	/* Nothing has been written before this line. */
	rc = run(&cl, devs);
	free(devs);
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
