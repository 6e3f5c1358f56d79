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
        let p = self.ptr.as_ptr().cast::<u8>().wrapping_add(this_cpu_offset(_rx));
        // `p` is what `this_cpu_ptr()` computes; zeroed `T` was valid from the start.
        // SAFETY: `_rx` proves softirq context (no migration), so `p` is this CPU's copy, and the
        // per-CPU area lives as long as `self`.
        unsafe { &*p.cast::<T>() }
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

/// This CPU's per-CPU offset (`this_cpu_off`): added to a per-CPU pointer it gives this CPU's
/// copy, as `this_cpu_ptr()` does. Read inline with one `%gs`-relative load on x86-64 (the C
/// shim call it replaces cost four times as many instructions on every packet).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn this_cpu_offset(_rx: &RxCtx) -> usize {
    let off: usize;
    // A `%gs`-relative load of `this_cpu_off` is exactly `this_cpu_read(this_cpu_off)`.
    // SAFETY: `this_cpu_off` is the kernel's exported per-CPU offset; the load writes no memory,
    // and `_rx` proves we cannot migrate between the load and the use.
    unsafe {
        core::arch::asm!(
            "mov {off}, qword ptr gs:[rip + {sym}]",
            off = out(reg) off,
            sym = sym kernel::bindings::this_cpu_off,
            options(nostack, preserves_flags, readonly, pure),
        );
    }
    off
}

/// This CPU's per-CPU offset, through the C shim where no inline form exists.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn this_cpu_offset(_rx: &RxCtx) -> usize {
    // SAFETY: a null per-CPU pointer plus this CPU's offset is the offset itself; `_rx` proves
    // no migration.
    unsafe { sys::vflow_percpu_this(core::ptr::null_mut()) as usize }
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
