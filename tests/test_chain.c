/* harness/chain.c: a chain is one cycle through every element, laid out by
 * stride and stagger; walked here with an independent visited bitmap. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "chain.h"

struct chain_case {
	enum chain_pattern pattern;
	uint64_t stride;
	int stagger;
	uint64_t bytes;
};

/* Map a zeroed, page-aligned buffer; the test process unmaps it at exit. */
static char *map_buf(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED, "mmap %llu bytes", (unsigned long long)bytes);
	return p;
}

static struct chain_spec spec_of(const struct chain_case *c, uint64_t seed)
{
	return (struct chain_spec){
	    .stride_bytes = c->stride, .pattern = c->pattern, .stagger = c->stagger, .seed = seed};
}

/* The layout, written out again: element i at i*stride, plus, when
 * staggered and a slot holds several lines, line (top half of i * 2^64/phi)
 * mod stride/64. */
static uint64_t expect_offset(uint64_t i, uint64_t stride, int stagger)
{
	uint64_t lines = stride / 64;
	uint64_t line = (i * 0x9e3779b97f4a7c15ull) >> 32; /* the product mod 2^64 */

	return i * stride + (stagger && lines > 1 ? line % lines * 64 : 0);
}

/* The element index a pointer names; fails the test when it names none. */
static uint64_t index_of(const char *base, uint64_t n, const struct chain_case *c, const void *ptr)
{
	uintptr_t off = (uintptr_t)ptr - (uintptr_t)base;
	uint64_t i = off / c->stride;

	cr_assert_lt(i, n, "pointer at offset %llu is past the last element",
		     (unsigned long long)off);
	cr_assert_eq(off, expect_offset(i, c->stride, c->stagger),
		     "pointer at offset %llu is not element %llu's start", (unsigned long long)off,
		     (unsigned long long)i);
	return i;
}

static void *next_of(const void *p)
{
	return *(void *const *)p;
}

/* Build c's chain with seed over a fresh buffer. */
static char *build(const struct chain_case *c, uint64_t seed, void **head)
{
	struct chain_spec s = spec_of(c, seed);
	char *base = map_buf(c->bytes);

	*head = chain_build(base, c->bytes, &s);
	return base;
}

