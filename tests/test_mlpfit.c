/* harness/mlpfit.c on synthetic curves: a cap at 2, 4 or 6 loads in flight,
 * no cap, noise; and the walk count from a 4K curve beside a huge one. */
#include <criterion/criterion.h>

#include <math.h>
#include <string.h>

#include "mlpfit.h"

static const unsigned grid[] = { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32 };
#define NG ((int)(sizeof(grid) / sizeof(grid[0])))

/* ns per load when w loads overlap at most, latency lat; noise: a fixed
 * +-amp pattern, intervals +-half around each point. */
static void curve(struct mlpfit_point *p, double lat, double w, double amp, double half)
{
	for (int i = 0; i < NG; i++) {
		double n = grid[i] < w ? grid[i] : w;
		double ns = lat / n * (1 + amp * sin(1.7 * i + 0.3));

		p[i] = (struct mlpfit_point){ grid[i], ns, ns * (1 - half), ns * (1 + half) };
	}
}

Test(mlpfit, cap_at_2_4_6)
{
	static const struct { double w; unsigned n_sat; } rows[] = { { 2, 2 }, { 4, 4 }, { 6, 6 } };

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct mlpfit_point p[NG];
		struct mlpfit f;

		curve(p, 300, rows[r].w, 0, 0.01);
		mlpfit_curve(p, NG, &f);
		cr_assert(f.ok);
		cr_expect(f.capped, "cap %g: capped", rows[r].w);
		cr_expect_eq(f.n_sat, rows[r].n_sat, "cap %g: saturation at %u", rows[r].w, f.n_sat);
		cr_expect_float_eq(f.in_flight, rows[r].w, 1e-9, "cap %g: in flight %g", rows[r].w, f.in_flight);
		cr_expect(f.in_flight_lo < f.in_flight && f.in_flight < f.in_flight_hi);
		cr_expect_float_eq(f.t_sat, 300 / rows[r].w, 1e-9);
	}
}

Test(mlpfit, no_cap_within_the_chains_tried)
{
	struct mlpfit_point p[NG];
	struct mlpfit f;

	curve(p, 300, 1000, 0, 0.01);
	mlpfit_curve(p, NG, &f);
	cr_assert(f.ok);
	cr_expect_not(f.capped, "still scaling at 32: no cap");
	cr_expect_eq(f.n_sat, 32);
	cr_expect_float_eq(f.in_flight, 32, 1e-9);
}

Test(mlpfit, noisy_cap_stays_near)
{
	for (double w = 3; w <= 16; w += 1) {
		struct mlpfit_point p[NG];
		struct mlpfit f;

		curve(p, 250, w, 0.03, 0.04);
		mlpfit_curve(p, NG, &f);
		cr_assert(f.ok);
		cr_expect(f.capped, "cap %g", w);
		cr_expect(fabs(f.in_flight - w) <= 0.12 * w, "cap %g: in flight %.2f", w, f.in_flight);
		cr_expect(f.in_flight_lo <= w * 1.001 && w <= f.in_flight_hi * 1.001,
			  "cap %g: interval [%.2f, %.2f]", w, f.in_flight_lo, f.in_flight_hi);
	}
}

Test(mlpfit, refuses_curves_it_cannot_read)
{
	struct mlpfit_point p[NG];
	struct mlpfit f;

	curve(p, 300, 4, 0, 0.01);
	mlpfit_curve(p + 1, NG - 1, &f); /* no N = 1 */
	cr_expect_not(f.ok);
	mlpfit_curve(p, 2, &f); /* too short */
	cr_expect_not(f.ok);
	p[3].ns = NAN;
	mlpfit_curve(p, NG, &f);
	cr_expect_not(f.ok);
}

/* 4K: latency 350, cap 16 (22 ns per load); huge: 238, cap 18 (13.2 ns). */
static void pair(struct mlpfit *k4, struct mlpfit *huge, double k4_lat, double k4_cap)
{
	struct mlpfit_point p[NG];

	curve(p, k4_lat, k4_cap, 0, 0.02);
	mlpfit_curve(p, NG, k4);
	curve(p, 238, 18, 0, 0.02);
	mlpfit_curve(p, NG, huge);
}

/* Both control curves alike (latency 60, cap 12) or 4K's capped at c4_cap. */
static void control(struct mlpfit *c4, struct mlpfit *ch, double c4_cap)
{
	struct mlpfit_point p[NG];

	curve(p, 60, c4_cap, 0, 0.02);
	mlpfit_curve(p, NG, c4);
	curve(p, 60, 12, 0, 0.02);
	mlpfit_curve(p, NG, ch);
}

