/* chase: ns per dependent load vs footprint, per backing, pattern and
 * stride. At each footprint the backings run the same chain in interleaved
 * rounds, so their ratio is translation cost with caching held equal. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "benchopt.h"
#include "bufset.h"
#include "canary.h"
#include "chain.h"
#include "chaseloop.h"
#include "clock.h"
#include "counters.h"
#include "die.h"
#include "disturb.h"
#include "measure.h"
#include "memlimit.h"
#include "opts.h"
#include "place.h"
#include "placements.h"
#include "run.h"
#include "series.h"
#include "stats.h"

#define MAX_ITEMS 12
#define MAX_POINTS 512

static const char CSV_HEADER[] =
	"backing,page_kb,huge_fraction,pattern,stride_bytes,stagger,footprint_bytes,"
	"ns_median,ns_min,ns_p90,ns_lo,ns_hi,cycles_per_load,cycles_source,core_ghz,core_ghz_mul,"
	"cycles_uncertain,nr_reps,nr_rerun,nr_disturbed,warm_ms,ns_alone,"
	"loads_per_rep,dtlb_miss_per_load,stlb_hit_per_load,walk_per_load,"
	"walk_cycles_per_load,cpu_node,mem_node,pt_node,folio_kb,canary_ns";
static const char CMP_HEADER[] =
	"pattern,stride_bytes,stagger,footprint_bytes,backing_a,backing_b,ns_a_median,"
	"ns_b_median,ratio_median,ratio_lo,ratio_hi,ratio_min,ratio_max,nr_rounds,verdict,verdict_reason,"
	"mem_node_a,pt_node_a,mem_node_b,pt_node_b";

static struct {
	const char *backings, *patterns, *strides, *placements, *fp_list;
	uint64_t min, max, ppo, reps, rep_ms, warm_ms, alone_ms;
	int stagger, numa_matrix;
	/* Parsed */
	const struct buf_backing *bk[MAX_ITEMS];
	int nr_bk;
	struct bufplace pl[PLACEMENTS_MAX]; /* --placements, --numa-matrix, or the one of --mem/pt-node */
	int nr_pl;
	const struct buf_backing *item_bk[MAX_ITEMS]; /* the buffers: every backing x placement */
	struct bufplace place[MAX_ITEMS];
	int nr_items;
	const char *series;
	struct chain_spec sr[MAX_ITEMS * MAX_ITEMS]; /* what is swept, in order */
	int nr_sr;
	uint64_t max_stride;
	uint64_t fps[MAX_POINTS]; /* --footprints */
	int nr_fps;
} o = {
	.backings = "4k,thp", .patterns = "rand", .strides = "64", .min = 4096,
	.ppo = 4, .reps = 10, .rep_ms = 10,
};

