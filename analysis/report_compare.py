"""REPORT.md's sections per pair of backings (compare.csv at rand stride
64): the table from 64M up, the verdict at the largest footprint, counts."""

from .source import stride64
from .units import human_bytes as human


def _f(x, digits):
    """awk's f2/f3: n/a for an empty cell."""
    return "n/a" if x == "" else f"{float(x):.{digits}f}"


def _few(r):
    """Fewer than 6 rounds, so no 95% verdict: chase says so in
    verdict_reason (stats.c decides it); runs written before that column
    are read by their nr_rounds."""
    if "verdict_reason" in r:
        return r["verdict_reason"] == "fewer_than_6_rounds"
    return r["nr_rounds"].isdigit() and int(r["nr_rounds"]) < 6


def _said(v, why, a, b):
    """compare.csv's verdict token in the report's words."""
    return {"a_slower": f"{a} slower", "b_slower": f"{b} slower", "same": "no difference",
            "undecided": "cannot decide" + (" (fewer than 6 rounds)" if why == "fewer_than_6_rounds" else "")
            }.get(v, v)


def _effective(r):
    if _few(r):
        return "cannot decide (fewer than 6 rounds)"
    return "cannot decide" if r["verdict"].startswith("cannot decide") else r["verdict"]


def _gt0(x):
    return x != "" and float(x) > 0


def _largest_sentence(a, b, last):
    at, rm, lo, hi, rounds = (human(int(last["footprint_bytes"])), last["ratio_median"], last["ratio_lo"],
                              last["ratio_hi"], last["nr_rounds"])
    ev = _effective(last)
    if ev == f"{a} slower":
        s = f"At {at}, {a} is {float(rm):.2f}x slower than {b} (95% interval {float(lo):.2f}–{float(hi):.2f} over {rounds} rounds)."
    elif ev == f"{b} slower" and _gt0(rm):
        s = (f"At {at}, {b} is {1 / float(rm):.2f}x slower than {a} (95% interval"
             f" {1 / float(hi) if _gt0(hi) else 0:.2f}–{1 / float(lo) if _gt0(lo) else 0:.2f} over {rounds} rounds).")
    elif ev == f"{b} slower":
        s = f"At {at}, {b} is slower than {a} (95% interval of {a}/{b} {_f(lo, 2)}–{_f(hi, 2)} over {rounds} rounds)."
    elif ev == "no difference":
        s = (f"At {at}, no difference is measurable between {a} and {b} (ratio {float(rm):.2f}, 95% interval"
             f" {float(lo):.2f}–{float(hi):.2f} over {rounds} rounds).")
    elif _few(last):
        s = (f"At {at}, the data cannot decide whether {b} is faster than {a}: {rounds} rounds are fewer than 6, and"
             " fewer than 6 rounds can never give a 95% verdict (even with every round on one side, chance alone"
             f" does that {'%.3g' % (100 * 2 ** (1 - int(rounds)))}% of the time). The per-round ratios {a}/{b} span"
             f" {_f(last['ratio_min'], 2)}–{_f(last['ratio_max'], 2)} (median {_f(rm, 2)}).")
    elif ev.startswith("cannot decide"):
        spans = lo != "" and hi != "" and float(lo) <= 1 and float(hi) >= 1
        s = (f"At {at}, the data cannot decide whether {b} is faster than {a}: the 95% interval of {a}/{b},"
             f" {_f(lo, 2)}–{_f(hi, 2)}, {'spans 1' if spans else 'does not settle it'} (median {_f(rm, 2)} over"
             f" {rounds} rounds); more rounds or a quieter host would tell.")
    else:
        s = f"At {at}, no verdict was recorded"
        if rm != "":
            s += f" (ratio {a}/{b} {_f(rm, 2)} over {rounds or 'an unknown number of'} rounds)"
        s += "."
    if ev == f"{b} slower":
        s += f" **{b} does not help here: it is slower than {a}** at the largest footprint measured."
    elif ev == "no difference":
        s += f" **{b} does not help here**: at the largest footprint measured it is no faster than {a}."
    return s


