/* Placement lists and the local/remote matrix. */
#include "placements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchopt.h"
#include "die.h"
#include "opts.h"
#include "place.h"

int placements_parse(const char *opt, const char *list, struct bufplace *out, int max)
{
	char items[PLACEMENTS_MAX][32];
	int n = opt_split_list(list, items[0], sizeof(items[0]), max < PLACEMENTS_MAX ? max : PLACEMENTS_MAX);

	if (n < 0)
		die_usage("--%s '%s': want a comma list of at most %d MEM:PT node pairs, e.g. 0:0,1:0",
			  opt, list, max < PLACEMENTS_MAX ? max : PLACEMENTS_MAX);
	for (int i = 0; i < n; i++) {
		char *colon, *end;
		unsigned long long mem, pt;

		colon = strchr(items[i], ':');
		if (!colon || colon == items[i] || !colon[1])
			die_usage("--%s: '%s' is not MEM:PT (the data's node, then the page tables')", opt, items[i]);
		*colon = '\0';
		mem = strtoull(items[i], &end, 10);
		if (*end || items[i][0] == '-' || items[i][0] == '+')
			die_usage("--%s: node '%s' is not a number", opt, items[i]);
		pt = strtoull(colon + 1, &end, 10);
		if (*end || colon[1] == '-' || colon[1] == '+')
			die_usage("--%s: node '%s' is not a number", opt, colon + 1);
		out[i].mem_node = bench_opt_mem_node(opt, mem);
		out[i].pt_node = bench_opt_mem_node(opt, pt);
		for (int j = 0; j < i; j++)
			if (out[j].mem_node == out[i].mem_node && out[j].pt_node == out[i].pt_node)
				die_usage("--%s '%s': %d:%d given twice", opt, list, out[i].mem_node, out[i].pt_node);
	}
	return n;
}

int placements_remote(int local)
{
	int best = -1, best_d = 0;

	for (int n = 0; n <= place_max_node(); n++) {
		int d;

		if (n == local || !place_node_mem_bytes(n))
			continue;
		d = place_distance(local, n);
		if (best < 0 || (d > 0 && (best_d <= 0 || d < best_d))) {
			best = n;
			best_d = d;
		}
	}
	return best;
}

int placements_matrix(int local, struct bufplace *out, char *why, size_t len)
{
	int remote = placements_remote(local);
	char nodes[512];

	if (remote < 0) {
		snprintf(why, len, "no NUMA node with memory besides node %d (nodes: %s): nothing is remote here",
			 local, place_node_list(nodes, sizeof(nodes)));
		return -1;
	}
	out[0] = (struct bufplace){ local, local };
	out[1] = (struct bufplace){ remote, local };
	out[2] = (struct bufplace){ local, remote };
	out[3] = (struct bufplace){ remote, remote };
	return 4;
}