static const struct opt_def defs[] = {
	{ "backing", OPT_STR, &o.backings, "LIST", "backings, comma-separated: " BUF_BACKING_NAMES " (default 4k,thp)" },
	{ "pattern", OPT_STR, &o.patterns, "LIST", "visiting orders: rand, seq (default rand)" },
	{ "stride", OPT_STR, &o.strides, "LIST", "bytes between elements, multiples of 8, K/M/G ok (default 64)" },
	{ "stagger", OPT_FLAG, &o.stagger, NULL, "put element i on a hashed line of its slot, so lines spread over cache sets even on huge pages" },
	{ "series", OPT_STR, &o.series, "LIST", "instead of pattern x stride: PATTERN:STRIDE[:stagger],... e.g. rand:64,rand:4K:stagger" },
	{ "min", OPT_SIZE, &o.min, "SIZE", "smallest footprint (default 4K)" },
	{ "max", OPT_SIZE, &o.max, "SIZE", "largest footprint (default: min(1G, MemAvailable/4/backings))" },
	{ "points-per-octave", OPT_U64, &o.ppo, "N", "footprints per doubling, 1..64 (default 4)", 1, 64 },
	{ "footprints", OPT_STR, &o.fp_list, "LIST", "instead of --min, --max and --points-per-octave: these footprints, ascending, K/M/G ok" },
	{ "reps", OPT_U64, &o.reps, "N", "kept repetitions per point, 3..1000 (default 10; one more is dropped)", 3, MEASURE_MAX_REPS },
	{ "rep-ms", OPT_U64, &o.rep_ms, "MS", "minimum length of one repetition, 1..1000 ms (default 10)", 1, 1000 },
	{ "warm-ms", OPT_U64, &o.warm_ms, "MS", "untimed chase before each repetition, on top of the page sweep that always runs, 0..10000 ms (default 0)", 0, 10000 },
	{ "placements", OPT_STR, &o.placements, "LIST", "NUMA placements timed side by side, MEM:PT node pairs (data:page tables), e.g. 0:0,1:0,0:1,1:1" },
	{ "numa-matrix", OPT_FLAG, &o.numa_matrix, NULL, "placements: data and page tables each on the local and on the nearest remote node (4 per backing)" },
	{ "alone-ms", OPT_U64, &o.alone_ms, "MS", "check: before and after each point's rounds, chase every buffer alone this long; ns_alone column, the mean of the two (default 0, off)", 0, 100000 },
	OPT_PARENT_ROW(bench_opt_defs),
	{ NULL, 0, NULL, NULL, NULL },
};

static struct run run = { .tool = "chase", .data_name = "chase.csv" };
static struct bufset set;
static struct ctr_set ctr;
static struct clock_run clk;
static struct disturb_total dist;
static struct canary canary; /* the host's shared cache, timed after every point */

/* The buffers: every backing at every placement, backing by backing. */
static void parse_placements(void)
{
	char why[600];

	bench_opt_place(&o.pl[0]);
	o.nr_pl = 1;
	if (o.placements && o.numa_matrix)
		die_usage("--placements and --numa-matrix both choose the placements: give one");
	if ((o.placements || o.numa_matrix) &&
	    (bench_opt.mem_node != UINT64_MAX || bench_opt.pt_node != UINT64_MAX))
		die_usage("--%s sets the data and page-table nodes itself: drop --mem-node and --pt-node",
			  o.placements ? "placements" : "numa-matrix");
	if (o.placements)
		o.nr_pl = placements_parse("placements", o.placements, o.pl, PLACEMENTS_MAX);
	if (o.numa_matrix) {
		int cpu = bench_opt.cpu != UINT64_MAX ? (int)bench_opt.cpu : place_first_cpu();

		if (placements_matrix(place_cpu_node(cpu), o.pl, why, sizeof(why)) < 0)
			die_code(EXIT_MISSING, "--numa-matrix: %s", why);
		o.nr_pl = 4;
	}
	if (o.nr_bk * o.nr_pl > MAX_ITEMS)
		die_usage("%d backings at %d placements make %d buffers; at most %d", o.nr_bk, o.nr_pl,
			  o.nr_bk * o.nr_pl, MAX_ITEMS);
	for (int b = 0; b < o.nr_bk; b++)
		for (int p = 0; p < o.nr_pl; p++) {
			o.item_bk[o.nr_items] = o.bk[b];
			o.place[o.nr_items++] = o.pl[p];
		}
}

/* A quarter of the free memory of the most loaded node that data is bound
 * to, per buffer bound there (UINT64_MAX when nothing is bound). */
static uint64_t node_limit(void)
{
	uint64_t limit = UINT64_MAX;

	for (int i = 0; i < o.nr_items; i++) {
		int n = 0;

		if (o.place[i].mem_node < 0)
			continue;
		for (int k = 0; k < o.nr_items; k++)
			n += o.place[k].mem_node == o.place[i].mem_node;
		if (place_node_free_bytes(o.place[i].mem_node) / 4 / (uint64_t)n < limit)
			limit = place_node_free_bytes(o.place[i].mem_node) / 4 / (uint64_t)n;
	}
	return limit;
}

