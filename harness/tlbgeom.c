/* Published data-TLB geometry per CPU model (a table, one row per core
 * generation, each with its public source) and the comparison with what
 * CPUID declares. Model ranges follow Linux arch/x86/kernel/cpu/amd.c
 * (X86_FEATURE_ZEN1..5) and arch/x86/include/asm/intel-family.h. */
#include "tlbgeom.h"

#include <stdio.h>
#include <string.h>

#define K4 4u
#define M2 2048u
#define G1 1048576u
#define FULL 0	/* fully associative */
#define NONE 0	/* the vendor says this level holds no entries of this size */
#define NA (-1) /* not published */

/* Geometries two core generations share, written once. */
#define ZEN4_TLBS                                                                                  \
	{ {1, K4, 72, FULL}, {1, M2, 72, FULL}, {1, G1, 72, FULL},                                  \
	  {2, K4, 3072, 24}, {2, M2, 3072, 24}, {2, G1, NA, NA} }
#define GOLDEN_COVE_TLBS                                                                           \
	{ {1, K4, 96, 6}, {1, M2, 32, 4}, {1, G1, 8, NA},                                           \
	  {2, K4, 2048, NA}, {2, M2, 2048, NA}, {2, G1, NA, NA} }

const struct tlbgeom_cpu tlbgeom_table[] = {
    /* AMD Software Optimization Guide for Family 17h (56305), 2.7.2:
     * L1 DTLB 64 entries fully associative, all page sizes; L2 DTLB 1536
     * entries 12-way for 4K and 2M; 1G pages are smashed into 2M L2
     * entries. Also WikiChip amd/microarchitectures/zen. */
    {
	.name = "AMD Zen / Zen+",
	.vendor = "AuthenticAMD",
	.family = 0x17,
	.models = {{0x00, 0x2f}, {0x50, 0x5f}},
	.nr_models = 2,
	.tlb = {{1, K4, 64, FULL},
		{1, M2, 64, FULL},
		{1, G1, 64, FULL},
		{2, K4, 1536, 12},
		{2, M2, 1536, 12},
		{2, G1, NONE, NA}},
	.l1_load_cycles = 4,
	.source = "AMD SOG Family 17h (56305) 2.7; WikiChip Zen",
    },
    /* AMD Software Optimization Guide for Family 17h Models 30h and
     * Greater: L1 DTLB 64 fully associative, 4K/2M/1G; L2 DTLB 2048
     * entries, 12-way, 4K and 2M; 1G smashed into 2M entries. Quoted
     * by WikiChip amd/microarchitectures/zen_2. */
    {
	.name = "AMD Zen 2",
	.vendor = "AuthenticAMD",
	.family = 0x17,
	.models = {{0x30, 0x4f}, {0x60, 0x7f}, {0x90, 0x91}, {0xa0, 0xaf}},
	.nr_models = 4,
	.tlb = {{1, K4, 64, FULL},
		{1, M2, 64, FULL},
		{1, G1, 64, FULL},
		{2, K4, 2048, 12},
		{2, M2, 2048, 12},
		{2, G1, NONE, NA}},
	.l1_load_cycles = 4,
	.walkers = 2,
	.walkers_source = "WikiChip, AMD Zen 2, memory subsystem: two hardware page table walkers",
	.source = "AMD SOG Family 17h Models 30h+ (56305); WikiChip Zen 2",
    },
    /* AMD Software Optimization Guide for Family 19h (56665): L1 DTLB 64
     * fully associative, 4K/2M/1G; L2 DTLB 2048 entries for 4K and 2M.
     * The L2 associativity and any 1G L2 entries: not in our sources. */
    {
	.name = "AMD Zen 3",
	.vendor = "AuthenticAMD",
	.family = 0x19,
	.models = {{0x00, 0x0f}, {0x20, 0x5f}},
	.nr_models = 2,
	.tlb = {{1, K4, 64, FULL},
		{1, M2, 64, FULL},
		{1, G1, 64, FULL},
		{2, K4, 2048, NA},
		{2, M2, 2048, NA},
		{2, G1, NA, NA}},
	.l1_load_cycles = 4,
	.walkers = 6,
	.walkers_source = "AnandTech, AMD Zen 3 Ryzen deep dive (2020), p. 4: 4 table walkers added to the 2 of Zen 2",
	.source = "AMD SOG Family 19h (56665)",
    },
    /* AMD Software Optimization Guide for the Zen 4 microarchitecture
     * (57647): L1 DTLB 72 entries fully associative for 4K/16K/2M/1G; L2
     * DTLB 3072 entries 24-way for 4K/16K/2M and PDEs. The guide lists no
     * 1G L2 entries while CPUID 8000_0019h declares 64: left unpublished
     * rather than called a disagreement. */
    {
	.name = "AMD Zen 4",
	.vendor = "AuthenticAMD",
	.family = 0x19,
	.models = {{0x10, 0x1f}, {0x60, 0x9f}},
	.nr_models = 2,
	.tlb = ZEN4_TLBS,
	.l1_load_cycles = 4,
	.source = "AMD SOG Zen 4 (57647) 2.11",
    },
    /* Zen 4c (Bergamo, Siena: model A0h-AFh) is Zen 4 with a denser
     * layout: its CPUID TLB leaves (InstLatx64 dump AuthenticAMD0AA0F02,
     * EPYC 9754) match Raphael's entry for entry. */
    {
	.name = "AMD Zen 4c",
	.vendor = "AuthenticAMD",
	.family = 0x19,
	.models = {{0xa0, 0xaf}},
	.nr_models = 1,
	.tlb = ZEN4_TLBS,
	.l1_load_cycles = 4,
	.source = "AMD SOG Zen 4 (57647) 2.11; InstLatx64 CPUID dump of EPYC 9754 (Bergamo)",
    },
    /* AMD Software Optimization Guide for the Zen 5 microarchitecture
     * (58455): L1 DTLB 96 entries fully associative; L2 DTLB 4096
     * entries 16-way. Hot Chips 2024 ("Zen 5", Cohen/Subramony): "L2: 4K
     * DTLB, everything but 1G", so 1G pages live in the L1 only. */
    {
	.name = "AMD Zen 5",
	.vendor = "AuthenticAMD",
	.family = 0x1a,
	.models = {{0x00, 0x2f}, {0x40, 0x4f}, {0x60, 0x7f}},
	.nr_models = 3,
	.tlb = {{1, K4, 96, FULL},
		{1, M2, 96, FULL},
		{1, G1, 96, FULL},
		{2, K4, 4096, 16},
		{2, M2, 4096, 16},
		{2, G1, NONE, NA}},
	.l1_load_cycles = 4,
	.source = "AMD SOG Zen 5 (58455); Hot Chips 2024 Zen 5",
	.note = "Zen 5c cores (Strix Point's compact cores, EPYC 9005 dense parts) share these "
		"model ranges; their CPUID TLB leaves match Zen 5's (InstLatx64 dumps)",
    },
    /* Intel 64 and IA-32 Architectures Optimization Reference Manual
     * (248966-045) Table 2-15, Skylake client; the Skylake server core
     * has the same TLBs (J. McCalpin, Intel forum, 2022). Load DTLB: 4K
     * 64 4-way, 2M/4M 32 4-way, 1G 4 4-way; STLB: 4K+2M 1536 12-way, 1G
     * 16 4-way. Kaby/Coffee/Comet Lake reuse the core. */
    {
	.name = "Intel Skylake",
	.vendor = "GenuineIntel",
	.family = 6,
	.models =
	    {{0x4e, 0x4e}, {0x5e, 0x5e}, {0x55, 0x55}, {0x8e, 0x8e}, {0x9e, 0x9e}, {0xa5, 0xa6}},
	.nr_models = 6,
	.tlb = {{1, K4, 64, 4},
		{1, M2, 32, 4},
		{1, G1, 4, 4},
		{2, K4, 1536, 12},
		{2, M2, 1536, 12},
		{2, G1, 16, 4}},
	.l1_load_cycles = 4,
	.walkers = 2,
	.walkers_source = "Intel Optimization Reference Manual 2.1.3 (two page walks in flight), as quoted by P. Cordes, Stack Overflow 32256250",
	.source = "Intel Optimization Reference Manual 248966-045, Table 2-15; Chips and Cheese (4-cycle L1D)",
    },
    /* Intel Optimization Reference Manual, Ice Lake client (Sunny Cove)
     * TLB parameters; WikiChip intel/microarchitectures/sunny_cove. Load
     * DTLB: 4K 64 4-way, 2M/4M 32 4-way, 1G 8; STLB: 4K+2M 2048 16-way,
     * 1G 1024 8-way. Client (7Dh, 7Eh) and server (6Ah, 6Ch). */
    {
	.name = "Intel Ice Lake (Sunny Cove)",
	.vendor = "GenuineIntel",
	.family = 6,
	.models = {{0x6a, 0x6a}, {0x6c, 0x6c}, {0x7d, 0x7e}},
	.nr_models = 3,
	.tlb = {{1, K4, 64, 4},
		{1, M2, 32, 4},
		{1, G1, 8, NA},
		{2, K4, 2048, 16},
		{2, M2, 2048, 16},
		{2, G1, 1024, 8}},
	.l1_load_cycles = 5,
	.source = "Intel Optimization Reference Manual (Ice Lake client); WikiChip Sunny Cove",
    },
    /* Intel Optimization Reference Manual, Golden Cove: load DTLB 96
     * entries 6-way for 4K, 32 4-way for 2M/4M, 8 for 1G; a 2048-entry
     * STLB (also in jiegec's Golden Cove notes, which measure the 96; Intel
     * Architecture Day 2021: "64 -> 96"). L1D load-to-use 5 cycles (Chips
     * and Cheese, Golden Cove's caches, 2022). Alder Lake (97h, 9Ah) and
     * Sapphire Rapids (8Fh). */
    {
	.name = "Intel Golden Cove",
	.vendor = "GenuineIntel",
	.family = 6,
	.models = {{0x8f, 0x8f}, {0x97, 0x97}, {0x9a, 0x9a}},
	.nr_models = 3,
	.tlb = GOLDEN_COVE_TLBS,
	.l1_load_cycles = 5,
	.walkers = 4,
	.walkers_source = "Intel Architecture Day 2021 / Hot Chips 33, as listed in jiegec's Golden Cove notes (2025); D. Bakhvalov, Performance Analysis and Tuning, ch. 3",
	.source = "Intel Optimization Reference Manual (Golden Cove); Intel Architecture Day 2021; "
		  "Chips and Cheese 2022-02-11 (5-cycle L1D)",
	.note = "Alder Lake is hybrid: these are the P-cores; its E-cores are Gracemont "
		"and report the same model number",
    },
    /* Raptor Cove is Golden Cove with a larger L2: same TLBs and L1D
     * (InstLatx64 CPUID dump of the i9-13900KF matches Alder Lake's leaf
     * 18h entry for entry; Chips and Cheese: "nearly the same as Golden
     * Cove"). Raptor Lake (B7h, BAh, BFh), Emerald Rapids (CFh), Bartlett
     * Lake (D7h). */
    {
	.name = "Intel Raptor Cove",
	.vendor = "GenuineIntel",
	.family = 6,
	.models = {{0xb7, 0xb7}, {0xba, 0xba}, {0xbf, 0xbf}, {0xcf, 0xcf}, {0xd7, 0xd7}},
	.nr_models = 5,
	.tlb = GOLDEN_COVE_TLBS,
	.l1_load_cycles = 5,
	.walkers = 4,
	.walkers_source = "Golden Cove's figure, Intel Architecture Day 2021; Raptor Cove keeps that core and grows its L2",
	.source = "Intel Optimization Reference Manual (Golden Cove, which Raptor Cove keeps); "
		  "InstLatx64 CPUID dump of i9-13900KF; Chips and Cheese (Raptor Lake)",
	.note = "Raptor Lake is hybrid: these are the P-cores; its E-cores are Gracemont",
    },
    /* Redwood Cove, from its CPUID leaf 18h (InstLatx64 dump of the Core
     * Ultra 5 125H, Meteor Lake): load DTLB 96 6-way 4K, 32 4-way 2M/4M,
     * 8 fully associative 1G; STLB 1024 8-way 4K/2M plus 1024 8-way 4K/1G
     * (2048 for 4K). Meteor Lake (AAh, ACh), Granite Rapids (ADh, AEh). */
    {
	.name = "Intel Redwood Cove",
	.vendor = "GenuineIntel",
	.family = 6,
	.models = {{0xaa, 0xaa}, {0xac, 0xad}, {0xae, 0xae}},
	.nr_models = 3,
	.tlb = {{1, K4, 96, 6},
		{1, M2, 32, 4},
		{1, G1, 8, FULL},
		{2, K4, 2048, 8},
		{2, M2, 1024, 8},
		{2, G1, 1024, 8}},
	.source = "InstLatx64 CPUID dump of Core Ultra 5 125H (leaf 18h); Chips and Cheese, "
		  "Redwood Cove",
	.note = "Meteor Lake is hybrid: these are the P-cores; its E-cores are Crestmont",
    },
    /* Lion Cove: the load DTLB grew from 96 to 128 entries (AnandTech,
     * Lunar Lake deep dive, 2024); a new 48 KB L0D answers in 4 cycles,
     * the 192 KB L1D in 9. Page-size split and STLB: not published in our
     * sources. Lunar Lake (BDh), Arrow Lake (B5h, C5h, C6h). */
    {
	.name = "Intel Lion Cove",
	.vendor = "GenuineIntel",
	.family = 6,
	.models = {{0xb5, 0xb5}, {0xbd, 0xbd}, {0xc5, 0xc6}},
	.nr_models = 3,
	.tlb = {{1, K4, 128, NA},
		{1, M2, NA, NA},
		{1, G1, NA, NA},
		{2, K4, NA, NA},
		{2, M2, NA, NA},
		{2, G1, NA, NA}},
	.l1_load_cycles = 4,
	.source = "AnandTech, Intel Lunar Lake architecture deep dive (Lion Cove), 2024",
	.note = "the 4-cycle latency is the 48 KB L0D's, which holds a 16 KiB chase",
    },
    /* Gracemont, from CPUID leaf 18h as an E-core reports it (InstLatx64
     * Raptor Lake dump): load DTLB 48 fully associative (4K); STLB 2048
     * 4-way for 4K/2M, 8 fully associative for 1G. Alder Lake-N (BEh); on
     * Alder and Raptor Lake it shares the P-cores' model numbers. */
    {
	.name = "Intel Gracemont",
	.vendor = "GenuineIntel",
	.family = 6,
	.models = {{0xbe, 0xbe}},
	.nr_models = 1,
	.tlb = {{1, K4, 48, FULL},
		{1, M2, NA, NA},
		{1, G1, NA, NA},
		{2, K4, 2048, 4},
		{2, M2, 2048, 4},
		{2, G1, 8, FULL}},
	.walkers = 4,
	.walkers_source = "Intel's Gracemont figures as listed in jiegec's Gracemont notes (2025)",
	.source = "InstLatx64 CPUID dump of i9-13900KF, E-core leaf 18h",
    },
    /* Crestmont, from CPUID leaf 18h as a Meteor Lake E-core reports it
     * (InstLatx64 dump): load DTLB 48 fully associative (4K); STLB 3072
     * 6-way for 4K/2M, 8 fully associative for 1G. Sierra Forest (AFh),
     * Grand Ridge (B6h). */
    {
	.name = "Intel Crestmont",
	.vendor = "GenuineIntel",
	.family = 6,
	.models = {{0xaf, 0xaf}, {0xb6, 0xb6}},
	.nr_models = 2,
	.tlb = {{1, K4, 48, FULL},
		{1, M2, NA, NA},
		{1, G1, NA, NA},
		{2, K4, 3072, 6},
		{2, M2, 3072, 6},
		{2, G1, 8, FULL}},
	.source = "InstLatx64 CPUID dump of Core Ultra 5 125H, E-core leaf 18h",
    },
};

