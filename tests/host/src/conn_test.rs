//! Tests of the connection logic (`logic::conn`): reply keys (also on parsed request/reply
//! frames), the TCP state table over every combination of the flags it reads, timeout classes,
//! wraparound-safe expiry, and the flow-table hash's properties (determinism, seeding, TCP flags
//! ignored, ports kept apart, spread over buckets) and key equality.

use proptest::prelude::*;
use std::collections::HashSet;
use std::vec;
use std::vec::Vec;

use crate::frame::*;
use crate::logic::conn::{
    conn_state, expired, hash_key, is_tcp, key_eq, key_u64s, min_timeout_secs, reverse, sweep_pass_secs, table_key,
    tcp_state, timeout_secs, TcpState, Timeouts, TCP_ACK, TCP_FIN, TCP_FLAGS_MASK, TCP_PSH, TCP_RST, TCP_SYN,
};
use crate::logic::flowkey::{parse, FlowKey, Frag};

const IP_A: [u8; 4] = [10, 0, 0, 1];
const IP_B: [u8; 4] = [10, 0, 0, 2];

fn v6(last: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0] = 0x20;
    a[1] = 0x01;
    a[15] = last;
    a
}

/// A key from MAC_B/IP_A:sport to MAC_A/IP_B:dport.
fn key4(proto: u8, sport: u16, dport: u16, flags: u16) -> FlowKey {
    FlowKey {
        dst_mac: MAC_A,
        src_mac: MAC_B,
        ethertype: ETH_P_IP,
        vlan_id: 7,
        src_ip: mapped(IP_A),
        dst_ip: mapped(IP_B),
        src_port: sport,
        dst_port: dport,
        tcp_flags: flags,
        ip_proto: proto,
        tos: 0x10,
        ..FlowKey::default()
    }
}

fn key6(proto: u8, sport: u16, dport: u16) -> FlowKey {
    FlowKey {
        ethertype: ETH_P_IPV6,
        src_ip: v6(1),
        dst_ip: v6(2),
        ..key4(proto, sport, dport, 0)
    }
}

// ---- table_key / reverse -------------------------------------------------------------------

#[test]
fn table_key_zeroes_only_tcp_flags() {
    let k = key4(IPPROTO_TCP, 1000, 80, TCP_SYN | TCP_ACK);
    let t = table_key(&k);
    assert_eq!(t.tcp_flags, 0);
    assert_eq!(
        FlowKey {
            tcp_flags: k.tcp_flags,
            ..t
        },
        k
    );
}

#[test]
fn reverse_tcp_swaps_addresses_and_ports() {
    let k = key4(IPPROTO_TCP, 1000, 80, TCP_SYN);
    let r = reverse(&k);
    assert_eq!(r.src_mac, MAC_A);
    assert_eq!(r.dst_mac, MAC_B);
    assert_eq!(r.src_ip, mapped(IP_B));
    assert_eq!(r.dst_ip, mapped(IP_A));
    assert_eq!((r.src_port, r.dst_port), (80, 1000));
    assert_eq!(r.tcp_flags, 0);
    assert_eq!(
        (r.ethertype, r.vlan_id, r.ip_proto, r.tos),
        (ETH_P_IP, 7, IPPROTO_TCP, 0x10)
    );
}

#[test]
fn reverse_udp6_and_sctp_swap_ports() {
    let r = reverse(&key6(IPPROTO_UDP, 5353, 53));
    assert_eq!((r.src_ip, r.dst_ip), (v6(2), v6(1)));
    assert_eq!((r.src_port, r.dst_port), (53, 5353));
    let r = reverse(&key4(IPPROTO_SCTP, 1, 2, 0));
    assert_eq!((r.src_port, r.dst_port), (2, 1));
}

#[test]
fn reverse_icmp_echo_maps_type_and_keeps_code() {
    for (req, rep) in [(8u16, 0u16), (0, 8)] {
        let r = reverse(&key4(IPPROTO_ICMP, req, 3, 0));
        assert_eq!((r.src_port, r.dst_port), (rep, 3));
        assert_eq!(r.src_ip, mapped(IP_B));
    }
    for (req, rep) in [(128u16, 129u16), (129, 128)] {
        let r = reverse(&key6(IPPROTO_ICMPV6, req, 0));
        assert_eq!((r.src_port, r.dst_port), (rep, 0));
        assert_eq!(r.src_ip, v6(2));
    }
}

