/* Data-TLB geometry as AMD and Intel publish it, per CPU model, and how it
 * compares with what CPUID declares (which a hypervisor may fake). Data for
 * the report: neither side feeds the inference in tlbfit.c. */
#ifndef PW_TLBGEOM_H
#define PW_TLBGEOM_H

#include <stddef.h>

#include "cpuinfo.h"

#define TLBGEOM_MAX_RANGES 6
#define TLBGEOM_MAX_TLB 6

struct tlbgeom_tlb {
	unsigned level;	  /* 1 or 2; 0 ends the list */
	unsigned page_kb; /* 4, 2048, 1048576 */
	int entries;	  /* > 0; 0: published as holding none of this size; -1 not published */
	int assoc;	  /* ways; 0 fully associative; -1 not published */
};

struct tlbgeom_models {
	unsigned lo, hi; /* CPUID model numbers, inclusive */
};

struct tlbgeom_cpu {
	const char *name;   /* "AMD Zen 4" */
	const char *vendor; /* CPUID vendor string */
	unsigned family;    /* CPUID family, extended family included */
	struct tlbgeom_models models[TLBGEOM_MAX_RANGES];
	int nr_models;
	struct tlbgeom_tlb tlb[TLBGEOM_MAX_TLB]; /* data TLBs; unlisted: not published */
	int l1_load_cycles;			 /* L1D load-to-use, pointer chase; 0 not published */
	int walkers;				 /* page walks a core runs at once; 0 not published */
	const char *walkers_source;		 /* where that number is published */
	const char *source;			 /* the public documents the numbers come from */
	const char *note;			 /* caveat for the report, or NULL */
};

/* The table, for tests; tlbgeom_nr rows. */
extern const struct tlbgeom_cpu tlbgeom_table[];
extern const int tlbgeom_nr;

/* The row for this vendor, family and model, or NULL: an unknown model. */
const struct tlbgeom_cpu *tlbgeom_lookup(const char *vendor, unsigned family, unsigned model);
/* The same for a decoded CPU. */
const struct tlbgeom_cpu *tlbgeom_lookup_cpu(const struct cpu_info *ci);
/* Published entries for (level, page_kb): > 0, 0 for none, -1 not published
 * (also when cpu is NULL). *assoc likewise when assoc is not NULL. */
int tlbgeom_entries(const struct tlbgeom_cpu *cpu, unsigned level, unsigned page_kb, int *assoc);

enum tlbgeom_agree {
	TLBGEOM_UNKNOWN,  /* either side silent: nothing to compare */
	TLBGEOM_AGREE,	  /* same number of entries */
	TLBGEOM_DISAGREE, /* CPUID says one thing, the vendor another */
};

/* One (level, page size): declared next to published. */
struct tlbgeom_cmp {
	unsigned level;
	unsigned page_kb;
	int declared;	    /* CPUID entries; -1 unknown or masked */
	int declared_assoc; /* -1 unknown; 0 fully associative */
	int published;	    /* as tlbgeom_tlb.entries */
	int published_assoc;
	enum tlbgeom_agree agree; /* on entries; associativity is for reading */
};

#define TLBGEOM_NR_CMP 6 /* L1 and L2, times 4K, 2M and 1G */

/* Fill out[0..TLBGEOM_NR_CMP) in the order L1 4K, 2M, 1G, L2 4K, 2M, 1G;
 * cpu may be NULL (unknown model). Returns TLBGEOM_NR_CMP. */
int tlbgeom_compare(const struct cpu_info *ci, const struct tlbgeom_cpu *cpu,
		    struct tlbgeom_cmp *out);
/* Number of rows in out[0..nr) that disagree. */
int tlbgeom_nr_disagree(const struct tlbgeom_cmp *out, int nr);

const char *tlbgeom_agree_name(enum tlbgeom_agree a); /* "agree", "disagree", "unknown" */
const char *tlbgeom_page_name(unsigned page_kb);      /* "4K", "2M", "1G", "?" */
/* One plain sentence on c for the report, into buf. */
void tlbgeom_describe(const struct tlbgeom_cmp *c, char *buf, size_t len);

#endif
