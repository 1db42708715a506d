/* Was a repetition disturbed? What a careful engineer checks around a
 * timed window: involuntary context switches (getrusage), time spent
 * waiting on the run queue (/proc/thread-self/schedstat) and time the
 * hypervisor stole from this CPU (/proc/stat). Also the machine-wide lock
 * that keeps two pagewalk runs from sharing a CPU. */
#ifndef PW_DISTURB_H
#define PW_DISTURB_H

#include <stddef.h>
#include <stdint.h>

/* Counters read before and after a window. A field is UINT64_MAX where it
 * could not be read (then it never marks a window). */
struct disturb_sample {
	uint64_t nivcsw;      /* involuntary context switches of this thread */
	uint64_t runq_ns;     /* ns this thread waited on a run queue */
	uint64_t steal_ticks; /* USER_HZ ticks stolen from this CPU */
};

/* Why a window was disturbed: a bit mask. */
enum {
	DISTURB_PREEMPTED = 1, /* switched out involuntarily */
	DISTURB_RUNQ = 2,      /* waited on the run queue */
	DISTURB_STEAL = 4,     /* the hypervisor ran something else */
};

/* A run-queue wait at or below this is scheduler bookkeeping, not a
 * disturbance (a wake-up after a page fault costs a few us). */
#define DISTURB_RUNQ_NS 50000

/* Read the counters for this thread, on CPU cpu (its /proc/stat line). */
void disturb_read(struct disturb_sample *s, int cpu);
/* The DISTURB_* bits for the window between a and b; 0 when quiet. */
unsigned disturb_between(const struct disturb_sample *a, const struct disturb_sample *b);
/* Steal ticks of CPU cpu from /proc/stat text (for tests); UINT64_MAX when
 * the line or the field is missing. */
uint64_t disturb_parse_steal(const char *stat, int cpu);
/* Run-queue wait (the second field) from schedstat text; UINT64_MAX when
 * unreadable. */
uint64_t disturb_parse_runq(const char *schedstat);
/* "preempted, run queue, steal" for mask into buf ("" for 0). */
const char *disturb_said(unsigned mask, char *buf, size_t len);

/* A run's disturbances, for meta.json. */
struct disturb_total {
	uint64_t nr_rerun;	   /* repetitions timed again */
	uint64_t nr_kept;	   /* repetitions kept though still disturbed */
	uint64_t nr_targets;	   /* (point, chain) pairs measured */
	uint64_t nr_targets_hit;   /* of those, with any rerun or disturbed repetition */
	unsigned why;		   /* DISTURB_* bits seen */
};

struct json;
void disturb_total_add(struct disturb_total *d, unsigned nr_rerun, unsigned nr_kept, unsigned why);
void disturb_total_json(struct json *j, const struct disturb_total *d);

/* Take the machine-wide run lock at path (pagewalk uses
 * DISTURB_LOCK_PATH): returns its fd, held until exit. When another run
 * holds it, say so in one line naming its pid and wait for it (wait != 0)
 * or return -1 with errno EWOULDBLOCK. -1 with errno on other failures. */
#define DISTURB_LOCK_PATH "/run/pagewalk.lock"
int disturb_lock(const char *path, int wait);

#endif
