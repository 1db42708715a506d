/* Chains: element layout, Sattolo's single-cycle shuffle done in place
 * (the buffer holds the permutation, then the pointers), and a self-check. */
#include "chain.h"

#include "chase.h"

#include <string.h>

void *volatile chase_sink;

int chain_pattern_parse(const char *s, enum chain_pattern *out)
{
	if (!strcmp(s, "rand"))
		*out = CHAIN_RAND;
	else if (!strcmp(s, "seq"))
		*out = CHAIN_SEQ;
	else
		return -1;
	return 0;
}

const char *chain_pattern_name(enum chain_pattern p)
{
	return p == CHAIN_RAND ? "rand" : "seq";
}

uint64_t chain_rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Return a number in [0, bound): Lemire's multiply, bias < bound / 2^64. */
static uint64_t rand_below(uint64_t *state, uint64_t bound)
{
	return (uint64_t)(((unsigned __int128)chain_rand_next(state) * bound) >> 64);
}

uint64_t chain_nr_elems(uint64_t bytes, const struct chain_spec *spec)
{
	return bytes / spec->stride_bytes;
}

uint64_t chain_offset(uint64_t i, const struct chain_spec *spec)
{
	uint64_t off = i * spec->stride_bytes;
	uint64_t step = spec->stagger_step ? spec->stagger_step : CHAIN_LINE;
	uint64_t span = spec->stagger_span ? spec->stagger_span : spec->stride_bytes;
	uint64_t slots = span / step;

	if (spec->stagger && slots > 1)
		off += (i % slots) * step;
	return off;
}

static uint64_t *slot(void *base, uint64_t i, const struct chain_spec *spec)
{
	return (uint64_t *)((char *)base + chain_offset(i, spec));
}

void *chain_build(void *base, uint64_t bytes, const struct chain_spec *spec)
{
	uint64_t n = chain_nr_elems(bytes, spec);
	uint64_t state = spec->seed;

	/* First the permutation as indices: slot i holds next(i). */
	if (spec->pattern == CHAIN_SEQ) {
		for (uint64_t i = 0; i < n; i++)
			*slot(base, i, spec) = i + 1 < n ? i + 1 : 0;
	} else {
		for (uint64_t i = 0; i < n; i++)
			*slot(base, i, spec) = i;
		/* Sattolo: j < i strictly, so the result is a single cycle. */
		for (uint64_t i = n - 1; i > 0; i--) {
			uint64_t j = rand_below(&state, i);
			uint64_t *a = slot(base, i, spec), *b = slot(base, j, spec);
			uint64_t t = *a;

			*a = *b;
			*b = t;
		}
	}
	/* Then indices become addresses. */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *s = slot(base, i, spec);

		*s = (uint64_t)(uintptr_t)((char *)base + chain_offset(*s, spec));
	}
	return slot(base, 0, spec);
}

void *chain_clone(const void *src, void *dst, uint64_t bytes,
		  const struct chain_spec *spec)
{
	uint64_t n = chain_nr_elems(bytes, spec);
	uintptr_t from = (uintptr_t)src, to = (uintptr_t)dst;

	for (uint64_t i = 0; i < n; i++)
		*slot(dst, i, spec) = *slot((void *)src, i, spec) - from + to;
	return slot(dst, 0, spec);
}

int chain_check(const void *base, uint64_t bytes, const struct chain_spec *spec,
		const char **why)
{
	uint64_t n = chain_nr_elems(bytes, spec);
	const char *b = base;
	const void *head = b + chain_offset(0, spec), *p = head;

	for (uint64_t step = 1; step <= n; step++) {
		uintptr_t off = (uintptr_t)*(void *const *)p - (uintptr_t)b;
		uint64_t i = off / spec->stride_bytes;

		if (off >= bytes || i >= n || chain_offset(i, spec) != off) {
			*why = "a pointer leaves the element layout";
			return -1;
		}
		p = b + off;
		if (p == head && step != n) {
			*why = "the chain closes before visiting every element";
			return -1;
		}
	}
	if (p != head) {
		*why = "the chain does not return to its head after n steps";
		return -1;
	}
	return 0;
}
