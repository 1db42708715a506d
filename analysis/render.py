"""Plots through gnuplot, from fixed scripts in analysis/gp/ and data files
written beside the output."""

import os
import shutil
import subprocess

from .gplot import colour_at, group_style

GP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gp")


def backing_order(run):
    """The backings in the order pagewalk defines them (meta.json's vocab),
    then any other backing in the order the run measured it."""
    order = list(run.meta.get("vocab", {}).get("backings", []))
    for r in run.rows:
        if r["backing"] not in order:
            order.append(r["backing"])
    return order


class GnuplotMissing(Exception):
    pass


def gnuplot(script, out_base, variables):
    """Run analysis/gp/<script> once per terminal (png, svg), with variables
    set by -e; out_base gets .png and .svg. Raises GnuplotMissing or
    CalledProcessError."""
    exe = shutil.which("gnuplot")
    if not exe:
        raise GnuplotMissing("gnuplot is not installed (scripts/deps.sh installs gnuplot-nox)")
    for term in ("png", "svg"):
        sets = [f"{k}={quote(v)}" for k, v in variables.items()] + [f"term='{term}'", f"out={quote(f'{out_base}.{term}')}"]
        subprocess.run([exe, "-e", "; ".join(sets), os.path.join(GP_DIR, script)],
                       check=True, capture_output=True, text=True)


def quote(v):
    """v as a gnuplot value: numbers bare, strings single-quoted ('' is a quote)."""
    if isinstance(v, (int, float)):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def write_series(path, points):
    """A gnuplot data file: one 'x y' line per point."""
    with open(path, "x", encoding="utf-8") as f:
        for x, y in points:
            f.write(f"{x} {y}\n")


def plot_lines(d, name, lines, variables):
    """d/plots/<name>.{png,svg} through compare.gp: lines is a list of
    (data file stem, title, [(x, y), ...], colour, group), colour a
    "#rrggbb" (None: the palette's next) and group a 0-based number that
    picks the dashes and points (gplot.group_style); the data files go to
    d/plots/data/, replacing older ones. 0, or 1 when gnuplot is missing or
    failed; None when there is nothing to draw."""
    data = os.path.join(d, "plots", "data")
    os.makedirs(data, exist_ok=True)
    files, titles, colours, dashes, points = [], [], [], [], []
    for stem, title, pts, colour, group in lines:
        if not pts:
            continue
        colours.append(colour or colour_at(len(colours)))
        dt, pt = group_style(group)
        dashes.append(str(dt))
        points.append(str(pt))
        f = os.path.join(data, f"{stem}.dat")
        if os.path.exists(f):
            os.remove(f)
        write_series(f, pts)
        files.append(f)
        titles.append(title)
    if not files:
        return None
    try:
        gnuplot("compare.gp", os.path.join(d, "plots", name),
                dict(variables, files=" ".join(files), titles=" ".join(titles), colours=" ".join(colours),
                     dashes=" ".join(dashes), points=" ".join(points)))
    except (GnuplotMissing, OSError, subprocess.CalledProcessError):
        return 1
    return 0
