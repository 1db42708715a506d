/* Reading sysfs/procfs settings. */
#include "knobs.h"

#include "opts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int knob_read_all(const char *path, char *buf, unsigned len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int knob_read(const char *path, char *buf, unsigned len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

void knob_parse_choice(const char *raw, char *buf, unsigned len)
{
	const char *l = strchr(raw, '['), *r = l ? strchr(l, ']') : NULL;

	if (l && r)
		snprintf(buf, len, "%.*s", (int)(r - l - 1), l + 1);
	else
		snprintf(buf, len, "%s", raw);
}

int knob_read_choice(const char *path, char *buf, unsigned len)
{
	char raw[256];

	if (knob_read(path, raw, sizeof(raw)))
		return -1;
	knob_parse_choice(raw, buf, len);
	return 0;
}

int knob_read_u64(const char *path, uint64_t *out)
{
	char buf[64];
	const char *why;

	if (knob_read(path, buf, sizeof(buf)))
		return -1;
	return opt_parse_u64(buf, out, &why);
}

static int cmp_pool(const void *a, const void *b)
{
	const struct knob_pool *x = a, *y = b;

	return (x->page_kb > y->page_kb) - (x->page_kb < y->page_kb);
}

int knob_pools(struct knob_pool *out, int max)
{
	DIR *d = opendir(KNOB_HUGEPAGES_DIR);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		struct knob_pool *p = &out[n];
		char path[512];
		unsigned long long kb;

		if (sscanf(e->d_name, "hugepages-%llukB", &kb) != 1)
			continue;
		memset(p, 0, sizeof(*p));
		p->page_kb = kb;
#define POOL_FIELD(field, file)                                                          \
	snprintf(path, sizeof(path), KNOB_HUGEPAGES_DIR "/%s/" file, e->d_name);         \
	knob_read_u64(path, &p->field)
		POOL_FIELD(nr, "nr_hugepages");
		POOL_FIELD(free, "free_hugepages");
		POOL_FIELD(resv, "resv_hugepages");
		POOL_FIELD(surplus, "surplus_hugepages");
#undef POOL_FIELD
		n++;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), cmp_pool);
	return n;
}

static int cmp_mthp(const void *a, const void *b)
{
	const struct knob_mthp *x = a, *y = b;

	return (x->page_kb > y->page_kb) - (x->page_kb < y->page_kb);
}

int knob_mthp(struct knob_mthp *out, int max)
{
	DIR *d = opendir(KNOB_THP_DIR);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[512];
		unsigned long long kb;

		if (sscanf(e->d_name, "hugepages-%llukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), KNOB_THP_DIR "/%s/enabled", e->d_name);
		out[n].page_kb = kb;
		/* Some sizes exist only for shmem/file THP: no anon control. */
		if (knob_read_choice(path, out[n].enabled, sizeof(out[n].enabled)) == 0)
			n++;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), cmp_mthp);
	return n;
}

#define KNOB_MAX_CHANGES 32

static struct knob_change changes[KNOB_MAX_CHANGES];
static int nr_changes;

static int write_value(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -1;
	if (fputs(value, f) < 0)
		rc = -1;
	if (fclose(f))
		rc = -1;
	return rc;
}

int knob_set(const char *path, const char *value, char *why, unsigned len)
{
	struct knob_change *c = NULL;

	for (int i = 0; i < nr_changes; i++)
		if (!strcmp(changes[i].path, path))
			c = &changes[i];
	if (!c) {
		if (nr_changes == KNOB_MAX_CHANGES) {
			snprintf(why, len, "too many settings changed");
			return -1;
		}
		c = &changes[nr_changes];
		memset(c, 0, sizeof(*c));
		snprintf(c->path, sizeof(c->path), "%s", path);
		/* A choice list ("always [madvise] never") is saved as its
		 * selected word: that is what writing it back takes. */
		if (knob_read_choice(path, c->before, sizeof(c->before))) {
			snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
			return -1;
		}
		nr_changes++; /* saved before the first write */
	}
	snprintf(c->set, sizeof(c->set), "%s", value);
	c->restored = 0;
	if (write_value(path, value)) {
		snprintf(why, len, "cannot write %s: %s", path, strerror(errno));
			knob_read_choice(path, c->after, sizeof(c->after));
		return -1;
	}
	knob_read_choice(path, c->after, sizeof(c->after));
	return 0;
}

void knob_restore_all(void)
{
	for (int i = nr_changes - 1; i >= 0; i--) {
		struct knob_change *c = &changes[i];
		char now[64];

		if (c->restored)
			continue;
		if (write_value(c->path, c->before) == 0 &&
		    knob_read_choice(c->path, now, sizeof(now)) == 0 && !strcmp(now, c->before))
			c->restored = 1;
		else
			fprintf(stderr, "warning: could not restore %s to %s: %s\n", c->path,
				c->before, strerror(errno));
	}
}

int knob_changes(const struct knob_change **out)
{
	*out = changes;
	return nr_changes;
}

static void pool_path(char *buf, unsigned len, uint64_t page_kb, const char *file)
{
	snprintf(buf, len, KNOB_HUGEPAGES_DIR "/hugepages-%llukB/%s",
		 (unsigned long long)page_kb, file);
}

long knob_pool_available(uint64_t page_kb)
{
	char path[256];
	uint64_t free_pages, resv;

	pool_path(path, sizeof(path), page_kb, "free_hugepages");
	if (knob_read_u64(path, &free_pages))
		return -1;
	pool_path(path, sizeof(path), page_kb, "resv_hugepages");
	if (knob_read_u64(path, &resv))
		return -1;
	return free_pages > resv ? (long)(free_pages - resv) : 0;
}

long knob_pool_reserve(uint64_t page_kb, uint64_t nr, char *why, unsigned len)
{
	char path[256], value[32];
	long avail = knob_pool_available(page_kb);
	uint64_t total;

	if (avail < 0) {
		snprintf(why, len, "no %llu kB hugetlb pool on this kernel",
			 (unsigned long long)page_kb);
		return -1;
	}
	if ((uint64_t)avail >= nr)
		return avail;
	pool_path(path, sizeof(path), page_kb, "nr_hugepages");
	if (knob_read_u64(path, &total)) {
		snprintf(why, len, "cannot read %s", path);
		return -1;
	}
	/* The kernel may grant fewer than asked: the caller reads back. */
	snprintf(value, sizeof(value), "%llu", (unsigned long long)(total + nr - (uint64_t)avail));
	if (knob_set(path, value, why, len))
		return -1;
	return knob_pool_available(page_kb);
}
