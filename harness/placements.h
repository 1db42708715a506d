/* Several placements in one run: a list of (data node, page-table node)
 * pairs, or the 2x2 matrix of local and remote for each, so that chase
 * times them in interleaved rounds like backings. */
#ifndef PW_PLACEMENTS_H
#define PW_PLACEMENTS_H

#include <stddef.h>

#include "bufplace.h"

#define PLACEMENTS_MAX 4

/* Parse "MEM:PT,..." (nodes with memory, at most max pairs, none twice);
 * exits 2 with one line naming opt otherwise. Returns the count. */
int placements_parse(const char *opt, const char *list, struct bufplace *out, int max);
/* The node nearest to local (numa_distance) among the other nodes with
 * memory, the lower number on a tie; -1 when there is none. */
int placements_remote(int local);
/* Data local or remote x page tables local or remote, all-local first:
 * (L,L), (R,L), (L,R), (R,R). Returns 4, or -1 with why when the machine
 * has no second node with memory. */
int placements_matrix(int local, struct bufplace *out, char *why, size_t len);

#endif
