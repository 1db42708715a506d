/* Multi-size THP: the folio rule on kpageflags, the stats files, the
 * one-size-at-a-time switch and its restore (on a sysfs tree made by the
 * test), the skip on a kernel without mTHP, and, as root on a kernel with
 * mTHP, real buffers verified at every size the kernel offers. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file_util.h"
#include "knobs.h"
#include "mthp.h"

#define HEAD (1ull << 15)
#define TAIL (1ull << 16)
#define HUGE (1ull << 17)

Test(mthp, folio_rule_on_flags)
{
	uint64_t f[5] = { HEAD, TAIL, TAIL, TAIL, 0 };

	cr_expect(mthp_is_folio(f, 4), "a 16K folio: head, three tails, then no tail");
	f[4] = HEAD;
	cr_expect(mthp_is_folio(f, 4), "the next folio may start right after");
	f[4] = TAIL;
	cr_expect(!mthp_is_folio(f, 4), "a tail after the region: the folio is larger");
	f[4] = 0;
	f[2] = HEAD;
	cr_expect(!mthp_is_folio(f, 4), "two folios of 8K are not one of 16K");
	f[2] = TAIL;
	f[0] = 0;
	cr_expect(!mthp_is_folio(f, 4), "no head: 4K pages");
	f[0] = HEAD | HUGE;
	cr_expect(!mthp_is_folio(f, 4), "a hugetlb page is no THP folio");
}

Test(mthp, stats_counts_parse_strictly)
{
	uint64_t v = 7;

	cr_expect_eq(mthp_parse_count("123\n", &v), 0);
	cr_expect_eq(v, 123);
	cr_expect_eq(mthp_parse_count("0", &v), 0);
	cr_expect_eq(v, 0);
	cr_expect_eq(mthp_parse_count("", &v), -1);
	cr_expect_eq(mthp_parse_count("-1\n", &v), -1);
	cr_expect_eq(mthp_parse_count("12 kB\n", &v), -1);
	cr_expect_eq(mthp_parse_count("1\n2\n", &v), -1);
	cr_expect_eq(mthp_parse_count("99999999999999999999999\n", &v), -1);
}

/* A THP sysfs tree of our own: 16kB and 64kB at never, 2048kB at inherit,
 * an 8kB directory without an anonymous control (as on 6.18 kernels). */
static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void fake_tree(void)
{
	const char *dirs[] = { "hugepages-8kB", "hugepages-16kB", "hugepages-64kB", "hugepages-2048kB",
			       "hugepages-16kB/stats" };

	snprintf(root, sizeof(root), "/tmp/pw-mthp-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		cr_assert_eq(mkdir(path, 0755), 0);
	}
	put("hugepages-16kB/enabled", "always inherit madvise [never]\n");
	put("hugepages-64kB/enabled", "always inherit [madvise] never\n");
	put("hugepages-2048kB/enabled", "always [inherit] madvise never\n");
	put("hugepages-16kB/stats/anon_fault_alloc", "41\n");
	put("hugepages-16kB/stats/anon_fault_fallback", "2\n");
	mthp_root = root;
}

static void drop_tree(void)
{
	remove_tree(root);
	root[0] = '\0';
}

/* The selected word of the 16kB, 64kB and 2048kB controls, as expected. */
static void expect_words(const char *w16, const char *w64, const char *w2048, const char *when)
{
	const char *rel[3] = { "hugepages-16kB/enabled", "hugepages-64kB/enabled", "hugepages-2048kB/enabled" };
	const char *want[3] = { w16, w64, w2048 };

	for (int i = 0; i < 3; i++) {
		char path[256], w[32];

		snprintf(path, sizeof(path), "%s/%s", root, rel[i]);
		cr_assert_eq(knob_read_choice(path, w, sizeof(w)), 0, "%s", path);
		cr_expect_str_eq(w, want[i], "%s, %s", when, rel[i]);
	}
}