#[test]
fn reverse_other_icmp_types_keep_type_and_code() {
    // Destination unreachable / port unreachable; timestamp; ICMPv6 neighbour solicitation and
    // packet too big: only MACs and addresses are swapped.
    for (ty, code) in [(3u16, 3u16), (13, 0), (11, 1)] {
        let k = key4(IPPROTO_ICMP, ty, code, 0);
        let r = reverse(&k);
        assert_eq!((r.src_port, r.dst_port), (ty, code));
        assert_eq!((r.src_ip, r.dst_ip), (k.dst_ip, k.src_ip));
        assert_eq!((r.src_mac, r.dst_mac), (k.dst_mac, k.src_mac));
    }
    for (ty, code) in [(135u16, 0u16), (2, 0), (1, 4)] {
        let r = reverse(&key6(IPPROTO_ICMPV6, ty, code));
        assert_eq!((r.src_port, r.dst_port), (ty, code));
    }
}

#[test]
fn reverse_icmp_only_under_its_own_ethertype() {
    // ICMPv6 numbers inside IPv4 (and ICMP inside IPv6) are not ICMP for the parser either: their
    // ports are treated like any other protocol's.
    let r = reverse(&key4(IPPROTO_ICMPV6, 128, 0, 0));
    assert_eq!((r.src_port, r.dst_port), (0, 128));
    let r = reverse(&key6(IPPROTO_ICMP, 8, 0));
    assert_eq!((r.src_port, r.dst_port), (0, 8));
}

#[test]
fn reverse_arp_swaps_addresses_keeps_opcode() {
    let k = FlowKey {
        dst_mac: MAC_A,
        src_mac: MAC_B,
        ethertype: ETH_P_ARP,
        src_ip: mapped(IP_A),
        dst_ip: mapped(IP_B),
        arp_op: 1,
        ..FlowKey::default()
    };
    let r = reverse(&k);
    assert_eq!((r.src_mac, r.dst_mac), (MAC_A, MAC_B));
    assert_eq!((r.src_ip, r.dst_ip), (mapped(IP_B), mapped(IP_A)));
    assert_eq!(r.arp_op, 1);
}

#[test]
fn reverse_keeps_fragment_status() {
    let k = FlowKey {
        frag: Frag::Later,
        src_port: 0,
        dst_port: 0,
        ..key4(IPPROTO_UDP, 0, 0, 0)
    };
    assert_eq!(reverse(&k).frag, Frag::Later);
}

/// A request frame and its reply, both parsed: the reply's key is the reverse of the request's.
fn assert_reply_is_reverse(req: &[u8], rep: &[u8]) {
    let (req, rep) = (parse(req).unwrap(), parse(rep).unwrap());
    assert_eq!(reverse(&req), table_key(&rep));
    assert_eq!(reverse(&rep), table_key(&req));
}

#[test]
fn parsed_replies_are_reverse_keys() {
    let v4 = |proto, src, dst, l4: &[u8]| {
        Ipv4 {
            proto,
            src,
            dst,
            ..Ipv4::default()
        }
        .build(l4)
    };
    let v6p = |next, src, dst, l4: &[u8]| {
        Ipv6 {
            next,
            src,
            dst,
            ..Ipv6::default()
        }
        .build(l4)
    };
    // TCP SYN / SYN+ACK.
    assert_reply_is_reverse(
        &eth(
            MAC_A,
            MAC_B,
            &[],
            ETH_P_IP,
            &v4(IPPROTO_TCP, IP_A, IP_B, &tcp(40000, 22, 0x002, 0, b"")),
        ),
        &eth(
            MAC_B,
            MAC_A,
            &[],
            ETH_P_IP,
            &v4(IPPROTO_TCP, IP_B, IP_A, &tcp(22, 40000, 0x012, 0, b"")),
        ),
    );
    // UDP over IPv6 in a VLAN.
    let tag = [(ETH_P_8021Q, 5u16)];
    assert_reply_is_reverse(
        &eth(
            MAC_A,
            MAC_B,
            &tag,
            ETH_P_IPV6,
            &v6p(IPPROTO_UDP, v6(1), v6(2), &udp(5353, 53, b"q")),
        ),
        &eth(
            MAC_B,
            MAC_A,
            &tag,
            ETH_P_IPV6,
            &v6p(IPPROTO_UDP, v6(2), v6(1), &udp(53, 5353, b"a")),
        ),
    );
    // Ping, both families.
    assert_reply_is_reverse(
        &eth(
            MAC_A,
            MAC_B,
            &[],
            ETH_P_IP,
            &v4(IPPROTO_ICMP, IP_A, IP_B, &icmp(8, 0, b"ping")),
        ),
        &eth(
            MAC_B,
            MAC_A,
            &[],
            ETH_P_IP,
            &v4(IPPROTO_ICMP, IP_B, IP_A, &icmp(0, 0, b"ping")),
        ),
    );
    assert_reply_is_reverse(
        &eth(
            MAC_A,
            MAC_B,
            &[],
            ETH_P_IPV6,
            &v6p(IPPROTO_ICMPV6, v6(1), v6(2), &icmp(128, 0, b"p")),
        ),
        &eth(
            MAC_B,
            MAC_A,
            &[],
            ETH_P_IPV6,
            &v6p(IPPROTO_ICMPV6, v6(2), v6(1), &icmp(129, 0, b"p")),
        ),
    );
}

