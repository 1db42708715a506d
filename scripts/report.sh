#!/usr/bin/env bash
# Write DIR/REPORT.md for a pagewalk run directory: the machine in words, the
# buffers, latency plateaus (L1, L2, L3, DRAM), each backing against the 4k
# reference at rand stride 64 with its verdict, the TLB geometry tlbprobe
# inferred beside CPUID's and the published one, and the plots when present.
# Reads chase.csv, compare.csv, meta.json and tlb.json (plus tlbprobe.csv);
# any of them may be partial or missing.
set -euo pipefail

prog="report.sh"

usage() {
	cat <<USAGE
usage: scripts/report.sh [--help] DIR

Write DIR/REPORT.md from DIR/chase.csv, DIR/compare.csv and DIR/meta.json (a
pagewalk run directory, complete or interrupted), with a TLB geometry section
when DIR/tlb.json (from bench/tlbprobe) exists. Missing or header-only
files are reported as "no data", not treated as errors. Plots in DIR/plots/
(from scripts/plot.sh) are embedded when they exist.

Exit codes: 0 written, 1 could not write, 2 bad usage.
USAGE
}

bad() {
	echo "$prog: $*" >&2
	exit 2
}

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# hex N: "25 (0x19)", or N as given when it is not a number.
dec_hex() {
	if [[ "$1" =~ ^[0-9]+$ ]]; then
		printf '%d (0x%x)' "$1" "$1"
	else
		printf '%s' "${1:-unknown}"
	fi
}

# num VALUE DIGITS: VALUE with DIGITS decimals; empty stays empty.
num() {
	if [[ -n "$1" ]]; then printf "%.$2f" "$1"; fi
}

# assoc_said ASSOC: 0 -> "fully associative", 8 -> "8-way".
assoc_said() {
	case "$1" in
	0) echo "fully associative" ;;
	"" | -1) echo "associativity unknown" ;;
	*) echo "$1-way" ;;
	esac
}

# rows FILE: the number of data rows (0 when missing or header only).
rows() {
	if [[ -f "$1" ]]; then
		awk 'NR > 1 && NF > 0 { n++ } END { print n + 0 }' "$1"
	else
		echo 0
	fi
}

dir=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--help | -h)
		usage
		exit 0
		;;
	--)
		shift
		break
		;;
	-*) bad "unknown option '$1' (usage: report.sh DIR)" ;;
	*)
		[[ -z "$dir" ]] || bad "one run directory only (usage: report.sh DIR)"
		dir="$1"
		;;
	esac
	shift
