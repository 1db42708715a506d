/* harness/tlbgeom.c: the published-geometry lookup by vendor, family and
 * model, and its comparison with CPUID, including the Zen 5 guest whose
 * CPUID declares 128 L2 DTLB entries where AMD publishes 4096. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "cpuinfo.h"
#include "tlbgeom.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *vendor, unsigned family, unsigned model)
{
	const struct tlbgeom_cpu *c = tlbgeom_lookup(vendor, family, model);

	return c ? c->name : "(unknown)";
}

/* Family and model of CPUs seen in CPUID dumps, and the row each belongs to. */
Test(tlbgeom, lookup_recorded_models)
{
	static const struct {
		const char *vendor;
		unsigned family, model;
		const char *want;
	} cases[] = {
	    {"AuthenticAMD", 0x17, 0x01, "AMD Zen / Zen+"},	      /* Naples, Summit Ridge */
	    {"AuthenticAMD", 0x17, 0x08, "AMD Zen / Zen+"},	      /* Pinnacle Ridge */
	    {"AuthenticAMD", 0x17, 0x31, "AMD Zen 2"},		      /* Rome */
	    {"AuthenticAMD", 0x17, 0x60, "AMD Zen 2"},		      /* Renoir */
	    {"AuthenticAMD", 0x17, 0x71, "AMD Zen 2"},		      /* Matisse */
	    {"AuthenticAMD", 0x19, 0x01, "AMD Zen 3"},		      /* Milan */
	    {"AuthenticAMD", 0x19, 0x21, "AMD Zen 3"},		      /* Vermeer */
	    {"AuthenticAMD", 0x19, 0x50, "AMD Zen 3"},		      /* Cezanne */
	    {"AuthenticAMD", 0x19, 0x11, "AMD Zen 4"},		      /* Genoa: machine kind A */
	    {"AuthenticAMD", 0x19, 0x61, "AMD Zen 4"},		      /* Raphael */
	    {"AuthenticAMD", 0x19, 0x74, "AMD Zen 4"},		      /* Phoenix */
	    {"AuthenticAMD", 0x19, 0xa0, "AMD Zen 4c"},		      /* Bergamo */
	    {"AuthenticAMD", 0x19, 0xaf, "AMD Zen 4c"},		      /* Siena range */
	    {"AuthenticAMD", 0x1a, 0x02, "AMD Zen 5"},		      /* Turin: machine kind B */
	    {"AuthenticAMD", 0x1a, 0x24, "AMD Zen 5"},		      /* Strix Point */
	    {"AuthenticAMD", 0x1a, 0x44, "AMD Zen 5"},		      /* Granite Ridge */
	    {"GenuineIntel", 6, 0x5e, "Intel Skylake"},		      /* i7-6700K */
	    {"GenuineIntel", 6, 0x55, "Intel Skylake"},		      /* Skylake-SP */
	    {"GenuineIntel", 6, 0x9e, "Intel Skylake"},		      /* Coffee Lake */
	    {"GenuineIntel", 6, 0x7e, "Intel Ice Lake (Sunny Cove)"}, /* Ice Lake-U */
	    {"GenuineIntel", 6, 0x6a, "Intel Ice Lake (Sunny Cove)"}, /* Ice Lake-SP */
	    {"GenuineIntel", 6, 0x97, "Intel Golden Cove"},	      /* Alder Lake-S */
	    {"GenuineIntel", 6, 0x8f, "Intel Golden Cove"},	      /* Sapphire Rapids */
	    {"GenuineIntel", 6, 0xcf, "Intel Raptor Cove"},	      /* Emerald Rapids: kind C */
	    {"GenuineIntel", 6, 0xb7, "Intel Raptor Cove"},	      /* Raptor Lake-S */
	    {"GenuineIntel", 6, 0xba, "Intel Raptor Cove"},	      /* Raptor Lake-P */
	    {"GenuineIntel", 6, 0xad, "Intel Redwood Cove"},	      /* Granite Rapids-X */
	    {"GenuineIntel", 6, 0xaa, "Intel Redwood Cove"},	      /* Meteor Lake-L */
	    {"GenuineIntel", 6, 0xaf, "Intel Crestmont"},	      /* Sierra Forest */
	    {"GenuineIntel", 6, 0xbe, "Intel Gracemont"},	      /* Alder Lake-N */
	    {"GenuineIntel", 6, 0xbd, "Intel Lion Cove"},	      /* Lunar Lake */
	    {"GenuineIntel", 6, 0xc6, "Intel Lion Cove"},	      /* Arrow Lake */
	};

	for (size_t i = 0; i < LEN(cases); i++)
		cr_assert_str_eq(name_of(cases[i].vendor, cases[i].family, cases[i].model),
				 cases[i].want, "%s family %#x model %#x", cases[i].vendor,
				 cases[i].family, cases[i].model);
}