static void parse(int argc, char **argv)
{
	uint64_t avail, limit;
	char why[1200];

	o.nr_bk = bench_opt_parse(argc, argv, defs,
				  "Time dependent loads over buffers of each backing, from --min to --max,\n"
				  "writing chase.csv, compare.csv and meta.json into --out.",
				  &o.backings, o.bk, MAX_ITEMS);
	o.nr_sr = series_parse(o.series, o.patterns, o.strides, o.stagger, bench_opt.seed, o.sr,
			       MAX_ITEMS * MAX_ITEMS);
	if (o.series)
		o.patterns = o.strides = NULL; /* meta.json: --series decided */
	for (int i = 0; i < o.nr_sr; i++)
		if (o.sr[i].stride_bytes > o.max_stride)
			o.max_stride = o.sr[i].stride_bytes;
	parse_placements();
	if (o.fp_list) {
		if (o.min != 4096 || o.ppo != 4 || o.max)
			die_usage("--footprints gives the footprints itself: drop --min, --max and --points-per-octave");
		o.nr_fps = opt_parse_sizes("footprints", o.fp_list, 64, 64, o.fps, 16);
		o.min = o.fps[0];
		o.max = o.fps[o.nr_fps - 1];
	}
	avail = memlimit_available(why, sizeof(why));
	/* Leave three quarters of what is free to the system, split per buffer. */
	limit = avail / 4 / (uint64_t)o.nr_items;
	if (node_limit() < limit)
		limit = node_limit();
	if (!o.max)
		o.max = limit < (1ull << 30) ? limit / BUF_HUGE_BYTES * BUF_HUGE_BYTES : 1ull << 30;
	if (o.max > avail / (uint64_t)o.nr_items * 9 / 10)
		die_usage("%s %" PRIu64 ": %d buffers of that size exceed the memory that can be had (%" PRIu64 " MiB: %s)",
			  o.fp_list ? "--footprints" : "--max", o.max, o.nr_items, avail >> 20, why);
	if (o.max > node_limit() * 4 * 9 / 10)
		die_usage("%s %" PRIu64 ": the buffers bound to one NUMA node exceed its free memory "
			  "(%" PRIu64 " MiB per buffer at most)", o.fp_list ? "--footprints" : "--max", o.max,
			  node_limit() * 4 * 9 / 10 >> 20);
	if (o.min <= o.max && (double)o.ppo * log2((double)o.max / (double)o.min) + 2 > MAX_POINTS)
		die_usage("--points-per-octave %" PRIu64 ": %.0f footprints from --min to --max; at most %d",
			  o.ppo, (double)o.ppo * log2((double)o.max / (double)o.min) + 2, MAX_POINTS);
	buf_hugetlb.reserve = bench_opt.reserve;
	buf_hugetlb.shrink = bench_opt.fit_pool;
	ctr_overrides_require(bench_opt.events);
	if (o.min > o.max)
		die_usage("--min %" PRIu64 " is larger than --max %" PRIu64, o.min, o.max);
	if (o.max < 2 * o.max_stride)
		die_usage("--max %" PRIu64 ": must hold two elements of stride %" PRIu64, o.max, o.max_stride);
}

/* --alone-ms: each row's interleaved median against the same chain timed
 * alone just before the rounds and just after them (in reverse order, so
 * the mean of the two sits at the rounds' centre in time and a steady
 * drift of the host cancels), as relative differences (interleaved/alone
 * - 1); and how far the host moved between the two (after/before - 1). */
static double alone_diff[MAX_POINTS * MAX_ITEMS * MAX_ITEMS];
static double alone_drift[MAX_POINTS * MAX_ITEMS * MAX_ITEMS];
static int nr_alone_diff;