done
if [[ $# -gt 0 ]]; then
	[[ -z "$dir" && $# -eq 1 ]] || bad "one run directory only (usage: report.sh DIR)"
	dir="$1"
fi
[[ -n "$dir" ]] || bad "missing run directory (usage: report.sh DIR)"
[[ -d "$dir" ]] || bad "DIR '$dir': not a directory"

chase="$dir/chase.csv"
compare="$dir/compare.csv"
meta="$dir/meta.json"
tlbjson="$dir/tlb.json"
tlbcsv="$dir/tlbprobe.csv"
out="$dir/REPORT.md"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

m() {
	if [[ -f "$meta" ]]; then json_get "$meta" "$1"; fi
}

status="$(m status)"
start="$(m start)"
end="$(m end)"
host="$(m host)"
l1d="$(m l1d_bytes)"
l2="$(m l2_bytes)"
l3="$(m l3_bytes)"
nr_chase="$(rows "$chase")"
nr_compare="$(rows "$compare")"

section_title() {
	echo "# pagewalk report${host:+: $host}${start:+, $start}"
	echo
	if [[ ! -f "$meta" ]]; then
		echo "Run status unknown: meta.json is missing."
	else
		local dur="" s e
		if [[ -n "$start" && -n "$end" ]] &&
			s="$(date -u -d "$start" +%s 2>/dev/null)" &&
			e="$(date -u -d "$end" +%s 2>/dev/null)"; then
			dur=" ($((e - s)) s)"
		fi
		if [[ -n "$end" ]]; then end="ended $end$dur"; else end="not ended"; fi
		echo "Run **${status:-unknown}**: started ${start:-at an unknown time}, $end."
		local args
		args="$(json_strings "$meta" args | tr '\n' ' ')"
		if [[ -n "${args// /}" ]]; then
			echo
			echo "Command: \`${args% }\` (seed $(m seed), version $(m version))."
		fi
		case "$status" in
		complete) ;;
		interrupted | failed | running)
			echo
			echo "> This run is **$status**: the tables below hold only the points it finished; a missing plateau or footprint may just not have been reached."
			;;
		esac
	fi
	echo
	echo "Sizes are binary: 1K = 1024 bytes. Footprint is the working set the chain walks."
	echo
}

section_machine() {
	echo "## Machine"
	echo
	if [[ ! -f "$meta" ]]; then
		echo "No data: meta.json is missing."
		echo
		return
	fi
	local p="" cpu vendor hvc hvk flush ev thp_en thp_df nodes tsc g gmin gmax
	cpu="$(m cpu_model)"
	vendor="$(m cpu_vendor)"
	p="The CPU is ${cpu:-of unknown model} (vendor ${vendor:-unknown}, family $(dec_hex "$(m cpu_family)"), model $(dec_hex "$(m cpu_model_number)")"
	local step
	step="$(m cpu_stepping)"
	[[ -n "$step" ]] && p="$p, stepping $step"
	p="$p), running Linux $(m kernel) on host ${host:-unknown}."

	hvc="$(m hypervisor_cpuid)"
	hvk="$(m hypervisor_kernel)"
	if [[ -n "$hvc" ]]; then
		p="$p It runs in a virtual machine: the CPUID hypervisor signature is \"$hvc\""
		if [[ -n "$hvk" ]]; then
			p="$p and the kernel says \"Hypervisor detected: $hvk\"."
		else
			p="$p; the kernel names no hypervisor."
		fi
	elif [[ -n "$hvk" ]]; then
		p="$p The CPUID hypervisor bit is clear, yet the kernel says \"Hypervisor detected: $hvk\"."
	else
		p="$p It looks like bare metal (no hypervisor bit)."
	fi

	flush="$(m kernel_entry_flushes_tlb)"
	ev="$(m kernel_entry_flush_evidence)"
	case "$flush" in
	true) p="$p Kernel entries flush the TLB (page-table isolation without PCID), so every system call and interrupt costs TLB refills" ;;
	false) p="$p Kernel entries do not flush the TLB" ;;
	*) p="$p Whether kernel entries flush the TLB is unknown" ;;
	esac
	p="$p${ev:+ (evidence: \"$ev\")}."

	thp_en="$(m thp_enabled)"
	thp_df="$(m thp_defrag)"
	p="$p Transparent huge pages: enabled \"${thp_en:-unknown}\", defrag \"${thp_df:-unknown}\"."
	nodes="$(m numa_nodes)"
	if [[ -n "$nodes" ]]; then
		if [[ "$nodes" == 1 ]]; then p="$p One NUMA node."; else p="$p $nodes NUMA nodes."; fi
	fi

	tsc="$(m tsc_ghz)"
	g="$(m core_ghz_est)"
	gmin="$(m core_ghz_est_min)"
	gmax="$(m core_ghz_est_max)"
	local gm npts nagree nunc
	gm="$(m core_ghz_mul_est)"
	npts="$(m clock_points)"
	nagree="$(m clock_points_agree)"
	nunc="$(m clock_points_uncertain)"
	[[ -n "$tsc" ]] && p="$p The TSC runs at $(printf '%.3f' "$tsc") GHz"
	if [[ -n "$g" ]]; then
		[[ -n "$tsc" ]] && p="$p; the" || p="$p The"
		p="$p core clock, estimated in this run from a chain of dependent register-register adds (one cycle each), is $(printf '%.2f' "$g") GHz"
		[[ -n "$gmin" && -n "$gmax" ]] && p="$p (median; $(printf '%.2f' "$gmin")–$(printf '%.2f' "$gmax") GHz over the run)"
		if [[ -n "$gm" ]]; then
			p="$p, and a chain of dependent multiplies (three cycles each) gives $(printf '%.2f' "$gm") GHz"
			[[ -n "$npts" && -n "$nagree" ]] && p="$p: the two agree within 5% at $nagree of $npts points"
		fi
		p="$p."
		if [[ -n "$nunc" && "$nunc" != 0 ]]; then
			p="$p **At $nunc point(s) the two clock estimates differ by more than 5%: the cycles of those points are uncertain** (cycles_uncertain = 1 in chase.csv); their ns columns stand."
		fi
	elif [[ -n "$tsc" ]]; then
		p="$p; no core clock estimate was recorded."
	fi

	local caches=()
	is_uint "$l1d" && caches+=("L1d $(human "$l1d")")
	is_uint "$l2" && caches+=("L2 $(human "$l2")")
	is_uint "$l3" && caches+=("L3 $(human "$l3")")
	if [[ ${#caches[@]} -gt 0 ]]; then
		p="$p Caches: $(printf '%s, ' "${caches[@]}")"
		p="${p%, }."
	fi

	local tlb=() pkb lvl ent assoc
	while IFS=$'\x1f' read -r pkb lvl ent assoc; do
		[[ -n "$pkb" ]] || continue
		if ! is_uint "$ent"; then
			tlb+=("L$lvl $(human $((pkb * 1024))) not declared")
			continue
		fi
		tlb+=("L$lvl $(human $((pkb * 1024))) pages: $ent entries, $(assoc_said "$assoc") (reach $(human $((ent * pkb * 1024))))")
	done < <(json_objects "$meta" tlb_declared page_kb level entries assoc | sort -t$'\x1f' -k2,2n -k1,1n)
	if [[ ${#tlb[@]} -gt 0 ]]; then
		p="$p Declared TLB geometry, as CPUID reports it (a hypervisor can falsify CPUID, so these are claims, not measurements): $(printf '%s; ' "${tlb[@]}")"
		p="${p%; }."
	fi
	echo "$p"
	echo
}

section_buffers() {
	echo "## Buffers"
	echo
	if [[ ! -f "$meta" ]]; then
		echo "No data: meta.json is missing."
		echo
		return
	fi
	local lines
	lines="$(json_objects "$meta" buffers backing bytes page_kb huge_fraction populate_ms verified_by collapsed asked_bytes via)"
	if [[ -z "$lines" ]]; then
		echo "No buffers recorded (the run stopped before allocating them)."
	else
		echo "| backing | bytes | page_kb | huge_fraction | populate_ms | via | verified_by | collapsed |"
		echo "|---|---:|---:|---:|---:|---|---|---|"
		local b by pk hf pm vb co ab via short=""
		while IFS=$'\x1f' read -r b by pk hf pm vb co ab via; do
			if [[ "$ab" =~ ^[0-9]+$ && "$by" =~ ^[0-9]+$ && "$by" -lt "$ab" ]]; then
				short+="- $b: the hugetlb pool granted $(human "$by") of the $(human "$ab") asked for, so its curve stops at $(human "$by")."$'\n'
			fi
			[[ -n "$by" && "$by" =~ ^[0-9]+$ ]] && by="$by ($(human "$by"))"
			echo "| ${b//|/\\|} | $by | $pk | $hf | $pm | ${via//|/\\|} | ${vb//|/\\|} | $co |"
		done <<<"$lines"
		if [[ -n "$short" ]]; then
			echo
			echo "Sized to what the kernel granted:"
			echo
			printf '%s' "$short"
		fi
	fi
	local s1g
	s1g="$(m hugetlb.support_1g)"
	if [[ -n "$s1g" ]]; then
		echo
		echo "1 GiB pages on this machine: $s1g."
	fi
	echo
	local skipped
	skipped="$(json_strings "$meta" skipped)"
	if [[ -z "$skipped" ]]; then
		echo "Skipped backings: none."
	else
		echo "Skipped backings:"
		echo
		local s
		while IFS= read -r s; do
			echo "- $s"
		done <<<"$skipped"
	fi
	echo
	local cs cr ca
	cs="$(m counters.status)"
	cr="$(m counters.reason)"
	ca="$(m counters.advice)"
	case "$cs" in
	all | partial)
		local seen=""
		[[ -f "$dir/plots/counters.png" ]] && seen=" They are plotted per load against footprint in plots/counters.png (see Plots)."
		echo "Hardware counters: $cs; the per-load columns of chase.csv are filled where counted (meta.json names each event and path).$seen"
		;;
	off) echo "Hardware counters: off (--no-counters)." ;;
	*) echo "Hardware counters: none counted${cr:+, because $cr}. The TLB-miss and walk columns of chase.csv are empty; cycles come from the core clock estimated in the run (register-add chain, cross-checked by imul).${ca:+ To get counters: $ca.}" ;;
	esac
	echo
	section_disturbance
}

# Whether the run was disturbed: repetitions timed again, or kept disturbed.
section_disturbance() {
	local rr kept nc nh seen
	rr="$(m disturbance.reps_rerun)"
	[[ -n "$rr" ]] || return 0
	kept="$(m disturbance.reps_kept_disturbed)"
	nc="$(m disturbance.chains_measured)"
	nh="$(m disturbance.chains_disturbed)"
	seen="$(m disturbance.seen)"
	if [[ "$rr" == 0 && "${kept:-0}" == 0 ]]; then
		echo "Disturbance: none seen. No timed repetition was preempted, waited on the run queue for more than 50 us or lost time to the hypervisor (steal), over $nc chain measurements."
	elif [[ "${kept:-0}" == 0 ]]; then
		echo "Disturbance: $rr repetition(s) were disturbed ($seen) and timed again, in $nh of $nc chain measurements (nr_rerun in chase.csv); every kept repetition was quiet."
	else
		echo "> **This run was disturbed**: $kept repetition(s) stayed disturbed ($seen) after 3 re-runs and were kept (nr_disturbed in chase.csv), and $rr were timed again, in $nh of $nc chain measurements. Something else ran on this CPU or the host took it: the affected points read slow. Rerun on a quiet machine."
	fi
	echo
}

# The plateau table: rand stride 64 unstaggered on 4k (or the first backing
# in the fixed order), medians over the footprints of each level.
section_plateaus() {
	echo "## Latency plateaus"
	echo
	if [[ ! -f "$chase" ]]; then
		echo "No data: chase.csv is missing."
		echo
		return
	fi
	if [[ "$nr_chase" -eq 0 ]]; then
		echo "No data: chase.csv has only a header."
		echo
		return
	fi
	awk -F, -v l1="${l1d:-0}" -v l2="${l2:-0}" -v l3="${l3:-0}" -v status="$status" \
		-v pub_cyc="$(m machine.published.l1_load_cycles)" -v pub_model="$(m machine.published.model)" '
	function human(b,    u, i, s) {
		split("B K M G T P", u, " ")
		i = 1
		while (b >= 1024 && i < 6) { b /= 1024; i++ }
		s = b >= 100 ? sprintf("%.0f", b) : b >= 10 ? sprintf("%.1f", b) : sprintf("%.2f", b)
		if (s ~ /\./) { sub(/0+$/, "", s); sub(/\.$/, "", s) }
		return s u[i]
	}
	# median of a[1..n] (sorts a in place: insertion sort, n is small).
	function median(a, n,    i, j, t) {
		for (i = 2; i <= n; i++) {
			t = a[i]
			for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
			a[j + 1] = t
		}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function rank(b) { return b == "4k" ? 0 : b == "thp" ? 1 : b == "hugetlb2m" ? 2 : b == "hugetlb1g" ? 3 : 4 }
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		sub(/\r$/, "")
		if ($c["pattern"] != "rand" || $c["stride_bytes"] != 64 || $c["stagger"] + 0 != 0) next
		if ($c["ns_median"] == "" || $c["footprint_bytes"] !~ /^[0-9]+$/) next
		b = $c["backing"]
		if (!(b in seen)) { seen[b] = ++nb; order[nb] = b }
		n[b]++
		fp[b, n[b]] = $c["footprint_bytes"] + 0
		ns[b, n[b]] = $c["ns_median"] + 0
		cy[b, n[b]] = $c["cycles_per_load"]
	}
	END {
		if (nb == 0) { print "No data: chase.csv has no rand stride-64 rows."; exit }
		pick = order[1]
		for (i = 2; i <= nb; i++)
			if (rank(order[i]) < rank(pick)) pick = order[i]
		maxfp = 0
		for (i = 1; i <= n[pick]; i++) if (fp[pick, i] > maxfp) maxfp = fp[pick, i]
		printf "Random chase (one dependent load at a time), stride 64, on the %s backing: the median of ns_median over the footprints in each range, the spread of those medians (lowest–highest), and the median cycles per load. A level is flat when its highest median is at most 1.5 times its lowest; past that the range is a ramp and its median is no latency plateau.\n\n", pick
		print "| level | footprints | points | ns per load | spread, ns (min–max) | cycles per load | shape |"
		print "|---|---|---:|---:|---:|---:|---|"
		nramp = 0
		name[1] = "L1"; name[2] = "L2"; name[3] = "L3"; name[4] = "DRAM"
		lo[1] = 0;  hi[1] = l1 / 2; need[1] = l1
		lo[2] = l1; hi[2] = l2 / 2; need[2] = l1 * l2
		lo[3] = l2; hi[3] = l3 / 2; need[3] = l2 * l3
		lo[4] = 4 * l3; hi[4] = -1; need[4] = l3
		for (L = 1; L <= 4; L++) {
			if (need[L] <= 0) {
				printf "| %s | cache size unknown | 0 | | | | |\n", name[L]
				continue
			}
			rng = L == 1 ? "≤ " human(hi[L]) : L == 4 ? "≥ " human(lo[L]) : "> " human(lo[L]) " and ≤ " human(hi[L])
			k = 0; kc = 0
			for (i = 1; i <= n[pick]; i++) {
				f = fp[pick, i]
				if (L == 1 ? f <= hi[L] : L == 4 ? f >= lo[L] : (f > lo[L] && f <= hi[L])) {
					v[++k] = ns[pick, i]
					if (k == 1 || v[k] < vmin) vmin = v[k]
					if (k == 1 || v[k] > vmax) vmax = v[k]
					if (cy[pick, i] != "") w[++kc] = cy[pick, i] + 0
				}
			}
			if (k == 0) {
				if (L == 4 && status != "complete")
					printf "| DRAM | %s | 0 | not reached (run %s; largest footprint %s) | | | |\n", rng, status == "" ? "status unknown" : status, human(maxfp)
				else if (L == 4)
					printf "| DRAM | %s | 0 | not reached, --max too small (largest footprint %s) | | | |\n", rng, human(maxfp)
				else
					printf "| %s | %s | 0 | no points | | | |\n", name[L], rng
				continue
			}
			if (k == 1)
				shape = "one point: flatness unknown"
			else if (vmin > 0 && vmax / vmin > 1.5) {
				shape = sprintf("**not flat** (max/min %.1f): a ramp, the median is not a latency plateau", vmax / vmin)
				rampname[++nramp] = name[L]
			} else
				shape = sprintf("flat (max/min %.2f)", vmin > 0 ? vmax / vmin : 1)
			if (L == 1 && kc) l1cyc = median(w, kc)
			printf "| %s | %s | %d | %.2f | %.2f–%.2f | %s | %s |\n", name[L], rng, k, median(v, k), vmin, vmax, \
				kc ? sprintf("%.1f", median(w, kc)) : "n/a", shape
		}
		print ""
		if (l1cyc != "") {
			if (pub_cyc != "")
				printf "L1 load-to-use: %.1f cycles (%s publishes %d: %+.0f%%).\n\n", l1cyc, pub_model, pub_cyc, 100 * (l1cyc / pub_cyc - 1)
			else
				printf "L1 load-to-use: %.1f cycles (%s).\n\n", l1cyc, pub_model != "" ? pub_model " publishes no figure in pagewalk'"'"'s table" : "no published figure for this CPU model in pagewalk'"'"'s table"
		}
		print "The ranges keep clear of the edges: a footprint at a cache size already spills, so L1 to L3 use up to half the cache, and DRAM starts at four times L3."
		ramps = ""
		for (i = 1; i <= nramp; i++)
			ramps = ramps (i == 1 ? "" : i == nramp ? " and " : ", ") rampname[i]
		if (nramp)
			printf "\nLatency still climbs across the %s range%s (see the spread): no single latency holds there, so read the curve (ns per load against footprint) for %s rather than the one median.\n", \
				ramps, (nramp > 1 ? "s" : ""), (nramp > 1 ? "those levels" : "that level")
	}' "$chase"
	echo
}

# One section per (backing_a, backing_b) in compare.csv at rand stride 64.
section_compare() {
	if [[ ! -f "$compare" ]]; then
		echo "## Backings compared"
		echo
		echo "No data: compare.csv is missing."
		echo
		return
	fi
	if [[ "$nr_compare" -eq 0 ]]; then
		echo "## Backings compared"
		echo
		echo "No data: compare.csv has only a header."
		echo
		return
	fi
	awk -F, -v l3="${l3:-0}" '
	function human(b,    u, i, s) {
		split("B K M G T P", u, " ")
		i = 1
		while (b >= 1024 && i < 6) { b /= 1024; i++ }
		s = b >= 100 ? sprintf("%.0f", b) : b >= 10 ? sprintf("%.1f", b) : sprintf("%.2f", b)
		if (s ~ /\./) { sub(/0+$/, "", s); sub(/\.$/, "", s) }
		return s u[i]
	}
	function rank(b) { return b == "4k" ? 0 : b == "thp" ? 1 : b == "hugetlb2m" ? 2 : b == "hugetlb1g" ? 3 : 4 }
	function f2(x) { return x == "" ? "n/a" : sprintf("%.2f", x) }
	function f3(x) { return x == "" ? "n/a" : sprintf("%.3f", x) }
	# A sign-test interval of the median at 95% needs 6 rounds: with 5, even
	# every round on one side happens by chance 2/2^5 = 6.25% of the time.
	function few(rounds) { return rounds ~ /^[0-9]+$/ && rounds + 0 < 6 }
	# The verdict the report goes by: any verdict from fewer than 6 rounds
	# is "cannot decide" (older chase builds still gave one); verdicts are
	# matched by prefix ("cannot decide (fewer than 6 rounds)").
	# compare.csv gives the verdict as a token and its reason as another.
	function said(v, why, a, b) {
		if (v == "a_slower") return a " slower"
		if (v == "b_slower") return b " slower"
		if (v == "same") return "no difference"
		if (v == "undecided") return "cannot decide" (why == "fewer_than_6_rounds" ? " (fewer than 6 rounds)" : "")
		return v
	}
	function effective(v, rounds) {
		if (few(rounds)) return "cannot decide (fewer than 6 rounds)"
		if (v ~ /^cannot decide/) return "cannot decide"
		return v
	}
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		sub(/\r$/, "")
		if ($c["pattern"] != "rand" || $c["stride_bytes"] != 64 || $c["stagger"] + 0 != 0) next
		if ($c["footprint_bytes"] !~ /^[0-9]+$/) next
		p = $c["backing_a"] SUBSEP $c["backing_b"]
		if (!(p in seen)) { seen[p] = ++np; pa[np] = $c["backing_a"]; pb[np] = $c["backing_b"] }
		k = seen[p]
		j = ++n[k]
		fp[k, j] = $c["footprint_bytes"] + 0
		for (col in c) val[k, j, col] = $c[col]
		val[k, j, "verdict"] = said($c["verdict"], $c["verdict_reason"], pa[k], pb[k])
	}
	END {
		if (np == 0) {
			print "## Backings compared\n"
			print "No data: compare.csv has no rand stride-64 rows."
			exit
		}
		# Sections in the fixed backing order of backing_b (insertion sort).
		for (i = 1; i <= np; i++) ord[i] = i
		for (i = 2; i <= np; i++) {
			t = ord[i]
			for (j = i - 1; j >= 1 && rank(pb[ord[j]]) > rank(pb[t]); j--) ord[j + 1] = ord[j]
			ord[j + 1] = t
		}
		for (oi = 1; oi <= np; oi++) {
			k = ord[oi]; a = pa[k]; b = pb[k]; nk = n[k]
			# Rows sorted by footprint.
			for (i = 1; i <= nk; i++) idx[i] = i
			for (i = 2; i <= nk; i++) {
				t = idx[i]
				for (j = i - 1; j >= 1 && fp[k, idx[j]] > fp[k, t]; j--) idx[j + 1] = idx[j]
				idx[j + 1] = t
			}
			printf "## %s vs %s\n\n", a, b
			printf "The same random chain (stride 64) timed on %s and on %s in interleaved rounds; ratio = %s / %s per round, so above 1 means %s is faster.\n\n", a, b, a, b, b
			first = 0
			for (i = 1; i <= nk; i++) if (fp[k, idx[i]] >= 67108864) { first = i; break }
			if (first == 0) {
				first = nk > 3 ? nk - 2 : 1
				printf "No footprint reaches 64M; the largest %d are shown.\n\n", nk - first + 1
			}
			printf "| footprint | ns %s (median) | ns %s (median) | ratio %s/%s (median) | 95%% interval | per-round min–max | rounds | verdict |\n", a, b, a, b
			print "|---:|---:|---:|---:|---|---|---:|---|"
			nf = nfast = nslow = nsame = nund = nfew = nnone = 0
			for (i = first; i <= nk; i++) {
				r = idx[i]
				verdict = val[k, r, "verdict"]
				ev = effective(verdict, val[k, r, "nr_rounds"])
				shown = verdict == "" ? "none recorded" : verdict
				if (few(val[k, r, "nr_rounds"]) && verdict !~ /^cannot decide/)
					shown = "cannot decide (fewer than 6 rounds; recorded as " shown ")"
				printf "| %s | %s | %s | %s | [%s, %s] | %s–%s | %s | %s |\n", human(fp[k, r]), \
					val[k, r, "ns_a_median"], val[k, r, "ns_b_median"], f3(val[k, r, "ratio_median"]), \
					f3(val[k, r, "ratio_lo"]), f3(val[k, r, "ratio_hi"]), \
					f3(val[k, r, "ratio_min"]), f3(val[k, r, "ratio_max"]), val[k, r, "nr_rounds"], shown
				nf++
				if (few(val[k, r, "nr_rounds"])) nfew++
				if (ev == a " slower") nfast++
				else if (ev == b " slower") nslow++
				else if (ev == "no difference") nsame++
				else if (ev ~ /^cannot decide/) nund++
				else nnone++
			}
			print ""
			r = idx[nk]
			at = human(fp[k, r]); verdict = val[k, r, "verdict"]
			rm = val[k, r, "ratio_median"]; lo = val[k, r, "ratio_lo"]; hi = val[k, r, "ratio_hi"]
			rounds = val[k, r, "nr_rounds"]
			ev = effective(verdict, rounds)
			if (ev == a " slower")
				printf "At %s, %s is %.2fx slower than %s (95%% interval %.2f–%.2f over %s rounds).", \
					at, a, rm, b, lo, hi, rounds
			else if (ev == b " slower" && rm > 0)
				printf "At %s, %s is %.2fx slower than %s (95%% interval %.2f–%.2f over %s rounds).", \
					at, b, 1 / rm, a, (hi > 0 ? 1 / hi : 0), (lo > 0 ? 1 / lo : 0), rounds
			else if (ev == b " slower")
				printf "At %s, %s is slower than %s (95%% interval of %s/%s %s–%s over %s rounds).", \
					at, b, a, a, b, f2(lo), f2(hi), rounds
			else if (ev == "no difference")
				printf "At %s, no difference is measurable between %s and %s (ratio %.2f, 95%% interval %.2f–%.2f over %s rounds).", \
					at, a, b, rm, lo, hi, rounds
			else if (few(rounds))
				printf "At %s, the data cannot decide whether %s is faster than %s: %s rounds are fewer than 6, and fewer than 6 rounds can never give a 95%% verdict (even with every round on one side, chance alone does that %.3g%% of the time). The per-round ratios %s/%s span %s–%s (median %s).", \
					at, b, a, rounds, 100 * 2 ^ (1 - rounds), a, b, f2(val[k, r, "ratio_min"]), f2(val[k, r, "ratio_max"]), f2(rm)
			else if (ev ~ /^cannot decide/)
				printf "At %s, the data cannot decide whether %s is faster than %s: the 95%% interval of %s/%s, %s–%s, %s (median %s over %s rounds); more rounds or a quieter host would tell.", \
					at, b, a, a, b, f2(lo), f2(hi), \
					(lo != "" && hi != "" && lo + 0 <= 1 && hi + 0 >= 1) ? "spans 1" : "does not settle it", f2(rm), rounds
			else
				printf "At %s, no verdict was recorded%s.", at, \
					rm == "" ? "" : sprintf(" (ratio %s/%s %s over %s rounds)", a, b, f2(rm), rounds == "" ? "an unknown number of" : rounds)
			if (ev == b " slower")
				printf " **%s does not help here: it is slower than %s** at the largest footprint measured.", b, a
			else if (ev == "no difference")
				printf " **%s does not help here**: at the largest footprint measured it is no faster than %s.", b, a
			print ""
			print ""
			printf "Over the %d footprint%s above, %s is faster at %d, slower at %d, no different at %d; the data cannot decide at %d.", \
				nf, nf == 1 ? "" : "s", b, nfast, nslow, nsame, nund
			if (nnone)
				printf " %d footprint%s no verdict recorded.", nnone, (nnone == 1 ? " has" : "s have")
			if (nfew)
				printf " %s fewer than 6 rounds, and fewer than 6 rounds can never give a 95%% verdict (the sign-test interval of the median needs at least 6), so %s counted as cannot decide: rerun with more --reps.", \
					nfew == nf ? (nf == 1 ? "It has" : "All of them have") : nfew " of them " (nfew == 1 ? "has" : "have"), \
					(nfew == 1 ? "it is" : "they are")
			if (l3 > 0 && fp[k, r] < 4 * l3)
				printf " The largest footprint (%s) stays below four times L3 (%s): a larger --max reaches DRAM, where page walks cost the most.", at, human(4 * l3)
			print "\n"
		}
	}' "$compare"
}

# TLB geometry from tlbprobe (tlb.json); nothing when tlbprobe did not run.

# backing_rank NAME: its place in the fixed order of backings.
backing_rank() {
	case "$1" in
	4k) echo 0 ;;
	thp) echo 1 ;;
	hugetlb2m) echo 2 ;;
	hugetlb1g) echo 3 ;;
	*) echo 4 ;;
	esac
}

