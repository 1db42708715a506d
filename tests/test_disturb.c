/* harness/disturb.c: reading /proc/stat and schedstat text, the rule that
 * marks a window disturbed, and the one-run-at-a-time lock. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disturb.h"

static const char STAT[] = "cpu  113867 0 40686 308487 471 0 58 397 0 0\n"
			   "cpu0 104557 0 29303 98063 71 0 11 153 0 0\n"
			   "cpu1 9310 0 11383 210423 400 0 46 244 0 0\n"
			   "cpu12 1 2 3 4 5 6 7 8 0 0\n"
			   "intr 12345\n";

Test(disturb, steal_of_each_cpu)
{
	cr_assert_eq(disturb_parse_steal(STAT, 0), 153);
	cr_assert_eq(disturb_parse_steal(STAT, 1), 244);
	cr_assert_eq(disturb_parse_steal(STAT, 12), 8, "cpu1 must not match cpu12");
	cr_assert_eq(disturb_parse_steal(STAT, 2), UINT64_MAX, "no such CPU");
	cr_assert_eq(disturb_parse_steal("cpu0 1 2 3\n", 0), UINT64_MAX, "no steal field");
	cr_assert_eq(disturb_parse_steal("", 0), UINT64_MAX);
}

Test(disturb, run_queue_wait)
{
	cr_assert_eq(disturb_parse_runq("436611 1200 1\n"), 1200);
	cr_assert_eq(disturb_parse_runq("garbage"), UINT64_MAX);
}

Test(disturb, rule)
{
	struct disturb_sample a = {10, 1000000, 5}, b = a;
	char said[64];

	cr_assert_eq(disturb_between(&a, &b), 0, "nothing moved");
	b.runq_ns += DISTURB_RUNQ_NS;
	cr_assert_eq(disturb_between(&a, &b), 0, "bookkeeping-sized wait");
	b.runq_ns += 1;
	cr_assert_eq(disturb_between(&a, &b), DISTURB_RUNQ);
	b.nivcsw++;
	b.steal_ticks++;
	cr_assert_eq(disturb_between(&a, &b), DISTURB_RUNQ | DISTURB_PREEMPTED | DISTURB_STEAL);
	cr_assert_str_eq(disturb_said(disturb_between(&a, &b), said, sizeof(said)),
			 "preempted, run queue, steal");
	cr_assert_str_eq(disturb_said(DISTURB_STEAL, said, sizeof(said)), "steal");
	cr_assert_str_eq(disturb_said(0, said, sizeof(said)), "");
	/* An unreadable counter never marks a window. */
	a.steal_ticks = UINT64_MAX;
	b = a;
	b.steal_ticks = 7;
	cr_assert_eq(disturb_between(&a, &b), 0);
}

Test(disturb, live_counters_read_and_only_grow)
{
	struct disturb_sample a, b;

	disturb_read(&a, 0);
	cr_assert_neq(a.nivcsw, UINT64_MAX, "getrusage(RUSAGE_THREAD) failed");
	if (a.runq_ns == UINT64_MAX)
		cr_skip_test("/proc/thread-self/schedstat unreadable (a kernel without CONFIG_SCHED_INFO)");
	disturb_read(&b, 0);
	cr_assert_geq(b.nivcsw, a.nivcsw);
	cr_assert_geq(b.runq_ns, a.runq_ns);
}

Test(disturb, total_counts_chains_and_reruns)
{
	struct disturb_total t = {0};

	disturb_total_add(&t, 0, 0, 0);
	disturb_total_add(&t, 2, 0, DISTURB_PREEMPTED);
	disturb_total_add(&t, 3, 1, DISTURB_STEAL);
	cr_assert_eq(t.nr_targets, 3);
	cr_assert_eq(t.nr_targets_hit, 2);
	cr_assert_eq(t.nr_rerun, 5);
	cr_assert_eq(t.nr_kept, 1);
	cr_assert_eq(t.why, DISTURB_PREEMPTED | DISTURB_STEAL);
}

/* A second taker neither gets the lock nor waits when asked not to; the
 * file names the holder. */
Test(disturb, lock_is_exclusive)
{
	char path[64], pid[32] = "";
	int fd, fd2;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/pw-test-lock.%d", (int)getpid());
	fd = disturb_lock(path, 0);
	cr_assert_geq(fd, 0, "first lock: %s", strerror(errno));
	fd2 = disturb_lock(path, 0);
	cr_assert_eq(fd2, -1, "a second lock was granted");
	cr_assert_eq(errno, EWOULDBLOCK);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(pid, sizeof(pid), f));
	fclose(f);
	cr_assert_eq(atoi(pid), (int)getpid(), "holder pid '%s'", pid);
	close(fd);
	fd2 = disturb_lock(path, 0);
	cr_assert_geq(fd2, 0, "lock not released with its fd");
	close(fd2);
	unlink(path);
}

Test(disturb, lock_refuses_a_symlink)
{
	char path[64];

	snprintf(path, sizeof(path), "/tmp/pw-test-lock-link.%d", (int)getpid());
	cr_assert_eq(symlink("/tmp/pw-elsewhere", path), 0);
	cr_assert_eq(disturb_lock(path, 0), -1, "followed a symlink");
	unlink(path);
}
