"""REPORT.md for one run directory, from chase.csv, compare.csv, meta.json,
tlb.json and tlbprobe.csv, any of them partial or missing."""

import csv
import datetime
import decimal
import json
import os
import statistics

from . import jsonq, levels
from .jsonq import fields, objects, strings
from .units import human_bytes as human


class Source:
    """What a run directory holds, read once; CSV cells stay text."""

    def __init__(self, d):
        self.dir = d
        self.meta = self._json("meta.json")
        self.tlb = self._json("tlb.json")
        self.probe_meta = self._json("tlbprobe-meta.json")
        self.chase = self._csv("chase.csv")
        self.compare = self._csv("compare.csv")
        self.tlbcsv = self._csv("tlbprobe.csv")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _json(self, name):
        try:
            with open(self.path(name), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def _csv(self, name):
        """Rows as dicts of text, or None when the file is missing."""
        try:
            with open(self.path(name), newline="", encoding="utf-8") as f:
                return [r for r in csv.DictReader(f) if any(v for v in r.values() if v)]
        except OSError:
            return None

    def m(self, key):
        return jsonq.s(self.meta, key)

    @property
    def backings(self):
        """The backings in the order pagewalk defines them (the run's vocab)."""
        for doc in (self.meta, self.probe_meta):
            order = jsonq.get(doc, "vocab.backings")
            if order:
                return order
        return []

    def rank(self, b):
        """A backing's place in that order; unknown ones after it."""
        order = self.backings
        return order.index(b) if b in order else len(order)

    @property
    def layouts(self):
        """tlbprobe's layouts in their order, as tlbprobe-meta.json gives them."""
        return objects(self.probe_meta, "layouts")

    def layout_word(self, name, key, default):
        return next((lay.get(key) for lay in self.layouts if lay.get("name") == name), default)

    def has(self, rel):
        return os.path.isfile(self.path(rel))


def is_uint(v):
    """A positive integer, as text."""
    return v.isdigit() and int(v) != 0


def dec_hex(v):
    return f"{int(v)} (0x{int(v):x})" if v.isdigit() else (v or "unknown")


def assoc_said(a):
    if a == "0":
        return "fully associative"
    if a in ("", "-1"):
        return "associativity unknown"
    return f"{a}-way"


def num(v, digits):
    """The value as written, rounded to digits decimals (half to even on the
    decimal text, not on its binary double); empty stays empty."""
    if v == "":
        return ""
    q = decimal.Decimal(1).scaleb(-digits)
    return str(decimal.Decimal(v).quantize(q, rounding=decimal.ROUND_HALF_EVEN))


def page_name(kb):
    return human(int(kb) * 1024).rstrip("B")


def stride64(r):
    return r["pattern"] == "rand" and r["stride_bytes"] == "64" and float(r["stagger"] or 0) == 0


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


def _n(v):
    """sort -n's reading of a field: its leading number, else 0."""
    try:
        return float(v)
    except ValueError:
        return 0.0


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


def _f(x, digits):
    """awk's f2/f3: n/a for an empty cell."""
    return "n/a" if x == "" else f"{float(x):.{digits}f}"


def _few(rounds):
    """Fewer than 6 rounds: no sign-test interval of the median reaches 95%
    (every round on one side happens by chance 2/2^5 = 6.25% of the time at 5)."""
    return rounds.isdigit() and int(rounds) < 6


def _said(v, why, a, b):
    """compare.csv's verdict token in the report's words."""
    return {"a_slower": f"{a} slower", "b_slower": f"{b} slower", "same": "no difference",
            "undecided": "cannot decide" + (" (fewer than 6 rounds)" if why == "fewer_than_6_rounds" else "")
            }.get(v, v)


def _effective(v, rounds):
    if _few(rounds):
        return "cannot decide (fewer than 6 rounds)"
    return "cannot decide" if v.startswith("cannot decide") else v


def _gt0(x):
    return x != "" and float(x) > 0


def _largest_sentence(a, b, last):
    at, rm, lo, hi, rounds = (human(int(last["footprint_bytes"])), last["ratio_median"], last["ratio_lo"],
                              last["ratio_hi"], last["nr_rounds"])
    ev = _effective(last["verdict"], rounds)
    if ev == f"{a} slower":
        s = f"At {at}, {a} is {float(rm):.2f}x slower than {b} (95% interval {float(lo):.2f}–{float(hi):.2f} over {rounds} rounds)."
    elif ev == f"{b} slower" and _gt0(rm):
        s = (f"At {at}, {b} is {1 / float(rm):.2f}x slower than {a} (95% interval"
             f" {1 / float(hi) if _gt0(hi) else 0:.2f}–{1 / float(lo) if _gt0(lo) else 0:.2f} over {rounds} rounds).")
    elif ev == f"{b} slower":
        s = f"At {at}, {b} is slower than {a} (95% interval of {a}/{b} {_f(lo, 2)}–{_f(hi, 2)} over {rounds} rounds)."
    elif ev == "no difference":
        s = (f"At {at}, no difference is measurable between {a} and {b} (ratio {float(rm):.2f}, 95% interval"
             f" {float(lo):.2f}–{float(hi):.2f} over {rounds} rounds).")
    elif _few(rounds):
        s = (f"At {at}, the data cannot decide whether {b} is faster than {a}: {rounds} rounds are fewer than 6, and"
             " fewer than 6 rounds can never give a 95% verdict (even with every round on one side, chance alone"
             f" does that {'%.3g' % (100 * 2 ** (1 - int(rounds)))}% of the time). The per-round ratios {a}/{b} span"
             f" {_f(last['ratio_min'], 2)}–{_f(last['ratio_max'], 2)} (median {_f(rm, 2)}).")
    elif ev.startswith("cannot decide"):
        spans = lo != "" and hi != "" and float(lo) <= 1 and float(hi) >= 1
        s = (f"At {at}, the data cannot decide whether {b} is faster than {a}: the 95% interval of {a}/{b},"
             f" {_f(lo, 2)}–{_f(hi, 2)}, {'spans 1' if spans else 'does not settle it'} (median {_f(rm, 2)} over"
             f" {rounds} rounds); more rounds or a quieter host would tell.")
    else:
        s = f"At {at}, no verdict was recorded"
        if rm != "":
            s += f" (ratio {a}/{b} {_f(rm, 2)} over {rounds or 'an unknown number of'} rounds)"
        s += "."
    if ev == f"{b} slower":
        s += f" **{b} does not help here: it is slower than {a}** at the largest footprint measured."
    elif ev == "no difference":
        s += f" **{b} does not help here**: at the largest footprint measured it is no faster than {a}."
    return s


def backings_compared(src, out):
    if src.compare is None or not src.compare:
        out += ["## Backings compared", "",
                "No data: compare.csv is missing." if src.compare is None else "No data: compare.csv has only a header.",
                ""]
        return
    groups = {}
    for r in src.compare:
        if not stride64(r) or not r["footprint_bytes"].isdigit():
            continue
        r = dict(r, verdict=_said(r.get("verdict", ""), r.get("verdict_reason", ""), r["backing_a"], r["backing_b"]))
        groups.setdefault((r["backing_a"], r["backing_b"]), []).append(r)
    if not groups:
        out += ["## Backings compared", "", "No data: compare.csv has no rand stride-64 rows."]
        return
    l3 = int(src.m("l3_bytes")) if src.m("l3_bytes").isdigit() else 0
    for (a, b), rows in sorted(groups.items(), key=lambda kv: src.rank(kv[0][1])):
        rows = sorted(rows, key=lambda r: int(r["footprint_bytes"]))
        out += [f"## {a} vs {b}", "",
                f"The same random chain (stride 64) timed on {a} and on {b} in interleaved rounds; ratio = {a} / {b}"
                f" per round, so above 1 means {b} is faster.", ""]
        shown = [r for r in rows if int(r["footprint_bytes"]) >= 64 << 20]
        if not shown:
            shown = rows[-3:] if len(rows) > 3 else rows
            out += [f"No footprint reaches 64M; the largest {len(shown)} are shown.", ""]
        out += [f"| footprint | ns {a} (median) | ns {b} (median) | ratio {a}/{b} (median) | 95% interval |"
                " per-round min–max | rounds | verdict |", "|---:|---:|---:|---:|---|---|---:|---|"]
        n = {"fast": 0, "slow": 0, "same": 0, "und": 0, "few": 0, "none": 0}
        for r in shown:
            v, rounds = r["verdict"], r["nr_rounds"]
            ev = _effective(v, rounds)
            said = v or "none recorded"
            if _few(rounds) and not v.startswith("cannot decide"):
                said = f"cannot decide (fewer than 6 rounds; recorded as {said})"
            out.append(f"| {human(int(r['footprint_bytes']))} | {r['ns_a_median']} | {r['ns_b_median']} |"
                       f" {_f(r['ratio_median'], 3)} | [{_f(r['ratio_lo'], 3)}, {_f(r['ratio_hi'], 3)}] |"
                       f" {_f(r['ratio_min'], 3)}–{_f(r['ratio_max'], 3)} | {rounds} | {said} |")
            n["few"] += _few(rounds)
            key = ("fast" if ev == f"{a} slower" else "slow" if ev == f"{b} slower" else "same"
                   if ev == "no difference" else "und" if ev.startswith("cannot decide") else "none")
            n[key] += 1
        nf = len(shown)
        out += ["", _largest_sentence(a, b, rows[-1]), ""]
        s = (f"Over the {nf} footprint{'' if nf == 1 else 's'} above, {b} is faster at {n['fast']}, slower at"
             f" {n['slow']}, no different at {n['same']}; the data cannot decide at {n['und']}.")
        if n["none"]:
            s += f" {n['none']} footprint{' has' if n['none'] == 1 else 's have'} no verdict recorded."
        if n["few"]:
            who = ((("It has" if nf == 1 else "All of them have")) if n["few"] == nf
                   else f"{n['few']} of them {'has' if n['few'] == 1 else 'have'}")
            s += (f" {who} fewer than 6 rounds, and fewer than 6 rounds can never give a 95% verdict (the sign-test"
                  " interval of the median needs at least 6), so"
                  f" {'it is' if n['few'] == 1 else 'they are'} counted as cannot decide: rerun with more --reps.")
        big = int(rows[-1]["footprint_bytes"])
        if l3 > 0 and big < 4 * l3:
            s += (f" The largest footprint ({human(big)}) stays below four times L3 ({human(4 * l3)}): a larger"
                  " --max reaches DRAM, where page walks cost the most.")
        out += [s, ""]


def _fl(x):
    """awk's number of a field: empty is 0."""
    try:
        return float(x)
    except ValueError:
        return 0.0


def _known(x):
    return x not in ("", "-1")


def entries_said(e, a, what):
    if not _known(e):
        return what
    if e == "0":
        return "none"
    return e if not _known(a) else f"{e} ({assoc_said(a)})"


def _same(a, b):
    """awk's ==: numerically when both look like numbers."""
    try:
        return float(a) == float(b)
    except ValueError:
        return a == b


def _geom_at(rows, pk, lvl):
    for r in rows:
        if _same(r[0], pk) and _same(r[1], lvl):
            return r[2], r[3]
    return "", ""


def tlb(src, out):
    t = src.tlb
    if t is None:
        return
    q = lambda k: jsonq.s(t, k)  # noqa: E731
    tstat, model, source, pnote, nrd, dwhy = (q("status"), q("published.model"), q("published.source"),
                                              q("published.note"), q("nr_disagree"), q("declared_why_empty"))
    inferred = [fields(o, "backing", "page_kb", "layout", "level", "kind", "entries", "miss_cost_ns",
                       "miss_cost_cycles", "confidence", "knee_pages", "mid_pages", "end_pages", "start_pages")
                for o in objects(t, "inferred")]
    declared = [fields(o, "page_kb", "level", "entries", "assoc") for o in objects(t, "declared")]
    published = [fields(o, "page_kb", "level", "entries", "assoc") for o in objects(t, "published.entries")]
    dvp = [fields(o, "page_kb", "level", "declared", "published", "agree", "says")
           for o in objects(t, "declared_vs_published")]
    fits = [fields(o, "backing", "page_kb", "layout", "points", "levels", "why") for o in objects(t, "fits")]
    huge = [fields(o, "backing", "page_kb", "verdict", "why", "layout", "spread_layout")
            for o in objects(t, "huge_tlb_entries")]
    out += ["## TLB geometry (tlbprobe)", ""]
    if tstat == "interrupted":
        out += ["> tlbprobe was **interrupted**: curves it did not finish are not fitted, and a level beyond the"
                " pages it reached is missing.", ""]
    out += ["bench/tlbprobe times a chain of loads, one cache line per page in random order, against the same lines"
            " packed into as few pages as possible, so the difference is address translation with the data in"
            " cache. The entries of each TLB level and the cost of exceeding it come from the shape of that curve"
            " alone; CPUID's claims and the vendor's published figures are set beside them, and feed nothing."
            " Miss cost is the extra time per load once a level's entries are exceeded, over the level before:"
            " past L1 the loads hit the next TLB level, past the last they walk the page tables. Confidence runs"
            " from 0 (a guess) to 1 (a sharp, clean step).", ""]
    who = (model or "the vendor").replace("|", "\\|")
    pks = sorted({int(x[1]) for x in fits + inferred if x[1].isdigit()})
    for pk in pks:
        out += [f"### {page_name(pk)} pages", ""]
        want = "spread" if pk == 4 else "spread4k"
        cand = [(f[2] != want, src.rank(f[0]), i, f) for i, f in enumerate(fits)
                if _same(f[1], pk) and f[2] in (want, "spread")]
        if not cand:
            out += [f"No curve to read: no spread or spread4k layout was probed on {page_name(pk)} pages.", ""]
            continue
        bk, lay = min(cand)[3][0], min(cand)[3][2]
        said = src.layout_word(lay, "said", None)  # runs before 2026-11 lack the words
        out += [f"Inferred from the {bk} backing, layout {lay}{f' ({said})' if said else ''}.", "",
                f"| level | inferred entries | CPUID declares | {who} publishes | inferred vs published |"
                " miss cost, ns per load | miss cost, cycles | confidence |",
                "|---|---:|---:|---:|---:|---:|---:|---:|"]
        ramp = ""
        for lvl in (1, 2):
            row = next((x for x in inferred if x[0] == bk and x[2] == lay and _same(x[3], lvl)), None)
            e, ns, cy, conf, knee, mid, end, start = row[5:13] if row else [""] * 8
            start = start or knee
            de, da = _geom_at(declared, pk, lvl)
            pe, pa = _geom_at(published, pk, lvl)
            vs = ""
            if is_uint(e) and is_uint(pe):
                vs = "0%" if int(e) == int(pe) else f"{(int(e) - int(pe)) * 100 / int(pe):+.1f}%"
            if row is None:
                e = "not found"
                pages = [int(r["pages"]) for r in (src.tlbcsv or []) if r.get("backing") == bk
                         and r.get("layout") == lay and r.get("pages", "").isdigit()]
                if src.tlbcsv is not None and pages and max(pages):
                    e += f" (probed up to {max(pages)} pages)"
            de = entries_said(de, da, "hidden" if dwhy else "") or "unknown"
            if any(_same(x[0], pk) and _same(x[1], lvl) and x[4] == "disagree" for x in dvp):
                de = f"**{de}**, disagrees"
            out.append(f"| L{lvl} | {e} | {de} | {entries_said(pe, pa, 'not published')} | {vs} | {num(ns, 2)} |"
                       f" {num(cy, 1)} | {num(conf, 2)} |")
            if row and _fl(knee) > _fl(start) * 1.02:
                ramp += (f" The L{lvl} step is a wide ramp: it starts at {num(start, 0)} pages, is half done by"
                         f" {num(mid, 0)} and complete by {num(end, 0)}. A hashed or shared TLB loses entries before"
                         " its capacity and keeps some after it, so the capacity is read 30% of the way up"
                         f" ({num(knee, 0)}).")
            elif row and _fl(end) > _fl(start) * 1.1:
                ramp += (f" The L{lvl} step starts at {num(start, 0)} pages, is half done by {num(mid, 0)} and"
                         f" complete by {num(end, 0)}: a set-associative TLB fills set by set past its capacity,"
                         " so the capacity is where the step starts.")
        out.append("")
        if ramp:
            out += [ramp[1:], ""]
        verdict = next((h[2] for h in huge if h[0] == bk and _same(h[1], pk)), "")
        if pk != 4 and verdict == "splintered":
            out += [f"{bk} is splintered into 4K TLB entries (see below): with the lines spread over its 4K"
                    " sub-pages, the entries counted here are 4K ones, so they match the 4K L1 DTLB rather than"
                    f" the published {page_name(pk)} figure.", ""]
        others = [f"{x[0]} {x[2]}: L{x[3]} {x[5]} ({_fl(x[6]):.2f} ns)" for x in inferred
                  if _same(x[1], pk) and not (x[0] == bk and x[2] == lay) and x[3] in ("1", "2")]
        if others:
            out += [f"Other {page_name(pk)} curves: {'; '.join(others)}.", ""]
    if dwhy:
        out += [f"CPUID declares no data TLB here: {dwhy}. The published figures come from pagewalk's table, the"
                " inferred ones from timing.", ""]
    if not model:
        out.append(f"Published geometry: {source or 'none'}; CPUID's claims cannot be checked against it.")
    elif (nrd or "0") == "0":
        out.append(f"CPUID agrees with the geometry published for {model} on the number of entries wherever both"
                   " give a value.")
    else:
        hv = src.m("hypervisor_cpuid")
        out += [f"**CPUID disagrees with the geometry published for {model}** on the number of entries ({nrd}"
                f" entr{'y' if nrd == '1' else 'ies'}):", ""]
        out += [f"- {x[5]}." for x in dvp if x[4] == "disagree"]
        under = f' (this one runs under "{hv}")' if hv else ""
        out += ["", f"In a virtual machine CPUID can lie{under}: trust the measured entries over the declared ones."]
    if model:
        diff = []
        for pk, lvl, de, da in declared:
            if not pk.isdigit() or not _known(de) or not _known(da):
                continue
            pe, pa = _geom_at(published, pk, lvl)
            if _known(pe) and _known(pa) and de == pe and da != pa:
                diff.append((_n(lvl), _n(pk), f"- L{lvl} {page_name(pk)}: CPUID {assoc_said(da)}, published"
                                                f" {assoc_said(pa)}, both {de} entries: associativity differs."))
        if diff:
            out += ["", "Associativity differs where the number of entries agrees (the same capacity, so no"
                        " disagreement on it):", ""] + [d[2] for d in sorted(diff, key=lambda d: d[:2])]
    silent = [x[5] for x in dvp if x[4] == "unknown" and x[0].isdigit() and int(x[0]) in pks
              and not (not _known(x[2]) and not _known(x[3]))]
    if silent:
        out += ["", f"Where one side gives nothing: {'; '.join(silent)}."]
    out.append("")
    if model:
        out += [f"Published figures: {model}, from {source or 'an unnamed source'}{' (' + pnote + ')' if pnote else ''}.", ""]
    if huge:
        out += ["What huge pages get in the TLB, judged per huge backing from the curve with every probe line in"
                " the first 4K of its huge page (a real huge entry covers the whole page, 4K-granular ones fill the"
                " TLB's sets by 4K page) and the one with the lines spread over the 4K sub-pages, against the 4K"
                " curve:", ""]
        out += [f"- **{b}** ({page_name(pk)} pages; verdict {v}; layouts {lay}{' and ' + slay if slay else ''}):"
                f" {why}." for b, pk, v, why, lay, slay in huge]
        out.append("")
    elif any(_fl(f[1]) > 4 for f in fits):
        out += ["Huge TLB entries: no verdict (no huge backing has a complete subpage0 or spread curve).", ""]
    rpass, rdist = q("refine.passes"), q("refine.passes_disturbed")
    if rpass:
        extra = (f" {rdist} pass(es) were skipped because the TLB was disturbed at the time (the 4K probe at 90% of"
                 " its L1 knee cost more than a quarter of an L2-TLB hit: a busy SMT sibling or the host)."
                 if rdist not in ("", "0") else "")
        out += [f"Knees were probed again at every page count around them in {rpass} pass(es), each count keeping"
                f" its lowest delta.{extra}", ""]
    steps = [f"- {x[0]} {x[2]} at {x[5]} pages: {_fl(x[6]):+.2f} ns per load ({_fl(x[7]):.1f} cycles), confidence"
             f" {_fl(x[8]):.2f}: {x[4]}." for x in inferred if x[3] == "" and x[1] != ""]
    if steps:
        out += ["Other steps (no TLB level):", ""] + steps + [""]
    decided = {h[0] for h in huge if h[2] != "unknown"}
    notes = [f"- {x}" for x in strings(t, "notes")]
    notes += [f"- {f[0]} {f[2]}: {f[5]}" for f in fits
              if f[5] != "" and not (f[0] in decided and f[2] in ("spread", "subpage0"))]
    if notes:
        out += ["Notes:", ""] + notes + [""]
    if src.has("plots/tlbprobe.png"):
        out += ["![translation cost per load vs pages touched, per backing and layout, with the inferred, declared"
                " and published entries marked](plots/tlbprobe.png)", ""]


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


SECTIONS = (title, machine, buffers, plateaus, backings_compared, tlb, plots, how_to_read)


def render(d):
    """REPORT.md's text for run directory d."""
    src = Source(d)
    out = []
    for section in SECTIONS:
        section(src, out)
    return "\n".join(out) + "\n"


def write(d):
    """Write d/REPORT.md atomically (a temporary file, then a rename)."""
    text = render(d)
    path = os.path.join(d, "REPORT.md")
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "x", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path
