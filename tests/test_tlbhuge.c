/* harness/tlbhuge.c: what huge pages get in the TLB. Hand-made 4K fits and
 * noise-free huge-page curves for each rule (placement in the page, a walk
 * at the 4K knee, a few pages, too short a curve), outliers, and the Zen 5
 * guest's noisy curves end to end. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tlbcurve_util.h"
#include "tlbhuge.h"

/* Hand-made fits for the verdict's rule. */
static struct tlbfit_result two_level_4k(void)
{
	struct tlbfit_result r = {0};

	r.nr_levels = 2;
	r.base_ns = 0;
	r.level[0] = (struct tlbfit_level){
	    .entries = 96, .miss_cost_ns = 2.0, .plateau_ns = 2.0, .confidence = 0.9};
	r.level[1] = (struct tlbfit_level){
	    .entries = 4200, .miss_cost_ns = 43, .plateau_ns = 45, .confidence = 0.7};
	return r;
}

/* A noise-free huge-page curve from 2 pages, every count to 16, then 16
 * per octave to 512: 0 up to rise pages, cost_ns past them. */
struct hcurve {
	struct tlbfit_point pt[TLBFIT_MAX_POINTS];
	int nr;
};

static struct hcurve step_2m(double rise, double cost_ns)
{
	struct hcurve c = {.nr = 0};

	for (double p = 2; p <= 512; p = p < 16 ? p + 1 : ceil(p * exp2(1 / 16.0)))
		c.pt[c.nr++] = (struct tlbfit_point){p, p > rise ? cost_ns : 0, 10, 0.05};
	return c;
}

/* Judge a same-slice curve alone (no spread4k curve measured). */
static enum tlbhuge_verdict judge(const struct tlbfit_result *f4, const struct hcurve *c,
				  int published, struct tlbhuge_result *h, char *why, size_t len)
{
	struct hcurve k4 = step_2m(96, 2.0);
	struct tlbhuge_curve same = {c->pt, c->nr}, none = {NULL, 0}, c4 = {k4.pt, k4.nr};
	struct tlbhuge_published pub = {published, -1};

	return tlbhuge_judge(f4, &c4, &same, &none, 3.0, &pub, "thp", h, why, len);
}

/* Judge a same-slice curve and a spread4k one, with the 4K L1's ways. */
static enum tlbhuge_verdict judge2(const struct tlbfit_result *f4, const struct hcurve *c,
				   const struct hcurve *spread, int published, int ways,
				   struct tlbhuge_result *h, char *why, size_t len)
{
	struct hcurve k4 = step_2m(96, 2.0);
	struct tlbhuge_curve same = {c->pt, c->nr}, sp = {spread->pt, spread->nr},
			    c4 = {k4.pt, k4.nr};
	struct tlbhuge_published pub = {published, ways};

	return tlbhuge_judge(f4, &c4, &same, &sp, 3.0, &pub, "thp", h, why, len);
}

/* One curve alone (no spread4k curve), against a 4K L1 of 96 at 2 ns: the
 * verdict, the cost token and the words of each rule. */
Test(tlbhuge, single_curve_rules)
{
	static const struct {
		const char *what;
		double rise, cost_ns;
		int published;
		enum tlbhuge_verdict want;
		enum tlbhuge_cost cost;
		const char *says;
	} cases[] = {
	    {"Zen 5 guest: a walk (59 cycles) at the 4K knee, lines in one 4K slice", 96, 17.4, 96,
	     TLBHUGE_SPLINTERED, TLBHUGE_COST_WALK, "splintered into 4K TLB entries"},
	    {"Zen: one L1 for every page size, then an L2-TLB hit", 96, 2.3, 96, TLBHUGE_ENTRIES,
	     TLBHUGE_COST_L2_HIT, "gets huge TLB entries"},
	    {"an L2-TLB hit at the 4K knee where 32 2M entries are published", 96, 2.3, 32,
	     TLBHUGE_UNKNOWN, TLBHUGE_COST_L2_HIT, "undecided"},
	    {"the same with nothing published", 96, 2.3, -1, TLBHUGE_UNKNOWN, TLBHUGE_COST_L2_HIT,
	     "undecided"},
	    {"a step at the published 2M L1 size", 32, 2.3, 32, TLBHUGE_ENTRIES, TLBHUGE_COST_L2_HIT,
	     "gets huge TLB entries"},
	    {"between a hit and a walk at the 4K knee", 96, 4.4, 96, TLBHUGE_UNKNOWN,
	     TLBHUGE_COST_BETWEEN, "undecided"},
	    {"raised from the fewest pages probed", 0, 2.4, 32, TLBHUGE_NOT_IN_L1, TLBHUGE_COST_L2_HIT,
	     "from 2 huge pages on, the fewest probed"},
	    {"a few pages with nothing published (fewer than 16)", 6, 2.3, -1, TLBHUGE_NOT_IN_L1,
	     TLBHUGE_COST_L2_HIT, "beyond 6 huge pages"},
	};

	for (size_t i = 0; i < LEN(cases); i++) {
		struct tlbfit_result f4 = two_level_4k();
		struct hcurve f2 = step_2m(cases[i].rise, cases[i].cost_ns);
		struct tlbhuge_result h;
		char why[600];

		cr_assert_eq(judge(&f4, &f2, cases[i].published, &h, why, sizeof(why)), cases[i].want,
			     "%s: %s", cases[i].what, why);
		cr_assert_eq(h.cost, cases[i].cost, "%s: cost %s", cases[i].what,
			     tlbhuge_cost_name(h.cost));
		cr_assert(strstr(why, cases[i].says), "%s: %s", cases[i].what, why);
		/* The rise is the last count probed at or below it (4.4% apart). */
		cr_assert(h.rise_pages <= fmax(cases[i].rise, 2) &&
			      h.rise_pages >= fmax(cases[i].rise, 2) / 1.045,
			  "%s: rise at %g", cases[i].what, h.rise_pages);
	}
}

