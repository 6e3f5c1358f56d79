// SPDX-License-Identifier: GPL-2.0

//! Owned socket buffers on the receive path.

use core::ptr::NonNull;

use kernel::{bindings, prelude::*};

use super::{netdev::NetDev, sys};

/// Why vflow drops a frame: mapped to the kernel's drop reasons so `perf`/`dropwatch` show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// Invalid or spoofed source MAC.
    MacInvalidSource,
    /// No port can take the frame (hairpin, port gone).
    NoTxTarget,
    /// A layer's rule or default verdict denied it (the closest core reason: a filter verdict).
    PolicyDeny,
    /// A header is cut short.
    HdrTrunc,
    /// A malformed IPv4 header (bad version or IHL, length below the header).
    IpHeader,
    /// Too many IPv6 extension headers.
    Ipv6ExtHeaders,
    /// The port or switch is at its flow limit and the limit action is drop.
    FlowLimit,
    /// Out of memory making the headers readable.
    NoMem,
}

impl DropReason {
    fn as_raw(self) -> bindings::skb_drop_reason {
        match self {
            DropReason::MacInvalidSource => {
                bindings::skb_drop_reason_SKB_DROP_REASON_MAC_INVALID_SOURCE
            }
            DropReason::NoTxTarget => bindings::skb_drop_reason_SKB_DROP_REASON_NO_TX_TARGET,
            DropReason::PolicyDeny => bindings::skb_drop_reason_SKB_DROP_REASON_NETFILTER_DROP,
            DropReason::HdrTrunc => bindings::skb_drop_reason_SKB_DROP_REASON_HDR_TRUNC,
            DropReason::IpHeader => bindings::skb_drop_reason_SKB_DROP_REASON_IP_INHDR,
            DropReason::Ipv6ExtHeaders => {
                bindings::skb_drop_reason_SKB_DROP_REASON_IPV6_TOO_MANY_EXTHDRS
            }
            DropReason::FlowLimit => bindings::skb_drop_reason_SKB_DROP_REASON_QUEUE_PURGE,
            DropReason::NoMem => bindings::skb_drop_reason_SKB_DROP_REASON_NOMEM,
        }
    }
}

/// An owned `struct sk_buff` whose mac header is set (a received Ethernet frame).
///
/// # Invariants
///
/// `skb` is valid and owned: exactly one of consume/drop/xmit/hand-back releases it, and `Drop`
/// frees it with a drop reason if none did.
pub(crate) struct SkBuff {
    skb: NonNull<bindings::sk_buff>,
}

impl SkBuff {
    /// # Safety
    ///
    /// `skb` must be a valid received frame the caller owns and gives away.
    pub(super) unsafe fn from_raw(skb: NonNull<bindings::sk_buff>) -> Self {
        SkBuff { skb }
    }

    pub(super) fn into_raw(self) -> *mut bindings::sk_buff {
        let p = self.skb.as_ptr();
        core::mem::forget(self);
        p
    }

    /// Makes sure we own the only reference (packet generators share skbs), copying if needed.
    /// On allocation failure the frame is already freed.
    pub(crate) fn unshare(self) -> Option<SkBuff> {
        // SAFETY: we own `skb`; `skb_share_check` consumes it and returns an owned one or NULL.
        let p = unsafe { sys::vflow_skb_share_check(self.into_raw()) };
        NonNull::new(p).map(|skb| SkBuff { skb })
    }

    /// The frame from its Ethernet header on, with at least its first `want` bytes (or all of it
    /// if shorter) made linear, and the VID of the outer VLAN tag when the receive path has moved
    /// it from the frame into the skb's metadata, as it does before rx_handlers run (both from one
    /// call into C); `None` when out of memory (the frame is still ours).
    pub(crate) fn headers(&mut self, want: u32) -> Option<(&[u8], Option<u16>)> {
        let mut len: kernel::ffi::c_uint = 0;
        let mut vlan: kernel::ffi::c_int = -1;
        // SAFETY: we own the only reference (the caller unshared it); the shim may reallocate the
        // head, which is why this takes `&mut self`.
        let p = unsafe { sys::vflow_skb_headers(self.skb.as_ptr(), want, &mut len, &mut vlan) };
        if p.is_null() {
            return None;
        }
        // SAFETY: the shim returns the mac header and the number of linear bytes from it, valid
        // until the skb is changed again, which needs `&mut self`.
        let frame = unsafe { core::slice::from_raw_parts(p, len as usize) };
        Some((frame, u16::try_from(vlan).ok()))
    }

    /// Frame length in bytes, Ethernet header included.
    pub(crate) fn frame_len(&self) -> u32 {
        // SAFETY: valid skb.
        unsafe { sys::vflow_skb_frame_len(self.skb.as_ptr()) }
    }

    /// The frame length ([`Self::frame_len`]), or `None` for a frame the stack loops back to
    /// itself (never switched): one call into C for both.
    pub(crate) fn rx_len(&self) -> Option<u32> {
        // SAFETY: valid skb.
        u32::try_from(unsafe { sys::vflow_skb_rx_len(self.skb.as_ptr()) }).ok()
    }

    /// A clone sharing the data (for flooding); `None` when out of memory.
    pub(crate) fn clone_frame(&self) -> Option<SkBuff> {
        // SAFETY: valid skb; `skb_clone` returns a new owned skb or NULL.
        let p = unsafe { bindings::skb_clone(self.skb.as_ptr(), bindings::GFP_ATOMIC) };
        NonNull::new(p).map(|skb| SkBuff { skb })
    }

    /// Sends the frame out of `dev`. Consumes it whatever happens.
    pub(crate) fn xmit(self, dev: &NetDev) -> Result {
        // SAFETY: we own the skb and give it away; `dev` is alive for the call (the caller holds
        // it through an RCU-protected port or a reference).
        let rc = unsafe { sys::vflow_skb_xmit(self.into_raw(), dev.as_raw()) };
        // Tested here rather than with `to_result`, which is an out-of-line call on every packet.
        if rc == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(rc))
        }
    }

    /// Frees the frame, recording why.
    pub(crate) fn drop_with(self, reason: DropReason) {
        // SAFETY: we own the skb and give it away.
        unsafe { sys::vflow_skb_free(self.into_raw(), reason.as_raw()) };
    }

    /// Frees a frame whose job is done (not a drop).
    pub(crate) fn consume(self) {
        // SAFETY: we own the skb and give it away.
        unsafe { sys::vflow_skb_consume(self.into_raw()) };
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: not released by any other path (they all `into_raw` first).
        unsafe {
            sys::vflow_skb_free(
                self.skb.as_ptr(),
                bindings::skb_drop_reason_SKB_DROP_REASON_NOT_SPECIFIED,
            )
        };
    }
}
