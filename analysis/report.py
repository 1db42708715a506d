"""REPORT.md for one run directory, from chase.csv, compare.csv, meta.json,
tlb.json and tlbprobe.csv, any of them partial or missing. One function per
section; the long ones live in report_compare.py and report_tlb.py."""

import datetime
import os
import statistics

from . import levels
from . import jsonq
from .jsonq import fields, objects, strings
from .report_compare import backings_compared
from . import ladder, mlp, numa
from .report_numa import placement
from .rundir import guarded
from .report_tlb import tlb
from .source import Source, _n, assoc_said, dec_hex, is_uint, maybe_float, stride64
from .units import human_bytes as human, series_name


def title(src, out):
    host, start, end, status = src.m("host"), src.m("start"), src.m("end"), src.m("status")
    out += [f"# pagewalk report{': ' + host if host else ''}{', ' + start if start else ''}", ""]
    if src.meta is None:
        out.append("Run status unknown: meta.json is missing.")
    else:
        dur = ""
        try:
            t = [datetime.datetime.strptime(x, "%Y-%m-%dT%H:%M:%SZ") for x in (start, end)]
            dur = f" ({int((t[1] - t[0]).total_seconds())} s)"
        except ValueError:
            pass
        ended = f"ended {end}{dur}" if end else "not ended"
        out.append(f"Run **{status or 'unknown'}**: started {start or 'at an unknown time'}, {ended}.")
        args = " ".join(strings(src.meta, "args"))
        if args.strip():
            out += ["", f"Command: `{args}` (seed {src.m('seed')}, version {src.m('version')})."]
        if status in ("interrupted", "failed", "running"):
            out += ["", f"> This run is **{status}**: the tables below hold only the points it finished;"
                        " a missing plateau or footprint may just not have been reached."]
    out += ["", "Sizes are binary: 1K = 1024 bytes. Footprint is the working set the chain walks.", ""]


