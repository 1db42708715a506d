#!/usr/bin/env bash
# Plot a pagewalk run directory with gnuplot: ns per load vs footprint per
# series with caches and TLB reach marked (plots/latency.{png,svg}), and thp
# vs 4k at rand stride 64 with the paired ratio (plots/thp_vs_4k.{png,svg}).
# The per-series data files it plots are kept in plots/data/.
set -euo pipefail

prog="plot.sh"

usage() {
	cat <<USAGE
usage: scripts/plot.sh [--help] DIR

Read DIR/chase.csv, DIR/compare.csv and DIR/meta.json (a pagewalk run
directory) and write DIR/plots/latency.png + .svg and DIR/plots/thp_vs_4k.png
+ .svg with gnuplot. A plot whose data is absent is skipped with a note on
stderr. The data files behind the plots are kept in DIR/plots/data/.

Exit codes: 0 done (possibly with plots skipped), 1 gnuplot failed, 2 bad
usage, 4 gnuplot is missing.
USAGE
}

bad() {
	echo "$prog: $*" >&2
	exit 2
}

note() {
	echo "$prog: $*" >&2
}

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# gp_str TEXT: TEXT as a double-quoted gnuplot string.
gp_str() {
	local s="$1"
	s="${s//\\/\\\\}"
	s="${s//\"/\\\"}"
	printf '"%s"' "$s"
}

# Colours per backing, in a fixed order; unknown backings take the spares.
known_backings=(4k thp hugetlb2m hugetlb1g)
palette=("#1f66b4" "#d62728" "#2ca02c" "#9467bd" "#ff7f0e" "#8c564b" "#e377c2" "#17becf" "#7f7f7f" "#bcbd22")
# Point types per (pattern, stride, stagger) variant: filled circle, square, triangles, diamond.
point_types=(7 5 9 11 13 15)

# backing_rank NAME: its index in the fixed order, else after it in order of
# first appearance (spares assigned on demand).
declare -A rank_of=()
next_rank=${#known_backings[@]}
for i in "${!known_backings[@]}"; do
	rank_of["${known_backings[$i]}"]="$i"
done
backing_rank() {
	if [[ -z "${rank_of[$1]+x}" ]]; then
		rank_of["$1"]="$next_rank"
		next_rank=$((next_rank + 1))
	fi
	echo "${rank_of[$1]}"
}
backing_colour() {
	local r
	r="$(backing_rank "$1")"
	echo "${palette[$((r % ${#palette[@]}))]}"
}

dir=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--help | -h)
		usage
		exit 0
		;;
	--) shift; break ;;
	-*) bad "unknown option '$1' (usage: plot.sh DIR)" ;;
	*)
		[[ -z "$dir" ]] || bad "one run directory only (usage: plot.sh DIR)"
		dir="$1"
		;;
	esac
	shift
