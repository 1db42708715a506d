/* The options every bench takes, as one parent table: a bench's own table
 * ends with OPT_PARENT_ROW(bench_opt_defs), as perf bench does with
 * OPT_PARENT, instead of repeating these rows. */
#ifndef PW_BENCHOPT_H
#define PW_BENCHOPT_H

#include <stdint.h>

#include "opts.h"

struct bench_opts {
	uint64_t cpu;            /* UINT64_MAX: the first allowed CPU */
	uint64_t seed;
	const char *out, *hugetlbfs, *events;
	int reserve, no_counters, progress, no_progress, no_lock;
};

/* Where the rows put their values; cpu unset, seed 1 before parsing. */
extern struct bench_opts bench_opt;
extern const struct opt_def bench_opt_defs[];

#endif