def machine(src, out):
    out += ["## Machine", ""]
    if src.meta is None:
        out += ["No data: meta.json is missing.", ""]
        return
    m = src.m
    p = (f"The CPU is {m('cpu_model') or 'of unknown model'} (vendor {m('cpu_vendor') or 'unknown'},"
         f" family {dec_hex(m('cpu_family'))}, model {dec_hex(m('cpu_model_number'))}")
    if m("cpu_stepping"):
        p += f", stepping {m('cpu_stepping')}"
    p += f"), running Linux {m('kernel')} on host {m('host') or 'unknown'}."
    hvc, hvk = m("hypervisor_cpuid"), m("hypervisor_kernel")
    if hvc:
        p += f" It runs in a virtual machine: the CPUID hypervisor signature is \"{hvc}\""
        p += f" and the kernel says \"Hypervisor detected: {hvk}\"." if hvk else "; the kernel names no hypervisor."
    elif hvk:
        p += f" The CPUID hypervisor bit is clear, yet the kernel says \"Hypervisor detected: {hvk}\"."
    else:
        p += " It looks like bare metal (no hypervisor bit)."
    flush, ev = m("kernel_entry_flushes_tlb"), m("kernel_entry_flush_evidence")
    p += {"true": " Kernel entries flush the TLB (page-table isolation without PCID), so every system call and"
                  " interrupt costs TLB refills",
          "false": " Kernel entries do not flush the TLB"}.get(flush, " Whether kernel entries flush the TLB is unknown")
    p += f" (evidence: \"{ev}\")." if ev else "."
    p += (f" Transparent huge pages: enabled \"{m('thp_enabled') or 'unknown'}\","
          f" defrag \"{m('thp_defrag') or 'unknown'}\".")
    nodes = m("numa_nodes")
    if nodes:
        p += " One NUMA node." if nodes == "1" else f" {nodes} NUMA nodes."
    tsc, g, gmin, gmax = m("tsc_ghz"), m("core_ghz_est"), m("core_ghz_est_min"), m("core_ghz_est_max")
    gm, npts, nagree, nunc = m("core_ghz_mul_est"), m("clock_points"), m("clock_points_agree"), m("clock_points_uncertain")
    if tsc:
        p += f" The TSC runs at {float(tsc):.3f} GHz"
    if g:
        p += "; the" if tsc else " The"
        p += (" core clock, estimated in this run from a chain of dependent register-register adds (one cycle"
              f" each), is {float(g):.2f} GHz")
        if gmin and gmax:
            p += f" (median; {float(gmin):.2f}–{float(gmax):.2f} GHz over the run)"
        if gm:
            p += f", and a chain of dependent multiplies (three cycles each) gives {float(gm):.2f} GHz"
            if npts and nagree:
                p += f": the two agree within 5% at {nagree} of {npts} points"
        p += "."
        if nunc and nunc != "0":
            p += (f" **At {nunc} point(s) the two clock estimates differ by more than 5%: the cycles of those points"
                  " are uncertain** (cycles_uncertain = 1 in chase.csv); their ns columns stand.")
    elif tsc:
        p += "; no core clock estimate was recorded."
    caches = [f"{n} {human(int(v))}" for n, v in (("L1d", m("l1d_bytes")), ("L2", m("l2_bytes")), ("L3", m("l3_bytes")))
              if is_uint(v)]
    if caches:
        p += " Caches: " + ", ".join(caches) + "."
    tlb = []
    decl = [fields(o, "page_kb", "level", "entries", "assoc") for o in objects(src.meta, "tlb_declared")]
    for pkb, lvl, ent, assoc in sorted(decl, key=lambda t: (_n(t[1]), _n(t[0]))):
        if not pkb:
            continue
        if not is_uint(ent):
            tlb.append(f"L{lvl} {human(int(pkb) * 1024)} not declared")
            continue
        tlb.append(f"L{lvl} {human(int(pkb) * 1024)} pages: {ent} entries, {assoc_said(assoc)}"
                   f" (reach {human(int(ent) * int(pkb) * 1024)})")
    if tlb:
        p += (" Declared TLB geometry, as CPUID reports it (a hypervisor can falsify CPUID, so these are claims,"
              " not measurements): " + "; ".join(tlb) + ".")
    out += [p, ""]


def buffers(src, out):
    out += ["## Buffers", ""]
    if src.meta is None:
        out += ["No data: meta.json is missing.", ""]
        return
    bufs = [fields(o, "backing", "bytes", "page_kb", "huge_fraction", "populate_ms", "verified_by",
                   "collapsed", "asked_bytes", "via") for o in objects(src.meta, "buffers")]
    if not bufs:
        out.append("No buffers recorded (the run stopped before allocating them).")
    else:
        out += ["| backing | bytes | page_kb | huge_fraction | populate_ms | via | verified_by | collapsed |",
                "|---|---:|---:|---:|---:|---|---|---|"]
        short = []
        for b, by, pk, hf, pm, vb, co, ab, via in bufs:
            if ab.isdigit() and by.isdigit() and int(by) < int(ab):
                short.append(f"- {b}: the hugetlb pool granted {human(int(by))} of the {human(int(ab))} asked for,"
                             f" so its curve stops at {human(int(by))}.")
            if by.isdigit():
                by = f"{by} ({human(int(by))})"
            esc = lambda x: x.replace("|", "\\|")  # noqa: E731
            out.append(f"| {esc(b)} | {by} | {pk} | {hf} | {pm} | {esc(via)} | {esc(vb)} | {co} |")
        if short:
            out += ["", "Sized to what the kernel granted:", ""] + short
    s1g = src.m("hugetlb.support_1g")
    if s1g:
        out += ["", f"1 GiB pages on this machine: {s1g}."]
    out.append("")
    skipped = strings(src.meta, "skipped")
    if not skipped:
        out.append("Skipped backings: none.")
    else:
        out += ["Skipped backings:", ""] + [f"- {x}" for x in skipped]
    out.append("")
    cs, cr, ca = src.m("counters.status"), src.m("counters.reason"), src.m("counters.advice")
    if cs in ("all", "partial"):
        seen = (" They are plotted per load against footprint in plots/counters.png (see Plots)."
                if src.has("plots/counters.png") else "")
        out.append(f"Hardware counters: {cs}; the per-load columns of chase.csv are filled where counted"
                   f" (meta.json names each event and path).{seen}")
    elif cs == "off":
        out.append("Hardware counters: off (--no-counters).")
    else:
        out.append(f"Hardware counters: none counted{', because ' + cr if cr else ''}. The TLB-miss and walk columns"
                   " of chase.csv are empty; cycles come from the core clock estimated in the run (register-add"
                   f" chain, cross-checked by imul).{' To get counters: ' + ca + '.' if ca else ''}")
    out.append("")
    disturbance(src, out)
    canary(src, out)
    alone_check(src, out)


