#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the vflow selftests: KTAP output and counting, [ OK ]/[FAIL]/[SKIP] lines,
# requirements (exit 4 = KSFT_SKIP), module load/unload, the vflowctl wrapper, counters through
# `vflowctl -j -s`, the netns topology (hv / vmN / ext), cleanup on EXIT, and dmesg splat checks.
#
# A test sources this file, calls vflow_test_init "<what it checks>", runs checks with log_test /
# check / expect_fail / ..., and ends with ktap_finished (exit 0 pass, 1 fail, 4 skip).
#
# Everything runs as root inside the test guest; nothing here is meant for the host.
# shellcheck shell=bash disable=SC2034

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=${VFLOW_ROOT:-$(cd "$LIB_DIR/../.." && pwd)}
KSRC=${KSRC:-${VFLOW_CACHE:-/var/cache/vflow}/linux-source-7.3}

: "${VFLOW_KO:=$REPO_ROOT/build/module/vflow.ko}"
: "${VFLOWCTL:=$REPO_ROOT/userspace-ctl/target/release/vflowctl}"
: "${VFLOW_SPEC:=$REPO_ROOT/Documentation/netlink/specs/vflow.yaml}"
: "${VFLOW_UAPI:=$REPO_ROOT/include/uapi/linux/vflow.h}"
: "${YNL_CLI:=$KSRC/tools/net/ynl/pyynl/cli.py}"
: "${YNL_SCHEMA:=$KSRC/Documentation/netlink/genetlink.yaml}"
: "${PYTHON:=python3}"
export VFLOW_KO VFLOWCTL VFLOW_SPEC VFLOW_UAPI YNL_CLI YNL_SCHEMA PYTHON

KSFT_PASS=0
KSFT_FAIL=1
KSFT_XFAIL=2
KSFT_XPASS=3
KSFT_SKIP=4

KTAP_TESTNO=0
KTAP_CNT_PASS=0
KTAP_CNT_FAIL=0
KTAP_CNT_SKIP=0

TEST_NAME=$(basename "$0" .sh)
STAT_FIELDS="rx_packets rx_bytes tx_packets tx_bytes drop_packets drop_bytes pass_packets flood_packets"

# Patterns the CLI's error text is matched against where the contract leaves the exact wording to
# the module (vflowctl prints the kernel's extack message when there is one, strerror otherwise).
ERR_EPERM='Operation not permitted'
ERR_EEXIST='exist'                                   # "File exists" / "switch ... already exists"
ERR_ENOENT='no such switch|No such file or directory'
ERR_ENODEV='no such device|No such device|not found'
ERR_EBUSY='busy|rx.?handler|already|in use|attached|bridge|another|enslaved|master'
ERR_EINVAL='invalid|Invalid|failed policy|too long|range|must|missing|required|expected|usage'

# ---------------------------------------------------------------- KTAP and result lines

ktap_print_header() {
	echo "TAP version 13"
	echo "# $TEST_NAME: $*"
}

ktap_print_msg() {
	echo "# $*"
}

# diag TEXT...: indented diagnostic lines (multi-line text allowed), KTAP comment style.
diag() {
	local line
	while IFS= read -r line; do
		echo "#     $line"
	done <<<"$*"
}

__ktap_result() { # ok|not ok, description, directive
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
	local desc=${2//$'\n'/ }
	desc=${desc//#/\\#}
	if [ -n "${3:-}" ]; then
		echo "$1 $KTAP_TESTNO $desc # $3"
	else
		echo "$1 $KTAP_TESTNO $desc"
	fi
}

ktap_test_pass() {
	printf '# %-70s [ OK ]\n' "$1"
	__ktap_result "ok" "$1"
	KTAP_CNT_PASS=$((KTAP_CNT_PASS + 1))
}

ktap_test_fail() {
	printf '# %-70s [FAIL]\n' "$1"
	__ktap_result "not ok" "$1"
	KTAP_CNT_FAIL=$((KTAP_CNT_FAIL + 1))
}

ktap_test_skip() {
	printf '# %-70s [SKIP]\n' "$1"
	__ktap_result "ok" "$1" "SKIP ${2:-}"
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

# log_test RC DESCRIPTION: 0 = pass, 4 = skip, anything else = fail.
log_test() {
	local rc=$1
	shift
	# VFLOW_TIMING=1: seconds since the test began before each result (where the time goes)
	[ -n "${VFLOW_TIMING:-}" ] && echo "#     t=${SECONDS}s"
	case $rc in
	0) ktap_test_pass "$*" ;;
	"$KSFT_SKIP") ktap_test_skip "$*" ;;
	*) ktap_test_fail "$*" ;;
	esac
	return "$rc"
}

ktap_print_totals() {
	echo "# Totals: pass:$KTAP_CNT_PASS fail:$KTAP_CNT_FAIL xfail:0 xpass:0 skip:$KTAP_CNT_SKIP error:0"
}

