/* Timed checks (run with --jobs=1): the core-clock estimate is a plausible
 * frequency, and a pinned chase tells L1 from DRAM by a wide, physical
 * margin. No exact times are asserted. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chain.h"
#include "clock.h"
#include "measure.h"
#include "place.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define NR_REPS 11

Test(clock, core_ghz_sample_plausible)
{
	double ghz = clock_core_ghz_sample(20 * 1000 * 1000);

	cr_assert_gt(ghz, 0.5, "core clock %g GHz", ghz);
	cr_assert_lt(ghz, 8.0, "core clock %g GHz", ghz);
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

/* Median of v[0..n) (v is sorted). */
static double median(double *v, size_t n)
{
	struct stats s;

	stats_summary(v, n, &s);
	return s.median;
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
	static double ns_l1[NR_REPS], ns_dram[NR_REPS], ghz[NR_REPS];
	struct measure_target t[2] = {{.ns_per_load = ns_l1}, {.ns_per_load = ns_dram}};
	struct measure_plan plan = {
	    .nr_reps = NR_REPS, .min_rep_ns = 20 * 1000 * 1000, .clock_ns = 5 * 1000 * 1000};
	const char *why = NULL;
	char err[256] = "";
	int cpu = place_first_cpu();
	void *small;
	struct buf big;

	cr_assert_geq(cpu, 0);
	cr_assert_eq(place_pin_cpu(cpu), 0, "pin to cpu %d", cpu);
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
	cr_assert_eq(measure_rounds(t, with_dram ? 2 : 1, &plan, ghz), 0);

	out->l1 = t[0].st;
	out->dram = t[1].st;
	out->ghz_median = median(ghz, NR_REPS);
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

Test(chase, l1_load_to_use_is_about_4_cycles)
{
	struct chase_result r;
	double cycles;

	chase_l1_dram(&r, 0);
	cycles = r.l1.median * r.ghz_median;
	cr_log_info("16 KiB: %.3f ns/load x %.3f GHz = %.2f cycles", r.l1.median, r.ghz_median,
		    cycles);
	/* AMD Zen 2-5 L1 load-to-use is 4 cycles; the margin covers clock drift
	 * between the chase and the add-chain sample. */
	cr_assert_geq(cycles, 3.0, "%.2f cycles per L1 load", cycles);
	cr_assert_leq(cycles, 6.0, "%.2f cycles per L1 load", cycles);
}