Test(tlbgeom, unknown_models_are_null)
{
	cr_assert_null(tlbgeom_lookup("GenuineIntel", 6, 0x3c), "Haswell is not in the table");
	cr_assert_null(tlbgeom_lookup("AuthenticAMD", 0x15, 0x02), "Bulldozer-family");
	cr_assert_null(tlbgeom_lookup("AuthenticAMD", 0x17, 0x84), "a hole in the Zen 2 ranges");
	cr_assert_null(tlbgeom_lookup("AuthenticAMD", 0x1a, 0x50), "Zen 6, not published yet");
	cr_assert_null(tlbgeom_lookup("HygonGenuine", 0x18, 0x00), "Hygon is its own vendor");
	cr_assert_null(tlbgeom_lookup("GenuineIntel", 0x19, 0x11), "the vendor must match");
	cr_assert_null(tlbgeom_lookup("", 0, 0));
}

/* A lookup must never depend on row order: no model sits in two rows. */
Test(tlbgeom, rows_do_not_overlap)
{
	for (int i = 0; i < tlbgeom_nr; i++)
		for (int j = i + 1; j < tlbgeom_nr; j++) {
			const struct tlbgeom_cpu *a = &tlbgeom_table[i], *b = &tlbgeom_table[j];

			if (strcmp(a->vendor, b->vendor) || a->family != b->family)
				continue;
			for (int ra = 0; ra < a->nr_models; ra++)
				for (int rb = 0; rb < b->nr_models; rb++)
					cr_assert(a->models[ra].hi < b->models[rb].lo ||
						      b->models[rb].hi < a->models[ra].lo,
						  "%s and %s share models", a->name, b->name);
		}
}

/* Every row says where its numbers come from and is physically sane. */
Test(tlbgeom, rows_are_sourced_and_sane)
{
	cr_assert_geq(tlbgeom_nr, 7);
	for (int i = 0; i < tlbgeom_nr; i++) {
		const struct tlbgeom_cpu *c = &tlbgeom_table[i];
		int l1 = tlbgeom_entries(c, 1, 4, NULL), l2 = tlbgeom_entries(c, 2, 4, NULL);

		cr_assert(c->source && c->source[0], "%s: no source", c->name);
		cr_assert(c->nr_models > 0 && c->nr_models <= TLBGEOM_MAX_RANGES, "%s", c->name);
		for (int r = 0; r < c->nr_models; r++)
			cr_assert_leq(c->models[r].lo, c->models[r].hi, "%s range %d", c->name, r);
		cr_assert_gt(l1, 0, "%s: no L1 4K entries", c->name);
		if (l2 >= 0)
			cr_assert_gt(l2, l1, "%s: the L2 TLB is the larger", c->name);
		/* 0 is "not published"; every published L1D is 3 to 5 cycles. */
		cr_assert(c->l1_load_cycles == 0 ||
			      (c->l1_load_cycles >= 3 && c->l1_load_cycles <= 5),
			  "%s: L1 load-to-use %d cycles", c->name, c->l1_load_cycles);
		/* Page walkers: 0 unpublished; published counts run 1 to 8,
		 * each with where it was published. */
		cr_assert(c->walkers >= 0 && c->walkers <= 8, "%s: %d walkers", c->name, c->walkers);
		cr_assert(!c->walkers || (c->walkers_source && c->walkers_source[0]),
			  "%s: walkers without a source", c->name);
	}
}