# ktap_finished: plan, totals, exit code (1 if any check failed; 4 if nothing passed but
# something was skipped; else 0). The EXIT trap then cleans up.
ktap_finished() {
	check_dmesg
	echo "1..$KTAP_TESTNO"
	ktap_print_totals
	echo "# $TEST_NAME: $KTAP_CNT_PASS passed, $KTAP_CNT_FAIL failed, $KTAP_CNT_SKIP skipped"
	if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
		exit "$KSFT_FAIL"
	elif [ "$KTAP_CNT_PASS" -eq 0 ] && [ "$KTAP_CNT_SKIP" -gt 0 ]; then
		exit "$KSFT_SKIP"
	fi
	exit "$KSFT_PASS"
}

# ktap_skip_all REASON: the whole test cannot run here.
ktap_skip_all() {
	if [ "$KTAP_TESTNO" -eq 0 ]; then
		echo "1..0 # SKIP $*"
	else
		ktap_test_skip "remaining checks" "$*"
		echo "1..$KTAP_TESTNO"
		ktap_print_totals
	fi
	exit "$KSFT_SKIP"
}

# ktap_bail_out REASON: the test cannot continue (setup broke); counts as a failure.
ktap_bail_out() {
	ktap_test_fail "$*"
	echo "Bail out! $*"
	echo "1..$KTAP_TESTNO"
	ktap_print_totals
	exit "$KSFT_FAIL"
}

# ---------------------------------------------------------------- generic checks

# check DESCRIPTION CMD...: run CMD, pass when it exits 0; its output is shown on failure.
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		diag "command failed (exit $rc): $*"
		[ -n "$out" ] && diag "$out"
		rc=1
	fi
	log_test $rc "$desc"
}

# check_fails DESCRIPTION CMD...: pass when CMD exits non-zero.
check_fails() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		diag "command unexpectedly succeeded: $*"
		[ -n "$out" ] && diag "$out"
		log_test 1 "$desc"
		return 1
	fi
	log_test 0 "$desc"
}

# expect_fail ERE CMD...: CMD must exit exactly 1 and print "Error: ..." on stderr matching ERE
# (extended regex, case-insensitive). Returns 0/1 (no result line: combine with log_test).
# The stderr text is left in LAST_ERR.
LAST_ERR=
expect_fail() {
	local re=$1 rc
	shift
	LAST_ERR=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 1 ]; then
		diag "expected exit 1, got $rc: $*"
		[ -n "$LAST_ERR" ] && diag "stderr: $LAST_ERR"
		return 1
	fi
	if ! grep -q '^Error: ..*' <<<"$LAST_ERR"; then
		diag "stderr has no 'Error: <message>' line: $*"
		diag "stderr: $LAST_ERR"
		return 1
	fi
	if ! grep -qiE -- "$re" <<<"$LAST_ERR"; then
		diag "stderr does not match /$re/: $*"
		diag "stderr: $LAST_ERR"
		return 1
	fi
	return 0
}

# check_err DESCRIPTION ERE CMD...: expect_fail + result line.
check_err() {
	local desc=$1 re=$2
	shift 2
	expect_fail "$re" "$@"
	log_test $? "$desc"
}

# jq_ok JSON [jq options...] FILTER: FILTER evaluates to exactly `true` on JSON. (Not `jq -e`:
# jq 1.6 exits 0 on empty input, which would make a check on missing output pass.)
jq_ok() {
	local json=$1 res
	shift
	res=$(jq "${@:1:$#-1}" "${!#}" 2>&1 <<<"$json") && [ "$res" = true ]
}

# check_jq DESCRIPTION JSON [jq options...] FILTER: pass when FILTER (the last argument) is true
# on JSON, e.g. check_jq "port has mac" "$out" --arg m "$MAC" '.[0].mac == $m'
check_jq() {
	local desc=$1 json=$2 filter
	shift 2
	filter=${!#}
	if jq_ok "$json" "$@"; then
		log_test 0 "$desc"
	else
		diag "jq filter false: $filter"
		diag "on: $(head -c 2000 <<<"$json")"
		log_test 1 "$desc"
	fi
}

is_uint() {
	[[ "${1:-}" =~ ^[0-9]+$ ]]
}

# check_ge DESCRIPTION VALUE MIN: integers, VALUE >= MIN.
check_ge() {
	local desc=$1 val=$2 min=$3
	if is_uint "$val" && is_uint "$min" && [ "$val" -ge "$min" ]; then
		log_test 0 "$desc"
	else
		diag "expected >= $min, got '$val'"
		log_test 1 "$desc"
	fi
}

# check_eq DESCRIPTION VALUE EXPECTED: string equality.
check_eq() {
	if [ "$2" = "$3" ]; then
		log_test 0 "$1"
	else
		diag "expected '$3', got '$2'"
		log_test 1 "$1"
	fi
}

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds; 1 on timeout.
wait_for() {
	local timeout=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + timeout * 1000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $(($(date +%s%N) / 1000000)) -ge $end ] && return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------- requirements

require_root() {
	[ "$(id -u)" = 0 ] || ktap_skip_all "must run as root (inside the test guest)"
}

# require_cmd CMD...: skip the whole test when a tool is missing.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || ktap_skip_all "'$c' is not installed"
	done
}

