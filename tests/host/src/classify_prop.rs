//! Property tests: the tuple-space classifier gives exactly `classify_linear`'s answer, on random
//! rule sets whose values come from small pools (so that many rules match, overlap and tie) and
//! random packets drawn from the same pools.

use proptest::collection::vec;
use proptest::prelude::*;
use std::vec::Vec;

use crate::classify_util::Built;
use crate::logic::flowkey::FlowKey;
use crate::logic::rule::{classify_linear, Match, Packet, Prefix, RuleSpec};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const IPS: [[u8; 16]; 4] = [
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 1, 2],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 0, 1],
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
];
const PORTS: [u16; 8] = [0, 1, 22, 80, 443, 1024, 65534, 65535];
const MACS: [[u8; 6]; 3] = [
    [2, 0, 0, 0, 0, 1],
    [2, 0, 0, 0, 0, 2],
    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
];

fn ip() -> impl Strategy<Value = [u8; 16]> {
    prop_oneof![
        4 => (0..IPS.len()).prop_map(|i| IPS[i]),
        1 => any::<[u8; 16]>(),
    ]
}

fn port() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => (0..PORTS.len()).prop_map(|i| PORTS[i]),
        1 => any::<u16>(),
    ]
}

fn mac() -> impl Strategy<Value = [u8; 6]> {
    prop_oneof![
        4 => (0..MACS.len()).prop_map(|i| MACS[i]),
        1 => any::<[u8; 6]>(),
    ]
}

fn small<T: Clone + core::fmt::Debug + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![2 => Just(None), 1 => s.prop_map(Some)]
}

fn prefix() -> impl Strategy<Value = Prefix> {
    (
        ip(),
        prop_oneof![
            Just(128u8),
            Just(120),
            Just(112),
            Just(104),
            Just(96),
            0u8..=130
        ],
    )
        .prop_map(|(addr, plen)| Prefix { addr, plen })
}

fn range() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        port().prop_map(|p| (p, p)),
        (port(), port()),
        (port(), port()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        Just((0, 65535)),
        Just((1024, 65535)),
        Just((1, 65534)),
        Just((1024, 2047)),
        Just((16, 47)),
        Just((65534, 65535)),
    ]
}

fn mac_mask() -> impl Strategy<Value = [u8; 6]> {
    prop_oneof![
        3 => Just([0u8; 6]),
        1 => Just([0xffu8; 6]),
        1 => Just([1, 0, 0, 0, 0, 0]),
        1 => any::<[u8; 6]>(),
    ]
}

fn byte_mask() -> impl Strategy<Value = u8> {
    prop_oneof![3 => Just(0u8), 1 => Just(0xff), 1 => Just(0xfc), 1 => any::<u8>()]
}

fn flags_mask() -> impl Strategy<Value = u16> {
    prop_oneof![3 => Just(0u16), 1 => Just(0x12), 1 => Just(0x02), 1 => any::<u16>()]
}

fn matcher() -> impl Strategy<Value = Match> {
    (
        (
            small(0u16..4),
            small(0u16..4),
            mac(),
            mac_mask(),
            mac(),
            mac_mask(),
        ),
        (
            small(prop_oneof![Just(0x0800u16), Just(0x86dd), Just(0x0806)]),
            small(0u16..3),
            small(prefix()),
            small(prefix()),
            small(prop_oneof![Just(6u8), Just(17), Just(1)]),
        ),
        (small(range()), small(range()), any::<u8>(), byte_mask()),
        (
            prop_oneof![Just(0x02u16), Just(0x12), Just(0x10), any::<u16>()],
            flags_mask(),
        ),
    )
        .prop_map(
            |(
                (in_port, out_port, src_mac, src_mac_mask, dst_mac, dst_mac_mask),
                (ethertype, vlan_id, src_ip, dst_ip, ip_proto),
                (src_port, dst_port, tos, tos_mask),
                (tcp_flags, tcp_flags_mask),
            )| Match {
                in_port,
                out_port,
                src_mac,
                src_mac_mask,
                dst_mac,
                dst_mac_mask,
                ethertype,
                vlan_id,
                src_ip,
                dst_ip,
                ip_proto,
                src_port,
                dst_port,
                tos,
                tos_mask,
                tcp_flags,
                tcp_flags_mask,
            },
        )
}

fn rules(max: usize) -> impl Strategy<Value = Vec<RuleSpec>> {
    vec((1u32..40, 0u32..6, matcher()), 0..max).prop_map(|v| {
        v.into_iter()
            .map(|(id, priority, m)| RuleSpec { id, priority, m })
            .collect()
    })
}

/// A packet and where it goes.
#[derive(Clone, Debug)]
struct Pkt {
    key: FlowKey,
    in_port: u16,
    out_port: Option<u16>,
}

fn packet() -> impl Strategy<Value = Pkt> {
    (
        (
            mac(),
            mac(),
            prop_oneof![Just(0x0800u16), Just(0x86dd), Just(0x0806), any::<u16>()],
            0u16..3,
        ),
        (
            ip(),
            ip(),
            prop_oneof![Just(6u8), Just(17), Just(1), any::<u8>()],
        ),
        (
            port(),
            port(),
            prop_oneof![Just(0x02u16), Just(0x12), Just(0x10), 0u16..0x200],
        ),
        (any::<u8>(), 0u16..4, small(0u16..4)),
    )
        .prop_map(
            |(
                (dst_mac, src_mac, ethertype, vlan_id),
                (src_ip, dst_ip, ip_proto),
                (src_port, dst_port, tcp_flags),
                (tos, in_port, out_port),
            )| Pkt {
                key: FlowKey {
                    dst_mac,
                    src_mac,
                    ethertype,
                    vlan_id,
                    src_ip,
                    dst_ip,
                    src_port,
                    dst_port,
                    tcp_flags,
                    ip_proto,
                    tos,
                    ..FlowKey::default()
                },
                in_port,
                out_port,
            },
        )
}

