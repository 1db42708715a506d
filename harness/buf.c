/* Buffers: mmap per backing, populate before timing, then verify the page
 * sizes the kernel really used, so no row claims a backing it did not get. */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cpuinfo.h"
#include "knobs.h"
#include "mthp.h"

#include <sys/statfs.h>

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

/* glibc 2.36 lacks these; the values are the kernel's ABI. */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define PAGE_4K 4096ull
#define KPF_HUGE (1ull << 17)
#define KPF_THP (1ull << 22)
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

/* Populate in chunks so Ctrl-C is seen within a fraction of a second. */
#define POPULATE_CHUNK (64ull << 20)

/* Map len bytes aligned to 2 MiB (by over-allocating and trimming), so THP
 * can back the whole range and every backing has the same set mapping. */
static int map_aligned(struct buf *b, uint64_t len, char *why, size_t wlen)
{
	size_t over = len + BUF_HUGE_BYTES;
	char *p = mmap(NULL, over, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start;
	size_t head, tail;

	if (p == MAP_FAILED) {
		snprintf(why, wlen, "mmap %" PRIu64 " bytes: %s", len, strerror(errno));
		return -1;
	}
	start = ((uintptr_t)p + BUF_HUGE_BYTES - 1) & ~(uintptr_t)(BUF_HUGE_BYTES - 1);
	head = start - (uintptr_t)p;
	tail = over - head - len;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((char *)start + len, tail);
	b->base = (char *)start;
	b->map = b->base;
	b->map_bytes = len;
	return 0;
}

static int alloc_4k(struct buf *b, char *why, size_t len)
{
	if (map_aligned(b, b->bytes, why, len))
		return -1;
	/* A 4K baseline even when THP is "always". */
	if (madvise(b->base, b->bytes, MADV_NOHUGEPAGE)) {
		snprintf(why, len, "madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int alloc_thp(struct buf *b, char *why, size_t len)
{
	if (b->bytes % BUF_HUGE_BYTES) {
		snprintf(why, len, "thp needs a multiple of 2 MiB, not %" PRIu64 " bytes",
			 b->bytes);
		return -1;
	}
	if (map_aligned(b, b->bytes, why, len))
		return -1;
	if (madvise(b->base, b->bytes, MADV_HUGEPAGE)) {
		snprintf(why, len, "madvise(MADV_HUGEPAGE): %s (THP not built in?)",
			 strerror(errno));
		return -1;
	}
	return 0;
}

struct buf_hugetlb_cfg buf_hugetlb;

int buf_1g_supported(int has_pdpe1gb, int has_pool, char *why, size_t len)
{
	if (!has_pdpe1gb && !has_pool)
		snprintf(why, len, "no 1 GiB pages: the CPU lacks pdpe1gb and the kernel has no hugepages-1048576kB pool");
	else if (!has_pdpe1gb)
		snprintf(why, len, "no 1 GiB pages: the CPU lacks the pdpe1gb flag");
	else if (!has_pool)
		snprintf(why, len, "no 1 GiB pages: the kernel has no hugepages-1048576kB pool");
	else
		snprintf(why, len, "1 GiB pages supported (pdpe1gb, hugepages-1048576kB pool)");
	return has_pdpe1gb && has_pool;
}

int buf_1g_supported_here(char *why, size_t len)
{
	return buf_1g_supported(cpu_has_flag("pdpe1gb") == 1,
				access(KNOB_HUGEPAGES_DIR "/hugepages-1048576kB", F_OK) == 0, why, len);
}

long buf_hugetlbfs_page_kb(const char *dir, char *why, size_t len)
{
	struct statfs st;

	if (statfs(dir, &st)) {
		snprintf(why, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((unsigned long)st.f_type != HUGETLBFS_MAGIC) {
		snprintf(why, len, "%s is not a hugetlbfs mount (mount one with scripts/hugepages.sh mount)", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK)) {
		snprintf(why, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return (long)(st.f_bsize / 1024);
}

/* Map from a hugetlbfs file: created exclusively under a unique name and
 * unlinked at once, so no file outlives this process whatever happens. */
static int map_hugetlbfs(struct buf *b, const char *dir, char *why, size_t len)
{
	static unsigned seq;
	char path[4200];
	int fd = -1;

	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		snprintf(path, sizeof(path), "%s/pagewalk.%d.%u", dir, (int)getpid(), seq++);
		fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			snprintf(why, len, "creating a file in %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (fd < 0) {
		snprintf(why, len, "no unused file name in %s", dir);
		return -1;
	}
	unlink(path);
	b->map = mmap(NULL, b->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		snprintf(why, len, "mmap %" PRIu64 " bytes of %s: %s", b->bytes, dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int alloc_hugetlb(struct buf *b, char *why, size_t len)
{
	uint64_t page_kb = b->backing->want_page_kb, page = page_kb * 1024;
	uint64_t need = (b->bytes + page - 1) / page;
	const char *dir = page_kb == 2048 ? buf_hugetlb.dir_2m : buf_hugetlb.dir_1g;
	long avail;

	if (page_kb == 1048576 && !buf_1g_supported_here(why, len))
		return -1;
	avail = knob_pool_available(page_kb);
	if (avail < 0) {
		snprintf(why, len, "no %" PRIu64 " kB hugetlb pool on this kernel", page_kb);
		return -1;
	}
	if ((uint64_t)avail < need && buf_hugetlb.reserve) {
		avail = knob_pool_reserve(page_kb, need, why, len);
		if (avail < 0)
			return -1;
	}
	if ((uint64_t)avail < need && (!buf_hugetlb.shrink || avail == 0)) {
		snprintf(why, len,
			 "%ld free %" PRIu64 " kB hugetlb pages, %" PRIu64 " needed%s; reserve them with: "
			 "echo %" PRIu64 " > " KNOB_HUGEPAGES_DIR "/hugepages-%" PRIu64 "kB/nr_hugepages "
			 "(as root), or run as root with --reserve%s",
			 avail, page_kb, need, buf_hugetlb.reserve ? " even after raising the pool" : "",
			 need, page_kb, avail > 0 ? ", or pass --fit-pool to run on the pages there are" : "");
		return -1;
	}
	if ((uint64_t)avail < need)
		b->bytes = (uint64_t)avail * page; /* sized to what was granted */
	else
		b->bytes = need * page;
	if (dir) {
		b->via = "hugetlbfs file";
		if (map_hugetlbfs(b, dir, why, len))
			return -1;
	} else {
		int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			    (page_kb == 2048 ? MAP_HUGE_2MB : MAP_HUGE_1GB);

		b->via = "MAP_HUGETLB";
		/* No MAP_NORESERVE: the pages are reserved now or mmap fails,
		 * never a SIGBUS at first touch. */
		b->map = mmap(NULL, b->bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (b->map == MAP_FAILED) {
			b->map = NULL;
			snprintf(why, len, "mmap(MAP_HUGETLB) %" PRIu64 " bytes of %" PRIu64 " kB pages: %s",
				 b->bytes, page_kb, strerror(errno));
			return -1;
		}
	}
	b->map_bytes = b->bytes;
	b->base = b->map;
	return 0;
}

/* mTHP: a 2 MiB aligned mapping (so every folio size is aligned) with
 * MADV_HUGEPAGE; the folio size is chosen while populating. */
static int alloc_mthp(struct buf *b, char *why, size_t len)
{
	if (mthp_usable(b->backing->folio_kb, why, len))
		return -1;
	if (map_aligned(b, b->bytes, why, len))
		return -1;
	if (madvise(b->base, b->bytes, MADV_HUGEPAGE)) {
		snprintf(why, len, "madvise(MADV_HUGEPAGE): %s", strerror(errno));
		return -1;
	}
	return 0;
}

#define MTHP_ROW(name, kb) \
	{ name, 4, 0, alloc_mthp, "multi-size THP: " #kb " KiB anonymous folios (4 KiB PTEs), MADV_HUGEPAGE, that size alone enabled while populating", kb }

const struct buf_backing buf_backings[] = {
	{ "4k", 4, 0, alloc_4k, "anonymous mmap + MADV_NOHUGEPAGE: 4 KiB pages", 0 },
	MTHP_ROW("mthp16k", 16),
	MTHP_ROW("mthp32k", 32),
	MTHP_ROW("mthp64k", 64),
	MTHP_ROW("mthp128k", 128),
	MTHP_ROW("mthp256k", 256),
	MTHP_ROW("mthp512k", 512),
	MTHP_ROW("mthp1m", 1024),
	{ "thp", 2048, 0, alloc_thp, "anonymous mmap, 2 MiB aligned + MADV_HUGEPAGE (+ MADV_COLLAPSE)", 0 },
	{ "hugetlb2m", 2048, 1, alloc_hugetlb, "hugetlb 2 MiB pages: MAP_HUGETLB, or a file on a hugetlbfs mount", 0 },
	{ "hugetlb1g", 1048576, 1, alloc_hugetlb, "hugetlb 1 GiB pages: MAP_HUGETLB, or a file on a hugetlbfs mount", 0 },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct buf_backing *buf_backing_find(const char *name)
{
	for (const struct buf_backing *k = buf_backings; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

unsigned buf_folio_kb(const struct buf_backing *k)
{
	return k->folio_kb ? k->folio_kb : k->want_page_kb;
}

int buf_wants_large(const struct buf_backing *k)
{
	return buf_folio_kb(k) > 4;
}

int buf_alloc(struct buf *b, const struct buf_backing *backing, uint64_t bytes,
	      char *why, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->backing = backing;
	b->bytes = bytes;
	b->asked_bytes = bytes;
	b->verified_by = "none";
	b->via = "mmap";
	b->region_bytes = backing->folio_kb ? (uint64_t)backing->folio_kb * 1024 : BUF_HUGE_BYTES;
	return backing->alloc(b, why, len);
}

/* Touch one byte per 4K page. Not instrumented: under ASan each touch
 * would also fault in shadow memory, and the fault count is a test. */
__attribute__((no_sanitize_address)) static void touch_pages(char *p, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_4K)
		((volatile char *)p)[off] = 1;
}

static int buf_populate_pages(struct buf *b, volatile sig_atomic_t *stop, char *why, size_t len);

/* mTHP: only the asked folio size enabled while touching, its counters
 * read around it; afterwards MADV_NOHUGEPAGE keeps khugepaged from
 * collapsing the folios into 2 MiB pages during the run. */
static int populate_folios(struct buf *b, volatile sig_atomic_t *stop, char *why, size_t len)
{
	unsigned kb = b->backing->folio_kb;
	struct mthp_stats s0, s1;
	struct mthp_scope scope;
	int rc;

	if (mthp_scope_begin(&scope, kb, why, len))
		return -1;
	b->folio_counted = mthp_stats_read(kb, &s0) == 0;
	rc = buf_populate_pages(b, stop, why, len);
	if (b->folio_counted && mthp_stats_read(kb, &s1) == 0) {
		b->folio_alloc = s1.alloc - s0.alloc;
		b->folio_fallback = s1.fallback - s0.fallback;
	} else {
		b->folio_counted = 0;
	}
	mthp_scope_end(&scope);
	if (rc == 0 && madvise(b->base, b->bytes, MADV_NOHUGEPAGE)) {
		snprintf(why, len, "madvise(MADV_NOHUGEPAGE) after populating: %s", strerror(errno));
		return -1;
	}
	return rc;
}

int buf_populate(struct buf *b, volatile sig_atomic_t *stop, char *why, size_t len)
{
	return b->backing->folio_kb ? populate_folios(b, stop, why, len)
				    : buf_populate_pages(b, stop, why, len);
}

static int buf_populate_pages(struct buf *b, volatile sig_atomic_t *stop, char *why, size_t len)
{
	uint64_t t0 = clock_ns();

	/* Touch from user space rather than MADV_POPULATE_WRITE: faults taken
	 * inside a system call are not perf events, and the fault count of
	 * populating is a check that the counters path works. */
	for (uint64_t off = 0; off < b->bytes; off += POPULATE_CHUNK) {
		uint64_t n = b->bytes - off < POPULATE_CHUNK ? b->bytes - off : POPULATE_CHUNK;

		if (stop && *stop) {
			snprintf(why, len, "interrupted while populating");
			return -1;
		}
		touch_pages(b->base + off, n);
	}
	b->populate_ms = (double)(clock_ns() - t0) / 1e6;
	return 0;
}

static int parse_kb(const char *line, const char *key, uint64_t *v)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) || line[n] != ':')
		return 0;
	*v += strtoull(line + n + 1, NULL, 10);
	return 1;
}

int buf_smaps_scan(FILE *f, const void *addr, uint64_t len, struct buf_smaps *out)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + len;
	char line[512];
	int in = 0;

	memset(out, 0, sizeof(*out));
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		uint64_t kps = 0;

		/* A mapping header is "start-end perms ..."; fields are "Key: n kB". */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start < hi && end > lo;
			out->nr_vmas += in;
			continue;
		}
		if (!in)
			continue;
		parse_kb(line, "Size", &out->size_kb);
		parse_kb(line, "Rss", &out->rss_kb);
		parse_kb(line, "AnonHugePages", &out->anon_huge_kb);
		parse_kb(line, "Private_Hugetlb", &out->hugetlb_kb);
		parse_kb(line, "Shared_Hugetlb", &out->hugetlb_kb);
		if (parse_kb(line, "KernelPageSize", &kps) && !out->kernel_page_kb)
			out->kernel_page_kb = kps;
	}
	return out->nr_vmas ? 0 : -1;
}

int buf_smaps_read(const void *addr, uint64_t len, struct buf_smaps *out)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!f)
		return -1;
	rc = buf_smaps_scan(f, addr, len, out);
	fclose(f);
	return rc;
}

/* Fill b->huge_map from pagemap + kpageflags: a 2 MiB region is huge when
 * its 512 PTEs map 512 contiguous frames whose head is a THP or hugetlb
 * page. Needs root (PFNs read as 0 otherwise); -1 when not available. */
static int verify_pagemap(struct buf *b)
{
	const uint64_t per = BUF_HUGE_BYTES / PAGE_4K;
	uint64_t *pm = NULL;
	int fd_pm = -1, fd_kf = -1, rc = -1;

	if (geteuid() != 0)
		return -1;
	fd_pm = open("/proc/self/pagemap", O_RDONLY);
	fd_kf = open("/proc/kpageflags", O_RDONLY);
	pm = malloc(per * sizeof(*pm));
	b->nr_regions = (b->bytes + BUF_HUGE_BYTES - 1) / BUF_HUGE_BYTES;
	b->huge_map = calloc(b->nr_regions, 1);
	if (fd_pm < 0 || fd_kf < 0 || !pm || !b->huge_map)
		goto out;
	for (uint64_t r = 0; r < b->nr_regions; r++) {
		uint64_t va = (uintptr_t)b->base + r * BUF_HUGE_BYTES;
		uint64_t n = (b->bytes - r * BUF_HUGE_BYTES) / PAGE_4K, flags = 0, pfn0;
		int huge = 1;

		if (n > per)
			n = per;
		if (pread(fd_pm, pm, n * 8, (off_t)(va / PAGE_4K * 8)) != (ssize_t)(n * 8))
			goto out;
		pfn0 = pm[0] & PM_PFN_MASK;
		if (!(pm[0] & PM_PRESENT) || pfn0 == 0) {
			if (pm[0] & PM_PRESENT)
				goto out; /* present but PFN hidden: no rights */
			continue;
		}
		if (n < per || pfn0 % per)
			huge = 0;
		for (uint64_t i = 1; huge && i < n; i++)
			if (!(pm[i] & PM_PRESENT) || (pm[i] & PM_PFN_MASK) != pfn0 + i)
				huge = 0;
		if (huge && pread(fd_kf, &flags, 8, (off_t)(pfn0 * 8)) != 8)
			goto out;
		b->huge_map[r] = huge && (flags & (KPF_THP | KPF_HUGE));
	}
	rc = 0;
out:
	if (rc) {
		free(b->huge_map);
		b->huge_map = NULL;
	}
	free(pm);
	if (fd_pm >= 0)
		close(fd_pm);
	if (fd_kf >= 0)
		close(fd_kf);
	return rc;
}

double buf_huge_fraction_prefix(const struct buf *b, uint64_t bytes)
{
	uint64_t nr, huge = 0;

	if (bytes > b->bytes)
		bytes = b->bytes;
	if (!b->huge_map)
		return b->huge_fraction;
	nr = (bytes + b->region_bytes - 1) / b->region_bytes;
	if (nr > b->nr_regions)
		nr = b->nr_regions;
	if (nr == 0)
		return b->huge_fraction;
	for (uint64_t r = 0; r < nr; r++)
		huge += b->huge_map[r];
	return (double)huge / (double)nr;
}

static int measure(struct buf *b, char *why, size_t len)
{
	struct buf_smaps sm;

	free(b->huge_map);
	b->huge_map = NULL;
	if (buf_smaps_read(b->base, b->bytes, &sm)) {
		snprintf(why, len, "no smaps entry for the %s buffer", b->backing->name);
		return -1;
	}
	if (b->backing->folio_kb) {
		uint64_t nr = b->bytes / b->region_bytes;

		b->huge_map = calloc(nr ? nr : 1, 1);
		b->nr_regions = nr;
		if (!b->huge_map || mthp_verify(b->base, b->bytes, b->backing->folio_kb, b->huge_map,
						&b->huge_fraction)) {
			snprintf(why, len, "cannot tell the %s buffer's folio sizes: /proc/self/pagemap and "
				 "/proc/kpageflags need root", b->backing->name);
			return -1;
		}
		b->verified_by = "pagemap+kpageflags";
		b->page_kb = 4;
		return 0;
	}
	if (verify_pagemap(b) == 0) {
		b->verified_by = "pagemap+kpageflags";
		b->huge_fraction = buf_huge_fraction_prefix(b, b->bytes);
	} else {
		uint64_t huge_kb = sm.anon_huge_kb + sm.hugetlb_kb;

		b->verified_by = "smaps";
		b->huge_fraction = (double)huge_kb * 1024 / (double)b->bytes;
		if (b->huge_fraction > 1)
			b->huge_fraction = 1;
	}
	if (b->backing->hugetlb && !b->huge_map) {
		b->huge_fraction = (double)sm.hugetlb_kb * 1024 / (double)b->bytes;
		if (b->huge_fraction > 1)
			b->huge_fraction = 1;
	}
	b->page_kb = sm.kernel_page_kb > 4 ? (unsigned)sm.kernel_page_kb
		     : b->huge_fraction >= BUF_HUGE_ENOUGH ? 2048 : 4;
	return 0;
}

int buf_verify(struct buf *b, char *why, size_t len)
{
	if (measure(b, why, len))
		return -1;
	/* The fault path may have fallen back to 4K pages (fragmentation):
	 * ask khugepaged's synchronous twin to fix those ranges. */
	if (b->backing->want_page_kb == 2048 && b->huge_fraction < 1.0) {
		for (uint64_t r = 0; r * BUF_HUGE_BYTES < b->bytes; r++) {
			if (b->huge_map && b->huge_map[r])
				continue;
			if (madvise(b->base + r * BUF_HUGE_BYTES, BUF_HUGE_BYTES, MADV_COLLAPSE) == 0)
				b->collapsed = 1;
		}
		if (b->collapsed && measure(b, why, len))
			return -1;
	}
	return 0;
}

void buf_free(struct buf *b)
{
	if (b->map)
		munmap(b->map, b->map_bytes);
	free(b->huge_map);
	memset(b, 0, sizeof(*b));
}

uint64_t buf_meminfo_scan(FILE *f)
{
	char line[256];
	uint64_t kb = 0;

	while (fgets(line, sizeof(line), f))
		if (parse_kb(line, "MemAvailable", &kb))
			break;
	return kb > UINT64_MAX / 1024 ? UINT64_MAX : kb * 1024;
}

uint64_t buf_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	uint64_t v;

	if (!f)
		return 0;
	v = buf_meminfo_scan(f);
	fclose(f);
	return v;
}