require_vflowctl() {
	[ -x "$VFLOWCTL" ] || ktap_skip_all "vflowctl not found at $VFLOWCTL (set VFLOWCTL)"
}

# ---------------------------------------------------------------- module

vflow_loaded() {
	[ -d /sys/module/vflow ]
}

# vflow_load: idempotent insmod of $VFLOW_KO. 0 = loaded, 4 = no module file, 1 = insmod failed.
vflow_load() {
	vflow_loaded && return 0
	if [ ! -r "$VFLOW_KO" ]; then
		echo "# vflow.ko not found at $VFLOW_KO (set VFLOW_KO)" >&2
		return "$KSFT_SKIP"
	fi
	# tests run in parallel in the guest: another one may load it first ("File exists")
	insmod "$VFLOW_KO" || vflow_loaded || return 1
	vflow_loaded
}

# vflow_unload: rmmod; a test that calls it gets the module reloaded by the EXIT trap.
vflow_unload() {
	VFLOW_RELOAD_ON_EXIT=1
	vflow_loaded || return 0
	rmmod vflow
}

# vflow_require: the module is loaded and vflowctl exists, or the test is skipped.
vflow_require() {
	require_vflowctl
	vflow_load
	case $? in
	0) ;;
	"$KSFT_SKIP") ktap_skip_all "vflow.ko not found at $VFLOW_KO (set VFLOW_KO)" ;;
	*) ktap_bail_out "insmod $VFLOW_KO failed" ;;
	esac
}

# ---------------------------------------------------------------- vflowctl

# vflowctl_in NS ARGS...: vflowctl inside netns NS ("" or "-" = the current namespace).
vflowctl_in() {
	local ns=$1
	shift
	if [ -n "$ns" ] && [ "$ns" != - ]; then
		ip netns exec "$ns" "$VFLOWCTL" "$@"
	else
		"$VFLOWCTL" "$@"
	fi
}

# vfc ARGS...: vflowctl in the host namespace of the topology ($HV).
vfc() {
	vflowctl_in "$HV" "$@"
}

# stats_json NS port IFNAME | NS switch NAME: the `vflowctl -j -s ... show` output of one port or
# switch, kept raw (no jq here: every process costs ~0.3 s in the emulated guest); the helpers
# below read .[0].stats from it. Prints nothing and returns 1 when the command fails.
stats_json() {
	local ns=$1 kind=$2 name=$3
	case $kind in
	port) vflowctl_in "$ns" -j -s port show dev "$name" 2>/dev/null ;;
	switch) vflowctl_in "$ns" -j -s switch show "$name" 2>/dev/null ;;
	*) return 1 ;;
	esac
}

# stat_of NS port IFNAME FIELD | NS switch NAME FIELD: one counter (prints nothing, returns 1
# when it cannot be read).
stat_of() {
	local js
	js=$(stats_json "$1" "$2" "$3") || return 1
	jnum "$js" "$4"
}

# jnum STATS_JSON FIELD: one counter of a stats_json output.
jnum() {
	local v
	v=$(jq -r --arg f "$2" '.[0].stats[$f] | numbers' 2>/dev/null <<<"$1") && is_uint "$v" &&
		echo "$v"
}

# delta BEFORE AFTER FIELD: AFTER - BEFORE of a counter of two stats_json outputs, with one jq;
# prints "NaN" (and returns 1) when either is unreadable.
delta() {
	local d
	d=$(jq -rn --argjson a "${1:-null}" --argjson b "${2:-null}" --arg f "$3" \
		'($a[0].stats[$f] | numbers) as $x | ($b[0].stats[$f] | numbers) as $y | $y - $x' \
		2>/dev/null) && [[ "$d" =~ ^-?[0-9]+$ ]] && { echo "$d"; return 0; }
	echo NaN
	return 1
}

# check_delta DESCRIPTION BEFORE AFTER FIELD MIN: counter FIELD grew by at least MIN.
check_delta() {
	local d
	d=$(delta "$2" "$3" "$4")
	if is_uint "$d" && [ "$d" -ge "$5" ]; then
		log_test 0 "$1"
	else
		diag "$4: grew by $d, wanted +$5; before: $(head -c 600 <<<"$2")"
		diag "after: $(head -c 600 <<<"$3")"
		log_test 1 "$1"
	fi
}

# n_ports NS SWITCH: the n_ports of a switch (prints nothing, returns 1 when unknown).
n_ports() {
	local out
	out=$(vflowctl_in "$1" -j switch show "$2" 2>/dev/null) || return 1
	out=$(jq -r '.[0].n_ports | numbers' 2>/dev/null <<<"$out") && is_uint "$out" && echo "$out"
}

# ---------------------------------------------------------------- namespaces and topology

NS_LIST=()
BG_PIDS=()
CLEANUP_CMDS=()
VFLOW_RELOAD_ON_EXIT=0
TMPD=
RND=

