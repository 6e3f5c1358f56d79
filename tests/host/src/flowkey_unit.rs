//! Unit tests of `flowkey` on hand-built frames: one or more per protocol and per error branch.

use std::vec;
use std::vec::Vec;

use crate::frame::*;
use crate::logic::flowkey::{
    eth_addrs, is_multicast, is_zero, parse, FlowKey, Frag, Layer, ParseError, ETH_TYPE_802_3,
    MAX_IPV6_EXT_HEADERS,
};

fn base(ethertype: u16) -> FlowKey {
    FlowKey {
        dst_mac: MAC_A,
        src_mac: MAC_B,
        ethertype,
        ..FlowKey::default()
    }
}

fn v4key(proto: u8) -> FlowKey {
    FlowKey {
        src_ip: mapped([10, 0, 0, 1]),
        dst_ip: mapped([10, 0, 0, 2]),
        ip_proto: proto,
        ..base(ETH_P_IP)
    }
}

fn v6key(proto: u8) -> FlowKey {
    let h = Ipv6::default();
    FlowKey {
        src_ip: h.src,
        dst_ip: h.dst,
        ip_proto: proto,
        ..base(ETH_P_IPV6)
    }
}

fn trunc(layer: Layer) -> Result<FlowKey, ParseError> {
    Err(ParseError::Truncated { layer })
}

/// Untagged IPv4 with default header fields and protocol `proto`.
fn ip4(proto: u8, l4: &[u8]) -> Vec<u8> {
    eth_plain(
        ETH_P_IP,
        &Ipv4 {
            proto,
            ..Ipv4::default()
        }
        .build(l4),
    )
}

/// Untagged IPv6 with default header fields and next header `next`.
fn ip6(next: u8, payload: &[u8]) -> Vec<u8> {
    eth_plain(
        ETH_P_IPV6,
        &Ipv6 {
            next,
            ..Ipv6::default()
        }
        .build(payload),
    )
}

// ---- layout and helpers ----

#[test]
fn layout_matches_the_documented_table() {
    use core::mem::{align_of, offset_of, size_of};
    assert_eq!(size_of::<FlowKey>(), 60);
    assert_eq!(align_of::<FlowKey>(), 4);
    assert_eq!(size_of::<Frag>(), 1);
    let offsets = [
        offset_of!(FlowKey, dst_mac),
        offset_of!(FlowKey, src_mac),
        offset_of!(FlowKey, ethertype),
        offset_of!(FlowKey, vlan_id),
        offset_of!(FlowKey, src_ip),
        offset_of!(FlowKey, dst_ip),
        offset_of!(FlowKey, src_port),
        offset_of!(FlowKey, dst_port),
        offset_of!(FlowKey, tcp_flags),
        offset_of!(FlowKey, arp_op),
        offset_of!(FlowKey, ip_proto),
        offset_of!(FlowKey, tos),
        offset_of!(FlowKey, frag),
        offset_of!(FlowKey, reserved),
    ];
    assert_eq!(
        offsets,
        [0, 6, 12, 14, 16, 32, 48, 50, 52, 54, 56, 57, 58, 59]
    );
    assert_eq!(Frag::None as u8, 0);
    assert_eq!(Frag::First as u8, 1);
    assert_eq!(Frag::Later as u8, 2);
    assert_eq!(Frag::default(), Frag::None);
}

#[test]
fn eth_addrs_needs_both_addresses() {
    let f = eth_plain(0x1234, &[]);
    assert_eq!(eth_addrs(&f), Some((MAC_A, MAC_B)));
    assert_eq!(eth_addrs(&f[..12]), Some((MAC_A, MAC_B)));
    assert_eq!(eth_addrs(&f[..11]), None);
    assert_eq!(eth_addrs(&[]), None);
}

