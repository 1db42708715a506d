/* The buffers of one run: every requested backing allocated at the largest
 * footprint, populated, verified, or skipped with the reason; released and
 * the machine's settings restored on every exit path. */
#ifndef PW_BUFSET_H
#define PW_BUFSET_H

#include <signal.h>

#include "buf.h"
#include "knobs.h"
#include "datafile.h"

#define BUFSET_MAX 12

struct bufset {
	struct buf b[BUFSET_MAX];    /* the backings obtained, in request order */
	int nr;
	char skipped[BUFSET_MAX][400];
	int nr_skipped;
	struct knob_pool pools_before[8];
	int nr_pools_before;
	char support_1g[160];
};

/* Parse a comma list of backing names into out[]; exits 2 with one line
 * naming opt on an unknown or malformed list. Returns the count. */
int bufset_parse(const char *opt, const char *list, const struct buf_backing **out, int max);

/* Match each hugetlbfs mount of a comma list (at most two) to the backing
 * of its page size, in buf_hugetlb; exits 2 on a directory that is not a
 * writable hugetlbfs mount of 2M or 1G pages. */
void bufset_parse_hugetlbfs(const char *list);

/* Set up every backing of bk[0..nr) at bytes[i] (rounded up to its page
 * size), its data and page tables placed as pl[i] asks (pl NULL: the
 * kernel's default everywhere). Returns the number obtained, or -1 when
 * *stop was raised. */
int bufset_setup(struct bufset *s, const struct buf_backing *const *bk,
		 const struct bufplace *pl, int nr, const uint64_t *bytes,
		 volatile sig_atomic_t *stop);
/* "buffers", "skipped" and "hugetlb" members of meta.json. */
void bufset_json(struct json *j, const struct bufset *s);
/* Unmap every buffer, then put back every setting changed (pools). */
void bufset_release(struct bufset *s);

#endif