/* The two machine kinds of MACHINE.md, by the published numbers. */
Test(tlbgeom, machine_kinds_published)
{
	const struct tlbgeom_cpu *zen4 = tlbgeom_lookup("AuthenticAMD", 0x19, 0x11);
	const struct tlbgeom_cpu *zen5 = tlbgeom_lookup("AuthenticAMD", 0x1a, 0x02);
	int assoc;

	cr_assert_eq(tlbgeom_entries(zen4, 1, 4, &assoc), 72);
	cr_assert_eq(assoc, 0, "fully associative");
	cr_assert_eq(tlbgeom_entries(zen4, 2, 4, NULL), 3072);
	cr_assert_eq(tlbgeom_entries(zen5, 1, 4, NULL), 96);
	cr_assert_eq(tlbgeom_entries(zen5, 2, 4, &assoc), 4096);
	cr_assert_eq(assoc, 16);
	cr_assert_eq(tlbgeom_entries(zen5, 2, 1048576, NULL), 0, "no 1G entries in Zen 5's L2");
	cr_assert_eq(zen4->l1_load_cycles, 4);
	cr_assert_eq(zen5->l1_load_cycles, 4);
	cr_assert_eq(tlbgeom_entries(NULL, 1, 4, &assoc), -1, "unknown model");
	cr_assert_eq(assoc, -1);
}

/* Emerald Rapids (machine kind C): Raptor Cove's published numbers. */
Test(tlbgeom, emerald_rapids_published)
{
	const struct tlbgeom_cpu *c = tlbgeom_lookup("GenuineIntel", 6, 0xcf);

	cr_assert_not_null(c);
	cr_assert_eq(tlbgeom_entries(c, 1, 4, NULL), 96);
	cr_assert_eq(tlbgeom_entries(c, 2, 4, NULL), 2048);
	cr_assert_eq(tlbgeom_entries(c, 1, 2048, NULL), 32);
	cr_assert_eq(c->l1_load_cycles, 5);
	cr_assert(strstr(c->source, "Intel"), "%s", c->source);
}

/* Recorded CPUID of the Zen 5 guest (leaves 0, 1, 8000_0005h, 8000_0006h,
 * 8000_0019h), decoded by cpuinfo.c as the live machine would be. */
static void zen5_guest(struct cpu_info *ci)
{
	static const struct cpu_leaf leaves[] = {
	    /* "AuthenticAMD" in EBX, EDX, ECX */
	    {0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65},
	    /* family Fh + ext Bh = 1Ah, model 02h */
	    {1, 0, 0x00b00f20, 0, 0x80000000, 0},
	    /* L1 dTLB: 96 entries, fully associative, 4K (EBX) and 2M (EAX) */
	    {0x80000005, 0, 0xff60ff40, 0xff60ff40, 0, 0},
	    /* L2 dTLB: 128 entries, 8-way, 4K and 2M: the false declaration */
	    {0x80000006, 0, 0x60802200, 0x60804200, 0, 0},
	    /* 1G TLBs masked */
	    {0x80000019, 0, 0, 0, 0, 0},
	};

	memset(ci, 0, sizeof(*ci));
	memcpy(ci->leaves, leaves, sizeof(leaves));
	ci->nr_leaves = (int)LEN(leaves);
	cpu_decode(ci);
}

static const struct tlbgeom_cmp *row(const struct tlbgeom_cmp *cmp, unsigned level,
				     unsigned page_kb)
{
	for (int i = 0; i < TLBGEOM_NR_CMP; i++)
		if (cmp[i].level == level && cmp[i].page_kb == page_kb)
			return &cmp[i];
	cr_assert_fail("no L%u %u kB row", level, page_kb);
	return NULL;
}

Test(tlbgeom, zen5_guest_l2_is_flagged)
{
	struct cpu_info ci;
	struct tlbgeom_cmp cmp[TLBGEOM_NR_CMP];
	const struct tlbgeom_cmp *l2;
	char line[256];

	zen5_guest(&ci);
	cr_assert_eq(tlbgeom_compare(&ci, tlbgeom_lookup_cpu(&ci), cmp), TLBGEOM_NR_CMP);
	l2 = row(cmp, 2, 4);
	cr_assert_eq(l2->declared, 128);
	cr_assert_eq(l2->published, 4096);
	cr_assert_eq(l2->agree, TLBGEOM_DISAGREE);
	cr_assert_eq(row(cmp, 2, 2048)->agree, TLBGEOM_DISAGREE);
	cr_assert_eq(row(cmp, 1, 4)->agree, TLBGEOM_AGREE, "96 and 96");
	cr_assert_eq(row(cmp, 1, 1048576)->agree, TLBGEOM_UNKNOWN, "1G leaf masked");
	cr_assert_eq(tlbgeom_nr_disagree(cmp, TLBGEOM_NR_CMP), 2);
	tlbgeom_describe(l2, line, sizeof(line));
	cr_assert(strstr(line, "128") && strstr(line, "4096") && strstr(line, "disagree"), "%s",
		  line);
}

