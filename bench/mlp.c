/* mlp: memory-level parallelism against translation. N independent chains
 * (each a random cycle over its own share of one buffer's lines) advanced
 * in turn by one thread, per backing, in interleaved rounds; from the
 * throughput against N, where it saturates and how many loads, and page
 * walks, are then in flight. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchopt.h"
#include "buf.h"
#include "bufset.h"
#include "clock.h"
#include "counters.h"
#include "die.h"
#include "disturb.h"
#include "measure.h"
#include "memlimit.h"
#include "mlpchain.h"
#include "mlpfit.h"
#include "opts.h"
#include "run.h"
#include "stats.h"
#include "tlbgeom.h"

#define MAX_FPS 6
#define MAX_NS 16 /* chain counts per curve */
#define STRIDE 64

static const char CSV_HEADER[] =
	"backing,page_kb,huge_fraction,footprint_bytes,role,chains,ns_per_load,ns_lo,ns_hi,ns_p90,"
	"ns_per_step,ref_backing,ratio_ref,ratio_lo,ratio_hi,nr_reps,nr_rerun,nr_disturbed,warm_ms,"
	"loads_per_rep,dtlb_miss_per_load,walk_per_load,walk_cycles_per_load";

static struct {
	const char *backings, *ref_name, *chain_list, *fp_list, *control_arg;
	uint64_t control, reps, rep_ms, warm_ms;
	/* Parsed */
	const struct buf_backing *bk[BUFSET_MAX];
	int nr_bk;
	unsigned chains[MAX_NS];
	int nr_chains;
	uint64_t fps[MAX_FPS]; /* ascending; fps[0] is the control when control > 0 */
	int nr_fps;
	struct bufplace place; /* --mem-node, --pt-node */
	uint64_t reach;        /* L2 TLB reach of 4K pages, bytes; 0 unknown */
	const char *reach_from;
} o = {
	.backings = "4k,thp", .chain_list = "1,2,3,4,6,8,12,16,24,32", .control = 4ull << 20,
	.reps = 7, .rep_ms = 10,
};

static const struct opt_def defs[] = {
	{ "backing", OPT_STR, &o.backings, "LIST", "backings, comma-separated: " BUF_BACKING_NAMES " (default 4k,thp)" },
	{ "ref", OPT_STR, &o.ref_name, "BACKING", "the backing every other is compared with, round by round (default: the one with the largest pages)" },
	{ "chains", OPT_STR, &o.chain_list, "LIST", "chain counts, ascending, from 1, each 1..32 (default 1,2,3,4,6,8,12,16,24,32)" },
	{ "footprints", OPT_STR, &o.fp_list, "LIST", "footprints beyond the TLB's reach, K/M/G ok (default 1G,2G, as memory allows: 4K pages walk on nearly every load there, while 2M pages still fit the L2 TLB, a clean reference)" },
	{ "control", OPT_STR, &o.control_arg, "SIZE", "control footprint within the L2 TLB's reach of 4K pages, or 'none' (default 4M)" },
	{ "reps", OPT_U64, &o.reps, "N", "rounds per footprint, each timing every chain count on every backing, 3..60 (default 7)", 3, 60 },
	{ "rep-ms", OPT_U64, &o.rep_ms, "MS", "minimum length of one repetition, 1..1000 ms (default 10)", 1, 1000 },
	{ "warm-ms", OPT_U64, &o.warm_ms, "MS", "untimed chase before each repetition, on top of the page sweep, 0..10000 ms (default 0)", 0, 10000 },
	OPT_PARENT_ROW(bench_opt_defs),
	{ NULL, 0, NULL, NULL, NULL },
};

static struct run run = { .tool = "mlp", .meta_name = "mlp-meta.json", .data_name = "mlp.csv" };
static struct bufset set;
static struct ctr_set ctr;
static struct clock_run clk;
static struct disturb_total dist;

/* One curve: a backing at a footprint, ns per load at each chain count. */
struct curve {
	int b;                 /* index in set.b */
	uint64_t fp;
	int ref;               /* index in set.b of the reference at fp */
	double vs_ref[MAX_NS][3]; /* ns per load over the reference's, paired: median, lo, hi */
	struct mlpfit_point p[MAX_NS];
	int nr;
	struct mlpfit fit;
};
static struct curve curves[MAX_FPS * BUFSET_MAX];
static int nr_curves;

