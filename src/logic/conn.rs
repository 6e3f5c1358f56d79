//! Connection logic of the flow table: reply keys, TCP state, idle timeouts and the key hash.
//!
//! A flow is installed per direction: the forward flow, keyed on the packet that created it, and
//! the reverse flow, keyed on [`reverse`] of that key, which lets the replies through. Each
//! direction records the OR of the TCP flags it has carried; [`tcp_state`] reads the connection's
//! state off the two, [`timeout_secs`] picks its idle timeout and [`expired`] compares jiffies.
//! [`hash_key`] and [`key_eq`] are what the table hashes and compares keys with.
//!
//! The identity of a flow is its key without `tcp_flags` (see [`table_key`]) plus its input port.

// Nothing here may panic, whatever the input: clippy holds the code to that.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented,
    clippy::arithmetic_side_effects,
    clippy::as_conversions
)]

use super::flowkey::{FlowKey, Frag};

const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;

const IPPROTO_ICMP: u8 = 1;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const IPPROTO_ICMPV6: u8 = 58;

const ICMP_ECHO_REPLY: u16 = 0;
const ICMP_ECHO_REQUEST: u16 = 8;
const ICMPV6_ECHO_REQUEST: u16 = 128;
const ICMPV6_ECHO_REPLY: u16 = 129;

/// TCP FIN flag, as stored in [`FlowKey::tcp_flags`].
pub(crate) const TCP_FIN: u16 = 0x001;
/// TCP SYN flag.
pub(crate) const TCP_SYN: u16 = 0x002;
/// TCP RST flag.
pub(crate) const TCP_RST: u16 = 0x004;
/// TCP PSH flag.
pub(crate) const TCP_PSH: u16 = 0x008;
/// TCP ACK flag.
pub(crate) const TCP_ACK: u16 = 0x010;
/// The 9 flag bits a key (and a direction's OR of flags) can hold.
pub(crate) const TCP_FLAGS_MASK: u16 = 0x1ff;

/// Whether `ethertype` is IPv4 or IPv6.
fn is_ip(ethertype: u16) -> bool {
    ethertype == ETH_P_IP || ethertype == ETH_P_IPV6
}

/// Whether the key is an ICMP (in IPv4) or ICMPv6 (in IPv6) packet, whose `src_port` is the ICMP
/// type and `dst_port` the code (that is where [`super::flowkey::parse`] puts them).
fn is_icmp_key(key: &FlowKey) -> bool {
    (key.ethertype == ETH_P_IP && key.ip_proto == IPPROTO_ICMP)
        || (key.ethertype == ETH_P_IPV6 && key.ip_proto == IPPROTO_ICMPV6)
}

/// The key the flow table stores and looks up: `key` with `tcp_flags` zeroed.
pub(crate) fn table_key(key: &FlowKey) -> FlowKey {
    FlowKey {
        tcp_flags: 0,
        ..*key
    }
}

/// The table key of the reply direction of `key`'s connection.
///
/// - MACs and IP addresses are swapped (for ARP, the sender and target protocol addresses); the
///   VLAN, ethertype, IP protocol, ToS, fragment status and ARP opcode are kept.
/// - TCP, UDP, SCTP and every other non-ICMP key: source and destination ports are swapped (keys
///   without ports have them at 0, where swapping changes nothing).
/// - ICMP (IPv4) and ICMPv6 (IPv6): the ports hold type and code and are not swapped. An echo
///   request maps to an echo reply and back (type 8 <-> 0 for ICMP, 128 <-> 129 for ICMPv6), code
///   kept. Any other type (errors, timestamps, neighbour discovery, ...) is kept as it is: its
///   reverse is the same key with MACs and addresses swapped.
/// - `tcp_flags` is zeroed, so `reverse(&reverse(&k)) == table_key(&k)` for every key.
pub(crate) fn reverse(key: &FlowKey) -> FlowKey {
    let (src_port, dst_port) = if is_icmp_key(key) {
        let ty = match (key.ethertype, key.src_port) {
            (ETH_P_IP, ICMP_ECHO_REQUEST) => ICMP_ECHO_REPLY,
            (ETH_P_IP, ICMP_ECHO_REPLY) => ICMP_ECHO_REQUEST,
            (ETH_P_IPV6, ICMPV6_ECHO_REQUEST) => ICMPV6_ECHO_REPLY,
            (ETH_P_IPV6, ICMPV6_ECHO_REPLY) => ICMPV6_ECHO_REQUEST,
            (_, ty) => ty,
        };
        (ty, key.dst_port)
    } else {
        (key.dst_port, key.src_port)
    };
    FlowKey {
        dst_mac: key.src_mac,
        src_mac: key.dst_mac,
        src_ip: key.dst_ip,
        dst_ip: key.src_ip,
        src_port,
        dst_port,
        tcp_flags: 0,
        ..*key
    }
}

