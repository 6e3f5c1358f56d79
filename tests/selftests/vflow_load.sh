#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module load/unload: insmod makes the "vflow" genetlink family appear, rmmod makes it disappear;
# rmmod with a configured switch (ports attached, traffic having flowed) succeeds, releases the
# devices and stops forwarding; configuration does not survive a reload; load/unload cycles.
# Leaves the module loaded.

source "$(dirname "$0")/lib.sh"

vflow_test_init "module load/unload and the genetlink family"
require_cmd insmod rmmod ping
require_vflowctl
[ -r "$VFLOW_KO" ] || ktap_skip_all "vflow.ko not found at $VFLOW_KO (set VFLOW_KO)"
VFLOW_RELOAD_ON_EXIT=1
topo_create 2

# ---- start from an unloaded module
if vflow_loaded; then
	check "rmmod of an idle loaded module" rmmod vflow || ktap_bail_out "cannot unload vflow"
fi
vflow_loaded
log_test $((!$?)) "module absent: /sys/module/vflow is gone"
expect_fail '.' vfc switch show
log_test $? "without the module vflowctl fails (family not found)"

# ---- load
check "insmod vflow.ko" insmod "$VFLOW_KO" || ktap_bail_out "insmod failed"
vflow_loaded
log_test $? "module present in /sys/module/vflow"
check "family visible: vflowctl switch show succeeds" vfc switch show
out=$(vfc -j switch show)
check_jq "new namespace has no switches (-j prints [])" "$out" 'type == "array" and length == 0'
if command -v genl >/dev/null 2>&1; then
	out=$(genl ctrl get name vflow 2>&1)
	grep -q 'Name: vflow' <<<"$out"
	log_test $? "genl ctrl lists the vflow family" || diag "$out"
fi
check_fails "second insmod is refused (module already loaded)" insmod "$VFLOW_KO"
vflow_loaded
log_test $? "module still loaded after the refused insmod"

# ---- configure and forward, then rmmod under configuration
check "create switch and two ports" eval \
	'vfc switch add sw0 && vfc port add sw0 dev "${HVDEV[1]}" mac "${VMMAC[1]}" &&
	 vfc port add sw0 dev "${HVDEV[2]}" mac "${VMMAC[2]}"'
check "vm1 pings vm2 through vflow" ping_ok "${VM[1]}" "${VMIP[2]}"

t0=$(date +%s%N)
timeout 30 rmmod vflow
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
log_test $rc "rmmod with a switch and 2 ports configured (${ms} ms)"
[ "$ms" -le 10000 ]
log_test $? "rmmod finished within 10 s"
vflow_loaded
log_test $((!$?)) "module gone after rmmod"
check_fails "after rmmod vm1 no longer reaches vm2" ping_none "${VM[1]}" "${VMIP[2]}"
check "after rmmod the former port can join a bridge (rx_handler released)" eval \
	'ip -n "$HV" link add br0 type bridge && ip -n "$HV" link set "${HVDEV[1]}" master br0 &&
	 ip -n "$HV" link set "${HVDEV[1]}" nomaster && ip -n "$HV" link del br0'

# ---- reload: nothing survives
check "insmod again" insmod "$VFLOW_KO" || ktap_bail_out "reload failed"
out=$(vfc -j switch show)
check_jq "after reload the namespace has no switches" "$out" 'length == 0'
out=$(vfc -j port show)
check_jq "after reload there are no ports" "$out" 'length == 0'
check "the former ports can be attached again" eval \
	'vfc switch add sw0 && vfc port add sw0 dev "${HVDEV[1]}" mac "${VMMAC[1]}" &&
	 vfc port add sw0 dev "${HVDEV[2]}" mac "${VMMAC[2]}"'
check "vm1 pings vm2 again after reload" ping_ok "${VM[1]}" "${VMIP[2]}"

# ---- quick cycles
ok=0
for i in 1 2 3; do
	rmmod vflow || { diag "rmmod failed in cycle $i"; ok=1; break; }
	insmod "$VFLOW_KO" || { diag "insmod failed in cycle $i"; ok=1; break; }
	vfc switch show >/dev/null || { diag "family missing in cycle $i"; ok=1; break; }
done
log_test $ok "3 quick unload/load cycles"
vflow_load
log_test $? "module loaded at the end"

ktap_finished