fn arb_key() -> impl Strategy<Value = FlowKey> {
    (
        (
            any::<[u8; 6]>(),
            any::<[u8; 6]>(),
            any::<u16>(),
            any::<u16>(),
        ),
        (any::<[u8; 16]>(), any::<[u8; 16]>()),
        (any::<u16>(), any::<u16>(), any::<u16>(), any::<u16>()),
        (any::<u8>(), any::<u8>(), 0u8..3, any::<u8>()),
    )
        .prop_map(
            |((dm, sm, et, vid), (sip, dip), (sp, dp, fl, op), (pr, tos, fr, res))| FlowKey {
                dst_mac: dm,
                src_mac: sm,
                ethertype: et,
                vlan_id: vid,
                src_ip: sip,
                dst_ip: dip,
                src_port: sp,
                dst_port: dp,
                tcp_flags: fl,
                arp_op: op,
                ip_proto: pr,
                tos,
                frag: [Frag::None, Frag::First, Frag::Later][usize::from(fr)],
                reserved: res,
            },
        )
}

/// Keys with an IP ethertype and one of `protos`, otherwise arbitrary.
fn ip_key(protos: &'static [u8]) -> impl Strategy<Value = FlowKey> {
    (arb_key(), any::<bool>(), prop::sample::select(protos)).prop_map(|(k, v6, proto)| FlowKey {
        ethertype: if v6 { ETH_P_IPV6 } else { ETH_P_IP },
        ip_proto: proto,
        ..k
    })
}

/// ICMP echo keys: request or reply, either family, any code.
fn echo_key() -> impl Strategy<Value = FlowKey> {
    (arb_key(), any::<bool>(), any::<bool>(), any::<u8>()).prop_map(|(k, v6, reply, code)| {
        let (ethertype, ip_proto, ty) = match (v6, reply) {
            (false, false) => (ETH_P_IP, IPPROTO_ICMP, 8),
            (false, true) => (ETH_P_IP, IPPROTO_ICMP, 0),
            (true, false) => (ETH_P_IPV6, IPPROTO_ICMPV6, 128),
            (true, true) => (ETH_P_IPV6, IPPROTO_ICMPV6, 129),
        };
        FlowKey {
            ethertype,
            ip_proto,
            src_port: ty,
            dst_port: u16::from(code),
            ..k
        }
    })
}

proptest! {
    #[test]
    fn reverse_is_an_involution_on_tcp_udp(k in ip_key(&[IPPROTO_TCP, IPPROTO_UDP])) {
        let r = reverse(&k);
        prop_assert_eq!(reverse(&r), table_key(&k));
        prop_assert_eq!((r.src_port, r.dst_port), (k.dst_port, k.src_port));
        prop_assert_eq!(r.tcp_flags, 0);
    }

    #[test]
    fn reverse_is_an_involution_on_echo(k in echo_key()) {
        let r = reverse(&k);
        prop_assert_eq!(reverse(&r), table_key(&k));
        prop_assert_ne!(r.src_port, k.src_port);
        prop_assert_eq!(r.dst_port, k.dst_port);
    }

    #[test]
    fn reverse_is_an_involution_on_any_key(k in arb_key()) {
        prop_assert_eq!(reverse(&reverse(&k)), table_key(&k));
        prop_assert_eq!(reverse(&k), reverse(&table_key(&k)));
    }
}

