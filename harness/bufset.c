/* A run's buffers and the pool changes they needed. */
#include "bufset.h"

#include "counters.h"
#include "die.h"
#include "machine.h"
#include "opts.h"
#include "place.h"

/* Pages move_pages samples to tell where a buffer's data is. */
#define BUFSET_NODE_SAMPLES 4096

#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

int bufset_parse(const char *opt, const char *list, const struct buf_backing **out, int max)
{
	char items[BUFSET_MAX][32], known[256] = "";
	int n = opt_split_list(list, items[0], 32, max < BUFSET_MAX ? max : BUFSET_MAX);

	for (const struct buf_backing *k = buf_backings; k->name; k++)
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
			 known[0] ? ", " : "", k->name);
	if (n < 0)
		die_usage("--%s '%s': want a comma list of at most %d backings, no empty item (known: %s)",
			  opt, list, max < BUFSET_MAX ? max : BUFSET_MAX, known);
	for (int i = 0; i < n; i++) {
		if (!(out[i] = buf_backing_find(items[i])))
			die_usage("--%s: unknown backing '%s' (known: %s)", opt, items[i], known);
		for (int j = 0; j < i; j++)
			if (out[j] == out[i])
				die_usage("--%s '%s': %s given twice", opt, list, items[i]);
	}
	return n;
}

/* Populate b, counting the page faults it takes (a check on the counters
 * path: one per 4K page, one per 2M page with THP). */
static int populate_counted(struct buf *b, volatile sig_atomic_t *stop, char *why, size_t len)
{
	struct ctr_faults f;
	const char *others = "";
	int counting = ctr_faults_begin(&f) == 0, rc;

	rc = buf_populate(b, stop, why, len);
	if (counting && ctr_faults_end(&f, &b->populate_faults, &b->faults_path, &others) == 0)
		snprintf(b->faults_why, sizeof(b->faults_why), "%s", others ? others : "");
	else
		b->faults_path = NULL;
	return rc;
}

/* Bind the data, then populate under the page-table policy, so each lands
 * where pl asks; the expected nodes default to the CPU's. */
static int populate_placed(struct buf *b, const struct bufplace *pl, volatile sig_atomic_t *stop,
			   char *why, size_t len)
{
	int here = place_cpu_node(sched_getcpu());
	struct bufplace_pt pt;
	int rc;

	b->place.mem_node = pl->mem_node >= 0 ? pl->mem_node : here;
	b->place.pt_node = pl->pt_node >= 0 ? pl->pt_node : here;
	b->place.mem_bound = pl->mem_node >= 0;
	if (bufplace_bind(b->base, b->bytes, pl->mem_node, why, len))
		return -1;
	if (b->backing->hugetlb && pl->mem_node >= 0) {
		uint64_t kb = b->backing->want_page_kb, need = b->bytes / (kb * 1024);
		long have = bufplace_node_free_huge(pl->mem_node, kb);

		/* A hugetlb fault on a node without free pages is a SIGBUS. */
		if (have >= 0 && (uint64_t)have < need) {
			snprintf(why, len, "node %d has %ld free %" PRIu64 " kB pages, %" PRIu64 " needed; reserve them there with: "
				 "echo %" PRIu64 " > /sys/devices/system/node/node%d/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages",
				 pl->mem_node, have, kb, need, need, pl->mem_node, kb);
			return -1;
		}
	}
	if (bufplace_pt_begin(&pt, pl->pt_node, why, len))
		return -1;
	rc = populate_counted(b, stop, why, len);
	bufplace_pt_end(&pt, &b->place);
	return rc;
}

