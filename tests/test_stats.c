/* harness/stats.c: summaries on known data, and the paired-ratio verdicts
 * with their sign-test (binomial order-statistic) intervals. */
#include <criterion/criterion.h>

#include <stddef.h>

#include "stats.h"

#define EPS 1e-12
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

Test(stats_summary, odd_count)
{
	double v[] = {5, 1, 4, 2, 3};
	struct stats s;

	stats_summary(v, LEN(v), &s);
	cr_assert_eq(s.n, 5);
	cr_assert_float_eq(s.median, 3, EPS);
	cr_assert_float_eq(s.min, 1, EPS);
	cr_assert_float_eq(s.max, 5, EPS);
	/* p90 at position 0.9 * 4 = 3.6: 4 + 0.6 * (5 - 4). */
	cr_assert_float_eq(s.p90, 4.6, EPS);
}

/* The median's own interval: the sign-test order statistics, as for the
 * paired ratios: n = 10 gives the 2nd smallest and the 2nd largest. */
Test(stats_summary, median_interval_n10_second_order_statistics)
{
	double v[] = {7, 3, 9, 1, 5, 2, 8, 4, 10, 6};
	struct stats s;

	stats_summary(v, LEN(v), &s);
	cr_assert_float_eq(s.lo, 2, EPS, "lo %g", s.lo);
	cr_assert_float_eq(s.hi, 9, EPS, "hi %g", s.hi);
}

/* Below 6 samples no interval reaches 95%: [min, max]. */
Test(stats_summary, median_interval_few_samples_min_max)
{
	double v[] = {4, 2, 8, 6, 5};
	struct stats s;

	stats_summary(v, LEN(v), &s);
	cr_assert_float_eq(s.lo, 2, EPS);
	cr_assert_float_eq(s.hi, 8, EPS);
}

Test(stats_summary, even_count_median_interpolates)
{
	double v[] = {40, 10, 30, 20};
	struct stats s;

	stats_summary(v, LEN(v), &s);
	cr_assert_float_eq(s.median, 25, EPS);
	cr_assert_float_eq(s.min, 10, EPS);
	cr_assert_float_eq(s.max, 40, EPS);
}

