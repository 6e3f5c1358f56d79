#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unload under traffic: flood pings in both directions through vflow plus a loop of netlink
# dumps, then rmmod must succeed within a few seconds; afterwards nothing forwards, the devices
# are released (they can join a bridge), no splat; the module is reloaded and works.

source "$(dirname "$0")/lib.sh"

vflow_test_init "rmmod under traffic"
require_cmd ping rmmod insmod timeout
vflow_require
[ -r "$VFLOW_KO" ] || ktap_skip_all "vflow.ko not found at $VFLOW_KO: could not reload"
topo_create 2
# shellcheck disable=SC2034 # D2 is used inside eval strings
D1=${HVDEV[1]} D2=${HVDEV[2]}

check "switch add sw0 with two vm ports" eval \
	'vfc switch add sw0 &&
	 vfc port add sw0 dev "$D1" mac "${VMMAC[1]}" &&
	 vfc port add sw0 dev "$D2" mac "${VMMAC[2]}"'
check "vm1 pings vm2" ping_ok "${VM[1]}" "${VMIP[2]}"

# ---- traffic and control-plane load
p1a=$(stats_json "$HV" port "$D1")
bg_run flood1 ip netns exec "${VM[1]}" ping -f -q -w 60 "${VMIP[2]}"
FLOOD1=$BG_PID
bg_run flood2 ip netns exec "${VM[2]}" ping -q -i 0.01 -w 60 "${VMIP[1]}"
FLOOD2=$BG_PID
touch "$TMPD/churn"
churn() {
	while [ -e "$TMPD/churn" ]; do
		vfc -j -s port show >/dev/null 2>&1
		vfc -j fdb show >/dev/null 2>&1
	done
}
bg_run churn churn
CHURN=$BG_PID
busy() {
	local now
	now=$(stats_json "$HV" port "$D1")
	[ "$(delta "$p1a" "$now" rx_packets)" -ge 200 ] 2>/dev/null
}
wait_for 15 busy
log_test $? "traffic flows through vflow (D1 rx_packets +200)"

# ---- rmmod
t0=$(date +%s%N)
timeout 60 rmmod vflow
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
VFLOW_RELOAD_ON_EXIT=1
log_test $rc "rmmod under traffic succeeds (${ms} ms)"
[ "$ms" -le 10000 ]
log_test $? "rmmod under traffic finished within 10 s"
vflow_loaded
log_test $((!$?)) "module gone"
rm -f "$TMPD/churn"
bg_stop "$CHURN"
bg_stop "$FLOOD1"
bg_stop "$FLOOD2"
check_fails "nothing forwards any more: vm1 -> vm2 ping fails" ping_none "${VM[1]}" "${VMIP[2]}"
check "the former ports can join a bridge (rx_handlers released)" eval \
	'ip -n "$HV" link add br-$RND type bridge &&
	 ip -n "$HV" link set "$D1" master br-$RND && ip -n "$HV" link set "$D2" master br-$RND &&
	 ip -n "$HV" link set "$D1" nomaster && ip -n "$HV" link set "$D2" nomaster'

# ---- reload
vflow_load
log_test $? "module reloaded" || ktap_bail_out "cannot reload vflow"
out=$(vfc -j switch show)
check_jq "after reload the namespace has no switches" "$out" 'length == 0'
check "switch and ports can be set up again" eval \
	'vfc switch add sw0 &&
	 vfc port add sw0 dev "$D1" mac "${VMMAC[1]}" &&
	 vfc port add sw0 dev "$D2" mac "${VMMAC[2]}"'
check "vm1 pings vm2 after the reload" ping_ok "${VM[1]}" "${VMIP[2]}"

ktap_finished
