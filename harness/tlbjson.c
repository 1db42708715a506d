/* Curves, fits and tlb.json for tlbprobe. */
#include "tlbjson.h"

#include "die.h"
#include "machine.h"
#include "datafile.h"
#include "stats.h"
#include "tlbgeom.h"
#include "tlbhuge.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tlbjson_init(struct tlbjson *r, const struct cpu_info *ci)
{
	memset(r, 0, sizeof(*r));
	r->ci = ci;
}

struct tlbjson_curve *tlbjson_curve(struct tlbjson *r, const char *backing,
					unsigned page_kb, const char *layout)
{
	struct tlbjson_curve *cv;

	if (r->nr == TLBJSON_MAX_CURVES)
		die("tlbjson: more than %d curves", TLBJSON_MAX_CURVES);
	cv = &r->cv[r->nr++];
	memset(cv, 0, sizeof(*cv));
	snprintf(cv->backing, sizeof(cv->backing), "%s", backing);
	snprintf(cv->layout, sizeof(cv->layout), "%s", layout);
	cv->page_kb = page_kb;
	return cv;
}

void tlbjson_add_point(struct tlbjson_curve *cv, uint64_t pages, double delta_ns,
			 double spread_ns, double probe_ns, double ghz)
{
	struct tlbfit_point *p;
	int i = cv->nr;

	/* Keep the curve ascending. A count probed again keeps its lower
	 * delta: host noise (a preemption, a flush of the guest's TLB) only
	 * ever adds time, so the lower of two is the less disturbed. */
	while (i > 0 && cv->pt[i - 1].pages > (double)pages)
		i--;
	if (i > 0 && cv->pt[i - 1].pages == (double)pages) {
		if (cv->pt[--i].delta_ns <= delta_ns)
			return;
	} else {
		if (cv->nr == TLBFIT_MAX_POINTS)
			return;
		memmove(&cv->pt[i + 1], &cv->pt[i], (size_t)(cv->nr - i) * sizeof(cv->pt[0]));
		memmove(&cv->ghz[i + 1], &cv->ghz[i], (size_t)(cv->nr - i) * sizeof(cv->ghz[0]));
		cv->nr++;
	}
	p = &cv->pt[i];
	p->pages = (double)pages;
	p->delta_ns = delta_ns;
	p->probe_ns = probe_ns;
	p->spread = probe_ns > 0 ? spread_ns / probe_ns : 0;
	cv->ghz[i] = ghz;
}

void tlbjson_fit(struct tlbjson *r, struct tlbjson_curve *cv)
{
	struct tlbfit_input in = { cv->pt, cv->nr, 0 };

	if (cv->nr > 0)
		in.core_ghz = stats_median_of(cv->ghz, (size_t)cv->nr);
	cv->fitted = tlbfit_fit(&in, NULL, &cv->fit) == 0 ? 1 : -1;
}

void tlbjson_note(struct tlbjson *r, const char *backing, unsigned page_kb, const char *fmt,
		    ...)
{
	char msg[160];
	va_list ap;

	if (r->nr_notes == TLBJSON_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->notes[r->nr_notes++], sizeof(r->notes[0]), "%s (%u kB pages): %s", backing,
		 page_kb, msg);
}

static const struct tlbjson_curve *find(const struct tlbjson *r, unsigned page_kb,
					  const char *layout)
{
	for (int i = 0; i < r->nr; i++)
		if (r->cv[i].page_kb == page_kb && !strcmp(r->cv[i].layout, layout) &&
		    r->cv[i].fitted == 1)
			return &r->cv[i];
	return NULL;
}

/* Name the fitted steps: the first is the L1 TLB's capacity; the first
 * later one that costs a walk (at least 3x the L1 step, a walk being many
 * L2-TLB hits) is the last level's. Steps between are small effects that
 * are no TLB level; steps after it are walks getting dearer as the page
 * tables leave the caches. Returns 1, 2, 0 (between) or 3 (after). */
int tlbjson_level_of(const struct tlbfit_result *fit, int l)
{
	int last = -1;

	if (l == 0)
		return 1;
	for (int i = 1; i < fit->nr_levels && last < 0; i++)
		if (fit->level[i].miss_cost_ns >= 3 * fit->level[0].miss_cost_ns)
			last = i;
	if (last < 0 || l < last)
		return 0;
	return l == last ? 2 : 3;
}

