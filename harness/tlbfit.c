/* TLB levels from a probe curve: a robust piecewise-constant fit (dynamic
 * programming over segments; misfit in noise units, capped so one outlier
 * cannot buy a segment; a penalty per segment), short segments folded into
 * ramps, and each level's capacity put where its step starts. */
#include "tlbfit.h"

#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Noise below a picosecond is treated as a picosecond: far below what a
 * timed chase resolves, and it keeps noise-free input finite. */
#define NOISE_FLOOR_NS 1e-3
/* The median absolute deviation of a Gaussian is 0.6745 sigma. */
#define MAD_TO_SD 1.4826
/* A plateau at either end of the sweep needs this many points to count. */
#define EDGE_POINTS 3
/* Points either side of a step whose noise is "the noise near the step". */
#define NEAR_POINTS 8
#define MIN_POINTS 8

struct fit {
	int n;
	double x[TLBFIT_MAX_POINTS];	 /* log2(pages) */
	double d[TLBFIT_MAX_POINTS];	 /* delta ns */
	double sigma[TLBFIT_MAX_POINTS]; /* noise of one point, ns */
	double s[TLBFIT_MAX_POINTS];	 /* delta, median of 3 neighbours */
	const struct tlbfit_params *p;
};

struct seg {
	int a, b;     /* first and last point */
	double level; /* weighted median of the points */
};

void tlbfit_defaults(struct tlbfit_params *p)
{
	p->penalty = 3.0;
	p->outlier_cap = 3.0;
	p->min_plateau_octaves = 0.5;
	/* A set-associative TLB indexed by page number thrashes set by set
	 * past its capacity: 97 pages on 96 entries of 16 sets miss 7% of the
	 * time, so a sharp step is read where it starts. A hashed or shared L2
	 * loses entries before capacity and keeps some after it (Emerald
	 * Rapids: from 0.75-0.9x to 1.1-1.4x of 2048; Zen 5 guest: 0.95x to
	 * 1.4x of 4096): 30% of the way up sat within 15% of capacity in 26 of
	 * 29 recorded Emerald Rapids probes (the start in 12), and within 10%
	 * on the Zen 5 guest's. */
	p->knee_frac = 0.10;
	p->ramp_frac = 0.30;
	p->ramp_octaves = 0.4;
	p->join_octaves = 0.75;
	p->min_snr = 3.0;
	p->min_step_ns = 0.1; /* a third of a cycle: below any TLB effect */
}

static double median3(double a, double b, double c)
{
	if (a > b) {
		double t = a;
		a = b;
		b = t;
	}
	return c < a ? a : c > b ? b : c;
}

/* Insert (v, w) into v[0..len), w[0..len) kept sorted by v. */
static void insert_sorted(double *v, double *w, int len, double val, double wt)
{
	int i = len;

	while (i > 0 && v[i - 1] > val) {
		v[i] = v[i - 1];
		w[i] = w[i - 1];
		i--;
	}
	v[i] = val;
	w[i] = wt;
}

/* The value where the cumulative weight first reaches half the total. */
static double weighted_median(const double *v, const double *w, int len, double wsum)
{
	double acc = 0;

	for (int i = 0; i < len; i++) {
		acc += w[i];
		if (acc >= wsum / 2)
			return v[i];
	}
	return v[len - 1];
}

/* Level of points a..b: the median with weights 1/sigma, which minimises
 * the absolute misfit in noise units. */
static double level_of(const struct fit *f, int a, int b)
{
	double v[TLBFIT_MAX_POINTS], w[TLBFIT_MAX_POINTS], wsum = 0;
	int len = 0;

	for (int i = a; i <= b; i++) {
		insert_sorted(v, w, len++, f->d[i], 1 / f->sigma[i]);
		wsum += 1 / f->sigma[i];
	}
	return weighted_median(v, w, len, wsum);
}

/* Noise of each point: the stated spread times the probe time gives its
 * shape over the curve (jitter grows with the time per load), the scatter
 * between neighbours its scale (spreads of a few repetitions are not
 * standard deviations of their medians). */
