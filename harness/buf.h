/* Buffers per backing: allocate, populate once, and verify what the kernel
 * really gave (smaps; pagemap + kpageflags as root). */
#ifndef PW_BUF_H
#define PW_BUF_H

#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "bufplace.h"

#define BUF_HUGE_BYTES (2ull << 20) /* PMD size on x86-64 with 4K base pages */
/* Share of huge pages from which a row or buffer carries the huge page
 * size; below it the row says 4 and huge_fraction tells the mix. */
#define BUF_HUGE_ENOUGH 0.95

struct buf;

/* One row per backing; a new backing is a new row in buf.c. */
struct buf_backing {
	const char *name;      /* "4k", "thp", "hugetlb2m", "hugetlb1g" */
	unsigned want_page_kb; /* the page size asked for (the PTE's, 4, for mTHP) */
	int hugetlb;           /* pages come from a hugetlb pool */
	int (*alloc)(struct buf *b, char *why, size_t len);
	const char *describe;  /* one line for --help */
	unsigned folio_kb;     /* mTHP: the folio size asked for; 0 otherwise */
};

struct buf {
	const struct buf_backing *backing;
	char *base;              /* aligned start of the buffer */
	uint64_t bytes;
	void *map;               /* what to munmap */
	size_t map_bytes;
	double populate_ms;      /* wall time of the first touch */
	double huge_fraction;    /* share of bytes on huge pages, measured */
	unsigned page_kb;        /* page size measured: 4, or 2048 when all huge */
	const char *verified_by; /* "pagemap+kpageflags" or "smaps" */
	uint8_t *huge_map;       /* per region: 1 when huge (or one folio); NULL if unknown */
	uint64_t nr_regions;
	uint64_t region_bytes;   /* of huge_map: 2 MiB, or the mTHP folio size */
	int collapsed;           /* MADV_COLLAPSE was used */
	uint64_t asked_bytes;    /* before sizing to a hugetlb pool */
	const char *via;         /* "mmap", "MAP_HUGETLB", "hugetlbfs file" */
	uint64_t populate_faults; /* page faults taken while populating */
	const char *faults_path;  /* what counted them: papi, perf_event, rusage */
	char faults_why[300];     /* why the paths before it were not used */
	struct bufplace_check place; /* NUMA nodes asked for and found */
	int folio_counted;        /* mTHP: the per-size counters were read */
	uint64_t folio_alloc, folio_fallback; /* their growth while populating */
};

/* How hugetlb backings get their pages (set before buf_alloc). */
struct buf_hugetlb_cfg {
	int reserve;             /* may raise nr_hugepages (restored at exit) */
	int shrink;              /* may size a buffer down to the pages granted (--fit-pool) */
	const char *dir_2m;      /* hugetlbfs mount with 2 MiB pages, or NULL */
	const char *dir_1g;      /* ... with 1 GiB pages */
};
extern struct buf_hugetlb_cfg buf_hugetlb;

/* Whether 1 GiB pages can be had, from the inputs the check reads: the CPU
 * flag pdpe1gb and the sysfs pool directory. 1 or 0, with why. */
int buf_1g_supported(int has_pdpe1gb, int has_pool, char *why, size_t len);
/* The same on this machine. */
int buf_1g_supported_here(char *why, size_t len);
/* Page size in kB of a hugetlbfs mount at dir; -1 with why when dir is not
 * a writable hugetlbfs mount. */
long buf_hugetlbfs_page_kb(const char *dir, char *why, size_t len);

/* The backing names in order, for --help lines (the table below is the
 * authority; a unit test keeps the two together). */
#define BUF_BACKING_NAMES "4k, mthp16k..mthp1m, thp, hugetlb2m, hugetlb1g"

const struct buf_backing *buf_backing_find(const char *name);
/* The size of the memory blocks the backing asks for: the mTHP folio, else
 * the page size. */
unsigned buf_folio_kb(const struct buf_backing *k);
/* Whether the backing asks for anything larger than 4 KiB pages or folios. */
int buf_wants_large(const struct buf_backing *k);
/* The table, for --help and tests; terminated by a NULL name. */
extern const struct buf_backing buf_backings[];

/* Reserve bytes of address space for backing b; -1 with why on failure. */
int buf_alloc(struct buf *b, const struct buf_backing *backing, uint64_t bytes,
	      char *why, size_t len);
/* Touch every page now, so no timing ever sees a first touch. Stops early,
 * returning -1, when *stop becomes non-zero. */
int buf_populate(struct buf *b, volatile sig_atomic_t *stop, char *why, size_t len);
/* Measure huge_fraction and page_kb from the kernel's own accounts. */
int buf_verify(struct buf *b, char *why, size_t len);
/* Share of the first bytes of the buffer on huge pages. */
double buf_huge_fraction_prefix(const struct buf *b, uint64_t bytes);
void buf_free(struct buf *b);

/* MemAvailable from /proc/meminfo in bytes; 0 if unknown. */
uint64_t buf_mem_available(void);
/* The same from any meminfo text. */
uint64_t buf_meminfo_scan(FILE *f);

/* smaps totals over every mapping that overlaps [addr, addr+len). */
struct buf_smaps {
	uint64_t size_kb;
	uint64_t rss_kb;
	uint64_t anon_huge_kb;
	uint64_t hugetlb_kb;       /* Private_Hugetlb + Shared_Hugetlb */
	uint64_t kernel_page_kb;   /* of the first mapping */
	int nr_vmas;
};
int buf_smaps_read(const void *addr, uint64_t len, struct buf_smaps *out);
/* The same over any smaps text. */
int buf_smaps_scan(FILE *f, const void *addr, uint64_t len, struct buf_smaps *out);

#endif
