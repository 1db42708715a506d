/* Command-line parsing shared by every bench: one table per program gives
 * getopt_long its options and --help its text. */
#include "opts.h"

#include "die.h"
#include "datafile.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse the leading decimal digits of s into *v; *end after them. Refuses
 * what strtoull would wrongly take: leading spaces, signs. */
static int parse_digits(const char *s, unsigned long long *v, char **end, const char **why)
{
	if (!s || !*s) {
		*why = "empty";
		return -1;
	}
	if (!isdigit((unsigned char)s[0])) {
		*why = s[0] == '-' ? "negative" : "not a number";
		return -1;
	}
	errno = 0;
	*v = strtoull(s, end, 10);
	if (errno == ERANGE) {
		*why = "too large";
		return -1;
	}
	return 0;
}

int opt_parse_u64(const char *s, uint64_t *out, const char **why)
{
	unsigned long long v;
	char *end;

	if (parse_digits(s, &v, &end, why))
		return -1;
	if (*end) {
		*why = "trailing garbage";
		return -1;
	}
	*out = v;
	return 0;
}

int opt_parse_size(const char *s, uint64_t *out, const char **why)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	unsigned shift = 0;
	char *end;

	if (parse_digits(s, &v, &end, why))
		return -1;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u) {
			*why = "unknown suffix (use K, M, G or T)";
			return -1;
		}
		shift = 10 * (unsigned)(u - units + 1);
		end++;
		/* Accept "KiB" and "KB" as well as "K". */
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end) {
			*why = "trailing garbage";
			return -1;
		}
	}
	if (v == 0) {
		*why = "zero";
		return -1;
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		*why = "too large";
		return -1;
	}
	*out = (uint64_t)v << shift;
	return 0;
}

int opt_split_list(const char *s, char *items, size_t width, int max)
{
	int n = 0;

	if (!*s)
		return -1;
	for (;;) {
		size_t len = strcspn(s, ",");

		if (len == 0 || len >= width || n == max)
			return -1;
		memcpy(items + (size_t)n * width, s, len);
		items[(size_t)n * width + len] = '\0';
		n++;
		if (!s[len])
			return n;
		s += len + 1;
	}
}

const char *opt_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGT";
	unsigned i = 0;
	double v = (double)bytes;
	char num[32];
	size_t n;

	while (v >= 1024 && i < sizeof(units) - 2) {
		v /= 1024;
		i++;
	}
	/* Fixed point, trailing zeros dropped: %g would print 1e+03 just
	 * below the next unit. */
	snprintf(num, sizeof(num), "%.*f", i == 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0, v);
	n = strlen(num);
	if (strchr(num, '.')) {
		while (num[n - 1] == '0')
			num[--n] = '\0';
		if (num[n - 1] == '.')
			num[--n] = '\0';
	}
	snprintf(buf, len, "%s%c", num, units[i]);
	return buf;
}

#define MAX_ROWS 62

/* The rows of defs, each OPT_PARENT row replaced by its table's rows, from
 * out[n] on; returns the new count. */
static int flatten(const struct opt_def *defs, const struct opt_def **out, int n)
{
	for (const struct opt_def *d = defs; d->name; d++) {
		if (d->kind == OPT_PARENT) {
			n = flatten(d->dst, out, n);
			continue;
		}
		if (n >= MAX_ROWS)
			die("option table too long");
		out[n++] = d;
	}
	return n;
}

void opt_json(struct json *j, const struct opt_def *defs)
{
	const struct opt_def *rows[MAX_ROWS];
	int nr = flatten(defs, rows, 0);

	json_obj(j, "options");
	for (int i = 0; i < nr; i++) {
		const struct opt_def *d = rows[i];
		char key[64];
		uint64_t v;

		snprintf(key, sizeof(key), "%s", d->name);
		for (char *c = key; *c; c++)
			if (*c == '-')
				*c = '_';
		switch (d->kind) {
		case OPT_FLAG:
			json_bool(j, key, *(const int *)d->dst);
			break;
		case OPT_STR:
			json_str(j, key, *(const char *const *)d->dst);
			break;
		case OPT_SIZE:
		case OPT_U64:
			v = *(const uint64_t *)d->dst;
			if (v > INT64_MAX)
				json_null(j, key); /* "unset" sentinels */
			else
				json_int(j, key, (int64_t)v);
			break;
		case OPT_PARENT:
			break;
		}
	}
	json_obj_end(j);
}

