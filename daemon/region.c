// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * region: who creates the regions (see region.h).  A server asks its
 * holder over the socket and attaches the id it gets; the holder, or a
 * process on its own, creates them here.  A region the holder creates is
 * locked (SHM_LOCK), attached in the holder for as long as it keeps it, and
 * marked for removal at once (zregion_create()): the holder's attachment is
 * what keeps it, so no server's death can free it.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include "fault.h"
#include "hold.h"
#include "region.h"

static unsigned region_map_flags;
static int holder_sock = -1;
/* One request at a time on holder_sock: a request and its answer. */
static pthread_mutex_t holder_lock = PTHREAD_MUTEX_INITIALIZER;

/* The holder's regions; its one thread alone touches them. */
static struct zregion *kept[REGION_KEEP_MAX];

void region_set_mlocked(int mlocked)
{
	region_map_flags = mlocked ? ZREGION_MCL_FUTURE : 0;
}

void region_set_holder(int sock)
{
	holder_sock = sock;
}

/* Caller holds holder_lock. */
static int send_msg(const struct hold_msg *m)
{
	if (holder_sock < 0)
		return -ENOTCONN;
	if (send(holder_sock, m, sizeof(*m), MSG_NOSIGNAL) != sizeof(*m))
		return errno == EPIPE || errno == ECONNRESET ? -ENOTCONN
							    : -errno;
	return 0;
}

int region_tell_holder(const void *msg)
{
	int ret;

	pthread_mutex_lock(&holder_lock);
	ret = send_msg(msg);
	pthread_mutex_unlock(&holder_lock);
	return ret;
}

/* Asks the holder for a region of @bytes.  @return its id or -errno. */
static int ask_holder(uint64_t bytes)
{
	struct hold_msg m = { .type = HOLD_MSG_REGION_NEW, .bytes = bytes };
	ssize_t n;
	int ret;

	pthread_mutex_lock(&holder_lock);
	ret = send_msg(&m);
	if (!ret) {
		do
			n = recv(holder_sock, &m, sizeof(m), 0);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			ret = -ENOTCONN;
		else if (n != sizeof(m) || m.type != HOLD_MSG_REGION)
			ret = n < 0 ? -errno : -EPROTO;
		else
			ret = m.err ? m.err : m.id;
	}
	pthread_mutex_unlock(&holder_lock);
	return ret;
}

int region_new(uint64_t bytes, struct zregion **out)
{
	struct hold_msg drop = { .type = HOLD_MSG_REGION_DROP };
	int id, ret;

	if (holder_sock < 0)
		return zregion_create(bytes, ZREGION_LOCK | region_map_flags,
				      out);
	id = ask_holder(bytes);
	if (id < 0)
		return id;
	/* Dead here, the holder keeps a region nobody uses: it is never
	 * freed behind a server's back, by design. */
	FAULT_POINT("region.before_attach");
	ret = zregion_attach(id, region_map_flags, out);
	if (ret) {
		drop.id = id;
		region_tell_holder(&drop);
	}
	return ret;
}

int region_attach(int id, struct zregion **out)
{
	return zregion_attach(id, region_map_flags, out);
}

void region_drop(struct zregion *r)
{
	struct hold_msg drop = { .type = HOLD_MSG_REGION_DROP };

	if (holder_sock >= 0) {
		drop.id = zregion_id(r);
		region_tell_holder(&drop);
	}
	zregion_detach(r);
}

/* @return the first free entry of kept[], or -ENOSPC. */
static int free_keep_slot(void)
{
	int i;

	for (i = 0; i < REGION_KEEP_MAX; i++)
		if (!kept[i])
			return i;
	return -ENOSPC;
}

int region_keep_new(uint64_t bytes, struct zregion **out)
{
	int i = free_keep_slot(), ret;

	if (i < 0)
		return i;
	ret = zregion_create(bytes, ZREGION_LOCK | region_map_flags, &kept[i]);
	if (ret)
		return ret;
	if (out)
		*out = kept[i];
	return zregion_id(kept[i]);
}

int region_keep_ids(int32_t *ids, int max)
{
	int i, n = 0;

	for (i = 0; i < REGION_KEEP_MAX && n < max; i++)
		if (kept[i])
			ids[n++] = zregion_id(kept[i]);
	return n;
}

int region_keep_adopt(int id, struct zregion **out)
{
	int i = free_keep_slot(), ret;

	if (i < 0)
		return i;
	ret = zregion_attach(id, region_map_flags, &kept[i]);
	if (!ret && out)
		*out = kept[i];
	return ret;
}

int region_keep_answer(int sock, const void *msg)
{
	const struct hold_msg *m = msg;
	struct hold_msg r = { .type = HOLD_MSG_REGION };
	int id;

	switch (m->type) {
	case HOLD_MSG_REGION_NEW:
		id = region_keep_new(m->bytes, NULL);
		if (id < 0)
			r.err = id;
		else
			r.id = id;
		if (send(sock, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r) &&
		    id >= 0) {
			region_keep_drop(id); /* the server is gone */
			return -ENOTCONN;
		}
		return id < 0 ? id : 0;
	case HOLD_MSG_REGION_DROP:
		return region_keep_drop(m->id);
	default:
		return -EBADMSG;
	}
}

int region_keep_drop(int id)
{
	unsigned i;

	for (i = 0; i < REGION_KEEP_MAX; i++) {
		if (kept[i] && zregion_id(kept[i]) == id) {
			zregion_detach(kept[i]);
			kept[i] = NULL;
			return 0;
		}
	}
	return -ENOENT;
}
