/* Timed checks (run with --jobs=1): the core-clock estimate is a plausible
 * frequency, and a pinned chase tells L1 from DRAM by a wide, physical
 * margin. No exact times are asserted. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chain.h"
#include "clock.h"
#include "cpuinfo.h"
#include "measure.h"
#include "place.h"
#include "tlbgeom.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define NR_REPS 11

/* Physical bounds: no x86-64 or Arm server core runs below 0.5 or above
 * 6.5 GHz; a renamer that folds the chain reads 10-17 GHz. */
Test(clock, core_sample_plausible_and_agreeing)
{
	struct clock_est e[5];
	struct clock_point p;

	for (int i = 0; i < 5; i++)
		clock_core_sample(20 * 1000 * 1000, &e[i]);
	clock_summarise(e, 5, &p);
	cr_log_info("core clock: add chain %.3f GHz, imul chain %.3f GHz", p.ghz, p.mul_ghz);
	cr_assert_gt(p.ghz, 0.5, "add-chain clock %g GHz", p.ghz);
	cr_assert_lt(p.ghz, 6.5, "add-chain clock %g GHz", p.ghz);
	if (isnan(p.mul_ghz))
		cr_skip_test("no imul cross-check on this architecture");
	cr_assert_gt(p.mul_ghz, 0.5, "imul-chain clock %g GHz", p.mul_ghz);
	cr_assert_lt(p.mul_ghz, 6.5, "imul-chain clock %g GHz", p.mul_ghz);
	/* Wider than CLOCK_AGREE_TOL: a shared host moves a single sample. */
	cr_assert_lt(p.disagreement, 0.15, "add %.3f vs imul %.3f GHz", p.ghz, p.mul_ghz);
}

Test(clock, ns_is_monotonic)
{
	uint64_t a = clock_ns(), b = clock_ns(), c;

	cr_assert_geq(b, a);
	c = clock_ns();
	while (c - b < 1000000)
		c = clock_ns();
	cr_assert_geq(c - a, 1000000);
}

struct chase_result {
	struct stats l1, dram;
	double ghz_median;
};

/* Time a 16 KiB chain (L1-resident) and, with_dram, a 256 MiB chain on 4K
 * pages (DRAM, and a TLB miss per load), interleaved, pinned to one CPU. */
static void chase_l1_dram(struct chase_result *out, int with_dram)
{
	struct chain_spec spec = {.stride_bytes = 64, .pattern = CHAIN_RAND, .seed = 11};
	static double ns_l1[NR_REPS], ns_dram[NR_REPS];
	static struct clock_est clk[NR_REPS];
	struct clock_point cp;
	struct measure_target t[2] = {{.ns_per_load = ns_l1}, {.ns_per_load = ns_dram}};
	struct measure_plan plan = {
	    .nr_reps = NR_REPS, .min_rep_ns = 20 * 1000 * 1000, .clock_ns = 5 * 1000 * 1000,
	    .cpu = -1};
	const char *why = NULL;
	char err[256] = "";
	int cpu = place_first_cpu();
	void *small;
	struct buf big;

	cr_assert_geq(cpu, 0);
	cr_assert_eq(place_pin_cpu(cpu), 0, "pin to cpu %d", cpu);
	plan.cpu = cpu;
	small = aligned_alloc(4096, 16 * KIB);
	cr_assert_not_null(small);
	t[0].pos = chain_build(small, 16 * KIB, &spec);
	cr_assert_eq(chain_check(small, 16 * KIB, &spec, &why), 0, "%s", why);

	t[0].nr_trips = measure_calibrate(&t[0].pos, plan.min_rep_ns);
	cr_assert_gt(t[0].nr_trips, 0);
	memset(&big, 0, sizeof(big));
	if (with_dram) {
		cr_assert_eq(buf_alloc(&big, buf_backing_find("4k"), 256 * MIB, err, sizeof(err)),
			     0, "%s", err);
		cr_assert_eq(buf_populate(&big, NULL, err, sizeof(err)), 0, "%s", err);
		t[1].pos = chain_build(big.base, big.bytes, &spec);
		t[1].nr_trips = measure_calibrate(&t[1].pos, plan.min_rep_ns);
		cr_assert_gt(t[1].nr_trips, 0);
	}
	cr_assert_eq(measure_rounds(t, with_dram ? 2 : 1, &plan, clk), 0);
	clock_summarise(clk, NR_REPS, &cp);

	out->l1 = t[0].st;
	out->dram = t[1].st;
	out->ghz_median = cp.ghz;
	if (with_dram)
		buf_free(&big);
	free(small);
}

Test(chase, l1_at_least_3x_faster_than_dram)
{
	struct chase_result r;

	chase_l1_dram(&r, 1);
	cr_log_info("16 KiB: %.3f ns/load; 256 MiB 4k: %.3f ns/load; core %.2f GHz", r.l1.median,
		    r.dram.median, r.ghz_median);
	cr_assert_gt(r.l1.median, 0.0, "a chase of 0 ns: the loads were optimised away");
	cr_assert_geq(r.dram.median, 3.0 * r.l1.median,
		      "L1 %.3f ns vs DRAM %.3f ns per load: less than 3x apart", r.l1.median,
		      r.dram.median);
}

Test(chase, l1_load_to_use_matches_the_published_latency)
{
	struct chase_result r;
	struct cpu_info ci;
	const struct tlbgeom_cpu *row;
	double cycles, lo = 2.5, hi = 8.0;

	cpu_read(&ci);
	row = tlbgeom_lookup_cpu(&ci);
	chase_l1_dram(&r, 0);
	cycles = r.l1.median * r.ghz_median;
	cr_log_info("16 KiB: %.3f ns/load x %.3f GHz = %.2f cycles (%s publishes %d)",
		    r.l1.median, r.ghz_median, cycles, row ? row->name : "no table row",
		    row ? row->l1_load_cycles : -1);
	/* Around the published figure where there is one (the margin covers
	 * clock drift between the chase and the clock samples); otherwise the
	 * range of every x86-64 and Arm core of the last decade (3-5 cycles). */
	if (row && row->l1_load_cycles > 0) {
		lo = 0.8 * row->l1_load_cycles;
		hi = 1.25 * row->l1_load_cycles;
	}
	cr_assert_geq(cycles, lo, "%.2f cycles per L1 load, want %.1f-%.1f", cycles, lo, hi);
	cr_assert_leq(cycles, hi, "%.2f cycles per L1 load, want %.1f-%.1f", cycles, lo, hi);
}
