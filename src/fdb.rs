// SPDX-License-Identifier: GPL-2.0

//! Learned MAC entries of a switch: a fixed array of one-word slots read and written lock-free
//! from the packet path (policy and slot format in `logic::fdb`).

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use kernel::prelude::*;

use crate::logic::fdb::{pack, slot_of, unpack, Mac, SLOTS};

/// The learned table.
pub(crate) struct Fdb {
    slots: KVec<AtomicU64>,
    seed: u32,
}

impl Fdb {
    pub(crate) fn new() -> Result<Self> {
        let mut slots = KVec::with_capacity(SLOTS, GFP_KERNEL)?;
        for _ in 0..SLOTS {
            slots.push(AtomicU64::new(0), GFP_KERNEL)?;
        }
        Ok(Fdb {
            slots,
            seed: crate::ffi::random_u32(),
        })
    }

    fn slot(&self, mac: &Mac) -> Option<&AtomicU64> {
        self.slots.get(slot_of(mac, self.seed))
    }

    /// Records that `mac` is behind port `port`. Writes only when the entry changes, so a steady
    /// flow does not bounce the cache line between CPUs. Returns whether the MAC moved (was known
    /// behind another port).
    #[inline]
    pub(crate) fn learn(&self, mac: &Mac, port: u16) -> bool {
        if let Some(s) = self.slot(mac) {
            let v = pack(mac, port);
            let old = s.load(Relaxed);
            if old != v {
                s.store(v, Relaxed);
                return unpack(old).is_some_and(|(m, _)| m == *mac);
            }
        }
        false
    }

    /// The port `mac` was learned on.
    #[inline]
    pub(crate) fn get(&self, mac: &Mac) -> Option<u16> {
        let (m, port) = unpack(self.slot(mac)?.load(Relaxed))?;
        (m == *mac).then_some(port)
    }

    /// Forgets every entry of `port` (before its number is reused).
    pub(crate) fn forget_port(&self, port: u16) {
        for s in self.slots.iter() {
            let v = s.load(Relaxed);
            if matches!(unpack(v), Some((_, p)) if p == port) {
                // A concurrent re-learn wins; that entry is for a live port.
                let _ = s.compare_exchange(v, 0, Relaxed, Relaxed);
            }
        }
    }

    /// Calls `f` for each learned entry.
    pub(crate) fn for_each(&self, mut f: impl FnMut(Mac, u16)) {
        for s in self.slots.iter() {
            if let Some((mac, port)) = unpack(s.load(Relaxed)) {
                f(mac, port);
            }
        }
    }
}
