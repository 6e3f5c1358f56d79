#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run vflow selftests in order (all of TEST_PROGS in the Makefile, or the ones named) with the
# timeout from ./settings. Prints KTAP (each test's own output indented as "# " lines) and ends
# with "selftests: N passed, N failed, N skipped". Exit 1 if any test failed or timed out.
# Root only, inside the test guest.
# usage: run_tests.sh [TEST.sh...]

cd "$(dirname "$0")" || exit 1
timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout=${timeout:-600}

if [ $# -gt 0 ]; then
	tests=("$@")
else
	mapfile -t tests < <(awk '/^TEST_PROGS[ :]*=/ {on = 1} on {
		for (i = 1; i <= NF; i++) if ($i ~ /\.sh$/) print $i
		if ($NF != "\\") on = 0 }' Makefile)
fi

pass=0 fail=0 skip=0 n=0
echo "TAP version 13"
echo "1..${#tests[@]}"
for t in "${tests[@]}"; do
	n=$((n + 1))
	t=${t#./}
	echo "# selftests: vflow: $t"
	start=$(date +%s)
	timeout -k 30 "$timeout" "./$t" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	case $rc in
	0) pass=$((pass + 1)); echo "ok $n selftests: vflow: $t (${secs}s)" ;;
	4) skip=$((skip + 1)); echo "ok $n selftests: vflow: $t (${secs}s) # SKIP" ;;
	124 | 137) fail=$((fail + 1)); echo "not ok $n selftests: vflow: $t # TIMEOUT ${timeout} seconds" ;;
	*) fail=$((fail + 1)); echo "not ok $n selftests: vflow: $t (${secs}s) # exit=$rc" ;;
	esac
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
echo "selftests: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
