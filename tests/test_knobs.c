/* harness/knobs.c, read side: sysfs choice lists and numbers from temp
 * files, and the hugetlb pools and mTHP controls of this machine. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knobs.h"

static char path[64];

static void remove_file(void)
{
	if (path[0])
		unlink(path);
}

TestSuite(knob, .fini = remove_file);

/* Write text to a fresh temp file; return its path. */
static const char *temp_with(const char *text)
{
	int fd;
	size_t n = strlen(text);

	snprintf(path, sizeof(path), "/tmp/pw-test-knob.XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

Test(knob, read_strips_newline)
{
	char buf[64];

	cr_assert_eq(knob_read(temp_with("hello world\nsecond line\n"), buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "hello world");
}

Test(knob, read_missing_file)
{
	char buf[16] = "junk";

	cr_assert_eq(knob_read("/nonexistent/knob", buf, sizeof(buf)), -1);
	cr_assert_str_eq(buf, "", "buf cleared on failure");
}

Test(knob, choice_selected_word)
{
	char buf[32];

	cr_assert_eq(knob_read_choice(temp_with("always [madvise] never\n"), buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "madvise");
}

Test(knob, choice_first_and_last)
{
	char buf[32];

	knob_read_choice(temp_with("[always] madvise never\n"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "always");
	unlink(path);
	knob_read_choice(temp_with("always defer defer+madvise madvise [never]\n"), buf,
			 sizeof(buf));
	cr_assert_str_eq(buf, "never");
	unlink(path);
	knob_read_choice(temp_with("always inherit madvise [defer+madvise]\n"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "defer+madvise");
}

Test(knob, choice_without_brackets_is_whole_value)
{
	char buf[32];

	cr_assert_eq(knob_read_choice(temp_with("2048\n"), buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "2048");
}

Test(knob, choice_missing_file)
{
	char buf[32];

	cr_assert_eq(knob_read_choice("/nonexistent/enabled", buf, sizeof(buf)), -1);
}

Test(knob, read_u64)
{
	uint64_t v = 0;

	cr_assert_eq(knob_read_u64(temp_with("12345\n"), &v), 0);
	cr_assert_eq(v, 12345);
	unlink(path);
	cr_assert_eq(knob_read_u64(temp_with("0\n"), &v), 0);
	cr_assert_eq(v, 0);
	unlink(path);
	cr_assert_eq(knob_read_u64(temp_with("18446744073709551615"), &v), 0);
	cr_assert_eq(v, UINT64_MAX);
}

Test(knob, read_u64_refuses_garbage)
{
	uint64_t v = 7;

	cr_assert_eq(knob_read_u64(temp_with("12x\n"), &v), -1);
	unlink(path);
	cr_assert_eq(knob_read_u64(temp_with("\n"), &v), -1);
	unlink(path);
	cr_assert_eq(knob_read_u64(temp_with(""), &v), -1);
	cr_assert_eq(knob_read_u64("/nonexistent/nr_hugepages", &v), -1);
}

/* "-1 on failure": a negative or overflowing number is no u64. */
Test(knob, read_u64_refuses_negative_and_overflow)
{
	uint64_t v = 7;

	cr_expect_eq(knob_read_u64(temp_with("-1\n"), &v), -1, "\"-1\" read as %llu",
		     (unsigned long long)v);
	unlink(path);
	v = 7;
	cr_expect_eq(knob_read_u64(temp_with("99999999999999999999\n"), &v), -1,
		     "\"99999999999999999999\" read as %llu", (unsigned long long)v);
}

Test(knob, pools_list_2m)
{
	struct knob_pool pools[8];
	int n = knob_pools(pools, 8), found = 0;

	cr_assert_gt(n, 0, "no hugetlb pools");
	for (int i = 0; i < n; i++) {
		if (i)
			cr_assert_gt(pools[i].page_kb, pools[i - 1].page_kb, "pools not sorted");
		found |= pools[i].page_kb == 2048;
		cr_assert_leq(pools[i].free, pools[i].nr + pools[i].surplus,
			      "%llu kB pool: more free than total",
			      (unsigned long long)pools[i].page_kb);
	}
	cr_assert(found, "no 2048 kB pool");
}

Test(knob, pools_match_sysfs)
{
	struct knob_pool pools[8];
	int n = knob_pools(pools, 8);

	for (int i = 0; i < n; i++) {
		char p[256], line[64];
		FILE *f;

		snprintf(p, sizeof(p), KNOB_HUGEPAGES_DIR "/hugepages-%llukB/nr_hugepages",
			 (unsigned long long)pools[i].page_kb);
		f = fopen(p, "r");
		cr_assert_not_null(f, "%s", p);
		cr_assert_not_null(fgets(line, sizeof(line), f));
		fclose(f);
		cr_assert_eq(pools[i].nr, strtoull(line, NULL, 10), "%s", p);
	}
}

Test(knob, pools_respect_max)
{
	struct knob_pool pools[2];

	pools[1].page_kb = 0xdead;
	cr_assert_eq(knob_pools(pools, 1), 1);
	cr_assert_eq(pools[1].page_kb, 0xdead, "wrote past max");
}

Test(knob, mthp_sorted_with_2m)
{
	struct knob_mthp m[32];
	int n = knob_mthp(m, 32), found = 0;

	if (n == 0)
		cr_skip_test("no multi-size THP controls (kernel < 6.8)");
	for (int i = 0; i < n; i++) {
		if (i)
			cr_assert_gt(m[i].page_kb, m[i - 1].page_kb, "sizes not sorted");
		cr_assert(!strcmp(m[i].enabled, "always") || !strcmp(m[i].enabled, "inherit") ||
			      !strcmp(m[i].enabled, "madvise") || !strcmp(m[i].enabled, "never"),
			  "%llu kB: enabled \"%s\"", (unsigned long long)m[i].page_kb,
			  m[i].enabled);
		found |= m[i].page_kb == 2048;
	}
	cr_assert(found, "no hugepages-2048kB control");
	cr_assert_geq(m[0].page_kb, 8);
}

Test(knob, mthp_matches_sysfs)
{
	struct knob_mthp m[32];
	int n = knob_mthp(m, 32);

	for (int i = 0; i < n; i++) {
		char p[256], line[128], *l, *r;
		FILE *f;

		snprintf(p, sizeof(p), KNOB_THP_DIR "/hugepages-%llukB/enabled",
			 (unsigned long long)m[i].page_kb);
		f = fopen(p, "r");
		cr_assert_not_null(f, "%s", p);
		cr_assert_not_null(fgets(line, sizeof(line), f));
		fclose(f);
		l = strchr(line, '[');
		r = l ? strchr(l, ']') : NULL;
		cr_assert(l && r, "%s: %s", p, line);
		*r = '\0';
		cr_assert_str_eq(m[i].enabled, l + 1, "%s", p);
	}
}
