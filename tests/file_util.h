/* Small file helpers shared by the tests. */
#ifndef PW_TEST_FILE_UTIL_H
#define PW_TEST_FILE_UTIL_H

#include <stdio.h>

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

#endif