static void alone_check_add(double inter, double before, double after)
{
	if (before > 0 && after > 0 && nr_alone_diff < (int)(sizeof(alone_diff) / sizeof(alone_diff[0]))) {
		alone_drift[nr_alone_diff] = fabs(after / before - 1);
		alone_diff[nr_alone_diff++] = inter / ((before + after) / 2) - 1;
	}
}

static void alone_check_json(struct json *j)
{
	static double a[sizeof(alone_diff) / sizeof(alone_diff[0])];
	struct stats sgn, mag;
	int within = 0;

	if (!o.alone_ms || !nr_alone_diff)
		return;
	for (int i = 0; i < nr_alone_diff; i++) {
		a[i] = fabs(alone_diff[i]);
		within += a[i] <= 0.05;
	}
	stats_summary(a, (size_t)nr_alone_diff, &mag);
	memcpy(a, alone_diff, (size_t)nr_alone_diff * sizeof(a[0]));
	stats_summary(a, (size_t)nr_alone_diff, &sgn);
	json_obj(j, "alone_check");
	json_int(j, "rows", nr_alone_diff);
	json_num(j, "median_diff", sgn.median);
	json_num(j, "median_abs_diff", mag.median);
	json_num(j, "p90_abs_diff", mag.p90);
	json_num(j, "within_5pct_share", (double)within / nr_alone_diff);
	stats_summary(alone_drift, (size_t)nr_alone_diff, &mag);
	json_num(j, "median_abs_drift", mag.median);
	json_num(j, "p90_abs_drift", mag.p90);
	json_obj_end(j);
}

static void meta_extra(struct json *j, void *ctx)
{
	opt_json(j, defs);
	clock_run_json(j, &clk);
	disturb_total_json(j, &dist);
	alone_check_json(j);
	canary_json(j, &canary);
	json_str(j, "cycles_source", ctr.col[CTR_CYCLES].counting ? "pmu" : "est");
	ctr_json(j, &ctr);
	bufset_json(j, &set);
}

/* Unmap the buffers and restore the pools, on every exit path. */
static void release(void *ctx)
{
	ctr_close(&ctr);
	canary_free(&canary);
	bufset_release(&set);
}

/* Write how b compares with a over the paired rounds: the verdict and its
 * reason as tokens (stats.h). */
static void compare_row(struct datafile_csv *cmp, const struct chain_spec *cs, uint64_t fp,
			const struct buf *a, const struct buf *b, const double *ns_a,
			const double *ns_b)
{
	struct stats_pair sp;

	stats_pair(ns_a, ns_b, o.reps, &sp);
	if (datafile_csv_row(cmp, "%s,%" PRIu64 ",%d,%" PRIu64 ",%s,%s,%.3f,%.3f,%.4f,%.4f,%.4f,%.4f,%.4f,%zu,%s,%s,%d,%d,%d,%d",
		       chain_pattern_name(cs->pattern), cs->stride_bytes, cs->stagger, fp,
		       a->backing->name, b->backing->name, stats_median_of(ns_a, o.reps),
		       stats_median_of(ns_b, o.reps), sp.ratio_median, sp.ratio_lo, sp.ratio_hi,
		       sp.ratio_min, sp.ratio_max, sp.n, stats_verdict_name(sp.verdict),
		       stats_verdict_reason(&sp), a->place.mem_node, a->place.pt_node, b->place.mem_node,
		       b->place.pt_node))
		die_errno("writing %s", cmp->path);
}

