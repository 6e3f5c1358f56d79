#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Network-namespace isolation. Namespaces A (hv-$RND) and B (hvb-$RND) each hold a switch named
# sw0, chained by a veth xa-$RND (A) <-> xb-$RND (B) attached as uplinks; vm1 hangs off A, vm2
# off B; the init namespace holds a third switch with a dummy port.
#  - each namespace sees only its own switch and ports; the same name works in both;
#  - a device of another namespace cannot be attached by name (ENODEV), another namespace's
#    switch cannot be deleted (ENOENT);
#  - vm1 pings vm2 through both switches;
#  - `ip netns del A` removes A's switch and ports; the veth peer in B dies with it, so B's
#    uplink port disappears and B's learned entries through it vanish, while B's switch and
#    the init namespace's switch are untouched; no splat.

source "$(dirname "$0")/lib.sh"

vflow_test_init "network namespace isolation"
require_cmd ping
vflow_require
topo_hv || ktap_bail_out "cannot create namespace A"
A=$HV
B=hvb-$RND
ns_create "$B" || ktap_bail_out "cannot create namespace B"
ip netns exec "$B" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
topo_vm 1 "$A" || ktap_bail_out "cannot create vm1"
topo_vm 2 "$B" || ktap_bail_out "cannot create vm2"
XA=xa-$RND XB=xb-$RND
if ! { ip -n "$A" link add "$XA" type veth peer name "$XB" netns "$B" &&
	ip -n "$A" link set "$XA" up && ip -n "$B" link set "$XB" up; }; then
	ktap_bail_out "cannot create the A-B link"
fi
D1=${HVDEV[1]} D2=${HVDEV[2]}
INITSW=in-$RND
INITDEV=vfd-$RND

# ---- a switch in the init namespace
on_exit "'$VFLOWCTL' switch del '$INITSW'; ip link del '$INITDEV'"
check "init namespace: dummy device and switch with it as a port" eval \
	'ip link add "$INITDEV" type dummy &&
	 "$VFLOWCTL" switch add "$INITSW" && "$VFLOWCTL" port add "$INITSW" dev "$INITDEV"'

# ---- same name in A and B
check "A: switch add sw0, vm port D1, uplink XA" eval \
	'vflowctl_in "$A" switch add sw0 &&
	 vflowctl_in "$A" port add sw0 dev "$D1" mac "${VMMAC[1]}" &&
	 vflowctl_in "$A" port add sw0 dev "$XA" type uplink'
check "B: switch add sw0 (same name), vm port D2, uplink XB" eval \
	'vflowctl_in "$B" switch add sw0 &&
	 vflowctl_in "$B" port add sw0 dev "$D2" mac "${VMMAC[2]}" &&
	 vflowctl_in "$B" port add sw0 dev "$XB" type uplink'

out=$(vflowctl_in "$A" -j switch show)
check_jq "A sees only its sw0 with 2 ports" "$out" 'length == 1 and .[0].name == "sw0" and .[0].n_ports == 2'
out=$(vflowctl_in "$B" -j switch show)
check_jq "B sees only its sw0 with 2 ports" "$out" 'length == 1 and .[0].name == "sw0" and .[0].n_ports == 2'
out=$(vflowctl_in - -j switch show)
check_jq "init sees its own switch and no sw0" "$out" --arg n "$INITSW" \
	'any(.[]; .name == $n and .n_ports == 1) and all(.[]; .name != "sw0")'
out=$(vflowctl_in "$A" -j port show)
check_jq "A's port list has only A's devices" "$out" --arg a "$D1" --arg b "$XA" \
	'length == 2 and ([.[].ifname] | sort == ([$a, $b] | sort)) and all(.[]; .switch == "sw0")'
out=$(vflowctl_in "$B" -j port show)
check_jq "B's port list has only B's devices" "$out" --arg a "$D2" --arg b "$XB" \
	'length == 2 and ([.[].ifname] | sort == ([$a, $b] | sort))'
check_err "A cannot see the init namespace's switch (ENOENT)" "$ERR_ENOENT" \
	vflowctl_in "$A" switch show "$INITSW"
check_err "B cannot delete the init namespace's switch (ENOENT)" "$ERR_ENOENT" \
	vflowctl_in "$B" switch del "$INITSW"
check_err "A cannot attach B's device by name (ENODEV)" "$ERR_ENODEV" \
	vflowctl_in "$A" port add sw0 dev "$XB"
check_err "A cannot attach the init namespace's device by name (ENODEV)" "$ERR_ENODEV" \
	vflowctl_in "$A" port add sw0 dev "$INITDEV"
check_err "init cannot attach A's device by name (ENODEV)" "$ERR_ENODEV" \
	vflowctl_in - port add "$INITSW" dev "$D1"

# ---- traffic through both switches
xaa=$(stats_json "$A" port "$XA")
xba=$(stats_json "$B" port "$XB")
check "vm1 (on A) pings vm2 (on B) through both switches" ping_ok "${VM[1]}" "${VMIP[2]}"
xab=$(stats_json "$A" port "$XA")
xbb=$(stats_json "$B" port "$XB")
check_delta "A's uplink XA tx_packets +3" "$xaa" "$xab" tx_packets 3
check_delta "B's uplink XB rx_packets +3" "$xba" "$xbb" rx_packets 3
out=$(vflowctl_in "$B" -j fdb show switch sw0)
check_jq "B learned vm1's MAC on its uplink" "$out" --arg m "${VMMAC[1]}" \
	'any(.[]; (.mac | ascii_downcase) == $m and .static == false)'

# ---- delete namespace A
check "ip netns del A (with its switch and ports)" ip netns del "$A"
ns_forget "$A"
xb_gone() { ! vflowctl_in "$B" port show dev "$XB" >/dev/null 2>&1; }
wait_for 30 xb_gone
log_test $? "B's uplink (peer of A's XA) disappears from B's ports"
check_eq "B's switch now has 1 port" "$(n_ports "$B" sw0)" 1
out=$(vflowctl_in "$B" -j fdb show switch sw0)
check_jq "B's learned entry for vm1 vanished with the port" "$out" --arg m "${VMMAC[1]}" \
	'all(.[]; (.mac | ascii_downcase) != $m)'
out=$(vflowctl_in "$B" -j port show)
check_jq "B's vm port is intact" "$out" --arg d "$D2" 'length == 1 and .[0].ifname == $d'
out=$(vflowctl_in - -j switch show "$INITSW")
check_jq "the init namespace's switch is intact" "$out" '.[0].n_ports == 1'
ns_create "$A"
out=$(vflowctl_in "$A" -j switch show)
check_jq "a new namespace with A's name starts without switches" "$out" 'length == 0'

# ---- init namespace cleanup (also done by the EXIT trap if this fails)
check "init namespace: switch del" "$VFLOWCTL" switch del "$INITSW"
check "init namespace: device del" ip link del "$INITDEV"

ktap_finished
