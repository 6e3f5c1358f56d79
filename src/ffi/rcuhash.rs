// SPDX-License-Identifier: GPL-2.0

//! An RCU hash table of owned values.
//!
//! Lookups take no lock and write nothing: they run under an RCU read-side section (the packet
//! path). Writers (insert, remove) are serialized by one spinlock taken with interrupts off, so
//! the receive softirq and process-context maintenance (GC, flush) can both write. A removed value
//! is freed by `call_rcu` after a grace period, so its `Drop` runs in softirq context and must not
//! sleep. The bucket array has a fixed size; [`RcuHash::rebuild_empty`] swaps in a new (empty)
//! array of another size.
//!
//! Each bucket array carries an occupancy bitmap (one bit per bucket) so that whole-table walks
//! (the flow GC, flushes, dumps) visit only non-empty buckets: see [`RcuHash::next_occupied`].

use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use kernel::{
    alloc::{AllocError, KVVec},
    bindings, new_spinlock_irq,
    prelude::*,
    sync::{lock::Guard, SpinLockIrq},
    types::Opaque,
};

use super::rcu::RcuReader;
use super::slab::Slab;

/// One entry: the value and its chain link.
///
/// # Invariants
///
/// `rcu` is the first field (a node's address is its `callback_head`'s address), and a node that
/// was ever published is only freed after a grace period or once its table is unreachable.
#[repr(C)]
pub(crate) struct Node<T> {
    rcu: Opaque<bindings::callback_head>,
    next: AtomicPtr<Node<T>>,
    hash: u32,
    value: T,
}

/// Bytes one entry of an `RcuHash<T>` takes (before the allocator rounds it up to its size class),
/// plus its share of the bucket array (one pointer per entry at full load).
pub(crate) const fn entry_bytes<T>() -> usize {
    core::mem::size_of::<Node<T>>() + core::mem::size_of::<usize>()
}

/// A node not yet in a table (allocated before the writer lock is taken).
pub(crate) struct NodeBox<T>(KBox<Node<T>>);

impl<T> NodeBox<T> {
    /// A node holding `value()`, allocated from `slab` (`GFP_ATOMIC`) and built straight into
    /// the allocation (no copy of a big `T` from the stack: the slow path makes two per new
    /// connection).
    #[inline(always)]
    pub(crate) fn new_with(slab: &Slab<Node<T>>, hash: u32, value: impl FnOnce() -> T) -> Result<Self, AllocError> {
        let b = slab.alloc_atomic()?;
        Ok(NodeBox(KBox::write(
            b,
            Node {
                rcu: Opaque::uninit(),
                next: AtomicPtr::new(ptr::null_mut()),
                hash,
                value: value(),
            },
        )))
    }

    pub(crate) fn value(&self) -> &T {
        &self.0.value
    }
}

/// Bits per word of the occupancy bitmap.
const WORD_BITS: usize = u64::BITS as usize;

/// A bucket array and its occupancy bitmap.
///
/// Bit `i` of `occupied` is set when bucket `i` is non-empty. Writers keep it exact under the
/// table's lock (set on insert, cleared when a removal leaves the bucket empty); readers see it
/// without the lock and tolerate a stale bit: a false "occupied" costs one check of an empty
/// bucket, and a false "empty" can only be an insert racing the reader (a sweep or dump), whose
/// flow the next sweep sees (the sweep is periodic; dumps may miss concurrent inserts anyway).
struct Buckets<T> {
    heads: KVVec<AtomicPtr<Node<T>>>,
    /// One bit per bucket (`heads.len()` bits rounded up to whole words); allocated zeroed with
    /// `heads` and freed with it.
    occupied: KVVec<AtomicU64>,
    mask: usize,
}

