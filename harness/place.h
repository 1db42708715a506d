/* Where the benchmark runs: CPU pinning and NUMA nodes (libnuma). */
#ifndef PW_PLACE_H
#define PW_PLACE_H

#include <stddef.h>
#include <stdint.h>

/* Pin the calling thread to cpu; -1 with errno (EINVAL: not allowed). */
int place_pin_cpu(int cpu);
/* Whether cpu is in this process's allowed set. */
int place_cpu_allowed(int cpu);
/* The first CPU in the allowed set, or -1. */
int place_first_cpu(void);
/* Number of NUMA nodes with memory (1 without libnuma support). */
int place_nr_nodes(void);
/* The NUMA node of the page at addr, or -1. */
int place_page_node(void *addr);

/* Node topology. libnuma accepts missing nodes with only a warning, so
 * every node a user names is checked here first. Without NUMA support the
 * machine is one node 0 holding every CPU and all memory. */
int place_max_node(void);
int place_node_exists(int node);
/* Bytes of memory on node; 0 for a missing or memory-less node. */
uint64_t place_node_mem_bytes(int node);
/* Free bytes on node now (UINT64_MAX without NUMA support: unknown). */
uint64_t place_node_free_bytes(int node);
/* CPUs of node this process may run on; and the first of them (or -1). */
int place_node_nr_cpus(int node);
int place_node_first_cpu(int node);
/* The node of cpu, or -1. */
int place_cpu_node(int cpu);
/* numa_distance(a, b): 10 for local, 0 when unknown. */
int place_distance(int a, int b);
/* "0 (cpus 0-1), 1 (memory only)": every node, for error lines. */
const char *place_node_list(char *buf, size_t len);

struct json;
/* The "numa" member of meta.json: nodes, distances, and cpu with the node
 * getcpu reports for the calling (pinned) thread. cpu < 0: not pinned yet. */
void place_numa_json(struct json *j, int cpu);

#endif
