// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-swapopt: swap priorities and discard policies (lib/swapopt) against
 * tables, and against the daemon's swap attribute: every priority the
 * table holds is accepted by dev_parse_swap("on priority=P") exactly when
 * swapopt_priority_parse() accepts it, with the same value, and so is every
 * policy by its name.  So zramfsctl, which checks its --priority and
 * --discard with lib/swapopt before it writes anything, takes what the
 * daemon takes.  (test-conf checks the configuration against the same.)
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dev.h"
#include "swapopt.h"
#include "tap.h"

static const struct prio_case {
	const char *s;
	int ret, prio;
} prio_cases[] = {
	{ "-1", 0, -1 },
	{ "0", 0, 0 },
	{ "5", 0, 5 },
	{ "100", 0, 100 },
	{ "32767", 0, 32767 },
	{ "007", 0, 7 },
	{ "00000000000000000000000000032767", 0, 32767 },
	{ "", -EINVAL, 0 },
	{ " 5", -EINVAL, 0 },
	{ "5 ", -EINVAL, 0 },
	{ "5\n", -EINVAL, 0 },
	{ "\t5", -EINVAL, 0 },
	{ "+5", -EINVAL, 0 },
	{ "-0", -EINVAL, 0 },
	{ "-2", -EINVAL, 0 },
	{ "-01", -EINVAL, 0 },
	{ "-1x", -EINVAL, 0 },
	{ "--1", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "5k", -EINVAL, 0 },
	{ "five", -EINVAL, 0 },
	{ "32768", -ERANGE, 0 },
	{ "40000", -ERANGE, 0 },
	{ "99999999999999999999999", -ERANGE, 0 },
};

static void test_priority(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prio_cases); i++) {
		const struct prio_case *c = &prio_cases[i];
		int prio = 12345, ret = swapopt_priority_parse(c->s, &prio);

		ok(ret == c->ret && prio == (ret ? 12345 : c->prio),
		   "priority \"%s\": %d, %d", tap_show(c->s), ret, prio);
	}
}

/*
 * The swap attribute's rule, for each priority without a blank (a blank
 * ends the "priority=P" word there, so the attribute never sees one).
 */
static void test_priority_as_daemon(void)
{
	unsigned bad = 0, n = 0;
	char buf[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prio_cases); i++) {
		const struct prio_case *c = &prio_cases[i];
		enum swapopt_discard discard;
		int prio = 0, dprio = 0;
		bool on = false;
		int lib, daemon;

		if (strpbrk(c->s, " \t\n"))
			continue;
		n++;
		snprintf(buf, sizeof(buf), "on priority=%s", c->s);
		lib = swapopt_priority_parse(c->s, &prio);
		daemon = dev_parse_swap(buf, &on, &dprio, &discard);
		if (!lib != !daemon || (!lib && prio != dprio)) {
			diag("\"%s\": swapopt %d (%d), swap attribute %d (%d)",
			     c->s, lib, prio, daemon, dprio);
			bad++;
		}
	}
	ok(n > 20 && bad == 0,
	   "the swap attribute takes the same %u priorities (%u differ)", n,
	   bad);
}

static void test_discard(void)
{
	static const char *const bad[] = {
		"", "Pages", "pages ", " once", "all", "discard", "nonee", "1",
		"both\n",
	};
	enum swapopt_discard d, out, dout;
	char buf[64];
	const char *name;
	unsigned same = 1;
	int prio;
	bool on;
	size_t i;

	for (d = SWAPOPT_DISCARD_NONE; d <= SWAPOPT_DISCARD_BOTH; d++) {
		name = swapopt_discard_name(d);
		out = dout = SWAPOPT_DISCARD_BOTH + 1;
		if (name)
			snprintf(buf, sizeof(buf), "on discard=%s", name);
		if (!name || swapopt_discard_parse(name, &out) || out != d ||
		    dev_parse_swap(buf, &on, &prio, &dout) || dout != d ||
		    !strstr(SWAPOPT_DISCARD_NAMES, name))
			same = 0;
	}
	ok(same, "each policy parses back from its name, which the swap "
		 "attribute takes for the same policy, listed in "
		 "SWAPOPT_DISCARD_NAMES");
	ok(!swapopt_discard_name(SWAPOPT_DISCARD_BOTH + 1) &&
		   !swapopt_discard_name((enum swapopt_discard)-1),
	   "no name for a number that is not a policy");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		out = SWAPOPT_DISCARD_ONCE;
		snprintf(buf, sizeof(buf), "on discard=%s", bad[i]);
		ok(swapopt_discard_parse(bad[i], &out) == -EINVAL &&
			   out == SWAPOPT_DISCARD_ONCE &&
			   (strpbrk(bad[i], " \n") ||
			    dev_parse_swap(buf, &on, &prio, &dout) == -EINVAL),
		   "policy \"%s\" is refused, by the swap attribute too",
		   tap_show(bad[i]));
	}
}

int main(void)
{
	test_priority();
	test_priority_as_daemon();
	test_discard();
	return tap_done();
}
