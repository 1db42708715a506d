"""Page walks in parallel (bench/mlp: mlp.csv, mlp-meta.json): throughput
against the number of independent chains per backing and footprint, where
it saturates, how many loads are then in flight, and what translation
costs in parallelism."""

from . import jsonq, render
from .gplot import colour_at
from .source import Source, maybe_float as _f
from .units import human_bytes as human

PLOT = "mlp"


class Mlp:
    def __init__(self, d):
        self.src = Source(d)
        self.meta = self.src.mlp_meta
        self.rows = self.src.mlp or []
        info = self.meta.get("mlp") if isinstance(self.meta, dict) else None
        self.info = info if isinstance(info, dict) else {}

    @property
    def present(self):
        return self.meta is not None

    def backings(self):
        order = jsonq.get(self.meta, "vocab.backings") or []
        seen = []
        for r in self.rows:
            if r["backing"] not in seen:
                seen.append(r["backing"])
        return sorted(seen, key=lambda b: order.index(b) if b in order else len(order))

    def footprints(self, role=None):
        return sorted({int(r["footprint_bytes"]) for r in self.rows if role in (None, r["role"])})

    def curve(self, b, fp):
        return sorted((r for r in self.rows if r["backing"] == b and int(r["footprint_bytes"]) == fp),
                      key=lambda r: int(r["chains"]))

    def fit(self, b, fp):
        for c in jsonq.objects(self.info, "curves"):
            if c.get("backing") == b and c.get("footprint_bytes") == fp:
                return c
        return None

    def walks(self, fp):
        return [w for w in jsonq.objects(self.info, "walks") if w.get("footprint_bytes") == fp]


def plot(d):
    """plots/mlp.png: ns per load against chains, one line per backing (its
    colour) and footprint (its dashes). None without an mlp run."""
    m = Mlp(d)
    lines = []
    for k, fp in enumerate(m.footprints()):
        for b in m.backings():
            pts = [(int(r["chains"]), _f(r["ns_per_load"])) for r in m.curve(b, fp) if _f(r["ns_per_load"])]
            # Colour: the backing, as in every plot; dashes: the footprint.
            lines.append((f"mlp_{b}_{fp}", f"{b}@{human(fp)}", pts if len(pts) >= 2 else [],
                          colour_at(m.src.rank(b)), k))
    return render.plot_lines(d, PLOT, lines, {
        "logy": 1, "xlabel": "independent chains in one thread", "ylabel": "ns per load (median; lower is more throughput)",
        "title": "page walks in parallel: throughput against chains, per backing and footprint"})


def _n(v, digits=1):
    return "" if v is None else f"{v:.{digits}f}"


def _fit_row(b, fp, c):
    f = c.get("fit") or {}
    capped = "yes" if f.get("capped") else "not within the chains tried"
    return (f"| {b} | {human(fp)} | {_n(f.get('latency_ns'))} | {_n(f.get('saturated_ns_per_load'), 2)} |"
            f" {f.get('saturation_chains', '')} | {_n(f.get('in_flight'))} [{_n(f.get('in_flight_lo'))},"
            f" {_n(f.get('in_flight_hi'))}] | {capped} |")


def _at(m, b, fp, chains):
    for r in m.curve(b, fp):
        if int(r["chains"]) == chains:
            return r
    return None


def claim(m, fp):
    """The one sentence: what 4K pages cost in parallelism at fp."""
    ref = next((c.get("ref_backing") for c in jsonq.objects(m.info, "curves")
                if c.get("footprint_bytes") == fp), None)
    k4, rf = m.fit("4k", fp), m.fit(ref, fp) if ref else None
    if not k4 or not rf or ref == "4k":
        return None
    f4, fr = k4["fit"], rf["fit"]
    n = fr.get("saturation_chains")
    row, one = _at(m, "4k", fp, n), _at(m, "4k", fp, 1)
    ratio = _f(row["ratio_ref"]) if row else None
    if ratio is None or one is None:
        return None
    if not (f4.get("capped") and fr.get("capped")):
        still = " and ".join(b for b, f in (("4K pages", f4), (ref, fr)) if not f.get("capped"))
        return (f"Beyond the TLB ({human(fp)}), {still} still gain from more chains at N = {n}: no cap within the"
                f" chains tried (4k runs at {ratio:.2f} times {ref}'s ns per load there; a single chain shows"
                f" {_f(one['ratio_ref']):.2f}).")
    text = (f"**Beyond the TLB ({human(fp)}), 4K pages cap at about {f4['in_flight']:.0f} loads in flight;"
            f" {ref} reaches {fr['in_flight']:.0f}, {ratio:.2f} times the throughput of 4K at N = {n}**"
            f" (where {ref} saturates; a single chain shows {_f(one['ratio_ref']):.2f}).")
    w = next((w for w in m.walks(fp) if w.get("backing") == "4k"), {})
    if w.get("capped_below_ref") and w.get("control_clean"):
        text += (f" Which limit is which: {ref}'s cap, reached with hardly a walk, is the core's own limit on"
                 " outstanding misses; 4K's lower one is translation's, since within the TLB's reach (the control)"
                 " 4K saturates with it.")
    return text


