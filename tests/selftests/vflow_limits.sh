#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Port limit: one switch takes VFLOW_MAX_PORTS (1024) ports and refuses the 1025th with ENOSPC
# without changing anything; the multi-part port and fdb dumps return every port/entry exactly
# once (checked by vflow_nl.py and by vflowctl); a freed slot is reusable; deleting the full
# switch detaches all 1024 devices.

source "$(dirname "$0")/lib.sh"

vflow_test_init "1024 ports per switch, ENOSPC, multi-part dumps"
require_cmd "$PYTHON"
vflow_require
topo_hv || ktap_bail_out "cannot create $HV"
N=1024

# 1025 dummy devices d0..d1024 in one ip -batch
for ((i = 0; i <= N; i++)); do
	echo "link add d$i type dummy"
	echo "link set d$i up"
done >"$TMPD/mkdev"
t0=$(date +%s)
check "create $((N + 1)) dummy devices" ip -n "$HV" -batch "$TMPD/mkdev"
diag "took $(($(date +%s) - t0)) s"
check "switch add lim0" vfc switch add lim0

t0=$(date +%s)
run_nl "$HV" limits --switch lim0 --prefix d
diag "took $(($(date +%s) - t0)) s"

check_eq "vflowctl: n_ports is $N" "$(n_ports "$HV" lim0)" "$N"
out=$(vfc -j port show switch lim0)
check_jq "vflowctl: port show lists $N distinct devices" "$out" --argjson n "$N" \
	'length == $n and ([.[].ifname] | unique | length) == $n and ([.[].id] | unique | length) == $n'
out=$(vfc -j fdb show switch lim0)
check_jq "vflowctl: fdb show lists $N static entries" "$out" --argjson n "$N" \
	'([.[] | select(.static == true)] | length) == $n and ([.[].mac] | unique | length) == $n'
check_err "vflowctl: attaching d0 (freed earlier) to a full switch -> ENOSPC" \
	'No space left|space|full|limit|too many|maximum' vfc port add lim0 dev d0

t0=$(date +%s%N)
check "switch del of the full switch" vfc switch del lim0
diag "took $((($(date +%s%N) - t0) / 1000000)) ms"
out=$(vfc -j port show)
check_jq "no ports left" "$out" 'length == 0'
check "a detached device joins a bridge" eval \
	'ip -n "$HV" link add br-$RND type bridge && ip -n "$HV" link set d1024 master br-$RND'

ktap_finished
