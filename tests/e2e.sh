#!/usr/bin/env bash
# End-to-end tests of the programs as a user runs them: bad input exits 2
# with one line before anything starts, a small sweep writes whole rows and
# meta.json, Ctrl-C keeps finished rows, run_all.sh --quick completes.
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT


# expect_usage NAME CMD...: exit 2, exactly one line on stderr, nothing on
# stdout, and no run directory left behind.
expect_usage() {
	local name="$1" rc=0
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	local lines
	lines="$(wc -l <"$tmp/err")"
	if [[ $rc -ne 2 ]]; then
		ko "$name" "exit $rc, want 2 ($(head -c 200 "$tmp/err"))"
	elif [[ "$lines" -ne 1 || -s "$tmp/out" ]]; then
		ko "$name" "want one line on stderr, got $lines: $(head -c 300 "$tmp/err")"
	else
		ok "$name"
	fi
}


# json_scalar FILE KEY: a scalar of FILE; jq_ok FILE EXPR: whether EXPR
# holds over its document j (tests/jsonq.py: JSON is parsed as JSON).
json_scalar() {
	python3 "$top/tests/jsonq.py" "$1" --get "$2"
}
jq_ok() {
	python3 "$top/tests/jsonq.py" "$@"
}

chase="$bin/chase"
ra="$top/run_all.sh"
tp="$bin/tlbprobe"
# Bad input is tests/bad_input.sh's table.
if "$chase" --help | grep -q -- "--points-per-octave"; then ok "chase: --help lists options"; else ko "chase: --help" "no option table"; fi

# The TLB probe, quick: rows whole, tlb.json with every part, 4K levels.
run="$tmp/probe"
t0=$SECONDS
if "$tp" --quick --backing 4k,thp --out "$run" 2>"$tmp/err"; then
	ok "tlbprobe --quick exits 0 ($((SECONDS - t0)) s)"
else
	ko "tlbprobe --quick" "$(tail -n 3 "$tmp/err")"
fi
if rows_whole "$run/tlbprobe.csv" && [[ "$(wc -l <"$run/tlbprobe.csv")" -gt 50 ]]; then ok "tlbprobe: rows whole"; else ko "tlbprobe: rows" "ragged or few"; fi
if jq_ok "$run/tlb.json" 'all(isinstance(j[k], list) for k in ("inferred", "declared", "declared_vs_published", "huge_tlb_entries")) and isinstance(j["published"], dict)'; then
	ok "tlbprobe: tlb.json has inferred, declared, published, huge-page verdict"
else
	ko "tlbprobe: tlb.json" "a section is missing"
fi
if jq_ok "$run/tlb.json" 'any(e["kind"] == "L1 TLB capacity" for e in j["inferred"])'; then ok "tlbprobe: an L1 TLB level inferred for 4K pages"; else ko "tlbprobe: L1 level" "none inferred"; fi
# The thp verdict is a token of the vocabulary, with its reason in words.
v="$(jq_ok "$run/tlb.json" 'j["huge_tlb_entries"][0]["verdict"]')"
case "$v" in
huge_entries | splintered | not_in_l1 | unknown) ok "tlbprobe: thp verdict '$v'" ;;
*) ko "tlbprobe: thp verdict" "'$v' is not a verdict token" ;;
esac
if jq_ok "$run/tlb.json" 'all(e["cost"] and re.match("(thp (is|gets)|here thp|undecided|no 4K curve)", e["why"]) for e in j["huge_tlb_entries"])'; then
	ok "tlbprobe: thp verdict has its reason and cost"
else
	ko "tlbprobe: thp verdict" "no reason or cost"
fi
# Passes around the knees: the same page count measured more than once.
if awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["pass"] > 0 { n++ } END { exit !n }' "$run/tlbprobe.csv"; then
	ok "tlbprobe: knees probed again (pass 1 and 2 rows)"
else
	ko "tlbprobe: refinement" "no pass 1/2 rows"
fi
if [[ "$(json_scalar "$run/tlbprobe-meta.json" status)" == complete ]]; then ok "tlbprobe: meta status complete"; else ko "tlbprobe: meta status" "not complete"; fi

