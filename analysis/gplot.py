"""What every pagewalk plot shares: its gnuplot quoting, number formats,
colours and point types, and how it reports a skipped plot."""

import colorsys
import sys

PROG = "pagewalk report"
# One colour per backing of the vocabulary, in its order (4k, the seven
# mTHP sizes, thp, hugetlb2m, hugetlb1g), with room for one more: a plot
# never gives two backings one colour (tests/test_analysis.py keeps that).
PALETTE = ("#1f66b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
           "#7f7f7f", "#bcbd22", "#000000", "#393b79")
# Point types per (pattern, stride, stagger) variant: filled circle, square, triangles, diamond.
POINT_TYPES = (7, 5, 9, 11, 13, 15)


def colour_at(rank):
    """The palette's colour at rank; past its end, golden-angle hues, so no
    two ranks ever share one."""
    if rank < len(PALETTE):
        return PALETTE[rank]
    rgb = colorsys.hsv_to_rgb(rank * 0.618034 % 1.0, 0.7, 0.7)
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgb)


def group_style(g):
    """Dash type and point type of 0-based line group g (a footprint, a
    placement, a run): the terminals' 5 dash types, then the next point type,
    so 30 groups look apart."""
    return 1 + g % 5, POINT_TYPES[g // 5 % len(POINT_TYPES)]


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
    """awk's number of a field: not a number is 0."""
    try:
        return float(x)
    except ValueError:
        return 0.0


def sort_rows(lines):
    """sort -n -k1,1 over data lines, whole lines breaking ties."""
    return sorted(lines, key=lambda ln: (num(ln.split(" ", 1)[0]), ln))
