/* A small chain in the L3, timed after every point: the host's shared
 * cache as the run saw it. */
#include "canary.h"

#include "chain.h"
#include "chaseloop.h"
#include "clock.h"
#include "datafile.h"
#include "measure.h"
#include "stats.h"

#include <math.h>
#include <string.h>

uint64_t canary_bytes(uint64_t l3_bytes)
{
	uint64_t b = l3_bytes ? l3_bytes / 8 : CANARY_DEFAULT_BYTES;

	if (b < CANARY_MIN_BYTES)
		b = CANARY_MIN_BYTES;
	if (b > CANARY_MAX_BYTES)
		b = CANARY_MAX_BYTES;
	return b / BUF_HUGE_BYTES * BUF_HUGE_BYTES;
}

static const struct chain_spec canary_chain = { .stride_bytes = 64, .pattern = CHAIN_RAND, .seed = 7 };

int canary_init(struct canary *c, uint64_t l3_bytes, char *why, size_t len)
{
	uint64_t bytes = canary_bytes(l3_bytes);

	memset(c, 0, sizeof(*c));
	if (buf_alloc(&c->b, buf_backing_find("thp"), bytes, why, len) &&
	    buf_alloc(&c->b, buf_backing_find("4k"), bytes, why, len))
		return -1;
	if (buf_populate(&c->b, NULL, why, len)) {
		buf_free(&c->b);
		return -1;
	}
	c->bytes = bytes;
	c->pos = chain_build(c->b.base, bytes, &canary_chain);
	c->trips = measure_calibrate(&c->pos, CANARY_SAMPLE_NS);
	c->ready = 1;
	return 0;
}

double canary_sample(struct canary *c)
{
	uint64_t sum = 0, t0, dt;
	double ns;

	if (!c->ready)
		return NAN;
	/* The points before evicted it: read every line back in first. */
	for (uint64_t off = 0; off < c->bytes; off += CHAIN_LINE)
		sum += *(volatile const uint64_t *)(c->b.base + off);
	chase_sink = (void *)(uintptr_t)sum;
	t0 = clock_ns();
	c->pos = chase_run(c->pos, c->trips);
	dt = clock_ns() - t0;
	chase_sink = c->pos;
	ns = (double)dt / (double)(c->trips * CHASE_UNROLL);
	if (c->n < CANARY_MAX_SAMPLES)
		c->ns[c->n++] = ns;
	return ns;
}

void canary_json(struct json *j, const struct canary *c)
{
	static double v[CANARY_MAX_SAMPLES];
	struct stats st;

	if (!c->n) {
		json_null(j, "canary");
		return;
	}
	memcpy(v, c->ns, c->n * sizeof(v[0]));
	stats_summary(v, c->n, &st);
	json_obj(j, "canary");
	json_int(j, "footprint_bytes", (int64_t)c->bytes);
	json_int(j, "samples", (int64_t)c->n);
	json_num(j, "ns_median", st.median);
	json_num(j, "ns_min", st.min);
	json_num(j, "ns_max", st.max);
	json_num(j, "ns_p90", st.p90);
	json_num(j, "spread", st.p90 / st.min);
	json_str(j, "state", st.p90 / st.min >= CANARY_BUSY_SPREAD ? "busy" : "steady");
	json_obj_end(j);
}

void canary_free(struct canary *c)
{
	if (c->ready)
		buf_free(&c->b);
	c->ready = 0;
}
