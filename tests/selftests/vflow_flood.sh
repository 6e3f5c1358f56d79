#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Flooding among three vm ports: broadcast ARP from vm1 is captured in vm2 and vm3 (tcpdump) and
# answered by vm3, the tx counters of both other ports and the switch's flood_packets grow;
# unknown unicast from vm1 is flooded to vm2 and vm3; an IPv6 all-nodes multicast echo from vm1
# is answered by both vm2 and vm3.

source "$(dirname "$0")/lib.sh"

vflow_test_init "broadcast, multicast and unknown-unicast flooding"
require_cmd ping arping tcpdump timeout
vflow_require
topo_create 3
D1=${HVDEV[1]} D2=${HVDEV[2]} D3=${HVDEV[3]}

check "switch add sw0 with 3 vm ports (configured MACs)" eval \
	'vfc switch add sw0 &&
	 vfc port add sw0 dev "$D1" mac "${VMMAC[1]}" &&
	 vfc port add sw0 dev "$D2" mac "${VMMAC[2]}" &&
	 vfc port add sw0 dev "$D3" mac "${VMMAC[3]}"'
check_eq "n_ports is 3" "$(n_ports "$HV" sw0)" 3

# ---- broadcast ARP from vm1, seen in vm2 and vm3
p1a=$(stats_json "$HV" port "$D1")
p2a=$(stats_json "$HV" port "$D2")
p3a=$(stats_json "$HV" port "$D3")
swa=$(stats_json "$HV" switch sw0)
FILTER="arp and ether src ${VMMAC[1]} and ether dst ff:ff:ff:ff:ff:ff"
bg_run cap2 ip netns exec "${VM[2]}" timeout 60 tcpdump -n -l -c 3 -i eth0 "$FILTER"
CAP2=$BG_PID
bg_run cap3 ip netns exec "${VM[3]}" timeout 60 tcpdump -n -l -c 3 -i eth0 "$FILTER"
CAP3=$BG_PID
wait_for 30 grep -q "listening on" "$TMPD/cap2.err" &&
	wait_for 30 grep -q "listening on" "$TMPD/cap3.err"
log_test $? "tcpdump listening in vm2 and vm3" || diag "$(cat "$TMPD"/cap*.err)"
check "vm1 arpings vm3 with 3 broadcast requests, vm3 answers" \
	ip netns exec "${VM[1]}" arping -b -c 3 -w 5 -I eth0 "${VMIP[3]}"
wait "$CAP2"
log_test $? "vm2 captured the 3 broadcasts" || diag "$(cat "$TMPD/cap2.out" "$TMPD/cap2.err")"
wait "$CAP3"
log_test $? "vm3 captured the 3 broadcasts" || diag "$(cat "$TMPD/cap3.out" "$TMPD/cap3.err")"
p1b=$(stats_json "$HV" port "$D1")
p2b=$(stats_json "$HV" port "$D2")
p3b=$(stats_json "$HV" port "$D3")
swb=$(stats_json "$HV" switch sw0)
check_delta "broadcast: D1 rx_packets +3" "$p1a" "$p1b" rx_packets 3
check_delta "broadcast: D2 tx_packets +3 (copy to vm2)" "$p2a" "$p2b" tx_packets 3
check_delta "broadcast: D3 tx_packets +3 (copy to vm3)" "$p3a" "$p3b" tx_packets 3
check_delta "broadcast: D1 tx_packets +3 (vm3's replies)" "$p1a" "$p1b" tx_packets 3
check_delta "broadcast: switch flood_packets +3" "$swa" "$swb" flood_packets 3

# ---- unknown unicast from vm1
check "vm1: static neighbour 10.0.0.77 at unknown MAC 02:00:00:00:00:77" \
	ip -n "${VM[1]}" neigh replace 10.0.0.77 lladdr 02:00:00:00:00:77 dev eth0 nud permanent
p2a=$(stats_json "$HV" port "$D2")
p3a=$(stats_json "$HV" port "$D3")
swa=$(stats_json "$HV" switch sw0)
check_fails "nobody answers for the unknown MAC" ping_none "${VM[1]}" 10.0.0.77
p2b=$(stats_json "$HV" port "$D2")
p3b=$(stats_json "$HV" port "$D3")
swb=$(stats_json "$HV" switch sw0)
check_delta "unknown unicast: D2 tx_packets +2" "$p2a" "$p2b" tx_packets 2
check_delta "unknown unicast: D3 tx_packets +2" "$p3a" "$p3b" tx_packets 2
check_delta "unknown unicast: switch flood_packets +2" "$swa" "$swb" flood_packets 2

# ---- IPv6 all-nodes multicast echo
ll_of() {
	ip -n "$1" -j -6 addr show dev eth0 scope link |
		jq -r '[.[0].addr_info[] | select(.scope == "link") | .local][0] // empty'
}
LL2=$(ll_of "${VM[2]}")
LL3=$(ll_of "${VM[3]}")
if [ -n "$LL2" ] && [ -n "$LL3" ]; then
	p2a=$(stats_json "$HV" port "$D2")
	p3a=$(stats_json "$HV" port "$D3")
	out=$(ip netns exec "${VM[1]}" ping -6 -n -c 2 -i 0.3 -w 4 -I eth0 ff02::1 2>&1)
	grep -qE "from ${LL2}(%|: )" <<<"$out"
	log_test $? "multicast echo to ff02::1 answered by vm2" || diag "$out"
	grep -qE "from ${LL3}(%|: )" <<<"$out"
	log_test $? "multicast echo to ff02::1 answered by vm3" || diag "$out"
	p2b=$(stats_json "$HV" port "$D2")
	p3b=$(stats_json "$HV" port "$D3")
	check_delta "multicast: D2 tx_packets +2" "$p2a" "$p2b" tx_packets 2
	check_delta "multicast: D3 tx_packets +2" "$p3a" "$p3b" tx_packets 2
else
	log_test "$KSFT_SKIP" "IPv6 multicast echo (no link-local address in vm2/vm3)"
fi

ktap_finished
