/* tlbjson: naming the fitted steps, and tlb.json's parts for a recorded
 * CPU whose CPUID lies (the Zen 5 guest declares 128 L2 entries). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlbjson.h"
#include "file_util.h"

static struct tlbfit_result fit_of(const double *cost_ns, int n)
{
	struct tlbfit_result r;

	memset(&r, 0, sizeof(r));
	r.nr_levels = n;
	for (int i = 0; i < n; i++) {
		r.level[i].miss_cost_ns = cost_ns[i];
		r.level[i].entries = 64 << (3 * i);
	}
	return r;
}

Test(tlbjson, one_level_is_l1)
{
	double c[] = { 2.0 };
	struct tlbfit_result r = fit_of(c, 1);

	cr_expect_eq(tlbjson_level_of(&r, 0), 1);
}

Test(tlbjson, walk_sized_step_is_l2)
{
	double c[] = { 1.9, 40.0 };
	struct tlbfit_result r = fit_of(c, 2);

	cr_expect_eq(tlbjson_level_of(&r, 1), 2);
}

Test(tlbjson, small_step_between_is_no_level_and_later_steps_are_dearer_walks)
{
	/* Zen 4 here: L1 72, a 0.3 ns step near 540, the walk at ~3000, and
	 * walks getting dearer past ~7000 pages. */
	double c[] = { 1.9, 0.3, 13.6, 12.1 };
	struct tlbfit_result r = fit_of(c, 4);

	cr_expect_eq(tlbjson_level_of(&r, 0), 1);
	cr_expect_eq(tlbjson_level_of(&r, 1), 0);
	cr_expect_eq(tlbjson_level_of(&r, 2), 2);
	cr_expect_eq(tlbjson_level_of(&r, 3), 3);
}

Test(tlbjson, no_walk_sized_step_names_no_l2)
{
	double c[] = { 1.9, 2.5 };
	struct tlbfit_result r = fit_of(c, 2);

	cr_expect_eq(tlbjson_level_of(&r, 1), 0);
}

/* Zen 5 guest: family 0x1a model 0x02; 0x80000006 EBX declares 128 L2
 * 4K entries (assoc code 6), 0x80000005 EBX 96 fully associative. */
Test(tlbjson, tlb_json_flags_cpuid_against_published)
{
	struct cpu_info ci;
	struct tlbjson rep;
	char dir[] = "/tmp/pw-tlbjson-XXXXXX", path[64], buf[65536];

	memset(&ci, 0, sizeof(ci));
	ci.leaves[0] = (struct cpu_leaf){ 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65 };
	ci.leaves[1] = (struct cpu_leaf){ 1, 0, 0x00b00f20, 0, 0, 0 };
	ci.leaves[2] = (struct cpu_leaf){ 0x80000005, 0, 0, 0xff600000u | 0xff40, 0, 0 };
	ci.leaves[3] = (struct cpu_leaf){ 0x80000006, 0, 0, (6u << 28) | (128u << 16), 0, 0 };
	ci.nr_leaves = 4;
	cpu_decode(&ci);
	cr_assert_eq(ci.family, 0x1a);
	cr_assert_eq(cpu_tlb_entries(&ci, 2, 4), 128);

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tlb.json", dir);
	tlbjson_init(&rep, &ci);
	tlbjson_note(&rep, "hugetlb1g", 1048576, "memory for only %d pages", 11);
	cr_assert_eq(tlbjson_write(&rep, path, 0), 0);
	cr_assert_geq(slurp(path, buf, sizeof(buf)), 0, "cannot read %s", path);
	unlink(path);
	rmdir(dir);
	cr_expect(strstr(buf, "\"model\": \"AMD Zen 5\"") != NULL, "%s", buf);
	cr_expect(strstr(buf, "\"declared\": 128") != NULL);
	cr_expect(strstr(buf, "\"published\": 4096") != NULL);
	cr_expect(strstr(buf, "\"agree\": \"disagree\"") != NULL);
	cr_expect(strstr(buf, "memory for only 11 pages") != NULL);
	cr_expect(strstr(buf, "\"status\": \"complete\"") != NULL);
}

/* Points arrive in any order (tlbprobe shuffles them) and leave ascending;
 * a count measured twice keeps its lower delta, the less disturbed. */
Test(tlbjson, points_kept_ascending_and_the_lower_of_two)
{
	static struct tlbjson r;
	struct cpu_info ci = {0};
	struct tlbjson_curve *cv;

	tlbjson_init(&r, &ci);
	cv = tlbjson_curve(&r, "4k", 4, "spread");
	tlbjson_add_point(cv, 96, 0.0, 0.1, 2.0, 3.0);
	tlbjson_add_point(cv, 8, 0.0, 0.1, 2.0, 3.0);
	tlbjson_add_point(cv, 128, 2.3, 0.1, 4.0, 3.0);
	tlbjson_add_point(cv, 97, 1.1, 0.1, 3.0, 3.0); /* disturbed */
	tlbjson_add_point(cv, 97, 0.2, 0.1, 2.2, 2.9); /* the same count, quieter */
	tlbjson_add_point(cv, 96, 0.9, 0.1, 3.0, 3.0); /* disturbed: dropped */
	cr_assert_eq(cv->nr, 4);
	for (int i = 1; i < cv->nr; i++)
		cr_assert_gt(cv->pt[i].pages, cv->pt[i - 1].pages, "point %d not ascending", i);
	cr_assert_float_eq(cv->pt[1].pages, 96, 1e-9);
	cr_assert_float_eq(cv->pt[1].delta_ns, 0.0, 1e-9);
	cr_assert_float_eq(cv->pt[2].pages, 97, 1e-9);
	cr_assert_float_eq(cv->pt[2].delta_ns, 0.2, 1e-9);
	cr_assert_float_eq(cv->ghz[2], 2.9, 1e-9, "the clock travels with its point");
}
