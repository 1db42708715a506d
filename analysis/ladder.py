"""The page-size ladder of a run (its ladder/ directory: chase over 4k,
every multi-size THP folio size the kernel offers, thp and hugetlb2m, in
interleaved rounds): ns per load against folio size, and whether this CPU
gains from folios below 2 MiB, read from the intervals of the ratios."""

import os

from . import render
from .gplot import colour_at
from .report_tlb import NO_COALESCING, folio_coalescing
from .source import Source, maybe_float as _f
from .units import human_bytes as human, series_name

SUBDIR = "ladder"
PLOT = "ladder"
PMD_KB = 2048
SERIES = (("rand", "64", "0"), ("rand", "4096", "1"))


class Ladder:
    def __init__(self, d):
        self.src = Source(os.path.join(d, SUBDIR))
        meta = self.src.meta or {}
        vocab = meta.get("vocab") or {}
        self.folio = vocab.get("backing_folio_kb") or {}
        self.order = vocab.get("backings") or []
        self.skipped = meta.get("skipped") or []
        self.rows = self.src.chase or []
        self.pairs = [r for r in self.src.compare or [] if r.get("backing_a") == "4k"]

    @property
    def present(self):
        return self.src.meta is not None

    def backings(self):
        seen = {r["backing"] for r in self.rows}
        return [b for b in self.order if b in seen]

    def kb(self, b):
        return int(self.folio.get(b, 0))

    def footprints(self, s):
        return sorted({int(r["footprint_bytes"]) for r in self.rows if self._in(r, s)})

    @staticmethod
    def _in(r, s):
        return (r["pattern"], r["stride_bytes"], r["stagger"]) == s

    def row(self, s, fp, b):
        for r in self.rows:
            if self._in(r, s) and int(r["footprint_bytes"]) == fp and r["backing"] == b:
                return r
        return None

    def pair(self, s, fp, b):
        for r in self.pairs:
            if self._in(r, s) and int(r["footprint_bytes"]) == fp and r["backing_b"] == b:
                return r
        return None


def plot(d):
    """plots/ladder.png: ns per load against folio size (4k, every mTHP size,
    thp), one line per series (its colour) and footprint (its dashes). None
    without a ladder."""
    lad = Ladder(d)
    line = [b for b in lad.backings() if b != "hugetlb2m" and lad.kb(b)]
    lines = []
    for i, s in enumerate(SERIES):
        for k, fp in enumerate(lad.footprints(s)):
            rows = [(b, lad.row(s, fp, b)) for b in line]
            pts = [(lad.kb(b) * 1024, _f(r["ns_median"])) for b, r in rows if r and _f(r["ns_median"]) is not None]
            tag = f"{s[0]}:{human(int(s[1])).removesuffix('B')}{':stagger' if s[2] == '1' else ''}"
            # Colour: the series; dashes: the footprint.
            lines.append((f"ladder_{s[0]}{s[1]}{'s' if s[2] == '1' else ''}_{fp}", f"{tag}@{human(fp)}",
                          pts if len(pts) >= 2 else [], colour_at(i), k))
    return render.plot_lines(d, PLOT, lines, {
        "logy": 1, "xlabel": "folio size (bytes; 4K = base pages, 2M = thp)", "ylabel": "ns per load (median)",
        "title": "page-size ladder: ns per load against folio size, per series and footprint"})


def _ratio(p):
    lo, hi, med = _f(p["ratio_lo"]), _f(p["ratio_hi"]), _f(p["ratio_median"])
    return med, lo, hi


def verdict(lad, s, fp):
    """(gaining sizes, sizes not gaining, sizes slower than 4k) below 2 MiB
    at footprint fp: from each ratio's verdict (4k over the size)."""
    gain, flat, lose = [], [], []
    for b in lad.backings():
        if not (4 < lad.kb(b) < PMD_KB):
            continue
        p = lad.pair(s, fp, b)
        if p is None:
            continue
        {"a_slower": gain, "b_slower": lose}.get(p["verdict"], flat).append(b)
    return gain, flat, lose