static void parse_chains(void)
{
	char items[MAX_NS][16];
	int n = opt_split_list(o.chain_list, items[0], sizeof(items[0]), MAX_NS);

	if (n < 0)
		die_usage("--chains '%s': want a comma list of at most %d counts", o.chain_list, MAX_NS);
	for (int i = 0; i < n; i++) {
		uint64_t v;
		const char *why;

		if (opt_parse_u64(items[i], &v, &why) || v < 1 || v > MLPCHAIN_MAX)
			die_usage("--chains: '%s' is not a count from 1 to %d", items[i], MLPCHAIN_MAX);
		if (i == 0 && v != 1)
			die_usage("--chains: must start at 1 (the single chain is every curve's latency)");
		if (i > 0 && v <= o.chains[i - 1])
			die_usage("--chains: '%s' after %u: want ascending counts", items[i], o.chains[i - 1]);
		o.chains[i] = (unsigned)v;
	}
	if (n < 3)
		die_usage("--chains '%s': want 3 or more counts, so a curve can saturate", o.chain_list);
	o.nr_chains = n;
}

/* The L2 TLB's reach with 4K pages: the published entries, else what CPUID
 * declares; 0 when neither says. */
static void tlb_reach(const struct cpu_info *ci)
{
	int e = tlbgeom_entries(tlbgeom_lookup_cpu(ci), 2, 4, NULL);

	o.reach_from = "published";
	if (e <= 0) {
		e = cpu_tlb_entries(ci, 2, 4);
		o.reach_from = "declared by CPUID";
	}
	o.reach = e > 0 ? (uint64_t)e * 4096 : 0;
	if (!o.reach)
		o.reach_from = NULL;
}

static void parse_footprints(uint64_t avail, const char *why_avail)
{
	uint64_t fps[MAX_FPS], most = 0, per;
	int n, explicit = o.fp_list != NULL;
	char sz[32];

	n = opt_parse_sizes("footprints", explicit ? o.fp_list : "1G,2G", STRIDE, MLPCHAIN_MAX * STRIDE, fps,
			    MAX_FPS - 1);
	/* Every buffer at the largest footprint, and the chains' order (4
	 * bytes per line), within 80% of what can be had. */
	per = (uint64_t)((double)avail * 0.8 / ((double)o.nr_bk + 4.0 / STRIDE));
	if (o.control_arg && !strcmp(o.control_arg, "none")) {
		o.control = 0;
	} else if (o.control_arg) {
		const char *why;

		if (opt_parse_size(o.control_arg, &o.control, &why))
			die_usage("--control '%s': %s (or 'none')", o.control_arg, why);
	}
	if (o.control) {
		if (o.control % STRIDE || o.control < MLPCHAIN_MAX * STRIDE)
			die_usage("--control %" PRIu64 ": want a multiple of %d bytes, at least %d", o.control,
				  STRIDE, MLPCHAIN_MAX * STRIDE);
		if (o.control >= fps[0])
			die_usage("--control %" PRIu64 ": must be smaller than the footprints (%s%" PRIu64 ")",
				  o.control, explicit ? "" : "default ", fps[0]);
		o.fps[o.nr_fps++] = o.control;
	}
	for (int i = 0; i < n; i++) {
		if (fps[i] > per) {
			if (explicit)
				die_usage("--footprints: %s on %d backings exceeds the memory that can be had "
					  "(%" PRIu64 " MiB: %s)", opt_fmt_size(fps[i], sz, sizeof(sz)), o.nr_bk,
					  avail >> 20, why_avail);
			warn("footprint %s left out: %d buffers of it exceed the memory that can be had (%" PRIu64
			     " MiB: %s)", opt_fmt_size(fps[i], sz, sizeof(sz)), o.nr_bk, avail >> 20, why_avail);
			continue;
		}
		o.fps[o.nr_fps++] = most = fps[i];
	}
	/* The defaults too large for this machine: the largest that fits,
	 * in whole 64 MiB, if it still lies well beyond the control. */
	if (!most && !explicit && per / (64ull << 20) * (64ull << 20) >= 16 * o.control) {
		o.fps[o.nr_fps++] = most = per / (64ull << 20) * (64ull << 20);
		warn("footprint %s instead: the largest that fits", opt_fmt_size(most, sz, sizeof(sz)));
	}
	if (!most)
		die_code(EXIT_MISSING, "no footprint beyond the TLB fits in memory (%" PRIu64 " MiB: %s)%s",
			 avail >> 20, why_avail, explicit ? "; give smaller --footprints" : "");
}