# page_name KB: 4 -> 4K, 2048 -> 2M, 1048576 -> 1G.
page_name() {
	local h
	h="$(human $(($1 * 1024)))"
	echo "${h%B}"
}

# entries_said ENTRIES ASSOC: "3072 (8-way)"; -1 or empty entries is not
# given (WHAT: "unknown", "not published"), 0 holds none of that size.
entries_said() {
	local e="$1" a="$2" what="$3"
	if [[ -z "$e" || "$e" == -1 ]]; then
		echo "$what"
	elif [[ "$e" == 0 ]]; then
		echo "none"
	elif [[ -z "$a" || "$a" == -1 ]]; then
		echo "$e"
	else
		echo "$e ($(assoc_said "$a"))"
	fi
}

# known VALUE: true when a tlb.json entries/assoc value is given (unknown is
# null, which json_objects prints empty, or -1 from older tlb.json).
known() {
	[[ -n "$1" && "$1" != -1 ]]
}

# assoc_differs DECLARED PUBLISHED: one "- L2 4K: CPUID 8-way, published
# 24-way, both 3072 entries" line per level and page size where both give
# the same number of entries but different associativities. Both arguments
# are lines of page_kb, level, entries, assoc.
assoc_differs() {
	local pk lvl de da pe pa
	while IFS=$'\x1f' read -r pk lvl de da; do
		if ! [[ "$pk" =~ ^[0-9]+$ ]] || ! known "$de" || ! known "$da"; then continue; fi
		IFS=$'\x1f' read -r pe pa <<<"$(geom_at "$2" "$pk" "$lvl")"
		if ! known "$pe" || ! known "$pa"; then continue; fi
		[[ "$de" == "$pe" && "$da" != "$pa" ]] || continue
		printf '%s\t%s\t- L%s %s: CPUID %s, published %s, both %s entries: associativity differs.\n' \
			"$lvl" "$pk" "$lvl" "$(page_name "$pk")" "$(assoc_said "$da")" "$(assoc_said "$pa")" "$de"
	done <<<"$1" | sort -t$'\t' -k1,1n -k2,2n | cut -f3-
}

