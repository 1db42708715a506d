#!/usr/bin/env bash
# The main job: check and install dependencies, build, sweep footprints over
# 4 KiB, THP and hugetlb 2M/1G buffers, probe the TLBs, then plot and write
# REPORT.md into one run directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prog="run_all.sh"

usage() {
	cat <<USAGE
usage: ./run_all.sh [--quick] [--out DIR] [--max SIZE] [--cpu-node N]
                   [--mem-node N] [--pt-node N] [--help]

Measure what address translation costs on this machine: latency per load vs
working set on 4 KiB pages, transparent huge pages and hugetlb 2 MiB and
1 GiB pages, interleaved, with plots and a REPORT.md in
results/<host>-<YYYYmmdd-HHMMSS>/ (or DIR); then the TLB probe: entries per
level and the cost of a miss, inferred from timing and set against CPUID and
the vendor's numbers. As root, hugetlb pools are raised for the run and
restored afterwards, also on Ctrl-C. Then page walks in parallel: N
independent chains in one thread, 4k against huge pages, within and beyond
the TLB's reach (mlp.csv). As root on Linux 6.8 or later, a page-size
ladder follows: 4k, every multi-size THP folio size (16K to 1M), thp and
hugetlb2m side by side at 64M, 256M and 1G (in DIR/ladder/). On a machine
with two or more NUMA nodes, a placement matrix follows: data and page
tables each on the local and on a remote node, against all-local (in
DIR/numa/).

  --quick      a short run (--max 256M, fewer repetitions): about a minute
  --out DIR    the run directory (created; must not hold an earlier run)
  --max SIZE   largest footprint, K/M/G suffixes (default: the smaller of
               4G and a fifth of MemAvailable: four backings get a buffer each)
  --cpu-node N run on a CPU of NUMA node N
  --mem-node N bind the buffers' data to node N (main sweep and probe)
  --pt-node N  put the buffers' page tables on node N (main sweep and probe)
  --help       show this help

Exit codes: 0 done, 1 failed, 2 bad usage, 4 a capability is missing,
130 interrupted (finished rows are kept and the run is marked interrupted).
USAGE
}

bad() {
	echo "$prog: $*" >&2
	exit 2
}

quick=0
out=""
max=""
node_args=() # --cpu-node, --mem-node, --pt-node: checked by chase
cpu_node=()
declare -A given=()
while [[ $# -gt 0 ]]; do
	opt="${1%%=*}"
	if [[ "$opt" == --* && -n "${given[$opt]:-}" ]]; then
		bad "$opt given twice"
	fi
	given["$opt"]=1
	case "$1" in
	--quick) quick=1 ;;
	--out)
		[[ $# -ge 2 && -n "$2" ]] || bad "--out needs a directory"
		out="$2"
		shift
		;;
	--out=*)
		out="${1#--out=}"
		[[ -n "$out" ]] || bad "--out needs a directory (got an empty value)"
		;;
	--max)
		[[ $# -ge 2 ]] || bad "--max needs a size such as 256M or 4G"
		max="$2"
		shift
		;;
	--max=*)
		max="${1#--max=}"
		[[ -n "$max" ]] || bad "--max needs a size such as 256M or 4G (got an empty value)"
		;;
	--cpu-node | --mem-node | --pt-node)
		[[ $# -ge 2 && -n "$2" ]] || bad "$1 needs a node number"
		node_args+=("$1" "$2")
		[[ "$1" != --cpu-node ]] || cpu_node=("$1" "$2")
		shift
		;;
	--cpu-node=* | --mem-node=* | --pt-node=*)
		[[ -n "${1#*=}" ]] || bad "${1%%=*} needs a node number (got an empty value)"
		node_args+=("$1")
		[[ "$opt" != --cpu-node ]] || cpu_node=("$1")
		;;
	--help | -h)
		usage
		exit 0
		;;
	*) bad "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

