/* harness/opts.c: size and count parsing, comma lists, size labels; and
 * measure_geometric (measure.h), the size sweep built from parsed options. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "measure.h"
#include "opts.h"
#include "file_util.h"
#include "datafile.h"

/* Parse s, expecting success; return the value. */
static uint64_t size_ok(const char *s)
{
	const char *why = NULL;
	uint64_t v = 0;

	cr_assert_eq(opt_parse_size(s, &v, &why), 0, "\"%s\" refused: %s", s,
		     why ? why : "(no reason)");
	return v;
}

/* Parse s, expecting refusal; return the reason, and check *out is kept. */
static const char *size_bad(const char *s)
{
	const char *why = NULL;
	uint64_t v = 12345;

	cr_assert_eq(opt_parse_size(s, &v, &why), -1, "\"%s\" accepted as %llu", s,
		     (unsigned long long)v);
	cr_assert_not_null(why, "\"%s\": refused without a reason", s);
	cr_assert_eq(v, 12345, "\"%s\": output written on failure", s);
	return why;
}

Test(opt_parse_size, plain_number_is_bytes)
{
	cr_assert_eq(size_ok("1"), 1);
	cr_assert_eq(size_ok("4096"), 4096);
	cr_assert_eq(size_ok("18446744073709551615"), UINT64_MAX);
}

Test(opt_parse_size, binary_suffixes)
{
	cr_assert_eq(size_ok("4K"), 4096ull);
	cr_assert_eq(size_ok("64M"), 64ull << 20);
	cr_assert_eq(size_ok("3G"), 3ull << 30);
	cr_assert_eq(size_ok("2T"), 2ull << 40);
}

Test(opt_parse_size, kib_and_kb_forms)
{
	cr_assert_eq(size_ok("4KiB"), 4096ull);
	cr_assert_eq(size_ok("4KB"), 4096ull);
	cr_assert_eq(size_ok("256MiB"), 256ull << 20);
	cr_assert_eq(size_ok("1GB"), 1ull << 30);
}

Test(opt_parse_size, lower_case_suffix)
{
	cr_assert_eq(size_ok("4k"), 4096ull);
	cr_assert_eq(size_ok("2m"), 2ull << 20);
	cr_assert_eq(size_ok("1g"), 1ull << 30);
	cr_assert_eq(size_ok("8kb"), 8192ull);
}

Test(opt_parse_size, largest_value_per_suffix_fits)
{
	/* (2^34 - 1) GiB = 2^64 - 2^30: the last G value below 2^64. */
	cr_assert_eq(size_ok("17179869183G"), UINT64_MAX - ((1ull << 30) - 1));
	cr_assert_eq(size_ok("16777215T"), (16777215ull) << 40);
}

Test(opt_parse_size, suffix_overflow_refused)
{
	/* 2^34 GiB = 2^64 bytes: one past the largest. */
	cr_assert_str_eq(size_bad("17179869184G"), "too large");
	cr_assert_str_eq(size_bad("16777216T"), "too large");
	cr_assert_str_eq(size_bad("18014398509481984K"), "too large");
}

Test(opt_parse_size, number_overflow_refused)
{
	cr_assert_str_eq(size_bad("99999999999999999999"), "too large");
	cr_assert_str_eq(size_bad("18446744073709551616"), "too large");
}

Test(opt_parse_size, zero_refused)
{
	cr_assert_str_eq(size_bad("0"), "zero");
	cr_assert_str_eq(size_bad("0K"), "zero");
	cr_assert_str_eq(size_bad("000"), "zero");
}

Test(opt_parse_size, negative_refused)
{
	cr_assert_str_eq(size_bad("-1"), "negative");
	cr_assert_str_eq(size_bad("-4K"), "negative");
}

Test(opt_parse_size, garbage_refused)
{
	size_bad("12x");
	size_bad("4KX");
	size_bad("4KiBx");
	size_bad("1.5G"); /* the mantissa is an integer */
	size_bad("x");
	size_bad(" 4K");
	size_bad("+4K");
	size_bad("4 K");
	size_bad("4B"); /* no plain byte suffix */
}

Test(opt_parse_size, empty_refused)
{
	cr_assert_str_eq(size_bad(""), "empty");
}