# ns_create NAME: new netns with lo up, removed by the EXIT trap.
ns_create() {
	ip netns add "$1" || return 1
	NS_LIST+=("$1")
	ip -n "$1" link set lo up
}

# ns_forget NAME: the test deleted NAME itself; the EXIT trap need not.
ns_forget() {
	local ns keep=()
	for ns in "${NS_LIST[@]}"; do
		[ "$ns" = "$1" ] || keep+=("$ns")
	done
	NS_LIST=("${keep[@]}")
}

# on_exit CMD: a shell command the EXIT trap runs (in reverse order) before deleting namespaces.
on_exit() {
	CLEANUP_CMDS+=("$1")
}

# bg_run NAME CMD...: start CMD in the background, output in $TMPD/NAME.{out,err}; the pid is
# left in BG_PID and killed by the EXIT trap if still running.
BG_PID=
bg_run() {
	local name=$1
	shift
	"$@" >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# bg_stop PID: terminate one background job we started, and reap it.
bg_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

vflow_cleanup() {
	local rc=$? i pid ns
	set +e
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ((i = ${#CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_CMDS[$i]}" >/dev/null 2>&1
	done
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$TMPD" ] && rm -rf "$TMPD"
	if [ "$VFLOW_RELOAD_ON_EXIT" = 1 ] && ! vflow_loaded; then
		vflow_load >/dev/null 2>&1 || echo "# WARNING: could not reload vflow.ko at exit"
	fi
	exit $rc
}

# vflow_test_init DESCRIPTION: header, root check, random suffix, tmpdir, EXIT trap, dmesg mark.
vflow_test_init() {
	ktap_print_header "$*"
	require_root
	require_cmd ip jq
	local tries=0
	while :; do
		RND=$(printf '%04x' $((RANDOM % 65536)))
		ip netns list 2>/dev/null | grep -q -- "-$RND\b" || break
		tries=$((tries + 1))
		[ $tries -lt 20 ] || break
	done
	TMPD=$(mktemp -d "/tmp/vflow-$TEST_NAME.XXXXXX") || ktap_bail_out "mktemp failed"
	trap vflow_cleanup EXIT
	trap 'exit 1' INT TERM HUP
	dmesg_mark
}

# Names of the standard topology (suffix $RND keeps them unique and <= 15 bytes).
#   hv-$RND   host namespace: the switch, vflowctl, host ends v<i>-$RND of the VM veths, up-$RND
#   vm<i>-$RND  one per VM: eth0, MAC 02:00:00:00:00:0<i>, 10.0.0.<i>/24, fd00::<i>/64
#   ext-$RND  the "physical network" behind the uplink: eth0, MAC 02:00:00:00:00:e1, 10.0.0.100/24
HV=
EXT=
UPDEV=
EXTMAC=02:00:00:00:00:e1
EXTIP=10.0.0.100
HOSTIP=10.0.0.254
declare -a VM HVDEV VMMAC VMIP VMIP6

# topo_hv: the host namespace (IPv6 off there: no stray RS/MLD from the host ends).
topo_hv() {
	HV=hv-$RND
	ns_create "$HV" || return 1
	ip netns exec "$HV" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	return 0
}

# topo_vm I [HOSTNS]: VM namespace vmI-$RND whose eth0 <-> v<I>-$RND in HOSTNS (default $HV),
# host end up without an address.
topo_vm() {
	local i=$1 hns=${2:-$HV}
	VM[i]=vm$i-$RND
	HVDEV[i]=v$i-$RND
	VMMAC[i]=$(printf '02:00:00:00:00:%02x' "$i")
	VMIP[i]=10.0.0.$i
	VMIP6[i]=fd00::$i
	ns_create "${VM[i]}" || return 1
	# no DAD (addresses usable at once), no router solicitations (no periodic multicast noise
	# that would disturb exact counter checks)
	ip netns exec "${VM[i]}" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.router_solicitations=0 >/dev/null
	ip -n "$hns" link add "${HVDEV[i]}" type veth peer name eth0 netns "${VM[i]}" || return 1
	ip -n "${VM[i]}" link set eth0 address "${VMMAC[i]}" || return 1
	ip -n "${VM[i]}" addr add "${VMIP[i]}/24" dev eth0 || return 1
	ip -n "${VM[i]}" addr add "${VMIP6[i]}/64" dev eth0 nodad || return 1
	ip -n "${VM[i]}" link set eth0 up || return 1
	ip -n "$hns" link set "${HVDEV[i]}" up
}

# topo_ext: namespace ext-$RND whose eth0 <-> up-$RND in $HV (the uplink device).
topo_ext() {
	EXT=ext-$RND
	UPDEV=up-$RND
	ns_create "$EXT" || return 1
	ip -n "$HV" link add "$UPDEV" type veth peer name eth0 netns "$EXT" || return 1
	ip -n "$EXT" link set eth0 address "$EXTMAC" || return 1
	ip -n "$EXT" addr add "$EXTIP/24" dev eth0 || return 1
	ip netns exec "$EXT" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 >/dev/null
	ip -n "$EXT" link set eth0 up || return 1
	ip -n "$HV" link set "$UPDEV" up
}

# topo_create N [ext]: hv + N VMs (+ ext). Bails out of the test on failure.
topo_create() {
	local n=$1 i
	topo_hv || ktap_bail_out "topology: cannot create $HV"
	for ((i = 1; i <= n; i++)); do
		topo_vm "$i" || ktap_bail_out "topology: cannot create VM $i"
	done
	if [ "${2:-}" = ext ]; then
		topo_ext || ktap_bail_out "topology: cannot create $EXT"
	fi
}

# ifindex_of NS IFNAME
ifindex_of() {
	ip -n "$1" -j link show dev "$2" | jq -er '.[0].ifindex'
}

# ping_ok NS DST [ping args...]: 3 echo requests, all 3 must be answered (deadline 5 s).
ping_ok() {
	local ns=$1 dst=$2
	shift 2
	ip netns exec "$ns" ping -q -c 3 -i 0.2 -w 5 "$@" "$dst"
}

# ping_none NS DST [args]: 2 requests that must all go unanswered (exit != 0 is the expectation).
ping_none() {
	local ns=$1 dst=$2
	shift 2
	ip netns exec "$ns" ping -q -c 2 -i 0.2 -W 1 -w 2 "$@" "$dst"
}

# state_of NS: switches and ports (without counters) as one comparable JSON text.
state_of() {
	local sw po
	sw=$(vflowctl_in "$1" -j switch show 2>/dev/null) || return 1
	po=$(vflowctl_in "$1" -j port show 2>/dev/null) || return 1
	jq -cn --argjson s "$sw" --argjson p "$po" \
		'{s: ($s | map({name, n_ports}) | sort_by(.name)),
		  p: ($p | map({switch, ifindex, ifname, type, mac, id}) | sort_by(.ifindex))}'
}

# run_nl NS ARGS...: run vflow_nl.py ARGS in netns NS (one python process) and turn each line
# it prints into a result line. Fails if the client did not run to its END line.
run_nl() {
	local ns=$1 status desc detail ended=0 rc
	shift
	ip netns exec "$ns" "$PYTHON" "$LIB_DIR/vflow_nl.py" "$@" >"$TMPD/nl.out" 2>"$TMPD/nl.err"
	rc=$?
	while IFS='|' read -r status desc detail; do
		case $status in
		PASS) log_test 0 "$desc"; [ -n "$detail" ] && diag "$detail" ;;
		FAIL) diag "$detail"; log_test 1 "$desc" ;;
		SKIP) diag "$detail"; log_test "$KSFT_SKIP" "$desc" ;;
		END) ended=1 ;;
		*) diag "vflow_nl.py: $status${desc:+|$desc}${detail:+|$detail}" ;;
		esac
	done <"$TMPD/nl.out"
	if [ $ended = 0 ] || { [ $rc -ne 0 ] && [ $rc -ne 1 ]; }; then
		diag "vflow_nl.py $1 exited $rc; stderr:"
		diag "$(tail -30 "$TMPD/nl.err")"
		log_test 1 "vflow_nl.py $1 ran to completion"
	fi
}

