/* perf_event_open(2) without PAPI: raw PMU events by the codes vendors
 * publish, and software events, for CPUs the installed PAPI and libpfm4 do
 * not know. Counts the calling thread in user mode only. */
#ifndef PW_PERFEV_H
#define PW_PERFEV_H

#include <stddef.h>
#include <stdint.h>

/* Open a disabled counter of type (PERF_TYPE_RAW, PERF_TYPE_SOFTWARE, ...)
 * and config for this thread; the fd, or -1 with why. */
int perfev_open(uint32_t type, uint64_t config, char *why, size_t len);
/* Zero and enable. */
void perfev_start(int fd);
/* Disable and read, scaled up when the kernel multiplexed the counter
 * (*scaled set to 1 then). -1 when the read fails. */
int perfev_stop(int fd, uint64_t *value, int *scaled);

/* 1 when the kernel has a CPU PMU, that is an event source of type
 * PERF_TYPE_RAW under /sys/bus/event_source/devices; 0 when not. */
int perfev_has_cpu_pmu(void);
/* /proc/sys/kernel/perf_event_paranoid, or PERFEV_PARANOID_UNKNOWN. */
#define PERFEV_PARANOID_UNKNOWN (-100)
int perfev_paranoid(void);

#endif
