// SPDX-License-Identifier: GPL-2.0

//! Network devices (`struct net_device`) and namespaces (`struct net`).

use core::ptr::NonNull;

use kernel::{bindings, prelude::*, types::Opaque};

use super::{rtnl::Rtnl, sys};

/// A network namespace, borrowed.
///
/// # Invariants
///
/// Wraps a live `struct net`; a `&Net` never outlives the namespace.
#[repr(transparent)]
pub(crate) struct Net(Opaque<bindings::net>);

impl Net {
    /// # Safety
    ///
    /// `ptr` must point to a `struct net` that stays alive for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Net {
        // SAFETY: `Net` is a transparent wrapper; liveness is the caller's promise.
        unsafe { &*ptr.cast::<Net>() }
    }

    pub(super) fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// The device called `name` in this namespace, valid while RTNL is held.
    pub(crate) fn dev_by_name<'a>(&self, _rtnl: &'a Rtnl, name: &CStr) -> Option<&'a NetDev> {
        // SAFETY: RTNL is held (token), `name` is NUL-terminated, `self` is a live namespace.
        let dev = unsafe { sys::__dev_get_by_name(self.as_raw(), name.as_char_ptr()) };
        // SAFETY: under RTNL a registered device cannot be freed, and `'a` is bound to the token.
        NonNull::new(dev).map(|d| unsafe { NetDev::from_raw(d.as_ptr()) })
    }

    /// The device with index `ifindex` in this namespace, valid while RTNL is held.
    pub(crate) fn dev_by_index<'a>(&self, _rtnl: &'a Rtnl, ifindex: i32) -> Option<&'a NetDev> {
        // SAFETY: RTNL is held (token) and `self` is a live namespace.
        let dev = unsafe { sys::__dev_get_by_index(self.as_raw(), ifindex) };
        // SAFETY: as in `dev_by_name`.
        NonNull::new(dev).map(|d| unsafe { NetDev::from_raw(d.as_ptr()) })
    }
}

impl PartialEq for Net {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self.as_raw(), other.as_raw())
    }
}

/// A network device, borrowed.
///
/// # Invariants
///
/// Wraps a registered (or at least referenced) `struct net_device` for the borrow's lifetime.
#[repr(transparent)]
pub(crate) struct NetDev(Opaque<bindings::net_device>);

impl NetDev {
    /// # Safety
    ///
    /// `ptr` must be a valid `struct net_device` for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a NetDev {
        // SAFETY: transparent wrapper; validity is the caller's promise.
        unsafe { &*ptr.cast::<NetDev>() }
    }

    pub(super) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// Interface index.
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: `self` is a valid device (type invariant).
        unsafe { sys::vflow_dev_ifindex(self.as_raw()) }
    }

    /// Interface name. Only stable under RTNL; callers copy it.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: `dev->name` is a NUL-terminated array inside the live device.
        unsafe { CStr::from_char_ptr(sys::vflow_dev_name(self.as_raw())) }
    }

    /// Whether the device is an Ethernet device vflow can switch frames for.
    pub(crate) fn is_ether(&self) -> bool {
        // SAFETY: valid device.
        unsafe { sys::vflow_dev_is_ether(self.as_raw()) }
    }
}

/// A counted reference to a network device (`dev_hold`/`dev_put`).
///
/// # Invariants
///
/// `dev` points to a device on which this value owns one reference.
pub(crate) struct NetDevRef {
    dev: NonNull<bindings::net_device>,
}

// SAFETY: a device reference may be dropped from any thread; `NetDev` methods are thread-safe.
unsafe impl Send for NetDevRef {}
// SAFETY: `&NetDevRef` only gives `&NetDev`, whose methods are thread-safe.
unsafe impl Sync for NetDevRef {}

impl NetDevRef {
    /// Takes a reference on `dev`.
    pub(crate) fn new(dev: &NetDev) -> Self {
        // SAFETY: `dev` is valid (type invariant of `NetDev`).
        unsafe { sys::vflow_dev_hold(dev.as_raw()) };
        NetDevRef {
            // SAFETY: the pointer came from a reference.
            dev: unsafe { NonNull::new_unchecked(dev.as_raw()) },
        }
    }
}

impl core::ops::Deref for NetDevRef {
    type Target = NetDev;
    fn deref(&self) -> &NetDev {
        // SAFETY: we own a reference, so the device is alive.
        unsafe { NetDev::from_raw(self.dev.as_ptr()) }
    }
}

impl Drop for NetDevRef {
    fn drop(&mut self) {
        // SAFETY: releases the reference taken in `new`.
        unsafe { sys::vflow_dev_put(self.dev.as_ptr()) };
    }
}
