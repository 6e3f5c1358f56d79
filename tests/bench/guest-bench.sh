#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the bench guest (tests/bench/run.sh boots it) as root: sets every system up in its own
# network namespace (dummy0 receives, dummy1 sends), injects frames with pktgen into dummy0's
# receive path and writes one CSV row per measurement to RESULTS_DIR/raw.csv.
# Protocol: ../shared/docs/benchmarks.md (burst 1, flag !SHARED: a fresh unshared skb per packet).
#
# usage: guest-bench.sh RESULTS_DIR
#   BENCH_SCENARIOS  scenarios to run (default: all implemented; see the bottom; S3 includes S3F)
#   BENCH_SYSTEMS    systems (default: none L bridge ovs tc nft vflow)
#   BENCH_ROUNDS     rounds per point, systems in a new random order each round (default 5)
#   BENCH_PKTS       packets per measurement (default 20000)
#   BENCH_FLOWS      flow counts for S1 (default "1000 65536 1000000"; S0 is the 1-flow point)
#   BENCH_MASKS      distinct masks for S2 (default "1 8 32 255")
#   BENCH_PPF        packets per flow for S5 (default "10 100")
#   BENCH_RULES      rules per layer for S4 (default "100 1000 10000 100000"; vflow only)
#   BENCH_ISOLATE_FROM  flow count from which systems are set up and measured one at a time
#                    (default 65536; below it all are set up at once and interleaved per round)
#   BENCH_PROFILE    systems to profile after the scenarios (guest instructions per function per
#                    packet, counted by the icprof QEMU plugin that run.sh loads; TCG only)
#   BENCH_PROFILE_NEW  1: profile new flows (every packet a new 5-tuple) instead of one flow
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$1
. "$TOP/tests/vm/env.sh"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
B=$TOP/build/bench
VFLOW_KO=${VFLOW_KO:-$B/vflow/vflow.ko}
CEILING_KO=${CEILING_KO:-$B/ceiling/vflow_ceiling.ko}
VFLOWCTL=${VFLOWCTL:-$TOP/userspace-ctl/target/release/vflowctl}
OVSDP=${OVSDP:-$B/ovsdp}
ROUNDS=${BENCH_ROUNDS:-5}
PKTS=${BENCH_PKTS:-20000}
SYSTEMS=${BENCH_SYSTEMS:-none L bridge ovs tc nft vflow}
SCENARIOS=${BENCH_SCENARIOS:-S0 S0B S1 S2 S3 S4 S5}
FLOWS=${BENCH_FLOWS:-1000 65536 1000000}
MASKS=${BENCH_MASKS:-1 8 32 255}
PPF=${BENCH_PPF:-10 100}
RULES=${BENCH_RULES:-100 1000 10000 100000}
ISOLATE_FROM=${BENCH_ISOLATE_FROM:-65536}
S2_FLOWS=${BENCH_S2_FLOWS:-1000}   # S2 traffic: this many flows (OVS's mask cache holds 256 entries)
CSV=$OUT/raw.csv
MEMCSV=$OUT/mem.csv
LOG=$OUT/guest.log

# The traffic: UDP from SMAC/SIP(+i) port SPORT to DMAC/DIP port DPORT, 60-byte frames.
SMAC=02:00:00:00:00:0a DMAC=02:00:00:00:00:0b
SIP=10.1.0.1 DIP=192.168.2.2 SPORT=1024 DPORT=9
NEXTHOP_MAC=02:00:00:00:00:0c   # nft: the routed next hop behind dummy1

log() { echo "bench: $*" | tee -a "$LOG" >&2; }
note() { log "$*"; echo "- $*" >> "$OUT/notes.md"; }   # also shown in the report
nsx() { local ns=$1; shift; ip netns exec "b-$ns" "$@"; }
ip2int() { local IFS=.; set -- $1; echo $(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 )); }
int2ip() { echo "$(( ($1 >> 24) & 255 )).$(( ($1 >> 16) & 255 )).$(( ($1 >> 8) & 255 )).$(( $1 & 255 ))"; }
now_ns() { local s; read -r s _ < /proc/uptime; echo "${s/./}0000000"; }

