"""The plots of one run directory, through gnuplot: latency (ns per load vs
footprint per series, caches and TLB reach marked), thp_vs_4k (the backings
at rand stride 64 and their per-round ratio), tlbprobe (translation cost vs
pages touched, knees and declared/published entries marked, the huge-page
verdicts in the title) and counters (when any were counted). Each as .png
and .svg in DIR/plots/; the data files and gnuplot scripts behind them stay
in DIR/plots/data/. A plot whose data is absent is skipped with a note."""

import glob
import math
import os
import re
import shutil
import subprocess
import sys

from . import jsonq, ladder, mlp, numa
from .jsonq import fields, objects
from .source import Source, is_uint
from .units import human_bytes as human

PROG = "pagewalk report"
PALETTE = ("#1f66b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
           "#7f7f7f", "#bcbd22")
# Point types per (pattern, stride, stagger) variant: filled circle, square, triangles, diamond.
POINT_TYPES = (7, 5, 9, 11, 13, 15)
# Deltas (probe - baseline) at or below this, noise around zero, are drawn
# at it on the log axis.
TP_FLOOR = "0.05"
TP_CPUID_COL, TP_PUB_COL = "#d06000", "#000000"
CNT_COLS = ("dtlb_miss_per_load", "stlb_hit_per_load", "walk_per_load", "walk_cycles_per_load")
CNT_TITLES = ("L1 DTLB misses", "L2 TLB (STLB) hits", "page walks", "walk cycles")


def note(msg):
    sys.stderr.write(f"{PROG}: {msg}\n")


def gp_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def safe(s):
    return "".join(c if c.isalnum() and c.isascii() or c in "_.-" else "_" for c in s)


def g6(x):
    """awk's print of a number (%.6g)."""
    return "%.6g" % x


def num(x):
    try:
        return float(x)
    except ValueError:
        return 0.0


def sort_rows(lines):
    """sort -n -k1,1 over data lines, whole lines breaking ties."""
    return sorted(lines, key=lambda ln: (num(ln.split(" ", 1)[0]), ln))