# Every backing gets a buffer of --max bytes: four of them must fit in what
# the machine has free, with a fifth left over (chase refuses above 90%).
nr_backings=4
avail_kb="$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)"
limit=$((avail_kb * 1024 / 5 / 2097152 * 2097152))
if [[ -n "$max" ]]; then
	if [[ ! "$max" =~ ^([0-9]{1,15})([KMGTkmgt]?)(i?[Bb])?$ ]]; then
		bad "--max '$max': want a size such as 256M or 4G"
	fi
	num=$((10#${BASH_REMATCH[1]}))
	case "${BASH_REMATCH[2]}" in
	K | k) shift_by=10 ;;
	M | m) shift_by=20 ;;
	G | g) shift_by=30 ;;
	T | t) shift_by=40 ;;
	*) shift_by=0 ;;
	esac
	# 15 digits and a 40-bit shift could overflow 63 bits: check first.
	if [[ $num -gt $(((1 << 62) >> shift_by)) ]]; then
		bad "--max '$max': too large"
	fi
	max_bytes=$((num << shift_by))
	if [[ $max_bytes -lt 65536 ]]; then
		bad "--max '$max': want at least 64K"
	fi
	if [[ $max_bytes -gt $limit ]]; then
		bad "--max '$max': $nr_backings buffers of that size exceed the memory that can be had (at most $((limit >> 20))M each, MemAvailable $((avail_kb >> 10))M)"
	fi
fi
if [[ -z "$out" ]]; then
	out="$here/results/$(hostname)-$(date +%Y%m%d-%H%M%S)"
fi
if [[ -L "$out" ]]; then
	bad "--out '$out' is a symbolic link: refused; give the directory itself"
fi
if [[ ! -d "$(dirname -- "$out")" ]]; then
	bad "--out '$out': its parent directory $(dirname -- "$out") does not exist"
fi
# The run directory is made here, exclusively (never reused); every tool
# then joins it with --same-run.
if [[ -e "$out" ]]; then
	bad "--out '$out' exists: every run gets a new directory, made by pagewalk; choose a new name"
fi
if ! mkdir -- "$out" 2>/dev/null; then
	bad "--out '$out': cannot create the directory"
fi

"$here/scripts/deps.sh"
make -s -C "$here" all >&2

args=(--out "$out" --same-run --backing "4k,thp,hugetlb2m,hugetlb1g" --series "rand:64,seq:64,rand:4K:stagger"
	--fit-pool ${node_args[@]+"${node_args[@]}"})
# As root, hugetlb pools are raised as needed and restored at exit; otherwise
# hugetlb backings run from pages already reserved, or are skipped with the
# command that would reserve them.
if [[ "$(id -u)" -eq 0 ]]; then
	args+=(--reserve)
fi
if [[ $quick -eq 1 ]]; then
	args+=(--max "${max:-256M}" --reps 6 --rep-ms 3)
else
	if [[ -z "$max" ]]; then
		max=$((limit < 4294967296 ? limit : 4294967296))
	fi
	# Three footprints per doubling and 8 rounds: with the probe, the
	# parallel walks and the ladder, the whole run stays under six minutes.
	args+=(--max "$max" --points-per-octave 3 --reps 8)
fi
# The page-size ladder: 4k, every multi-size THP folio size the kernel
# offers (16K to 1M), thp and hugetlb2m, interleaved, beyond the L2 TLB's
# reach of 4K pages. Choosing a folio size writes sysfs: root only.
ladder_backings="4k"
for kb in 16 32 64 128 256 512 1024; do
	if [[ -e /sys/kernel/mm/transparent_hugepage/hugepages-${kb}kB/enabled ]]; then
		ladder_backings+=",mthp$([[ $kb -eq 1024 ]] && echo 1m || echo "${kb}k")"
	fi
done
ladder_skip=""
if [[ "$ladder_backings" == 4k ]]; then
	ladder_skip="this kernel has no multi-size THP (Linux 6.8 or later has them)"
elif [[ "$(id -u)" -ne 0 ]]; then
	ladder_skip="choosing a folio size writes /sys/kernel/mm/transparent_hugepage: run as root"
fi
# The probe: 4k and every huge backing (--quick: 4k and thp, as thp alone
# tells whether huge pages get huge TLB entries, and the run stays near a
# minute), and 16K and 64K folios where the ladder runs: does a folio need
# one TLB entry, or one per 4K page (PTE coalescing)?
probe_backings="4k,thp,hugetlb2m,hugetlb1g"
# A knee in 1G pages needs 8 of them at least, and half of MemAvailable at
# most goes to one buffer: below 32 GiB the probe would reserve 1G pages
# (seconds of compaction) only to drop them.
if [[ $quick -eq 0 && $((avail_kb >> 20)) -lt 32 ]]; then
	probe_backings="4k,thp,hugetlb2m"
	echo "$prog: the TLB probe leaves out hugetlb1g: a knee needs 8 or more 1 GiB pages, and MemAvailable is $((avail_kb >> 20)) GiB (32 or more needed)" >&2
