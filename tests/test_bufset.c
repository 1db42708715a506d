/* bufset: a backing the kernel does not really give is skipped with the
 * reason, never labelled with its name; backing lists are parsed strictly. */
#include <criterion/criterion.h>

#include <string.h>
#include <sys/prctl.h>

#include "bufset.h"

Test(bufset, thp_refused_is_skipped_not_mislabelled)
{
	const struct buf_backing *bk[2] = { buf_backing_find("4k"), buf_backing_find("thp") };
	uint64_t sizes[2] = { 64ull << 20, 64ull << 20 };
	struct bufset s;

	/* The kernel then backs nothing of this process with THP. */
	cr_assert_eq(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0), 0);
	cr_assert_eq(bufset_setup(&s, bk, NULL, 2, sizes, NULL), 1);
	cr_expect_str_eq(s.b[0].backing->name, "4k");
	cr_assert_eq(s.nr_skipped, 1);
	cr_expect(strncmp(s.skipped[0], "thp: ", 5) == 0, "%s", s.skipped[0]);
	cr_expect(strstr(s.skipped[0], "PR_SET_THP_DISABLE") != NULL, "%s", s.skipped[0]);
	bufset_release(&s);
}

Test(bufset, both_kept_when_thp_is_given)
{
	const struct buf_backing *bk[2] = { buf_backing_find("4k"), buf_backing_find("thp") };
	uint64_t sizes[2] = { 16ull << 20, 16ull << 20 };
	struct bufset s;

	if (bufset_setup(&s, bk, NULL, 2, sizes, NULL) != 2)
		cr_skip_test("THP not available here: %s", s.skipped[0]);
	cr_expect_str_eq(s.b[1].backing->name, "thp");
	cr_expect_geq(s.b[1].huge_fraction, 0.95);
	cr_expect_eq(s.b[0].huge_fraction, 0);
	cr_expect_eq(s.b[0].populate_faults, (16ull << 20) / 4096, "4k faults %llu via %s",
		     (unsigned long long)s.b[0].populate_faults, s.b[0].faults_path);
	bufset_release(&s);
}

Test(bufset, parse_list)
{
	const struct buf_backing *out[8];

	cr_assert_eq(bufset_parse("backing", "4k,hugetlb1g", out, 8), 2);
	cr_expect_str_eq(out[1]->name, "hugetlb1g");
}

Test(bufset, parse_unknown_exits_2, .exit_code = 2)
{
	const struct buf_backing *out[8];

	bufset_parse("backing", "4k,huge", out, 8);
}

Test(bufset, parse_empty_item_exits_2, .exit_code = 2)
{
	const struct buf_backing *out[8];

	bufset_parse("backing", "4k,,thp", out, 8);
}
