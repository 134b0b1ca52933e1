// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-ctl: the control thread.  Jobs run on it, in order; ctl_on_thread()
 * tells it from every other thread; and the one way onto it is the
 * caller's own hop: ctl_call() from the control thread itself, which would
 * wait for itself, fails with EDEADLK instead of running the job inline.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctl.h"
#include "tap.h"
#include "thread.h"

static int ran;

static void on_signal(int signo)
{
	(void)signo;
}

static int inner(void *arg)
{
	(void)arg;
	ran++;
	return 7;
}

/* On the control thread: @return 1 if there, with ctl_call() refused. */
static int outer(void *arg)
{
	int *nested = arg;

	*nested = ctl_call(inner, NULL);
	return ctl_on_thread();
}

static int posted(void *arg)
{
	(void)arg;
	ran += 10;
	return 0;
}

int main(void)
{
	int nested = 0, ret;

	ok(!ctl_on_thread(), "no control thread before ctl_start()");
	ret = thread_block_signals(NULL);
	if (!ret)
		ret = ctl_start(on_signal);
	if (ret)
		bail_out("ctl_start: %d", ret);
	ok(!ctl_on_thread(), "the main thread is not the control thread");
	ok(ctl_call(inner, NULL) == 7 && ran == 1,
	   "ctl_call runs the job and returns its result");
	ret = ctl_call(outer, &nested);
	ok(ret == 1 && nested == -EDEADLK && ran == 1,
	   "on the control thread: ctl_on_thread() is true, and ctl_call() "
	   "fails with EDEADLK without running the job (%d, %d)", ret,
	   nested);
	ok(ctl_post(posted, NULL) == 0 && ctl_call(inner, NULL) == 7 &&
		   ran == 12,
	   "a posted job runs before the next call's");
	ctl_stop();
	return tap_done();
}