# A small sweep: every row whole, status complete, 4k rows at fraction 0.
run="$tmp/small"
if "$chase" --max 16M --series rand:64,rand:4K:stagger --reps 3 --rep-ms 1 --out "$run" 2>"$tmp/err"; then
	ok "chase: small sweep exits 0"
else
	ko "chase: small sweep exits 0" "$(tail -n 3 "$tmp/err")"
fi
if rows_whole "$run/chase.csv" && rows_whole "$run/compare.csv"; then ok "chase: rows are whole"; else ko "chase: rows are whole" "ragged csv"; fi
st="$(json_scalar "$run/meta.json" status)"
if [[ "$st" == complete ]]; then ok "chase: meta.json status complete"; else ko "chase: meta.json status" "$st"; fi
n4k="$(awk -F, '$1 == "4k" && $3 != 0 { bad++ } END { print bad + 0 }' "$run/chase.csv")"
nthp="$(awk -F, '$1 == "thp" && $7 >= 8388608 && $3 < 0.95 { bad++ } END { print bad + 0 }' "$run/chase.csv")"
if [[ "$n4k" -eq 0 && "$nthp" -eq 0 ]]; then ok "chase: huge_fraction 0 for 4k, >= 0.95 for thp"; else ko "chase: huge_fraction" "$n4k 4k rows, $nthp thp rows off"; fi
nrows="$(($(wc -l <"$run/chase.csv") - 1))"
if [[ "$nrows" -ge 40 ]]; then ok "chase: rows for both backings and series"; else ko "chase: row count" "$nrows"; fi

# NUMA placement asked for explicitly, on a node this machine has: the data
# and page tables are verified there, the thread's node by getcpu, and the
# rows carry the nodes.
n0="$(sed 's/[,-].*//' /sys/devices/system/node/has_cpu 2>/dev/null || echo 0)"
run="$tmp/nodes"
if "$chase" --cpu-node "$n0" --mem-node "$n0" --pt-node "$n0" --backing 4k,thp --min 32M --max 64M \
	--reps 3 --rep-ms 1 --out "$run" 2>"$tmp/err"; then
	ok "chase: --cpu-node, --mem-node and --pt-node $n0 run"
else
	ko "chase: node options" "$(tail -n 3 "$tmp/err")"
fi
if jq_ok "$run/meta.json" "(j['numa']['cpu_node'] == $n0 and j['numa']['cpu_node_verified'] and
	sorted(b['backing'] for b in j['buffers']) == ['4k', 'thp'] and
	all(b['mem_node'] == $n0 and b['mem_node_bound'] and b['mem_node_verified'] >= 0.99 for b in j['buffers']))"; then
	ok "chase: data verified on node $n0 for 4k and thp"
else
	ko "chase: data on node $n0" "$(python3 -c 'import json,sys; print([(b["backing"], b["mem_node_verified"]) for b in json.load(open(sys.argv[1]))["buffers"]])' "$run/meta.json")"
fi
if [[ "$(id -u)" -ne 0 ]]; then
	skipped "chase: page tables on node $n0" "verifying needs root (/proc/sys/vm/stat_refresh)"
elif jq_ok "$run/meta.json" "all(b['pt_node'] == $n0 and b['pt_node_bound'] and b['pt_growth_kb'] >= 64 and
	(b['pt_disturbed'] or b['pt_node_verified'] >= 0.9) for b in j['buffers'])"; then
	ok "chase: page tables verified on node $n0 for 4k and thp"
else
	ko "chase: page tables on node $n0" "$(python3 -c 'import json,sys; print([(b["backing"], b["pt_node_verified"], b["pt_growth_kb"]) for b in json.load(open(sys.argv[1]))["buffers"]])' "$run/meta.json")"
fi
if awk -F, -v n="$n0" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["cpu_node"] != n || $c["mem_node"] != n || $c["pt_node"] != n { bad++ } END { exit bad > 0 || NR < 3 }' "$run/chase.csv"; then
	ok "chase: rows carry cpu_node, mem_node and pt_node"
else
	ko "chase: node columns" "$(head -n 2 "$run/chase.csv")"
fi