static struct chain_case cases[] = {
    {CHAIN_RAND, 64, 0, 2 * 64},	  {CHAIN_RAND, 64, 0, 64 << 10},
    {CHAIN_RAND, 64, 0, (4 << 20) + 100}, {CHAIN_RAND, 128, 0, 1 << 20},
    {CHAIN_RAND, 128, 1, 1 << 20},	  {CHAIN_RAND, 192, 1, 300000},
    {CHAIN_RAND, 4096, 0, 16 << 20},	  {CHAIN_RAND, 4096, 1, 16 << 20},
    {CHAIN_RAND, 4096, 1, 2 * 4096},	  {CHAIN_SEQ, 64, 0, 2 * 64},
    {CHAIN_SEQ, 64, 0, 64 << 10},	  {CHAIN_SEQ, 64, 0, (4 << 20) + 100},
    {CHAIN_SEQ, 128, 0, 1 << 20},	  {CHAIN_SEQ, 128, 1, 1 << 20},
    {CHAIN_SEQ, 192, 1, 300000},	  {CHAIN_SEQ, 4096, 0, 16 << 20},
    {CHAIN_SEQ, 4096, 1, 16 << 20},	  {CHAIN_SEQ, 4096, 1, 2 * 4096},
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

#define CASE_FMT "%s stride %llu%s over %llu bytes"
#define CASE_ARGS(c)                                                                               \
	chain_pattern_name((c)->pattern), (unsigned long long)(c)->stride,                         \
	    (c)->stagger ? " staggered" : "", (unsigned long long)(c)->bytes

ParameterizedTestParameters(chain, check_passes)
{
	return cr_make_param_array(struct chain_case, cases, NR_CASES);
}

ParameterizedTest(struct chain_case *c, chain, check_passes)
{
	struct chain_spec s = spec_of(c, 42);
	const char *why = NULL;
	void *head;
	char *base = build(c, 42, &head);

	cr_assert_eq(chain_check(base, c->bytes, &s, &why), 0, CASE_FMT ": %s", CASE_ARGS(c),
		     why ? why : "");
}

ParameterizedTestParameters(chain, one_cycle_visits_each_once)
{
	return cr_make_param_array(struct chain_case, cases, NR_CASES);
}

ParameterizedTest(struct chain_case *c, chain, one_cycle_visits_each_once)
{
	uint64_t n = c->bytes / c->stride;
	uint8_t *seen = calloc(n, 1);
	void *head, *p;
	char *base = build(c, 7, &head);
	uint64_t len = 0;

	cr_assert_not_null(seen);
	cr_assert_eq(head, (void *)base, "head is not element 0 at offset 0");
	p = head;
	do {
		uint64_t i = index_of(base, n, c, p);

		cr_assert_eq(seen[i], 0, CASE_FMT ": element %llu visited twice after %llu steps",
			     CASE_ARGS(c), (unsigned long long)i, (unsigned long long)len);
		seen[i] = 1;
		p = next_of(p);
		len++;
	} while (p != head && len <= n);
	cr_assert_eq(len, n, CASE_FMT ": cycle length", CASE_ARGS(c));
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(seen[i], 1, "element %llu never visited", (unsigned long long)i);
	free(seen);
}

ParameterizedTestParameters(chain, layout_respects_stride_and_stagger)
{
	return cr_make_param_array(struct chain_case, cases, NR_CASES);
}

ParameterizedTest(struct chain_case *c, chain, layout_respects_stride_and_stagger)
{
	struct chain_spec s = spec_of(c, 3);
	uint64_t n = c->bytes / c->stride;
	void *head;
	char *base = build(c, 3, &head);

	cr_assert_eq(chain_nr_elems(c->bytes, &s), n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t want = expect_offset(i, c->stride, c->stagger);

		cr_assert_eq(chain_offset(i, &s), want, CASE_FMT ": chain_offset(%llu)",
			     CASE_ARGS(c), (unsigned long long)i);
		cr_assert_leq(want + sizeof(void *), c->bytes, "element %llu overruns the buffer",
			      (unsigned long long)i);
		/* Every stored pointer names an element start (index_of asserts). */
		index_of(base, n, c, next_of(base + want));
	}
}

ParameterizedTestParameters(chain, same_seed_same_order)
{
	return cr_make_param_array(struct chain_case, cases, NR_CASES);
}

ParameterizedTest(struct chain_case *c, chain, same_seed_same_order)
{
	uint64_t n = c->bytes / c->stride;
	void *h1, *h2;
	char *b1 = build(c, 1234, &h1), *b2 = build(c, 1234, &h2);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = expect_offset(i, c->stride, c->stagger);

		cr_assert_eq((uintptr_t)next_of(b1 + off) - (uintptr_t)b1,
			     (uintptr_t)next_of(b2 + off) - (uintptr_t)b2,
			     CASE_FMT ": element %llu differs", CASE_ARGS(c),
			     (unsigned long long)i);
	}
}

ParameterizedTestParameters(chain, in_place_same_order_as_scratch)
{
	return cr_make_param_array(struct chain_case, cases, NR_CASES);
}

/* Without the scratch array (too many elements, or no memory for it) the
 * shuffle runs in the buffer itself and must give the very same chain. */
ParameterizedTest(struct chain_case *c, chain, in_place_same_order_as_scratch)
{
	uint64_t n = c->bytes / c->stride, saved = chain_scratch_max_elems;
	void *h1, *h2;
	char *b1 = build(c, 99, &h1), *b2;

	chain_scratch_max_elems = 0;
	b2 = build(c, 99, &h2);
	chain_scratch_max_elems = saved;
	cr_assert_eq((uintptr_t)h1 - (uintptr_t)b1, (uintptr_t)h2 - (uintptr_t)b2);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = expect_offset(i, c->stride, c->stagger);

		cr_assert_eq((uintptr_t)next_of(b1 + off) - (uintptr_t)b1,
			     (uintptr_t)next_of(b2 + off) - (uintptr_t)b2,
			     CASE_FMT ": element %llu differs in place", CASE_ARGS(c),
			     (unsigned long long)i);
	}
}

ParameterizedTestParameters(chain, clone_rebases_same_order)
{
	return cr_make_param_array(struct chain_case, cases, NR_CASES);
}

ParameterizedTest(struct chain_case *c, chain, clone_rebases_same_order)
{
	struct chain_spec s = spec_of(c, 99);
	uint64_t n = c->bytes / c->stride;
	const char *why = NULL;
	void *head;
	char *src = build(c, 99, &head), *dst = map_buf(c->bytes);
	void *dhead = chain_clone(src, dst, c->bytes, &s);

	cr_assert_eq(dhead, (void *)dst);
	cr_assert_eq(chain_check(dst, c->bytes, &s, &why), 0, "clone: %s", why ? why : "");
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = expect_offset(i, c->stride, c->stagger);
		uint64_t si = index_of(src, n, c, next_of(src + off));
		uint64_t di = index_of(dst, n, c, next_of(dst + off)); /* inside dst */

		cr_assert_eq(si, di, "element %llu: next %llu in src, %llu in clone",
			     (unsigned long long)i, (unsigned long long)si, (unsigned long long)di);
	}
}

