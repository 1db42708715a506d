/* Time and clock rates: monotonic ns, the TSC rate, and the core clock
 * estimated from a chain of dependent adds (the TSC is not the core clock). */
#ifndef PW_CLOCK_H
#define PW_CLOCK_H

#include <stdint.h>

uint64_t clock_ns(void);
/* Wall-clock time as "YYYY-mm-ddTHH:MM:SSZ" (UTC) into buf. */
const char *clock_iso8601(char *buf, unsigned len);

/* TSC ticks per ns, measured against CLOCK_MONOTONIC over ~duration_ns;
 * 0 where there is no TSC. */
double clock_tsc_ghz(uint64_t duration_ns);

/* Core cycles per ns, from nr_adds dependent single-cycle adds timed with
 * clock_ns; one sample. Run it interleaved with the measurements and take
 * the median, since turbo and the host move it. */
double clock_core_ghz_sample(uint64_t min_ns);

#endif
