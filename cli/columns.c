// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * columns: zramfsctl's status table, as zramctl's.  The columns are a table
 * indexed by an enum, {name, width hint, flags, type, source, help}; each
 * row is filled by a switch over the column id, except the statistics
 * columns, which name the field of mm_stat, io_stat or gc_stat they show and
 * are looked up by that name in lib/zstat's tables.  --help lists the
 * columns from the same table.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libsmartcols.h>

#include "array_size.h"
#include "size.h"
#include "zramfsctl.h"

/* How a column's value is printed, and its JSON type. */
enum col_type {
	CT_STRING, /* text */
	CT_SIZE,   /* bytes: "1.5G", or a number with --bytes */
	CT_COUNT,  /* a number of pages or events: always a number */
	CT_RATIO,  /* a number with four decimals */
};

struct colinfo {
	const char *name;
	double whint;
	int flags;
	enum col_type type;
	enum col_src src;
	const char *field; /* for SRC_MM/IO/GC: the field's name (lib/zstat);
			      for SRC_LAT: the line ("read" or "write") and
			      the column ("P50_US" or "P99_US") */
	const char *help;
};

enum {
	/* zramctl's columns, in zramctl's order */
	COL_NAME = 0,
	COL_DISKSIZE,
	COL_ORIG_SIZE,
	COL_COMP_SIZE,
	COL_ALGORITHM,
	COL_STREAMS,
	COL_ZEROPAGES,
	COL_MEMTOTAL,
	COL_MEMLIMIT,
	COL_MEMUSED,
	COL_MIGRATED,
	COL_COMPRATIO,
	COL_MOUNTPOINT,
	/* zramfs's own */
	COL_ALGORITHM_PARAMS,
	COL_HUGE,
	COL_HUGE_SINCE,
	COL_GC_MODE,
	COL_GC_PENDING,
	COL_GC_QUEUED,
	COL_GC_FREED,
	COL_GC_MAX_PENDING,
	COL_GC_INLINE,
	COL_FAILED_READS,
	COL_FAILED_WRITES,
	COL_INVALID_IO,
	COL_NOTIFY_FREE,
	COL_LOOP,
	COL_PRIORITY,
	COL_DISCARD,
	COL_READ_P50,
	COL_READ_P99,
	COL_WRITE_P50,
	COL_WRITE_P99,
};

