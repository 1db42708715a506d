#!/usr/bin/env bash
# Bad input, as a table: every row must exit 2 (or 4 where a capability is
# missing) with exactly one line on stderr and nothing on stdout (a bare
# command may print its usage instead), before anything starts: no run
# directory, no file, nothing changed under the test's directory.
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
tmp="$(mktemp -d)"
cap="$(mktemp -d)" # stdout and stderr of each row, outside the watched tree
trap 'rm -rf "$tmp" "$cap"' EXIT

chase="$bin/chase" tp="$bin/tlbprobe" mlp="$bin/mlp" ra="$top/run_all.sh" hp="$top/scripts/hugepages.sh"
pw="$top/pagewalk"
d="$tmp/run"     # the --out of every row: must never appear
mkdir -p "$tmp/victim" && echo precious >"$tmp/victim/keep" && ln -s "$tmp/victim" "$tmp/link"
mkdir -p "$tmp/full" && echo x >"$tmp/full/something"
echo x >"$tmp/afile"
mkdir "$tmp/empty"

# row CODE NAME CMD...: CMD exits CODE with one line on stderr, nothing on
# stdout, and leaves the test directory as it was. CODE "usage" allows a
# usage text on stderr with exit 2 (a bare command).
snapshot() { (cd "$tmp" && find . -printf '%p %s %m\n' | sort); }
row() {
	local want="$1" name="$2" rc=0 lines before
	shift 2
	before="$(snapshot)"
	"$@" >"$cap/out" 2>"$cap/err" </dev/null || rc=$?
	lines="$(wc -l <"$cap/err")"
	if [[ "$want" == usage ]]; then
		want=2
		lines=1
	fi
	if [[ $rc -ne $want ]]; then
		ko "$name" "exit $rc, want $want ($(head -c 200 "$cap/err"))"
	elif [[ "$lines" -ne 1 || -s "$cap/out" ]]; then
		ko "$name" "want one line on stderr and none on stdout, got $lines: $(head -c 300 "$cap/err")"
	elif [[ "$before" != "$(snapshot)" ]]; then
		ko "$name" "changed the test directory: $(diff <(echo "$before") <(snapshot) | head -n 3 | tr '\n' ' ')"
	else
		ok "$name"
	fi
}

# in_memcg LIMIT CMD...: CMD in a memory cgroup of LIMIT made for it (v1 or
# v2), removed afterwards.
in_memcg() {
	local limit="$1" cg rc=0
	shift
	if [[ -d /sys/fs/cgroup/memory ]]; then
		cg="/sys/fs/cgroup/memory/pw-bad-$$"
		mkdir -p "$cg" && echo "$limit" >"$cg/memory.limit_in_bytes"
	else
		cg="/sys/fs/cgroup/pw-bad-$$"
		mkdir -p "$cg" && echo "$limit" >"$cg/memory.max"
	fi
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@" || rc=$?
	rmdir "$cg" 2>/dev/null || true
	return "$rc"
}

