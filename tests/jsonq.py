#!/usr/bin/env python3
"""The shell tests' JSON reader (no JSON is parsed with grep, sed or awk).

  jsonq.py FILE --get KEY   print a scalar: KEY a dotted path or a bare key
                            at its shallowest place outside arrays
  jsonq.py FILE EXPR        evaluate EXPR over the document j (re is there):
                            true exits 0, false 1, anything else is printed
A missing or malformed FILE exits 2 with one line."""
import json
import os
import re  # noqa: F401 (for EXPR)
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from analysis import jsonq  # noqa: E402

try:
    with open(sys.argv[1], encoding="utf-8") as f:
        j = json.load(f)
except (OSError, ValueError, IndexError) as e:
    sys.stderr.write(f"jsonq: {e}\n")
    sys.exit(2)
if sys.argv[2:3] == ["--get"]:
    print(jsonq.s(j, sys.argv[3]))
    sys.exit(0)
try:
    v = eval(sys.argv[2], {"j": j, "re": re, "get": lambda k: jsonq.get(j, k)})
except (KeyError, IndexError, TypeError, AttributeError) as e:
    sys.stderr.write(f"jsonq: {sys.argv[2]}: {e!r}\n")
    sys.exit(1)
if isinstance(v, bool):
    sys.exit(0 if v else 1)
print(jsonq.text(v) if not isinstance(v, (dict, list)) else json.dumps(v))
