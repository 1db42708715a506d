"""The NUMA placement matrix of a run (its numa/ directory, written by
chase --numa-matrix): each placement of data and page tables, local or
remote, against all-local, per backing and footprint; its plot and its
REPORT.md section."""

import os

from . import render
from .gplot import colour_at
from .source import Source
from .units import human_bytes as human

SUBDIR = "numa"
PLOT = "numa"


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _inv(x):
    return 1 / x if x else None


class Matrix:
    """The matrix run's rows that set a placement against the same backing
    all local: dicts with backing, footprint, mem, pt (nodes), ratio and
    its interval, rounds and verdict."""

    def __init__(self, d):
        self.src = Source(os.path.join(d, SUBDIR))
        numa = (self.src.meta or {}).get("numa") or {}
        self.local = numa.get("cpu_node")
        self.status = (self.src.meta or {}).get("status")
        self.rows = []
        for r in self.src.compare or []:
            if r.get("backing_a") != r.get("backing_b") or "mem_node_b" not in r:
                continue
            # compare.csv's ratio is a/b = all-local / placement; this
            # section speaks of the placement's cost: its inverse.
            ratio, lo, hi = (_num(r[k]) for k in ("ratio_median", "ratio_lo", "ratio_hi"))
            self.rows.append({"backing": r["backing_b"], "footprint": _int(r["footprint_bytes"]),
                              "mem": _int(r["mem_node_b"]), "pt": _int(r["pt_node_b"]),
                              "ns_local": _num(r["ns_a_median"]), "ns": _num(r["ns_b_median"]),
                              "ratio": _inv(ratio), "lo": _inv(hi), "hi": _inv(lo), "rounds": r["nr_rounds"],
                              "verdict": r["verdict"], "reason": r.get("verdict_reason", "")})

    @property
    def present(self):
        return self.src.meta is not None

    def where(self, node):
        return "local" if node == self.local else f"remote (node {node})"

    def label(self, r):
        return f"data {self.where(r['mem'])}, page tables {self.where(r['pt'])}"

    def placements(self):
        return list(dict.fromkeys((r["mem"], r["pt"]) for r in self.rows))

    def backings(self):
        return list(dict.fromkeys(r["backing"] for r in self.rows))


# compare.csv's verdicts, with a = all-local and b = the placement.
VERDICT_WORDS = {"a_slower": "faster than all-local", "b_slower": "slower than all-local",
                 "same": "no difference", "undecided": "cannot decide"}


def plot(d):
    """plots/numa.png: each placement's ratio to all-local against footprint.
    Returns 0, or 1 when gnuplot failed; None when there is no matrix."""
    mx = Matrix(d)
    if not mx.rows:
        return None
    lr = lambda n: "L" if n == mx.local else "R"  # noqa: E731
    # Colour: the backing, as in every plot; dashes: the placement.
    lines = [(f"numa_{b}_m{mem}_p{pt}", f"{b}:data-{lr(mem)}/tables-{lr(pt)}",
              [(r["footprint"], r["ratio"]) for r in mx.rows
               if r["backing"] == b and (r["mem"], r["pt"]) == (mem, pt) and r["ratio"] is not None],
              colour_at(mx.src.rank(b)), k)
             for b in mx.backings() for k, (mem, pt) in enumerate(mx.placements())]
    return render.plot_lines(d, PLOT, lines, {
        "logy": 0, "ref": 1, "ylabel": "ns per load / all-local (median of rounds)",
        "title": "NUMA placement: data and page tables local (L) or remote (R), against all-local"})


def section(src, out):
    """REPORT.md's "NUMA placement matrix" section."""
    out += ["## NUMA placement matrix", ""]
    mx = Matrix(src.dir)
    if not mx.present:
        numa = (src.meta or {}).get("numa") or {}
        with_mem = [n for n in numa.get("nodes", []) if isinstance(n, dict) and n.get("mem_bytes")]
        if numa and len(with_mem) < 2:
            out += ["Not measured: this machine has one NUMA node with memory, so nothing is remote.", ""]
        else:
            out += ["Not measured in this run (run_all.sh measures it on machines with two or more nodes).", ""]
        return
    if not mx.rows:
        out += [f"The matrix run ({SUBDIR}/) has no rows (status {mx.status or 'unknown'}).", ""]
        return
    remote = sorted({n for r in mx.rows for n in (r["mem"], r["pt"]) if n != mx.local})
    out += [f"The chase ran on node {mx.local}; each backing's buffers had their data and their page tables"
            f" on node {mx.local} (local) or node {', '.join(map(str, remote))} (remote), all placements"
            " timed in interleaved rounds. Ratio = the placement's ns per load / all-local's, per round"
            " (above 1: the placement is slower), with its 95% interval. Data from"
            f" {SUBDIR}/chase.csv and {SUBDIR}/compare.csv; where each buffer really was is in"
            f" {SUBDIR}/meta.json (buffers[]: mem_node_verified, pt_node_verified).", ""]
    out += ["| backing | footprint | placement | ns all-local | ns placement | ratio | 95% interval | rounds | verdict |",
            "|---|---:|---|---:|---:|---:|---|---:|---|"]
    for r in mx.rows:
        iv = f"[{r['lo']:.3f}, {r['hi']:.3f}]" if r["lo"] is not None and r["hi"] is not None else ""
        verdict = VERDICT_WORDS.get(r["verdict"], r["verdict"])
        if r["reason"] == "fewer_than_6_rounds":
            verdict += " (fewer than 6 rounds)"
        out.append(f"| {r['backing']} | {human(r['footprint'])} | {mx.label(r)} | {r['ns_local']:.1f} | {r['ns']:.1f}"
                   f" | {r['ratio']:.3f} | {iv} | {r['rounds']} | {verdict} |")
    out.append("")
    top = max(r["footprint"] for r in mx.rows)
    for b in mx.backings():
        at = [r for r in mx.rows if r["backing"] == b and r["footprint"] == top]
        if at:
            out.append(f"At {human(top)} on {b}: " + "; ".join(
                f"{mx.label(r)} {r['ratio']:.2f}x [{r['lo']:.2f}, {r['hi']:.2f}]" for r in at) + ".")
    out += ["", "Remote page tables cost on TLB misses only: where the huge-page backing's ratio stays near 1"
            " while 4k's rises, the cost is the walk's, not the data's.", ""]
    if os.path.exists(os.path.join(src.dir, "plots", f"{PLOT}.png")):
        out += [f"![each NUMA placement against all-local, per backing](plots/{PLOT}.png)", ""]