const int tlbgeom_nr = (int)(sizeof(tlbgeom_table) / sizeof(tlbgeom_table[0]));

const struct tlbgeom_cpu *tlbgeom_lookup(const char *vendor, unsigned family, unsigned model)
{
	for (int i = 0; i < tlbgeom_nr; i++) {
		const struct tlbgeom_cpu *c = &tlbgeom_table[i];

		if (strcmp(c->vendor, vendor) || c->family != family)
			continue;
		for (int r = 0; r < c->nr_models; r++)
			if (model >= c->models[r].lo && model <= c->models[r].hi)
				return c;
	}
	return NULL;
}

const struct tlbgeom_cpu *tlbgeom_lookup_cpu(const struct cpu_info *ci)
{
	return tlbgeom_lookup(ci->vendor, ci->family, ci->model);
}

int tlbgeom_entries(const struct tlbgeom_cpu *cpu, unsigned level, unsigned page_kb, int *assoc)
{
	if (assoc)
		*assoc = NA;
	for (int i = 0; cpu && i < TLBGEOM_MAX_TLB && cpu->tlb[i].level; i++)
		if (cpu->tlb[i].level == level && cpu->tlb[i].page_kb == page_kb) {
			if (assoc)
				*assoc = cpu->tlb[i].assoc;
			return cpu->tlb[i].entries;
		}
	return NA;
}