/// Idle timeouts of a switch's flows, in seconds (the switch's `*-timeout` attributes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Timeouts {
    /// TCP connection being set up ([`TcpState::SynSent`]).
    pub(crate) tcp_syn: u32,
    /// Established TCP connection.
    pub(crate) tcp_est: u32,
    /// TCP connection closing or closed (FIN or RST seen).
    pub(crate) tcp_fin: u32,
    /// UDP.
    pub(crate) udp: u32,
    /// ICMP and ICMPv6.
    pub(crate) icmp: u32,
    /// Everything else (other IP protocols, ARP, non-IP).
    pub(crate) other: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            tcp_syn: 30,
            tcp_est: 7200,
            tcp_fin: 30,
            udp: 60,
            icmp: 30,
            other: 60,
        }
    }
}

/// TCP connection state. The discriminants are the uAPI `tcp-state` enum values.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(u8)]
pub(crate) enum TcpState {
    /// Not a TCP flow.
    #[default]
    None = 0,
    /// Being set up (or not recognisably anything else).
    SynSent = 1,
    /// Handshake completed, or picked up mid-stream with ACKs both ways.
    Established = 2,
    /// A FIN was seen.
    Closing = 3,
    /// An RST was seen.
    Closed = 4,
}

impl TcpState {
    /// The uAPI `tcp-state` value.
    pub(crate) fn uapi(self) -> u32 {
        match self {
            Self::None => 0,
            Self::SynSent => 1,
            Self::Established => 2,
            Self::Closing => 3,
            Self::Closed => 4,
        }
    }
}

/// The state of a TCP connection whose forward direction (the flow created first) has carried
/// the flags `fwd_flags` and whose reverse direction `rev_flags` (each the OR of every packet's
/// flags). The first row that applies wins:
///
/// | # | condition | state |
/// | - | --------- | ----- |
/// | 1 | RST in either direction | `Closed` |
/// | 2 | FIN in either direction | `Closing` |
/// | 3 | forward SYN and ACK, reverse ACK (the handshake SYN / SYN+ACK / ACK; a forward side that was first seen at the SYN+ACK; a simultaneous open) | `Established` |
/// | 4 | no SYN anywhere, ACK both ways (a connection picked up mid-stream) | `Established` |
/// | 5 | anything else (SYN only, SYN answered but not yet acknowledged, one direction only, no flags at all as on a later fragment, ...) | `SynSent` |
///
/// Bits other than FIN, SYN, RST and ACK are ignored. For a non-TCP flow use [`conn_state`],
/// which gives `None`.
pub(crate) fn tcp_state(fwd_flags: u16, rev_flags: u16) -> TcpState {
    let any = fwd_flags | rev_flags;
    if any & TCP_RST != 0 {
        TcpState::Closed
    } else if any & TCP_FIN != 0 {
        TcpState::Closing
    } else {
        let acked_both_ways = fwd_flags & TCP_ACK != 0 && rev_flags & TCP_ACK != 0;
        let handshake = fwd_flags & TCP_SYN != 0 && acked_both_ways;
        let mid_stream = any & TCP_SYN == 0 && acked_both_ways;
        if handshake || mid_stream {
            TcpState::Established
        } else {
            TcpState::SynSent
        }
    }
}

/// Whether the key is TCP over IPv4 or IPv6.
pub(crate) fn is_tcp(ip_proto: u8, ethertype: u16) -> bool {
    ip_proto == IPPROTO_TCP && is_ip(ethertype)
}

/// The state of the connection of `key` (either direction's key): [`tcp_state`] for TCP,
/// [`TcpState::None`] for anything else.
pub(crate) fn conn_state(key: &FlowKey, fwd_flags: u16, rev_flags: u16) -> TcpState {
    if is_tcp(key.ip_proto, key.ethertype) {
        tcp_state(fwd_flags, rev_flags)
    } else {
        TcpState::None
    }
}

/// The idle timeout, in seconds, of a flow with IP protocol `ip_proto` and ethertype `ethertype`
/// whose connection is in `state`.
///
/// Over IPv4 and IPv6: TCP by state (`SynSent` -> `tcp_syn`, `Established` -> `tcp_est`,
/// `Closing` and `Closed` -> `tcp_fin`; `None`, which a TCP flow does not have, -> `tcp_syn`, the
/// short one), UDP (17) -> `udp`, ICMP (1) and ICMPv6 (58) -> `icmp`. Everything else, and every
/// non-IP ethertype whatever `ip_proto` says, -> `other`.
pub(crate) fn timeout_secs(t: &Timeouts, ip_proto: u8, ethertype: u16, state: TcpState) -> u32 {
    if !is_ip(ethertype) {
        return t.other;
    }
    match ip_proto {
        IPPROTO_TCP => match state {
            TcpState::None | TcpState::SynSent => t.tcp_syn,
            TcpState::Established => t.tcp_est,
            TcpState::Closing | TcpState::Closed => t.tcp_fin,
        },
        IPPROTO_UDP => t.udp,
        IPPROTO_ICMP | IPPROTO_ICMPV6 => t.icmp,
        _ => t.other,
    }
}

/// Half the jiffies range: a difference at or beyond it is a time in the future, as in the
/// kernel's `time_after()`.
const JIFFIES_HALF: u64 = 1 << 63;

