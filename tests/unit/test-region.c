// SPDX-License-Identifier: GPL-2.0-or-later
/* region: a server's regions come from its holder over the socket
 * (daemon/region.c, both ends: region_new()/region_drop() as a server
 * calls them, region_keep_answer() as the holder answers), and a process
 * without a holder makes its own. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/shm.h>
#include <unistd.h>

#include "hold.h"
#include "region.h"
#include "tap.h"

/* The holder's side: answers until the socket closes. */
static void *holder(void *arg)
{
	int sock = *(int *)arg;
	struct hold_msg m;

	while (recv(sock, &m, sizeof(m), 0) == sizeof(m))
		region_keep_answer(sock, &m);
	return NULL;
}

/* @return the number of attachments of segment @id, or -1. */
static long nattch(int id)
{
	struct shmid_ds ds;

	return shmctl(id, IPC_STAT, &ds) ? -1 : (long)ds.shm_nattch;
}

int main(void)
{
	struct zregion *a, *b, *own;
	pthread_t t;
	int sv[2], id, i;

	/* Without a holder: its own region. */
	ok(region_new(1 << 20, &own) == 0, "without a holder, a region of its own");
	ok(nattch(zregion_id(own)) == 1, "attached once, by this process");
	region_drop(own);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		bail_out("socketpair");
	pthread_create(&t, NULL, holder, &sv[1]);
	region_set_holder(sv[0]);

	ok(region_new(1 << 20, &a) == 0, "a region from the holder");
	id = zregion_id(a);
	ok(nattch(id) == 2, "attached twice: the holder keeps it too (%ld)",
	   nattch(id));
	ok(zregion_locked(a), "SHM_LOCKed by the holder");
	memcpy(zregion_base(a), "kept", 5);
	ok(region_new(0, &b) == -EINVAL, "0 bytes: the holder's error comes back");
	ok(region_attach(id, &b) == 0 &&
		   !memcmp(zregion_base(b), "kept", 5),
	   "attached again by id, as a later server would");
	zregion_detach(b);
	region_drop(a);
	/* The drop is a message: wait for the holder to act on it. */
	for (i = 0; i < 100 && nattch(id) > 0; i++)
		usleep(10000);
	ok(nattch(id) == -1, "dropped: the holder let go, the segment is gone");

	/* The holder dies: its end closes. */
	shutdown(sv[1], SHUT_RDWR);
	pthread_join(t, NULL);
	close(sv[1]);
	ok(region_new(4096, &a) == -ENOTCONN,
	   "the holder gone: ENOTCONN, nothing made");
	ok(region_keep_drop(id) == -ENOENT, "the holder keeps nothing any more");
	close(sv[0]);
	return tap_done();
}
