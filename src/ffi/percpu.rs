// SPDX-License-Identifier: GPL-2.0

//! Per-CPU memory: contention-free counters for the packet path.

use core::{marker::PhantomData, ptr::NonNull};

use kernel::{
    ffi::c_void,
    prelude::*,
};

use super::{rx::RxCtx, sys};

/// One `T` per possible CPU.
///
/// # Invariants
///
/// `ptr` is a per-CPU allocation of a zeroed `T` for every possible CPU, freed in `Drop`.
pub(crate) struct PerCpu<T: Zeroable + Sync> {
    ptr: NonNull<c_void>,
    _t: PhantomData<T>,
}

// SAFETY: the allocation may be freed from any thread; only `&T` is handed out and `T: Sync`.
unsafe impl<T: Zeroable + Sync> Send for PerCpu<T> {}
// SAFETY: as above.
unsafe impl<T: Zeroable + Sync> Sync for PerCpu<T> {}

impl<T: Zeroable + Sync> PerCpu<T> {
    /// Allocates a zeroed `T` on every possible CPU.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: plain allocation; per-CPU memory comes back zeroed, and zero is a valid `T`
        // (`Zeroable`).
        let p = unsafe { sys::vflow_percpu_alloc(size_of::<T>(), align_of::<T>()) };
        Ok(PerCpu {
            ptr: NonNull::new(p).ok_or(ENOMEM)?,
            _t: PhantomData,
        })
    }

    /// This CPU's copy. The receive path runs with bottom halves off, so the task cannot move to
    /// another CPU while it holds the reference.
    #[inline]
    pub(crate) fn this_cpu<'a>(&'a self, _rx: &'a RxCtx) -> &'a T {
        // SAFETY: `_rx` proves softirq context (no migration); the per-CPU area lives as long as
        // `self`, and zeroed `T` was valid from the start.
        unsafe { &*sys::vflow_percpu_this(self.ptr.as_ptr()).cast::<T>() }
    }

    /// Folds over every possible CPU's copy (for reporting).
    pub(crate) fn fold<A>(&self, init: A, mut f: impl FnMut(A, &T) -> A) -> A {
        let mut acc = init;
        // SAFETY: no precondition.
        let mut cpu = unsafe { sys::vflow_next_possible_cpu(-1) };
        // SAFETY: reading the kernel's constant CPU-id bound.
        let nr = unsafe { kernel::bindings::nr_cpu_ids } as i32;
        while cpu < nr {
            // SAFETY: `cpu` is a possible CPU, so its copy exists and lives as long as `self`.
            let t = unsafe { &*sys::vflow_percpu_cpu(self.ptr.as_ptr(), cpu).cast::<T>() };
            acc = f(acc, t);
            // SAFETY: no precondition.
            cpu = unsafe { sys::vflow_next_possible_cpu(cpu) };
        }
        acc
    }
}

impl<T: Zeroable + Sync> Drop for PerCpu<T> {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`, freed once here.
        unsafe { sys::vflow_percpu_free(self.ptr.as_ptr()) };
    }
}

/// A 64-bit counter inside per-CPU memory. Only its own CPU writes it (plain load + store, no
/// read-modify-write atomic on the packet path); any CPU may read it for reporting.
#[repr(transparent)]
pub(crate) struct Counter(core::sync::atomic::AtomicU64);

// SAFETY: an all-zero `AtomicU64` is a valid counter at 0.
unsafe impl Zeroable for Counter {}

impl Counter {
    /// Adds `v`. Callers are the owning CPU only (reached through [`PerCpu::this_cpu`]).
    #[inline]
    pub(crate) fn add(&self, v: u64) {
        use core::sync::atomic::Ordering::Relaxed;
        self.0.store(self.0.load(Relaxed).wrapping_add(v), Relaxed);
    }

    /// Current value.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(core::sync::atomic::Ordering::Relaxed)
    }
}