#[test]
fn multicast_and_zero_macs() {
    assert!(is_multicast(&[0xff; 6]));
    assert!(is_multicast(&[0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]));
    assert!(is_multicast(&[0x33, 0x33, 0x00, 0x00, 0x00, 0x01]));
    assert!(!is_multicast(&MAC_A));
    assert!(!is_multicast(&[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff]));
    assert!(is_zero(&[0; 6]));
    assert!(!is_zero(&MAC_A));
    assert!(!is_zero(&[0, 0, 0, 0, 0, 1]));
}

// ---- Ethernet and VLAN ----

#[test]
fn ethernet_truncated() {
    let f = eth_plain(ETH_P_IP, &[]);
    for n in 0..14 {
        assert_eq!(parse(&f[..n]), trunc(Layer::Ethernet), "length {n}");
    }
}

#[test]
fn unknown_ethertype_is_keyed_on_l2_only() {
    let f = eth_plain(0x88cc, &[0xab; 40]);
    assert_eq!(parse(&f), Ok(base(0x88cc)));
    // Nothing after the header at all.
    assert_eq!(parse(&f[..14]), Ok(base(0x88cc)));
}

#[test]
fn ieee_802_3_length_field() {
    for len in [0u16, 46, 0x05dc, 0x05ff] {
        let f = eth_plain(len, &[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
        assert_eq!(parse(&f), Ok(base(ETH_TYPE_802_3)), "length field {len:#x}");
    }
    // 0x0600 is the first ethertype.
    assert_eq!(parse(&eth_plain(0x0600, &[])), Ok(base(0x0600)));
}

#[test]
fn single_vlan_tag_keeps_vid_only() {
    // PCP 5, DEI 1, VID 0x123.
    let tci = (5 << 13) | (1 << 12) | 0x123;
    let f = eth(MAC_A, MAC_B, &[(ETH_P_8021Q, tci)], 0x88cc, &[]);
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            vlan_id: 0x123,
            ..base(0x88cc)
        })
    );
    // A priority tag (VID 0) looks untagged.
    let f = eth(MAC_A, MAC_B, &[(ETH_P_8021Q, 7 << 13)], 0x88cc, &[]);
    assert_eq!(parse(&f), Ok(base(0x88cc)));
}

#[test]
fn qinq_keeps_outer_vid_and_skips_inner_tag() {
    for outer in [ETH_P_8021AD, ETH_P_8021Q] {
        for inner in [ETH_P_8021Q, ETH_P_8021AD] {
            let l3 = Ipv4 {
                proto: IPPROTO_UDP,
                ..Ipv4::default()
            }
            .build(&udp(1, 2, &[]));
            let f = eth(MAC_A, MAC_B, &[(outer, 100), (inner, 200)], ETH_P_IP, &l3);
            let want = FlowKey {
                vlan_id: 100,
                src_port: 1,
                dst_port: 2,
                ..v4key(IPPROTO_UDP)
            };
            assert_eq!(parse(&f), Ok(want));
        }
    }
}

#[test]
fn third_vlan_tag_is_left_as_the_ethertype() {
    let f = eth(
        MAC_A,
        MAC_B,
        &[(ETH_P_8021AD, 10), (ETH_P_8021Q, 20)],
        ETH_P_8021Q,
        &[0, 30, 0x08, 0x00],
    );
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            vlan_id: 10,
            ..base(ETH_P_8021Q)
        })
    );
}

#[test]
fn vlan_truncated() {
    let f = eth(MAC_A, MAC_B, &[(ETH_P_8021Q, 5)], 0x88cc, &[]);
    for n in 14..18 {
        assert_eq!(parse(&f[..n]), trunc(Layer::Vlan), "length {n}");
    }
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            vlan_id: 5,
            ..base(0x88cc)
        })
    );
    let f = eth(
        MAC_A,
        MAC_B,
        &[(ETH_P_8021AD, 5), (ETH_P_8021Q, 6)],
        0x88cc,
        &[],
    );
    for n in 18..22 {
        assert_eq!(parse(&f[..n]), trunc(Layer::Vlan), "length {n}");
    }
}

