//! Test helpers for the classifier: building one into `Vec`s the way the kernel does into
//! `KVec`s, and shorthands for rules and packets.

use std::vec;
use std::vec::Vec;

use crate::logic::classify::{
    build, plan, work_len, Classifier, Entry, Sizes, Slot, Storage, Tuple, Work,
};
use crate::logic::flowkey::FlowKey;
use crate::logic::rule::{Match, Packet, Prefix, RuleSpec};

/// A classifier's storage, owned.
pub(crate) struct Built {
    pub(crate) rules: Vec<RuleSpec>,
    pub(crate) sizes: Sizes,
    tuples: Vec<Tuple>,
    slots: Vec<Slot>,
    entries: Vec<Entry>,
    keys: Vec<u32>,
}

impl Built {
    /// Plans and builds, as the kernel does: size, allocate, fill.
    pub(crate) fn new(rules: &[RuleSpec]) -> Built {
        let mut work = vec![Work::default(); work_len(rules)];
        let sizes = plan(rules, &mut work).expect("plan");
        let mut tuples = vec![Tuple::default(); sizes.tuples];
        let mut slots = vec![Slot::default(); sizes.slots];
        let mut entries = vec![Entry::default(); sizes.entries];
        let mut keys = vec![0u32; sizes.keys];
        build(
            rules,
            &work,
            Storage {
                tuples: &mut tuples,
                slots: &mut slots,
                entries: &mut entries,
                keys: &mut keys,
            },
        )
        .expect("build");
        Built {
            rules: rules.to_vec(),
            sizes,
            tuples,
            slots,
            entries,
            keys,
        }
    }

    pub(crate) fn view(&self) -> Classifier<'_> {
        Classifier::new(&self.tuples, &self.slots, &self.entries, &self.keys)
    }

    pub(crate) fn lookup(&self, p: &Packet<'_>) -> Option<usize> {
        self.view().lookup(&self.rules, p)
    }
}

/// An IPv4 address in the key's 16-byte form.
pub(crate) fn v4(a: [u8; 4]) -> [u8; 16] {
    let mut ip = [0u8; 16];
    ip[10] = 0xff;
    ip[11] = 0xff;
    ip[12..].copy_from_slice(&a);
    ip
}

/// An IPv4 prefix `a/len`.
pub(crate) fn p4(a: [u8; 4], len: u8) -> Prefix {
    Prefix {
        addr: v4(a),
        plen: 96 + len,
    }
}

pub(crate) fn rule(id: u32, priority: u32, m: Match) -> RuleSpec {
    RuleSpec { id, priority, m }
}

/// A TCP/IPv4 key.
pub(crate) fn tcp4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16) -> FlowKey {
    FlowKey {
        ethertype: 0x0800,
        src_ip: v4(src),
        dst_ip: v4(dst),
        ip_proto: 6,
        src_port: sport,
        dst_port: dport,
        ..FlowKey::default()
    }
}

pub(crate) fn pkt(key: &FlowKey, in_port: u16, out_port: Option<u16>) -> Packet<'_> {
    Packet {
        key,
        in_port,
        out_port,
    }
}