static double estimate_noise(struct fit *f, const struct tlbfit_input *in)
{
	double raw[TLBFIT_MAX_POINTS], known[TLBFIT_MAX_POINTS], z[TLBFIT_MAX_POINTS];
	double fill = 1, scale;
	int nr_known = 0, all_timed = 1;

	for (int i = 0; i < f->n; i++) {
		if (in->pt[i].spread > 0 && isfinite(in->pt[i].spread))
			known[nr_known++] = in->pt[i].spread;
		if (!(in->pt[i].probe_ns > 0) || !isfinite(in->pt[i].probe_ns))
			all_timed = 0;
	}
	/* A point with no spread gets the typical one; with no probe times
	 * at all, the noise is taken as the same everywhere. */
	if (nr_known)
		fill = stats_median_of(known, (size_t)nr_known);
	for (int i = 0; i < f->n; i++) {
		const struct tlbfit_point *pt = &in->pt[i];

		raw[i] = (pt->spread > 0 && isfinite(pt->spread) ? pt->spread : fill) *
			 (all_timed ? pt->probe_ns : 1);
	}
	/* Steps are a handful of the differences: the median ignores them. */
	for (int i = 1; i < f->n; i++)
		z[i - 1] =
		    fabs(f->d[i] - f->d[i - 1]) / sqrt(raw[i] * raw[i] + raw[i - 1] * raw[i - 1]);
	scale = MAD_TO_SD * stats_median_of(z, (size_t)(f->n - 1));
	for (int i = 0; i < f->n; i++)
		f->sigma[i] = fmax(scale * raw[i], NOISE_FLOOR_NS);
	return scale;
}

/* Optimal partition of the curve into constant pieces: cost of a piece is
 * sum min(|d - level| / sigma, cap); each piece pays the penalty. O(n^3)
 * with n <= TLBFIT_MAX_POINTS, a few ms at 200 points. */
static int segment(const struct fit *f, struct seg *seg)
{
	double best[TLBFIT_MAX_POINTS + 1], v[TLBFIT_MAX_POINTS], w[TLBFIT_MAX_POINTS];
	int from[TLBFIT_MAX_POINTS + 1], nr = 0;
	double pen = f->p->penalty * log((double)f->n), cap = f->p->outlier_cap;

	best[0] = 0;
	for (int j = 0; j < f->n; j++) {
		double wsum = 0;
		int len = 0;

		best[j + 1] = INFINITY;
		for (int i = j; i >= 0; i--) {
			double m, cost = 0;

			insert_sorted(v, w, len++, f->d[i], 1 / f->sigma[i]);
			wsum += 1 / f->sigma[i];
			m = weighted_median(v, w, len, wsum);
			for (int k = 0; k < len; k++)
				cost += fmin(fabs(v[k] - m) * w[k], cap);
			if (best[i] + cost + pen < best[j + 1]) {
				best[j + 1] = best[i] + cost + pen;
				from[j + 1] = i;
			}
		}
	}
	for (int j = f->n; j > 0; j = from[j])
		nr++;
	for (int j = f->n, k = nr; j > 0; j = from[j]) {
		seg[--k] = (struct seg){from[j], j - 1, 0};
		seg[k].level = level_of(f, seg[k].a, seg[k].b);
	}
	return nr;
}

/* Typical noise of one point near the boundary between plateaus A and B. */
static double noise_near(const struct fit *f, const struct seg *A, const struct seg *B)
{
	double v[2 * NEAR_POINTS];
	int nr = 0;

	for (int i = A->b; i >= A->a && i > A->b - NEAR_POINTS; i--)
		v[nr++] = f->sigma[i];
	for (int i = B->a; i <= B->b && i < B->a + NEAR_POINTS; i++)
		v[nr++] = f->sigma[i];
	return stats_median_of(v, (size_t)nr);
}

/* Keep the pieces wide enough to be plateaus: a TLB level is a flat
 * stretch, and the narrow pieces between two of them are one ramp. */
static int plateaus(const struct fit *f, const struct seg *seg, int nr_seg, struct seg *pl)
{
	int nr = 0;

	for (int k = 0; k < nr_seg; k++) {
		int edge = k == 0 || k == nr_seg - 1;
		double width = f->x[seg[k].b] - f->x[seg[k].a];

		if (width >= f->p->min_plateau_octaves ||
		    (edge && seg[k].b - seg[k].a + 1 >= EDGE_POINTS))
			pl[nr++] = seg[k];
	}
	return nr;
}

/* Fold plateau k+1 into k, with the ramp between, and refit its level. */
static void merge(const struct fit *f, struct seg *pl, int *nr, int k)
{
	pl[k].b = pl[k + 1].b;
	pl[k].level = level_of(f, pl[k].a, pl[k].b);
	memmove(&pl[k + 1], &pl[k + 2], (size_t)(*nr - k - 2) * sizeof(*pl));
	(*nr)--;
}

/* Merge neighbouring plateaus whose step is not a rise clear of the noise:
 * a TLB miss only ever costs more. */
