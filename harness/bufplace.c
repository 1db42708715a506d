/* Data and page tables on chosen nodes, verified. */
#include "bufplace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "knobs.h"
#include "place.h"

#define NODE_DIR "/sys/devices/system/node"
#define STAT_REFRESH "/proc/sys/vm/stat_refresh"

/* A nodemask for node, as mbind and set_mempolicy take it. */
static unsigned long node_mask(int node, unsigned long *maxnode)
{
	*maxnode = sizeof(unsigned long) * 8;
	return 1ul << node;
}

int bufplace_bind(void *base, uint64_t bytes, int node, char *why, size_t len)
{
	unsigned long maxnode, mask;

	if (node < 0)
		return 0;
	if (node >= (int)(sizeof(mask) * 8)) {
		snprintf(why, len, "node %d: at most %zu nodes are supported", node, sizeof(mask) * 8);
		return -1;
	}
	mask = node_mask(node, &maxnode);
	if (mbind(base, bytes, MPOL_BIND, &mask, maxnode + 1, 0)) {
		snprintf(why, len, "mbind to node %d: %s", node, strerror(errno));
		return -1;
	}
	return 0;
}

long bufplace_node_free_huge(int node, uint64_t page_kb)
{
	char path[160], line[64];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), NODE_DIR "/node%d/hugepages/hugepages-%" PRIu64 "kB/free_hugepages",
		 node, page_kb);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		v = strtol(line, NULL, 10);
	fclose(f);
	return v;
}

int64_t bufplace_parse_pagetables(const char *text, int node)
{
	char key[48];
	size_t n;

	n = (size_t)snprintf(key, sizeof(key), "Node %d PageTables:", node);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;
		long long v;

		if (strncmp(p, key, n))
			continue;
		errno = 0;
		v = strtoll(p + n, &end, 10);
		if (end == p + n || errno || v < 0 || strncmp(end, " kB", 3))
			return -1;
		return v;
	}
	return -1;
}

int64_t bufplace_parse_vmpte(const char *text)
{
	const char *p = strstr(text, "\nVmPTE:");
	char *end;
	long long v;

	if (!p)
		return -1;
	errno = 0;
	v = strtoll(p + 7, &end, 10);
	return end == p + 7 || errno || v < 0 || strncmp(end, " kB", 3) ? -1 : v;
}

/* This process's page tables in kB, or -1. */
static int64_t own_pagetables(void)
{
	char text[4096];

	return knob_read_all("/proc/self/status", text, sizeof(text)) ? -1 : bufplace_parse_vmpte(text);
}

/* Every node's PageTables in kB into kb[]; -1 if a node could not be read. */
static int read_pagetables(uint64_t *kb, int nr)
{
	for (int node = 0; node < nr; node++) {
		char path[96], text[4096];
		int64_t v;

		kb[node] = 0;
		if (!place_node_exists(node))
			continue;
		snprintf(path, sizeof(path), NODE_DIR "/node%d/meminfo", node);
		if (knob_read_all(path, text, sizeof(text)))
			return -1;
		v = bufplace_parse_pagetables(text, node);
		if (v < 0)
			return -1;
		kb[node] = (uint64_t)v;
	}
	return 0;
}

/* Fold the per-CPU counter deltas into the node totals (root only). */
static int stat_refresh(void)
{
	int fd = open(STAT_REFRESH, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, "1", 1) == 1 ? 0 : -1;
	close(fd);
	return rc;
}

static int nr_nodes_read(void)
{
	int n = place_max_node() + 1;

	return n > BUFPLACE_MAX_NODES ? BUFPLACE_MAX_NODES : n;
}