# ---------------------------------------------------------------- kernel log

DMESG_MARK=
dmesg_mark() {
	DMESG_MARK="vflow-selftest: begin $TEST_NAME-$RND-$$"
	echo "$DMESG_MARK" >/dev/kmsg 2>/dev/null || DMESG_MARK=
}

# check_dmesg: no kernel splat logged since this test began.
SPLAT_RE='BUG:|WARNING:|Oops|general protection|KASAN|UBSAN|refcount_t:|circular locking|suspicious RCU|inconsistent lock state|INFO: task .* blocked|list_(add|del) corruption|Call Trace|kernel BUG'
check_dmesg() {
	local log
	if [ -z "$DMESG_MARK" ] || ! log=$(dmesg 2>/dev/null); then
		log_test "$KSFT_SKIP" "no kernel splat in dmesg (dmesg unreadable)"
		return
	fi
	log=$(awk -v m="$DMESG_MARK" 'found; index($0, m) {found = 1}' <<<"$log")
	if grep -qE "$SPLAT_RE" <<<"$log"; then
		diag "$(grep -E -A12 "$SPLAT_RE" <<<"$log" | head -60)"
		log_test 1 "no kernel splat in dmesg"
	else
		log_test 0 "no kernel splat in dmesg"
	fi
}

# ---------------------------------------------------------------- policy tests (issue 3)
#
# The traffic agent: one vflow_agent.py process per test (a bash coprocess living in $HV) that
# sends and receives UDP/TCP/ICMP and raw frames in the VM namespaces and reads vflowctl JSON
# (counters, flows, explain) without a process start per check. See vflow_agent.py for the
# commands; every command answers one line "OK <result>" or "ERR <message>".

AGENT_PID=
AGENT_REPLY=