#[test]
fn vlan_then_ipv6_tcp() {
    let l3 = Ipv6 {
        next: IPPROTO_TCP,
        ..Ipv6::default()
    }
    .build(&tcp(80, 8080, 0x012, 0, &[]));
    let f = eth(MAC_A, MAC_B, &[(ETH_P_8021Q, 4095)], ETH_P_IPV6, &l3);
    let want = FlowKey {
        vlan_id: 4095,
        src_port: 80,
        dst_port: 8080,
        tcp_flags: 0x012,
        ..v6key(IPPROTO_TCP)
    };
    assert_eq!(parse(&f), Ok(want));
}

// ---- ARP ----

#[test]
fn arp_request_and_reply() {
    for op in [1u16, 2, 0x1234] {
        let body = arp(op, MAC_B, [192, 168, 1, 1], [0; 6], [192, 168, 1, 2]);
        let want = FlowKey {
            arp_op: op,
            src_ip: mapped([192, 168, 1, 1]),
            dst_ip: mapped([192, 168, 1, 2]),
            ..base(ETH_P_ARP)
        };
        assert_eq!(parse(&eth_plain(ETH_P_ARP, &body)), Ok(want));
        // With Ethernet padding to the 60-byte minimum.
        let mut padded = eth_plain(ETH_P_ARP, &body);
        padded.resize(60, 0);
        assert_eq!(parse(&padded), Ok(want));
    }
}

#[test]
fn rarp_is_parsed_like_arp() {
    let body = arp(3, MAC_B, [0; 4], MAC_B, [0; 4]);
    let want = FlowKey {
        arp_op: 3,
        src_ip: mapped([0; 4]),
        dst_ip: mapped([0; 4]),
        ..base(ETH_P_RARP)
    };
    assert_eq!(parse(&eth_plain(ETH_P_RARP, &body)), Ok(want));
}

#[test]
fn non_ethernet_ipv4_arp_is_keyed_on_l2_only() {
    let cases: [(u16, u16, u8, u8); 4] = [
        (6, ETH_P_IP, 6, 4),
        (1, ETH_P_IPV6, 6, 4),
        (1, ETH_P_IP, 8, 4),
        (1, ETH_P_IP, 6, 16),
    ];
    for (htype, ptype, hlen, plen) in cases {
        let f = eth_plain(ETH_P_ARP, &arp_raw(htype, ptype, hlen, plen, 1, &[7; 40]));
        assert_eq!(parse(&f), Ok(base(ETH_P_ARP)));
        // Only the fixed part is needed to tell.
        assert_eq!(parse(&f[..22]), Ok(base(ETH_P_ARP)));
    }
}

#[test]
fn arp_truncated() {
    let f = eth_plain(
        ETH_P_ARP,
        &arp(1, MAC_B, [1, 2, 3, 4], [0; 6], [5, 6, 7, 8]),
    );
    assert_eq!(f.len(), 42);
    for n in 14..42 {
        assert_eq!(parse(&f[..n]), trunc(Layer::Arp), "length {n}");
    }
}

// ---- IPv4 ----

#[test]
fn ipv4_tcp_full_key() {
    let ip = Ipv4 {
        tos: 0xb9,
        proto: IPPROTO_TCP,
        src: [1, 2, 3, 4],
        dst: [5, 6, 7, 8],
        frag: 0x4000, // DF: not a fragment
        ..Ipv4::default()
    };
    // All 9 flag bits set.
    let f = eth_plain(ETH_P_IP, &ip.build(&tcp(12345, 443, 0x1ff, 0, b"data")));
    let want = FlowKey {
        dst_mac: MAC_A,
        src_mac: MAC_B,
        ethertype: ETH_P_IP,
        vlan_id: 0,
        src_ip: mapped([1, 2, 3, 4]),
        dst_ip: mapped([5, 6, 7, 8]),
        src_port: 12345,
        dst_port: 443,
        tcp_flags: 0x1ff,
        arp_op: 0,
        ip_proto: IPPROTO_TCP,
        tos: 0xb9,
        frag: Frag::None,
        reserved: 0,
    };
    assert_eq!(parse(&f), Ok(want));
}