#define R SCOLS_FL_RIGHT
static const struct colinfo infos[] = {
	[COL_NAME] = { "NAME", 0.25, 0, CT_STRING, SRC_OTHER, NULL,
		"zramfs device name (its directory under the mountpoint)" },
	[COL_DISKSIZE] = { "DISKSIZE", 5, R, CT_SIZE, SRC_OTHER, NULL,
		"limit on the uncompressed amount of data (disksize)" },
	[COL_ORIG_SIZE] = { "DATA", 5, R, CT_SIZE, SRC_MM, "orig_data_size",
		"uncompressed size of stored data, same-filled pages\n"
		"included; pages swap has freed count until they are\n"
		"discarded, so DATA can exceed swap's Used" },
	[COL_COMP_SIZE] = { "COMPR", 5, R, CT_SIZE, SRC_MM, "compr_data_size",
		"compressed size of stored data" },
	[COL_ALGORITHM] = { "ALGORITHM", 3, 0, CT_STRING, SRC_OTHER, NULL,
		"the selected compression algorithm (comp_algorithm)" },
	[COL_STREAMS] = { "STREAMS", 3, R, CT_COUNT, SRC_OTHER, NULL,
		"number of concurrent compress operations: empty, as\n"
		"zramctl shows it on Linux 6.15 and later (zramfs sets\n"
		"no such limit either)" },
	[COL_ZEROPAGES] = { "ZERO-PAGES", 3, R, CT_COUNT, SRC_MM, "same_pages",
		"same-filled (e.g. zero) pages, stored without memory" },
	[COL_MEMTOTAL] = { "TOTAL", 5, R, CT_SIZE, SRC_MM, "mem_used_total",
		"all memory including allocator fragmentation and\n"
		"metadata overhead" },
	[COL_MEMLIMIT] = { "MEM-LIMIT", 5, R, CT_SIZE, SRC_MM, "mem_limit",
		"memory limit used to store compressed data, 0 for none" },
	[COL_MEMUSED] = { "MEM-USED", 5, R, CT_SIZE, SRC_MM, "mem_used_max",
		"peak memory usage to store compressed data" },
	[COL_MIGRATED] = { "MIGRATED", 5, R, CT_SIZE, SRC_MM,
		"pages_compacted",
		"number of pages freed by compaction, printed as\n"
		"zramctl prints it: like a size (0B, 1.5K)" },
	[COL_COMPRATIO] = { "COMP-RATIO", 5, R, CT_RATIO, SRC_OTHER, NULL,
		"compression ratio: DATA/TOTAL (empty while TOTAL is 0)" },
	[COL_MOUNTPOINT] = { "MOUNTPOINT", 0.10, SCOLS_FL_TRUNC, CT_STRING,
		SRC_OTHER, NULL,
		"where the device is used: [SWAP] while it is active swap" },
	[COL_ALGORITHM_PARAMS] = { "ALGORITHM-PARAMS", 0.10, 0, CT_STRING,
		SRC_OTHER, NULL,
		"parameters of the selected algorithm in effect\n"
		"(algorithm_params), empty for none" },
	[COL_HUGE] = { "HUGE-PAGES", 3, R, CT_COUNT, SRC_MM, "huge_pages",
		"incompressible pages, stored uncompressed" },
	[COL_HUGE_SINCE] = { "HUGE-SINCE", 3, R, CT_COUNT, SRC_MM,
		"huge_pages_since",
		"incompressible pages stored since the device was set up" },
	[COL_GC_MODE] = { "GC-MODE", 3, 0, CT_STRING, SRC_OTHER, NULL,
		"who frees discarded pages' memory, gc_mode: async (the\n"
		"GC worker, later) or sync (the discard itself)" },
	[COL_GC_PENDING] = { "GC-PENDING", 3, R, CT_COUNT, SRC_GC, "pending",
		"discarded pages whose memory is not freed yet" },
	[COL_GC_QUEUED] = { "GC-QUEUED", 3, R, CT_COUNT, SRC_GC,
		"queued_total", "pages ever handed to the GC worker" },
	[COL_GC_FREED] = { "GC-FREED", 3, R, CT_COUNT, SRC_GC, "freed_total",
		"pages ever freed by the GC worker" },
	[COL_GC_MAX_PENDING] = { "GC-MAX-PENDING", 3, R, CT_COUNT, SRC_GC,
		"max_pending", "peak of GC-PENDING" },
	[COL_GC_INLINE] = { "GC-INLINE", 3, R, CT_COUNT, SRC_GC,
		"freed_inline",
		"pages freed by the discard itself: sync mode, or the\n"
		"GC worker's queue was full" },
	[COL_FAILED_READS] = { "FAILED-READS", 3, R, CT_COUNT, SRC_IO,
		"failed_reads", "reads of the data file that failed" },
	[COL_FAILED_WRITES] = { "FAILED-WRITES", 3, R, CT_COUNT, SRC_IO,
		"failed_writes",
		"writes of the data file that failed, e.g. past MEM-LIMIT" },
	[COL_INVALID_IO] = { "INVALID-IO", 3, R, CT_COUNT, SRC_IO, "invalid_io",
		"requests outside the device" },
	[COL_NOTIFY_FREE] = { "NOTIFY-FREE", 3, R, CT_COUNT, SRC_IO,
		"notify_free", "pages freed by discard, i.e. punched holes" },
	[COL_LOOP] = { "LOOP", 0.10, 0, CT_STRING, SRC_OTHER, NULL,
		"loop device of active swap (swap)" },
	[COL_PRIORITY] = { "PRIORITY", 3, R, CT_COUNT, SRC_OTHER, NULL,
		"priority of active swap (swap)" },
	[COL_DISCARD] = { "DISCARD", 3, 0, CT_STRING, SRC_OTHER, NULL,
		"discard policy of active swap: pages, once, both or\n"
		"none (swap)" },
	[COL_READ_P50] = { "READ-P50", 3, R, CT_COUNT, SRC_LAT, "read P50_US",
		"median time the daemon took to answer a read of the\n"
		"data file, in us (a bound: at most twice the true value)" },
	[COL_READ_P99] = { "READ-P99", 3, R, CT_COUNT, SRC_LAT, "read P99_US",
		"99th percentile of the same, in us" },
	[COL_WRITE_P50] = { "WRITE-P50", 3, R, CT_COUNT, SRC_LAT,
		"write P50_US", "median time to answer a write, in us" },
	[COL_WRITE_P99] = { "WRITE-P99", 3, R, CT_COUNT, SRC_LAT,
		"write P99_US", "99th percentile of the same, in us" },
};
#undef R

static const int default_columns[] = {
	COL_NAME,     COL_ALGORITHM, COL_DISKSIZE, COL_ORIG_SIZE,
	COL_COMP_SIZE, COL_MEMTOTAL, COL_STREAMS,  COL_MOUNTPOINT,
};

/* The columns shown, in order (columns_select()). */
static int columns[ARRAY_SIZE(infos) * 2];
static size_t ncolumns;

#define COLUMN_NAME_MAX 16 /* strlen("ALGORITHM-PARAMS") */

/*
 * One column in --help: its name right-aligned, its help (lines split at
 * '\n'), and for a statistics column the field it shows, on the last line
 * if it fits in 80 columns.
 */
