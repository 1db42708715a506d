/* harness/counters.c, page faults: populating 64 MiB takes exactly one fault
 * per page, 16384 with 4k pages and 32 with THP, through every path that
 * can count here (a path that cannot is skipped with the reason it gives),
 * and through buf_populate's MADV_POPULATE_WRITE with the path chosen. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "counters.h"
#include "counters_util.h"
#include "knobs.h"

#define BYTES (64ull << 20)
#define PAGE 4096ull

struct fault_param {
	char backing[8]; /* arrays, not pointers: parameters cross processes */
	int path;	 /* enum ctr_path */
};

static struct fault_param via[] = {
    {"4k", CTR_PATH_PAPI},  {"4k", CTR_PATH_PERF},  {"4k", CTR_PATH_RUSAGE},
    {"thp", CTR_PATH_PAPI}, {"thp", CTR_PATH_PERF}, {"thp", CTR_PATH_RUSAGE},
};

static struct fault_param populate[] = {{"4k", CTR_PATH_NONE}, {"thp", CTR_PATH_NONE}};

/* Allocate BYTES of backing, untouched; skip where THP is "never". */
static void alloc_untouched(struct buf *b, const char *backing)
{
	char why[256] = "", mode[32] = "unreadable";

	if (!strcmp(backing, "thp") &&
	    (knob_read_choice(KNOB_THP_DIR "/enabled", mode, sizeof(mode)) ||
	     !strcmp(mode, "never")))
		cr_skip_test("THP cannot be had here (enabled: %s)", mode);
	cr_assert_eq(buf_alloc(b, buf_backing_find(backing), BYTES, why, sizeof(why)), 0,
		     "alloc %s: %s", backing, why);
}

/* Faults one populate should take: one per 2 MiB region the kernel made
 * huge, one per 4K page elsewhere (buf_verify's map, or all huge at 1.0). */
static uint64_t expected_faults(struct buf *b)
{
	char why[256] = "";
	uint64_t n = 0, per_region = BUF_HUGE_BYTES / PAGE;

	cr_assert_eq(buf_verify(b, why, sizeof(why)), 0, "verify: %s", why);
	if (b->huge_fraction == 0.0)
		return b->bytes / PAGE;
	if (b->huge_fraction == 1.0)
		return b->bytes / BUF_HUGE_BYTES;
	if (!b->huge_map)
		cr_skip_test(
		    "%s: %.3f of the buffer is huge and the kernel does not say which part",
		    b->backing->name, b->huge_fraction);
	for (uint64_t r = 0; r < b->nr_regions; r++)
		n += b->huge_map[r] ? 1 : per_region;
	return n;
}

ParameterizedTestParameters(ctr_faults, user_touch_counts_one_per_page)
{
	return cr_make_param_array(struct fault_param, via, sizeof(via) / sizeof(via[0]));
}

ParameterizedTest(struct fault_param *p, ctr_faults, user_touch_counts_one_per_page)
{
	struct ctr_faults f;
	struct buf b;
	uint64_t n, want;
	const char *path, *why;

	counters_lock(LOCK_SH);
	alloc_untouched(&b, p->backing);
	if (ctr_faults_begin_via(&f, (enum ctr_path)p->path))
		cr_skip_test("%s cannot count here: %s", ctr_path_name((enum ctr_path)p->path),
			     f.why);
	/* First touch from user mode, one write per 4K page: what a perf
	 * software event sees, unlike MADV_POPULATE_WRITE. */
	touch_pages_4k(b.base, b.bytes);
	cr_assert_eq(ctr_faults_end(&f, &n, &path, &why), 0, "reading the count failed");
	cr_assert_str_eq(path, ctr_path_name((enum ctr_path)p->path), "a forced path is kept");
	want = expected_faults(&b);
	cr_assert(faults_ok(n, want), "%s via %s: %llu faults, want %llu, getrusage %llu",
		  p->backing, path, (unsigned long long)n, (unsigned long long)want,
		  (unsigned long long)f.rusage_faults);
	buf_free(&b);
}