def canary(src, out):
    c = (src.meta or {}).get("canary")
    if not c:
        return
    out.append(f"The host's shared cache: a {human(c['footprint_bytes'])} chain (sized from the L3) timed after"
               f" every point read {c['ns_median']:.1f} ns per load (median; {c['ns_min']:.1f} to {c['ns_max']:.1f}"
               f" over {c['samples']} points, p90 {c['spread']:.2f} times the minimum). Other tenants of a shared host"
               " take L3 space that no disturbance count shows, and every point that lives in the L3 moves with it,"
               " on all backings alike (canary_ns in chase.csv; `pagewalk compare` sets it beside another run's).")
    if c.get("state") == "busy":
        out += ["", f"> **The host's shared cache was busy during this run**: the canary's p90 is {c['spread']:.2f}"
                " times its minimum. Points may read slow, most of all those that live in the L3, and, when a"
                " tenant shares this core on the host, those in the L1 and L2 too (canary_ns says which points"
                " were timed while it read high); ratios between backings, timed in the same rounds, hold better"
                " than absolute latencies."]
    out.append("")


def alone_check(src, out):
    """chase --alone-ms: the rounds' medians against each chain timed alone,
    set beside how far the alone timings themselves moved."""
    a = (src.meta or {}).get("alone_check")
    ms = jsonq.get(src.meta, "options.alone_ms")
    keys = ("rows", "median_diff", "median_abs_diff", "p90_abs_diff", "within_5pct_share")
    if not isinstance(a, dict) or not ms or not all(isinstance(a.get(k), (int, float)) for k in keys):
        return
    out.append(f"Alone check (--alone-ms {ms}): every chain was also timed alone, for {ms} ms just before its"
               f" rounds and again just after them (the mean of the two is ns_alone in chase.csv). Over {a['rows']}"
               f" rows the rounds' medians read {100 * a['median_diff']:+.1f}% against alone (median; the size of"
               f" the difference: median {100 * a['median_abs_diff']:.1f}%, p90 {100 * a['p90_abs_diff']:.1f}%;"
               f" {100 * a['within_5pct_share']:.0f}% of rows within 5%).")
    drift, drift90 = a.get("median_abs_drift"), a.get("p90_abs_drift")
    if isinstance(drift, (int, float)) and isinstance(drift90, (int, float)):
        out[-1] += (f" The two alone timings of one chain, seconds apart, differed by {100 * drift:.1f}% (median;"
                    f" p90 {100 * drift90:.1f}%): that is the host's own drift, and a difference no"
                    " larger than it cannot be told from noise.")
    worst = []
    for r in src.chase or []:
        ns, alone = maybe_float(r.get("ns_median")), maybe_float(r.get("ns_alone"))
        if ns and alone and str(r.get("footprint_bytes", "")).isdigit():
            worst.append((abs(ns / alone - 1), ns / alone - 1, ns, alone, r))
    worst.sort(key=lambda w: -w[0])
    if worst:
        out += ["", "The rows furthest from alone:", ""]
        for _, d, ns, alone, r in worst[:3]:
            name = series_name(r["pattern"], r["stride_bytes"], r["stagger"])
            out.append(f"- {r['backing']}, {name} at {human(int(r['footprint_bytes']))}: {ns:.1f} ns in"
                       f" the rounds, {alone:.1f} ns alone ({100 * d:+.1f}%)")
    out.append("")


