// SPDX-License-Identifier: GPL-2.0

//! The only place in vflow with `unsafe` and `bindings::`: thin safe wrappers over the kernel APIs
//! the rest of the crate uses. Each type documents its invariants; each `unsafe` block says why it
//! is sound. What the `kernel` crate already wraps (Arc, Mutex, KVec, RCU guards) is used from it.

mod sys;

pub(crate) mod genl;
pub(crate) mod genl_entry;
pub(crate) mod netdev;
pub(crate) mod notifier;
pub(crate) mod percpu;
pub(crate) mod pernet;
pub(crate) mod rcu;
pub(crate) mod rcuhash;
pub(crate) mod rtnl;
pub(crate) mod rx;
pub(crate) mod skb;
pub(crate) mod slab;
pub(crate) mod work;

/// A random 32-bit value (hash seeds).
pub(crate) fn random_u32() -> u32 {
    // SAFETY: no precondition.
    unsafe { kernel::bindings::get_random_u32() }
}
