/* Where the benchmark runs: CPU pinning and NUMA nodes (libnuma). */
#ifndef PW_PLACE_H
#define PW_PLACE_H

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

#endif
