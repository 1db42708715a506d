/* harness/cpuinfo.c: decoding of recorded CPUID leaves for CPUs we do not
 * have (register values composed from AMD APM vol. 3 Fn8000_0005/6/19 and
 * Intel SDM leaf 18h), and cpu_read() on the live machine. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "cpuinfo.h"

#define KB_4K 4u
#define KB_2M 2048u
#define KB_1G 1048576u

/* Vendor strings as leaf 0 returns them: EBX, EDX, ECX, little-endian. */
#define AMD_EBX 0x68747541u   /* "Auth" */
#define AMD_EDX 0x69746e65u   /* "enti" */
#define AMD_ECX 0x444d4163u   /* "cAMD" */
#define INTEL_EBX 0x756e6547u /* "Genu" */
#define INTEL_EDX 0x49656e69u /* "ineI" */
#define INTEL_ECX 0x6c65746eu /* "ntel" */

static void put(struct cpu_info *ci, uint32_t leaf, uint32_t subleaf, uint32_t eax, uint32_t ebx,
		uint32_t ecx, uint32_t edx)
{
	cr_assert_lt(ci->nr_leaves, CPU_MAX_LEAVES);
	ci->leaves[ci->nr_leaves++] = (struct cpu_leaf){leaf, subleaf, eax, ebx, ecx, edx};
}

/* The 48-byte brand string into leaves 0x80000002..4 (EAX EBX ECX EDX each). */
static void put_brand(struct cpu_info *ci, const char *brand)
{
	char s[48] = {0};
	uint32_t r[12];

	memcpy(s, brand, strlen(brand) < 48 ? strlen(brand) : 48);
	memcpy(r, s, sizeof(r));
	for (int i = 0; i < 3; i++)
		put(ci, 0x80000002u + (uint32_t)i, 0, r[4 * i], r[4 * i + 1], r[4 * i + 2],
		    r[4 * i + 3]);
}

static const struct cpu_tlb *tlb(const struct cpu_info *ci, unsigned level, unsigned page_kb)
{
	for (int i = 0; i < ci->nr_tlb; i++)
		if (ci->tlb[i].level == level && ci->tlb[i].page_kb == page_kb)
			return &ci->tlb[i];
	return NULL;
}

static void expect_tlb(const struct cpu_info *ci, unsigned level, unsigned page_kb, int entries,
		       int assoc)
{
	const struct cpu_tlb *t = tlb(ci, level, page_kb);

	cr_assert_not_null(t, "no L%u %u kB TLB decoded", level, page_kb);
	cr_assert_eq(t->entries, entries, "L%u %u kB: %d entries, want %d", level, page_kb,
		     t->entries, entries);
	cr_assert_eq(t->assoc, assoc, "L%u %u kB: assoc %d, want %d", level, page_kb, t->assoc,
		     assoc);
	cr_assert_eq(cpu_tlb_entries(ci, level, page_kb), entries);
}

/* AMD EPYC Zen 4 (Genoa): family 19h model 11h stepping 1. */
static void zen4(struct cpu_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	put(ci, 0, 0, 0x10, AMD_EBX, AMD_ECX, AMD_EDX);
	/* Stepping 1, base model 1, base family Fh, ext model 1, ext family 0Ah. */
	put(ci, 1, 0, 0x00a10f11, 0x00020800, 0xfffa3203, 0x178bfbff);
	put(ci, 0x80000000, 0, 0x80000021, AMD_EBX, AMD_ECX, AMD_EDX);
	put_brand(ci, "AMD EPYC 9R14 96-Core Processor                ");
	/* L1 dTLB [31:24] assoc FFh = full, [23:16] 48h = 72 entries; iTLB 64.
	 * EAX for 2M pages, EBX for 4K. */
	put(ci, 0x80000005, 0, 0xff48ff40, 0xff48ff40, 0x20080140, 0x20080140);
	/* L2 dTLB [31:28] assoc code, [27:16] entries: EBX 6h (8-way), C00h =
	 * 3072 for 4K; EAX 5h (6-way), 3072 for 2M. */
	put(ci, 0x80000006, 0, 0x5c002200, 0x6c004200, 0x04006140, 0x02009140);
	/* 1G: EAX L1 dTLB Fh (full) 48h = 72; EBX L2 dTLB Fh (full) 40h = 64. */
	put(ci, 0x80000019, 0, 0xf048f040, 0xf0400000, 0, 0);
	cpu_decode(ci);
}

