/* harness/buf.c over every backing: allocate, populate, and check that the
 * page sizes it reports are the ones the kernel gave. THP tests skip, with
 * the reason, where the machine has THP "never". */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "buf.h"

#define MIB (1ull << 20)
#define BYTES (64 * MIB)

struct backing_param {
	char name[8]; /* an array, not a pointer: parameters cross processes */
};

static struct backing_param backings[] = {{"4k"}, {"thp"}};

/* Skip a THP test where the kernel never gives THP. */
static void skip_without_thp(const char *backing)
{
	char line[128] = "";
	FILE *f;

	if (strcmp(backing, "thp"))
		return;
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		cr_skip_test("no THP here: /sys/kernel/mm/transparent_hugepage/enabled is absent");
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	if (strstr(line, "[never]"))
		cr_skip_test("THP is \"never\" on this machine (%s): thp cannot be had",
			     strtok(line, "\n"));
}

/* Allocate, populate and verify BYTES of backing name. */
static void make(struct buf *b, const char *name)
{
	const struct buf_backing *k = buf_backing_find(name);
	char why[256] = "";

	skip_without_thp(name);
	cr_assert_not_null(k, "backing %s missing from the table", name);
	cr_assert_eq(buf_alloc(b, k, BYTES, why, sizeof(why)), 0, "alloc %s: %s", name, why);
	cr_assert_eq(buf_populate(b, NULL, why, sizeof(why)), 0, "populate %s: %s", name, why);
	cr_assert_eq(buf_verify(b, why, sizeof(why)), 0, "verify %s: %s", name, why);
}

ParameterizedTestParameters(buf, reports_backing_page_size)
{
	return cr_make_param_array(struct backing_param, backings, 2);
}

ParameterizedTest(struct backing_param *p, buf, reports_backing_page_size)
{
	struct buf b;

	make(&b, p->name);
	cr_assert_eq(b.bytes, BYTES);
	if (!strcmp(p->name, "4k")) {
		cr_assert_float_eq(b.huge_fraction, 0.0, 1e-12, "4k: huge_fraction %g",
				   b.huge_fraction);
		cr_assert_eq(b.page_kb, 4);
		cr_assert_eq(b.collapsed, 0);
	} else {
		cr_assert_geq(b.huge_fraction, 0.95, "thp: huge_fraction %g", b.huge_fraction);
		cr_assert_eq(b.page_kb, 2048, "thp: page_kb %u at huge_fraction %g", b.page_kb,
			     b.huge_fraction);
	}
	buf_free(&b);
}

ParameterizedTestParameters(buf, base_is_2m_aligned)
{
	return cr_make_param_array(struct backing_param, backings, 2);
}

ParameterizedTest(struct backing_param *p, buf, base_is_2m_aligned)
{
	struct buf b;

	make(&b, p->name);
	cr_assert_eq((uintptr_t)b.base % BUF_HUGE_BYTES, 0, "%s base %p", p->name, (void *)b.base);
	cr_assert_leq((uintptr_t)b.map, (uintptr_t)b.base);
	cr_assert_geq((uintptr_t)b.map + b.map_bytes, (uintptr_t)b.base + b.bytes,
		      "the mapping does not cover the buffer");
	buf_free(&b);
}

ParameterizedTestParameters(buf, huge_fraction_prefix_sane)
{
	return cr_make_param_array(struct backing_param, backings, 2);
}

ParameterizedTest(struct backing_param *p, buf, huge_fraction_prefix_sane)
{
	const uint64_t prefixes[] = {4096, BUF_HUGE_BYTES, 3 * MIB, 32 * MIB, BYTES};
	struct buf b;

	make(&b, p->name);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		double f = buf_huge_fraction_prefix(&b, prefixes[i]);

		cr_assert_geq(f, 0.0);
		cr_assert_leq(f, 1.0);
		if (!strcmp(p->name, "4k"))
			cr_assert_float_eq(f, 0.0, 1e-12, "4k prefix %llu: %g",
					   (unsigned long long)prefixes[i], f);
		else if (b.huge_fraction >= 1.0)
			cr_assert_float_eq(f, 1.0, 1e-12, "thp prefix %llu: %g",
					   (unsigned long long)prefixes[i], f);
	}
	cr_assert_float_eq(buf_huge_fraction_prefix(&b, BYTES), b.huge_fraction, 1e-12,
			   "the whole buffer's prefix is its huge_fraction");
	cr_assert_float_eq(buf_huge_fraction_prefix(&b, 4 * BYTES),
			   buf_huge_fraction_prefix(&b, BYTES), 1e-12,
			   "a prefix past the end is the whole buffer");
	buf_free(&b);
}

ParameterizedTestParameters(buf, smaps_finds_mapping)
{
	return cr_make_param_array(struct backing_param, backings, 2);
}

ParameterizedTest(struct backing_param *p, buf, smaps_finds_mapping)
{
	struct buf_smaps sm;
	struct buf b;

	make(&b, p->name);
	cr_assert_eq(buf_smaps_read(b.base, b.bytes, &sm), 0);
	cr_assert_geq(sm.nr_vmas, 1);
	cr_assert_geq(sm.size_kb, BYTES / 1024);
	cr_assert_geq(sm.rss_kb, BYTES / 1024, "populated, yet Rss %llu kB",
		      (unsigned long long)sm.rss_kb);
	cr_assert_eq(sm.kernel_page_kb, 4, "anonymous memory, THP or not, has 4 kB KernelPageSize");
	cr_assert_eq(sm.hugetlb_kb, 0);
	if (!strcmp(p->name, "4k"))
		cr_assert_eq(sm.anon_huge_kb, 0);
	else
		cr_assert_geq(sm.anon_huge_kb, (uint64_t)(0.95 * (double)(BYTES / 1024)),
			      "AnonHugePages %llu kB", (unsigned long long)sm.anon_huge_kb);
	buf_free(&b);
}

