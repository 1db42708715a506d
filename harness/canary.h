/* The host's shared cache, watched: a small random chain that lives in the
 * L3, timed once after every point. Other tenants of a shared host take L3
 * space that no disturbance counter shows (no preemption, no steal), and
 * every footprint that lives in the L3 reads slower for it: seen here, a
 * second full run 5-59% slower from 32 MiB to 1 GiB on all backings alike,
 * and within 5% beyond. The canary puts a number on it, per point. */
#ifndef PW_CANARY_H
#define PW_CANARY_H

#include <stdint.h>

#include "buf.h"

#define CANARY_MAX_SAMPLES 1000
/* Its footprint: an eighth of the L3, within these bounds. */
#define CANARY_MIN_BYTES (2ull << 20)
#define CANARY_MAX_BYTES (64ull << 20)
#define CANARY_DEFAULT_BYTES (8ull << 20) /* L3 size unknown */
/* One sample: the chain's lines read back in (a sequential pass), then
 * this long timed. */
#define CANARY_SAMPLE_NS 2000000ull
/* Its p90 over its minimum from which the run is called "busy": a quiet run
 * here kept it near 1.1. */
#define CANARY_BUSY_SPREAD 1.25

struct canary {
	struct buf b;
	void *pos;
	uint64_t bytes;      /* its footprint */
	uint64_t trips;      /* loop trips per sample */
	double ns[CANARY_MAX_SAMPLES];
	unsigned n;
	int ready;
};

/* The footprint for an L3 of l3_bytes (0: unknown). */
uint64_t canary_bytes(uint64_t l3_bytes);
/* Map, populate and chain the canary (huge pages where THP gives them, so
 * the TLB stays out of it). -1 with why on failure (the run goes on
 * without it). */
int canary_init(struct canary *c, uint64_t l3_bytes, char *why, size_t len);
/* Take one sample; its ns per load (NaN when not ready). */
double canary_sample(struct canary *c);
struct json;
/* "canary" in meta.json: footprint, samples, median, min, max, p90, the
 * spread p90/min and state "steady" or "busy" (spread from
 * CANARY_BUSY_SPREAD); null without samples. */
void canary_json(struct json *j, const struct canary *c);
/* Unmap it; the samples stay for canary_json. */
void canary_free(struct canary *c);

#endif
