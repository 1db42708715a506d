/* The shared option table: getopt_long driven by data, --help generated from
 * the same rows, and strict parsing of sizes and counts. */
#ifndef PW_OPTS_H
#define PW_OPTS_H

#include <stddef.h>
#include <stdint.h>

enum opt_kind {
	OPT_FLAG,  /* int, set to 1 */
	OPT_SIZE,  /* uint64_t bytes, K/M/G/T suffixes, > 0 */
	OPT_U64,   /* uint64_t, decimal, 0 allowed */
	OPT_STR,   /* const char * */
	OPT_PARENT, /* dst is another table whose rows stand here */
};

struct opt_def {
	const char *name;  /* long name without the dashes */
	enum opt_kind kind;
	void *dst;         /* where the value goes */
	const char *arg;   /* placeholder shown in --help, e.g. "SIZE" */
	const char *help;  /* one line */
	uint64_t lo, hi;   /* OPT_U64: accepted range when hi > 0 */
};

/* A row that includes every row of another table (perf's OPT_PARENT). */
#define OPT_PARENT_ROW(table) { "(parent)", OPT_PARENT, (void *)(table), NULL, NULL, 0, 0 }

/* Parse argv by defs (terminated by a row with name NULL). --help prints
 * "usage: prog synopsis", the description and the table, then exits 0. Any
 * error exits 2 with one line. Returns the index of the first operand. */
int opt_parse(int argc, char **argv, const struct opt_def *defs,
	      const char *synopsis, const char *description);

/* Parse "64", "4K", "1.5G"-style sizes (binary units, integer mantissa).
 * Refuses empty, negative, garbage, zero and overflow; *why says which. */
int opt_parse_size(const char *s, uint64_t *out, const char **why);
/* Parse a plain decimal unsigned count. */
int opt_parse_u64(const char *s, uint64_t *out, const char **why);

/* Parse a comma list of sizes for option opt into out[max]: each a size
 * as above, a multiple of align and at least least, ascending. Exits 2
 * with one line naming opt on anything else. Returns the count. */
int opt_parse_sizes(const char *opt, const char *list, uint64_t align, uint64_t least,
		    uint64_t *out, int max);

/* Split a comma list into at most max items of at most width-1 chars. Returns
 * the count, or -1 (empty item, too many, too long). */
int opt_split_list(const char *s, char *items, size_t width, int max);

struct json;
/* Write every option's current value into an "options" object of meta.json,
 * keyed by its name ('-' as '_'): the effective settings, defaults filled. */
void opt_json(struct json *j, const struct opt_def *defs);

/* Format bytes as "4K", "64M", "1.5G" for labels. */
const char *opt_fmt_size(uint64_t bytes, char *buf, size_t len);

#endif