/// A packet that one of `rules` was made to match: its values are taken from the rule.
fn packet_like(r: &RuleSpec, base: &Pkt, pick: u16) -> Pkt {
    let m = &r.m;
    let mut p = base.clone();
    let k = &mut p.key;
    for i in 0..6 {
        k.src_mac[i] = (m.src_mac[i] & m.src_mac_mask[i]) | (k.src_mac[i] & !m.src_mac_mask[i]);
        k.dst_mac[i] = (m.dst_mac[i] & m.dst_mac_mask[i]) | (k.dst_mac[i] & !m.dst_mac_mask[i]);
    }
    if let Some(x) = m.ethertype {
        k.ethertype = x;
    }
    if let Some(x) = m.vlan_id {
        k.vlan_id = x;
    }
    if let Some(x) = m.src_ip {
        k.src_ip = x.addr;
    }
    if let Some(x) = m.dst_ip {
        k.dst_ip = x.addr;
    }
    if let Some(x) = m.ip_proto {
        k.ip_proto = x;
    }
    let in_range = |(lo, hi): (u16, u16)| {
        if lo <= hi {
            lo.saturating_add(pick % (hi - lo).saturating_add(1).max(1))
        } else {
            lo
        }
    };
    if let Some(r) = m.src_port {
        k.src_port = in_range(r);
    }
    if let Some(r) = m.dst_port {
        k.dst_port = in_range(r);
    }
    k.tos = (m.tos & m.tos_mask) | (k.tos & !m.tos_mask);
    k.tcp_flags = (m.tcp_flags & m.tcp_flags_mask) | (k.tcp_flags & !m.tcp_flags_mask);
    if let Some(x) = m.in_port {
        p.in_port = x;
    }
    if let Some(x) = m.out_port {
        p.out_port = Some(x);
    }
    p
}

fn check(b: &Built, p: &Pkt) -> Result<(), TestCaseError> {
    let pk = Packet {
        key: &p.key,
        in_port: p.in_port,
        out_port: p.out_port,
    };
    let want = classify_linear(&b.rules, &pk);
    let got = b.lookup(&pk);
    prop_assert_eq!(got, want, "packet {:?}", p);
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    /// Random packets against random rule sets.
    #[test]
    fn same_as_linear(rs in rules(40), pkts in vec(packet(), 1..16)) {
        let b = Built::new(&rs);
        for p in &pkts {
            check(&b, p)?;
        }
    }

    /// Packets built to match one rule (so most lookups hit, and often several rules).
    #[test]
    fn same_as_linear_hits(rs in rules(40), base in packet(), picks in vec((any::<usize>(), any::<u16>()), 1..16)) {
        let b = Built::new(&rs);
        if rs.is_empty() {
            return Ok(());
        }
        for (i, pick) in picks {
            let p = packet_like(&rs[i % rs.len()], &base, pick);
            check(&b, &p)?;
        }
    }
}

/// Many rules over a few shapes, so that tuples and filters grow past `BLOOM_MIN_GROUPS` and get
/// Bloom filters: addresses from 10.0.0.0/22, a few prefix lengths, ports from a small range.
fn big_rules() -> impl Strategy<Value = Vec<RuleSpec>> {
    let addr = (0u8..4, any::<u8>()).prop_map(|(c, d)| {
        let mut a = IPS[0];
        a[14] = c;
        a[15] = d;
        a
    });
    let pfx = (
        addr,
        prop_oneof![Just(128u8), Just(126), Just(120), Just(118)],
    )
        .prop_map(|(addr, plen)| Prefix { addr, plen });
    let m = (
        small(pfx.clone()),
        pfx,
        small(prop_oneof![Just(6u8), Just(17)]),
        small(prop_oneof![
            (0u16..8).prop_map(|p| (p, p)),
            Just((2u16, 5u16)),
            Just((1u16, 6u16))
        ]),
    )
        .prop_map(|(src_ip, dst_ip, ip_proto, dst_port)| Match {
            src_ip,
            dst_ip: Some(dst_ip),
            ip_proto,
            dst_port,
            ..Match::default()
        });
    vec((0u32..50, m), 150..600).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (priority, m))| RuleSpec {
                id: i as u32 + 1,
                priority,
                m,
            })
            .collect()
    })
}

fn big_packet() -> impl Strategy<Value = Pkt> {
    (
        0u8..5,
        any::<u8>(),
        0u8..5,
        any::<u8>(),
        prop_oneof![Just(6u8), Just(17)],
        0u16..9,
    )
        .prop_map(|(sc, sd, dc, dd, ip_proto, dst_port)| {
            let mut src_ip = IPS[0];
            src_ip[14] = sc;
            src_ip[15] = sd;
            let mut dst_ip = IPS[0];
            dst_ip[14] = dc;
            dst_ip[15] = dd;
            Pkt {
                key: FlowKey {
                    ethertype: 0x0800,
                    src_ip,
                    dst_ip,
                    ip_proto,
                    dst_port,
                    ..FlowKey::default()
                },
                in_port: 0,
                out_port: None,
            }
        })
}

proptest! {
    #![proptest_config(config(24))]

    /// Big rule sets (Bloom filters in use): same answers as the linear scan.
    #[test]
    fn same_as_linear_big(rs in big_rules(), pkts in vec(big_packet(), 200..400)) {
        let b = Built::new(&rs);
        for p in &pkts {
            check(&b, p)?;
        }
    }
}
