/* tlbprobe: TLB entries per level and the cost of missing each, from timing
 * alone. A chain of one line per page is paired, round by round, with a
 * chain of as many lines packed into few pages: the gap is translation. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "benchopt.h"
#include "bufset.h"
#include "chain.h"
#include "counters.h"
#include "die.h"
#include "disturb.h"
#include "measure.h"
#include "memlimit.h"
#include "opts.h"
#include "place.h"
#include "run.h"
#include "stats.h"
#include "tlbjson.h"

#define MAX_POINTS 400

static const char CSV_HEADER[] =
	"backing,page_kb,huge_fraction,layout,pages,probe_ns_median,probe_ns_min,probe_ns_p90,"
	"base_ns_median,base_ns_min,base_ns_p90,delta_ns,delta_p10_ns,delta_p90_ns,"
	"delta_cycles,core_ghz,core_ghz_mul,cycles_uncertain,nr_reps,probe_dtlb_miss_per_load,probe_stlb_hit_per_load,"
	"probe_walk_per_load,pass,nr_rerun,nr_disturbed";

/* Where the probe line sits in its page: one row per layout, in the order
 * they are shown. meta.json's "layouts" carries the words to every reader. */
static const struct layout {
	const char *name;
	int huge_only;      /* only meaningful on pages larger than 4K */
	uint64_t step;      /* stagger step */
	int span_is_4k;     /* stagger within the first 4K, else the whole page */
	const char *why;    /* what it tells */
	const char *said;   /* what it is, in a sentence (REPORT.md) */
	const char *brief;  /* the same in a few words (plot legends) */
} layouts[] = {
	{ "spread", 0, CHAIN_LINE, 0, "line i at (i mod lines-per-page) in its page: data spread over cache sets",
	  "one probe line per page", "a line per page" },
	{ "subpage0", 1, CHAIN_LINE, 1, "every line in the first 4K of its huge page: tells 2M TLB entries from splintered 4K ones",
	  "every probe line in the first 4K of its huge page", "lines in 4K sub-page 0" },
	{ "spread4k", 1, 4096 + CHAIN_LINE, 0, "lines spread over the 4K sub-pages of each huge page",
	  "probe lines spread over the 4K sub-pages of each huge page", "lines over the 4K sub-pages" },
};

static struct {
	const char *backings;
	uint64_t min_pages, min_huge_pages, max_pages, max_huge_pages, ppo, reps, rep_ms;
	int quick;
	const struct buf_backing *bk[BUFSET_MAX];
	int nr_bk;
	struct bufplace place[BUFSET_MAX]; /* --mem-node, --pt-node */
} o = {
	.backings = "4k,thp", .min_pages = 8, .min_huge_pages = 2, .ppo = 8, .reps = 9, .rep_ms = 3,
};

static const struct opt_def defs[] = {
	{ "backing", OPT_STR, &o.backings, "LIST", "backings to probe: " BUF_BACKING_NAMES " (default 4k,thp)" },
	{ "min-pages", OPT_U64, &o.min_pages, "N", "fewest 4K pages touched (default 8)" },
	{ "min-huge-pages", OPT_U64, &o.min_huge_pages, "N", "fewest huge pages touched, 2.. (default 2: a knee below 8 pages shows)", 2, 1u << 20 },
	{ "max-pages", OPT_U64, &o.max_pages, "N", "most 4K pages touched (default 32768, 16384 with --quick)", 2, 1u << 20 },
	{ "max-huge-pages", OPT_U64, &o.max_huge_pages, "N", "most 2M pages touched (default 1024, 512 with --quick)", 2, 8192 },
	{ "points-per-octave", OPT_U64, &o.ppo, "N", "page counts per doubling in the survey, 2..64 (default 8; knees are then probed at every count)", 2, 64 },
	{ "reps", OPT_U64, &o.reps, "N", "kept rounds per point, 3..1000 (default 9, 5 with --quick)", 3, MEASURE_MAX_REPS },
	{ "rep-ms", OPT_U64, &o.rep_ms, "MS", "minimum length of a repetition, 1..1000 (default 3, 1 with --quick)", 1, 1000 },
	{ "quick", OPT_FLAG, &o.quick, NULL, "a short run (under 30 s)" },
	OPT_PARENT_ROW(bench_opt_defs),
	{ NULL, 0, NULL, NULL, NULL },
};

