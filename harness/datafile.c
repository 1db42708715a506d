/* CSV rows and JSON documents. Rows go out in one write(2) each and are on
 * disk before the next point starts; JSON goes to a temp file renamed over
 * the old one, so a reader sees either the old or the new document. */
#include "datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int datafile_csv_open(struct datafile_csv *c, const char *path, const char *header)
{
	snprintf(c->path, sizeof(c->path), "%s", path);
	/* The run owns its directory: the file is new, and never a link. */
	c->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (c->fd < 0)
		return -1;
	if (write_all(c->fd, header, strlen(header)) || write_all(c->fd, "\n", 1)) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

int datafile_csv_row(struct datafile_csv *c, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	off_t off;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1) {
		errno = EOVERFLOW;
		return -1;
	}
	line[n++] = '\n';
	off = lseek(c->fd, 0, SEEK_END);
	if (write_all(c->fd, line, (size_t)n)) {
		int e = errno;

		/* Never leave half a row: cut back what a short write put out. */
		if (off >= 0 && ftruncate(c->fd, off) == 0)
			lseek(c->fd, off, SEEK_SET);
		errno = e;
		return -1;
	}
	return 0;
}

void datafile_csv_close(struct datafile_csv *c)
{
	if (c->fd >= 0) {
		fsync(c->fd);
		close(c->fd);
	}
	c->fd = -1;
}

void datafile_per_load_cell(char *buf, size_t len, double v)
{
	if (isnan(v))
		buf[0] = '\0';
	else
		snprintf(buf, len, "%.5f", v);
}

/* Write j into fd (taken over); -1 with errno when fd is not open. */
static int json_on(struct json *j, int fd)
{
	if (fd < 0)
		return -1;
	j->f = fdopen(fd, "w");
	if (!j->f) {
		close(fd);
		return -1;
	}
	j->first[0] = 1;
	return 0;
}

int json_begin(struct json *j, const char *path)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->path, sizeof(j->path), "%s", path);
	snprintf(j->tmp, sizeof(j->tmp), "%s.tmp.%d", path, (int)getpid());
	/* A fresh file, never one planted under the predictable name. */
	unlink(j->tmp);
	return json_on(j, open(j->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
}

int json_begin_in_place(struct json *j, const char *path)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->path, sizeof(j->path), "%s", path);
	return json_on(j, open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC));
}

void json_abort(struct json *j)
{
	if (j->f)
		fclose(j->f);
	j->f = NULL;
	unlink(j->tmp);
}

int json_commit(struct json *j)
{
	int err = 0;

	fputc('\n', j->f);
	if (fflush(j->f) || fsync(fileno(j->f)))
		err = errno;
	if (fclose(j->f) && !err)
		err = errno;
	j->f = NULL;
	if (!j->tmp[0]) { /* in place: nothing to rename */
		errno = err;
		return err ? -1 : 0;
	}
	if (!err && rename(j->tmp, j->path))
		err = errno;
	if (err) {
		unlink(j->tmp);
		errno = err;
		return -1;
	}
	return 0;
}

void datafile_json_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* Start a member: comma, newline, indent, key. */
static void lead(struct json *j, const char *key)
{
	if (j->depth > 0) {
		fputs(j->first[j->depth] ? "\n" : ",\n", j->f);
		j->first[j->depth] = 0;
	}
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
	if (key) {
		datafile_json_escape(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_nest(struct json *j, const char *key, char ch)
{
	lead(j, key);
	fputc(ch, j->f);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = 1;
}

static void close_nest(struct json *j, char ch)
{
	int empty = j->first[j->depth];

	j->depth--;
	if (!empty) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(ch, j->f);
}

void json_obj(struct json *j, const char *key)
{
	open_nest(j, key, '{');
}

void json_obj_end(struct json *j)
{
	close_nest(j, '}');
}

void json_arr(struct json *j, const char *key)
{
	open_nest(j, key, '[');
}

void json_arr_end(struct json *j)
{
	close_nest(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
	lead(j, key);
	if (val)
		datafile_json_escape(j->f, val);
	else
		fputs("null", j->f);
}

void json_num(struct json *j, const char *key, double val)
{
	lead(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.6g", val);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, const char *key, int64_t val)
{
	lead(j, key);
	fprintf(j->f, "%lld", (long long)val);
}

void json_int_or_null(struct json *j, const char *key, int64_t val)
{
	if (val < 0)
		json_null(j, key);
	else
		json_int(j, key, val);
}

void json_bool(struct json *j, const char *key, int val)
{
	lead(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	lead(j, key);
	fputs("null", j->f);
}

int datafile_mkdir_p(const char *dir)
{
	char buf[4096];
	struct stat st;
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -1;
	if (stat(buf, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return access(buf, W_OK | X_OK);
}
