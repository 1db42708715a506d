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
	.models = {{0x10, 0x1f}, {0x60, 0xaf}},
	.nr_models = 2,
	.tlb = {{1, K4, 72, FULL},
		{1, M2, 72, FULL},
		{1, G1, 72, FULL},
		{2, K4, 3072, 24},
		{2, M2, 3072, 24},
		{2, G1, NA, NA}},
	.source = "AMD SOG Zen 4 (57647) 2.11",
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
	.source = "AMD SOG Zen 5 (58455); Hot Chips 2024 Zen 5",
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
	.source = "Intel Optimization Reference Manual 248966-045, Table 2-15",
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
	.source = "Intel Optimization Reference Manual (Ice Lake client); WikiChip Sunny Cove",
    },
    /* Intel Optimization Reference Manual, Golden Cove: load DTLB 96
     * entries 6-way for 4K, 32 4-way for 2M/4M, 8 for 1G; a 2048-entry
     * STLB (also in jiegec's Golden Cove notes, which measure the 96).
     * Alder Lake (97h, 9Ah) and Sapphire Rapids (8Fh). */
    {
	.name = "Intel Golden Cove",
	.vendor = "GenuineIntel",
	.family = 6,
	.models = {{0x8f, 0x8f}, {0x97, 0x97}, {0x9a, 0x9a}},
	.nr_models = 3,
	.tlb = {{1, K4, 96, 6},
		{1, M2, 32, 4},
		{1, G1, 8, NA},
		{2, K4, 2048, NA},
		{2, M2, 2048, NA},
		{2, G1, NA, NA}},
	.source = "Intel Optimization Reference Manual (Golden Cove)",
	.note = "Alder Lake is hybrid: these are the P-cores; its E-cores (Gracemont) "
		"have a 32-entry L1 DTLB and report the same model number",
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