/* Its own meta file, so it can share a run directory with chase. */
static struct run run = { .tool = "tlbprobe", .meta_name = "tlbprobe-meta.json",
			   .data_name = "tlbprobe.csv" };
static struct bufset set;
static struct buf base;            /* the packed baseline's lines */
static struct tlbjson rep;
static struct ctr_set ctr;
static struct clock_run clk;
static struct disturb_total dist;

static void parse(int argc, char **argv)
{
	o.nr_bk = bench_opt_parse(argc, argv, defs,
				  "Infer TLB entries per level and miss costs per page size from a\n"
				  "one-line-per-page chain against a packed one; writes tlbprobe.csv,\n"
				  "tlb.json and tlbprobe-meta.json into --out.",
				  &o.backings, o.bk, BUFSET_MAX);
	if (!o.max_pages)
		o.max_pages = o.quick ? 16384 : 32768;
	if (!o.max_huge_pages)
		o.max_huge_pages = o.quick ? 512 : 1024;
	/* The survey needs no more than 8 points per octave: the passes around
	 * each knee probe every count there. --quick saves on rounds. */
	if (o.quick) {
		o.reps = o.reps == 9 ? 5 : o.reps;
		o.rep_ms = o.rep_ms == 3 ? 1 : o.rep_ms;
	}
	if (o.min_pages < 2 || 4 * o.min_pages > o.max_pages)
		die_usage("--min-pages %" PRIu64 ": want 2..a quarter of --max-pages (%" PRIu64 "), so a knee can show",
			  o.min_pages, o.max_pages);
	if (4 * o.min_huge_pages > o.max_huge_pages)
		die_usage("--min-huge-pages %" PRIu64 ": want 2..a quarter of --max-huge-pages (%" PRIu64 "), so a knee can show",
			  o.min_huge_pages, o.max_huge_pages);
	if ((double)o.ppo * log2((double)o.max_pages / (double)o.min_pages) + 2 > MAX_POINTS)
		die_usage("--points-per-octave %" PRIu64 ": too many page counts from --min-pages to --max-pages; at most %d",
			  o.ppo, MAX_POINTS);
	bench_opt_place(&o.place[0]);
	for (int i = 1; i < BUFSET_MAX; i++)
		o.place[i] = o.place[0];
	buf_hugetlb.reserve = bench_opt.reserve;
	buf_hugetlb.shrink = bench_opt.fit_pool;
	ctr_overrides_require(bench_opt.events);
}

static void meta_extra(struct json *j, void *ctx)
{
	opt_json(j, defs);
	json_str(j, "cycles_source", "est");
	json_arr(j, "layouts");
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		json_obj(j, NULL);
		json_str(j, "name", layouts[i].name);
		json_bool(j, "huge_only", layouts[i].huge_only);
		json_str(j, "said", layouts[i].said);
		json_str(j, "brief", layouts[i].brief);
		json_str(j, "why", layouts[i].why);
		json_obj_end(j);
	}
	json_arr_end(j);
	clock_run_json(j, &clk);
	disturb_total_json(j, &dist);
	ctr_json(j, &ctr);
	bufset_json(j, &set);
}

/* Size each backing's buffer: max pages of its page size, within half the
 * memory available; a backing that cannot reach 4x --min-pages (1 GiB pages
 * on a 24 GiB machine) is noted and dropped before anything is reserved. */
/* The most pages probed on backing k: mTHP folios are probed for their L1
 * knee only (whether a folio takes one entry or one per 4K page shows there,
 * at up to 16 times the 4K knee), an eighth of the 4K range. */
static uint64_t max_pages_of(const struct buf_backing *k)
{
	if (k->folio_kb)
		return o.max_pages / 8 > 4 * o.min_pages ? o.max_pages / 8 : 4 * o.min_pages;
	return k->want_page_kb == 4 ? o.max_pages : o.max_huge_pages;
}

