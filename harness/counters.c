/* Counters by meaning: the event table per CPU family (ctr_table.c), opened
 * through PAPI where it can count them, else through perf_event_open with
 * the vendor's raw codes; page faults through PAPI, perf_event or getrusage.
 * The only file that includes papi.h. */
#include "counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <papi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "die.h"
#include "perfev.h"

/* Append a formatted clause to buf, "; "-separated. */
__attribute__((format(printf, 3, 4))) static void add_why(char *buf, size_t len, const char *fmt,
							  ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 3 >= len)
		return;
	if (n) {
		strcpy(buf + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* --events: "name=EVENT,...". */

static int col_find(const char *name, size_t n)
{
	for (int c = 0; c < CTR_NR; c++)
		if (strlen(ctr_col_name((enum ctr_col)c)) == n && !strncmp(ctr_col_name((enum ctr_col)c), name, n))
			return c;
	return -1;
}

/* rHEX, as perf(1) writes raw codes. */
static int parse_raw(const char *ev, uint64_t *raw)
{
	char *end;

	if (ev[0] != 'r' || !ev[1] || strspn(ev + 1, "0123456789abcdefABCDEF") != strlen(ev + 1))
		return -1;
	errno = 0;
	*raw = strtoull(ev + 1, &end, 16);
	return errno ? -1 : 0;
}

/* Split spec into ev[c] per column; -1 with why on any malformed item. */
static int parse_overrides(const char *spec, char ev[CTR_NR][CTR_EVENT_MAX], char *why, size_t len)
{
	const char *p = spec;

	for (int c = 0; c < CTR_NR; c++)
		ev[c][0] = '\0';
	if (!spec)
		return 0;
	while (*p) {
		size_t n = strcspn(p, ","), k = strcspn(p, "=");
		int c;

		if (k >= n || k == 0 || k + 1 == n) {
			snprintf(why, len,
				 "--events item '%.*s': want NAME=EVENT with NAME one of "
				 "cycles, dtlb_miss, stlb_hit, walk, walk_cycles",
				 (int)n, p);
			return -1;
		}
		if ((c = col_find(p, k)) < 0) {
			snprintf(why, len,
				 "--events: unknown column '%.*s' (known: cycles, "
				 "dtlb_miss, stlb_hit, walk, walk_cycles)",
				 (int)k, p);
			return -1;
		}
		if (n - k - 1 >= CTR_EVENT_MAX) {
			snprintf(why, len, "--events %s: event name longer than %d characters",
				 ctr_col_name((enum ctr_col)c), CTR_EVENT_MAX - 1);
			return -1;
		}
		snprintf(ev[c], CTR_EVENT_MAX, "%.*s", (int)(n - k - 1), p + k + 1);
		p += n;
		if (*p == ',' && !*++p) {
			snprintf(why, len, "--events '%s': empty item at the end", spec);
			return -1;
		}
	}
	return 0;
}

void ctr_overrides_require(const char *spec)
{
	char why[300];

	if (spec && ctr_overrides_check(spec, why, sizeof(why)))
		die_usage("%s", why);
}

int ctr_overrides_check(const char *spec, char *why, size_t len)
{
	char ev[CTR_NR][CTR_EVENT_MAX];

	return parse_overrides(spec, ev, why, len);
}

/* PAPI, initialised once per process. */

static struct {
	int tried, ok;
	int cidx;
	char why[300];
} papi = {.cidx = -1};

/* Whether PAPI can count here; papi.why says why not. */
static int papi_ready(void)
{
	const PAPI_component_info_t *info;
	int v;

	if (papi.tried)
		return papi.ok;
	papi.tried = 1;
	v = PAPI_is_initialized() ? (int)PAPI_VER_CURRENT : PAPI_library_init(PAPI_VER_CURRENT);
	if (v != (int)PAPI_VER_CURRENT) {
		snprintf(papi.why, sizeof(papi.why), "PAPI_library_init failed: %s",
			 v < 0 ? PAPI_strerror(v) : "papi.h and libpapi versions differ");
		return 0;
	}
	papi.cidx = PAPI_get_component_index("perf_event");
	info = papi.cidx < 0 ? NULL : PAPI_get_component_info(papi.cidx);
	if (!info) {
		snprintf(papi.why, sizeof(papi.why), "PAPI has no perf_event component");
		return 0;
	}
	if (info->disabled) {
		/* e.g. "Error libpfm4 no default PMU found" (a CPU newer than
		 * libpfm4), "... paranoid=3" */
		snprintf(papi.why, sizeof(papi.why),
			 "PAPI's perf_event component is disabled: %.240s", info->disabled_reason);
		return 0;
	}
	/* Before any event set exists: count user mode, like perfev. */
	v = PAPI_set_cmp_domain(PAPI_DOM_USER, papi.cidx);
	if (v != PAPI_OK) {
		snprintf(papi.why, sizeof(papi.why), "PAPI_set_cmp_domain(PAPI_DOM_USER): %s",
			 PAPI_strerror(v));
		return 0;
	}
	snprintf(papi.why, sizeof(papi.why), "active");
	papi.ok = 1;
	return 1;
}

int ctr_papi_knows(const char *name, char *why, size_t len)
{
	if (!papi_ready()) {
		snprintf(why, len, "%s", papi.why);
		return -1;
	}
	return PAPI_query_named_event(name) == PAPI_OK;
}

/* Add name to *es (created on first use); 0, or -1 with the reason added
 * to why, naming the event when label is set. */
static int papi_add(int *es, const char *name, int label, char *why, size_t len)
{
	int v;

	if (!papi_ready()) {
		add_why(why, len, "papi: %s", papi.why);
		return -1;
	}
	if (*es == PAPI_NULL && (v = PAPI_create_eventset(es)) != PAPI_OK) {
		*es = PAPI_NULL;
		add_why(why, len, "papi: PAPI_create_eventset: %s", PAPI_strerror(v));
		return -1;
	}
	/* Only a successful add counts: PAPI_query_named_event says yes in
	 * VMs for events that cannot be added. */
	v = PAPI_add_named_event(*es, name);
	if (v != PAPI_OK) {
		add_why(why, len, "papi: %s%s%s%s", label ? name : "", label ? ": " : "",
			PAPI_strerror(v),
			v == PAPI_ENOEVNT && PAPI_query_named_event(name) == PAPI_OK
			    ? " (PAPI knows the name; the kernel cannot count it)"
			    : "");
		return -1;
	}
	return 0;
}

static void papi_drop(int *es)
{
	if (*es == PAPI_NULL)
		return;
	PAPI_cleanup_eventset(*es);
	PAPI_destroy_eventset(es);
	*es = PAPI_NULL;
}

/* Hardware columns. */

/* Count column c with name through PAPI; -1 with the reason added. */
static int use_papi(struct ctr_set *s, int c, const char *name)
{
	struct ctr_column *col = &s->col[c];
	int label = col->event[0] && strcmp(col->event, name); /* a second try */

	if (!label)
		snprintf(col->event, sizeof(col->event), "%s", name);
	if (papi_add(&s->papi_es, name, label, col->why, sizeof(col->why)))
		return -1;
	col->path = CTR_PATH_PAPI;
	col->counting = 1;
	s->papi_idx[c] = s->nr_papi++;
	return 0;
}

static int use_perf(struct ctr_set *s, int c, uint64_t raw, const char *name)
{
	struct ctr_column *col = &s->col[c];
	char why[300];
	int fd = perfev_open(PERF_TYPE_RAW, raw, why, sizeof(why));

	snprintf(col->event, sizeof(col->event), "%s", name);
	col->raw = raw;
	if (fd < 0) {
		add_why(col->why, sizeof(col->why), "perf_event: %s", why);
		return -1;
	}
	s->fd[c] = fd;
	col->path = CTR_PATH_PERF;
	col->counting = 1;
	return 0;
}

/* Open column c: the override, else the table's name through PAPI, the
 * PAPI preset where it means this column, the raw code through perf. */
static void open_column(struct ctr_set *s, int c, const char *override)
{
	struct ctr_column *col = &s->col[c];
	const struct ctr_event *e = s->fam ? &s->fam->ev[c] : NULL;
	uint64_t raw;

	if (override[0]) {
		if (!parse_raw(override, &raw))
			use_perf(s, c, raw, override);
		else if (use_papi(s, c, override))
			add_why(col->why, sizeof(col->why),
				"perf_event: no raw code for a named override (give rHEX)");
		return;
	}
	if (!e) {
		snprintf(col->why, sizeof(col->why), "no event table for this CPU");
		return;
	}
	if (!e->name) {
		snprintf(col->why, sizeof(col->why), "%s: %s", s->fam->name, e->none_why);
		return;
	}
	col->raw = e->raw;
	if (!use_papi(s, c, e->name))
		return;
	if (papi.ok && s->fam->papi_tlb_dm == c && !use_papi(s, c, "PAPI_TLB_DM"))
		return;
	use_perf(s, c, e->raw, e->name);
}

/* When nothing counts, say why in one line, and what would help. */
static void explain(struct ctr_set *s, const struct cpu_info *ci)
{
	if (s->nr_counting)
		return;
	if (!s->cpu_pmu) {
		add_why(s->why, sizeof(s->why),
			"the kernel has no CPU PMU (no PERF_TYPE_RAW event "
			"source in /sys/bus/event_source/devices): a VM without PMU passthrough?");
		add_why(s->advice, sizeof(s->advice),
			"run on bare metal or in a VM that passes "
			"the PMU through (KVM: -cpu host with the PMU enabled)");
	}
	if (s->paranoid >= 3) {
		add_why(s->why, sizeof(s->why), "perf_event_paranoid=%d", s->paranoid);
		add_why(s->advice, sizeof(s->advice),
			"lower perf_event_paranoid to 2 or less "
			"(sysctl kernel.perf_event_paranoid=2)");
	}
	if (!papi.ok)
		add_why(s->why, sizeof(s->why), "%s", papi.why);
	if (!s->fam) {
		add_why(s->why, sizeof(s->why), "no event table for %s family %#x model %#x",
			ci && ci->vendor[0] ? ci->vendor : "this CPU", ci ? ci->family : 0,
			ci ? ci->model : 0);
		add_why(s->advice, sizeof(s->advice), "name events with --events name=EVENT");
	}
	if (!s->why[0])
		add_why(s->why, sizeof(s->why), "no event could be opened (see each column)");
}

int ctr_open(struct ctr_set *s, const struct cpu_info *ci, const char *overrides, int disabled)
{
	char ov[CTR_NR][CTR_EVENT_MAX];

	memset(s, 0, sizeof(*s));
	s->papi_es = PAPI_NULL;
	for (int c = 0; c < CTR_NR; c++) {
		s->papi_idx[c] = -1;
		s->fd[c] = -1;
	}
	if (parse_overrides(overrides, ov, s->why, sizeof(s->why)))
		return -1;
	s->fam = ci ? ctr_family_find(ci) : NULL;
	s->paranoid = perfev_paranoid();
	s->cpu_pmu = perfev_has_cpu_pmu();
	if (disabled) {
		s->disabled = 1;
		snprintf(s->papi, sizeof(s->papi), "not tried");
		snprintf(s->why, sizeof(s->why), "counters turned off (--no-counters)");
		for (int c = 0; c < CTR_NR; c++)
			snprintf(s->col[c].why, sizeof(s->col[c].why), "%.500s", s->why);
		return 0;
	}
	papi_ready();
	snprintf(s->papi, sizeof(s->papi), "%s", papi.why);
	for (int c = 0; c < CTR_NR; c++) {
		open_column(s, c, ov[c]);
		s->nr_counting += s->col[c].counting;
	}
	explain(s, ci);
	return 0;
}

void ctr_start(struct ctr_set *s)
{
	for (int c = 0; c < CTR_NR; c++)
		if (s->fd[c] >= 0)
			perfev_start(s->fd[c]);
	if (s->nr_papi)
		PAPI_start(s->papi_es);
}

void ctr_stop(struct ctr_set *s, uint64_t *values)
{
	long long v[CTR_NR] = {0};
	int papi_ok = s->nr_papi && PAPI_stop(s->papi_es, v) == PAPI_OK;

	for (int c = 0; c < CTR_NR; c++) {
		int scaled = 0;

		values[c] = CTR_NONE;
		if (s->fd[c] >= 0 && perfev_stop(s->fd[c], &values[c], &scaled))
			values[c] = CTR_NONE;
		s->multiplexed |= scaled;
		if (s->papi_idx[c] >= 0 && papi_ok)
			values[c] = (uint64_t)v[s->papi_idx[c]];
	}
}

void ctr_close(struct ctr_set *s)
{
	for (int c = 0; c < CTR_NR; c++) {
		if (s->fd[c] >= 0)
			close(s->fd[c]);
		s->fd[c] = -1;
		s->papi_idx[c] = -1;
	}
	papi_drop(&s->papi_es);
	s->nr_papi = 0;
}

void ctr_json(struct json *j, const struct ctr_set *s)
{
	const char *status = s->disabled		? "off"
			     : s->nr_counting == 0	? "none"
			     : s->nr_counting == CTR_NR ? "all"
							: "partial";
	char raw[32];

	json_obj(j, "counters");
	json_str(j, "status", status);
	json_int(j, "nr_counting", s->nr_counting);
	json_str(j, "reason", s->why[0] ? s->why : NULL);
	json_str(j, "advice", s->advice[0] ? s->advice : NULL);
	json_str(j, "family", s->fam ? s->fam->name : NULL);
	json_str(j, "libpfm4_pmu", s->fam ? s->fam->pfm_pmu : NULL);
	json_str(j, "papi", s->papi);
	json_bool(j, "cpu_pmu", s->cpu_pmu);
	if (s->paranoid == PERFEV_PARANOID_UNKNOWN)
		json_null(j, "perf_event_paranoid");
	else
		json_int(j, "perf_event_paranoid", s->paranoid);
	json_bool(j, "multiplexed", s->multiplexed);
	json_obj(j, "columns");
	for (int c = 0; c < CTR_NR; c++) {
		const struct ctr_column *col = &s->col[c];

		snprintf(raw, sizeof(raw), "%#llx", (unsigned long long)col->raw);
		json_obj(j, ctr_col_name((enum ctr_col)c));
		json_bool(j, "counting", col->counting);
		json_str(j, "event", col->event[0] ? col->event : NULL);
		json_str(j, "path", col->counting ? ctr_path_name(col->path) : NULL);
		json_str(j, "raw", col->raw ? raw : NULL);
		/* Empty column: why; counted: why the paths before were not used. */
		json_str(j, col->counting ? "passed_over" : "reason",
			 col->why[0] ? col->why : NULL);
		json_obj_end(j);
	}
	json_obj_end(j);
	json_obj_end(j);
}

/* Page faults. */

/* Faults (minor + major) of this thread so far, as the kernel accounts them. */
static uint64_t rusage_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
}

/* Start path p; 0, or -1 with the reason added to f->why. */
static int faults_try(struct ctr_faults *f, enum ctr_path p)
{
	char why[600] = "";
	int v;

	switch (p) {
	case CTR_PATH_PAPI:
		/* PAGE-FAULTS is every fault entry; MINOR-FAULTS where only it exists. */
		if (papi_add(&f->papi_es, "perf::PAGE-FAULTS", 1, why, sizeof(why)) &&
		    papi_add(&f->papi_es, "perf::MINOR-FAULTS", 1, why, sizeof(why))) {
			papi_drop(&f->papi_es);
			add_why(f->why, sizeof(f->why), "%s", why);
			return -1;
		}
		if ((v = PAPI_start(f->papi_es)) != PAPI_OK) {
			add_why(f->why, sizeof(f->why), "papi: PAPI_start: %s", PAPI_strerror(v));
			papi_drop(&f->papi_es);
			return -1;
		}
		break;
	case CTR_PATH_PERF:
		f->fd =
		    perfev_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, why, sizeof(why));
		if (f->fd < 0) {
			add_why(f->why, sizeof(f->why), "perf_event: %s", why);
			return -1;
		}
		perfev_start(f->fd);
		break;
	case CTR_PATH_RUSAGE:
		break;
	default:
		add_why(f->why, sizeof(f->why), "no such path");
		return -1;
	}
	f->path = p;
	return 0;
}