static void drop_weak_steps(const struct fit *f, struct seg *pl, int *nr)
{
	int k = 0;

	while (k < *nr - 1) {
		double step = pl[k + 1].level - pl[k].level;
		double noise = noise_near(f, &pl[k], &pl[k + 1]);

		if (step < f->p->min_step_ns || step < f->p->min_snr * noise) {
			merge(f, pl, nr, k);
			k = 0;
			continue;
		}
		k++;
	}
}

/* A short plateau between a small step and a much larger one is a pause in
 * one ramp, not a TLB level: an L2 TLB losing a few entries early (hashed
 * sets, entries shared with the walker's) before it thrashes. Drop such a
 * plateau so the big step is read from the plateau before the small one.
 * Seen on the Emerald Rapids guest: 2.4 -> 5 ns from 1600 pages, a pause
 * half an octave wide, then 5 -> 16 ns from 2300. */
static void join_ramps(const struct fit *f, struct seg *pl, int *nr)
{
	for (int k = 1; k + 1 < *nr; k++) {
		double width = f->x[pl[k].b] - f->x[pl[k].a];
		double small = pl[k].level - pl[k - 1].level, big = pl[k + 1].level - pl[k].level;

		if (width < f->p->join_octaves && small > 0 && big >= 2 * small) {
			memmove(&pl[k], &pl[k + 1], (size_t)(*nr - k - 1) * sizeof(*pl));
			(*nr)--;
			k--;
		}
	}
}

/* Where the smoothed curve last rises through thr on its way from plateau
 * A (from point a0) to plateau B (points b0..b1): between points *k - 1 and
 * *k, at share *t of that interval in log(pages). */
static void crossing(const struct fit *f, int a0, int b0, int b1, double thr, int *k, double *t)
{
	int j = b0;

	while (j < b1 && f->s[j] <= thr)
		j++;
	if (f->s[j] <= thr) {
		*k = b0;
		*t = 1;
		return;
	}
	for (*k = j; *k - 1 >= a0 && f->s[*k - 1] > thr; (*k)--)
		;
	if (*k == a0) {
		*k = a0 + 1;
		*t = 0;
		return;
	}
	*t = (thr - f->s[*k - 1]) / (f->s[*k] - f->s[*k - 1]);
}

static double crossing_pages(const struct fit *f, int a0, int b0, int b1, double thr)
{
	int k;
	double t;

	crossing(f, a0, b0, b1, thr, &k, &t);
	return exp2(f->x[k - 1] + t * (f->x[k] - f->x[k - 1]));
}

/* Describe the step between plateaus A and B as a level. */
static void make_level(const struct fit *f, const struct seg *A, const struct seg *B, double ghz,
		       struct tlbfit_level *lv)
{
	double lo = A->level, hi = B->level, step = hi - lo, nmin, t_lo, t_hi;
	int k_lo, k_hi;

	crossing(f, A->a, B->a, B->b, lo + f->p->knee_frac * step, &k_lo, &t_lo);
	crossing(f, A->a, B->a, B->b, lo + 0.9 * step, &k_hi, &t_hi);
	if (k_lo == k_hi) {
		/* The whole step lies between two neighbouring points: the
		 * capacity is somewhere in that interval, and its middle is off
		 * by half a point spacing at worst. */
		lv->knee_pages = exp2((f->x[k_lo - 1] + f->x[k_lo]) / 2);
		lv->start_pages = lv->mid_pages = lv->end_pages = lv->knee_pages;
	} else {
		lv->start_pages = exp2(f->x[k_lo - 1] + t_lo * (f->x[k_lo] - f->x[k_lo - 1]));
		lv->mid_pages = crossing_pages(f, A->a, B->a, B->b, lo + 0.5 * step);
		lv->end_pages = exp2(f->x[k_hi - 1] + t_hi * (f->x[k_hi] - f->x[k_hi - 1]));
		lv->knee_pages = lv->start_pages;
		if (log2(lv->end_pages / lv->start_pages) > f->p->ramp_octaves)
			lv->knee_pages = crossing_pages(f, A->a, B->a, B->b, lo + f->p->ramp_frac * step);
	}
	lv->entries = (int)lround(lv->knee_pages);
	lv->miss_cost_ns = step;
	lv->miss_cost_cycles = ghz > 0 ? step * ghz : NAN;
	lv->plateau_ns = hi;
	lv->noise_ns = noise_near(f, A, B);
	lv->snr = step / lv->noise_ns;
	lv->nr_below = A->b - A->a + 1;
	lv->nr_above = B->b - B->a + 1;
	lv->ramp_octaves = fmax(0, log2(lv->end_pages / lv->start_pages));
	/* Each factor is 1/2 at the edge of belief: a step 3x the noise, 3
	 * points on the thinner plateau, a ramp an octave wide. */
	nmin = lv->nr_below < lv->nr_above ? lv->nr_below : lv->nr_above;
	lv->confidence = lv->snr * lv->snr / (lv->snr * lv->snr + 9) * (nmin / (nmin + 3)) /
			 (1 + lv->ramp_octaves);
}

