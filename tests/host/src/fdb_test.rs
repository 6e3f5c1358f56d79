//! Tests of the MAC forwarding policy (`logic::fdb`): the decision table case by case, the slot
//! encoding, and a property test against a naive restatement of the documented rules.

use proptest::prelude::*;

use crate::logic::fdb::{
    decide, is_multicast, is_valid_source, learns, pack, slot_of, unpack, Decision, DropCause,
    Ingress, Mac, PortKind, SLOTS,
};

const VM1: Mac = [2, 0, 0, 0, 0, 1];
const VM2: Mac = [2, 0, 0, 0, 0, 2];
const EXT: Mac = [0x52, 0x54, 0, 0, 0, 9];
const BCAST: Mac = [0xff; 6];
const MCAST: Mac = [0x33, 0x33, 0, 0, 0, 1];

fn vm(id: u16, mac: Option<Mac>) -> Ingress {
    Ingress { id, kind: PortKind::Vm, mac }
}

fn uplink(id: u16) -> Ingress {
    Ingress { id, kind: PortKind::Uplink, mac: None }
}

/// Port 0: vm1 (VM1), port 1: vm2 (VM2), port 2: uplink with EXT learned, port 3: second uplink.
fn table(mac: &Mac) -> Option<(u16, PortKind)> {
    match *mac {
        VM1 => Some((0, PortKind::Vm)),
        VM2 => Some((1, PortKind::Vm)),
        EXT => Some((2, PortKind::Uplink)),
        _ => None,
    }
}

#[test]
fn vm_to_vm_unicast_forwards() {
    assert_eq!(decide(&vm(0, Some(VM1)), &VM2, &VM1, table), Decision::Forward(1));
}

#[test]
fn vm_to_uplink_learned_mac_forwards() {
    assert_eq!(decide(&vm(0, Some(VM1)), &EXT, &VM1, table), Decision::Forward(2));
}

#[test]
fn vm_unknown_unicast_floods_everywhere() {
    let d = decide(&vm(0, Some(VM1)), &[2, 9, 9, 9, 9, 9], &VM1, table);
    assert_eq!(d, Decision::Flood { vm_only: false, to_host: false });
}

#[test]
fn vm_broadcast_and_multicast_flood_without_host() {
    for dst in [BCAST, MCAST] {
        let d = decide(&vm(0, Some(VM1)), &dst, &VM1, table);
        assert_eq!(d, Decision::Flood { vm_only: false, to_host: false });
    }
}

#[test]
fn uplink_broadcast_floods_to_vms_and_host() {
    let d = decide(&uplink(2), &BCAST, &EXT, table);
    assert_eq!(d, Decision::Flood { vm_only: true, to_host: true });
}

#[test]
fn uplink_unknown_unicast_passes_to_host() {
    assert_eq!(decide(&uplink(2), &[0, 1, 2, 3, 4, 5], &EXT, table), Decision::PassToHost);
}

#[test]
fn uplink_to_vm_forwards() {
    assert_eq!(decide(&uplink(2), &VM1, &EXT, table), Decision::Forward(0));
}

#[test]
fn uplink_never_bridges_to_another_uplink() {
    // EXT is behind uplink 2; a frame for it arriving on uplink 3 goes to the host.
    assert_eq!(decide(&uplink(3), &EXT, &[0, 1, 2, 3, 4, 5], table), Decision::PassToHost);
    // And behind the ingress uplink itself: also the host's business, not ours.
    assert_eq!(decide(&uplink(2), &EXT, &[0, 1, 2, 3, 4, 5], table), Decision::PassToHost);
}

#[test]
fn vm_hairpin_is_dropped() {
    assert_eq!(
        decide(&vm(0, None), &VM1, &[2, 7, 7, 7, 7, 7], table),
        Decision::Drop(DropCause::Hairpin)
    );
}

#[test]
fn spoofed_source_on_vm_with_mac_is_dropped() {
    assert_eq!(decide(&vm(0, Some(VM1)), &VM2, &VM2, table), Decision::Drop(DropCause::Spoofed));
    // Without a configured MAC any unicast source is fine.
    assert_eq!(decide(&vm(5, None), &VM2, &[2, 7, 7, 7, 7, 7], table), Decision::Forward(1));
}

#[test]
fn invalid_sources_are_dropped_everywhere() {
    for src in [BCAST, MCAST, [0; 6]] {
        assert_eq!(decide(&vm(0, None), &VM2, &src, table), Decision::Drop(DropCause::InvalidSource));
        assert_eq!(decide(&uplink(2), &VM2, &src, table), Decision::Drop(DropCause::InvalidSource));
    }
}

#[test]
fn learning_happens_on_uplinks_and_unconfigured_vms() {
    assert!(learns(&uplink(2)));
    assert!(learns(&vm(0, None)));
    assert!(!learns(&vm(0, Some(VM1))));
}

#[test]
fn mac_classes() {
    assert!(is_multicast(&BCAST) && is_multicast(&MCAST) && !is_multicast(&VM1));
    assert!(is_valid_source(&VM1) && !is_valid_source(&[0; 6]) && !is_valid_source(&BCAST));
}

#[test]
fn empty_slot_is_none() {
    assert_eq!(unpack(0), None);
}

proptest! {
    #[test]
    fn pack_round_trips(mac in any::<[u8; 6]>(), port in 0u16..1024) {
        prop_assert_eq!(unpack(pack(&mac, port)), Some((mac, port)));
        prop_assert_ne!(pack(&mac, port), 0);
    }

    #[test]
    fn slot_is_in_range(mac in any::<[u8; 6]>(), seed in any::<u32>()) {
        prop_assert!(slot_of(&mac, seed) < SLOTS);
    }

    /// `decide` agrees with the rules as the design document states them.
    #[test]
    fn decide_matches_reference(
        in_id in 0u16..4,
        in_uplink in any::<bool>(),
        in_mac in proptest::option::of(any::<[u8; 6]>()),
        dst in any::<[u8; 6]>(),
        src in any::<[u8; 6]>(),
        known in proptest::option::of((0u16..4, any::<bool>())),
    ) {
        let ingress = Ingress {
            id: in_id,
            kind: if in_uplink { PortKind::Uplink } else { PortKind::Vm },
            mac: if in_uplink { None } else { in_mac },
        };
        let known = known.map(|(id, up)| (id, if up { PortKind::Uplink } else { PortKind::Vm }));
        let got = decide(&ingress, &dst, &src, |_| known);
        prop_assert_eq!(got, reference(&ingress, &dst, &src, known));
    }
}

fn reference(i: &Ingress, dst: &Mac, src: &Mac, known: Option<(u16, PortKind)>) -> Decision {
    let group = |m: &Mac| m[0] % 2 == 1;
    if group(src) || src.iter().all(|&b| b == 0) {
        return Decision::Drop(DropCause::InvalidSource);
    }
    let up = i.kind == PortKind::Uplink;
    if !up && i.mac.is_some_and(|m| m != *src) {
        return Decision::Drop(DropCause::Spoofed);
    }
    if group(dst) {
        return Decision::Flood { vm_only: up, to_host: up };
    }
    match (up, known) {
        (false, None) => Decision::Flood { vm_only: false, to_host: false },
        (true, None) => Decision::PassToHost,
        (false, Some((id, _))) if id == i.id => Decision::Drop(DropCause::Hairpin),
        (true, Some((id, _))) if id == i.id => Decision::PassToHost,
        (true, Some((_, PortKind::Uplink))) => Decision::PassToHost,
        (_, Some((id, _))) => Decision::Forward(id),
    }
}
