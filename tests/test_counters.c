/* harness/counters.c, the tables: CPUID values pick the right family, every
 * cell names an event or says why not, and every name and raw code is the
 * one libpfm4 itself encodes for that family's PMU (forced with
 * LIBPFM_FORCE_PMU, so no such CPU is needed). Also --events parsing. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "cpuinfo.h"

/* Leaf 0 (vendor) and leaf 1 EAX (family/model/stepping), as the CPU returns
 * them, decoded by cpu_decode(). */
static void cpuid_cpu(struct cpu_info *ci, const char *vendor, uint32_t eax1)
{
	uint32_t r[3];

	memset(ci, 0, sizeof(*ci));
	memcpy(r, vendor, 12); /* EBX, EDX, ECX spell the vendor in that order */
	ci->leaves[0] = (struct cpu_leaf){0, 0, 1, r[0], r[2], r[1]};
	ci->leaves[1] = (struct cpu_leaf){1, 0, eax1, 0, 0, 0};
	ci->nr_leaves = 2;
	cpu_decode(ci);
}

static const char *family_of(const char *vendor, uint32_t eax1)
{
	struct cpu_info ci;
	const struct ctr_family *f;

	cpuid_cpu(&ci, vendor, eax1);
	f = ctr_family_find(&ci);
	return f ? f->name : "none";
}

Test(ctr_family, this_guest_kinds)
{
	/* Machine A: Zen 4 under KVM; machine B: Zen 5 under PVM (MACHINE.md). */
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00a10f11), "AMD Zen 4");
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00b00f20), "AMD Zen 5");
}

Test(ctr_family, amd_generations)
{
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00830f10), "AMD Zen 2"); /* Rome 17h/31h */
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00a00f11), "AMD Zen 3"); /* Milan 19h/01h */
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00a20f12), "AMD Zen 3"); /* Vermeer 19h/21h */
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00a60f12), "AMD Zen 4"); /* Raphael 19h/61h */
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00aa0f01), "AMD Zen 4"); /* Bergamo 19h/a0h */
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00b40f40),
			 "AMD Zen 5"); /* Granite Ridge 1Ah/44h */
}

Test(ctr_family, intel_generations)
{
	cr_assert_str_eq(family_of("GenuineIntel", 0x000506e3), "Intel Skylake"); /* 6/5Eh */
	cr_assert_str_eq(family_of("GenuineIntel", 0x00050654), "Intel Skylake"); /* SKX 6/55h */
	cr_assert_str_eq(family_of("GenuineIntel", 0x000906ea),
			 "Intel Skylake"); /* Coffee Lake 6/9Eh */
	cr_assert_str_eq(family_of("GenuineIntel", 0x000706e5), "Intel Ice Lake"); /* 6/7Eh */
	cr_assert_str_eq(family_of("GenuineIntel", 0x000606a6), "Intel Ice Lake"); /* ICX 6/6Ah */
	cr_assert_str_eq(family_of("GenuineIntel", 0x000806f8),
			 "Intel Sapphire Rapids"); /* 6/8Fh */
}

Test(ctr_family, unknown_cpus_have_no_table)
{
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00800f12), "none"); /* Zen 1 Naples 17h/01h */
	cr_assert_str_eq(family_of("GenuineIntel", 0x00090672),
			 "none"); /* Alder Lake 6/97h: hybrid */
	cr_assert_str_eq(family_of("AuthenticAMD", 0x00100f22), "none"); /* K10 */
	/* Same family and model numbers, another vendor. */
	cr_assert_str_eq(family_of("HygonGenuine", 0x00a00f11), "none");
}

Test(ctr_family, arm_part_numbers)
{
	static const struct {
		unsigned part;
		const char *name;
	} parts[] = {
	    {0xd0c, "Arm Neoverse N1"}, {0xd40, "Arm Neoverse V1"}, {0xd4f, "Arm Neoverse V2"}};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		struct cpu_info ci;
		const struct ctr_family *f;

		memset(&ci, 0, sizeof(ci));
		strcpy(ci.vendor, "ARM");
		ci.model = parts[i].part;
		f = ctr_family_find(&ci);
		cr_assert_not_null(f, "part %#x", parts[i].part);
		cr_assert_str_eq(f->name, parts[i].name);
	}
}

Test(ctr_table, every_cell_names_an_event_or_says_why)
{
	int nr = 0;

	for (const struct ctr_family *f = ctr_families; f->name; f++, nr++) {
		cr_assert(f->pfm_pmu && f->pfm_pmu[0], "%s: no libpfm4 PMU", f->name);
		for (int c = 0; c < CTR_NR; c++) {
			const struct ctr_event *e = &f->ev[c];

			if (e->name)
				cr_assert(e->raw != 0 && !e->none_why,
					  "%s %s: name without a raw code", f->name,
					  ctr_col_name(c));
			else
				cr_assert(e->none_why && strlen(e->none_why) > 10,
					  "%s %s: empty cell without a reason", f->name,
					  ctr_col_name(c));
		}
		cr_assert(f->ev[CTR_CYCLES].name, "%s: every family counts cycles", f->name);
		cr_assert(f->ev[CTR_WALK].name, "%s: every family counts walks", f->name);
	}
	cr_assert_eq(nr, 10, "Skylake, Ice Lake, Sapphire Rapids, Zen 2-5, N1, V1, V2");
}