static int check_input(const struct tlbfit_input *in, char *why, size_t len)
{
	if (!in || !in->pt || in->nr < MIN_POINTS || in->nr > TLBFIT_MAX_POINTS) {
		snprintf(why, len, "need %d to %d points, got %d", MIN_POINTS, TLBFIT_MAX_POINTS,
			 in && in->pt ? in->nr : 0);
		return -1;
	}
	for (int i = 0; i < in->nr; i++) {
		const struct tlbfit_point *pt = &in->pt[i];

		if (!(pt->pages > 0) || !isfinite(pt->pages) || !isfinite(pt->delta_ns)) {
			snprintf(why, len, "point %d: pages %g, delta %g ns is not a measurement",
				 i, pt->pages, pt->delta_ns);
			return -1;
		}
		if (i && !(pt->pages > in->pt[i - 1].pages)) {
			snprintf(why, len, "point %d: pages %g after %g, not ascending", i,
				 pt->pages, in->pt[i - 1].pages);
			return -1;
		}
	}
	return 0;
}

int tlbfit_fit(const struct tlbfit_input *in, const struct tlbfit_params *p,
	       struct tlbfit_result *out)
{
	struct fit f;
	struct tlbfit_params def;
	struct seg seg[TLBFIT_MAX_POINTS], pl[TLBFIT_MAX_POINTS];
	int nr_seg, nr_pl;

	memset(out, 0, sizeof(*out));
	if (check_input(in, out->why, sizeof(out->why)))
		return -1;
	if (!p) {
		tlbfit_defaults(&def);
		p = &def;
	}
	f.n = in->nr;
	f.p = p;
	for (int i = 0; i < f.n; i++) {
		f.x[i] = log2(in->pt[i].pages);
		f.d[i] = in->pt[i].delta_ns;
	}
	/* Median of 3 drops a lone outlier and keeps a sharp edge. */
	for (int i = 0; i < f.n; i++)
		f.s[i] = i == 0 || i == f.n - 1 ? f.d[i] : median3(f.d[i - 1], f.d[i], f.d[i + 1]);
	out->noise_scale = estimate_noise(&f, in);

	nr_seg = segment(&f, seg);
	out->nr_segments = nr_seg;
	nr_pl = plateaus(&f, seg, nr_seg, pl);
	if (!nr_pl) {
		snprintf(out->why, sizeof(out->why), "no plateau among %d pieces", nr_seg);
		return 0;
	}
	drop_weak_steps(&f, pl, &nr_pl);
	join_ramps(&f, pl, &nr_pl);
	out->base_ns = pl[0].level;
	for (int k = 0; k + 1 < nr_pl && out->nr_levels < TLBFIT_MAX_LEVELS; k++)
		make_level(&f, &pl[k], &pl[k + 1], in->core_ghz, &out->level[out->nr_levels++]);
	if (!out->nr_levels)
		snprintf(out->why, sizeof(out->why),
			 "flat: no rise above the noise (%d pieces, noise x%.2f of the spread)",
			 nr_seg, out->noise_scale);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int tlbfit_refine_counts(const struct tlbfit_result *fit, int nr_knees, double frac,
			 int per_knee, uint64_t lo, uint64_t hi, uint64_t *out, int max)
{
	int n = 0, w = 0;

	for (int l = 0; l < fit->nr_levels && l < nr_knees && per_knee > 0; l++) {
		const struct tlbfit_level *lv = &fit->level[l];
		double k = lv->entries;
		/* A ramp is covered whole, from its start to its end. */
		double from = fmin(k, lv->start_pages > 0 ? lv->start_pages : k);
		double to = fmax(k, lv->end_pages > 0 ? lv->end_pages : k);
		uint64_t a = (uint64_t)fmax(1, floor(from * (1 - frac)));
		uint64_t b = (uint64_t)ceil(to * (1 + frac));
		uint64_t step = (b - a) / (uint64_t)per_knee + 1;

		for (uint64_t c = a < lo ? lo : a; c <= b && c <= hi && n < max; c += step)
			out[n++] = c;
	}
	qsort(out, (size_t)n, sizeof(*out), cmp_u64);
	for (int i = 0; i < n; i++)
		if (w == 0 || out[i] != out[w - 1])
			out[w++] = out[i];
	return w;
}
