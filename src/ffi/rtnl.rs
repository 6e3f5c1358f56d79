// SPDX-License-Identifier: GPL-2.0

//! The RTNL lock, as a token: functions that need RTNL take `&Rtnl`.

use core::marker::PhantomData;

use super::sys;

/// Proof that the current thread holds RTNL.
///
/// # Invariants
///
/// RTNL is held for the lifetime of the value; when `owned`, dropping it releases the lock.
pub(crate) struct Rtnl {
    owned: bool,
    // RTNL is a mutex held by this thread: the token must not move to another thread.
    _not_send: PhantomData<*mut ()>,
}

impl Rtnl {
    /// Takes RTNL (sleeps).
    pub(crate) fn lock() -> Self {
        // SAFETY: called from process context (every caller is a genetlink handler, module
        // init/exit or a pernet callback); `rtnl_lock` has no other precondition.
        unsafe { sys::rtnl_lock() };
        Rtnl {
            owned: true,
            _not_send: PhantomData,
        }
    }

    /// A token for code the kernel already calls under RTNL (netdev notifiers).
    ///
    /// # Safety
    ///
    /// The caller must hold RTNL for the token's whole life.
    pub(super) unsafe fn assume_held() -> Self {
        Rtnl {
            owned: false,
            _not_send: PhantomData,
        }
    }
}

impl Drop for Rtnl {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: by the type invariant this thread took RTNL in `lock`.
            unsafe { sys::rtnl_unlock() };
        }
    }
}
