"""pagewalk compare: put runs side by side, aligned row by row.

Rows are aligned by (backing, pattern, stride, stagger, footprint), nothing
interpolated. Each run's median is set against the first run's; the ratio
is "within noise" when the two medians' own intervals overlap, that is when
each run's spread already covers the other (chase.csv's ns_lo..ns_hi, the
~95% interval of the median, or ns_min..ns_p90 where a run lacks it)."""

import csv
import os
import statistics

from . import levels, render, units
from .gplot import colour_at
from .rundir import KEY_COLUMNS, row_key
from .source import Source
from .units import human_bytes

SAME, SLOWER, FASTER = "within_noise", "slower", "faster"


def interval(r):
    lo, hi = r.get("ns_lo"), r.get("ns_hi")
    if lo is None or hi is None:
        lo, hi = r["ns_min"], r["ns_p90"]
    return lo, hi


def judge(base, other):
    """How other's row compares with base's: (ratio, SAME/SLOWER/FASTER)."""
    ratio = other["ns_median"] / base["ns_median"]
    blo, bhi = interval(base)
    olo, ohi = interval(other)
    if olo <= bhi and blo <= ohi:
        return ratio, SAME
    return ratio, SLOWER if ratio > 1 else FASTER


def align(runs):
    """(keys present in every run, in the first run's order; number of keys
    left out because some run lacks them)."""
    common = list(dict.fromkeys(row_key(r) for r in runs[0].rows
                                if all(row_key(r) in x.by_key for x in runs[1:])))
    every = set()
    for x in runs:
        every.update(x.by_key)
    return common, len(every) - len(common)


def series_name(key):
    return units.series_name(*key[1:4])


def compare(runs):
    """Every aligned row judged against the first run: a list of dicts."""
    keys, left_out = align(runs)
    out = []
    for k in keys:
        base = runs[0].by_key[k]
        row = dict(zip(KEY_COLUMNS, k))
        row["ns"] = [x.by_key[k]["ns_median"] for x in runs]
        row["ratio"], row["mark"] = [1.0], [SAME]
        for x in runs[1:]:
            ratio, mark = judge(base, x.by_key[k])
            row["ratio"].append(ratio)
            row["mark"].append(mark)
        out.append(row)
    return out, left_out


