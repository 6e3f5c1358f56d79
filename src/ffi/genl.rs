// SPDX-License-Identifier: GPL-2.0

//! Generic netlink requests, replies and dumps for the `vflow` family. The family, its ops and
//! per-op policies are generated from the YAML spec (src/vflow_nl_gen.c); by the time a handler
//! runs, the core has validated every attribute against the op's policy (strictly: unknown
//! attributes, bad types and over-long strings are already refused with an extack message).

use core::ptr::NonNull;

use kernel::{
    bindings,
    error::to_result,
    ffi::{c_int, c_void},
    prelude::*,
};

use super::{netdev::Net, sys};

/// Registration of the `vflow` family; unregisters on drop.
pub(crate) struct Family(());

impl Family {
    /// Registers the generated `vflow_nl_family`.
    pub(crate) fn register() -> Result<Family> {
        // SAFETY: the generated family is a static, fully initialized struct that outlives the
        // registration (it lives in this module, unregistered in `Drop` before unload).
        to_result(unsafe { bindings::genl_register_family(&raw mut sys::vflow_nl_family) })?;
        Ok(Family(()))
    }
}

impl Drop for Family {
    fn drop(&mut self) {
        // SAFETY: registered in `register`; waits for running handlers and dumps to finish.
        unsafe { bindings::genl_unregister_family(&raw const sys::vflow_nl_family) };
    }
}

/// A validated attribute of a request.
#[derive(Clone, Copy)]
pub(crate) struct Attr<'a> {
    nla: &'a bindings::nlattr,
}

const NLA_HDRLEN: usize = 4;

impl<'a> Attr<'a> {
    /// Payload bytes.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        let len = usize::from(self.nla.nla_len).saturating_sub(NLA_HDRLEN);
        let start = core::ptr::from_ref(self.nla).cast::<u8>();
        // SAFETY: the netlink core validated that `nla_len` bytes starting at the attribute are
        // inside the request, which outlives `'a`; the payload follows the 4-byte header.
        unsafe { core::slice::from_raw_parts(start.add(NLA_HDRLEN), len) }
    }

    /// A string attribute (`NLA_NUL_STRING` in the policy, so NUL-terminated).
    pub(crate) fn string(&self) -> Result<&'a CStr> {
        let b = self.bytes();
        let end = b.iter().position(|&c| c == 0).ok_or(EINVAL)?;
        CStr::from_bytes_with_nul(&b[..=end]).map_err(|_| EINVAL)
    }

    /// A `u32` attribute (`NLA_U32` in the policy, so exactly 4 bytes).
    pub(crate) fn u32(&self) -> Result<u32> {
        let b: [u8; 4] = self.bytes().get(..4).and_then(|s| s.try_into().ok()).ok_or(EINVAL)?;
        Ok(u32::from_ne_bytes(b))
    }

    /// A `u16` attribute (`NLA_U16` in the policy).
    pub(crate) fn u16(&self) -> Result<u16> {
        let b: [u8; 2] = self.bytes().get(..2).and_then(|s| s.try_into().ok()).ok_or(EINVAL)?;
        Ok(u16::from_ne_bytes(b))
    }

    /// A `u8` attribute (`NLA_U8` in the policy).
    pub(crate) fn u8(&self) -> Result<u8> {
        self.bytes().first().copied().ok_or(EINVAL)
    }

    /// The attribute's type (id), without the nested/byte-order flags.
    pub(crate) fn id(&self) -> u32 {
        u32::from(self.nla.nla_type & (bindings::NLA_TYPE_MASK as u16))
    }

    /// The attributes nested in this one, in order (repeated ones included). The policy of a
    /// nested attribute set has already validated them.
    pub(crate) fn nested(&self) -> Nested<'a> {
        Nested { rest: self.bytes() }
    }

    /// The nested attribute `id` (the first one, if repeated).
    pub(crate) fn get(&self, id: u32) -> Option<Attr<'a>> {
        self.nested().find(|a| a.id() == id)
    }

    fn as_ptr(&self) -> *const bindings::nlattr {
        core::ptr::from_ref(self.nla)
    }
}

