/* Multi-size THP: sizes, one size at a time, verification, counters. */
#include "mthp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knobs.h"

#define PAGE 4096ull
#define PMD_KB 2048u
#define KPF_COMPOUND_HEAD (1ull << 15)
#define KPF_COMPOUND_TAIL (1ull << 16)
#define KPF_HUGE (1ull << 17)
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

const char *mthp_root = KNOB_THP_DIR;

static void size_path(char *buf, size_t len, unsigned kb, const char *file)
{
	snprintf(buf, len, "%s/hugepages-%ukB/%s", mthp_root, kb, file);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* Every size with an anonymous control, the PMD size included. */
static int all_sizes(unsigned *kb, int max)
{
	int n = 0;

	for (unsigned k = 8; k <= PMD_KB && n < max; k *= 2) {
		char path[512];

		size_path(path, sizeof(path), k, "enabled");
		if (access(path, F_OK) == 0)
			kb[n++] = k;
	}
	qsort(kb, (size_t)n, sizeof(*kb), cmp_uint);
	return n;
}

int mthp_sizes(unsigned *kb, int max)
{
	unsigned all[MTHP_MAX_SIZES + 1];
	int n = all_sizes(all, MTHP_MAX_SIZES + 1), m = 0;

	for (int i = 0; i < n && m < max; i++)
		if (all[i] < PMD_KB)
			kb[m++] = all[i];
	return m;
}

int mthp_usable(unsigned folio_kb, char *why, size_t len)
{
	unsigned kb[MTHP_MAX_SIZES];
	char path[512];
	int n = mthp_sizes(kb, MTHP_MAX_SIZES), found = 0;

	for (int i = 0; i < n; i++)
		found |= kb[i] == folio_kb;
	if (n == 0) {
		snprintf(why, len, "this kernel has no multi-size THP (no %s/hugepages-<size>kB/enabled; Linux 6.8 or later has them)",
			 mthp_root);
		return -1;
	}
	if (!found) {
		snprintf(why, len, "this kernel offers no %u kB anonymous folios (no %s/hugepages-%ukB/enabled)",
			 folio_kb, mthp_root, folio_kb);
		return -1;
	}
	size_path(path, sizeof(path), folio_kb, "enabled");
	if (access(path, W_OK)) {
		snprintf(why, len, "choosing the folio size means writing %s and the other sizes' controls "
			 "(restored at exit): run as root", path);
		return -1;
	}
	return 0;
}

int mthp_scope_begin(struct mthp_scope *s, unsigned folio_kb, char *why, size_t len)
{
	unsigned kb[MTHP_MAX_SIZES + 1];
	int n = all_sizes(kb, MTHP_MAX_SIZES + 1);

	s->n = 0;
	for (int i = 0; i < n; i++) {
		char path[512];

		size_path(path, sizeof(path), kb[i], "enabled");
		s->kb[s->n] = kb[i];
		if (knob_read_choice(path, s->was[s->n], sizeof(s->was[0]))) {
			snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
			mthp_scope_end(s);
			return -1;
		}
		s->n++;
		if (knob_set(path, kb[i] == folio_kb ? "madvise" : "never", why, (unsigned)len)) {
			mthp_scope_end(s);
			return -1;
		}
	}
	return 0;
}

void mthp_scope_end(struct mthp_scope *s)
{
	char why[200];

	for (int i = s->n - 1; i >= 0; i--) {
		char path[512];

		size_path(path, sizeof(path), s->kb[i], "enabled");
		if (knob_set(path, s->was[i], why, sizeof(why)))
			fprintf(stderr, "warning: %s\n", why);
	}
	s->n = 0;
}

int mthp_parse_count(const char *text, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!text || text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	x = strtoull(text, &end, 10);
	if (errno || (*end != '\n' && *end != '\0') || (*end == '\n' && end[1] != '\0'))
		return -1;
	*v = x;
	return 0;
}

int mthp_stats_read(unsigned folio_kb, struct mthp_stats *st)
{
	static const char *const files[2] = { "stats/anon_fault_alloc", "stats/anon_fault_fallback" };
	uint64_t *out[2] = { &st->alloc, &st->fallback };

	for (int i = 0; i < 2; i++) {
		char path[512], text[64];

		size_path(path, sizeof(path), folio_kb, files[i]);
		if (knob_read_all(path, text, sizeof(text)) || mthp_parse_count(text, out[i]))
			return -1;
	}
	return 0;
}

int mthp_is_folio(const uint64_t *flags, uint64_t n)
{
	if (!(flags[0] & KPF_COMPOUND_HEAD) || (flags[0] & KPF_HUGE))
		return 0;
	for (uint64_t i = 1; i < n; i++)
		if (!(flags[i] & KPF_COMPOUND_TAIL))
			return 0;
	return !(flags[n] & KPF_COMPOUND_TAIL);
}

int mthp_verify(const void *base, uint64_t bytes, unsigned folio_kb, uint8_t *map, double *share)
{
	uint64_t per = (uint64_t)folio_kb * 1024 / PAGE, nr = bytes / (per * PAGE), good = 0;
	uint64_t *pm = malloc(per * sizeof(*pm)), *fl = malloc((per + 1) * sizeof(*fl));
	int fd_pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int fd_kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC), rc = -1;

	if (geteuid() != 0 || !pm || !fl || fd_pm < 0 || fd_kf < 0 || nr == 0)
		goto out;
	for (uint64_t r = 0; r < nr; r++) {
		uint64_t va = (uintptr_t)base + r * per * PAGE, pfn0;
		int ok = 1;

		if (pread(fd_pm, pm, per * 8, (off_t)(va / PAGE * 8)) != (ssize_t)(per * 8))
			goto out;
		pfn0 = pm[0] & PM_PFN_MASK;
		if ((pm[0] & PM_PRESENT) && pfn0 == 0)
			goto out; /* present but the PFN is hidden: no rights */
		ok = (pm[0] & PM_PRESENT) && pfn0 % per == 0;
		for (uint64_t i = 1; ok && i < per; i++)
			ok = (pm[i] & PM_PRESENT) && (pm[i] & PM_PFN_MASK) == pfn0 + i;
		fl[per] = 0; /* the last frame of memory has no next page */
		if (ok && pread(fd_kf, fl, (per + 1) * 8, (off_t)(pfn0 * 8)) < (ssize_t)(per * 8))
			goto out;
		ok = ok && mthp_is_folio(fl, per);
		if (map)
			map[r] = (uint8_t)ok;
		good += (uint64_t)ok;
	}
	*share = (double)good / (double)nr;
	rc = 0;
out:
	free(pm);
	free(fl);
	if (fd_pm >= 0)
		close(fd_pm);
	if (fd_kf >= 0)
		close(fd_kf);
	return rc;
}