impl<T> Buckets<T> {
    /// `n` is rounded up to a power of two (at least 16).
    fn new(n: usize) -> Result<KBox<Self>> {
        let n = n.max(16).checked_next_power_of_two().ok_or(EINVAL)?;
        let mut heads = KVVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            heads.push(AtomicPtr::new(ptr::null_mut()), GFP_KERNEL)?;
        }
        // Every bucket starts empty, so does the bitmap (256 KiB at 2 Mi buckets: kvmalloc'd too).
        let words = n.div_ceil(WORD_BITS);
        let mut occupied = KVVec::with_capacity(words, GFP_KERNEL)?;
        for _ in 0..words {
            occupied.push(AtomicU64::new(0), GFP_KERNEL)?;
        }
        Ok(KBox::new(
            Buckets {
                heads,
                occupied,
                mask: n - 1,
            },
            GFP_KERNEL,
        )?)
    }

    /// Marks bucket `i` occupied or empty. Writers only (under the table's lock): a plain load
    /// and store is enough as no other writer runs; readers may see the old bit (see the type).
    #[inline]
    fn mark(&self, i: usize, occupied: bool) {
        if let Some(w) = self.occupied.get(i / WORD_BITS) {
            let bit = 1u64 << (i % WORD_BITS);
            let old = w.load(Ordering::Relaxed);
            let new = if occupied { old | bit } else { old & !bit };
            if new != old {
                w.store(new, Ordering::Relaxed);
            }
        }
    }

    /// The first bucket at or after `from` whose bit is set, scanning 64 buckets per word.
    fn next_occupied(&self, from: usize) -> Option<usize> {
        let n = self.heads.len();
        if from >= n {
            return None;
        }
        let mut w = from / WORD_BITS;
        let mut bits = self.occupied.get(w)?.load(Ordering::Relaxed) & (!0u64 << (from % WORD_BITS));
        loop {
            if bits != 0 {
                let i = w * WORD_BITS + bits.trailing_zeros() as usize;
                return (i < n).then_some(i);
            }
            w += 1;
            bits = self.occupied.get(w)?.load(Ordering::Relaxed);
        }
    }

    #[inline]
    fn head(&self, hash: u32) -> Option<&AtomicPtr<Node<T>>> {
        self.heads.get(hash as usize & self.mask)
    }
}

impl<T> Drop for Buckets<T> {
    fn drop(&mut self) {
        // Only dropped when no reader can see the array (see its users), so every node in it can
        // go now.
        for head in self.heads.iter_mut() {
            let mut p = *head.get_mut();
            while !p.is_null() {
                // SAFETY: `p` is a published node of this array, allocated by `NodeBox::new`, and
                // no reader is left (above); each node is in exactly one chain.
                let node = unsafe { KBox::from_raw(p) };
                p = node.next.load(Ordering::Relaxed);
                drop(node);
            }
        }
    }
}

/// The table. See the module documentation.
///
/// # Invariants
///
/// `buckets` always points to a live `Buckets<T>` from `KBox::into_raw`; it is replaced only
/// under `lock`, and a replaced array is freed only after a grace period.
#[pin_data(PinnedDrop)]
pub(crate) struct RcuHash<T> {
    buckets: AtomicPtr<Buckets<T>>,
    #[pin]
    lock: SpinLockIrq<()>,
}

// SAFETY: values are shared between CPUs (`&T` from lookups) and dropped on any CPU.
unsafe impl<T: Send + Sync> Send for RcuHash<T> {}
// SAFETY: as above; all mutation is under `lock` or through atomics.
unsafe impl<T: Send + Sync> Sync for RcuHash<T> {}

/// `call_rcu` callback freeing a node.
///
/// # Safety
///
/// `head` must be the `rcu` field of an unlinked `Node<T>` whose grace period has passed.
unsafe extern "C" fn free_node<T>(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the first field of a `Node<T>` (invariant) that `call_rcu` was given by
    // `Writer::unlink` after unlinking it; the grace period has passed, so no reader holds it.
    drop(unsafe { KBox::from_raw(head.cast::<Node<T>>()) });
}

impl<T: Send + Sync> RcuHash<T> {
    /// A table of about `n_buckets` buckets.
    pub(crate) fn new(n_buckets: usize) -> Result<impl PinInit<Self, Error>> {
        let b = KBox::into_raw(Buckets::<T>::new(n_buckets)?);
        Ok(try_pin_init!(RcuHash {
            buckets: AtomicPtr::new(b),
            lock <- new_spinlock_irq!(()),
        }? Error))
    }