# --alone-ms: each row also gets its chain timed alone, before and after the
# interleaved rounds; meta.json sums up how far apart the two are, and how
# far the host moved between the two alone blocks.
run="$tmp/alone"
if "$chase" --max 1M --backing 4k,thp --reps 3 --rep-ms 1 --alone-ms 5 --out "$run" 2>"$tmp/err" &&
	python3 - "$run" <<'PY'
import csv, json, math, statistics, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/chase.csv")))
assert len(rows) >= 20, len(rows)
assert all(float(r["ns_alone"]) > 0 and float(r["warm_ms"]) >= 0 for r in rows)
assert float(rows[-1]["warm_ms"]) > 0, rows[-1]  # 1M: 256 pages swept
a = json.load(open(d + "/meta.json"))["alone_check"]
diffs = [abs(float(r["ns_median"]) / float(r["ns_alone"]) - 1) for r in rows]
assert a["rows"] == len(rows), a
assert math.isclose(a["median_abs_diff"], statistics.median(diffs), rel_tol=0.02, abs_tol=1e-4), a  # CSV cells are rounded
assert 0 <= a["median_abs_drift"] <= a["p90_abs_drift"], a
# The L3 canary: one sample per point, the same one on each of its rows.
c = json.load(open(d + "/meta.json"))["canary"]
points = {(r["pattern"], r["stride_bytes"], r["stagger"], r["footprint_bytes"]): r["canary_ns"] for r in rows}
assert c["samples"] == len(points), (c, len(points))
assert all(float(r["canary_ns"]) == float(points[(r["pattern"], r["stride_bytes"], r["stagger"], r["footprint_bytes"])]) > 0 for r in rows)
assert c["ns_min"] <= c["ns_median"] <= c["ns_max"] and c["state"] in ("steady", "busy"), c
PY
then
	ok "chase --alone-ms: ns_alone per row, summed up in meta.json; an L3 canary sample per point"
else
	ko "chase --alone-ms" "$(tail -n 3 "$tmp/err")"
fi
nalone="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["ns_alone"] != "" { n++ } END { print n + 0 }' "$tmp/small/chase.csv")"
if [[ "$nalone" -eq 0 ]]; then ok "chase: ns_alone empty without --alone-ms"; else ko "chase: ns_alone" "$nalone rows filled"; fi

# Page faults while populating: one per 4K page, one per 2M THP page, and
# the path that counted them named.
if jq_ok "$run/meta.json" 'sorted(b["backing"] for b in j["buffers"]) == ["4k", "thp"] and all(abs(b["populate_faults"] / (b["bytes"] / (4096 if b["backing"] == "4k" else 2097152)) - 1) <= 0.02 and b["populate_faults_path"] in ("papi", "perf_event", "rusage") for b in j["buffers"])'; then
	ok "chase: populate faults = bytes/4K (4k) and bytes/2M (thp), path named"
else
	ko "chase: populate faults" "$(jq_ok "$run/meta.json" '[(b["backing"], b["bytes"], b["populate_faults"], b["populate_faults_path"]) for b in j["buffers"]]')"
fi
if jq_ok "$run/meta.json" 'j["counters"]["reason"] is not None or j["counters"]["status"] == "all"'; then ok "chase: meta.json says why counters are empty or what counts"; else ko "chase: counters in meta.json" "missing"; fi

# perf_event_paranoid=3 turns PAPI off: the run still completes and says so.
paranoid=/proc/sys/kernel/perf_event_paranoid
if [[ "$(id -u)" -eq 0 && -w "$paranoid" ]]; then
	old_paranoid="$(<"$paranoid")"
	echo 3 >"$paranoid"
	rc=0
	"$chase" --max 4M --series rand:64 --backing 4k --reps 3 --rep-ms 1 --out "$tmp/par" 2>"$tmp/err" || rc=$?
	echo "$old_paranoid" >"$paranoid"
	if [[ $rc -eq 0 ]] && jq_ok "$tmp/par/meta.json" '"perf_event_paranoid=3" in j["counters"]["reason"] and j["status"] == "complete"'; then
		ok "chase: completes with perf_event_paranoid=3 and says why counters are off"
	else
		ko "chase: perf_event_paranoid=3" "exit $rc"
	fi
	if [[ "$(<"$paranoid")" == "$old_paranoid" ]]; then ok "perf_event_paranoid restored"; else ko "perf_event_paranoid restored" "$(<"$paranoid")"; fi
