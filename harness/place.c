/* Pinning and NUMA placement. libnuma accepts node numbers that do not
 * exist (it only warns), so callers validate against place_nr_nodes(). */
#include "place.h"

#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <stddef.h>

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
