/* The counter events as data: per CPU family and meaning, the libpfm4 name
 * and the vendor's raw code, or why the family has none; and which family
 * a CPU is. No PAPI here: counters.c opens what this table names. */
#include "counters.h"

#include <string.h>

/* The event tables. A row per family; per column the libpfm4 name PAPI
 * takes and the raw perf_event config (Intel: event | umask << 8 | cmask <<
 * 24; AMD: event[7:0] | umask << 8 | event[11:8] << 32; Arm: the event
 * number). tests/test_counters.c checks every name and code against
 * libpfm4's own encoding with the PMU forced, where libpfm4 has that PMU. */

/* Tables are laid out by hand, a cell per line: */
/* clang-format off */
#define INTEL_NO_L1_MISS "no single L1 DTLB miss event on this family: L1 misses are stlb_hit plus walks"
#define AMD_NO_WALK_CYCLES "AMD documents no page-walk duration event for Zen 2 to Zen 5"
#define ARM_NO_STLB_HIT "no data L2 TLB hit event: L2D_TLB and L2D_TLB_REFILL are unified (instruction and data)"
#define ARM_NO_WALK_CYCLES "no walk-duration event on this core (DTLB_WALK_PERCYC, 0x8128, comes with later cores)"

/* AMD Zen 2-5, PMCx045 L1 DTLB Miss: umask bits 0-3 count reloads that hit
 * the L2 DTLB (4K, coalesced, 2M, 1G pages), bits 4-7 reloads that miss it,
 * that is page walks. PMCx076: cycles not in halt. */
#define ZEN_HITS "TLB_RELOAD_4K_L2_HIT:TLB_RELOAD_COALESCED_PAGE_HIT:TLB_RELOAD_2M_L2_HIT:TLB_RELOAD_1G_L2_HIT"
#define ZEN_MISSES "TLB_RELOAD_4K_L2_MISS:TLB_RELOAD_COALESCED_PAGE_MISS:TLB_RELOAD_2M_L2_MISS:TLB_RELOAD_1G_L2_MISS"
#define ZEN_EVENTS                                                      \
	{                                                               \
		{ "CYCLES_NOT_IN_HALT", 0x76, NULL },                   \
		{ "L1_DTLB_MISS:" ZEN_HITS ":" ZEN_MISSES, 0xff45, NULL }, \
		{ "L1_DTLB_MISS:" ZEN_HITS, 0x0f45, NULL },             \
		{ "L1_DTLB_MISS:" ZEN_MISSES, 0xf045, NULL },           \
		{ NULL, 0, AMD_NO_WALK_CYCLES },                        \
	}

/* Arm common PMU events (Arm ARM D11.11; the Neoverse TRMs list them):
 * 0x11 CPU_CYCLES, 0x05 L1D_TLB_REFILL, 0x34 DTLB_WALK. */
#define ARM_EVENTS                                                                      \
	{                                                                               \
		{ "CPU_CYCLES", 0x11, NULL },                                           \
		{ "L1D_TLB_REFILL", 0x05, NULL },                                       \
		{ NULL, 0, ARM_NO_STLB_HIT },                                           \
		{ "DTLB_WALK", 0x34, NULL },                                            \
		{ NULL, 0, ARM_NO_WALK_CYCLES },                                        \
	}

enum {
	FAM_SKL, FAM_ICL, FAM_SPR, FAM_ZEN2, FAM_ZEN3, FAM_ZEN4, FAM_ZEN5,
	FAM_N1, FAM_V1, FAM_V2, NR_FAM,
};