static void parse(int argc, char **argv)
{
	char why[1200];
	uint64_t avail;

	o.nr_bk = bench_opt_parse(argc, argv, defs,
				  "Advance N independent chains in one thread over buffers of each backing, in\n"
				  "interleaved rounds: throughput against N, where it saturates, and how many\n"
				  "page walks are then in flight. Writes mlp.csv and mlp-meta.json into --out.",
				  &o.backings, o.bk, BUFSET_MAX);
	if (o.nr_bk < 2 || o.nr_bk > MEASURE_MAX_TARGETS)
		die_usage("--backing '%s': want 2 to %d backings to compare", o.backings, MEASURE_MAX_TARGETS);
	if (o.ref_name) {
		const struct buf_backing *r = buf_backing_find(o.ref_name);
		int found = 0;

		for (int i = 0; i < o.nr_bk; i++)
			found |= o.bk[i] == r;
		if (!found)
			die_usage("--ref '%s': not one of --backing (%s)", o.ref_name, o.backings);
	}
	parse_chains();
	avail = memlimit_available(why, sizeof(why));
	parse_footprints(avail, why);
	bench_opt_place(&o.place);
	buf_hugetlb.reserve = bench_opt.reserve;
	buf_hugetlb.shrink = bench_opt.fit_pool;
	ctr_overrides_require(bench_opt.events);
}

static const char *role(uint64_t fp)
{
	return o.control && fp == o.control ? "control" : "beyond";
}

static void fit_json(struct json *j, const char *key, const struct mlpfit *f)
{
	json_obj(j, key);
	json_bool(j, "ok", f->ok);
	json_num(j, "latency_ns", f->t1);
	json_num(j, "saturated_ns_per_load", f->t_sat);
	json_num(j, "saturated_lo", f->t_sat_lo);
	json_num(j, "saturated_hi", f->t_sat_hi);
	json_int(j, "saturation_chains", f->n_sat);
	json_bool(j, "capped", f->capped);
	json_num(j, "in_flight", f->in_flight);
	json_num(j, "in_flight_lo", f->in_flight_lo);
	json_num(j, "in_flight_hi", f->in_flight_hi);
	json_num(j, "tolerance", f->tol);
	json_obj_end(j);
}

static const struct curve *find_curve(int b, uint64_t fp)
{
	for (int i = 0; i < nr_curves; i++)
		if (curves[i].b == b && curves[i].fp == fp && curves[i].fit.ok)
			return &curves[i];
	return NULL;
}

/* Per curve its fit; per footprint beyond reach and backing other than the
 * reference, the walk reading against the reference. */
