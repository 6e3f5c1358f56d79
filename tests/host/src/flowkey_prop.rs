//! Property tests of `flowkey::parse`: it never panics, truncating a valid frame never yields a
//! wrong key, and it agrees with the naive reference parser and with the key the frame was built
//! from, on random well-formed and random damaged frames.

use proptest::collection::vec;
use proptest::prelude::*;
use std::vec::Vec;

use crate::frame::*;
use crate::logic::flowkey::{parse, FlowKey, Frag, ParseError, ETH_TYPE_802_3};
use crate::reference;

/// An L4 header to build.
#[derive(Clone, Debug)]
enum L4 {
    Tcp {
        sport: u16,
        dport: u16,
        flags: u16,
        opt_words: u8,
        data: Vec<u8>,
    },
    Udp {
        sport: u16,
        dport: u16,
        data: Vec<u8>,
    },
    Sctp {
        sport: u16,
        dport: u16,
    },
    /// ICMP in IPv4, ICMPv6 in IPv6.
    Icmp {
        ty: u8,
        code: u8,
        data: Vec<u8>,
    },
    /// A protocol the parser does not look into.
    Other {
        proto: u8,
        data: Vec<u8>,
    },
}

/// An IPv6 extension header to build.
#[derive(Clone, Debug)]
enum Ext {
    /// Hop-by-hop, routing or destination options.
    Opts {
        kind: u8,
        units: u8,
    },
    Ah {
        units: u8,
    },
    Frag {
        offset: u16,
        more: bool,
    },
}

/// What follows the Ethernet header and tags.
#[derive(Clone, Debug)]
enum L3 {
    Ipv4 {
        tos: u8,
        src: [u8; 4],
        dst: [u8; 4],
        df: bool,
        mf: bool,
        offset: u16,
        opt_words: u8,
        zero_total_len: bool,
        l4: L4,
    },
    Ipv6 {
        tclass: u8,
        flow: u32,
        src: [u8; 16],
        dst: [u8; 16],
        exts: Vec<Ext>,
        zero_payload_len: bool,
        l4: L4,
    },
    Arp {
        rarp: bool,
        op: u16,
        sha: [u8; 6],
        spa: [u8; 4],
        tha: [u8; 6],
        tpa: [u8; 4],
    },
    /// ARP that is not Ethernet/IPv4.
    ArpOther {
        htype: u16,
        ptype: u16,
        hlen: u8,
        plen: u8,
        op: u16,
        body: Vec<u8>,
    },
    Other {
        ethertype: u16,
        data: Vec<u8>,
    },
}

/// A whole frame to build.
#[derive(Clone, Debug)]
struct Spec {
    dst: [u8; 6],
    src: [u8; 6],
    /// (802.1ad TPID rather than 802.1Q, TCI).
    tags: Vec<(bool, u16)>,
    l3: L3,
    /// Bytes after the IP packet or ARP message (Ethernet padding, a trailer).
    pad: Vec<u8>,
}

/// A built frame, how many bytes of it the parser needs, and the key it must give.
struct Built {
    frame: Vec<u8>,
    needed: usize,
    key: FlowKey,
}

const KNOWN_ETHERTYPES: [u16; 6] = [
    ETH_P_IP,
    ETH_P_IPV6,
    ETH_P_ARP,
    ETH_P_RARP,
    ETH_P_8021Q,
    ETH_P_8021AD,
];
/// IP protocols the parser parses or walks.
const KNOWN_PROTOS: [u8; 10] = [
    IPPROTO_HOPOPTS,
    IPPROTO_ICMP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    IPPROTO_ROUTING,
    IPPROTO_FRAGMENT,
    IPPROTO_AH,
    IPPROTO_ICMPV6,
    IPPROTO_DSTOPTS,
    IPPROTO_SCTP,
];

fn data() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..24)
}

fn l4() -> impl Strategy<Value = L4> {
    prop_oneof![
        (any::<u16>(), any::<u16>(), 0..0x200u16, 0..=10u8, data()).prop_map(
            |(sport, dport, flags, opt_words, data)| L4::Tcp {
                sport,
                dport,
                flags,
                opt_words,
                data
            }
        ),
        (any::<u16>(), any::<u16>(), data()).prop_map(|(sport, dport, data)| L4::Udp {
            sport,
            dport,
            data
        }),
        (any::<u16>(), any::<u16>()).prop_map(|(sport, dport)| L4::Sctp { sport, dport }),
        (any::<u8>(), any::<u8>(), data()).prop_map(|(ty, code, data)| L4::Icmp { ty, code, data }),
        (
            any::<u8>().prop_filter("parsed protocol", |p| !KNOWN_PROTOS.contains(p)),
            data()
        )
            .prop_map(|(proto, data)| L4::Other { proto, data }),
    ]
}