/// Iterator over the attributes nested in an [`Attr`].
pub(crate) struct Nested<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Nested<'a> {
    type Item = Attr<'a>;

    fn next(&mut self) -> Option<Attr<'a>> {
        if self.rest.len() < NLA_HDRLEN {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([self.rest[0], self.rest[1]]));
        if len < NLA_HDRLEN || len > self.rest.len() {
            self.rest = &[];
            return None;
        }
        let nla = self.rest.as_ptr().cast::<bindings::nlattr>();
        // Netlink attributes are 4-byte aligned: every attribute length is padded to NLA_ALIGNTO.
        // SAFETY: `rest` is part of a validated request that lives for `'a`, the header and `len`
        // bytes are inside it (checked above), and the attribute is aligned (above).
        let nla = unsafe { &*nla };
        let attr = Attr { nla };
        let step = (len + 3) & !3;
        self.rest = self.rest.get(step..).unwrap_or(&[]);
        Some(attr)
    }
}

/// Reads attribute `id` from a parsed attribute table with `maxattr` entries.
///
/// # Safety
///
/// `attrs` must be the core's parsed table of `maxattr + 1` entries, alive for `'a`.
unsafe fn table_attr<'a>(attrs: *mut *mut bindings::nlattr, maxattr: u32, id: u32) -> Option<Attr<'a>> {
    if attrs.is_null() || id > maxattr {
        return None;
    }
    // SAFETY: `id <= maxattr`, within the table (caller's promise).
    let p = unsafe { *attrs.add(id as usize) };
    // SAFETY: non-null entries point into the validated request.
    NonNull::new(p).map(|p| Attr { nla: unsafe { &*p.as_ptr() } })
}

/// Reports an error to the requester's extended ACK.
#[derive(Clone, Copy)]
pub(crate) struct Extack {
    ext: *mut bindings::netlink_ext_ack,
}

impl Extack {
    /// Sets the message (`NL_SET_ERR_MSG`) and returns `err` for `?`.
    pub(crate) fn msg(&self, err: Error, msg: &'static CStr) -> Error {
        if !self.ext.is_null() {
            // SAFETY: the core's extack lives for the whole request; the message is static.
            unsafe { (*self.ext)._msg = msg.as_char_ptr() };
        }
        err
    }

    /// Sets the message and points at the offending attribute (`NL_SET_ERR_MSG_ATTR`).
    pub(crate) fn attr(&self, err: Error, attr: &Attr<'_>, msg: &'static CStr) -> Error {
        if !self.ext.is_null() {
            // SAFETY: as in `msg`; the attribute is part of the request.
            unsafe { (*self.ext).bad_attr = attr.as_ptr() };
        }
        self.msg(err, msg)
    }

    /// Reports a missing attribute (`NL_SET_ERR_ATTR_MISS`) and returns `EINVAL`.
    pub(crate) fn missing(&self, id: u32, msg: &'static CStr) -> Error {
        if !self.ext.is_null() {
            // SAFETY: as in `msg`.
            unsafe {
                (*self.ext).miss_type = id as u16;
                (*self.ext).miss_nest = core::ptr::null();
            }
        }
        self.msg(EINVAL, msg)
    }

    /// Sets a formatted message (`NL_SET_ERR_MSG_FMT`: written into the extack's own buffer, cut
    /// to its 80 bytes) and, if given, the offending attribute; returns `err` for `?`.
    pub(crate) fn fmt(&self, err: Error, attr: Option<&Attr<'_>>, args: core::fmt::Arguments<'_>) -> Error {
        if self.ext.is_null() {
            return err;
        }
        // SAFETY: the core's extack lives for the whole request and only the request's handler
        // writes it.
        let ext = unsafe { &mut *self.ext };
        let mut w = MsgBuf {
            buf: &mut ext._msg_buf,
            len: 0,
        };
        // `MsgBuf` never fails; a longer message is cut.
        let _ = core::fmt::write(&mut w, args);
        let end = w.len;
        if let Some(nul) = ext._msg_buf.get_mut(end) {
            *nul = 0;
        }
        ext._msg = ext._msg_buf.as_ptr();
        if let Some(a) = attr {
            ext.bad_attr = a.as_ptr();
        }
        err
    }
}

/// Writes a message into an extack's buffer, keeping room for the terminating NUL.
struct MsgBuf<'a> {
    buf: &'a mut [kernel::ffi::c_char],
    len: usize,
}

impl core::fmt::Write for MsgBuf<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            if self.len + 1 >= self.buf.len() {
                break;
            }
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b as kernel::ffi::c_char;
            }
            self.len += 1;
        }
        Ok(())
    }
}

/// A `do` request.
///
/// # Invariants
///
/// `info` is the core's `genl_info` for the running request.
pub(crate) struct Request {
    info: NonNull<bindings::genl_info>,
}

impl Request {
    /// # Safety
    ///
    /// `info` must be the valid `genl_info` of the running request, used only during it.
    pub(super) unsafe fn from_raw(info: *mut bindings::genl_info) -> Option<Self> {
        NonNull::new(info).map(|info| Request { info })
    }

