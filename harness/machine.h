/* The machine a run measured, as meta.json and REPORT.md describe it. */
#ifndef PW_MACHINE_H
#define PW_MACHINE_H

#include "cpuinfo.h"
#include "knobs.h"
#include "datafile.h"

#define MACHINE_MAX_POOLS 8
#define MACHINE_MAX_MTHP 16

struct machine {
	char host[256];
	char kernel[256];
	struct cpu_info cpu;
	char hv_kernel[128];       /* "KVM", "PVM", ... from the kernel log */
	int flushes_tlb;           /* PTI without PCID: 1, 0, -1 unknown */
	char flush_how[320];
	char thp_enabled[32], thp_defrag[32];
	struct knob_mthp mthp[MACHINE_MAX_MTHP];
	int nr_mthp;
	struct knob_pool pools[MACHINE_MAX_POOLS];
	int nr_pools;
	int nr_nodes;
	double tsc_ghz;
	uint64_t cache_bytes[4];   /* [1..3]: L1D, L2, L3; 0 unknown */
	uint64_t mem_available_bytes;
};

void machine_read(struct machine *m);
/* How the guest's addresses are translated: "native" (no hypervisor),
 * "shadow" (the hypervisor keeps shadow page tables: one walk per miss,
 * PVM) or "nested" (EPT/NPT: each guest walk step can need a host walk);
 * *why says what it was judged from. */
const char *machine_translation(const struct machine *m, const char **why);
/* Write the "machine" object (and "tlb_declared" inside it). */
void machine_json(struct json *j, const struct machine *m);
/* An array of the CPUID-declared data TLBs {page_kb, level, entries, assoc}. */
void machine_tlb_json(struct json *j, const char *key, const struct cpu_info *ci);
/* The "published" object: the table row for this CPU, its L1 load-to-use
 * cycles and its source (nulls for a model not in the table). */
void machine_published_json(struct json *j, const struct cpu_info *ci);
/* An array of hugetlb pools (total, free, reserved, surplus per size). */
void machine_pools_json(struct json *j, const char *key, const struct knob_pool *p, int n);

#endif