# bench/chase
row 2 "chase: unknown option" "$chase" --bogus --out "$d"
row 2 "chase: unknown backing" "$chase" --backing 4k,huge --out "$d"
row 2 "chase: a backing twice" "$chase" --backing 4k,4k --out "$d"
row 2 "chase: empty --backing" "$chase" --backing= --out "$d"
row 2 "chase: unknown pattern" "$chase" --pattern zigzag --out "$d"
row 2 "chase: a pattern twice" "$chase" --pattern rand,rand --out "$d"
row 2 "chase: stride 0" "$chase" --stride 0 --out "$d"
row 2 "chase: stride not a multiple of 8" "$chase" --stride 12 --out "$d"
row 2 "chase: stride not a number" "$chase" --stride 64,abc --out "$d"
row 2 "chase: stride larger than the footprint" "$chase" --max 1M --stride 2M --out "$d"
row 2 "chase: negative size" "$chase" --max -4M --out "$d"
row 2 "chase: garbage size" "$chase" --max 4Q --out "$d"
row 2 "chase: size zero" "$chase" --min 0 --out "$d"
row 2 "chase: overflowing size" "$chase" --max 99999999999999999999G --out "$d"
row 2 "chase: size beyond memory" "$chase" --max 64T --out "$d"
row 2 "chase: min > max" "$chase" --min 8M --max 4M --out "$d"
row 2 "chase: an option twice" "$chase" --max 1M --max 2M --out "$d"
row 2 "chase: reps 0" "$chase" --reps 0 --out "$d"
row 2 "chase: reps beyond 1000" "$chase" --reps 1001 --out "$d"
row 2 "chase: points per octave 0" "$chase" --points-per-octave 0 --out "$d"
row 2 "chase: rep-ms 0" "$chase" --rep-ms 0 --out "$d"
row 2 "chase: warm-up too long" "$chase" --warm-ms 20000 --out "$d"
row 2 "chase: warm-up not a number" "$chase" --warm-ms soon --out "$d"
row 2 "chase: alone check too long" "$chase" --alone-ms 200000 --out "$d"
row 2 "chase: missing value" "$chase" --max
row 2 "chase: stray operand" "$chase" extra --out "$d"
row 2 "chase: bad series" "$chase" --series rand --out "$d"
row 2 "chase: unknown series pattern" "$chase" --series zig:64 --out "$d"
row 2 "chase: unknown series flag" "$chase" --series rand:64:wobble --out "$d"
row 2 "chase: a series twice" "$chase" --series rand:64,rand:64 --out "$d"
row 2 "chase: cpu not allowed" "$chase" --cpu 4096 --out "$d"
row 2 "chase: negative cpu" "$chase" --cpu -1 --out "$d"
# A node one past the last this machine has (so the rows hold on any machine).
nodes=(/sys/devices/system/node/node[0-9]*)
nonode=$(( $(printf '%s\n' "${nodes[@]##*node}" | sort -n | tail -n 1) + 1 ))
row 2 "chase: missing mem node" "$chase" --mem-node "$nonode" --out "$d"
row 2 "chase: missing pt node" "$chase" --pt-node "$nonode" --out "$d"
row 2 "chase: missing cpu node" "$chase" --cpu-node "$nonode" --out "$d"
row 2 "chase: huge node number" "$chase" --mem-node 99999999999 --out "$d"
row 2 "chase: node not a number" "$chase" --pt-node one --out "$d"
row 2 "chase: empty node" "$chase" --cpu-node= --out "$d"
row 2 "chase: node given twice" "$chase" --mem-node 0 --mem-node 0 --out "$d"
row 2 "chase: missing placement node" "$chase" --placements "0:$nonode" --out "$d"
row 2 "chase: placement not a pair" "$chase" --placements 0 --out "$d"
row 2 "chase: placement not a number" "$chase" --placements 0:x --out "$d"
row 2 "chase: placement twice" "$chase" --placements 0:0,0:0 --out "$d"
row 2 "chase: placements with mem node" "$chase" --placements 0:0 --mem-node 0 --out "$d"
row 2 "chase: placements and matrix" "$chase" --placements 0:0 --numa-matrix --out "$d"
row 2 "tlbprobe: missing mem node" "$tp" --mem-node "$nonode" --out "$d"
row 2 "tlbprobe: missing cpu node" "$tp" --cpu-node "$nonode" --out "$d"
row 2 "chase: seed not a number" "$chase" --seed x --out "$d"
row 2 "chase: event without a column" "$chase" --events bogus --out "$d"
row 2 "chase: event with an empty name" "$chase" --events cycles= --out "$d"
row 2 "chase: hugetlbfs not a mount" "$chase" --hugetlbfs "$tmp/victim" --out "$d"
row 2 "chase: empty --out" "$chase" --max 1M --out=
row 2 "chase: --out a symlink" "$chase" --max 1M --out "$tmp/link"
row 2 "chase: --out a file" "$chase" --max 1M --out "$tmp/afile"
row 2 "chase: --out an empty directory" "$chase" --max 1M --out "$tmp/empty"
row 2 "chase: --same-run without a directory" "$chase" --max 1M --same-run --out "$d"
row 2 "chase: --same-run through a symlink" "$chase" --max 1M --same-run --out "$tmp/link"
row 2 "chase: --out parent missing" "$chase" --max 1M --out "$tmp/no/such"
row 2 "chase: --out cannot be created" "$chase" --max 1M --out /proc/pagewalk-test
# Limits below the asked footprint: refused before anything is mapped.
row 2 "chase: footprint beyond RLIMIT_AS" prlimit --as=300000000 "$chase" --max 256M --backing 4k,thp --out "$d"
if [[ "$(id -u)" -eq 0 && (-d /sys/fs/cgroup/memory || -f /sys/fs/cgroup/cgroup.controllers) ]]; then
	row 2 "chase: footprint beyond the memory cgroup" in_memcg 256M "$chase" --max 256M --backing 4k,thp --out "$d"