# ---------------------------------------------------------------------------------------------
# The systems. setup_X NS FLOWS builds system X in namespace b-NS (dummy0 -> dummy1) for traffic
# of FLOWS flows; prime_X NS FLOWS runs what must run before the flows are "established";
# teardown is deleting the namespace (after teardown_X where a module holds the devices).
# ---------------------------------------------------------------------------------------------
ns_base() { # NS: namespace with dummy0 (rx) and dummy1 (tx), both up
	local ns=$1
	ip netns add "b-$ns" || return 1
	# no IPv6: its link-up chatter would add to dummy1's tx_packets, the delivery proof
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	nsx "$ns" ip link set lo up
	nsx "$ns" ip link add dummy0 address 02:00:00:00:01:00 type dummy
	nsx "$ns" ip link add dummy1 address 02:00:00:00:02:00 type dummy
	nsx "$ns" ip link set dummy0 up
	nsx "$ns" ip link set dummy1 up
}

setup_none() { :; }   # frames for another host's MAC: the stack drops them in ip_rcv

setup_L() { nsx "$1" insmod "$CEILING_KO" in=dummy0 out=dummy1; }
teardown_L() { rmmod vflow_ceiling; }

setup_bridge() {
	local ns=$1
	nsx "$ns" ip link add br0 type bridge
	nsx "$ns" ip link set dummy0 master br0
	nsx "$ns" ip link set dummy1 master br0
	nsx "$ns" ip link set br0 up
	nsx "$ns" bridge fdb add "$DMAC" dev dummy1 master static
}

setup_ovs() {
	# OVS_MODE exact (default): one exact-match flow per traffic flow, as ovs-vswitchd installs
	#   for per-flow policy; masks: S2's N masks; upcall: no flows, a minimal upcall handler
	#   (ovsdp upcall) installs them on misses, as ovs-vswitchd does (S3, S5).
	local ns=$1 flows=$2 mode=${OVS_MODE:-exact}
	nsx "$ns" "$OVSDP" add-dp ovsb || return 1
	nsx "$ns" "$OVSDP" add-if ovsb dummy0 1 || return 1
	nsx "$ns" "$OVSDP" add-if ovsb dummy1 2 || return 1
	nsx "$ns" ip link set ovsb up
	if [ "$mode" = upcall ]; then
		rm -f "$OUT/upcall-$ns.state"
		nsx "$ns" "$OVSDP" upcall ovsb 1 2 "$OUT/upcall-$ns.state" >> "$LOG" 2>&1 &
		echo $! > "$OUT/upcall-$ns.pid"
		while [ ! -s "$OUT/upcall-$ns.state" ]; do sleep 0.1; done
		return 0
	fi
	[ "$flows" -gt 0 ] || return 0
	[ "$mode" != masks ] || flows=$OVS_MASKS
	nsx "$ns" "$OVSDP" flows ovsb 1 2 "$mode" "$flows" "$SMAC" "$DMAC" "$SIP" "$DIP" \
		"$SPORT" "$DPORT"
}
teardown_ovs() {
	if [ -f "$OUT/upcall-$1.pid" ]; then
		kill "$(cat "$OUT/upcall-$1.pid")"; wait 2>/dev/null; rm -f "$OUT/upcall-$1".*
	fi
	nsx "$1" "$OVSDP" del-dp ovsb
}
# After a run with upcalls: wait until the handler is idle; prints "handled last_ns".
upcall_settle() {
	local st=$OUT/upcall-$1.state prev="" cur
	while :; do
		sleep 0.3
		cur=$(cat "$st")
		[ "$cur" != "$prev" ] || break
		prev=$cur
	done
	echo "$cur"
}

