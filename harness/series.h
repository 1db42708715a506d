/* What chase sweeps: pattern x stride, or an explicit series list. */
#ifndef PW_SERIES_H
#define PW_SERIES_H

#include <stdint.h>

#include "chain.h"

#define SERIES_MAX_ITEMS 8 /* items per comma list */

/* Fill out[0..max) from --series (when not NULL) or from --pattern x
 * --stride with --stagger; every spec gets seed. Exits 2 with one line on
 * bad input. Returns the count. */
int series_parse(const char *series, const char *patterns, const char *strides, int stagger,
		 uint64_t seed, struct chain_spec *out, int max);

#endif