fn ext_spec() -> impl Strategy<Value = Ext> {
    prop_oneof![
        3 => (prop::sample::select(&[IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS][..]), 0..=3u8)
            .prop_map(|(kind, units)| Ext::Opts { kind, units }),
        1 => (0..=4u8).prop_map(|units| Ext::Ah { units }),
        1 => (prop_oneof![Just(0u16), 1..0x2000u16], any::<bool>())
            .prop_map(|(offset, more)| Ext::Frag { offset, more }),
    ]
}

fn l3() -> impl Strategy<Value = L3> {
    let ipv4 = (
        (any::<u8>(), any::<[u8; 4]>(), any::<[u8; 4]>()),
        (
            any::<bool>(),
            any::<bool>(),
            prop_oneof![3 => Just(0u16), 1 => 1..0x2000u16],
        ),
        (0..=10u8, prop::bool::weighted(0.1), l4()),
    )
        .prop_map(
            |((tos, src, dst), (df, mf, offset), (opt_words, zero_total_len, l4))| L3::Ipv4 {
                tos,
                src,
                dst,
                df,
                mf,
                offset,
                opt_words,
                zero_total_len,
                l4,
            },
        );
    let ipv6 = (
        (
            any::<u8>(),
            0..0x10_0000u32,
            any::<[u8; 16]>(),
            any::<[u8; 16]>(),
        ),
        (vec(ext_spec(), 0..=8), prop::bool::weighted(0.1), l4()),
    )
        .prop_map(
            |((tclass, flow, src, dst), (exts, zero_payload_len, l4))| L3::Ipv6 {
                tclass,
                flow,
                src,
                dst,
                exts,
                zero_payload_len,
                l4,
            },
        );
    let arp = (
        any::<bool>(),
        any::<u16>(),
        any::<[u8; 6]>(),
        any::<[u8; 4]>(),
        any::<[u8; 6]>(),
        any::<[u8; 4]>(),
    )
        .prop_map(|(rarp, op, sha, spa, tha, tpa)| L3::Arp {
            rarp,
            op,
            sha,
            spa,
            tha,
            tpa,
        });
    let arp_other = (
        prop_oneof![Just(1u16), any::<u16>()],
        prop_oneof![Just(ETH_P_IP), any::<u16>()],
        prop_oneof![Just(6u8), any::<u8>()],
        prop_oneof![Just(4u8), any::<u8>()],
        any::<u16>(),
        data(),
    )
        .prop_filter("Ethernet/IPv4 ARP", |&(h, p, hl, pl, _, _)| {
            (h, p, hl, pl) != (1, ETH_P_IP, 6, 4)
        })
        .prop_map(|(htype, ptype, hlen, plen, op, body)| L3::ArpOther {
            htype,
            ptype,
            hlen,
            plen,
            op,
            body,
        });
    let other = (
        any::<u16>().prop_filter("parsed ethertype", |t| !KNOWN_ETHERTYPES.contains(t)),
        data(),
    )
        .prop_map(|(ethertype, data)| L3::Other { ethertype, data });
    prop_oneof![4 => ipv4, 4 => ipv6, 1 => arp, 1 => arp_other, 1 => other]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<[u8; 6]>(),
        any::<[u8; 6]>(),
        vec((any::<bool>(), any::<u16>()), 0..=2),
        l3(),
        prop_oneof![3 => Just(Vec::new()), 1 => vec(any::<u8>(), 1..30)],
    )
        .prop_map(|(dst, src, tags, l3, pad)| Spec {
            dst,
            src,
            tags,
            l3,
            pad,
        })
}

