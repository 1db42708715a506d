/* Data-TLB descriptors of Intel CPUID leaf 2 (Intel SDM vol. 2A, CPUID,
 * "Encoding of CPUID Leaf 2 Descriptors"). Instruction TLBs, caches and
 * prefetch descriptors are ignored. */
#include "cpuid_leaf2.h"

#include <stddef.h>

#define K4 4u
#define M2 2048u
#define G1 1048576u
#define BY_SIZE 0 /* "Data TLB", "DTLB": L1 unless a smaller one exists */
#define SHARED 2  /* "Shared 2nd-Level TLB" */

/* One descriptor's part for one page size; a descriptor may have several. */
struct desc {
	uint8_t code;
	unsigned level; /* 1 (TLB0, uTLB), SHARED, or BY_SIZE */
	unsigned page_kb;
	int entries;
	int assoc; /* ways; 0 fully associative; -1 not stated */
};

static const struct desc descs[] = {
    {0x03, BY_SIZE, K4, 64, 4},	  /* Data TLB: 4K, 4-way, 64 */
    {0x57, 1, K4, 16, 4},	  /* Data TLB0: 4K, 4-way, 16 */
    {0x59, 1, K4, 16, 0},	  /* Data TLB0: 4K, fully, 16 */
    {0x5a, 1, M2, 32, 4},	  /* Data TLB0: 2M/4M, 4-way, 32 */
    {0x5b, BY_SIZE, K4, 64, -1},  /* Data TLB: 4K and 4M, 64 */
    {0x5c, BY_SIZE, K4, 128, -1}, /* Data TLB: 4K and 4M, 128 */
    {0x5d, BY_SIZE, K4, 256, -1}, /* Data TLB: 4K and 4M, 256 */
    {0x63, BY_SIZE, M2, 32, 4},	  /* Data TLB: 2M/4M, 4-way, 32 ... */
    {0x63, BY_SIZE, G1, 4, 4},	  /* ... and 1G, 4-way, 4 */
    {0x64, BY_SIZE, K4, 512, 4},  /* Data TLB: 4K, 4-way, 512 */
    {0x6a, 1, K4, 64, 8},	  /* uTLB: 4K, 8-way, 64 */
    {0x6b, BY_SIZE, K4, 256, 8},  /* DTLB: 4K, 8-way, 256 */
    {0x6c, BY_SIZE, M2, 128, 8},  /* DTLB: 2M/4M, 8-way, 128 */
    {0x6d, BY_SIZE, G1, 16, 0},	  /* DTLB: 1G, fully, 16 */
    {0xa0, BY_SIZE, K4, 32, 0},	  /* DTLB: 4K, fully, 32 */
    {0xb3, BY_SIZE, K4, 128, 4},  /* Data TLB: 4K, 4-way, 128 */
    {0xb4, BY_SIZE, K4, 256, 4},  /* Data TLB1: 4K, 4-way, 256 */
    {0xba, BY_SIZE, K4, 64, 4},	  /* Data TLB1: 4K, 4-way, 64 */
    {0xc0, BY_SIZE, K4, 8, 4},	  /* Data TLB: 4K and 4M, 4-way, 8 */
    {0xc1, SHARED, K4, 1024, 8},  /* Shared 2nd-level: 4K/2M, 8-way, 1024 */
    {0xc1, SHARED, M2, 1024, 8},
    {0xc2, BY_SIZE, K4, 16, 4}, /* DTLB: 4K/2M, 4-way, 16 */
    {0xc2, BY_SIZE, M2, 16, 4},
    {0xc3, SHARED, K4, 1536, 6}, /* Shared 2nd-level: 4K/2M, 6-way, 1536 ... */
    {0xc3, SHARED, M2, 1536, 6},
    {0xc3, SHARED, G1, 16, 4},	/* ... and 1G, 4-way, 16 */
    {0xc4, BY_SIZE, M2, 32, 4}, /* DTLB: 2M/4M, 4-way, 32 */
    {0xca, SHARED, K4, 512, 4}, /* Shared 2nd-level: 4K, 4-way, 512 */
};

#define NR_DESCS (sizeof(descs) / sizeof(descs[0]))
#define USE_LEAF18 0xfe /* "no TLB descriptors here: use leaf 18h" */
#define MAX_FOUND 45	/* 15 descriptor bytes, at most 3 parts each */

static void add(struct cpu_tlb *out, int max, int *n, unsigned level, const struct desc *d)
{
	if (*n < max)
		out[(*n)++] = (struct cpu_tlb){d->page_kb, level, d->entries, d->assoc};
}

int cpuid_leaf2_tlbs(uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx, struct cpu_tlb *out,
		     int max, int *use_leaf18)
{
	static const unsigned pages_kb[3] = {K4, M2, G1};
	const uint32_t regs[4] = {eax, ebx, ecx, edx};
	const struct desc *found[MAX_FOUND], *level1[3], *level2[3];
	int nr_found = 0, n = 0;

	*use_leaf18 = 0;
	for (int r = 0; r < 4; r++) {
		/* Bit 31 set: this register holds no descriptors. */
		if (regs[r] >> 31)
			continue;
		/* AL is the iteration count (always 1), not a descriptor. */
		for (int b = r == 0 ? 1 : 0; b < 4; b++) {
			uint8_t code = (uint8_t)(regs[r] >> (8 * b));

			if (code == USE_LEAF18)
				*use_leaf18 = 1;
			for (size_t i = 0; i < NR_DESCS && nr_found < MAX_FOUND; i++)
				if (descs[i].code == code)
					found[nr_found++] = &descs[i];
		}
	}
	/* Per page size: a TLB0 or uTLB, else the smallest plain data TLB, is
	 * level 1; a shared 2nd-level TLB, else a second, larger plain one
	 * (Core 2's DTLB1), is level 2. */
	for (int p = 0; p < 3; p++) {
		const struct desc *l1 = NULL;

		for (int i = 0; i < nr_found; i++) {
			const struct desc *d = found[i];

			if (d->page_kb != pages_kb[p] || d->level == SHARED)
				continue;
			if (!l1 || (l1->level != 1 && (d->level == 1 || d->entries < l1->entries)))
				l1 = d;
		}
		level1[p] = l1;
		level2[p] = NULL;
		for (int i = 0; i < nr_found; i++) {
			const struct desc *d = found[i];

			if (d->page_kb != pages_kb[p] || d == l1)
				continue;
			if (d->level == SHARED)
				level2[p] = d;
			else if (!level2[p] ||
				 (level2[p]->level != SHARED && d->entries > level2[p]->entries))
				level2[p] = d;
		}
	}
	for (int p = 0; p < 3; p++)
		if (level1[p])
			add(out, max, &n, 1, level1[p]);
	for (int p = 0; p < 3; p++)
		if (level2[p])
			add(out, max, &n, 2, level2[p]);
	return n;
}
