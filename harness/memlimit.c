/* MemAvailable, RLIMIT_AS and the memory cgroup, read as they are. */
#include "memlimit.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Left for the program itself (libraries, PAPI, stacks) under RLIMIT_AS. */
#define MEMLIMIT_SELF_BYTES (64ull << 20)

uint64_t memlimit_headroom(const char *limit, const char *usage)
{
	char *end;
	unsigned long long l, u;

	if (!limit || !strncmp(limit, "max", 3))
		return UINT64_MAX;
	l = strtoull(limit, &end, 10);
	if (end == limit || l >= (1ull << 62))
		return UINT64_MAX;
	u = usage ? strtoull(usage, NULL, 10) : 0;
	return u >= l ? 0 : l - u;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* This process's size now, from /proc/self/status (VmSize, kB). */
static uint64_t vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kb = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

/* The least headroom over the cgroup at path under root and its ancestors,
 * reading limit_file and usage_file in each. */
static uint64_t cgroup_headroom(const char *root, const char *path, const char *limit_file,
				const char *usage_file, char *where, size_t len)
{
	char dir[1024], file[1200], lim[64], use[64];
	uint64_t best = UINT64_MAX;

	snprintf(dir, sizeof(dir), "%s%s", root, path);
	for (;;) {
		uint64_t h;

		snprintf(file, sizeof(file), "%s/%s", dir, limit_file);
		if (read_line(file, lim, sizeof(lim)) == 0) {
			snprintf(file, sizeof(file), "%s/%s", dir, usage_file);
			h = memlimit_headroom(lim, read_line(file, use, sizeof(use)) ? NULL : use);
			if (h < best) {
				best = h;
				snprintf(where, len, "%.*s", (int)(len - 1), dir);
			}
		}
		if (strlen(dir) <= strlen(root) || !strrchr(dir, '/'))
			break;
		*strrchr(dir, '/') = '\0';
	}
	return best;
}

/* The memory cgroup's headroom: v2 ("0::PATH", memory.max) or v1 (a
 * "memory" line, memory.limit_in_bytes); UINT64_MAX when none limits. */
static uint64_t cgroup_available(char *where, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[1024];
	uint64_t best = UINT64_MAX;

	while (f && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *path;
		uint64_t h = UINT64_MAX;
		char w[1024] = "";

		if (!ctl || !(path = strchr(ctl + 1, ':')))
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (!strcmp(path, "/"))
			path = "";
		if (!strcmp(ctl + 1, "")) {
			h = cgroup_headroom("/sys/fs/cgroup", path, "memory.max", "memory.current", w, sizeof(w));
			if (h == UINT64_MAX)
				h = cgroup_headroom("/sys/fs/cgroup/unified", path, "memory.max",
						    "memory.current", w, sizeof(w));
		} else if (strstr(ctl + 1, "memory")) {
			h = cgroup_headroom("/sys/fs/cgroup/memory", path, "memory.limit_in_bytes",
					    "memory.usage_in_bytes", w, sizeof(w));
		}
		if (h < best) {
			best = h;
			snprintf(where, len, "%s", w);
		}
	}
	if (f)
		fclose(f);
	return best;
}

uint64_t memlimit_bound(uint64_t avail, char *why, size_t len)
{
	uint64_t best = avail, h;
	struct rlimit rl;
	char where[1024];

	snprintf(why, len, "MemAvailable in /proc/meminfo");
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		uint64_t used = vm_size() + MEMLIMIT_SELF_BYTES;

		h = rl.rlim_cur > used ? rl.rlim_cur - used : 0;
		if (h < best) {
			best = h;
			snprintf(why, len, "RLIMIT_AS %llu MiB less this process (ulimit -v)",
				 (unsigned long long)(rl.rlim_cur >> 20));
		}
	}
	h = cgroup_available(where, sizeof(where));
	if (h < best) {
		best = h;
		snprintf(why, len, "the memory cgroup %s", where);
	}
	return best;
}

uint64_t memlimit_available(char *why, size_t len)
{
	return memlimit_bound(buf_mem_available(), why, len);
}
