# Shared by the shell tests: counters and the closing line CI reads.
# shellcheck shell=bash
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

# finish NAME: print "NAME: N passed, N failed, N skipped"; fail if any did.
finish() {
	echo "$1: $pass passed, $fail failed, $skip skipped"
	[[ $fail -eq 0 ]]
}
