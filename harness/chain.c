/* Chains: element layout, Sattolo's single-cycle shuffle done in place
 * (the buffer holds the permutation, then the pointers), and a self-check. */
#include "chain.h"

#include <string.h>
#include <sys/mman.h>

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

uint64_t chain_stagger_line(uint64_t i)
{
	return (i * 0x9e3779b97f4a7c15ull) >> 32;
}

/* Inlined in the build loops, which run it once per element of up to
 * gigabytes (chain_offset is the same, for callers outside). */
static inline uint64_t offset_of(uint64_t i, const struct chain_spec *spec)
{
	uint64_t off = i * spec->stride_bytes;
	uint64_t step = spec->stagger_step ? spec->stagger_step : CHAIN_LINE;
	uint64_t span = spec->stagger_span ? spec->stagger_span : spec->stride_bytes;
	uint64_t slots = span / step;

	if (spec->stagger && slots > 1)
		off += (spec->stagger_step ? i % slots : chain_stagger_line(i) % slots) * step;
	return off;
}

uint64_t chain_offset(uint64_t i, const struct chain_spec *spec)
{
	return offset_of(i, spec);
}

static uint64_t *slot(void *base, uint64_t i, const struct chain_spec *spec)
{
	return (uint64_t *)((char *)base + offset_of(i, spec));
}

uint64_t chain_scratch_max_elems = UINT32_MAX;

/* Sattolo over indices, where AT(i) names the place holding next(i): the
 * 32-bit scratch array or the buffer's own slot. j < i strictly, so the
 * result is a single cycle; the same seed gives the same order either way. */
#define SATTOLO(n, state, AT)                                                  \
	do {                                                                   \
		for (uint64_t i_ = (n)-1; i_ > 0; i_--) {                      \
			uint64_t j_ = rand_below((state), i_);                 \
			uint64_t t_ = AT(i_);                                  \
                                                                               \
			AT(i_) = AT(j_);                                       \
			AT(j_) = t_;                                           \
		}                                                              \
	} while (0)
#define IDX_AT(i) idx[i]
#define SLOT_AT(i) (*slot(base, (i), spec))

/* A scratch array of n 32-bit indices on huge pages where they can be had:
 * the shuffle's random swaps then touch 4 bytes per element in few TLB
 * entries, not one line per element in the buffer's own (often 4K) pages.
 * 4 GiB at stride 64 on 4K pages built in seconds instead of tens of them. */
static uint32_t *scratch_map(uint64_t n)
{
	void *p;

	if (n > chain_scratch_max_elems)
		return NULL;
	p = mmap(NULL, n * sizeof(uint32_t), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, n * sizeof(uint32_t), MADV_HUGEPAGE);
	return p;
}

/* Write one chain into every base, each from the same order: a random
 * one from idx (next(i) = idx[i]), else the ascending one. One write pass
 * per base, reading no other buffer. */
static void write_from(void *const *bases, void **heads, int nb, uint64_t n,
		       const uint32_t *idx, const struct chain_spec *spec)
{
	for (int b = 0; b < nb; b++) {
		char *base = bases[b];

		for (uint64_t i = 0; i < n; i++) {
			uint64_t next = idx ? idx[i] : i + 1 < n ? i + 1 : 0;

			*slot(base, i, spec) = (uint64_t)(uintptr_t)(base + offset_of(next, spec));
		}
		heads[b] = slot(base, 0, spec);
	}
}

void chain_build_many(void *const *bases, void **heads, int nb, uint64_t bytes,
		      const struct chain_spec *spec)
{
	uint64_t n = chain_nr_elems(bytes, spec);
	uint64_t state = spec->seed;
	uint32_t *idx = spec->pattern == CHAIN_RAND ? scratch_map(n) : NULL;
	char *base = bases[0];

	if (idx) {
		for (uint64_t i = 0; i < n; i++)
			idx[i] = (uint32_t)i;
		SATTOLO(n, &state, IDX_AT);
		write_from(bases, heads, nb, n, idx, spec);
		munmap(idx, n * sizeof(uint32_t));
		return;
	}
	if (spec->pattern == CHAIN_SEQ) {
		write_from(bases, heads, nb, n, NULL, spec);
		return;
	}
	/* In place: first the permutation as indices (next(i) at slot i), then
	 * the indices become addresses; the other bases get copies. */
	for (uint64_t i = 0; i < n; i++)
		*slot(base, i, spec) = i;
	SATTOLO(n, &state, SLOT_AT);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *s = slot(base, i, spec);

		*s = (uint64_t)(uintptr_t)(base + offset_of(*s, spec));
	}
	heads[0] = slot(base, 0, spec);
	for (int b = 1; b < nb; b++)
		heads[b] = chain_clone(base, bases[b], bytes, spec);
}

void *chain_build(void *base, uint64_t bytes, const struct chain_spec *spec)
{
	void *head;

	chain_build_many(&base, &head, 1, bytes, spec);
	return head;
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
