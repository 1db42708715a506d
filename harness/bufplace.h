/* NUMA placement of one buffer: its data bound to a node (mbind on the
 * range before the first touch), its page tables on another (the policy of
 * the task that faults them in), and both verified from the kernel's own
 * accounts: move_pages for the data, the per-node PageTables counters for
 * the tables. */
#ifndef PW_BUFPLACE_H
#define PW_BUFPLACE_H

#include <stddef.h>
#include <stdint.h>

/* What was asked: a node, or -1 for the kernel's default (local). */
struct bufplace {
	int mem_node;
	int pt_node;
};

/* What was asked and what was found, per buffer. */
struct bufplace_check {
	int mem_node, pt_node;  /* the node expected: asked, else the CPU's */
	int mem_bound, pt_bound; /* 1 when asked for (MPOL_BIND) */
	double mem_verified;    /* share of sampled pages on mem_node; NAN unknown */
	uint64_t mem_sampled;   /* pages sampled */
	double pt_verified;     /* share of the page-table growth on pt_node; NAN unknown */
	int64_t pt_growth_kb;   /* page-table growth over all nodes while populating */
	int64_t pt_own_kb;      /* of which this process's own (VmPTE); -1 unknown */
	int pt_disturbed;       /* others changed page tables meanwhile: the share is unsure */
	char mem_why[160];      /* why mem_verified is unknown */
	char pt_why[160];       /* why pt_verified is unknown */
};

#define BUFPLACE_MAX_NODES 64

/* Per-node page-table totals around the population. */
struct bufplace_pt {
	int pt_node, bound, refreshed;
	uint64_t kb[BUFPLACE_MAX_NODES];
	int64_t own_kb;
	char why[160];
};

/* Bind [base, base+bytes) to node with MPOL_BIND; nothing when node < 0. */
int bufplace_bind(void *base, uint64_t bytes, int node, char *why, size_t len);
/* Free hugetlb pages of page_kb on node, from sysfs; -1 when unknown. */
long bufplace_node_free_huge(int node, uint64_t page_kb);
/* Before populating: snapshot the per-node page tables and, when node >= 0,
 * bind the calling thread's policy to node. -1 with why if binding fails. */
int bufplace_pt_begin(struct bufplace_pt *s, int node, char *why, size_t len);
/* After populating: back to the default policy; growth and share into c. */
void bufplace_pt_end(struct bufplace_pt *s, struct bufplace_check *c);
/* Sample up to max_samples pages of the buffer with move_pages and set
 * c->mem_verified to the share found on c->mem_node. */
void bufplace_verify_mem(const void *base, uint64_t bytes, unsigned max_samples,
			 struct bufplace_check *c);

/* The "Node N PageTables:" value in kB from the text of a node's meminfo
 * (not SecPageTables); -1 when absent or malformed. */
int64_t bufplace_parse_pagetables(const char *text, int node);
/* VmPTE in kB from the text of /proc/PID/status; -1 when absent. */
int64_t bufplace_parse_vmpte(const char *text);
/* Share of the growth (after - before, per node) that is on node; NAN when
 * nothing grew. Also the total growth in kB. */
double bufplace_pt_share(const uint64_t *before, const uint64_t *after, int nr, int node,
			 int64_t *growth_kb);

#endif