static void print_column_help(FILE *out, const struct colinfo *col)
{
	const char *h = col->help, *nl;
	char src[64] = "";
	size_t last;

	fprintf(out, " %*s  ", COLUMN_NAME_MAX, col->name);
	while ((nl = strchr(h, '\n'))) {
		fprintf(out, "%.*s\n %*s  ", (int)(nl - h), h, COLUMN_NAME_MAX,
			"");
		h = nl + 1;
	}
	if (col->src != SRC_OTHER)
		snprintf(src, sizeof(src), "(%s %s)", dev_stat_attr(col->src),
			 col->field);
	last = COLUMN_NAME_MAX + 3 + strlen(h);
	if (!*src)
		fprintf(out, "%s\n", h);
	else if (last + 1 + strlen(src) <= 80)
		fprintf(out, "%s %s\n", h, src);
	else
		fprintf(out, "%s\n %*s  %s\n", h, COLUMN_NAME_MAX, "", src);
}

static int column_name_to_id(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(infos); i++)
		if (!strncasecmp(name, infos[i].name, len) &&
		    !infos[i].name[len])
			return (int)i;
	warnx("unknown column: %.*s", (int)len, name);
	return -1;
}

/* -o LIST: replaces the columns, or with "+LIST" adds to them. */
static void parse_columns(const char *list)
{
	const char *p, *end;
	int id;

	if (*list == '+')
		list++;
	else
		ncolumns = 0;
	for (p = list;; p = end + 1) {
		end = p + strcspn(p, ",");
		id = column_name_to_id(p, (size_t)(end - p));
		if (id < 0)
			exit(EXIT_FAILURE);
		if (ncolumns == ARRAY_SIZE(columns))
			errx(EXIT_FAILURE, "too many columns: %s", list);
		columns[ncolumns++] = id;
		if (!*end)
			break;
	}
}

/* Every column in --help, in the table's order. */
void columns_print_help(FILE *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(infos); i++)
		print_column_help(out, &infos[i]);
}

/* The columns of the table: all of them, or the default ones; then -o
 * @list, if not NULL, replaces them or ("+LIST") adds to them. */
void columns_select(bool all, const char *list)
{
	if (all)
		for (ncolumns = 0; ncolumns < ARRAY_SIZE(infos); ncolumns++)
			columns[ncolumns] = (int)ncolumns;
	else
		for (ncolumns = 0; ncolumns < ARRAY_SIZE(default_columns);
		     ncolumns++)
			columns[ncolumns] = default_columns[ncolumns];
	if (list)
		parse_columns(list);
}

/* @v formatted as column type @type wants it. */
static char *format_value(enum col_type type, uint64_t v, bool bytes)
{
	char buf[32];

	if (type == CT_SIZE && !bytes) {
		size_format(v, buf, sizeof(buf));
		return xstrdup(buf);
	}
	return xasprintf("%" PRIu64, v);
}

/* The bracketed entry of comp_algorithm ("lz4 [zstd]" -> "zstd"). */
static char *get_algorithm(struct zdev *z)
{
	char buf[ZTREE_ATTR_MAX], *l, *r;

	if (dev_read(z, "comp_algorithm", buf, sizeof(buf)))
		return NULL;
	l = strrchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!r || r - l < 2)
		return NULL;
	*r = '\0';
	return xstrdup(l + 1);
}

/*
 * The parameters in effect: "level=3" while algorithm_params reads
 * "algo=zstd level=3" and zstd is the selected algorithm.  NULL for none:
 * no parameters, those of another algorithm, or a daemon whose
 * algorithm_params is write-only (EACCES), as the kernel's is.
 */
static char *get_params(struct zdev *z)
{
	char buf[ZTREE_ATTR_MAX], *name, *params, *active;
	size_t len;
	bool in_effect;
	int ret;

	ret = attr_read(z->dir, "algorithm_params", buf, sizeof(buf));
	if (ret == -EACCES)
		return NULL;
	if (ret) {
		dev_read_failed(z, "algorithm_params", ret);
		return NULL;
	}
	if (!*buf)
		return NULL;
	if (strncmp(buf, "algo=", 5)) {
		dev_bad_value(z, "algorithm_params", buf);
		return NULL;
	}
	name = buf + 5;
	len = strcspn(name, " \t");
	params = name + len + strspn(name + len, " \t");
	active = get_algorithm(z);
	in_effect = active && strlen(active) == len &&
		    !strncmp(active, name, len) && *params;
	free(active);
	return in_effect ? xstrdup(params) : NULL;
}

