"""REPORT.md's NUMA section: the nodes and their distances, where the chase
ran, and where each buffer's data and page tables were asked to be and
were found (meta.json's numa member and buffers[])."""

from .jsonq import objects


def _share(v):
    return "unverified" if v is None else f"{100 * v:.1f}%"


def _distances(numa):
    nodes = [n.get("node") for n in numa.get("nodes", []) if isinstance(n, dict)]
    dist = numa.get("distance") or []
    if len(nodes) < 2:
        return []
    rows = ["| from \\ to | " + " | ".join(f"node {n}" for n in nodes) + " |",
            "|---|" + "---:|" * len(nodes)]
    for a in nodes:
        cells = [str(dist[a][b]) if a < len(dist) and b < len(dist[a]) else "?" for b in nodes]
        rows.append(f"| node {a} | " + " | ".join(cells) + " |")
    return ["Node distances (numa_distance, 10 = local):", ""] + rows + [""]


def _nodes_line(numa):
    parts = []
    for n in numa.get("nodes", []):
        if not isinstance(n, dict):
            continue
        cpus = n.get("cpus") or 0
        mem = (n.get("mem_bytes") or 0) / 2**30
        what = f"{cpus} CPU{'s' if cpus != 1 else ''}" if cpus else "no CPUs (memory only)"
        parts.append(f"node {n.get('node')}: {what}, {mem:.1f} GiB")
    return "; ".join(parts)


def placement(src, out):
    out += ["## NUMA placement", ""]
    numa = src.meta.get("numa") if isinstance(src.meta, dict) else None
    if not isinstance(numa, dict):
        out += ["Not recorded: this run predates NUMA placement.", ""]
        return
    nodes = numa.get("nodes") or []
    p = f"{len(nodes)} NUMA node{'s' if len(nodes) != 1 else ''} ({_nodes_line(numa)})."
    if numa.get("cpu") is not None:
        p += (f" The chase ran pinned to CPU {numa['cpu']} of node {numa.get('cpu_node')}"
              + (", as getcpu confirmed." if numa.get("cpu_node_verified") else
                 "; **getcpu did not confirm that node**."))
    out += [p, ""] + _distances(numa)
    bufs = [b for b in objects(src.meta, "buffers") if "mem_node" in b]
    if bufs:
        out += ["| backing | data node | asked | data found there | page-table node | asked | page tables found there | page tables grew |",
                "|---|---:|---|---:|---:|---|---:|---:|"]
        for b in bufs:
            grew = b.get("pt_growth_kb")
            out.append(f"| {b.get('backing')} | {b.get('mem_node')} | {'bound' if b.get('mem_node_bound') else 'default (local)'}"
                       f" | {_share(b.get('mem_node_verified'))} | {b.get('pt_node')}"
                       f" | {'bound' if b.get('pt_node_bound') else 'default (local)'} | {_share(b.get('pt_node_verified'))}"
                       f" | {'' if grew is None else f'{grew} kB'} |")
        out.append("")
        notes = [f"- {b.get('backing')}: {b.get(k)}" for b in bufs for k in ("mem_node_why", "pt_node_why") if b.get(k)]
        notes += [f"- {b.get('backing')}: other processes changed page tables while it was populated, so its"
                  " page-table share is unsure." for b in bufs if b.get("pt_disturbed")]
        if notes:
            out += notes + [""]
        out += ["The data's node is read back with move_pages on a sample of its pages; the page tables' node as"
                " the share of the per-node PageTables growth (/sys/devices/system/node) while the buffer was"
                " populated, checked against the process's own growth (VmPTE).", ""]
    if len(nodes) < 2:
        out += ["With one node, every placement is local; on a machine with two or more nodes, run_all.sh"
                " measures data and page tables on remote nodes as well.", ""]
