/* What a throughput-against-chains curve says (bench/mlp): where adding
 * independent chains stops paying, how many loads are then in flight, and,
 * from a 4K curve beside a huge-page one, how many page walks. Inference
 * only: unit-tested on synthetic curves (tests/test_mlpfit.c). */
#ifndef PW_MLPFIT_H
#define PW_MLPFIT_H

#include <stddef.h>

#define MLPFIT_MAX 32

/* Relative distance from the best throughput still counted as saturated,
 * when the points' own intervals are narrower. */
#define MLPFIT_TOL 0.06

/* One N: ns per load (median of the rounds) and its interval. */
struct mlpfit_point {
	unsigned chains;
	double ns, lo, hi;
};

struct mlpfit {
	int ok;               /* the curve starts at N = 1 and has 3+ points */
	double t1, t1_lo, t1_hi;          /* ns per load at N = 1: unloaded latency */
	double t_sat, t_sat_lo, t_sat_hi; /* ns per load once saturated (median of the plateau) */
	unsigned n_sat;       /* the first N on the plateau */
	int capped;           /* the plateau starts before the last N: more chains stopped paying */
	double in_flight, in_flight_lo, in_flight_hi; /* t1 / t_sat: loads in flight
						       * at saturation (Little's law) */
	double tol;           /* the tolerance used */
};

/* Fit p[0..nr), sorted by chains. */
void mlpfit_curve(const struct mlpfit_point *p, int nr, struct mlpfit *out);

/* The translation reading at one footprint beyond the TLB's reach: a
 * backing b (4k) against the reference ref (the largest pages), with the
 * same two at a control footprint within reach (NULL when none ran). */
struct mlpfit_walks {
	double ratio_sat;     /* b's saturated ns per load over ref's */
	int capped_below;     /* b saturates at a lower throughput, beyond the intervals */
	int control_clean;    /* at the control footprint both saturate alike (-1: no control) */
	double walks, walks_lo, walks_hi; /* (t1_b - t1_ref) / t_sat_b: walks in flight
					   * if every load walks; NaN when b adds no latency */
	const char *confidence;           /* "high", "medium", "low" */
	char why[256];
};

/* Paired, round-by-round ratios of b's ns per load over ref's (median, lo,
 * hi), far tighter than the medians' own intervals: r1 at N = 1 (the
 * translation time), rs where ref saturates (whether b caps below it).
 * NULL or a NaN median: the medians' intervals are used instead. */
void mlpfit_walks(const struct mlpfit *b, const struct mlpfit *ref, const struct mlpfit *ctl_b,
		  const struct mlpfit *ctl_ref, const double r1[3], const double rs[3],
		  struct mlpfit_walks *out);

#endif
