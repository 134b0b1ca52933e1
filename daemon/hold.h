/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hold: what the holder (daemon/holder.c) and its server share, besides the
 * FUSE descriptor: the hold area, a small region the holder creates at
 * start and keeps for its whole life, and the messages of the socket
 * between the two (docs/design/restart.md, sections 2.5 and 5.2).
 *
 * The hold area outlives every server, so it is addressed by nothing but
 * offsets, versioned by HOLD_LAYOUT and checked on attach (hold_check()).
 * Who writes what:
 *
 *   holder   magic .. size, holder_pid and poll_us (once), restarts, reloads,
 *            reload_failures, start_failures, last_exit, death_ns, mount
 *            identity, nkept and kept
 *   server   init_*, last_gap_us, max_gap_us, resend, configured, poll_us
 *            (control/poll_us)
 *   lead     state_region_id (the state region of daemon/state.c)
 *
 * Only one server runs at a time (the holder starts the next one after it
 * reaped the last), so a field has one writer at a time; the counters are
 * atomics because the holder and a server read what the other writes.
 */
#ifndef ZRAMFS_HOLD_H
#define ZRAMFS_HOLD_H

#include <stdatomic.h>
#include <stdint.h>

#define HOLD_MAGIC "ZRAMFSHA"
/* Bump on any change of struct hold_area or struct hold_msg. */
#define HOLD_LAYOUT 3

/* Regions a holder keeps at most (region.h's REGION_KEEP_MAX). */
#define HOLD_KEPT_MAX 512

/* Room for fuse_init_in and fuse_init_out of any protocol minor so far
 * (64 bytes each in 7.45), with a margin. */
#define HOLD_INIT_MAX 256

/* init_state: how far the connection's FUSE_INIT got. */
enum hold_init {
	HOLD_INIT_NONE = 0, /* no server saw the INIT yet */
	HOLD_INIT_READ,     /* init_in saved, the reply maybe not sent */
	HOLD_INIT_REPLIED,  /* init_out reached the kernel */
};

/* resend: how a new server gets back the requests the dead one held. */
enum hold_resend {
	HOLD_RESEND_NONE = 0, /* no way (kernel without FUSE_NOTIFY_RESEND) */
	HOLD_RESEND_NOTIFY,   /* FUSE_NOTIFY_RESEND */
};

struct hold_area {
	char magic[8];
	uint32_t layout;
	uint32_t size; /* sizeof(struct hold_area) */

	/* The mount, for a server that outlives its holder (mnt_adopt()). */
	int32_t mnt_id;
	uint32_t mnt_major, mnt_minor;
	/* The state region (daemon/state.c), or -1. */
	_Atomic int32_t state_region_id;
	/* The holder's pid: what zramfsctl --reload signals. */
	int32_t holder_pid;
	uint32_t pad;

	/* The holder's counters (daemon_stat). */
	_Atomic uint64_t restarts;       /* servers replaced after a death */
	_Atomic uint64_t reloads;        /* servers replaced by a reload */
	_Atomic uint64_t reload_failures; /* reloads refused or failed */
	_Atomic uint64_t start_failures; /* servers dead before READY */
	_Atomic int64_t last_exit;       /* status, or minus the signal */
	_Atomic uint64_t death_ns;       /* CLOCK_MONOTONIC; 0: none died */

	/* The servers'. */
	_Atomic uint64_t last_gap_us, max_gap_us;
	_Atomic uint32_t resend;     /* enum hold_resend */
	_Atomic uint32_t configured; /* the configuration was applied */
	_Atomic uint32_t poll_us;    /* conn.h; the holder sets it first */

	_Atomic uint32_t init_state; /* enum hold_init */
	uint32_t init_in_len, init_out_len;
	unsigned char init_in[HOLD_INIT_MAX];  /* the kernel's fuse_init_in */
	unsigned char init_out[HOLD_INIT_MAX]; /* the reply it took */

	/* The regions the holder keeps, written before it re-executes
	 * itself for a reload, read by the holder it becomes. */
	uint32_t nkept;
	int32_t kept[HOLD_KEPT_MAX];
};

/* @return 0 if @h (of @bytes) is a hold area of this layout, else
 * -EPROTO (another layout) or -EUCLEAN (not one at all). */
int hold_check(const struct hold_area *h, uint64_t bytes);

/* --- the socket: SOCK_SEQPACKET, one struct hold_msg per packet ---------- */

enum hold_msg_type {
	/* server -> holder */
	HOLD_MSG_READY = 1, /* serving; the configuration's swap is done */
	HOLD_MSG_STOPPING,  /* the stop path succeeded: exiting for good */
	HOLD_MSG_FATAL,     /* about to exit, why in reason */
	HOLD_MSG_REGION_NEW,  /* bytes: a new region, please */
	HOLD_MSG_REGION_DROP, /* id: done with it for good */
	/* holder -> server, only ever as the answer to REGION_NEW */
	HOLD_MSG_REGION, /* id, or err (-errno) */
};

#define HOLD_REASON_MAX 160

struct hold_msg {
	uint32_t type; /* enum hold_msg_type */
	int32_t id;
	int32_t err;
	uint32_t pad;
	uint64_t bytes;
	char reason[HOLD_REASON_MAX];
};

/* The server's descriptors, as the holder sets them up before exec. */
#define HOLD_FUSE_FD 3
#define HOLD_SOCK_FD 4

#endif
