#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forwarding between two vm ports: vm1 and vm2 are connected only through vflow (the host ends
# of their veths are not bridged): without ports no ping, with ports IPv4 and IPv6 pings pass and
# the rx/tx counters of both ports and the switch grow by at least the ping count; MAC learning
# on a vm port without a configured mac (fdb: learned, not static); frames from vm ports never
# reach the host stack; anti-spoofing drops (drop counter); after `port del` the same pings fail,
# after re-adding the port they pass again.

source "$(dirname "$0")/lib.sh"

vflow_test_init "unicast forwarding between vm ports"
require_cmd ping
vflow_require
topo_create 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
IDX2=$(ifindex_of "$HV" "$D2")

check "switch add sw0" vfc switch add sw0
check_fails "premise: without vflow ports vm1 cannot reach vm2" ping_none "${VM[1]}" "${VMIP[2]}"

check "port add D1 type vm mac M1" vfc port add sw0 dev "$D1" type vm mac "${VMMAC[1]}"
check "port add D2 type vm, no mac (learning)" vfc port add sw0 dev "$D2" type vm

# ---- IPv4
p1a=$(stats_json "$HV" port "$D1")
p2a=$(stats_json "$HV" port "$D2")
swa=$(stats_json "$HV" switch sw0)
check "IPv4: vm1 pings vm2 (3/3 replies)" ping_ok "${VM[1]}" "${VMIP[2]}"
p1b=$(stats_json "$HV" port "$D1")
p2b=$(stats_json "$HV" port "$D2")
swb=$(stats_json "$HV" switch sw0)
check_delta "IPv4: D1 rx_packets +3 (echo requests entered vflow)" "$p1a" "$p1b" rx_packets 3
check_delta "IPv4: D2 tx_packets +3 (requests sent out to vm2)" "$p2a" "$p2b" tx_packets 3
check_delta "IPv4: D2 rx_packets +3 (echo replies entered vflow)" "$p2a" "$p2b" rx_packets 3
check_delta "IPv4: D1 tx_packets +3 (replies sent out to vm1)" "$p1a" "$p1b" tx_packets 3
check_delta "IPv4: D1 rx_bytes +3*84 (at least the IP length)" "$p1a" "$p1b" rx_bytes 252
check_delta "IPv4: switch rx_packets +6" "$swa" "$swb" rx_packets 6
check_delta "IPv4: switch tx_packets +6" "$swa" "$swb" tx_packets 6

# ---- IPv6
p1a=$(stats_json "$HV" port "$D1")
p2a=$(stats_json "$HV" port "$D2")
check "IPv6: vm1 pings vm2 (3/3 replies)" ping_ok "${VM[1]}" "${VMIP6[2]}" -6
p1b=$(stats_json "$HV" port "$D1")
p2b=$(stats_json "$HV" port "$D2")
check_delta "IPv6: D1 rx_packets +3" "$p1a" "$p1b" rx_packets 3
check_delta "IPv6: D2 tx_packets +3" "$p2a" "$p2b" tx_packets 3
check_delta "IPv6: D2 rx_packets +3" "$p2a" "$p2b" rx_packets 3
check_delta "IPv6: D1 tx_packets +3" "$p1a" "$p1b" tx_packets 3
check "IPv4: vm2 pings vm1 (reverse direction)" ping_ok "${VM[2]}" "${VMIP[1]}"

# ---- forwarding table
out=$(vfc -j fdb show switch sw0)
check_jq "fdb: vm1's MAC is static on D1" "$out" --arg m "${VMMAC[1]}" --arg d "$D1" \
	'any(.[]; (.mac | ascii_downcase) == $m and .static == true and (.ifname == $d or .ifname == null))'
check_jq "fdb: vm2's MAC was learned on D2 (not static)" "$out" --arg m "${VMMAC[2]}" \
	--argjson i "$IDX2" 'any(.[]; (.mac | ascii_downcase) == $m and .ifindex == $i and .static == false)'
check_jq "fdb: every entry names switch sw0" "$out" 'length >= 2 and all(.[]; .switch == "sw0")'

# ---- frames from vm ports never reach the host stack
check "host end D1 gets address 10.0.0.254" ip -n "$HV" addr add 10.0.0.254/24 dev "$D1"
p1a=$(stats_json "$HV" port "$D1")
check_fails "vm1 cannot reach the host stack through its own port" \
	ping_none "${VM[1]}" 10.0.0.254
p1b=$(stats_json "$HV" port "$D1")
check_delta "those frames were taken by vflow (D1 rx_packets +2)" "$p1a" "$p1b" rx_packets 2
ip -n "$HV" addr del 10.0.0.254/24 dev "$D1"

# ---- anti-spoofing: vm1 changes its MAC, D1 has M1 configured
check "vm1 changes its MAC to 02:00:00:00:00:99" \
	ip -n "${VM[1]}" link set eth0 address 02:00:00:00:00:99
p1a=$(stats_json "$HV" port "$D1")
p2a=$(stats_json "$HV" port "$D2")
check_fails "spoofed source MAC: vm1 no longer reaches vm2" ping_none "${VM[1]}" "${VMIP[2]}"
p1b=$(stats_json "$HV" port "$D1")
p2b=$(stats_json "$HV" port "$D2")
check_delta "spoofed frames counted as drops on D1 (drop_packets +2)" "$p1a" "$p1b" drop_packets 2
check_eq "spoofed frames not forwarded (D2 tx_packets +0)" "$(delta "$p2a" "$p2b" tx_packets)" 0
check "vm1 restores its MAC" ip -n "${VM[1]}" link set eth0 address "${VMMAC[1]}"
check "vm1 reaches vm2 again with its own MAC" ping_ok "${VM[1]}" "${VMIP[2]}"

# ---- detach: the path is gone
check "port del dev D2" vfc port del dev "$D2"
check_eq "n_ports drops to 1" "$(n_ports "$HV" sw0)" 1
check_fails "after port del: IPv4 ping vm1 -> vm2 fails" ping_none "${VM[1]}" "${VMIP[2]}"
check_fails "after port del: IPv6 ping vm1 -> vm2 fails" ping_none "${VM[1]}" "${VMIP6[2]}" -6
out=$(vfc -j fdb show switch sw0)
check_jq "after port del: no fdb entry points at D2" "$out" --argjson i "$IDX2" \
	'all(.[]; .ifindex != $i)'
check "port add D2 again" vfc port add sw0 dev "$D2"
check "after re-adding: vm1 pings vm2 again" ping_ok "${VM[1]}" "${VMIP[2]}"

ktap_finished