class Plotter:
    def __init__(self, d):
        self.src = Source(d)
        self.dir = d
        self.plots = os.path.join(d, "plots")
        self.data = os.path.join(self.plots, "data")
        os.makedirs(self.data, exist_ok=True)
        # Only what was written last time: stale series must not linger.
        for pat in ("lat_*.dat", "pair_*.dat", "ratio_*.dat", "tp_*.dat", "cnt_*.dat", "*.gp"):
            for f in glob.glob(os.path.join(self.data, pat)):
                os.unlink(f)
        if self.src.meta is None:
            note(f"no {self.src.path('meta.json')}: plotting without cache sizes, TLB reach or CPU name")
        m = self.src.m
        self.l1d, self.l2, self.l3 = m("l1d_bytes"), m("l2_bytes"), m("l3_bytes")
        host, status = m("host"), m("status")
        self.machine_line = (m("cpu_model") or "unknown CPU") + (f" on {host}" if host else "")
        if status and status != "complete":
            self.machine_line += f" ({status} run: partial data)"
        self.ranks = {b: i for i, b in enumerate(self.src.backings)}
        names = [lay.get("name") for lay in self.src.layouts]
        self.layout_rank = lambda lay: names.index(lay) if lay in names else len(names)  # noqa: E731
        self.fp_min = self.fp_max = None
        self.y_lo = self.y_hi = ""
        self.y_log = 1
        self.offscale = []

    # Backings, colours, files.
    def rank(self, b):
        if b not in self.ranks:
            self.ranks[b] = len(self.ranks)
        return self.ranks[b]

    def colour(self, b):
        return PALETTE[self.rank(b) % len(PALETTE)]

    def write_data(self, files):
        """files: {name: (header, [lines])}, written sorted by their first column."""
        for name, (header, lines) in files.items():
            with open(os.path.join(self.data, name), "w", encoding="utf-8") as f:
                f.write(header + "\n" + "".join(ln + "\n" for ln in sort_rows(lines)))

    def data_lines(self, names):
        out = []
        for n in names:
            with open(os.path.join(self.data, n), encoding="utf-8") as f:
                out += [ln.split() for ln in f if not ln.startswith("#") and ln.strip()]
        return out

    def span(self, names):
        xs = [r[0] for r in self.data_lines(names)]
        return (min(xs, key=num), max(xs, key=num)) if xs else (None, None)

    # Splitting the CSVs into data files.
    def split_chase(self):
        files, index = {}, []
        for r in self.src.chase or []:
            fp, ns = r["footprint_bytes"], r["ns_median"]
            if not fp.isdigit() or ns == "":
                continue
            st = 1 if num(r["stagger"]) else 0
            name = (f"lat_{safe(r['backing'])}_{safe(r['pattern'])}_{safe(r['stride_bytes'])}_"
                    f"{'stagger' if st else 'plain'}.dat")
            if name not in files:
                files[name] = ("# footprint_bytes ns_median ns_min ns_p90 cycles_per_load", [])
                index.append((name, r["backing"], r["pattern"], r["stride_bytes"], str(st)))
            lo, hi, cy = r["ns_min"], r["ns_p90"], r.get("cycles_per_load", "")
            files[name][1].append(f"{fp} {ns} {lo or ns} {hi or ns} {cy or 'NaN'}")
        self.write_data(files)
        return index

    def split_compare(self):
        files, index = {}, []
        for r in self.src.compare or []:
            if r["pattern"] != "rand" or r["stride_bytes"] != "64" or num(r["stagger"]) != 0:
                continue
            fp, rm = r["footprint_bytes"], r["ratio_median"]
            if not fp.isdigit() or rm == "":
                continue
            name = f"ratio_{safe(r['backing_a'])}_{safe(r['backing_b'])}.dat"
            if name not in files:
                files[name] = ("# footprint_bytes ratio_median ratio_lo ratio_hi decided nr_rounds", [])
                index.append((name, r["backing_a"], r["backing_b"]))
            decided = 1 if r.get("verdict", "").endswith("_slower") else 0
            files[name][1].append(f"{fp} {rm} {r['ratio_lo'] or rm} {r['ratio_hi'] or rm} {decided} {r['nr_rounds']}")
        self.write_data(files)
        return index

    # Axes and markers.
    def gp_xaxis(self, lo=None, hi=None, label="footprint (bytes, log2)", units="bytes"):
        lo = num(lo if lo is not None else self.fp_min)
        hi = num(hi if hi is not None else self.fp_max)
        a, b = int(math.log(lo) / math.log(2) + 0.999), int(math.log(hi) / math.log(2) + 1e-9)
        step = 1 if b - a <= 8 else 2 if b - a <= 16 else 4
        units_ = ("B", "K", "M", "G", "T", "P")
        tics = []
        for e in range(a, b + 1):
            if e < 0 or (e - a) % step:
                continue
            lab = f"{2.0 ** e:.0f}" if units == "count" else f"{int(2 ** (e % 10))}{units_[e // 10]}"
            tics.append(f'"{lab}" {2.0 ** e:.0f}')
        return ["set logscale x 2", f"set xrange [{lo / 1.15:.0f}:{hi * 1.15:.0f}]", f"set xtics ({', '.join(tics)})",
                "set mxtics default", f"set xlabel {gp_str(label)}"]

    def gp_yaxis(self, names, floor=""):
        rows = self.data_lines(names)
        lo = min((num(r[2]) for r in rows), default=0.0)
        hi = max((num(r[3]) for r in rows), default=0.0)
        if lo <= 0:
            lo = 0.1
        self.y_lo, self.y_hi = "%.4g" % (lo / 1.25), "%.4g" % (hi * 1.4)
        ylo, yhi = float(self.y_lo), float(self.y_hi)
        tics, e = [], int(math.log(ylo) / math.log(10)) - 1
        while 10.0 ** e <= yhi:
            for m in (1, 2, 5):
                v = "%g" % (m * 10.0 ** e)
                if float(v) < ylo or float(v) > yhi:
                    continue
                tics.append(f'"≤{v}" {v}' if floor and v == "%g" % float(floor) else v)
            e += 1
        return ["set logscale y 10", f"set yrange [{self.y_lo}:{self.y_hi}]", f"set ytics ({', '.join(tics)})",
                "set mytics 10"]

    def free_side(self, x, names):
        x = num(x)
        near = [r for r in self.data_lines(names)
                if x / 1.7 <= num(r[0]) <= x * 1.7 and r[2] != "NaN" and r[3] != "NaN"]
        if not near:
            return "top"
        dmin, dmax = min(num(r[2]) for r in near), max(num(r[3]) for r in near)
        sc = (lambda v: math.log(v)) if self.y_log else (lambda v: v)
        return "top" if sc(float(self.y_hi)) - sc(dmax) >= sc(dmin) - sc(float(self.y_lo)) else "bottom"

    @staticmethod
    def gp_vlabel(n, text, x, side, colour):
        y, align = ("0.985", "right") if side == "top" else ("0.015", "left")
        return (f"set label {n} {gp_str(text)} at {x}, graph {y} {align} rotate by 90 offset character -1.2, 0"
                f' tc rgb "{colour}" font ",9" front')

    def collect_markers(self):
        self.markers = [(int(v), f"{n} {human(int(v))}", "cache")
                        for n, v in (("L1d", self.l1d), ("L2", self.l2), ("L3", self.l3)) if is_uint(v)]
        if self.src.meta is None:
            return
        for pkb, lvl, ent in (fields(o, "page_kb", "level", "entries") for o in objects(self.src.meta, "tlb_declared")):
            if not is_uint(ent) or not is_uint(pkb) or lvl not in ("1", "2"):
                continue
            b = int(ent) * int(pkb) * 1024
            self.markers.append((b, f"L{lvl} TLB {human(int(pkb) * 1024).rstrip('B')} reach (CPUID) {human(b)}", "tlb"))

    def gp_markers(self, labels, names):
        out, n = [], 0
        self.offscale = []
        for b, label, kind in self.markers:
            if b < int(self.fp_min) or b > int(self.fp_max):
                self.offscale.append(label)
                continue
            n += 1
            col, dt = ("#505050", 2) if kind == "cache" else ("#d06000", 4)
            out.append(f'set arrow {n} from {b}, graph 0 to {b}, graph 1 nohead lc rgb "{col}" lw 1.2 dt {dt} back')
            if labels:
                out.append(self.gp_vlabel(n, label, b, self.free_side(b, names), col))
        return out

    def gp_title(self, expr, what):
        if self.offscale:
            expr += '."\\n".' + gp_str(f"outside {what}: {'; '.join(self.offscale)}")
        return [f"set title {expr}"]

    @staticmethod
    def gp_band(f, col, alpha):
        return f'"{f}" using 1:3:4 with filledcurves fc rgb "{col}" fs transparent solid {alpha} noborder notitle'

    @staticmethod
    def gp_curve(f, col, lw, variant, ps, title):
        return (f'"{f}" using 1:2 with linespoints lc rgb "{col}" lw {lw} dt {variant + 1}'
                f" pt {POINT_TYPES[variant % len(POINT_TYPES)]} ps {ps} title {gp_str(title)}")

    # gnuplot.
    def run_gnuplot(self, name, body):
        with open(os.path.join(self.data, f"{name}_body.gp"), "w", encoding="utf-8") as f:
            f.write("\n".join(body) + "\n")
        with open(os.path.join(self.data, f"{name}.gp"), "w", encoding="utf-8") as f:
            f.write(f"""set terminal pngcairo size 1200,800 enhanced font "sans,11" background "#ffffff"
set output "../{name}.png"
load "{name}_body.gp"
unset output
set terminal svg size 1200,800 dynamic enhanced font "sans,11" background "#ffffff"
set output "../{name}.svg"
load "{name}_body.gp"
unset output
""")
        p = subprocess.run(["gnuplot", f"{name}.gp"], cwd=self.data)
        if p.returncode:
            self.remove(name)
            note(f"gnuplot failed on {os.path.join(self.data, name + '.gp')} (exit {p.returncode})")
            return 1
        note(f"wrote {os.path.join(self.plots, name + '.png')} and {os.path.join(self.plots, name + '.svg')}")
        return 0

    def remove(self, name):
        for ext in ("png", "svg"):
            try:
                os.unlink(os.path.join(self.plots, f"{name}.{ext}"))
            except FileNotFoundError:
                pass

    # The plots.
    def collect_series(self):
        index = self.split_chase()
        recs = [(self.rank(b), p, s, g, f, b) for f, b, p, s, g in index]
        # sort -t'|' -k1,1n -k2,2 -k3,3n -k4,4n, whole records breaking ties
        key = lambda r: (r[0], r[1], num(r[2]), num(r[3]), "|".join(map(str, r)))  # noqa: E731
        self.series = sorted(recs, key=key)
        self.variants = sorted({(p, s, g) for _, p, s, g, _, _ in self.series}, key=lambda v: (v[0], num(v[1]), num(v[2])))
        if self.series:
            self.fp_min, self.fp_max = self.span(sorted(f for _, _, _, _, f, _ in self.series))
        self.ratios = []
        for f, a, b in self.split_compare():
            self.ratios.append((self.rank(b), f, a, b))
            if self.fp_min is None:
                self.fp_min, self.fp_max = self.span([f])
        self.ratios.sort(key=lambda r: r[0])

    def plot_latency(self):
        if not self.series:
            note(f"skipping latency: no rows in {self.src.path('chase.csv')}")
            self.remove("latency")
            return 0
        files = [s[4] for s in self.series]
        body = ["reset", "set termoption noenhanced"] + self.gp_xaxis() + self.gp_yaxis(files)
        body += ['set ylabel "ns per load (line: median; band: min to p90)"',
                 'set grid xtics ytics lc rgb "#dddddd" lw 1', "set key below horizontal maxcols 4 width 2 samplen 3",
                 "set lmargin 10", "set rmargin 4"]
        body += self.gp_markers(1, files)
        body += self.gp_title(gp_str(f"ns per load vs footprint: {self.machine_line}"), "the measured range")
        elems, titles = [], []
        for _, p, st, g, f, b in self.series:
            col, v = self.colour(b), self.variants.index((p, st, g))
            elems.append(self.gp_band(f, col, "0.12"))
            title = f"{b} {p} stride {human(int(st))}" + (" stagger" if g == "1" else "")
            titles.append(self.gp_curve(f, col, "1.8", v, "0.7", title))
        body.append(f"plot {','.join(elems)}, {','.join(titles)}")
        return self.run_gnuplot("latency", body)

    def plot_pair(self):
        pair = [s for s in self.series if s[1] == "rand" and s[2] == "64" and s[3] == "0"]
        chase, compare = self.src.path("chase.csv"), self.src.path("compare.csv")
        if not pair and not self.ratios:
            note(f"skipping thp_vs_4k: no rand stride-64 rows in {chase} or {compare}")
            self.remove("thp_vs_4k")
            return 0
        if not self.ratios:
            note(f"thp_vs_4k: no rand stride-64 ratios ({compare} missing or without them): latency panel only")
        if not pair:
            note(f"thp_vs_4k: no rand stride-64 rows in {chase}: ratio panel only")
        files = [s[4] for s in pair]
        split = 0.93 if not pair else 0.08 if not self.ratios else 0.42
        t = "rand chase, stride 64: backings side by side" + (" and their per-round ratio" if self.ratios else "")
        body = ["reset", "set termoption noenhanced", f"set multiplot title {gp_str(t + ': ' + self.machine_line)}"]
        body += self.gp_xaxis()
        body += ['set grid xtics ytics lc rgb "#dddddd" lw 1', "set lmargin at screen 0.08",
                 "set rmargin at screen 0.97"]
        if pair:
            body += ["set tmargin at screen 0.93", f"set bmargin at screen {g6(split + 0.06)}"]
            body += self.gp_yaxis(files)
            if self.ratios:
                body.append("unset xlabel")
            body += ['set ylabel "ns per load (median; band: min to p90)"', "set key top left box opaque"]
            body += self.gp_markers(1, files)
            elems = []
            for _, p, st, g, f, b in pair:
                col = self.colour(b)
                elems.append(f'"{f}" using 1:3:4 with filledcurves fc rgb "{col}" fs transparent solid 0.15 noborder notitle')
                elems.append(f'"{f}" using 1:2 with linespoints lc rgb "{col}" lw 1.8 pt 7 ps 0.6 title {gp_str(b)}')
            body += [f"plot {','.join(elems)}", "unset label", "unset arrow", "unset logscale y",
                     "set yrange [*:*]", "set ytics autofreq", "set mytics default",
                     'set xlabel "footprint (bytes, log2)"']
        if self.ratios:
            body += [f"set tmargin at screen {split}", "set bmargin at screen 0.08", "unset title",
                     'set ylabel "ratio a/b per round (median, 95% interval)"', "set key top left box opaque",
                     'set arrow 99 from graph 0, first 1 to graph 1, first 1 nohead lc rgb "#000000" lw 1.5 front']
            body += self.gp_markers(0, [])
            elems = []
            for _, f, a, b in self.ratios:
                col = self.colour(b)
                elems.append(f'"{f}" using 1:2:3:4 with yerrorlines lc rgb "{col}" lw 1.5 pt 6 ps 0.7'
                             f" title {gp_str(f'{a}/{b} (> 1: {b} faster)')}")
                t = 'title "filled: the verdict says they differ"' if len(elems) == 1 else "notitle"
                elems.append(f'"{f}" using 1:($5 > 0 ? $2 : NaN) with points lc rgb "{col}" pt 7 ps 1.3 {t}')
            body.append(f"plot {','.join(elems)}")
        body.append("unset multiplot")
        return self.run_gnuplot("thp_vs_4k", body)

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
        t = (gp_str(t) + '."\\n".' + gp_str(f"line: median per round, band: p10 to p90; at or below {TP_FLOOR} ns"
                                               f" drawn at {TP_FLOOR}") + '."\\n".' + gp_str(f"layouts: {said}"))
        for v in self.tp_verdicts_said():
            t += '."\\n".' + gp_str(v)
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

    def split_counters(self):
        files, index = {}, []
        for r in self.src.chase or []:
            if r["pattern"] != "rand" or r["stride_bytes"] != "64" or num(r["stagger"]) != 0:
                continue
            fp = r["footprint_bytes"]
            if not fp.isdigit():
                continue
            for k, col in enumerate(CNT_COLS):
                v = r.get(col)
                if v is None or not _is_number(v):
                    continue
                name = f"cnt_{safe(r['backing'])}_{col}.dat"
                if name not in files:
                    files[name] = (f"# footprint_bytes {col} (three times)", [])
                    index.append((name, r["backing"], k))
                files[name][1].append(f"{fp} {v} {v} {v}")
        self.write_data(files)
        return index

    def cnt_panel(self, labels, ylabel, recs, key):
        names = [f for _, _, f, _ in recs]
        hi = max((num(r[3]) for r in self.data_lines(names)), default=0.0)
        self.y_lo, self.y_hi = "0", "%.4g" % (hi * 1.15 if hi > 0 else 1)
        body = [f"set yrange [{self.y_lo}:{self.y_hi}]", f"set ylabel {gp_str(ylabel)}"]
        body += self.gp_markers(labels, names)
        elems = [f'"{f}" using 1:2 with linespoints lc rgb "{self.colour(b)}" lw 1.6 dt {k + 1}'
                 f" pt {POINT_TYPES[k]} ps 0.6 notitle" for _, k, f, b in recs]
        body.append(f"plot {','.join(elems + key)}")
        return body

    def plot_counters(self):
        index = self.split_counters()
        chase = self.src.path("chase.csv")
        if self.src.chase is None:
            note(f"skipping counters: no {chase}")
            self.remove("counters")
            return 0
        if not index:
            cs = self.src.m("counters.status")
            note(f"skipping counters: no counter column of {chase} is filled at rand stride 64"
                 + (f" (counters: {cs})" if cs else ""))
            self.remove("counters")
            return 0
        recs = sorted(((self.rank(b), k, f, b) for f, b, k in index), key=lambda r: (r[0], r[1], "|".join(map(str, r))))
        ev = [r for r in recs if r[1] != 3]
        cy = [r for r in recs if r[1] == 3]
        if self.fp_min is None:
            self.fp_min, self.fp_max = self.span(sorted(f for _, _, f, _ in recs))
        split = 0.93 if not ev else 0.15 if not cy else 0.45
        # One key for both panels, below them: colour is the backing, dash and
        # point the counter.
        key, seen = [], set()
        for _, k, f, b in recs:
            if b not in seen:
                seen.add(b)
                key.append(f'NaN with lines lc rgb "{self.colour(b)}" lw 3 title {gp_str(b)}')
        for _, k, f, b in recs:
            if k not in seen:
                seen.add(k)
                key.append(f'NaN with linespoints lc rgb "#303030" lw 1.6 dt {k + 1} pt {POINT_TYPES[k]} ps 0.8'
                           f" title {gp_str(CNT_TITLES[k])}")
        self.y_log = 0
        body = ["reset", "set termoption noenhanced",
                f"set multiplot title {gp_str('hardware counters per load, rand chase stride 64: ' + self.machine_line)}"]
        body += self.gp_xaxis()
        body += ['set grid xtics ytics lc rgb "#dddddd" lw 1', "set lmargin at screen 0.08", "set rmargin at screen 0.97",
                 "set key at screen 0.5, 0.01 center bottom horizontal maxrows 2 width 2 samplen 4"]
        if ev:
            body += ["set tmargin at screen 0.93", f"set bmargin at screen {g6(split + 0.06)}"]
            if cy:
                body.append("unset xlabel")
            body += self.cnt_panel(1, "events per load (per dependent load of the chain)", ev, key)
            body += ["unset label", "unset arrow", 'set xlabel "footprint (bytes, log2)"']
            key = []
        if cy:
            body += [f"set tmargin at screen {g6(split)}", "set bmargin at screen 0.15"]
            body += self.cnt_panel(1 if not ev else 0, "page-walk cycles per load", cy, key)
        body.append("unset multiplot")
        self.y_log = 1
        return self.run_gnuplot("counters", body)


def _is_number(v):
    """awk's /^-?[0-9.]+([eE][-+]?[0-9]+)?$/."""
    return re.fullmatch(r"-?[0-9.]+([eE][-+]?[0-9]+)?", v) is not None


def plot_all(d):
    """Every plot of run directory d; 0, 1 when gnuplot failed on one, 4
    when gnuplot is missing."""
    if not shutil.which("gnuplot"):
        note("gnuplot is missing; install it with: apt-get install -y gnuplot-nox")
        return 4
    p = Plotter(d)
    p.collect_series()
    p.collect_markers()
    p.collect_tlbprobe()
    rc = 0
    for f in (p.plot_latency, p.plot_pair, p.plot_tlbprobe, p.plot_counters):
        rc |= f()
    return rc | (numa.plot(d) or 0) | (ladder.plot(d) or 0) | (mlp.plot(d) or 0)