def backings_compared(src, out):
    if src.compare is None or not src.compare:
        out += ["## Backings compared", "",
                "No data: compare.csv is missing." if src.compare is None else "No data: compare.csv has only a header.",
                ""]
        return
    groups = {}
    for r in src.compare:
        if not stride64(r) or not r["footprint_bytes"].isdigit():
            continue
        r = dict(r, verdict=_said(r.get("verdict", ""), r.get("verdict_reason", ""), r["backing_a"], r["backing_b"]))
        groups.setdefault((r["backing_a"], r["backing_b"]), []).append(r)
    if not groups:
        out += ["## Backings compared", "", "No data: compare.csv has no rand stride-64 rows."]
        return
    l3 = int(src.m("l3_bytes")) if src.m("l3_bytes").isdigit() else 0
    for (a, b), rows in sorted(groups.items(), key=lambda kv: src.rank(kv[0][1])):
        rows = sorted(rows, key=lambda r: int(r["footprint_bytes"]))
        out += [f"## {a} vs {b}", "",
                f"The same random chain (stride 64) timed on {a} and on {b} in interleaved rounds; ratio = {a} / {b}"
                f" per round, so above 1 means {b} is faster.", ""]
        shown = [r for r in rows if int(r["footprint_bytes"]) >= 64 << 20]
        if not shown:
            shown = rows[-3:] if len(rows) > 3 else rows
            out += [f"No footprint reaches 64M; the largest {len(shown)} are shown.", ""]
        out += [f"| footprint | ns {a} (median) | ns {b} (median) | ratio {a}/{b} (median) | 95% interval |"
                " per-round min–max | rounds | verdict |", "|---:|---:|---:|---:|---|---|---:|---|"]
        n = {"fast": 0, "slow": 0, "same": 0, "und": 0, "few": 0, "none": 0}
        for r in shown:
            v, rounds = r["verdict"], r["nr_rounds"]
            ev = _effective(r)
            said = v or "none recorded"
            if _few(r) and not v.startswith("cannot decide"):
                said = f"cannot decide (fewer than 6 rounds; recorded as {said})"
            out.append(f"| {human(int(r['footprint_bytes']))} | {r['ns_a_median']} | {r['ns_b_median']} |"
                       f" {_f(r['ratio_median'], 3)} | [{_f(r['ratio_lo'], 3)}, {_f(r['ratio_hi'], 3)}] |"
                       f" {_f(r['ratio_min'], 3)}–{_f(r['ratio_max'], 3)} | {rounds} | {said} |")
            n["few"] += _few(r)
            key = ("fast" if ev == f"{a} slower" else "slow" if ev == f"{b} slower" else "same"
                   if ev == "no difference" else "und" if ev.startswith("cannot decide") else "none")
            n[key] += 1
        nf = len(shown)
        out += ["", _largest_sentence(a, b, rows[-1]), ""]
        s = (f"Over the {nf} footprint{'' if nf == 1 else 's'} above, {b} is faster at {n['fast']}, slower at"
             f" {n['slow']}, no different at {n['same']}; the data cannot decide at {n['und']}.")
        if n["none"]:
            s += f" {n['none']} footprint{' has' if n['none'] == 1 else 's have'} no verdict recorded."
        if n["few"]:
            who = ((("It has" if nf == 1 else "All of them have")) if n["few"] == nf
                   else f"{n['few']} of them {'has' if n['few'] == 1 else 'have'}")
            s += (f" {who} fewer than 6 rounds, and fewer than 6 rounds can never give a 95% verdict (the sign-test"
                  " interval of the median needs at least 6), so"
                  f" {'it is' if n['few'] == 1 else 'they are'} counted as cannot decide: rerun with more --reps.")
        big = int(rows[-1]["footprint_bytes"])
        if l3 > 0 and big < 4 * l3:
            s += (f" The largest footprint ({human(big)}) stays below four times L3 ({human(4 * l3)}): a larger"
                  " --max reaches DRAM, where page walks cost the most.")
        out += [s, ""]