// ---- timeouts --------------------------------------------------------------------------------

#[test]
fn default_timeouts() {
    let t = Timeouts::default();
    assert_eq!(
        (t.tcp_syn, t.tcp_est, t.tcp_fin, t.udp, t.icmp, t.other),
        (30, 7200, 30, 60, 30, 60)
    );
}

const DISTINCT: Timeouts = Timeouts {
    tcp_syn: 1,
    tcp_est: 2,
    tcp_fin: 3,
    udp: 4,
    icmp: 5,
    other: 6,
};

#[test]
fn timeout_classes() {
    let t = &DISTINCT;
    for et in [ETH_P_IP, ETH_P_IPV6] {
        assert_eq!(timeout_secs(t, IPPROTO_TCP, et, TcpState::SynSent), 1);
        assert_eq!(timeout_secs(t, IPPROTO_TCP, et, TcpState::None), 1);
        assert_eq!(timeout_secs(t, IPPROTO_TCP, et, TcpState::Established), 2);
        assert_eq!(timeout_secs(t, IPPROTO_TCP, et, TcpState::Closing), 3);
        assert_eq!(timeout_secs(t, IPPROTO_TCP, et, TcpState::Closed), 3);
        assert_eq!(timeout_secs(t, IPPROTO_UDP, et, TcpState::None), 4);
        assert_eq!(timeout_secs(t, IPPROTO_ICMP, et, TcpState::None), 5);
        assert_eq!(timeout_secs(t, IPPROTO_ICMPV6, et, TcpState::None), 5);
        for other in [0u8, IPPROTO_SCTP, IPPROTO_ESP, 47, 255] {
            assert_eq!(timeout_secs(t, other, et, TcpState::None), 6);
        }
    }
    // Non-IP ethertypes have no TCP/UDP/ICMP class, whatever ip_proto holds.
    for et in [ETH_P_ARP, ETH_P_RARP, 0x88cc, 0x05ff] {
        for proto in [0u8, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP] {
            assert_eq!(timeout_secs(t, proto, et, TcpState::Established), 6);
        }
    }
}

#[test]
fn min_timeout_is_a_floor_of_every_state() {
    let states = [
        TcpState::None,
        TcpState::SynSent,
        TcpState::Established,
        TcpState::Closing,
        TcpState::Closed,
    ];
    for t in [DISTINCT, Timeouts::default(), Timeouts { tcp_syn: 9, tcp_est: 3, tcp_fin: 7, ..DISTINCT }] {
        for et in [ETH_P_IP, ETH_P_IPV6, ETH_P_ARP, 0x88cc] {
            for proto in [0u8, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP] {
                let floor = min_timeout_secs(&t, proto, et);
                let all: Vec<u32> = states.iter().map(|&s| timeout_secs(&t, proto, et, s)).collect();
                // A floor of every state's timeout, and reached by one of them.
                assert!(all.iter().all(|&x| floor <= x), "{proto} {et:#x}");
                assert!(all.contains(&floor), "{proto} {et:#x}");
            }
        }
    }
    assert_eq!(min_timeout_secs(&DISTINCT, IPPROTO_TCP, ETH_P_IP), 1);
    assert_eq!(min_timeout_secs(&Timeouts { tcp_syn: 9, tcp_est: 3, tcp_fin: 7, ..DISTINCT }, IPPROTO_TCP, ETH_P_IPV6), 3);
    assert_eq!(min_timeout_secs(&DISTINCT, IPPROTO_UDP, ETH_P_IP), 4);
}

#[test]
fn sweep_pass_follows_the_shortest_timeout() {
    // An eighth of the shortest timeout, 1 to 8 s.
    assert_eq!(sweep_pass_secs(&Timeouts::default()), 3);
    assert_eq!(sweep_pass_secs(&DISTINCT), 1);
    let all = |s| Timeouts { tcp_syn: s, tcp_est: s, tcp_fin: s, udp: s, icmp: s, other: s };
    assert_eq!(sweep_pass_secs(&all(0)), 1);
    assert_eq!(sweep_pass_secs(&all(15)), 1);
    assert_eq!(sweep_pass_secs(&all(16)), 2);
    assert_eq!(sweep_pass_secs(&all(7200)), 8);
    assert_eq!(sweep_pass_secs(&Timeouts { udp: 2, ..Timeouts::default() }), 1);
}