static void inferred_json(struct json *j, const struct tlbjson *r)
{
	json_arr(j, "inferred");
	for (int i = 0; i < r->nr; i++) {
		const struct tlbjson_curve *cv = &r->cv[i];

		for (int l = 0; cv->fitted == 1 && l < cv->fit.nr_levels; l++) {
			const struct tlbfit_level *lv = &cv->fit.level[l];

			int level = tlbjson_level_of(&cv->fit, l);

			json_obj(j, NULL);
			json_str(j, "backing", cv->backing);
			json_int(j, "page_kb", cv->page_kb);
			json_str(j, "layout", cv->layout);
			if (level == 1 || level == 2)
				json_int(j, "level", level);
			else
				json_null(j, "level");
			json_str(j, "kind", level == 1   ? "L1 TLB capacity"
					    : level == 2 ? "last TLB level: past it, loads walk"
					    : level == 3 ? "walks get dearer: page tables leave the caches"
							 : "a small step between the levels (no TLB level)");
			json_int(j, "entries", lv->entries);
			json_num(j, "miss_cost_ns", lv->miss_cost_ns);
			json_num(j, "miss_cost_cycles", lv->miss_cost_cycles);
			json_num(j, "confidence", lv->confidence);
			json_num(j, "knee_pages", lv->knee_pages);
			json_num(j, "start_pages", lv->start_pages);
			json_num(j, "mid_pages", lv->mid_pages);
			json_num(j, "end_pages", lv->end_pages);
			json_num(j, "snr", lv->snr);
			json_obj_end(j);
		}
	}
	json_arr_end(j);
	json_arr(j, "fits");
	for (int i = 0; i < r->nr; i++) {
		const struct tlbjson_curve *cv = &r->cv[i];

		json_obj(j, NULL);
		json_str(j, "backing", cv->backing);
		json_int(j, "page_kb", cv->page_kb);
		json_str(j, "layout", cv->layout);
		json_int(j, "points", cv->nr);
		json_int(j, "levels", cv->fitted == 1 ? cv->fit.nr_levels : 0);
		json_str(j, "why", cv->fitted ? cv->fit.why : "not fitted (interrupted)");
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* backing's curve of layout, fitted or refused but complete, or NULL. */
static const struct tlbjson_curve *curve_of(const struct tlbjson *r, const char *backing,
					      const char *layout)
{
	for (int i = 0; i < r->nr; i++)
		if (!strcmp(r->cv[i].backing, backing) && !strcmp(r->cv[i].layout, layout) &&
		    r->cv[i].fitted && r->cv[i].nr >= 3)
			return &r->cv[i];
	return NULL;
}

/* Judge what each huge backing gets in the TLB: its same-slice curve
 * (subpage0, else spread) and its spread4k curve, against the 4K curve. */
static void splinter_json(struct json *j, const struct tlbjson *r)
{
	const struct tlbjson_curve *c4 = find(r, 4, "spread");
	const struct tlbgeom_cpu *g = tlbgeom_lookup_cpu(r->ci);

	json_arr(j, "huge_tlb_entries");
	for (int i = 0; i < r->nr; i++) {
		const struct tlbjson_curve *cv = &r->cv[i], *same, *spread;
		struct tlbhuge_result h = { TLBHUGE_UNKNOWN, NAN, NAN, NAN, NAN,
					 TLBHUGE_COST_NONE, NAN, NAN };
		struct tlbhuge_published pub = { tlbgeom_entries(g, 1, cv->page_kb, NULL), -1 };
		struct tlbhuge_curve cs = { NULL, 0 }, cp = { NULL, 0 }, c4p = { NULL, 0 };
		char why[600] = "no 4K curve to compare with";

		same = curve_of(r, cv->backing, "subpage0");
		if (!same)
			same = curve_of(r, cv->backing, "spread");
		/* One verdict per huge backing, written at its judged curve. */
		if (cv->page_kb == 4 || !same || same != cv)
			continue;
		spread = curve_of(r, cv->backing, "spread4k");
		cs = (struct tlbhuge_curve){ same->pt, same->nr };
		if (spread)
			cp = (struct tlbhuge_curve){ spread->pt, spread->nr };
		tlbgeom_entries(g, 1, 4, &pub.l1_assoc);
		if (c4) {
			c4p = (struct tlbhuge_curve){ c4->pt, c4->nr };
			tlbhuge_judge(&c4->fit, &c4p, &cs, &cp,
					stats_median_of(cv->ghz, (size_t)cv->nr), &pub, cv->backing,
					&h, why, sizeof(why));
		}
		json_obj(j, NULL);
		json_str(j, "backing", cv->backing);
		json_int(j, "page_kb", cv->page_kb);
		json_str(j, "layout", cv->layout);
		json_str(j, "spread_layout", spread ? spread->layout : NULL);
		json_str(j, "verdict", tlbhuge_verdict_name(h.verdict));
		json_num(j, "rise_pages", h.rise_pages);
		json_num(j, "spread_rise_pages", h.spread_rise_pages);
		json_num(j, "cost_ns", h.cost_ns);
		json_num(j, "cost_cycles", h.cost_cycles);
		json_str(j, "cost", tlbhuge_cost_name(h.cost));
		json_num(j, "l1_4k_pages", h.l1_4k_pages);
		json_num(j, "hit_4k_ns", h.hit_4k_ns);
		json_str(j, "why", why);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* Published geometry for this CPU model, and where CPUID disagrees. */
static void geom_json(struct json *j, const struct cpu_info *ci)
{
	const struct tlbgeom_cpu *g = tlbgeom_lookup_cpu(ci);
	struct tlbgeom_cmp cmp[TLBGEOM_NR_CMP];
	int n = tlbgeom_compare(ci, g, cmp);
	char line[300];

	json_obj(j, "published");
	json_str(j, "model", g ? g->name : NULL);
	json_str(j, "source", g ? g->source : "no published geometry for this CPU model in pagewalk's table");
	json_str(j, "note", g ? g->note : NULL);
	json_int_or_null(j, "l1_load_cycles", g && g->l1_load_cycles > 0 ? g->l1_load_cycles : -1);
	json_arr(j, "entries");
	for (int i = 0; g && i < TLBGEOM_MAX_TLB && g->tlb[i].level; i++) {
		json_obj(j, NULL);
		json_int(j, "page_kb", g->tlb[i].page_kb);
		json_int(j, "level", g->tlb[i].level);
		json_int_or_null(j, "entries", g->tlb[i].entries);
		json_int_or_null(j, "assoc", g->tlb[i].assoc);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
	json_arr(j, "declared_vs_published");
	for (int i = 0; i < n; i++) {
		json_obj(j, NULL);
		json_int(j, "page_kb", cmp[i].page_kb);
		json_int(j, "level", cmp[i].level);
		json_int_or_null(j, "declared", cmp[i].declared);
		json_int_or_null(j, "published", cmp[i].published);
		json_str(j, "agree", tlbgeom_agree_name(cmp[i].agree));
		tlbgeom_describe(&cmp[i], line, sizeof(line));
		json_str(j, "says", line);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_int(j, "nr_disagree", tlbgeom_nr_disagree(cmp, n));
}

int tlbjson_write(const struct tlbjson *r, const char *path, int interrupted)
{
	struct json j;

	if (json_begin(&j, path))
		return -1;
	json_obj(&j, NULL);
	json_str(&j, "status", interrupted ? "interrupted" : "complete");
	inferred_json(&j, r);
	machine_tlb_json(&j, "declared", r->ci);
	json_str(&j, "declared_why_empty", r->ci->tlb_why[0] ? r->ci->tlb_why : NULL);
	geom_json(&j, r->ci);
	splinter_json(&j, r);
	json_obj(&j, "refine");
	json_int(&j, "passes", r->nr_refined);
	json_int(&j, "passes_disturbed", r->nr_disturbed);
	json_str(&j, "check",
		 "before each pass, the 4K probe at 90% of its L1 knee must cost less than a quarter "
		 "of an L2-TLB hit; a pass that fails is skipped and tried again a second later");
	json_obj_end(&j);
	json_arr(&j, "notes");
	for (int i = 0; i < r->nr_notes; i++)
		json_str(&j, NULL, r->notes[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	return json_commit(&j);
}