/* Why THP may have been refused, as far as the process can tell. */
static const char *thp_refusal(void)
{
	static char buf[160];
	char mode[32];

	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1)
		return "THP is disabled for this process (PR_SET_THP_DISABLE)";
	if (knob_read_choice(KNOB_THP_DIR "/enabled", mode, sizeof(mode)))
		return "this kernel has no THP";
	if (!strcmp(mode, "never"))
		return "THP is 'never' and MADV_COLLAPSE did not help";
	snprintf(buf, sizeof(buf), "THP is '%s'; no free 2 MiB blocks (memory fragmented?)", mode);
	return buf;
}

void bufset_parse_hugetlbfs(const char *list)
{
	char dirs[2][2048], why[256];
	int n = opt_split_list(list, dirs[0], sizeof(dirs[0]), 2);

	if (n < 0)
		die_usage("--hugetlbfs '%s': want one or two mount directories, comma-separated", list);
	for (int i = 0; i < n; i++) {
		long kb = buf_hugetlbfs_page_kb(dirs[i], why, sizeof(why));

		if (kb < 0)
			die_usage("--hugetlbfs: %s", why);
		if (kb == 2048)
			buf_hugetlb.dir_2m = strdup(dirs[i]);
		else if (kb == 1048576)
			buf_hugetlb.dir_1g = strdup(dirs[i]);
		else
			die_usage("--hugetlbfs %s: page size %ld kB; want a 2M or 1G mount", dirs[i], kb);
	}
}

int bufset_setup(struct bufset *s, const struct buf_backing *const *bk,
		 const struct bufplace *pl, int nr, const uint64_t *bytes,
		 volatile sig_atomic_t *stop)
{
	static const struct bufplace local = { -1, -1 };
	char why[320];

	memset(s, 0, sizeof(*s));
	s->nr_pools_before = knob_pools(s->pools_before, 8);
	buf_1g_supported_here(s->support_1g, sizeof(s->support_1g));
	for (int i = 0; i < nr && i < BUFSET_MAX; i++) {
		const struct buf_backing *k = bk[i];
		uint64_t page = (uint64_t)(k->want_page_kb > 2048 ? k->want_page_kb : 2048) * 1024;
		struct buf *b = &s->b[s->nr];
		int fail = buf_alloc(b, k, (bytes[i] + page - 1) / page * page, why, sizeof(why)) ||
			   populate_placed(b, pl ? &pl[i] : &local, stop, why, sizeof(why)) ||
			   buf_verify(b, why, sizeof(why));

		if (stop && *stop) {
			buf_free(b);
			return -1;
		}
		if (!fail && k->folio_kb && b->huge_fraction < 0.5)
			snprintf(why, sizeof(why), "only %.0f%% of the buffer is in %u kB folios (the kernel "
				 "counted %" PRIu64 " such folio faults and %" PRIu64 " fallbacks): memory fragmented?",
				 100 * b->huge_fraction, k->folio_kb, b->folio_alloc, b->folio_fallback);
		else if (!fail && buf_wants_large(k) && b->huge_fraction < 0.5)
			snprintf(why, sizeof(why), "only %.0f%% of the buffer is on huge pages: %s",
				 100 * b->huge_fraction, thp_refusal());
		else if (!fail) {
			bufplace_verify_mem(b->base, b->bytes, BUFSET_NODE_SAMPLES, &b->place);
			if (b->bytes < bytes[i])
				warn("%s: sized to the %llu MiB the pool granted, not %llu MiB", k->name,
				     (unsigned long long)(b->bytes >> 20),
				     (unsigned long long)(bytes[i] >> 20));
			s->nr++;
			continue;
		}
		buf_free(b);
		snprintf(s->skipped[s->nr_skipped++], sizeof(s->skipped[0]), "%s: %s", k->name, why);
		warn("skipping backing %s: %s", k->name, why);
	}
	return s->nr;
}

/* A count, or null when negative (unknown). */
static void json_int_known(struct json *j, const char *key, int64_t v)
{
	if (v >= 0)
		json_int(j, key, v);
	else
		json_null(j, key);
}