Test(stats_summary, p90_interpolates)
{
	double v[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
	struct stats s;

	stats_summary(v, LEN(v), &s);
	/* Position 0.9 * 9 = 8.1: 9 + 0.1 * (10 - 9). */
	cr_assert_float_eq(s.p90, 9.1, EPS);
	cr_assert_float_eq(s.median, 5.5, EPS);
}

Test(stats_summary, leaves_input_sorted)
{
	double v[] = {3, -1, 2, 8, 0};
	const double want[] = {-1, 0, 2, 3, 8};
	struct stats s;

	stats_summary(v, LEN(v), &s);
	for (size_t i = 0; i < LEN(v); i++)
		cr_assert_float_eq(v[i], want[i], EPS, "v[%zu]", i);
}

Test(stats_summary, single_value)
{
	double v[] = {7.25};
	struct stats s;

	stats_summary(v, 1, &s);
	cr_assert_eq(s.n, 1);
	cr_assert_float_eq(s.median, 7.25, EPS);
	cr_assert_float_eq(s.min, 7.25, EPS);
	cr_assert_float_eq(s.max, 7.25, EPS);
	cr_assert_float_eq(s.p90, 7.25, EPS);
}

Test(stats_percentile, ends_and_interpolation)
{
	const double v[] = {10, 20, 30, 40, 50};

	cr_assert_float_eq(stats_percentile(v, 5, 0), 10, EPS);
	cr_assert_float_eq(stats_percentile(v, 5, 100), 50, EPS);
	cr_assert_float_eq(stats_percentile(v, 5, 25), 20, EPS);
	cr_assert_float_eq(stats_percentile(v, 5, 50), 30, EPS);
	/* Position 0.1 * 4 = 0.4: 10 + 0.4 * 10. */
	cr_assert_float_eq(stats_percentile(v, 5, 10), 14, EPS);
	/* Position 0.99 * 4 = 3.96: 40 + 0.96 * 10. */
	cr_assert_float_eq(stats_percentile(v, 5, 99), 49.6, EPS);
}

Test(stats_percentile, two_values)
{
	const double v[] = {1, 3};

	cr_assert_float_eq(stats_percentile(v, 2, 50), 2, EPS);
	cr_assert_float_eq(stats_percentile(v, 2, 75), 2.5, EPS);
}

/* Fill a[i] = r[i] * b[i] with varied b, so ratios do not hide in equal b's. */
static void make_pairs(const double *r, size_t n, double *a, double *b)
{
	for (size_t i = 0; i < n; i++) {
		b[i] = 1.0 + 0.37 * (double)i;
		a[i] = r[i] * b[i];
	}
}

static struct stats_pair pair_of(const double *r, size_t n)
{
	double a[64], b[64];
	struct stats_pair p;

	cr_assert_leq(n, 64);
	make_pairs(r, n, a, b);
	stats_pair(a, b, n, &p);
	return p;
}

Test(stats_pair, a_slower)
{
	const double r[] = {1.31, 1.22, 1.45, 1.18, 1.29, 1.33, 1.25, 1.40, 1.21, 1.27, 1.30, 1.24};
	struct stats_pair p = pair_of(r, LEN(r));

	cr_assert_eq(p.verdict, VERDICT_A_SLOWER, "verdict %s", stats_verdict_name(p.verdict));
	cr_assert_eq(p.n, LEN(r));
	cr_assert_gt(p.ratio_lo, 1.0);
	cr_assert_str_eq(stats_verdict_name(p.verdict), "a_slower");
}

Test(stats_pair, b_slower)
{
	const double r[] = {0.71, 0.80, 0.75, 0.69, 0.77, 0.74, 0.82, 0.73, 0.76, 0.78};
	struct stats_pair p = pair_of(r, LEN(r));

	cr_assert_eq(p.verdict, VERDICT_B_SLOWER, "verdict %s", stats_verdict_name(p.verdict));
	cr_assert_lt(p.ratio_hi, 1.0);
	cr_assert_str_eq(stats_verdict_name(p.verdict), "b_slower");
}

Test(stats_pair, a_slower_despite_one_outlier)
{
	/* One round below 1 (host noise): the interval drops it. */
	const double r[] = {1.31, 1.22, 0.60, 1.18, 1.29, 1.33, 1.25, 1.40, 1.21, 1.27};
	struct stats_pair p = pair_of(r, LEN(r));

	cr_assert_eq(p.verdict, VERDICT_A_SLOWER, "verdict %s", stats_verdict_name(p.verdict));
	cr_assert_float_eq(p.ratio_min, 0.60, 1e-9);
}

Test(stats_pair, same_when_tight_around_one)
{
	const double r[] = {0.99, 1.01, 1.00, 0.995, 1.005, 1.008, 0.992, 1.002, 0.998, 1.0};
	struct stats_pair p = pair_of(r, LEN(r));

	cr_assert_eq(p.verdict, VERDICT_SAME, "verdict %s", stats_verdict_name(p.verdict));
	cr_assert_leq(p.ratio_lo, 1.0);
	cr_assert_geq(p.ratio_hi, 1.0);
	cr_assert_str_eq(stats_verdict_name(p.verdict), "same");
	cr_assert_str_eq(stats_verdict_reason(&p), "interval_within_resolution");
}

Test(stats_pair, undecided_when_wide_around_one)
{
	const double r[] = {0.70, 1.40, 0.85, 1.20, 0.95, 1.05, 0.80, 1.30, 1.10, 0.90};
	struct stats_pair p = pair_of(r, LEN(r));

	cr_assert_eq(p.verdict, VERDICT_UNDECIDED, "verdict %s", stats_verdict_name(p.verdict));
	cr_assert_str_eq(stats_verdict_name(p.verdict), "undecided");
	cr_assert_str_eq(stats_verdict_reason(&p), "interval_too_wide");
}

Test(stats_pair, median_min_max_of_ratios)
{
	const double r[] = {1.5, 1.1, 1.3, 1.2, 1.4};
	struct stats_pair p = pair_of(r, LEN(r));

	cr_assert_float_eq(p.ratio_median, 1.3, 1e-9);
	cr_assert_float_eq(p.ratio_min, 1.1, 1e-9);
	cr_assert_float_eq(p.ratio_max, 1.5, 1e-9);
}

/* For n = 10, P(X <= 1) = 11/1024 <= 2.5% < P(X <= 2) = 56/1024: the
 * interval runs from the 2nd smallest to the 2nd largest ratio. */
Test(stats_pair, sign_interval_n10_is_second_order_statistics)
{
	/* Sorted: 0.91 0.93 0.97 0.99 1.00 1.02 1.03 1.06 1.08 1.12 */
	const double r[] = {1.03, 0.93, 1.12, 0.99, 1.06, 0.91, 1.00, 1.08, 0.97, 1.02};
	struct stats_pair p = pair_of(r, LEN(r));

	cr_assert_float_eq(p.ratio_lo, 0.93, 1e-9, "lo %g", p.ratio_lo);
	cr_assert_float_eq(p.ratio_hi, 1.08, 1e-9, "hi %g", p.ratio_hi);
	cr_assert_float_eq(p.ratio_median, 1.01, 1e-9);
	cr_assert_eq(p.verdict, VERDICT_UNDECIDED, "1.08 is beyond the 5%% resolution");
}

/* For n = 20, P(X <= 5) = 0.0207 <= 2.5% < P(X <= 6) = 0.0577: the 6th
 * smallest and the 6th largest (the classic [x(6), x(15)]). */
Test(stats_pair, sign_interval_n20_is_sixth_order_statistics)
{
	double r[20];
	struct stats_pair p;

	/* A permutation of 1.00, 1.01, ..., 1.19 (values 100+k hundredths). */
	for (int i = 0; i < 20; i++)
		r[i] = 1.0 + (double)((i * 7) % 20) / 100.0;
	p = pair_of(r, 20);
	cr_assert_float_eq(p.ratio_lo, 1.05, 1e-9, "lo %g", p.ratio_lo);
	cr_assert_float_eq(p.ratio_hi, 1.14, 1e-9, "hi %g", p.ratio_hi);
	cr_assert_eq(p.verdict, VERDICT_A_SLOWER, "the smallest ratio, 1.00, is outside");
}

/* The threshold's edge: n = 8 has P(X <= 1) = 9/256 > 2.5%, so [min, max];
 * n = 9 has P(X <= 1) = 10/512 <= 2.5%, so the 2nd order statistics. */
Test(stats_pair, sign_interval_steps_in_between_n8_and_n9)
{
	const double r9[] = {1.05, 0.96, 1.01, 0.94, 1.03, 0.99, 1.09, 1.00, 0.98};
	struct stats_pair p = pair_of(r9, 8); /* without the last, 0.98 */

	cr_assert_float_eq(p.ratio_lo, 0.94, 1e-9, "n=8 lo %g", p.ratio_lo);
	cr_assert_float_eq(p.ratio_hi, 1.09, 1e-9, "n=8 hi %g", p.ratio_hi);
	p = pair_of(r9, 9);
	cr_assert_float_eq(p.ratio_lo, 0.96, 1e-9, "n=9 lo %g", p.ratio_lo);
	cr_assert_float_eq(p.ratio_hi, 1.05, 1e-9, "n=9 hi %g", p.ratio_hi);
}

Test(stats_pair, few_rounds_fall_back_to_min_max)
{
	const double r5[] = {1.02, 1.10, 1.30, 1.01, 1.20};
	const double r3[] = {1.40, 1.10, 1.20};
	struct stats_pair p = pair_of(r5, 5);

	cr_assert_float_eq(p.ratio_lo, 1.01, 1e-9);
	cr_assert_float_eq(p.ratio_hi, 1.30, 1e-9);
	p = pair_of(r3, 3);
	cr_assert_float_eq(p.ratio_lo, 1.10, 1e-9);
	cr_assert_float_eq(p.ratio_hi, 1.40, 1e-9);
	p = pair_of((const double[]){0.9}, 1);
	cr_assert_float_eq(p.ratio_lo, 0.9, 1e-9);
	cr_assert_float_eq(p.ratio_hi, 0.9, 1e-9);
}

/* Below 6 rounds even "all ratios > 1" has more than a 5% chance under no
 * difference (2/32 at n = 5): no verdict is claimed. */
Test(stats_pair, few_rounds_never_decide)
{
	const double up[] = {1.30, 1.25, 1.20, 1.40, 1.35};
	const double down[] = {0.70, 0.75, 0.80, 0.72, 0.78};
	const double same[] = {1.0, 1.0, 1.0, 1.0, 1.0};

	cr_assert_eq(pair_of(up, 5).verdict, VERDICT_UNDECIDED);
	cr_assert_eq(pair_of(down, 5).verdict, VERDICT_UNDECIDED);
	cr_assert_eq(pair_of(same, 5).verdict, VERDICT_UNDECIDED);
	cr_assert_eq(pair_of(up, 1).verdict, VERDICT_UNDECIDED);
	{
		struct stats_pair p = pair_of(up, 5);

		cr_assert_str_eq(stats_verdict_reason(&p), "fewer_than_6_rounds");
	}
}

/* n = 6 is the first with a 95% interval: P(X <= 0) = 1/64, k = 1, which
 * is again [min, max], now with a verdict. */
Test(stats_pair, six_rounds_decide_on_min_max)
{
	const double up[] = {1.30, 1.25, 1.20, 1.40, 1.35, 1.22};
	struct stats_pair p = pair_of(up, 6);

	cr_assert_str_eq(stats_verdict_reason(&p), "interval_above_1");

	cr_assert_float_eq(p.ratio_lo, 1.20, 1e-9);
	cr_assert_float_eq(p.ratio_hi, 1.40, 1e-9);
	cr_assert_eq(p.verdict, VERDICT_A_SLOWER);
}

Test(stats_pair, few_rounds_one_below_one_is_not_a_verdict)
{
	/* With 5 rounds the interval is [min, max]: a single round under 1
	 * keeps "a slower" from being claimed. */
	const double r[] = {1.30, 1.25, 0.98, 1.40, 1.35};
	struct stats_pair p = pair_of(r, LEN(r));

	cr_assert_float_eq(p.ratio_lo, 0.98, 1e-9);
	cr_assert_eq(p.verdict, VERDICT_UNDECIDED);
}
