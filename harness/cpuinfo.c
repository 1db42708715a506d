/* CPU identity, declared TLB geometry (AMD 0x80000005/6/19, Intel 0x18),
 * hypervisor and kernel-entry TLB flushing. Declared is not true: in a VM
 * CPUID can lie, so these numbers are reported, never used to measure. */
#include "cpuinfo.h"

#include "cpuid_leaf2.h"
#include "knobs.h"

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>

static const struct cpu_leaf *find_leaf(const struct cpu_info *ci, uint32_t leaf,
					uint32_t subleaf)
{
	for (int i = 0; i < ci->nr_leaves; i++)
		if (ci->leaves[i].leaf == leaf && ci->leaves[i].subleaf == subleaf)
			return &ci->leaves[i];
	return NULL;
}

static void record(struct cpu_info *ci, uint32_t leaf, uint32_t subleaf)
{
	struct cpu_leaf *l;

	if (ci->nr_leaves == CPU_MAX_LEAVES)
		return;
	l = &ci->leaves[ci->nr_leaves++];
	l->leaf = leaf;
	l->subleaf = subleaf;
	__cpuid_count(leaf, subleaf, l->eax, l->ebx, l->ecx, l->edx);
}

void cpu_read(struct cpu_info *ci)
{
	uint32_t max_std, max_ext, a, b, c, d;

	memset(ci, 0, sizeof(*ci));
	__cpuid(0, max_std, b, c, d);
	record(ci, 0, 0);
	record(ci, 1, 0);
	if (max_std >= 0x18) {
		uint32_t max_sub;

		record(ci, 0x18, 0);
		max_sub = ci->leaves[ci->nr_leaves - 1].eax; /* only subleaf 0 says */
		for (uint32_t s = 1; s <= max_sub && s < 16; s++)
			record(ci, 0x18, s);
	}
	if (max_std >= 2)
		record(ci, 2, 0);
	__cpuid(0x80000000, max_ext, b, c, d);
	record(ci, 0x80000000, 0);
	for (uint32_t l = 0x80000002; l <= 0x80000006 && l <= max_ext; l++)
		record(ci, l, 0);
	if (max_ext >= 0x80000019)
		record(ci, 0x80000019, 0);
	__cpuid(1, a, b, c, d);
	if (c & (1u << 31)) /* the hypervisor-present bit */
		record(ci, 0x40000000, 0);
	cpu_decode(ci);
}

static void add_tlb(struct cpu_info *ci, unsigned level, unsigned page_kb,
		    int entries, int assoc)
{
	struct cpu_tlb *t;

	if (ci->nr_tlb == CPU_MAX_TLB)
		return;
	t = &ci->tlb[ci->nr_tlb++];
	t->level = level;
	t->page_kb = page_kb;
	t->entries = entries > 0 ? entries : -1;
	t->assoc = entries > 0 ? assoc : -1;
}

/* Ways from AMD's L2/L3 associativity code (AMD APM vol. 3, CPUID
 * Fn8000_0006); 0 means fully associative, -1 reserved or disabled. */
static int amd_l2_assoc(unsigned code)
{
	static const int ways[16] = { -1, 1, 2, 3, 4, 6, 8, -1,
				      16, -1, 32, 48, 64, 96, 128, 0 };
	return ways[code & 15];
}

/* An AMD L1 field: 0xff means fully associative. */
static int amd_l1_assoc(unsigned v)
{
	return v == 0xff ? 0 : (int)v;
}

static void decode_amd_tlb(struct cpu_info *ci)
{
	const struct cpu_leaf *l5 = find_leaf(ci, 0x80000005, 0);
	const struct cpu_leaf *l6 = find_leaf(ci, 0x80000006, 0);
	const struct cpu_leaf *l19 = find_leaf(ci, 0x80000019, 0);

	/* EBX: 4K pages, EAX: 2M pages; [31:24] dTLB assoc, [23:16] entries. */
	if (l5) {
		add_tlb(ci, 1, 4, (l5->ebx >> 16) & 0xff, amd_l1_assoc(l5->ebx >> 24));
		add_tlb(ci, 1, 2048, (l5->eax >> 16) & 0xff, amd_l1_assoc(l5->eax >> 24));
	}
	/* [31:28] dTLB assoc code, [27:16] dTLB entries. */
	if (l6) {
		add_tlb(ci, 2, 4, (l6->ebx >> 16) & 0xfff, amd_l2_assoc(l6->ebx >> 28));
		add_tlb(ci, 2, 2048, (l6->eax >> 16) & 0xfff, amd_l2_assoc(l6->eax >> 28));
	}
	/* EAX: L1 1G, EBX: L2 1G, same layout as 0x80000006. */
	if (l19) {
		add_tlb(ci, 1, 1048576, (l19->eax >> 16) & 0xfff, amd_l2_assoc(l19->eax >> 28));
		add_tlb(ci, 2, 1048576, (l19->ebx >> 16) & 0xfff, amd_l2_assoc(l19->ebx >> 28));
	}
}

