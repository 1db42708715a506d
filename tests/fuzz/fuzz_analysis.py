#!/usr/bin/env python3
"""Fuzz the analysis layer's data readers with mutated run directories.

  fuzz_analysis.py run SECONDS [SEED]   mutate the fixture runs' files (bytes,
                                        and JSON values by type) for SECONDS;
                                        a crash is kept in tests/fuzz/crashes/analysis/
  fuzz_analysis.py replay FILE...       replay kept inputs (make test)

A kept input is named FIXTURE__FILE__HASH (the '/' of FILE as '%'): FIXTURE's
copy gets FILE replaced by it. The property: the run reader (Run, for
compare) and the report's reader and renderers accept the directory or
refuse it with a RunError (one line and exit 2 in ./pagewalk), whatever the
bytes: never another exception, a hang or a traceback."""
import copy
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
from analysis import compare, report  # noqa: E402
from analysis.rundir import Run, RunError, guarded  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "fixtures")
CRASHES = os.path.join(ROOT, "tests", "fuzz", "crashes", "analysis")
TOKENS = [b",", b"\n", b"nan", b"-1", b"1e308", b"0", b'"', b"{", b"}", b"[", b"null", b"\xff", b"", b"inf"]
JSON_VALUES = [None, "", "x", 0, -1, 1e308, float("nan"), [], {}, [1], {"a": 1}, True, "nan", "1"]


def files_of(fixture):
    d = os.path.join(FIXTURES, fixture)
    return [os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs]


def mutate_bytes(b, rng):
    b = bytearray(b)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        i = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 1:
            del b[i:i + rng.randint(1, 64)]
        elif op == 2:
            j = rng.randrange(len(b) + 1)
            b[i:i] = b[j:j + rng.randint(1, 200)]
        elif op == 3:
            b[i:i] = rng.choice(TOKENS)
        else:
            del b[i:]
    return bytes(b)


def mutate_json(b, rng):
    try:
        doc = json.loads(b)
    except ValueError:
        return mutate_bytes(b, rng)
    for _ in range(rng.randint(1, 3)):
        path, node = [], doc
        while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
            k = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            path.append((node, k))
            node = node[k]
        if path:
            parent, k = path[-1]
            if rng.random() < 0.15 and isinstance(parent, dict):
                del parent[k]
            else:
                parent[k] = copy.deepcopy(rng.choice(JSON_VALUES))
    return json.dumps(doc).encode()


def check(fixture, rel, data):
    """None when the property holds; else the traceback text."""
    tmp = tempfile.mkdtemp(prefix="pw-fuzz-")
    try:
        d = os.path.join(tmp, "run")
        shutil.copytree(os.path.join(FIXTURES, fixture), d)
        with open(os.path.join(d, rel), "wb") as f:
            f.write(data)
        try:
            runs = [Run(os.path.join(FIXTURES, fixture)), Run(d)]
            rows, left_out = guarded(d, compare.compare, runs)
            guarded(d, compare.markdown, runs, rows, left_out, [])
        except RunError:
            pass
        try:
            guarded(d, report.render, d)
        except RunError:
            pass
        return None
    except Exception:  # the property is: nothing but RunError escapes
        return traceback.format_exc()
    finally:
        shutil.rmtree(tmp)


def keep(fixture, rel, data, trace):
    os.makedirs(CRASHES, exist_ok=True)
    name = f"{fixture}__{rel.replace('/', '%')}__{hashlib.sha1(data).hexdigest()[:12]}"
    with open(os.path.join(CRASHES, name), "wb") as f:
        f.write(data)
    sys.stderr.write(f"fuzz analysis: crash kept as {name}\n{trace}\n")


def run(seconds, seed):
    rng = random.Random(seed)
    fixtures = sorted(os.listdir(FIXTURES))
    end, n, seen = time.time() + seconds, 0, set()
    while time.time() < end:
        fixture = rng.choice(fixtures)
        rel = rng.choice(files_of(fixture))
        with open(os.path.join(FIXTURES, fixture, rel), "rb") as f:
            orig = f.read()
        data = mutate_json(orig, rng) if rel.endswith(".json") and rng.random() < 0.7 else mutate_bytes(orig, rng)
        trace = check(fixture, rel, data)
        n += 1
        if trace:
            where = trace.strip().splitlines()[-3:]
            if tuple(where) not in seen:
                seen.add(tuple(where))
                keep(fixture, rel, data, trace)
    print(f"fuzz analysis: {n} executions in {seconds} s, {len(seen)} distinct crash(es)")
    return 1 if seen else 0


def replay(paths):
    bad = 0
    for p in paths:
        fixture, rel, _ = os.path.basename(p).split("__")
        with open(p, "rb") as f:
            trace = check(fixture, rel.replace("%", "/"), f.read())
        if trace:
            bad += 1
            sys.stderr.write(f"{p}:\n{trace}\n")
    print(f"{len(paths)} inputs replayed, {bad} failing")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "run":
        sys.exit(run(float(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1))
    if len(sys.argv) >= 2 and sys.argv[1] == "replay":
        sys.exit(replay(sys.argv[2:]))
    sys.stderr.write(__doc__)
    sys.exit(2)