else
	skipped "chase: perf_event_paranoid=3" "needs root"
fi

# Every run gets a new directory; joining one (--same-run, as run_all.sh
# does for the probe) never mixes two runs of one tool.
expect_usage "chase: --out already holds a run" "$chase" --max 1M --out "$tmp/small"
expect_usage "tlbprobe: --out already holds a run" "$tp" --quick --out "$tmp/probe"
expect_usage "tlbprobe: --same-run into its own run" "$tp" --quick --same-run --out "$tmp/probe"
expect_usage "chase: --same-run into its own run" "$chase" --max 1M --same-run --out "$tmp/small"

# Ctrl-C in the middle: exit 130, finished rows kept whole, marked interrupted.
run="$tmp/int"
"$chase" --max 256M --reps 5 --rep-ms 20 --out "$run" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 100); do
	[[ -s "$run/chase.csv" ]] && [[ "$(wc -l <"$run/chase.csv")" -gt 4 ]] && break
	sleep 0.1
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
st="$(json_scalar "$run/meta.json" status)"
if [[ $rc -eq 130 && "$st" == interrupted ]]; then ok "chase: SIGINT gives 130 and status interrupted"; else ko "chase: SIGINT" "exit $rc, status $st"; fi
if rows_whole "$run/chase.csv" && [[ "$(wc -l <"$run/chase.csv")" -gt 4 ]]; then ok "chase: rows kept after SIGINT"; else ko "chase: rows after SIGINT" "lost or ragged"; fi
if compgen -G "$run/*.tmp.*" >/dev/null; then ko "chase: no temp files left" "$(ls "$run")"; else ok "chase: no temp files left"; fi

# The main job as a new user runs it.
run="$tmp/quick"
t0=$SECONDS
if "$ra" --quick --out "$run" >"$tmp/out" 2>"$tmp/err"; then ok "run_all --quick exits 0 ($((SECONDS - t0)) s)"; else ko "run_all --quick" "$(tail -n 5 "$tmp/err")"; fi
for f in meta.json chase.csv compare.csv REPORT.md plots/latency.png plots/latency.svg plots/thp_vs_4k.png plots/thp_vs_4k.svg tlbprobe.csv tlb.json tlbprobe-meta.json mlp.csv mlp-meta.json plots/mlp.png; do
	if [[ -s "$run/$f" ]]; then ok "run_all --quick wrote $f"; else ko "run_all --quick wrote $f" "missing"; fi
done
st="$(json_scalar "$run/meta.json" status)"
if [[ "$st" == complete ]]; then ok "run_all --quick: status complete"; else ko "run_all --quick: status" "$st"; fi
# Page walks in parallel: every chain count on 4k and thp at the control and
# at 256M, the inference with its confidence, and the section.
if jq_ok "$run/mlp-meta.json" 'j["status"] == "complete" and len(j["mlp"]["curves"]) == 4 and all(c["fit"]["ok"] and c["fit"]["in_flight"] > 0 for c in j["mlp"]["curves"]) and len(j["mlp"]["walks"]) == 1 and j["mlp"]["walks"][0]["confidence"] in ("high", "medium", "low") and j["mlp"]["walks"][0]["why"]' &&
	[[ "$(awk -F, 'NR > 1 { n[$1 "@" $4]++ } END { for (k in n) if (n[k] != 10) bad++; print length(n) == 4 && !bad }' "$run/mlp.csv")" == 1 ]]; then
	ok "run_all --quick: mlp curves of 10 chain counts, fitted, and the walk reading with its confidence"
else
	ko "run_all --quick: mlp" "$(head -c 300 "$run/mlp-meta.json" 2>&1)"
fi
if grep -q '^## Page walks in parallel' "$run/REPORT.md" && grep -q '4K pages cap at about [0-9]* loads in flight' "$run/REPORT.md" &&
	grep -q 'page walks in flight\*\* \[\|shows no translation time' "$run/REPORT.md"; then
	ok "run_all --quick: the parallel-walk section says what 4K pages cost in parallelism"
else
	ko "run_all --quick: parallel-walk section" "$(sed -n '/## Page walks in parallel/,/^## /p' "$run/REPORT.md" | head -c 400)"
