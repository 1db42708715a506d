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
 * (or entries), thinned evenly to at most
 * per_knee of them, clipped to [lo, hi]; ascending, without duplicates.
 * Returns how many were written to out (at most max). */
int tlbfit_refine_counts(const struct tlbfit_result *fit, int nr_knees, double frac,
			 int per_knee, uint64_t lo, uint64_t hi, uint64_t *out, int max);

/* What huge pages get in the TLB, judged from a huge backing's probe
 * curves (one line per huge page) against the 4K curve. A real huge entry
 * covers its whole page, so where in the page the line sits cannot matter;
 * 4K-granular entries fill the TLB's sets by 4K page number, so lines all in
 * the first 4K of 2M-aligned pages share one set. */
enum tlbfit_splinter {
	TLBFIT_SPLINTER_UNKNOWN, /* the curves cannot tell */
	TLBFIT_HUGE_ENTRIES,	 /* the L1 DTLB holds real huge entries */
	TLBFIT_SPLINTERED,	 /* 4K-granular entries: placement in the page matters */
	TLBFIT_NOT_IN_L1,	 /* huge translations leave the L1 DTLB past a few pages */
};

/* What the huge curve's first rise costs, as a token. */
enum tlbfit_cost {
	TLBFIT_COST_NONE,    /* no rise */
	TLBFIT_COST_L2_HIT,  /* like 4K's L1 -> L2 step */
	TLBFIT_COST_WALK,    /* several L2-TLB hits: a walk */
	TLBFIT_COST_BETWEEN, /* neither clearly */
};

/* One huge-page curve: points ascending by pages. */
struct tlbfit_curve {
	const struct tlbfit_point *pt;
	int nr;
};

/* What the vendor publishes, for the judgement; -1 where not. */
struct tlbfit_published {
	int l1_huge;  /* L1 DTLB entries for this huge page size */
	int l1_assoc; /* ways of the 4K L1 DTLB (0 fully associative) */
};

struct tlbfit_huge {
	enum tlbfit_splinter verdict;
	double rise_pages;	  /* same-slice curve: huge pages past which loads pay; NaN */
	double spread_rise_pages; /* the same with lines over the 4K sub-pages; NaN */
	double cost_ns;		  /* what loads pay past rise_pages, over the plateau before */
	double cost_cycles;	  /* the same in cycles; NaN without a clock */
	enum tlbfit_cost cost;	  /* cost_ns against 4K's L2-TLB hit */
	double l1_4k_pages;	  /* the 4K curve's L1 knee */
	double hit_4k_ns;	  /* and its L2-TLB hit cost */
};

/* Index of the first of three consecutive points whose delta is at least
 * thr_ns (a lone outlier is no rise); -1 when there is none. */
int tlbfit_first_rise(const struct tlbfit_point *pt, int nr, double thr_ns);

/* Judge a huge backing from its same-slice curve (every probe line in the
 * first 4K of its huge page: layouts subpage0, or spread below 64 pages)
 * and, where measured (nr > 0), its spread curve (lines over the 4K
 * sub-pages: spread4k), against the 4K curve: fit_4k fitted from c4. Rises are read off the
 * points (half a 4K L2-TLB hit, three points in a row), so a knee at 6
 * pages needs no plateau below it. core_ghz converts to cycles (0 unknown).
 * One sentence a performance engineer can act on goes into why. */
enum tlbfit_splinter tlbfit_splinter(const struct tlbfit_result *fit_4k,
				     const struct tlbfit_curve *c4, const struct tlbfit_curve *same,
				     const struct tlbfit_curve *spread, double core_ghz,
				     const struct tlbfit_published *pub, const char *backing,
				     struct tlbfit_huge *out, char *why, size_t len);
const char *tlbfit_splinter_name(enum tlbfit_splinter v);
const char *tlbfit_cost_name(enum tlbfit_cost c);

#endif