static void faults_init(struct ctr_faults *f, enum ctr_path want)
{
	memset(f, 0, sizeof(*f));
	f->want = want;
	f->papi_es = PAPI_NULL;
	f->fd = -1;
	/* Bind getrusage now: a first call inside the window would fault on the
	 * GOT (copy-on-write after fork) and count against the region. */
	rusage_faults();
}

int ctr_faults_begin(struct ctr_faults *f)
{
	faults_init(f, CTR_PATH_NONE);
	if (faults_try(f, CTR_PATH_PAPI) && faults_try(f, CTR_PATH_PERF))
		faults_try(f, CTR_PATH_RUSAGE);
	f->ru_begin = rusage_faults();
	return 0;
}

int ctr_faults_begin_via(struct ctr_faults *f, enum ctr_path path)
{
	faults_init(f, path);
	if (faults_try(f, path))
		return -1;
	f->ru_begin = rusage_faults();
	return 0;
}

int ctr_faults_end(struct ctr_faults *f, uint64_t *faults, const char **path,
		   const char **why_not_others)
{
	/* getrusage first, so its window lies inside the counter's; then touch
	 * only locals until the counter stops: a first write to the caller's
	 * memory could fault and count. */
	uint64_t ru = rusage_faults(), n = 0;
	long long v = 0;
	int scaled, rc = 0;

	if (f->path == CTR_PATH_PAPI) {
		rc = PAPI_stop(f->papi_es, &v) == PAPI_OK ? 0 : -1;
		n = (uint64_t)v;
		papi_drop(&f->papi_es);
	} else if (f->path == CTR_PATH_PERF) {
		rc = perfev_stop(f->fd, &n, &scaled);
		close(f->fd);
		f->fd = -1;
	}
	f->rusage_faults = ru - f->ru_begin;
	if (f->path == CTR_PATH_RUSAGE) {
		n = f->rusage_faults;
	} else if (f->want == CTR_PATH_NONE && (rc || n < f->rusage_faults)) {
		/* Faults taken for the thread inside a system call (get_user_pages,
		 * as MADV_POPULATE_WRITE does) reach min_flt but no perf event. */
		add_why(f->why, sizeof(f->why),
			"%s counted %llu of the %llu faults getrusage saw "
			"(faults the kernel takes inside a system call, as for "
			"MADV_POPULATE_WRITE, are not perf events)",
			ctr_path_name(f->path), (unsigned long long)n,
			(unsigned long long)f->rusage_faults);
		n = f->rusage_faults;
		f->path = CTR_PATH_RUSAGE;
		rc = 0;
	}
	*faults = n;
	*path = ctr_path_name(f->path);
	*why_not_others = f->why;
	return rc;
}