/* Measure one footprint of one series on every backing; write its rows. */
static int point(struct datafile_csv *csv, struct datafile_csv *cmp, const struct chain_spec *cs,
		 uint64_t fp)
{
	struct measure_target t[MAX_ITEMS] = { 0 };
	double ns[MAX_ITEMS][MEASURE_MAX_REPS];
	struct clock_est ce[MEASURE_MAX_REPS];
	struct measure_plan plan = { (unsigned)o.reps, o.rep_ms * 1000000, 1000000, &run_stop, &ctr,
				     (int)bench_opt.cpu, o.warm_ms * 1000000 };
	struct buf *b[MAX_ITEMS];
	void *bases[MAX_ITEMS], *heads[MAX_ITEMS];
	struct clock_point gs;
	double alone[MAX_ITEMS], before[MAX_ITEMS];
	char host_l3[32];
	int n = 0;

	/* Backings sized down to a pool take part only while they cover fp. */
	for (int i = 0; i < set.nr; i++)
		if (set.b[i].bytes >= fp)
			b[n++] = &set.b[i];
	if (n == 0)
		return 0;
	for (int i = 0; i < n; i++)
		bases[i] = b[i]->base;
	chain_build_many(bases, heads, n, fp, cs);
	for (int i = 0; i < n; i++) {
		t[i].pos = heads[i];
		t[i].nr_trips = measure_calibrate(&t[i].pos, plan.min_rep_ns);
		t[i].ns_per_load = ns[i];
		t[i].span = b[i]->base;
		t[i].span_bytes = fp;
	}
	for (int i = 0; i < n && o.alone_ms; i++)
		before[i] = measure_alone(&t[i], &plan, o.alone_ms * 1000000);
	if (measure_rounds(t, n, &plan, ce))
		return -1;
	for (int i = n - 1; i >= 0 && o.alone_ms; i--) {
		double after = measure_alone(&t[i], &plan, o.alone_ms * 1000000);

		alone[i] = (before[i] + after) / 2;
		alone_check_add(t[i].st.median, before[i], after);
	}
	datafile_per_load_cell(host_l3, sizeof(host_l3), canary_sample(&canary));
	for (int i = 0; i < n; i++)
		disturb_total_add(&dist, t[i].nr_rerun, t[i].nr_disturbed_kept, t[i].why);
	clock_summarise(ce, o.reps, &gs);
	clock_run_add(&clk, &gs);
	for (int i = 0; i < n; i++) {
		double hf = buf_huge_fraction_prefix(b[i], fp);

		double cyc = measure_per_load(&t[i], CTR_CYCLES);
		char cols[CTR_NR][32], mul[32], solo[32];

		datafile_per_load_cell(mul, sizeof(mul), gs.mul_ghz);
		datafile_per_load_cell(solo, sizeof(solo), o.alone_ms ? alone[i] : NAN);
		for (int c = 1; c < CTR_NR; c++)
			datafile_per_load_cell(cols[c], sizeof(cols[c]), measure_per_load(&t[i], (enum ctr_col)c));
		if (datafile_csv_row(csv, "%s,%u,%.4f,%s,%" PRIu64 ",%d,%" PRIu64 ",%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%s,%.4f,%s,%d,%" PRIu64 ",%u,%u,%.4f,%s,%" PRIu64 ",%s,%s,%s,%s,%d,%d,%d,%u,%s",
			       b[i]->backing->name, hf >= BUF_HUGE_ENOUGH ? b[i]->backing->want_page_kb : 4, hf,
			       chain_pattern_name(cs->pattern), cs->stride_bytes, cs->stagger, fp,
			       t[i].st.median, t[i].st.min, t[i].st.p90, t[i].st.lo, t[i].st.hi,
			       isnan(cyc) ? t[i].st.median * gs.ghz : cyc, isnan(cyc) ? "est" : "pmu",
			       gs.ghz, mul, isnan(cyc) && gs.agree == 0, o.reps, t[i].nr_rerun,
			       t[i].nr_disturbed_kept, measure_warm_ms(&t[i], o.reps), solo,
			       t[i].nr_trips * CHASE_UNROLL, cols[CTR_DTLB_MISS],
			       cols[CTR_STLB_HIT], cols[CTR_WALK], cols[CTR_WALK_CYCLES],
			       place_cpu_node((int)bench_opt.cpu), b[i]->place.mem_node, b[i]->place.pt_node,
			       hf >= BUF_HUGE_ENOUGH ? buf_folio_kb(b[i]->backing) : 4, host_l3))
			die_errno("writing %s", csv->path);
		if (i > 0) {
			/* Against the same backing's first placement (all local
			 * with --numa-matrix); a backing's first, against b[0]. */
			int base = 0;

			while (base < i && b[base]->backing != b[i]->backing)
				base++;
			if (base == i)
				base = 0;
			compare_row(cmp, cs, fp, b[base], b[i], ns[base], ns[i]);
		}
	}
	return 0;
}