done
if [[ $# -gt 0 ]]; then
	[[ -z "$dir" && $# -eq 1 ]] || bad "one run directory only (usage: plot.sh DIR)"
	dir="$1"
fi
[[ -n "$dir" ]] || bad "missing run directory (usage: plot.sh DIR)"
[[ -d "$dir" ]] || bad "DIR '$dir': not a directory"

if ! command -v gnuplot >/dev/null 2>&1; then
	echo "$prog: gnuplot is missing; install it with: apt-get install -y gnuplot-nox" >&2
	exit 4
fi

chase="$dir/chase.csv"
compare="$dir/compare.csv"
meta="$dir/meta.json"
plots="$dir/plots"
data="$plots/data"
mkdir -p "$data"
# Only what this script wrote last time: stale series must not linger.
rm -f "$data"/lat_*.dat "$data"/pair_*.dat "$data"/ratio_*.dat "$data"/*.gp

[[ -f "$meta" ]] || note "no $meta: plotting without cache sizes, TLB reach or CPU name"
meta_get() {
	if [[ -f "$meta" ]]; then json_get "$meta" "$1"; fi
}
cpu_model="$(meta_get cpu_model)"
host="$(meta_get host)"
status="$(meta_get status)"
l1d="$(meta_get l1d_bytes)"
l2="$(meta_get l2_bytes)"
l3="$(meta_get l3_bytes)"

# Split chase.csv into one file per series; columns found by header name.
# Index lines: file, backing, pattern, stride, stagger.
split_chase() {
	[[ -f "$chase" ]] || return 0
	awk -F, -v dir="$data" '
	function safe(s) { gsub(/[^A-Za-z0-9_.-]/, "_", s); return s }
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		sub(/\r$/, "")
		fp = $c["footprint_bytes"]; ns = $c["ns_median"]
		if (fp !~ /^[0-9]+$/ || ns == "") next
		st = $c["stagger"] + 0
		key = $c["backing"] SUBSEP $c["pattern"] SUBSEP $c["stride_bytes"] SUBSEP st
		if (!(key in file)) {
			file[key] = "lat_" safe($c["backing"]) "_" safe($c["pattern"]) "_" \
				safe($c["stride_bytes"]) "_" (st ? "stagger" : "plain") ".dat"
			printf "%s,%s,%s,%s,%s\n", file[key], $c["backing"], $c["pattern"], $c["stride_bytes"], st
			print "# footprint_bytes ns_median ns_min ns_p90 cycles_per_load" > (dir "/" file[key])
		}
		lo = $c["ns_min"]; hi = $c["ns_p90"]
		printf "%s %s %s %s %s\n", fp, ns, lo == "" ? ns : lo, hi == "" ? ns : hi, \
			$c["cycles_per_load"] == "" ? "NaN" : $c["cycles_per_load"] >> (dir "/" file[key])
	}' "$chase"
}

# Split compare.csv rows for rand stride 64 unstaggered, one file per
# (backing_a, backing_b). Index lines: file, backing_a, backing_b.
split_compare() {
	[[ -f "$compare" ]] || return 0
	awk -F, -v dir="$data" '
	function safe(s) { gsub(/[^A-Za-z0-9_.-]/, "_", s); return s }
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		sub(/\r$/, "")
		if ($c["pattern"] != "rand" || $c["stride_bytes"] != 64 || $c["stagger"] + 0 != 0) next
		fp = $c["footprint_bytes"]; r = $c["ratio_median"]
		if (fp !~ /^[0-9]+$/ || r == "") next
		key = $c["backing_a"] SUBSEP $c["backing_b"]
		if (!(key in file)) {
			file[key] = "ratio_" safe($c["backing_a"]) "_" safe($c["backing_b"]) ".dat"
			printf "%s,%s,%s\n", file[key], $c["backing_a"], $c["backing_b"]
			print "# footprint_bytes ratio_median ratio_lo ratio_hi decided nr_rounds" > (dir "/" file[key])
		}
		lo = $c["ratio_lo"]; hi = $c["ratio_hi"]
		decided = $c["verdict"] ~ / slower$/ ? 1 : 0
		printf "%s %s %s %s %d %s\n", fp, r, lo == "" ? r : lo, hi == "" ? r : hi, \
			decided, $c["nr_rounds"] >> (dir "/" file[key])
	}' "$compare"
}

sort_data() {
	local f
	for f in "$@"; do
		{ head -n 1 "$data/$f" && tail -n +2 "$data/$f" | sort -n -k1,1; } >"$data/$f.tmp.sort"
		mv "$data/$f.tmp.sort" "$data/$f"
	done
}

lat_index="$(split_chase)"
ratio_index="$(split_compare)"

# Series records "rank|pattern|stride|stagger|file|backing", sorted by the
# fixed backing order, then pattern, stride, stagger.
series=()
variants=()
fp_min=""
fp_max=""
if [[ -n "$lat_index" ]]; then
	while IFS=, read -r f b p s g; do
		sort_data "$f"
		series+=("$(backing_rank "$b")|$p|$s|$g|$f|$b")
	done <<<"$lat_index"
	mapfile -t series < <(printf '%s\n' "${series[@]}" | sort -t'|' -k1,1n -k2,2 -k3,3n -k4,4n)
	mapfile -t variants < <(printf '%s\n' "${series[@]}" | cut -d'|' -f2-4 | sort -t'|' -k1,1 -k2,2n -k3,3n -u)
	read -r fp_min fp_max < <(cat "$data"/lat_*.dat | awk '!/^#/ {
		if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 } END { print min, max }')
fi
ratios=()
if [[ -n "$ratio_index" ]]; then
	while IFS=, read -r f a b; do
		sort_data "$f"
		ratios+=("$(backing_rank "$b")|$f|$a|$b")
		if [[ -z "$fp_min" ]]; then
			read -r fp_min fp_max < <(awk '!/^#/ { if (min == "" || $1 < min) min = $1
				if ($1 > max) max = $1 } END { print min, max }' "$data/$f")
		fi
	done <<<"$ratio_index"
	mapfile -t ratios < <(printf '%s\n' "${ratios[@]}" | sort -t'|' -k1,1n)
fi

# variant_index "pattern|stride|stagger": its place among the variants.
variant_index() {
	local i
	for i in "${!variants[@]}"; do
		if [[ "${variants[$i]}" == "$1" ]]; then
			echo "$i"
			return
		fi
	done
	echo 0
}

series_title() {
	local b="$1" p="$2" s="$3" g="$4" t
	t="$b $p stride $(human "$s")"
	[[ "$g" == 1 ]] && t="$t stagger"
	echo "$t"
}

# Common axes: log2 footprint with tick labels every 1, 2 or 4 octaves.
x_lo=""
x_hi=""
gp_xaxis() {
	x_lo="$(awk -v v="$fp_min" 'BEGIN { printf "%.0f", v / 1.15 }')"
	x_hi="$(awk -v v="$fp_max" 'BEGIN { printf "%.0f", v * 1.15 }')"
	local tics
	tics="$(awk -v lo="$fp_min" -v hi="$fp_max" 'BEGIN {
		a = int(log(lo) / log(2) + 0.999); b = int(log(hi) / log(2) + 1e-9)
		span = b - a; step = span <= 8 ? 1 : span <= 16 ? 2 : 4
		split("B K M G T P", u, " ")
		s = ""
		for (e = a; e <= b; e++) {
			if (e < 0 || (e - a) % step) continue
			lab = sprintf("%d%s", 2 ^ (e % 10), u[int(e / 10) + 1])
			s = s (s == "" ? "" : ", ") sprintf("\"%s\" %.0f", lab, 2 ^ e)
		}
		print s
	}')"
	cat <<GP
set logscale x 2
set xrange [$x_lo:$x_hi]
set xtics ($tics)
set mxtics default
set xlabel "footprint (bytes, log2)"
GP
}

# Markers "bytes|label|kind": caches and TLB reach (entries x page size) of
# levels 1 and 2 as CPUID declares them; those outside the data are listed.
markers=()
offscale=()
collect_markers() {
	local name bytes
	for name in "L1d:$l1d" "L2:$l2" "L3:$l3"; do
		bytes="${name#*:}"
		is_uint "$bytes" || continue
		markers+=("$bytes|${name%%:*} $(human "$bytes")|cache")
	done
	[[ -f "$meta" ]] || return 0
	local pkb lvl ent ps label
	while IFS=$'\x1f' read -r pkb lvl ent; do
		if ! is_uint "$ent" || ! is_uint "$pkb"; then continue; fi
		[[ "$lvl" == 1 || "$lvl" == 2 ]] || continue
		bytes=$((ent * pkb * 1024))
		ps="$(human $((pkb * 1024)))"
		label="L$lvl TLB ${ps%B} reach (CPUID) $(human "$bytes")"
		markers+=("$bytes|$label|tlb")
	done < <(json_objects "$meta" tlb_declared page_kb level entries)
}

# gp_yaxis FILE...: a log y axis spanning ns_min..ns_p90 of the lat_ files,
# ticks at 1-2-5 steps; sets y_lo and y_hi for gp_markers.
y_lo=""
y_hi=""
gp_yaxis() {
	read -r y_lo y_hi < <(cd "$data" && cat "$@" | awk '!/^#/ {
		if (lo == "" || $3 < lo) lo = $3; if ($4 > hi) hi = $4 }
		END { if (lo <= 0) lo = 0.1; printf "%.4g %.4g\n", lo / 1.25, hi * 1.4 }')
	local tics
	tics="$(awk -v lo="$y_lo" -v hi="$y_hi" 'BEGIN {
		s = ""; split("1 2 5", m, " ")
		for (e = int(log(lo) / log(10)) - 1; 10 ^ e <= hi; e++)
			for (i = 1; i <= 3; i++) {
				v = m[i] * 10 ^ e
				if (v >= lo && v <= hi) s = s (s == "" ? "" : ", ") sprintf("%g", v)
			}
		print s
	}')"
	cat <<GP
set logscale y 10
set yrange [$y_lo:$y_hi]
set ytics ($tics)
set mytics 10
GP
}

# gp_markers LABELS FILE...: arrows for the markers inside the data range
# (and, when LABELS is 1, rotated labels at the top or the bottom, whichever
# the lat_ FILEs leave freer there); fills offscale with the others.
gp_markers() {
	local with_labels="$1" m bytes label kind col dt n=0 where
	shift
	offscale=()
	for m in "${markers[@]}"; do
		IFS='|' read -r bytes label kind <<<"$m"
		if ((bytes < fp_min || bytes > fp_max)); then
			offscale+=("$label")
			continue
		fi
		n=$((n + 1))
		if [[ "$kind" == cache ]]; then col="#505050" dt=2; else col="#d06000" dt=4; fi
		echo "set arrow $n from $bytes, graph 0 to $bytes, graph 1 nohead lc rgb \"$col\" lw 1.2 dt $dt back"
		[[ "$with_labels" == 1 ]] || continue
		where="$(cd "$data" && cat "$@" | awk -v x="$bytes" -v lo="$y_lo" -v hi="$y_hi" '
			!/^#/ && $1 >= x / 1.7 && $1 <= x * 1.7 {
				if (dmin == "" || $3 < dmin) dmin = $3; if ($4 > dmax) dmax = $4 }
			END {
				if (dmin == "") { print "top"; exit }
				r = log(hi / lo)
				print (log(hi / dmax) / r >= log(dmin / lo) / r) ? "top" : "bottom"
			}')"
		if [[ "$where" == top ]]; then
			echo "set label $n $(gp_str "$label") at $bytes, graph 0.985 right rotate by 90 offset character -1.2, 0 tc rgb \"$col\" font \",9\" front"
		else
			echo "set label $n $(gp_str "$label") at $bytes, graph 0.015 left rotate by 90 offset character -1.2, 0 tc rgb \"$col\" font \",9\" front"
		fi
	done
}

run_gnuplot() {
	local name="$1" rc=0
	(cd "$data" && gnuplot "$name.gp") || rc=$?
	if [[ $rc -ne 0 ]]; then
		rm -f "$plots/$name.png" "$plots/$name.svg"
		echo "$prog: gnuplot failed on $data/$name.gp (exit $rc)" >&2
		return 1
	fi
	echo "$prog: wrote $plots/$name.png and $plots/$name.svg" >&2
}

# gp_driver NAME: the terminals; the body is NAME_body.gp, loaded twice.
gp_driver() {
	cat <<GP
set terminal pngcairo size 1200,800 enhanced font "sans,11" background "#ffffff"
set output "../$1.png"
load "$1_body.gp"
unset output
set terminal svg size 1200,800 dynamic enhanced font "sans,11" background "#ffffff"
set output "../$1.svg"
load "$1_body.gp"
unset output
GP
}

machine_line="${cpu_model:-unknown CPU}${host:+ on $host}"
[[ -n "$status" && "$status" != complete ]] && machine_line="$machine_line ($status run: partial data)"

plot_latency() {
	if [[ ${#series[@]} -eq 0 ]]; then
		note "skipping latency: no rows in $chase"
		rm -f "$plots/latency.png" "$plots/latency.svg"
		return 0
	fi
	local body="$data/latency_body.gp" s r p st g f b col v elems=() titles=() files=() t off
	for s in "${series[@]}"; do
		files+=("$(cut -d'|' -f5 <<<"$s")")
	done
	{
		echo "reset"
		echo "set termoption noenhanced"
		gp_xaxis
		gp_yaxis "${files[@]}"
		echo "set ylabel \"ns per load (line: median; band: min to p90)\""
		echo "set grid xtics ytics lc rgb \"#dddddd\" lw 1"
		echo "set key below horizontal maxcols 4 width 2 samplen 3"
		echo "set lmargin 10"
		echo "set rmargin 4"
		gp_markers 1 "${files[@]}"
		t="$(gp_str "ns per load vs footprint: $machine_line")"
		if [[ ${#offscale[@]} -gt 0 ]]; then
			off="$(printf '%s; ' "${offscale[@]}")"
			t="$t.\"\\n\".$(gp_str "outside the measured range: ${off%; }")"
		fi
		echo "set title $t"
		for s in "${series[@]}"; do
			IFS='|' read -r r p st g f b <<<"$s"
			col="$(backing_colour "$b")"
			v="$(variant_index "$p|$st|$g")"
			elems+=("\"$f\" using 1:3:4 with filledcurves fc rgb \"$col\" fs transparent solid 0.12 noborder notitle")
			t="$(series_title "$b" "$p" "$st" "$g")"
			titles+=("\"$f\" using 1:2 with linespoints lc rgb \"$col\" lw 1.8 dt $((v + 1)) pt ${point_types[$((v % ${#point_types[@]}))]} ps 0.7 title $(gp_str "$t")")
		done
		local IFS=","
		echo "plot ${elems[*]}, ${titles[*]}"
	} >"$body"
	gp_driver latency >"$data/latency.gp"
	run_gnuplot latency
}

plot_pair() {
	local pair=() s r p st g f b
	for s in "${series[@]}"; do
		IFS='|' read -r r p st g f b <<<"$s"
		[[ "$p" == rand && "$st" == 64 && "$g" == 0 ]] && pair+=("$s")
	done
	if [[ ${#pair[@]} -eq 0 && ${#ratios[@]} -eq 0 ]]; then
		note "skipping thp_vs_4k: no rand stride-64 rows in $chase or $compare"
		rm -f "$plots/thp_vs_4k.png" "$plots/thp_vs_4k.svg"
		return 0
	fi
	[[ ${#ratios[@]} -gt 0 ]] || note "thp_vs_4k: no rand stride-64 ratios ($compare missing or without them): latency panel only"
	[[ ${#pair[@]} -gt 0 ]] || note "thp_vs_4k: no rand stride-64 rows in $chase: ratio panel only"
	local body="$data/thp_vs_4k_body.gp" col elems=() files=() a t top=0.93 split=0.42 IFS=" "
	for s in "${pair[@]}"; do
		files+=("$(cut -d'|' -f5 <<<"$s")")
	done
	[[ ${#pair[@]} -eq 0 ]] && split=0.93
	[[ ${#ratios[@]} -eq 0 ]] && split=0.08
	{
		echo "reset"
		echo "set termoption noenhanced"
		t="rand chase, stride 64: backings side by side"
		[[ ${#ratios[@]} -gt 0 ]] && t="$t and their per-round ratio"
		echo "set multiplot title $(gp_str "$t: $machine_line")"
		gp_xaxis
		echo "set grid xtics ytics lc rgb \"#dddddd\" lw 1"
		echo "set lmargin at screen 0.08"
		echo "set rmargin at screen 0.97"
		if [[ ${#pair[@]} -gt 0 ]]; then
			echo "set tmargin at screen $top"
			echo "set bmargin at screen $(awk -v s="$split" 'BEGIN { print s + 0.06 }')"
			gp_yaxis "${files[@]}"
			[[ ${#ratios[@]} -gt 0 ]] && echo "unset xlabel"
			echo "set ylabel \"ns per load (median; band: min to p90)\""
			echo "set key top left box opaque"
			gp_markers 1 "${files[@]}"
			elems=()
			for s in "${pair[@]}"; do
				IFS='|' read -r r p st g f b <<<"$s"
				col="$(backing_colour "$b")"
				elems+=("\"$f\" using 1:3:4 with filledcurves fc rgb \"$col\" fs transparent solid 0.15 noborder notitle")
				elems+=("\"$f\" using 1:2 with linespoints lc rgb \"$col\" lw 1.8 pt 7 ps 0.6 title $(gp_str "$b")")
			done
			(
				IFS=","
				echo "plot ${elems[*]}"
			)
			echo "unset label"
			echo "unset arrow"
			echo "unset logscale y"
			echo "set yrange [*:*]"
			echo "set ytics autofreq"
			echo "set mytics default"
			echo "set xlabel \"footprint (bytes, log2)\""
		fi
		if [[ ${#ratios[@]} -gt 0 ]]; then
			echo "set tmargin at screen $split"
			echo "set bmargin at screen 0.08"
			echo "unset title"
			echo "set ylabel \"ratio a/b per round (median, 95% interval)\""
			echo "set key top left box opaque"
			echo "set arrow 99 from graph 0, first 1 to graph 1, first 1 nohead lc rgb \"#000000\" lw 1.5 front"
			gp_markers 0
			elems=()
			for s in "${ratios[@]}"; do
				IFS='|' read -r r f a b <<<"$s"
				col="$(backing_colour "$b")"
				elems+=("\"$f\" using 1:2:3:4 with yerrorlines lc rgb \"$col\" lw 1.5 pt 6 ps 0.7 title $(gp_str "$a/$b (> 1: $b faster)")")
				t="notitle"
				[[ ${#elems[@]} -eq 1 ]] && t="title \"filled: the verdict says they differ\""
				elems+=("\"$f\" using 1:(\$5 > 0 ? \$2 : NaN) with points lc rgb \"$col\" pt 7 ps 1.3 $t")
			done
			(
				IFS=","
				echo "plot ${elems[*]}"
			)
		fi
		echo "unset multiplot"
	} >"$body"
	gp_driver thp_vs_4k >"$data/thp_vs_4k.gp"
	run_gnuplot thp_vs_4k
}

collect_markers
rc=0
plot_latency || rc=1
plot_pair || rc=1
exit "$rc"
