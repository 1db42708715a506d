/* Fuzz the CPUID decoders with any registers: recorded leaves as input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpuid_leaf2.h"
#include "cpuinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cpu_info ci;
	struct cpu_tlb tlb[CPU_MAX_TLB];
	size_t n = size / sizeof(struct cpu_leaf);

	memset(&ci, 0, sizeof(ci));
	if (n > CPU_MAX_LEAVES)
		n = CPU_MAX_LEAVES;
	memcpy(ci.leaves, data, n * sizeof(struct cpu_leaf));
	ci.nr_leaves = (int)n;
	cpu_decode(&ci);
	for (unsigned l = 1; l <= 2; l++)
		cpu_tlb_entries(&ci, l, 4);
	if (size >= 16) {
		uint32_t r[4];

		memcpy(r, data, sizeof(r));
		int use18 = 0;

		cpuid_leaf2_tlbs(r[0], r[1], r[2], r[3], tlb, CPU_MAX_TLB, &use18);
	}
	return 0;
}