setup_tc() {
	# TC_MASKS=N (S2): N-1 filters with distinct masks that never match the traffic (source
	# prefixes /1../32 x destination prefixes /32, /31...), then the one that does, all in one
	# flower instance (same pref), so a lookup walks every mask.
	local ns=$1 n=${TC_MASKS:-1} i sp dp
	nsx "$ns" tc qdisc add dev dummy0 clsact || return 1
	{
		for (( i = 0; i < n - 1; i++ )); do
			sp=$(( 1 + i % 32 )) dp=$(( 32 - i / 32 ))
			echo "filter add dev dummy0 ingress protocol ip pref 1 flower skip_hw" \
				"src_ip 138.1.0.1/$sp dst_ip $DIP/$dp action drop"
		done
		echo "filter add dev dummy0 ingress protocol ip pref 1 flower skip_hw dst_mac $DMAC" \
			"action mirred egress redirect dev dummy1"
	} | nsx "$ns" tc -batch -
}

setup_nft() { # routed: dummy0 10.0.0.1/8 -> dummy1 192.168.2.1/24, software flowtable
	local ns=$1
	nsx "$ns" ip link set dummy0 address "$DMAC"    # frames are for this host: forwarded
	nsx "$ns" ip addr add 10.0.0.1/8 dev dummy0
	nsx "$ns" ip addr add 192.168.2.1/24 dev dummy1
	nsx "$ns" ip neigh add "$DIP" lladdr "$NEXTHOP_MAC" dev dummy1 nud permanent
	nsx "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.dummy0.rp_filter=0 net.netfilter.nf_conntrack_udp_timeout=3600 \
		net.netfilter.nf_conntrack_udp_timeout_stream=3600 net.netfilter.nf_flowtable_udp_timeout=3600
	nsx "$ns" nft -f - <<-EOF
	table inet bench {
		flowtable ft {
			hook ingress priority 0
			devices = { dummy0, dummy1 }
		}
		chain forward {
			type filter hook forward priority 0; policy accept;
			meta l4proto { tcp, udp } flow add @ft
		}
	}
	EOF
}
# A UDP flow is offloaded by its 2nd packet (the 1st is not confirmed yet): 2 packets per flow.
prime_nft() { [ "$2" -gt 0 ] && pktgen "$1" $(( 2 * $2 )) "$2" > /dev/null; return 0; }