#[test]
fn timeout_of_a_tcp_connection_follows_its_state() {
    let t = Timeouts::default();
    let k = key4(IPPROTO_TCP, 1, 2, 0);
    let secs = |f, r| timeout_secs(&t, k.ip_proto, k.ethertype, conn_state(&k, f, r));
    assert_eq!(secs(TCP_SYN, 0), 30);
    assert_eq!(secs(TCP_SYN | TCP_ACK, TCP_SYN | TCP_ACK), 7200);
    assert_eq!(secs(TCP_SYN | TCP_ACK | TCP_FIN, TCP_SYN | TCP_ACK), 30);
}

// ---- TCP state -------------------------------------------------------------------------------

#[test]
fn tcp_state_discriminants_are_the_uapi_values() {
    // enum vflow_tcp_state: none, syn-sent, established, closing, closed.
    for (s, v) in [
        (TcpState::None, 0u32),
        (TcpState::SynSent, 1),
        (TcpState::Established, 2),
        (TcpState::Closing, 3),
        (TcpState::Closed, 4),
    ] {
        assert_eq!(s.uapi(), v);
        assert_eq!(s as u32, v);
    }
}

#[test]
fn tcp_state_table_cases() {
    use TcpState::*;
    const SA: u16 = TCP_SYN | TCP_ACK;
    const A: u16 = TCP_ACK;
    let cases: &[(u16, u16, TcpState, &str)] = &[
        (0, 0, SynSent, "nothing seen (later fragments)"),
        (TCP_SYN, 0, SynSent, "SYN"),
        (TCP_SYN, SA, SynSent, "SYN, SYN+ACK"),
        (SA, SA, Established, "SYN, SYN+ACK, ACK"),
        (
            SA,
            A,
            Established,
            "SYN+ACK fwd (picked up at step 2), ACK back",
        ),
        (
            SA,
            TCP_SYN,
            SynSent,
            "simultaneous open, not yet acked back",
        ),
        (A, A, Established, "mid-stream"),
        (
            A | TCP_PSH,
            A | TCP_PSH,
            Established,
            "mid-stream with data",
        ),
        (A, 0, SynSent, "mid-stream, one way only"),
        (0, A, SynSent, "reverse ACK only"),
        (A, SA, SynSent, "SYN only seen in reverse"),
        (TCP_SYN, A, SynSent, "forward never acked"),
        (SA | TCP_FIN, SA, Closing, "FIN forward"),
        (SA, SA | TCP_FIN, Closing, "FIN reverse"),
        (TCP_FIN, 0, Closing, "bare FIN"),
        (TCP_SYN, TCP_RST | A, Closed, "refused"),
        (SA | TCP_FIN, SA | TCP_RST, Closed, "RST beats FIN"),
        (TCP_RST, 0, Closed, "bare RST"),
    ];
    for &(f, r, want, what) in cases {
        assert_eq!(tcp_state(f, r), want, "{what}: fwd {f:#x} rev {r:#x}");
    }
}

/// The documented table, restated over the four flags one by one.
#[allow(clippy::nonminimal_bool)]
fn tcp_state_reference(fwd: u16, rev: u16) -> TcpState {
    let has = |x: u16, f: u16| x & f == f;
    let (fs, fa, ff, fr) = (
        has(fwd, TCP_SYN),
        has(fwd, TCP_ACK),
        has(fwd, TCP_FIN),
        has(fwd, TCP_RST),
    );
    let (rs, ra, rf, rr) = (
        has(rev, TCP_SYN),
        has(rev, TCP_ACK),
        has(rev, TCP_FIN),
        has(rev, TCP_RST),
    );
    if fr || rr {
        TcpState::Closed
    } else if ff || rf {
        TcpState::Closing
    } else if (fs && fa && ra) || (!fs && !rs && fa && ra) {
        TcpState::Established
    } else {
        TcpState::SynSent
    }
}

