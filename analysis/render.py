"""Plots through gnuplot, from fixed scripts in analysis/gp/ and data files
written beside the output."""

import os
import shutil
import subprocess

from .gplot import group_style

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


def lines_gp(out_base, lines, variables):
    """Draw out_base.{png,svg} through compare.gp: lines is a list of (data
    file, title, colour, group), colour a "#rrggbb" and group a 0-based
    number that picks the dashes and points (gplot.group_style). Raises as
    gnuplot() does."""
    styles = [group_style(g) for _, _, _, g in lines]
    gnuplot("compare.gp", out_base,
            dict(variables, files=" ".join(f for f, _, _, _ in lines), titles=" ".join(t for _, t, _, _ in lines),
                 colours=" ".join(c for _, _, c, _ in lines), dashes=" ".join(str(dt) for dt, _ in styles),
                 points=" ".join(str(pt) for _, pt in styles)))


def plot_lines(d, name, lines, variables):
    """d/plots/<name>.{png,svg} through compare.gp: lines is a list of
    (data file stem, title, [(x, y), ...], colour, group), as lines_gp
    takes them; the data files go to d/plots/data/, replacing older ones.
    0, or 1 when gnuplot is missing or failed; None when there is nothing
    to draw."""
    data = os.path.join(d, "plots", "data")
    os.makedirs(data, exist_ok=True)
    drawn = []
    for stem, title, pts, colour, group in lines:
        if not pts:
            continue
        f = os.path.join(data, f"{stem}.dat")
        if os.path.exists(f):
            os.remove(f)
        write_series(f, pts)
        drawn.append((f, title, colour, group))
    if not drawn:
        return None
    try:
        lines_gp(os.path.join(d, "plots", name), drawn, variables)
    except (GnuplotMissing, OSError, subprocess.CalledProcessError):
        return 1
    return 0
