#!/bin/bash
# The demo, inside the guest: a host namespace "hv" with switch sw0 and two VMs (namespaces vm1,
# vm2), each behind a veth pair whose host end is a vflow port.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
vflowctl() { ip netns exec hv "$TOP/userspace-ctl/target/release/vflowctl" "$@"; }
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
insmod "$TOP/build/module/vflow.ko"
ip netns add hv
for i in 1 2; do
	ip netns add vm$i
	ip -n hv link add tap$i type veth peer name eth0 netns vm$i
	ip -n vm$i link set eth0 address 02:00:00:00:00:0$i
	ip -n vm$i addr add 10.0.0.$i/24 dev eth0
	ip -n vm$i link set eth0 up
	ip -n hv link set tap$i up
done
say vflowctl switch add sw0;                                        vflowctl switch add sw0
say vflowctl port add sw0 dev tap1 type vm mac 02:00:00:00:00:01;   vflowctl port add sw0 dev tap1 type vm mac 02:00:00:00:00:01
say vflowctl port add sw0 dev tap2 type vm mac 02:00:00:00:00:02;   vflowctl port add sw0 dev tap2 type vm mac 02:00:00:00:00:02
say "ip netns exec vm1 ping -c 3 10.0.0.2   (vm1 -> vm2 through vflow)"
ip netns exec vm1 ping -c 3 -i 0.3 10.0.0.2
say vflowctl -s port show;  vflowctl -s port show
say vflowctl fdb show;      vflowctl fdb show
say "vflowctl flow show sw0   (each ping direction is a flow, installed with its reverse flow)"
vflowctl flow show sw0
# A stateful firewall on vm2: it may open connections, only ssh (and ARP) may reach it.
say "a layer 'fw' on vm2: inbound default deny, rules 1 (ARP) and 2 (tcp/22) allowed"
run() { say "vflowctl $*"; vflowctl "$@"; }
run rule add sw0 id 1 ethertype arp action allow
run rule add sw0 id 2 proto tcp dst-port 22 action allow count
run layer add sw0 fw in-default deny
run layer bind sw0 fw in 1,2
run port set tap2 layers fw
run explain port tap2 in tcp 10.0.0.1:40000 '->' 10.0.0.2:22
run explain port tap2 in icmp 10.0.0.1 '->' 10.0.0.2
say "ip netns exec vm1 ping -c 2 -W 1 10.0.0.2   (denied by fw: the old flows were re-decided)"
ip netns exec vm1 ping -c 2 -i 0.3 -W 1 10.0.0.2 || true
say "ip netns exec vm2 ping -c 2 10.0.0.1   (vm2 opens it: the reverse flow lets the replies in)"
ip netns exec vm2 ping -c 2 -i 0.3 10.0.0.1
run -s flow show sw0
run -s rule show sw0
say vflowctl -j -p -s switch show sw0; vflowctl -j -p -s switch show sw0
say vflowctl port del dev tap2
vflowctl port del dev tap2
say "ip netns exec vm1 ping -c 2 -W 1 10.0.0.2   (fails: nothing else connects the VMs)"
ip netns exec vm1 ping -c 2 -i 0.3 -W 1 10.0.0.2 || true
ip netns del hv; ip netns del vm1; ip netns del vm2
rmmod vflow
echo; echo "demo done"
