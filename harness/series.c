/* What chase sweeps: a list of chain specs, from --pattern x --stride (x
 * --stagger) or from an explicit --series PATTERN:STRIDE[:stagger] list. */
#include "series.h"

#include "die.h"
#include "opts.h"

#include <string.h>

#define ITEM_MAX 48

/* Add one series; die on a stride that cannot hold pointers. */
static void add(struct chain_spec *out, int *n, int max, enum chain_pattern pat,
		const char *stride, int stagger, uint64_t seed)
{
	struct chain_spec *c;
	const char *why;

	if (*n == max)
		die_usage("--series: more than %d pattern and stride pairs", max);
	c = &out[(*n)++];
	memset(c, 0, sizeof(*c));
	if (opt_parse_size(stride, &c->stride_bytes, &why))
		die_usage("--stride '%s': %s; want a multiple of 8 such as 64 or 4K", stride, why);
	if (c->stride_bytes % 8)
		die_usage("--stride '%s': not a multiple of 8 (a pointer)", stride);
	c->pattern = pat;
	c->stagger = stagger;
	c->seed = seed;
	for (int i = 0; i < *n - 1; i++)
		if (out[i].pattern == pat && out[i].stride_bytes == c->stride_bytes &&
		    out[i].stagger == stagger)
			die_usage("--series: %s stride %s%s given twice", chain_pattern_name(pat), stride,
				  stagger ? " staggered" : "");
}

static int parse_cross(const char *patterns, const char *strides, int stagger, uint64_t seed,
		       struct chain_spec *out, int max)
{
	char pats[SERIES_MAX_ITEMS][ITEM_MAX], sts[SERIES_MAX_ITEMS][ITEM_MAX];
	int np = opt_split_list(patterns, pats[0], ITEM_MAX, SERIES_MAX_ITEMS);
	int ns = opt_split_list(strides, sts[0], ITEM_MAX, SERIES_MAX_ITEMS);
	int n = 0;

	if (np < 0)
		die_usage("--pattern '%s': want a comma list of rand, seq (at most %d)", patterns,
			  SERIES_MAX_ITEMS);
	if (ns < 0)
		die_usage("--stride '%s': want a comma list of at most %d sizes such as 64,4096",
			  strides, SERIES_MAX_ITEMS);
	for (int p = 0; p < np; p++) {
		enum chain_pattern pat;

		if (chain_pattern_parse(pats[p], &pat))
			die_usage("--pattern: unknown pattern '%s' (known: rand, seq)", pats[p]);
		for (int i = 0; i < ns; i++)
			add(out, &n, max, pat, sts[i], stagger, seed);
	}
	return n;
}

static int parse_list(const char *series, uint64_t seed, struct chain_spec *out, int max)
{
	char items[SERIES_MAX_ITEMS][ITEM_MAX];
	int nr = opt_split_list(series, items[0], ITEM_MAX, SERIES_MAX_ITEMS), n = 0;

	if (nr < 0)
		die_usage("--series '%s': want at most %d items PATTERN:STRIDE[:stagger],... such as "
			  "rand:64,rand:4K:stagger",
			  series, SERIES_MAX_ITEMS);
	for (int i = 0; i < nr; i++) {
		char *pat = items[i], *stride = strchr(pat, ':'), *flag;
		enum chain_pattern p;

		if (!stride)
			die_usage("--series item '%s': want PATTERN:STRIDE[:stagger]", items[i]);
		*stride++ = '\0';
		flag = strchr(stride, ':');
		if (flag)
			*flag++ = '\0';
		if (chain_pattern_parse(pat, &p))
			die_usage("--series: unknown pattern '%s' (known: rand, seq)", pat);
		if (flag && strcmp(flag, "stagger"))
			die_usage("--series: unknown flag '%s' (known: stagger)", flag);
		add(out, &n, max, p, stride, flag != NULL, seed);
	}
	return n;
}

int series_parse(const char *series, const char *patterns, const char *strides, int stagger,
		 uint64_t seed, struct chain_spec *out, int max)
{
	if (series)
		return parse_list(series, seed, out, max);
	return parse_cross(patterns, strides, stagger, seed, out, max);
}