#[test]
fn tcp_flags_are_the_low_nine_bits() {
    for flags in [0x000u16, 0x002, 0x010, 0x011, 0x100, 0x0ff] {
        let f = ip4(IPPROTO_TCP, &tcp(1, 2, flags, 0, &[]));
        let got = parse(&f).map(|k| k.tcp_flags);
        assert_eq!(got, Ok(flags));
    }
    // The 3 reserved bits above NS are not flags.
    let mut f = ip4(IPPROTO_TCP, &tcp(1, 2, 0x002, 0, &[]));
    f[14 + 20 + 12] |= 0x0e;
    assert_eq!(parse(&f).map(|k| k.tcp_flags), Ok(0x002));
}

#[test]
fn tcp_with_options() {
    for words in [1u8, 3, 10] {
        let f = ip4(IPPROTO_TCP, &tcp(7, 9, 0x018, words, b"x"));
        let want = FlowKey {
            src_port: 7,
            dst_port: 9,
            tcp_flags: 0x018,
            ..v4key(IPPROTO_TCP)
        };
        assert_eq!(parse(&f), Ok(want));
    }
}

#[test]
fn ipv4_udp_sctp_icmp() {
    let f = ip4(IPPROTO_UDP, &udp(53, 5353, b"q"));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 53,
            dst_port: 5353,
            ..v4key(IPPROTO_UDP)
        })
    );
    let f = ip4(IPPROTO_SCTP, &sctp(36412, 38412, &[]));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 36412,
            dst_port: 38412,
            ..v4key(IPPROTO_SCTP)
        })
    );
    // Echo request; destination unreachable / port unreachable.
    let f = ip4(IPPROTO_ICMP, &icmp(8, 0, b"ping"));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 8,
            dst_port: 0,
            ..v4key(IPPROTO_ICMP)
        })
    );
    let f = ip4(IPPROTO_ICMP, &icmp(3, 3, &[0; 28]));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 3,
            dst_port: 3,
            ..v4key(IPPROTO_ICMP)
        })
    );
}

#[test]
fn ipv4_unknown_protocol_is_keyed_on_l3() {
    for proto in [47u8, IPPROTO_ICMPV6, IPPROTO_ESP, 255] {
        let f = ip4(proto, &[0xee; 3]);
        assert_eq!(parse(&f), Ok(v4key(proto)));
    }
}

#[test]
fn ipv4_options_are_skipped() {
    for words in 1..=10usize {
        let ip = Ipv4 {
            proto: IPPROTO_UDP,
            options: vec![1; words * 4],
            ..Ipv4::default()
        };
        let f = eth_plain(ETH_P_IP, &ip.build(&udp(1000, 2000, &[])));
        let want = FlowKey {
            src_port: 1000,
            dst_port: 2000,
            ..v4key(IPPROTO_UDP)
        };
        assert_eq!(parse(&f), Ok(want), "{words} option words");
    }
}

#[test]
fn ipv4_truncated_header_and_options() {
    let ip = Ipv4 {
        proto: 99,
        options: vec![1; 8],
        ..Ipv4::default()
    };
    let f = eth_plain(ETH_P_IP, &ip.build(&[]));
    assert_eq!(f.len(), 14 + 28);
    for n in 14..42 {
        assert_eq!(parse(&f[..n]), trunc(Layer::Ipv4), "length {n}");
    }
    assert_eq!(parse(&f), Ok(v4key(99)));
}

#[test]
fn ipv4_bad_version() {
    for version in [0u8, 5, 6, 15] {
        let f = eth_plain(
            ETH_P_IP,
            &Ipv4 {
                version,
                ..Ipv4::default()
            }
            .build(&udp(1, 2, &[])),
        );
        assert_eq!(
            parse(&f),
            Err(ParseError::BadIpVersion),
            "version {version}"
        );
    }
}

#[test]
fn ipv4_bad_ihl() {
    for ihl in 0..5u8 {
        let f = eth_plain(
            ETH_P_IP,
            &Ipv4 {
                ihl: Some(ihl),
                ..Ipv4::default()
            }
            .build(&[0; 40]),
        );
        assert_eq!(parse(&f), Err(ParseError::BadIpv4Ihl), "ihl {ihl}");
    }
}