else
	skipped "chase: footprint beyond the memory cgroup" "needs root and a memory cgroup"
fi
# bench/tlbprobe
row 2 "tlbprobe: unknown option" "$tp" --bogus --out "$d"
row 2 "tlbprobe: unknown backing" "$tp" --backing 4k,huge --out "$d"
row 2 "tlbprobe: a backing twice" "$tp" --backing thp,thp --out "$d"
row 2 "tlbprobe: empty --events" "$tp" --events= --out "$d"
row 2 "tlbprobe: min pages > max" "$tp" --min-pages 100 --max-pages 50 --out "$d"
row 2 "tlbprobe: min huge pages 1" "$tp" --min-huge-pages 1 --out "$d"
row 2 "tlbprobe: max huge pages beyond 8192" "$tp" --max-huge-pages 9000 --out "$d"
row 2 "tlbprobe: points per octave 1" "$tp" --points-per-octave 1 --out "$d"
row 2 "tlbprobe: reps too few" "$tp" --reps 1 --out "$d"
row 2 "tlbprobe: garbage count" "$tp" --max-pages 1k --out "$d"
row 2 "tlbprobe: an option twice" "$tp" --quick --quick --out "$d"
row 2 "tlbprobe: stray operand" "$tp" --quick extra --out "$d"
row 2 "tlbprobe: --out a symlink" "$tp" --quick --out "$tmp/link"
row 2 "tlbprobe: --out an empty directory" "$tp" --quick --out "$tmp/empty"
row 2 "tlbprobe: --out parent missing" "$tp" --quick --out "$tmp/no/such"
row 2 "tlbprobe: out cannot be created" "$tp" --out /proc/pagewalk-test
# run_all.sh
row 2 "run_all: unknown option" "$ra" --bogus --out "$d"
row 2 "run_all: empty pt node" "$ra" --pt-node= --out "$d"
row 2 "run_all: cpu node without value" "$ra" --out "$d" --cpu-node
row 2 "run_all: mem node twice" "$ra" --mem-node 0 --mem-node 0 --out "$d"
row 2 "run_all: bad max" "$ra" --max lots --out "$d"
row 2 "run_all: max 0" "$ra" --max 0 --out "$d"
row 2 "run_all: empty --out" "$ra" --quick --out=
row 2 "run_all: empty --max" "$ra" --max= --out "$d"
row 2 "run_all: max beyond memory" "$ra" --max 100G --out "$d"
row 2 "run_all: max overflowing" "$ra" --max 999999999999999T --out "$d"
row 2 "run_all: max too small" "$ra" --quick --max 4K --out "$d"
row 2 "run_all: an option twice" "$ra" --quick --quick --out "$d"
row 2 "run_all: --max twice" "$ra" --max 1G --max=2G --out "$d"
row 2 "run_all: --out a symlink" "$ra" --quick --out "$tmp/link"
row 2 "run_all: --out not empty" "$ra" --quick --out "$tmp/full"
row 2 "run_all: --out an empty directory" "$ra" --quick --out "$tmp/empty"
row 2 "run_all: --out parent missing" "$ra" --quick --out "$tmp/no/such"
row 2 "run_all: out cannot be created" "$ra" --out /proc/pagewalk-test
# scripts/hugepages.sh
row usage "hugepages: bare" "$hp"
row 2 "hugepages: unknown command" "$hp" bogus
row 2 "hugepages: reserve without arguments" "$hp" reserve
row 2 "hugepages: unknown page size" "$hp" reserve 3M 4
row 2 "hugepages: count not a number" "$hp" reserve 2M lots
row 2 "hugepages: with, no command" "$hp" with 2M 4
row 2 "hugepages: with --mount, no directory" "$hp" with 2M 4 --mount
row 2 "hugepages: status with an argument" "$hp" status extra
row 2 "hugepages: release without a count" "$hp" release 5G
# bench/mlp
row 2 "mlp: unknown option" "$mlp" --bogus --out "$d"
row 2 "mlp: one backing" "$mlp" --backing 4k --out "$d"
row 2 "mlp: unknown backing" "$mlp" --backing 4k,huge --out "$d"
row 2 "mlp: --ref not among the backings" "$mlp" --ref hugetlb2m --out "$d"
row 2 "mlp: chains not from 1" "$mlp" --chains 2,4,8 --out "$d"
row 2 "mlp: chains descending" "$mlp" --chains 1,8,4 --out "$d"
row 2 "mlp: chains past 32" "$mlp" --chains 1,2,64 --out "$d"
row 2 "mlp: zero chains" "$mlp" --chains 1,0,4 --out "$d"
row 2 "mlp: too few chain counts" "$mlp" --chains 1,2 --out "$d"
row 2 "mlp: empty chain item" "$mlp" --chains 1,,4 --out "$d"
row 2 "mlp: footprint past memory" "$mlp" --footprints 64T --out "$d"
row 2 "mlp: footprint not a multiple of 64" "$mlp" --footprints 1000000 --out "$d"
row 2 "mlp: footprints not ascending" "$mlp" --footprints 1G,512M --out "$d"
row 2 "mlp: footprint below the control" "$mlp" --footprints 1M --out "$d"
row 2 "mlp: empty --footprints" "$mlp" --footprints= --out "$d"
row 2 "mlp: bad --control" "$mlp" --control 4Q --out "$d"
row 2 "mlp: --control zero" "$mlp" --control 0 --out "$d"
row 2 "mlp: --reps past 60" "$mlp" --reps 61 --out "$d"
row 2 "mlp: --out a symlink" "$mlp" --out "$tmp/link"
row 2 "mlp: --out non-empty" "$mlp" --out "$tmp/full"
row 2 "mlp: missing mem node" "$mlp" --mem-node "$nonode" --out "$d"
# ./pagewalk
row 2 "pagewalk: unknown command" "$pw" frobnicate
row 2 "pagewalk compare: one run" "$pw" compare "$tmp/victim"
row 2 "pagewalk compare: not a run" "$pw" compare "$tmp/victim" "$tmp/full" --out "$d"
row 2 "pagewalk compare: bad --label" "$pw" compare "$tmp/victim" --label "a b=$tmp/full" --out "$d"
row 2 "pagewalk report: not a directory" "$pw" report "$tmp/afile"
row 2 "pagewalk report: not a run" "$pw" report "$tmp/victim"
row 2 "pagewalk report: a symlink" "$pw" report "$tmp/link"

if [[ "$(ls -A "$tmp/victim")" == keep ]]; then ok "nothing written through a symlinked --out"; else ko "symlinked --out" "$(ls -A "$tmp/victim")"; fi
if [[ $((pass + fail + skip)) -ge 61 ]]; then ok "the table holds $((pass + fail - 1)) bad invocations"; else ko "table size" "$((pass + fail - 1)) rows, want 60 or more"; fi
finish "bad input"
