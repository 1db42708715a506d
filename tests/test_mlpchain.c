/* harness/mlpchain.c and mlploop.c: N disjoint cycles that together visit
 * every element once, relinked from one N to another, and advanced in
 * lockstep exactly as walking each alone would. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "mlpchain.h"
#include "mlploop.h"

#define BYTES (1u << 16)
#define STRIDE 64u

static char *buffer(void)
{
	char *b = aligned_alloc(4096, BYTES);

	cr_assert_not_null(b);
	memset(b, 0, BYTES);
	return b;
}

Test(mlpchain, disjoint_cycles_cover_every_element)
{
	static const unsigned counts[] = { 1, 2, 3, 7, 16, 32 };
	struct mlpchain m;
	char why[200], *b = buffer();
	const char *bad = NULL;
	void *heads[MLPCHAIN_MAX];

	cr_assert_eq(mlpchain_init(&m, BYTES, STRIDE, 7, why, sizeof(why)), 0, "%s", why);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		mlpchain_link(&m, b, counts[i], heads);
		cr_expect_eq(mlpchain_check(b, BYTES, STRIDE, counts[i], heads, &bad), 0, "N=%u: %s",
			     counts[i], bad);
	}
	mlpchain_free(&m);
	free(b);
}

Test(mlpchain, relink_equals_a_fresh_link)
{
	static const unsigned seq[] = { 1, 4, 3, 32, 12, 1, 24 };
	struct mlpchain m;
	char why[200], *b = buffer(), *fresh = buffer();
	const char *bad = NULL;
	void *heads[MLPCHAIN_MAX], *fresh_heads[MLPCHAIN_MAX];

	cr_assert_eq(mlpchain_init(&m, BYTES, STRIDE, 3, why, sizeof(why)), 0, "%s", why);
	mlpchain_link(&m, b, seq[0], heads);
	for (size_t i = 1; i < sizeof(seq) / sizeof(seq[0]); i++) {
		mlpchain_relink(&m, b, seq[i - 1], seq[i], heads);
		cr_expect_eq(mlpchain_check(b, BYTES, STRIDE, seq[i], heads, &bad), 0, "%u -> %u: %s",
			     seq[i - 1], seq[i], bad);
		mlpchain_link(&m, fresh, seq[i], fresh_heads);
		for (uint64_t off = 0; off < BYTES; off += STRIDE)
			cr_assert_eq(*(char **)(b + off) - b, *(char **)(fresh + off) - fresh,
				     "%u -> %u: element at %llu", seq[i - 1], seq[i], (unsigned long long)off);
	}
	mlpchain_free(&m);
	free(b);
	free(fresh);
}

Test(mlpchain, check_catches_a_broken_chain)
{
	struct mlpchain m;
	char why[200], *b = buffer();
	const char *bad = NULL;
	void *heads[MLPCHAIN_MAX];

	cr_assert_eq(mlpchain_init(&m, BYTES, STRIDE, 1, why, sizeof(why)), 0, "%s", why);
	mlpchain_link(&m, b, 4, heads);
	*(void **)heads[1] = heads[0]; /* chain 1 jumps into chain 0 */
	cr_expect_eq(mlpchain_check(b, BYTES, STRIDE, 4, heads, &bad), -1);
	cr_expect_not_null(bad);
	mlpchain_free(&m);
	free(b);
}

Test(mlpchain, too_few_elements_refused)
{
	struct mlpchain m;
	char why[200] = "";

	cr_expect_eq(mlpchain_init(&m, 16 * STRIDE, STRIDE, 1, why, sizeof(why)), -1);
	cr_expect(strlen(why) > 0);
}

Test(mlpchain, run_advances_each_chain_as_alone)
{
	struct mlpchain m;
	char why[200], *b = buffer();
	void *heads[MLPCHAIN_MAX], *alone[MLPCHAIN_MAX];

	cr_assert_eq(mlpchain_init(&m, BYTES, STRIDE, 5, why, sizeof(why)), 0, "%s", why);
	for (unsigned n = 1; n <= MLPCHAIN_MAX; n++) {
		mlpchain_link(&m, b, n, heads);
		memcpy(alone, heads, sizeof(alone));
		cr_expect_eq(mlp_run(heads, n, 5), 5ull * MLP_STEPS * n);
		for (unsigned j = 0; j < n; j++) {
			for (int s = 0; s < 5 * MLP_STEPS; s++)
				alone[j] = *(void **)alone[j];
			cr_expect_eq(heads[j], alone[j], "N=%u chain %u", n, j);
		}
	}
	cr_expect_eq(mlp_run(heads, MLPCHAIN_MAX + 1, 1), 0, "more chains than supported: nothing run");
	mlpchain_free(&m);
	free(b);
}
