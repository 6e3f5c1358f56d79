#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Deleting attached devices: `ip link del` of a port device (host side), and deleting the peer
# inside the VM while a ping stream is running through the port, both make the port disappear
# from `port show`, n_ports drop and the port's fdb entries (static and learned) vanish; the
# rest of the switch keeps forwarding; a new device with the old name is not a port; the switch
# can be deleted afterwards; no kernel splat.

source "$(dirname "$0")/lib.sh"

vflow_test_init "device deletion while attached"
require_cmd ping
vflow_require
topo_create 3
D1=${HVDEV[1]} D2=${HVDEV[2]} D3=${HVDEV[3]}
IDX2=$(ifindex_of "$HV" "$D2")
IDX3=$(ifindex_of "$HV" "$D3")

check "switch add sw0, D1 and D2 with MACs, D3 learning" eval \
	'vfc switch add sw0 &&
	 vfc port add sw0 dev "$D1" mac "${VMMAC[1]}" &&
	 vfc port add sw0 dev "$D2" mac "${VMMAC[2]}" &&
	 vfc port add sw0 dev "$D3"'
check "vm1 pings vm2" ping_ok "${VM[1]}" "${VMIP[2]}"
check "vm1 pings vm3" ping_ok "${VM[1]}" "${VMIP[3]}"
out=$(vfc -j fdb show switch sw0)
check_jq "fdb has vm2 static on D2 and vm3 learned on D3" "$out" \
	--argjson i2 "$IDX2" --argjson i3 "$IDX3" \
	'any(.[]; .ifindex == $i2 and .static == true) and any(.[]; .ifindex == $i3 and .static == false)'
check_eq "n_ports is 3" "$(n_ports "$HV" sw0)" 3

# ---- host side: ip link del of an attached device
check "ip link del D2 (attached)" ip -n "$HV" link del "$D2"
port_gone() { ! vfc port show dev "$1" >/dev/null 2>&1; }
wait_for 10 port_gone "$D2"
log_test $? "D2 disappears from port show"
out=$(vfc -j port show)
check_jq "the port list no longer has D2's ifindex" "$out" --argjson i "$IDX2" \
	'length == 2 and all(.[]; .ifindex != $i)'
check_eq "n_ports drops to 2" "$(n_ports "$HV" sw0)" 2
out=$(vfc -j fdb show switch sw0)
check_jq "no fdb entry for D2 (its static MAC is gone)" "$out" \
	--argjson i "$IDX2" --arg m "${VMMAC[2]}" 'all(.[]; .ifindex != $i and (.mac | ascii_downcase) != $m)'
check "vm1 still pings vm3" ping_ok "${VM[1]}" "${VMIP[3]}"
check_err "port del of the deleted device -> ENODEV" "$ERR_ENODEV" vfc port del dev "$D2"

# ---- a new device with the old name is not a port
check "new dummy device named D2" eval \
	'ip -n "$HV" link add "$D2" type dummy && ip -n "$HV" link set "$D2" up'
check_fails "the new D2 is not a vflow port" vfc port show dev "$D2"
check_eq "n_ports still 2" "$(n_ports "$HV" sw0)" 2
check "the new D2 can be attached" vfc port add sw0 dev "$D2"
check_eq "n_ports back to 3" "$(n_ports "$HV" sw0)" 3

# ---- VM side, under traffic: deleting the peer destroys the host end D3
bg_run flood ip netns exec "${VM[1]}" ping -q -i 0.01 -w 30 "${VMIP[3]}"
PING=$BG_PID
p3a=$(stats_json "$HV" port "$D3")
d3_busy() {
	local now
	now=$(stats_json "$HV" port "$D3")
	[ "$(delta "$p3a" "$now" tx_packets)" -ge 20 ] 2>/dev/null
}
wait_for 10 d3_busy
log_test $? "ping stream vm1 -> vm3 flows through D3"
check "ip link del eth0 inside vm3 (peer of D3) under traffic" ip -n "${VM[3]}" link del eth0
wait_for 10 port_gone "$D3"
log_test $? "D3 disappears from port show"
check_eq "n_ports drops to 2" "$(n_ports "$HV" sw0)" 2
out=$(vfc -j fdb show switch sw0)
check_jq "no fdb entry for D3 (its learned MAC is gone)" "$out" --argjson i "$IDX3" \
	--arg m "${VMMAC[3]}" 'all(.[]; .ifindex != $i and (.mac | ascii_downcase) != $m)'
bg_stop "$PING"
check "D1 is still listed as a port" vfc port show dev "$D1"

# ---- the switch goes away cleanly
check "switch del sw0" vfc switch del sw0
out=$(vfc -j port show)
check_jq "no ports left" "$out" 'length == 0'
check "ip link del D1 after its switch was deleted" ip -n "$HV" link del "$D1"

ktap_finished