static void print_help(const char *prog, const struct opt_def *const *rows, int nr,
		       const char *synopsis, const char *description)
{
	printf("usage: %s %s\n\n%s\n\noptions:\n", prog, synopsis, description);
	for (int i = 0; i < nr; i++) {
		const struct opt_def *d = rows[i];
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", d->name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
		printf("  %-26s %s\n", left, d->help);
	}
	printf("  %-26s %s\n", "--help", "show this help and exit");
}

int opt_parse(int argc, char **argv, const struct opt_def *defs,
	      const char *synopsis, const char *description)
{
	const struct opt_def *rows[MAX_ROWS];
	struct option lopts[MAX_ROWS + 2];
	unsigned char seen[MAX_ROWS] = { 0 };
	const char *why;
	int n = flatten(defs, rows, 0);

	for (int i = 0; i < n; i++)
		lopts[i] = (struct option){ rows[i]->name,
					    rows[i]->kind == OPT_FLAG ? no_argument : required_argument,
					    NULL, i };
	lopts[n] = (struct option){ "help", no_argument, NULL, n };
	lopts[n + 1] = (struct option){ 0 };

	opterr = 0;
	optind = 1;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, ":", lopts, &idx);
		const struct opt_def *d;

		if (c == -1)
			break;
		if (c == ':')
			die_usage("%s: option needs a value (see --help)", argv[optind - 1]);
		if (c == '?')
			die_usage("unknown option '%s' (see --help)", argv[optind - 1]);
		if (c == n) {
			print_help(die_prog(), rows, n, synopsis, description);
			exit(0);
		}
		d = rows[c];
		/* Twice is a mistake, not "the last one wins". */
		if (seen[c]++)
			die_usage("--%s given twice", d->name);
		switch (d->kind) {
		case OPT_FLAG:
			*(int *)d->dst = 1;
			break;
		case OPT_STR:
			/* No option of pagewalk's means anything when empty: "--out="
			 * must not fall back to the default directory. */
			if (!optarg[0])
				die_usage("--%s: empty value; want %s", d->name, d->arg ? d->arg : "a value");
			*(const char **)d->dst = optarg;
			break;
		case OPT_SIZE:
			if (opt_parse_size(optarg, d->dst, &why))
				die_usage("--%s '%s': %s; want a size > 0 such as 4096, 64K, 256M, 4G",
					  d->name, optarg, why);
			break;
		case OPT_U64:
			if (opt_parse_u64(optarg, d->dst, &why))
				die_usage("--%s '%s': %s; want a whole number", d->name,
					  optarg, why);
			if (d->hi && (*(uint64_t *)d->dst < d->lo || *(uint64_t *)d->dst > d->hi))
				die_usage("--%s %s: want %llu..%llu", d->name, optarg,
					  (unsigned long long)d->lo, (unsigned long long)d->hi);
			break;
		case OPT_PARENT:
			break;
		}
	}
	return optind;
}

int opt_parse_sizes(const char *opt, const char *list, uint64_t align, uint64_t least,
		    uint64_t *out, int max)
{
	char items[16][32];
	int n = max > 16 ? -1 : opt_split_list(list, items[0], sizeof(items[0]), max);

	if (n < 0)
		die_usage("--%s '%s': want a comma list of at most %d sizes", opt, list, max);
	for (int i = 0; i < n; i++) {
		const char *why;

		if (opt_parse_size(items[i], &out[i], &why))
			die_usage("--%s: '%s': %s", opt, items[i], why);
		if (out[i] % align || out[i] < least)
			die_usage("--%s: '%s' must be a multiple of %llu bytes, at least %llu", opt, items[i],
				  (unsigned long long)align, (unsigned long long)least);
		if (i > 0 && out[i] <= out[i - 1])
			die_usage("--%s: '%s' must be larger than the size before it", opt, items[i]);
	}
	return n;
}
