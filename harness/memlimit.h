/* How much memory a run can have: the least of the kernel's MemAvailable,
 * what RLIMIT_AS leaves this process, and what its memory cgroup (v1 or v2,
 * the cgroup and every ancestor) leaves. Checked before anything is mapped,
 * so a footprint beyond it is refused instead of failing at mmap, being
 * OOM-killed, or dying of SIGBUS on a hugetlb fault. */
#ifndef PW_MEMLIMIT_H
#define PW_MEMLIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes; *why names the binding limit and the command that shows it. */
uint64_t memlimit_available(char *why, size_t len);

/* The same, with avail standing for MemAvailable: the least of avail and
 * the process's own limits read now. */
uint64_t memlimit_bound(uint64_t avail, char *why, size_t len);

/* The headroom under a limit with usage, 0 when used up; UINT64_MAX for
 * "no limit" (values of 2^62 and up, or "max"). */
uint64_t memlimit_headroom(const char *limit, const char *usage);

#endif