# agent_start: start the agent in $HV (after topo_create); bails out if it does not answer.
agent_start() {
	coproc AGENT { exec "$PYTHON" "$LIB_DIR/vflow_agent.py" --home "$HV" --vflowctl "$VFLOWCTL" \
		2>"$TMPD/agent.err"; }
	# shellcheck disable=SC2154 # set by coproc
	BG_PIDS+=("$AGENT_PID")
	agent hello || ktap_bail_out "the traffic agent does not answer: $AGENT_REPLY"
}

# agent CMD ARGS...: one agent command; the result (without "OK ") is left in AGENT_REPLY.
# Returns 0 on OK, 1 on ERR (message in AGENT_REPLY), 2 when the agent is gone.
agent() {
	local fdw=${AGENT[1]:-} fdr=${AGENT[0]:-}
	if [ -z "$fdw" ] || [ -z "$fdr" ] || ! printf '%s\n' "$*" 1>&"$fdw" 2>/dev/null; then
		AGENT_REPLY="the agent is gone: $(tail -5 "$TMPD/agent.err" 2>/dev/null)"
		return 2
	fi
	if ! IFS= read -r -t "${AGENT_TIMEOUT:-180}" AGENT_REPLY <&"$fdr"; then
		AGENT_REPLY="no reply from the agent to '$*': $(tail -5 "$TMPD/agent.err" 2>/dev/null)"
		return 2
	fi
	case $AGENT_REPLY in
	OK) AGENT_REPLY= ;;
	"OK "*) AGENT_REPLY=${AGENT_REPLY#OK } ;;
	"ERR "*) AGENT_REPLY=${AGENT_REPLY#ERR }; return 1 ;;
	*) return 2 ;;
	esac
	return 0
}

# check_agent DESCRIPTION EXPECTED CMD ARGS...: the agent's result equals EXPECTED.
check_agent() {
	local desc=$1 want=$2
	shift 2
	if agent "$@" && [ "$AGENT_REPLY" = "$want" ]; then
		log_test 0 "$desc"
	else
		diag "agent $*"
		diag "expected '$want', got '$AGENT_REPLY'"
		log_test 1 "$desc"
	fi
}

# check_agent_re DESCRIPTION ERE CMD ARGS...: the agent's result matches ERE.
check_agent_re() {
	local desc=$1 re=$2
	shift 2
	if agent "$@" && [[ "$AGENT_REPLY" =~ $re ]]; then
		log_test 0 "$desc"
	else
		diag "agent $*"
		diag "expected /$re/, got '$AGENT_REPLY'"
		log_test 1 "$desc"
	fi
}

# snap KEY port DEV | switch NAME | rule SWITCH ID | layer SWITCH NAME: store a counter snapshot
# in the agent (a failure is reported by the checks that use it).
snap() {
	agent snap "$@" || diag "snapshot $*: $AGENT_REPLY"
}

# check_cnt DESCRIPTION KEY1 KEY2 FIELD OP N: the counter FIELD grew from snapshot KEY1 to KEY2
# by OP N, where OP is eq, ge or le.
check_cnt() {
	local desc=$1 k1=$2 k2=$3 f=$4 op=$5 n=$6 d ok=1
	if agent delta "$k1" "$k2" "$f"; then
		d=$AGENT_REPLY
		case $op in
		eq) [ "$d" -eq "$n" ] && ok=0 ;;
		ge) [ "$d" -ge "$n" ] && ok=0 ;;
		le) [ "$d" -le "$n" ] && ok=0 ;;
		esac
		[ $ok = 0 ] || diag "$f grew by $d, wanted $op $n"
	else
		diag "$f: $AGENT_REPLY"
	fi
	log_test $ok "$desc"
}

# check_val DESCRIPTION KEY FIELD OP N: field FIELD of snapshot KEY is OP N (eq, ge, le; eq also
# compares strings).
check_val() {
	local desc=$1 key=$2 f=$3 op=$4 n=$5 ok=1
	if agent get "$key" "$f"; then
		case $op in
		eq) [ "$AGENT_REPLY" = "$n" ] && ok=0 ;;
		ge) is_uint "$AGENT_REPLY" && [ "$AGENT_REPLY" -ge "$n" ] && ok=0 ;;
		le) is_uint "$AGENT_REPLY" && [ "$AGENT_REPLY" -le "$n" ] && ok=0 ;;
		esac
		[ $ok = 0 ] || diag "$key.$f is '$AGENT_REPLY', wanted $op $n"
	else
		diag "$AGENT_REPLY"
	fi
	log_test $ok "$desc"
}

# check_flows DESCRIPTION OP N SWITCH [FILTER...]: dump SWITCH's flows (SWITCH "-": look at the
# previous dump again); the number matching all FILTERs (field=value, field!=value; fields of
# `flow show -j`, key fields included, '-' or '_') is OP N (eq, ge, le). FLOW_PKTS is left with
# their packet sum.
FLOW_PKTS=
check_flows() {
	local desc=$1 op=$2 n=$3 sw=$4 cnt ok=1
	shift 4
	FLOW_PKTS=
	if { [ "$sw" = - ] || agent flows "$sw"; } && agent fcount "$@"; then
		read -r cnt FLOW_PKTS _ <<<"$AGENT_REPLY"
		case $op in
		eq) [ "$cnt" -eq "$n" ] && ok=0 ;;
		ge) [ "$cnt" -ge "$n" ] && ok=0 ;;
		le) [ "$cnt" -le "$n" ] && ok=0 ;;
		esac
		if [ $ok != 0 ]; then
			diag "flows matching [$*]: $cnt, wanted $op $n"
			agent fshow && diag "flows: $(head -c 1500 <<<"$AGENT_REPLY")"
		fi
	else
		diag "$AGENT_REPLY"
	fi
	log_test $ok "$desc"
}

