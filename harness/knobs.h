/* Kernel settings that change what translation costs: THP modes, mTHP
 * sizes, hugetlb pools. Every read goes through here, and (with the
 * hugetlb work) every write, saved first and restored at exit. */
#ifndef PW_KNOBS_H
#define PW_KNOBS_H

#include <stdint.h>

#define KNOB_THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define KNOB_HUGEPAGES_DIR "/sys/kernel/mm/hugepages"

/* Read a small proc or sysfs file whole into buf (NUL-terminated, cut at
 * len - 1 bytes); 0, or -1 on failure or when it is empty. */
int knob_read_all(const char *path, char *buf, unsigned len);
/* Read the first line of path into buf (newline stripped); -1 on failure. */
int knob_read(const char *path, char *buf, unsigned len);
/* The [selected] word of a sysfs choice list such as "always [madvise]
 * never", or the whole value when there are no brackets. */
int knob_read_choice(const char *path, char *buf, unsigned len);
/* The same rule on a line already read. */
void knob_parse_choice(const char *raw, char *buf, unsigned len);
/* Read a decimal number; -1 on failure. */
int knob_read_u64(const char *path, uint64_t *out);

struct knob_pool {
	uint64_t page_kb;
	uint64_t nr, free, resv, surplus;
};
/* The hugetlb pools, one per page size, sorted by size; returns the count. */
int knob_pools(struct knob_pool *out, int max);

struct knob_mthp {
	uint64_t page_kb;
	char enabled[16];  /* always, inherit, madvise, never */
};
/* The multi-size THP controls (kernel >= 6.8); returns the count. */
int knob_mthp(struct knob_mthp *out, int max);


/* Writes that are undone. knob_set() saves the old value the first time a
 * path is changed, then writes; knob_restore_all() writes every saved value
 * back (latest first) and is called on every exit path of a run. */
int knob_set(const char *path, const char *value, char *why, unsigned len);
void knob_restore_all(void);

struct knob_change {
	char path[256];
	char before[64];   /* value found */
	char set[64];      /* last value written */
	char after[64];    /* read back after the write */
	int restored;      /* 1 when written back and read back equal */
};
/* The changes made so far (restored or not); returns the count. */
int knob_changes(const struct knob_change **out);

/* Make at least nr pages of page_kb free in the hugetlb pool by raising
 * nr_hugepages, reading back what the kernel granted. Returns the number of
 * free, unreserved pages afterwards; -1 with why when the pool is absent or
 * cannot be written. */
long knob_pool_reserve(uint64_t page_kb, uint64_t nr, char *why, unsigned len);
/* Free, unreserved pages in the pool of page_kb; -1 if there is no pool. */
long knob_pool_available(uint64_t page_kb);
#endif
