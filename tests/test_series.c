/* series: what chase sweeps, from pattern x stride or an explicit list. */
#include <criterion/criterion.h>

#include "series.h"

Test(series, cross_product_in_order)
{
	struct chain_spec s[16];
	int n = series_parse(NULL, "rand,seq", "64,4K", 1, 7, s, 16);

	cr_assert_eq(n, 4);
	cr_expect_eq(s[0].pattern, CHAIN_RAND);
	cr_expect_eq(s[0].stride_bytes, 64);
	cr_expect_eq(s[1].stride_bytes, 4096);
	cr_expect_eq(s[2].pattern, CHAIN_SEQ);
	cr_expect(s[3].stagger && s[3].seed == 7);
}

Test(series, explicit_list_with_stagger)
{
	struct chain_spec s[16];
	int n = series_parse("rand:64,seq:64,rand:4K:stagger", "ignored", "ignored", 0, 1, s, 16);

	cr_assert_eq(n, 3);
	cr_expect(!s[0].stagger && !s[1].stagger && s[2].stagger);
	cr_expect_eq(s[1].pattern, CHAIN_SEQ);
	cr_expect_eq(s[2].stride_bytes, 4096);
	cr_expect_eq(s[2].stagger_step, 0, "default stagger step: a line");
}

Test(series, unknown_flag_exits_2, .exit_code = 2)
{
	struct chain_spec s[16];

	series_parse("rand:64:zigzag", NULL, NULL, 0, 1, s, 16);
}

Test(series, stride_not_multiple_of_8_exits_2, .exit_code = 2)
{
	struct chain_spec s[16];

	series_parse(NULL, "rand", "12", 0, 1, s, 16);
}

Test(series, missing_stride_exits_2, .exit_code = 2)
{
	struct chain_spec s[16];

	series_parse("rand", NULL, NULL, 0, 1, s, 16);
}

Test(series, more_than_max_exits_2, .exit_code = 2)
{
	struct chain_spec s[2];

	series_parse(NULL, "rand,seq", "64,128", 0, 1, s, 2);
}
