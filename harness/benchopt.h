/* The options every bench takes, as one parent table: a bench's own table
 * ends with OPT_PARENT_ROW(bench_opt_defs), as perf bench does with
 * OPT_PARENT, instead of repeating these rows. */
#ifndef PW_BENCHOPT_H
#define PW_BENCHOPT_H

#include <stdint.h>

#include "opts.h"

struct bench_opts {
	uint64_t cpu;            /* UINT64_MAX: the first allowed CPU */
	uint64_t cpu_node, mem_node, pt_node; /* UINT64_MAX: not asked */
	uint64_t seed;
	const char *out, *hugetlbfs, *events;
	int reserve, fit_pool, no_counters, progress, no_progress, no_lock, same_run;
};

/* Where the rows put their values; cpu unset, seed 1 before parsing. */
extern struct bench_opts bench_opt;
extern const struct opt_def bench_opt_defs[];

struct buf_backing;
/* Every bench's start: parse argv by defs (--help from description; an
 * operand exits 2), then the --backing list *backings (read after parsing)
 * into bk[max] (exit 2 on a bad one) and --hugetlbfs. Returns the number
 * of backings. */
int bench_opt_parse(int argc, char **argv, const struct opt_def *defs, const char *description,
		    const char *const *backings, const struct buf_backing **bk, int max);

struct run;
struct ctr_set;
/* Every bench's run start, after its meta_extra and cleanup are set: the
 * lock and --same-run from the options, run_start (pins to --cpu), then the
 * counters of --events, saying on stderr which columns cannot count. */
void bench_opt_start(struct run *r, struct ctr_set *ctr, int argc, char **argv);

struct bufplace;
/* After opt_parse: check --cpu and the node options against this machine
 * (exit 2 with one line listing the nodes that exist), resolve --cpu-node
 * to a CPU, and fill pl with the data and page-table nodes (-1: default). */
void bench_opt_place(struct bufplace *pl);
/* v as a node with memory, for option opt; exits 2 with the node list. */
int bench_opt_mem_node(const char *opt, uint64_t v);

#endif