# tlb_pick PAGE_KB: "backing|layout" of the curve the table for that page
# size reads: 4k spread for 4K pages; for huge pages, spread4k (else
# spread) of the first backing of that page size in the fixed order.
tlb_pick() {
	local want="spread4k"
	[[ "$1" == 4 ]] && want="spread"
	printf '%s\n' "${tlb_fits[@]}" | awk -F'\037' -v pk="$1" -v want="$want" '
		$2 == pk && ($3 == want || $3 == "spread") {
			print ($3 == want ? 0 : 1) "|" $7 "|" NR "|" $1 "|" $3
		}' | sort -t'|' -k1,1n -k2,2n -k3,3n | head -n 1 | cut -d'|' -f4-
}

# geom_at LINES PAGE_KB LEVEL: "entries\x1fassoc" from the row of LINES
# (page_kb, level, entries, assoc) for that page size and level, if any.
geom_at() {
	awk -F'\037' -v pk="$2" -v lv="$3" '$1 == pk && $2 == lv { print $3 "\037" $4; exit }' <<<"$1"
}

# layout_said NAME: what the probe layout is.
layout_said() {
	case "$1" in
	spread) echo "one probe line per page" ;;
	subpage0) echo "every probe line in the first 4K of its huge page" ;;
	spread4k) echo "probe lines spread over the 4K sub-pages of each huge page" ;;
	*) echo "layout $1" ;;
	esac
}

