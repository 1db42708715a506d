/* Disjoint random cycles: Fisher-Yates over the element numbers, segment j
 * of the order linked into cycle j. */
#include "mlpchain.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdio.h>

#include "chain.h"

int mlpchain_init(struct mlpchain *m, uint64_t bytes, uint64_t stride, uint64_t seed,
		  char *why, size_t len)
{
	uint64_t n = stride ? bytes / stride : 0, state = seed;
	void *p;

	memset(m, 0, sizeof(*m));
	if (n < MLPCHAIN_MAX || n > UINT32_MAX) {
		snprintf(why, len, "%llu elements of %llu bytes: want %d..2^32",
			 (unsigned long long)n, (unsigned long long)stride, MLPCHAIN_MAX);
		return -1;
	}
	p = mmap(NULL, n * sizeof(uint32_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(why, len, "no memory for the chains' order (%llu MiB)",
			 (unsigned long long)(n * sizeof(uint32_t) >> 20));
		return -1;
	}
	m->perm = p;
	m->perm_bytes = n * sizeof(uint32_t);
	m->nr_elems = n;
	m->stride = stride;
	for (uint64_t i = 0; i < n; i++)
		m->perm[i] = (uint32_t)i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = (uint64_t)(((unsigned __int128)chain_rand_next(&state) * (i + 1)) >> 64);
		uint32_t t = m->perm[i];

		m->perm[i] = m->perm[j];
		m->perm[j] = t;
	}
	return 0;
}

void mlpchain_free(struct mlpchain *m)
{
	if (m->perm)
		munmap(m->perm, m->perm_bytes);
	memset(m, 0, sizeof(*m));
}

static void **elem(const struct mlpchain *m, char *base, uint64_t k)
{
	return (void **)(base + (uint64_t)m->perm[k] * m->stride);
}

/* Segment j of nr starts at position seg_start(j) of the order. */
static uint64_t seg_start(const struct mlpchain *m, unsigned nr, unsigned j)
{
	return m->nr_elems * j / nr;
}

static void close_segments(const struct mlpchain *m, char *base, unsigned nr, void **heads)
{
	for (unsigned j = 0; j < nr; j++) {
		uint64_t first = seg_start(m, nr, j), last = seg_start(m, nr, j + 1) - 1;

		*elem(m, base, last) = elem(m, base, first);
		if (heads)
			heads[j] = elem(m, base, first);
	}
}

void mlpchain_link(const struct mlpchain *m, char *base, unsigned nr, void **heads)
{
	for (uint64_t k = 0; k + 1 < m->nr_elems; k++)
		*elem(m, base, k) = elem(m, base, k + 1);
	close_segments(m, base, nr, heads);
}

void mlpchain_relink(const struct mlpchain *m, char *base, unsigned nr_from, unsigned nr_to,
		     void **heads)
{
	/* Reopen the old ends into one cycle through the whole order... */
	for (unsigned j = 0; j < nr_from; j++) {
		uint64_t last = seg_start(m, nr_from, j + 1) - 1;

		*elem(m, base, last) = elem(m, base, (last + 1) % m->nr_elems);
	}
	/* ...and cut it at the new ones. */
	close_segments(m, base, nr_to, heads);
}

int mlpchain_check(const char *base, uint64_t bytes, uint64_t stride, unsigned nr,
		   void *const *heads, const char **why)
{
	uint64_t n = bytes / stride, total = 0, shortest = UINT64_MAX, longest = 0;
	uint8_t *seen = calloc((n + 7) / 8, 1);
	int rc = -1;

	if (!seen) {
		*why = "no memory for the check";
		return -1;
	}
	for (unsigned j = 0; j < nr; j++) {
		const char *p = heads[j];
		uint64_t len = 0;

		do {
			uint64_t off = (uint64_t)(p - base), i = off / stride;

			if (p < base || off >= n * stride || off % stride) {
				*why = "a pointer off the element grid";
				goto out;
			}
			if (seen[i / 8] & (1u << (i % 8))) {
				*why = "an element visited twice (chains overlap or a cycle misses its head)";
				goto out;
			}
			seen[i / 8] |= (uint8_t)(1u << (i % 8));
			len++;
			p = *(char *const *)p;
		} while (p != heads[j]);
		total += len;
		shortest = len < shortest ? len : shortest;
		longest = len > longest ? len : longest;
	}
	if (total != n) {
		*why = "the chains together miss elements";
		goto out;
	}
	if (longest > shortest + 1) {
		*why = "chains of unequal length";
		goto out;
	}
	rc = 0;
out:
	free(seen);
	return rc;
}
