/* Interleaved measurement: several chains timed in rounds (A B C A B C ...)
 * with a core-clock sample per round, so host noise hits all alike and the
 * per-round ratios can be paired. */
#ifndef PW_MEASURE_H
#define PW_MEASURE_H

#include <signal.h>
#include <stdint.h>

#include "clock.h"
#include "counters.h"
#include "stats.h"

#define MEASURE_MAX_TARGETS 8
#define MEASURE_MAX_REPS 1000

struct measure_target {
	void *pos;             /* where the chase stands; carried across reps */
	void **chains;         /* or, with nr_chains > 0, where each of nr_chains */
	unsigned nr_chains;    /* independent chains stands (mlploop.h) */
	uint64_t nr_trips;     /* loop trips per repetition (calibrated) */
	double *ns_per_load;   /* [nr_reps] kept repetitions, in round order */
	struct stats st;       /* summary of ns_per_load */
	uint64_t ctr[CTR_NR];  /* counts summed over the kept rounds; CTR_NONE */
	uint64_t nr_loads;     /* loads in the kept rounds */
	unsigned nr_rerun;     /* repetitions timed again: the first was disturbed */
	unsigned nr_disturbed_kept; /* kept though still disturbed after the reruns */
	unsigned why;          /* DISTURB_* bits seen over the kept rounds */
	const char *span;      /* the footprint the chain lives in, swept after a */
	uint64_t span_bytes;   /* switch (measure_warm); 0 bytes: not swept */
	uint64_t warm_ns;      /* untimed warm-up spent over the kept rounds */
};

/* A disturbed repetition is timed again at most this many times. */
#define MEASURE_MAX_RERUNS 3

struct measure_plan {
	unsigned nr_reps;       /* kept rounds, 1..MEASURE_MAX_REPS; one more is dropped */
	uint64_t min_rep_ns;    /* a repetition lasts at least this long */
	uint64_t clock_ns;      /* length of each core-clock sample */
	volatile sig_atomic_t *stop; /* checked between repetitions */
	struct ctr_set *ctr;    /* counters bracketing each repetition, or NULL */
	int cpu;                /* the CPU pinned to, for its steal time; -1 unknown */
	uint64_t warm_ns;       /* untimed chase before each timed repetition, on top
				 * of the page sweep (measure_warm) */
	int keep_first;         /* 1: no dropped first round (the caller rotates
				 * what it times between calls and warms anyway) */
};

/* Bytes between the words the warm-up sweep touches: one per 4K page. */
#define MEASURE_SWEEP_STEP 4096

/* Events per load of column c, NaN when not counted. */
double measure_per_load(const struct measure_target *t, enum ctr_col c);

/* Find how many trips make one repetition last at least min_rep_ns. */
uint64_t measure_calibrate(void **pos, uint64_t min_rep_ns);
/* The same for any target (one chain or several): sets t->nr_trips. */
void measure_calibrate_target(struct measure_target *t, uint64_t min_rep_ns);
/* Loads one loop trip of t does. */
uint64_t measure_loads_per_trip(const struct measure_target *t);

/* The warm-up after a switch from another target, untimed: one load per
 * 4K page of t->span (independent loads, so it costs a few ms per GiB),
 * then plan->warm_ns of chasing. The caches holding this footprint's page
 * table (and the host's EPT) entries refill here, not in the timed window.
 * Returns the ns it took. */
uint64_t measure_warm(struct measure_target *t, const struct measure_plan *plan);

/* Mean untimed warm-up per kept repetition, in ms. */
double measure_warm_ms(const struct measure_target *t, unsigned nr_reps);

/* The same chain alone, after measure_rounds: warm once, then repetitions
 * of plan->min_rep_ns for about alone_ns in all; their median ns per load.
 * What the interleaved median should match when switching costs nothing. */
double measure_alone(struct measure_target *t, const struct measure_plan *plan,
		     uint64_t alone_ns);

/* Time every target nr_reps+1 times in interleaved rounds; drop the first
 * round. Each repetition follows measure_warm. A kept repetition that was
 * preempted, waited on the run queue or lost time to steal is timed again
 * (disturb.h), and counted. clk[nr_reps] receives a core-clock sample per
 * kept round. Returns
 * 0, or -1 when *stop was raised (nothing is summarised then). */
int measure_rounds(struct measure_target *t, int nr, const struct measure_plan *plan,
		   struct clock_est *clk);



/* Geometric points from lo to hi, ppo per octave, each rounded down to a
 * multiple of align (>= align), duplicates dropped, hi always last. Returns
 * the count (at most max). */
int measure_geometric(uint64_t lo, uint64_t hi, unsigned ppo, uint64_t align,
		      uint64_t *out, int max);
#endif
