/* Clocks. The core clock comes from a chain of dependent adds, each one
 * cycle of latency on every x86-64 and Arm core of the last decade, so adds
 * per ns is cycles per ns; on these VMs the core runs 1.4-1.7x the TSC. */
#include "clock.h"

#include "chase.h"

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

/* Adds per trip of the loop below. */
#define ADDS_PER_TRIP 128

#if defined(__x86_64__)
#define ADD1 "add $1, %0\n\t"
#elif defined(__aarch64__)
#define ADD1 "add %0, %0, #1\n\t"
#else
#error "clock.c: no dependent-add chain for this architecture"
#endif
#define ADD8 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1
#define ADD64 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8

/* Run nr_trips trips of ADDS_PER_TRIP dependent adds; noinline so the
 * compiler cannot fold it. */
static __attribute__((noinline)) uint64_t add_chain(uint64_t nr_trips)
{
	uint64_t x = 0;

	while (nr_trips--)
		__asm__ volatile(ADD64 ADD64 : "+r"(x));
	return x;
}

double clock_core_ghz_sample(uint64_t min_ns)
{
	uint64_t trips = 1024, t0, dt;

	for (;;) {
		t0 = clock_ns();
		chase_sink = (void *)(uintptr_t)add_chain(trips);
		dt = clock_ns() - t0;
		if (dt >= min_ns)
			break;
		trips *= dt < min_ns / 8 ? 8 : 2;
	}
	return (double)(trips * ADDS_PER_TRIP) / (double)dt;
}
