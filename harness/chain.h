/* Pointer chains laid out in a buffer: element i sits stride bytes after
 * element i-1 (plus a stagger), and holds the address of the next one. */
#ifndef PW_CHAIN_H
#define PW_CHAIN_H

#include <stddef.h>
#include <stdint.h>

/* Line size the stagger steps by: a cache line on every target CPU. */
#define CHAIN_LINE 64

enum chain_pattern {
	CHAIN_RAND, /* one random cycle over all elements (Sattolo) */
	CHAIN_SEQ,  /* ascending, then back to the first */
};

struct chain_spec {
	uint64_t stride_bytes;     /* >= 8, a multiple of 8 */
	enum chain_pattern pattern;
	int stagger;               /* element i on line chain_stagger_line(i) mod
				    * stride/64 of its slot */
	uint64_t seed;             /* same seed, same order */
	/* With stagger, optional: element i sits at (i mod span/step)*step in
	 * its slot, span 0 meaning the stride. tlbprobe uses span 4096 to keep
	 * every line in the first 4K of a huge page, and step 4096+64 to spread
	 * lines over the 4K sub-pages. Step 0: lines hashed as above. */
	uint64_t stagger_step, stagger_span;
};

/* Parse "rand" / "seq"; -1 if neither. */
int chain_pattern_parse(const char *s, enum chain_pattern *out);
const char *chain_pattern_name(enum chain_pattern p);

/* Number of elements a chain over bytes holds. */
uint64_t chain_nr_elems(uint64_t bytes, const struct chain_spec *spec);
/* The staggered line of element i, before "mod lines per slot": the top
 * half of i times 2^64/phi, mod 2^64. Not i itself: on a huge page the slot's own
 * address bits (12 and up) are i's low bits, so line i mod 64 would put a
 * 4K-stride chain in 64 of the L2's sets (seen: hugetlb2m read 30-42 ns at
 * 8-64 MiB, slower than 4k, and moved between runs with the pages' place
 * in the hashed L3; hashed lines read 10-21 ns). */
uint64_t chain_stagger_line(uint64_t i);
/* Byte offset of element i. */
uint64_t chain_offset(uint64_t i, const struct chain_spec *spec);

/* Build the chain over base[0..bytes); return the first element. O(n); a
 * random order is shuffled in a scratch array of 4 bytes per element when
 * one can be mapped, else in the buffer itself (same order either way).
 * bytes must hold at least 2 elements. */
void *chain_build(void *base, uint64_t bytes, const struct chain_spec *spec);
/* The same chain (same order, same layout) in each of bases[0..nb), its
 * first element in heads[b]: one shuffle, then one write pass per base,
 * cheaper than building one and cloning it. Without the scratch array the
 * shuffle runs in bases[0] and the others are clones of it. bytes must
 * hold at least 2 elements. */
void chain_build_many(void *const *bases, void **heads, int nb, uint64_t bytes,
		      const struct chain_spec *spec);
/* Largest element count shuffled in the scratch array (UINT32_MAX); tests
 * set 0 to take the in-place path. */
extern uint64_t chain_scratch_max_elems;
/* Copy the chain built at src into dst (same layout, same order), rebased. */
void *chain_clone(const void *src, void *dst, uint64_t bytes,
		  const struct chain_spec *spec);
/* Walk the chain from head: 0 when it is one cycle through all n elements,
 * every pointer on an element of the layout; else -1 with *why set. */
int chain_check(const void *base, uint64_t bytes, const struct chain_spec *spec,
		const char **why);

/* splitmix64: the seeded generator behind every random order. */
uint64_t chain_rand_next(uint64_t *state);

#endif