# huge_verdict BACKING PAGE_KB: tlb.json's verdict token for that backing.
huge_verdict() {
	json_objects "$tlbjson" huge_tlb_entries backing page_kb verdict |
		awk -F'\037' -v b="$1" -v pk="$2" '$1 == b && $2 == pk { print $3; exit }'
}

tlb_fits=()
section_tlb() {
	[[ -f "$tlbjson" ]] || return 0
	local tstat model source pnote nrd
	tstat="$(json_get "$tlbjson" status)"
	model="$(json_get "$tlbjson" published.model)"
	source="$(json_get "$tlbjson" published.source)"
	pnote="$(json_get "$tlbjson" published.note)"
	nrd="$(json_get "$tlbjson" nr_disagree)"
	local dwhy
	dwhy="$(json_get "$tlbjson" declared_why_empty)"
	local inferred declared published dvp f b
	inferred="$(json_objects "$tlbjson" inferred backing page_kb layout level kind entries miss_cost_ns miss_cost_cycles confidence knee_pages mid_pages end_pages start_pages)"
	declared="$(json_objects "$tlbjson" declared page_kb level entries assoc)"
	published="$(json_objects "$tlbjson" published.entries page_kb level entries assoc)"
	dvp="$(json_objects "$tlbjson" declared_vs_published page_kb level declared published agree says)"
	# Fits, each with its backing's rank appended (field 6).
	tlb_fits=()
	while IFS= read -r f; do
		[[ -n "$f" ]] || continue
		b="${f%%$'\x1f'*}"
		tlb_fits+=("$f"$'\x1f'"$(backing_rank "$b")")
	done < <(json_objects "$tlbjson" fits backing page_kb layout points levels why)

	echo "## TLB geometry (tlbprobe)"
	echo
	if [[ "$tstat" == interrupted ]]; then
		echo "> tlbprobe was **interrupted**: curves it did not finish are not fitted, and a level beyond the pages it reached is missing."
		echo
	fi
	echo "bench/tlbprobe times a chain of loads, one cache line per page in random order, against the same lines packed into as few pages as possible, so the difference is address translation with the data in cache. The entries of each TLB level and the cost of exceeding it come from the shape of that curve alone; CPUID's claims and the vendor's published figures are set beside them, and feed nothing. Miss cost is the extra time per load once a level's entries are exceeded, over the level before: past L1 the loads hit the next TLB level, past the last they walk the page tables. Confidence runs from 0 (a guess) to 1 (a sharp, clean step)."
	echo
	local who="${model:-the vendor}"
	local pks pk pick bk lay lvl row e ns cy conf knee mid end de da pe pa vs
	pks="$({
		printf '%s\n' "${tlb_fits[@]}" | cut -d$'\x1f' -f2
		cut -d$'\x1f' -f2 <<<"$inferred"
	} | grep -E '^[0-9]+$' | sort -n -u)"
	while IFS= read -r pk; do
		[[ -n "$pk" ]] || continue
		echo "### $(page_name "$pk") pages"
		echo
		pick="$(tlb_pick "$pk")"
		if [[ -z "$pick" ]]; then
			echo "No curve to read: no spread or spread4k layout was probed on $(page_name "$pk") pages."
			echo
			continue
		fi
		bk="${pick%%|*}"
		lay="${pick#*|}"
		echo "Inferred from the $bk backing, layout $lay ($(layout_said "$lay"))."
		echo
		echo "| level | inferred entries | CPUID declares | ${who//|/\\|} publishes | inferred vs published | miss cost, ns per load | miss cost, cycles | confidence |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		local ramp=""
		for lvl in 1 2; do
			row="$(awk -F'\037' -v b="$bk" -v l="$lay" -v lv="$lvl" '$1 == b && $3 == l && $4 == lv { print; exit }' <<<"$inferred")"
			IFS=$'\x1f' read -r _ _ _ _ _ e ns cy conf knee mid end start <<<"$row"
			start="${start:-$knee}"
			IFS=$'\x1f' read -r de da <<<"$(geom_at "$declared" "$pk" "$lvl")"
			IFS=$'\x1f' read -r pe pa <<<"$(geom_at "$published" "$pk" "$lvl")"
			vs=""
			if is_uint "$e" && is_uint "$pe"; then
				vs="$(awk -v a="$e" -v b="$pe" 'BEGIN { if (a == b) print "0%"; else printf "%+.1f%%", (a - b) * 100 / b }')"
			fi
			if [[ -z "$row" ]]; then
				e="not found"
				if [[ -f "$tlbcsv" ]]; then
					e="$e$(awk -F, -v b="$bk" -v l="$lay" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
						$c["backing"] == b && $c["layout"] == l && $c["pages"] + 0 > max { max = $c["pages"] + 0 }
						END { if (max) printf " (probed up to %d pages)", max }' "$tlbcsv")"
				fi
				ns="" cy="" conf=""
			fi
			de="$(entries_said "$de" "$da" "${dwhy:+hidden}")"
			de="${de:-unknown}"
			if awk -F'\037' -v pk="$pk" -v lv="$lvl" '$1 == pk && $2 == lv && $5 == "disagree" { f = 1 } END { exit !f }' <<<"$dvp"; then
				de="**$de**, disagrees"
			fi
			echo "| L$lvl | $e | $de | $(entries_said "$pe" "$pa" "not published") | $vs | $(num "$ns" 2) | $(num "$cy" 1) | $(num "$conf" 2) |"
			if [[ -n "$row" ]] && awk -v k="$knee" -v s="$start" 'BEGIN { exit !(k > s * 1.02) }'; then
				ramp="$ramp The L$lvl step is a wide ramp: it starts at $(num "$start" 0) pages, is half done by $(num "$mid" 0) and complete by $(num "$end" 0). A hashed or shared TLB loses entries before its capacity and keeps some after it, so the capacity is read 30% of the way up ($(num "$knee" 0))."
			elif [[ -n "$row" ]] && awk -v k="$start" -v e="$end" 'BEGIN { exit !(e > k * 1.1) }'; then
				ramp="$ramp The L$lvl step starts at $(num "$start" 0) pages, is half done by $(num "$mid" 0) and complete by $(num "$end" 0): a set-associative TLB fills set by set past its capacity, so the capacity is where the step starts."
			fi
		done
		echo
		if [[ -n "$ramp" ]]; then
			echo "${ramp# }"
			echo
		fi
		if [[ "$pk" != 4 && "$(huge_verdict "$bk" "$pk")" == splintered ]]; then
			echo "$bk is splintered into 4K TLB entries (see below): with the lines spread over its 4K sub-pages, the entries counted here are 4K ones, so they match the 4K L1 DTLB rather than the published $(page_name "$pk") figure."
			echo
		fi
		local others
		others="$(awk -F'\037' -v pk="$pk" -v b="$bk" -v l="$lay" '
			$2 == pk && !($1 == b && $3 == l) && ($4 == 1 || $4 == 2) {
				printf "%s%s %s: L%s %s (%.2f ns)", n++ ? "; " : "", $1, $3, $4, $6, $7
			}' <<<"$inferred")"
		if [[ -n "$others" ]]; then
			echo "Other $(page_name "$pk") curves: $others."
			echo
		fi
	done <<<"$pks"

	# CPUID against the published geometry, or why it says nothing.
	if [[ -n "$dwhy" ]]; then
		echo "CPUID declares no data TLB here: $dwhy. The published figures come from pagewalk's table, the inferred ones from timing."
		echo
	fi
	if [[ -z "$model" ]]; then
		echo "Published geometry: ${source:-none}; CPUID's claims cannot be checked against it."
	elif [[ "${nrd:-0}" == 0 ]]; then
		echo "CPUID agrees with the geometry published for $model on the number of entries wherever both give a value."
	else
		echo "**CPUID disagrees with the geometry published for $model** on the number of entries ($nrd entr$([[ "$nrd" == 1 ]] && echo y || echo ies)):"
		echo
		awk -F'\037' '$5 == "disagree" { print "- " $6 "." }' <<<"$dvp"
		echo
		local hv
		hv="$(m hypervisor_cpuid)"
		echo "In a virtual machine CPUID can lie${hv:+ (this one runs under \"$hv\")}: trust the measured entries over the declared ones."
	fi
	# Same number of entries, different ways: not a disagreement on capacity.
	local adiff
	if [[ -n "$model" ]]; then
		adiff="$(assoc_differs "$declared" "$published")"
		if [[ -n "$adiff" ]]; then
			echo
			echo "Associativity differs where the number of entries agrees (the same capacity, so no disagreement on it):"
			echo
			echo "$adiff"
		fi
	fi
	local silent
	silent="$(awk -F'\037' -v pks="${pks//$'\n'/ }" '
		function unknown(x) { return x == "" || x == -1 }
		BEGIN { n = split(pks, p, " "); for (i = 1; i <= n; i++) probed[p[i]] = 1; n = 0 }
		$5 == "unknown" && ($1 in probed) && !(unknown($3) && unknown($4)) { printf "%s%s", n++ ? "; " : "", $6 }' <<<"$dvp")"
	if [[ -n "$silent" ]]; then
		echo
		echo "Where one side gives nothing: $silent."
	fi
	echo
	if [[ -n "$model" ]]; then
		echo "Published figures: $model, from ${source:-an unnamed source}${pnote:+ ($pnote)}."
		echo
	fi

	# Huge pages: do they get huge TLB entries?
	local huge v why
	huge="$(json_objects "$tlbjson" huge_tlb_entries backing page_kb verdict why layout spread_layout)"
	if [[ -n "$huge" ]]; then
		echo "What huge pages get in the TLB, judged per huge backing from the curve with every probe line in the first 4K of its huge page (a real huge entry covers the whole page, 4K-granular ones fill the TLB's sets by 4K page) and the one with the lines spread over the 4K sub-pages, against the 4K curve:"
		echo
		while IFS=$'\x1f' read -r b pk v why lay slay; do
			# why opens with the verdict in words ("thp is splintered ...",
			# "undecided: ..."); v is the token it was written from.
			echo "- **$b** ($(page_name "$pk") pages; verdict $v; layouts $lay${slay:+ and $slay}): $why."
		done <<<"$huge"
		echo
	elif printf '%s\n' "${tlb_fits[@]}" | awk -F'\037' '$2 > 4 { f = 1 } END { exit !f }'; then
		echo "Huge TLB entries: no verdict (no huge backing has a complete subpage0 or spread curve)."
		echo
	fi

	# The passes around the knees, and how many the quiet check turned away.
	local rpass rdist
	rpass="$(json_get "$tlbjson" refine.passes)"
	rdist="$(json_get "$tlbjson" refine.passes_disturbed)"
	[[ "$rdist" == 0 ]] && rdist=""
	if [[ -n "$rpass" ]]; then
		echo "Knees were probed again at every page count around them in $rpass pass(es), each count keeping its lowest delta.${rdist:+ $rdist pass(es) were skipped because the TLB was disturbed at the time (the 4K probe at 90% of its L1 knee cost more than a quarter of an L2-TLB hit: a busy SMT sibling or the host).}"
		echo
	fi

	# Steps that are no TLB level, notes, curves without a fit.
	local steps
	steps="$(awk -F'\037' '$4 == "" && $2 != "" {
		printf "- %s %s at %s pages: %+.2f ns per load (%.1f cycles), confidence %.2f: %s.\n", $1, $3, $6, $7, $8, $9, $5
	}' <<<"$inferred")"
	if [[ -n "$steps" ]]; then
		echo "Other steps (no TLB level):"
		echo
		echo "$steps"
		echo
	fi
	local notes
	notes="$(json_strings "$tlbjson" notes | sed 's/^/- /')"
	# A curve the huge-page verdict read directly needs no fitted level.
	local decided
	decided="$(json_objects "$tlbjson" huge_tlb_entries backing verdict | awk -F'\037' '$2 != "unknown" { print $1 }')"
	notes+="$(printf '%s\n' "${tlb_fits[@]}" | awk -F'\037' -v decided="$decided" '
		BEGIN { n = split(decided, d, "\n"); for (i = 1; i <= n; i++) ok[d[i]] = 1 }
		$6 != "" && !(($1 in ok) && ($3 == "spread" || $3 == "subpage0")) { printf "\n- %s %s: %s", $1, $3, $6 }')"
	notes="${notes#$'\n'}"
	if [[ -n "$notes" ]]; then
		echo "Notes:"
		echo
		echo "$notes"
		echo
	fi
	if [[ -f "$dir/plots/tlbprobe.png" ]]; then
		echo "![translation cost per load vs pages touched, per backing and layout, with the inferred, declared and published entries marked](plots/tlbprobe.png)"
		echo
	fi
}

