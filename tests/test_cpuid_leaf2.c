/* harness/cpuid_leaf2.c: data TLBs from leaf 2 descriptors recorded on
 * Intel parts (Core 2, Nehalem, Haswell, Skylake; Ice Lake points to leaf
 * 18h), decoded per Intel SDM vol. 2A, Table 3-12. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdint.h>

#include "cpuid_leaf2.h"

#define KB_4K 4u
#define KB_2M 2048u
#define KB_1G 1048576u

struct recorded {
	const char *cpu;
	uint32_t regs[4]; /* EAX EBX ECX EDX */
	int use_leaf18;
	int nr;
	struct cpu_tlb want[6]; /* page_kb, level, entries, ways */
};

ParameterizedTestParameters(cpuid_leaf2, recorded)
{
	static struct recorded parts[] = {
	    /* i7-6700K: 63 (DTLB 2M 32 + 1G 4), 03 (DTLB 4K 64), C3 (STLB
	     * 4K/2M 1536 6-way + 1G 16); 76, B5 instruction TLBs; FF sends
	     * caches (not TLBs) to leaf 4; F0 a prefetch size. */
	    {"Skylake",
	     {0x76036301, 0x00f0b5ff, 0x00000000, 0x00c30000},
	     0,
	     6,
	     {{KB_4K, 1, 64, 4},
	      {KB_2M, 1, 32, 4},
	      {KB_1G, 1, 4, 4},
	      {KB_4K, 2, 1536, 6},
	      {KB_2M, 2, 1536, 6},
	      {KB_1G, 2, 16, 4}}},
	    /* Haswell: C1, an 8-way 1024-entry STLB for 4K and 2M. */
	    {"Haswell",
	     {0x76036301, 0x00f0b5ff, 0x00000000, 0x00c10000},
	     0,
	     5,
	     {{KB_4K, 1, 64, 4},
	      {KB_2M, 1, 32, 4},
	      {KB_1G, 1, 4, 4},
	      {KB_4K, 2, 1024, 8},
	      {KB_2M, 2, 1024, 8}}},
	    /* Core i7-920: 5A (DTLB0 2M 32), 03 (DTLB 4K 64), CA (STLB 4K 512). */
	    {"Nehalem",
	     {0x55035a01, 0x00f0b2e4, 0x00000000, 0x09ca212c},
	     0,
	     3,
	     {{KB_4K, 1, 64, 4}, {KB_2M, 1, 32, 4}, {KB_4K, 2, 512, 4}}},
	    /* Conroe: DTLB0 (57, 16) and DTLB1 (B4, 256), the larger one the
	     * second level; 05 and 56 are 4M-only and skipped. */
	    {"Core 2",
	     {0x05b0b101, 0x005657f0, 0x00000000, 0x2cb43049},
	     0,
	     2,
	     {{KB_4K, 1, 16, 4}, {KB_4K, 2, 256, 4}}},
	    /* i7-1065G7: FE says the TLBs are in leaf 18h. */
	    {"Ice Lake", {0x00feff01, 0x000000f0, 0x00000000, 0x00000000}, 1, 0, {{0}}},
	    /* Skylake with EDX marked invalid (bit 31): the STLB goes. */
	    {"EDX invalid",
	     {0x76036301, 0x00f0b5ff, 0x00000000, 0x80c30000},
	     0,
	     3,
	     {{KB_4K, 1, 64, 4}, {KB_2M, 1, 32, 4}, {KB_1G, 1, 4, 4}}},
	    /* The count in AL (01) is not descriptor 01h. */
	    {"empty", {0x00000001, 0, 0, 0}, 0, 0, {{0}}},
	};

	return cr_make_param_array(struct recorded, parts, sizeof(parts) / sizeof(parts[0]));
}

ParameterizedTest(struct recorded *p, cpuid_leaf2, recorded)
{
	struct cpu_tlb got[CPU_MAX_TLB];
	int leaf18, nr;

	nr = cpuid_leaf2_tlbs(p->regs[0], p->regs[1], p->regs[2], p->regs[3], got, CPU_MAX_TLB,
			      &leaf18);
	cr_assert_eq(leaf18, p->use_leaf18, "%s: use_leaf18 %d", p->cpu, leaf18);
	cr_assert_eq(nr, p->nr, "%s: %d TLBs, want %d", p->cpu, nr, p->nr);
	for (int i = 0; i < nr; i++) {
		const struct cpu_tlb *w = &p->want[i], *g = &got[i];

		cr_assert(g->level == w->level && g->page_kb == w->page_kb &&
			      g->entries == w->entries && g->assoc == w->assoc,
			  "%s #%d: L%u %u kB %d entries %d ways, want L%u %u kB %d entries %d ways",
			  p->cpu, i, g->level, g->page_kb, g->entries, g->assoc, w->level,
			  w->page_kb, w->entries, w->assoc);
	}
}

Test(cpuid_leaf2, respects_max)
{
	struct cpu_tlb tlb[2];
	int leaf18;

	cr_assert_eq(cpuid_leaf2_tlbs(0x76036301, 0x00f0b5ff, 0, 0x00c30000, tlb, 2, &leaf18), 2);
	cr_assert_eq(tlb[0].level, 1);
	cr_assert_eq(tlb[0].page_kb, KB_4K);
}