    fn raw(&self) -> &bindings::genl_info {
        // SAFETY: type invariant.
        unsafe { self.info.as_ref() }
    }

    /// The namespace of the requesting socket.
    pub(crate) fn net(&self) -> &Net {
        // SAFETY: the request holds the socket's namespace alive.
        unsafe { Net::from_raw(sys::vflow_genl_info_net(self.info.as_ptr())) }
    }

    /// Attribute `id`, if present.
    pub(crate) fn attr(&self, id: u32) -> Option<Attr<'_>> {
        let info = self.raw();
        // SAFETY: the core parsed the request into `op.maxattr + 1` entries.
        unsafe { table_attr(info.attrs, op_maxattr(info, false), id) }
    }

    /// Attribute `id`, or `EINVAL` with `msg` and the missing attribute reported.
    pub(crate) fn require(&self, id: u32, msg: &'static CStr) -> Result<Attr<'_>> {
        self.attr(id).ok_or_else(|| self.extack().missing(id, msg))
    }

    /// Where error messages go.
    pub(crate) fn extack(&self) -> Extack {
        Extack {
            ext: self.raw().extack,
        }
    }

    /// Builds and sends a one-message reply.
    pub(crate) fn reply(&self, cmd: u8, fill: impl FnOnce(&mut Msg) -> Result) -> Result {
        // SAFETY: plain allocation.
        let skb = unsafe { bindings::genlmsg_new(bindings::GENLMSG_DEFAULT_SIZE, bindings::GFP_KERNEL) };
        let skb = NonNull::new(skb).ok_or(ENOMEM)?;
        // SAFETY: `skb` is ours; `info` is the running request.
        let hdr = unsafe { sys::vflow_genl_put_reply(skb.as_ptr(), self.info.as_ptr(), cmd) };
        let mut msg = Msg { skb };
        let res = if hdr.is_null() {
            Err(EMSGSIZE)
        } else {
            fill(&mut msg)
        };
        if let Err(e) = res {
            // SAFETY: `skb` is ours and not sent.
            unsafe { bindings::nlmsg_free(skb.as_ptr()) };
            return Err(e);
        }
        // SAFETY: `hdr` is the header put above into `skb`.
        unsafe { bindings::genlmsg_end(skb.as_ptr(), hdr) };
        // SAFETY: consumes `skb`; `info` is the running request.
        to_result(unsafe { sys::vflow_genl_reply(skb.as_ptr(), self.info.as_ptr()) })
    }
}

/// Largest attribute id of the running op's policy: the core sized `info->attrs` from it.
fn op_maxattr(info: &bindings::genl_info, dump: bool) -> u32 {
    if info.genlhdr.is_null() {
        return 0;
    }
    // SAFETY: `genlhdr` points into the validated request.
    let cmd = unsafe { (*info.genlhdr).cmd };
    // SAFETY: reads the generated, registered family's op table.
    unsafe { sys::vflow_op_maxattr(cmd, dump) }
}

/// A message being filled (a reply or one dump entry).
///
/// # Invariants
///
/// `skb` is a netlink message buffer with a generic netlink header already put.
pub(crate) struct Msg {
    skb: NonNull<bindings::sk_buff>,
}

