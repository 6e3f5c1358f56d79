#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's generic YNL client (tools/net/ynl/pyynl/cli.py) drives the family from the YAML
# spec alone: switch-new, port-new (enum and mac given by name), dumps of switch-get and port-get
# (cross-checked with vflowctl), switch-del, and the ENOENT error of a second switch-del. The
# kernel's policy for port-new (queried through nlctrl) matches the spec's checks.

source "$(dirname "$0")/lib.sh"

vflow_test_init "the kernel's ynl cli.py drives the vflow family"
require_cmd "$PYTHON"
[ -f "$YNL_CLI" ] || ktap_skip_all "ynl cli.py not found at $YNL_CLI (set YNL_CLI)"
[ -f "$VFLOW_SPEC" ] || ktap_skip_all "spec not found at $VFLOW_SPEC (set VFLOW_SPEC)"
vflow_require
topo_create 1
D1=${HVDEV[1]}

SCHEMA_ARGS=(--no-schema)
[ -f "$YNL_SCHEMA" ] && SCHEMA_ARGS=(--schema "$YNL_SCHEMA")
ynl() {
	ip netns exec "$HV" "$PYTHON" "$YNL_CLI" --spec "$VFLOW_SPEC" "${SCHEMA_ARGS[@]}" "$@"
}

# ---- switch-new (also settles whether the schema can be used and ynl runs at all)
out=$(ynl --do switch-new --json '{"name": "ynl0"}' 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "No module named 'jsonschema'" <<<"$out"; then
	diag "jsonschema missing: retrying with --no-schema"
	SCHEMA_ARGS=(--no-schema)
	out=$(ynl --do switch-new --json '{"name": "ynl0"}' 2>&1)
	rc=$?
fi
grep -q "No module named 'yaml'" <<<"$out" && ktap_skip_all "python3 lacks PyYAML (needed by ynl)"
log_test $rc "ynl --do switch-new {name: ynl0}" || diag "$out"
out=$(vfc -j switch show ynl0)
check_jq "vflowctl sees ynl0 with 0 ports" "$out" 'length == 1 and .[0].name == "ynl0" and .[0].n_ports == 0'

# ---- port-new with enum and mac given as text
out=$(ynl --do port-new --json "{\"switch\": \"ynl0\", \"ifname\": \"$D1\", \"type\": \"vm\",
	\"mac\": \"${VMMAC[1]}\"}" 2>&1)
log_test $? "ynl --do port-new {switch, ifname, type: vm, mac}" || diag "$out"
out=$(vfc -j port show dev "$D1")
check_jq "vflowctl sees the port with type vm and the mac" "$out" --arg m "${VMMAC[1]}" \
	'.[0].switch == "ynl0" and .[0].type == "vm" and (.[0].mac | ascii_downcase) == $m'

# ---- dumps
out=$(ynl --dump switch-get --output-json 2>&1)
log_test $? "ynl --dump switch-get" || diag "$out"
check_jq "the dump has ynl0 with n-ports 1 and stats" "$out" \
	'any(.[]; .name == "ynl0" and .["n-ports"] == 1 and (.stats["rx-packets"] | type) == "number")'
out=$(ynl --dump port-get --json '{"switch": "ynl0"}' --output-json 2>&1)
log_test $? "ynl --dump port-get {switch: ynl0}" || diag "$out"
check_jq "the port dump decodes ifname, type, mac through the spec" "$out" \
	--arg d "$D1" --arg m "${VMMAC[1]}" \
	'length == 1 and .[0].ifname == $d and .[0].type == "vm" and (.[0].mac | ascii_downcase) == $m
	 and .[0].switch == "ynl0" and (.[0].id | type) == "number"'

# ---- the kernel's policy agrees with the spec
out=$(ynl --policy --do port-new --output-json 2>&1)
log_test $? "ynl --policy --do port-new" || diag "$out"
check_jq "kernel policy: mac exactly 6 bytes, type max 1, ifindex min 1, names max 15" "$out" \
	'.mac["min-length"] == 6 and .mac["max-length"] == 6 and .type["max-value"] == 1 and
	 .ifindex["min-value"] == 1 and .switch["max-length"] == 15 and .ifname["max-length"] == 15'

# ---- switch-del, twice
out=$(ynl --do switch-del --json '{"name": "ynl0"}' 2>&1)
log_test $? "ynl --do switch-del {name: ynl0}" || diag "$out"
out=$(vfc -j switch show)
check_jq "vflowctl no longer sees ynl0" "$out" 'all(.[]; .name != "ynl0")'
check_fails "its port was detached" vfc port show dev "$D1"
out=$(ynl --do switch-del --json '{"name": "ynl0"}' 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q "No such file or directory" <<<"$out"
log_test $? "a second switch-del fails with ENOENT" || diag "exit $rc: $out"

ktap_finished