#[test]
fn tcp_state_table_exhaustive() {
    // Every combination of FIN, SYN, RST and ACK in each direction (256 cases), each with no other
    // flag and with every other flag bit set (PSH, URG, ECE, CWR, NS/AE make no difference).
    let core = [TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK];
    let subset = |bits: u16| -> u16 {
        core.iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .fold(0, |a, (_, f)| a | f)
    };
    let noise = TCP_FLAGS_MASK & !(TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK);
    let mut seen = HashSet::new();
    for fb in 0..16 {
        for rb in 0..16 {
            let (f, r) = (subset(fb), subset(rb));
            let want = tcp_state_reference(f, r);
            assert_eq!(tcp_state(f, r), want, "fwd {f:#x} rev {r:#x}");
            assert_eq!(
                tcp_state(f | noise, r | noise),
                want,
                "noise, fwd {f:#x} rev {r:#x}"
            );
            assert_eq!(tcp_state(f | noise, r), want);
            assert_eq!(tcp_state(f, r | noise), want);
            assert_ne!(want, TcpState::None);
            seen.insert(want.uapi());
        }
    }
    assert_eq!(seen.len(), 4);
}

#[test]
fn tcp_state_follows_a_whole_connection() {
    let (mut f, mut r) = (0u16, 0u16);
    let mut step = |fwd: bool, flags: u16| {
        if fwd {
            f |= flags
        } else {
            r |= flags
        }
        tcp_state(f, r)
    };
    assert_eq!(step(true, TCP_SYN), TcpState::SynSent);
    assert_eq!(step(false, TCP_SYN | TCP_ACK), TcpState::SynSent);
    assert_eq!(step(true, TCP_ACK), TcpState::Established);
    assert_eq!(step(true, TCP_ACK | TCP_PSH), TcpState::Established);
    assert_eq!(step(false, TCP_ACK | TCP_PSH), TcpState::Established);
    assert_eq!(step(true, TCP_FIN | TCP_ACK), TcpState::Closing);
    assert_eq!(step(false, TCP_FIN | TCP_ACK), TcpState::Closing);
    assert_eq!(step(true, TCP_RST), TcpState::Closed);
}

#[test]
fn conn_state_is_none_unless_tcp_over_ip() {
    let all = TCP_SYN | TCP_ACK;
    assert_eq!(
        conn_state(&key4(IPPROTO_TCP, 1, 2, 0), all, all),
        TcpState::Established
    );
    assert_eq!(
        conn_state(&key6(IPPROTO_TCP, 1, 2), TCP_SYN, 0),
        TcpState::SynSent
    );
    for p in [IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_SCTP, 0] {
        assert_eq!(conn_state(&key4(p, 1, 2, 0), all, all), TcpState::None);
    }
    let arp = FlowKey {
        ethertype: ETH_P_ARP,
        ..key4(IPPROTO_TCP, 1, 2, 0)
    };
    assert_eq!(conn_state(&arp, all, all), TcpState::None);
    assert!(is_tcp(IPPROTO_TCP, ETH_P_IPV6));
    assert!(!is_tcp(IPPROTO_TCP, ETH_P_ARP));
}

// ---- expiry ----------------------------------------------------------------------------------

const HZ: u64 = 250;

#[test]
fn expired_at_the_boundary() {
    let t0 = 1_000_000u64;
    assert!(!expired(t0, t0, 30, HZ));
    assert!(
        !expired(t0 + 30 * HZ, t0, 30, HZ),
        "idle exactly the timeout is still alive"
    );
    assert!(expired(t0 + 30 * HZ + 1, t0, 30, HZ));
    assert!(!expired(t0 + 7200 * 1000, t0, 7200, 1000));
    assert!(expired(t0 + 7200 * 1000 + 1, t0, 7200, 1000));
}

#[test]
fn expired_across_jiffies_wraparound() {
    let last = u64::MAX - 10;
    // now has wrapped past 0: idle is 10 + 1 + now.
    assert!(!expired(5, last, 1, HZ));
    assert!(!expired(HZ - 11, last, 1, HZ)); // idle exactly HZ
    assert!(expired(HZ - 10, last, 1, HZ));
    assert!(expired(HZ * 100, last, 1, HZ));
    // INITIAL_JIFFIES-like start close to the wrap: last_used before, now after.
    let start = 0u64.wrapping_sub(300 * HZ);
    assert!(!expired(
        start.wrapping_add(320 * HZ),
        start.wrapping_add(300 * HZ),
        30,
        HZ
    ));
    assert!(expired(
        start.wrapping_add(340 * HZ),
        start.wrapping_add(300 * HZ),
        30,
        HZ
    ));
}

