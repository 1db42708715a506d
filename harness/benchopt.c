/* The rows every bench shares. */
#include "benchopt.h"

struct bench_opts bench_opt = { .cpu = UINT64_MAX, .seed = 1 };

const struct opt_def bench_opt_defs[] = {
	{ "cpu", OPT_U64, &bench_opt.cpu, "N", "CPU to pin to (default: the first allowed)" },
	{ "seed", OPT_U64, &bench_opt.seed, "N", "seed of the random orders (default 1)" },
	{ "out", OPT_STR, &bench_opt.out, "DIR", "run directory (default results/<host>-<date>-<time>)" },
	{ "reserve", OPT_FLAG, &bench_opt.reserve, NULL, "raise hugetlb pools as needed (root); restored at exit" },
	{ "hugetlbfs", OPT_STR, &bench_opt.hugetlbfs, "DIR[,DIR]", "take hugetlb pages from files on these hugetlbfs mounts" },
	{ "events", OPT_STR, &bench_opt.events, "COL=EVENT,...", "add or override counters: cycles, dtlb_miss, stlb_hit, walk, walk_cycles = a PAPI/libpfm4 name or rHEX" },
	{ "no-counters", OPT_FLAG, &bench_opt.no_counters, NULL, "do not try hardware counters" },
	{ "progress", OPT_FLAG, &bench_opt.progress, NULL, "show progress even when stderr is not a terminal" },
	{ "no-progress", OPT_FLAG, &bench_opt.no_progress, NULL, "never show progress" },
	{ "no-lock", OPT_FLAG, &bench_opt.no_lock, NULL, "do not wait for another pagewalk run to finish (both will read slow)" },
	{ NULL, 0, NULL, NULL, NULL },
};
