//! Unit tests of the classifier, field by field: each case states the expected winner, and every
//! lookup is also checked against `classify_linear`.

use std::vec::Vec;

use crate::classify_util::{p4, pkt, rule, tcp4, v4, Built};
use crate::logic::classify::{plan, work_len, BuildError, Work, MAX_RANGE_PREFIXES};
use crate::logic::flowkey::FlowKey;
use crate::logic::rule::{classify_linear, Match, Packet, Prefix, RuleSpec};

/// Looks `p` up and checks that the reference agrees.
fn look(b: &Built, p: &Packet<'_>) -> Option<usize> {
    let got = b.lookup(p);
    assert_eq!(got, classify_linear(&b.rules, p), "packet {:?}", p);
    got
}

fn key() -> FlowKey {
    tcp4([10, 0, 0, 1], [10, 0, 1, 2], 40000, 80)
}

/// One rule per `Match`, ids 1.., all priority 0; returns the winner's index for `k`.
fn one(m: Match, k: &FlowKey) -> bool {
    let b = Built::new(&[rule(1, 0, m)]);
    look(&b, &pkt(k, 1, Some(2))) == Some(0)
}

#[test]
fn empty_rule_set_and_empty_match() {
    let b = Built::new(&[]);
    assert_eq!(b.sizes.tuples, 0);
    assert_eq!(look(&b, &pkt(&key(), 1, None)), None);
    assert!(one(Match::default(), &key()));
    assert!(one(Match::default(), &FlowKey::default()));
}