static void plan_sizes(uint64_t *sizes)
{
	char why[1200];
	uint64_t avail = memlimit_available(why, sizeof(why)) / 2;
	int kept = 0;

	for (int i = 0; i < o.nr_bk; i++) {
		uint64_t page = (uint64_t)o.bk[i]->want_page_kb * 1024;
		uint64_t nr = max_pages_of(o.bk[i]);
		uint64_t least = page == 4096 ? o.min_pages : o.min_huge_pages;

		if (nr > avail / page)
			nr = avail / page;
		if (nr < 4 * least) {
			tlbjson_note(&rep, o.bk[i]->name, o.bk[i]->want_page_kb,
				       "memory for only %" PRIu64 " pages: too few to find a knee (need %" PRIu64 ")",
				       nr, 4 * least);
			warn("skipping backing %s: memory for only %" PRIu64 " pages (%s)", o.bk[i]->name, nr, why);
			continue;
		}
		o.bk[kept] = o.bk[i];
		sizes[kept++] = nr * page;
	}
	o.nr_bk = kept;
}

static void release(void *ctx)
{
	ctr_close(&ctr);
	buf_free(&base);
	bufset_release(&set);
}

/* Time the probe and the baseline at nr pages in interleaved rounds and
 * write the row; the point goes into the curve for the fit. */
static int point(struct datafile_csv *csv, struct buf *b, const struct layout *l, uint64_t nr,
		 unsigned reps, int pass, struct tlbjson_curve *cv, double *delta_ns)
{
	uint64_t page = (uint64_t)b->backing->want_page_kb * 1024;
	struct chain_spec probe = { page, CHAIN_RAND, 1, bench_opt.seed, l->step, l->span_is_4k ? 4096 : 0 };
	struct chain_spec packed = { CHAIN_LINE, CHAIN_RAND, 0, bench_opt.seed, 0, 0 };
	struct measure_plan plan = { reps, o.rep_ms * 1000000, 500000, &run_stop, &ctr, (int)bench_opt.cpu };
	double ns[2][MEASURE_MAX_REPS], d[MEASURE_MAX_REPS];
	struct clock_est ce[MEASURE_MAX_REPS];
	struct measure_target t[2] = { 0 }; /* no span: the probe is not swept */
	struct clock_point gs;
	struct stats ds;

	t[0].pos = chain_build(b->base, nr * page, &probe);
	t[1].pos = chain_build(base.base, nr * CHAIN_LINE, &packed);
	for (int i = 0; i < 2; i++) {
		t[i].nr_trips = measure_calibrate(&t[i].pos, plan.min_rep_ns);
		t[i].ns_per_load = ns[i];
	}
	if (measure_rounds(t, 2, &plan, ce))
		return -1;
	for (int i = 0; i < 2; i++)
		disturb_total_add(&dist, t[i].nr_rerun, t[i].nr_disturbed_kept, t[i].why);
	for (unsigned r = 0; r < plan.nr_reps; r++)
		d[r] = ns[0][r] - ns[1][r];
	clock_summarise(ce, plan.nr_reps, &gs);
	clock_run_add(&clk, &gs);
	stats_summary(d, plan.nr_reps, &ds);
	if (delta_ns)
		*delta_ns = ds.median;
	if (!csv)
		return 0;
	char cols[4][32];

	datafile_per_load_cell(cols[3], sizeof(cols[3]), gs.mul_ghz);
	datafile_per_load_cell(cols[0], sizeof(cols[0]), measure_per_load(&t[0], CTR_DTLB_MISS));
	datafile_per_load_cell(cols[1], sizeof(cols[1]), measure_per_load(&t[0], CTR_STLB_HIT));
	datafile_per_load_cell(cols[2], sizeof(cols[2]), measure_per_load(&t[0], CTR_WALK));
	if (datafile_csv_row(csv, "%s,%u,%.4f,%s,%" PRIu64 ",%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f,%s,%d,%u,%s,%s,%s,%d,%u,%u",
		       b->backing->name,
		       buf_huge_fraction_prefix(b, nr * page) >= BUF_HUGE_ENOUGH ? b->backing->want_page_kb : 4,
		       buf_huge_fraction_prefix(b, nr * page),
		       l->name, nr, t[0].st.median, t[0].st.min, t[0].st.p90, t[1].st.median,
		       t[1].st.min, t[1].st.p90, ds.median, stats_percentile(d, plan.nr_reps, 10),
		       ds.p90, ds.median * gs.ghz, gs.ghz, cols[3], gs.agree == 0, plan.nr_reps,
		       cols[0], cols[1], cols[2], pass, t[0].nr_rerun + t[1].nr_rerun,
		       t[0].nr_disturbed_kept + t[1].nr_disturbed_kept))
		die_errno("writing %s", csv->path);
	tlbjson_add_point(cv, nr, ds.median, ds.p90 - stats_percentile(d, plan.nr_reps, 10),
			    t[0].st.median, gs.ghz);
	return 0;
}

