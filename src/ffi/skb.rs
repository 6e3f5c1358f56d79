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

/// `struct vflow_rx_frame` of src/vflow_shim.h.
#[repr(C)]
pub(super) struct RawRxFrame {
    frame: *const u8,
    linear: u32,
    len: u32,
    vlan: i32,
}

/// `VFLOW_RX_*` of src/vflow_shim.h.
const RX_READY: i32 = 0;
const RX_LOOPBACK: i32 = 1;

/// What [`SkBuff::rx_prepare`] made of a received frame.
pub(crate) enum Rx {
    /// Ours to switch, unshared, headers readable.
    Ready(SkBuff, RxFrame),
    /// The host looped it back to itself: not switched, handed back as it came.
    Loopback(SkBuff),
    /// It was shared and copying it failed: it is freed. Its length.
    Gone(u32),
    /// Making the headers readable failed (out of memory); the frame and its length.
    NoMem(SkBuff, u32),
}

/// A received frame's readable headers and metadata.
pub(crate) struct RxFrame {
    frame: *const u8,
    linear: u32,
    /// Frame length, Ethernet header included.
    pub(crate) len: u32,
    /// VID of the outer VLAN tag the receive path moved into skb metadata.
    pub(crate) vlan: Option<u16>,
}

impl RxFrame {
    /// The frame from its Ethernet header on, as far as it is linear (at least what
    /// `rx_prepare` was asked for, or all of it). Borrowing `skb` keeps it from being changed or
    /// sent while the bytes are read.
    pub(crate) fn bytes<'a>(&'a self, _skb: &'a SkBuff) -> &'a [u8] {
        // SAFETY: `rx_prepare` gave the mac header of `_skb` and its linear length; they stay valid
        // until the skb is changed (by value or `&mut`), which the borrow of `_skb` excludes.
        unsafe { core::slice::from_raw_parts(self.frame, self.linear as usize) }
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

    /// The receive path's first steps, in one call into C: a frame the host loops back to
    /// itself is handed back untouched ([`Rx::Loopback`]); a shared skb (packet generators,
    /// taps) is copied, as vflow changes `skb->dev` and pushes the header back; the first `want`
    /// bytes of the frame (or all of it if shorter) are made linear.
    pub(crate) fn rx_prepare(self, want: u32) -> Rx {
        let mut raw = self.into_raw();
        let mut f = RawRxFrame {
            frame: core::ptr::null(),
            linear: 0,
            len: 0,
            vlan: -1,
        };
        // SAFETY: we own `raw` and lend it to the shim, which replaces it by its unshared copy
        // (or NULL, having freed it) and fills `f`.
        let rc = unsafe { sys::vflow_skb_rx_prepare(&mut raw, want, &mut f) };
        let Some(skb) = NonNull::new(raw) else {
            return Rx::Gone(f.len);
        };
        let skb = SkBuff { skb };
        match rc {
            RX_READY if !f.frame.is_null() => Rx::Ready(
                skb,
                RxFrame {
                    frame: f.frame,
                    linear: f.linear,
                    len: f.len,
                    vlan: u16::try_from(f.vlan).ok(),
                },
            ),
            RX_LOOPBACK => Rx::Loopback(skb),
            _ => Rx::NoMem(skb, f.len),
        }
    }

    /// Frame length in bytes, Ethernet header included.
    pub(crate) fn frame_len(&self) -> u32 {
        // SAFETY: valid skb.
        unsafe { sys::vflow_skb_frame_len(self.skb.as_ptr()) }
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