Test(opt_parse_u64, decimal_and_zero)
{
	const char *why = NULL;
	uint64_t v = 7;

	cr_assert_eq(opt_parse_u64("0", &v, &why), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(opt_parse_u64("42", &v, &why), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(opt_parse_u64("18446744073709551615", &v, &why), 0);
	cr_assert_eq(v, UINT64_MAX);
}

Test(opt_parse_u64, refuses_bad_input)
{
	static const char *const bad[] = {"",
					  "-1",
					  "12x",
					  "4K",
					  " 1",
					  "+1",
					  "1.0",
					  "18446744073709551616",
					  "99999999999999999999"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		uint64_t v = 99;

		cr_assert_eq(opt_parse_u64(bad[i], &v, &why), -1, "\"%s\" accepted", bad[i]);
		cr_assert_not_null(why, "\"%s\": no reason", bad[i]);
		cr_assert_eq(v, 99, "\"%s\": output written on failure", bad[i]);
	}
}

Test(opt_parse_u64, reasons_name_the_fault)
{
	const char *why = NULL;
	uint64_t v;

	opt_parse_u64("-1", &v, &why);
	cr_assert_str_eq(why, "negative");
	opt_parse_u64("99999999999999999999", &v, &why);
	cr_assert_str_eq(why, "too large");
	opt_parse_u64("", &v, &why);
	cr_assert_str_eq(why, "empty");
	opt_parse_u64("12x", &v, &why);
	cr_assert_str_eq(why, "trailing garbage");
}

#define W 8 /* item width for the list tests */

Test(opt_split_list, splits_items_in_order)
{
	char items[4][W];

	memset(items, 'Z', sizeof(items));
	cr_assert_eq(opt_split_list("4k,thp,seq", &items[0][0], W, 4), 3);
	cr_assert_str_eq(items[0], "4k");
	cr_assert_str_eq(items[1], "thp");
	cr_assert_str_eq(items[2], "seq");
	cr_assert_eq(items[3][0], 'Z', "wrote past the last item");
}

Test(opt_split_list, single_item)
{
	char items[2][W];

	cr_assert_eq(opt_split_list("rand", &items[0][0], W, 2), 1);
	cr_assert_str_eq(items[0], "rand");
}

Test(opt_split_list, empty_items_refused)
{
	char items[4][W];

	cr_assert_eq(opt_split_list("a,,b", &items[0][0], W, 4), -1);
	cr_assert_eq(opt_split_list("", &items[0][0], W, 4), -1);
	cr_assert_eq(opt_split_list(",a", &items[0][0], W, 4), -1);
	cr_assert_eq(opt_split_list("a,", &items[0][0], W, 4), -1);
	cr_assert_eq(opt_split_list(",", &items[0][0], W, 4), -1);
}

Test(opt_split_list, too_many_refused)
{
	char items[3][W];

	memset(items, 'Z', sizeof(items));
	cr_assert_eq(opt_split_list("a,b", &items[0][0], W, 2), 2, "exactly max is fine");
	cr_assert_eq(opt_split_list("a,b,c", &items[0][0], W, 2), -1);
	cr_assert_eq(items[2][0], 'Z', "wrote a third item into a 2-item array");
}

Test(opt_split_list, too_long_refused)
{
	char items[2][W];

	/* W - 1 characters fit with their terminator; W do not. */
	cr_assert_eq(opt_split_list("1234567", &items[0][0], W, 2), 1);
	cr_assert_str_eq(items[0], "1234567");
	cr_assert_eq(opt_split_list("12345678", &items[0][0], W, 2), -1);
	cr_assert_eq(opt_split_list("a,12345678", &items[0][0], W, 2), -1);
}

/* Format bytes and return the label. */
static const char *fmt(uint64_t bytes, char *buf)
{
	return opt_fmt_size(bytes, buf, 32);
}

Test(opt_fmt_size, exact_units)
{
	char b[32];

	cr_assert_str_eq(fmt(0, b), "0B");
	cr_assert_str_eq(fmt(512, b), "512B");
	cr_assert_str_eq(fmt(1023, b), "1023B");
	cr_assert_str_eq(fmt(1024, b), "1K");
	cr_assert_str_eq(fmt(4096, b), "4K");
	cr_assert_str_eq(fmt(64ull << 20, b), "64M");
	cr_assert_str_eq(fmt(4ull << 30, b), "4G");
	cr_assert_str_eq(fmt(1ull << 40, b), "1T");
	cr_assert_str_eq(fmt(2048ull << 40, b), "2048T", "T is the largest unit");
}

Test(opt_fmt_size, fractions)
{
	char b[32];

	cr_assert_str_eq(fmt(1536, b), "1.5K");
	cr_assert_str_eq(fmt(3ull << 29, b), "1.5G");
	cr_assert_str_eq(fmt(2621440, b), "2.5M");
}

Test(opt_fmt_size, returns_buf_and_truncates)
{
	char b[4];

	cr_assert_eq(opt_fmt_size(64ull << 20, b, sizeof(b)), b);
	cr_assert_str_eq(b, "64M");
	opt_fmt_size(1023, b, sizeof(b));
	cr_assert_str_eq(b, "102", "snprintf truncation within len");
}

/* A size label is plain digits, an optional fraction and one unit letter:
 * no exponent notation, whatever the size. */
Test(opt_fmt_size, never_exponent_notation)
{
	static const uint64_t sizes[] = {1000ull * 1024 + 512, 1023ull * 1024 + 1000, 1002ull << 20,
					 1048575};
	char b[32];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fmt(sizes[i], b);
		cr_expect_null(strchr(b, 'e'), "%llu bytes labelled \"%s\"",
			       (unsigned long long)sizes[i], b);
	}
}

#define MAXP 64

Test(measure_geometric, octaves_exact)
{
	uint64_t p[MAXP];
	int n = measure_geometric(4096, 65536, 1, 4096, p, MAXP);

	cr_assert_eq(n, 5);
	for (int i = 0; i < n; i++)
		cr_assert_eq(p[i], 4096ull << i, "point %d is %llu", i, (unsigned long long)p[i]);
}

Test(measure_geometric, count_with_four_per_octave)
{
	uint64_t p[MAXP];
	/* 4 points per octave over 4 octaves: 16 steps plus the start. */
	int n = measure_geometric(1ull << 20, 16ull << 20, 4, 4096, p, MAXP);

	cr_assert_eq(n, 17);
	cr_assert_eq(p[0], 1ull << 20);
	cr_assert_eq(p[4], 2ull << 20);
	cr_assert_eq(p[8], 4ull << 20);
	/* 2^20 * 2^(1/4) = 1246974.8, rounded down to 4096: 304 * 4096. */
	cr_assert_eq(p[1], 304ull * 4096);
}

Test(measure_geometric, monotonic_and_aligned)
{
	uint64_t p[MAXP];
	int n = measure_geometric(5000, 300ull << 20, 3, 64, p, MAXP);

	cr_assert_gt(n, 2);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(p[i] % 64, 0, "point %d = %llu not 64-aligned", i,
			     (unsigned long long)p[i]);
		if (i)
			cr_assert_gt(p[i], p[i - 1], "points %d and %d not increasing", i - 1, i);
	}
	cr_assert_eq(p[0], 4992, "lo rounded down to the alignment");
}

