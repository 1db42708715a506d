/* What CPU this is, what it declares about its TLBs, and whether it runs
 * under a hypervisor: all read at run time, decoded from recorded CPUID
 * values so the decoding can be tested on CPUs we do not have. */
#ifndef PW_CPUINFO_H
#define PW_CPUINFO_H

#include <stdint.h>

struct cpu_leaf {
	uint32_t leaf, subleaf;
	uint32_t eax, ebx, ecx, edx;
};

#define CPU_MAX_LEAVES 64
#define CPU_MAX_TLB 16

struct cpu_tlb {
	unsigned page_kb;  /* 4, 2048, 1048576 */
	unsigned level;    /* 1 or 2 */
	int entries;       /* -1 when unknown or masked */
	int assoc;         /* ways; 0 = fully associative; -1 unknown */
};

struct cpu_info {
	char vendor[13];          /* "AuthenticAMD", "GenuineIntel" */
	char brand[49];
	unsigned family, model, stepping;
	char hv_signature[13];    /* CPUID 0x40000000, "" on bare metal */
	struct cpu_leaf leaves[CPU_MAX_LEAVES];
	int nr_leaves;
	struct cpu_tlb tlb[CPU_MAX_TLB]; /* declared data TLBs */
	int nr_tlb;
	char tlb_why[200];        /* why no data TLB is declared; "" when one is */
};

/* Read the live CPU's leaves and decode them. */
void cpu_read(struct cpu_info *ci);
/* Decode vendor, family/model/stepping, brand, hypervisor and TLB geometry
 * from ci->leaves (recorded or live). */
void cpu_decode(struct cpu_info *ci);
/* The declared entries for (level, page_kb), or -1. */
int cpu_tlb_entries(const struct cpu_info *ci, unsigned level, unsigned page_kb);

/* The kernel's own "Hypervisor detected: X" line (without the prefix) into
 * buf, or "" where the log cannot be read. */
void cpu_kernel_hypervisor(char *buf, unsigned len);
/* Whether kernel entries flush the TLB: 1 when PTI is on and PCID is not in
 * use, 0 when not, -1 unknown; *how says what was read. */
int cpu_kernel_flushes_tlb(char *how, unsigned len);

/* Whether /proc/cpuinfo lists flag for the first CPU: 1, 0, -1 unreadable. */
int cpu_has_flag(const char *flag);

/* Data cache size in bytes for a level (1, 2, 3) from sysfs; 0 unknown. */
uint64_t cpu_cache_bytes(unsigned level);

#endif