/* Where a buffer's data and page tables were asked to be, and found. */
static void place_json(struct json *j, const struct bufplace_check *c)
{
	json_int(j, "mem_node", c->mem_node);
	json_bool(j, "mem_node_bound", c->mem_bound);
	json_num(j, "mem_node_verified", c->mem_verified);
	json_int(j, "mem_node_sampled_pages", (int64_t)c->mem_sampled);
	json_str(j, "mem_node_why", isnan(c->mem_verified) ? c->mem_why : NULL);
	json_int(j, "pt_node", c->pt_node);
	json_bool(j, "pt_node_bound", c->pt_bound);
	json_num(j, "pt_node_verified", c->pt_verified);
	json_int_known(j, "pt_growth_kb", c->pt_growth_kb);
	json_int_known(j, "pt_own_kb", c->pt_own_kb);
	json_bool(j, "pt_disturbed", c->pt_disturbed);
	json_str(j, "pt_node_why", isnan(c->pt_verified) ? c->pt_why : NULL);
}

void bufset_json(struct json *j, const struct bufset *s)
{
	struct knob_pool now[8];
	const struct knob_change *c;
	int nr_now = knob_pools(now, 8), nc = knob_changes(&c);

	json_arr(j, "buffers");
	for (int i = 0; i < s->nr; i++) {
		const struct buf *b = &s->b[i];

		json_obj(j, NULL);
		json_str(j, "backing", b->backing->name);
		json_int(j, "bytes", (int64_t)b->bytes);
		json_int(j, "asked_bytes", (int64_t)b->asked_bytes);
		json_int(j, "page_kb", b->page_kb);
		json_num(j, "huge_fraction", b->huge_fraction);
		json_num(j, "populate_ms", b->populate_ms);
		json_str(j, "via", b->via);
		json_str(j, "verified_by", b->verified_by);
		json_bool(j, "collapsed", b->collapsed);
		json_int(j, "folio_kb", buf_folio_kb(b->backing));
		if (b->folio_counted) {
			json_int(j, "folio_fault_alloc", (int64_t)b->folio_alloc);
			json_int(j, "folio_fault_fallback", (int64_t)b->folio_fallback);
		}
		place_json(j, &b->place);
		if (b->faults_path) {
			json_int(j, "populate_faults", (int64_t)b->populate_faults);
			json_str(j, "populate_faults_path", b->faults_path);
			json_str(j, "populate_faults_other_paths", b->faults_why);
		} else {
			json_null(j, "populate_faults");
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr(j, "skipped");
	for (int i = 0; i < s->nr_skipped; i++)
		json_str(j, NULL, s->skipped[i]);
	json_arr_end(j);
	json_obj(j, "hugetlb");
	json_bool(j, "reserve_allowed", buf_hugetlb.reserve);
	json_str(j, "hugetlbfs_2m", buf_hugetlb.dir_2m);
	json_str(j, "hugetlbfs_1g", buf_hugetlb.dir_1g);
	json_str(j, "support_1g", s->support_1g);
	machine_pools_json(j, "pools_before", s->pools_before, s->nr_pools_before);
	machine_pools_json(j, "pools_now", now, nr_now);
	json_arr(j, "settings_changed");
	for (int i = 0; i < nc; i++) {
		json_obj(j, NULL);
		json_str(j, "path", c[i].path);
		json_str(j, "before", c[i].before);
		json_str(j, "set", c[i].set);
		json_str(j, "granted", c[i].after);
		json_bool(j, "restored", c[i].restored);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

void bufset_release(struct bufset *s)
{
	/* Unmap first: pages still mapped cannot go back to the pool. Keep
	 * the records, which meta.json still reports. */
	for (int i = 0; i < s->nr; i++) {
		struct buf tmp = s->b[i];

		buf_free(&tmp);
		s->b[i].base = NULL;
		s->b[i].map = NULL;
		s->b[i].huge_map = NULL;
	}
	knob_restore_all();
}
