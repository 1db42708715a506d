#!/usr/bin/env bash
# Proves the machine is left as found: hugetlb pool sizes, hugetlbfs mounts
# and THP settings are the same after a run that is stopped by SIGINT,
# SIGTERM or SIGHUP at several moments (during reservation and population,
# during the sweep), and after a run that uses a hugetlbfs mount. Root only.
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

if [[ "$(id -u)" -ne 0 ]]; then
	skipped "restore" "changing hugetlb pools needs root (run: sudo make test)"
	finish restore
	exit 0
fi

tmp="$(mktemp -d)"
mnt="$tmp/hugetlbfs"
cleanup() {
	if awk -v d="$mnt" '$2 == d { f = 1 } END { exit !f }' /proc/mounts; then
		umount "$mnt" || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# Everything a run may touch, in one comparable text.
state() {
	local d
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		echo "$d $(<"$d/nr_hugepages")"
	done
	awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts
	cat /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag
	mthp_state
}

# The multi-size THP controls, one line per size (none on older kernels).
mthp_state() {
	local f
	for f in /sys/kernel/mm/transparent_hugepage/hugepages-*kB/enabled; do
		[[ -e "$f" ]] && echo "$f $(<"$f")"
	done
	return 0
}


pool2m=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
before="$(state)"
start_pool="$(<"$pool2m")"
start_mthp="$(mthp_state)"

# stop_at NAME SIGNAL WHEN OUT CMD...: run CMD (whose run directory is OUT)
# in the foreground, as a user would: a background job would start with
# SIGINT ignored, which bash cannot trap. A watcher sends SIGNAL to every
# process of that run (run_all.sh and its bench, as Ctrl-C reaches a whole
# process group) at WHEN ("pool": as soon as the 2M pool has been raised;
# else seconds). Then the exit code must be 130 and the machine as found.
stop_at() {
	local name="$1" sig="$2" when="$3" out="$4" rc=0
	shift 4
	(
		if [[ "$when" == pool ]]; then
			rose=0
			for _ in $(seq 1 4000); do
				if [[ "$(<"$pool2m")" != "$start_pool" ]]; then
					rose=1
					break
				fi
				sleep 0.005
			done
			[[ $rose -eq 1 ]] || touch "$tmp/never-reached"
		elif [[ "$when" == mthp ]]; then
			# As soon as a folio size has been switched for a buffer.
			for _ in $(seq 1 4000); do
				[[ "$(mthp_state)" != "$start_mthp" ]] && break
				sleep 0.005
			done
			[[ "$(mthp_state)" != "$start_mthp" ]] || touch "$tmp/never-reached"
		elif [[ "$when" == probe || "$when" == report || "$when" == ladder || "$when" == mlp ]]; then
			# The moment that step of the run has begun: the first file it
			# makes (a file stays, where a short-lived process can be missed).
			mark="$out/tlbprobe.csv"
			[[ "$when" == report ]] && mark="$out/plots/data"
			[[ "$when" == ladder ]] && mark="$out/ladder/chase.csv"
			[[ "$when" == mlp ]] && mark="$out/mlp.csv"
			for _ in $(seq 1 30000); do
				[[ -e "$mark" ]] && break
				sleep 0.005
			done
			[[ -e "$mark" ]] || touch "$tmp/never-reached"
		else
			sleep "$when"
		fi
		# Every process of the run, as Ctrl-C reaches a whole process group.
		pkill "-$sig" -f -- " $out( |$)" || true
	) &
	local watcher=$!
	"$@" --out "$out" >/dev/null 2>"$tmp/err" || rc=$?
	wait "$watcher" || true
	local csv torn=""
	for csv in "$out"/*.csv; do
		[[ -f "$csv" ]] && ! rows_whole "$csv" && torn+=" $(basename "$csv")"
	done
	if [[ -e "$tmp/never-reached" ]]; then
		rm -f "$tmp/never-reached"
		ko "$name" "the moment under test ($when) was not reached"
	elif [[ -n "$torn" ]]; then
		ko "$name" "a row cut in half in$torn"
	elif [[ "$(state)" != "$before" ]]; then
		ko "$name" "machine state changed: $(diff <(echo "$before") <(state) | tr '\n' ' ')"
	elif [[ $rc -ne 130 ]]; then
		ko "$name" "exit $rc, want 130: $(tail -n 2 "$tmp/err")"
	else
		ok "$name (exit $rc)"
	fi
}

chase=("$bin/chase" --backing "4k,thp,hugetlb2m,hugetlb1g" --reserve --max 512M --reps 3 --rep-ms 5 --no-progress)
stop_at "chase SIGINT at 0.05 s (set-up)" INT 0.05 "$tmp/a0" "${chase[@]}"
stop_at "chase SIGINT while the pool is raised" INT pool "$tmp/a" "${chase[@]}"
stop_at "chase SIGTERM while the pool is raised" TERM pool "$tmp/b" "${chase[@]}"
stop_at "chase SIGHUP at 0.3 s" HUP 0.3 "$tmp/c" "${chase[@]}"
stop_at "chase SIGINT at 1 s" INT 1 "$tmp/d" "${chase[@]}"
stop_at "chase SIGTERM at 3 s (sweeping)" TERM 3 "$tmp/e" "${chase[@]}"
probe=("$bin/tlbprobe" --backing "4k,hugetlb2m" --reserve --quick --no-progress)
stop_at "tlbprobe SIGTERM while the pool is raised" TERM pool "$tmp/p1" "${probe[@]}"
stop_at "tlbprobe SIGINT at 2 s (probing)" INT 2 "$tmp/p2" "${probe[@]}"
stop_at "tlbprobe SIGHUP at 0.5 s (population)" HUP 0.5 "$tmp/p3" "${probe[@]}"
mlp=("$bin/mlp" --backing "4k,hugetlb2m" --reserve --footprints 256M --reps 8 --rep-ms 10 --no-progress)
stop_at "mlp SIGTERM while the pool is raised" TERM pool "$tmp/l1" "${mlp[@]}"
stop_at "mlp SIGINT at 1.5 s (measuring)" INT 1.5 "$tmp/l2" "${mlp[@]}"
stop_at "run_all SIGTERM during the parallel walks" TERM mlp "$tmp/rw" "$top/run_all.sh" --quick
for d in l1 l2; do
	st="$(python3 "$top/tests/jsonq.py" "$tmp/$d/mlp-meta.json" --get status 2>/dev/null || echo 'no mlp-meta.json')"
	if [[ "$st" == interrupted ]]; then ok "mlp run $d marked interrupted"; else ko "mlp run $d marked interrupted" "status: $st"; fi
done
stop_at "run_all SIGINT while the pool is raised" INT pool "$tmp/f" "$top/run_all.sh" --quick
stop_at "run_all SIGTERM at 4 s" TERM 4 "$tmp/g" "$top/run_all.sh" --quick
stop_at "run_all SIGHUP during the probe" HUP probe "$tmp/rh" "$top/run_all.sh" --quick
if [[ -n "$start_mthp" ]]; then
	mthp=("$bin/chase" --backing "4k,mthp16k,mthp64k,mthp1m" --max 512M --reps 3 --rep-ms 5 --no-progress)
	stop_at "chase SIGINT while a folio size is switched" INT mthp "$tmp/m1" "${mthp[@]}"
	stop_at "chase SIGTERM while a folio size is switched" TERM mthp "$tmp/m2" "${mthp[@]}"
	stop_at "run_all SIGTERM during the page-size ladder" TERM ladder "$tmp/rl" "$top/run_all.sh" --quick
	stop_at "run_all SIGINT during the page-size ladder" INT ladder "$tmp/rm" "$top/run_all.sh" --quick
else
	skipped "interrupts with multi-size THP" "this kernel has no hugepages-<size>kB controls"
fi
stop_at "run_all SIGINT while reporting" INT report "$tmp/ri" "$top/run_all.sh" --quick
# A signal while reporting marks the run interrupted, but the report of what
# was measured is still written: it takes seconds and is worth having.
if [[ -s "$tmp/ri/REPORT.md" && -s "$tmp/ri/plots/latency.png" ]]; then
	ok "run_all interrupted while reporting: REPORT.md and the plots are written"
else
	ko "run_all interrupted while reporting" "no REPORT.md or plots in $tmp/ri"
fi

for d in a b c d e; do
	st="$(python3 "$top/tests/jsonq.py" "$tmp/$d/meta.json" --get status 2>/dev/null || echo 'no meta.json')"
	if [[ "$st" == interrupted ]]; then
		ok "chase run $d marked interrupted"
	else
		ko "chase run $d marked interrupted" "status: $st"
	fi
done

# A hugetlbfs mount made by scripts/hugepages.sh: used, left empty, and the
# pools restored by the script afterwards.
mkdir -p "$mnt"
if "$top/scripts/hugepages.sh" with 2M 16 --mount "$mnt" -- \
	"$bin/chase" --backing 4k,hugetlb2m --hugetlbfs "$mnt" --max 16M --reps 3 --rep-ms 2 \
	--no-progress --out "$tmp/h" 2>"$tmp/err"; then
	if python3 "$top/tests/jsonq.py" "$tmp/h/meta.json" 'any(b["via"] == "hugetlbfs file" for b in j["buffers"])' &&
		awk -F, '$1 == "hugetlb2m" && ($2 != 2048 || $3 < 1) { bad = 1 } $1 == "hugetlb2m" { n++ } END { exit bad || !n }' "$tmp/h/chase.csv"; then
		ok "--hugetlbfs: rows verified at 2048 kB, huge_fraction 1"
	else
		ko "--hugetlbfs" "rows or meta.json not as expected"
	fi
else
	ko "--hugetlbfs run" "$(tail -n 2 "$tmp/err")"
fi
if [[ "$(state)" == "$before" ]]; then ok "hugepages.sh with: pool restored, mount removed"; else ko "hugepages.sh with" "state changed"; fi
mkdir -p "$mnt"
"$top/scripts/hugepages.sh" mount 2M "$mnt" >/dev/null
"$top/scripts/hugepages.sh" with 2M 8 -- "$bin/chase" --backing hugetlb2m --hugetlbfs "$mnt" \
	--max 8M --reps 3 --rep-ms 1 --no-progress --out "$tmp/i" 2>/dev/null || true
if [[ -z "$(ls -A "$mnt")" ]]; then ok "--hugetlbfs leaves no file"; else ko "--hugetlbfs leaves no file" "$(ls "$mnt")"; fi
"$top/scripts/hugepages.sh" umount "$mnt"
if [[ "$(state)" == "$before" ]]; then ok "state as found at the end"; else ko "state at the end" "changed"; fi

finish restore
