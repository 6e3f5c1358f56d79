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

/// The shortest timeout a connection of this protocol can have, whatever its TCP state: the
/// garbage collector skips a flow whose own last packet is more recent than this without looking
/// up its reverse flow (a connection is idle since the later of its two directions' packets).
pub(crate) fn min_timeout_secs(t: &Timeouts, ip_proto: u8, ethertype: u16) -> u32 {
    if is_ip(ethertype) && ip_proto == IPPROTO_TCP {
        t.tcp_syn.min(t.tcp_est).min(t.tcp_fin)
    } else {
        timeout_secs(t, ip_proto, ethertype, TcpState::None)
    }
}

/// Seconds the garbage collector takes for one pass over the whole table: an eighth of the
/// shortest timeout configured, between 1 and 8 s. A connection goes at most that long after its
/// timeout; short timeouts (tests, tight limits) get a pass every second, the defaults (30 s at
/// the shortest) one every 3 s, which at a million connections is a third of the work.
pub(crate) fn sweep_pass_secs(t: &Timeouts) -> u32 {
    let shortest = [t.tcp_syn, t.tcp_est, t.tcp_fin, t.udp, t.icmp, t.other]
        .into_iter()
        .min()
        .unwrap_or(0);
    (shortest / 8).clamp(1, 8)
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

fn frag_byte(frag: Frag) -> u8 {
    match frag {
        Frag::None => 0,
        Frag::First => 1,
        Frag::Later => 2,
    }
}

/// The key as eight native-order `u64` words in its memory layout, `tcp_flags` read as 0: seven
/// full words (bytes 0..56) and the last four bytes (`ip_proto`, `tos`, `frag`, `reserved`) in
/// the low half of the eighth. The compiler turns each into one load (and one mask for the word
/// holding `tcp_flags`): this is what [`hash_key`] and [`key_eq`] read.
#[inline(always)]
pub(crate) fn key_u64s(key: &FlowKey) -> [u64; 8] {
    let [d0, d1, d2, d3, d4, d5] = key.dst_mac;
    let [s0, s1, s2, s3, s4, s5] = key.src_mac;
    let [e0, e1] = key.ethertype.to_ne_bytes();
    let [v0, v1] = key.vlan_id.to_ne_bytes();
    let [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15] = key.src_ip;
    let [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15] = key.dst_ip;
    let [sp0, sp1] = key.src_port.to_ne_bytes();
    let [dp0, dp1] = key.dst_port.to_ne_bytes();
    let [o0, o1] = key.arp_op.to_ne_bytes();
    let tail = u32::from_ne_bytes([key.ip_proto, key.tos, frag_byte(key.frag), key.reserved]);
    [
        u64::from_ne_bytes([d0, d1, d2, d3, d4, d5, s0, s1]),
        u64::from_ne_bytes([s2, s3, s4, s5, e0, e1, v0, v1]),
        u64::from_ne_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
        u64::from_ne_bytes([a8, a9, a10, a11, a12, a13, a14, a15]),
        u64::from_ne_bytes([b0, b1, b2, b3, b4, b5, b6, b7]),
        u64::from_ne_bytes([b8, b9, b10, b11, b12, b13, b14, b15]),
        u64::from_ne_bytes([sp0, sp1, dp0, dp1, 0, 0, o0, o1]),
        u64::from(tail),
    ]
}

/// Whether two keys are the same flow key: equal in every field but `tcp_flags`.
#[inline]
pub(crate) fn key_eq(a: &FlowKey, b: &FlowKey) -> bool {
    let diff = key_u64s(a)
        .iter()
        .zip(key_u64s(b).iter())
        .fold(0u64, |acc, (x, y)| acc | (x ^ y));
    diff == 0
}

/// Odd multiplier of the hash's rounds (the 64-bit golden ratio).
const HASH_MUL: u64 = 0x9e37_79b9_7f4a_7c15;
/// Spreads the 32-bit table seed over 64 bits.
const SEED_MUL: u64 = 0xbf58_476d_1ce4_e5b9;

/// The low half of `x`.
#[inline(always)]
fn low32(x: u64) -> u32 {
    let [l0, l1, l2, l3, ..] = x.to_le_bytes();
    u32::from_le_bytes([l0, l1, l2, l3])
}

/// The flow table's hash of (`key` without its `tcp_flags`, `in_port`), seeded with `seed` (a
/// random value per table).
///
/// The key is read as eight `u64` words (see [`key_u64s`]) and folded into a 64-bit state that
/// starts from the seed: per word the state is XORed with the word, multiplied by an odd
/// constant and its high half folded into its low half. Each round is a bijection of the state
/// for a given word and of the word for a given state, so two keys differing in one word reach
/// different states; which keys collide in the 32 bits kept depends on the seed. `in_port` is
/// then added to the low half and MurmurHash3's `fmix32` finishes: a bijection, so different
/// ports of one key never collide, and it makes every output bit depend on every input bit, so
/// the low bits that pick the bucket are as good as the high ones. No branches, no loads past the
/// key; about five instructions a word, a quarter of `jhash2()`'s cost. Keys that [`key_eq`]
/// calls equal hash alike.
#[inline]
pub(crate) fn hash_key(key: &FlowKey, in_port: u16, seed: u32) -> u32 {
    let mut h = (u64::from(seed) ^ HASH_MUL).wrapping_mul(SEED_MUL);
    for w in key_u64s(key) {
        h = (h ^ w).wrapping_mul(HASH_MUL);
        h ^= h >> 32;
    }
    let mut x = low32(h).wrapping_add(u32::from(in_port));
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^= x >> 16;
    x
}