    #[inline]
    fn current<'a>(&'a self, _rcu: &'a impl RcuReader) -> &'a Buckets<T> {
        // SAFETY: live array (invariant); a replaced one is freed only after a grace period,
        // which `_rcu` holds off.
        unsafe { &*self.buckets.load(Ordering::Acquire) }
    }

    /// Number of buckets now.
    pub(crate) fn n_buckets(&self, rcu: &impl RcuReader) -> usize {
        self.current(rcu).heads.len()
    }

    /// The value with `hash` for which `eq` holds.
    #[inline]
    pub(crate) fn lookup<'a>(
        &'a self,
        rcu: &'a impl RcuReader,
        hash: u32,
        eq: impl Fn(&T) -> bool,
    ) -> Option<&'a T> {
        let head = self.current(rcu).head(hash)?;
        let mut p = head.load(Ordering::Acquire);
        while !p.is_null() {
            // SAFETY: `p` was published in this array (Acquire pairs with the Release in
            // `insert`/`unlink`); it is freed only after a grace period, held off by `rcu`.
            let node = unsafe { &*p };
            if node.hash == hash && eq(&node.value) {
                return Some(&node.value);
            }
            p = node.next.load(Ordering::Acquire);
        }
        None
    }

    /// The first possibly non-empty bucket at or after `from` (none past the last one), for
    /// walks that skip empty buckets: costs one load per 64 buckets skipped. The answer may be
    /// stale (see [`Buckets`]): a bucket filled after the scan may be passed over, and one
    /// emptied after it may be returned, so callers treat it as a hint and read the bucket.
    pub(crate) fn next_occupied(&self, rcu: &impl RcuReader, from: usize) -> Option<usize> {
        self.current(rcu).next_occupied(from)
    }

    /// The values in bucket `i` (none if `i` is past the end), for dumps and sweeps.
    pub(crate) fn bucket<'a>(&'a self, rcu: &'a impl RcuReader, i: usize) -> Chain<'a, T> {
        let p = match self.current(rcu).heads.get(i) {
            Some(h) => h.load(Ordering::Acquire),
            None => ptr::null_mut(),
        };
        Chain {
            p,
            _rcu: core::marker::PhantomData,
        }
    }

    /// Takes the writer lock.
    pub(crate) fn write(&self) -> Writer<'_, T> {
        let guard = self.lock.lock();
        // SAFETY: the array is only replaced under the lock we hold, so it stays live while the
        // writer exists.
        let b = unsafe { &*self.buckets.load(Ordering::Acquire) };
        Writer { b, _guard: guard }
    }

    /// Replaces the bucket array by an empty one of about `n_buckets`; every value in the old one
    /// is freed after a grace period. Sleeps.
    pub(crate) fn rebuild_empty(&self, n_buckets: usize) -> Result {
        let new = KBox::into_raw(Buckets::<T>::new(n_buckets)?);
        let old = {
            let _guard = self.lock.lock();
            self.buckets.swap(new, Ordering::AcqRel)
        };
        kernel::sync::rcu::synchronize_rcu();
        // SAFETY: `old` came from `KBox::into_raw` (invariant), is unreachable for new readers and
        // every earlier reader has finished; writers use the new array.
        drop(unsafe { KBox::from_raw(old) });
        Ok(())
    }
}

#[pinned_drop]
impl<T> PinnedDrop for RcuHash<T> {
    fn drop(self: Pin<&mut Self>) {
        // The owner is only dropped once unreachable from the packet path and from writers.
        // SAFETY: live array (invariant) from `KBox::into_raw`; no reader or writer is left.
        drop(unsafe { KBox::from_raw(self.buckets.load(Ordering::Acquire)) });
    }
}

/// The values of one bucket, under RCU.
pub(crate) struct Chain<'a, T> {
    p: *mut Node<T>,
    _rcu: core::marker::PhantomData<&'a T>,
}

