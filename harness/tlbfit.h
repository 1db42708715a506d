/* TLB levels inferred from a probe curve alone: extra ns per load against
 * pages touched, fitted as plateaus and steps. Pure code; the declared and
 * published geometry never enter here. */
#ifndef PW_TLBFIT_H
#define PW_TLBFIT_H

#include <stddef.h>
#include <stdint.h>

#define TLBFIT_MAX_POINTS 512 /* 16 points per octave over 32 octaves */
#define TLBFIT_MAX_LEVELS 8

/* One page count of the probe, for one backing. */
struct tlbfit_point {
	double pages;	 /* pages touched; strictly ascending over the input */
	double delta_ns; /* median(probe) - median(baseline), ns per load; may be < 0 */
	double probe_ns; /* median(probe) ns per load: what spread is relative to;
			  * 0 when unknown (then noise is taken as even) */
	double spread;	 /* relative spread of the probe, e.g. (p90 - min) / median;
			  * 0 when unknown (then the typical one is used) */
};

struct tlbfit_input {
	const struct tlbfit_point *pt;
	int nr;
	double core_ghz; /* core cycles per ns, for the cycle columns; 0 unknown */
};

/* Knobs of the fit; tlbfit_defaults() gives the tested values. */
struct tlbfit_params {
	double penalty;		    /* cost of one more segment, times ln(nr), in noise units */
	double outlier_cap;	    /* one point's misfit counts at most this many noise units */
	double min_plateau_octaves; /* an inner segment narrower than this is part of a ramp */
	double knee_frac;	    /* a sharp step's capacity: where it has risen by this share */
	double ramp_frac;	    /* a ramp's capacity: where it has risen by this share */
	double ramp_octaves;	    /* a step wider than this (knee_frac to 90%) is a ramp */
	double join_octaves;	    /* a plateau narrower than this between a small and a
				     * twice larger step is a pause in one ramp */
	double min_snr;		    /* a level's step over one point's noise, at least */
	double min_step_ns;	    /* and at least this, whatever the noise */
};

struct tlbfit_level {
	int entries;		 /* pages this level covers: where its step starts */
	double knee_pages;	 /* the same, unrounded: the knee_frac or ramp_frac crossing */
	double start_pages;	 /* the knee_frac crossing: where the step starts */
	double mid_pages;	 /* half the step reached */
	double end_pages;	 /* 90% of the step reached: where a ramp ends */
	double miss_cost_ns;	 /* extra ns per load past this level, over the plateau before */
	double miss_cost_cycles; /* the same in core cycles; NaN without a clock */
	double plateau_ns;	 /* delta on the plateau past this level */
	double noise_ns;	 /* typical noise of one point near the step */
	double snr;		 /* miss_cost_ns / noise_ns */
	int nr_below, nr_above;	 /* points on the plateaus either side */
	double ramp_octaves;	 /* log2(end_pages / start_pages) */
	double confidence;	 /* 0..1: step over noise, plateau support, sharpness */
};

struct tlbfit_result {
	struct tlbfit_level level[TLBFIT_MAX_LEVELS];
	int nr_levels;
	double base_ns;	    /* plateau before the first level (0 in theory) */
	int nr_segments;    /* pieces of the raw piecewise-constant fit */
	double noise_scale; /* measured noise over the stated spreads */
	char why[160];	    /* what went wrong, or why no level was found */
};

void tlbfit_defaults(struct tlbfit_params *p);

/* Fit the curve; p may be NULL for the defaults. 0 on success (with zero or
 * more levels), -1 with out->why on input that cannot be fitted. */
int tlbfit_fit(const struct tlbfit_input *in, const struct tlbfit_params *p,
	       struct tlbfit_result *out);

/* Page counts to probe again around the first nr_knees fitted knees: every
 * count from frac below a level's start (or entries) to frac above its end
 * (or entries), thinned evenly to at most per_knee of them, clipped to
 * [lo, hi]; ascending, without duplicates. Returns how many were written to
 * out (at most max). */
int tlbfit_refine_counts(const struct tlbfit_result *fit, int nr_knees, double frac,
			 int per_knee, uint64_t lo, uint64_t hi, uint64_t *out, int max);

#endif
