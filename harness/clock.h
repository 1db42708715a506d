/* Time and clock rates: monotonic ns, the TSC rate, and the core clock
 * estimated from two dependent chains of different kinds (the TSC is not the
 * core clock). */
#ifndef PW_CLOCK_H
#define PW_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Two core-clock estimates further apart than this (5%) make the cycles of
 * a point uncertain. */
#define CLOCK_AGREE_TOL 0.05

/* One core-clock sample, in cycles per ns. */
struct clock_est {
	double add_ghz; /* dependent register-register adds, 1 cycle each */
	double mul_ghz; /* dependent imul, 3 cycles each; NaN where not known */
};

uint64_t clock_ns(void);
/* Wall-clock time as "YYYY-mm-ddTHH:MM:SSZ" (UTC) into buf. */
const char *clock_iso8601(char *buf, unsigned len);

/* TSC ticks per ns, measured against CLOCK_MONOTONIC over ~duration_ns;
 * 0 where there is no TSC. */
double clock_tsc_ghz(uint64_t duration_ns);

/* Sample both chains for about min_ns in all. Run it interleaved with the
 * measurements and take medians, since turbo and the host move it. */
void clock_core_sample(uint64_t min_ns, struct clock_est *out);

/* Cycles per ns of nr_ops dependent ops of cycles_per_op each in ns; NaN
 * when any is 0. */
double clock_ghz_from(uint64_t nr_ops, unsigned cycles_per_op, uint64_t ns);
/* |a - b| relative to the smaller; NaN when either is not a positive finite
 * rate. */
double clock_disagreement(double a, double b);
/* 1 when a and b agree within CLOCK_AGREE_TOL, 0 when not, -1 unknown. */
int clock_agree(double a, double b);

/* What a point's samples say: the medians of both chains and whether they
 * agree. cycles are the add chain's; agree == 0 marks them uncertain. */
struct clock_point {
	double ghz;          /* median of add_ghz: the clock cycles are taken at */
	double mul_ghz;      /* median of mul_ghz; NaN where not known */
	double disagreement; /* clock_disagreement(ghz, mul_ghz) */
	int agree;           /* clock_agree(ghz, mul_ghz) */
};

#define CLOCK_MAX_SAMPLES 1000

/* Summarise s[0..n) (n <= CLOCK_MAX_SAMPLES) into *out. */
void clock_summarise(const struct clock_est *s, size_t n, struct clock_point *out);

/* Every point's clock over a run, for meta.json. */
#define CLOCK_MAX_POINTS 4096
struct clock_run {
	double ghz[CLOCK_MAX_POINTS];     /* per point: clock_point.ghz */
	double mul_ghz[CLOCK_MAX_POINTS]; /* per point: clock_point.mul_ghz */
	int nr;
	int nr_agree;    /* points whose two chains agree within CLOCK_AGREE_TOL */
	int nr_disagree; /* points whose cycles are uncertain */
};

struct json;
void clock_run_add(struct clock_run *r, const struct clock_point *p);
/* Both estimates (median, min, max over the points) and their agreement. */
void clock_run_json(struct json *j, const struct clock_run *r);

#endif
