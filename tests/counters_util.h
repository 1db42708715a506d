/* Helpers of the counter tests: a lock, and a first touch that is exactly
 * one fault per page. */
#ifndef PW_TEST_COUNTERS_UTIL_H
#define PW_TEST_COUNTERS_UTIL_H

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>

/* Tests that count with PAPI or perf_event share this lock; the test that
 * sets perf_event_paranoid=3 (which disables PAPI for everyone) holds it
 * alone, so parallel Criterion workers never see each other's setting. So
 * does the NUMA placement test: its huge-page allocations compact memory,
 * and a page of another test's buffer caught in migration faults twice. */
#define COUNTERS_LOCK_PATH "/tmp/pagewalk-test-counters.lock"

/* Take the lock, shared (LOCK_SH) or alone (LOCK_EX); released at exit. */
static inline void counters_lock(int how)
{
	int fd = open(COUNTERS_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	cr_assert_geq(fd, 0, "open %s: %s", COUNTERS_LOCK_PATH, strerror(errno));
	cr_assert_eq(flock(fd, how), 0, "flock %s: %s", COUNTERS_LOCK_PATH, strerror(errno));
}

/* Write one byte per 4K page from user mode: the first touch a perf
 * software event sees. Not instrumented: ASan's check of each store would
 * fault in shadow pages (1/8 of the buffer) and count them too. */
__attribute__((no_sanitize_address)) static inline void touch_pages_4k(char *base, uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += 4096)
		((volatile char *)base)[off] = 1;
}

/* Faults the counting code itself may add to a region: none, but under
 * ASan, whose shadow memory (for a deeper stack, a fresh allocation inside
 * PAPI) is faulted in lazily, now and then one or two. */
#ifdef __SANITIZE_ADDRESS__
#define STRAY_FAULTS 4u
#else
#define STRAY_FAULTS 0u
#endif

/* Whether n faults counted where want were taken is right: exactly, but
 * for STRAY_FAULTS. */
static inline int faults_ok(uint64_t n, uint64_t want)
{
	return n >= want && n - want <= STRAY_FAULTS;
}

#endif
