/* Clocks. The core clock comes from two dependent chains no renamer can
 * shorten: register-register adds (1 cycle each) and imul (3 cycles each).
 * Chains of `add $imm` are not usable: Golden Cove-class cores fold them at
 * rename and run up to 6 per cycle. On these VMs the core runs 1.3-1.7x the
 * TSC, so the TSC is never taken for the core clock. */
#include "clock.h"

#include "chaseloop.h"
#include "datafile.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *clock_iso8601(char *buf, unsigned len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

double clock_tsc_ghz(uint64_t duration_ns)
{
#if defined(__x86_64__)
	uint64_t t0 = clock_ns(), c0 = __rdtsc(), t1, c1;

	do {
		t1 = clock_ns();
	} while (t1 - t0 < duration_ns);
	c1 = __rdtsc();
	return (double)(c1 - c0) / (double)(t1 - t0);
#else
	(void)duration_ns;
	return 0;
#endif
}

double clock_ghz_from(uint64_t nr_ops, unsigned cycles_per_op, uint64_t ns)
{
	if (ns == 0 || nr_ops == 0 || cycles_per_op == 0)
		return NAN;
	return (double)nr_ops * cycles_per_op / (double)ns;
}

double clock_disagreement(double a, double b)
{
	if (!(a > 0) || !(b > 0) || isinf(a) || isinf(b))
		return NAN;
	return fabs(a - b) / (a < b ? a : b);
}

int clock_agree(double a, double b)
{
	double d = clock_disagreement(a, b);

	return isnan(d) ? -1 : d <= CLOCK_AGREE_TOL;
}

/* Instructions per trip of each chain. */
#define OPS_PER_TRIP 128

/* The operand is a register the compiler loads from a volatile, so neither
 * it nor the core knows the value at rename time. */
#if defined(__x86_64__)
#define ADD1 "add %1, %0\n\t"
#define MUL1 "imul %1, %0\n\t"
#define MUL_CYCLES 3 /* imul r64, r64: 3 cycles on every Intel and AMD core since P6/K8 */
#elif defined(__aarch64__)
#define ADD1 "add %0, %0, %1\n\t"
#define MUL1 "mul %0, %0, %1\n\t"
#define MUL_CYCLES 0 /* varies by core: no cross-check on Arm */
#else
#error "clock.c: no dependent chains for this architecture"
#endif
#define X8(op) op op op op op op op op
#define X64(op) X8(op) X8(op) X8(op) X8(op) X8(op) X8(op) X8(op) X8(op)

static volatile uint64_t one = 1;

/* Run nr_trips trips of OPS_PER_TRIP dependent adds (mul = 0) or multiplies;
 * noinline so the compiler cannot fold it. */
static __attribute__((noinline)) uint64_t chain(uint64_t nr_trips, int mul)
{
	uint64_t x = 1, y = one;

	if (mul)
		while (nr_trips--)
			__asm__ volatile(X64(MUL1) X64(MUL1) : "+r"(x) : "r"(y));
	else
		while (nr_trips--)
			__asm__ volatile(X64(ADD1) X64(ADD1) : "+r"(x) : "r"(y));
	return x;
}

/* Ops per ns of one chain over at least min_ns. */
static double chain_rate(uint64_t min_ns, int mul)
{
	uint64_t trips = 256, t0, dt;

	for (;;) {
		t0 = clock_ns();
		chase_sink = (void *)(uintptr_t)chain(trips, mul);
		dt = clock_ns() - t0;
		if (dt >= min_ns)
			break;
		trips *= dt < min_ns / 8 ? 8 : 2;
	}
	return clock_ghz_from(trips * OPS_PER_TRIP, 1, dt);
}

void clock_core_sample(uint64_t min_ns, struct clock_est *out)
{
	/* Add, multiply, add: the add estimate brackets the multiply in time,
	 * so a clock change during the sample shows as disagreement. */
	double a1 = chain_rate(min_ns / 4, 0);
	double m = chain_rate(min_ns / 2, 1);
	double a2 = chain_rate(min_ns / 4, 0);

	out->add_ghz = (a1 + a2) / 2;
	out->mul_ghz = MUL_CYCLES ? m * MUL_CYCLES : NAN;
}

void clock_summarise(const struct clock_est *s, size_t n, struct clock_point *out)
{
	double add[CLOCK_MAX_SAMPLES], mul[CLOCK_MAX_SAMPLES];
	size_t nr_mul = 0;

	if (n > CLOCK_MAX_SAMPLES)
		n = CLOCK_MAX_SAMPLES;
	for (size_t i = 0; i < n; i++) {
		add[i] = s[i].add_ghz;
		if (!isnan(s[i].mul_ghz))
			mul[nr_mul++] = s[i].mul_ghz;
	}
	out->ghz = n ? stats_median_of(add, n) : NAN;
	out->mul_ghz = nr_mul ? stats_median_of(mul, nr_mul) : NAN;
	out->disagreement = clock_disagreement(out->ghz, out->mul_ghz);
	out->agree = clock_agree(out->ghz, out->mul_ghz);
}

void clock_run_add(struct clock_run *r, const struct clock_point *p)
{
	if (r->nr == CLOCK_MAX_POINTS)
		return;
	r->ghz[r->nr] = p->ghz;
	r->mul_ghz[r->nr++] = p->mul_ghz;
	r->nr_agree += p->agree == 1;
	r->nr_disagree += p->agree == 0;
}

/* min, median, max of the non-NaN values of v[0..n) under key, key_min, key_max. */
static void json_spread(struct json *j, const char *key, const double *v, int n)
{
	double tmp[CLOCK_MAX_POINTS];
	struct stats st = { NAN, NAN, NAN, NAN, 0 };
	char k[64];
	size_t m = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(v[i]))
			tmp[m++] = v[i];
	if (m)
		stats_summary(tmp, m, &st);
	json_num(j, key, st.median);
	snprintf(k, sizeof(k), "%s_min", key);
	json_num(j, k, st.min);
	snprintf(k, sizeof(k), "%s_max", key);
	json_num(j, k, st.max);
}

void clock_run_json(struct json *j, const struct clock_run *r)
{
	int known = r->nr_agree + r->nr_disagree;

	json_spread(j, "core_ghz_est", r->ghz, r->nr);
	json_spread(j, "core_ghz_mul_est", r->mul_ghz, r->nr);
	json_str(j, "core_ghz_est_method",
		 "dependent register-register adds (1 cycle each); cross-checked by dependent imul (3 cycles each)");
	json_num(j, "clock_agree_tol", CLOCK_AGREE_TOL);
	json_int(j, "clock_points", r->nr);
	json_int(j, "clock_points_agree", r->nr_agree);
	json_int(j, "clock_points_uncertain", r->nr_disagree);
	json_num(j, "clock_agree_share", known ? (double)r->nr_agree / known : NAN);
}
