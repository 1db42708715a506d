/* One function per chain count, so the chains live in registers (up to
 * what the ISA has) and the compiler cannot batch or reorder across trips;
 * each load is pinned to a register by an empty asm, which also keeps the
 * loop scalar (no gathers). */
#include "mlploop.h"

#include "chaseloop.h"
#include "mlpchain.h"

#define STEP(q, i) do { (q)[i] = *(void *const *)(q)[i]; __asm__ volatile("" : "+r"((q)[i])); } while (0)

#define MLP_FN(n)                                                                   \
	static __attribute__((noinline)) void mlp_run_##n(void **chains, uint64_t trips)                    \
	{                                                                           \
		void *q[n];                                                         \
		_Pragma("GCC unroll 32")                                            \
		for (int i = 0; i < (n); i++)                                       \
			q[i] = chains[i];                                           \
		while (trips--) {                                                   \
			_Pragma("GCC unroll 4")                                     \
			for (int s = 0; s < MLP_STEPS; s++) {                       \
				_Pragma("GCC unroll 32")                            \
				for (int i = 0; i < (n); i++)                       \
					STEP(q, i);                                 \
			}                                                           \
		}                                                                   \
		_Pragma("GCC unroll 32")                                            \
		for (int i = 0; i < (n); i++)                                       \
			chains[i] = q[i];                                           \
	}

#define MLP_COUNTS(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) \
	X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24)      \
	X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32)

MLP_COUNTS(MLP_FN)

#define MLP_CASE(n) case n: mlp_run_##n(chains, trips); break;

uint64_t mlp_run(void **chains, unsigned nr, uint64_t trips)
{
	switch (nr) {
	MLP_COUNTS(MLP_CASE)
	default:
		return 0;
	}
	chase_sink = chains[0];
	return trips * MLP_STEPS * nr;
}