Test(cpu_decode, zen4_identity)
{
	struct cpu_info ci;

	zen4(&ci);
	cr_assert_str_eq(ci.vendor, "AuthenticAMD");
	cr_assert_eq(ci.family, 0x19);
	cr_assert_eq(ci.model, 0x11);
	cr_assert_eq(ci.stepping, 1);
	cr_assert_str_eq(ci.brand, "AMD EPYC 9R14 96-Core Processor", "trailing padding kept");
	cr_assert_str_eq(ci.hv_signature, "", "no leaf 0x40000000 recorded");
}

Test(cpu_decode, zen4_l1_dtlb)
{
	struct cpu_info ci;

	zen4(&ci);
	expect_tlb(&ci, 1, KB_4K, 72, 0);
	expect_tlb(&ci, 1, KB_2M, 72, 0);
}

Test(cpu_decode, zen4_l2_dtlb)
{
	struct cpu_info ci;

	zen4(&ci);
	expect_tlb(&ci, 2, KB_4K, 3072, 8);
	expect_tlb(&ci, 2, KB_2M, 3072, 6);
}

Test(cpu_decode, zen4_1g_tlbs)
{
	struct cpu_info ci;

	zen4(&ci);
	expect_tlb(&ci, 1, KB_1G, 72, 0);
	expect_tlb(&ci, 2, KB_1G, 64, 0);
	cr_assert_eq(ci.nr_tlb, 6);
}

/* AMD Zen 5 under PVM: family 1Ah model 02h; its CPUID declares an L2 dTLB
 * of 128 entries (AMD publishes 4096): decoding reports what is declared. */
static void zen5_guest(struct cpu_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	put(ci, 0, 0, 0x10, AMD_EBX, AMD_ECX, AMD_EDX);
	/* Stepping 0, base model 2, base family Fh, ext model 0, ext family 0Bh. */
	put(ci, 1, 0, 0x00b00f20, 0, 0x80000000, 0);
	/* L1 dTLB: full, 60h = 96 entries, for 4K (EBX) and 2M (EAX). */
	put(ci, 0x80000005, 0, 0xff60ff40, 0xff60ff40, 0, 0);
	/* L2 dTLB 4K: code 6h (8-way), 080h = 128; 2M: code 6h, 080h. */
	put(ci, 0x80000006, 0, 0x60802200, 0x60804200, 0, 0);
	/* 1 GiB: masked by the hypervisor, all zero. */
	put(ci, 0x80000019, 0, 0, 0, 0, 0);
	/* "bhyve bhyve " in EBX ECX EDX. */
	put(ci, 0x40000000, 0, 0x40000001, 0x76796862, 0x68622065, 0x20657679);
	cpu_decode(ci);
}

Test(cpu_decode, zen5_guest_identity)
{
	struct cpu_info ci;

	zen5_guest(&ci);
	cr_assert_str_eq(ci.vendor, "AuthenticAMD");
	cr_assert_eq(ci.family, 0x1a);
	cr_assert_eq(ci.model, 0x02);
	cr_assert_eq(ci.stepping, 0);
	cr_assert_str_eq(ci.hv_signature, "bhyve bhyve ");
	cr_assert_str_eq(ci.brand, "", "no brand leaves recorded");
}

Test(cpu_decode, zen5_guest_reports_declared_tlbs)
{
	struct cpu_info ci;

	zen5_guest(&ci);
	expect_tlb(&ci, 1, KB_4K, 96, 0);
	expect_tlb(&ci, 2, KB_4K, 128, 8);
	expect_tlb(&ci, 2, KB_2M, 128, 8);
}

Test(cpu_decode, masked_leaf_is_unknown_not_zero)
{
	struct cpu_info ci;

	zen5_guest(&ci);
	expect_tlb(&ci, 1, KB_1G, -1, -1);
	expect_tlb(&ci, 2, KB_1G, -1, -1);
}

