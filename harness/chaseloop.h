/* The timed loop: dependent loads, unrolled, nothing else inside. Each
 * element holds the address of the next, so one load is in flight at a time
 * and the time per load is the load-to-use latency. */
#ifndef PW_CHASELOOP_H
#define PW_CHASELOOP_H

#include <stdint.h>

/* Loads per loop trip: enough that the loop branch is noise. */
#define CHASE_UNROLL 16

#define CHASE_1(p) ((p) = *(void *const *)(p))
#define CHASE_4(p) do { CHASE_1(p); CHASE_1(p); CHASE_1(p); CHASE_1(p); } while (0)
#define CHASE_16(p) do { CHASE_4(p); CHASE_4(p); CHASE_4(p); CHASE_4(p); } while (0)

/* Follow the chain from p for nr_trips * CHASE_UNROLL loads; return where it
 * stopped, which the caller must keep live (chase_sink) so the loads stay. */
static inline void *chase_run(void *p, uint64_t nr_trips)
{
	while (nr_trips--) {
		CHASE_16(p);
		/* The compiler may not merge or hoist loads across trips. */
		__asm__ volatile("" : "+r"(p));
	}
	return p;
}

/* Somewhere to fold the final pointer into, so the chase is never dead. */
extern void *volatile chase_sink;

#endif
