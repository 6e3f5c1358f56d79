// SPDX-License-Identifier: GPL-2.0

//! RCU-published boxes: readers on the packet path see one consistent version without locks;
//! writers publish a new version and free the old one after a grace period.

use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::{prelude::*, sync::rcu};

/// Proof that an RCU read-side critical section is open.
///
/// # Safety
///
/// Implementors must only exist while the current CPU is in an RCU read-side critical section.
pub(crate) unsafe trait RcuReader {}

// SAFETY: a `Guard` holds `rcu_read_lock` until dropped.
unsafe impl RcuReader for rcu::Guard {}

/// A `KBox<T>` published under RCU.
///
/// # Invariants
///
/// `ptr` always comes from `KBox::into_raw`, is never null, and a pointer replaced by `replace`
/// is only freed after a grace period (by [`Retired`]).
pub(crate) struct RcuBox<T> {
    ptr: AtomicPtr<T>,
}

// SAFETY: `RcuBox<T>` hands out `&T` to any thread and moves `KBox<T>` between threads.
unsafe impl<T: Send + Sync> Send for RcuBox<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for RcuBox<T> {}

impl<T> RcuBox<T> {
    /// Publishes `value` as the first version.
    pub(crate) fn new(value: KBox<T>) -> Self {
        RcuBox {
            ptr: AtomicPtr::new(KBox::into_raw(value)),
        }
    }

    /// The current version, valid for the read-side section.
    pub(crate) fn read<'a>(&'a self, _rcu: &'a impl RcuReader) -> &'a T {
        // Acquire pairs with the Release in `replace` (rcu_dereference/rcu_assign_pointer).
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: `p` is a live published box (invariant); it is only freed after a grace period
        // that cannot end while `_rcu` proves we are inside a read-side section.
        unsafe { &*p }
    }

    /// Publishes `value`; the old version is freed when the returned value is dropped, after a
    /// grace period. Writers serialize among themselves with their own lock.
    pub(crate) fn replace(&self, value: KBox<T>) -> Retired<T> {
        let old = self.ptr.swap(KBox::into_raw(value), Ordering::AcqRel);
        Retired { ptr: old }
    }
}

impl<T> Drop for RcuBox<T> {
    fn drop(&mut self) {
        // The owner is being destroyed, so no reader can reach this box any more: owners are
        // themselves only freed once unreachable from the packet path.
        // SAFETY: no reader is left (above) and the pointer came from `KBox::into_raw`.
        drop(unsafe { KBox::from_raw(*self.ptr.get_mut()) });
    }
}

/// A version replaced in an [`RcuBox`]; dropping it waits for a grace period, then frees it.
///
/// # Invariants
///
/// `ptr` came from `KBox::into_raw` and is no longer reachable from the `RcuBox`.
pub(crate) struct Retired<T> {
    ptr: *mut T,
}

impl<T> Drop for Retired<T> {
    fn drop(&mut self) {
        rcu::synchronize_rcu();
        // SAFETY: unreachable for new readers (invariant) and every earlier reader has finished.
        drop(unsafe { KBox::from_raw(self.ptr) });
    }
}

impl<T> Retired<T> {
    /// Frees every version in `list` after a single grace period, instead of one per version
    /// (republishing many objects at once).
    pub(crate) fn free_all(list: KVec<Retired<T>>) {
        if list.is_empty() {
            return;
        }
        rcu::synchronize_rcu();
        for r in list {
            let r = core::mem::ManuallyDrop::new(r);
            let ptr = r.ptr;
            // `ManuallyDrop` keeps `r`'s own `Drop` from freeing it again.
            // SAFETY: `ptr` was unreachable for new readers before the grace period above began
            // (invariant), so every reader that could see it has finished.
            let b = unsafe { KBox::from_raw(ptr) };
            drop(b);
        }
    }
}

/// Waits for every pending `call_rcu` callback (module unload: the callbacks are module code).
pub(crate) fn barrier() {
    // SAFETY: plain kernel call; sleeps, callers are in process context.
    unsafe { kernel::bindings::rcu_barrier() };
}
