#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rx_handler ownership: a bridge port cannot become a vflow port (EBUSY, with the kernel's extack
# text printed, nothing changed, still a bridge port); a vflow port cannot be attached a second
# time, neither to its own switch nor to another (EBUSY); a vflow port cannot be enslaved to a
# bridge; after port del it can.

source "$(dirname "$0")/lib.sh"

vflow_test_init "EBUSY: devices that already have an rx_handler"
vflow_require
topo_create 3
D1=${HVDEV[1]} D2=${HVDEV[2]} D3=${HVDEV[3]}
BR=br-$RND

check "bridge $BR with D1 as a port" eval \
	'ip -n "$HV" link add "$BR" type bridge && ip -n "$HV" link set "$BR" up &&
	 ip -n "$HV" link set "$D1" master "$BR"'
check "switch add sw0 and sw1" eval 'vfc switch add sw0 && vfc switch add sw1'

master_of() {
	ip -n "$HV" -j link show dev "$1" | jq -r '.[0].master // empty'
}

# extack_shown: the CLI printed a message that is not only strerror(EBUSY)
extack_shown() {
	local msg
	msg=$(sed -n 's/^Error: //p' <<<"$LAST_ERR" | head -1)
	[ -n "$msg" ] && [ "$msg" != "Device or resource busy" ]
}

# ---- a bridge port
expect_fail "$ERR_EBUSY" vfc port add sw0 dev "$D1"
log_test $? "port add of a bridge port -> EBUSY"
extack_shown
log_test $? "the kernel's extack message is printed" || diag "stderr: $LAST_ERR"
diag "stderr: $LAST_ERR"
check_eq "sw0 still has no ports" "$(n_ports "$HV" sw0)" 0
check_fails "D1 is not listed as a port" vfc port show dev "$D1"
check_eq "D1 is still a port of $BR" "$(master_of "$D1")" "$BR"
check_err "uplink attach of the bridge port -> EBUSY as well" "$ERR_EBUSY" \
	vfc port add sw1 dev "$D1" type uplink
check_eq "sw1 still has no ports" "$(n_ports "$HV" sw1)" 0

# ---- a vflow port attached twice
check "port add sw0 dev D2" vfc port add sw0 dev "$D2" mac "${VMMAC[2]}"
expect_fail "$ERR_EBUSY" vfc port add sw0 dev "$D2" mac "${VMMAC[2]}"
log_test $? "attaching D2 to the same switch again -> EBUSY"
extack_shown
log_test $? "the kernel's extack message is printed" || diag "stderr: $LAST_ERR"
check_err "attaching D2 to another switch -> EBUSY" "$ERR_EBUSY" vfc port add sw1 dev "$D2"
check_eq "sw0 still has 1 port" "$(n_ports "$HV" sw0)" 1
check_eq "sw1 still has no ports" "$(n_ports "$HV" sw1)" 0
out=$(vfc -j port show dev "$D2")
check_jq "D2 still belongs to sw0 with its mac" "$out" --arg m "${VMMAC[2]}" \
	'length == 1 and .[0].switch == "sw0" and (.[0].mac | ascii_downcase) == $m'

# ---- the bridge cannot take a vflow port
check_fails "a vflow port cannot be enslaved to a bridge" ip -n "$HV" link set "$D2" master "$BR"
check_eq "D2 has no master" "$(master_of "$D2")" ""
check "D2 is still a vflow port" vfc port show dev "$D2"

# ---- released by port del
check "port del dev D2" vfc port del dev "$D2"
check "after port del D2 joins the bridge" ip -n "$HV" link set "$D2" master "$BR"
check_err "and is then refused by vflow" "$ERR_EBUSY" vfc port add sw0 dev "$D2"
check "D1 leaves the bridge" ip -n "$HV" link set "$D1" nomaster
check "after leaving the bridge D1 can be attached" vfc port add sw1 dev "$D1"
check "D3 (never bridged) can be attached to sw0" vfc port add sw0 dev "$D3"
check_eq "sw0 has 1 port, sw1 has 1 port" "$(n_ports "$HV" sw0)/$(n_ports "$HV" sw1)" "1/1"

ktap_finished
