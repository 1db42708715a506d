#!/usr/bin/env bash
# NUMA placement proven on a real multi-node kernel: boot Debian's cloud
# kernel under qemu (TCG) with two nodes with CPUs and one memory-only node,
# run the placement unit tests and a small chase for every (cpu, mem, pt)
# node combination there, with 4k and thp, plus the bad-node refusals, and
# check what comes back on the serial console. Time in the guest means
# nothing (software emulation); placement is real.
set -uo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
unit="${PW_UNIT_BIN:-$top/build/opt/tests/unit}"

qemu="$(command -v qemu-system-x86_64 || true)"
busybox="$(command -v busybox || true)"
if [[ -z "$qemu" || -z "$busybox" ]]; then
	skipped "numa guest" "needs qemu-system-x86_64 and busybox (scripts/deps.sh installs qemu-system-x86 and busybox-static as root)"
	finish numa_vm
	exit
fi
if ldd "$busybox" >/dev/null 2>&1; then
	skipped "numa guest" "$busybox is not static (install busybox-static)"
	finish numa_vm
	exit
fi
if ! kernel="$("$top/scripts/vmkernel.sh" "$top/build/vm")"; then
	skipped "numa guest" "no guest kernel (see scripts/vmkernel.sh above)"
	finish numa_vm
	exit
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,proc,sys,dev,tmp,run,pw}
cp "$busybox" "$root/bin/busybox"
cp "$unit" "$root/pw/unit"
cp "$bin/chase" "$root/pw/chase"
# The programs' shared libraries, at the paths the loader looks for them.
for exe in "$unit" "$bin/chase"; do
	ldd "$exe" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | while read -r lib; do
		cp -L --parents "$lib" "$root/"
	done
done

cat >"$root/init" <<'GUEST'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm
mount -t tmpfs tmp /tmp
mount -t tmpfs shm /dev/shm
mount -t tmpfs run /run
export PATH=/bin:/pw
echo "GUEST-UP $(cut -d' ' -f1 /proc/uptime)"
echo "GUEST-NODES $(cat /sys/devices/system/node/online)"
echo "GUEST-THP $(cat /sys/kernel/mm/transparent_hugepage/enabled)"

unit --jobs 1 --filter 'bufplace/*' --verbose 2>&1 | sed 's/^/UNIT /'

for c in 0 1; do for m in 0 1 2; do for p in 0 1 2; do
	out=/tmp/run-$c-$m-$p
	chase --cpu-node $c --mem-node $m --pt-node $p --backing 4k,thp --min 64M --max 64M \
		--points-per-octave 1 --reps 3 --rep-ms 1 --no-progress --no-lock --out $out >/dev/null 2>/tmp/err
	echo "CHASE $c $m $p rc=$?"
	echo "META-BEGIN $c $m $p"; cat $out/meta.json; echo; echo "META-END"
	echo "CSV-BEGIN $c $m $p"; cat $out/chase.csv; echo "CSV-END"
done; done; done

# The placement matrix as run_all.sh runs it, into a run directory whose
# main run is the all-local one; it goes back to the host for the report.
mkdir -p /tmp/report
cp /tmp/run-0-0-0/* /tmp/report/
chase --numa-matrix --cpu-node 0 --backing 4k,thp --series rand:64 --min 64M --max 128M \
	--points-per-octave 1 --reps 6 --rep-ms 1 --no-progress --no-lock --out /tmp/report/numa >/dev/null 2>/tmp/err
echo "MATRIX rc=$? $(head -n 1 /tmp/err)"
echo "TAR-BEGIN"; tar cf - -C /tmp report | gzip -1 | base64; echo "TAR-END"

bad() {
	name=$1; shift
	chase "$@" --min 1M --max 2M --out /tmp/bad-$name >/dev/null 2>/tmp/err
	echo "BAD $name rc=$? made=$([ -e /tmp/bad-$name ] && echo yes || echo no) err=$(head -n 1 /tmp/err)"
}
bad mem3 --mem-node 3
bad pt9 --pt-node 9
bad cpu2 --cpu-node 2
bad cpu5 --cpu-node 5
bad cpu1mismatch --cpu 0 --cpu-node 1
echo "GUEST-DONE $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
GUEST
chmod +x "$root/init"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd.gz")

t0=$(date +%s.%N)
timeout 600 "$qemu" -accel tcg -m 3G -smp 2 -nographic -no-reboot \
	-object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G \
	-object memory-backend-ram,id=m2,size=1G \
	-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1 \
	-numa node,nodeid=2,memdev=m2 \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 transparent_hugepage=madvise" </dev/null >"$work/console" 2>&1
rc=$?
t1=$(date +%s.%N)
tr -d '\r' <"$work/console" >"$work/log"
cp "$work/log" "${PW_NUMA_VM_LOG:-$top/build/vm/last-console.log}" 2>/dev/null || true
echo "numa_vm: qemu exited $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; guest up at $(sed -n "s/.*GUEST-UP \([0-9.]*\).*/\1/p" "$work/log") s"

