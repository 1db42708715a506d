"""Where a run's latency sits at each cache level: the plateau rule of
REPORT.md's "Latency plateaus" and of COMPARE.md, in one place."""

import statistics

from .units import human_bytes as human

# The series plateaus are read from: one dependent load per random line.
PLATEAU_SERIES = ("rand", 64, 0)

NAMES = ("L1", "L2", "L3", "DRAM")


def ranges(l1, l2, l3):
    """[(level, lo, hi, known)]: a footprint f is in the level when
    lo < f <= hi (lo None: f <= hi; hi None: f >= lo). The ranges keep clear
    of the edges: a footprint at a cache size already spills, so L1 to L3 use
    up to half the cache, and DRAM starts at four times L3. known is false
    when a cache size the level needs is unknown (0)."""
    return [("L1", None, l1 / 2, l1 > 0), ("L2", l1, l2 / 2, l1 > 0 and l2 > 0),
            ("L3", l2, l3 / 2, l2 > 0 and l3 > 0), ("DRAM", 4 * l3, None, l3 > 0)]


def inside(f, lo, hi):
    if lo is None:
        return f <= hi
    if hi is None:
        return f >= lo
    return lo < f <= hi


def describe(lo, hi):
    """The range in words: "≤ 24K", "> 48K and ≤ 1M", "≥ 1G"."""
    if lo is None:
        return f"≤ {human(hi)}"
    if hi is None:
        return f"≥ {human(lo)}"
    return f"> {human(lo)} and ≤ {human(hi)}"


def series_rows(run, backing, series=PLATEAU_SERIES):
    """Rows of one backing and series, by footprint."""
    pattern, stride, stagger = series
    rows = [r for r in run.rows if r["backing"] == backing and r["pattern"] == pattern
            and r["stride_bytes"] == stride and r["stagger"] == stagger]
    return sorted(rows, key=lambda r: r["footprint_bytes"])


def plateaus(run, backing, caches):
    """[(level, median ns or None, number of rows)] for one backing; caches
    holds l1d_bytes, l2_bytes and l3_bytes."""
    rows = series_rows(run, backing)
    out = []
    for name, lo, hi, known in ranges(*(caches.get(k) or 0 for k in ("l1d_bytes", "l2_bytes", "l3_bytes"))):
        v = [r["ns_median"] for r in rows
             if known and r["ns_median"] is not None and inside(r["footprint_bytes"], lo, hi)]
        out.append((name, statistics.median(v) if v else None, len(v)))
    return out