#[test]
fn last_used_after_now_is_not_expired() {
    // Another CPU refreshed the flow after `now` was read.
    assert!(!expired(100, 101, 1, HZ));
    assert!(!expired(u64::MAX, 3, 1, HZ));
    assert!(!expired(0, 1 << 63, 1, HZ));
}

#[test]
fn huge_timeouts_saturate() {
    assert!(!expired(u64::MAX / 4, 0, u32::MAX, u64::MAX));
    assert!(!expired(1 << 62, 0, u32::MAX, 1 << 40));
}

proptest! {
    #[test]
    fn expired_matches_modular_reference(now in any::<u64>(), idle in any::<u64>(),
                                         secs in 1u32..100_000, hz in prop::sample::select(vec![100u64, 250, 300, 1000])) {
        let last = now.wrapping_sub(idle);
        let want = idle < (1 << 63) && u128::from(idle) > u128::from(secs) * u128::from(hz);
        prop_assert_eq!(expired(now, last, secs, hz), want);
    }

    #[test]
    fn expiry_is_shift_invariant(now in any::<u64>(), last_off in 0u64..1_000_000, shift in any::<u64>(), secs in 1u32..3600) {
        let last = now.wrapping_sub(last_off);
        prop_assert_eq!(
            expired(now, last, secs, HZ),
            expired(now.wrapping_add(shift), last.wrapping_add(shift), secs, HZ)
        );
    }
}

// ---- hash and equality -----------------------------------------------------------------------

#[test]
fn key_words_follow_the_memory_layout() {
    let k = key4(IPPROTO_TCP, 0x1234, 0x5678, 0x1ff);
    let w = key_u64s(&k);
    let [a0, a1, a2, a3, a4, a5] = MAC_A;
    let [b0, b1, b2, b3, b4, b5] = MAC_B;
    assert_eq!(w[0], u64::from_ne_bytes([a0, a1, a2, a3, a4, a5, b0, b1]));
    let [e0, e1] = ETH_P_IP.to_ne_bytes();
    let [v0, v1] = 7u16.to_ne_bytes();
    assert_eq!(w[1], u64::from_ne_bytes([b2, b3, b4, b5, e0, e1, v0, v1]));
    assert_eq!(w[2], 0);
    let [i0, i1, i2, i3] = IP_A;
    assert_eq!(w[3], u64::from_ne_bytes([0, 0, 0xff, 0xff, i0, i1, i2, i3]));
    let [j0, j1, j2, j3] = IP_B;
    assert_eq!(w[4], 0);
    assert_eq!(w[5], u64::from_ne_bytes([0, 0, 0xff, 0xff, j0, j1, j2, j3]));
    let ([s0, s1], [d0, d1]) = (0x1234u16.to_ne_bytes(), 0x5678u16.to_ne_bytes());
    assert_eq!(
        w[6],
        u64::from_ne_bytes([s0, s1, d0, d1, 0, 0, 0, 0]),
        "tcp_flags are not part of the words"
    );
    assert_eq!(
        w[7],
        u64::from(u32::from_ne_bytes([IPPROTO_TCP, 0x10, 0, 0]))
    );
    let f = FlowKey {
        frag: Frag::Later,
        reserved: 9,
        arp_op: 0xabcd,
        ..k
    };
    let [o0, o1] = 0xabcdu16.to_ne_bytes();
    assert_eq!(key_u64s(&f)[6], u64::from_ne_bytes([s0, s1, d0, d1, 0, 0, o0, o1]));
    assert_eq!(
        key_u64s(&f)[7],
        u64::from(u32::from_ne_bytes([IPPROTO_TCP, 0x10, 2, 9]))
    );
}

#[test]
fn hash_seed_matters_for_every_key() {
    // Two seeds give different hashes for (nearly) every key, and different bucket orders.
    let mut same = 0;
    for sp in 0..=u16::MAX {
        let k = key4(IPPROTO_UDP, sp, 53, 0);
        if hash_key(&k, 1, 0x1111_2222) == hash_key(&k, 1, 0x1111_2223) {
            same += 1;
        }
    }
    assert!(same <= 2, "{same} keys hash alike under two seeds");
}

#[test]
fn hash_is_deterministic_and_seeded() {
    let k = key4(IPPROTO_TCP, 40000, 443, 0);
    assert_eq!(hash_key(&k, 3, 0xfeed), hash_key(&k.clone(), 3, 0xfeed));
    assert_ne!(hash_key(&k, 3, 0xfeed), hash_key(&k, 3, 0xbeef));
}