Test(measure_geometric, hi_included_last)
{
	uint64_t p[MAXP];
	int n = measure_geometric(4096, 100ull << 20, 2, 4096, p, MAXP);

	cr_assert_eq(p[n - 1], 100ull << 20);
	/* A hi off the series and off the alignment: rounded down, still last. */
	n = measure_geometric(4096, 100000, 1, 4096, p, MAXP);
	cr_assert_eq(n, 6);
	cr_assert_eq(p[4], 65536);
	cr_assert_eq(p[5], 98304);
}

Test(measure_geometric, hi_not_repeated_when_on_series)
{
	uint64_t p[MAXP];
	int n = measure_geometric(4096, 1ull << 20, 1, 4096, p, MAXP);

	cr_assert_eq(n, 9);
	cr_assert_eq(p[7], 512ull << 10);
	cr_assert_eq(p[8], 1ull << 20);
}

Test(measure_geometric, no_duplicates_when_rounding_collapses_points)
{
	uint64_t p[MAXP];
	/* 16 points per octave from 64 B with 64 B alignment: the first octave's
	 * 16 points all round to 64 and must appear once. */
	int n = measure_geometric(64, 4096, 16, 64, p, MAXP);

	cr_assert_eq(p[0], 64);
	cr_assert_eq(p[1], 128);
	for (int i = 1; i < n; i++)
		cr_assert_gt(p[i], p[i - 1], "duplicate or decreasing at %d", i);
	cr_assert_eq(p[n - 1], 4096);
}

