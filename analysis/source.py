"""A run directory as the renderers read it: its files loaded once (CSV
cells stay text, as written), the run's own vocabulary, and the small
formatting rules every section shares."""

import csv
import decimal
import json
import os

from . import jsonq
from .jsonq import objects
from .rundir import RunError
from .units import human_bytes as human


class Source:
    """What a run directory holds, read once; CSV cells stay text."""

    def __init__(self, d):
        self.dir = d
        self.meta = self._json("meta.json")
        self.tlb = self._json("tlb.json")
        self.probe_meta = self._json("tlbprobe-meta.json")
        self.chase = self._csv("chase.csv")
        self.compare = self._csv("compare.csv")
        self.tlbcsv = self._csv("tlbprobe.csv")
        self.mlp_meta = self._json("mlp-meta.json")
        self.mlp = self._csv("mlp.csv")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _json(self, name):
        try:
            with open(self.path(name), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def _csv(self, name):
        """Rows as dicts of text, or None when the file is missing."""
        try:
            with open(self.path(name), newline="", encoding="utf-8") as f:
                return [r for r in csv.DictReader(f) if any(v for v in r.values() if v)]
        except OSError:
            return None
        except (UnicodeDecodeError, csv.Error) as e:
            raise RunError(self.path(name), f"cannot be read ({e})") from None

    def m(self, key):
        return jsonq.s(self.meta, key)

    @property
    def backings(self):
        """The backings in the order pagewalk defines them: every vocabulary
        the run's tools wrote, merged in order (an older tool's may lack
        the newer backings)."""
        order = []
        for doc in (self.meta, self.probe_meta, self.mlp_meta):
            voc = jsonq.get(doc, "vocab.backings")
            for b in voc if isinstance(voc, list) else []:
                if isinstance(b, str) and b not in order:
                    order.append(b)
        return order

    def rank(self, b):
        """A backing's place in that order; unknown ones after it, each its
        own in the order first asked (so no two share a colour)."""
        if not hasattr(self, "_ranks"):
            self._ranks = {x: i for i, x in enumerate(self.backings)}
        return self._ranks.setdefault(b, len(self._ranks))

    @property
    def layouts(self):
        """tlbprobe's layouts in their order, as tlbprobe-meta.json gives them."""
        return objects(self.probe_meta, "layouts")

    def layout_word(self, name, key, default):
        return next((lay.get(key) for lay in self.layouts if lay.get("name") == name), default)

    def has(self, rel):
        return os.path.isfile(self.path(rel))


def maybe_float(v):
    """A cell or JSON value as a float; None when it is not a number."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def is_uint(v):
    """A positive integer, as text."""
    return v.isdigit() and int(v) != 0


def dec_hex(v):
    return f"{int(v)} (0x{int(v):x})" if v.isdigit() else (v or "unknown")


def assoc_said(a):
    if a == "0":
        return "fully associative"
    if a in ("", "-1"):
        return "associativity unknown"
    return f"{a}-way"


def num(v, digits):
    """The value as written, rounded to digits decimals (half to even on the
    decimal text, not on its binary double); empty stays empty."""
    if v == "":
        return ""
    q = decimal.Decimal(1).scaleb(-digits)
    try:
        return str(decimal.Decimal(v).quantize(q, rounding=decimal.ROUND_HALF_EVEN))
    except decimal.InvalidOperation:  # not a number, or too many digits to round: as written
        return str(v)


def page_name(kb):
    return human(int(kb) * 1024).rstrip("B")


def stride64(r):
    return r["pattern"] == "rand" and r["stride_bytes"] == "64" and float(r["stagger"] or 0) == 0


def _n(v):
    """sort -n's reading of a field: its leading number, else 0."""
    try:
        return float(v)
    except ValueError:
        return 0.0
