/* Median, percentiles and paired-ratio comparisons over repetitions. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_percentile(const double *sorted, size_t n, double p)
{
	double pos, frac;
	size_t i;

	if (n == 1)
		return sorted[0];
	pos = p / 100.0 * (double)(n - 1);
	i = (size_t)pos;
	if (i >= n - 1)
		return sorted[n - 1];
	frac = pos - (double)i;
	return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

/* Return P(X <= k) for X ~ Binomial(n, 1/2). */
static double binom_cdf_half(size_t n, size_t k)
{
	double term = pow(0.5, (double)n), sum = 0;

	for (size_t i = 0; i <= k; i++) {
		sum += term;
		term = term * (double)(n - i) / (double)(i + 1);
	}
	return sum;
}

/* Smallest k with P(X <= k) > 2.5%: the median of n samples then lies
 * between the k-th smallest and the k-th largest (1-based) with >= 95%
 * confidence, whatever the distribution. 0 when n < 6: no such k. */
static size_t median_rank(size_t n)
{
	size_t k = 0;

	while (k < n && binom_cdf_half(n, k) <= 0.025)
		k++;
	return k;
}

/* The interval of the median of sorted v[0..n): [lo, hi]; [min, max]
 * below 6 samples. Returns the rank used (0: none reaches 95%). */
static size_t median_interval(const double *v, size_t n, double *lo, double *hi)
{
	size_t k = median_rank(n);

	*lo = k ? v[k - 1] : v[0];
	*hi = k ? v[n - k] : v[n - 1];
	return k;
}

void stats_summary(double *v, size_t n, struct stats *out)
{
	qsort(v, n, sizeof(*v), cmp_double);
	out->n = n;
	out->min = v[0];
	out->max = v[n - 1];
	out->median = stats_percentile(v, n, 50);
	median_interval(v, n, &out->lo, &out->hi);
	out->p90 = stats_percentile(v, n, 90);
}

double stats_median_of(const double *v, size_t n)
{
	double tmp[1000];

	if (n > 1000)
		n = 1000;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return stats_percentile(tmp, n, 50);
}

void stats_pair(const double *a, const double *b, size_t n, struct stats_pair *out)
{
	double *r = malloc(n * sizeof(*r));
	struct stats s;
	size_t k;

	if (!r)
		abort();
	for (size_t i = 0; i < n; i++)
		r[i] = a[i] / b[i];
	stats_summary(r, n, &s);
	out->n = n;
	out->ratio_median = s.median;
	out->ratio_min = s.min;
	out->ratio_max = s.max;

	k = median_interval(r, n, &out->ratio_lo, &out->ratio_hi);
	free(r);

	if (k == 0)
		out->verdict = VERDICT_UNDECIDED; /* too few rounds for 95% */
	else if (out->ratio_lo > 1.0)
		out->verdict = VERDICT_A_SLOWER;
	else if (out->ratio_hi < 1.0)
		out->verdict = VERDICT_B_SLOWER;
	else if (out->ratio_hi - 1.0 <= STATS_SAME_RESOLUTION &&
		 1.0 - out->ratio_lo <= STATS_SAME_RESOLUTION)
		out->verdict = VERDICT_SAME;
	else
		out->verdict = VERDICT_UNDECIDED;
}

const char *stats_verdict_name(enum stats_verdict v)
{
	switch (v) {
	case VERDICT_A_SLOWER:
		return "a_slower";
	case VERDICT_B_SLOWER:
		return "b_slower";
	case VERDICT_SAME:
		return "same";
	case VERDICT_UNDECIDED:
		return "undecided";
	}
	return "?";
}

const char *stats_verdict_reason(const struct stats_pair *p)
{
	switch (p->verdict) {
	case VERDICT_A_SLOWER:
		return "interval_above_1";
	case VERDICT_B_SLOWER:
		return "interval_below_1";
	case VERDICT_SAME:
		return "interval_within_resolution";
	case VERDICT_UNDECIDED:
		return median_rank(p->n) ? "interval_too_wide" : "fewer_than_6_rounds";
	}
	return "?";
}