/* Put v[0..n) in a seeded random order: a second of host noise then
 * scatters over a curve as lone outliers, which the fit shrugs off, instead
 * of lifting a run of neighbours into a false step. */
static void shuffle(uint64_t *v, int n)
{
	for (uint64_t st = bench_opt.seed, k = (uint64_t)n; k > 1; k--) {
		uint64_t j = chain_rand_next(&st) % k, t = v[k - 1];

		v[k - 1] = v[j];
		v[j] = t;
	}
}

/* A curve being probed: what it runs on and the counts left to refine. */
static struct probe_curve {
	struct buf *b;
	const struct layout *l;
	struct tlbjson_curve *cv;
	uint64_t counts[MAX_POINTS];
	int nr;
} pc[TLBJSON_MAX_CURVES];
static int nr_pc;

/* Survey one curve at geometric page counts, in random order, and fit it;
 * then plan every page count around each knee found, from 10% before its
 * start to 10% past its end (at most 48 per knee). */
static void survey(struct datafile_csv *csv, struct buf *b, const struct layout *l, uint64_t least,
		   uint64_t most)
{
	struct probe_curve *p = &pc[nr_pc++];
	int n = measure_geometric(least, most, (unsigned)o.ppo, 1, p->counts, MAX_POINTS);

	p->b = b;
	p->l = l;
	p->cv = tlbjson_curve(&rep, b->backing->name, b->backing->want_page_kb, l->name);
	shuffle(p->counts, n);
	for (int k = 0; k < n && !run_stop; k++)
		if (point(csv, b, l, p->counts[k], (unsigned)o.reps, 0, p->cv, NULL))
			return;
	tlbjson_fit(&rep, p->cv);
	/* Refine the curves whose knees are TLB sizes read in the report: 4K
	 * pages, and huge pages with the lines over their 4K sub-pages. The
	 * huge-page verdict reads its rises off the survey points. */
	if (p->cv->fitted == 1 && (b->backing->want_page_kb == 4 || !strcmp(l->name, "spread4k")))
		p->nr = tlbfit_refine_counts(&p->cv->fit, 2, 0.10, 40, least, most, p->counts,
					     MAX_POINTS);
}

/* Whether the machine is quiet enough to refine now: the 4K probe at 90%
 * of its L1 knee must cost less than a quarter of an L2-TLB hit over the
 * plateau below, as it did in the survey. A busy SMT sibling sharing the L1
 * DTLB, or a host flushing it, lifts that point for seconds at a time (seen
 * on the Emerald Rapids guest: 0.7-1.2 ns at 85-95 pages for ten seconds).
 * 1 quiet, 0 disturbed, -1 no 4K curve to check with. */
static int quiet(void)
{
	const struct probe_curve *p = NULL;
	const struct tlbfit_result *f;
	double d;

	for (int i = 0; i < nr_pc && !p; i++)
		if (pc[i].b->backing->want_page_kb == 4 && pc[i].cv->fitted == 1 &&
		    pc[i].cv->fit.nr_levels > 0)
			p = &pc[i];
	if (!p)
		return -1;
	f = &p->cv->fit;
	if (point(NULL, p->b, p->l, (uint64_t)(0.9 * f->level[0].entries), (unsigned)o.reps, 0, NULL,
		  &d))
		return 1; /* stopped: let the caller see run_stop */
	return d < f->base_ns + 0.25 * f->level[0].miss_cost_ns;
}

/* Probe every planned count again in REFINE_PASSES quiet passes over all
 * curves, each pass in its own random order, and fit again. A pass the
 * quiet() check finds disturbed is skipped and tried a second later, up to
 * twice as many attempts; a count keeps its lowest delta (tlbjson_add_point). So
 * no knee is read off points 4% apart or off one noisy stretch. */