/* Declared by hand, as a Zen 4 host's CPUID gives it: everything agrees,
 * and the 1G L2 the guide does not list stays unknown. */
Test(tlbgeom, zen4_declared_agrees)
{
	struct cpu_info ci = {.vendor = "AuthenticAMD", .family = 0x19, .model = 0x11};
	struct tlbgeom_cmp cmp[TLBGEOM_NR_CMP];
	static const struct cpu_tlb declared[] = {
	    {4, 1, 72, 0},   {2048, 1, 72, 0},	 {1048576, 1, 72, 0},
	    {4, 2, 3072, 8}, {2048, 2, 3072, 6}, {1048576, 2, 64, 0},
	};

	memcpy(ci.tlb, declared, sizeof(declared));
	ci.nr_tlb = (int)LEN(declared);
	tlbgeom_compare(&ci, tlbgeom_lookup_cpu(&ci), cmp);
	cr_assert_eq(tlbgeom_nr_disagree(cmp, TLBGEOM_NR_CMP), 0);
	cr_assert_eq(row(cmp, 2, 4)->agree, TLBGEOM_AGREE);
	cr_assert_eq(row(cmp, 2, 4)->declared_assoc, 8, "ways are reported, not judged");
	cr_assert_eq(row(cmp, 2, 4)->published_assoc, 24);
	cr_assert_eq(row(cmp, 2, 1048576)->agree, TLBGEOM_UNKNOWN);
}

/* An unknown model compares as unknown everywhere, declared values kept. */
Test(tlbgeom, unknown_model_compares_unknown)
{
	struct cpu_info ci = {.vendor = "GenuineIntel", .family = 6, .model = 0x3c};
	struct tlbgeom_cmp cmp[TLBGEOM_NR_CMP];

	ci.tlb[0] = (struct cpu_tlb){4, 1, 64, 4};
	ci.nr_tlb = 1;
	cr_assert_null(tlbgeom_lookup_cpu(&ci));
	tlbgeom_compare(&ci, NULL, cmp);
	for (int i = 0; i < TLBGEOM_NR_CMP; i++) {
		cr_assert_eq(cmp[i].agree, TLBGEOM_UNKNOWN);
		cr_assert_eq(cmp[i].published, -1);
	}
	cr_assert_eq(row(cmp, 1, 4)->declared, 64);
}

/* CPUID declaring entries the vendor says do not exist is a disagreement. */
Test(tlbgeom, declared_where_published_none)
{
	struct cpu_info ci = {.vendor = "AuthenticAMD", .family = 0x1a, .model = 0x02};
	struct tlbgeom_cmp cmp[TLBGEOM_NR_CMP];
	char line[256];

	ci.tlb[0] = (struct cpu_tlb){1048576, 2, 64, 0};
	ci.nr_tlb = 1;
	tlbgeom_compare(&ci, tlbgeom_lookup_cpu(&ci), cmp);
	cr_assert_eq(row(cmp, 2, 1048576)->agree, TLBGEOM_DISAGREE);
	tlbgeom_describe(row(cmp, 2, 1048576), line, sizeof(line));
	cr_assert(strstr(line, "none"), "%s", line);
}

Test(tlbgeom, names)
{
	cr_assert_str_eq(tlbgeom_agree_name(TLBGEOM_AGREE), "agree");
	cr_assert_str_eq(tlbgeom_agree_name(TLBGEOM_DISAGREE), "disagree");
	cr_assert_str_eq(tlbgeom_agree_name(TLBGEOM_UNKNOWN), "unknown");
	cr_assert_str_eq(tlbgeom_page_name(4), "4K");
	cr_assert_str_eq(tlbgeom_page_name(2048), "2M");
	cr_assert_str_eq(tlbgeom_page_name(1048576), "1G");
	cr_assert_str_eq(tlbgeom_page_name(64), "?");
}
