#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Permissions: every mutating command needs CAP_NET_ADMIN. An unprivileged user (uid 65534, no
# capabilities) gets "Operation not permitted" for switch add/del and port add/del and nothing
# changes; the read-only commands (switch/port/fdb show, with -s) work for it. uid 0 without
# CAP_NET_ADMIN is refused too; uid 65534 with only CAP_NET_ADMIN is allowed (it is the
# capability that counts, not the uid).

source "$(dirname "$0")/lib.sh"

vflow_test_init "CAP_NET_ADMIN for mutating commands"
require_cmd setpriv
vflow_require
topo_create 2
D1=${HVDEV[1]} D2=${HVDEV[2]}

check "root: switch add sw0, port add D1" eval \
	'vfc switch add sw0 && vfc port add sw0 dev "$D1" mac "${VMMAC[1]}"'

# The unprivileged user must be able to execute vflowctl; copy it when its directory is closed.
CTL=$VFLOWCTL
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$CTL"; then
	chmod 755 "$TMPD"
	cp "$VFLOWCTL" "$TMPD/vflowctl" && chmod 755 "$TMPD/vflowctl"
	CTL=$TMPD/vflowctl
fi

as_nobody() {
	ip netns exec "$HV" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$CTL" "$@"
}
as_root_without_netadmin() {
	ip netns exec "$HV" setpriv --inh-caps=-all --bounding-set=-net_admin "$CTL" "$@"
}
as_nobody_with_netadmin() {
	ip netns exec "$HV" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all,+net_admin --ambient-caps=+net_admin "$CTL" "$@"
}

state0=$(state_of "$HV")
check_jq "baseline state has sw0 with D1" "$state0" --arg d "$D1" \
	'.s == [{"name": "sw0", "n_ports": 1}] and .p[0].ifname == $d'

check_err "unprivileged switch add -> EPERM" "$ERR_EPERM" as_nobody switch add x
check_err "unprivileged switch del -> EPERM" "$ERR_EPERM" as_nobody switch del sw0
check_err "unprivileged port add -> EPERM" "$ERR_EPERM" as_nobody port add sw0 dev "$D2"
check_err "unprivileged port add to an unknown switch -> EPERM (checked first)" "$ERR_EPERM" \
	as_nobody port add nosuch dev "$D2"
check_err "unprivileged port del -> EPERM" "$ERR_EPERM" as_nobody port del dev "$D1"
check_eq "nothing changed (switches, ports)" "$(state_of "$HV")" "$state0"
out=$(vfc -j switch show)
check_jq "no switch x was created" "$out" 'all(.[]; .name != "x")'

out=$(as_nobody -j switch show)
log_test $? "unprivileged switch show works"
check_jq "  ... and lists sw0 with 1 port" "$out" 'length == 1 and .[0].name == "sw0" and .[0].n_ports == 1'
out=$(as_nobody -j -s switch show sw0)
log_test $? "unprivileged switch show -s NAME works"
check_jq "  ... with counters" "$out" '.[0].stats.rx_packets | type == "number"'
out=$(as_nobody -j port show)
log_test $? "unprivileged port show works"
check_jq "  ... and lists D1" "$out" --arg d "$D1" 'length == 1 and .[0].ifname == $d'
out=$(as_nobody -j fdb show)
log_test $? "unprivileged fdb show works"
check_jq "  ... and lists D1's static MAC" "$out" --arg m "${VMMAC[1]}" \
	'any(.[]; (.mac | ascii_downcase) == $m and .static == true)'

check_err "uid 0 without CAP_NET_ADMIN: switch add -> EPERM" "$ERR_EPERM" \
	as_root_without_netadmin switch add y
check_eq "nothing changed" "$(state_of "$HV")" "$state0"
check "uid 65534 with only CAP_NET_ADMIN: switch add capsw" as_nobody_with_netadmin switch add capsw
check "uid 65534 with only CAP_NET_ADMIN: port add capsw dev D2" \
	as_nobody_with_netadmin port add capsw dev "$D2"
check_eq "capsw has 1 port" "$(n_ports "$HV" capsw)" 1
check "uid 65534 with only CAP_NET_ADMIN: switch del capsw" as_nobody_with_netadmin switch del capsw
check_eq "back to the baseline" "$(state_of "$HV")" "$state0"

ktap_finished