fi
# The page-size ladder: as root on a kernel with multi-size THP, every
# mthp row verified in folios of its size, mapped by 4 KiB PTEs.
if [[ "$(id -u)" -eq 0 ]] && compgen -G "/sys/kernel/mm/transparent_hugepage/hugepages-*kB/enabled" >/dev/null; then
	if awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 ~ /^mthp/ { n++; want = $1; sub(/^mthp/, "", want); sub(/k$/, "", want); sub(/1m$/, "1024", want)
			if ($c["huge_fraction"] < 0.95 || $c["page_kb"] != 4 || $c["folio_kb"] != want) bad++ }
		END { exit bad > 0 || n == 0 }' "$run/ladder/chase.csv"; then
		ok "run_all --quick: ladder rows in folios of their size (>= 95%), page_kb 4"
	else
		ko "run_all --quick: ladder rows" "missing, or an mthp row below 95% or mislabelled"
	fi
	if grep -q '^## Page-size ladder' "$run/REPORT.md" && grep -q 'This CPU .*folios below 2 MiB\|Some folio sizes below 2 MiB' "$run/REPORT.md" &&
		[[ -s "$run/plots/ladder.png" ]]; then
		ok "run_all --quick: the ladder's plot and its claim in REPORT.md"
	else
		ko "run_all --quick: ladder report" "no section, claim or plots/ladder.png"
	fi
	# Each folio either gets its line, or tlb.json says why its curve gave
	# no L1 knee (on another CPU the fit may not find one).
	for b in mthp16k mthp64k; do
		if grep -q "^- $b: its L1 knee is at [0-9]* 4 KiB pages against" "$run/REPORT.md"; then
			ok "run_all --quick: tlbprobe says how many TLB entries a $b folio takes"
		elif jq_ok "$run/tlb.json" "any(f['backing'] == '$b' and f['why'] for f in j['fits'])"; then
			skipped "run_all --quick: $b TLB entries" "no L1 knee, and tlb.json says why"
		else
			ko "run_all --quick: $b TLB entries" "no L1 knee line in REPORT.md, and no reason in tlb.json"
		fi
	done
else
	if [[ "$(grep -c 'page-size ladder is skipped' "$tmp/err")" -eq 1 ]]; then
		ok "run_all --quick: the page-size ladder skipped with its reason"
	else
		ko "run_all --quick: ladder skip" "no single reason line"
	fi
fi
# The placement matrix runs where two nodes have memory, else one line says why not.
if [[ "$(cat /sys/devices/system/node/has_memory 2>/dev/null || echo 0)" =~ ^[0-9]+$ ]]; then
	if [[ "$(grep -c 'placement matrix is skipped: one NUMA node' "$tmp/err")" -eq 1 ]] && [[ ! -e "$run/numa" ]] &&
		grep -q '^Not measured: this machine has one NUMA node with memory' "$run/REPORT.md"; then
		ok "run_all --quick: one node, the placement matrix skipped with its reason"
	else
		ko "run_all --quick: placement matrix on one node" "no single reason line, or a numa/ directory"
	fi
elif [[ -s "$run/numa/compare.csv" ]] && grep -q '^## NUMA placement matrix' "$run/REPORT.md"; then
	ok "run_all --quick: placement matrix measured and reported"
else
	ko "run_all --quick: placement matrix" "no numa/compare.csv or no section"
fi

# Both core-clock estimates recorded per run and per row; the report sets
# the L1 latency beside the published one (or says there is none).
g="$(json_scalar "$run/meta.json" core_ghz_est)"
np="$(json_scalar "$run/meta.json" clock_points)"
if [[ "$g" =~ ^[0-9.]+$ && "$np" =~ ^[1-9][0-9]*$ ]] && jq_ok "$run/meta.json" 'j["core_ghz_mul_est"] > 0'; then
	ok "run_all --quick: meta.json has both clock estimates ($g GHz over $np points)"
else
	ko "run_all --quick: clock in meta.json" "core_ghz_est '$g', clock_points '$np'"
fi
if head -n 1 "$run/chase.csv" | grep -q 'core_ghz,core_ghz_mul,cycles_uncertain' &&
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["cycles_uncertain"] != 0 && $c["cycles_uncertain"] != 1 { bad++ } END { exit bad > 0 }' "$run/chase.csv"; then
	ok "run_all --quick: chase.csv marks each row's cycles certain or not"