def disturbance(src, out):
    m = src.m
    rr = m("disturbance.reps_rerun")
    if not rr:
        return
    kept, nc, nh, seen = (m("disturbance.reps_kept_disturbed"), m("disturbance.chains_measured"),
                          m("disturbance.chains_disturbed"), m("disturbance.seen"))
    if rr == "0" and (kept or "0") == "0":
        out.append("Disturbance: none seen. No timed repetition was preempted, waited on the run queue for more"
                   f" than 50 us or lost time to the hypervisor (steal), over {nc} chain measurements.")
    elif (kept or "0") == "0":
        out.append(f"Disturbance: {rr} repetition(s) were disturbed ({seen}) and timed again, in {nh} of {nc} chain"
                   " measurements (nr_rerun in chase.csv); every kept repetition was quiet.")
    else:
        out.append(f"> **This run was disturbed**: {kept} repetition(s) stayed disturbed ({seen}) after 3 re-runs and"
                   f" were kept (nr_disturbed in chase.csv), and {rr} were timed again, in {nh} of {nc} chain"
                   " measurements. Something else ran on this CPU or the host took it: the affected points read"
                   " slow. Rerun on a quiet machine.")
    out.append("")


def _pct(x):
    """awk's %+.0f%%."""
    return f"{x:+.0f}%"