static int declared_assoc(const struct cpu_info *ci, unsigned level, unsigned page_kb)
{
	for (int i = 0; i < ci->nr_tlb; i++)
		if (ci->tlb[i].level == level && ci->tlb[i].page_kb == page_kb)
			return ci->tlb[i].assoc;
	return -1;
}

int tlbgeom_compare(const struct cpu_info *ci, const struct tlbgeom_cpu *cpu,
		    struct tlbgeom_cmp *out)
{
	static const unsigned pages_kb[3] = {K4, M2, G1};
	int n = 0;

	for (unsigned level = 1; level <= 2; level++)
		for (int p = 0; p < 3; p++) {
			struct tlbgeom_cmp *c = &out[n++];

			c->level = level;
			c->page_kb = pages_kb[p];
			c->declared = cpu_tlb_entries(ci, level, pages_kb[p]);
			c->declared_assoc = declared_assoc(ci, level, pages_kb[p]);
			c->published =
			    tlbgeom_entries(cpu, level, pages_kb[p], &c->published_assoc);
			/* CPUID cannot say "none" (cpuinfo reads 0 as unknown). */
			if (c->declared <= 0 || c->published < 0)
				c->agree = TLBGEOM_UNKNOWN;
			else
				c->agree =
				    c->declared == c->published ? TLBGEOM_AGREE : TLBGEOM_DISAGREE;
		}
	return n;
}