Test(ctr_table, every_match_points_into_the_table)
{
	for (const struct ctr_match *m = ctr_matches; m->vendor; m++) {
		cr_assert(m->fam >= ctr_families && m->fam->name, "%s %#x: bad family", m->vendor,
			  m->family);
		cr_assert_leq(m->model_lo, m->model_hi, "%s %s: empty model range", m->vendor,
			      m->fam->name);
	}
}

/* libpfm4 against the table, one family per test (one process each, so
 * LIBPFM_FORCE_PMU is set before this process initialises libpfm4). */

struct fam_param {
	int idx; /* into ctr_families; parameters cross processes: no pointers */
};

static struct fam_param fam_params[16];

ParameterizedTestParameters(ctr_libpfm, table_matches_libpfm4_encoding)
{
	size_t n = 0;

	while (ctr_families[n].name && n < 16) {
		fam_params[n].idx = (int)n;
		n++;
	}
	return cr_make_param_array(struct fam_param, fam_params, n);
}

/* The libpfm4 PMU index named name, or -1 when this build has none. */
static int pfm_pmu_named(const char *name, pfm_pmu_info_t *info)
{
	int p;

	pfm_for_all_pmus(p)
	{
		memset(info, 0, sizeof(*info));
		info->size = sizeof(*info);
		if (pfm_get_pmu_info((pfm_pmu_t)p, info) == PFM_SUCCESS &&
		    !strcmp(info->name, name))
			return p;
	}
	return -1;
}

ParameterizedTest(struct fam_param *p, ctr_libpfm, table_matches_libpfm4_encoding)
{
	const struct ctr_family *f = &ctr_families[p->idx];
	pfm_pmu_info_t info;
	int rc;

	cr_assert_eq(setenv("LIBPFM_FORCE_PMU", f->pfm_pmu, 1), 0);
	rc = pfm_initialize();
	cr_assert_eq(rc, PFM_SUCCESS, "pfm_initialize: %s", pfm_strerror(rc));
	if (pfm_pmu_named(f->pfm_pmu, &info) < 0)
		cr_skip_test("%s: the installed libpfm4 has no PMU %s (%s), so its names and codes "
			     "cannot be checked here",
			     f->name, f->pfm_pmu,
			     strncmp(f->pfm_pmu, "arm_", 4)
				 ? "newer than this libpfm4"
				 : "Arm PMUs are built into Arm builds only");
	cr_assert(info.is_present, "%s: LIBPFM_FORCE_PMU=%s did not activate it", f->name,
		  f->pfm_pmu);
	for (int c = 0; c < CTR_NR; c++) {
		const struct ctr_event *e = &f->ev[c];
		struct perf_event_attr attr;
		pfm_perf_encode_arg_t arg;
		char full[512];

		if (!e->name)
			continue;
		memset(&attr, 0, sizeof(attr));
		memset(&arg, 0, sizeof(arg));
		arg.attr = &attr;
		arg.size = sizeof(arg);
		snprintf(full, sizeof(full), "%s::%s", f->pfm_pmu, e->name);
		rc = pfm_get_os_event_encoding(full, PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
		cr_assert_eq(rc, PFM_SUCCESS, "%s %s: libpfm4 cannot encode %s: %s", f->name,
			     ctr_col_name(c), full, pfm_strerror(rc));
		cr_assert_eq(attr.type, PERF_TYPE_RAW, "%s %s: type %u", f->name, ctr_col_name(c),
			     attr.type);
		cr_assert_eq(attr.config, e->raw, "%s %s: table has %#llx, libpfm4 encodes %#llx",
			     f->name, ctr_col_name(c), (unsigned long long)e->raw,
			     (unsigned long long)attr.config);
	}
}

/* --events */

Test(ctr_overrides, accepts_names_and_raw_codes)
{
	char why[256] = "";

	cr_assert_eq(
	    ctr_overrides_check("walk=DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK", why, sizeof(why)), 0,
	    "%s", why);
	cr_assert_eq(ctr_overrides_check("cycles=r76,walk_cycles=r1001008", why, sizeof(why)), 0,
		     "%s", why);
	/* libpfm4 modifiers carry '=' themselves: only the first one splits. */
	cr_assert_eq(
	    ctr_overrides_check("walk_cycles=DTLB_LOAD_MISSES:WALK_PENDING:c=1", why, sizeof(why)),
	    0, "%s", why);
	cr_assert_eq(ctr_overrides_check(NULL, why, sizeof(why)), 0);
}

Test(ctr_overrides, rejects_unknown_column)
{
	char why[256] = "";

	cr_assert_eq(ctr_overrides_check("tlb=L1_DTLB_MISS", why, sizeof(why)), -1);
	cr_assert(strstr(why, "unknown column 'tlb'"), "why: %s", why);
}

Test(ctr_overrides, rejects_malformed_items)
{
	static const char *const bad[] = {"walk", "walk=", "=r76", "walk=r76,",
					  "cycles=r76,,walk=r1"};
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		cr_assert_eq(ctr_overrides_check(bad[i], why, sizeof(why)), -1, "accepted '%s'",
			     bad[i]);
		cr_assert(strstr(why, "--events"), "'%s': why '%s' does not name the option",
			  bad[i], why);
	}
}

Test(ctr_overrides, open_refuses_bad_list)
{
	struct ctr_set s;

	cr_assert_eq(ctr_open(&s, NULL, "nope=X", 0), -1);
	cr_assert(strstr(s.why, "nope"), "why: %s", s.why);
}