vflow_loaded=0
setup_vflow() { # two vm ports; VFLOW_RULES=N (S4): 3 layers of N rules each on dummy0's stack
	local ns=$1
	if [ $vflow_loaded = 0 ]; then insmod "$VFLOW_KO" || return 1; vflow_loaded=1; fi
	# room for S1's 1M flows on one port, no expiry during a run (the defaults: 64k per switch,
	# a quarter per port, udp 60 s); a module without the flow table takes the plain form
	nsx "$ns" "$VFLOWCTL" switch add sw0 max-flows "${VFLOW_MAX_FLOWS:-4194304}" \
		port-max-flows "${VFLOW_MAX_FLOWS:-4194304}" \
		timeout udp 3600 2>/dev/null || nsx "$ns" "$VFLOWCTL" switch add sw0 || return 1
	nsx "$ns" "$VFLOWCTL" port add sw0 dev dummy0 type vm mac "$SMAC" || return 1
	nsx "$ns" "$VFLOWCTL" port add sw0 dev dummy1 type vm mac "$DMAC" || return 1
	[ -z "${VFLOW_RULES:-}" ] || vflow_policy "$ns" "$VFLOW_RULES"
	[ -z "${VFLOW_MASKS:-}" ] || vflow_masks "$ns" "$VFLOW_MASKS"
}
# vflow_masks NS N (S2): one layer on dummy0 with N rules of N distinct masks (source prefix
# /24../32, destination prefix /8../32, with or without proto and tos) that never match the
# traffic (sources 11.x), then the matching allow rule; default deny.
vflow_masks() {
	local ns=$1 n=$2 f=$OUT/vflow-masks-$2.txt
	awk -v n="$n" -v dip="$DIP" 'BEGIN {
		print "layer add sw0 m out-default deny in-default allow"
		for (i = 0; i < n - 1; i++) {
			plen = 24 + i % 9; dplen = 32 - 4 * (int(i / 9) % 7)
			split(dip, d, "."); dv = ((d[1] * 256 + d[2]) * 256 + d[3]) * 256 + d[4]
			blk = 2 ^ (32 - dplen); dv = int(dv / blk) * blk
			extra = (int(i / 63) % 2 ? " proto udp" : "") (int(i / 126) % 2 ? " tos 0/0xfc" : "")
			printf "rule add sw0 id %d prio 100 src-ip 11.%d.%d.0/%d dst-ip %d.%d.%d.%d/%d%s action deny\n",
				i + 1, int(i / 256) % 256, i % 256, plen, int(dv / 16777216), int(dv / 65536) % 256,
				int(dv / 256) % 256, dv % 256, dplen, extra
		}
		printf "rule add sw0 id %d prio 200 src-ip 10.0.0.0/8 action allow\n", n
		printf "layer bind sw0 m out 1-%d\n", n
		print "port set dummy0 layers m"
	}' > "$f"
	nsx "$ns" "$VFLOWCTL" -b "$f"
}
# vflow_policy NS N: layers l1, l2, l3 (outbound on dummy0, top first), each binding N rules of
# its own: N-1 deny rules that never match the traffic, over a spread of masks (source prefixes
# /32 /28 /24 /20 /16 of 172.16.0.0/12, UDP or TCP, destination port exact or a range), then one
# lowest-priority allow rule that matches it; default deny. Every packet walks all three layers.
vflow_policy() {
	local ns=$1 n=$2 f=$OUT/vflow-policy-$2.txt
	awk -v n="$n" -v dport="$DPORT" 'BEGIN {
		for (l = 1; l <= 3; l++) {
			printf "layer add sw0 l%d out-default deny in-default allow\n", l
			for (i = 0; i < n - 1; i++) {
				id = l * 1000000 + i + 1
				a = (i * 7919) % 1048576          # host part inside 172.16.0.0/12
				plen = 32 - (i % 5) * 4
				proto = (i % 2) ? "tcp" : "udp"
				p = 1 + i % 60000
				port = (i % 3) ? p : p "-" (p + 99)
				blk = 2 ^ (32 - plen)
				a = int(a / blk) * blk                # no host bits
				printf "rule add sw0 id %d prio 100 src-ip 172.%d.%d.%d/%d proto %s dst-port %s action deny\n",
					id, 16 + int(a / 65536), int(a / 256) % 256, a % 256, plen, proto, port
			}
			printf "rule add sw0 id %d prio 200 src-ip 10.0.0.0/8 proto udp dst-port %d action allow\n",
				l * 1000000 + n, dport
			printf "layer bind sw0 l%d out %d-%d\n", l, l * 1000000 + 1, l * 1000000 + n
		}
		print "port set dummy0 layers l1,l2,l3"
	}' > "$f"
	nsx "$ns" "$VFLOWCTL" -b "$f"
}
teardown_vflow() { nsx "$1" "$VFLOWCTL" switch del sw0; }

mem_kb() { # FLOWS: "memfree_kb slab_kb", after dropping caches when FLOWS is large enough for
	# S6 (dropping them makes every later exec re-read its binary over 9p: slow)
	[ "$1" -lt 65536 ] || { sync; echo 3 > /proc/sys/vm/drop_caches; }
	awk '/^MemFree:/ {f = $2} /^Slab:/ {s = $2} END {print f, s}' /proc/meminfo
}

setup() { # SCENARIO SYSTEM FLOWS: namespace + system + priming; 0 on success
	local sc=$1 sys=$2 flows=$3 f0 s0 f1 s1
	read -r f0 s0 < <(mem_kb "$flows")
	ns_base "$sys" || return 1
	"setup_$sys" "$sys" "$flows" >> "$LOG" 2>&1 || { note "$sc: setup of $sys failed (see guest.log)"; return 1; }
	if declare -F "prime_$sys" > /dev/null; then "prime_$sys" "$sys" "$flows"; fi
	# one pass over every flow: first-packet work (learning, flow creation) is done before timing
	[ "$flows" -gt 0 ] && pktgen "$sys" "$flows" "$flows" > /dev/null
	read -r f1 s1 < <(mem_kb "$flows")
	echo "$sc,$flows,$sys,$(( f0 - f1 )),$(( s1 - s0 ))" >> "$MEMCSV"
	return 0
}
teardown() {
	local sys=$1
	if declare -F "teardown_$sys" > /dev/null; then "teardown_$sys" "$sys" >> "$LOG" 2>&1; fi
	ip netns del "b-$sys"
}

