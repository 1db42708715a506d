/* Intel CPUID leaf 2: one-byte descriptors of caches and TLBs, how parts
 * before leaf 18h (Ice Lake, Goldmont Plus) describe their TLBs. Pure
 * decoding of recorded register values. */
#ifndef PW_CPUID_LEAF2_H
#define PW_CPUID_LEAF2_H

#include <stdint.h>

#include "cpuinfo.h"

/* Data TLBs described by leaf 2's EAX..EDX, as cpu_tlb rows (4M-only
 * structures skipped, as cpuinfo.c does for leaf 18h) into out[0..max), in
 * the order L1 4K, 2M, 1G, then L2. Returns the number written. *use_leaf18
 * is 1 when a 0xFE descriptor says the TLBs are in leaf 18h instead. */
int cpuid_leaf2_tlbs(uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx, struct cpu_tlb *out,
		     int max, int *use_leaf18);

#endif
