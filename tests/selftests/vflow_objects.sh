#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Switch and port lifecycle through vflowctl: add/show/del with the -j fields (name, n_ports,
# stats only with -s; switch, ifindex, ifname, type, mac, id), EEXIST/ENOENT/ENODEV errors, the
# port filters of `port show`, n_ports following port add/del, fdb static entries, text and
# pretty output, and `switch del` of a switch with ports detaching them (the device can then
# join a bridge).

source "$(dirname "$0")/lib.sh"

vflow_test_init "switch and port lifecycle"
vflow_require
topo_create 3
D1=${HVDEV[1]} D2=${HVDEV[2]} D3=${HVDEV[3]}
IDX1=$(ifindex_of "$HV" "$D1")
IDX2=$(ifindex_of "$HV" "$D2")
STATS_ALL='(.stats) as $s | ["rx_packets","rx_bytes","tx_packets","tx_bytes","drop_packets",
	"drop_bytes","pass_packets","flood_packets"] | all(. as $k | $s[$k] | type == "number")'

# ---- switches
out=$(vfc -j switch show)
check_jq "empty namespace: switch show -j is []" "$out" 'type == "array" and length == 0'
check "switch add sw0" vfc switch add sw0
out=$(vfc -j switch show)
check_jq "switch show -j: one switch sw0 with n_ports 0" "$out" \
	'length == 1 and .[0].name == "sw0" and .[0].n_ports == 0'
check_jq "no stats without -s" "$out" '.[0] | has("stats") | not'
out=$(vfc -j -s switch show sw0)
check_jq "switch show -j -s NAME: 8 numeric counters" "$out" "length == 1 and (.[0] | $STATS_ALL)"
check_jq "counters of a new switch are zero" "$out" '[.[0].stats[]] | all(. == 0)'
check_err "switch add of an existing name -> EEXIST" "$ERR_EEXIST" vfc switch add sw0
out=$(vfc -j switch show)
check_jq "still exactly one switch" "$out" 'length == 1'
check "switch add sw1" vfc switch add sw1
out=$(vfc -j switch show)
check_jq "switch show lists sw0 and sw1" "$out" '[.[].name] | sort == ["sw0", "sw1"]'
out=$(vfc -j switch show sw1)
check_jq "switch show NAME shows only that switch" "$out" 'length == 1 and .[0].name == "sw1"'
check_err "switch show of an unknown switch -> ENOENT" "$ERR_ENOENT" vfc switch show nosuch
check_err "switch del of an unknown switch -> ENOENT" "$ERR_ENOENT" vfc switch del nosuch
N15=abcdefghijklmno
check "15-byte switch name accepted" vfc switch add "$N15"
out=$(vfc -j switch show "$N15")
check_jq "15-byte name shown intact" "$out" --arg n "$N15" '.[0].name == $n'
check "15-byte switch deleted" vfc switch del "$N15"
check_fails "16-byte switch name refused" vfc switch add "${N15}p"
out=$(vfc -j switch show)
check_jq "refused names left nothing behind" "$out" '[.[].name] | sort == ["sw0", "sw1"]'
out=$(vfc switch show)
grep -q sw0 <<<"$out" && grep -q sw1 <<<"$out"
log_test $? "text output of switch show names both switches" || diag "$out"
out=$(vfc -j -p switch show)
[ "$(wc -l <<<"$out")" -gt 1 ] && jq -e 'length == 2' >/dev/null <<<"$out"
log_test $? "-j -p prints valid multi-line JSON" || diag "$out"

# ---- ports
check "port add sw0 dev D1 type vm mac M1" vfc port add sw0 dev "$D1" type vm mac "${VMMAC[1]}"
out=$(vfc -j port show dev "$D1")
check_jq "port show dev D1: switch, ifindex, ifname, type vm, mac, numeric id" "$out" \
	--arg d "$D1" --argjson i "$IDX1" --arg m "${VMMAC[1]}" \
	'length == 1 and .[0].switch == "sw0" and .[0].ifindex == $i and .[0].ifname == $d and
	 .[0].type == "vm" and (.[0].mac | ascii_downcase) == $m and (.[0].id | type) == "number"'
