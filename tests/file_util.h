/* Small file helpers shared by the tests. */
#ifndef PW_TEST_FILE_UTIL_H
#define PW_TEST_FILE_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

/* Read path whole into buf (NUL-terminated); the byte count, or -1. */
static inline long slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (long)n;
}

static inline int file_util_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Remove a directory the test made, with everything in it (no-op on ""). */
static inline void remove_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, file_util_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
