/* Multi-size THP (Linux >= 6.8): anonymous folios of 16 KiB to 1 MiB, still
 * mapped by 4 KiB PTEs, enabled per size under
 * /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/. Which sizes the
 * kernel offers, how a buffer gets folios of exactly one size, and how that
 * is verified (pagemap + kpageflags) and counted (the per-size stats). */
#ifndef PW_MTHP_H
#define PW_MTHP_H

#include <stddef.h>
#include <stdint.h>

#define MTHP_MAX_SIZES 16

/* The THP sysfs directory; tests point it at a directory of their own. */
extern const char *mthp_root;

/* Folio sizes below the PMD size that have an anonymous 'enabled' control,
 * ascending; returns the count (0 on a kernel without mTHP). */
int mthp_sizes(unsigned *kb, int max);
/* 0 when folios of folio_kb can be asked for here; -1 with why (and the
 * command that would help) when the kernel lacks them or we are not root. */
int mthp_usable(unsigned folio_kb, char *why, size_t len);

/* While one buffer is populated: folio_kb at "madvise" and every other
 * size, the PMD size included, at "never", so the kernel can only choose
 * folio_kb or 4 KiB. Each write goes through knob_set (the value found is
 * saved first and restored at exit, signals included). */
struct mthp_scope {
	int n;
	unsigned kb[MTHP_MAX_SIZES + 1];
	char was[MTHP_MAX_SIZES + 1][16];
};
int mthp_scope_begin(struct mthp_scope *s, unsigned folio_kb, char *why, size_t len);
/* Put each size back to what it read before mthp_scope_begin. */
void mthp_scope_end(struct mthp_scope *s);

/* The per-size fault counters (stats/anon_fault_alloc, anon_fault_fallback). */
struct mthp_stats {
	uint64_t alloc, fallback;
};
int mthp_stats_read(unsigned folio_kb, struct mthp_stats *st);
/* A stats file's text: one decimal count and a newline; -1 otherwise. */
int mthp_parse_count(const char *text, uint64_t *v);

/* The rule on kpageflags alone: flags[0..n] of n+1 physically contiguous
 * pages from a region's first; 1 when a folio of exactly n pages starts at
 * the first (head, n - 1 tails, and the next page no tail of it). */
int mthp_is_folio(const uint64_t *flags, uint64_t n);
/* For each folio-sized region of [base, base+bytes): map[r] = 1 when it is
 * exactly one folio of folio_kb. *share gets the share of such regions.
 * Needs root (PFNs and /proc/kpageflags); -1 otherwise. */
int mthp_verify(const void *base, uint64_t bytes, unsigned folio_kb, uint8_t *map, double *share);

#endif