else
	ko "run_all --quick: cycles_uncertain" "column missing or not 0/1"
fi
if grep -q '^L1 load-to-use: [0-9.]* cycles (' "$run/REPORT.md"; then ok "run_all --quick: REPORT.md gives the L1 load-to-use in cycles"; else ko "run_all --quick: L1 load-to-use" "not in REPORT.md"; fi

# Rows are labelled with what the kernel gave: 4k at 4 kB and fraction 0;
# hugetlb at its page size and fraction 1 (as root the pools are reserved).
bad="$(awk -F, 'NR > 1 && (($1 == "4k" && ($2 != 4 || $3 != 0)) ||
	($1 == "hugetlb2m" && ($2 != 2048 || $3 != 1)) ||
	($1 == "hugetlb1g" && ($2 != 1048576 || $3 != 1))) { n++ } END { print n + 0 }' "$run/chase.csv")"
if [[ "$bad" -eq 0 ]]; then ok "run_all --quick: page_kb and huge_fraction verified"; else ko "run_all --quick: rows" "$bad rows mislabelled"; fi
if [[ "$(id -u)" -eq 0 ]]; then
	if awk -F, '$1 == "hugetlb2m" { n++ } END { exit !n }' "$run/chase.csv"; then
		ok "run_all --quick as root: hugetlb2m rows"
	else
		ko "run_all --quick as root: hugetlb2m rows" "none"
	fi
	if awk -F, '$1 == "hugetlb1g" { n++ } END { exit !n }' "$run/chase.csv" ||
		jq_ok "$run/meta.json" 'any(s.startswith("hugetlb1g: ") for s in j["skipped"])'; then
		ok "run_all --quick as root: hugetlb1g measured or its absence explained"
	else
		ko "run_all --quick as root: hugetlb1g" "neither rows nor a reason in REPORT.md"
	fi
fi

# A row that cannot be written fails the run (exit 1, status failed, one
# line naming the file) and leaves the file ending in a whole row.
rc=0
(trap '' XFSZ; ulimit -f 12; exec "$chase" --max 128M --reps 3 --rep-ms 1 --out "$tmp/fsz") 2>"$tmp/fsz.err" || rc=$?
if [[ $rc -eq 1 ]] && grep -q "error: writing $tmp/fsz/chase.csv: File too large" "$tmp/fsz.err" &&
	[[ "$(json_scalar "$tmp/fsz/meta.json" status)" == failed ]] && rows_whole "$tmp/fsz/chase.csv" &&
	[[ "$(tail -c 1 "$tmp/fsz/chase.csv" | od -An -c | tr -d ' ')" == '\n' ]]; then
	ok "chase: a failed row write fails the run and keeps whole rows"
else
	ko "chase: failed row write" "exit $rc, $(tail -n 1 "$tmp/fsz.err")"
fi

# The same on a full disk: a small tmpfs made here. There is no room for
# meta.json's temporary file, so it is rewritten in place and still says
# failed.
if [[ "$(id -u)" -eq 0 ]] && mkdir -p "$tmp/full" && mount -t tmpfs -o size=20k tmpfs "$tmp/full" 2>/dev/null; then
	rc=0
	"$chase" --max 64M --reps 3 --rep-ms 1 --out "$tmp/full/run" 2>"$tmp/full.err" || rc=$?
	if [[ $rc -eq 1 ]] && grep -q "error: writing $tmp/full/run/chase.csv: No space left on device" "$tmp/full.err" &&
		[[ "$(json_scalar "$tmp/full/run/meta.json" status)" == failed ]] && rows_whole "$tmp/full/run/chase.csv" &&
		[[ "$(tail -c 1 "$tmp/full/run/chase.csv" | od -An -c | tr -d ' ')" == '\n' ]]; then
		ok "chase: a full disk fails the run (exit 1, status failed) and keeps whole rows"
	else
		ko "chase: full disk" "exit $rc, $(tail -n 2 "$tmp/full.err" | tr '\n' ' ')"
	fi
	umount "$tmp/full"
else
	skipped "chase: full disk" "needs root to mount a tmpfs"