ParameterizedTestParameters(ctr_faults, buf_populate_counts_exactly)
{
	return cr_make_param_array(struct fault_param, populate, 2);
}

ParameterizedTest(struct fault_param *p, ctr_faults, buf_populate_counts_exactly)
{
	struct ctr_faults f;
	struct buf b;
	char err[256] = "";
	uint64_t n, want;
	const char *path, *why;

	counters_lock(LOCK_SH);
	alloc_untouched(&b, p->backing);
	clock_ns(); /* its first call faults in the vDSO data page: not the buffer's */
	cr_assert_eq(ctr_faults_begin(&f), 0);
	cr_assert_eq(buf_populate(&b, NULL, err, sizeof(err)), 0, "populate: %s", err);
	cr_assert_eq(ctr_faults_end(&f, &n, &path, &why), 0);
	if (b.collapsed)
		cr_skip_test("%s: MADV_COLLAPSE was needed, so the faults depend on what the first "
			     "touch got (%llu counted via %s)",
			     p->backing, (unsigned long long)n, path);
	want = expected_faults(&b);
	cr_assert(faults_ok(n, want), "%s via %s: %llu faults, want %llu (%s)", p->backing, path,
		  (unsigned long long)n, (unsigned long long)want, why);
	cr_assert(faults_ok(n, f.rusage_faults),
		  "the count reported (%llu) agrees with getrusage (%llu)", (unsigned long long)n,
		  (unsigned long long)f.rusage_faults);
	/* A path passed over always says why. */
	if (strcmp(path, "papi"))
		cr_assert(why[0], "counted via %s without saying why not papi", path);
	buf_free(&b);
}

Test(ctr_faults, nothing_touched_counts_nothing)
{
	struct ctr_faults f;
	uint64_t n = 1;
	const char *path, *why;
	volatile uint64_t sum = 0;

	counters_lock(LOCK_SH);
	cr_assert_eq(ctr_faults_begin(&f), 0);
	for (int i = 0; i < 1000; i++)
		sum += (uint64_t)i;
	cr_assert_eq(ctr_faults_end(&f, &n, &path, &why), 0);
	cr_assert(faults_ok(n, 0u), "%llu faults via %s with no memory touched",
		  (unsigned long long)n, path);
}

Test(ctr_faults, unknown_path_is_refused)
{
	struct ctr_faults f;

	cr_assert_eq(ctr_faults_begin_via(&f, CTR_PATH_NONE), -1);
	cr_assert(f.why[0]);
}

/* Force a PMU libpfm4 does not have: PAPI then disables its perf_event
 * component ("libpfm4 no PMUs found"), as it does on a Zen 5 with Debian's
 * libpfm4 4.13. Only this test's process sees the setting. */
static void papi_without_pmu(void)
{
	cr_assert_eq(setenv("LIBPFM_FORCE_PMU", "pagewalk_no_such_pmu", 1), 0);
}

Test(ctr_faults, papi_disabled_path_refuses_with_its_reason)
{
	struct ctr_faults f;

	papi_without_pmu();
	cr_assert_eq(ctr_faults_begin_via(&f, CTR_PATH_PAPI), -1, "PAPI counted without a PMU");
	cr_assert(strstr(f.why, "component is disabled") && strstr(f.why, "libpfm4"), "why: %s",
		  f.why);
}

Test(ctr_faults, papi_disabled_falls_back_to_perf_event)
{
	struct ctr_faults f;
	struct buf b;
	uint64_t n;
	const char *path, *why;

	papi_without_pmu();
	counters_lock(LOCK_SH);
	alloc_untouched(&b, "4k");
	cr_assert_eq(ctr_faults_begin(&f), 0);
	touch_pages_4k(b.base, b.bytes);
	cr_assert_eq(ctr_faults_end(&f, &n, &path, &why), 0);
	cr_assert_str_eq(path, "perf_event", "why: %s", why);
	cr_assert(faults_ok(n, BYTES / PAGE), "%llu faults", (unsigned long long)n);
	cr_assert(strstr(why, "papi: PAPI's perf_event component is disabled"), "why: %s", why);
	buf_free(&b);
}