static void inference_json(struct json *j)
{
	const struct tlbgeom_cpu *g = tlbgeom_lookup_cpu(&run.machine.cpu);
	const char *tr_why, *tr = machine_translation(&run.machine, &tr_why);

	json_obj(j, "mlp");
	json_int(j, "stride_bytes", STRIDE);
	json_int(j, "l2_tlb_reach_4k_bytes", (int64_t)o.reach);
	json_str(j, "l2_tlb_reach_from", o.reach_from);
	json_int(j, "control_bytes", (int64_t)o.control);
	json_bool(j, "control_within_reach", o.control && o.reach ? o.control <= o.reach : 0);
	if (g && g->walkers > 0)
		json_int(j, "published_walkers", g->walkers);
	else
		json_null(j, "published_walkers");
	json_str(j, "published_walkers_source", g && g->walkers > 0 ? g->walkers_source : NULL);
	json_str(j, "published_model", g ? g->name : NULL);
	json_str(j, "translation", tr);
	json_str(j, "translation_why", tr_why);
	json_arr(j, "curves");
	for (int i = 0; i < nr_curves; i++) {
		json_obj(j, NULL);
		json_str(j, "backing", set.b[curves[i].b].backing->name);
		json_int(j, "footprint_bytes", (int64_t)curves[i].fp);
		json_str(j, "role", role(curves[i].fp));
		json_str(j, "ref_backing", set.b[curves[i].ref].backing->name);
		fit_json(j, "fit", &curves[i].fit);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr(j, "walks");
	for (int f = 0; f < o.nr_fps; f++) {
		uint64_t fp = o.fps[f];
		const struct curve *c0 = NULL, *r;

		for (int i = 0; i < nr_curves && !c0; i++)
			if (curves[i].fp == fp)
				c0 = &curves[i];
		if (!strcmp(role(fp), "control") || !c0 || !(r = find_curve(c0->ref, fp)))
			continue;
		for (int b = 0; b < set.nr; b++) {
			const struct curve *c = find_curve(b, fp);
			const struct curve *cc = o.control ? find_curve(b, o.control) : NULL;
			const struct curve *cr = o.control ? find_curve(c0->ref, o.control) : NULL;
			struct mlpfit_walks w;

			int ks = 0;

			/* Only pages smaller than the reference's can cost walks. */
			if (b == c0->ref || !c ||
			    set.b[b].backing->want_page_kb >= set.b[c0->ref].backing->want_page_kb)
				continue;
			while (ks < c->nr - 1 && c->p[ks].chains != r->fit.n_sat)
				ks++;
			mlpfit_walks(&c->fit, &r->fit, cc ? &cc->fit : NULL, cr ? &cr->fit : NULL, c->vs_ref[0],
				     c->vs_ref[ks], &w);
			json_obj(j, NULL);
			json_str(j, "backing", set.b[b].backing->name);
			json_str(j, "ref_backing", set.b[c0->ref].backing->name);
			json_int(j, "footprint_bytes", (int64_t)fp);
			json_num(j, "saturated_ratio", w.ratio_sat);
			json_bool(j, "capped_below_ref", w.capped_below);
			if (w.control_clean < 0)
				json_null(j, "control_clean");
			else
				json_bool(j, "control_clean", w.control_clean);
			json_num(j, "walks_in_flight", w.walks);
			json_num(j, "walks_lo", w.walks_lo);
			json_num(j, "walks_hi", w.walks_hi);
			json_str(j, "confidence", w.confidence);
			json_str(j, "why", w.why);
			json_obj_end(j);
		}
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void meta_extra(struct json *j, void *ctx)
{
	opt_json(j, defs);
	clock_run_json(j, &clk);
	disturb_total_json(j, &dist);
	json_str(j, "cycles_source", "est");
	ctr_json(j, &ctr);
	bufset_json(j, &set);
	inference_json(j);
}

static void release(void *ctx)
{
	ctr_close(&ctr);
	bufset_release(&set);
}

static void write_rows(struct datafile_csv *csv, const struct measure_target *t, int n, const int *bi,
		       uint64_t fp, unsigned chains, const struct stats_pair *sp, int ri)
{
	for (int i = 0; i < n; i++) {
		const struct buf *b = &set.b[bi[i]];
		double hf = buf_huge_fraction_prefix(b, fp);
		char cols[CTR_NR][32];

		for (int c = 1; c < CTR_NR; c++)
			datafile_per_load_cell(cols[c], sizeof(cols[c]), measure_per_load(&t[i], (enum ctr_col)c));
		if (datafile_csv_row(csv, "%s,%u,%.4f,%" PRIu64 ",%s,%u,%.3f,%.3f,%.3f,%.3f,%.3f,%s,%.4f,%.4f,%.4f,%" PRIu64 ",%u,%u,%.4f,%" PRIu64 ",%s,%s,%s",
				     b->backing->name, hf >= BUF_HUGE_ENOUGH ? b->backing->want_page_kb : 4, hf, fp,
				     role(fp), chains, t[i].st.median, t[i].st.lo, t[i].st.hi, t[i].st.p90,
				     t[i].st.median * chains, set.b[bi[ri]].backing->name,
				     sp[i].ratio_median, sp[i].ratio_lo, sp[i].ratio_hi, o.reps, t[i].nr_rerun,
				     t[i].nr_disturbed_kept, measure_warm_ms(&t[i], (unsigned)o.reps),
				     t[i].nr_trips * measure_loads_per_trip(&t[i]), cols[CTR_DTLB_MISS],
				     cols[CTR_WALK], cols[CTR_WALK_CYCLES]))
			die_errno("writing %s", csv->path);
	}
}

/* Sum what one call of measure_rounds counted for a target into acc. */
static void accumulate(struct measure_target *acc, const struct measure_target *t)
{
	for (int c = 0; c < CTR_NR; c++)
		acc->ctr[c] = t->ctr[c] == CTR_NONE || acc->ctr[c] == CTR_NONE ? CTR_NONE : acc->ctr[c] + t->ctr[c];
	acc->nr_loads += t->nr_loads;
	acc->nr_rerun += t->nr_rerun;
	acc->nr_disturbed_kept += t->nr_disturbed_kept;
	acc->why |= t->why;
	acc->warm_ns += t->warm_ns;
}

/* The reference at fp: --ref when its buffer covers fp, else the backing
 * with the largest pages that does (the latest listed among equals). */
static int ref_at(uint64_t fp)
{
	int r = -1;

	for (int i = 0; i < set.nr; i++) {
		const struct buf_backing *k = set.b[i].backing;

		if (set.b[i].bytes < fp)
			continue;
		if (o.ref_name && !strcmp(k->name, o.ref_name))
			return i;
		if (r < 0 || k->want_page_kb >= set.b[r].backing->want_page_kb)
			r = i;
	}
	return r;
}

/* Every chain count at footprint fp on every backing that covers it. Each
 * round times every chain count once, in a rotating order, and at each
 * count the backings back to back (measure_rounds): a drift of the host
 * over the minutes a footprint takes bends no curve, and the ratios pair
 * repetitions seconds apart. */
static void footprint(struct datafile_csv *csv, uint64_t fp, uint64_t *done, uint64_t total)
{
	struct measure_plan plan = { 1, o.rep_ms * 1000000, 1000000, &run_stop, &ctr,
				     (int)bench_opt.cpu, o.warm_ms * 1000000, 1 };
	static double ns[MAX_NS][BUFSET_MAX][MEASURE_MAX_REPS];
	static struct measure_target acc[MAX_NS][BUFSET_MAX];
	static struct clock_est ce[MEASURE_MAX_REPS];
	static void *heads[BUFSET_MAX][MLPCHAIN_MAX];
	struct measure_target t[BUFSET_MAX];
	struct stats_pair sp[BUFSET_MAX];
	struct clock_point gs;
	struct curve *cv[BUFSET_MAX];
	struct mlpchain m;
	int bi[BUFSET_MAX], n = 0, ri = -1, r0 = ref_at(fp), nce = 0;
	char why[256], label[128], sz[32];
	unsigned cur;

	for (int i = 0; i < set.nr; i++)
		if (set.b[i].bytes >= fp) {
			if (i == r0)
				ri = n;
			bi[n++] = i;
		}
	if (n < 2 || ri < 0) {
		warn("footprint %s: fewer than two backings cover it; left out", opt_fmt_size(fp, sz, sizeof(sz)));
		*done += (uint64_t)o.reps;
		return;
	}
	if (mlpchain_init(&m, fp, STRIDE, bench_opt.seed, why, sizeof(why)))
		die("chains at %s: %s", opt_fmt_size(fp, sz, sizeof(sz)), why);
	cur = o.chains[0];
	for (int i = 0; i < n; i++) {
		mlpchain_link(&m, set.b[bi[i]].base, cur, heads[i]);
		for (int k = 0; k < o.nr_chains; k++)
			acc[k][i] = (struct measure_target){ .nr_chains = o.chains[k] };
	}
	/* Calibrate every count on every backing once, in order. */
	for (int k = 0; k < o.nr_chains && !run_stop; k++) {
		for (int i = 0; i < n; i++) {
			struct measure_target c = { .chains = heads[i], .nr_chains = o.chains[k] };

			mlpchain_relink(&m, set.b[bi[i]].base, cur, o.chains[k], heads[i]);
			measure_calibrate_target(&c, plan.min_rep_ns);
			acc[k][i].nr_trips = c.nr_trips;
		}
		cur = o.chains[k];
	}
	for (unsigned r = 0; r < o.reps && !run_stop; r++) {
		snprintf(label, sizeof(label), "%s, round %u of %" PRIu64, opt_fmt_size(fp, sz, sizeof(sz)), r + 1,
			 o.reps);
		run_progress(&run, (*done)++, total, label);
		for (int kk = 0; kk < o.nr_chains && !run_stop; kk++) {
			int k = (kk + (int)r) % o.nr_chains;

			/* t[j] is backing (j + rot) % n: who goes first rotates from
			 * call to call, so no backing always follows another. */
			for (int j = 0; j < n; j++) {
				int i = (j + kk + (int)r) % n;

				mlpchain_relink(&m, set.b[bi[i]].base, cur, o.chains[k], heads[i]);
				t[j] = (struct measure_target){ .chains = heads[i], .nr_chains = o.chains[k],
								.nr_trips = acc[k][i].nr_trips,
								.ns_per_load = &ns[k][i][r],
								.span = set.b[bi[i]].base, .span_bytes = fp };
			}
			cur = o.chains[k];
			if (measure_rounds(t, n, &plan, &ce[nce]))
				break;
			nce++;
			for (int j = 0; j < n; j++) {
				accumulate(&acc[k][(j + kk + (int)r) % n], &t[j]);
				disturb_total_add(&dist, t[j].nr_rerun, t[j].nr_disturbed_kept, t[j].why);
			}
		}
	}
	/* Only a footprint whose every round finished is written: a stop
	 * midway leaves the footprints before it on disk, not a partial one. */
	if (nce == (int)o.reps * o.nr_chains) {
		clock_summarise(ce, (unsigned)nce, &gs);
		clock_run_add(&clk, &gs);
		for (int i = 0; i < n; i++) {
			cv[i] = &curves[nr_curves++];
			*cv[i] = (struct curve){ .b = bi[i], .fp = fp, .ref = bi[ri] };
		}
		for (int k = 0; k < o.nr_chains; k++) {
			for (int i = 0; i < n; i++) {
				double tmp[MEASURE_MAX_REPS];

				memcpy(tmp, ns[k][i], (size_t)o.reps * sizeof(double));
				stats_summary(tmp, (size_t)o.reps, &acc[k][i].st);
				stats_pair(ns[k][i], ns[k][ri], (size_t)o.reps, &sp[i]);
				cv[i]->vs_ref[k][0] = sp[i].ratio_median;
				cv[i]->vs_ref[k][1] = sp[i].ratio_lo;
				cv[i]->vs_ref[k][2] = sp[i].ratio_hi;
				cv[i]->p[k] = (struct mlpfit_point){ o.chains[k], acc[k][i].st.median, acc[k][i].st.lo,
								     acc[k][i].st.hi };
			}
			write_rows(csv, acc[k], n, bi, fp, o.chains[k], sp, ri);
		}
		for (int i = 0; i < n; i++) {
			cv[i]->nr = o.nr_chains;
			mlpfit_curve(cv[i]->p, cv[i]->nr, &cv[i]->fit);
		}
	}
	mlpchain_free(&m);
}

int main(int argc, char **argv)
{
	uint64_t sizes[BUFSET_MAX], done = 0, total;
	struct bufplace pl[BUFSET_MAX];
	struct datafile_csv csv;
	char path[4200], sz[32];

	die_set_prog(argv[0]);
	parse(argc, argv);
	run.meta_extra = meta_extra;
	run.cleanup = release;
	bench_opt_start(&run, &ctr, argc, argv);
	tlb_reach(&run.machine.cpu);
	if (o.control && o.reach && o.control > o.reach)
		warn("--control %s is beyond the L2 TLB's reach of 4K pages (%s, %s): it controls for less",
		     opt_fmt_size(o.control, sz, sizeof(sz)), opt_fmt_size(o.reach, path, sizeof(path)), o.reach_from);
	for (int i = 0; i < o.nr_bk; i++) {
		sizes[i] = o.fps[o.nr_fps - 1];
		pl[i] = o.place;
	}
	if (bufset_setup(&set, o.bk, pl, o.nr_bk, sizes, &run_stop) < 0)
		return run_finish(&run);
	if (set.nr < 2)
		die_code(EXIT_MISSING, "fewer than two of the requested backings could be had (see above): "
			 "nothing to compare");
	if (o.ref_name && ref_at(0) >= 0 && strcmp(set.b[ref_at(0)].backing->name, o.ref_name))
		die_code(EXIT_MISSING, "--ref %s could not be had (see above)", o.ref_name);
	run_meta_write(&run);

	snprintf(path, sizeof(path), "%s/mlp.csv", run.out);
	if (datafile_csv_open(&csv, path, CSV_HEADER))
		die_errno("creating %s", path);
	total = (uint64_t)o.nr_fps * o.reps;
	for (int f = 0; f < o.nr_fps && !run_stop; f++) {
		footprint(&csv, o.fps[f], &done, total);
		run_meta_write(&run);
	}
	datafile_csv_close(&csv);
	return run_finish(&run);
}
