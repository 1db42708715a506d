#!/usr/bin/env bash
# Manage hugetlb pools and hugetlbfs mounts by hand: show them, reserve or
# release pages per size, mount or unmount a hugetlbfs of a page size, or run
# one command with pages reserved and put everything back afterwards.
set -euo pipefail

prog="hugepages.sh"
sysfs="/sys/kernel/mm/hugepages"

usage() {
	cat <<USAGE
usage: scripts/hugepages.sh COMMAND [ARGS]

  status                    pools per page size (total, free, reserved,
                            surplus) and hugetlbfs mounts
  reserve SIZE N            set the SIZE pool to at least N pages; prints what
                            the kernel granted and the command to undo it
  release SIZE N            set the SIZE pool to N pages (0 frees them all)
  mount SIZE DIR            mount a hugetlbfs with SIZE pages on DIR (created)
  umount DIR                unmount the hugetlbfs on DIR
  with SIZE N [--mount DIR] -- CMD [ARGS]
                            reserve N pages of SIZE (and mount DIR), run CMD,
                            then restore the pool and unmount, also on Ctrl-C,
                            SIGTERM and SIGHUP

SIZE is 2M or 1G (or 2048kB, 1048576kB). Changing pools and mounts needs root.
USAGE
}

bad() {
	echo "$prog: $*" >&2
	exit 2
}

# size_kb SIZE: print the page size in kB, or fail with exit 2.
size_kb() {
	case "$1" in
	2M | 2m | 2048kB | 2048) echo 2048 ;;
	1G | 1g | 1048576kB | 1048576) echo 1048576 ;;
	*) bad "page size '$1': want 2M or 1G" ;;
	esac
}

pool_dir() {
	local d="$sysfs/hugepages-$1kB"
	if [[ ! -d "$d" ]]; then
		echo "$prog: no $1 kB hugetlb pool on this kernel (for 1G: needs the CPU flag pdpe1gb)" >&2
		exit 4
	fi
	echo "$d"
}

need_root() {
	if [[ "$(id -u)" -ne 0 ]]; then
		echo "$prog: $1 needs root; run: sudo $0 ${*:2}" >&2
		exit 4
	fi
}