ParameterizedTestParameters(buf, pagemap_map_matches_fraction)
{
	return cr_make_param_array(struct backing_param, backings, 2);
}

ParameterizedTest(struct backing_param *p, buf, pagemap_map_matches_fraction)
{
	uint64_t nr_huge = 0;
	struct buf b;

	if (geteuid() != 0)
		cr_skip_test("pagemap PFNs and /proc/kpageflags need root");
	make(&b, p->name);
	cr_assert_str_eq(b.verified_by, "pagemap+kpageflags");
	cr_assert_not_null(b.huge_map);
	cr_assert_eq(b.nr_regions, BYTES / BUF_HUGE_BYTES);
	for (uint64_t r = 0; r < b.nr_regions; r++)
		nr_huge += b.huge_map[r];
	cr_assert_float_eq(b.huge_fraction, (double)nr_huge / (double)b.nr_regions, 1e-12);
	buf_free(&b);
}

Test(buf, smaps_read_misses_unmapped_range)
{
	struct buf_smaps sm;

	/* Page zero is never mapped. */
	cr_assert_eq(buf_smaps_read((void *)4096, 4096, &sm), -1);
	cr_assert_eq(sm.nr_vmas, 0);
}

Test(buf, backing_find)
{
	const struct buf_backing *k;

	cr_assert_null(buf_backing_find("nope"));
	cr_assert_null(buf_backing_find(""));
	cr_assert_null(buf_backing_find("4K"), "names are exact");
	k = buf_backing_find("4k");
	cr_assert_not_null(k);
	cr_assert_str_eq(k->name, "4k");
	cr_assert_eq(k->want_page_kb, 4);
	k = buf_backing_find("thp");
	cr_assert_not_null(k);
	cr_assert_eq(k->want_page_kb, 2048);
}

/* PR_SET_THP_DISABLE holds for this (forked) test process only: the kernel
 * refuses THP and MADV_COLLAPSE, and buf must say so rather than claim it. */
Test(buf, thp_refused_is_reported)
{
	const struct buf_backing *k = buf_backing_find("thp");
	char why[256] = "";
	struct buf b;

	skip_without_thp("thp");
	cr_assert_eq(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0), 0);
	cr_assert_eq(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1);
	if (buf_alloc(&b, k, BYTES, why, sizeof(why))) {
		/* Refused at allocation: acceptable only with a reason. */
		cr_assert_neq(why[0], '\0', "thp allocation failed without a reason");
		return;
	}
	cr_assert_eq(buf_populate(&b, NULL, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(buf_verify(&b, why, sizeof(why)), 0, "%s", why);
	cr_assert_lt(b.huge_fraction, 0.5, "THP disabled, yet huge_fraction %g", b.huge_fraction);
	cr_assert_eq(b.page_kb, 4);
	cr_assert_eq(b.collapsed, 0, "MADV_COLLAPSE cannot succeed under PR_SET_THP_DISABLE");
	buf_free(&b);
}

Test(buf, thp_refuses_size_off_2m)
{
	char why[256] = "";
	struct buf b;

	cr_assert_eq(
	    buf_alloc(&b, buf_backing_find("thp"), BUF_HUGE_BYTES + 4096, why, sizeof(why)), -1);
	cr_assert_neq(why[0], '\0', "refused without a reason");
}

Test(buf, populate_stops_when_asked)
{
	volatile sig_atomic_t stop = 1;
	char why[256] = "";
	struct buf b;

	cr_assert_eq(buf_alloc(&b, buf_backing_find("4k"), BYTES, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(buf_populate(&b, &stop, why, sizeof(why)), -1);
	cr_assert_not_null(strstr(why, "interrupt"), "why: %s", why);
	buf_free(&b);
}

Test(buf, free_clears)
{
	char why[256] = "";
	struct buf b;

	cr_assert_eq(buf_alloc(&b, buf_backing_find("4k"), 4 * MIB, why, sizeof(why)), 0, "%s",
		     why);
	buf_free(&b);
	cr_assert_null(b.base);
	cr_assert_null(b.map);
	cr_assert_null(b.huge_map);
}

Test(buf, mem_available_plausible)
{
	uint64_t avail = buf_mem_available();

	cr_assert_gt(avail, 64 * MIB, "MemAvailable %llu bytes", (unsigned long long)avail);
	cr_assert_lt(avail, 1ull << 50);
}

/* --help's list of backings names the table's rows in the table's order,
 * with the mTHP sizes as one range. */
Test(buf, help_names_match_the_table)
{
	char out[256] = "";
	const struct buf_backing *k = buf_backings;

	while (k->name) {
		const struct buf_backing *last = k;

		while (k->folio_kb && last[1].name && last[1].folio_kb)
			last++;
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s%s%s", out[0] ? ", " : "", k->name,
			 last != k ? ".." : "", last != k ? last->name : "");
		k = last + 1;
	}
	cr_expect_str_eq(out, BUF_BACKING_NAMES);
}