#[test]
fn ipv4_bad_total_len() {
    for total in [1u16, 19] {
        let ip = Ipv4 {
            total_len: Some(total),
            ..Ipv4::default()
        };
        assert_eq!(
            parse(&eth_plain(ETH_P_IP, &ip.build(&udp(1, 2, &[])))),
            Err(ParseError::BadIpv4TotalLen)
        );
    }
    // Shorter than a header with options.
    let ip = Ipv4 {
        total_len: Some(23),
        options: vec![1; 4],
        ..Ipv4::default()
    };
    assert_eq!(
        parse(&eth_plain(ETH_P_IP, &ip.build(&udp(1, 2, &[])))),
        Err(ParseError::BadIpv4TotalLen)
    );
}

#[test]
fn ipv4_total_len_zero_means_up_to_the_frame_end() {
    let ip = Ipv4 {
        proto: IPPROTO_TCP,
        total_len: Some(0),
        ..Ipv4::default()
    };
    let f = eth_plain(ETH_P_IP, &ip.build(&tcp(1, 2, 0x10, 0, &[])));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 1,
            dst_port: 2,
            tcp_flags: 0x10,
            ..v4key(IPPROTO_TCP)
        })
    );
}

#[test]
fn ipv4_total_len_beyond_the_frame_is_accepted() {
    // The frame holds only the head of a 1500-byte packet.
    let ip = Ipv4 {
        proto: IPPROTO_UDP,
        total_len: Some(1500),
        ..Ipv4::default()
    };
    let f = eth_plain(ETH_P_IP, &ip.build(&udp(1, 2, &[])));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 1,
            dst_port: 2,
            ..v4key(IPPROTO_UDP)
        })
    );
}

#[test]
fn ethernet_padding_is_not_taken_for_l4() {
    // A 20-byte IPv4 packet that claims TCP, padded to 60 bytes: no TCP header in the packet.
    let ip = Ipv4 {
        proto: IPPROTO_TCP,
        ..Ipv4::default()
    };
    let mut f = eth_plain(ETH_P_IP, &ip.build(&[]));
    f.resize(60, 0);
    assert_eq!(parse(&f), trunc(Layer::Tcp));
    // A UDP packet with padding: the padding is ignored.
    let mut f = ip4(IPPROTO_UDP, &udp(1, 2, &[]));
    f.resize(60, 0x55);
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 1,
            dst_port: 2,
            ..v4key(IPPROTO_UDP)
        })
    );
}

#[test]
fn ipv4_first_fragment_is_parsed() {
    let ip = Ipv4 {
        proto: IPPROTO_UDP,
        frag: 0x2000,
        ..Ipv4::default()
    };
    let f = eth_plain(ETH_P_IP, &ip.build(&udp(5, 6, &[0; 16])));
    let want = FlowKey {
        src_port: 5,
        dst_port: 6,
        frag: Frag::First,
        ..v4key(IPPROTO_UDP)
    };
    assert_eq!(parse(&f), Ok(want));
    // A tiny first fragment without its whole L4 header is an error.
    let ip = Ipv4 {
        proto: IPPROTO_TCP,
        frag: 0x2000,
        ..Ipv4::default()
    };
    let f = eth_plain(ETH_P_IP, &ip.build(&tcp(1, 2, 0, 0, &[])[..8]));
    assert_eq!(parse(&f), trunc(Layer::Tcp));
}

#[test]
fn ipv4_later_fragment_has_no_l4() {
    for frag in [0x0001u16, 0x2001, 0x1fff, 0x4000 | 0x0100] {
        let ip = Ipv4 {
            proto: IPPROTO_TCP,
            tos: 4,
            frag,
            ..Ipv4::default()
        };
        let want = FlowKey {
            frag: Frag::Later,
            tos: 4,
            ..v4key(IPPROTO_TCP)
        };
        // Whatever follows the header is payload, even nothing or a short piece.
        for payload in [&[][..], &[1, 2, 3][..], &tcp(1, 2, 0x2, 0, &[])[..]] {
            let f = eth_plain(ETH_P_IP, &ip.build(payload));
            assert_eq!(parse(&f), Ok(want), "frag {frag:#x}");
        }
    }
}