/* Intel leaf 0x18 (deterministic address translation parameters): one
 * subleaf per structure; data, load-only and unified ones are kept. */
static void decode_intel_tlb(struct cpu_info *ci)
{
	static const unsigned sizes_kb[4] = { 4, 2048, 4096, 1048576 };
	const struct cpu_leaf *l0 = find_leaf(ci, 0x18, 0), *l2 = find_leaf(ci, 2, 0);

	/* Parts without leaf 0x18 (Skylake and older) describe their TLBs by
	 * leaf 2 descriptors only. */
	if (!l0) {
		int use_leaf18 = 0;

		if (l2)
			ci->nr_tlb += cpuid_leaf2_tlbs(l2->eax, l2->ebx, l2->ecx, l2->edx,
						       ci->tlb + ci->nr_tlb,
						       CPU_MAX_TLB - ci->nr_tlb, &use_leaf18);
		return;
	}
	for (uint32_t s = 0; s <= l0->eax && s < 16; s++) {
		const struct cpu_leaf *l = find_leaf(ci, 0x18, s);
		unsigned type, level, ways, sets;

		if (!l)
			continue;
		type = l->edx & 0x1f;
		level = (l->edx >> 5) & 7;
		ways = l->ebx >> 16;
		sets = l->ecx;
		/* 1 data, 3 unified, 4 load-only; skip instruction and store-only. */
		if (type != 1 && type != 3 && type != 4)
			continue;
		for (int p = 0; p < 4; p++) {
			if (!(l->ebx & (1u << p)) || p == 2) /* 4M pages: not used here */
				continue;
			add_tlb(ci, level, sizes_kb[p], (int)(ways * sets),
				(l->edx & (1u << 8)) ? 0 : (int)ways);
		}
	}
}

static int all_zero(const struct cpu_leaf *l)
{
	return !l->eax && !l->ebx && !l->ecx && !l->edx;
}

/* Say why no data TLB was declared: a leaf the CPU does not offer is not the
 * same as a leaf a hypervisor returns as zeros. */
static void explain_empty(struct cpu_info *ci, int hv)
{
	const struct cpu_leaf *l0 = find_leaf(ci, 0, 0), *l2 = find_leaf(ci, 2, 0);
	const struct cpu_leaf *l18 = find_leaf(ci, 0x18, 0);
	const struct cpu_leaf *x0 = find_leaf(ci, 0x80000000, 0);
	const struct cpu_leaf *l5 = find_leaf(ci, 0x80000005, 0);
	const struct cpu_leaf *l6 = find_leaf(ci, 0x80000006, 0);
	const char *who = hv ? "the hypervisor hides" : "the CPU declares nothing in";
	size_t n = sizeof(ci->tlb_why);

	for (int i = 0; i < ci->nr_tlb; i++)
		if (ci->tlb[i].entries > 0)
			return;
	if (!strcmp(ci->vendor, "GenuineIntel")) {
		int use_leaf18 = 0;
		struct cpu_tlb scratch[CPU_MAX_TLB];

		if (l2)
			cpuid_leaf2_tlbs(l2->eax, l2->ebx, l2->ecx, l2->edx, scratch, CPU_MAX_TLB,
					 &use_leaf18);
		if (l18)
			snprintf(ci->tlb_why, n, "%s CPUID leaf 0x18 (%s)", who,
				 all_zero(l18) ? "all its registers are zero"
					       : "it lists no data TLB");
		else if (use_leaf18)
			snprintf(ci->tlb_why, n,
				 "CPUID leaf 2 points to leaf 0x18, which is not offered (highest leaf %#x)%s",
				 l0 ? l0->eax : 0, hv ? ": the hypervisor hides it" : "");
		else
			snprintf(ci->tlb_why, n, "%s CPUID leaf 2 (no data-TLB descriptor)", who);
	} else if (!strcmp(ci->vendor, "AuthenticAMD") || !strcmp(ci->vendor, "HygonGenuine")) {
		if (!l5 || !l6)
			snprintf(ci->tlb_why, n,
				 "CPUID leaves 0x80000005/6 are not offered (highest extended leaf %#x)%s",
				 x0 ? x0->eax : 0, hv ? ": the hypervisor hides them" : "");
		else
			snprintf(ci->tlb_why, n, "%s CPUID leaves 0x80000005/6 (their data-TLB fields are zero)",
				 who);
	} else {
		snprintf(ci->tlb_why, n, "no CPUID TLB decoder for vendor '%s'", ci->vendor);
	}
}

static void regs_to_str(char *dst, uint32_t a, uint32_t b, uint32_t c)
{
	memcpy(dst, &a, 4);
	memcpy(dst + 4, &b, 4);
	memcpy(dst + 8, &c, 4);
	dst[12] = '\0';
}

