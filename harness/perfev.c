/* perf_event_open(2) for one thread, user mode only: the path that counts
 * where PAPI cannot (a CPU newer than libpfm4, PAPI disabled). */
#include "perfev.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "knobs.h"

#define PARANOID_PATH "/proc/sys/kernel/perf_event_paranoid"
#define EVENT_SOURCES "/sys/bus/event_source/devices"

/* Say what an errno from perf_event_open means here. */
static const char *hint(int err)
{
	switch (err) {
	case ENOENT:
		return "no such event here: no CPU PMU, or a code this CPU lacks";
	case EACCES:
	case EPERM:
		return "not permitted: perf_event_paranoid forbids it";
	case EOPNOTSUPP:
		return "the PMU cannot count this event or mode";
	case ENODEV:
		return "no such PMU";
	case EINVAL:
		return "the kernel rejected the event code";
	default:
		return "";
	}
}

int perfev_open(uint32_t type, uint64_t config, char *why, size_t len)
{
	struct perf_event_attr a;
	int fd, err;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.config = config;
	a.disabled = 1;
	a.exclude_kernel = 1; /* the timed loop runs in user mode */
	a.exclude_hv = 1;
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = errno;
	snprintf(why, len, "type %u config %#llx: %s%s%s%s", type, (unsigned long long)config,
		 strerror(err), hint(err)[0] ? " (" : "", hint(err), hint(err)[0] ? ")" : "");
	errno = err;
	return -1;
}

void perfev_start(int fd)
{
	ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

int perfev_stop(int fd, uint64_t *value, int *scaled)
{
	uint64_t r[3]; /* value, time enabled, time running */

	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	*scaled = 0;
	if (read(fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		return -1;
	*value = r[0];
	/* Multiplexed: extrapolate over the time the counter was off, as perf does. */
	if (r[2] && r[2] < r[1]) {
		*value = (uint64_t)((double)r[0] * (double)r[1] / (double)r[2]);
		*scaled = 1;
	}
	return 0;
}

int perfev_has_cpu_pmu(void)
{
	DIR *d = opendir(EVENT_SOURCES);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[512], type[32];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), EVENT_SOURCES "/%s/type", e->d_name);
		/* The core PMU registers as PERF_TYPE_RAW; software, tracepoint,
		 * breakpoint and the dynamic ones (msr, uprobe) do not. */
		if (knob_read(path, type, sizeof(type)) == 0 && atoi(type) == PERF_TYPE_RAW)
			found = 1;
	}
	closedir(d);
	return found;
}

int perfev_paranoid(void)
{
	char buf[32], *end;
	long v;

	if (knob_read(PARANOID_PATH, buf, sizeof(buf)))
		return PERFEV_PARANOID_UNKNOWN;
	v = strtol(buf, &end, 10);
	return end == buf ? PERFEV_PARANOID_UNKNOWN : (int)v;
}