const struct ctr_family ctr_families[NR_FAM + 1] = {
	/* Intel SDM vol. 3B and perfmon skylake_core.json: event 08h
	 * DTLB_LOAD_MISSES, umask 20h STLB_HIT, 0Eh WALK_COMPLETED, 10h with
	 * cmask 1 WALK_ACTIVE; 3Ch/00h CPU_CLK_UNHALTED.THREAD_P. PAPI_TLB_DM
	 * here is MISS_CAUSES_A_WALK of loads and stores: walks. */
	[FAM_SKL] = { "Intel Skylake", "skl", CTR_WALK, {
		{ "UNHALTED_CORE_CYCLES", 0x3c, NULL },
		{ NULL, 0, INTEL_NO_L1_MISS },
		{ "DTLB_LOAD_MISSES:STLB_HIT", 0x2008, NULL },
		{ "DTLB_LOAD_MISSES:WALK_COMPLETED", 0x0e08, NULL },
		{ "DTLB_LOAD_MISSES:WALK_ACTIVE", 0x1001008, NULL },
	} },
	/* perfmon icelake_core.json, icelakex_core.json: the same codes. */
	[FAM_ICL] = { "Intel Ice Lake", "icl", -1, {
		{ "UNHALTED_CORE_CYCLES", 0x3c, NULL },
		{ NULL, 0, INTEL_NO_L1_MISS },
		{ "DTLB_LOAD_MISSES:STLB_HIT", 0x2008, NULL },
		{ "DTLB_LOAD_MISSES:WALK_COMPLETED", 0x0e08, NULL },
		{ "DTLB_LOAD_MISSES:WALK_ACTIVE", 0x1001008, NULL },
	} },
	/* perfmon sapphirerapids_core.json: DTLB_LOAD_MISSES moved to event
	 * 12h, same umasks. PAPI has no PAPI_TLB_DM here. */
	[FAM_SPR] = { "Intel Sapphire Rapids", "spr", -1, {
		{ "UNHALTED_CORE_CYCLES", 0x3c, NULL },
		{ NULL, 0, INTEL_NO_L1_MISS },
		{ "DTLB_LOAD_MISSES:STLB_HIT", 0x2012, NULL },
		{ "DTLB_LOAD_MISSES:WALK_COMPLETED", 0x0e12, NULL },
		{ "DTLB_LOAD_MISSES:WALK_ACTIVE", 0x1001012, NULL },
	} },
	/* AMD PPR for family 17h model 31h. PAPI_TLB_DM on Zen is
	 * L1_DTLB_MISS: L1 misses. */
	[FAM_ZEN2] = { "AMD Zen 2", "amd64_fam17h_zen2", CTR_DTLB_MISS, ZEN_EVENTS },
	/* AMD PPR for family 19h model 01h. */
	[FAM_ZEN3] = { "AMD Zen 3", "amd64_fam19h_zen3", CTR_DTLB_MISS, ZEN_EVENTS },
	/* AMD PPR for family 19h model 11h. */
	[FAM_ZEN4] = { "AMD Zen 4", "amd64_fam19h_zen4", CTR_DTLB_MISS, ZEN_EVENTS },
	/* AMD PPR for family 1Ah model 02h: PMCx045 and PMCx076 unchanged.
	 * libpfm4 4.13 has no Zen 5 PMU; the names assume Zen 4's. */
	[FAM_ZEN5] = { "AMD Zen 5", "amd64_fam1ah_zen5", CTR_DTLB_MISS, ZEN_EVENTS },
	/* Arm Neoverse N1, V1, V2 TRMs, PMU events. PAPI_TLB_DM on Arm is
	 * L2D_TLB_REFILL, unified: no column means that. */
	[FAM_N1] = { "Arm Neoverse N1", "arm_n1", -1, ARM_EVENTS },
	[FAM_V1] = { "Arm Neoverse V1", "arm_v1", -1, ARM_EVENTS },
	[FAM_V2] = { "Arm Neoverse V2", "arm_v2", -1, ARM_EVENTS },
	[NR_FAM] = { NULL, NULL, -1, { { NULL, 0, NULL } } },
};

