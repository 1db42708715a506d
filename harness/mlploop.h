/* The timed loop of bench/mlp: nr independent chains advanced in turn by
 * one thread, so up to nr loads can be in flight at once. */
#ifndef PW_MLPLOOP_H
#define PW_MLPLOOP_H

#include <stdint.h>

/* Steps every chain takes per loop trip. */
#define MLP_STEPS 4

/* Advance each of chains[0..nr) (1..MLPCHAIN_MAX) by trips * MLP_STEPS
 * steps; chains[] is moved on. Returns the loads done. */
uint64_t mlp_run(void **chains, unsigned nr, uint64_t trips);

#endif
