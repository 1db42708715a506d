"""REPORT.md's TLB geometry section, from tlb.json (and tlbprobe.csv):
inferred, declared and published entries per page size, miss costs, the
huge-page verdicts, the refinement passes and the notes."""

from . import jsonq
from .gplot import num as _fl
from .jsonq import fields, objects, strings
from .source import _n, assoc_said, is_uint, num, page_name

# A folio's L1 knee below this multiple of 4k's: one entry per 4 KiB page.
NO_COALESCING = 1.5


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


def _inferred(t):
    return [fields(o, "backing", "page_kb", "layout", "level", "kind", "entries", "miss_cost_ns",
                   "miss_cost_cycles", "confidence", "knee_pages", "mid_pages", "end_pages", "start_pages")
            for o in objects(t, "inferred")]


def _folio_kb(src):
    vocab = (src.probe_meta or src.meta or {}).get("vocab") or {}
    return {b: int(k) for b, k in (vocab.get("backing_folio_kb") or {}).items()}


def folio_knees(inferred, folio_kb):
    """Per multi-size THP backing probed: (folio kB, its L1 knee in 4 KiB
    pages, 4k's, their ratio). A CPU that coalesces a folio's PTEs into
    one entry reaches its knee at proportionally more pages."""
    l1 = {x[0]: _fl(x[9]) for x in inferred if x[2] == "spread" and x[3] == "1" and _known(x[9])}
    base = l1.get("4k")
    return {b: (kb, l1[b], base, l1[b] / base) for b, kb in folio_kb.items()
            if 4 < kb < 2048 and b in l1 and base}


def folio_coalescing(src):
    """{backing: ratio of its L1 knee to 4k's} from the run's tlb.json."""
    if src.tlb is None:
        return {}
    return {b: k[3] for b, k in folio_knees(_inferred(src.tlb), _folio_kb(src)).items()}


def folio_entries(inferred, folio_kb):
    """Lines on how many TLB entries a multi-size THP folio takes at L1."""
    lines = []
    for b, (kb, knee, base, r) in folio_knees(inferred, folio_kb).items():
        pages = kb // 4
        said = (f"{b}: its L1 knee is at {knee:.0f} 4 KiB pages against {base:.0f} for 4k ({r:.2f}x), so a"
                f" {kb} KiB folio of {pages} pages takes ")
        if r < NO_COALESCING:
            said += f"one entry per 4 KiB page ({pages} per folio): no coalescing at L1"
        elif r >= 0.75 * pages:
            said += "one entry for the whole folio: its 4 KiB PTEs are coalesced"
        else:
            said += f"about {pages / r:.1f} entries (one per {r:.1f} pages): partly coalesced"
        lines.append(f"- {said}.")
    return lines


def tlb(src, out):
    t = src.tlb
    if t is None:
        return
    q = lambda k: jsonq.s(t, k)  # noqa: E731
    tstat, model, source, pnote, nrd, dwhy = (q("status"), q("published.model"), q("published.source"),
                                              q("published.note"), q("nr_disagree"), q("declared_why_empty"))
    inferred = _inferred(t)
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
    folios = folio_entries(inferred, _folio_kb(src))
    if folios:
        out += ["Multi-size THP folios in the TLB (the direct test of PTE coalescing: a CPU that merges"
                " contiguous, aligned 4 KiB PTEs into one entry reaches its L1 knee at proportionally more 4 KiB"
                " pages):", ""] + folios + [""]
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