ParameterizedTestParameters(chain, build_many_same_chain_in_every_base)
{
	return cr_make_param_array(struct chain_case, cases, NR_CASES);
}

/* chain_build_many writes the chain chain_build gives into every base,
 * with the scratch array and without it (shuffled in place, then copied). */
ParameterizedTest(struct chain_case *c, chain, build_many_same_chain_in_every_base)
{
	struct chain_spec s = spec_of(c, 99);
	uint64_t n = c->bytes / c->stride, saved = chain_scratch_max_elems;
	void *ref_head, *heads[3], *bases[3];
	char *ref = build(c, 99, &ref_head);

	for (int way = 0; way < 2; way++) {
		chain_scratch_max_elems = way ? 0 : saved;
		for (int b = 0; b < 3; b++) {
			bases[b] = map_buf(c->bytes);
			heads[b] = NULL;
		}
		chain_build_many(bases, heads, 3, c->bytes, &s);
		chain_scratch_max_elems = saved;
		for (int b = 0; b < 3; b++) {
			const char *base = bases[b], *why = NULL;

			cr_assert_eq((uintptr_t)heads[b] - (uintptr_t)base, (uintptr_t)ref_head - (uintptr_t)ref,
				     CASE_FMT ": base %d's head", CASE_ARGS(c), b);
			cr_assert_eq(chain_check(base, c->bytes, &s, &why), 0, CASE_FMT ": base %d: %s",
				     CASE_ARGS(c), b, why ? why : "");
			for (uint64_t i = 0; i < n; i++) {
				uint64_t off = expect_offset(i, c->stride, c->stagger);

				cr_assert_eq(index_of(base, n, c, next_of(base + off)),
					     index_of(ref, n, c, next_of(ref + off)),
					     CASE_FMT ": base %d (%s): element %llu's next differs", CASE_ARGS(c), b,
					     way ? "in place" : "scratch", (unsigned long long)i);
			}
			munmap(bases[b], c->bytes);
		}
	}
}

/* The order a seed gives is part of a run's identity (--seed): pinned, on
 * both shuffle paths, so a change to the shuffle cannot pass unnoticed.
 * The list is what seed 99 gave before chain_build_many existed. */
Test(chain, seed_99_order_is_pinned)
{
	static const uint64_t want[16] = { 11, 4, 9, 14, 8, 13, 7, 15, 5, 6, 2, 12, 1, 10, 0, 3 };
	struct chain_spec s = { .stride_bytes = 64, .pattern = CHAIN_RAND, .seed = 99 };
	uint64_t saved = chain_scratch_max_elems;

	for (int way = 0; way < 2; way++) {
		char *base = map_buf(16 * 64);

		chain_scratch_max_elems = way ? 0 : saved;
		chain_build(base, 16 * 64, &s);
		chain_scratch_max_elems = saved;
		for (uint64_t i = 0; i < 16; i++)
			cr_assert_eq(((uintptr_t)next_of(base + i * 64) - (uintptr_t)base) / 64, want[i],
				     "%s: element %llu's next", way ? "in place" : "scratch", (unsigned long long)i);
		munmap(base, 16 * 64);
	}
}

/* Cases with enough elements for order statistics to mean something. */
static struct chain_case big_cases[] = {
    {CHAIN_RAND, 64, 0, 64 << 10},
    {CHAIN_RAND, 128, 1, 1 << 20},
    {CHAIN_RAND, 4096, 1, 16 << 20},
};
#define NR_BIG (sizeof(big_cases) / sizeof(big_cases[0]))

ParameterizedTestParameters(chain, different_seed_different_order)
{
	return cr_make_param_array(struct chain_case, big_cases, NR_BIG);
}

ParameterizedTest(struct chain_case *c, chain, different_seed_different_order)
{
	uint64_t n = c->bytes / c->stride, nr_same = 0;
	void *h1, *h2;
	char *b1 = build(c, 1, &h1), *b2 = build(c, 2, &h2);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = expect_offset(i, c->stride, c->stagger);

		nr_same +=
		    index_of(b1, n, c, next_of(b1 + off)) == index_of(b2, n, c, next_of(b2 + off));
	}
	/* Two independent random cycles agree on about 1 successor in total. */
	cr_assert_lt(nr_same, n / 100 + 5, CASE_FMT ": %llu of %llu successors equal", CASE_ARGS(c),
		     (unsigned long long)nr_same, (unsigned long long)n);
}