#define F(x) (&ctr_families[x])
const struct ctr_match ctr_matches[] = {
	/* Intel family 6 models (SDM vol. 4 table 2-1; perfmon mapfile.csv). */
	{ "GenuineIntel", 6, 0x4e, 0x4e, F(FAM_SKL) }, /* Skylake client */
	{ "GenuineIntel", 6, 0x5e, 0x5e, F(FAM_SKL) },
	{ "GenuineIntel", 6, 0x55, 0x55, F(FAM_SKL) }, /* Skylake-SP, Cascade Lake: same core events */
	{ "GenuineIntel", 6, 0x8e, 0x8e, F(FAM_SKL) }, /* Kaby, Coffee, Whiskey, Amber Lake */
	{ "GenuineIntel", 6, 0x9e, 0x9e, F(FAM_SKL) },
	{ "GenuineIntel", 6, 0xa5, 0xa6, F(FAM_SKL) }, /* Comet Lake */
	{ "GenuineIntel", 6, 0x7d, 0x7e, F(FAM_ICL) }, /* Ice Lake client */
	{ "GenuineIntel", 6, 0x6a, 0x6a, F(FAM_ICL) }, /* Ice Lake-SP */
	{ "GenuineIntel", 6, 0x6c, 0x6c, F(FAM_ICL) },
	{ "GenuineIntel", 6, 0x8c, 0x8d, F(FAM_ICL) }, /* Tiger Lake */
	{ "GenuineIntel", 6, 0xa7, 0xa7, F(FAM_ICL) }, /* Rocket Lake */
	{ "GenuineIntel", 6, 0x8f, 0x8f, F(FAM_SPR) }, /* Sapphire Rapids */
	{ "GenuineIntel", 6, 0xcf, 0xcf, F(FAM_SPR) }, /* Emerald Rapids: same core */
	/* AMD model ranges as Linux's arch/x86/kernel/cpu/amd.c assigns them. */
	{ "AuthenticAMD", 0x17, 0x30, 0xff, F(FAM_ZEN2) },
	{ "AuthenticAMD", 0x19, 0x00, 0x0f, F(FAM_ZEN3) },
	{ "AuthenticAMD", 0x19, 0x20, 0x5f, F(FAM_ZEN3) },
	{ "AuthenticAMD", 0x19, 0x10, 0x1f, F(FAM_ZEN4) },
	{ "AuthenticAMD", 0x19, 0x60, 0xaf, F(FAM_ZEN4) },
	{ "AuthenticAMD", 0x1a, 0x00, 0x2f, F(FAM_ZEN5) },
	{ "AuthenticAMD", 0x1a, 0x40, 0x4f, F(FAM_ZEN5) },
	{ "AuthenticAMD", 0x1a, 0x60, 0x7f, F(FAM_ZEN5) },
	/* Arm MIDR part numbers (implementer 0x41). */
	{ "ARM", CTR_ANY_FAMILY, 0xd0c, 0xd0c, F(FAM_N1) },
	{ "ARM", CTR_ANY_FAMILY, 0xd40, 0xd40, F(FAM_V1) },
	{ "ARM", CTR_ANY_FAMILY, 0xd4f, 0xd4f, F(FAM_V2) },
	{ NULL, 0, 0, 0, NULL },
};
#undef F
/* clang-format on */

static const char *const col_names[CTR_NR] = {
    "cycles", "dtlb_miss", "stlb_hit", "walk", "walk_cycles",
};

const char *ctr_col_name(enum ctr_col c)
{
	return c < CTR_NR ? col_names[c] : "?";
}

const char *ctr_path_name(enum ctr_path p)
{
	static const char *const names[] = {"none", "papi", "perf_event", "rusage"};

	return p <= CTR_PATH_RUSAGE ? names[p] : "?";
}

const struct ctr_family *ctr_family_find(const struct cpu_info *ci)
{
	for (const struct ctr_match *m = ctr_matches; m->vendor; m++)
		if (!strcmp(ci->vendor, m->vendor) &&
		    (m->family == CTR_ANY_FAMILY || m->family == ci->family) &&
		    ci->model >= m->model_lo && ci->model <= m->model_hi)
			return m->fam;
	return NULL;
}

