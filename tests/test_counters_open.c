/* harness/counters.c on this machine: every column counts or says why, a
 * guest without a PMU gets the reason and the advice, start/stop and
 * meta.json work whatever counts, and the live CPU's names are ones PAPI
 * knows. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "counters_util.h"
#include "cpuinfo.h"
#include "perfev.h"
#include "datafile.h"

static char json_path[64];

static void setup(void)
{
	counters_lock(LOCK_SH);
}

static void teardown(void)
{
	if (json_path[0])
		unlink(json_path);
}

TestSuite(ctr_open, .init = setup, .fini = teardown);

/* Open for the live CPU. */
static void open_live(struct ctr_set *s, const char *overrides, int disabled)
{
	struct cpu_info ci;

	cpu_read(&ci);
	cr_assert_eq(ctr_open(s, &ci, overrides, disabled), 0, "ctr_open: %s", s->why);
}

/* Write s as meta.json would carry it; return the text (static). */
static const char *json_of(const struct ctr_set *s)
{
	static char text[16384];
	struct json j;
	FILE *f;
	size_t n;
	int fd;

	snprintf(json_path, sizeof(json_path), "/tmp/pw-test-ctr.XXXXXX");
	fd = mkstemp(json_path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(json_begin(&j, json_path), 0);
	json_obj(&j, NULL);
	ctr_json(&j, s);
	json_obj_end(&j);
	cr_assert_eq(json_commit(&j), 0);
	f = fopen(json_path, "r");
	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

Test(ctr_open, every_column_counts_or_says_why)
{
	struct ctr_set s;

	open_live(&s, NULL, 0);
	for (int c = 0; c < CTR_NR; c++) {
		const struct ctr_column *col = &s.col[c];

		if (col->counting)
			cr_assert(col->path == CTR_PATH_PAPI || col->path == CTR_PATH_PERF,
				  "%s counts through %d", ctr_col_name(c), col->path);
		else
			cr_assert(col->why[0], "%s is empty without a reason", ctr_col_name(c));
	}
	cr_assert_eq(s.nr_counting == 0, s.why[0] != '\0',
		     "a top-level reason exactly when nothing counts: %d counting, why '%s'",
		     s.nr_counting, s.why);
	ctr_close(&s);
}

Test(ctr_open, guest_without_pmu_says_why_and_what_to_do)
{
	struct ctr_set s;

	if (perfev_has_cpu_pmu())
		cr_skip_test("this machine has a CPU PMU: the no-PMU reason cannot be seen here");
	open_live(&s, NULL, 0);
	cr_assert_eq(s.nr_counting, 0);
	cr_assert(strstr(s.why, "no CPU PMU"), "why: %s", s.why);
	cr_assert(strstr(s.advice, "bare metal") && strstr(s.advice, "PMU through"), "advice: %s",
		  s.advice);
	/* The table's events were tried: each column names what it tried. */
	cr_assert_not_null(s.fam, "no table for the live CPU");
	cr_assert_str_eq(s.col[CTR_CYCLES].event, s.fam->ev[CTR_CYCLES].name);
	cr_assert(strstr(s.col[CTR_CYCLES].why, "perf_event"), "cycles: %s", s.col[CTR_CYCLES].why);
	ctr_close(&s);
}

Test(ctr_open, start_stop_without_counters_gives_none)
{
	struct ctr_set s;
	uint64_t v[CTR_NR];

	open_live(&s, NULL, 0);
	for (int rep = 0; rep < 3; rep++) {
		ctr_start(&s);
		ctr_stop(&s, v);
		for (int c = 0; c < CTR_NR; c++)
			cr_assert_eq(v[c] == CTR_NONE, !s.col[c].counting, "%s: value %llu",
				     ctr_col_name(c), (unsigned long long)v[c]);
	}
	ctr_close(&s);
	ctr_close(&s); /* twice is harmless */
}

Test(ctr_open, json_gives_event_or_reason_per_column)
{
	struct ctr_set s;
	const char *t;

	open_live(&s, NULL, 0);
	t = json_of(&s);
	cr_assert(strstr(t, "\"counters\": {"), "%s", t);
	for (int c = 0; c < CTR_NR; c++) {
		char key[64];

		snprintf(key, sizeof(key), "\"%s\": {", ctr_col_name(c));
		cr_assert(strstr(t, key), "no %s in %s", key, t);
	}
	if (s.nr_counting == 0) {
		cr_assert(strstr(t, "\"status\": \"none\""), "%s", t);
		cr_assert(strstr(t, "\"advice\": \""), "%s", t);
	}
	ctr_close(&s);
}

Test(ctr_open, disabled_opens_nothing)
{
	struct ctr_set s;

	open_live(&s, NULL, 1);
	cr_assert_eq(s.nr_counting, 0);
	for (int c = 0; c < CTR_NR; c++)
		cr_assert(strstr(s.col[c].why, "--no-counters"), "%s: %s", ctr_col_name(c),
			  s.col[c].why);
	cr_assert(strstr(json_of(&s), "\"status\": \"off\""));
	ctr_close(&s);
}

Test(ctr_open, unknown_cpu_has_no_table)
{
	struct ctr_set s;
	struct cpu_info ci;

	memset(&ci, 0, sizeof(ci));
	strcpy(ci.vendor, "GenuineIntel");
	ci.family = 6;
	ci.model = 0x97; /* Alder Lake: hybrid, no row */
	cr_assert_eq(ctr_open(&s, &ci, NULL, 0), 0);
	cr_assert_null(s.fam);
	for (int c = 0; c < CTR_NR; c++)
		cr_assert(strstr(s.col[c].why, "no event table"), "%s: %s", ctr_col_name(c),
			  s.col[c].why);
	cr_assert(strstr(s.why, "GenuineIntel family 0x6 model 0x97"), "why: %s", s.why);
	cr_assert(strstr(s.advice, "--events"), "advice: %s", s.advice);
	ctr_close(&s);
}

Test(ctr_open, raw_override_goes_to_perf_event_only)
{
	struct ctr_set s;
	const struct ctr_column *col;

	open_live(&s, "cycles=r76", 0);
	col = &s.col[CTR_CYCLES];
	cr_assert_str_eq(col->event, "r76");
	cr_assert_eq(col->raw, 0x76);
	if (col->counting)
		cr_assert_eq(col->path, CTR_PATH_PERF);
	else
		cr_assert(strstr(col->why, "perf_event") && !strstr(col->why, "papi"), "why: %s",
			  col->why);
	ctr_close(&s);
}

Test(ctr_open, named_override_goes_to_papi)
{
	struct ctr_set s;
	const struct ctr_column *col;

	/* A software event PAPI can count wherever its component is active. */
	open_live(&s, "walk=perf::TASK-CLOCK", 0);
	col = &s.col[CTR_WALK];
	cr_assert_str_eq(col->event, "perf::TASK-CLOCK");
	if (strcmp(s.papi, "active"))
		cr_assert(!col->counting && strstr(col->why, "papi:"), "why: %s", col->why);
	else
		cr_assert(col->counting && col->path == CTR_PATH_PAPI, "why: %s", col->why);
	ctr_close(&s);
}

Test(ctr_open, papi_counts_a_named_override)
{
	struct ctr_set s;
	uint64_t v[CTR_NR];

	open_live(&s, "walk=perf::TASK-CLOCK", 0);
	if (!s.col[CTR_WALK].counting)
		cr_skip_test("PAPI cannot count here: %s", s.col[CTR_WALK].why);
	ctr_start(&s);
	usleep(2000);
	ctr_stop(&s, v);
	/* TASK-CLOCK is ns on CPU: a sleeping thread uses little of 2 ms. */
	cr_assert_neq(v[CTR_WALK], CTR_NONE);
	cr_assert_lt(v[CTR_WALK], 2000000ull, "task clock %llu ns",
		     (unsigned long long)v[CTR_WALK]);
	ctr_close(&s);
}

Test(ctr_open, papi_knows_the_live_cpus_names)
{
	struct cpu_info ci;
	const struct ctr_family *f;
	char why[300] = "";

	cpu_read(&ci);
	f = ctr_family_find(&ci);
	if (!f)
		cr_skip_test("no event table for the live CPU (%s %#x/%#x)", ci.vendor, ci.family,
			     ci.model);
	/* Names, not counting: PAPI resolves them through libpfm4 even where
	 * the kernel cannot count them, so a typo in the table shows here. */
	for (int c = 0; c < CTR_NR; c++) {
		int known;

		if (!f->ev[c].name)
			continue;
		known = ctr_papi_knows(f->ev[c].name, why, sizeof(why));
		if (known < 0)
			cr_skip_test("PAPI cannot resolve names here: %s", why);
		cr_assert_eq(known, 1, "%s %s: PAPI does not know %s", f->name, ctr_col_name(c),
			     f->ev[c].name);
	}
	cr_assert_eq(ctr_papi_knows("L1_DTLB_MISS:NO_SUCH_UMASK", why, sizeof(why)), 0,
		     "a wrong name must not pass");
}

Test(ctr_open, papi_disabled_columns_try_perf_event)
{
	struct ctr_set s;

	/* A PMU libpfm4 lacks disables PAPI, as on a Zen 5 with libpfm4 4.13. */
	cr_assert_eq(setenv("LIBPFM_FORCE_PMU", "pagewalk_no_such_pmu", 1), 0);
	open_live(&s, NULL, 0);
	cr_assert(strstr(s.papi, "component is disabled"), "papi: %s", s.papi);
	cr_assert(strstr(s.why, "component is disabled") || s.nr_counting, "why: %s", s.why);
	for (int c = 0; c < CTR_NR; c++) {
		const struct ctr_column *col = &s.col[c];

		if (!s.fam || !s.fam->ev[c].name)
			continue;
		/* The table's raw code was tried: it counts, or perf_event says why. */
		cr_assert(col->counting ? col->path == CTR_PATH_PERF
					: !!strstr(col->why, "perf_event:"),
			  "%s: %s", ctr_col_name(c), col->why);
	}
	ctr_close(&s);
}