/* Footprint f of the sweep rounded down to whole elements of cs; 0 when it
 * holds fewer than two, or rounds to the same footprint as f-1 (so a wide
 * stride never measures one point twice). */
static uint64_t series_fp(const struct chain_spec *cs, const uint64_t *fps, int f)
{
	uint64_t fp = fps[f] / cs->stride_bytes * cs->stride_bytes;

	if (fp < 2 * cs->stride_bytes)
		return 0;
	if (f > 0 && fps[f - 1] / cs->stride_bytes * cs->stride_bytes == fp)
		return 0;
	return fp;
}

int main(int argc, char **argv)
{
	uint64_t fps[MAX_POINTS], sizes[MAX_ITEMS];
	struct datafile_csv csv, cmp;
	uint64_t done = 0, total = 0;
	char path[4200], label[128], sz[32], why[300];
	int nr_fp;

	die_set_prog(argv[0]);
	parse(argc, argv);
	nr_fp = o.nr_fps ? o.nr_fps : measure_geometric(o.min, o.max, (unsigned)o.ppo, 64, fps, MAX_POINTS);
	if (o.nr_fps)
		memcpy(fps, o.fps, (size_t)o.nr_fps * sizeof(fps[0]));
	run.meta_extra = meta_extra;
	run.cleanup = release;
	bench_opt_start(&run, &ctr, argc, argv);
	for (int i = 0; i < o.nr_items; i++)
		sizes[i] = o.max;
	if (bufset_setup(&set, o.item_bk, o.place, o.nr_items, sizes, &run_stop) < 0)
		return run_finish(&run);
	run_meta_write(&run);
	if (set.nr == 0)
		die_code(EXIT_MISSING, "none of the requested backings could be had (see above)");
	if (canary_init(&canary, run.machine.cache_bytes[3], why, sizeof(why)))
		warn("no L3 canary (the host's shared cache goes unwatched): %s", why);

	snprintf(path, sizeof(path), "%s/chase.csv", run.out);
	if (datafile_csv_open(&csv, path, CSV_HEADER))
		die_errno("creating %s", path);
	snprintf(path, sizeof(path), "%s/compare.csv", run.out);
	if (datafile_csv_open(&cmp, path, CMP_HEADER))
		die_errno("creating %s", path);
	for (int s = 0; s < o.nr_sr; s++)
		for (int f = 0; f < nr_fp; f++)
			total += series_fp(&o.sr[s], fps, f) != 0;
	for (int s = 0; s < o.nr_sr && !run_stop; s++) {
		const struct chain_spec *cs = &o.sr[s];

		for (int f = 0; f < nr_fp && !run_stop; f++) {
			uint64_t fp = series_fp(cs, fps, f);

			if (!fp)
				continue;
			snprintf(label, sizeof(label), "%s stride %" PRIu64 "%s at %s",
				 chain_pattern_name(cs->pattern), cs->stride_bytes,
				 cs->stagger ? " staggered" : "", opt_fmt_size(fp, sz, sizeof(sz)));
			run_progress(&run, done, total, label);
			if (point(&csv, &cmp, cs, fp))
				break;
			done++;
		}
		run_meta_write(&run);
	}
	datafile_csv_close(&csv);
	datafile_csv_close(&cmp);
	return run_finish(&run);
}
