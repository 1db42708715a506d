/* CPUID decoding on recorded register values of more CPU generations: AMD
 * Zen 2 and Zen 3 (leaves 0x80000005/6), Intel Ice Lake (leaf 0x18). The
 * values are laid out by the vendors' documented bit fields. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <string.h>

#include "cpuinfo.h"

/* Arrays, not pointers: Criterion runs each case in a new process, where
 * pointers into the parent's data would not hold. */
struct model_case {
	char name[32];
	char vendor[13];          /* leaf 0 EBX, EDX, ECX as a string */
	uint32_t leaf1_eax;
	unsigned family, model;
	struct cpu_leaf extra[8]; /* TLB leaves */
	int nr_extra;
	struct cpu_tlb want[6];   /* expected declared TLBs */
	int nr_want;
};

static void load(struct cpu_info *ci, const struct model_case *c)
{
	uint32_t r[3];

	memset(ci, 0, sizeof(*ci));
	memcpy(r, c->vendor, 4);
	memcpy(r + 1, c->vendor + 4, 4);
	memcpy(r + 2, c->vendor + 8, 4);
	ci->leaves[ci->nr_leaves++] = (struct cpu_leaf){ 0, 0, 0x20, r[0], r[2], r[1] };
	ci->leaves[ci->nr_leaves++] = (struct cpu_leaf){ 1, 0, c->leaf1_eax, 0, 0, 0 };
	for (int i = 0; i < c->nr_extra; i++)
		ci->leaves[ci->nr_leaves++] = c->extra[i];
	cpu_decode(ci);
}

/* AMD L2 field: [31:28] assoc code, [27:16] entries (dTLB half). */
#define AMD_L2(code, n) (((uint32_t)(code) << 28) | ((uint32_t)(n) << 16))
/* AMD L1 field: [31:24] assoc (0xff full), [23:16] entries. */
#define AMD_L1(ways, n) (((uint32_t)(ways) << 24) | ((uint32_t)(n) << 16))
/* Intel leaf 0x18 subleaf: EBX pages|ways<<16, ECX sets, EDX type|level<<5. */
#define I18(sub, pages, ways, sets, type, level)                                        \
	{ 0x18, sub, 0, (pages) | ((uint32_t)(ways) << 16), sets, (type) | ((level) << 5) }

ParameterizedTestParameters(cpu_models, decode)
{
	static struct model_case cases[] = {
		{ "Zen 2 (EPYC 7002)", "AuthenticAMD", 0x00830f10, 0x17, 0x31,
		  { { 0x80000005, 0, AMD_L1(0xff, 64), AMD_L1(0xff, 64), 0, 0 },
		    { 0x80000006, 0, AMD_L2(6, 2048), AMD_L2(6, 2048), 0, 0 } },
		  2,
		  { { 4, 1, 64, 0 }, { 2048, 1, 64, 0 }, { 4, 2, 2048, 8 }, { 2048, 2, 2048, 8 } },
		  4 },
		{ "Zen 3 (EPYC 7003)", "AuthenticAMD", 0x00a00f11, 0x19, 0x01,
		  { { 0x80000005, 0, AMD_L1(0xff, 64), AMD_L1(0xff, 64), 0, 0 },
		    { 0x80000006, 0, AMD_L2(8, 2048), AMD_L2(8, 2048), 0, 0 },
		    { 0x80000019, 0, AMD_L2(0xf, 64), AMD_L2(8, 2048), 0, 0 } },
		  3,
		  { { 4, 1, 64, 0 }, { 4, 2, 2048, 16 }, { 1048576, 1, 64, 0 }, { 1048576, 2, 2048, 16 } },
		  4 },
		{ "Ice Lake (server)", "GenuineIntel", 0x000606a6, 6, 0x6a,
		  { { 0x18, 0, 4, 0, 0, 0 },
		    I18(1, 0x7, 4, 16, 4, 1),  /* load DTLB: 4K/2M/4M, 64 entries */
		    I18(2, 0xf, 16, 1, 5, 1),  /* store-only: skipped */
		    I18(3, 0x3, 16, 128, 3, 2), /* STLB 4K/2M: 2048 */
		    I18(4, 0x8, 8, 128, 3, 2) }, /* STLB 1G: 1024 */
		  5,
		  { { 4, 1, 64, 4 }, { 2048, 1, 64, 4 }, { 4, 2, 2048, 16 }, { 1048576, 2, 1024, 8 } },
		  4 },
	};
	return cr_make_param_array(struct model_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct model_case *c, cpu_models, decode)
{
	struct cpu_info ci;

	load(&ci, c);
	cr_expect_str_eq(ci.vendor, c->vendor, "%s", c->name);
	cr_expect_eq(ci.family, c->family, "%s: family %#x", c->name, ci.family);
	cr_expect_eq(ci.model, c->model, "%s: model %#x", c->name, ci.model);
	for (int i = 0; i < c->nr_want; i++) {
		const struct cpu_tlb *w = &c->want[i];
		int found = 0;

		for (int k = 0; k < ci.nr_tlb; k++) {
			const struct cpu_tlb *t = &ci.tlb[k];

			if (t->level != w->level || t->page_kb != w->page_kb)
				continue;
			found = 1;
			cr_expect_eq(t->entries, w->entries, "%s L%u %u kB: %d entries, want %d", c->name,
				     w->level, w->page_kb, t->entries, w->entries);
			cr_expect_eq(t->assoc, w->assoc, "%s L%u %u kB: %d-way, want %d", c->name,
				     w->level, w->page_kb, t->assoc, w->assoc);
		}
		cr_expect(found, "%s: no L%u %u kB TLB decoded", c->name, w->level, w->page_kb);
	}
}

Test(cpu_models, ice_lake_store_only_tlb_is_not_reported)
{
	struct model_case c = { "Ice Lake", "GenuineIntel", 0x000606a6, 6, 0x6a,
				{ { 0x18, 0, 1, 0, 0, 0 }, I18(1, 0x1, 16, 1, 5, 1) }, 2, { { 0 } }, 0 };
	struct cpu_info ci;

	load(&ci, &c);
	cr_expect_eq(ci.nr_tlb, 0, "a store-only TLB is not the load path: %d decoded", ci.nr_tlb);
}