#[test]
fn tcp_bad_data_offset() {
    for doff in 0..5u8 {
        let f = ip4(IPPROTO_TCP, &tcp_doff(1, 2, 0, doff, 0, &[0; 20]));
        assert_eq!(parse(&f), Err(ParseError::BadTcpDataOffset), "doff {doff}");
    }
}

#[test]
fn tcp_truncated() {
    let f = ip4(IPPROTO_TCP, &tcp(1, 2, 0, 0, &[]));
    for n in 34..54 {
        assert_eq!(parse(&f[..n]), trunc(Layer::Tcp), "length {n}");
    }
    // Data offset beyond the packet (the IP total length), and beyond the frame.
    let f = ip4(IPPROTO_TCP, &tcp_doff(1, 2, 0, 6, 0, &[]));
    assert_eq!(parse(&f), trunc(Layer::Tcp));
    let ip = Ipv4 {
        proto: IPPROTO_TCP,
        total_len: Some(1000),
        ..Ipv4::default()
    };
    let f = eth_plain(ETH_P_IP, &ip.build(&tcp_doff(1, 2, 0, 15, 39, &[])));
    assert_eq!(parse(&f), trunc(Layer::Tcp));
}

#[test]
fn udp_sctp_icmp_truncated() {
    let cases = [
        (IPPROTO_UDP, udp(1, 2, &[]), Layer::Udp),
        (IPPROTO_SCTP, sctp(1, 2, &[]), Layer::Sctp),
        (IPPROTO_ICMP, icmp(8, 0, &[]), Layer::Icmp),
    ];
    for (proto, l4, layer) in cases {
        let f = ip4(proto, &l4);
        for n in 34..f.len() {
            assert_eq!(parse(&f[..n]), trunc(layer), "proto {proto} length {n}");
        }
        // Cut short by the IPv4 total length rather than by the frame.
        let ip = Ipv4 {
            proto,
            total_len: Some(20 + 3),
            ..Ipv4::default()
        };
        assert_eq!(parse(&eth_plain(ETH_P_IP, &ip.build(&l4))), trunc(layer));
    }
}

// ---- IPv6 ----

#[test]
fn ipv6_tcp_udp_sctp_icmpv6() {
    let f = ip6(IPPROTO_TCP, &tcp(22, 50000, 0x011, 2, &[]));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 22,
            dst_port: 50000,
            tcp_flags: 0x011,
            ..v6key(IPPROTO_TCP)
        })
    );
    let f = ip6(IPPROTO_UDP, &udp(546, 547, &[]));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 546,
            dst_port: 547,
            ..v6key(IPPROTO_UDP)
        })
    );
    let f = ip6(IPPROTO_SCTP, &sctp(9, 10, &[]));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 9,
            dst_port: 10,
            ..v6key(IPPROTO_SCTP)
        })
    );
    // Neighbour solicitation.
    let f = ip6(IPPROTO_ICMPV6, &icmp(135, 0, &[0; 16]));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            src_port: 135,
            dst_port: 0,
            ..v6key(IPPROTO_ICMPV6)
        })
    );
}

