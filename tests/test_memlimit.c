/* harness/memlimit.c: headroom under a cgroup limit, and the live figure
 * never above MemAvailable. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "memlimit.h"

Test(memlimit, headroom_of_limit_and_usage)
{
	static const struct {
		const char *limit, *usage;
		uint64_t want;
	} rows[] = {
		{ "max\n", "123\n", UINT64_MAX },              /* v2: no limit */
		{ "9223372036854771712\n", "5\n", UINT64_MAX }, /* v1: no limit */
		{ "1000\n", "200\n", 800 },
		{ "268435456", NULL, 268435456 },
		{ "100\n", "200\n", 0 },                        /* over: nothing left */
		{ "", "1", UINT64_MAX },                        /* unreadable: no limit */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		cr_assert_eq(memlimit_headroom(rows[i].limit, rows[i].usage), rows[i].want,
			     "limit '%s' usage '%s'", rows[i].limit, rows[i].usage ? rows[i].usage : "(none)");
}

/* MemAvailable is given, not read twice: other tests map and free memory
 * meanwhile, so two live reads need not agree (seen under ASan in CI). */
Test(memlimit, bound_never_exceeds_memavailable_and_says_why)
{
	static const uint64_t avail[] = { 0, 4096, 1ull << 20, 1ull << 40 };

	for (size_t i = 0; i < sizeof(avail) / sizeof(avail[0]); i++) {
		char why[256] = "";
		uint64_t got = memlimit_bound(avail[i], why, sizeof(why));

		cr_assert_leq(got, avail[i], "avail %llu", (unsigned long long)avail[i]);
		cr_assert_gt(strlen(why), 0);
		if (got == avail[i] && avail[i] <= (1ull << 20))
			cr_assert(strstr(why, "MemAvailable"), "why '%s'", why);
	}
}

Test(memlimit, live_figure_is_positive_and_says_why)
{
	char why[256] = "";

	cr_assert_gt(memlimit_available(why, sizeof(why)), 0);
	cr_assert_gt(strlen(why), 0);
}
