#!/usr/bin/env bash
# Fetch Debian's cloud kernel (package linux-image-cloud-amd64) for the
# multi-node test guest, unpacked under DIR (default build/vm), without
# installing it on this machine. Prints the path of the vmlinuz; a second
# call reuses what is there. Exit 4 with the reason when it cannot be had.
set -euo pipefail

dir="${1:-build/vm}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

found="$(find "$dir/kernel/boot" -name 'vmlinuz-*' 2>/dev/null | sort | tail -n 1 || true)"
if [[ -n "$found" ]]; then
	echo "$found"
	exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
	echo "vmkernel.sh: needs apt-get and dpkg-deb (a Debian system) to fetch linux-image-cloud-amd64" >&2
	exit 4
fi

tmp="$(mktemp -d "$dir/fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# The metapackage names the versioned kernel package it depends on. A
# machine whose package lists were never fetched knows no such package.
if ! apt-get download -q linux-image-cloud-amd64 >/dev/null 2>"$tmp/err" &&
	! { [[ "$(id -u)" -eq 0 ]] && apt-get update -qq >/dev/null 2>&1 &&
		apt-get download -q linux-image-cloud-amd64 >/dev/null 2>"$tmp/err"; }; then
	echo "vmkernel.sh: apt-get download linux-image-cloud-amd64 failed: $(tail -n 1 "$tmp/err")" >&2
	echo "vmkernel.sh: as root, run apt-get update first" >&2
	exit 4
fi
meta="$(ls ./linux-image-cloud-amd64_*.deb)"
pkg="$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1)"
if [[ -z "$pkg" ]]; then
	echo "vmkernel.sh: $meta depends on no linux-image package" >&2
	exit 4
fi
if ! apt-get download -q "$pkg" >/dev/null 2>"$tmp/err"; then
	echo "vmkernel.sh: apt-get download $pkg failed: $(tail -n 1 "$tmp/err")" >&2
	exit 4
fi
# Only the kernel image: the guest needs no modules.
dpkg-deb -x ./"$pkg"_*.deb "$tmp/x"
rm -rf "$dir/kernel"
mkdir -p "$dir/kernel/boot"
mv "$tmp"/x/boot/vmlinuz-* "$dir/kernel/boot/"
find "$dir/kernel/boot" -name 'vmlinuz-*' | sort | tail -n 1