int bufplace_pt_begin(struct bufplace_pt *s, int node, char *why, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->pt_node = node;
	/* Page tables unmapped before now (by this or another process) may
	 * still be waiting for an RCU grace period to leave the counters:
	 * let one pass, so their decrement does not land in the window. */
	syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	s->refreshed = stat_refresh() == 0;
	s->own_kb = own_pagetables();
	if (!s->refreshed)
		snprintf(s->why, sizeof(s->why),
			 "page tables not verified: flushing the per-CPU counters (%s) needs root", STAT_REFRESH);
	else if (read_pagetables(s->kb, nr_nodes_read())) {
		snprintf(s->why, sizeof(s->why), "page tables not verified: cannot read " NODE_DIR "/node*/meminfo");
		s->refreshed = 0;
	}
	if (node >= 0) {
		unsigned long maxnode, mask = node_mask(node, &maxnode);

		if (node >= (int)(sizeof(mask) * 8) || set_mempolicy(MPOL_BIND, &mask, maxnode + 1)) {
			snprintf(why, len, "set_mempolicy(MPOL_BIND) to node %d: %s", node, strerror(errno));
			return -1;
		}
		s->bound = 1;
	}
	return 0;
}

double bufplace_pt_share(const uint64_t *before, const uint64_t *after, int nr, int node,
			 int64_t *growth_kb)
{
	int64_t grew = 0, here = 0;

	for (int i = 0; i < nr; i++) {
		int64_t d = (int64_t)after[i] - (int64_t)before[i];

		if (d > 0)
			grew += d;
		if (i == node && d > 0)
			here = d;
	}
	*growth_kb = grew;
	return grew > 0 ? (double)here / (double)grew : NAN;
}

void bufplace_pt_end(struct bufplace_pt *s, struct bufplace_check *c)
{
	uint64_t after[BUFPLACE_MAX_NODES];
	int64_t own = own_pagetables();

	if (s->bound)
		set_mempolicy(MPOL_DEFAULT, NULL, 0);
	c->pt_bound = s->bound;
	c->pt_verified = NAN;
	c->pt_growth_kb = c->pt_own_kb = -1;
	c->pt_disturbed = 0;
	if (!s->refreshed || stat_refresh() || read_pagetables(after, nr_nodes_read())) {
		snprintf(c->pt_why, sizeof(c->pt_why), "%s",
			 s->why[0] ? s->why : "page tables not verified: the counters could not be read again");
		return;
	}
	c->pt_verified = bufplace_pt_share(s->kb, after, nr_nodes_read(), c->pt_node, &c->pt_growth_kb);
	c->pt_own_kb = own >= 0 && s->own_kb >= 0 ? own - s->own_kb : -1;
	/* The node counters are the whole machine's: when they moved by more
	 * than this process's own tables did (VmPTE), others were at work. */
	c->pt_disturbed = c->pt_own_kb < 0 ||
			  llabs(c->pt_growth_kb - c->pt_own_kb) > c->pt_own_kb / 10 + 8;
	if (isnan(c->pt_verified))
		snprintf(c->pt_why, sizeof(c->pt_why), "page tables not verified: none grew while populating (a huge page can map from a table that already existed)");
}

void bufplace_verify_mem(const void *base, uint64_t bytes, unsigned max_samples,
			 struct bufplace_check *c)
{
	uint64_t pages = bytes / 4096, n = pages < max_samples ? pages : max_samples, on = 0, seen = 0;
	void **addr = calloc(n ? n : 1, sizeof(*addr));
	int *status = calloc(n ? n : 1, sizeof(*status));

	c->mem_verified = NAN;
	c->mem_sampled = 0;
	if (!addr || !status || !n) {
		snprintf(c->mem_why, sizeof(c->mem_why), "data not verified: %s", n ? "out of memory" : "empty buffer");
		goto out;
	}
	for (uint64_t i = 0; i < n; i++)
		addr[i] = (char *)base + (pages / n * i) * 4096;
	if (move_pages(0, (unsigned long)n, addr, NULL, status, 0)) {
		snprintf(c->mem_why, sizeof(c->mem_why), "data not verified: move_pages: %s", strerror(errno));
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		seen += status[i] >= 0;
		on += status[i] == c->mem_node;
	}
	c->mem_sampled = seen;
	if (seen)
		c->mem_verified = (double)on / (double)seen;
	else
		snprintf(c->mem_why, sizeof(c->mem_why), "data not verified: no sampled page is present");
out:
	free(addr);
	free(status);
}