int tlbgeom_nr_disagree(const struct tlbgeom_cmp *out, int nr)
{
	int bad = 0;

	for (int i = 0; i < nr; i++)
		bad += out[i].agree == TLBGEOM_DISAGREE;
	return bad;
}

const char *tlbgeom_agree_name(enum tlbgeom_agree a)
{
	switch (a) {
	case TLBGEOM_AGREE:
		return "agree";
	case TLBGEOM_DISAGREE:
		return "disagree";
	case TLBGEOM_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *tlbgeom_page_name(unsigned page_kb)
{
	return page_kb == K4 ? "4K" : page_kb == M2 ? "2M" : page_kb == G1 ? "1G" : "?";
}

void tlbgeom_describe(const struct tlbgeom_cmp *c, char *buf, size_t len)
{
	char decl[32], publ[32];

	if (c->declared > 0)
		snprintf(decl, sizeof(decl), "%d entries", c->declared);
	else
		snprintf(decl, sizeof(decl), "nothing");
	if (c->published > 0)
		snprintf(publ, sizeof(publ), "%d", c->published);
	else
		snprintf(publ, sizeof(publ), "%s", c->published == 0 ? "none" : "nothing");
	switch (c->agree) {
	case TLBGEOM_AGREE:
		snprintf(buf, len, "L%u %s: CPUID and the vendor agree on %d entries", c->level,
			 tlbgeom_page_name(c->page_kb), c->declared);
		break;
	case TLBGEOM_DISAGREE:
		snprintf(buf, len,
			 "L%u %s: CPUID declares %s but the vendor publishes %s for this model: "
			 "they disagree (under a hypervisor, CPUID can be faked)",
			 c->level, tlbgeom_page_name(c->page_kb), decl, publ);
		break;
	case TLBGEOM_UNKNOWN:
		snprintf(buf, len, "L%u %s: CPUID declares %s, the vendor publishes %s", c->level,
			 tlbgeom_page_name(c->page_kb), decl, publ);
		break;
	}
}