ParameterizedTestParameters(chain, rand_is_not_sequential)
{
	return cr_make_param_array(struct chain_case, big_cases, NR_BIG);
}

ParameterizedTest(struct chain_case *c, chain, rand_is_not_sequential)
{
	uint64_t n = c->bytes / c->stride, nr_seq = 0;
	void *head;
	char *base = build(c, 5, &head);

	for (uint64_t i = 0; i < n; i++)
		nr_seq +=
		    index_of(base, n, c, next_of(base + expect_offset(i, c->stride, c->stagger))) ==
		    (i + 1) % n;
	cr_assert_lt(nr_seq, n / 100 + 5, CASE_FMT ": %llu of %llu successors are i+1",
		     CASE_ARGS(c), (unsigned long long)nr_seq, (unsigned long long)n);
}

ParameterizedTestParameters(chain, seq_visits_ascending)
{
	static struct chain_case seq[] = {
	    {CHAIN_SEQ, 64, 0, 64 << 10},
	    {CHAIN_SEQ, 128, 1, 1 << 20},
	    {CHAIN_SEQ, 4096, 0, 16 << 20},
	    {CHAIN_SEQ, 4096, 1, 16 << 20},
	};
	return cr_make_param_array(struct chain_case, seq, sizeof(seq) / sizeof(seq[0]));
}

ParameterizedTest(struct chain_case *c, chain, seq_visits_ascending)
{
	uint64_t n = c->bytes / c->stride;
	void *head;
	char *base = build(c, 0, &head);
	char *p = head;

	for (uint64_t step = 0; step + 1 < n; step++) {
		char *q = next_of(p);

		cr_assert_gt(q, p, CASE_FMT ": step %llu goes down", CASE_ARGS(c),
			     (unsigned long long)step);
		cr_assert_eq(index_of(base, n, c, q), step + 1);
		p = q;
	}
	cr_assert_eq(next_of(p), head, "the last element does not return to the first");
}

Test(chain, nr_elems_and_pattern_names)
{
	struct chain_spec s = {.stride_bytes = 4096};
	enum chain_pattern p = CHAIN_SEQ;

	cr_assert_eq(chain_nr_elems(1 << 20, &s), 256);
	cr_assert_eq(chain_nr_elems((1 << 20) + 4095, &s), 256);
	cr_assert_eq(chain_pattern_parse("rand", &p), 0);
	cr_assert_eq(p, CHAIN_RAND);
	cr_assert_eq(chain_pattern_parse("seq", &p), 0);
	cr_assert_eq(p, CHAIN_SEQ);
	cr_assert_eq(chain_pattern_parse("random", &p), -1);
	cr_assert_eq(chain_pattern_parse("", &p), -1);
	cr_assert_str_eq(chain_pattern_name(CHAIN_RAND), "rand");
	cr_assert_str_eq(chain_pattern_name(CHAIN_SEQ), "seq");
}

/* chain_check on damaged chains: a fixture-free helper builds a good one. */
static char *good_chain(struct chain_spec *s, uint64_t bytes)
{
	const char *why = NULL;
	char *base = map_buf(bytes);

	chain_build(base, bytes, s);
	cr_assert_eq(chain_check(base, bytes, s, &why), 0, "the intact chain: %s", why);
	return base;
}

static void set_next(char *base, const struct chain_spec *s, uint64_t i, const void *to)
{
	*(const void **)(base + chain_offset(i, s)) = to;
}

static void expect_refused(const char *base, uint64_t bytes, const struct chain_spec *s,
			   const char *what, const char *word)
{
	const char *why = NULL;

	cr_assert_eq(chain_check(base, bytes, s, &why), -1, "%s not detected", what);
	cr_assert_not_null(why, "%s: no reason", what);
	cr_assert_not_null(strstr(why, word), "%s: reason \"%s\" lacks \"%s\"", what, why, word);
}

Test(chain_check, detects_two_cycle)
{
	struct chain_spec s = {.stride_bytes = 64, .pattern = CHAIN_RAND, .seed = 1};
	uint64_t bytes = 64 << 10;
	char *base = good_chain(&s, bytes);
	char *second = next_of(base);

	/* head -> second -> head: a cycle of 2 out of 1024. */
	*(void **)second = base;
	expect_refused(base, bytes, &s, "a two-cycle", "closes");
}

