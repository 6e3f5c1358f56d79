//! Rules: what a rule matches and decides, as plain values.
//!
//! [`Match`] is the rule's condition set and [`Match::matches`] is its meaning, written as
//! directly as possible: it is the reference the fast classifier ([`super::classify`]) is
//! property-tested against. Addresses use the flow key's 16-byte form (IPv4 as
//! `::ffff:a.b.c.d`), so an IPv4 prefix of length `n` is a 16-byte prefix of length `96 + n`.

#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::flowkey::FlowKey;

/// A MAC address.
pub(crate) type Mac = [u8; 6];

/// What a layer decides. The discriminants are the uAPI `verdict` enum values.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(u8)]
pub(crate) enum Verdict {
    /// The layer lets the packet on.
    #[default]
    Allow = 0,
    /// The packet is dropped; the walk stops.
    Deny = 1,
}

/// Direction relative to the VM behind a port. The discriminants are the uAPI `direction` values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum Direction {
    /// Sent by the VM (received from the port's device). Walks layers top to bottom.
    Out = 0,
    /// Towards the VM (sent out of the port's device). Walks layers bottom to top.
    In = 1,
}

/// An address prefix in the flow key's 16-byte form.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Prefix {
    /// The address; bits past `plen` are ignored.
    pub(crate) addr: [u8; 16],
    /// Prefix length over the 16 bytes, 0..=128 (an IPv4 /n is 96 + n).
    pub(crate) plen: u8,
}

impl Prefix {
    /// Whether `ip` starts with this prefix.
    pub(crate) fn contains(&self, ip: &[u8; 16]) -> bool {
        let mut left = u32::from(self.plen.min(128));
        for (a, b) in self.addr.iter().zip(ip.iter()) {
            if left == 0 {
                return true;
            }
            let bits = left.min(8);
            // bits is 1..=8: the mask keeps the top `bits` bits.
            let mask = !(0xffu8.checked_shr(bits).unwrap_or(0));
            if (a ^ b) & mask != 0 {
                return false;
            }
            left = left.saturating_sub(bits);
        }
        true
    }
}

/// A rule's conditions. `None`, and an all-zero mask, are wildcards.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Match {
    /// Port the packet entered the switch from.
    pub(crate) in_port: Option<u16>,
    /// Port the switch forwards the packet to; never matches a packet with no single output.
    pub(crate) out_port: Option<u16>,
    /// Source MAC and the bits of it that must match.
    pub(crate) src_mac: Mac,
    pub(crate) src_mac_mask: Mac,
    /// Destination MAC and the bits of it that must match.
    pub(crate) dst_mac: Mac,
    pub(crate) dst_mac_mask: Mac,
    /// Ethertype after VLAN tags.
    pub(crate) ethertype: Option<u16>,
    /// Outer VLAN VID (0: untagged).
    pub(crate) vlan_id: Option<u16>,
    /// Source and destination address prefixes.
    pub(crate) src_ip: Option<Prefix>,
    pub(crate) dst_ip: Option<Prefix>,
    /// IP protocol.
    pub(crate) ip_proto: Option<u8>,
    /// Inclusive L4 port ranges `(min, max)`; an empty range (min > max) matches nothing.
    pub(crate) src_port: Option<(u16, u16)>,
    pub(crate) dst_port: Option<(u16, u16)>,
    /// ToS byte and the bits of it that must match.
    pub(crate) tos: u8,
    pub(crate) tos_mask: u8,
    /// TCP flags and the flags that must match.
    pub(crate) tcp_flags: u16,
    pub(crate) tcp_flags_mask: u16,
}

/// What a rule is matched against: the parsed packet and where it goes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Packet<'a> {
    /// The parsed headers (tcp_flags included).
    pub(crate) key: &'a FlowKey,
    /// Port it entered from.
    pub(crate) in_port: u16,
    /// Port it is forwarded to, if one (unicast).
    pub(crate) out_port: Option<u16>,
}

fn masked_eq(a: &Mac, b: &Mac, mask: &Mac) -> bool {
    a.iter().zip(b.iter()).zip(mask.iter()).all(|((x, y), m)| (x ^ y) & m == 0)
}

fn in_range(v: u16, r: Option<(u16, u16)>) -> bool {
    r.is_none_or(|(lo, hi)| lo <= v && v <= hi)
}

impl Match {
    /// The meaning of a rule: whether every present condition holds for `p`.
    pub(crate) fn matches(&self, p: &Packet<'_>) -> bool {
        let k = p.key;
        self.in_port.is_none_or(|x| x == p.in_port)
            && self.out_port.is_none_or(|x| Some(x) == p.out_port)
            && masked_eq(&self.src_mac, &k.src_mac, &self.src_mac_mask)
            && masked_eq(&self.dst_mac, &k.dst_mac, &self.dst_mac_mask)
            && self.ethertype.is_none_or(|x| x == k.ethertype)
            && self.vlan_id.is_none_or(|x| x == k.vlan_id)
            && self.src_ip.is_none_or(|x| x.contains(&k.src_ip))
            && self.dst_ip.is_none_or(|x| x.contains(&k.dst_ip))
            && self.ip_proto.is_none_or(|x| x == k.ip_proto)
            && in_range(k.src_port, self.src_port)
            && in_range(k.dst_port, self.dst_port)
            && (self.tos ^ k.tos) & self.tos_mask == 0
            && (self.tcp_flags ^ k.tcp_flags) & self.tcp_flags_mask == 0
    }
}

/// A rule as the classifier sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct RuleSpec {
    /// Rule id, unique in the switch (>= 1).
    pub(crate) id: u32,
    /// Lower wins; ties go to the lower id.
    pub(crate) priority: u32,
    /// Conditions.
    pub(crate) m: Match,
}

impl RuleSpec {
    /// Whether `self` beats `other` when both match: lower priority, then lower id.
    pub(crate) fn beats(&self, other: &RuleSpec) -> bool {
        (self.priority, self.id) < (other.priority, other.id)
    }
}

/// The reference classifier: the index of the winning matching rule, by a linear scan.
pub(crate) fn classify_linear(rules: &[RuleSpec], p: &Packet<'_>) -> Option<usize> {
    let mut best: Option<(usize, &RuleSpec)> = None;
    for (i, r) in rules.iter().enumerate() {
        if r.m.matches(p) && best.is_none_or(|(_, b)| r.beats(b)) {
            best = Some((i, r));
        }
    }
    best.map(|(i, _)| i)
}
