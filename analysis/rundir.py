"""Read one pagewalk run directory: meta.json, chase.csv and, when present,
tlb.json. Everything is read by key and column name; a run that cannot be
read raises RunError naming the file and the problem."""

import csv
import json
import math
import os

# The data format this reader understands; harness/run.c writes it as
# "format_version" into meta.json. Raise both together.
FORMAT_VERSION = 1

# A row is identified by these columns. Not by its NUMA nodes: two runs with
# different placements compare point by point (a placement matrix, with
# several placements in one run, has its own reader in numa.py).
KEY_COLUMNS = ("backing", "pattern", "stride_bytes", "stagger", "footprint_bytes")
NODE_COLUMNS = ("cpu_node", "mem_node", "pt_node")
NEEDED_COLUMNS = KEY_COLUMNS + ("ns_median", "ns_min", "ns_p90", "nr_reps")
INT_COLUMNS = ("stride_bytes", "stagger", "footprint_bytes", "nr_reps", "page_kb") + NODE_COLUMNS


class RunError(Exception):
    """A run directory that cannot be read: path and problem."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


# What a renderer raises on data of the wrong shape or type: turned into a
# RunError (one line, exit 2) at the command's boundary, never a traceback.
DATA_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError)


def guarded(path, fn, *args):
    """fn(*args), with data errors reported as a RunError naming path."""
    try:
        return fn(*args)
    except DATA_ERRORS as e:
        raise RunError(path, f"a file is malformed ({type(e).__name__}: {e}); nothing written from it") from None


def _num(cell):
    """A CSV cell as a float; None for an empty or NaN cell."""
    if cell is None or cell == "":
        return None
    v = float(cell)
    return None if math.isnan(v) else v


class Run:
    """One run: its directory, meta (dict), rows (list of dicts with typed
    values) keyed by KEY_COLUMNS, and tlb (dict or None)."""

    def __init__(self, path, label=None):
        self.path = path
        self.label = label or os.path.basename(os.path.normpath(path))
        self.meta = _load_meta(os.path.join(path, "meta.json"))
        self.rows = _load_rows(os.path.join(path, "chase.csv"))
        self.by_key = {row_key(r): r for r in self.rows}
        tlb = os.path.join(path, "tlb.json")
        self.tlb = _load_json(tlb) if os.path.exists(tlb) else None

    @property
    def machine(self):
        return self.meta.get("machine", {})


def row_key(r):
    return tuple(r[c] for c in KEY_COLUMNS)


def _load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise RunError(path, "missing") from None
    except (OSError, UnicodeDecodeError) as e:
        raise RunError(path, f"cannot be read ({e})") from None
    except json.JSONDecodeError as e:
        raise RunError(path, f"malformed JSON at line {e.lineno}: {e.msg}") from None


def _load_meta(path):
    meta = _load_json(path)
    if not isinstance(meta, dict):
        raise RunError(path, "malformed: not a JSON object")
    if meta.get("tool") != "chase":
        raise RunError(path, f"not a chase run (tool {meta.get('tool')!r})")
    v = meta.get("format_version")
    if v is None:
        raise RunError(path, f"no format_version: written by a pagewalk older than format {FORMAT_VERSION}; run it again")
    if v != FORMAT_VERSION:
        raise RunError(path, f"format version {v}, this reader understands {FORMAT_VERSION}")
    return meta


def _load_rows(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in NEEDED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise RunError(path, f"malformed: no column {', '.join(missing)}")
            rows = []
            for line, r in enumerate(reader, start=2):
                if None in r or any(v is None for v in r.values()):
                    raise RunError(path, f"malformed: line {line} does not have {len(reader.fieldnames)} cells")
                try:
                    for c in r:
                        if c in INT_COLUMNS:
                            r[c] = int(r[c])
                        elif c.startswith(("ns_", "ratio_")) or c.endswith(("_per_load", "_ghz", "_fraction")):
                            r[c] = _num(r[c])
                except ValueError:
                    raise RunError(path, f"malformed: line {line}, column {c}: {r[c]!r} is not a number") from None
                rows.append(r)
    except FileNotFoundError:
        raise RunError(path, "missing") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise RunError(path, f"cannot be read ({e})") from None
    if not rows:
        raise RunError(path, "has no rows")
    return rows
