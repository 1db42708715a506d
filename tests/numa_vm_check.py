#!/usr/bin/env python3
"""Check the chase runs of the multi-node guest (tests/numa_vm.sh) from its
console log: every (cpu, mem, pt) node combination ran, placed its 4k and
thp buffers where asked, verified them, and wrote the nodes into chase.csv.
Prints one line per run and buffer; exits 1 on any mismatch."""
import csv
import io
import json
import re
import sys

WANT = [(c, m, p) for c in (0, 1) for m in (0, 1, 2) for p in (0, 1, 2)]


def blocks(log, begin, end):
    out, cur, key = {}, None, None
    for line in log.splitlines():
        if line.startswith(begin + " "):
            key, cur = tuple(int(x) for x in line.split()[1:4]), []
        elif line == end and cur is not None:
            out[key] = "\n".join(cur)
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def main(path):
    log = open(path, encoding="utf-8", errors="replace").read()
    rcs = {tuple(int(x) for x in m.groups()[:3]): int(m.group(4))
           for m in re.finditer(r"^CHASE (\d) (\d) (\d) rc=(\d+)$", log, re.M)}
    metas, csvs = blocks(log, "META-BEGIN", "META-END"), blocks(log, "CSV-BEGIN", "CSV-END")
    bad = []
    for key in WANT:
        c, m, p = key
        tag = f"cpu {c} mem {m} pt {p}"
        if rcs.get(key) != 0:
            bad.append(f"{tag}: chase exit {rcs.get(key)}")
            continue
        try:
            meta = json.loads(metas[key])
        except (KeyError, json.JSONDecodeError) as e:
            bad.append(f"{tag}: no readable meta.json ({e})")
            continue
        numa = meta.get("numa", {})
        if len(numa.get("nodes", [])) != 3 or len(numa.get("distance", [])) != 3:
            bad.append(f"{tag}: meta.json numa has not 3 nodes and a 3x3 distance table")
        if numa.get("cpu_node") != c or numa.get("cpu_node_verified") is not True:
            bad.append(f"{tag}: ran on node {numa.get('cpu_node')}, verified {numa.get('cpu_node_verified')}")
        got = {b["backing"]: b for b in meta.get("buffers", [])}
        for name in ("4k", "thp"):
            b = got.get(name)
            if b is None:
                bad.append(f"{tag}: no {name} buffer; skipped: {meta.get('skipped')}")
                continue
            mv, pv, grew = b.get("mem_node_verified"), b.get("pt_node_verified"), b.get("pt_growth_kb")
            print(f"  {tag} {name:3}: huge {b['huge_fraction']:.3f}, data on node {b['mem_node']} "
                  f"{mv}, page tables on node {b['pt_node']} {pv} (grew {grew} kB)")
            if b.get("mem_node") != m or b.get("pt_node") != p:
                bad.append(f"{tag} {name}: meta.json says mem {b.get('mem_node')} pt {b.get('pt_node')}")
            if mv is None or mv < 0.99:
                bad.append(f"{tag} {name}: data share on node {m} is {mv} ({b.get('mem_node_why')})")
            if grew is None or (grew >= 64 and (pv is None or pv < 0.9)):
                bad.append(f"{tag} {name}: page-table share on node {p} is {pv}, grew {grew} kB ({b.get('pt_node_why')})")
            if name == "thp" and b.get("huge_fraction", 0) < 0.95:
                bad.append(f"{tag} thp: only {b.get('huge_fraction')} on huge pages")
        rows = list(csv.DictReader(io.StringIO(csvs.get(key, ""))))
        if not rows or any((r["cpu_node"], r["mem_node"], r["pt_node"]) != (str(c), str(m), str(p)) for r in rows):
            bad.append(f"{tag}: chase.csv node columns do not say {c},{m},{p}")
    for b in bad:
        print("  MISMATCH " + b)
    return 1 if bad else 0


def check_report(path):
    """The matrix section of REPORT.md: every placement of both backings."""
    text = open(path, encoding="utf-8").read()
    sec = text.split("## NUMA placement matrix", 1)[-1].split("\n## ", 1)[0] if "## NUMA placement matrix" in text else ""
    bad = []
    for b in ("4k", "thp"):
        for label in ("data remote (node 1), page tables local", "data local, page tables remote (node 1)",
                      "data remote (node 1), page tables remote (node 1)"):
            if f"| {b} | 64M | {label} |" not in sec or f"| {b} | 128M | {label} |" not in sec:
                bad.append(f"no {b} row for '{label}' at 64M and 128M")
    if "plots/numa.png" not in sec:
        bad.append("no plot of the matrix")
    if "## NUMA placement\n" not in text or "| node 0 | 10 |" not in text:
        bad.append("no node distance table")
    for x in bad:
        print("  MISMATCH REPORT.md: " + x)
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "--report":
        sys.exit(check_report(sys.argv[2]))
    sys.exit(main(sys.argv[1]))