#define REFINE_PASSES 3
static void refine(struct datafile_csv *csv)
{
	int done_passes = 0;

	for (int attempt = 0; attempt < 2 * REFINE_PASSES && done_passes < REFINE_PASSES &&
			      !run_stop;
	     attempt++) {
		if (quiet() == 0) {
			/* Disturbances last seconds: wait one out before checking again. */
			struct timespec pause = { 1, 0 };

			rep.nr_disturbed++;
			nanosleep(&pause, NULL);
			continue;
		}
		done_passes++;
		for (int i = 0; i < nr_pc; i++) {
			struct probe_curve *p = &pc[i];

			shuffle(p->counts, p->nr);
			for (int k = 0; k < p->nr && !run_stop; k++)
				if (point(csv, p->b, p->l, p->counts[k], (unsigned)o.reps, done_passes,
					  p->cv, NULL))
					return;
		}
	}
	rep.nr_refined = done_passes;
	for (int i = 0; i < nr_pc && !run_stop; i++)
		if (pc[i].nr)
			tlbjson_fit(&rep, pc[i].cv);
}

int main(int argc, char **argv)
{
	uint64_t sizes[BUFSET_MAX], done = 0, total = 0;
	struct datafile_csv csv;
	char path[4200], label[160], why[256];

	die_set_prog(argv[0]);
	parse(argc, argv);
	run.meta_extra = meta_extra;
	run.cleanup = release;
	bench_opt_start(&run, &ctr, argc, argv);

	tlbjson_init(&rep, &run.machine.cpu);
	plan_sizes(sizes);
	if (bufset_setup(&set, o.bk, o.place, o.nr_bk, sizes, &run_stop) < 0)
		return run_finish(&run);
	if (set.nr == 0)
		die_code(EXIT_MISSING, "none of the requested backings could be had (see above)");
	/* The packed lines: a huge page where THP gives one, so the baseline
	 * itself needs a single TLB entry. */
	if ((buf_alloc(&base, buf_backing_find("thp"), BUF_HUGE_BYTES * ((o.max_pages * CHAIN_LINE + BUF_HUGE_BYTES - 1) / BUF_HUGE_BYTES), why, sizeof(why)) ||
	     buf_populate(&base, &run_stop, why, sizeof(why)) || buf_verify(&base, why, sizeof(why))) &&
	    (buf_free(&base), buf_alloc(&base, buf_backing_find("4k"), o.max_pages * CHAIN_LINE, why, sizeof(why)) ||
	     buf_populate(&base, &run_stop, why, sizeof(why))))
		die("allocating the baseline buffer: %s", why);
	run_meta_write(&run);

	snprintf(path, sizeof(path), "%s/tlbprobe.csv", run.out);
	if (datafile_csv_open(&csv, path, CSV_HEADER))
		die_errno("creating %s", path);
	for (int i = 0; i < set.nr; i++)
		for (size_t l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++)
			if (!layouts[l].huge_only || set.b[i].backing->want_page_kb > 4)
				total++;
	total++; /* the refining passes */
	for (int i = 0; i < set.nr && !run_stop; i++) {
		struct buf *b = &set.b[i];
		uint64_t page = (uint64_t)b->backing->want_page_kb * 1024;
		uint64_t cap = max_pages_of(b->backing);
		uint64_t least = page == 4096 ? o.min_pages : o.min_huge_pages;
		uint64_t most = b->bytes / page < cap ? b->bytes / page : cap;

		if (most < 4 * least) {
			tlbjson_note(&rep, b->backing->name, b->backing->want_page_kb,
				       "only %" PRIu64 " pages could be had: too few to find a knee", most);
			continue;
		}
		for (size_t l = 0; l < sizeof(layouts) / sizeof(layouts[0]) && !run_stop; l++) {
			if (layouts[l].huge_only && page == 4096)
				continue;
			snprintf(label, sizeof(label), "%s, %s", b->backing->name, layouts[l].name);
			run_progress(&run, done++, total, label);
			survey(&csv, b, &layouts[l], least, most);
		}
	}
	run_progress(&run, done, total, "the knees again");
	refine(&csv);
	datafile_csv_close(&csv);
	snprintf(path, sizeof(path), "%s/tlb.json", run.out);
	if (tlbjson_write(&rep, path, run_stop != 0))
		warn("cannot write %s", path);
	return run_finish(&run);
}