def plateaus(src, out):
    out += ["## Latency plateaus", ""]
    if src.chase is None:
        out += ["No data: chase.csv is missing.", ""]
        return
    if not src.chase:
        out += ["No data: chase.csv has only a header.", ""]
        return
    per, order = {}, []
    for r in src.chase:
        if not stride64(r) or r["ns_median"] == "" or not r["footprint_bytes"].isdigit():
            continue
        b = r["backing"]
        if b not in per:
            per[b] = []
            order.append(b)
        per[b].append((int(r["footprint_bytes"]), float(r["ns_median"]), r.get("cycles_per_load", "")))
    if not order:
        out += ["No data: chase.csv has no rand stride-64 rows.", ""]
        return
    pick = min(order, key=src.rank)
    rows = per[pick]
    maxfp = max(f for f, _, _ in rows)
    status = src.m("status")
    l1, l2, l3 = (int(v) if v.isdigit() else 0 for v in (src.m("l1d_bytes"), src.m("l2_bytes"), src.m("l3_bytes")))
    out += [f"Random chase (one dependent load at a time), stride 64, on the {pick} backing: the median of"
            " ns_median over the footprints in each range, the spread of those medians (lowest–highest), and the"
            " median cycles per load. A level is flat when its highest median is at most 1.5 times its lowest;"
            " past that the range is a ramp and its median is no latency plateau.", "",
            "| level | footprints | points | ns per load | spread, ns (min–max) | cycles per load | shape |",
            "|---|---|---:|---:|---:|---:|---|"]
    ramps, l1cyc = [], None
    for name, lo, hi, known in levels.ranges(l1, l2, l3):
        if not known:
            out.append(f"| {name} | cache size unknown | 0 | | | | |")
            continue
        rng = levels.describe(lo, hi)
        inside = lambda f: levels.inside(f, lo, hi)  # noqa: E731
        v = [ns for f, ns, _ in rows if inside(f)]
        w = [float(c) for f, _, c in rows if inside(f) and c != ""]
        if not v:
            if name == "DRAM" and status != "complete":
                out.append(f"| DRAM | {rng} | 0 | not reached (run {status or 'status unknown'}; largest footprint"
                           f" {human(maxfp)}) | | | |")
            elif name == "DRAM":
                out.append(f"| DRAM | {rng} | 0 | not reached, --max too small (largest footprint {human(maxfp)})"
                           " | | | |")
            else:
                out.append(f"| {name} | {rng} | 0 | no points | | | |")
            continue
        vmin, vmax = min(v), max(v)
        if len(v) == 1:
            shape = "one point: flatness unknown"
        elif vmin > 0 and vmax / vmin > 1.5:
            shape = f"**not flat** (max/min {vmax / vmin:.1f}): a ramp, the median is not a latency plateau"
            ramps.append(name)
        else:
            shape = f"flat (max/min {vmax / vmin if vmin > 0 else 1:.2f})"
        if name == "L1" and w:
            l1cyc = statistics.median(w)
        cyc = f"{statistics.median(w):.1f}" if w else "n/a"
        out.append(f"| {name} | {rng} | {len(v)} | {statistics.median(v):.2f} | {vmin:.2f}–{vmax:.2f} | {cyc} | {shape} |")
    out.append("")
    if l1cyc is not None:
        pub, model = src.m("machine.published.l1_load_cycles"), src.m("machine.published.model")
        if pub:
            out.append(f"L1 load-to-use: {l1cyc:.1f} cycles ({model} publishes {int(float(pub))}:"
                       f" {_pct(100 * (l1cyc / float(pub) - 1))}).")
        else:
            said = (f"{model} publishes no figure in pagewalk's table" if model
                    else "no published figure for this CPU model in pagewalk's table")
            out.append(f"L1 load-to-use: {l1cyc:.1f} cycles ({said}).")
        out.append("")
    out.append("The ranges keep clear of the edges: a footprint at a cache size already spills, so L1 to L3 use up"
               " to half the cache, and DRAM starts at four times L3.")
    if ramps:
        names = ramps[0] if len(ramps) == 1 else ", ".join(ramps[:-1]) + " and " + ramps[-1]
        out += ["", f"Latency still climbs across the {names} range{'s' if len(ramps) > 1 else ''} (see the spread):"
                    " no single latency holds there, so read the curve (ns per load against footprint) for"
                    f" {'those levels' if len(ramps) > 1 else 'that level'} rather than the one median."]
    out.append("")


PLOTS = (("latency", "ns per load vs footprint, per backing and pattern, caches and TLB reach marked"),
         ("thp_vs_4k", "4k and thp at rand stride 64, and their per-round ratio with its 95% interval"),
         ("counters", "hardware counters per load (TLB misses, STLB hits, walks, walk cycles) vs footprint at rand"
                      " stride 64"))


def plots(src, out):
    have = [(n, alt) for n, alt in PLOTS if src.has(f"plots/{n}.png")]
    if not have:
        return
    out += ["## Plots", ""]
    for n, alt in have:
        out += [f"![{alt}](plots/{n}.png)", ""]


HOW_TO_READ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "how_to_read.md")


def how_to_read(src, out):
    with open(HOW_TO_READ, encoding="utf-8") as f:
        out += f.read().rstrip("\n").split("\n")


SECTIONS = (title, machine, buffers, placement, plateaus, backings_compared, tlb, ladder.section, mlp.section, numa.section, plots, how_to_read)


def render(d):
    """REPORT.md's text for run directory d."""
    src = Source(d)
    out = []
    for section in SECTIONS:
        section(src, out)
    return "\n".join(out) + "\n"


def write(d):
    """Write d/REPORT.md atomically (a temporary file, then a rename); a
    RunError when a file of d is malformed."""
    text = guarded(d, render, d)
    path = os.path.join(d, "REPORT.md")
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "x", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path
