/* Pinning and NUMA placement. libnuma accepts node numbers that do not
 * exist (it only warns), so callers validate against place_nr_nodes(). */
#include "place.h"

#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include "datafile.h"

int place_cpu_allowed(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(set), &set))
		return 0;
	return CPU_ISSET(cpu, &set);
}

int place_first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

int place_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int place_nr_nodes(void)
{
	if (numa_available() < 0)
		return 1;
	return numa_num_configured_nodes();
}

int place_page_node(void *addr)
{
	int node = -1;

	if (get_mempolicy(&node, NULL, 0, addr, MPOL_F_NODE | MPOL_F_ADDR))
		return -1;
	return node;
}

int place_max_node(void)
{
	return numa_available() < 0 ? 0 : numa_max_node();
}

int place_node_exists(int node)
{
	if (node < 0 || node > place_max_node())
		return 0;
	if (numa_available() < 0)
		return node == 0;
	return numa_bitmask_isbitset(numa_nodes_ptr, (unsigned)node);
}

uint64_t place_node_mem_bytes(int node)
{
	long long size;

	if (!place_node_exists(node))
		return 0;
	if (numa_available() < 0)
		return 1; /* one node without NUMA support: it holds everything */
	size = numa_node_size64(node, NULL);
	return size > 0 ? (uint64_t)size : 0;
}

uint64_t place_node_free_bytes(int node)
{
	long long free = 0;

	if (!place_node_exists(node))
		return 0;
	if (numa_available() < 0)
		return UINT64_MAX;
	if (numa_node_size64(node, &free) < 0 || free < 0)
		return 0;
	return (uint64_t)free;
}

/* The CPUs of node (only those this process may run on, when allowed_only),
 * as a cpu_set_t; returns their count. */
static int node_cpus(int node, cpu_set_t *out, int allowed_only)
{
	cpu_set_t allowed;
	struct bitmask *m;

	CPU_ZERO(out);
	if (!place_node_exists(node) || sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0;
	if (!allowed_only)
		memset(&allowed, 0xff, sizeof(allowed));
	if (numa_available() < 0) {
		*out = allowed;
		return CPU_COUNT(out);
	}
	m = numa_allocate_cpumask();
	if (!m)
		return 0;
	if (numa_node_to_cpus(node, m) == 0)
		for (int c = 0; c < CPU_SETSIZE && (unsigned)c < m->size; c++)
			if (numa_bitmask_isbitset(m, (unsigned)c) && CPU_ISSET(c, &allowed))
				CPU_SET(c, out);
	numa_free_cpumask(m);
	return CPU_COUNT(out);
}

int place_node_nr_cpus(int node)
{
	cpu_set_t set;

	return node_cpus(node, &set, 1);
}

int place_node_first_cpu(int node)
{
	cpu_set_t set;

	if (!node_cpus(node, &set, 1))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

int place_cpu_node(int cpu)
{
	if (numa_available() < 0)
		return cpu >= 0 ? 0 : -1;
	return numa_node_of_cpu(cpu);
}

int place_distance(int a, int b)
{
	if (numa_available() < 0)
		return a == b && a == 0 ? 10 : 0;
	return numa_distance(a, b);
}

const char *place_node_list(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int node = 0; node <= place_max_node() && n < len; node++) {
		cpu_set_t set;
		int nr = node_cpus(node, &set, 1), first = -1, last = -1;

		if (!place_node_exists(node))
			continue;
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				last = c, first = first < 0 ? c : first;
		if (!place_node_mem_bytes(node))
			n += (size_t)snprintf(buf + n, len - n, "%s%d (no memory)", n ? ", " : "", node);
		else if (!nr)
			n += (size_t)snprintf(buf + n, len - n, "%s%d (memory only)", n ? ", " : "", node);
		else if (nr == 1 || nr == last - first + 1)
			n += (size_t)snprintf(buf + n, len - n, nr == 1 ? "%s%d (cpu %d)" : "%s%d (cpus %d-%d)",
					      n ? ", " : "", node, first, last);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%d (%d cpus)", n ? ", " : "", node, nr);
	}
	return buf;
}

void place_numa_json(struct json *j, int cpu)
{
	unsigned now_cpu = 0, now_node = 0;
	int found = cpu >= 0 && getcpu(&now_cpu, &now_node) == 0;
	int max = place_max_node();

	json_obj(j, "numa");
	json_arr(j, "nodes");
	for (int n = 0; n <= max; n++) {
		cpu_set_t set;

		if (!place_node_exists(n))
			continue;
		json_obj(j, NULL);
		json_int(j, "node", n);
		json_int(j, "cpus", node_cpus(n, &set, 0));
		json_int(j, "mem_bytes", (int64_t)place_node_mem_bytes(n));
		json_obj_end(j);
	}
	json_arr_end(j);
	/* numa_distance between every pair, rows and columns by node number
	 * (0 where a node is missing). */
	json_arr(j, "distance");
	for (int a = 0; a <= max; a++) {
		json_arr(j, NULL);
		for (int b = 0; b <= max; b++)
			json_int(j, NULL, place_node_exists(a) && place_node_exists(b) ? place_distance(a, b) : 0);
		json_arr_end(j);
	}
	json_arr_end(j);
	if (cpu < 0) {
		json_null(j, "cpu");
	} else {
		json_int(j, "cpu", cpu);
		json_int(j, "cpu_node", place_cpu_node(cpu));
		/* getcpu from the pinned thread: where it really runs. */
		json_bool(j, "cpu_node_verified",
			  found && (int)now_cpu == cpu && (int)now_node == place_cpu_node(cpu));
	}
	json_obj_end(j);
}
