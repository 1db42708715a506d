"""analysis/: run directories read by name, refused with one line when they
cannot be, and compared row by row (pagewalk compare), on fixture runs made
from a real chase run (tests/fixtures/run_small) by each test."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from analysis import compare, levels, report  # noqa: E402
from analysis.rundir import FORMAT_VERSION, Run, RunError  # noqa: E402
from analysis.units import human_bytes  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "run_small")
# A chase run with tlbprobe --quick beside it (4k and thp).
PROBED = os.path.join(HERE, "fixtures", "run_probe")
# A run from the three-node test guest (tests/numa_vm.sh): data and page
# tables on node 0, and a placement matrix in numa/ (node 1 remote).
NUMA = os.path.join(HERE, "fixtures", "run_numa")
# A run with a page-size ladder in ladder/ (run_all.sh --quick on an
# Emerald Rapids guest: 4k, mthp16k..mthp1m, thp, hugetlb2m).
LADDER = os.path.join(HERE, "fixtures", "run_ladder")
# A run with bench/mlp beside it (mlp.csv, mlp-meta.json: 4k and thp, a 4M
# control and 256M, 6 rounds, on the Emerald Rapids guest).
MLP = os.path.join(HERE, "fixtures", "run_mlp")
PAGEWALK = os.path.join(ROOT, "pagewalk")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def run_pagewalk(*args):
    return subprocess.run([sys.executable, PAGEWALK] + list(args), capture_output=True, text=True)


class Fixtures(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pw-analysis-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def copy(self, name, edit_rows=None, edit_meta=None, drop=None, src=FIXTURE):
        """A copy of a fixture run; edit_rows(row) may change or drop
        (return None) chase.csv rows, edit_meta(meta) may change meta.json."""
        d = os.path.join(self.tmp, name)
        shutil.copytree(src, d)
        if edit_rows:
            p = os.path.join(d, "chase.csv")
            with open(p, newline="") as f:
                r = csv.DictReader(f)
                fields, rows = r.fieldnames, list(r)
            rows = [x for x in (edit_rows(dict(row)) for row in rows) if x is not None]
            with open(p, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=fields)
                w.writeheader()
                w.writerows(rows)
        if edit_meta:
            p = os.path.join(d, "meta.json")
            with open(p) as f:
                m = json.load(f)
            edit_meta(m)
            with open(p, "w") as f:
                json.dump(m, f, indent=1)  # one member per line, as pagewalk writes it
        if drop:
            os.unlink(os.path.join(d, drop))
        return d

    def compare(self, *dirs, extra=()):
        out = os.path.join(self.tmp, "out-" + str(len(os.listdir(self.tmp))))
        p = run_pagewalk("compare", *dirs, "--out", out, *extra)
        return p, out


def scale(backing, k):
    def edit(r):
        if r["backing"] == backing:
            for c in ("ns_median", "ns_min", "ns_p90", "ns_lo", "ns_hi"):
                r[c] = f"{float(r[c]) * k:.3f}"
        return r
    return edit


class ReadRun(Fixtures):
    def test_fixture_reads_by_name(self):
        run = Run(FIXTURE)
        self.assertEqual(run.meta["format_version"], FORMAT_VERSION)
        self.assertEqual({r["backing"] for r in run.rows}, {"4k", "thp"})
        self.assertTrue(all(isinstance(r["footprint_bytes"], int) for r in run.rows))
        self.assertIsNone(run.tlb)

    def test_refusals_name_file_and_problem(self):
        cases = [
            ("missing meta", dict(drop="meta.json"), "meta.json: missing"),
            ("missing csv", dict(drop="chase.csv"), "chase.csv: missing"),
            ("older format", dict(edit_meta=lambda m: m.pop("format_version")), "no format_version"),
            ("newer format", dict(edit_meta=lambda m: m.update(format_version=FORMAT_VERSION + 1)),
             f"format version {FORMAT_VERSION + 1}"),
            ("not chase", dict(edit_meta=lambda m: m.update(tool="tlbprobe")), "not a chase run"),
        ]
        for name, kw, want in cases:
            with self.subTest(name):
                with self.assertRaises(RunError) as e:
                    Run(self.copy(name.replace(" ", "_"), **kw))
                self.assertIn(want, str(e.exception))

    def test_malformed_files(self):
        d = self.copy("bad_json")
        with open(os.path.join(d, "meta.json"), "a") as f:
            f.write("}")
        with self.assertRaises(RunError) as e:
            Run(d)
        self.assertIn("malformed JSON", str(e.exception))
        d = self.copy("bad_cell", edit_rows=lambda r: dict(r, ns_median="fast") if r["footprint_bytes"] == "4096" else r)
        with self.assertRaises(RunError) as e:
            Run(d)
        self.assertIn("line 2, column ns_median", str(e.exception))

    def test_nan_cell_reads_as_none(self):
        d = self.copy("nan", edit_rows=lambda r: dict(r, ns_alone="", walk_per_load="nan"))
        run = Run(d)
        self.assertTrue(all(r["ns_alone"] is None and r["walk_per_load"] is None for r in run.rows))


class Compare(Fixtures):
    def test_copy_agrees_everywhere(self):
        p, out = self.compare(FIXTURE, self.copy("same"))
        self.assertEqual(p.returncode, 0, p.stderr)
        md = read(os.path.join(out, "COMPARE.md"))
        n = len(Run(FIXTURE).by_key)
        self.assertIn(f"{n} of {n} points (100%) within noise, median ratio 1.000. The runs agree.", md)
        for f in ("compare_rows.csv", "plots/compare_latency.png", "plots/compare_latency.svg",
                  "plots/compare_ratio.png", "plots/compare_ratio.svg"):
            self.assertTrue(os.path.getsize(os.path.join(out, f)) > 0, f)

    def test_scaled_backing_marked_and_nothing_else(self):
        base = Run(FIXTURE)
        runs = [base, Run(self.copy("thp15", edit_rows=scale("thp", 1.5)))]
        rows, left_out = compare.compare(runs)
        self.assertEqual(left_out, 0)
        thp = [r for r in rows if r["backing"] == "thp"]
        other = [r for r in rows if r["backing"] != "thp"]
        self.assertTrue(thp and other)
        self.assertTrue(all(r["mark"][1] == compare.SAME for r in other))
        for r in thp:
            self.assertAlmostEqual(r["ratio"][1], 1.5, delta=0.002)
            lo, hi = compare.interval(base.by_key[tuple(r[c] for c in ("backing", "pattern", "stride_bytes", "stagger", "footprint_bytes"))])
            # A difference is claimed wherever the row's own spread is
            # narrower than the change; a row noisier than 1.5x cannot show it.
            self.assertEqual(r["mark"][1], compare.SLOWER if hi < 1.5 * lo else compare.SAME, r)
        marked = sum(r["mark"][1] == compare.SLOWER for r in thp)
        self.assertGreaterEqual(marked, 0.8 * len(thp))
        md = compare.markdown(runs, rows, left_out, [])
        self.assertIn(f"{marked} slower (median 1.50x)", md)
        self.assertIn(f"| rand stride 64 | thp | {len(thp)} | {len(thp) - marked} / {marked} / 0, 1.500 |", md)
        self.assertIn(f"| rand stride 64 | 4k | {len(other)} | {len(other)} / 0 / 0, 1.000 |", md)

    def test_faster_and_missing_points(self):
        big = max(r["footprint_bytes"] for r in Run(FIXTURE).rows)
        d = self.copy("fast_short", edit_rows=lambda r: None if int(r["footprint_bytes"]) == big
                      else scale("4k", 0.5)(r))
        rows, left_out = compare.compare([Run(FIXTURE), Run(d)])
        self.assertEqual(left_out, 2)  # the largest footprint, for both backings
        self.assertTrue(all(r["footprint_bytes"] < big for r in rows))
        self.assertTrue(any(r["mark"][1] == compare.FASTER for r in rows if r["backing"] == "4k"))
        md = compare.markdown([Run(FIXTURE), Run(d)], rows, left_out, [])
        self.assertIn("2 points measured in some runs only are left out.", md)

    def test_one_backing_and_interrupted(self):
        d = self.copy("only4k_interrupted", edit_rows=lambda r: r if r["backing"] == "4k" else None,
                      edit_meta=lambda m: m.update(status="interrupted"))
        p, out = self.compare(FIXTURE, d, extra=("--label", f"cut={d}"))
        self.assertEqual(p.returncode, 0, p.stderr)
        md = read(os.path.join(out, "COMPARE.md"))
        self.assertIn("**cut** against **run_small**", md)
        self.assertNotIn("| thp |", md.split("## Machines")[0])
        self.assertIn("points measured in some runs only are left out", md)

    def test_machines_and_plateaus(self):
        run = Run(FIXTURE)
        rows, left_out = compare.compare([run, Run(self.copy("b"))])
        md = compare.markdown([run, Run(self.copy("c"))], rows, left_out, [])
        self.assertIn(f"| CPU | {run.machine['cpu_model']} | {run.machine['cpu_model']} |", md)
        self.assertIn(f"| kernel | {run.machine['kernel']} |", md)
        pl = dict((name, v) for name, v, _ in levels.plateaus(run, "4k", run.machine))
        self.assertIsNotNone(pl["L1"])
        self.assertIn(f"| 4k | L1 | {pl['L1']:.1f} | {pl['L1']:.1f} |", md)
        self.assertIsNone(pl["DRAM"])  # 256K never leaves the caches


class Refusals(Fixtures):
    def one_line(self, p, want):
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn(want, p.stderr)

    def test_malformed_files_refused_by_report_in_one_line(self):
        d = self.copy("undecodable", src=PROBED)
        with open(os.path.join(d, "compare.csv"), "ab") as f:
            f.write(b"\xff\xfe,broken\n")
        self.one_line(run_pagewalk("report", d), "compare.csv: cannot be read")
        d = self.copy("badvalue", src=PROBED)
        p = os.path.join(d, "tlb.json")
        with open(p) as f:
            t = json.load(f)
        t["inferred"][0]["miss_cost_cycles"] = "1e999999"  # too many digits to round
        t["inferred"][0]["entries"] = {"not": "a number"}
        with open(p, "w") as f:
            json.dump(t, f)
        r = run_pagewalk("report", d)
        self.assertIn(r.returncode, (0, 2), r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        if r.returncode == 2:
            self.one_line(r, "a file is malformed")

    def test_bad_runs_exit_2_one_line(self):
        older = self.copy("older", edit_meta=lambda m: m.pop("format_version"))
        p, out = self.compare(FIXTURE, older)
        self.one_line(p, "older/meta.json: no format_version")
        self.assertFalse(os.path.exists(out))
        p, out = self.compare(FIXTURE, os.path.join(self.tmp, "nowhere"))
        self.one_line(p, "nowhere/meta.json: missing")

    def test_bad_usage_exit_2_one_line(self):
        self.one_line(run_pagewalk("compare", FIXTURE), "at least two run directories")
        self.one_line(run_pagewalk("compare", FIXTURE, FIXTURE), "given twice")
        self.one_line(run_pagewalk("compare", FIXTURE, "--label", "x y=" + FIXTURE), "NAME=DIR")
        self.one_line(run_pagewalk("compare", FIXTURE, "--bogus"), "unrecognized arguments")
        self.one_line(run_pagewalk("frobnicate"), "unknown command")

    def test_out_refused_when_it_exists_or_is_a_link(self):
        d = self.copy("again")
        os.mkdir(os.path.join(self.tmp, "taken"))
        self.one_line(run_pagewalk("compare", FIXTURE, d, "--out", os.path.join(self.tmp, "taken")), "exists")
        os.symlink(self.tmp, os.path.join(self.tmp, "link"))
        self.one_line(run_pagewalk("compare", FIXTURE, d, "--out", os.path.join(self.tmp, "link")), "symbolic link")
        self.one_line(run_pagewalk("compare", FIXTURE, d, "--out", os.path.join(self.tmp, "no", "such")),
                      "parent directory does not exist")


class FolioEntries(unittest.TestCase):
    """How many L1 TLB entries a folio takes, from knees in 4 KiB pages."""

    @staticmethod
    def level(backing, knee):
        return (backing, "4", "spread", "1", "L1 TLB capacity", str(round(knee)), "2", "6", "0.8", str(knee), "", "", "")

    def test_none_full_and_partial_coalescing(self):
        from analysis.report_tlb import folio_entries
        inferred = [self.level("4k", 64), self.level("mthp16k", 65), self.level("mthp64k", 1000),
                    self.level("mthp32k", 256)]
        lines = folio_entries(inferred, {"4k": 4, "mthp16k": 16, "mthp32k": 32, "mthp64k": 64, "thp": 2048})
        self.assertEqual(len(lines), 3)
        text = "\n".join(lines)
        self.assertIn("mthp16k: its L1 knee is at 65 4 KiB pages against 64 for 4k (1.02x), so a 16 KiB folio of 4"
                      " pages takes one entry per 4 KiB page (4 per folio): no coalescing at L1.", text)
        self.assertIn("a 64 KiB folio of 16 pages takes one entry for the whole folio", text)
        self.assertIn("a 32 KiB folio of 8 pages takes about 2.0 entries (one per 4.0 pages): partly coalesced", text)
        self.assertEqual(folio_entries([self.level("mthp16k", 65)], {"mthp16k": 16}), [], "no 4k knee, no claim")


class Report(Fixtures):
    """pagewalk report rebuilds REPORT.md and the plots from the data alone."""

    def ladder_with(self, name, verdicts):
        """A copy of the ladder fixture whose rand stride 64 pairs at the
        largest footprint carry the given verdicts (backing -> token)."""
        d = self.copy(name, src=LADDER)
        p = os.path.join(d, "ladder", "compare.csv")
        with open(p, newline="") as f:
            r = csv.DictReader(f)
            fields, rows = r.fieldnames, list(r)
        top = max(int(x["footprint_bytes"]) for x in rows)
        for x in rows:
            if (x["pattern"], x["stride_bytes"], x["stagger"]) == ("rand", "64", "0") and int(x["footprint_bytes"]) == top \
                    and x["backing_b"] in verdicts:
                x["verdict"] = verdicts[x["backing_b"]]
        with open(p, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
        return d

    def ladder_claim(self, md):
        sec = md.split("## Page-size ladder", 1)[1].split("\n## ", 1)[0]
        return sec.split("rand stride 64, at 256M:", 1)[1].split("rand stride 4K staggered", 1)[0]

    def test_ladder_table_and_claims_follow_the_verdicts(self):
        md = self.report(self.copy("lad", src=LADDER))
        sec = md.split("## Page-size ladder", 1)[1].split("\n## ", 1)[0]
        with open(os.path.join(LADDER, "ladder", "compare.csv"), newline="") as f:
            r = [x for x in csv.DictReader(f) if x["backing_b"] == "mthp64k" and x["stride_bytes"] == "64"][-1]
        self.assertIn("| mthp64k | 64K | 100% |", sec)
        self.assertIn(f"| {float(r['ratio_median']):.3f} | [{float(r['ratio_lo']):.3f}, {float(r['ratio_hi']):.3f}] |", sec)
        self.assertIn("![ns per load against folio size, per series and footprint](plots/ladder.png)", sec)
        small = ["mthp16k", "mthp32k", "mthp64k", "mthp128k", "mthp256k", "mthp512k", "mthp1m"]
        none = self.ladder_claim(self.report(self.ladder_with("none", {b: "undecided" for b in small})))
        self.assertIn("**This CPU shows no gain from folios below 2 MiB** at 256M", none)
        gain = {b: ("a_slower" if i >= 2 else "same") for i, b in enumerate(small)}
        md = self.report(self.ladder_with("gain", gain))
        self.assertIn("**This CPU gains from folios below 2 MiB, from 64 KiB on**", self.ladder_claim(md))
        self.assertIn("mthp16k, mthp32k do not gain", self.ladder_claim(md))
        mixed = dict(gain, mthp512k="b_slower")
        claim = self.ladder_claim(self.report(self.ladder_with("mixed", mixed)))
        self.assertIn("Some folio sizes below 2 MiB gain", claim)
        self.assertIn("no size from which on every larger one gains", claim)
        self.assertIn("Not measured in this run (run_all.sh measures it as root", self.report(self.copy("plain")))

    def test_run_to_run_figures(self):
        """compare's run-to-run lines: |ratio - 1| over rand rows beyond L1,
        and the later run's backing ratios inside the first's interval."""
        a, b = self.copy("rr_a"), self.copy("rr_b")
        l1 = Run(a).machine["l1d_bytes"]
        p = os.path.join(b, "chase.csv")
        with open(p, newline="") as f:
            r = csv.DictReader(f)
            fields, rows = r.fieldnames, list(r)
        for x in rows:
            if x["pattern"] == "rand" and int(x["footprint_bytes"]) > l1:
                x["ns_median"] = f"{float(x['ns_median']) * 1.1:.4f}"
        with open(p, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
        p = os.path.join(b, "compare.csv")
        with open(p, newline="") as f:
            r = csv.DictReader(f)
            fields, pairs = r.fieldnames, list(r)
        for i, x in enumerate(pairs):
            if i % 3 == 0:  # every third ratio outside the first run's interval
                x["ratio_median"] = f"{float(x['ratio_hi']) * 1.2:.4f}"
        with open(p, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(pairs)
        runs = [Run(a, "A"), Run(b, "B")]
        rows, _ = compare.compare(runs)
        md = "\n".join(compare.agreement(runs, rows, ratio_from=0))
        self.assertIn("**B**: rand rows beyond L1 differ by 10.0% (median) and 10.0% (p90).", md)
        n = len(pairs)
        hit = n - len(range(0, n, 3))
        self.assertIn(f"4k/thp, rand stride 64: {hit} of {n} ratios from 0B up ({100 * hit / n:.0f}%) inside A's", md)
        # From 64M up the small fixture has no pair: nothing is claimed.
        self.assertNotIn("ratios from", "\n".join(compare.agreement(runs, rows)))

    def with_canary(self, name, median, spread):
        d = self.copy(name)
        p = os.path.join(d, "meta.json")
        with open(p) as f:
            m = json.load(f)
        m["canary"] = {"footprint_bytes": 32 << 20, "samples": 61, "ns_median": median, "ns_min": median / 1.05,
                       "ns_max": median * 1.5, "ns_p90": median / 1.05 * spread, "spread": spread,
                       "state": "busy" if spread >= 1.25 else "steady"}
        with open(p, "w") as f:
            json.dump(m, f)
        return d

    def test_l3_canary_in_report_and_compare(self):
        quiet, busy = self.with_canary("c_quiet", 120.0, 1.1), self.with_canary("c_busy", 150.0, 1.4)
        md = self.report(quiet)
        self.assertIn("The host's shared cache: a 32M chain (sized from the L3) timed after every point read 120.0 ns"
                      " per load (median; 114.3 to 180.0 over 61 points, p90 1.10 times the minimum)", md)
        self.assertNotIn("was busy", md)
        self.assertIn("> **The host's shared cache was busy during this run**: the canary's p90 is 1.40",
                      self.report(busy))
        self.assertNotIn("host's shared cache", self.report(self.copy("c_none")))
        runs = [Run(quiet, "A"), Run(busy, "B")]
        rows, _ = compare.compare(runs)
        said = "\n".join(compare.agreement(runs, rows))
        self.assertIn("The host's L3 canary read 1.25 times A's: the host's shared cache was in another state", said)
        md = compare.markdown(runs, rows, 0, [])
        self.assertIn("| host's L3 canary | 120.0 ns (32M chain; p90 1.10x its minimum: steady) |"
                      " 150.0 ns (32M chain; p90 1.40x its minimum: busy) |", md)
        same = [Run(quiet, "A"), Run(self.with_canary("c_same", 122.0, 1.1), "C")]
        rows, _ = compare.compare(same)
        said = "\n".join(compare.agreement(same, rows))
        self.assertIn("The host's L3 canary read 1.02 times A's.", said)

    def test_line_groups_look_apart(self):
        from analysis.gplot import group_style
        styles = [group_style(g) for g in range(30)]
        self.assertEqual(len(set(styles)), 30, styles)
        self.assertTrue(all(1 <= dt <= 5 for dt, _ in styles), styles)  # the terminals' dash types

    def test_every_backing_has_its_own_colour(self):
        from analysis.gplot import PALETTE
        from analysis.plot import Plotter
        names = [f"b{i}" for i in range(len(PALETTE) + 3)]  # past the palette too

        def vocab(m):
            m["vocab"]["backings"] = names

        p = Plotter(self.copy("colours", edit_meta=vocab))
        colours = [p.colour(b) for b in names + ["unknown"]]
        self.assertEqual(len(set(colours)), len(colours), colours)
        self.assertTrue(all(re.fullmatch("#[0-9a-f]{6}", c) for c in colours), colours)

    def test_line_plots_colour_the_backing_and_dash_the_footprint(self):
        from analysis import mlp, render
        from analysis.gplot import colour_at
        seen = {}
        real = render.gnuplot
        render.gnuplot = lambda script, out, v: seen.update(v)
        try:
            self.assertEqual(mlp.plot(self.copy("mlp_colours", src=MLP)), 0)
        finally:
            render.gnuplot = real
        src = mlp.Mlp(os.path.join(self.tmp, "mlp_colours")).src
        style = dict(zip(seen["titles"].split(), zip(seen["colours"].split(), seen["dashes"].split())))
        self.assertGreater(len({t.split("@")[0] for t in style}), 1, style)
        self.assertGreater(len({t.split("@")[1] for t in style}), 1, style)
        for t, (colour, dash) in style.items():
            b, fp = t.split("@")
            self.assertEqual(colour, colour_at(src.rank(b)), t)  # the colour every plot gives b
            self.assertEqual({d for u, (c, d) in style.items() if u.endswith("@" + fp)}, {dash}, t)
        self.assertEqual(len(set(style.values())), len(style), style)

    def test_compare_plots_colour_the_backing_and_dash_the_run(self):
        from analysis import render
        from analysis.gplot import colour_at, group_style
        runs = [Run(self.copy("cmp_a"), "A"), Run(self.copy("cmp_b"), "B"), Run(self.copy("cmp_c"), "C")]
        rows, _ = compare.compare(runs)
        seen = []
        real = render.gnuplot
        render.gnuplot = lambda script, out, v: seen.append(v)
        try:
            out = os.path.join(self.tmp, "cmp_out")
            os.mkdir(out)
            self.assertEqual(compare.plots(out, runs, rows), ["compare_latency", "compare_ratio"])
        finally:
            render.gnuplot = real
        order = render.backing_order(runs[0])
        for v, labels in zip(seen, (["A", "B", "C"], ["B", "C"])):
            titles, colours, dashes = v["titles"].split(), v["colours"].split(), v["dashes"].split()
            self.assertEqual(len(titles), len(colours), v)
            self.assertEqual(len(titles), len(dashes), v)
            for t, c, dash in zip(titles, colours, dashes):
                label, b = t.split("/")
                self.assertEqual(c, colour_at(order.index(b)), t)
                self.assertEqual(dash, str(group_style(["A", "B", "C"].index(label))[0]), t)
            self.assertEqual({t.split("/")[0] for t in titles}, set(labels))

    def test_alone_check_in_report(self):
        def alone_at(r):
            if r["pattern"] == "rand" and r["stride_bytes"] == "64":
                fp = int(r["footprint_bytes"])
                # One row 20% above its alone timing, the rest 1% above.
                bump = 1.2 if (r["backing"], fp) == ("4k", self.fp_big) else 1.01
                r["ns_alone"] = f"{float(r['ns_median']) / bump:.3f}"
            return r

        with open(os.path.join(FIXTURE, "chase.csv"), newline="") as f:
            self.fp_big = max(int(r["footprint_bytes"]) for r in csv.DictReader(f))
        check = {"rows": 12, "median_diff": 0.01, "median_abs_diff": 0.012, "p90_abs_diff": 0.2,
                 "within_5pct_share": 0.9167, "median_abs_drift": 0.052, "p90_abs_drift": 0.15}

        def with_check(m):
            m["options"]["alone_ms"] = 1000
            m["alone_check"] = check

        md = self.report(self.copy("alone", edit_rows=alone_at, edit_meta=with_check))
        self.assertIn("Alone check (--alone-ms 1000): every chain was also timed alone, for 1000 ms just before its"
                      " rounds and again just after them", md)
        self.assertIn("Over 12 rows the rounds' medians read +1.0% against alone (median; the size of the difference:"
                      " median 1.2%, p90 20.0%; 92% of rows within 5%).", md)
        self.assertIn("differed by 5.2% (median; p90 15.0%): that is the host's own drift", md)
        first = md.split("The rows furthest from alone:", 1)[1].strip().splitlines()[0]
        self.assertTrue(first.startswith(f"- 4k, rand stride 64 at {human_bytes(self.fp_big)}:"), first)
        self.assertIn("(+20.0%)", first)
        self.assertNotIn("Alone check", self.report(self.copy("no_alone")))

        def nulls(m):  # chase writes NaN as null: no paragraph, and the report still written
            with_check(m)
            m["alone_check"] = dict(check, median_diff=None)

        self.assertNotIn("Alone check", self.report(self.copy("alone_null", edit_meta=nulls)))

    def test_backings_outside_the_vocabulary_get_their_own_rank(self):
        from analysis.source import Source

        def older(m):  # a vocabulary from before the mTHP backings
            m["vocab"]["backings"] = ["4k", "thp"]

        src = Source(self.copy("old_vocab", edit_meta=older))
        self.assertEqual([src.rank(b) for b in ("4k", "thp", "mthp16k", "mthp64k", "mthp16k")], [0, 1, 2, 3, 2])

    def test_ladder_gain_without_coalescing_says_it_is_not_fewer_entries(self):
        small = ["mthp16k", "mthp32k", "mthp64k", "mthp128k", "mthp256k", "mthp512k", "mthp1m"]
        d = self.ladder_with("gain_tlb", {b: "a_slower" for b in small})
        with open(os.path.join(PROBED, "tlb.json")) as f:
            t = json.load(f)
        l1 = next(o for o in t["inferred"] if o["backing"] == "4k" and o["layout"] == "spread" and o["level"] == 1)

        def knees(k16, k64):
            t["inferred"] = [o for o in t["inferred"] if not o["backing"].startswith("mthp")]
            t["inferred"] += [dict(l1, backing="mthp16k", knee_pages=k16), dict(l1, backing="mthp64k", knee_pages=k64)]
            with open(os.path.join(d, "tlb.json"), "w") as f:
                json.dump(t, f)
        with open(os.path.join(d, "meta.json")) as f:
            m = json.load(f)
        m["vocab"]["backing_folio_kb"] = {"4k": 4, "mthp16k": 16, "mthp64k": 64, "thp": 2048}
        m["machine"]["translation"] = "nested"
        with open(os.path.join(d, "meta.json"), "w") as f:
            json.dump(m, f)
        knees(l1["knee_pages"], l1["knee_pages"] * 1.1)
        claim = self.ladder_claim(self.report(d))
        self.assertIn("**This CPU gains from folios below 2 MiB, from 16 KiB on**", claim)
        self.assertIn("no coalescing (mthp16k, mthp64k: one L1 entry per 4 KiB page), so this gain is not fewer L1",
                      claim)
        self.assertIn("in this guest the host's part of every two-dimensional walk", claim)
        knees(l1["knee_pages"] * 4, l1["knee_pages"] * 16)  # coalesced: the gain may well be entries
        self.assertNotIn("no coalescing", self.ladder_claim(self.report(d)))

    def mlp_with(self, name, edit):
        d = self.copy(name, src=MLP)
        p = os.path.join(d, "mlp-meta.json")
        with open(p) as f:
            m = json.load(f)
        edit(m)
        with open(p, "w") as f:
            json.dump(m, f, indent=1)
        return d

    def test_mlp_section_reads_the_curves_and_the_inference(self):
        d = self.copy("mlp", src=MLP)
        md = self.report(d)
        sec = md.split("## Page walks in parallel", 1)[1].split("\n## ", 1)[0]
        with open(os.path.join(MLP, "mlp.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(MLP, "mlp-meta.json")) as f:
            info = json.load(f)["mlp"]
        top = max(int(r["footprint_bytes"]) for r in rows)
        for n in (1, 16):
            k4 = next(r for r in rows if r["backing"] == "4k" and int(r["footprint_bytes"]) == top and r["chains"] == str(n))
            thp = next(r for r in rows if r["backing"] == "thp" and int(r["footprint_bytes"]) == top and r["chains"] == str(n))
            self.assertIn(f"| {n} | {float(k4['ns_per_load']):.2f} | {float(thp['ns_per_load']):.2f} |"
                          f" {float(k4['ratio_ref']):.2f} | [{float(k4['ratio_lo']):.2f}, {float(k4['ratio_hi']):.2f}] |", sec)
        fits = {(c["backing"], c["footprint_bytes"]): c["fit"] for c in info["curves"]}
        f4, ft = fits[("4k", top)], fits[("thp", top)]
        self.assertIn(f"4K pages cap at about {f4['in_flight']:.0f} loads in flight; thp reaches {ft['in_flight']:.0f}", sec)
        self.assertIn(f"| 4k | 256M | {f4['latency_ns']:.1f} | {f4['saturated_ns_per_load']:.2f} | {f4['saturation_chains']} |", sec)
        w = info["walks"][0]
        self.assertIn(f"about **{w['walks_in_flight']:.1f} page walks in flight** [{w['walks_lo']:.1f}, {w['walks_hi']:.1f}]", sec)
        self.assertIn(f"Confidence: {w['confidence']}: {w['why']}.", sec)
        self.assertIn("Published for Intel Raptor Cove: 4 page walkers", sec)
        self.assertIn("Control (4M, within reach)", sec)
        self.assertIn("nested paging (EPT/NPT)", sec)
        self.assertTrue(os.path.getsize(os.path.join(d, "plots", "mlp.png")) > 0)

    def test_mlp_section_without_published_walkers_or_run(self):
        def edit(m):
            m["mlp"].update(published_walkers=None, published_walkers_source=None, translation="shadow")
        sec = self.report(self.mlp_with("unpub", edit)).split("## Page walks in parallel", 1)[1].split("\n## ", 1)[0]
        self.assertIn("No walker count is published for Intel Raptor Cove.", sec)
        self.assertIn("shadow page tables", sec)
        self.assertNotIn("nested paging", sec)
        self.assertIn("Not measured in this run (run_all.sh runs bench/mlp).", self.report(self.copy("nomlp")))

    def test_numa_matrix_rows_are_placement_over_all_local(self):
        d = self.copy("numa", src=NUMA)
        md = self.report(d)
        sec = md.split("## NUMA placement matrix", 1)[1].split("\n## ", 1)[0]
        with open(os.path.join(d, "numa", "compare.csv"), newline="") as f:
            pairs = [r for r in csv.DictReader(f) if r["backing_a"] == r["backing_b"]]
        self.assertEqual(len(pairs), 12)  # 2 backings x 3 placements x 2 footprints
        for r in pairs:
            # compare.csv has all-local / placement; the section, its inverse.
            label = "data {}, page tables {}".format(
                *("local" if r[k] == "0" else f"remote (node {r[k]})" for k in ("mem_node_b", "pt_node_b")))
            lo, hi = 1 / float(r["ratio_hi"]), 1 / float(r["ratio_lo"])
            row = (f"| {r['backing_b']} | {human_bytes(int(r['footprint_bytes']))} | {label} |"
                   f" {float(r['ns_a_median']):.1f} | {float(r['ns_b_median']):.1f} | {1 / float(r['ratio_median']):.3f} |"
                   f" [{lo:.3f}, {hi:.3f}] |")
            self.assertIn(row, sec)
        self.assertIn("![each NUMA placement against all-local, per backing](plots/numa.png)", sec)
        self.assertTrue(os.path.getsize(os.path.join(d, "plots", "numa.png")) > 0)
        place = md.split("## NUMA placement\n", 1)[1].split("\n## ", 1)[0]
        self.assertIn("3 NUMA nodes (node 0: 1 CPU, 1.0 GiB; node 1: 1 CPU, 1.0 GiB; node 2: no CPUs (memory only)", place)
        self.assertIn("| node 1 | 20 | 10 | 20 |", place)
        self.assertIn("| 4k | 0 | bound | 100.0% | 0 | bound | 100.0% | 128 kB |", place)

    def test_numa_sections_on_one_node_and_old_runs(self):
        one = self.copy("one", src=NUMA, edit_meta=lambda m: m["numa"].update(
            nodes=m["numa"]["nodes"][:1], distance=[[10]]))
        shutil.rmtree(os.path.join(one, "numa"))
        md = self.report(one)
        self.assertIn("Not measured: this machine has one NUMA node with memory, so nothing is remote.", md)
        self.assertIn("With one node, every placement is local", md)
        self.assertNotIn("Node distances", md)
        old = self.copy("old", edit_meta=lambda m: m.pop("numa", None))
        md = self.report(old)
        self.assertIn("Not recorded: this run predates NUMA placement.", md)
        self.assertIn("Not measured in this run", md)

    def test_unverified_page_tables_say_why(self):
        def edit(m):
            for b in m["buffers"]:
                b.update(pt_node_verified=None, pt_node_why="page tables not verified: flushing needs root")
        d = self.copy("nopt", src=NUMA, edit_meta=edit)
        md = self.report(d)
        self.assertIn("| unverified |", md)
        self.assertIn("- 4k: page tables not verified: flushing needs root", md)

    def report(self, d):
        for f in ("REPORT.md",):
            if os.path.exists(os.path.join(d, f)):
                os.unlink(os.path.join(d, f))
        shutil.rmtree(os.path.join(d, "plots"), ignore_errors=True)
        p = run_pagewalk("report", d)
        self.assertEqual(p.returncode, 0, p.stderr)
        return read(os.path.join(d, "REPORT.md"))

    def last_compare_row(self, d):
        with open(os.path.join(d, "compare.csv"), newline="") as f:
            rows = [r for r in csv.DictReader(f) if (r["pattern"], r["stride_bytes"], r["stagger"]) == ("rand", "64", "0")]
        return rows[-1]

    def test_complete_run_no_probe_no_counters(self):
        d = self.copy("complete")
        md = self.report(d)
        for section in ("## Machine", "## Buffers", "## Latency plateaus", "## 4k vs thp", "## Plots",
                        "## How to read"):
            self.assertIn(section, md)
        self.assertNotIn("## TLB geometry", md)  # no tlb.json in this run
        self.assertNotIn("This run is **", md)
        last = self.last_compare_row(d)
        self.assertIn(f"At {human_bytes(int(last['footprint_bytes']))}, ", md)
        if last["verdict"] == "undecided":
            self.assertIn("cannot decide whether thp is faster than 4k", md)
        self.assertTrue(os.path.getsize(os.path.join(d, "plots", "latency.png")) > 0)

    def test_interrupted_one_backing_nan_cells(self):
        d = self.copy("cut", edit_rows=lambda r: dict(r, dtlb_miss_per_load="") if r["backing"] == "4k" else None,
                      edit_meta=lambda m: m.update(status="interrupted"))
        os.unlink(os.path.join(d, "compare.csv"))
        md = self.report(d)
        self.assertIn("This run is **interrupted**", md)
        self.assertIn("## Latency plateaus", md)
        self.assertNotIn("## 4k vs thp", md)

    def test_counters_plotted_when_a_column_is_filled(self):
        def fill(r):
            if (r["pattern"], r["stride_bytes"], r["stagger"]) == ("rand", "64", "0"):
                r["dtlb_miss_per_load"] = "0.25000"
                r["walk_cycles_per_load"] = "12.50000"
            return r
        d = self.copy("counted", edit_rows=fill)
        self.report(d)
        for ext in ("png", "svg"):
            self.assertTrue(os.path.getsize(os.path.join(d, "plots", f"counters.{ext}")) > 0)
        gp = read(os.path.join(d, "plots", "data", "counters_body.gp"))
        self.assertIn('title "L1 DTLB misses"', gp)
        self.assertIn('title "walk cycles"', gp)
        self.assertIn("set yrange [0:0.2875]", gp)  # 0.25 * 1.15: the events panel from 0
        self.assertIn(f"set yrange [0:{12.5 * 1.15:.4g}]", gp)

    def test_tlb_section_and_plot_from_the_probe(self):
        def long_name(m):  # a CPU name long enough to wrap the title's first line
            m["machine"]["cpu_model"] = "Example(R) Processor with a name as long as some vendors give theirs, " * 2

        d = self.copy("probed", src=PROBED, edit_meta=long_name)
        md = self.report(d)
        with open(os.path.join(d, "tlb.json"), encoding="utf-8") as f:
            tlb = json.load(f)
        self.assertIn("## TLB geometry (tlbprobe)", md)
        self.assertIn("### 4K pages", md)
        self.assertIn("Inferred from the 4k backing, layout spread (one probe line per page).", md)
        l1 = next(e for e in tlb["inferred"] if e["backing"] == "4k" and e["layout"] == "spread" and e["level"] == 1)
        self.assertIn(f"| L1 | {l1['entries']} | ", md)
        for h in tlb["huge_tlb_entries"]:
            self.assertIn(f"- **{h['backing']}** (2M pages; verdict {h['verdict']}; layouts {h['layout']}", md)
        gp = read(os.path.join(d, "plots", "data", "tlbprobe_body.gp"))
        self.assertIn("layouts: spread = a line per page, subpage0 = lines in 4K sub-page 0, spread4k = lines over"
                      " the 4K sub-pages", gp)
        self.assertIn('"thp: ', gp)  # the thp verdict line in the title
        # Every title line fits the plot's width: long verdicts wrap.
        title = next(ln for ln in gp.splitlines() if ln.startswith("set title "))
        lines = re.findall(r'"((?:[^"\\]|\\.)*)"', title)
        lines = [ln for ln in lines if ln != "\\n"]
        self.assertTrue(any(ln.startswith("thp: splintered into 4K TLB entries") for ln in lines), lines)
        self.assertTrue(all(len(ln) <= 130 for ln in lines), [len(ln) for ln in lines])
        self.assertIn("    over the slices (4K pages: 97)", lines)  # the thp verdict's second line
        self.assertTrue(lines[1].startswith("    "), lines)  # the machine line wrapped too
        self.assertTrue(os.path.getsize(os.path.join(d, "plots", "tlbprobe.png")) > 0)

    def test_few_rounds_said_from_the_reason_token(self):
        d = self.copy("five")
        p = os.path.join(d, "compare.csv")
        with open(p, newline="") as f:
            r = csv.DictReader(f)
            fields, rows = r.fieldnames, list(r)
        for row in rows:
            row.update(nr_rounds="5", verdict="undecided", verdict_reason="fewer_than_6_rounds")
        with open(p, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
        md = self.report(d)
        self.assertIn("| 5 | cannot decide (fewer than 6 rounds) |", md)
        self.assertIn("5 rounds are fewer than 6", md)
        self.assertIn("All of them have fewer than 6 rounds", md)

    def test_refusals(self):
        p = run_pagewalk("report", os.path.join(self.tmp, "nowhere"))
        self.assertEqual((p.returncode, len(p.stderr.strip().splitlines())), (2, 1), p.stderr)
        d = self.copy("nochase", drop="chase.csv")
        p = run_pagewalk("report", d)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("chase.csv: missing", p.stderr)


class Units(unittest.TestCase):
    def test_human_bytes(self):
        self.assertEqual([human_bytes(x) for x in (64, 4096, 46336, 3 << 20, 1536 << 20, 39903168)],
                         ["64B", "4K", "45.2K", "3M", "1.5G", "38.1M"])


if __name__ == "__main__":
    unittest.main()