Test(measure_geometric, below_alignment_clamped_up)
{
	uint64_t p[MAXP];
	int n = measure_geometric(1, 4096, 1, 64, p, MAXP);

	/* 1, 2, ..., 32 all become 64; then 64, 128, ..., 4096. */
	cr_assert_eq(n, 7);
	cr_assert_eq(p[0], 64);
	cr_assert_eq(p[6], 4096);
}

Test(measure_geometric, respects_max)
{
	uint64_t p[8];
	int n;

	p[3] = 0xdead;
	n = measure_geometric(4096, 1ull << 30, 1, 4096, p, 3);
	cr_assert_eq(n, 3);
	cr_assert_eq(p[3], 0xdead, "wrote past max");
}

/* meta.json records the effective value of every option in the table. */
Test(opt_json, every_option_by_kind)
{
	static int flag = 1;
	static const char *str = "4k,thp";
	static uint64_t size = 1 << 20, unset = UINT64_MAX;
	const struct opt_def defs[] = {
		{ "dry-run", OPT_FLAG, &flag, NULL, "" },
		{ "backing", OPT_STR, &str, "LIST", "" },
		{ "max", OPT_SIZE, &size, "SIZE", "" },
		{ "cpu", OPT_U64, &unset, "N", "" },
		{ NULL, 0, NULL, NULL, NULL },
	};
	char dir[] = "/tmp/pw-optjson-XXXXXX", path[64], buf[1024];
	struct json j;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.json", dir);
	cr_assert_eq(json_begin(&j, path), 0);
	json_obj(&j, NULL);
	opt_json(&j, defs);
	json_obj_end(&j);
	cr_assert_eq(json_commit(&j), 0);
	cr_assert_geq(slurp(path, buf, sizeof(buf)), 0, "cannot read %s", path);
	unlink(path);
	rmdir(dir);
	cr_expect(strstr(buf, "\"dry_run\": true") != NULL, "%s", buf);
	cr_expect(strstr(buf, "\"backing\": \"4k,thp\"") != NULL, "%s", buf);
	cr_expect(strstr(buf, "\"max\": 1048576") != NULL, "%s", buf);
	cr_expect(strstr(buf, "\"cpu\": null") != NULL, "%s", buf);
}

/* A parent table's rows parse, print and record as if written in place. */
static uint64_t parent_n = 7, child_n;
static int parent_flag;
static const struct opt_def parent_defs[] = {
	{ "pn", OPT_U64, &parent_n, "N", "a parent count" },
	{ "pflag", OPT_FLAG, &parent_flag, NULL, "a parent flag" },
	{ NULL, 0, NULL, NULL, NULL },
};
static const struct opt_def child_defs[] = {
	{ "cn", OPT_U64, &child_n, "N", "a child count" },
	OPT_PARENT_ROW(parent_defs),
	{ NULL, 0, NULL, NULL, NULL },
};

Test(opt_parse, parent_rows_parse_in_place)
{
	char *argv[] = { "prog", "--pn", "42", "--cn", "5", "--pflag", "operand", NULL };
	int first = opt_parse(7, argv, child_defs, "[options]", "test");

	cr_assert_eq(parent_n, 42);
	cr_assert_eq(child_n, 5);
	cr_assert_eq(parent_flag, 1);
	cr_assert_str_eq(argv[first], "operand");
}

/* --help exits: run it in a child and read what it printed. */
Test(opt_parse, parent_rows_in_help)
{
	char *argv[] = { "prog", "--help", NULL };
	char out[4096] = "";
	int fd[2], status;
	ssize_t got, n = 0;
	pid_t pid;

	cr_assert_eq(pipe(fd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(fd[1], 1);
		opt_parse(2, argv, child_defs, "[options]", "test");
		_exit(99);
	}
	close(fd[1]);
	while ((got = read(fd[0], out + n, sizeof(out) - 1 - (size_t)n)) > 0)
		n += got;
	close(fd[0]);
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "--help exits 0");
	cr_assert_not_null(strstr(out, "--cn N"), "%s", out);
	cr_assert_not_null(strstr(out, "--pn N"), "%s", out);
	cr_assert_not_null(strstr(out, "--pflag"), "%s", out);
	cr_assert_null(strstr(out, "(parent)"), "%s", out);
}

Test(opt_parse, unknown_parent_is_still_unknown, .exit_code = 2)
{
	char *argv[] = { "prog", "--(parent)", NULL };

	cr_redirect_stderr();
	opt_parse(2, argv, child_defs, "[options]", "test");
}