if grep -q '^GUEST-DONE' "$work/log"; then ok "guest ran to the end"; else ko "guest ran to the end" "no GUEST-DONE (console in build/vm/last-console.log)"; fi
if grep -q '^GUEST-NODES 0-2$' "$work/log"; then ok "guest has nodes 0-2"; else ko "guest has nodes 0-2" "$(grep '^GUEST-NODES' "$work/log")"; fi
if grep -q '^UNIT \[====\] Synthesis: .*Failing: 0 | Crashing: 0' "$work/log"; then
	ok "placement unit tests in the guest"
else
	ko "placement unit tests in the guest" "$(grep -E '^UNIT (\[FAIL\]|\[----\]|\[====\] Synth)' "$work/log" | head -n 8)"
fi
grep '^UNIT placement ' "$work/log" | sed 's/^UNIT /  /' | head -n 40
# Alone in the guest, nothing else changes page tables: every share is judged.
if grep -q 'page tables not judged' "$work/log"; then ko "every page-table share judged in the guest" "$(grep -m 1 'not judged' "$work/log")"; else ok "every page-table share judged in the guest"; fi

python3 "$top/tests/numa_vm_check.py" "$work/log"
prc=$?
[[ $prc -eq 0 ]] && ok "every placement verified by chase" || ko "every placement verified by chase" "see above"

# The matrix ran end to end in the guest; its report is made here, with
# the host's Python and gnuplot (its timings are not judged: TCG).
if grep -q '^MATRIX rc=0' "$work/log"; then ok "placement matrix ran in the guest"; else ko "placement matrix ran in the guest" "$(grep '^MATRIX' "$work/log")"; fi
sed -n '/^TAR-BEGIN$/,/^TAR-END$/p' "$work/log" | sed '1d;$d' | base64 -d 2>/dev/null | tar xzf - -C "$work" 2>/dev/null
if [[ -f "$work/report/numa/compare.csv" ]] && "$top/pagewalk" report "$work/report" >/dev/null 2>"$work/report.err"; then
	if python3 "$top/tests/numa_vm_check.py" --report "$work/report/REPORT.md"; then
		ok "REPORT.md has the placement matrix"
	else
		ko "REPORT.md has the placement matrix" "see above"
	fi
	rm -rf "$top/build/vm/last-report"
	cp -r "$work/report" "$top/build/vm/last-report" 2>/dev/null || true
else
	ko "report of the guest's run" "$(tail -n 2 "$work/report.err" 2>/dev/null)"
fi

check_bad() {
	local name=$1 want=$2 line
	line="$(grep "^BAD $name " "$work/log")"
	if [[ "$line" == *"rc=2 made=no err="*"$want"* ]]; then ok "bad node: $name"; else ko "bad node: $name" "${line:-missing}"; fi
}
nodes="nodes: 0 (cpu 0), 1 (cpu 1), 2 (memory only)"
check_bad mem3 "no such NUMA node ($nodes)"
check_bad pt9 "no such NUMA node ($nodes)"
check_bad cpu2 "--cpu-node 2: the node has no CPU this process may run on ($nodes)"
check_bad cpu5 "no such NUMA node ($nodes)"
check_bad cpu1mismatch "--cpu 0 is on node 0, not on --cpu-node 1"
finish numa_vm