/* The value of column @id for device @z, or NULL for none. */
static char *get_cell(struct zdev *z, int id, const struct output *out)
{
	const struct colinfo *col = &infos[id];
	char buf[ZTREE_ATTR_MAX];
	const struct zlat_hist *h;
	uint64_t v, data, total;

	if (col->src == SRC_LAT) {
		h = dev_latency(z, strncmp(col->field, "write ", 6)
					   ? ZLAT_READ
					   : ZLAT_WRITE);
		if (!h)
			return NULL;
		return format_value(col->type,
				    strstr(col->field, " P99_US") ? h->p99_us
								  : h->p50_us,
				    out->bytes);
	}
	if (col->src != SRC_OTHER) {
		if (dev_stat_field(z, col->src, col->field, &v))
			return NULL;
		return format_value(col->type, v, out->bytes);
	}
	switch (id) {
	case COL_NAME:
		return xstrdup(z->name);
	case COL_DISKSIZE:
		if (dev_read_u64(z, "disksize", &v))
			return NULL;
		return format_value(col->type, v, out->bytes);
	case COL_ALGORITHM:
		return get_algorithm(z);
	case COL_STREAMS:
		/* zramctl reads max_comp_streams, gone since Linux 6.15;
		 * zramfsd's reads the number of CPUs, a limit on nothing. */
		return NULL;
	case COL_ALGORITHM_PARAMS:
		return get_params(z);
	case COL_COMPRATIO:
		if (dev_stat_field(z, SRC_MM, "orig_data_size", &data) ||
		    dev_stat_field(z, SRC_MM, "mem_used_total", &total) ||
		    !total)
			return NULL;
		return xasprintf("%.4f", (double)data / (double)total);
	case COL_MOUNTPOINT:
		return dev_is_swap(z) ? xstrdup("[SWAP]") : NULL;
	case COL_GC_MODE:
		if (dev_read(z, "gc_mode", buf, sizeof(buf)))
			return NULL;
		return xstrdup(buf);
	case COL_LOOP:
		return dev_swap_word(z, NULL);
	case COL_PRIORITY:
		return dev_swap_word(z, "priority");
	case COL_DISCARD:
		return dev_swap_word(z, "discard");
	}
	return NULL;
}

static void add_row(struct libscols_table *tb, struct zdev *z,
		    const struct output *out)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	size_t i;

	if (!ln)
		err(EXIT_FAILURE, "failed to allocate output line");
	for (i = 0; i < ncolumns; i++) {
		char *str = get_cell(z, columns[i], out);

		if (str && scols_line_refer_data(ln, i, str))
			err(EXIT_FAILURE, "failed to add output data");
	}
}

static struct libscols_table *new_table(const struct output *out)
{
	struct libscols_table *tb;
	size_t i;

	scols_init_debug(0);
	tb = scols_new_table();
	if (!tb)
		err(EXIT_FAILURE, "failed to allocate output table");
	scols_table_enable_raw(tb, out->raw);
	scols_table_enable_json(tb, out->json);
	scols_table_enable_noheadings(tb, out->noheadings);
	if (out->json)
		scols_table_set_name(tb, "zramfsdevices");
	for (i = 0; i < ncolumns; i++) {
		const struct colinfo *col = &infos[columns[i]];
		struct libscols_column *cl;
		int type = SCOLS_JSON_STRING;

		cl = scols_table_new_column(tb, col->name, col->whint,
					    col->flags);
		if (!cl)
			err(EXIT_FAILURE, "failed to allocate output column");
		if (col->type == CT_COUNT || col->type == CT_RATIO ||
		    (col->type == CT_SIZE && out->bytes))
			type = SCOLS_JSON_NUMBER;
		scols_column_set_json_type(cl, type);
	}
	return tb;
}

/*
 * Prints the table for the devices named, or without any, for every
 * initialised device.  @return 0, or 1 if something could not be shown.
 */
int status(const struct output *out, struct zdev *devs, int ndevs)
{
	struct libscols_table *tb = new_table(out);
	struct zdev z;
	char state[16];
	int rc = 0, i, ret;

	for (i = 0; i < ndevs; i++) {
		if (dev_exists(&devs[i])) {
			rc = 1;
			continue;
		}
		add_row(tb, &devs[i], out);
		rc |= devs[i].failed;
	}
	if (!ndevs) {
		size_t n, j;
		int *ids = mnt_list_devices(&n);

		for (j = 0; j < n; j++) {
			dev_init(&z, ids[j]);
			ret = attr_read(z.dir, "initstate", state,
					sizeof(state));
			if (ret == -ENOENT)
				continue; /* removed since readdir */
			if (ret) {
				dev_warnx(z.name, "cannot read initstate: %s",
					  strerror(-ret));
				rc = 1;
				continue;
			}
			if (strcmp(state, "1"))
				continue;
			add_row(tb, &z, out);
			rc |= z.failed;
		}
		free(ids);
	}
	if (scols_print_table(tb))
		rc = 1;
	scols_unref_table(tb);
	return rc;
}