def _walk_line(m, w):
    pub, src = m.info.get("published_walkers"), m.info.get("published_walkers_source")
    model = m.info.get("published_model") or "this CPU"
    est = w.get("walks_in_flight")
    if est is None:
        text = f"- {w['backing']} against {w['ref_backing']}: a single chain shows no translation time to divide."
    else:
        text = (f"- {w['backing']} against {w['ref_backing']}: about **{est:.1f} page walks in flight**"
                f" [{w['walks_lo']:.1f}, {w['walks_hi']:.1f}] at saturation (Little's law: the single chain's"
                f" translation time over {w['backing']}'s saturated time per load, every load walking).")
    text += (f" Published for {model}: {pub} page walkers ({src})." if pub else
             f" No walker count is published for {model}.")
    return text + f" Confidence: {w['confidence']}: {w['why']}."


def _translation_note(m):
    tr = m.info.get("translation")
    if tr == "nested":
        return ("This is a guest under nested paging (EPT/NPT): each step of a guest walk can need a host walk"
                " (two-dimensional), so a walk here takes longer than on bare metal and holds its walker longer;"
                " the counts above are of guest walks.")
    if tr == "shadow":
        return ("This guest runs on shadow page tables: the hardware walks one table, as on bare metal; the host's"
                " cost is in page faults, not in walks.")
    return None


def section(src, out):
    out += ["## Page walks in parallel", ""]
    m = Mlp(src.dir)
    if not m.present:
        out += ["Not measured in this run (run_all.sh runs bench/mlp).", ""]
        return
    if not m.rows:
        out += ["The mlp run has no rows (mlp-meta.json says why).", ""]
        return
    reach = m.info.get("l2_tlb_reach_4k_bytes") or 0
    out += [f"N independent chains (random cycles over disjoint shares of the buffer's lines, stride"
            f" {m.info.get('stride_bytes', 64)}) advanced in turn by one thread; each round times every N on every"
            " backing, back to back. Throughput is ns per load; the ratio is 4k's ns per load over the"
            " reference's, round by round (above 1, 4K pages cost throughput). Loads in flight at saturation"
            " = the single chain's latency / the saturated ns per load (Little's law). Data in mlp.csv.", ""]
    control = m.footprints("control")
    if reach:
        where = ("the control footprint lies within it, the others beyond" if control and m.info.get("control_within_reach")
                 else "the control footprint lies beyond it too, so it controls for less" if control
                 else "no control footprint was measured")
        out += [f"The L2 TLB reaches {human(reach)} with 4K pages ({m.info.get('l2_tlb_reach_from')}); {where}.", ""]
    beyond = m.footprints("beyond")
    if beyond:
        fp = beyond[-1]
        ref = next((c.get("ref_backing") for c in jsonq.objects(m.info, "curves") if c.get("footprint_bytes") == fp), "")
        bks = m.backings()
        out += [f"At {human(fp)} (reference {ref}):", "",
                "| N | " + " | ".join(f"{b} ns/load" for b in bks) + " | 4k / ref | 95% interval |",
                "|---:|" + "---:|" * len(bks) + "---:|---|"]
        for r4 in m.curve("4k", fp) or m.curve(bks[0], fp):
            n = int(r4["chains"])
            cells = [_n(_f((_at(m, b, fp, n) or {}).get("ns_per_load")), 2) for b in bks]
            out.append(f"| {n} | " + " | ".join(cells) +
                       f" | {_n(_f(r4['ratio_ref']), 2)} | [{_n(_f(r4['ratio_lo']), 2)}, {_n(_f(r4['ratio_hi']), 2)}] |")
        out.append("")
        c = claim(m, fp)
        if c:
            out += [c, ""]
    out += ["| backing | footprint | latency, N = 1 (ns) | saturated ns/load | saturates from N |"
            " loads in flight [interval] | capped |", "|---|---:|---:|---:|---:|---|---|"]
    for fp in m.footprints():
        for b in m.backings():
            c = m.fit(b, fp)
            if c:
                out.append(_fit_row(b, fp, c))
    out.append("")
    for fp in beyond:
        ws = m.walks(fp)
        if ws:
            out += [f"Translation at {human(fp)}:", ""] + [_walk_line(m, w) for w in ws] + [""]
    if control:
        fp = control[0]
        c4, cr = m.fit("4k", fp), None
        if c4:
            cr = m.fit(c4.get("ref_backing"), fp)
        clean = next((w.get("control_clean") for fp_b in beyond for w in m.walks(fp_b)
                      if w.get("backing") == "4k" and w.get("control_clean") is not None), None)
        if c4 and cr and clean is not None:
            ratio = c4["fit"]["saturated_ns_per_load"] / cr["fit"]["saturated_ns_per_load"]
            where = "within reach" if m.info.get("control_within_reach") else "beyond reach too"
            out += [f"Control ({human(fp)}, {where}): saturated, 4k runs at {ratio:.2f} times"
                    f" {c4['ref_backing']}'s ns per load: "
                    + ("no 4K cap without walks, so a cap beyond reach is translation's, not the caches'."
                       if clean else "4K differs even without walks: the caches, not translation, may set the cap."), ""]
    note = _translation_note(m)
    if note:
        out += [note, ""]
    skipped = m.meta.get("skipped") or []
    if skipped:
        out += ["Skipped:", ""] + [f"- {x}" for x in skipped] + [""]
    if src.has(f"plots/{PLOT}.png"):
        out += [f"![ns per load against independent chains, per backing and footprint](plots/{PLOT}.png)", ""]
