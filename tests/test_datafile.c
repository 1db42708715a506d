/* harness/datafile.c: whole CSV rows, the JSON writer's exact text, atomic
 * JSON replacement, and mkdir -p. Each test works in its own mkdtemp dir. */
#include <criterion/criterion.h>

#include <errno.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datafile.h"
#include "file_util.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pw-test-report.XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void)
{
	remove_tree(dir);
}

TestSuite(report, .init = make_dir, .fini = remove_dir);

/* dir/name into buf. */
static const char *in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* The whole file as a malloc'd string ("" when empty); NULL if absent. */
static char *slurp_whole(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	cr_assert_not_null(s);
	cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Entries in dir other than . and .. */
static int nr_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

Test(report, csv_header_and_rows)
{
	struct datafile_csv c;
	char path[128];
	char *text;

	cr_assert_eq(datafile_csv_open(&c, in_dir(path, sizeof(path), "a.csv"), "size,ns"), 0);
	cr_assert_eq(datafile_csv_row(&c, "%d,%.2f", 4096, 1.25), 0);
	cr_assert_eq(datafile_csv_row(&c, "%s,%s", "64M", "nan"), 0);
	datafile_csv_close(&c);
	cr_assert_eq(c.fd, -1);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "size,ns\n4096,1.25\n64M,nan\n");
	free(text);
}

Test(report, csv_rows_visible_before_close)
{
	struct datafile_csv c;
	char path[128];
	char *text;

	cr_assert_eq(datafile_csv_open(&c, in_dir(path, sizeof(path), "b.csv"), "h"), 0);
	cr_assert_eq(datafile_csv_row(&c, "1"), 0);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "h\n1\n", "a row must be on disk when row() returns");
	free(text);
	datafile_csv_close(&c);
}

/* A run's CSV is always a new file: an existing one (an earlier run's
 * rows) or a planted symlink is refused, never truncated or followed. */
Test(report, csv_open_never_reuses_or_follows)
{
	struct datafile_csv c;
	char path[128], link[160];
	char *text;

	spit(in_dir(path, sizeof(path), "c.csv"), "old,old\n1,2\n3,4\n");
	cr_assert_eq(datafile_csv_open(&c, path, "x"), -1);
	cr_assert_eq(errno, EEXIST);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "old,old\n1,2\n3,4\n", "the old rows were touched");
	free(text);
	snprintf(link, sizeof(link), "%s.link", path);
	cr_assert_eq(symlink(path, link), 0);
	cr_assert_eq(datafile_csv_open(&c, link, "x"), -1, "followed a symlink");
	text = slurp_whole(path);
	cr_assert_str_eq(text, "old,old\n1,2\n3,4\n", "written through the link");
	free(text);
	unlink(link);
}

/* The JSON temp file is created fresh: a link planted at its predictable
 * name is removed, not written through. */
Test(report, json_tmp_never_follows_a_planted_link)
{
	struct json j;
	char path[128], tmp[200], target[160];
	char *text;

	in_dir(path, sizeof(path), "m.json");
	snprintf(target, sizeof(target), "%s.victim", path);
	spit(target, "precious\n");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	cr_assert_eq(symlink(target, tmp), 0);
	cr_assert_eq(json_begin(&j, path), 0);
	json_obj(&j, NULL);
	json_int(&j, "a", 1);
	json_obj_end(&j);
	cr_assert_eq(json_commit(&j), 0);
	text = slurp_whole(target);
	cr_assert_str_eq(text, "precious\n", "written through the planted link");
	free(text);
	text = slurp_whole(path);
	cr_assert(strstr(text, "\"a\": 1"), "%s", text);
	free(text);
}

Test(report, csv_too_long_row_refused_whole)
{
	static char big[5000];
	struct datafile_csv c;
	char path[128];
	char *text;

	memset(big, 'x', sizeof(big) - 1);
	cr_assert_eq(datafile_csv_open(&c, in_dir(path, sizeof(path), "d.csv"), "h"), 0);
	cr_assert_eq(datafile_csv_row(&c, "first"), 0);
	errno = 0;
	cr_assert_eq(datafile_csv_row(&c, "%s", big), -1);
	cr_assert_eq(errno, EOVERFLOW);
	cr_assert_eq(datafile_csv_row(&c, "last"), 0);
	datafile_csv_close(&c);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "h\nfirst\nlast\n", "no part of the long row may be written");
	free(text);
}