Test(chain_check, detects_self_loop)
{
	struct chain_spec s = {.stride_bytes = 64, .pattern = CHAIN_SEQ};
	uint64_t bytes = 4096;
	char *base = good_chain(&s, bytes);

	set_next(base, &s, 0, base);
	expect_refused(base, bytes, &s, "a self-loop", "closes");
}

Test(chain_check, detects_cycle_missing_the_head)
{
	struct chain_spec s = {.stride_bytes = 128, .pattern = CHAIN_SEQ};
	uint64_t bytes = 128 * 100;
	char *base = good_chain(&s, bytes);

	/* 0 -> 1 -> ... -> 99 -> 1: the head is never reached again. */
	set_next(base, &s, 99, base + chain_offset(1, &s));
	expect_refused(base, bytes, &s, "a rho-shaped chain", "return");
}

/* Point element `from` at decoy, and plant a copy of element to's pointer
 * there: the chain still goes round, so only the layout check can object. */
static void redirect_via_decoy(char *base, const struct chain_spec *s, uint64_t from, uint64_t to,
			       char *decoy)
{
	*(void **)decoy = next_of(base + chain_offset(to, s));
	set_next(base, s, from, decoy);
}

/* The element whose next is to. */
static uint64_t pred_of(const char *base, uint64_t bytes, const struct chain_spec *s, uint64_t to)
{
	for (uint64_t i = 0; i < chain_nr_elems(bytes, s); i++)
		if (next_of(base + chain_offset(i, s)) == base + chain_offset(to, s))
			return i;
	cr_assert_fail("element %llu has no predecessor", (unsigned long long)to);
	return 0;
}

Test(chain_check, detects_pointer_inside_an_element)
{
	struct chain_spec s = {.stride_bytes = 64, .pattern = CHAIN_RAND, .seed = 9};
	uint64_t bytes = 64 << 10;
	char *base = good_chain(&s, bytes);

	redirect_via_decoy(base, &s, pred_of(base, bytes, &s, 7), 7,
			   base + chain_offset(7, &s) + 8);
	expect_refused(base, bytes, &s, "a pointer 8 bytes into an element", "layout");
}

Test(chain_check, detects_pointer_outside_the_buffer)
{
	struct chain_spec s = {.stride_bytes = 64, .pattern = CHAIN_RAND, .seed = 9};
	uint64_t bytes = 64 << 10;
	char *base = good_chain(&s, bytes);
	void *saved = next_of(base);

	set_next(base, &s, 0, base + bytes);
	expect_refused(base, bytes, &s, "a pointer one past the end", "layout");
	set_next(base, &s, 0, base - 64);
	expect_refused(base, bytes, &s, "a pointer before the start", "layout");
	set_next(base, &s, 0, NULL);
	expect_refused(base, bytes, &s, "a NULL pointer", "layout");
	set_next(base, &s, 0, saved);
	cr_assert_eq(chain_check(base, bytes, &s, &(const char *){NULL}), 0, "repaired");
}

/* On a huge page a slot's address bits from 12 up are the element's own
 * low bits: staggered lines must still reach every set of a 2048-set cache
 * (bits 6-16), as they do on 4K pages with scattered frames. */
Test(chain, stagger_spreads_over_cache_sets_on_contiguous_memory)
{
	struct chain_spec s = {.stride_bytes = 4096, .pattern = CHAIN_RAND, .stagger = 1};
	static unsigned char seen[2048];
	unsigned nr = 0;

	for (uint64_t i = 0; i < 8192; i++) {
		unsigned set = (unsigned)(chain_offset(i, &s) >> 6) & 2047;

		nr += !seen[set];
		seen[set] = 1;
	}
	cr_assert_geq(nr, 2000, "8192 staggered lines reach only %u of 2048 sets", nr);
}

Test(chain_check, detects_unstaggered_pointer_in_staggered_layout)
{
	struct chain_spec s = {
	    .stride_bytes = 4096, .pattern = CHAIN_RAND, .stagger = 1, .seed = 4};
	uint64_t bytes = 4096 * 256;
	char *base = good_chain(&s, bytes);

	/* Element 7 lives at 7*4096 + 7*64; its slot's start is no element. */
	redirect_via_decoy(base, &s, pred_of(base, bytes, &s, 7), 7, base + 7 * 4096);
	expect_refused(base, bytes, &s, "a pointer ignoring the stagger", "layout");
}

Test(chain_check, refuses_an_unbuilt_buffer)
{
	struct chain_spec s = {.stride_bytes = 64, .pattern = CHAIN_SEQ};
	char *base = map_buf(4096);

	expect_refused(base, 4096, &s, "a zeroed buffer", "layout");
}
