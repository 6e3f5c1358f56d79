#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Uplink behaviour. ext-$RND plays the physical network behind the uplink up-$RND of hv-$RND,
# which also carries the host's own address 10.0.0.254:
#  - pass-through: ext pings the host's IP through the uplink (the host stack answers) and
#    pass_packets of the uplink port and of the switch grow;
#  - broadcast from the uplink reaches every vm port and the host stack (arping -b answered by
#    the host, tx of both vm ports grows);
#  - learning: fdb lists ext's MAC learned on the uplink (static false) and the vm ports' MACs
#    (static true);
#  - ext <-> vm traffic is switched through the uplink in both directions;
#  - unicast from the uplink to an unknown MAC passes to the host and is not flooded to vm ports;
#  - frames from vm ports never reach the host stack.

source "$(dirname "$0")/lib.sh"

vflow_test_init "uplink: pass-through to the host stack, broadcast, learning"
require_cmd ping arping
vflow_require
topo_create 2 ext
D1=${HVDEV[1]} D2=${HVDEV[2]}
UPIDX=$(ifindex_of "$HV" "$UPDEV")
IDX1=$(ifindex_of "$HV" "$D1")
IDX2=$(ifindex_of "$HV" "$D2")
check "host address $HOSTIP on the uplink device" ip -n "$HV" addr add "$HOSTIP/24" dev "$UPDEV"

check "switch add sw0, two vm ports, one uplink" eval \
	'vfc switch add sw0 &&
	 vfc port add sw0 dev "$D1" type vm mac "${VMMAC[1]}" &&
	 vfc port add sw0 dev "$D2" type vm mac "${VMMAC[2]}" &&
	 vfc port add sw0 dev "$UPDEV" type uplink'
out=$(vfc -j port show dev "$UPDEV")
check_jq "uplink port shows type uplink" "$out" '.[0].type == "uplink" and .[0].switch == "sw0"'

# ---- pass-through: ext reaches the host stack through the uplink
upa=$(stats_json "$HV" port "$UPDEV")
swa=$(stats_json "$HV" switch sw0)
check "ext pings the host's address through the uplink (host stack answers)" \
	ping_ok "$EXT" "$HOSTIP"
upb=$(stats_json "$HV" port "$UPDEV")
swb=$(stats_json "$HV" switch sw0)
check_delta "uplink pass_packets +3" "$upa" "$upb" pass_packets 3
check_delta "switch pass_packets +3" "$swa" "$swb" pass_packets 3
check_delta "uplink rx_packets +3" "$upa" "$upb" rx_packets 3

# ---- broadcast from the uplink: to every vm port and to the host
p1a=$(stats_json "$HV" port "$D1")
p2a=$(stats_json "$HV" port "$D2")
check "ext arpings the host with broadcasts only, the host answers" \
	ip netns exec "$EXT" arping -b -c 3 -w 5 -I eth0 "$HOSTIP"
p1b=$(stats_json "$HV" port "$D1")
p2b=$(stats_json "$HV" port "$D2")
check_delta "uplink broadcast copied to vm1 (D1 tx_packets +3)" "$p1a" "$p1b" tx_packets 3
check_delta "uplink broadcast copied to vm2 (D2 tx_packets +3)" "$p2a" "$p2b" tx_packets 3

# ---- ext <-> vm through the uplink
upa=$(stats_json "$HV" port "$UPDEV")
p1a=$(stats_json "$HV" port "$D1")
check "ext pings vm1 through the uplink" ping_ok "$EXT" "${VMIP[1]}"
upb=$(stats_json "$HV" port "$UPDEV")
p1b=$(stats_json "$HV" port "$D1")
check_delta "ext -> vm1: uplink rx_packets +3" "$upa" "$upb" rx_packets 3
check_delta "ext -> vm1: uplink tx_packets +3 (replies out of the uplink)" "$upa" "$upb" tx_packets 3
check_delta "ext -> vm1: D1 tx_packets +3" "$p1a" "$p1b" tx_packets 3
check_delta "ext -> vm1: D1 rx_packets +3" "$p1a" "$p1b" rx_packets 3
check "vm2 pings ext through the uplink" ping_ok "${VM[2]}" "$EXTIP"

# ---- learning
out=$(vfc -j fdb show switch sw0)
check_jq "fdb: ext's MAC learned on the uplink, not static" "$out" \
	--arg m "$EXTMAC" --argjson i "$UPIDX" \
	'any(.[]; (.mac | ascii_downcase) == $m and .ifindex == $i and .static == false)'
check_jq "fdb: vm1's MAC static on D1" "$out" --arg m "${VMMAC[1]}" --argjson i "$IDX1" \
	'any(.[]; (.mac | ascii_downcase) == $m and .ifindex == $i and .static == true)'
check_jq "fdb: vm2's MAC static on D2" "$out" --arg m "${VMMAC[2]}" --argjson i "$IDX2" \
	'any(.[]; (.mac | ascii_downcase) == $m and .ifindex == $i and .static == true)'
check_jq "fdb: each MAC appears once" "$out" '[.[].mac | ascii_downcase] | length == (unique | length)'
out=$(vfc -j fdb show)
check_jq "fdb show without a switch filter lists the same entries" "$out" \
	--arg m "$EXTMAC" 'any(.[]; (.mac | ascii_downcase) == $m and .switch == "sw0")'

# ---- unknown unicast from the uplink: to the host only, not flooded to vm ports
check "ext: static neighbour 10.0.0.77 at unknown MAC 02:00:00:00:00:77" \
	ip -n "$EXT" neigh replace 10.0.0.77 lladdr 02:00:00:00:00:77 dev eth0 nud permanent
upa=$(stats_json "$HV" port "$UPDEV")
p1a=$(stats_json "$HV" port "$D1")
p2a=$(stats_json "$HV" port "$D2")
check_fails "nobody answers for the unknown MAC" ping_none "$EXT" 10.0.0.77
upb=$(stats_json "$HV" port "$UPDEV")
p1b=$(stats_json "$HV" port "$D1")
p2b=$(stats_json "$HV" port "$D2")
check_delta "unknown unicast on the uplink passes to the host (pass_packets +2)" \
	"$upa" "$upb" pass_packets 2
check_eq "unknown unicast on the uplink not flooded to vm1 (D1 tx +0)" "$(delta "$p1a" "$p1b" tx_packets)" 0
check_eq "unknown unicast on the uplink not flooded to vm2 (D2 tx +0)" "$(delta "$p2a" "$p2b" tx_packets)" 0

# ---- vm frames never reach the host stack
p1a=$(stats_json "$HV" port "$D1")
check_fails "vm1 cannot reach the host's address (vm frames never go to the host)" \
	ping_none "${VM[1]}" "$HOSTIP"
p1b=$(stats_json "$HV" port "$D1")
check_delta "those frames did enter vflow (D1 rx_packets +2)" "$p1a" "$p1b" rx_packets 2

ktap_finished