section_plots() {
	local have=()
	[[ -f "$dir/plots/latency.png" ]] && have+=("latency")
	[[ -f "$dir/plots/thp_vs_4k.png" ]] && have+=("thp_vs_4k")
	[[ -f "$dir/plots/counters.png" ]] && have+=("counters")
	[[ ${#have[@]} -gt 0 ]] || return 0
	echo "## Plots"
	echo
	local p
	for p in "${have[@]}"; do
		case "$p" in
		latency) echo "![ns per load vs footprint, per backing and pattern, caches and TLB reach marked](plots/latency.png)" ;;
		thp_vs_4k) echo "![4k and thp at rand stride 64, and their per-round ratio with its 95% interval](plots/thp_vs_4k.png)" ;;
		counters) echo "![hardware counters per load (TLB misses, STLB hits, walks, walk cycles) vs footprint at rand stride 64](plots/counters.png)" ;;
		esac
		echo
	done
}

section_howto() {
	cat <<'TEXT'
## How to read

Each point is a dependent pointer chase: every load's address comes from the
previous load, so ns per load is the latency of one access, cache misses and
TLB misses included. Latency climbs in steps as the footprint outgrows L1, L2
and L3; where the 4k curve rises above the huge-page curve at the same
footprint, the difference is address translation (TLB misses and page walks),
since both walk the same chain with the same cache behaviour. The ratio a/b
is taken per interleaved round, so host noise hits both backings alike; its
95% interval is a sign-test interval of the median ratio. "X slower" means
the interval excludes 1 on X's side, "no difference" that it lies within 5%
of 1 (the tool's resolution), and "cannot decide" that it straddles 1 and is
wider than that: more rounds or a quieter host would tell. Fewer than 6
rounds can never give a 95% verdict: the interval is then just the min-max,
and with no real difference every round still falls on one side of 1 by
chance at least 6.25% of the time, so such rows count as "cannot decide".
What the interval covers: the rounds of this run, on these buffers. Noise
that hits every backing alike cancels in the ratio; a second run samples
other physical pages and another moment of a shared host, which it does not
cover. Between two back-to-back full runs on an Emerald Rapids guest, the
medians beyond L1 moved 5% (p90 17%), nearly all of it common to every
backing at a point (with that common factor divided out, 1.1%, p90 5.6%),
so ratios hold better than absolute latencies; compare runs with
`./pagewalk compare`. Before each timed repetition every page of the
footprint is touched once, untimed, so the caches of its page-table entries
refill outside the timed window (`warm_ms` in chase.csv).
TLB reach lines come from CPUID, which a hypervisor can falsify: trust the
measured knees over them.
TEXT
}

{
	section_title
	section_machine
	section_buffers
	section_plateaus
	section_compare
	section_tlb
	section_plots
	section_howto
} >"$tmp" || {
	echo "$prog: cannot write $tmp" >&2
	exit 1
}
if ! mv -f "$tmp" "$out"; then
	echo "$prog: cannot write $out" >&2
	exit 1
fi
echo "$prog: wrote $out" >&2
