"""The pagewalk command: post-processing entry points over run directories."""

import argparse
import datetime
import os
import subprocess
import sys

from . import compare, plot, render, report
from .rundir import Run, RunError, guarded

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXIT_USAGE, EXIT_FAIL = 2, 1


class Parser(argparse.ArgumentParser):
    """argparse, but bad usage is one line on stderr and exit 2."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: {message} (see --help)\n")
        sys.exit(EXIT_USAGE)


def die(code, msg):
    sys.stderr.write(f"pagewalk: {msg}\n")
    sys.exit(code)


def make_out(path):
    """Create the output directory exclusively; never reuse or follow a link."""
    if os.path.islink(path):
        die(EXIT_USAGE, f"--out {path}: is a symbolic link: refused; give the directory itself")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        die(EXIT_USAGE, f"--out {path}: its parent directory does not exist")
    try:
        os.mkdir(path)
    except FileExistsError:
        die(EXIT_USAGE, f"--out {path}: exists; choose a new directory")
    except OSError as e:
        die(EXIT_USAGE, f"--out {path}: cannot be created ({e.strerror})")


def cmd_compare(argv):
    p = Parser(prog="pagewalk compare",
               description="Put pagewalk runs side by side: COMPARE.md, compare_rows.csv and "
                           "overlay and ratio plots in --out. The first run is the reference.")
    p.add_argument("runs", nargs="*", metavar="RUN_DIR", help="run directories (from run_all.sh or bench/chase)")
    p.add_argument("--label", action="append", default=[], metavar="NAME=DIR",
                   help="add the run in DIR under NAME (or name a RUN_DIR given already)")
    p.add_argument("--out", metavar="DIR", help="where to write (default results/compare-<date>-<time>); must not exist")
    a = p.parse_args(argv)
    named = {}
    for spec in a.label:
        name, sep, d = spec.partition("=")
        if not sep or not name or not d or any(c.isspace() for c in name):
            p.error(f"--label {spec!r}: want NAME=DIR, NAME without spaces")
        named[os.path.normpath(d)] = name
    dirs = [os.path.normpath(d) for d in a.runs]
    dirs += [d for d in named if d not in dirs]
    if len(dirs) < 2:
        p.error("give at least two run directories")
    if len(set(dirs)) != len(dirs):
        p.error("a run directory is given twice")
    try:
        runs = [Run(d, named.get(d)) for d in dirs]
    except RunError as e:
        die(EXIT_USAGE, f"cannot compare: {e}")
    labels = [x.label for x in runs]
    if len(set(labels)) != len(labels):
        p.error("two runs have the same label; name them with --label NAME=DIR")
    out = a.out or os.path.join(HERE, "results", "compare-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    make_out(out)
    try:
        rows, left_out = guarded(out, compare.compare, runs)
    except RunError as e:
        die(EXIT_USAGE, f"cannot compare: {e}")
    if not rows:
        die(EXIT_FAIL, "the runs have no point in common (different backings, series or footprints)")
    compare.write_rows_csv(os.path.join(out, "compare_rows.csv"), runs, rows)
    plots, rc = [], 0
    try:
        plots = compare.plots(out, runs, rows)
    except render.GnuplotMissing as e:
        sys.stderr.write(f"pagewalk compare: no plots: {e}\n")
    except subprocess.CalledProcessError as e:
        why = e.stderr.strip().splitlines()[-1] if e.stderr and e.stderr.strip() else str(e)
        sys.stderr.write(f"pagewalk compare: gnuplot failed, no plots: {why}\n")
        rc = EXIT_FAIL
    try:
        md = guarded(out, compare.markdown, runs, rows, left_out, plots)
    except RunError as e:
        die(EXIT_USAGE, f"cannot compare: {e}")
    with open(os.path.join(out, "COMPARE.md"), "x", encoding="utf-8") as f:
        f.write(md)
    sys.stderr.write(f"pagewalk compare: wrote {os.path.join(out, 'COMPARE.md')}\n")
    return rc


def cmd_report(argv):
    p = Parser(prog="pagewalk report",
               description="Regenerate plots/ and REPORT.md of a run directory: complete or "
                           "interrupted, with or without tlbprobe or counters.")
    p.add_argument("run", metavar="RUN_DIR", help="a run directory (from run_all.sh or bench/chase)")
    a = p.parse_args(argv)
    d = a.run
    if os.path.islink(os.path.normpath(d)):
        die(EXIT_USAGE, f"{d}: is a symbolic link: refused; give the directory itself")
    if not os.path.isdir(d):
        die(EXIT_USAGE, f"{d}: not a directory")
    for f in ("meta.json", "chase.csv"):
        if not os.path.isfile(os.path.join(d, f)):
            die(EXIT_USAGE, f"{os.path.join(d, f)}: missing: not a pagewalk run directory")
    try:
        rc = guarded(d, plot.plot_all, d)
        path = report.write(d)
    except RunError as e:
        die(EXIT_USAGE, f"cannot report: {e}")
    except OSError as e:
        die(EXIT_FAIL, f"cannot write {os.path.join(d, 'REPORT.md')}: {e.strerror}")
    sys.stderr.write(f"pagewalk report: wrote {path}\n")
    return rc


COMMANDS = {"compare": cmd_compare, "report": cmd_report}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: pagewalk COMMAND [options]\n\ncommands:\n"
              "  compare RUN_DIR... [--out DIR] [--label NAME=DIR]   put runs side by side\n"
              "  report RUN_DIR                                      regenerate its plots and REPORT.md\n\n"
              "pagewalk COMMAND --help gives each command's options.")
        return 0 if argv else EXIT_USAGE
    if argv[0] not in COMMANDS:
        die(EXIT_USAGE, f"unknown command '{argv[0]}' (see --help)")
    return COMMANDS[argv[0]](argv[1:])
