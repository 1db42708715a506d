/* Hardware counters named by meaning (cycles, L1 DTLB misses, STLB hits,
 * page walks, walk cycles), from an event table per CPU family, counted
 * through PAPI or, where PAPI cannot, perf_event_open; and page faults
 * counted around a region. Missing counters never fail a run: each empty
 * column says why. counters.c is the only file that includes papi.h. */
#ifndef PW_COUNTERS_H
#define PW_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "cpuinfo.h"
#include "datafile.h"

/* The columns, in chase.csv order (each becomes <name>_per_load). */
enum ctr_col {
	CTR_CYCLES,	 /* core cycles, unhalted */
	CTR_DTLB_MISS,	 /* loads that miss the L1 DTLB */
	CTR_STLB_HIT,	 /* ... and hit the second-level TLB */
	CTR_WALK,	 /* page walks (the event names started or completed) */
	CTR_WALK_CYCLES, /* cycles with a walk in progress */
	CTR_NR,
};

/* A value ctr_stop() did not count. */
#define CTR_NONE UINT64_MAX
#define CTR_ANY_FAMILY (~0u)
#define CTR_EVENT_MAX 256

enum ctr_path {
	CTR_PATH_NONE,
	CTR_PATH_PAPI,	 /* PAPI_add_named_event */
	CTR_PATH_PERF,	 /* perf_event_open, raw or software */
	CTR_PATH_RUSAGE, /* getrusage (page faults only) */
};

/* One meaning on one family. */
struct ctr_event {
	const char *name;     /* libpfm4 native name, as PAPI takes it; NULL: none */
	uint64_t raw;	      /* perf PERF_TYPE_RAW config from the vendor's codes */
	const char *none_why; /* with name NULL: why the family has no such event */
};

struct ctr_family {
	const char *name;    /* "AMD Zen 4" */
	const char *pfm_pmu; /* libpfm4 PMU name (LIBPFM_FORCE_PMU) */
	int papi_tlb_dm;     /* the column PAPI_TLB_DM means on this family, or -1 */
	struct ctr_event ev[CTR_NR];
};

/* Which family a CPU belongs to. x86: vendor string, CPUID family and a
 * model range. Arm: vendor "ARM", family CTR_ANY_FAMILY, model the MIDR
 * part number (0xd0c Neoverse N1). */
struct ctr_match {
	const char *vendor;
	unsigned family;
	unsigned model_lo, model_hi;
	const struct ctr_family *fam;
};

extern const struct ctr_family ctr_families[]; /* ends with a NULL name */
extern const struct ctr_match ctr_matches[];   /* ends with a NULL vendor */

const char *ctr_col_name(enum ctr_col c);   /* "cycles", "dtlb_miss", ... */
const char *ctr_path_name(enum ctr_path p); /* "papi", "perf_event", "rusage" */
/* The family of ci, or NULL when no table row covers it. */
const struct ctr_family *ctr_family_find(const struct cpu_info *ci);

/* Whether PAPI resolves name (through libpfm4, for the PMU it detected):
 * 1 yes, 0 no, -1 when PAPI cannot count at all (why says so). A yes does
 * not mean it can be counted: only opening it tells. */
int ctr_papi_knows(const char *name, char *why, size_t len);

/* Check a --events list "name=EVENT,..." (name a column, EVENT a PAPI or
 * libpfm4 name, or rHEX for a raw perf_event code); -1 with why. */
int ctr_overrides_check(const char *spec, char *why, size_t len);
/* The same for a command line: exit 2 with one line naming --events when
 * spec (may be NULL) is malformed. */
void ctr_overrides_require(const char *spec);

struct ctr_column {
	int counting; /* 1 when this column is counted */
	enum ctr_path path;
	char event[CTR_EVENT_MAX]; /* the event behind it (tried, when not counting) */
	uint64_t raw;		   /* the perf config, with path perf_event */
	char why[600];		   /* empty column: why; counted: why earlier paths were not used */
};

struct ctr_set {
	const struct ctr_family *fam; /* NULL: no table for this CPU */
	struct ctr_column col[CTR_NR];
	int nr_counting;
	int disabled;	  /* --no-counters */
	int paranoid;	  /* perf_event_paranoid as read at open */
	int cpu_pmu;	  /* the kernel has a CPU PMU */
	int multiplexed;  /* a perf_event count was scaled */
	char papi[300];	  /* "active", or why PAPI cannot count */
	char why[900];	  /* when nothing counts: why, in one line */
	char advice[400]; /* ... and what would bring counters */
	/* Internal */
	int papi_es;	      /* PAPI event set, or -1 */
	int papi_idx[CTR_NR]; /* position in the event set, or -1 */
	int nr_papi;
	int fd[CTR_NR]; /* perf_event fds, or -1 */
};

/* Choose and open the events for ci (NULL: unknown CPU), with overrides
 * (NULL or a --events list) applied first. disabled turns everything off
 * with that reason. Returns 0 whatever counts (see nr_counting, why); -1
 * only for bad overrides, with why set (a usage error). */
int ctr_open(struct ctr_set *s, const struct cpu_info *ci, const char *overrides, int disabled);
/* Zero and start every counted column; bracket a whole repetition. */
void ctr_start(struct ctr_set *s);
/* Stop and read into values[CTR_NR]; CTR_NONE where a column is not counted. */
void ctr_stop(struct ctr_set *s, uint64_t *values);
void ctr_close(struct ctr_set *s);
/* The meta.json "counters" object: per column the event and path or the
 * reason; when nothing counts, the reason and what the user could do. */
void ctr_json(struct json *j, const struct ctr_set *s);

/* Page faults taken in a region (populating a buffer): through PAPI's
 * perf::PAGE-FAULTS where its perf_event component is active, else
 * perf_event_open's software event, else getrusage. getrusage is read for
 * every region too: faults the kernel takes on the thread's behalf
 * (MADV_POPULATE_WRITE, get_user_pages) are not perf events, and where it
 * sees more, its count is the one reported, with that reason. */
struct ctr_faults {
	enum ctr_path want; /* CTR_PATH_NONE: the first path that counts */
	enum ctr_path path; /* the path counting */
	int papi_es;
	int fd;
	uint64_t ru_begin;
	uint64_t rusage_faults; /* getrusage's count, set by ctr_faults_end */
	char why[700];		/* why the paths before path were not used */
};

/* Start counting with the first path that works; 0 (getrusage always does). */
int ctr_faults_begin(struct ctr_faults *f);
/* Start counting with that path only; -1 with f->why when it cannot. */
int ctr_faults_begin_via(struct ctr_faults *f, enum ctr_path path);
/* Stop: the faults, the path that counted them and why the paths before it
 * were not used ("" when none were passed over). -1 when a read failed. */
int ctr_faults_end(struct ctr_faults *f, uint64_t *faults, const char **path,
		   const char **why_not_others);

#endif