Test(cpu_decode, masked_l1_leaf_is_unknown)
{
	struct cpu_info ci;

	memset(&ci, 0, sizeof(ci));
	put(&ci, 0, 0, 0x10, AMD_EBX, AMD_ECX, AMD_EDX);
	put(&ci, 1, 0, 0x00a10f11, 0, 0, 0);
	put(&ci, 0x80000005, 0, 0, 0, 0, 0);
	cpu_decode(&ci);
	expect_tlb(&ci, 1, KB_4K, -1, -1);
	expect_tlb(&ci, 1, KB_2M, -1, -1);
}

Test(cpu_decode, absent_leaf_is_unknown)
{
	struct cpu_info ci;

	memset(&ci, 0, sizeof(ci));
	put(&ci, 0, 0, 0x10, AMD_EBX, AMD_ECX, AMD_EDX);
	cpu_decode(&ci);
	cr_assert_eq(ci.nr_tlb, 0);
	cr_assert_eq(cpu_tlb_entries(&ci, 1, KB_4K), -1);
	cr_assert_eq(cpu_tlb_entries(&ci, 2, KB_2M), -1);
}

Test(cpu_decode, kvm_signature)
{
	struct cpu_info ci;

	memset(&ci, 0, sizeof(ci));
	put(&ci, 0, 0, 0x10, AMD_EBX, AMD_ECX, AMD_EDX);
	/* "KVMK" "VMKV" "M\0\0\0" */
	put(&ci, 0x40000000, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x0000004d);
	cpu_decode(&ci);
	cr_assert_str_eq(ci.hv_signature, "KVMKVMKVM");
	cr_assert_eq(memcmp(ci.hv_signature, "KVMKVMKVM\0\0\0", 13), 0);
}

/* Intel Skylake-class geometry as leaf 18h would declare it: one subleaf
 * per structure. EBX [0] 4K [1] 2M [2] 4M [3] 1G, [31:16] ways; ECX sets;
 * EDX [4:0] type (1 data, 2 instr, 3 unified, 4 load, 5 store), [7:5]
 * level, [8] fully associative. */
static void skylake(struct cpu_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	put(ci, 0, 0, 0x1b, INTEL_EBX, INTEL_ECX, INTEL_EDX);
	/* Stepping 3, base model Eh, family 6, ext model 5: model 5Eh. */
	put(ci, 1, 0, 0x000506e3, 0, 0x7ffafbbf, 0xbfebfbff);
	put_brand(ci, "       Intel(R) Core(TM) i7-6700K CPU @ 4.00GHz");
	/* 0: max subleaf 5; L1 iTLB 4K, 8-way x 16 sets (skipped: instruction). */
	put(ci, 0x18, 0, 5, 0x00080001, 16, 0x22);
	/* 1: L1 load dTLB 4K, 4-way x 16 sets = 64. */
	put(ci, 0x18, 1, 0, 0x00040001, 16, 0x24);
	/* 2: L1 load dTLB 2M+4M, 4-way x 8 sets = 32 (4M not reported). */
	put(ci, 0x18, 2, 0, 0x00040006, 8, 0x24);
	/* 3: STLB unified 4K+2M, 12-way x 128 sets = 1536. */
	put(ci, 0x18, 3, 0, 0x000c0003, 128, 0x43);
	/* 4: L1 load dTLB 1G, 4 entries fully associative (EDX[8]). */
	put(ci, 0x18, 4, 0, 0x00040008, 1, 0x124);
	/* 5: L1 store-only 4K, 16 entries (skipped: store-only). */
	put(ci, 0x18, 5, 0, 0x00100001, 1, 0x125);
	cpu_decode(ci);
}

Test(cpu_decode, skylake_identity)
{
	struct cpu_info ci;

	skylake(&ci);
	cr_assert_str_eq(ci.vendor, "GenuineIntel");
	cr_assert_eq(ci.family, 6);
	cr_assert_eq(ci.model, 0x5e);
	cr_assert_eq(ci.stepping, 3);
	cr_assert_str_eq(ci.brand, "Intel(R) Core(TM) i7-6700K CPU @ 4.00GHz",
			 "leading padding kept");
}

Test(cpu_decode, skylake_load_dtlb)
{
	struct cpu_info ci;

	skylake(&ci);
	expect_tlb(&ci, 1, KB_4K, 64, 4);
	expect_tlb(&ci, 1, KB_2M, 32, 4);
	expect_tlb(&ci, 1, KB_1G, 4, 0);
}