void cpu_decode(struct cpu_info *ci)
{
	const struct cpu_leaf *l0 = find_leaf(ci, 0, 0), *l1 = find_leaf(ci, 1, 0);
	const struct cpu_leaf *hv = find_leaf(ci, 0x40000000, 0);
	char *p = ci->brand;

	ci->nr_tlb = 0;
	ci->vendor[0] = ci->brand[0] = ci->hv_signature[0] = ci->tlb_why[0] = '\0';
	if (l0)
		regs_to_str(ci->vendor, l0->ebx, l0->edx, l0->ecx);
	if (l1) {
		unsigned base_fam = (l1->eax >> 8) & 0xf, base_model = (l1->eax >> 4) & 0xf;

		ci->stepping = l1->eax & 0xf;
		ci->family = base_fam == 0xf ? base_fam + ((l1->eax >> 20) & 0xff) : base_fam;
		ci->model = (base_fam == 0xf || base_fam == 6)
				    ? base_model | (((l1->eax >> 16) & 0xf) << 4)
				    : base_model;
	}
	for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; leaf++) {
		const struct cpu_leaf *l = find_leaf(ci, leaf, 0);

		if (!l)
			break;
		memcpy(p, &l->eax, 4);
		memcpy(p + 4, &l->ebx, 4);
		memcpy(p + 8, &l->ecx, 4);
		memcpy(p + 12, &l->edx, 4);
		p += 16;
		*p = '\0';
	}
	/* Trim the padding some CPUs put around the brand string. */
	for (p = ci->brand + strlen(ci->brand); p > ci->brand && p[-1] == ' '; p--)
		p[-1] = '\0';
	if (ci->brand[0] == ' ')
		memmove(ci->brand, ci->brand + strspn(ci->brand, " "),
			strlen(ci->brand + strspn(ci->brand, " ")) + 1);
	if (hv)
		regs_to_str(ci->hv_signature, hv->ebx, hv->ecx, hv->edx);

	if (!strcmp(ci->vendor, "AuthenticAMD") || !strcmp(ci->vendor, "HygonGenuine"))
		decode_amd_tlb(ci);
	else if (!strcmp(ci->vendor, "GenuineIntel"))
		decode_intel_tlb(ci);
	explain_empty(ci, l1 && (l1->ecx & (1u << 31)));
}

int cpu_tlb_entries(const struct cpu_info *ci, unsigned level, unsigned page_kb)
{
	for (int i = 0; i < ci->nr_tlb; i++)
		if (ci->tlb[i].level == level && ci->tlb[i].page_kb == page_kb)
			return ci->tlb[i].entries;
	return -1;
}

void cpu_kernel_hypervisor(char *buf, unsigned len)
{
	static const char key[] = "Hypervisor detected: ";
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *log, *hit, *end;
	int n;

	buf[0] = '\0';
	if (size <= 0 || !(log = malloc((size_t)size + 1)))
		return;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, size);
	if (n > 0) {
		log[n] = '\0';
		hit = strstr(log, key);
		if (hit) {
			hit += sizeof(key) - 1;
			end = strchr(hit, '\n');
			snprintf(buf, len, "%.*s", end ? (int)(end - hit) : (int)strlen(hit), hit);
		}
	}
	free(log);
}

/* Whether /proc/cpuinfo lists flag for the first CPU. */
int cpu_has_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (char *t = strtok(strchr(line, ':') + 1, " \t\n"); t; t = strtok(NULL, " \t\n"))
			if (!strcmp(t, flag))
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

int cpu_kernel_flushes_tlb(char *how, unsigned len)
{
	char melt[256];
	int pti, pcid;

	if (knob_read("/sys/devices/system/cpu/vulnerabilities/meltdown", melt, sizeof(melt))) {
		snprintf(how, len, "meltdown status unreadable");
		return -1;
	}
	pti = strstr(melt, "PTI") != NULL;
	pcid = cpu_has_flag("pcid");
	snprintf(how, len, "meltdown: %s; pcid %s", melt,
		 pcid > 0 ? "in use" : pcid == 0 ? "absent" : "unknown");
	if (!pti)
		return 0;
	return pcid > 0 ? 0 : pcid == 0 ? 1 : -1;
}

uint64_t cpu_cache_bytes(unsigned level)
{
	uint64_t best = 0;

	for (int i = 0; i < 8; i++) {
		char path[128], val[64];
		unsigned lv;
		char unit = 0;
		unsigned long long size;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		if (knob_read(path, val, sizeof(val)))
			break;
		lv = (unsigned)atoi(val);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (lv != level || knob_read(path, val, sizeof(val)) || !strcmp(val, "Instruction"))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if (knob_read(path, val, sizeof(val)) || sscanf(val, "%llu%c", &size, &unit) < 1)
			continue;
		size <<= unit == 'K' ? 10 : unit == 'M' ? 20 : unit == 'G' ? 30 : 0;
		if (size > best)
			best = size;
	}
	return best;
}
