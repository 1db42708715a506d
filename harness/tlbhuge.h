/* What huge pages get in the TLB: real huge entries, 4K-granular
 * (splintered) ones, or translations that leave the L1 DTLB, judged from a
 * huge backing's probe curves against the 4K curve. Pure code over the
 * points and the 4K fit; tlbjson.c writes the verdict into tlb.json. */
#ifndef PW_TLBHUGE_H
#define PW_TLBHUGE_H

#include <stddef.h>

#include "tlbfit.h"

/* What huge pages get in the TLB, judged from a huge backing's probe
 * curves (one line per huge page) against the 4K curve. A real huge entry
 * covers its whole page, so where in the page the line sits cannot matter;
 * 4K-granular entries fill the TLB's sets by 4K page number, so lines all in
 * the first 4K of 2M-aligned pages share one set. */
enum tlbhuge_verdict {
	TLBHUGE_UNKNOWN, /* the curves cannot tell */
	TLBHUGE_ENTRIES,	 /* the L1 DTLB holds real huge entries */
	TLBHUGE_SPLINTERED,	 /* 4K-granular entries: placement in the page matters */
	TLBHUGE_NOT_IN_L1,	 /* huge translations leave the L1 DTLB past a few pages */
};

/* What the huge curve's first rise costs, as a token. */
enum tlbhuge_cost {
	TLBHUGE_COST_NONE,    /* no rise */
	TLBHUGE_COST_L2_HIT,  /* like 4K's L1 -> L2 step */
	TLBHUGE_COST_WALK,    /* several L2-TLB hits: a walk */
	TLBHUGE_COST_BETWEEN, /* neither clearly */
};

/* One huge-page curve: points ascending by pages. */
struct tlbhuge_curve {
	const struct tlbfit_point *pt;
	int nr;
};

/* What the vendor publishes, for the judgement; -1 where not. */
struct tlbhuge_published {
	int l1_huge;  /* L1 DTLB entries for this huge page size */
	int l1_assoc; /* ways of the 4K L1 DTLB (0 fully associative) */
};

struct tlbhuge_result {
	enum tlbhuge_verdict verdict;
	double rise_pages;	  /* same-slice curve: huge pages past which loads pay; NaN */
	double spread_rise_pages; /* the same with lines over the 4K sub-pages; NaN */
	double cost_ns;		  /* what loads pay past rise_pages, over the plateau before */
	double cost_cycles;	  /* the same in cycles; NaN without a clock */
	enum tlbhuge_cost cost;	  /* cost_ns against 4K's L2-TLB hit */
	double l1_4k_pages;	  /* the 4K curve's L1 knee */
	double hit_4k_ns;	  /* and its L2-TLB hit cost */
};

/* Index of the first of three consecutive points whose delta is at least
 * thr_ns (a lone outlier is no rise); -1 when there is none. */
int tlbhuge_first_rise(const struct tlbfit_point *pt, int nr, double thr_ns);

/* Judge a huge backing from its same-slice curve (every probe line in the
 * first 4K of its huge page: layouts subpage0, or spread below 64 pages)
 * and, where measured (nr > 0), its spread curve (lines over the 4K
 * sub-pages: spread4k), against the 4K curve: fit_4k fitted from c4. Rises are read off the
 * points (half a 4K L2-TLB hit, three points in a row), so a knee at 6
 * pages needs no plateau below it. core_ghz converts to cycles (0 unknown).
 * One sentence a performance engineer can act on goes into why. */
enum tlbhuge_verdict tlbhuge_judge(const struct tlbfit_result *fit_4k,
				     const struct tlbhuge_curve *c4, const struct tlbhuge_curve *same,
				     const struct tlbhuge_curve *spread, double core_ghz,
				     const struct tlbhuge_published *pub, const char *backing,
				     struct tlbhuge_result *out, char *why, size_t len);
const char *tlbhuge_verdict_name(enum tlbhuge_verdict v);
const char *tlbhuge_cost_name(enum tlbhuge_cost c);

#endif
