/* The rows every bench shares. */
#include "benchopt.h"

#include <inttypes.h>
#include <limits.h>
#include <unistd.h>

#include "bufplace.h"
#include "bufset.h"
#include "counters.h"
#include "die.h"
#include "place.h"
#include "run.h"

struct bench_opts bench_opt = { .cpu = UINT64_MAX, .seed = 1, .cpu_node = UINT64_MAX,
				  .mem_node = UINT64_MAX, .pt_node = UINT64_MAX };

const struct opt_def bench_opt_defs[] = {
	{ "cpu", OPT_U64, &bench_opt.cpu, "N", "CPU to pin to (default: the first allowed)" },
	{ "cpu-node", OPT_U64, &bench_opt.cpu_node, "N", "run on a CPU of NUMA node N (default: the node of --cpu)" },
	{ "mem-node", OPT_U64, &bench_opt.mem_node, "N", "bind the buffers' data to node N, verified with move_pages (default: local)" },
	{ "pt-node", OPT_U64, &bench_opt.pt_node, "N", "put the buffers' page tables on node N, verified per node (default: local)" },
	{ "seed", OPT_U64, &bench_opt.seed, "N", "seed of the random orders (default 1)" },
	{ "out", OPT_STR, &bench_opt.out, "DIR", "run directory (default results/<host>-<date>-<time>)" },
	{ "same-run", OPT_FLAG, &bench_opt.same_run, NULL, "add this tool's files to the existing run directory --out of another pagewalk tool (run_all.sh does); without it, --out must not exist" },
	{ "reserve", OPT_FLAG, &bench_opt.reserve, NULL, "raise hugetlb pools as needed (root); restored at exit" },
	{ "fit-pool", OPT_FLAG, &bench_opt.fit_pool, NULL, "run a hugetlb backing the pool cannot fill on the pages it has (fewer footprints or pages) instead of skipping it" },
	{ "hugetlbfs", OPT_STR, &bench_opt.hugetlbfs, "DIR[,DIR]", "take hugetlb pages from files on these hugetlbfs mounts" },
	{ "events", OPT_STR, &bench_opt.events, "COL=EVENT,...", "add or override counters: cycles, dtlb_miss, stlb_hit, walk, walk_cycles = a PAPI/libpfm4 name or rHEX" },
	{ "no-counters", OPT_FLAG, &bench_opt.no_counters, NULL, "do not try hardware counters" },
	{ "progress", OPT_FLAG, &bench_opt.progress, NULL, "show progress even when stderr is not a terminal" },
	{ "no-progress", OPT_FLAG, &bench_opt.no_progress, NULL, "never show progress" },
	{ "no-lock", OPT_FLAG, &bench_opt.no_lock, NULL, "do not wait for another pagewalk run to finish (both will read slow)" },
	{ NULL, 0, NULL, NULL, NULL },
};

int bench_opt_parse(int argc, char **argv, const struct opt_def *defs, const char *description,
		    const char *const *backings, const struct buf_backing **bk, int max)
{
	int nr;

	if (opt_parse(argc, argv, defs, "[options]", description) < argc)
		die_usage("unexpected argument '%s' (see --help)", argv[optind]);
	nr = bufset_parse("backing", *backings, bk, max);
	if (bench_opt.hugetlbfs)
		bufset_parse_hugetlbfs(bench_opt.hugetlbfs);
	return nr;
}

void bench_opt_start(struct run *r, struct ctr_set *ctr, int argc, char **argv)
{
	r->no_lock = bench_opt.no_lock;
	r->same_run = bench_opt.same_run;
	run_start(r, bench_opt.out, argc, argv, bench_opt.seed, bench_opt.progress, bench_opt.no_progress,
		  &bench_opt.cpu);
	ctr_open(ctr, &r->machine.cpu, bench_opt.events, bench_opt.no_counters);
	if (!bench_opt.no_counters && ctr->nr_counting < CTR_NR)
		info("counters: %d of %d columns counted%s%s", ctr->nr_counting, CTR_NR,
		     ctr->why[0] ? ": " : "", ctr->why);
}

/* A node option's value as a node that exists; exits 2 otherwise. */
static int node_arg(const char *opt, uint64_t v)
{
	char nodes[512];

	if (v > INT_MAX || !place_node_exists((int)v))
		die_usage("--%s %" PRIu64 ": no such NUMA node (nodes: %s)", opt, v,
			  place_node_list(nodes, sizeof(nodes)));
	return (int)v;
}

int bench_opt_mem_node(const char *opt, uint64_t v)
{
	char nodes[512];
	int node = node_arg(opt, v);

	if (!place_node_mem_bytes(node))
		die_usage("--%s %d: the node has no memory (nodes: %s)", opt, node,
			  place_node_list(nodes, sizeof(nodes)));
	return node;
}

void bench_opt_place(struct bufplace *pl)
{
	char nodes[512];

	if (bench_opt.cpu != UINT64_MAX &&
	    (bench_opt.cpu > INT_MAX || !place_cpu_allowed((int)bench_opt.cpu)))
		die_usage("--cpu %" PRIu64 ": not a CPU this process may run on", bench_opt.cpu);
	pl->mem_node = pl->pt_node = -1;
	if (bench_opt.mem_node != UINT64_MAX)
		pl->mem_node = bench_opt_mem_node("mem-node", bench_opt.mem_node);
	if (bench_opt.pt_node != UINT64_MAX)
		pl->pt_node = bench_opt_mem_node("pt-node", bench_opt.pt_node);
	if (bench_opt.cpu_node != UINT64_MAX) {
		int node = node_arg("cpu-node", bench_opt.cpu_node);

		if (!place_node_nr_cpus(node))
			die_usage("--cpu-node %d: the node has no CPU this process may run on (nodes: %s)",
				  node, place_node_list(nodes, sizeof(nodes)));
		if (bench_opt.cpu == UINT64_MAX)
			bench_opt.cpu = (uint64_t)place_node_first_cpu(node);
		else if (place_cpu_node((int)bench_opt.cpu) != node)
			die_usage("--cpu %" PRIu64 " is on node %d, not on --cpu-node %d", bench_opt.cpu,
				  place_cpu_node((int)bench_opt.cpu), node);
	}
}