Test(cpu_decode, skylake_stlb)
{
	struct cpu_info ci;

	skylake(&ci);
	expect_tlb(&ci, 2, KB_4K, 1536, 12);
	expect_tlb(&ci, 2, KB_2M, 1536, 12);
}

Test(cpu_decode, skylake_skips_instruction_store_and_4m)
{
	struct cpu_info ci;

	skylake(&ci);
	/* L1 4K, 2M, 1G; L2 4K, 2M: nothing from subleaves 0 and 5, no 4M. */
	cr_assert_eq(ci.nr_tlb, 5);
	cr_assert_null(tlb(&ci, 1, 4096));
}

Test(cpu_decode, family_and_model_fields)
{
	static const struct {
		uint32_t eax;
		unsigned family, model, stepping;
	} cases[] = {
	    {0x00a10f11, 0x19, 0x11, 1}, /* Zen 4: Fh + Ah, ext model 1 */
	    {0x00b00f20, 0x1a, 0x02, 0}, /* Zen 5 */
	    {0x00a00f82, 0x19, 0x08, 2}, /* Zen 3 Chagall-like: ext model 0 */
	    {0x00100f22, 0x10, 0x02, 2}, /* K10 */
	    {0x00000f29, 0x0f, 0x02, 9}, /* Pentium 4: Fh + 0 */
	    {0x000306c3, 0x06, 0x3c, 3}, /* Haswell: family 6 uses ext model */
	    {0x00050654, 0x06, 0x55, 4}, /* Skylake-SP */
	    {0x00010543, 0x05, 0x04, 3}, /* family 5: ext model ignored */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cpu_info ci;

		memset(&ci, 0, sizeof(ci));
		put(&ci, 0, 0, 0x10, AMD_EBX, AMD_ECX, AMD_EDX);
		put(&ci, 1, 0, cases[i].eax, 0, 0, 0);
		cpu_decode(&ci);
		cr_assert_eq(ci.family, cases[i].family, "eax %08x: family %#x", cases[i].eax,
			     ci.family);
		cr_assert_eq(ci.model, cases[i].model, "eax %08x: model %#x", cases[i].eax,
			     ci.model);
		cr_assert_eq(ci.stepping, cases[i].stepping, "eax %08x: stepping %u", cases[i].eax,
			     ci.stepping);
	}
}

Test(cpu_decode, decoding_twice_is_stable)
{
	struct cpu_info ci;
	int nr;

	zen4(&ci);
	nr = ci.nr_tlb;
	cpu_decode(&ci);
	cr_assert_eq(ci.nr_tlb, nr, "TLB entries appended twice");
	expect_tlb(&ci, 2, KB_4K, 3072, 8);
}

/* Intel Xeon (Emerald Rapids, family 6 model CFh) under KVM, as recorded on
 * such a guest: leaves 0, 1, 2, 4, 0x18 (empty) and 0x40000000. */
static void emerald_rapids_kvm(struct cpu_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	put(ci, 0x0, 0, 0x0000001c, 0x756e6547, 0x6c65746e, 0x49656e69);
	put(ci, 0x1, 0, 0x000c06f2, 0x01020800, 0xfffa3203, 0x1f8bfbff);
	put(ci, 0x2, 0, 0x00feff01, 0x000000f0, 0x00000000, 0x00000000);
	put(ci, 0x4, 0, 0x04000121, 0x02c0003f, 0x0000003f, 0x00000000);
	put(ci, 0x4, 1, 0x04000122, 0x01c0003f, 0x0000003f, 0x00000000);
	put(ci, 0x4, 2, 0x04000143, 0x03c0003f, 0x000007ff, 0x00000000);
	put(ci, 0x4, 3, 0x04004163, 0x04c0003f, 0x00033fff, 0x00000000);
	put(ci, 0x18, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000);
	put(ci, 0x40000000, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x0000004d);
	put(ci, 0x80000000, 0, 0x80000021, 0x00000000, 0x00000000, 0x00000000);
	put(ci, 0x80000006, 0, 0x00000000, 0x00000000, 0x08007040, 0x00000000);
	put(ci, 0x80000008, 0, 0x00303930, 0x00000000, 0x00000000, 0x00000000);
	cpu_decode(ci);
}

