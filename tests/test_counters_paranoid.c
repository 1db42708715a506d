/* harness/counters.c with perf_event_paranoid=3, which makes PAPI disable
 * its perf_event component even for root: ctr_open says why counters are
 * off and nothing crashes, and page faults are still counted by a path
 * that works. Needs root; the setting is saved first and restored after
 * the child that ran the code, and in .fini. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "counters.h"
#include "counters_util.h"
#include "cpuinfo.h"
#include "knobs.h"
#include "perfev.h"
#include "datafile.h"

#define PARANOID_PATH "/proc/sys/kernel/perf_event_paranoid"

/* What the child saw, in shared memory. */
struct seen {
	int rc, nr_counting, by_papi;
	char why[900], advice[400], papi[300], json_path[64];
	uint64_t faults, rusage_faults;
	char path[16], not_others[700];
};

static void restore(void)
{
	knob_restore_all();
}

TestSuite(ctr_paranoid, .fini = restore);

/* Set paranoid to 3, alone among the counter tests. */
static void paranoid_3(void)
{
	char why[256] = "";

	if (geteuid() != 0)
		cr_skip_test("setting perf_event_paranoid needs root");
	counters_lock(LOCK_EX);
	cr_assert_eq(knob_set(PARANOID_PATH, "3", why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(perfev_paranoid(), 3, "perf_event_paranoid reads %d", perfev_paranoid());
}

/* Run fn in a child, so a crash cannot skip the restore; then restore. */
static struct seen *in_child(void (*fn)(struct seen *))
{
	struct seen *s =
	    mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int status = 0;

	cr_assert_neq(s, MAP_FAILED);
	memset(s, 0, sizeof(*s));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		fn(s);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	knob_restore_all();
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the child crashed or failed (status %#x)", status);
	return s;
}

static void open_all(struct seen *s)
{
	struct cpu_info ci;
	struct ctr_set set;
	struct json j;
	uint64_t v[CTR_NR];

	cpu_read(&ci);
	s->rc = ctr_open(&set, &ci, NULL, 0);
	ctr_start(&set);
	ctr_stop(&set, v);
	snprintf(s->json_path, sizeof(s->json_path), "/tmp/pw-test-paranoid.%d.json", getpid());
	if (json_begin(&j, s->json_path) == 0) {
		json_obj(&j, NULL);
		ctr_json(&j, &set);
		json_obj_end(&j);
		json_commit(&j);
	}
	s->nr_counting = set.nr_counting;
	for (int c = 0; c < CTR_NR; c++)
		s->by_papi += set.col[c].counting && set.col[c].path == CTR_PATH_PAPI;
	snprintf(s->why, sizeof(s->why), "%s", set.why);
	snprintf(s->advice, sizeof(s->advice), "%s", set.advice);
	snprintf(s->papi, sizeof(s->papi), "%s", set.papi);
	ctr_close(&set);
}

Test(ctr_paranoid, open_says_why_counters_are_off)
{
	struct seen *s;

	paranoid_3();
	s = in_child(open_all);
	unlink(s->json_path);
	cr_assert_eq(s->rc, 0);
	cr_assert(strstr(s->papi, "disabled"), "PAPI at paranoid=3: %s", s->papi);
	cr_assert_eq(s->by_papi, 0, "a column counted through a disabled PAPI");
	/* Root may still open raw events at 3 on a machine with a PMU; where
	 * nothing counts, the reason names the setting and the way out. */
	if (s->nr_counting == 0) {
		cr_assert(strstr(s->why, "perf_event_paranoid=3"), "why: %s", s->why);
		cr_assert(strstr(s->advice, "perf_event_paranoid"), "advice: %s", s->advice);
	}
}

static void touch_4k(struct seen *s)
{
	struct ctr_faults f;
	struct buf b;
	char err[256];
	const char *path, *why;

	if (buf_alloc(&b, buf_backing_find("4k"), 64ull << 20, err, sizeof(err)))
		_exit(3);
	ctr_faults_begin(&f);
	touch_pages_4k(b.base, b.bytes);
	if (ctr_faults_end(&f, &s->faults, &path, &why))
		_exit(4);
	s->rusage_faults = f.rusage_faults;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->not_others, sizeof(s->not_others), "%s", why);
	buf_free(&b);
}

Test(ctr_paranoid, faults_still_counted_and_papi_passed_over)
{
	struct seen *s;

	paranoid_3();
	s = in_child(touch_4k);
	cr_assert(faults_ok(s->faults, 16384u), "%llu faults via %s, getrusage %llu",
		  (unsigned long long)s->faults, s->path, (unsigned long long)s->rusage_faults);
	cr_assert_str_neq(s->path, "papi");
	cr_assert(strstr(s->not_others, "papi") && strstr(s->not_others, "disabled"),
		  "why not papi: %s", s->not_others);
}
