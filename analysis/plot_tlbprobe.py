"""The tlbprobe plot: translation cost against pages touched per backing
and layout, the knees and the declared and published entry counts marked,
the huge-page verdicts in the title. A part of Plotter (plot.py)."""

import textwrap

from . import jsonq
from .gplot import g6, gp_str, note, num, safe
from .jsonq import fields, objects
from .source import is_uint

# Deltas (probe - baseline) at or below this, noise around zero, are drawn
# at it on the log axis.
TP_FLOOR = "0.05"
TP_CPUID_COL, TP_PUB_COL = "#d06000", "#000000"
TITLE_WIDTH = 130  # characters a title line may take before it wraps


class TlbprobePlots:
    """Plotter's tlbprobe methods; they use its data and axis helpers."""

    def split_tlbprobe(self):
        """One file per (backing, layout); a page count probed more than once
        keeps its lowest delta, as tlb.json's fit does."""
        order, best, rows, index, seen = [], {}, {}, [], set()

        def clamp(v):
            return TP_FLOOR if num(v) < float(TP_FLOOR) else v

        for r in self.src.tlbcsv or []:
            pg, d = r["pages"], r["delta_ns"]
            if not pg.isdigit() or d == "":
                continue
            name = f"tp_{safe(r['backing'])}_{safe(r['layout'])}.dat"
            if name not in seen:
                seen.add(name)
                index.append((name, r["backing"], r["page_kb"], r["layout"]))
            k = (name, pg)
            if k in best and num(best[k]) <= num(d):
                continue
            if k not in best:
                order.append(k)
            best[k] = d
            lo, hi = r.get("delta_p10_ns", ""), r.get("delta_p90_ns", "")
            rows[k] = f"{pg} {clamp(d)} {clamp(lo or d)} {clamp(hi or d)} {d}"
        files = {n: ("# pages delta_ns delta_p10_ns delta_p90_ns delta_ns_raw", []) for n, _, _, _ in index}
        for k in order:
            files[k[0]][1].append(rows[k])
        self.write_data(files)
        return index

    def collect_tlbprobe(self):
        self.tp_series, self.tp_knees = [], {}
        index = self.split_tlbprobe()
        if not index:
            return
        recs = [(self.rank(b), self.layout_rank(lay), f, b, pk, lay) for f, b, pk, lay in index]
        self.tp_series = sorted(recs, key=lambda r: (r[0], r[1], r[5], "|".join(map(str, r))))
        self.tp_min, self.tp_max = self.span(sorted(r[2] for r in self.tp_series))
        for b, pk, lay, lvl, ent in (fields(o, "backing", "page_kb", "layout", "level", "entries")
                                     for o in objects(self.src.tlb, "inferred")):
            if lvl in ("1", "2") and is_uint(ent):
                k = f"{b}|{lay}"
                self.tp_knees[k] = (self.tp_knees[k] + ", " if k in self.tp_knees else "") + f"L{lvl} {ent}"

    def tp_marker_list(self):
        """(pages, level, source, colour): inferred knees of levels 1 and 2 in
        their curve's colour, and the 4K entries CPUID declares (tlb.json,
        else meta.json) and the vendor publishes."""
        out = []
        t = self.src.tlb
        for b, pk, lay, lvl, ent in (fields(o, "backing", "page_kb", "layout", "level", "entries")
                                     for o in objects(t, "inferred")):
            if lvl in ("1", "2") and is_uint(ent):
                out.append((ent, lvl, "inferred", self.colour(b)))
        for s in ("CPUID", "published"):
            if s == "published":
                rows = objects(t, "published.entries") if t is not None else []
            else:
                rows = objects(t, "declared") if t is not None else objects(self.src.meta, "tlb_declared")
            for pk, lvl, ent in (fields(o, "page_kb", "level", "entries") for o in rows):
                if pk == "4" and lvl in ("1", "2") and is_uint(ent):
                    out.append((ent, lvl, s, TP_CPUID_COL if s == "CPUID" else TP_PUB_COL))
        return out

    def gp_tp_markers(self, marks, names):
        out, n = [], 0
        self.offscale = []
        seen = set()
        for x, lvl, src, col in sorted(marks, key=lambda m: (num(m[0]), m[2], m[3])):
            if (num(x), src, col) in seen:
                continue
            seen.add((num(x), src, col))
            if num(x) < num(self.tp_min) or num(x) > num(self.tp_max):
                self.offscale.append(f"L{lvl} {x} ({src})")
                continue
            n += 1
            dt, lw = {"inferred": (1, "1"), "CPUID": (2, "1.4")}.get(src, (3, "1.6"))
            out.append(f'set arrow {n} from {x}, graph 0 to {x}, graph 1 nohead lc rgb "{col}" lw {lw} dt {dt} back')
        for x0, label, col in self.tp_clusters(marks):
            n += 1
            out.append(self.gp_vlabel(n, label, x0, self.free_side(x0, names), col))
        return out

    def tp_clusters(self, marks):
        """One label per cluster of markers within 10% of each other: "L1 72
        (inferred, CPUID, published)", "L2 3205 (inferred); 3072 (CPUID)"."""
        inside = [m for m in sorted(marks, key=lambda m: (num(m[0]), "|".join(m)))
                  if num(self.tp_min) <= num(m[0]) <= num(self.tp_max)]
        clusters, cur = [], []
        for m in inside:
            if cur and num(m[0]) > num(cur[0][0]) * 1.1:
                clusters.append(cur)
                cur = []
            cur.append(m)
        if cur:
            clusters.append(cur)
        out = []
        for c in clusters:
            parts = []
            for lvl in ("1", "2"):
                vals = []  # [value text, [sources]]
                for s in ("inferred", "CPUID", "published"):
                    xs = [num(m[0]) for m in c if m[1] == lvl and m[2] == s]
                    if not xs:
                        continue
                    lo, hi = min(xs), max(xs)
                    v = g6(lo) if lo == hi else f"{g6(lo)}–{g6(hi)}"
                    hit = next((e for e in vals if e[0] == v), None)
                    if hit:
                        hit[1].append(s)
                    else:
                        vals.append([v, [s]])
                if vals:
                    parts.append(f"L{lvl} " + "; ".join(f"{v} ({', '.join(ss)})" for v, ss in vals))
            cols = {m[3] for m in c}
            out.append((c[0][0], " / ".join(parts), cols.pop() if len(cols) == 1 else "#303030"))
        return out

    def tp_verdicts_said(self):
        cost = {"l2_hit": "an L2-TLB hit", "walk": "a walk"}
        out = []
        for b, v, r, sr, c, ns, k4 in (fields(o, "backing", "verdict", "rise_pages", "spread_rise_pages", "cost",
                                              "cost_ns", "l1_4k_pages") for o in objects(self.src.tlb, "huge_tlb_entries")):
            r, srs, nss, k4s, cs = f"{num(r):.0f}", f"{num(sr):.0f}", f"{num(ns):.1f} ns", f"{num(k4):.0f}", cost.get(c, "a step")
            if v == "splintered" and sr != "":
                out.append(f"{b}: splintered into 4K TLB entries: {cs} ({nss}) past {r} huge pages with every load in"
                           f" one 4K slice, past {srs} spread over the slices (4K pages: {k4s})")
            elif v == "splintered":
                out.append(f"{b}: splintered into 4K TLB entries: {cs} ({nss}) past {r} huge pages (4K pages: {k4s})")
            elif v == "not_in_l1":
                out.append(f"{b}: huge translations leave the L1 DTLB: {cs} ({nss}) past {r} huge pages (4K pages:"
                           f" past {k4s})")
            elif v == "huge_entries":
                out.append(f"{b}: huge TLB entries: the L1 DTLB holds about {r}, then {cs} ({nss})")
            else:
                out.append(f"{b}: undecided (see REPORT.md)")
        return out

    def plot_tlbprobe(self):
        tlbcsv = self.src.path("tlbprobe.csv")
        if not self.tp_series:
            note(f"skipping tlbprobe: no rows in {tlbcsv}" if self.src.tlbcsv is not None
                 else f"skipping tlbprobe: no {tlbcsv} (tlbprobe did not run)")
            self.remove("tlbprobe")
            return 0
        files = [r[2] for r in self.tp_series]
        marks = self.tp_marker_list()
        ghzs = sorted(float(g6(num(r["core_ghz"]))) for r in self.src.tlbcsv if num(r.get("core_ghz", "")) > 0)
        ghz = f"{ghzs[(len(ghzs) + 1) // 2 - 1]:.3f}" if ghzs else ""
        tstat, model = jsonq.s(self.src.tlb, "status"), jsonq.s(self.src.tlb, "published.model")
        body = ["reset", "set termoption noenhanced"]
        body += self.gp_xaxis(self.tp_min, self.tp_max, "pages touched (one probe line per page; log2)", "count")
        body += self.gp_yaxis(files, TP_FLOOR)
        body.append('set ylabel "translation cost per load, ns (probe - baseline)"')
        if ghz:
            y2 = "%.4g:%.4g" % (float(self.y_lo) * float(ghz), float(self.y_hi) * float(ghz))
            body += ["set logscale y2 10", f"set y2range [{y2}]", "set y2tics", "set my2tics 10",
                     f"set y2label {gp_str(f'cycles per load (at {ghz} GHz, the median core clock)')}",
                     "set ytics nomirror"]
        body += ['set grid xtics ytics lc rgb "#dddddd" lw 1', "set key below horizontal maxcols 3 width 2 samplen 3",
                 "set lmargin 12", "set rmargin 10" if ghz else "set rmargin 4"]
        body += self.gp_tp_markers(marks, files)
        t = f"TLB probe: extra time per load vs pages touched: {self.machine_line}"
        if tstat == "interrupted":
            t += " (tlbprobe interrupted: partial curves)"
        layouts = sorted({(r[1], r[5]) for r in self.tp_series})
        said = ", ".join(f"{lay} = {self.src.layout_word(lay, 'brief', lay)}" for _, lay in layouts)
        said = [t, f"line: median per round, band: p10 to p90; at or below {TP_FLOOR} ns drawn at {TP_FLOOR}",
                f"layouts: {said}"] + self.tp_verdicts_said()
        # A 1200-pixel title holds about 150 characters a line.
        wrapped = [line for s in said for line in textwrap.wrap(s, TITLE_WIDTH, subsequent_indent="    ")]
        t = '."\\n".'.join(gp_str(line) for line in wrapped)
        body += self.gp_title(t, "the pages probed")
        elems, titles = [], []
        for _, lr, f, b, pk, lay in self.tp_series:
            col = self.colour(b)
            elems.append(self.gp_band(f, col, "0.10"))
            knees = self.tp_knees.get(f"{b}|{lay}")
            titles.append(self.gp_curve(f, col, "1.6", lr, "0.6", f"{b} {lay}" + (f": {knees}" if knees else "")))
        srcs = {m[2] for m in marks}
        if "inferred" in srcs:
            titles.append('NaN with lines lc rgb "#303030" lw 1 dt 1 title "inferred knee (curve colour)"')
        if "CPUID" in srcs:
            titles.append(f'NaN with lines lc rgb "{TP_CPUID_COL}" lw 1.4 dt 2 title "4K entries CPUID declares"')
        if "published" in srcs:
            who = model or "the vendor"
            titles.append(f'NaN with lines lc rgb "{TP_PUB_COL}" lw 1.6 dt 3'
                          f" title {gp_str(f'4K entries {who} publishes')}")
        body.append(f"plot {','.join(elems)}, {','.join(titles)}")
        return self.run_gnuplot("tlbprobe", body)
