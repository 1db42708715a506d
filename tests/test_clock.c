/* harness/clock.c: the arithmetic of the two core-clock estimates and the
 * path that marks a point's cycles uncertain when they disagree. Timing of
 * the live chains is in tests/timed_clock.c. */
#include <criterion/criterion.h>

#include <math.h>

#include "clock.h"

Test(clock_arith, ghz_from_ops_cycles_and_time)
{
	/* 2.95e9 adds of 1 cycle in 1 s; 0.98e9 imul of 3 cycles in 1 s. */
	cr_assert_float_eq(clock_ghz_from(2950000000ull, 1, 1000000000ull), 2.95, 1e-9);
	cr_assert_float_eq(clock_ghz_from(980000000ull, 3, 1000000000ull), 2.94, 1e-9);
	cr_assert(isnan(clock_ghz_from(1000, 1, 0)), "no time: no rate");
	cr_assert(isnan(clock_ghz_from(0, 1, 1000)), "no ops: no rate");
	cr_assert(isnan(clock_ghz_from(1000, 0, 1000)), "no latency: no rate");
}

Test(clock_arith, disagreement_is_relative_to_the_smaller)
{
	cr_assert_float_eq(clock_disagreement(3.0, 3.0), 0.0, 1e-12);
	cr_assert_float_eq(clock_disagreement(3.15, 3.0), 0.05, 1e-12);
	cr_assert_float_eq(clock_disagreement(3.0, 3.15), 0.05, 1e-12);
	cr_assert_float_eq(clock_disagreement(17.57, 2.95), 17.57 / 2.95 - 1, 1e-12);
	cr_assert(isnan(clock_disagreement(NAN, 3.0)));
	cr_assert(isnan(clock_disagreement(3.0, 0.0)));
	cr_assert(isnan(clock_disagreement(-1.0, 3.0)));
	cr_assert(isnan(clock_disagreement(INFINITY, 3.0)));
}

Test(clock_arith, agreement_at_the_tolerance)
{
	cr_assert_eq(clock_agree(2.95, 2.94), 1);
	cr_assert_eq(clock_agree(3.0 * (1 + CLOCK_AGREE_TOL) - 1e-9, 3.0), 1);
	cr_assert_eq(clock_agree(3.0 * (1 + CLOCK_AGREE_TOL) + 1e-6, 3.0), 0);
	cr_assert_eq(clock_agree(2.95, NAN), -1, "unknown is neither agreement nor not");
}

/* A renamer that folds adds: the add chain reads 17.6 GHz, imul 2.95. */
Test(clock_summary, folded_add_chain_marks_the_point_uncertain)
{
	struct clock_est s[5] = {
		{ 17.2, 2.95 }, { 17.6, 2.94 }, { 8.1, 2.96 }, { 17.5, 2.95 }, { 17.9, 2.93 },
	};
	struct clock_point p;

	clock_summarise(s, 5, &p);
	cr_assert_float_eq(p.ghz, 17.5, 1e-12);
	cr_assert_float_eq(p.mul_ghz, 2.95, 1e-12);
	cr_assert_eq(p.agree, 0);
	cr_assert_gt(p.disagreement, 4.0);
}

Test(clock_summary, medians_resist_one_preempted_sample)
{
	struct clock_est s[5] = {
		{ 2.95, 2.94 }, { 2.96, 2.95 }, { 0.40, 2.93 }, { 2.94, 0.50 }, { 2.95, 2.96 },
	};
	struct clock_point p;

	clock_summarise(s, 5, &p);
	cr_assert_float_eq(p.ghz, 2.95, 1e-12);
	cr_assert_float_eq(p.mul_ghz, 2.94, 1e-12);
	cr_assert_eq(p.agree, 1);
}

Test(clock_summary, no_cross_check_is_unknown_not_uncertain)
{
	struct clock_est s[3] = { { 3.0, NAN }, { 3.1, NAN }, { 2.9, NAN } };
	struct clock_point p;

	clock_summarise(s, 3, &p);
	cr_assert_float_eq(p.ghz, 3.0, 1e-12);
	cr_assert(isnan(p.mul_ghz));
	cr_assert_eq(p.agree, -1);
}

Test(clock_run, counts_agreeing_and_uncertain_points)
{
	static struct clock_run r;
	struct clock_point ok = { 2.95, 2.94, 0.003, 1 }, bad = { 17.5, 2.95, 4.9, 0 },
			   unk = { 3.0, NAN, NAN, -1 };

	for (int i = 0; i < 9; i++)
		clock_run_add(&r, &ok);
	clock_run_add(&r, &bad);
	clock_run_add(&r, &unk);
	cr_assert_eq(r.nr, 11);
	cr_assert_eq(r.nr_agree, 9);
	cr_assert_eq(r.nr_disagree, 1);
}