fi
probe_extra=()
if [[ $quick -eq 1 ]]; then
	probe_backings="4k,thp"
	probe_extra=(--quick)
elif [[ "$(id -u)" -eq 0 ]]; then
	probe_extra=(--reserve)
fi
if [[ -z "$ladder_skip" ]]; then
	for b in mthp16k mthp64k; do
		[[ ",$ladder_backings," != *",$b,"* ]] || probe_backings+=",$b"
	done
fi
probe_args=(--out "$out" --same-run --backing "$probe_backings" --fit-pool "${probe_extra[@]}" ${node_args[@]+"${node_args[@]}"})
# Page walks in parallel: N independent chains in one thread, 4k against
# huge pages, at a control footprint within the L2 TLB's reach and beyond
# it. The hugetlb backings come first, so their pools are raised before the
# other buffers fragment memory.
mlp_args=(--out "$out" --same-run --fit-pool ${node_args[@]+"${node_args[@]}"})
if [[ $quick -eq 1 ]]; then
	mlp_args+=(--backing "4k,thp" --ref thp --footprints "$((${max_bytes:-268435456} < 67108864 ? 67108864 : ${max_bytes:-268435456} / 64 * 64))" --reps 6 --rep-ms 3)
else
	# 2M pages already cover mlp's largest default footprint (2 GiB) from
	# the L2 TLB, so hugetlb1g would add a reference no cleaner, for seconds
	# of compaction to reserve its pages.
	mlp_args+=(--backing "hugetlb2m,thp,4k" --ref thp --reps 6 --rep-ms 5)
	# With --max: that footprint, when it lies well beyond the 4M control.
	if [[ -n "${given[--max]:-}" && $max_bytes -ge 67108864 ]]; then
		mlp_args+=(--footprints "$((max_bytes / 64 * 64))")
	elif [[ -n "${given[--max]:-}" ]]; then
		mlp_args+=(--footprints 64M)
	fi
	if [[ "$(id -u)" -eq 0 ]]; then
		mlp_args+=(--reserve)
	fi
fi
# The placement matrix: rand stride 64 beyond the L2 TLB's reach, 4k and
# thp, each with data and page tables local or remote (chase picks the
# nearest remote node with memory).
matrix_args=(--out "$out/numa" --numa-matrix --backing "4k,thp" --series "rand:64" --min 64M
	--points-per-octave 1 ${cpu_node[@]+"${cpu_node[@]}"})
if [[ $quick -eq 1 ]]; then
	matrix_args+=(--max 256M --reps 6 --rep-ms 3)
fi
ladder_args=(--out "$out/ladder" --backing "$ladder_backings,thp,hugetlb2m" --series "rand:64,rand:4K:stagger"
	--reserve --fit-pool ${node_args[@]+"${node_args[@]}"})
if [[ $quick -eq 1 ]]; then
	ladder_args+=(--footprints "64M,256M" --reps 6 --rep-ms 3)
else
	# 64M, 256M and 1G; ten buffers or so, each at most a twelfth of
	# MemAvailable.
	ladder_max=$((avail_kb * 1024 / 12 / 2097152 * 2097152))
	if [[ $ladder_max -ge 1073741824 ]]; then
		ladder_args+=(--footprints "64M,256M,1G")
	elif [[ $ladder_max -gt 268435456 ]]; then
		ladder_args+=(--footprints "64M,256M,$ladder_max")
	elif [[ $ladder_max -gt 67108864 ]]; then
		ladder_args+=(--footprints "64M,$ladder_max")
	elif [[ -z "$ladder_skip" ]]; then
		ladder_skip="a twelfth of MemAvailable ($((ladder_max >> 20))M) is below its smallest footprint, 64M"
	fi
fi
if [[ -t 2 ]]; then
	args+=(--progress)
	probe_args+=(--progress)
	mlp_args+=(--progress)
	matrix_args+=(--progress)
	ladder_args+=(--progress)