def not_from_entries(src, lad, gain):
    """A sentence for a gain below 2 MiB that the TLB probe says is not
    fewer L1 entries (every probed folio size took one per 4 KiB page);
    empty otherwise."""
    knees = folio_coalescing(src)
    if not knees or any(r >= NO_COALESCING for r in knees.values()) or not gain:
        return ""
    guest = (src.meta or {}).get("machine", {}).get("translation") in ("nested", "shadow")
    return (f" The TLB probe found no coalescing ({', '.join(sorted(knees, key=lad.kb))}:"
            " one L1 entry per 4 KiB page), so this gain is not fewer L1 TLB entries (the L2 TLB was not"
            " probed for folios). What else a physically contiguous folio shortens (the caches' and DRAM's"
            " view of the data"
            + (", and in this guest the host's part of every two-dimensional walk" if guest else "")
            + ") is not measured here.")


def claim(lad, s, fp):
    gain, flat, lose = verdict(lad, s, fp)
    sizes = [b for b in lad.backings() if 4 < lad.kb(b) < PMD_KB and lad.pair(s, fp, b)]
    if not sizes:
        return "No folio size below 2 MiB was measured."
    at = f"at {human(fp)} ({series_name(*s)})"
    if gain and sizes[-len(gain):] == gain:
        first = gain[0]
        return (f"**This CPU gains from folios below 2 MiB, from {lad.kb(first)} KiB on**, {at}: 4k is slower than"
                f" every folio size from {first} up, with each 95% interval of the ratio above 1"
                + (f"; {', '.join(flat + lose)} {'does' if len(flat + lose) == 1 else 'do'} not gain." if flat or lose else "."))
    if gain:
        return (f"Some folio sizes below 2 MiB gain {at} ({', '.join(gain)}: interval above 1) and others do not"
                f" ({', '.join(flat + lose)}): no size from which on every larger one gains. With {len(sizes)} sizes"
                " each judged at 95%, an isolated size above 1 is what chance alone gives now and then: take it as"
                " a lead to measure again (more rounds, --reps), not as a finding.")
    text = f"**This CPU shows no gain from folios below 2 MiB** {at}: no size's 95% interval of the ratio lies above 1"
    if lose:
        text += f", and {', '.join(lose)} {'is' if len(lose) == 1 else 'are'} slower than 4k"
    return text + ". Where the interval is wide, more rounds could still tell."


def section(src, out):
    out += ["## Page-size ladder", ""]
    lad = Ladder(src.dir)
    if not lad.present:
        out += ["Not measured in this run (run_all.sh measures it as root on kernels with multi-size THP,"
                " Linux 6.8 or later).", ""]
        return
    if not lad.rows:
        out += [f"The ladder run ({SUBDIR}/) has no rows.", ""]
        return
    out += ["4k, every multi-size THP folio size the kernel offers (mapped by 4 KiB PTEs; only that size"
            " enabled while the buffer was populated, verified with pagemap and kpageflags), thp and"
            " hugetlb2m, timed in interleaved rounds. Ratio = 4k's ns per load / the backing's, per round: above 1,"
            " the larger folio is faster. Data in ladder/chase.csv and ladder/compare.csv.", ""]
    for s in SERIES:
        fps = lad.footprints(s)
        if not fps:
            continue
        fp = fps[-1]
        out += [f"{series_name(*s)}, at {human(fp)}:", "",
                "| backing | folio | in such folios | ns per load | ratio 4k / backing | 95% interval | verdict |",
                "|---|---:|---:|---:|---:|---|---|"]
        for b in lad.backings():
            r = lad.row(s, fp, b)
            if r is None:
                continue
            p = lad.pair(s, fp, b)
            med, lo, hi = _ratio(p) if p else (None, None, None)
            word = {"a_slower": "4k slower", "b_slower": f"{b} slower", "same": "no difference",
                    "undecided": "cannot decide"}.get(p["verdict"], p["verdict"]) if p else ""
            out.append(f"| {b} | {human(lad.kb(b) * 1024)} | {100 * float(r['huge_fraction']):.0f}% |"
                       f" {float(r['ns_median']):.1f} | {'' if med is None else f'{med:.3f}'} |"
                       f" {'' if lo is None else f'[{lo:.3f}, {hi:.3f}]'} | {word} |")
        out += ["", claim(lad, s, fp) + not_from_entries(src, lad, verdict(lad, s, fp)[0]), ""]
    if lad.skipped:
        out += ["Skipped in the ladder:", ""] + [f"- {x}" for x in lad.skipped] + [""]
    if os.path.exists(os.path.join(src.dir, "plots", f"{PLOT}.png")):
        out += [f"![ns per load against folio size, per series and footprint](plots/{PLOT}.png)", ""]