impl Msg {
    fn put_raw(&mut self, id: u32, data: &[u8]) -> Result {
        let len = c_int::try_from(data.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: `skb` is a message buffer (invariant); `data` is readable for `len` bytes.
        to_result(unsafe {
            bindings::nla_put(self.skb.as_ptr(), id as c_int, len, data.as_ptr().cast::<c_void>())
        })
        .map_err(|_| EMSGSIZE)
    }

    /// A NUL-terminated string.
    pub(crate) fn put_str(&mut self, id: u32, s: &CStr) -> Result {
        self.put_raw(id, s.to_bytes_with_nul())
    }

    /// A `u32`.
    pub(crate) fn put_u32(&mut self, id: u32, v: u32) -> Result {
        self.put_raw(id, &v.to_ne_bytes())
    }

    /// A `uint` (always sent as 8 bytes).
    pub(crate) fn put_uint(&mut self, id: u32, v: u64) -> Result {
        self.put_raw(id, &v.to_ne_bytes())
    }

    /// Raw bytes.
    pub(crate) fn put_u16(&mut self, id: u32, v: u16) -> Result {
        self.put_raw(id, &v.to_ne_bytes())
    }

    pub(crate) fn put_u8(&mut self, id: u32, v: u8) -> Result {
        self.put_raw(id, &[v])
    }

    pub(crate) fn put_bytes(&mut self, id: u32, b: &[u8]) -> Result {
        self.put_raw(id, b)
    }

    /// A flag (no payload).
    pub(crate) fn put_flag(&mut self, id: u32) -> Result {
        self.put_raw(id, &[])
    }

    /// A nested attribute filled by `fill`.
    pub(crate) fn nest(&mut self, id: u32, fill: impl FnOnce(&mut Msg) -> Result) -> Result {
        // SAFETY: `skb` is a message buffer.
        let start = unsafe { sys::vflow_nla_nest_start(self.skb.as_ptr(), id as c_int) };
        if start.is_null() {
            return Err(EMSGSIZE);
        }
        match fill(self) {
            Ok(()) => {
                // SAFETY: `start` was returned by nest_start on this skb.
                unsafe { sys::vflow_nla_nest_end(self.skb.as_ptr(), start) };
                Ok(())
            }
            Err(e) => {
                // SAFETY: as above.
                unsafe { sys::vflow_nla_nest_cancel(self.skb.as_ptr(), start) };
                Err(e)
            }
        }
    }
}

/// A running dump.
///
/// # Invariants
///
/// `skb` and `cb` are the core's dump buffer and callback for the running dump call.
pub(crate) struct Dump {
    skb: NonNull<bindings::sk_buff>,
    cb: NonNull<bindings::netlink_callback>,
}

impl Dump {
    /// # Safety
    ///
    /// `skb` and `cb` must be the arguments of the running dumpit call.
    pub(super) unsafe fn from_raw(
        skb: *mut bindings::sk_buff,
        cb: *mut bindings::netlink_callback,
    ) -> Option<Self> {
        Some(Dump {
            skb: NonNull::new(skb)?,
            cb: NonNull::new(cb)?,
        })
    }

    /// The namespace of the dumping socket.
    pub(crate) fn net(&self) -> &Net {
        // SAFETY: the dump holds its socket, which holds its namespace.
        unsafe { Net::from_raw(sys::vflow_dump_net(self.cb.as_ptr())) }
    }

    /// Attribute `id` of the dump request, if present.
    pub(crate) fn attr(&self, id: u32) -> Option<Attr<'_>> {
        // SAFETY: the core keeps the parsed request in the callback for the dump's life.
        let info = unsafe { &*sys::vflow_genl_dump_info(self.cb.as_ptr()) };
        // SAFETY: as in `Request::attr`.
        unsafe { table_attr(info.attrs, op_maxattr(info, true), id) }
    }

    /// Where error messages go.
    pub(crate) fn extack(&self) -> Extack {
        // SAFETY: valid callback (type invariant).
        let ext = unsafe { (*self.cb.as_ptr()).extack };
        Extack { ext }
    }

    /// Resume position kept between dump calls (`cb->args[0]`), starting at 0.
    pub(crate) fn cursor(&self) -> usize {
        // SAFETY: valid callback; `args` (the `ctx` union) is free for the dumping family.
        unsafe { (*self.cb.as_ptr()).__bindgen_anon_1.args[0] as usize }
    }

    /// Stores the resume position.
    pub(crate) fn set_cursor(&mut self, pos: usize) {
        // SAFETY: as in `cursor`.
        unsafe { (*self.cb.as_ptr()).__bindgen_anon_1.args[0] = pos as kernel::ffi::c_long };
    }

    /// Adds one message; `Ok(false)` when the buffer is full (resume from here next call).
    pub(crate) fn add(&mut self, cmd: u8, fill: impl FnOnce(&mut Msg) -> Result) -> Result<bool> {
        // SAFETY: the running dump's buffer and callback.
        let hdr = unsafe { sys::vflow_genl_put_dump(self.skb.as_ptr(), self.cb.as_ptr(), cmd) };
        if hdr.is_null() {
            return Ok(false);
        }
        let mut msg = Msg { skb: self.skb };
        match fill(&mut msg) {
            Ok(()) => {
                // SAFETY: `hdr` was put into `skb` above.
                unsafe { bindings::genlmsg_end(self.skb.as_ptr(), hdr) };
                Ok(true)
            }
            Err(e) => {
                // SAFETY: as above; removes the partial message.
                unsafe { bindings::genlmsg_cancel(self.skb.as_ptr(), hdr) };
                if e == EMSGSIZE {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Bytes in the dump buffer: what dumpit returns.
    pub(crate) fn len(&self) -> c_int {
        // SAFETY: valid skb.
        unsafe { (*self.skb.as_ptr()).len as c_int }
    }
}
