/* Calibrated, interleaved repetitions of the chase loop. */
#include "measure.h"

#include "chaseloop.h"
#include "clock.h"
#include "disturb.h"
#include "mlploop.h"

#include <math.h>

uint64_t measure_loads_per_trip(const struct measure_target *t)
{
	return t->nr_chains ? (uint64_t)MLP_STEPS * t->nr_chains : CHASE_UNROLL;
}

/* Move t's chain (or chains) on by trips loop trips. */
static void advance(struct measure_target *t, uint64_t trips)
{
	if (t->nr_chains) {
		mlp_run(t->chains, t->nr_chains, trips);
		return;
	}
	t->pos = chase_run(t->pos, trips);
	chase_sink = t->pos;
}

/* Time one repetition; return ns per load and move the chains on.
 * Counters, when given, bracket the timed window from outside it; v
 * receives them. */
static double one_rep(struct measure_target *t, struct ctr_set *ctr, uint64_t *v)
{
	uint64_t t0, dt;

	if (ctr)
		ctr_start(ctr);
	t0 = clock_ns();
	advance(t, t->nr_trips);
	dt = clock_ns() - t0;
	if (ctr)
		ctr_stop(ctr, v);
	return (double)dt / (double)(t->nr_trips * measure_loads_per_trip(t));
}

/* One kept repetition: re-run while the disturbance check flags it, at
 * most MEASURE_MAX_RERUNS times (then it is kept and counted as such);
 * counters and loads are summed for the repetition that counts only. */
static double quiet_rep(struct measure_target *t, const struct measure_plan *plan,
			struct ctr_set *ctr)
{
	uint64_t v[CTR_NR];
	double ns;

	for (unsigned tries = 0;; tries++) {
		struct disturb_sample a, b;
		unsigned why;

		disturb_read(&a, plan->cpu);
		ns = one_rep(t, ctr, v);
		disturb_read(&b, plan->cpu);
		why = disturb_between(&a, &b);
		t->why |= why;
		if (!why)
			break;
		if (tries == MEASURE_MAX_RERUNS || (plan->stop && *plan->stop)) {
			t->nr_disturbed_kept++;
			break;
		}
		t->nr_rerun++;
	}
	for (int c = 0; ctr && c < CTR_NR; c++)
		t->ctr[c] = v[c] == CTR_NONE || t->ctr[c] == CTR_NONE ? CTR_NONE : t->ctr[c] + v[c];
	t->nr_loads += t->nr_trips * measure_loads_per_trip(t);
	return ns;
}

uint64_t measure_warm(struct measure_target *t, const struct measure_plan *plan)
{
	uint64_t t0 = clock_ns(), sum = 0;

	for (uint64_t off = 0; off < t->span_bytes; off += MEASURE_SWEEP_STEP)
		sum += *(volatile const uint64_t *)(t->span + off);
	chase_sink = (void *)(uintptr_t)sum;
	if (plan->warm_ns && plan->min_rep_ns) {
		uint64_t trips = (uint64_t)((double)t->nr_trips * (double)plan->warm_ns /
					    (double)plan->min_rep_ns) + 1;

		advance(t, trips);
	}
	return clock_ns() - t0;
}

double measure_warm_ms(const struct measure_target *t, unsigned nr_reps)
{
	return nr_reps ? (double)t->warm_ns / 1e6 / nr_reps : 0;
}

double measure_alone(struct measure_target *t, const struct measure_plan *plan,
		     uint64_t alone_ns)
{
	double ns[MEASURE_MAX_REPS];
	unsigned n = 0;
	uint64_t t0;

	measure_warm(t, plan);
	t0 = clock_ns();
	while (n < MEASURE_MAX_REPS && (n < 3 || clock_ns() - t0 < alone_ns) &&
	       !(plan->stop && *plan->stop))
		ns[n++] = one_rep(t, NULL, NULL);
	return n ? stats_median_of(ns, n) : NAN;
}

double measure_per_load(const struct measure_target *t, enum ctr_col c)
{
	if (t->ctr[c] == CTR_NONE || t->nr_loads == 0)
		return NAN;
	return (double)t->ctr[c] / (double)t->nr_loads;
}

void measure_calibrate_target(struct measure_target *t, uint64_t min_rep_ns)
{
	t->nr_trips = 16;
	for (;;) {
		double ns = one_rep(t, NULL, NULL) * (double)(t->nr_trips * measure_loads_per_trip(t));

		if (ns >= (double)min_rep_ns / 4) {
			/* Scale up with a margin so most reps clear the floor. */
			double want = (double)t->nr_trips * 1.25 * (double)min_rep_ns / ns;

			t->nr_trips = want < 1 ? 1 : (uint64_t)want;
			return;
		}
		t->nr_trips *= ns < (double)min_rep_ns / 64 ? 16 : 2;
	}
}

uint64_t measure_calibrate(void **pos, uint64_t min_rep_ns)
{
	struct measure_target t = { .pos = *pos };

	measure_calibrate_target(&t, min_rep_ns);
	*pos = t.pos;
	return t.nr_trips;
}

int measure_rounds(struct measure_target *t, int nr, const struct measure_plan *plan,
		   struct clock_est *clk)
{
	struct ctr_set *ctr = plan->ctr && plan->ctr->nr_counting ? plan->ctr : NULL;

	for (int k = 0; k < nr; k++) {
		t[k].nr_loads = 0;
		t[k].nr_rerun = t[k].nr_disturbed_kept = t[k].why = 0;
		t[k].warm_ns = 0;
		for (int c = 0; c < CTR_NR; c++)
			t[k].ctr[c] = ctr && ctr->col[c].counting ? 0 : CTR_NONE;
	}
	for (unsigned r = plan->keep_first ? 1 : 0; r <= plan->nr_reps; r++) {
		/* Rotate who goes first, so no backing always follows another. */
		for (int k = 0; k < nr; k++) {
			struct measure_target *x = &t[(k + (int)r) % nr];
			double ns;

			if (plan->stop && *plan->stop)
				return -1;
			if (r > 0) {
				x->warm_ns += measure_warm(x, plan);
				ns = quiet_rep(x, plan, ctr);
				x->ns_per_load[r - 1] = ns;
			} else {
				one_rep(x, NULL, NULL); /* the dropped round */
			}
		}
		if (r > 0)
			clock_core_sample(plan->clock_ns, &clk[r - 1]);
	}
	for (int k = 0; k < nr; k++) {
		double tmp[MEASURE_MAX_REPS];

		for (unsigned r = 0; r < plan->nr_reps; r++)
			tmp[r] = t[k].ns_per_load[r];
		stats_summary(tmp, plan->nr_reps, &t[k].st);
	}
	return 0;
}

int measure_geometric(uint64_t lo, uint64_t hi, unsigned ppo, uint64_t align,
		      uint64_t *out, int max)
{
	int n = 0;

	for (unsigned k = 0; n < max; k++) {
		double x = (double)lo * exp2((double)k / ppo);
		uint64_t v;

		if (x > (double)hi)
			break;
		v = (uint64_t)x / align * align;
		if (v < align)
			v = align;
		if (n == 0 || v > out[n - 1])
			out[n++] = v;
	}
	if (n < max && (n == 0 || out[n - 1] < hi / align * align))
		out[n++] = hi / align * align;
	return n;
}
