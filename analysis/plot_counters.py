"""The counters plot: hardware events and walk cycles per load against
footprint at rand stride 64, drawn when any were counted. A part of
Plotter (plot.py)."""

import re

from .gplot import POINT_TYPES, g6, gp_str, note, num, safe

CNT_COLS = ("dtlb_miss_per_load", "stlb_hit_per_load", "walk_per_load", "walk_cycles_per_load")
CNT_TITLES = ("L1 DTLB misses", "L2 TLB (STLB) hits", "page walks", "walk cycles")


def _is_number(v):
    """awk's /^-?[0-9.]+([eE][-+]?[0-9]+)?$/."""
    return re.fullmatch(r"-?[0-9.]+([eE][-+]?[0-9]+)?", v) is not None


class CounterPlots:
    """Plotter's counters methods; they use its data and axis helpers."""

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