# vfc_batch DESCRIPTION: run the vflowctl commands read from stdin (one per line) with one
# `vflowctl -b FILE` and log the result.
VFC_BATCH_N=0
vfc_batch() {
	local desc=$1 f out rc
	VFC_BATCH_N=$((VFC_BATCH_N + 1))
	f=$TMPD/batch.$VFC_BATCH_N
	cat >"$f"
	out=$(vfc -b "$f" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		diag "vflowctl -b exited $rc:"
		diag "$(head -c 1500 <<<"$out")"
		diag "batch: $(head -c 600 "$f")"
		rc=1
	fi
	log_test $rc "$desc"
}

# topo_static_neigh N: permanent IPv4 and IPv6 neighbour entries between vm1..vmN (no ARP or
# neighbour discovery needed, so layers that default to deny do not break address resolution).
topo_static_neigh() {
	local n=$1 i j f
	for ((i = 1; i <= n; i++)); do
		f=$TMPD/neigh.$i
		: >"$f"
		for ((j = 1; j <= n; j++)); do
			[ "$i" = "$j" ] && continue
			echo "neigh replace ${VMIP[j]} lladdr ${VMMAC[j]} dev eth0 nud permanent" >>"$f"
			echo "neigh replace ${VMIP6[j]} lladdr ${VMMAC[j]} dev eth0 nud permanent" >>"$f"
		done
		ip -n "${VM[i]}" -batch "$f" || return 1
	done
}

# vm_addr I ADDR...: extra addresses on vmI's eth0 (IPv4 /24, IPv6 /64, no DAD), and permanent
# neighbour entries for them in every other VM of 1..VM_COUNT.
VM_COUNT=0
declare -A IP_MAC
vm_addr() {
	local i=$1 a j f=$TMPD/addr.$1
	shift
	: >"$f"
	for a in "$@"; do
		IP_MAC[$a]=${VMMAC[i]}
		if [[ $a == *:* ]]; then
			echo "addr add $a/64 dev eth0 nodad" >>"$f"
		else
			echo "addr add $a/24 dev eth0" >>"$f"
		fi
	done
	ip -n "${VM[i]}" -batch "$f" || return 1
	for ((j = 1; j <= VM_COUNT; j++)); do
		[ "$j" = "$i" ] && continue
		: >"$f"
		for a in "$@"; do
			echo "neigh replace $a lladdr ${VMMAC[i]} dev eth0 nud permanent" >>"$f"
		done
		ip -n "${VM[j]}" -batch "$f" || return 1
	done
}

# policy_topo N: the standard topology of topo_create N (same names, MACs and addresses) with
# permanent neighbour entries between the VMs, built with a handful of processes (every process
# start costs about a second in the emulated guest): one `ip -batch` for the namespaces, the
# agent (started here) for the sysctls, one `ip -batch` for the host namespace and one per VM.
policy_topo() {
	local n=$1 i j f=$TMPD/topo
	HV=hv-$RND
	for ((i = 1; i <= n; i++)); do
		VM[i]=vm$i-$RND
		HVDEV[i]=v$i-$RND
		VMMAC[i]=$(printf '02:00:00:00:00:%02x' "$i")
		VMIP[i]=10.0.0.$i
		VMIP6[i]=fd00::$i
	done
	VM_COUNT=$n
	{
		echo "netns add $HV"
		for ((i = 1; i <= n; i++)); do echo "netns add ${VM[i]}"; done
	} >"$f.ns"
	ip -batch "$f.ns" || ktap_bail_out "topology: cannot create the namespaces"
	NS_LIST+=("$HV" "${VM[@]:1:n}")
	agent_start
	# the host namespace without IPv6, the VMs without DAD and router solicitations (no
	# multicast noise in exact counter checks); set before any device exists there
	agent sysctl "$HV" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ||
		ktap_bail_out "topology: sysctl: $AGENT_REPLY"
	for ((i = 1; i <= n; i++)); do
		agent sysctl "${VM[i]}" net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.router_solicitations=0 ||
			ktap_bail_out "topology: sysctl: $AGENT_REPLY"
	done
	{
		echo "link set lo up"
		for ((i = 1; i <= n; i++)); do
			echo "link add ${HVDEV[i]} type veth peer name eth0 netns ${VM[i]}"
			echo "link set ${HVDEV[i]} up"
		done
	} >"$f.hv"
	ip -n "$HV" -batch "$f.hv" || ktap_bail_out "topology: host namespace"
	for ((i = 1; i <= n; i++)); do
		{
			echo "link set lo up"
			echo "link set eth0 address ${VMMAC[i]}"
			echo "addr add ${VMIP[i]}/24 dev eth0"
			echo "addr add ${VMIP6[i]}/64 dev eth0 nodad"
			echo "link set eth0 up"
			for ((j = 1; j <= n; j++)); do
				[ "$i" = "$j" ] && continue
				echo "neigh replace ${VMIP[j]} lladdr ${VMMAC[j]} dev eth0 nud permanent"
				echo "neigh replace ${VMIP6[j]} lladdr ${VMMAC[j]} dev eth0 nud permanent"
			done
		} >"$f.vm$i"
		ip -n "${VM[i]}" -batch "$f.vm$i" || ktap_bail_out "topology: VM $i"
	done
}

# mac_of_ip IP: the MAC of the VM holding IP (topology addresses and vm_addr extras).
mac_of_ip() {
	local i
	if [ -n "${IP_MAC[$1]:-}" ]; then
		echo "${IP_MAC[$1]}"
		return 0
	fi
	for i in "${!VM[@]}"; do
		if [ "${VMIP[i]}" = "$1" ] || [ "${VMIP6[i]}" = "$1" ]; then
			echo "${VMMAC[i]}"
			return 0
		fi
	done
	return 1
}

# agent_explain DEV out|in PROTO SRC SPORT DST DPORT [explain options]: the agent's explain
# ("VERDICT LAYER:RULE:VERDICT,... OUT-PORT" in AGENT_REPLY) with the MACs of the VMs that hold
# SRC and DST added, as the real frame would carry them (explain otherwise guesses them from the
# flows it finds).
agent_explain() {
	local sm='' dm=''
	[[ " $* " == *" src-mac "* ]] || sm=$(mac_of_ip "$4")
	[[ " $* " == *" dst-mac "* ]] || dm=$(mac_of_ip "$6")
	agent explain "$@" ${sm:+src-mac "$sm"} ${dm:+dst-mac "$dm"}
}

# check_explain DESCRIPTION ERE DEV out|in PROTO SRC SPORT DST DPORT [options]: agent_explain's
# result matches ERE (e.g. "^deny fw:1:deny( |$)"); the raw vflowctl output is shown on failure.
check_explain() {
	local desc=$1 re=$2
	shift 2
	if agent_explain "$@" && [[ "$AGENT_REPLY" =~ $re ]]; then
		log_test 0 "$desc"
	else
		diag "explain $*"
		diag "expected /$re/, got '$AGENT_REPLY'"
		agent lastout && diag "vflowctl: $(head -c 1500 <<<"$AGENT_REPLY")"
		log_test 1 "$desc"
	fi
}

# agent_explains SPEC...: several explains in one vflowctl run; each SPEC is one string
# "DEV out|in PROTO SRC SPORT DST DPORT [options]" (MACs added as by agent_explain). The results
# ("VERDICT STEPS OUT-PORT") are left in the array EXPL, in order.
EXPL=()
agent_explains() {
	local spec sm dm rest args=() w=()
	for spec in "$@"; do
		read -ra w <<<"$spec"
		sm='' dm=''
		[[ " $spec " == *" src-mac "* ]] || sm=$(mac_of_ip "${w[3]}")
		[[ " $spec " == *" dst-mac "* ]] || dm=$(mac_of_ip "${w[5]}")
		args+=("${w[@]}" ${sm:+src-mac "$sm"} ${dm:+dst-mac "$dm"} ";;")
	done
	EXPL=()
	agent explains "${args[@]}" || return 1
	rest=$AGENT_REPLY
	while [[ $rest == *" | "* ]]; do
		EXPL+=("${rest%% | *}")
		rest=${rest#* | }
	done
	EXPL+=("$rest")
}

# queue_explain DESCRIPTION ERE DEV out|in PROTO SRC SPORT DST DPORT [options]: a check_explain
# kept for later; flush_explains runs every queued one in one vflowctl process and logs them.
XQ_DESC=()
XQ_RE=()
XQ_SPEC=()
queue_explain() {
	XQ_DESC+=("$1")
	XQ_RE+=("$2")
	shift 2
	XQ_SPEC+=("$*")
}

flush_explains() {
	local i ok=0
	[ ${#XQ_SPEC[@]} -gt 0 ] || return 0
	agent_explains "${XQ_SPEC[@]}" || ok=1
	for i in "${!XQ_SPEC[@]}"; do
		if [ $ok = 0 ] && [[ "${EXPL[i]:-}" =~ ${XQ_RE[i]} ]]; then
			log_test 0 "${XQ_DESC[i]}"
		else
			diag "explain ${XQ_SPEC[i]}"
			diag "expected /${XQ_RE[i]}/, got '${EXPL[i]:-$AGENT_REPLY}'"
			log_test 1 "${XQ_DESC[i]}"
		fi
	done
	XQ_DESC=() XQ_RE=() XQ_SPEC=()
}