/* Emerald Rapids guest (kind C): with every line in the first 4K of its 2M
 * page, an L2-TLB hit beyond 6 pages (one set of the 6-way 4K L1 DTLB); with
 * the lines over the 4K sub-pages, beyond 96 like 4K pages. */
Test(tlbhuge, placement_that_matters_is_splintered)
{
	struct tlbfit_result f4 = two_level_4k();
	struct hcurve same = step_2m(6, 2.3), spread = step_2m(96, 2.3);
	struct tlbhuge_result h;
	char why[600];

	cr_assert_eq(judge2(&f4, &same, &spread, 32, 6, &h, why, sizeof(why)), TLBHUGE_SPLINTERED,
		     "%s", why);
	cr_assert_float_eq(h.rise_pages, 6, 1e-9);
	cr_assert(h.spread_rise_pages <= 96 && h.spread_rise_pages >= 96 / 1.045, "spread rise %g",
		  h.spread_rise_pages);
	cr_assert(strstr(why, "thp is splintered into 4K TLB entries: with every load in the first "
			      "4K of its huge page it pays an L2-TLB hit (2.3 ns, 7 cycles) beyond 6 "
			      "huge pages, as many as one L1 DTLB set holds, which is 6-way"),
		  "%s", why);
	cr_assert(strstr(why, "budget this backing's L1 DTLB reach as 96 4K pages"), "%s", why);
}

/* The placement rule over both layouts' rises: equal rises are real huge
 * entries (or, at a few pages, translations that leave the L1); a few pages
 * in one slice against 4K's knee spread out is splintering. */
Test(tlbhuge, placement_table)
{
	static const struct {
		double same, spread;
		enum tlbhuge_verdict want;
	} cases[] = {
	    {32, 32, TLBHUGE_ENTRIES},
	    {6, 6, TLBHUGE_NOT_IN_L1},
	    {6, 96, TLBHUGE_SPLINTERED},
	    {4, 100, TLBHUGE_SPLINTERED},
	    {6, 40, TLBHUGE_NOT_IN_L1}, /* spread rise nowhere near 4K's: no claim */
	};

	for (size_t i = 0; i < LEN(cases); i++) {
		struct tlbfit_result f4 = two_level_4k();
		struct hcurve same = step_2m(cases[i].same, 2.3), spread = step_2m(cases[i].spread, 2.3);
		struct tlbhuge_result h;
		char why[600];

		cr_assert_eq(judge2(&f4, &same, &spread, 32, 6, &h, why, sizeof(why)), cases[i].want,
			     "same %g, spread %g: %s", cases[i].same, cases[i].spread, why);
	}
}

/* 1G pages: a pool of ten, so the spread curve ends before 4K's knee and
 * cannot test placement; a rise at 6 of them is no verdict. */
Test(tlbhuge, spread_curve_short_of_the_4k_knee_is_undecided)
{
	struct tlbfit_result f4 = two_level_4k();
	struct hcurve same = step_2m(6, 2.3), spread = step_2m(1000, 2.3);
	struct tlbhuge_result h;
	char why[600];

	same.nr = spread.nr = 9; /* 2..10 pages */
	cr_assert_eq(judge2(&f4, &same, &spread, 8, 6, &h, why, sizeof(why)),
		     TLBHUGE_UNKNOWN, "%s", why);
	cr_assert(strstr(why, "reached only 10 pages"), "%s", why);
}

