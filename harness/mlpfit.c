/* Plateau of a throughput curve, Little's law, and the walk count. */
#include "mlpfit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

void mlpfit_curve(const struct mlpfit_point *p, int nr, struct mlpfit *out)
{
	double best = INFINITY, half = 0, plateau[MLPFIT_MAX];
	int best_i = 0, np = 0, first = -1;

	memset(out, 0, sizeof(*out));
	out->t1 = out->t_sat = out->in_flight = NAN;
	if (nr < 3 || nr > MLPFIT_MAX || p[0].chains != 1)
		return;
	for (int i = 0; i < nr; i++)
		if (!(p[i].ns > 0) || (i > 0 && p[i].chains <= p[i - 1].chains))
			return;
	for (int i = 0; i < nr; i++)
		if (p[i].ns < best) {
			best = p[i].ns;
			best_i = i;
		}
	/* Noise sets the tolerance when the best point's interval is wider. */
	if (p[best_i].hi > p[best_i].lo)
		half = (p[best_i].hi - p[best_i].lo) / 2 / best;
	out->tol = half > MLPFIT_TOL ? half : MLPFIT_TOL;
	out->t_sat_lo = INFINITY;
	out->t_sat_hi = 0;
	for (int i = 0; i < nr; i++) {
		if (p[i].ns > best * (1 + out->tol))
			continue;
		if (first < 0)
			first = i;
		plateau[np++] = p[i].ns;
		out->t_sat_lo = fmin(out->t_sat_lo, p[i].lo > 0 ? p[i].lo : p[i].ns);
		out->t_sat_hi = fmax(out->t_sat_hi, p[i].hi > 0 ? p[i].hi : p[i].ns);
	}
	out->ok = 1;
	out->n_sat = p[first].chains;
	out->capped = first < nr - 1;
	out->t_sat = stats_median_of(plateau, (size_t)np);
	out->t1 = p[0].ns;
	out->t1_lo = p[0].lo > 0 ? p[0].lo : p[0].ns;
	out->t1_hi = p[0].hi > 0 ? p[0].hi : p[0].ns;
	out->in_flight = out->t1 / out->t_sat;
	out->in_flight_lo = out->t1_lo / out->t_sat_hi;
	out->in_flight_hi = out->t1_hi / out->t_sat_lo;
}

void mlpfit_walks(const struct mlpfit *b, const struct mlpfit *ref, const struct mlpfit *ctl_b,
		  const struct mlpfit *ctl_ref, const double r1[3], const double rs[3],
		  struct mlpfit_walks *out)
{
	double tol;

	memset(out, 0, sizeof(*out));
	out->walks = out->walks_lo = out->walks_hi = out->ratio_sat = NAN;
	out->control_clean = -1;
	out->confidence = "low";
	if (!b->ok || !ref->ok) {
		snprintf(out->why, sizeof(out->why), "a curve is missing or too short");
		return;
	}
	tol = fmax(b->tol, ref->tol);
	out->ratio_sat = b->t_sat / ref->t_sat;
	out->capped_below = b->capped && out->ratio_sat > 1 + tol &&
			    (rs && !isnan(rs[0]) ? rs[1] > 1 : b->t_sat_lo > ref->t_sat_hi);
	if (ctl_b && ctl_ref && ctl_b->ok && ctl_ref->ok)
		out->control_clean = fabs(ctl_b->t_sat / ctl_ref->t_sat - 1) <= fmax(tol, 0.10);
	if (r1 && !isnan(r1[0]) && r1[0] > 1) {
		out->walks = ref->t1 * (r1[0] - 1) / b->t_sat;
		out->walks_lo = fmax(0, ref->t1 * (r1[1] - 1) / b->t_sat_hi);
		out->walks_hi = ref->t1 * (r1[2] - 1) / b->t_sat_lo;
	} else if ((!r1 || isnan(r1[0])) && b->t1 > ref->t1) {
		out->walks = (b->t1 - ref->t1) / b->t_sat;
		out->walks_lo = fmax(0, (b->t1_lo - ref->t1_hi) / b->t_sat_hi);
		out->walks_hi = (b->t1_hi - ref->t1_lo) / b->t_sat_lo;
	}
	if (!out->capped_below && !b->capped)
		snprintf(out->why, sizeof(out->why),
			 "the smaller pages still gain from more chains at the last N tried: no cap to read "
			 "a walk count from");
	else if (!out->capped_below)
		snprintf(out->why, sizeof(out->why),
			 "the smaller pages saturate at the same throughput as the larger (ratio %.2f): "
			 "no translation limit shows", out->ratio_sat);
	else if (out->control_clean == 0)
		snprintf(out->why, sizeof(out->why),
			 "the control footprint within TLB reach also differs: the caches, not translation, "
			 "may set the cap");
	else if (isnan(out->walks) || out->walks_lo <= 0)
		snprintf(out->why, sizeof(out->why),
			 "a single chain shows no clear translation latency to divide");
	else if (out->control_clean < 0)
		snprintf(out->why, sizeof(out->why), "no control footprint: a cache limit is not ruled out");
	else if (out->walks_hi - out->walks_lo > 0.5 * out->walks) {
		out->confidence = "medium";
		snprintf(out->why, sizeof(out->why), "the interval is wide (%.1f to %.1f)", out->walks_lo,
			 out->walks_hi);
	} else {
		out->confidence = "high";
		snprintf(out->why, sizeof(out->why),
			 "the smaller pages cap below the larger beyond TLB reach, not within it, and the "
			 "interval is narrow");
	}
}