impl<'a, T> Iterator for Chain<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        if self.p.is_null() {
            return None;
        }
        // SAFETY: as in `RcuHash::lookup`: published node, read-side section held for `'a`.
        let node = unsafe { &*self.p };
        self.p = node.next.load(Ordering::Acquire);
        Some(&node.value)
    }
}

/// The writer lock, held; interrupts are off while it lives, so keep it short.
pub(crate) struct Writer<'a, T> {
    b: &'a Buckets<T>,
    _guard: Guard<'a, (), kernel::sync::lock::spinlock::SpinLockIrqBackend>,
}

impl<T> Writer<'_, T> {
    /// The value with `hash` for which `eq` holds.
    pub(crate) fn find(&self, hash: u32, eq: impl Fn(&T) -> bool) -> Option<&T> {
        let mut p = self.b.head(hash)?.load(Ordering::Relaxed);
        while !p.is_null() {
            // SAFETY: nodes in the chains are only unlinked and freed by writers, and we are the
            // writer: `p` is live while we hold the lock.
            let node = unsafe { &*p };
            if node.hash == hash && eq(&node.value) {
                return Some(&node.value);
            }
            p = node.next.load(Ordering::Relaxed);
        }
        None
    }

    /// Publishes `node` (the caller has checked for duplicates with `find`).
    pub(crate) fn insert(&mut self, node: NodeBox<T>) {
        let i = node.0.hash as usize & self.b.mask;
        let Some(head) = self.b.heads.get(i) else {
            return;
        };
        self.b.mark(i, true);
        let p = KBox::into_raw(node.0);
        // SAFETY: `p` is ours until published below.
        unsafe { (*p).next.store(head.load(Ordering::Relaxed), Ordering::Relaxed) };
        // Release: readers that see `p` see its contents (rcu_assign_pointer).
        head.store(p, Ordering::Release);
    }

    /// Unlinks the first value with `hash` for which `eq` holds; it is freed after a grace
    /// period. Returns whether one was found.
    pub(crate) fn remove(&mut self, hash: u32, eq: impl Fn(&T) -> bool) -> bool {
        let i = hash as usize & self.b.mask;
        let Some(head) = self.b.heads.get(i) else {
            return false;
        };
        let mut link = head;
        loop {
            let p = link.load(Ordering::Relaxed);
            if p.is_null() {
                return false;
            }
            // SAFETY: live while we hold the writer lock (see `find`).
            let node = unsafe { &*p };
            if node.hash == hash && eq(&node.value) {
                Self::unlink(link, p);
                if head.load(Ordering::Relaxed).is_null() {
                    self.b.mark(i, false);
                }
                return true;
            }
            link = &node.next;
        }
    }

    /// Unlinks every value of bucket `i` for which `gone` holds; returns how many.
    pub(crate) fn remove_where(&mut self, i: usize, mut gone: impl FnMut(&T) -> bool) -> usize {
        let Some(head) = self.b.heads.get(i) else {
            return 0;
        };
        let mut n = 0;
        let mut link = head;
        loop {
            let p = link.load(Ordering::Relaxed);
            if p.is_null() {
                if head.load(Ordering::Relaxed).is_null() {
                    self.b.mark(i, false);
                }
                return n;
            }
            // SAFETY: live while we hold the writer lock (see `find`).
            let node = unsafe { &*p };
            if gone(&node.value) {
                Self::unlink(link, p);
                n += 1;
                // `link` now holds the next node: look at it without advancing.
            } else {
                link = &node.next;
            }
        }
    }

    fn unlink(link: &AtomicPtr<Node<T>>, p: *mut Node<T>) {
        // SAFETY: `p` is the live node `link` points to (callers), under the writer lock.
        let next = unsafe { (*p).next.load(Ordering::Relaxed) };
        // Readers already on `p` still follow its `next`, which stays intact until the free.
        link.store(next, Ordering::Release);
        // SAFETY: `p` is unlinked and is freed once by `free_node` after a grace period; its
        // `rcu` field is the first (invariant), so the callback recovers the node.
        unsafe { bindings::call_rcu((*p).rcu.get(), Some(free_node::<T>)) };
    }
}