Test(report, csv_long_but_fitting_row_written_whole)
{
	char row[1001];
	struct datafile_csv c;
	char path[128];
	char *text;

	memset(row, 'y', 1000);
	row[1000] = '\0';
	cr_assert_eq(datafile_csv_open(&c, in_dir(path, sizeof(path), "e.csv"), "h"), 0);
	cr_assert_eq(datafile_csv_row(&c, "%s", row), 0);
	datafile_csv_close(&c);
	text = slurp_whole(path);
	cr_assert_eq(strlen(text), 2 + 1000 + 1);
	cr_assert_eq(text[strlen(text) - 1], '\n');
	cr_assert_eq(strspn(text + 2, "y"), 1000);
	free(text);
}

Test(report, csv_open_fails_in_missing_dir)
{
	struct datafile_csv c;
	char path[128];

	errno = 0;
	cr_assert_eq(datafile_csv_open(&c, in_dir(path, sizeof(path), "no/such/x.csv"), "h"), -1);
	cr_assert_eq(errno, ENOENT);
}

Test(report, json_nested_exact_text)
{
	struct json j;
	char path[128];
	char *text;

	cr_assert_eq(json_begin(&j, in_dir(path, sizeof(path), "m.json")), 0);
	json_obj(&j, NULL);
	json_str(&j, "tool", "chase");
	json_int(&j, "seed", -42);
	json_arr(&j, "points");
	json_int(&j, NULL, 4096);
	json_obj(&j, NULL);
	json_num(&j, "ns", 1.5);
	json_bool(&j, "huge", 1);
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj(&j, "empty");
	json_obj_end(&j);
	json_arr(&j, "none");
	json_arr_end(&j);
	json_null(&j, "x");
	json_bool(&j, "ok", 0);
	json_obj_end(&j);
	cr_assert_eq(json_commit(&j), 0);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "{\n"
			       "  \"tool\": \"chase\",\n"
			       "  \"seed\": -42,\n"
			       "  \"points\": [\n"
			       "    4096,\n"
			       "    {\n"
			       "      \"ns\": 1.5,\n"
			       "      \"huge\": true\n"
			       "    }\n"
			       "  ],\n"
			       "  \"empty\": {},\n"
			       "  \"none\": [],\n"
			       "  \"x\": null,\n"
			       "  \"ok\": false\n"
			       "}\n");
	free(text);
}

Test(report, json_nan_and_inf_become_null)
{
	struct json j;
	char path[128];
	char *text;

	cr_assert_eq(json_begin(&j, in_dir(path, sizeof(path), "n.json")), 0);
	json_obj(&j, NULL);
	json_num(&j, "a", NAN);
	json_num(&j, "b", INFINITY);
	json_num(&j, "c", -INFINITY);
	json_num(&j, "d", 0.25);
	json_str(&j, "e", NULL);
	json_obj_end(&j);
	cr_assert_eq(json_commit(&j), 0);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "{\n  \"a\": null,\n  \"b\": null,\n  \"c\": null,\n"
			       "  \"d\": 0.25,\n  \"e\": null\n}\n");
	free(text);
}

/* datafile_json_escape's output for s. */
static char *escaped(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cr_assert_not_null(f);
	datafile_json_escape(f, s);
	fclose(f);
	return out;
}

Test(report, json_escapes)
{
	char *e;

	e = escaped("plain");
	cr_assert_str_eq(e, "\"plain\"");
	free(e);
	e = escaped("say \"hi\"");
	cr_assert_str_eq(e, "\"say \\\"hi\\\"\"");
	free(e);
	e = escaped("C:\\dir\\");
	cr_assert_str_eq(e, "\"C:\\\\dir\\\\\"");
	free(e);
	e = escaped("two\nlines");
	cr_assert_str_eq(e, "\"two\\nlines\"");
	free(e);
	e = escaped("tab\there\x01");
	cr_assert_str_eq(e, "\"tab\\u0009here\\u0001\"");
	free(e);
	e = escaped("caf\xc3\xa9");
	cr_assert_str_eq(e, "\"caf\xc3\xa9\"", "UTF-8 passes through");
	free(e);
}

Test(report, json_keys_escaped_too)
{
	struct json j;
	char path[128];
	char *text;

	cr_assert_eq(json_begin(&j, in_dir(path, sizeof(path), "k.json")), 0);
	json_obj(&j, NULL);
	json_str(&j, "a\"b", "c\nd");
	json_obj_end(&j);
	cr_assert_eq(json_commit(&j), 0);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "{\n  \"a\\\"b\": \"c\\nd\"\n}\n");
	free(text);
}