# count N KB: check that N is a page count a pool of KB kB pages can hold:
# a whole number of at most 18 digits (no overflow in bash arithmetic) and
# at most MemTotal / page size. Prints N in decimal (leading zeros dropped,
# so bash never reads it as octal); fails with exit 2 otherwise.
count() {
	local n="$1" kb="$2" mem
	[[ "$n" =~ ^[0-9]+$ ]] || bad "page count '$n': want a whole number"
	n="${n#"${n%%[!0]*}"}"
	n="${n:-0}"
	[[ ${#n} -le 18 ]] || bad "page count '$1': too large (at most 18 digits)"
	n=$((10#$n))
	mem="$(awk '$1 == "MemTotal:" { print $2; exit }' /proc/meminfo 2>/dev/null || true)"
	[[ "$mem" =~ ^[0-9]+$ ]] || bad "cannot read MemTotal from /proc/meminfo to bound the page count"
	if [[ $n -gt $((mem / kb)) ]]; then
		bad "page count $n: more than this machine's memory holds ($((mem / kb)) pages of $kb kB in MemTotal $mem kB)"
	fi
	echo "$n"
}

status() {
	local d kb
	printf '%-10s %8s %8s %8s %8s\n' size total free reserved surplus
	for d in "$sysfs"/hugepages-*kB; do
		[[ -d "$d" ]] || continue
		kb="${d##*hugepages-}"
		printf '%-10s %8s %8s %8s %8s\n' "$kb" "$(<"$d/nr_hugepages")" \
			"$(<"$d/free_hugepages")" "$(<"$d/resv_hugepages")" "$(<"$d/surplus_hugepages")"
	done
	echo "hugetlbfs mounts:"
	awk '$3 == "hugetlbfs" { print "  " $2 " (" $4 ")"; n++ } END { if (!n) print "  none" }' /proc/mounts
}

# set_pool DIR N: write N to DIR/nr_hugepages and set pool_got to the pool
# size the kernel then reports. A failed write (permission, "write error")
# prints the reason and returns 1: callers check it explicitly, since set -e
# does not reach into a function called from a condition.
pool_got=""
set_pool() {
	local d="$1" n="$2" err
	if ! err="$({ echo "$n" >"$d/nr_hugepages"; } 2>&1)"; then
		# "hugepages.sh: line 97: echo: write error: Cannot allocate memory"
		# or "...: line 97: /sys/...: Permission denied": keep the reason.
		case "$err" in
		*"write error: "*) err="write error: ${err##*write error: }" ;;
		*) err="${err##*: }" ;;
		esac
		echo "$prog: cannot set $d/nr_hugepages to $n: ${err:-write failed}" >&2
		return 1
	fi
	pool_got="$(<"$d/nr_hugepages")"
}

mount_fs() {
	local kb="$1" dir="$2"
	mkdir -p "$dir"
	mount -t hugetlbfs -o "pagesize=${kb}K,mode=1777" none "$dir"
}

case "${1:-}" in
status)
	[[ $# -eq 1 ]] || bad "status takes no arguments"
	status
	;;
reserve | release)
	[[ $# -eq 3 ]] || bad "$1 wants SIZE N (see --help)"
	kb="$(size_kb "$2")"
	want="$(count "$3" "$kb")"
	need_root "$1" "$@"
	d="$(pool_dir "$kb")"
	before="$(<"$d/nr_hugepages")"
	if [[ "$1" == reserve && "$before" -ge "$want" ]]; then
		echo "$prog: the $kb kB pool already has $before pages"
		exit 0
	fi
	if ! set_pool "$d" "$want"; then
		echo "$prog: the $kb kB pool holds $(<"$d/nr_hugepages") pages (was $before)" >&2
		exit 1
	fi
	got="$pool_got"
	echo "$prog: $kb kB pool: $before -> $got pages (asked $want)"
	echo "$prog: to undo: $0 release $2 $before"
	if [[ "$1" == reserve && "$got" -lt "$want" ]]; then
		echo "$prog: the kernel granted fewer pages than asked (memory fragmented or short)" >&2
		exit 1
	fi
	;;
mount)
	[[ $# -eq 3 ]] || bad "mount wants SIZE DIR (see --help)"
	kb="$(size_kb "$2")"
	need_root mount "$@"
	pool_dir "$kb" >/dev/null
	mount_fs "$kb" "$3"
	echo "$prog: hugetlbfs with $kb kB pages on $3; undo: $0 umount $3"
	;;
umount)
	[[ $# -eq 2 ]] || bad "umount wants DIR"
	need_root umount "$@"
	if ! awk -v d="$(realpath "$2")" '$2 == d && $3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts; then
		bad "'$2' is not a hugetlbfs mount"
	fi
	umount "$2"
	;;
with)
	[[ $# -ge 5 ]] || bad "with wants SIZE N [--mount DIR] -- CMD"
	kb="$(size_kb "$2")"
	n="$(count "$3" "$kb")"
	shift 3
	mnt=""
	if [[ "$1" == --mount ]]; then
		[[ $# -ge 3 ]] || bad "--mount wants a directory"
		mnt="$2"
		shift 2
	fi
	[[ "$1" == -- && $# -ge 2 ]] || bad "with: put the command after --"
	shift
	need_root with
	d="$(pool_dir "$kb")"
	before="$(<"$d/nr_hugepages")"
	mounted=0
	created=0
	# shellcheck disable=SC2317 # called through the EXIT trap
	restore() {
		local unmounted=1
		if [[ $mounted -eq 1 ]] && ! umount "$mnt"; then
			echo "$prog: could not unmount $mnt" >&2
			unmounted=0
		fi
		# Only a directory this script made, and only once it is no mount.
		if [[ $created -eq 1 && $unmounted -eq 1 ]] && ! rmdir "$mnt"; then
			echo "$prog: could not remove $mnt, which it created" >&2
		fi
		if [[ "$(<"$d/nr_hugepages")" != "$before" ]]; then
			{ echo "$before" >"$d/nr_hugepages"; } 2>/dev/null || true
			if [[ "$(<"$d/nr_hugepages")" != "$before" ]]; then
				echo "$prog: could not restore the $kb kB pool to $before" >&2
			fi
		fi
	}
	trap restore EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	if ! set_pool "$d" "$((before + n))"; then
		exit 1
	fi
	got="$pool_got"
	if [[ $((got - before)) -lt "$n" ]]; then
		echo "$prog: asked $n more $kb kB pages, the kernel granted $((got - before))" >&2
	fi
	if [[ -n "$mnt" ]]; then
		if [[ ! -e "$mnt" ]]; then
			mkdir -p "$mnt"
			created=1
		fi
		mount_fs "$kb" "$mnt"
		mounted=1
	fi
	rc=0
	"$@" || rc=$?
	exit "$rc"
	;;
-h | --help)
	usage
	;;
"")
	usage >&2
	exit 2
	;;
*)
	bad "unknown command '$1' (see --help)"
	;;
esac