Test(mthp, sizes_switch_one_at_a_time_and_restore, .init = fake_tree, .fini = drop_tree)
{
	unsigned kb[MTHP_MAX_SIZES];
	struct mthp_scope s;
	struct mthp_stats st;
	char why[300];

	cr_assert_eq(mthp_sizes(kb, MTHP_MAX_SIZES), 2, "8kB has no control, 2048kB is the PMD size");
	cr_expect_eq(kb[0], 16);
	cr_expect_eq(kb[1], 64);
	cr_assert_eq(mthp_stats_read(16, &st), 0);
	cr_expect_eq(st.alloc, 41);
	cr_expect_eq(st.fallback, 2);
	cr_expect_eq(mthp_stats_read(64, &st), -1, "no stats directory");

	cr_assert_eq(mthp_scope_begin(&s, 16, why, sizeof(why)), 0, "%s", why);
	expect_words("madvise", "never", "never", "16K alone, the PMD size kept out too");
	mthp_scope_end(&s);
	expect_words("never", "madvise", "inherit", "after the buffer");

	/* As a run ends, on every path: each file as it was found. */
	cr_assert_eq(mthp_scope_begin(&s, 64, why, sizeof(why)), 0, "%s", why);
	expect_words("never", "madvise", "never", "64K alone");
	knob_restore_all();
	expect_words("never", "madvise", "inherit", "at exit");
}

Test(mthp, old_kernel_skips_with_the_reason, .fini = drop_tree)
{
	char why[300];
	struct buf b;

	snprintf(root, sizeof(root), "/tmp/pw-mthp-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	mthp_root = root; /* a THP directory without hugepages-<size>kB */
	cr_expect_eq(mthp_sizes((unsigned[MTHP_MAX_SIZES]){ 0 }, MTHP_MAX_SIZES), 0);
	cr_assert_eq(buf_alloc(&b, buf_backing_find("mthp64k"), 4 << 20, why, sizeof(why)), -1);
	cr_expect(strstr(why, "no multi-size THP") && strstr(why, "6.8"), "%s", why);
}

/* Real folios, every offered size. The sizes are switched machine-wide
 * while a buffer is populated, so make test runs this suite alone
 * (PW_MTHP_LIVE=1, one job): a THP test beside it would get 4K pages. */
Test(mthp_live, every_offered_size_verified, .timeout = 120)
{
	unsigned kb[MTHP_MAX_SIZES];
	int n = mthp_sizes(kb, MTHP_MAX_SIZES), tried = 0;
	char why[400];

	if (!getenv("PW_MTHP_LIVE"))
		cr_skip_test("switches THP sizes machine-wide: make unit runs it alone, with PW_MTHP_LIVE=1");
	if (n == 0)
		cr_skip_test("this kernel has no multi-size THP");
	if (geteuid() != 0)
		cr_skip_test("choosing folio sizes and reading kpageflags need root");
	for (const struct buf_backing *k = buf_backings; k->name; k++) {
		struct buf b, four;
		double share = -1;

		if (!k->folio_kb)
			continue;
		if (mthp_usable(k->folio_kb, why, sizeof(why))) {
			cr_log_info("%s: %s", k->name, why);
			continue;
		}
		cr_assert_eq(buf_alloc(&b, k, 16 << 20, why, sizeof(why)), 0, "%s", why);
		cr_assert_eq(buf_populate(&b, NULL, why, sizeof(why)), 0, "%s", why);
		cr_assert_eq(buf_verify(&b, why, sizeof(why)), 0, "%s", why);
		cr_expect_geq(b.huge_fraction, 0.95, "%s: %.3f in %u kB folios", k->name, b.huge_fraction,
			      k->folio_kb);
		cr_expect_eq(b.page_kb, 4, "%s is mapped by 4 KiB PTEs", k->name);
		cr_expect(b.folio_counted && b.folio_alloc >= (16ull << 20) / (k->folio_kb * 1024ull) * 95 / 100,
			  "%s: anon_fault_alloc grew by %llu", k->name, (unsigned long long)b.folio_alloc);
		/* The same check on 4 KiB pages finds no folio of that size. */
		cr_assert_eq(buf_alloc(&four, buf_backing_find("4k"), 16 << 20, why, sizeof(why)), 0);
		cr_assert_eq(buf_populate(&four, NULL, why, sizeof(why)), 0);
		cr_assert_eq(mthp_verify(four.base, four.bytes, k->folio_kb, NULL, &share), 0);
		cr_expect_eq(share, 0.0, "%s: a 4k buffer read as %.3f folios", k->name, share);
		buf_free(&four);
		buf_free(&b);
		tried++;
	}
	cr_expect_geq(tried, 1);
	knob_restore_all();
}
