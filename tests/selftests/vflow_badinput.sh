#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input to every command.
#  - vflow_nl.py (one python process, raw generic netlink): missing attributes, 16-byte and empty
#    names, names without NUL, zero-length attributes, unknown and reply-only attributes, wrong
#    types (u32 for a string, string for a u32, short/long u32), ifindex 0, port type 7/2, mac of
#    0/5/7 bytes, NLA_F_NESTED misuse, trailing bytes, unknown commands and do/dump misuse, plus
#    EEXIST/ENOENT/ENODEV/EBUSY; each case checks the errno, the extack, and that the switch and
#    port dumps are unchanged. It also checks the family's ops flags and the uAPI numbers.
#  - vflowctl: malformed command lines are rejected cleanly (no panic) and change nothing.

source "$(dirname "$0")/lib.sh"

vflow_test_init "bad input to every command"
require_cmd "$PYTHON"
vflow_require
topo_create 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
FREE=fr-$RND
BR=br-$RND

check "setup: switch bi0 with vm port D1 (mac), free dummy, D2 in a bridge" eval \
	'vfc switch add bi0 && vfc port add bi0 dev "$D1" type vm mac "${VMMAC[1]}" &&
	 ip -n "$HV" link add "$FREE" type dummy && ip -n "$HV" link set "$FREE" up &&
	 ip -n "$HV" link add "$BR" type bridge && ip -n "$HV" link set "$D2" master "$BR"'

# ---- raw netlink
run_nl "$HV" badinput --switch bi0 --port "$D1" --port-mac "${VMMAC[1]}" --free "$FREE" \
	--bridged "$D2" --uapi "$VFLOW_UAPI"
check_eq "D2 is still a port of the bridge" \
	"$(ip -n "$HV" -j link show dev "$D2" | jq -r '.[0].master // empty')" "$BR"

# ---- vflowctl command lines
state0=$(state_of "$HV")
check_jq "baseline state: bi0 with D1" "$state0" --arg d "$D1" \
	'.s == [{"name": "bi0", "n_ports": 1}] and (.p | length == 1) and .p[0].ifname == $d'

# cli_rejects DESCRIPTION ARGS...: vflowctl ARGS exits 1 or 2 (error or usage, not a panic or a
# signal), says something on stderr, and the switches/ports are unchanged.
cli_rejects() {
	local desc=$1 err rc now
	shift
	err=$(vfc "$@" 2>&1 >/dev/null)
	rc=$?
	now=$(state_of "$HV")
	if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
		diag "vflowctl $* exited $rc"; diag "$err"; log_test 1 "$desc"; return
	fi
	if [ -z "$err" ]; then
		diag "vflowctl $* printed nothing on stderr"; log_test 1 "$desc"; return
	fi
	if [ "$now" != "$state0" ]; then
		diag "state changed: $now"; log_test 1 "$desc"; return
	fi
	diag "exit $rc: $(head -1 <<<"$err")"
	log_test 0 "$desc"
}

cli_rejects "vflowctl switch add (no name)" switch add
cli_rejects "vflowctl switch add <16 bytes>" switch add abcdefghijklmnop
cli_rejects "vflowctl switch add ''" switch add ""
cli_rejects "vflowctl switch add a b (extra argument)" switch add a b
cli_rejects "vflowctl switch del (no name)" switch del
cli_rejects "vflowctl switch frob" switch frob
cli_rejects "vflowctl frob" frob
cli_rejects "vflowctl port add bi0 (no dev)" port add bi0
cli_rejects "vflowctl port add (nothing)" port add
cli_rejects "vflowctl port add bi0 dev (no name)" port add bi0 dev
cli_rejects "vflowctl port add ... dev <16 bytes>" port add bi0 dev abcdefghijklmnop
cli_rejects "vflowctl port add ... type bogus" port add bi0 dev "$FREE" type bogus
cli_rejects "vflowctl port add ... type 7" port add bi0 dev "$FREE" type 7
cli_rejects "vflowctl port add ... mac with 5 bytes" port add bi0 dev "$FREE" mac 02:00:00:00:00
cli_rejects "vflowctl port add ... mac with 7 bytes" port add bi0 dev "$FREE" mac 02:00:00:00:00:01:02
cli_rejects "vflowctl port add ... mac zz:..." port add bi0 dev "$FREE" mac zz:00:00:00:00:01
cli_rejects "vflowctl port add ... unknown keyword" port add bi0 dev "$FREE" colour red
cli_rejects "vflowctl port del (nothing)" port del
cli_rejects "vflowctl port del dev (no name)" port del dev
cli_rejects "vflowctl port show dev nosuchdev0" port show dev nosuchdev0
cli_rejects "vflowctl port show switch (no name)" port show switch
cli_rejects "vflowctl fdb show switch nosuch" fdb show switch nosuch
cli_rejects "vflowctl fdb frob" fdb frob

ktap_finished