/// L4 bytes, protocol number, bytes the parser needs, and the key with the L4 fields set.
fn build_l4(l4: &L4, ipv6: bool, mut key: FlowKey) -> (Vec<u8>, u8, usize, FlowKey) {
    match l4 {
        L4::Tcp {
            sport,
            dport,
            flags,
            opt_words,
            data,
        } => {
            key.src_port = *sport;
            key.dst_port = *dport;
            key.tcp_flags = *flags;
            let needed = 20 + usize::from(*opt_words) * 4;
            (
                tcp(*sport, *dport, *flags, *opt_words, data),
                IPPROTO_TCP,
                needed,
                key,
            )
        }
        L4::Udp { sport, dport, data } => {
            key.src_port = *sport;
            key.dst_port = *dport;
            (udp(*sport, *dport, data), IPPROTO_UDP, 8, key)
        }
        L4::Sctp { sport, dport } => {
            key.src_port = *sport;
            key.dst_port = *dport;
            (sctp(*sport, *dport, &[]), IPPROTO_SCTP, 12, key)
        }
        L4::Icmp { ty, code, data } => {
            key.src_port = u16::from(*ty);
            key.dst_port = u16::from(*code);
            let proto = if ipv6 { IPPROTO_ICMPV6 } else { IPPROTO_ICMP };
            (icmp(*ty, *code, data), proto, 8, key)
        }
        L4::Other { proto, data } => (data.clone(), *proto, 0, key),
    }
}

fn build(spec: &Spec) -> Built {
    let tags: Vec<(u16, u16)> = spec
        .tags
        .iter()
        .map(|&(ad, tci)| (if ad { ETH_P_8021AD } else { ETH_P_8021Q }, tci))
        .collect();
    let l2_len = 14 + 4 * tags.len();
    let mut key = FlowKey {
        dst_mac: spec.dst,
        src_mac: spec.src,
        vlan_id: tags.first().map_or(0, |t| t.1 & 0x0fff),
        ..FlowKey::default()
    };
    let (ethertype, l3, needed) = match &spec.l3 {
        L3::Other { ethertype, data } => {
            key.ethertype = if *ethertype < 0x0600 {
                ETH_TYPE_802_3
            } else {
                *ethertype
            };
            (*ethertype, data.clone(), l2_len)
        }
        L3::Arp {
            rarp,
            op,
            sha,
            spa,
            tha,
            tpa,
        } => {
            let ethertype = if *rarp { ETH_P_RARP } else { ETH_P_ARP };
            key.ethertype = ethertype;
            key.arp_op = *op;
            key.src_ip = mapped(*spa);
            key.dst_ip = mapped(*tpa);
            (ethertype, arp(*op, *sha, *spa, *tha, *tpa), l2_len + 28)
        }
        L3::ArpOther {
            htype,
            ptype,
            hlen,
            plen,
            op,
            body,
        } => {
            key.ethertype = ETH_P_ARP;
            (
                ETH_P_ARP,
                arp_raw(*htype, *ptype, *hlen, *plen, *op, body),
                l2_len + 8,
            )
        }
        L3::Ipv4 {
            tos,
            src,
            dst,
            df,
            mf,
            offset,
            opt_words,
            zero_total_len,
            l4,
        } => {
            key.ethertype = ETH_P_IP;
            key.tos = *tos;
            key.src_ip = mapped(*src);
            key.dst_ip = mapped(*dst);
            let later = *offset != 0;
            key.frag = match (later, *mf) {
                (true, _) => Frag::Later,
                (false, true) => Frag::First,
                (false, false) => Frag::None,
            };
            let (l4_bytes, proto, l4_needed, l4_key) = build_l4(l4, false, key);
            if !later {
                key = l4_key;
            }
            key.ip_proto = proto;
            let hlen = 20 + usize::from(*opt_words) * 4;
            let ip = Ipv4 {
                tos: *tos,
                src: *src,
                dst: *dst,
                frag: (u16::from(*df) << 14) | (u16::from(*mf) << 13) | offset,
                proto,
                options: std::vec![1; hlen - 20],
                total_len: zero_total_len.then_some(0),
                ..Ipv4::default()
            };
            let needed = l2_len + hlen + if later { 0 } else { l4_needed };
            (ETH_P_IP, ip.build(&l4_bytes), needed)
        }
        L3::Ipv6 {
            tclass,
            flow,
            src,
            dst,
            exts,
            zero_payload_len,
            l4,
        } => {
            key.ethertype = ETH_P_IPV6;
            key.tos = *tclass;
            key.src_ip = *src;
            key.dst_ip = *dst;
            let (l4_bytes, proto, l4_needed, l4_key) = build_l4(l4, true, key);
            // The protocol number of each header: exts[i] is announced by types[i].
            let mut types: Vec<u8> = exts
                .iter()
                .map(|e| match e {
                    Ext::Opts { kind, .. } => *kind,
                    Ext::Ah { .. } => IPPROTO_AH,
                    Ext::Frag { .. } => IPPROTO_FRAGMENT,
                })
                .collect();
            types.push(proto);
            let mut payload = l4_bytes;
            for (i, e) in exts.iter().enumerate().rev() {
                let next = types[i + 1];
                payload = match e {
                    Ext::Opts { units, .. } => ext(next, *units, &payload),
                    Ext::Ah { units } => ah(next, *units, &payload),
                    Ext::Frag { offset, more } => frag6(next, *offset, *more, &payload),
                };
            }
            // Walk the chain as the parser must.
            let mut at = l2_len + 40;
            let mut result = None;
            for (i, e) in exts.iter().enumerate() {
                match e {
                    Ext::Opts { units, .. } => at += (usize::from(*units) + 1) * 8,
                    Ext::Ah { units } => at += (usize::from(*units) + 2) * 4,
                    Ext::Frag { offset, .. } => {
                        at += 8;
                        if *offset != 0 {
                            key.frag = Frag::Later;
                            key.ip_proto = types[i + 1];
                            result = Some(at);
                            break;
                        }
                        key.frag = Frag::First;
                    }
                }
            }
            let needed = match result {
                Some(end) => end,
                None => {
                    let frag = key.frag;
                    key = FlowKey {
                        frag,
                        ip_proto: proto,
                        ..l4_key
                    };
                    at + l4_needed
                }
            };
            let ip = Ipv6 {
                tclass: *tclass,
                flow: *flow,
                src: *src,
                dst: *dst,
                next: types[0],
                payload_len: zero_payload_len.then_some(0),
                ..Ipv6::default()
            };
            (ETH_P_IPV6, ip.build(&payload), needed)
        }
    };
    let mut frame = eth(spec.dst, spec.src, &tags, ethertype, &l3);
    frame.extend_from_slice(&spec.pad);
    Built { frame, needed, key }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2048))]

    /// Random bytes: no panic, and the same answer as the reference parser.
    #[test]
    fn random_bytes(bytes in vec(any::<u8>(), 0..160)) {
        prop_assert_eq!(parse(&bytes), reference::parse(&bytes));
    }

    /// Random bytes after an Ethernet header with a parsed ethertype, to get past L2.
    #[test]
    fn random_bytes_after_a_known_ethertype(
        tags in vec((prop::sample::select(&[ETH_P_8021Q, ETH_P_8021AD][..]), any::<u16>()), 0..=2),
        ethertype in prop::sample::select(&KNOWN_ETHERTYPES[..]),
        // A plausible first byte makes the IP version and header length often valid.
        first in prop_oneof![Just(0x45u8), Just(0x46), Just(0x60), any::<u8>()],
        rest in vec(any::<u8>(), 0..120),
    ) {
        let mut payload = std::vec![first];
        payload.extend_from_slice(&rest);
        let f = eth(MAC_A, MAC_B, &tags, ethertype, &payload);
        prop_assert_eq!(parse(&f), reference::parse(&f));
    }
}

