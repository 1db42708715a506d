/* N independent pointer chains over one footprint, for bench/mlp: a random
 * permutation of the footprint's elements cut into N equal segments, each
 * segment closed into a cycle of its own. Together the chains visit every
 * element once; each spans the whole footprint, so each sees the same TLB
 * and cache pressure. Changing N rewrites only the segment ends. */
#ifndef PW_MLPCHAIN_H
#define PW_MLPCHAIN_H

#include <stddef.h>
#include <stdint.h>

/* The most chains one thread advances. */
#define MLPCHAIN_MAX 32

struct mlpchain {
	uint32_t *perm;      /* element order (scratch mapping) */
	size_t perm_bytes;
	uint64_t nr_elems;
	uint64_t stride;     /* bytes between elements, a multiple of 8 */
};

/* The permutation of bytes/stride elements for seed; 0, or -1 with *why
 * (too few elements, more than 2^32, or no memory for the scratch). */
int mlpchain_init(struct mlpchain *m, uint64_t bytes, uint64_t stride, uint64_t seed,
		  char *why, size_t len);
void mlpchain_free(struct mlpchain *m);

/* Write every element's pointer into base as nr chains (1..MLPCHAIN_MAX,
 * at most nr_elems); heads[j] receives chain j's first element. */
void mlpchain_link(const struct mlpchain *m, char *base, unsigned nr, void **heads);
/* From nr_from chains already linked in base to nr_to: rewrites the 2
 * ends of each segment only. heads as in mlpchain_link. */
void mlpchain_relink(const struct mlpchain *m, char *base, unsigned nr_from, unsigned nr_to,
		     void **heads);

/* Walk the nr chains from heads over base[0..bytes): 0 when they are
 * disjoint cycles that together visit every element exactly once, each of
 * length within one of the others; else -1 with *why. */
int mlpchain_check(const char *base, uint64_t bytes, uint64_t stride, unsigned nr,
		   void *const *heads, const char **why);

#endif
