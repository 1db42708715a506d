/* harness/memlimit.c: headroom under a cgroup limit, and the live figure
 * never above MemAvailable. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "buf.h"
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

Test(memlimit, available_is_bounded_by_memavailable_and_says_why)
{
	char why[256] = "";
	uint64_t got = memlimit_available(why, sizeof(why));

	cr_assert_leq(got, buf_mem_available());
	cr_assert_gt(strlen(why), 0);
}