#[test]
fn hash_differs_for_every_in_port() {
    // For a few keys, all 65536 input ports give distinct hashes.
    for k in [
        FlowKey::default(),
        key4(IPPROTO_TCP, 1, 2, 0),
        key6(IPPROTO_UDP, 53, 53),
    ] {
        let set: HashSet<u32> = (0..=u16::MAX).map(|p| hash_key(&k, p, 0x5eed)).collect();
        assert_eq!(set.len(), 65536);
    }
}

#[test]
fn hash_spreads_similar_keys_over_buckets() {
    // 65536 keys differing only in the source port, in 4096 buckets by the low bits: no bucket
    // far above the mean of 16.
    let mut buckets = [0u32; 4096];
    for sp in 0..=u16::MAX {
        let h = hash_key(&key4(IPPROTO_TCP, sp, 80, 0), 1, 0x1234);
        buckets[(h & 4095) as usize] += 1;
    }
    let max = *buckets.iter().max().unwrap();
    assert!(max <= 48, "max bucket {max}");
    // And in the high bits.
    let mut buckets = [0u32; 4096];
    for sp in 0..=u16::MAX {
        let h = hash_key(&key6(IPPROTO_UDP, 53, sp), 1, 0x1234);
        buckets[(h >> 20) as usize] += 1;
    }
    assert!(*buckets.iter().max().unwrap() <= 48);
}

proptest! {
    #[test]
    fn hash_is_deterministic(k in arb_key(), port in any::<u16>(), seed in any::<u32>()) {
        let copy = k;
        prop_assert_eq!(hash_key(&k, port, seed), hash_key(&copy, port, seed));
    }

    #[test]
    fn seed_changes_the_hash(k in arb_key(), port in any::<u16>(), seed in any::<u32>(), other in any::<u32>()) {
        prop_assume!(seed != other);
        // A 2^-32 chance per case of a false failure.
        prop_assert_ne!(hash_key(&k, port, seed), hash_key(&k, port, other));
    }

    #[test]
    fn hash_and_eq_ignore_tcp_flags(k in arb_key(), flags in any::<u16>(), port in any::<u16>(), seed in any::<u32>()) {
        let f = FlowKey { tcp_flags: flags, ..k };
        prop_assert_eq!(hash_key(&k, port, seed), hash_key(&f, port, seed));
        prop_assert_eq!(hash_key(&k, port, seed), hash_key(&table_key(&k), port, seed));
        prop_assert!(key_eq(&k, &f));
    }

    #[test]
    fn key_eq_is_table_key_equality(a in arb_key(), b in arb_key()) {
        prop_assert!(key_eq(&a, &a));
        prop_assert_eq!(key_eq(&a, &b), table_key(&a) == table_key(&b));
    }

    #[test]
    fn one_field_changed_is_another_key(k in arb_key(), which in 0usize..13, delta in 1u8..=255) {
        let mut m = k;
        match which {
            0 => m.dst_mac[usize::from(delta) % 6] ^= delta,
            1 => m.src_mac[usize::from(delta) % 6] ^= delta,
            2 => m.ethertype ^= u16::from(delta),
            3 => m.vlan_id ^= u16::from(delta),
            4 => m.src_ip[usize::from(delta) % 16] ^= delta,
            5 => m.dst_ip[usize::from(delta) % 16] ^= delta,
            6 => m.src_port ^= u16::from(delta),
            7 => m.dst_port ^= u16::from(delta),
            8 => m.arp_op ^= u16::from(delta) << 8,
            9 => m.ip_proto ^= delta,
            10 => m.tos ^= delta,
            11 => m.reserved ^= delta,
            _ => m.frag = if k.frag == Frag::Later { Frag::None } else { Frag::Later },
        }
        prop_assert!(!key_eq(&k, &m));
        prop_assert!(key_u64s(&k) != key_u64s(&m));
        // A 2^-32 chance per case of a false failure: one word differs, every round is a bijection.
        prop_assert_ne!(hash_key(&k, 0, 1), hash_key(&m, 0, 1));
    }

    #[test]
    fn two_ports_hash_apart(k in arb_key(), p in any::<u16>(), q in any::<u16>(), seed in any::<u32>()) {
        prop_assume!(p != q);
        prop_assert_ne!(hash_key(&k, p, seed), hash_key(&k, q, seed));
    }
}