Test(cpu_decode, emerald_rapids_identity)
{
	struct cpu_info ci;

	emerald_rapids_kvm(&ci);
	cr_assert_str_eq(ci.vendor, "GenuineIntel");
	cr_assert_eq(ci.family, 6);
	cr_assert_eq(ci.model, 0xcf);
	cr_assert_eq(ci.stepping, 2);
	cr_assert_str_eq(ci.hv_signature, "KVMKVMKVM");
}

Test(cpu_decode, emerald_rapids_hidden_leaf_18_is_explained)
{
	struct cpu_info ci;

	emerald_rapids_kvm(&ci);
	/* Leaf 2 only says "see leaf 4 / 0x18" (FF, FE) and 0x18 is all zero. */
	cr_assert_eq(ci.nr_tlb, 0, "%d TLBs decoded from an empty leaf 0x18", ci.nr_tlb);
	cr_assert_eq(cpu_tlb_entries(&ci, 1, KB_4K), -1);
	cr_assert(strstr(ci.tlb_why, "hypervisor hides CPUID leaf 0x18"), "why: %s", ci.tlb_why);
}

Test(cpu_decode, empty_leaf_18_without_hypervisor_is_the_cpus_word)
{
	struct cpu_info ci;

	emerald_rapids_kvm(&ci);
	ci.leaves[1].ecx &= ~(1u << 31); /* clear the hypervisor-present bit */
	cpu_decode(&ci);
	cr_assert(strstr(ci.tlb_why, "CPU declares nothing in CPUID leaf 0x18"), "why: %s",
		  ci.tlb_why);
	cr_assert_null(strstr(ci.tlb_why, "hypervisor"), "why: %s", ci.tlb_why);
}

Test(cpu_decode, leaf_2_pointing_to_a_missing_leaf_18)
{
	struct cpu_info ci;

	emerald_rapids_kvm(&ci);
	ci.leaves[0].eax = 0x16; /* highest leaf below 0x18 */
	for (int i = 0; i < ci.nr_leaves; i++)
		if (ci.leaves[i].leaf == 0x18)
			ci.leaves[i].leaf = 0x17;
	cpu_decode(&ci);
	cr_assert(strstr(ci.tlb_why, "points to leaf 0x18, which is not offered"), "why: %s",
		  ci.tlb_why);
}

Test(cpu_decode, amd_zero_tlb_fields_are_explained)
{
	struct cpu_info ci;

	memset(&ci, 0, sizeof(ci));
	put(&ci, 0, 0, 0x10, AMD_EBX, AMD_ECX, AMD_EDX);
	put(&ci, 1, 0, 0x00a10f11, 0, 0x80000000u, 0);
	put(&ci, 0x80000000, 0, 0x80000021, AMD_EBX, AMD_ECX, AMD_EDX);
	put(&ci, 0x80000005, 0, 0, 0, 0x20080140, 0x20080140);
	put(&ci, 0x80000006, 0, 0, 0, 0x04006140, 0);
	cpu_decode(&ci);
	cr_assert(strstr(ci.tlb_why, "hypervisor hides CPUID leaves 0x80000005/6"), "why: %s",
		  ci.tlb_why);
}

Test(cpu_decode, declared_geometry_has_no_excuse)
{
	struct cpu_info ci;

	zen4(&ci);
	cr_assert_str_eq(ci.tlb_why, "", "why: %s", ci.tlb_why);
	skylake(&ci);
	cr_assert_str_eq(ci.tlb_why, "", "why: %s", ci.tlb_why);
}

/* The live CPU: only what holds on every machine. Decoding its own recorded
 * leaves again gives the same answer, and an empty geometry is explained. */
Test(cpu_read, live_leaves_decode_consistently)
{
	struct cpu_info ci, again;

	cpu_read(&ci);
	cr_assert_gt(ci.nr_leaves, 2);
	cr_assert_neq(ci.vendor[0], '\0', "no vendor string");
	again = ci;
	cpu_decode(&again);
	cr_assert_str_eq(again.vendor, ci.vendor);
	cr_assert_eq(again.family, ci.family);
	cr_assert_eq(again.model, ci.model);
	cr_assert_eq(again.nr_tlb, ci.nr_tlb);
	cr_assert_str_eq(again.hv_signature, ci.hv_signature);
	if (cpu_tlb_entries(&ci, 1, KB_4K) <= 0)
		cr_assert_neq(ci.tlb_why[0], '\0', "no L1 DTLB declared and no reason given");
}
