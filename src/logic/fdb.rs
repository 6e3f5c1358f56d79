// SPDX-License-Identifier: GPL-2.0

//! MAC forwarding policy of a switch: what to do with a frame given its MACs, the port it came
//! from and what the forwarding table knows. Pure logic, shared by the module and host tests.
//!
//! The learned part of the table is a direct-mapped array of 64-bit slots, each holding a MAC and
//! the number of the port it was seen on ([`pack`]/[`unpack`]). A slot is one machine word, so the
//! packet path reads and writes it with single atomic loads and stores: no lock, no allocation,
//! no torn entry. A collision simply replaces the older entry (the frame is then flooded until the
//! MAC is learned again), which bounds the table's memory whatever the traffic.

/// An Ethernet address.
pub(crate) type Mac = [u8; 6];

/// Number of learned-entry slots per switch (a power of two).
pub(crate) const SLOTS: usize = 4096;

/// Role of a port (mirrors `enum vflow_port_type` of the uAPI).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PortKind {
    /// Faces a virtual machine.
    Vm,
    /// Faces the physical network.
    Uplink,
}

/// What the ingress port contributes to the decision.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ingress {
    /// Number of the port inside its switch.
    pub(crate) id: u16,
    /// Its role.
    pub(crate) kind: PortKind,
    /// The configured MAC of a VM port, if any.
    pub(crate) mac: Option<Mac>,
}

/// Why a frame is dropped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DropCause {
    /// Source MAC is multicast or all-zero.
    InvalidSource,
    /// A VM port with a configured MAC sent a frame from another MAC.
    Spoofed,
    /// The destination is behind the port the frame came from.
    Hairpin,
}

/// The forwarding decision for one frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Decision {
    /// Send out of the port with this number.
    Forward(u16),
    /// Copy to every other port (uplinks excluded when `vm_only`); then, when `to_host`, hand the
    /// original to the host stack too.
    Flood {
        /// Only VM ports receive copies (frame came from an uplink).
        vm_only: bool,
        /// The host stack also gets the frame.
        to_host: bool,
    },
    /// Hand the frame to the host stack untouched.
    PassToHost,
    /// Drop it.
    Drop(DropCause),
}

/// True for group addresses (multicast and broadcast).
#[inline]
pub(crate) fn is_multicast(mac: &Mac) -> bool {
    mac[0] & 1 != 0
}

/// True for a MAC a frame may legitimately come from.
#[inline]
pub(crate) fn is_valid_source(mac: &Mac) -> bool {
    !is_multicast(mac) && *mac != [0; 6]
}

/// Whether source MACs seen on this port are learned.
#[inline]
pub(crate) fn learns(ingress: &Ingress) -> bool {
    ingress.kind == PortKind::Uplink || ingress.mac.is_none()
}

/// Decides what to do with a frame. `lookup` returns the port a destination MAC is known behind
/// (static entries first, then learned ones) and that port's kind.
pub(crate) fn decide(
    ingress: &Ingress,
    dst: &Mac,
    src: &Mac,
    lookup: impl FnOnce(&Mac) -> Option<(u16, PortKind)>,
) -> Decision {
    if !is_valid_source(src) {
        return Decision::Drop(DropCause::InvalidSource);
    }
    let from_uplink = ingress.kind == PortKind::Uplink;
    if let Some(mac) = ingress.mac {
        if !from_uplink && mac != *src {
            return Decision::Drop(DropCause::Spoofed);
        }
    }
    if is_multicast(dst) {
        return Decision::Flood {
            vm_only: from_uplink,
            to_host: from_uplink,
        };
    }
    match lookup(dst) {
        // Known behind the ingress port: a VM talking to itself is an error; on an uplink the
        // frame belongs to the physical segment (or the host), not to us.
        Some((id, _)) if id == ingress.id => {
            if from_uplink {
                Decision::PassToHost
            } else {
                Decision::Drop(DropCause::Hairpin)
            }
        }
        // vflow never bridges one uplink to another (no loops through the host).
        Some((_, PortKind::Uplink)) if from_uplink => Decision::PassToHost,
        Some((id, _)) => Decision::Forward(id),
        None if from_uplink => Decision::PassToHost,
        None => Decision::Flood {
            vm_only: false,
            to_host: false,
        },
    }
}

/// Slot index of a MAC in the learned table; `seed` is per switch so that collisions cannot be
/// planned from outside.
#[inline]
pub(crate) fn slot_of(mac: &Mac, seed: u32) -> usize {
    let v = mac_to_u64(mac) ^ u64::from(seed);
    // Fibonacci hashing: the top bits of the product are well mixed.
    let h = v.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - SLOTS.trailing_zeros())) as usize
}

/// Packs a learned entry into one word; 0 is the empty slot (port numbers are stored plus one).
#[inline]
pub(crate) fn pack(mac: &Mac, port: u16) -> u64 {
    (u64::from(port) + 1) << 48 | mac_to_u64(mac)
}

/// Unpacks a slot; `None` when empty.
#[inline]
pub(crate) fn unpack(slot: u64) -> Option<(Mac, u16)> {
    let port_plus_one = (slot >> 48) as u16;
    let port = port_plus_one.checked_sub(1)?;
    let b = slot.to_be_bytes();
    Some(([b[2], b[3], b[4], b[5], b[6], b[7]], port))
}

#[inline]
fn mac_to_u64(mac: &Mac) -> u64 {
    u64::from_be_bytes([0, 0, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]])
}