fi

echo "$prog: measuring into $out" >&2
child=0
interrupted=0
on_signal() {
	interrupted=1
	if [[ $child -ne 0 ]]; then
		kill -INT "$child" 2>/dev/null || true
	fi
}
trap on_signal INT TERM HUP

# run_step NAME CMD...: run CMD in the background so a trapped signal can be
# passed on, and wait until it has really exited. Sets rc.
run_step() {
	"$@" &
	child=$!
	# wait returns early when a trapped signal arrives: wait again.
	while :; do
		wait "$child" && rc=0 || rc=$?
		kill -0 "$child" 2>/dev/null || break
	done
	child=0
}

rc=0
probe_failed=0
run_step "$here/bench/chase" "${args[@]}"
if [[ $rc -eq 2 ]]; then
	# Bad usage: chase said why in one line and started nothing.
	rmdir "$out" 2>/dev/null || true
	exit 2
fi
if [[ $rc -ne 0 && $rc -ne 130 ]]; then
	echo "$prog: chase failed (exit $rc); partial results are in $out" >&2
	exit "$rc"
fi
if [[ $rc -eq 0 && $interrupted -eq 0 ]]; then
	echo "$prog: probing the TLBs" >&2
	run_step "$here/bench/tlbprobe" "${probe_args[@]}"
	if [[ $rc -ne 0 && $rc -ne 130 ]]; then
		echo "$prog: tlbprobe failed (exit $rc); the chase results are complete in $out" >&2
		probe_failed=1
	fi
fi
# extra_step WHAT SKIP CMD...: after the sweep and the probe, one more run
# (into the run or a subdirectory of it), or, when SKIP is set, one line saying why
# not. Its failure is reported, and the report still covers the rest.
extra_step() {
	local what="$1" skip="$2"
	shift 2
	[[ $rc -eq 0 && $interrupted -eq 0 ]] || return 0
	if [[ -n "$skip" ]]; then
		echo "$prog: the $what is skipped: $skip" >&2
		return 0
	fi
	echo "$prog: $what" >&2
	run_step "$@"
	if [[ $rc -ne 0 && $rc -ne 130 ]]; then
		echo "$prog: the $what failed (exit $rc); the other results are complete in $out" >&2
		probe_failed=1
		rc=0
	fi
}
extra_step "parallel page walks" "" "$here/bench/mlp" "${mlp_args[@]}"
extra_step "page-size ladder" "$ladder_skip" "$here/bench/chase" "${ladder_args[@]}"
has_memory="$(cat /sys/devices/system/node/has_memory 2>/dev/null || echo 0)"
matrix_skip=""
if [[ "$has_memory" =~ ^[0-9]+$ ]]; then
	matrix_skip="one NUMA node with memory (node $has_memory), so nothing is remote"
fi
extra_step "NUMA placement matrix" "$matrix_skip" "$here/bench/chase" "${matrix_args[@]}"
# A signal from here on only marks the run interrupted: the plots and the
# report of what was measured take seconds, and are worth having.

# The report runs with the signals ignored (Ctrl-C reaches the whole group).
(trap '' INT TERM HUP && exec "$here/pagewalk" report "$out") ||
	echo "$prog: a plot failed; the data and REPORT.md are in $out" >&2

if [[ $rc -eq 130 || $interrupted -eq 1 ]]; then
	interrupted=1
fi
if [[ $interrupted -eq 1 ]]; then
	echo "$prog: interrupted; finished rows, plots and REPORT.md are in $out" >&2
	exit 130
fi
if [[ $probe_failed -eq 1 ]]; then
	exit 1
fi
echo "$prog: done: $out/REPORT.md" >&2
# The newest other run in results/, for a side-by-side look.
prev=""
for d in "$here"/results/*/; do
	d="${d%/}"
	[[ -f "$d/meta.json" && -f "$d/chase.csv" ]] || continue
	[[ "$(cd "$d" && pwd -P)" != "$(cd "$out" && pwd -P)" ]] || continue
	if [[ -z "$prev" || "$d/meta.json" -nt "$prev/meta.json" ]]; then
		prev="$d"
	fi
done
if [[ -n "$prev" ]]; then
	echo "$prog: to put it beside the previous run: $here/pagewalk compare $prev $out" >&2
fi