#[test]
fn ip_prefixes() {
    let k = key();
    for (len, hit) in [(32, false), (24, false), (23, true), (16, true), (0, true)] {
        let m = Match {
            dst_ip: Some(p4([10, 0, 0, 2], len)),
            ..Match::default()
        };
        assert_eq!(one(m, &k), hit, "/{len}");
    }
    assert!(one(
        Match {
            src_ip: Some(p4([10, 0, 0, 1], 32)),
            ..Match::default()
        },
        &k
    ));
    // Odd lengths, and an IPv6 prefix against an IPv4-mapped address.
    assert!(one(
        Match {
            src_ip: Some(p4([10, 0, 0, 0], 31)),
            ..Match::default()
        },
        &k
    ));
    assert!(!one(
        Match {
            src_ip: Some(Prefix {
                addr: [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                plen: 32
            }),
            ..Match::default()
        },
        &k
    ));
    // ::ffff:0:0/96 is "any IPv4"; a plen over 128 is taken as 128.
    assert!(one(
        Match {
            src_ip: Some(Prefix {
                addr: v4([0, 0, 0, 0]),
                plen: 96
            }),
            ..Match::default()
        },
        &k
    ));
    assert!(one(
        Match {
            src_ip: Some(Prefix {
                addr: v4([10, 0, 0, 1]),
                plen: 200
            }),
            ..Match::default()
        },
        &k
    ));
}

#[test]
fn longest_prefix_is_not_special_priority_decides() {
    let rules = [
        rule(
            1,
            5,
            Match {
                dst_ip: Some(p4([10, 0, 1, 2], 32)),
                ..Match::default()
            },
        ),
        rule(
            2,
            3,
            Match {
                dst_ip: Some(p4([10, 0, 0, 0], 16)),
                ..Match::default()
            },
        ),
        rule(
            3,
            4,
            Match {
                dst_ip: Some(p4([10, 0, 1, 0], 24)),
                ..Match::default()
            },
        ),
    ];
    let b = Built::new(&rules);
    assert_eq!(look(&b, &pkt(&key(), 1, None)), Some(1));
}

#[test]
fn port_ranges_edges() {
    let mut k = key();
    type Case = ((u16, u16), &'static [(u16, bool)]);
    let cases: [Case; 7] = [
        ((0, 0), &[(0, true), (1, false), (65535, false)]),
        ((65535, 65535), &[(65535, true), (65534, false), (0, false)]),
        ((0, 65535), &[(0, true), (1, true), (65535, true)]),
        (
            (1, 65534),
            &[
                (0, false),
                (1, true),
                (32768, true),
                (65534, true),
                (65535, false),
            ],
        ),
        ((1024, 65535), &[(1023, false), (1024, true), (65535, true)]),
        ((80, 80), &[(79, false), (80, true), (81, false)]),
        ((5, 4), &[(4, false), (5, false), (0, false)]),
    ];
    for (range, probes) in cases {
        for &(port, hit) in probes {
            k.dst_port = port;
            let m = Match {
                dst_port: Some(range),
                ..Match::default()
            };
            assert_eq!(one(m, &k), hit, "dst {range:?} port {port}");
            k.src_port = port;
            let m = Match {
                src_port: Some(range),
                ..Match::default()
            };
            assert_eq!(one(m, &k), hit, "src {range:?} port {port}");
        }
    }
}

#[test]
fn empty_range_rule_has_no_entries() {
    let rules = [rule(
        1,
        0,
        Match {
            src_port: Some((10, 9)),
            ..Match::default()
        },
    )];
    assert_eq!(work_len(&rules), 0);
    let b = Built::new(&rules);
    assert_eq!(b.sizes.entries, 0);
    assert_eq!(look(&b, &pkt(&key(), 1, None)), None);
}

#[test]
fn ranges_expanded_or_post_checked() {
    // 1..65534 is 30 prefixes of many lengths: post-checked, one wildcard entry.
    let m = Match {
        src_port: Some((1, 65534)),
        dst_port: Some((1, 65534)),
        ..Match::default()
    };
    let rules = [rule(1, 0, m)];
    assert_eq!(work_len(&rules), 1);
    let b = Built::new(&rules);
    for (s, d, hit) in [
        (1, 1, true),
        (0, 1, false),
        (1, 0, false),
        (65535, 80, false),
        (80, 65535, false),
        (65534, 65534, true),
    ] {
        let k = tcp4([1, 1, 1, 1], [2, 2, 2, 2], s, d);
        assert_eq!(look(&b, &pkt(&k, 1, None)).is_some(), hit, "{s} {d}");
    }
    // Expanded: the full range (one /0), aligned blocks (1024/6, 8000/12), two blocks of one
    // length (16-47 is 16/12 and 32/12; 1-2 is 1/16 and 2/16), on both fields at once.
    for (range, n) in [
        ((0, 65535), 1),
        ((1024, 2047), 1),
        ((8000, 8015), 1),
        ((16, 47), 2),
        ((1, 2), 2),
    ] {
        let m = Match {
            src_port: Some(range),
            dst_port: Some(range),
            ..Match::default()
        };
        assert_eq!(work_len(&[rule(1, 0, m)]), n * n, "{range:?}");
        assert!(n <= MAX_RANGE_PREFIXES);
    }
    // Blocks of several lengths: post-checked.
    for range in [(16, 79), (1024, 65535), (8000, 8999), (0, 65534), (1, 3)] {
        let m = Match {
            dst_port: Some(range),
            ..Match::default()
        };
        assert_eq!(work_len(&[rule(1, 0, m)]), 1, "{range:?}");
    }
}

#[test]
fn wildcards_and_exact_fields() {
    let k = key();
    let yes = [
        Match {
            ethertype: Some(0x0800),
            ..Match::default()
        },
        Match {
            ip_proto: Some(6),
            ..Match::default()
        },
        Match {
            vlan_id: Some(0),
            ..Match::default()
        },
        Match {
            in_port: Some(1),
            ..Match::default()
        },
        Match {
            out_port: Some(2),
            ..Match::default()
        },
    ];
    let no = [
        Match {
            ethertype: Some(0x86dd),
            ..Match::default()
        },
        Match {
            ip_proto: Some(17),
            ..Match::default()
        },
        Match {
            vlan_id: Some(5),
            ..Match::default()
        },
        Match {
            in_port: Some(2),
            ..Match::default()
        },
        Match {
            out_port: Some(1),
            ..Match::default()
        },
    ];
    for m in yes {
        assert!(one(m, &k), "{m:?}");
    }
    for m in no {
        assert!(!one(m, &k), "{m:?}");
    }
}

#[test]
fn out_port_none_never_matches_an_out_port_condition() {
    let k = key();
    for port in [0u16, 1, 65535] {
        let b = Built::new(&[
            rule(
                1,
                0,
                Match {
                    out_port: Some(port),
                    ..Match::default()
                },
            ),
            rule(2, 9, Match::default()),
        ]);
        assert_eq!(look(&b, &pkt(&k, 1, None)), Some(1), "out_port {port}");
        assert_eq!(look(&b, &pkt(&k, 1, Some(port))), Some(0));
    }
    // in_port 0 is an ordinary port.
    let b = Built::new(&[rule(
        1,
        0,
        Match {
            in_port: Some(0),
            ..Match::default()
        },
    )]);
    assert_eq!(look(&b, &pkt(&k, 0, None)), Some(0));
    assert_eq!(look(&b, &pkt(&k, 1, None)), None);
}

#[test]
fn mac_masks() {
    let mut k = key();
    k.src_mac = [2, 0, 0, 0, 0, 0x11];
    k.dst_mac = [0x01, 0x00, 0x5e, 0, 0, 1];
    let multicast = Match {
        dst_mac: [1, 0, 0, 0, 0, 0],
        dst_mac_mask: [1, 0, 0, 0, 0, 0],
        ..Match::default()
    };
    assert!(one(multicast, &k));
    let exact_src = Match {
        src_mac: [2, 0, 0, 0, 0, 0x11],
        src_mac_mask: [0xff; 6],
        ..Match::default()
    };
    assert!(one(exact_src, &k));
    let other_src = Match {
        src_mac: [2, 0, 0, 0, 0, 0x12],
        src_mac_mask: [0xff; 6],
        ..Match::default()
    };
    assert!(!one(other_src, &k));
    // Bits outside the mask are ignored, in the rule and in the packet.
    let oui = Match {
        src_mac: [2, 0, 0, 0xaa, 0xbb, 0xcc],
        src_mac_mask: [0xff, 0xff, 0xff, 0, 0, 0],
        ..Match::default()
    };
    assert!(one(oui, &k));
    let zero_mask = Match {
        src_mac: [9; 6],
        ..Match::default()
    };
    assert!(one(zero_mask, &k));
}

#[test]
fn tos_and_tcp_flags() {
    let mut k = key();
    k.tos = 0xb8; // DSCP EF, ECN 0
    k.tcp_flags = 0x012; // SYN|ACK
    let dscp_ef = Match {
        tos: 0xb8,
        tos_mask: 0xfc,
        ..Match::default()
    };
    assert!(one(dscp_ef, &k));
    let ecn_ce = Match {
        tos: 0x03,
        tos_mask: 0x03,
        ..Match::default()
    };
    assert!(!one(ecn_ce, &k));
    let syn_only = Match {
        tcp_flags: 0x002,
        tcp_flags_mask: 0x012,
        ..Match::default()
    };
    assert!(!one(syn_only, &k));
    let syn_any = Match {
        tcp_flags: 0x002,
        tcp_flags_mask: 0x002,
        ..Match::default()
    };
    assert!(one(syn_any, &k));
    let no_rst = Match {
        tcp_flags: 0,
        tcp_flags_mask: 0x004,
        ..Match::default()
    };
    assert!(one(no_rst, &k));
    // Mask bits above the nine flag bits compare against the packet's zeros.
    let high = Match {
        tcp_flags: 0x8000,
        tcp_flags_mask: 0x8000,
        ..Match::default()
    };
    assert!(!one(high, &k));
}

#[test]
fn priority_then_id_then_index() {
    let k = key();
    let any = Match::default();
    let tcp = Match {
        ip_proto: Some(6),
        ..Match::default()
    };
    let p = pkt(&k, 1, None);
    let b = Built::new(&[rule(7, 2, any), rule(3, 1, tcp), rule(5, 1, any)]);
    assert_eq!(look(&b, &p), Some(1));
    let b = Built::new(&[rule(7, 1, any), rule(3, 1, tcp), rule(2, 1, any)]);
    assert_eq!(look(&b, &p), Some(2));
    // Same priority and id (not allowed by the switch, but defined): the first index wins.
    let b = Built::new(&[rule(4, 1, tcp), rule(4, 1, any), rule(4, 1, tcp)]);
    assert_eq!(look(&b, &p), Some(0));
    let b = Built::new(&[rule(4, 1, any), rule(4, 1, tcp)]);
    assert_eq!(look(&b, &p), Some(0));
    // Extreme values.
    let b = Built::new(&[rule(u32::MAX, u32::MAX, tcp), rule(1, u32::MAX, any)]);
    assert_eq!(look(&b, &p), Some(1));
}

#[test]
fn a_better_rule_in_a_later_tuple_is_found() {
    // The /16 tuple's best rule (priority 1) is tried first; its entry for 10.0.x.x is
    // priority 9, so the /32 tuple (best priority 2) must still be probed.
    let rules = [
        rule(
            1,
            1,
            Match {
                dst_ip: Some(p4([10, 9, 0, 0], 16)),
                ..Match::default()
            },
        ),
        rule(
            2,
            9,
            Match {
                dst_ip: Some(p4([10, 0, 0, 0], 16)),
                ..Match::default()
            },
        ),
        rule(
            3,
            2,
            Match {
                dst_ip: Some(p4([10, 0, 1, 2], 32)),
                ..Match::default()
            },
        ),
    ];
    let b = Built::new(&rules);
    assert_eq!(b.view().tuple_count(), 2);
    assert_eq!(look(&b, &pkt(&key(), 1, None)), Some(2));
}

#[test]
fn plan_reports_short_work_and_sizes() {
    let rules: Vec<RuleSpec> = (0..10)
        .map(|i| {
            rule(
                i + 1,
                i,
                Match {
                    dst_port: Some((1024, 2047)),
                    src_port: Some((16, 47)),
                    ..Match::default()
                },
            )
        })
        .collect();
    let n = work_len(&rules);
    assert_eq!(n, 20);
    let mut work = std::vec![Work::default(); n - 1];
    assert_eq!(plan(&rules, &mut work), Err(BuildError::TooSmall));
    let b = Built::new(&rules);
    assert_eq!(b.sizes.entries, 20);
    assert_eq!(b.sizes.tuples, 1);
    assert_eq!(b.sizes.groups, 2);
    assert!(b.sizes.bytes() > 0);
}

#[test]
fn constant_and_varying_words_of_a_tuple() {
    // One shape (proto, dst /32, dst port): the protocol is the same in every rule of the first
    // set (a constant word, checked before hashing), the address and port vary (in the slots).
    let tcp_only: Vec<RuleSpec> = (0..100u32)
        .map(|i| {
            rule(
                i + 1,
                i % 7,
                Match {
                    ip_proto: Some(6),
                    dst_ip: Some(p4([10, 0, (i / 10) as u8, (i % 10) as u8], 32)),
                    dst_port: Some((80 + (i % 3) as u16, 80 + (i % 3) as u16)),
                    ..Match::default()
                },
            )
        })
        .collect();
    // The same with the protocol varying too.
    let mixed: Vec<RuleSpec> = tcp_only
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = *r;
            if i % 2 == 1 {
                r.m.ip_proto = Some(17);
            }
            r
        })
        .collect();
    for rules in [&tcp_only, &mixed] {
        let b = Built::new(rules);
        assert_eq!(b.view().tuple_count(), 1);
        let mut hits = 0;
        for i in 0..100u8 {
            for (proto, port) in [(6, 80), (6, 81), (6, 82), (17, 80), (17, 81), (6, 83)] {
                let mut k = tcp4([10, 0, 0, 1], [10, 0, i / 10, i % 10], 40000, port);
                k.ip_proto = proto;
                hits += usize::from(look(&b, &pkt(&k, 1, None)).is_some());
                // An IPv6 packet: the constant IPv4-mapped words differ.
                k.dst_ip[10] = 0;
                assert_eq!(look(&b, &pkt(&k, 1, None)), None);
            }
        }
        assert!(hits >= 80, "{hits}");
    }
    // A single rule: every word constant, nothing hashed but the empty value.
    let b = Built::new(&tcp_only[..1]);
    let k = tcp4([10, 0, 0, 1], [10, 0, 0, 0], 40000, 80);
    assert_eq!(look(&b, &pkt(&k, 1, None)), Some(0));
    let k = tcp4([10, 0, 0, 1], [10, 0, 0, 1], 40000, 80);
    assert_eq!(look(&b, &pkt(&k, 1, None)), None);
}

