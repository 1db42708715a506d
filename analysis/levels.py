"""Where a run's latency sits at each cache level: the plateau rule, once."""

import statistics

# The series plateaus are read from: one dependent load per random line.
PLATEAU_SERIES = ("rand", 64, 0)

# (name, footprint window as multiples of the machine's cache sizes). A
# plateau is the median ns_median of the rows inside its window: well
# inside a level, clear of the ramps at either end.
LEVELS = (
    ("L1", lambda c: (c["l1d_bytes"] / 8, c["l1d_bytes"] / 2)),
    ("L2", lambda c: (c["l1d_bytes"] * 2, c["l2_bytes"] / 2)),
    ("L3", lambda c: (c["l2_bytes"] * 2, c["l3_bytes"] / 2)),
    ("memory", lambda c: (c["l3_bytes"] * 8, float("inf"))),
)


def series_rows(run, backing, series=PLATEAU_SERIES):
    """Rows of one backing and series, by footprint."""
    pattern, stride, stagger = series
    rows = [r for r in run.rows if r["backing"] == backing and r["pattern"] == pattern
            and r["stride_bytes"] == stride and r["stagger"] == stagger]
    return sorted(rows, key=lambda r: r["footprint_bytes"])


def plateaus(run, backing, caches):
    """[(level, ns or None, number of rows)] for one backing; caches holds
    l1d_bytes, l2_bytes and l3_bytes (0 or missing: that level is skipped)."""
    rows = series_rows(run, backing)
    out = []
    for name, window in LEVELS:
        if not all(caches.get(k) for k in ("l1d_bytes", "l2_bytes", "l3_bytes")):
            out.append((name, None, 0))
            continue
        lo, hi = window(caches)
        v = [r["ns_median"] for r in rows if lo <= r["footprint_bytes"] <= hi and r["ns_median"] is not None]
        out.append((name, statistics.median(v) if v else None, len(v)))
    return out