/// Whether a flow last used at jiffies `last_used` has been idle for more than `timeout_secs`
/// seconds at jiffies `now`, with `hz` jiffies a second.
///
/// Wraparound-safe like `time_after()`: only the difference `now - last_used` (modulo 2^64)
/// counts, and a `last_used` up to half the range ahead of `now` (another CPU refreshed the flow
/// after `now` was read) is not expired. The timeout in jiffies saturates.
pub(crate) fn expired(now: u64, last_used: u64, timeout_secs: u32, hz: u64) -> bool {
    let idle = now.wrapping_sub(last_used);
    idle < JIFFIES_HALF && idle > u64::from(timeout_secs).saturating_mul(hz)
}

/// Number of `u32` words in a [`FlowKey`].
pub(crate) const KEY_WORDS: usize = 15;

fn frag_byte(frag: Frag) -> u8 {
    match frag {
        Frag::None => 0,
        Frag::First => 1,
        Frag::Later => 2,
    }
}

/// Four 4-byte words of a 16-byte address.
fn addr_words(a: &[u8; 16]) -> [u32; 4] {
    let [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15] = *a;
    [
        u32::from_ne_bytes([a0, a1, a2, a3]),
        u32::from_ne_bytes([a4, a5, a6, a7]),
        u32::from_ne_bytes([a8, a9, a10, a11]),
        u32::from_ne_bytes([a12, a13, a14, a15]),
    ]
}

/// The 60-byte key as 15 native-order `u32` words, in its memory layout, with `tcp_flags` read
/// as 0 (so that the words are those of [`table_key`]).
pub(crate) fn key_words(key: &FlowKey) -> [u32; KEY_WORDS] {
    let [d0, d1, d2, d3, d4, d5] = key.dst_mac;
    let [s0, s1, s2, s3, s4, s5] = key.src_mac;
    let [e0, e1] = key.ethertype.to_ne_bytes();
    let [v0, v1] = key.vlan_id.to_ne_bytes();
    let [si0, si1, si2, si3] = addr_words(&key.src_ip);
    let [di0, di1, di2, di3] = addr_words(&key.dst_ip);
    let [sp0, sp1] = key.src_port.to_ne_bytes();
    let [dp0, dp1] = key.dst_port.to_ne_bytes();
    let [o0, o1] = key.arp_op.to_ne_bytes();
    [
        u32::from_ne_bytes([d0, d1, d2, d3]),
        u32::from_ne_bytes([d4, d5, s0, s1]),
        u32::from_ne_bytes([s2, s3, s4, s5]),
        u32::from_ne_bytes([e0, e1, v0, v1]),
        si0,
        si1,
        si2,
        si3,
        di0,
        di1,
        di2,
        di3,
        u32::from_ne_bytes([sp0, sp1, dp0, dp1]),
        u32::from_ne_bytes([0, 0, o0, o1]),
        u32::from_ne_bytes([key.ip_proto, key.tos, frag_byte(key.frag), key.reserved]),
    ]
}

/// Whether two keys are the same flow key: equal in every field but `tcp_flags`.
pub(crate) fn key_eq(a: &FlowKey, b: &FlowKey) -> bool {
    let diff = key_words(a)
        .iter()
        .zip(key_words(b).iter())
        .fold(0u32, |acc, (x, y)| acc | (x ^ y));
    diff == 0
}

const JHASH_INITVAL: u32 = 0xdead_beef;

/// `__jhash_mix()` of the kernel's `<linux/jhash.h>`.
#[inline(always)]
fn jhash_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

/// `__jhash_final()` of the kernel's `<linux/jhash.h>`.
#[inline(always)]
fn jhash_final(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

/// Number of words [`hash_key`] hashes: the key's 15 and the input port.
const HASH_WORDS: u32 = 16;

/// The flow table's hash of (`key` without its `tcp_flags`, `in_port`), seeded with `seed` (a
/// random value per table).
///
/// It is the kernel's `jhash2()` over 16 words: the key's 15 native-order words (see
/// [`key_words`]) followed by `in_port`; five mixing rounds and the final mix, no branches, no
/// loads past the key. Keys that [`key_eq`] calls equal hash alike.
pub(crate) fn hash_key(key: &FlowKey, in_port: u16, seed: u32) -> u32 {
    let [w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14] = key_words(key);
    let init = JHASH_INITVAL
        .wrapping_add(HASH_WORDS.wrapping_shl(2))
        .wrapping_add(seed);
    let (mut a, mut b, mut c) = (init, init, init);
    for [x, y, z] in [
        [w0, w1, w2],
        [w3, w4, w5],
        [w6, w7, w8],
        [w9, w10, w11],
        [w12, w13, w14],
    ] {
        a = a.wrapping_add(x);
        b = b.wrapping_add(y);
        c = c.wrapping_add(z);
        jhash_mix(&mut a, &mut b, &mut c);
    }
    a = a.wrapping_add(u32::from(in_port));
    jhash_final(&mut a, &mut b, &mut c);
    c
}