check_jq "port show without -s has no stats" "$out" '.[0] | has("stats") | not'
out=$(vfc -j -s port show dev "$D1")
check_jq "port show -s: 8 numeric counters" "$out" ".[0] | $STATS_ALL"
check "port add sw0 dev D2 type uplink" vfc port add sw0 dev "$D2" type uplink
out=$(vfc -j port show dev "$D2")
check_jq "uplink port: type uplink, no mac" "$out" \
	--argjson i "$IDX2" '.[0].type == "uplink" and .[0].ifindex == $i and (.[0].mac == null)'
check "port add sw1 dev D3 (type defaults to vm)" vfc port add sw1 dev "$D3"
out=$(vfc -j port show dev "$D3")
check_jq "default port type is vm, no mac" "$out" \
	'.[0].type == "vm" and .[0].switch == "sw1" and (.[0].mac == null)'
check_eq "n_ports of sw0 is 2" "$(n_ports "$HV" sw0)" 2
check_eq "n_ports of sw1 is 1" "$(n_ports "$HV" sw1)" 1
out=$(vfc -j port show)
check_jq "port show lists all 3 ports" "$out" 'length == 3'
out=$(vfc -j port show switch sw0)
check_jq "port show switch sw0 lists D1 and D2 with distinct ids" "$out" \
	--arg a "$D1" --arg b "$D2" \
	'length == 2 and ([.[].ifname] | sort == ([$a, $b] | sort)) and ([.[].id] | unique | length == 2)'
out=$(vfc -j port show switch sw1)
check_jq "port show switch sw1 lists only D3" "$out" --arg c "$D3" 'length == 1 and .[0].ifname == $c'
check_err "port show switch of an unknown switch -> ENOENT" "$ERR_ENOENT" vfc port show switch nosuch
out=$(vfc port show)
grep -q -- "$D1" <<<"$out" && grep -q -- "$D3" <<<"$out"
log_test $? "text output of port show names the devices" || diag "$out"
out=$(vfc -j fdb show switch sw0)
check_jq "fdb show: M1 is a static entry on D1" "$out" --arg m "${VMMAC[1]}" --argjson i "$IDX1" \
	'any(.[]; (.mac | ascii_downcase) == $m and .ifindex == $i and .static == true and .switch == "sw0")'

check_err "port add to an unknown switch -> ENOENT" "$ERR_ENOENT" vfc port add nosuch dev "$D3"
check_err "port add of an unknown device -> ENODEV" "$ERR_ENODEV" vfc port add sw0 dev nosuchdev0
check_fails "port show dev of a device that is not a port fails" vfc port show dev lo
check_fails "port del of a device that is not a port fails" vfc port del dev lo
check_eq "n_ports of sw0 still 2 after the refused commands" "$(n_ports "$HV" sw0)" 2

check "port del dev D2" vfc port del dev "$D2"
check_eq "n_ports of sw0 drops to 1" "$(n_ports "$HV" sw0)" 1
check_fails "port show dev D2 fails after port del" vfc port show dev "$D2"
check_fails "second port del of D2 fails" vfc port del dev "$D2"
check "D2 can be attached again, now to sw1" vfc port add sw1 dev "$D2" type uplink
check_eq "n_ports of sw1 is 2" "$(n_ports "$HV" sw1)" 2

# ---- switch del with ports attached
check "switch del sw0 with a port attached" vfc switch del sw0
out=$(vfc -j port show)
check_jq "ports of sw0 are gone, those of sw1 remain" "$out" \
	--arg d "$D1" 'length == 2 and all(.[]; .switch == "sw1" and .ifname != $d)'
check_fails "port show dev D1 fails after its switch was deleted" vfc port show dev "$D1"
check "D1 is free: it joins a bridge" eval \
	'ip -n "$HV" link add br-$RND type bridge && ip -n "$HV" link set "$D1" master br-$RND'
check "D1 leaves the bridge again" ip -n "$HV" link set "$D1" nomaster
check "switch del sw1 with 2 ports" vfc switch del sw1
out=$(vfc -j switch show)
check_jq "no switches left" "$out" 'length == 0'
out=$(vfc -j port show)
check_jq "no ports left" "$out" 'length == 0'
check "D2 and D3 are free: they join a bridge" eval \
	'ip -n "$HV" link set "$D2" master br-$RND && ip -n "$HV" link set "$D3" master br-$RND'

ktap_finished