#[test]
fn ipv6_traffic_class_and_addresses() {
    let h = Ipv6 {
        tclass: 0xb8,
        flow: 0xfffff,
        src: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
        dst: [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        next: IPPROTO_UDP,
        ..Ipv6::default()
    };
    let f = eth_plain(ETH_P_IPV6, &h.build(&udp(1, 2, &[])));
    let want = FlowKey {
        tos: 0xb8,
        src_ip: h.src,
        dst_ip: h.dst,
        src_port: 1,
        dst_port: 2,
        ..v6key(IPPROTO_UDP)
    };
    assert_eq!(parse(&f), Ok(want));
}

#[test]
fn ipv6_bad_version_and_truncated() {
    for version in [0u8, 4, 7] {
        let f = eth_plain(
            ETH_P_IPV6,
            &Ipv6 {
                version,
                ..Ipv6::default()
            }
            .build(&udp(1, 2, &[])),
        );
        assert_eq!(parse(&f), Err(ParseError::BadIpVersion));
    }
    let f = ip6(IPPROTO_NONE, &[]);
    for n in 14..54 {
        assert_eq!(parse(&f[..n]), trunc(Layer::Ipv6), "length {n}");
    }
    assert_eq!(parse(&f), Ok(v6key(IPPROTO_NONE)));
}

#[test]
fn ipv6_unknown_protocol_and_icmp_v4() {
    for next in [IPPROTO_ESP, IPPROTO_NONE, IPPROTO_ICMP, 135, 253] {
        let f = ip6(next, &[0x77; 30]);
        assert_eq!(parse(&f), Ok(v6key(next)), "next {next}");
    }
}

#[test]
fn ipv6_extension_header_chain() {
    let l4 = udp(100, 200, &[]);
    // Hop-by-hop, routing, AH, fragment (first), destination options, UDP.
    let dst = ext(IPPROTO_UDP, 1, &l4);
    let frag = frag6(IPPROTO_DSTOPTS, 0, true, &dst);
    let auth = ah(IPPROTO_FRAGMENT, 4, &frag);
    let routing = ext(IPPROTO_AH, 2, &auth);
    let f = ip6(IPPROTO_HOPOPTS, &ext(IPPROTO_ROUTING, 0, &routing));
    let want = FlowKey {
        src_port: 100,
        dst_port: 200,
        frag: Frag::First,
        ..v6key(IPPROTO_UDP)
    };
    assert_eq!(parse(&f), Ok(want));
    // Every cut inside the extension headers is an extension-header truncation.
    let l4_start = f.len() - l4.len();
    for n in 54..l4_start {
        assert_eq!(parse(&f[..n]), trunc(Layer::Ipv6Ext), "length {n}");
    }
    for n in l4_start..f.len() {
        assert_eq!(parse(&f[..n]), trunc(Layer::Udp), "length {n}");
    }
}

#[test]
fn ipv6_atomic_fragment_is_a_first_fragment() {
    let f = ip6(
        IPPROTO_FRAGMENT,
        &frag6(IPPROTO_TCP, 0, false, &tcp(1, 2, 0x002, 0, &[])),
    );
    let want = FlowKey {
        src_port: 1,
        dst_port: 2,
        tcp_flags: 0x002,
        frag: Frag::First,
        ..v6key(IPPROTO_TCP)
    };
    assert_eq!(parse(&f), Ok(want));
}

#[test]
fn ipv6_later_fragment_has_no_l4() {
    for (offset, more) in [(1u16, true), (0x1fff, false), (185, true)] {
        let f = ip6(
            IPPROTO_HOPOPTS,
            &ext(
                IPPROTO_FRAGMENT,
                0,
                &frag6(IPPROTO_TCP, offset, more, &[9; 5]),
            ),
        );
        assert_eq!(
            parse(&f),
            Ok(FlowKey {
                frag: Frag::Later,
                ..v6key(IPPROTO_TCP)
            })
        );
    }
    // The next header of a later fragment may itself be an extension header.
    let f = ip6(IPPROTO_FRAGMENT, &frag6(IPPROTO_DSTOPTS, 1, false, &[]));
    assert_eq!(
        parse(&f),
        Ok(FlowKey {
            frag: Frag::Later,
            ..v6key(IPPROTO_DSTOPTS)
        })
    );
}

#[test]
fn ipv6_extension_header_limit() {
    // MAX_IPV6_EXT_HEADERS destination options headers, then UDP: fine.
    let build = |count: usize| {
        let mut payload = udp(3, 4, &[]);
        let mut next = IPPROTO_UDP;
        for _ in 0..count {
            payload = ext(next, 0, &payload);
            next = IPPROTO_DSTOPTS;
        }
        ip6(next, &payload)
    };
    let want = FlowKey {
        src_port: 3,
        dst_port: 4,
        ..v6key(IPPROTO_UDP)
    };
    assert_eq!(parse(&build(MAX_IPV6_EXT_HEADERS)), Ok(want));
    assert_eq!(
        parse(&build(MAX_IPV6_EXT_HEADERS + 1)),
        Err(ParseError::TooManyExtHeaders)
    );
    assert_eq!(parse(&build(100)), Err(ParseError::TooManyExtHeaders));
    // A fragment header counts too, even a later-fragment one.
    let mut payload = frag6(IPPROTO_UDP, 7, false, &[]);
    let mut next = IPPROTO_FRAGMENT;
    for _ in 0..MAX_IPV6_EXT_HEADERS {
        payload = ext(next, 0, &payload);
        next = IPPROTO_HOPOPTS;
    }
    assert_eq!(
        parse(&ip6(next, &payload)),
        Err(ParseError::TooManyExtHeaders)
    );
}

#[test]
fn ipv6_payload_len_bounds_extension_headers_and_l4() {
    let payload = ext(IPPROTO_UDP, 1, &udp(1, 2, &[]));
    // Payload length too short for the extension header, or for UDP after it.
    for (plen, layer) in [
        (4u16, Layer::Ipv6Ext),
        (15, Layer::Ipv6Ext),
        (16, Layer::Udp),
        (23, Layer::Udp),
    ] {
        let h = Ipv6 {
            next: IPPROTO_HOPOPTS,
            payload_len: Some(plen),
            ..Ipv6::default()
        };
        assert_eq!(
            parse(&eth_plain(ETH_P_IPV6, &h.build(&payload))),
            trunc(layer),
            "payload length {plen}"
        );
    }
    // Payload length beyond the frame, or 0 (big TCP / jumbogram): up to the end of the frame.
    for plen in [0u16, 24, 9000] {
        let h = Ipv6 {
            next: IPPROTO_HOPOPTS,
            payload_len: Some(plen),
            ..Ipv6::default()
        };
        let f = eth_plain(ETH_P_IPV6, &h.build(&payload));
        assert_eq!(
            parse(&f),
            Ok(FlowKey {
                src_port: 1,
                dst_port: 2,
                ..v6key(IPPROTO_UDP)
            })
        );
    }
    // Padding after a packet with no room for its L4 header is not taken for one.
    let mut f = ip6(IPPROTO_HOPOPTS, &ext(IPPROTO_TCP, 0, &[]));
    f.resize(100, 0x50);
    assert_eq!(parse(&f), trunc(Layer::Tcp));
}

#[test]
fn ipv6_l4_truncated() {
    let cases = [
        (IPPROTO_TCP, tcp(1, 2, 0, 1, &[]), Layer::Tcp),
        (IPPROTO_UDP, udp(1, 2, &[]), Layer::Udp),
        (IPPROTO_SCTP, sctp(1, 2, &[]), Layer::Sctp),
        (IPPROTO_ICMPV6, icmp(128, 0, &[]), Layer::Icmpv6),
    ];
    for (next, l4, layer) in cases {
        let f = ip6(next, &l4);
        for n in 54..f.len() {
            assert_eq!(parse(&f[..n]), trunc(layer), "next {next} length {n}");
        }
    }
    let f = ip6(IPPROTO_TCP, &tcp_doff(1, 2, 0, 4, 0, &[]));
    assert_eq!(parse(&f), Err(ParseError::BadTcpDataOffset));
}

#[test]
fn errors_are_distinct() {
    let all = [
        ParseError::Truncated {
            layer: Layer::Ethernet,
        },
        ParseError::Truncated { layer: Layer::Tcp },
        ParseError::BadIpVersion,
        ParseError::BadIpv4Ihl,
        ParseError::BadIpv4TotalLen,
        ParseError::BadTcpDataOffset,
        ParseError::TooManyExtHeaders,
    ];
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate() {
            assert_eq!(i == j, a == b);
        }
    }
}