# ---------------------------------------------------------------------------------------------
# pktgen NS COUNT FLOWS [BASE]: inject COUNT frames into b-NS's dummy0, FLOWS distinct flows
# (source addresses BASE .. BASE+FLOWS-1 in sequence, cycling; BASE defaults to SIP). Prints
# "usec sent delivered t0_ns": pktgen's guest-time duration and count, dummy1's tx_packets delta
# (the proof of delivery; pktgen's own count includes drops) and the realtime clock at the start.
# ---------------------------------------------------------------------------------------------
pktgen() {
	local ns=$1 count=$2 flows=$3 base=${4:-$SIP}
	local smax; smax=$(int2ip $(( $(ip2int "$base") + flows - 1 )))
	# burst 1: a fresh unshared skb per packet; a burst reuses one skb, which pktgen must share
	local shared='!SHARED'; [ "${PG_BURST:-1}" = 1 ] || shared=SHARED
	nsx "$ns" bash -c '
		pg=/proc/net/pktgen
		set -e
		pgset() { echo "$2" > "$pg/$1"; grep -q "^Result: OK" "$pg/$1" ||
			{ echo "pktgen: $1: $2: $(grep ^Result "$pg/$1")" >&2; exit 1; }; }
		echo rem_device_all > $pg/kpktgend_0
		echo "add_device dummy0" > $pg/kpktgend_0
		for c in "xmit_mode netif_receive" "count '"$count"'" "pkt_size 60" "delay 0" \
			"burst '"${PG_BURST:-1}"'" "flag '"$shared"'" "flag NO_TIMESTAMP" \
			"dst_mac '"$DMAC"'" "src_mac '"$SMAC"'" \
			"dst '"$DIP"'" "src_min '"$base"'" "src_max '"$smax"'" \
			"udp_src_min '"$SPORT"'" "udp_src_max '"$SPORT"'" \
			"udp_dst_min '"$DPORT"'" "udp_dst_max '"$DPORT"'"; do
			pgset dummy0 "$c"
		done
		read -r tx0 < /sys/class/net/dummy1/statistics/tx_packets
		t0=$(date +%s%N)
		'"${PG_MARK:+sync}"'
		echo start > $pg/pgctrl
		'"${PG_MARK:+sync}"'
		read -r tx1 < /sys/class/net/dummy1/statistics/tx_packets
		r=$(grep -A1 "^Result:" $pg/dummy0)
		usec=$(echo "$r" | sed -n "s/^Result: OK: \([0-9]*\)(.*/\1/p")
		sent=$(echo "$r" | sed -n "s/.* usec, \([0-9]*\) (.*/\1/p")
		echo "$usec $sent $((tx1 - tx0)) $t0 $tx0"
	'
}
txp() { nsx "$1" cat /sys/class/net/dummy1/statistics/tx_packets; }

# measure SCENARIO PARAM SYSTEM ROUND FLOWS [BASE]: one timed pktgen run, appended to the CSV.
# With an upcall handler (OVS in S3/S5) the time runs until the handler has emptied its queue and
# the count is of delivered packets: "ns per packet" is then guest time per packet that made it.
measure() {
	local sc=$1 param=$2 sys=$3 round=$4 flows=$5 base=${6:-$SIP} usec sent deliv t0 tx0 note=""
	read -r usec sent deliv t0 tx0 < <(pktgen "$sys" "$PKTS" "$flows" "$base")
	if [ -z "${usec:-}" ] || [ "${sent:-0}" = 0 ]; then
		log "$sc $param $sys round $round: pktgen failed"; return
	fi
	if [ -f "$OUT/upcall-$sys.pid" ]; then
		local handled last
		read -r handled last < <(upcall_settle "$sys")
		deliv=$(( $(txp "$sys") - tx0 ))
		note="upcall: $sent sent; $deliv delivered; pktgen ${usec}us"
		[ "$last" -gt "$t0" ] && usec=$(( (last - t0) / 1000 ))
		sent=$deliv
		[ "$sent" -gt 0 ] || { log "$sc $param $sys: nothing delivered"; return; }
	fi
	echo "$sc,$param,$sys,$round,$sent,$deliv,$usec,$note" >> "$CSV"
	log "$sc $param $sys r$round: $sent pkts in $usec us ($(( usec * 1000 / sent )) ns/pkt), delivered $deliv $note"
}

