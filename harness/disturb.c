/* Disturbance checks around timed windows, and the one-run-at-a-time lock. */
#include "disturb.h"

#include "die.h"
#include "knobs.h"
#include "datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

uint64_t disturb_parse_steal(const char *stat, int cpu)
{
	char key[32];
	size_t klen;

	klen = (size_t)snprintf(key, sizeof(key), "cpu%d ", cpu);
	for (const char *l = stat; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long v[8];

		if (strncmp(l, key, klen))
			continue;
		/* user nice system idle iowait irq softirq steal */
		if (sscanf(l + klen, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
			return v[7];
		return UINT64_MAX;
	}
	return UINT64_MAX;
}

uint64_t disturb_parse_runq(const char *schedstat)
{
	unsigned long long run, wait;

	if (sscanf(schedstat, "%llu %llu", &run, &wait) != 2)
		return UINT64_MAX;
	return wait;
}

void disturb_read(struct disturb_sample *s, int cpu)
{
	struct rusage ru;
	char buf[8192];

	s->nivcsw = getrusage(RUSAGE_THREAD, &ru) == 0 ? (uint64_t)ru.ru_nivcsw : UINT64_MAX;
	s->runq_ns = knob_read_all("/proc/thread-self/schedstat", buf, sizeof(buf)) == 0
			     ? disturb_parse_runq(buf)
			     : UINT64_MAX;
	s->steal_ticks = cpu >= 0 && knob_read_all("/proc/stat", buf, sizeof(buf)) == 0
				 ? disturb_parse_steal(buf, cpu)
				 : UINT64_MAX;
}

/* b - a, or 0 where either is unknown (or the counter went back). */
static uint64_t delta(uint64_t a, uint64_t b)
{
	return a == UINT64_MAX || b == UINT64_MAX || b < a ? 0 : b - a;
}

unsigned disturb_between(const struct disturb_sample *a, const struct disturb_sample *b)
{
	unsigned m = 0;

	if (delta(a->nivcsw, b->nivcsw))
		m |= DISTURB_PREEMPTED;
	if (delta(a->runq_ns, b->runq_ns) > DISTURB_RUNQ_NS)
		m |= DISTURB_RUNQ;
	if (delta(a->steal_ticks, b->steal_ticks))
		m |= DISTURB_STEAL;
	return m;
}

const char *disturb_said(unsigned mask, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", mask & DISTURB_PREEMPTED ? "preempted" : "",
		 (mask & DISTURB_PREEMPTED) && (mask & (DISTURB_RUNQ | DISTURB_STEAL)) ? ", " : "",
		 mask & DISTURB_RUNQ ? "run queue" : "",
		 (mask & DISTURB_RUNQ) && (mask & DISTURB_STEAL) ? ", " : "",
		 mask & DISTURB_STEAL ? "steal" : "");
	return buf;
}

void disturb_total_add(struct disturb_total *d, unsigned nr_rerun, unsigned nr_kept, unsigned why)
{
	d->nr_rerun += nr_rerun;
	d->nr_kept += nr_kept;
	d->nr_targets++;
	d->nr_targets_hit += nr_rerun || nr_kept;
	d->why |= why;
}

void disturb_total_json(struct json *j, const struct disturb_total *d)
{
	char said[64];

	json_obj(j, "disturbance");
	json_int(j, "reps_rerun", (int64_t)d->nr_rerun);
	json_int(j, "reps_kept_disturbed", (int64_t)d->nr_kept);
	json_int(j, "chains_measured", (int64_t)d->nr_targets);
	json_int(j, "chains_disturbed", (int64_t)d->nr_targets_hit);
	json_str(j, "seen", disturb_said(d->why, said, sizeof(said)));
	json_str(j, "rule",
		 "a repetition with an involuntary context switch, more than 50 us on the run "
		 "queue, or steal time on its CPU is timed again, at most 3 times; then kept and "
		 "counted in reps_kept_disturbed");
	json_obj_end(j);
}

int disturb_lock(const char *path, int wait)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	char pid[32] = "";

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;
		ssize_t n;

		if (e != EWOULDBLOCK) {
			close(fd);
			errno = e;
			return -1;
		}
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (!wait) {
			close(fd);
			errno = EWOULDBLOCK;
			return -1;
		}
		info("another pagewalk run (pid %s) is measuring on this machine: waiting for it, "
		     "since two runs share the CPUs and double each other's times (--no-lock: run anyway)",
		     pid[0] ? pid : "unknown");
		if (flock(fd, LOCK_EX)) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, strlen(pid), 0) < 0)
		warn("cannot note our pid in %s: %s", path, strerror(errno));
	return fd;
}
