#!/usr/bin/env bash
# Check the Debian packages pagewalk builds and runs with; as root, install
# what is missing (apt-get update first), otherwise print the exact command.
set -euo pipefail

pkgs=(build-essential pkg-config libpapi-dev libpfm4-dev libnuma-dev libcriterion-dev gnuplot-nox python3 valgrind
	qemu-system-x86 busybox-static) # the last two boot the multi-node test guest

missing=()
for p in "${pkgs[@]}"; do
	status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
	if [[ "$status" != "install ok installed" ]]; then
		missing+=("$p")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