# run_points SCENARIO PARAM SETUP_FLOWS MEASURE_FLOWS SYSTEMS...: set all systems up at once (each
# in its namespace; SETUP_FLOWS primed), then ROUNDS rounds, each over the systems in a fresh random
# order, MEASURE_FLOWS flows per measurement. MEASURE_FLOWS "new" means flows never seen before:
# PKTS/PPF flows (PPF packets each, default 1) from a fresh source range every round.
# From ISOLATE_FROM set-up flows on, systems are set up one at a time instead (all rounds of one,
# then the next, in random order): their background work (flow table garbage collection walks
# every flow once a second, in tenths) would otherwise be charged to whoever is being measured.
run_points() {
	local sc=$1 param=$2 sflows=$3 mflows=$4; shift 4
	local ok=() s r t0 base fl
	if [ "$sflows" -ge "$ISOLATE_FROM" ] && [ $# -gt 1 ]; then
		for s in $(printf '%s\n' "$@" | shuf); do run_points "$sc" "$param" "$sflows" "$mflows" "$s"; done
		return
	fi
	for s in "$@"; do
		t0=$(now_ns)
		if setup "$sc" "$s" "$sflows"; then
			ok+=("$s")
			log "$sc $param: $s set up in $(( ($(now_ns) - t0) / 1000000 )) ms guest time"
		else
			teardown "$s" 2>/dev/null
		fi
	done
	for r in $(seq 1 "$ROUNDS"); do
		for s in $(printf '%s\n' "${ok[@]}" | shuf); do
			if [ "$mflows" = new ]; then
				fl=$(( PKTS / ${PPF_NOW:-1} ))
				base=$(int2ip $(( $(ip2int 10.32.0.0) + r * 1048576 )))
				measure "$sc" "$param" "$s" "$r" "$fl" "$base"
			else
				measure "$sc" "$param" "$s" "$r" "$mflows"
			fi
		done
	done
	for s in "${ok[@]}"; do teardown "$s"; done
}
only() { # SYSTEMS...: those of $avail that are listed
	local s w
	for s in "${avail[@]}"; do for w in "$@"; do [ "$s" = "$w" ] && echo "$s"; done; done
}

# ---------------------------------------------------------------------------------------------
conditions() {
	{
		echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "kernel=$(uname -r)"
		echo "cmdline=$(cat /proc/cmdline)"
		echo "cpus=$(nproc)"
		echo "cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
		echo "cpu_rep_flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'erms|fsrm|fsrs' | tr '\n' ' ')"
		echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
		echo "mem_total_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
		for v in /sys/devices/system/cpu/vulnerabilities/*; do
			echo "vuln_$(basename "$v")=$(cat "$v")"
		done 2>/dev/null | grep -v "Not affected" | head -5
		echo "pkts_per_measurement=$PKTS"
		echo "rounds=$ROUNDS"
		echo "systems=$SYSTEMS"
		echo "scenarios=$SCENARIOS"
	} > "$OUT/guest-conditions.txt"
}

mkdir -p "$OUT"
: > "$LOG"
: > "$OUT/notes.md"
echo "scenario,param,system,round,packets,delivered,usec,note" > "$CSV"
echo "scenario,flows,system,memfree_kb_used,slab_kb_delta" > "$MEMCSV"
conditions
modprobe openvswitch || log "no openvswitch module"
# Room for 1M conntrack entries in a hash table sized for them (as one would tune a firewall).
sysctl -qw net.netfilter.nf_conntrack_max=2097152 2>/dev/null
sysctl -qw net.netfilter.nf_conntrack_buckets=1048576 2>/dev/null
avail=()
for s in $SYSTEMS; do
	case $s in
	vflow) [ -f "$VFLOW_KO" ] && [ -x "$VFLOWCTL" ] || { note "vflow: no $VFLOW_KO or $VFLOWCTL: left out"; continue; } ;;
	L) [ -f "$CEILING_KO" ] || { note "L: no $CEILING_KO: left out"; continue; } ;;
	ovs) [ -x "$OVSDP" ] && lsmod | grep -q '^openvswitch' || { note "ovs: no ovsdp or openvswitch module: left out"; continue; } ;;
	esac
	avail+=("$s")
done
T0=$(now_ns)
for sc in $SCENARIOS; do
	log "scenario $sc start"
	case $sc in
	S0) run_points S0 1 1 1 "${avail[@]}" ;;
	S0B) # secondary figure: burst 32 of one shared skb, only for the systems that unshare it
		# before writing (tc mirred and the nft flowtable would rewrite it in place)
		PG_BURST=32 run_points S0B 32 1 1 $(only none L bridge ovs vflow) ;;
	S1) for f in $FLOWS; do run_points S1 "$f" "$f" "$f" "${avail[@]}"; done ;;
	S2) # masks: systems whose lookup depends on them (vflow: with issue 3's rules)
		for m in $MASKS; do
			OVS_MODE=masks OVS_MASKS=$m TC_MASKS=$m VFLOW_MASKS=$m \
				run_points S2 "$m" "$S2_FLOWS" "$S2_FLOWS" $(only L vflow ovs tc)
		done ;;
	S3) OVS_MODE=upcall run_points S3 1 0 new "${avail[@]}"
		# S3F: new flows with vflow's flow table full (1024 entries, filled by the first 512
		# connections of round 1): its default limit-action uncached forwards them undecided
		# by the cache, each through the slow path, and counts them in flow-limit
		VFLOW_MAX_FLOWS=1024 run_points S3F 1024 0 new $(only L vflow) ;;
	S4) # vflow's slow path (every packet a new flow) across 3 layers of N rules each
		for n in $RULES; do VFLOW_RULES=$n run_points S4 "$n" 0 new $(only L vflow); done ;;
	S5) for k in $PPF; do
			PPF_NOW=$k OVS_MODE=upcall run_points S5 "$k" 0 new "${avail[@]}"
		done ;;
	*) note "scenario $sc: not implemented" ;;
	esac
done
# Profiles (BENCH_PROFILE, run.sh loads the icprof TCG plugin): each `sync` runs the sync syscall, the
# plugin's mark, which writes the guest instructions counted per block since the previous mark. The
# pktgen run of each profiled system sits between two marks; icprof.py folds the counts into
# instructions per packet per function with the guest's kallsyms.
if [ -n "${BENCH_PROFILE:-}" ]; then
	sync    # the mark: counts so far are set aside (dump 0)
	: > "$OUT/icprof-index"
	for s in $BENCH_PROFILE; do
		[ -n "$(only "$s")" ] || continue
		setup P "$s" 1 || continue
		cat /proc/kallsyms > "$OUT/kallsyms-$s"     # with the system's modules loaded
		pktgen "$s" 1000 1 > /dev/null
		# marks just before and after pktgen's run: dump 2i+1 (set-up, warm-up), dump 2i+2 (the run);
		# BENCH_PROFILE_NEW=1: every packet a new flow (S3) instead of one established flow (S0)
		if [ "${BENCH_PROFILE_NEW:-0}" = 1 ]; then
			PG_MARK=1 pktgen "$s" "$PKTS" "$PKTS" 10.200.0.0 > /dev/null
		else
			PG_MARK=1 pktgen "$s" "$PKTS" 1 > /dev/null
		fi
		echo "$s $PKTS" >> "$OUT/icprof-index"
		teardown "$s"
		log "profile of $s: $PKTS packets between two marks"
	done
fi
log "done in $(( ($(now_ns) - T0) / 1000000 )) ms guest time"
dmesg > "$OUT/dmesg.txt"
echo "bench-guest: ok"
