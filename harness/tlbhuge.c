/* The huge-page TLB verdict: rises read off the probe points, placement in
 * the page against the 4K curve's knee. */
#include "tlbhuge.h"

#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* An L2-TLB hit is the same lookup for either page size: within this
 * factor of 4K's L1 -> L2 step, allowing for noise. */
#define HIT_RATIO_MAX 1.6
/* Any walk, even one served by the page-walk caches, costs several L2-TLB
 * hits (20+ cycles against about 7 on Zen). */
#define WALK_RATIO_MIN 3.0

static enum tlbhuge_cost cost_kind(double cost_ns, double hit_ns)
{
	double r = cost_ns / hit_ns;

	if (!(cost_ns > 0) || !(hit_ns > 0))
		return TLBHUGE_COST_NONE;
	return r <= HIT_RATIO_MAX ? TLBHUGE_COST_L2_HIT
	       : r >= WALK_RATIO_MIN ? TLBHUGE_COST_WALK
				     : TLBHUGE_COST_BETWEEN;
}

static const char *cost_words(enum tlbhuge_cost c)
{
	return c == TLBHUGE_COST_L2_HIT ? "an L2-TLB hit"
	       : c == TLBHUGE_COST_WALK ? "a page walk"
				       : "more than an L2-TLB hit and less than a walk";
}

/* Fewer huge pages than this in the L1 DTLB is "a few": no L1 DTLB ever
 * published holds fewer than 32 2M entries, and half of a published size
 * is no near miss. */
#define FEW_PAGES 16
/* A raised first plateau below this is no rise (as min_step_ns). */
#define MIN_STEP_NS 0.1
/* Two knees within this share of each other are the same knee. */
#define SAME_KNEE 0.15

int tlbhuge_first_rise(const struct tlbfit_point *pt, int nr, double thr_ns)
{
	for (int i = 0; i + 2 < nr; i++)
		if (pt[i].delta_ns >= thr_ns && pt[i + 1].delta_ns >= thr_ns &&
		    pt[i + 2].delta_ns >= thr_ns)
			return i;
	return -1;
}

/* Points either side of a rise whose medians give what loads pay there. */
#define COST_POINTS 8

/* Where c first rises by thr_ns: the last count before it (the first count
 * measured when raised from the start, *from_start set), NaN when never;
 * *cost_ns what loads pay past it over the plateau before. */
static double rise_of(const struct tlbhuge_curve *c, double thr_ns, double *cost_ns,
		      int *from_start)
{
	double d[COST_POINTS] = { 0 };
	int r, m = 0;

	*cost_ns = NAN;
	*from_start = 0;
	if (!c || c->nr < 3 || (r = tlbhuge_first_rise(c->pt, c->nr, thr_ns)) < 0)
		return NAN;
	for (int i = r; i < c->nr && m < COST_POINTS; i++)
		d[m++] = c->pt[i].delta_ns;
	*cost_ns = stats_median_of(d, (size_t)m);
	m = 0;
	for (int i = r - 1; i >= 0 && m < COST_POINTS; i--)
		d[m++] = c->pt[i].delta_ns;
	if (m)
		*cost_ns -= stats_median_of(d, (size_t)m);
	*from_start = r == 0;
	return c->pt[r > 0 ? r - 1 : 0].pages;
}

static int near(double a, double b)
{
	return fabs(a - b) <= SAME_KNEE * b;
}

enum tlbhuge_verdict tlbhuge_judge(const struct tlbfit_result *fit_4k,
				     const struct tlbhuge_curve *c4, const struct tlbhuge_curve *same,
				     const struct tlbhuge_curve *spread, double core_ghz,
				     const struct tlbhuge_published *pub, const char *backing,
				     struct tlbhuge_result *out, char *why, size_t len)
{
	double few = pub->l1_huge > 0 ? 0.5 * pub->l1_huge : FEW_PAGES, k4, hit, thr, rs, r4, ignore;
	char pubw[96] = "", cyc[32] = "", ways[64] = "";
	int start, ignore_start;

