// SPDX-License-Identifier: GPL-2.0

//! Periodic work (a self-rearming `delayed_work`) and the jiffies clock.

use core::sync::atomic::{AtomicBool, Ordering};

use kernel::{bindings, prelude::*, sync::Arc, types::Opaque};

use super::sys;

/// The jiffies clock now (`READ_ONCE(jiffies)`, inline: the packet path reads it per packet).
#[inline]
pub(crate) fn jiffies() -> u64 {
    // SAFETY: `jiffies` is a kernel global that lives forever and is only ever written whole by
    // the timekeeping code; a volatile read of an aligned word is `READ_ONCE()`.
    (unsafe { core::ptr::read_volatile(&raw const bindings::jiffies) }) as u64
}

/// Jiffies per second.
pub(crate) fn hz() -> u64 {
    // SAFETY: returns a constant.
    (unsafe { sys::vflow_hz() }) as u64
}

/// Lets other tasks run during long process-context loops (never inside RCU or spinlocks).
pub(crate) fn cond_resched() {
    // SAFETY: process context, no lock held (callers).
    unsafe { sys::vflow_cond_resched() };
}

/// Runs `f(&target)` every `period` jiffies on a system workqueue until dropped. Dropping waits
/// for a running `f` to return, so `f` must not wait for whoever drops this.
///
/// # Invariants
///
/// `dw` is the first field (the `work_struct` address is the `Periodic` address), it was
/// initialised by `vflow_init_delayed_work` and the value never moves (it lives in a `Pin<KBox>`).
#[repr(C)]
pub(crate) struct Periodic<T: Send + Sync + 'static> {
    dw: Opaque<bindings::delayed_work>,
    stop: AtomicBool,
    period: u64,
    target: Arc<T>,
    f: fn(&T),
}

// SAFETY: the work runs on any CPU; `target` is `Send + Sync`.
unsafe impl<T: Send + Sync> Send for Periodic<T> {}
// SAFETY: shared state is the atomic flag and `&T`.
unsafe impl<T: Send + Sync> Sync for Periodic<T> {}

/// The work callback.
///
/// # Safety
///
/// `work` must be the `work_struct` of a live `Periodic<T>`.
unsafe extern "C" fn run<T: Send + Sync + 'static>(work: *mut bindings::work_struct) {
    // SAFETY: `work` is the first field of `dw`, the first field of a live pinned `Periodic<T>`
    // (invariant); `Drop` cancels the work before the value goes.
    let this = unsafe { &*work.cast::<Periodic<T>>() };
    (this.f)(&this.target);
    if !this.stop.load(Ordering::Acquire) {
        this.schedule();
    }
}

impl<T: Send + Sync + 'static> Periodic<T> {
    /// Starts running `f(&target)` every `period` jiffies, the first time after one period.
    pub(crate) fn start(target: Arc<T>, period: u64, f: fn(&T)) -> Result<Pin<KBox<Self>>> {
        let b = KBox::pin(
            Periodic {
                dw: Opaque::uninit(),
                stop: AtomicBool::new(false),
                period,
                target,
                f,
            },
            GFP_KERNEL,
        )?;
        // SAFETY: `dw` is ours and pinned; initialising it before any scheduling.
        unsafe { sys::vflow_init_delayed_work(b.dw.get(), Some(run::<T>)) };
        b.schedule();
        Ok(b)
    }

    fn schedule(&self) {
        // SAFETY: `dw` is initialised and pinned (invariant); queueing an already queued work is
        // a no-op.
        unsafe { sys::vflow_schedule_delayed_work(self.dw.get(), self.period as usize) };
    }
}

impl<T: Send + Sync + 'static> Drop for Periodic<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // SAFETY: `dw` is initialised (invariant); cancel_delayed_work_sync handles self-requeueing
        // work and returns once the callback is neither queued nor running.
        unsafe { bindings::cancel_delayed_work_sync(self.dw.get()) };
    }
}