Test(mlpfit, walks_when_4k_caps_below_beyond_reach_only)
{
	struct mlpfit k4, huge, c4, ch;
	struct mlpfit_walks w;

	pair(&k4, &huge, 350, 16);
	control(&c4, &ch, 12);
	mlpfit_walks(&k4, &huge, &c4, &ch, NULL, NULL, &w);
	cr_expect(w.capped_below);
	cr_expect_eq(w.control_clean, 1);
	/* (350 - 238) / (350 / 16) = 5.12 walks in flight */
	cr_expect_float_eq(w.walks, 112 / (350.0 / 16), 1e-9, "walks %g", w.walks);
	cr_expect(w.walks_lo < w.walks && w.walks < w.walks_hi);
	cr_expect_str_eq(w.confidence, "high", "%s", w.why);
}

Test(mlpfit, no_walk_limit_when_4k_reaches_the_same_throughput)
{
	struct mlpfit k4, huge;
	struct mlpfit_walks w;

	pair(&k4, &huge, 238 * 1.0, 18);
	mlpfit_walks(&k4, &huge, NULL, NULL, NULL, NULL, &w);
	cr_expect_not(w.capped_below);
	cr_expect_str_eq(w.confidence, "low");
	cr_expect(strstr(w.why, "no translation limit") != NULL, "%s", w.why);
}

Test(mlpfit, control_that_differs_blames_the_caches)
{
	struct mlpfit k4, huge, c4, ch;
	struct mlpfit_walks w;

	pair(&k4, &huge, 350, 16);
	control(&c4, &ch, 6);
	mlpfit_walks(&k4, &huge, &c4, &ch, NULL, NULL, &w);
	cr_expect_eq(w.control_clean, 0);
	cr_expect_str_eq(w.confidence, "low");
	cr_expect(strstr(w.why, "control") != NULL, "%s", w.why);
}

/* The paired ratio at N = 1 sets the translation time and its interval. */
Test(mlpfit, paired_ratio_bounds_the_translation_time)
{
	struct mlpfit k4, huge, c4, ch;
	struct mlpfit_walks w;
	const double r1[3] = { 350.0 / 238, 1.45, 1.49 }, flat[3] = { 0.99, 0.95, 1.02 };

	pair(&k4, &huge, 350, 16);
	control(&c4, &ch, 12);
	mlpfit_walks(&k4, &huge, &c4, &ch, r1, NULL, &w);
	cr_expect_float_eq(w.walks, 112 / (350.0 / 16), 1e-6, "walks %g", w.walks);
	cr_expect_float_eq(w.walks_lo, 238 * 0.45 / k4.t_sat_hi, 1e-9);
	cr_expect_float_eq(w.walks_hi, 238 * 0.49 / k4.t_sat_lo, 1e-9);
	cr_expect_str_eq(w.confidence, "high", "%s", w.why);
	mlpfit_walks(&k4, &huge, &c4, &ch, flat, NULL, &w);
	cr_expect(isnan(w.walks), "no translation time at N = 1: no count");
	cr_expect_str_eq(w.confidence, "low");
}

/* Where the medians' intervals overlap, the paired ratio at saturation
 * still tells a cap: above 1 all through its interval, or not. */
Test(mlpfit, paired_ratio_at_saturation_tells_the_cap)
{
	struct mlpfit k4, huge, c4, ch;
	struct mlpfit_walks w;
	struct mlpfit_point p[NG];
	const double above[3] = { 1.6, 1.4, 1.8 }, spans[3] = { 1.6, 0.9, 1.9 };

	curve(p, 350, 16, 0, 0.40); /* wide intervals: the medians' overlap */
	mlpfit_curve(p, NG, &k4);
	curve(p, 238, 18, 0, 0.40);
	mlpfit_curve(p, NG, &huge);
	control(&c4, &ch, 12);
	mlpfit_walks(&k4, &huge, &c4, &ch, NULL, NULL, &w);
	cr_expect_not(w.capped_below, "overlapping medians alone: no cap claimed");
	mlpfit_walks(&k4, &huge, &c4, &ch, NULL, above, &w);
	cr_expect(w.capped_below, "paired interval above 1: a cap");
	mlpfit_walks(&k4, &huge, &c4, &ch, NULL, spans, &w);
	cr_expect_not(w.capped_below, "paired interval reaching below 1: no cap");
}

Test(mlpfit, uncapped_4k_says_there_is_no_cap_to_read)
{
	struct mlpfit k4, huge;
	struct mlpfit_walks w;

	pair(&k4, &huge, 350, 1000); /* 4K still scaling at 32 */
	mlpfit_walks(&k4, &huge, NULL, NULL, NULL, NULL, &w);
	cr_expect_not(k4.capped);
	cr_expect_not(w.capped_below);
	cr_expect_str_eq(w.confidence, "low");
	cr_expect(strstr(w.why, "still gain") != NULL, "%s", w.why);
}

Test(mlpfit, no_control_is_not_high_confidence)
{
	struct mlpfit k4, huge;
	struct mlpfit_walks w;

	pair(&k4, &huge, 350, 16);
	mlpfit_walks(&k4, &huge, NULL, NULL, NULL, NULL, &w);
	cr_expect(w.capped_below);
	cr_expect_eq(w.control_clean, -1);
	cr_expect_str_eq(w.confidence, "low");
	cr_expect(!isnan(w.walks));
}
