/* Synthetic TLB-probe curves for the tlbfit and tlbhuge tests: TLB levels
 * as steps (sharp or ramped), the noise of these machines (MACHINE.md: 3-4%
 * spread within the L1 TLB, 6-10% beyond, lone 3x outliers), points taken
 * as the bench takes them; and the Zen 5 guest's 4K curve. */
#ifndef PW_TEST_TLBCURVE_UTIL_H
#define PW_TEST_TLBCURVE_UTIL_H

#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>

#include "chain.h"
#include "tlbfit.h"

#define NR_SEEDS 8
#define GHZ 3.4
#define BASE_NS (4 / GHZ) /* an L1-cache hit: 4 cycles on Zen */
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* One TLB level of a synthetic curve. */
struct step {
	double entries;	 /* capacity: the curve leaves the plateau here */
	double ramp_end; /* where the step is complete; <= entries for a sharp knee */
	double cost_ns;	 /* extra ns per load once past */
	double capacity; /* the reading expected, when not entries (a ramp around it) */
};

struct curve {
	const char *name;
	struct step step[4];
	int nr;
	double max_pages;
	double spread_in;   /* stated spread up to the first knee */
	double spread_out;  /* and beyond */
	double noise;	    /* sd of a median, as a share of the stated spread */
	int nr_outliers;    /* points whose probe time is tripled */
	int spread_unknown; /* state no spread: the fit must find the noise itself */
};

static inline double uniform(uint64_t *st)
{
	return (double)(chain_rand_next(st) >> 11) * 0x1p-53;
}

static inline double gauss(uint64_t *st)
{
	double u = uniform(st), v = uniform(st);

	return sqrt(-2 * log(u + 0x1p-60)) * cos(2 * M_PI * v);
}

static inline double true_delta(const struct curve *c, double pages)
{
	double d = 0;

	for (int k = 0; k < c->nr; k++) {
		const struct step *s = &c->step[k];
		double t;

		if (pages <= s->entries)
			continue;
		if (s->ramp_end <= s->entries || pages >= s->ramp_end) {
			d += s->cost_ns;
			continue;
		}
		/* A set-associative TLB thrashes by degrees: smoothstep in log. */
		t = log(pages / s->entries) / log(s->ramp_end / s->entries);
		d += s->cost_ns * t * t * (3 - 2 * t);
	}
	return d;
}

/* A synthetic probe run: its points and where the outliers went. */
struct sample {
	struct tlbfit_point pt[TLBFIT_MAX_POINTS];
	int nr;
	double outlier_pages[16];
	int nr_outliers;
};

/* The probe's points, 16 per octave from 8 pages, as the bench takes them:
 * probe and baseline medians each off by their own noise. */
static inline void make_points(const struct curve *c, uint64_t seed, struct sample *sm)
{
	uint64_t mix = seed, st;
	double last = 0;
	int n = 0;

	/* splitmix64 steps its state by a constant: seed s + 1 would replay
	 * seed s one draw late. Start from a mixed state instead. */
	st = chain_rand_next(&mix);
	for (int i = 0;; i++) {
		double pages = round(8 * exp2(i / 16.0)), spread, sd, probe, base;
		struct tlbfit_point *pt = &sm->pt[n];

		if (pages > c->max_pages)
			break;
		if (pages <= last)
			continue;
		last = pages;
		spread = !c->nr || pages <= c->step[0].entries ? c->spread_in : c->spread_out;
		sd = spread * c->noise;
		probe = (BASE_NS + true_delta(c, pages)) * (1 + sd * gauss(&st));
		base = BASE_NS * (1 + sd * gauss(&st));
		pt->pages = pages;
		pt->delta_ns = probe - base;
		pt->probe_ns = probe;
		pt->spread = c->spread_unknown ? 0 : spread * (0.7 + 0.6 * uniform(&st));
		cr_assert_lt(++n, TLBFIT_MAX_POINTS);
	}
	sm->nr = n;
	cr_assert_leq(c->nr_outliers, (int)LEN(sm->outlier_pages));
	for (sm->nr_outliers = 0; sm->nr_outliers < c->nr_outliers; sm->nr_outliers++) {
		struct tlbfit_point *pt = &sm->pt[(int)(uniform(&st) * n)];

		pt->delta_ns += 2 * pt->probe_ns;
		pt->probe_ns *= 3;
		sm->outlier_pages[sm->nr_outliers] = pt->pages;
	}
}

static inline void fit_curve(const struct curve *c, uint64_t seed, double ghz, struct tlbfit_result *r,
		      struct sample *sm)
{
	struct tlbfit_input in;

	make_points(c, seed, sm);
	in = (struct tlbfit_input){sm->pt, sm->nr, ghz};
	cr_assert_eq(tlbfit_fit(&in, NULL, r), 0, "%s seed %d: %s", c->name, (int)seed, r->why);
}

/* Zen 5 guest: sharp L1 knee at 96 (+7 cycles), L2 ramp 4096 -> 5800, a
 * walk about 160 cycles over an L1 hit. */
static const struct curve zen5 = {
    "zen5", {{96, 0, 7 / GHZ}, {4096, 5800, 153 / GHZ}}, 2, 32768, 0.035, 0.08, 0.5, 3, 0,
};

#endif