/* Without the spread4k curve, a rise past a few pages is all one can say. */
Test(tlbhuge, a_few_pages_then_l2_hits_is_not_in_l1)
{
	struct tlbfit_result f4 = two_level_4k();
	struct hcurve f2 = step_2m(6, 2.3);
	struct tlbhuge_result h;
	char why[600];

	cr_assert_eq(judge(&f4, &f2, 32, &h, why, sizeof(why)), TLBHUGE_NOT_IN_L1, "%s", why);
	cr_assert_float_eq(h.rise_pages, 6, 1e-9);
	cr_assert_eq(h.cost, TLBHUGE_COST_L2_HIT);
	cr_assert(strstr(why, "here thp costs an L2-TLB hit (2.3 ns, 7 cycles) on every load "
			      "beyond 6 huge pages, which 4K pages do not pay until 96 pages"),
		  "%s", why);
}

Test(tlbhuge, needs_a_4k_knee_and_a_huge_step)
{
	struct tlbfit_result f4 = two_level_4k();
	struct hcurve f2 = step_2m(96, 17.4);
	struct tlbhuge_result h;
	char why[600];

	f4.nr_levels = 0;
	cr_assert_eq(judge(&f4, &f2, 96, &h, why, sizeof(why)), TLBHUGE_UNKNOWN);
	cr_assert(strstr(why, "no L1 knee"), "%s", why);
	f4 = two_level_4k();
	f2 = step_2m(0, 0.3); /* below half an L2-TLB hit */
	cr_assert_eq(judge(&f4, &f2, 96, &h, why, sizeof(why)), TLBHUGE_UNKNOWN);
	cr_assert(strstr(why, "never rises"), "%s", why);
}

Test(tlbhuge, lone_outliers_are_no_rise)
{
	struct tlbfit_result f4 = two_level_4k();
	struct hcurve f2 = step_2m(40, 2.3);
	struct tlbhuge_result h;
	char why[600];

	f2.pt[3].delta_ns = 6.9; /* 5 pages: one preempted point */
	f2.pt[7].delta_ns = f2.pt[8].delta_ns = 6.9; /* two in a row at 9, 10 */
	cr_assert_eq(judge(&f4, &f2, 32, &h, why, sizeof(why)), TLBHUGE_ENTRIES, "%s", why);
	cr_assert(h.rise_pages <= 40 && h.rise_pages >= 40 / 1.045, "rise at %g", h.rise_pages);
	cr_assert_float_eq(h.cost_ns, 2.3, 1e-9);
	cr_assert_float_eq(h.cost_cycles, 6.9, 1e-9);
}

/* End to end on the Zen 5 guest's curves: 4K as above; 2M with every line
 * in sub-page 0, a walk of about 59 cycles past 96 pages. */
Test(tlbhuge, zen5_guest_curves)
{
	static const struct curve thp = {
	    "thp-subpage0", {{96, 0, 59 / GHZ}}, 1, 2048, 0.035, 0.08, 0.5, 2, 0,
	};
	static const struct curve huge = {
	    "2m-entries", {{96, 0, 7.5 / GHZ}}, 1, 2048, 0.035, 0.08, 0.5, 2, 0,
	};

	for (uint64_t seed = 1; seed <= NR_SEEDS; seed++) {
		struct tlbfit_result f4;
		struct tlbhuge_result h;
		static struct sample sm, s4;
		struct tlbhuge_curve same = {sm.pt, 0}, none = {NULL, 0}, c4 = {s4.pt, 0};
		struct tlbhuge_published pub = {96, 0};
		char why[600];

		fit_curve(&zen5, seed, GHZ, &f4, &s4);
		c4.nr = s4.nr;

		make_points(&thp, seed + 100, &sm);
		same.nr = sm.nr;
		cr_assert_eq(tlbhuge_judge(&f4, &c4, &same, &none, GHZ, &pub, "thp", &h, why, sizeof(why)),
			     TLBHUGE_SPLINTERED, "seed %d: %s", (int)seed, why);
		make_points(&huge, seed + 200, &sm);
		same.nr = sm.nr;
		cr_assert_eq(tlbhuge_judge(&f4, &c4, &same, &none, GHZ, &pub, "thp", &h, why, sizeof(why)),
			     TLBHUGE_ENTRIES, "seed %d: %s", (int)seed, why);
	}
}

Test(tlbhuge, names)
{
	cr_assert_str_eq(tlbhuge_verdict_name(TLBHUGE_SPLINTERED), "splintered");
	cr_assert_str_eq(tlbhuge_verdict_name(TLBHUGE_ENTRIES), "huge_entries");
	cr_assert_str_eq(tlbhuge_verdict_name(TLBHUGE_NOT_IN_L1), "not_in_l1");
	cr_assert_str_eq(tlbhuge_verdict_name(TLBHUGE_UNKNOWN), "unknown");
	cr_assert_str_eq(tlbhuge_cost_name(TLBHUGE_COST_L2_HIT), "l2_hit");
	cr_assert_str_eq(tlbhuge_cost_name(TLBHUGE_COST_WALK), "walk");
	cr_assert_str_eq(tlbhuge_cost_name(TLBHUGE_COST_BETWEEN), "between");
	cr_assert_str_eq(tlbhuge_cost_name(TLBHUGE_COST_NONE), "none");
}
