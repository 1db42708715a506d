/* Collect the facts that change what translation costs, once per run. */
#include "machine.h"

#include "buf.h"
#include "clock.h"
#include "place.h"
#include "tlbgeom.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void machine_read(struct machine *m)
{
	struct utsname u;

	memset(m, 0, sizeof(*m));
	if (gethostname(m->host, sizeof(m->host) - 1))
		snprintf(m->host, sizeof(m->host), "unknown");
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s", u.release, u.version);
	cpu_read(&m->cpu);
	cpu_kernel_hypervisor(m->hv_kernel, sizeof(m->hv_kernel));
	m->flushes_tlb = cpu_kernel_flushes_tlb(m->flush_how, sizeof(m->flush_how));
	if (knob_read_choice(KNOB_THP_DIR "/enabled", m->thp_enabled, sizeof(m->thp_enabled)))
		snprintf(m->thp_enabled, sizeof(m->thp_enabled), "unavailable");
	if (knob_read_choice(KNOB_THP_DIR "/defrag", m->thp_defrag, sizeof(m->thp_defrag)))
		snprintf(m->thp_defrag, sizeof(m->thp_defrag), "unavailable");
	m->nr_mthp = knob_mthp(m->mthp, MACHINE_MAX_MTHP);
	m->nr_pools = knob_pools(m->pools, MACHINE_MAX_POOLS);
	m->nr_nodes = place_nr_nodes();
	m->tsc_ghz = clock_tsc_ghz(20000000);
	for (unsigned l = 1; l <= 3; l++)
		m->cache_bytes[l] = cpu_cache_bytes(l);
	m->mem_available_bytes = buf_mem_available();
}

void machine_pools_json(struct json *j, const char *key, const struct knob_pool *p, int n)
{
	json_arr(j, key);
	for (int i = 0; i < n; i++) {
		json_obj(j, NULL);
		json_int(j, "page_kb", (int64_t)p[i].page_kb);
		json_int(j, "total", (int64_t)p[i].nr);
		json_int(j, "free", (int64_t)p[i].free);
		json_int(j, "reserved", (int64_t)p[i].resv);
		json_int(j, "surplus", (int64_t)p[i].surplus);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void machine_tlb_json(struct json *j, const char *key, const struct cpu_info *ci)
{
	json_arr(j, key);
	for (int i = 0; i < ci->nr_tlb; i++) {
		const struct cpu_tlb *t = &ci->tlb[i];

		json_obj(j, NULL);
		json_int(j, "page_kb", t->page_kb);
		json_int(j, "level", t->level);
		json_int_or_null(j, "entries", t->entries);
		json_int_or_null(j, "assoc", t->assoc);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void machine_published_json(struct json *j, const struct cpu_info *ci)
{
	const struct tlbgeom_cpu *g = tlbgeom_lookup_cpu(ci);

	json_obj(j, "published");
	json_str(j, "model", g ? g->name : NULL);
	json_int_or_null(j, "l1_load_cycles", g && g->l1_load_cycles > 0 ? g->l1_load_cycles : -1);
	json_str(j, "source", g ? g->source : NULL);
	json_int_or_null(j, "page_walkers", g && g->walkers > 0 ? g->walkers : -1);
	json_str(j, "page_walkers_source", g && g->walkers > 0 ? g->walkers_source : NULL);
	json_obj_end(j);
}

const char *machine_translation(const struct machine *m, const char **why)
{
	if (!m->cpu.hv_signature[0] && !m->hv_kernel[0] && !cpu_has_flag("hypervisor")) {
		*why = "no hypervisor: CPUID and the kernel log name none";
		return "native";
	}
	if (strstr(m->hv_kernel, "PVM")) {
		*why = "the kernel log says \"Hypervisor detected: PVM\", which uses shadow paging";
		return "shadow";
	}
	*why = "a hardware-virtualised guest: EPT/NPT, a two-dimensional walk (up to 24 memory "
	       "references per miss with 4-level tables on both sides)";
	return "nested";
}

void machine_json(struct json *j, const struct machine *m)
{
	const char *tr_why, *tr = machine_translation(m, &tr_why);

	const struct cpu_info *c = &m->cpu;

	json_obj(j, "machine");
	json_str(j, "host", m->host);
	json_str(j, "kernel", m->kernel);
	json_str(j, "cpu_model", c->brand);
	json_str(j, "cpu_vendor", c->vendor);
	json_int(j, "cpu_family", c->family);
	json_int(j, "cpu_model_number", c->model);
	json_int(j, "cpu_stepping", c->stepping);
	json_str(j, "hypervisor_cpuid", c->hv_signature[0] ? c->hv_signature : NULL);
	json_str(j, "hypervisor_kernel", m->hv_kernel[0] ? m->hv_kernel : NULL);
	json_str(j, "translation", tr);
	json_str(j, "translation_why", tr_why);
	if (m->flushes_tlb < 0)
		json_null(j, "kernel_entry_flushes_tlb");
	else
		json_bool(j, "kernel_entry_flushes_tlb", m->flushes_tlb);
	json_str(j, "kernel_entry_flush_evidence", m->flush_how);
	json_str(j, "thp_enabled", m->thp_enabled);
	json_str(j, "thp_defrag", m->thp_defrag);
	json_arr(j, "mthp");
	for (int i = 0; i < m->nr_mthp; i++) {
		json_obj(j, NULL);
		json_int(j, "page_kb", (int64_t)m->mthp[i].page_kb);
		json_str(j, "enabled", m->mthp[i].enabled);
		json_obj_end(j);
	}
	json_arr_end(j);
	machine_pools_json(j, "hugepage_pools", m->pools, m->nr_pools);
	json_int(j, "numa_nodes", m->nr_nodes);
	json_num(j, "tsc_ghz", m->tsc_ghz);
	json_int(j, "l1d_bytes", (int64_t)m->cache_bytes[1]);
	json_int(j, "l2_bytes", (int64_t)m->cache_bytes[2]);
	json_int(j, "l3_bytes", (int64_t)m->cache_bytes[3]);
	json_int(j, "mem_available_bytes", (int64_t)m->mem_available_bytes);
	machine_tlb_json(j, "tlb_declared", c);
	json_str(j, "tlb_declared_why_empty", c->tlb_why[0] ? c->tlb_why : NULL);
	machine_published_json(j, c);
	json_obj_end(j);
}