#[test]
fn winner_in_any_batch_of_many_tuples() {
    // 30 shapes (destination /1 to /30), all matching the packet. The tuple of /l also holds a
    // rule of priority 10 l on an address in the other half of the space, so tuples are
    // visited in order of l; its matching rule has priority 1000 + l, except in tuple `win`,
    // where it has 10 win + 1 and wins. So the winner sits in the first, a middle or the last
    // batch of candidates, and the walk must probe every tuple before it and may stop right
    // after it.
    let k = key();
    for win in 1..=30u32 {
        let mut rules = Vec::new();
        for l in 1..=30u32 {
            let prio = if l == win { 10 * l + 1 } else { 1000 + l };
            rules.push(rule(
                l,
                prio,
                Match {
                    dst_ip: Some(p4([10, 0, 1, 2], l as u8)),
                    ..Match::default()
                },
            ));
            rules.push(rule(
                100 + l,
                10 * l,
                Match {
                    dst_ip: Some(p4([138, 0, 1, 2], l as u8)),
                    ..Match::default()
                },
            ));
        }
        let b = Built::new(&rules);
        assert_eq!(b.view().tuple_count(), 30);
        let want = rules.iter().position(|r| r.id == win);
        assert_eq!(look(&b, &pkt(&k, 1, None)), want, "winner /{win}");
        // And the other set's best, in the first tuple.
        let other = tcp4([10, 0, 0, 1], [138, 0, 1, 2], 1, 2);
        let got = look(&b, &pkt(&other, 1, None));
        assert_eq!(got, rules.iter().position(|r| r.id == 101));
    }
}