Test(report, json_old_file_intact_until_commit)
{
	struct json j;
	char path[128];
	char *text;

	spit(in_dir(path, sizeof(path), "meta.json"), "{\"old\": true}\n");
	cr_assert_eq(json_begin(&j, path), 0);
	json_obj(&j, NULL);
	json_str(&j, "new", "yes");
	json_obj_end(&j);
	fflush(j.f);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "{\"old\": true}\n", "old content replaced before commit");
	free(text);
	cr_assert(exists(j.tmp), "the temp file %s is missing while writing", j.tmp);
	cr_assert_eq(nr_entries(), 2);

	cr_assert_eq(json_commit(&j), 0);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "{\n  \"new\": \"yes\"\n}\n");
	free(text);
	cr_assert_not(exists(j.tmp), "the temp file %s outlives the commit", j.tmp);
	cr_assert_eq(nr_entries(), 1, "only the target is left");
}

Test(report, json_commit_keeps_inode_semantics_of_rename)
{
	struct json j;
	char path[128], line[32];
	struct stat before, after;
	FILE *reader;

	/* A reader holding the old file keeps reading the old text. */
	spit(in_dir(path, sizeof(path), "r.json"), "old\n");
	reader = fopen(path, "r");
	cr_assert_not_null(reader);
	cr_assert_eq(stat(path, &before), 0);
	cr_assert_eq(json_begin(&j, path), 0);
	json_int(&j, NULL, 7);
	cr_assert_eq(json_commit(&j), 0);
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_neq(before.st_ino, after.st_ino, "the target was rewritten in place");
	cr_assert_not_null(fgets(line, sizeof(line), reader));
	cr_assert_str_eq(line, "old\n");
	fclose(reader);
}

Test(report, json_abort_leaves_old_file)
{
	struct json j;
	char path[128];
	char *text;

	spit(in_dir(path, sizeof(path), "meta.json"), "keep me\n");
	cr_assert_eq(json_begin(&j, path), 0);
	json_obj(&j, NULL);
	json_str(&j, "half", "written");
	json_abort(&j);
	text = slurp_whole(path);
	cr_assert_str_eq(text, "keep me\n");
	free(text);
	cr_assert_not(exists(j.tmp), "json_abort left %s", j.tmp);
	cr_assert_eq(nr_entries(), 1);
}

Test(report, json_abort_without_old_file_leaves_nothing)
{
	struct json j;
	char path[128];

	cr_assert_eq(json_begin(&j, in_dir(path, sizeof(path), "fresh.json")), 0);
	json_obj(&j, NULL);
	json_abort(&j);
	cr_assert_not(exists(path));
	cr_assert_eq(nr_entries(), 0);
}

Test(report, json_begin_fails_in_missing_dir)
{
	struct json j;
	char path[128];

	cr_assert_eq(json_begin(&j, in_dir(path, sizeof(path), "nope/meta.json")), -1);
	cr_assert_null(j.f);
}

Test(report, mkdir_p_creates_nested)
{
	char path[128];
	struct stat st;

	cr_assert_eq(datafile_mkdir_p(in_dir(path, sizeof(path), "a/b/c/d")), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(datafile_mkdir_p(path), 0, "an existing directory is fine");
	cr_assert_eq(datafile_mkdir_p(in_dir(path, sizeof(path), "a/b/e/")), 0,
		     "a trailing slash is fine");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
}

Test(report, mkdir_p_fails_under_regular_file)
{
	char path[128];

	spit(in_dir(path, sizeof(path), "file"), "x");
	errno = 0;
	cr_assert_eq(datafile_mkdir_p(in_dir(path, sizeof(path), "file/sub")), -1);
	cr_assert_eq(errno, ENOTDIR);
	cr_assert_eq(datafile_mkdir_p(in_dir(path, sizeof(path), "file/sub/deeper")), -1);
}

/* The target itself a regular file: not a directory, whatever its mode
 * (root passes access(W_OK|X_OK) on any file with one x bit). */
Test(report, mkdir_p_fails_on_regular_file)
{
	char path[128];

	spit(in_dir(path, sizeof(path), "plain"), "x");
	cr_assert_eq(datafile_mkdir_p(path), -1, "a 0644 file accepted as a directory");
	cr_assert_eq(chmod(path, 0755), 0);
	cr_expect_eq(datafile_mkdir_p(path), -1, "a 0755 file accepted as a directory");
}

Test(report, mkdir_p_refuses_empty)
{
	cr_assert_eq(datafile_mkdir_p(""), -1);
}
