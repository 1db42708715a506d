/* Outputs: CSV rows written whole and flushed as they are made, and JSON
 * documents rewritten atomically (temp file + rename). */
#ifndef PW_DATAFILE_H
#define PW_DATAFILE_H

#include <stdint.h>
#include <stdio.h>

struct datafile_csv {
	int fd;
	char path[4096];
};

/* Create path (it must not exist: O_EXCL, never through a symlink) and
 * write the header line. -1 with errno. */
int datafile_csv_open(struct datafile_csv *c, const char *path, const char *header);
/* Append one row: formatted whole, then one write(2), so a reader or an
 * interruption never sees half a row. A trailing newline is added. -1 with
 * errno (EOVERFLOW: the row is longer than 2 KiB; a failed or short write is
 * cut back, so the file still ends with a whole row). */
__attribute__((format(printf, 2, 3))) int datafile_csv_row(struct datafile_csv *c,
							 const char *fmt, ...);
void datafile_csv_close(struct datafile_csv *c);
/* A CSV cell for an events-per-load value: empty when v is NaN (not
 * counted), never "nan". */
void datafile_per_load_cell(char *buf, size_t len, double v);

/* A pretty-printing JSON writer: one value per line, so line tools can read
 * the scalars too. */
struct json {
	FILE *f;
	int depth;
	int first[32];
	char tmp[4096];
	char path[4096];
};

/* Start writing path atomically (into path.tmp); -1 with errno. */
int json_begin(struct json *j, const char *path);
/* Finish: flush, fsync, rename over path. -1 with errno. */
int json_commit(struct json *j);
/* Rewrite an existing path in place (truncated, not replaced): for when the
 * disk is too full for json_begin's temporary file. Not atomic. */
int json_begin_in_place(struct json *j, const char *path);
void json_abort(struct json *j);

/* key is NULL for array members. */
void json_obj(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_num(struct json *j, const char *key, double val);   /* NaN -> null */
void json_int(struct json *j, const char *key, int64_t val);
void json_bool(struct json *j, const char *key, int val);
/* An int, or null when negative (pagewalk's "unknown"). */
void json_int_or_null(struct json *j, const char *key, int64_t val);
void json_null(struct json *j, const char *key);

/* Write s as a CSV/JSON-safe string: quotes and controls escaped. */
void datafile_json_escape(FILE *f, const char *s);

/* Create dir (and parents) if needed; 0 when it exists and is writable. */
int datafile_mkdir_p(const char *dir);

#endif
