/* tlbprobe's results: the measured curves per backing and layout, their
 * fits, and tlb.json with inferred, declared and published geometry side by
 * side (declared and published are reported, never fed to the fit). */
#ifndef PW_TLBJSON_H
#define PW_TLBJSON_H

#include <stdint.h>

#include "cpuinfo.h"
#include "tlbfit.h"

#define TLBJSON_MAX_CURVES 16
#define TLBJSON_MAX_NOTES 8

struct tlbjson_curve {
	char backing[16];
	unsigned page_kb;
	char layout[16];
	struct tlbfit_point pt[TLBFIT_MAX_POINTS];
	double ghz[TLBFIT_MAX_POINTS];
	int nr;
	int fitted;               /* 1 fitted, -1 the fit refused the curve */
	struct tlbfit_result fit;
};

struct tlbjson {
	const struct cpu_info *ci;
	struct tlbjson_curve cv[TLBJSON_MAX_CURVES];
	int nr;
	char notes[TLBJSON_MAX_NOTES][200];
	int nr_notes;
	int nr_refined;   /* passes around the knees that counted */
	int nr_disturbed; /* passes skipped: the quiet check found the TLB disturbed */
};

void tlbjson_init(struct tlbjson *r, const struct cpu_info *ci);
/* A new, empty curve (dies when the table is full: a programming error). */
struct tlbjson_curve *tlbjson_curve(struct tlbjson *r, const char *backing,
					unsigned page_kb, const char *layout);
/* One page count, kept in ascending order (a count measured again keeps
 * the lower delta): the paired delta (median of probe - baseline per round),
 * its spread (p90 - p10 of those), the probe's median and the core clock. */
void tlbjson_add_point(struct tlbjson_curve *cv, uint64_t pages, double delta_ns,
			 double spread_ns, double probe_ns, double ghz);
void tlbjson_fit(struct tlbjson *r, struct tlbjson_curve *cv);
__attribute__((format(printf, 4, 5))) void tlbjson_note(struct tlbjson *r, const char *backing,
							 unsigned page_kb, const char *fmt, ...);
/* Which TLB level fitted step l is: 1, 2; 0 a small step between them;
 * 3 a step past the last level (walks getting dearer). */
int tlbjson_level_of(const struct tlbfit_result *fit, int l);
/* Write tlb.json atomically; -1 with errno. */
int tlbjson_write(const struct tlbjson *r, const char *path, int interrupted);

#endif
