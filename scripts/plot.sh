#!/usr/bin/env bash
# Plot a pagewalk run directory with gnuplot: ns per load vs footprint per
# series with caches and TLB reach marked (plots/latency.{png,svg}), thp vs
# 4k at rand stride 64 with the paired ratio (plots/thp_vs_4k.{png,svg}),
# tlbprobe's translation cost per load vs pages touched with the inferred,
# declared and published TLB entries marked (plots/tlbprobe.{png,svg}), and
# the hardware counters per load when any were counted
# (plots/counters.{png,svg}). The data files it plots are kept in
# plots/data/.
set -euo pipefail

prog="plot.sh"

usage() {
	cat <<USAGE
usage: scripts/plot.sh [--help] DIR

Read DIR/chase.csv, DIR/compare.csv, DIR/meta.json, DIR/tlbprobe.csv and
DIR/tlb.json (a pagewalk run directory) and write with gnuplot, each as .png
and .svg in DIR/plots/: latency, thp_vs_4k, tlbprobe (when tlbprobe ran) and
counters (when chase.csv has hardware counter columns filled). A plot whose
data is absent is skipped with a note on stderr. The data files behind the
plots are kept in DIR/plots/data/.

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
tlbcsv="$dir/tlbprobe.csv"
tlbjson="$dir/tlb.json"
plots="$dir/plots"
data="$plots/data"
mkdir -p "$data"
# Only what this script wrote last time: stale series must not linger.
rm -f "$data"/lat_*.dat "$data"/pair_*.dat "$data"/ratio_*.dat "$data"/tp_*.dat "$data"/cnt_*.dat "$data"/*.gp

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
		decided = $c["verdict"] ~ /_slower$/ ? 1 : 0
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

# Common axes: log2 x with tick labels every 1, 2 or 4 octaves. gp_xaxis
# [LO HI LABEL UNITS]: LO..HI (default the footprints), labelled LABEL; with
# UNITS "count" the ticks are plain numbers, else bytes (4K, 1M).
x_lo=""
x_hi=""
gp_xaxis() {
	local lo="${1:-$fp_min}" hi="${2:-$fp_max}" label="${3:-footprint (bytes, log2)}" units="${4:-bytes}"
	x_lo="$(awk -v v="$lo" 'BEGIN { printf "%.0f", v / 1.15 }')"
	x_hi="$(awk -v v="$hi" 'BEGIN { printf "%.0f", v * 1.15 }')"
	local tics
	tics="$(awk -v lo="$lo" -v hi="$hi" -v plain="$([[ "$units" == count ]] && echo 1 || echo 0)" 'BEGIN {
		a = int(log(lo) / log(2) + 0.999); b = int(log(hi) / log(2) + 1e-9)
		span = b - a; step = span <= 8 ? 1 : span <= 16 ? 2 : 4
		split("B K M G T P", u, " ")
		s = ""
		for (e = a; e <= b; e++) {
			if (e < 0 || (e - a) % step) continue
			lab = plain ? sprintf("%.0f", 2 ^ e) : sprintf("%d%s", 2 ^ (e % 10), u[int(e / 10) + 1])
			s = s (s == "" ? "" : ", ") sprintf("\"%s\" %.0f", lab, 2 ^ e)
		}
		print s
	}')"
	cat <<GP
set logscale x 2
set xrange [$x_lo:$x_hi]
set xtics ($tics)
set mxtics default
set xlabel $(gp_str "$label")
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

# gp_yaxis FILE...: a log y axis spanning columns 3 to 4 (the band) of the
# data FILEs, ticks at 1-2-5 steps, the one at y_floor (when set: values
# clamped there) labelled "<= y_floor"; sets y_lo and y_hi for gp_markers.
y_lo=""
y_hi=""
y_floor=""
gp_yaxis() {
	read -r y_lo y_hi < <(cd "$data" && cat "$@" | awk '!/^#/ {
		if (lo == "" || $3 < lo) lo = $3; if ($4 > hi) hi = $4 }
		END { if (lo <= 0) lo = 0.1; printf "%.4g %.4g\n", lo / 1.25, hi * 1.4 }')
	local tics
	tics="$(awk -v lo="$y_lo" -v hi="$y_hi" -v floor="$y_floor" 'BEGIN {
		s = ""; split("1 2 5", m, " ")
		for (e = int(log(lo) / log(10)) - 1; 10 ^ e <= hi; e++)
			for (i = 1; i <= 3; i++) {
				v = sprintf("%g", m[i] * 10 ^ e)
				if (v + 0 < lo || v + 0 > hi) continue
				s = s (s == "" ? "" : ", ") (floor != "" && v == sprintf("%g", floor) ? "\"≤" v "\" " v : v)
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

# free_side X FILE...: "top" or "bottom", whichever the data FILEs (columns
# 3 and 4: the band) leave freer near X on the y_lo..y_hi axis (log unless
# y_log is 0).
y_log=1
free_side() {
	local x="$1"
	shift
	(cd "$data" && cat "$@") | awk -v x="$x" -v lo="$y_lo" -v hi="$y_hi" -v lg="$y_log" '
		function sc(v) { return lg ? log(v) : v }
		!/^#/ && $1 >= x / 1.7 && $1 <= x * 1.7 && $3 != "NaN" && $4 != "NaN" {
			if (dmin == "" || $3 < dmin) dmin = $3; if ($4 > dmax) dmax = $4 }
		END {
			if (dmin == "") { print "top"; exit }
			print (sc(hi) - sc(dmax) >= sc(dmin) - sc(lo)) ? "top" : "bottom"
		}'
}

# gp_vlabel N TEXT X SIDE COLOUR: label N, rotated, just left of the
# vertical line at X, from the top or the bottom (SIDE).
gp_vlabel() {
	local y=0.985 align=right
	if [[ "$4" != top ]]; then y=0.015 align=left; fi
	echo "set label $1 $(gp_str "$2") at $3, graph $y $align rotate by 90 offset character -1.2, 0 tc rgb \"$5\" font \",9\" front"
}

# gp_markers LABELS FILE...: arrows for the markers inside the data range
# (and, when LABELS is 1, rotated labels at the top or the bottom, whichever
# the data FILEs leave freer there); fills offscale with the others.
gp_markers() {
	local with_labels="$1" m bytes label kind col dt n=0
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
		gp_vlabel "$n" "$label" "$bytes" "$(free_side "$bytes" "$@")" "$col"
	done
}

# gp_title EXPR WHAT: "set title EXPR" (a gnuplot string expression), with
# a line naming the markers in offscale as outside WHAT.
gp_title() {
	local t="$1" off
	if [[ ${#offscale[@]} -gt 0 ]]; then
		off="$(printf '%s; ' "${offscale[@]}")"
		t="$t.\"\\n\".$(gp_str "outside $2: ${off%; }")"
	fi
	echo "set title $t"
}

# gp_band FILE COLOUR ALPHA: the band (columns 3 to 4) of a data file;
# gp_curve FILE COLOUR LW VARIANT PS TITLE: its median line, dash and point
# type by VARIANT.
gp_band() {
	echo "\"$1\" using 1:3:4 with filledcurves fc rgb \"$2\" fs transparent solid $3 noborder notitle"
}
gp_curve() {
	echo "\"$1\" using 1:2 with linespoints lc rgb \"$2\" lw $3 dt $(($4 + 1)) pt ${point_types[$(($4 % ${#point_types[@]}))]} ps $5 title $(gp_str "$6")"
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
		gp_title "$(gp_str "ns per load vs footprint: $machine_line")" "the measured range"
		for s in "${series[@]}"; do
			IFS='|' read -r r p st g f b <<<"$s"
			col="$(backing_colour "$b")"
			v="$(variant_index "$p|$st|$g")"
			elems+=("$(gp_band "$f" "$col" 0.12)")
			titles+=("$(gp_curve "$f" "$col" 1.8 "$v" 0.7 "$(series_title "$b" "$p" "$st" "$g")")")
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


# TLB probe. Deltas (probe - baseline, ns per load) at or below tp_floor,
# noise around zero and below, are drawn at tp_floor on the log axis.
tp_floor=0.05

# Split tlbprobe.csv into one file per (backing, layout): pages, delta
# median, p10, p90 (clamped at tp_floor), delta median as measured. A page
# count probed more than once (tlbprobe's passes around a knee) keeps the
# row with the lower delta, as tlb.json's fit does. Index lines: file,
# backing, page_kb, layout.
split_tlbprobe() {
	[[ -f "$tlbcsv" ]] || return 0
	awk -F, -v dir="$data" -v floor="$tp_floor" '
	function safe(s) { gsub(/[^A-Za-z0-9_.-]/, "_", s); return s }
	function clamp(v) { return v + 0 < floor ? floor : v }
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		sub(/\r$/, "")
		pg = $c["pages"]; d = $c["delta_ns"]
		if (pg !~ /^[0-9]+$/ || d == "") next
		key = $c["backing"] SUBSEP $c["layout"]
		if (!(key in file)) {
			file[key] = "tp_" safe($c["backing"]) "_" safe($c["layout"]) ".dat"
			printf "%s,%s,%s,%s\n", file[key], $c["backing"], $c["page_kb"], $c["layout"]
			print "# pages delta_ns delta_p10_ns delta_p90_ns delta_ns_raw" > (dir "/" file[key])
		}
		k = key SUBSEP pg
		if ((k in best) && best[k] + 0 <= d + 0) next
		if (!(k in best)) { ord[++n] = k; fk[k] = key }
		best[k] = d
		lo = $c["delta_p10_ns"]; hi = $c["delta_p90_ns"]
		row[k] = sprintf("%s %s %s %s %s", pg, clamp(d), clamp(lo == "" ? d : lo), \
			clamp(hi == "" ? d : hi), d)
	}
	END { for (i = 1; i <= n; i++) print row[ord[i]] >> (dir "/" file[fk[ord[i]]]) }' "$tlbcsv"
}

# layout_rank NAME, layout_desc NAME: their order and what they mean.
layout_rank() {
	case "$1" in
	spread) echo 0 ;;
	subpage0) echo 1 ;;
	spread4k) echo 2 ;;
	*) echo 3 ;;
	esac
}
layout_desc() {
	case "$1" in
	spread) echo "a line per page" ;;
	subpage0) echo "lines in 4K sub-page 0" ;;
	spread4k) echo "lines over the 4K sub-pages" ;;
	*) echo "$1" ;;
	esac
}

# tp_layouts_said: "spread = a line per page, ..." for the layouts plotted.
tp_layouts_said() {
	local s l said=""
	while IFS= read -r l; do
		said="$said${said:+, }$l = $(layout_desc "$l")"
	done < <(for s in "${tp_series[@]}"; do echo "${s#*|}"; done | sort -t'|' -k1,1n -k5,5 -u | cut -d'|' -f5)
	echo "$said"
}

# Series records "rank|layout rank|file|backing|page_kb|layout".
tp_series=()
tp_min=""
tp_max=""
declare -A tp_knees=()
collect_tlbprobe() {
	local index f b pk l
	index="$(split_tlbprobe)"
	[[ -n "$index" ]] || return 0
	while IFS=, read -r f b pk l; do
		sort_data "$f"
		tp_series+=("$(backing_rank "$b")|$(layout_rank "$l")|$f|$b|$pk|$l")
	done <<<"$index"
	mapfile -t tp_series < <(printf '%s\n' "${tp_series[@]}" | sort -t'|' -k1,1n -k2,2n -k6,6)
	read -r tp_min tp_max < <(cat "$data"/tp_*.dat | awk '!/^#/ {
		if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 } END { print min, max }')
	[[ -f "$tlbjson" ]] || return 0
	local lvl ent
	while IFS=$'\x1f' read -r b pk l lvl ent; do
		[[ "$lvl" == 1 || "$lvl" == 2 ]] || continue
		is_uint "$ent" || continue
		tp_knees["$b|$l"]="${tp_knees["$b|$l"]:+${tp_knees["$b|$l"]}, }L$lvl $ent"
	done < <(json_objects "$tlbjson" inferred backing page_kb layout level entries)
}

# tp_marker_list: "pages|level|source|colour" for the inferred knees of
# levels 1 and 2 (every curve, in its colour) and the 4K entries CPUID
# declares (tlb.json, else meta.json) and the vendor publishes.
tp_cpuid_col="#d06000"
tp_pub_col="#000000"
tp_marker_list() {
	local b pk l lvl ent s
	if [[ -f "$tlbjson" ]]; then
		while IFS=$'\x1f' read -r b pk l lvl ent; do
			[[ "$lvl" == 1 || "$lvl" == 2 ]] || continue
			if is_uint "$ent"; then echo "$ent|$lvl|inferred|$(backing_colour "$b")"; fi
		done < <(json_objects "$tlbjson" inferred backing page_kb layout level entries)
	fi
	for s in CPUID published; do
		if [[ "$s" == published && -f "$tlbjson" ]]; then
			json_objects "$tlbjson" published.entries page_kb level entries
		elif [[ "$s" == CPUID && -f "$tlbjson" ]]; then
			json_objects "$tlbjson" declared page_kb level entries
		elif [[ "$s" == CPUID && -f "$meta" ]]; then
			json_objects "$meta" tlb_declared page_kb level entries
		fi | while IFS=$'\x1f' read -r pk lvl ent; do
			[[ "$pk" == 4 && ("$lvl" == 1 || "$lvl" == 2) ]] || continue
			if [[ "$s" == CPUID ]]; then b="$tp_cpuid_col"; else b="$tp_pub_col"; fi
			if is_uint "$ent"; then echo "$ent|$lvl|$s|$b"; fi
		done
	done
	return 0
}

# gp_tp_markers MARKERS FILE...: an arrow per marker (inferred knees solid
# and thin, CPUID dashed, published dotted) and one label per cluster of
# markers within 10% of each other ("L1 72 (inferred, CPUID, published)",
# "L2 3205 (inferred); 3072 (CPUID, published)"), at the top or the bottom,
# whichever the FILEs leave freer; fills offscale with those off the axis.
gp_tp_markers() {
	local list="$1" m x lvl src col n=0 dt lw label
	shift
	offscale=()
	[[ -n "$list" ]] || return 0
	while IFS='|' read -r x lvl src col; do
		if ((x < tp_min || x > tp_max)); then
			offscale+=("L$lvl $x ($src)")
			continue
		fi
		n=$((n + 1))
		case "$src" in
		inferred) dt=1 lw=1 ;;
		CPUID) dt=2 lw=1.4 ;;
		*) dt=3 lw=1.6 ;;
		esac
		echo "set arrow $n from $x, graph 0 to $x, graph 1 nohead lc rgb \"$col\" lw $lw dt $dt back"
	done < <(sort -t'|' -u -k1,1n -k3,4 <<<"$list")
	while IFS='|' read -r x label col; do
		n=$((n + 1))
		gp_vlabel "$n" "$label" "$x" "$(free_side "$x" "$@")" "$col"
	done < <(sort -t'|' -k1,1n <<<"$list" | awk -F'|' -v lo="$tp_min" -v hi="$tp_max" '
	function flush(    L, k, t, v, s, vals, nv, out, cols, nc, c) {
		if (!n) return
		out = ""
		for (L = 1; L <= 2; L++) {
			nv = 0
			for (k = 1; k <= 3; k++) {
				s = k == 1 ? "inferred" : k == 2 ? "CPUID" : "published"
				if (!((L, s) in vmin)) continue
				v = vmin[L, s] == vmax[L, s] ? vmin[L, s] : vmin[L, s] "–" vmax[L, s]
				for (t = 1; t <= nv && vals[t] != v; t++) ;
				if (t > nv) { vals[++nv] = v; srcs[t] = s } else srcs[t] = srcs[t] ", " s
			}
			if (!nv) continue
			out = out (out == "" ? "" : " / ") "L" L " "
			for (t = 1; t <= nv; t++) out = out (t > 1 ? "; " : "") vals[t] " (" srcs[t] ")"
		}
		nc = 0
		for (c in col) { nc++; cc = c }
		printf "%s|%s|%s\n", x0, out, nc == 1 ? cc : "#303030"
		n = 0
		for (k in vmin) delete vmin[k]
		for (k in vmax) delete vmax[k]
		for (k in col) delete col[k]
	}
	$1 < lo || $1 > hi { next }
	{
		if (n && $1 > x0 * 1.1) flush()
		if (!n) x0 = $1
		n++
		k = $2 SUBSEP $3
		if (!(k in vmin) || $1 < vmin[k]) vmin[k] = $1
		if (!(k in vmax) || $1 > vmax[k]) vmax[k] = $1
		col[$4] = 1
	}
	END { flush() }')
}

# tp_verdicts_said: one short line per huge backing, from tlb.json's
# huge_tlb_entries tokens and numbers.
tp_verdicts_said() {
	[[ -f "$tlbjson" ]] || return 0
	json_objects "$tlbjson" huge_tlb_entries backing verdict rise_pages spread_rise_pages cost cost_ns l1_4k_pages |
		awk -F'\037' '
	function cost(c) { return c == "l2_hit" ? "an L2-TLB hit" : c == "walk" ? "a walk" : "a step" }
	{
		b = $1; r = sprintf("%.0f", $3); sr = sprintf("%.0f", $4); ns = sprintf("%.1f ns", $6); k4 = sprintf("%.0f", $7)
		if ($2 == "splintered" && $4 != "")
			printf "%s: splintered into 4K TLB entries: %s (%s) past %s huge pages with every load in one 4K slice, past %s spread over the slices (4K pages: %s)\n", b, cost($5), ns, r, sr, k4
		else if ($2 == "splintered")
			printf "%s: splintered into 4K TLB entries: %s (%s) past %s huge pages (4K pages: %s)\n", b, cost($5), ns, r, k4
		else if ($2 == "not_in_l1")
			printf "%s: huge translations leave the L1 DTLB: %s (%s) past %s huge pages (4K pages: past %s)\n", b, cost($5), ns, r, k4
		else if ($2 == "huge_entries")
			printf "%s: huge TLB entries: the L1 DTLB holds about %s, then %s (%s)\n", b, r, cost($5), ns
		else
			printf "%s: undecided (see REPORT.md)\n", b
	}'
}

plot_tlbprobe() {
	if [[ ${#tp_series[@]} -eq 0 ]]; then
		if [[ -f "$tlbcsv" ]]; then
			note "skipping tlbprobe: no rows in $tlbcsv"
		else
			note "skipping tlbprobe: no $tlbcsv (tlbprobe did not run)"
		fi
		rm -f "$plots/tlbprobe.png" "$plots/tlbprobe.svg"
		return 0
	fi
	local body="$data/tlbprobe_body.gp" s r lr f b pk l col v elems=() titles=() files=() t off
	local list ghz tstat="" model="" y_floor="$tp_floor"
	for s in "${tp_series[@]}"; do
		files+=("$(cut -d'|' -f3 <<<"$s")")
	done
	list="$(tp_marker_list)"
	ghz="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["core_ghz"] + 0 > 0 { print $c["core_ghz"] + 0 }' "$tlbcsv" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.3f", v[int((NR + 1) / 2)] }')"
	if [[ -f "$tlbjson" ]]; then
		tstat="$(json_get "$tlbjson" status)"
		model="$(json_get "$tlbjson" published.model)"
	fi
	{
		echo "reset"
		echo "set termoption noenhanced"
		gp_xaxis "$tp_min" "$tp_max" "pages touched (one probe line per page; log2)" count
		gp_yaxis "${files[@]}"
		echo "set ylabel \"translation cost per load, ns (probe - baseline)\""
		if [[ -n "$ghz" ]]; then
			echo "set logscale y2 10"
			echo "set y2range [$(awk -v a="$y_lo" -v b="$y_hi" -v g="$ghz" 'BEGIN { printf "%.4g:%.4g", a * g, b * g }')]"
			echo "set y2tics"
			echo "set my2tics 10"
			echo "set y2label $(gp_str "cycles per load (at $ghz GHz, the median core clock)")"
			echo "set ytics nomirror"
		fi
		echo "set grid xtics ytics lc rgb \"#dddddd\" lw 1"
		echo "set key below horizontal maxcols 3 width 2 samplen 3"
		echo "set lmargin 12"
		if [[ -n "$ghz" ]]; then echo "set rmargin 10"; else echo "set rmargin 4"; fi
		gp_tp_markers "$list" "${files[@]}"
		t="TLB probe: extra time per load vs pages touched: $machine_line"
		[[ "$tstat" == interrupted ]] && t="$t (tlbprobe interrupted: partial curves)"
		t="$(gp_str "$t").\"\\n\".$(gp_str "line: median per round, band: p10 to p90; at or below $tp_floor ns drawn at $tp_floor").\"\\n\".$(gp_str "layouts: $(tp_layouts_said)")"
		while IFS= read -r v; do
			[[ -n "$v" ]] && t="$t.\"\\n\".$(gp_str "$v")"
		done < <(tp_verdicts_said)
		gp_title "$t" "the pages probed"
		for s in "${tp_series[@]}"; do
			IFS='|' read -r r lr f b pk l <<<"$s"
			col="$(backing_colour "$b")"
			elems+=("$(gp_band "$f" "$col" 0.10)")
			titles+=("$(gp_curve "$f" "$col" 1.6 "$lr" 0.6 "$b $l${tp_knees["$b|$l"]:+: ${tp_knees["$b|$l"]}}")")
		done
		grep -q '|inferred|' <<<"$list" && titles+=("NaN with lines lc rgb \"#303030\" lw 1 dt 1 title \"inferred knee (curve colour)\"")
		grep -q '|CPUID|' <<<"$list" && titles+=("NaN with lines lc rgb \"$tp_cpuid_col\" lw 1.4 dt 2 title \"4K entries CPUID declares\"")
		grep -q '|published|' <<<"$list" && titles+=("NaN with lines lc rgb \"$tp_pub_col\" lw 1.6 dt 3 title $(gp_str "4K entries ${model:-the vendor} publishes")")
		local IFS=","
		echo "plot ${elems[*]}, ${titles[*]}"
	} >"$body"
	gp_driver tlbprobe >"$data/tlbprobe.gp"
	run_gnuplot tlbprobe
}

# Hardware counters per load: the columns of chase.csv, their titles, styles.
cnt_cols=(dtlb_miss_per_load stlb_hit_per_load walk_per_load walk_cycles_per_load)
cnt_titles=("L1 DTLB misses" "L2 TLB (STLB) hits" "page walks" "walk cycles")

# Split the counter columns of chase.csv at rand stride 64 unstaggered into
# one file per (backing, column): footprint and the value three times (the
# band columns of the other data files). Index lines: file, backing, column
# number (0-based in cnt_cols).
split_counters() {
	[[ -f "$chase" ]] || return 0
	local IFS=","
	awk -F, -v dir="$data" -v cols="${cnt_cols[*]}" '
	function safe(s) { gsub(/[^A-Za-z0-9_.-]/, "_", s); return s }
	BEGIN { ncol = split(cols, want, ",") }
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		sub(/\r$/, "")
		if ($c["pattern"] != "rand" || $c["stride_bytes"] != 64 || $c["stagger"] + 0 != 0) next
		fp = $c["footprint_bytes"]
		if (fp !~ /^[0-9]+$/) next
		for (k = 1; k <= ncol; k++) {
			if (!(want[k] in c)) continue
			v = $c[want[k]]
			if (v !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) continue
			key = $c["backing"] SUBSEP k
			if (!(key in file)) {
				file[key] = "cnt_" safe($c["backing"]) "_" want[k] ".dat"
				printf "%s,%s,%d\n", file[key], $c["backing"], k - 1
				print "# footprint_bytes " want[k] " (three times)" > (dir "/" file[key])
			}
			printf "%s %s %s %s\n", fp, v, v, v >> (dir "/" file[key])
		}
	}' "$chase"
}

plot_counters() {
	local index f b k
	index="$(split_counters)"
	if [[ ! -f "$chase" ]]; then
		note "skipping counters: no $chase"
		rm -f "$plots/counters.png" "$plots/counters.svg"
		return 0
	fi
	if [[ -z "$index" ]]; then
		local cs=""
		[[ -f "$meta" ]] && cs="$(json_get "$meta" counters.status)"
		note "skipping counters: no counter column of $chase is filled at rand stride 64${cs:+ (counters: $cs)}"
		rm -f "$plots/counters.png" "$plots/counters.svg"
		return 0
	fi
	# Records "rank|column|file|backing"; events (columns 0-2) and cycles (3).
	local recs=() ev=() cy=() evf=() cyf=() s r
	while IFS=, read -r f b k; do
		sort_data "$f"
		recs+=("$(backing_rank "$b")|$k|$f|$b")
	done <<<"$index"
	mapfile -t recs < <(printf '%s\n' "${recs[@]}" | sort -t'|' -k1,1n -k2,2n)
	for s in "${recs[@]}"; do
		IFS='|' read -r r k f b <<<"$s"
		if [[ "$k" == 3 ]]; then
			cy+=("$s")
			cyf+=("$f")
		else
			ev+=("$s")
			evf+=("$f")
		fi
	done
	local body="$data/counters_body.gp" split=0.45 bottom=0.15 y_log=0 y_lo="" y_hi="" key=() seen=" "
	if [[ -z "$fp_min" ]]; then
		read -r fp_min fp_max < <(cat "$data"/cnt_*.dat | awk '!/^#/ {
			if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 } END { print min, max }')
	fi
	[[ ${#ev[@]} -eq 0 ]] && split=0.93
	[[ ${#cy[@]} -eq 0 ]] && split=$bottom
	# One key for both panels, below them: colour is the backing, dash and
	# point the counter.
	for s in "${recs[@]}"; do
		IFS='|' read -r r k f b <<<"$s"
		[[ "$seen" == *" $b "* ]] && continue
		seen="$seen$b "
		key+=("NaN with lines lc rgb \"$(backing_colour "$b")\" lw 3 title $(gp_str "$b")")
	done
	for s in "${recs[@]}"; do
		IFS='|' read -r r k f b <<<"$s"
		[[ "$seen" == *" $k "* ]] && continue
		seen="$seen$k "
		key+=("NaN with linespoints lc rgb \"#303030\" lw 1.6 dt $((k + 1)) pt ${point_types[$k]} ps 0.8 title $(gp_str "${cnt_titles[$k]}")")
	done
	{
		echo "reset"
		echo "set termoption noenhanced"
		echo "set multiplot title $(gp_str "hardware counters per load, rand chase stride 64: $machine_line")"
		gp_xaxis
		echo "set grid xtics ytics lc rgb \"#dddddd\" lw 1"
		echo "set lmargin at screen 0.08"
		echo "set rmargin at screen 0.97"
		echo "set key at screen 0.5, 0.01 center bottom horizontal maxrows 2 width 2 samplen 4"
		if [[ ${#ev[@]} -gt 0 ]]; then
			echo "set tmargin at screen 0.93"
			echo "set bmargin at screen $(awk -v s="$split" 'BEGIN { print s + 0.06 }')"
			[[ ${#cy[@]} -gt 0 ]] && echo "unset xlabel"
			cnt_panel 1 "events per load (per dependent load of the chain)" "${ev[@]}" -- "${evf[@]}"
			echo "unset label"
			echo "unset arrow"
			echo "set xlabel \"footprint (bytes, log2)\""
			key=()
		fi
		if [[ ${#cy[@]} -gt 0 ]]; then
			echo "set tmargin at screen $split"
			echo "set bmargin at screen $bottom"
			cnt_panel "$((${#ev[@]} == 0))" "page-walk cycles per load" "${cy[@]}" -- "${cyf[@]}"
		fi
		echo "unset multiplot"
	} >"$body"
	gp_driver counters >"$data/counters.gp"
	run_gnuplot counters
}

# cnt_panel LABELS YLABEL RECORD... -- FILE...: one linear panel from 0 with
# caches and TLB reach marked (labelled when LABELS is 1), a line per record
# (colour: backing; dash: counter), and the entries of key, if any.
cnt_panel() {
	local labels="$1" ylabel="$2" recs=() s r k f b elems=()
	shift 2
	while [[ $# -gt 0 && "$1" != -- ]]; do
		recs+=("$1")
		shift
	done
	shift
	read -r y_lo y_hi < <(cd "$data" && cat "$@" | awk '!/^#/ { if ($4 > hi) hi = $4 }
		END { printf "0 %.4g\n", hi > 0 ? hi * 1.15 : 1 }')
	echo "set yrange [$y_lo:$y_hi]"
	echo "set ylabel $(gp_str "$ylabel")"
	gp_markers "$labels" "$@"
	for s in "${recs[@]}"; do
		IFS='|' read -r r k f b <<<"$s"
		elems+=("\"$f\" using 1:2 with linespoints lc rgb \"$(backing_colour "$b")\" lw 1.6 dt $((k + 1)) pt ${point_types[$k]} ps 0.6 notitle")
	done
	elems+=("${key[@]}")
	local IFS=","
	echo "plot ${elems[*]}"
}

collect_markers
collect_tlbprobe
rc=0
plot_latency || rc=1
plot_pair || rc=1
plot_tlbprobe || rc=1
plot_counters || rc=1
exit "$rc"