proptest! {
    #![proptest_config(config(1024))]

    /// A well-formed frame gives the key it was built from, and the reference parser agrees.
    #[test]
    fn well_formed_frames(spec in spec()) {
        let b = build(&spec);
        prop_assert_eq!(parse(&b.frame), Ok(b.key));
        prop_assert_eq!(reference::parse(&b.frame), Ok(b.key));
        prop_assert_eq!(b.key.reserved, 0);
    }

    /// Cut anywhere: the same key once every needed header is in, a truncation error before.
    #[test]
    fn truncated_frames(spec in spec()) {
        let b = build(&spec);
        prop_assert!(b.needed <= b.frame.len());
        for cut in 0..=b.frame.len() {
            let got = parse(&b.frame[..cut]);
            if cut >= b.needed {
                prop_assert_eq!(got, Ok(b.key), "cut at {} of {}", cut, b.frame.len());
            } else {
                prop_assert!(
                    matches!(got, Err(ParseError::Truncated { .. })),
                    "cut at {} (needed {}): {:?}", cut, b.needed, got
                );
            }
        }
    }

    /// A well-formed frame with some bytes overwritten and maybe cut: whatever the result, the
    /// reference parser gives the same one.
    #[test]
    fn damaged_frames(
        spec in spec(),
        damage in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        do_cut in any::<bool>(),
    ) {
        let mut f = build(&spec).frame;
        for (at, byte) in damage {
            let i = at.index(f.len());
            f[i] = byte;
        }
        if do_cut {
            f.truncate(cut.index(f.len() + 1));
        }
        prop_assert_eq!(parse(&f), reference::parse(&f));
    }
}