fi

# One run at a time: a second run waits for the first, says so in one line,
# and creates nothing while it waits; --no-lock does not wait.
"$chase" --max 64M --reps 5 --out "$tmp/lock1" 2>/dev/null &
first=$!
for _ in $(seq 50); do [[ -s "$tmp/lock1/meta.json" ]] && break; sleep 0.1; done
"$chase" --max 16K --reps 3 --rep-ms 1 --out "$tmp/lock2" 2>"$tmp/lock2.err" &
second=$!
sleep 1
if kill -0 "$first" 2>/dev/null && grep -q "another pagewalk run (pid $first) is measuring" "$tmp/lock2.err" &&
	[[ ! -e "$tmp/lock2" ]]; then
	ok "lock: a second run waits for the first, names it, creates nothing"
else
	ko "lock: second run" "$(head -c 300 "$tmp/lock2.err"); dir: $(ls -d "$tmp/lock2" 2>&1)"
fi
if "$chase" --max 16K --reps 3 --rep-ms 1 --no-lock --out "$tmp/lock3" 2>/dev/null && [[ -s "$tmp/lock3/chase.csv" ]]; then
	ok "lock: --no-lock runs at once"
else
	ko "lock: --no-lock" "did not run"
fi
rc1=0 rc2=0
wait "$first" || rc1=$?
wait "$second" || rc2=$?
if [[ $rc1 -eq 0 && $rc2 -eq 0 && -s "$tmp/lock2/chase.csv" ]]; then ok "lock: both runs complete, one after the other"; else ko "lock: both runs" "exit $rc1 and $rc2"; fi

# Only hugetlb asked, nothing reserved, no --reserve: exit 4 with the reason.
if [[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" -eq 0 ]]; then
	rc=0
	"$chase" --backing hugetlb2m --max 8M --out "$tmp/h4" 2>"$tmp/err" || rc=$?
	if [[ $rc -eq 4 ]] && grep -q 'nr_hugepages' "$tmp/err"; then ok "chase: hugetlb only, no pages: exit 4 with the command"; else ko "chase: hugetlb only, no pages" "exit $rc: $(head -c 300 "$tmp/err")"; fi
fi

# A pool with 2 of the 4 pages asked: refused (exit 4, naming --fit-pool),
# or run on those 2 pages with --fit-pool. hugepages.sh gives them back.
if [[ "$(id -u)" -eq 0 && "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" -eq 0 ]]; then
	pool_before="$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)"
	rc=0
	"$top/scripts/hugepages.sh" with 2M 2 -- "$chase" --backing hugetlb2m --max 8M --reps 3 --rep-ms 1 \
		--out "$tmp/hshort" >/dev/null 2>"$tmp/err" || rc=$?
	if [[ $rc -eq 4 ]] && grep -q -- '--fit-pool' "$tmp/err" && [[ ! -e "$tmp/hshort/chase.csv" ]]; then
		ok "chase: pool short of pages: exit 4 naming --fit-pool"
	else
		ko "chase: pool short of pages" "exit $rc: $(head -c 300 "$tmp/err")"
	fi
	rc=0
	"$top/scripts/hugepages.sh" with 2M 2 -- "$chase" --backing hugetlb2m --max 8M --reps 3 --rep-ms 1 \
		--fit-pool --out "$tmp/hfit" >/dev/null 2>"$tmp/err" || rc=$?
	biggest="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "footprint_bytes") c = i; next }
		c && $c + 0 > m { m = $c + 0 } END { print m + 0 }' "$tmp/hfit/chase.csv" 2>/dev/null)"
	if [[ $rc -eq 0 ]] && grep -q 'pool granted' "$tmp/err" && [[ "$biggest" -gt 0 && "$biggest" -le 4194304 ]]; then
		ok "chase --fit-pool: runs on the 2 pages there are (largest footprint $biggest)"
	else
		ko "chase --fit-pool" "exit $rc, largest footprint '$biggest': $(head -c 300 "$tmp/err")"
	fi
	pool_after="$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)"
	if [[ "$pool_after" -eq "$pool_before" ]]; then ok "pool given back after both"; else ko "pool given back" "nr_hugepages $pool_before, then $pool_after"; fi
fi

finish e2e