	memset(out, 0, sizeof(*out));
	out->rise_pages = out->spread_rise_pages = out->cost_ns = out->cost_cycles = NAN;
	out->l1_4k_pages = out->hit_4k_ns = NAN;
	if (pub->l1_huge > 0)
		snprintf(pubw, sizeof(pubw),
			 " (the vendor publishes %d L1 DTLB entries for this page size)", pub->l1_huge);
	if (pub->l1_assoc > 0)
		snprintf(ways, sizeof(ways), ", which is %d-way", pub->l1_assoc);
	if (fit_4k->nr_levels < 1) {
		snprintf(why, len, "undecided: the 4K curve shows no L1 knee to compare with");
		return out->verdict = TLBHUGE_UNKNOWN;
	}
	k4 = out->l1_4k_pages = fit_4k->level[0].entries;
	hit = out->hit_4k_ns = fit_4k->level[0].miss_cost_ns;
	thr = fmax(0.5 * hit, MIN_STEP_NS);
	out->rise_pages = rise_of(same, thr, &out->cost_ns, &start);
	rs = out->spread_rise_pages = rise_of(spread, thr, &ignore, &ignore_start);
	/* The spread curve's rise is compared with 4K's read the same way. */
	r4 = rise_of(c4, thr, &ignore, &ignore_start);
	if (isnan(out->rise_pages)) {
		snprintf(why, len,
			 "undecided: the huge-page curve never rises by half a 4K L2-TLB hit (%.1f ns) "
			 "up to the %.0f pages probed",
			 hit, same && same->nr ? same->pt[same->nr - 1].pages : 0);
		return out->verdict = TLBHUGE_UNKNOWN;
	}
	out->cost_cycles = core_ghz > 0 ? out->cost_ns * core_ghz : NAN;
	out->cost = cost_kind(out->cost_ns, hit);
	if (isfinite(out->cost_cycles))
		snprintf(cyc, sizeof(cyc), ", %.0f cycles", out->cost_cycles);
	/* Placement matters: few pages fit with every line in one 4K slice,
	 * as many as 4K pages with the lines spread over the slices. */
	if (out->rise_pages < few && !isnan(rs) && !isnan(r4) && near(rs, r4)) {
		snprintf(why, len,
			 "%s is splintered into 4K TLB entries: with every load in the first 4K of its "
			 "huge page it pays %s (%.1f ns%s) beyond %.0f huge pages, as many as one L1 DTLB "
			 "set holds%s, and with loads spread over the 4K sub-pages not until %.0f pages, "
			 "where 4K pages pay too (their curve, read the same way, rises past %.0f); a "
			 "real huge entry would not care where in its page a load falls, so budget this "
			 "backing's L1 DTLB reach as %.0f 4K pages",
			 backing, cost_words(out->cost), out->cost_ns, cyc, out->rise_pages, ways, rs,
			 r4, k4);
		return out->verdict = TLBHUGE_SPLINTERED;
	}
	/* A spread curve that stops short of the 4K knee cannot show where the
	 * spread lines would start to pay: placement is untested (1G pages,
	 * of which a pool holds a few). */
	if (out->rise_pages < few * 2 && spread && spread->nr > 0 && isnan(rs) && !isnan(r4) &&
	    spread->pt[spread->nr - 1].pages < r4) {
		snprintf(why, len,
			 "undecided: with every load in the first 4K of its huge page, %s pays %s "
			 "(%.1f ns) beyond %.0f huge pages, which fits huge entries in a small L1 share%s "
			 "as well as 4K entries sharing one L1 DTLB set%s; the spread layout, which would "
			 "tell, reached only %.0f pages, short of 4K's knee (%.0f)",
			 backing, cost_words(out->cost), out->cost_ns, out->rise_pages, pubw, ways,
			 spread->pt[spread->nr - 1].pages, r4);
		return out->verdict = TLBHUGE_UNKNOWN;
	}
	/* A walk at the 4K knee: 4K-granular entries colliding in the L2. */
	if (near(out->rise_pages, k4) && out->cost == TLBHUGE_COST_WALK) {
		snprintf(why, len,
			 "%s is splintered into 4K TLB entries: its curve rises where 4K's does (past "
			 "%.0f pages, 4K at %.0f), and then a load costs %s (%.1f ns%s), not an L2-TLB "
			 "hit: the 4K entries of every huge page's first 4K collide in the L2 TLB's sets",
			 backing, out->rise_pages, k4, cost_words(out->cost), out->cost_ns, cyc);
		return out->verdict = TLBHUGE_SPLINTERED;
	}
	if (out->rise_pages < few) {
		char where[64];

		snprintf(where, sizeof(where), start ? "from %.0f huge pages on, the fewest probed"
						     : "beyond %.0f huge pages",
			 out->rise_pages);
		snprintf(why, len,
			 "here %s costs %s (%.1f ns%s) on every load %s, which 4K pages do not pay "
			 "until %.0f pages: these huge translations do not stay in the L1 DTLB beyond a "
			 "few pages%s",
			 backing, cost_words(out->cost), out->cost_ns, cyc, where, k4, pubw);
		return out->verdict = TLBHUGE_NOT_IN_L1;
	}
	if (!near(out->rise_pages, k4) || (out->cost == TLBHUGE_COST_L2_HIT && pub->l1_huge > 0 &&
					   near(pub->l1_huge, k4))) {
		snprintf(why, len,
			 "%s gets huge TLB entries: the L1 DTLB holds about %.0f of them%s; past that a "
			 "load costs %s (%.1f ns%s)",
			 backing, out->rise_pages, pubw, cost_words(out->cost), out->cost_ns, cyc);
		return out->verdict = TLBHUGE_ENTRIES;
	}
	snprintf(why, len,
		 "undecided: %s rises where 4K does (past %.0f pages) and then costs %s (%.1f ns); "
		 "that fits huge entries in an L1 shared by all page sizes and splintered 4K entries "
		 "alike",
		 backing, out->rise_pages, cost_words(out->cost), out->cost_ns);
	return out->verdict = TLBHUGE_UNKNOWN;
}

const char *tlbhuge_verdict_name(enum tlbhuge_verdict v)
{
	switch (v) {
	case TLBHUGE_ENTRIES:
		return "huge_entries";
	case TLBHUGE_SPLINTERED:
		return "splintered";
	case TLBHUGE_NOT_IN_L1:
		return "not_in_l1";
	case TLBHUGE_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *tlbhuge_cost_name(enum tlbhuge_cost c)
{
	switch (c) {
	case TLBHUGE_COST_L2_HIT:
		return "l2_hit";
	case TLBHUGE_COST_WALK:
		return "walk";
	case TLBHUGE_COST_BETWEEN:
		return "between";
	case TLBHUGE_COST_NONE:
		break;
	}
	return "none";
}