def write_rows_csv(path, runs, rows):
    with open(path, "x", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(list(KEY_COLUMNS) + ["run", "label", "ns_median", "ratio_to_first", "mark"])
        for r in rows:
            for i, x in enumerate(runs):
                w.writerow([r[c] for c in KEY_COLUMNS] + [i, x.label, r["ns"][i], f"{r['ratio'][i]:.4f}", r["mark"][i]])


def _key(r):
    return tuple(r[c] for c in KEY_COLUMNS)


def summary(runs, rows, left_out):
    """The headline per run against the first, then a table per series and
    backing: how many points lie within noise, and the median ratio."""
    md = []
    n = len(rows)
    for i, x in enumerate(runs[1:], start=1):
        marks = [r["mark"][i] for r in rows]
        same = marks.count(SAME)
        med = statistics.median(r["ratio"][i] for r in rows)
        s = (f"**{x.label}** against **{runs[0].label}**: {same} of {n} points ({100 * same / n:.0f}%) within noise,"
             f" median ratio {med:.3f}.")
        off = [r for r in rows if r["mark"][i] != SAME]
        if not off:
            s += " The runs agree."
        else:
            for what in (SLOWER, FASTER):
                g = [r["ratio"][i] for r in off if r["mark"][i] == what]
                if g:
                    s += f" {len(g)} {what} (median {statistics.median(g):.2f}x)."
            worst = max(off, key=lambda r: abs(r["ratio"][i] - 1))
            s += (f" Largest: {worst['ratio'][i]:.2f}x, {worst['backing']} {series_name(_key(worst))}"
                  f" at {human_bytes(worst['footprint_bytes'])}.")
        md.append(s)
    if left_out:
        md.append(f"{left_out} points measured in some runs only are left out.")
    md += ["", "| series | backing | points | " + " | ".join(
        f"{x.label}: within noise / slower / faster, median ratio" for x in runs[1:]) + " |",
        "|---|---|---:|" + "---|" * (len(runs) - 1)]
    groups = {}
    for r in rows:
        groups.setdefault((series_name(_key(r)), r["backing"]), []).append(r)
    for (sname, b), g in groups.items():
        cells = []
        for i in range(1, len(runs)):
            m = [r["mark"][i] for r in g]
            cells.append(f"{m.count(SAME)} / {m.count(SLOWER)} / {m.count(FASTER)}, "
                         f"{statistics.median(r['ratio'][i] for r in g):.3f}")
        md.append(f"| {sname} | {b} | {len(g)} | " + " | ".join(cells) + " |")
    return "\n".join(md)


# The run-to-run figures: paired backing ratios (compare.csv) are judged
# from this footprint up, beyond the L2 TLB's reach of 4K pages on every
# CPU pagewalk knows.
RATIO_FROM = 64 << 20
STAGGERED = ("rand", 4096, 1)
# Two runs' L3 canaries further apart than this: the host's cache differed.
CANARY_SAME = 0.05


def _p90(v):
    """The 90th percentile, interpolated between order statistics."""
    return statistics.quantiles(v, n=10, method="inclusive")[-1] if len(v) > 1 else v[0]


def _pairs(x):
    """compare.csv of run x: {(pattern, stride, stagger, footprint, backing_a, backing_b): row}."""
    return {(r["pattern"], int(r["stride_bytes"]), int(r["stagger"]), int(r["footprint_bytes"]),
             r["backing_a"], r["backing_b"]): r for r in Source(x.path).compare or []}


def agreement(runs, rows, ratio_from=RATIO_FROM):
    """Per later run against the first, the figures that say whether two
    runs of one machine agree: |ratio - 1| over rand rows beyond L1 (median,
    p90) and over the staggered series (p90); and, per paired series, how
    many of its per-round backing ratios from ratio_from up fall inside the
    first run's ~95% interval of the same ratio. Markdown lines."""
    l1 = runs[0].machine.get("l1d_bytes") or 0
    first = _pairs(runs[0])
    md = []
    for i, x in enumerate(runs[1:], start=1):
        rand = [abs(r["ratio"][i] - 1) for r in rows if r["pattern"] == "rand" and r["footprint_bytes"] > l1]
        stag = [abs(r["ratio"][i] - 1) for r in rows if (r["pattern"], r["stride_bytes"], r["stagger"]) == STAGGERED]
        s = f"- **{x.label}**:"
        if rand:
            s += (f" rand rows beyond L1 differ by {100 * statistics.median(rand):.1f}% (median) and"
                  f" {100 * _p90(rand):.1f}% (p90)")
        if stag:
            s += f"; the staggered series by {100 * _p90(stag):.1f}% at p90"
        c0, c1 = runs[0].meta.get("canary"), x.meta.get("canary")
        if c0 and c1:
            r = c1["ns_median"] / c0["ns_median"]
            s += (f". The host's L3 canary read {r:.2f} times {runs[0].label}'s"
                  + (": the host's shared cache was in another state, and points that live in the L3 move with it"
                     if abs(r - 1) > CANARY_SAME else ""))
        md.append(s + ".")
        later = _pairs(x)
        inside = {}
        for k, a in first.items():
            b = later.get(k)
            if b is None or k[3] < ratio_from or "" in (a["ratio_lo"], a["ratio_hi"], b["ratio_median"]):
                continue
            hit = float(a["ratio_lo"]) <= float(b["ratio_median"]) <= float(a["ratio_hi"])
            n = inside.setdefault((k[4], k[5], series_name(("", k[0], k[1], k[2]))), [0, 0])
            n[0] += hit
            n[1] += 1
        for (a, b, sname), (hit, n) in inside.items():
            md.append(f"  - {a}/{b}, {sname}: {hit} of {n} ratios from {human_bytes(ratio_from)} up"
                      f" ({100 * hit / n:.0f}%) inside {runs[0].label}'s 95% interval.")
    return md


MACHINE_ROWS = (
    ("CPU", lambda m, x: m.get("cpu_model")),
    ("family / model", lambda m, x: f"{m.get('cpu_family')} / 0x{m.get('cpu_model_number', 0):x}"),
    ("kernel", lambda m, x: m.get("kernel")),
    ("hypervisor", lambda m, x: m.get("hypervisor_kernel") or "none"),
    ("THP enabled / defrag", lambda m, x: f"{m.get('thp_enabled')} / {m.get('thp_defrag')}"),
    ("core clock (estimated)", lambda m, x: _ghz(x.meta.get("core_ghz_est"))),
    ("caches L1d / L2 / L3", lambda m, x: " / ".join(human_bytes(m.get(k) or 0) for k in ("l1d_bytes", "l2_bytes", "l3_bytes"))),
    ("TLB declared (CPUID)", lambda m, x: _declared(m)),
    ("TLB published", lambda m, x: (m.get("published") or {}).get("model") or "no row"),
    ("TLB inferred (4k)", lambda m, x: _inferred(x.tlb)),
    ("host's L3 canary", lambda m, x: _canary(x)),
    ("backings", lambda m, x: x.meta.get("options", {}).get("backing")),
)


def _canary(x):
    c = x.meta.get("canary")
    if not c:
        return "not measured"
    return (f"{c['ns_median']:.1f} ns ({human_bytes(c['footprint_bytes'])} chain; p90 {c['spread']:.2f}x its"
            f" minimum: {c['state']})")


def _ghz(v):
    return f"{v:.2f} GHz" if isinstance(v, (int, float)) else "?"


def _declared(m):
    d = m.get("tlb_declared") or []
    if not d:
        return "none: " + (m.get("tlb_declared_why_empty") or "not given")
    return ", ".join(f"{e.get('level_name', e.get('level'))} {e.get('page_kb')}K {e.get('entries')}" for e in d[:4])


def _inferred(tlb):
    if not tlb:
        return "no probe in this run"
    got = [e for e in tlb.get("inferred", []) if e.get("backing") == "4k" and e.get("level")]
    return ", ".join(f"L{e['level']} {e['entries']}" for e in got) or "nothing inferred"


def markdown(runs, rows, left_out, plots):
    md = ["# pagewalk compare", ""]
    md += [f"{len(runs)} runs, {len(rows)} points aligned by backing, pattern, stride and footprint"
           f" (nothing interpolated). Ratios are each run's median over the first run's; a ratio is"
           f" *within noise* when the two medians' ~95% intervals overlap.", ""]
    md += ["## Summary", "", summary(runs, rows, left_out), ""]
    agree = agreement(runs, rows)
    if agree:
        md += ["## Run to run", "", "How far two runs of the same machine moved: each point's |ratio - 1|, and"
               " whether the later run's backing ratios (per round, as compare.csv pairs them) fall inside the"
               " first run's interval, which covers its rounds, not another run's moment of the host.", ""]
        md += agree + [""]
    md += ["## Machines", "", "| | " + " | ".join(x.label for x in runs) + " |",
           "|---|" + "---|" * len(runs)]
    for name, get in MACHINE_ROWS:
        md.append(f"| {name} | " + " | ".join(str(get(x.machine, x)) for x in runs) + " |")
    md += ["", "## Plateaus (rand stride 64, ns per load)", ""]
    caches = runs[0].machine
    backings = [b for b in render.backing_order(runs[0]) if any(r["backing"] == b for r in rows)]
    md += ["| backing | level | " + " | ".join(x.label for x in runs) + " |", "|---|---|" + "---|" * len(runs)]
    for b in backings:
        per_run = [levels.plateaus(x, b, caches) for x in runs]
        for li, lvl in enumerate(levels.NAMES):
            cells = [f"{p[li][1]:.1f}" if p[li][1] is not None else "–" for p in per_run]
            md.append(f"| {b} | {lvl} | " + " | ".join(cells) + " |")
    md += ["", "## Ratios to the first run", ""]
    for sname in dict.fromkeys(series_name(_key(r)) for r in rows):
        md += [f"### {sname}", "", "| footprint | backing | " + " | ".join(x.label for x in runs[1:]) + " |",
               "|---|---|" + "---|" * (len(runs) - 1)]
        for r in rows:
            if series_name(_key(r)) != sname:
                continue
            cells = [f"{r['ratio'][i]:.3f}" + ("" if r["mark"][i] == SAME else f" **{r['mark'][i]}**")
                     for i in range(1, len(runs))]
            md.append(f"| {human_bytes(r['footprint_bytes'])} | {r['backing']} | " + " | ".join(cells) + " |")
        md.append("")
    if plots:
        md += ["## Plots", ""] + [f"![{p}](plots/{p}.png)" for p in plots] + [""]
    return "\n".join(md)


def plots(out, runs, rows):
    """Overlay latency and ratio-to-first plots of rand stride 64, one line
    per run and backing; returns the plot names written under out/plots."""
    os.mkdir(os.path.join(out, "plots"))
    data = os.path.join(out, "plots", "data")
    os.mkdir(data)
    series = [r for r in rows if (r["pattern"], r["stride_bytes"], r["stagger"]) == levels.PLATEAU_SERIES]
    if not series:
        return []
    order = render.backing_order(runs[0])
    backings = [b for b in order if any(r["backing"] == b for r in series)]
    # Colour: the backing's, as in every plot; dashes and points: the run.
    lat, rat = [], []
    for i, x in enumerate(runs):
        for b in backings:
            pts = [(r["footprint_bytes"], r["ns"][i]) for r in series if r["backing"] == b]
            f = os.path.join(data, f"ns_{i}_{b}.dat")
            render.write_series(f, pts)
            lat.append((f, f"{x.label}/{b}", colour_at(order.index(b)), i))
            if i == 0:
                continue
            f = os.path.join(data, f"ratio_{i}_{b}.dat")
            render.write_series(f, [(r["footprint_bytes"], r["ratio"][i]) for r in series if r["backing"] == b])
            rat.append((f, f"{x.label}/{b}", colour_at(order.index(b)), i))
    base = os.path.join(out, "plots")
    render.lines_gp(os.path.join(base, "compare_latency"), lat,
                    {"logy": 1, "ylabel": "ns per load (median)", "title": "rand stride 64: latency per run"})
    render.lines_gp(os.path.join(base, "compare_ratio"), rat,
                    {"logy": 0, "ref": 1, "ylabel": f"ns per load / {runs[0].label}'s",
                     "title": f"rand stride 64: each run against {runs[0].label}"})
    return ["compare_latency", "compare_ratio"]
