# Shared by the shell tests: where the programs are, counters and the
# closing line CI reads. The sourcing script sets top (the checkout).
# shellcheck shell=bash
bin="${PW_BIN_DIR:-bench}"
[[ "$bin" = /* ]] || bin="${top:?the sourcing script sets top}/$bin"
pass=0
fail=0
skip=0

ok() {
	pass=$((pass + 1))
	echo "[PASS] $1"
}

ko() {
	fail=$((fail + 1))
	echo "[FAIL] $1: $2"
}

skipped() {
	skip=$((skip + 1))
	echo "[SKIP] $1: $2"
}

# Column count of every row equals the header's.
rows_whole() {
	awk -F, 'NR == 1 { n = NF; next } NF != n { bad = 1 } END { exit bad }' "$1"
}

# finish NAME: print "NAME: N passed, N failed, N skipped"; fail if any did.
finish() {
	echo "$1: $pass passed, $fail failed, $skip skipped"
	[[ $fail -eq 0 ]]
}
