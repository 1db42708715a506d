/* Summaries of repeated measurements: never a single sample. */
#ifndef PW_STATS_H
#define PW_STATS_H

#include <stddef.h>

struct stats {
	double median;
	double min;
	double max;
	double p90;
	double lo, hi;  /* ~95% sign-test interval of the median ([min, max]
			 * below 6 samples) */
	size_t n;
};

/* Summarise v[0..n) (n >= 1); v is left sorted. */
void stats_summary(double *v, size_t n, struct stats *out);
/* Median of v[0..n) without reordering v (n <= 1000). */
double stats_median_of(const double *v, size_t n);
/* The p-th percentile (0..100) of sorted v, linear interpolation. */
double stats_percentile(const double *sorted, size_t n, double p);

/* What the paired, per-round ratios a_i/b_i say about a against b. */
enum stats_verdict {
	VERDICT_A_SLOWER,   /* every plausible median ratio is > 1 */
	VERDICT_B_SLOWER,   /* every plausible median ratio is < 1 */
	VERDICT_SAME,       /* 1 is plausible and the interval is narrow */
	VERDICT_UNDECIDED,  /* 1 is plausible but so is a real difference */
};

struct stats_pair {
	double ratio_median;  /* median of a_i/b_i */
	double ratio_lo;      /* ~95% distribution-free interval for it */
	double ratio_hi;
	double ratio_min;
	double ratio_max;
	size_t n;
	enum stats_verdict verdict;
};

/* Half-width of the interval, relative to 1, below which "no difference" is
 * said: smaller effects than this are beyond what the tool claims to see. */
#define STATS_SAME_RESOLUTION 0.05

/* Compare paired samples a[i], b[i] taken in the same round i (n >= 1).
 * The interval is the sign-test (binomial order-statistic) interval of the
 * median ratio; below 6 rounds no interval reaches 95%: it is then [min,
 * max] and the verdict is always VERDICT_UNDECIDED. */
void stats_pair(const double *a, const double *b, size_t n, struct stats_pair *out);
/* The verdict as a token: a_slower, b_slower, same, undecided. */
const char *stats_verdict_name(enum stats_verdict v);
/* Why, as a token: interval_above_1, interval_below_1,
 * interval_within_resolution, interval_too_wide, fewer_than_6_rounds. */
const char *stats_verdict_reason(const struct stats_pair *p);

#endif
