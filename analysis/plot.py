"""The plots of one run directory, through gnuplot: latency (ns per load vs
footprint per series, caches and TLB reach marked), thp_vs_4k (the backings
at rand stride 64 and their per-round ratio), tlbprobe (translation cost vs
pages touched, knees and declared/published entries marked, the huge-page
verdicts in the title) and counters (when any were counted). Each as .png
and .svg in DIR/plots/; the data files and gnuplot scripts behind them stay
in DIR/plots/data/. A plot whose data is absent is skipped with a note.
The tlbprobe and counters plots live in plot_tlbprobe.py and
plot_counters.py, the gnuplot helpers every plot shares in gplot.py."""

import glob
import math
import os
import shutil
import subprocess

from . import ladder, mlp, numa
from .gplot import POINT_TYPES, colour_at, g6, gp_str, note, num, safe, sort_rows
from .jsonq import fields, objects
from .plot_counters import CounterPlots
from .plot_tlbprobe import TlbprobePlots
from .source import Source, is_uint
from .units import human_bytes as human


class Plotter(TlbprobePlots, CounterPlots):
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
        names = [lay.get("name") for lay in self.src.layouts]
        self.layout_rank = lambda lay: names.index(lay) if lay in names else len(names)  # noqa: E731
        self.fp_min = self.fp_max = None
        self.y_lo = self.y_hi = ""
        self.y_log = 1
        self.offscale = []

    # Backings, colours, files.
    def rank(self, b):
        return self.src.rank(b)

    def colour(self, b):
        return colour_at(self.rank(b))

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
