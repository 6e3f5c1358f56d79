//! Generic netlink transport: family resolution, request/response loops,
//! error and extended-ACK handling.
//!
//! A plain blocking neli `NlSocket` is used (no router thread): the tool
//! sends one request at a time and reads until the kernel's ACK, error or
//! NLMSG_DONE for that sequence number. Each received datagram is cut into
//! messages by their `nlmsg_len` here, and each message is parsed on its own
//! by neli, so one odd message (e.g. an ACK carrying a warning, whose TLVs
//! neli 0.7 does not consume) cannot shift the parsing of the next.

use std::ffi::CStr;
use std::fmt;
use std::io;

use neli::consts::genl::{CtrlAttr, CtrlCmd};
use neli::consts::nl::{GenlId, NlmF, NlmsgerrAttr};
use neli::consts::socket::Msg;
use neli::consts::socket::NlFamily;
use neli::err::Nlmsgerr;
use neli::genl::{Genlmsghdr, GenlmsghdrBuilder, NoUserHeader};
use neli::nl::{NlPayload, Nlmsghdr, NlmsghdrBuilder};
use neli::socket::NlSocket;
use neli::types::{Buffer, GenlBuffer};
use neli::utils::Groups;
use neli::{FromBytes, ToBytes};

use crate::codec::{self, Attrs};

/// A generic netlink message with untyped command and attributes.
pub type GenlMsg = Genlmsghdr<u8, u16>;

/// Everything that can go wrong talking to the kernel.
#[derive(Debug)]
pub enum NlError {
    /// No generic netlink family "vflow" in this kernel.
    FamilyNotFound,
    /// The kernel refused the request: `errno` is positive; `msg` is the
    /// extended ACK's NLMSGERR_ATTR_MSG if there was one.
    Kernel { errno: i32, msg: Option<String> },
    /// Socket-level failure (socket(), bind(), send(), recv()).
    Io { what: &'static str, err: io::Error },
    /// A reply that could not be parsed.
    Malformed(String),
    /// A request this tool cannot make (e.g. a device that is no port of
    /// the switch named): the text says why.
    Client(String),
}

impl fmt::Display for NlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NlError::FamilyNotFound => write!(
                f,
                "vflow module not loaded (generic netlink family \"{}\" not found)",
                codec::FAMILY_NAME
            ),
            NlError::Kernel { msg: Some(m), .. } => f.write_str(m),
            NlError::Kernel { errno, msg: None } => f.write_str(&strerror(*errno)),
            NlError::Io { what, err } => write!(f, "{what}: {}", io_error_text(err)),
            NlError::Malformed(m) => f.write_str(m),
            NlError::Client(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for NlError {}

impl From<codec::DecodeError> for NlError {
    fn from(e: codec::DecodeError) -> Self {
        NlError::Malformed(e.to_string())
    }
}

/// The C library's text for an errno value, like strerror(3).
pub fn strerror(errno: i32) -> String {
    let e = io::Error::from_raw_os_error(errno);
    io_error_text(&e)
}

/// std formats OS errors as "TEXT (os error N)": keep only TEXT.
fn io_error_text(e: &io::Error) -> String {
    let s = e.to_string();
    match e.raw_os_error() {
        Some(n) => s
            .strip_suffix(&format!(" (os error {n})"))
            .map(str::to_string)
            .unwrap_or(s),
        None => s,
    }
}

fn io_err(what: &'static str) -> impl FnOnce(io::Error) -> NlError {
    move |err| NlError::Io { what, err }
}

/// Size of the receive buffer. The kernel sizes dump messages to at most
/// 32 KiB (or the reader's buffer, capped at that); twice that is ample.
const RECV_BUF: usize = 64 * 1024;

fn nlmsg_align(n: usize) -> usize {
    (n + 3) & !3
}

/// Cut one received datagram into its netlink messages.
pub fn split_messages(buf: &[u8]) -> Result<Vec<&[u8]>, NlError> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < buf.len() {
        let rest = &buf[off..];
        if rest.len() < 16 {
            return Err(NlError::Malformed(format!(
                "netlink reply: {} stray bytes",
                rest.len()
            )));
        }
        let len = u32::from_ne_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        if len < 16 || len > rest.len() {
            return Err(NlError::Malformed(format!(
                "netlink reply: bad message length {len}"
            )));
        }
        out.push(&rest[..len]);
        off += nlmsg_align(len).min(rest.len());
    }
    Ok(out)
}

/// Parse one netlink message (exactly `nlmsg_len` bytes).
pub fn parse_message(frame: &[u8]) -> Result<Nlmsghdr<u16, GenlMsg>, NlError> {
    Nlmsghdr::from_bytes(&mut std::io::Cursor::new(frame))
        .map_err(|e| NlError::Malformed(format!("cannot parse netlink reply: {e}")))
}

/// The NLMSGERR_ATTR_MSG text of an extended ACK, if any.
pub fn extack_message<M>(e: &Nlmsgerr<M>) -> Option<String> {
    e.ext_ack()
        .iter()
        .find(|a| *a.nla_type().nla_type() == NlmsgerrAttr::Msg)
        .map(|a| {
            let p: &[u8] = a.nla_payload().as_ref();
            let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
            String::from_utf8_lossy(&p[..end]).into_owned()
        })
        .filter(|m| !m.is_empty())
}

fn kernel_error<M>(e: &Nlmsgerr<M>) -> NlError {
    NlError::Kernel {
        errno: -*e.error(),
        msg: extack_message(e),
    }
}

/// What one received message means for the request in flight.
#[derive(Debug)]
pub enum Step {
    /// A reply carrying data.
    Data(Box<GenlMsg>),
    /// Not for us (other sequence number): skip.
    Skip,
    /// The request is complete (ACK, or NLMSG_DONE of a dump).
    Done,
    /// The kernel refused the request.
    Failed(NlError),
}

/// Interpret one message of the answer to request `seq`.
pub fn step(msg: Nlmsghdr<u16, GenlMsg>, seq: u32) -> Step {
    if *msg.nl_seq() != seq {
        return Step::Skip;
    }
    match msg.nl_payload() {
        NlPayload::Payload(p) => Step::Data(Box::new(p.clone())),
        NlPayload::Ack(_) => Step::Done,
        NlPayload::Err(e) => Step::Failed(kernel_error(e)),
        // NLMSG_DONE with an error code (and maybe extack TLVs)
        NlPayload::DumpExtAck(e) if *e.error() < 0 => Step::Failed(kernel_error(e)),
        NlPayload::DumpExtAck(_) | NlPayload::Empty => Step::Done,
    }
}

/// A blocking generic netlink socket with extended ACKs turned on.
pub struct GenlSocket {
    sock: NlSocket,
    seq: u32,
    buf: Vec<u8>,
}

impl GenlSocket {
    pub fn open() -> Result<Self, NlError> {
        let sock = NlSocket::connect(NlFamily::Generic, None, Groups::empty())
            .map_err(io_err("cannot open generic netlink socket"))?;
        // Kernels before 4.12 lack NETLINK_EXT_ACK: errors then print strerror.
        let _ = sock.enable_ext_ack(true);
        Ok(GenlSocket {
            sock,
            seq: 0,
            buf: vec![0; RECV_BUF],
        })
    }

    /// The id of generic netlink family `name`, `None` if there is none.
    ///
    /// The family is looked up by dumping the controller's family list rather
    /// than with a CTRL_CMD_GETFAMILY do-request: the latter makes the kernel
    /// try to autoload a module, and this tool never loads modules.
    pub fn resolve_family(&mut self, name: &str) -> Result<Option<u16>, NlError> {
        let replies = self.transact(
            GenlId::Ctrl.into(),
            CtrlCmd::Getfamily.into(),
            2,
            GenlBuffer::new(),
            true,
        )?;
        for r in &replies {
            if let Some(id) = family_id_if_named(r.attrs(), name)? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Send one request and collect the replies: for a dump every reply up
    /// to NLMSG_DONE, for a do-request (sent with NLM_F_ACK) the replies
    /// before the ACK.
    pub fn transact(
        &mut self,
        family: u16,
        cmd: u8,
        version: u8,
        attrs: Attrs,
        dump: bool,
    ) -> Result<Vec<GenlMsg>, NlError> {
        let payload = GenlmsghdrBuilder::<u8, u16, NoUserHeader>::default()
            .cmd(cmd)
            .version(version)
            .attrs(attrs)
            .build()
            .expect("genl header fully set");
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let flags = if dump { NlmF::DUMP } else { NlmF::ACK };
        let msg = NlmsghdrBuilder::default()
            .nl_type(family)
            .nl_flags(NlmF::REQUEST | flags)
            .nl_seq(seq)
            .nl_pid(0)
            .nl_payload(NlPayload::Payload(payload))
            .build()
            .expect("netlink header fully set");
        let mut wire = std::io::Cursor::new(Vec::new());
        msg.to_bytes(&mut wire)
            .map_err(|e| NlError::Malformed(format!("cannot encode request: {e}")))?;
        self.sock
            .send(wire.get_ref(), Msg::empty())
            .map_err(io_err("netlink send"))?;

        let mut out = Vec::new();
        let mut interrupted = false;
        loop {
            let n = match self.sock.recv(&mut self.buf[..], Msg::TRUNC) {
                Ok((n, _)) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("netlink receive")(e)),
            };
            // With MSG_TRUNC the kernel reports the datagram's real size.
            if n > self.buf.len() {
                return Err(NlError::Malformed(format!(
                    "netlink reply of {n} bytes truncated to {}",
                    self.buf.len()
                )));
            }
            for frame in split_messages(&self.buf[..n])? {
                let m = parse_message(frame)?;
                if *m.nl_seq() == seq && m.nl_flags().contains(NlmF::DUMP_INTR) {
                    interrupted = true;
                }
                match step(m, seq) {
                    Step::Data(p) => out.push(*p),
                    Step::Skip => {}
                    Step::Done => {
                        if interrupted {
                            // As iproute2 does: the data is still shown.
                            eprintln!("Warning: dump was interrupted and may be inconsistent");
                        }
                        return Ok(out);
                    }
                    Step::Failed(e) => return Err(e),
                }
            }
        }
    }
}

/// A generic netlink socket talking to the vflow family.
pub struct Vflow {
    genl: GenlSocket,
    family: u16,
}

impl Vflow {
    /// Open the socket and look the "vflow" family up.
    pub fn connect() -> Result<Self, NlError> {
        let mut genl = GenlSocket::open()?;
        let family = genl
            .resolve_family(codec::FAMILY_NAME)?
            .ok_or(NlError::FamilyNotFound)?;
        Ok(Vflow { genl, family })
    }

    fn request(&mut self, cmd: u8, attrs: Attrs, dump: bool) -> Result<Vec<Attrs>, NlError> {
        let replies = self
            .genl
            .transact(self.family, cmd, codec::FAMILY_VERSION, attrs, dump)?;
        Ok(replies.into_iter().map(|m| m.attrs().clone()).collect())
    }

    /// A do-request: the replies (if the command has any) before the ACK.
    pub fn do_request(&mut self, cmd: u8, attrs: Attrs) -> Result<Vec<Attrs>, NlError> {
        self.request(cmd, attrs, false)
    }

    /// A dump request: every reply up to NLMSG_DONE.
    pub fn dump(&mut self, cmd: u8, attrs: Attrs) -> Result<Vec<Attrs>, NlError> {
        self.request(cmd, attrs, true)
    }
}

/// From one CTRL_CMD_GETFAMILY reply: the family id if its name is `name`.
pub fn family_id_if_named(
    attrs: &GenlBuffer<u16, Buffer>,
    name: &str,
) -> Result<Option<u16>, NlError> {
    let mut id = None;
    let mut matched = false;
    for a in attrs.iter() {
        let p: &[u8] = a.nla_payload().as_ref();
        let t = *a.nla_type().nla_type();
        if t == u16::from(CtrlAttr::FamilyName) {
            let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
            matched = &p[..end] == name.as_bytes();
        } else if t == u16::from(CtrlAttr::FamilyId) {
            let b: [u8; 2] = p
                .try_into()
                .map_err(|_| NlError::Malformed("bad CTRL_ATTR_FAMILY_ID".into()))?;
            id = Some(u16::from_ne_bytes(b));
        }
    }
    Ok(if matched { id } else { None })
}

/// if_indextoname(3): the name of interface `ifindex` in this namespace.
pub fn ifindex_to_name(ifindex: u32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: buf has room for IF_NAMESIZE bytes, as if_indextoname requires.
    let r = unsafe { libc::if_indextoname(ifindex, buf.as_mut_ptr()) };
    if r.is_null() {
        return None;
    }
    // SAFETY: on success buf holds a NUL-terminated name.
    let s = unsafe { CStr::from_ptr(buf.as_ptr()) };
    Some(s.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NLMSG_ERROR: u16 = 2;
    const NLMSG_DONE: u16 = 3;
    const NLM_F_MULTI: u16 = 2;
    const NLM_F_CAPPED: u16 = 0x100;
    const NLM_F_ACK_TLVS: u16 = 0x200;

    fn nla(t: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
        v.extend_from_slice(&t.to_ne_bytes());
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    fn nlmsg(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&4242u32.to_ne_bytes()); // pid
        v.extend_from_slice(payload);
        v
    }

    fn genl(cmd: u8, attrs: &[u8]) -> Vec<u8> {
        let mut v = vec![cmd, 1, 0, 0];
        v.extend_from_slice(attrs);
        v
    }

    /// The request this error answers, as the kernel echoes it.
    fn request(seq: u32) -> Vec<u8> {
        nlmsg(
            0x20,
            0x5,
            seq,
            &genl(codec::cmd::SWITCH_NEW, &nla(1, b"sw0\0")),
        )
    }

    fn parse(bytes: &[u8]) -> Nlmsghdr<u16, GenlMsg> {
        let frames = split_messages(bytes).expect("frames");
        assert_eq!(frames.len(), 1);
        parse_message(frames[0]).expect("parses")
    }

    /// An error reply as the kernel sends it without NETLINK_CAP_ACK (which
    /// this tool never sets): errno, the whole request, then the TLVs.
    fn error_msg(errno: i32, seq: u32, tlvs: &[u8]) -> Vec<u8> {
        let mut p = Vec::new();
        p.extend_from_slice(&(-errno).to_ne_bytes());
        p.extend_from_slice(&request(seq));
        p.extend_from_slice(tlvs);
        let mut flags = 0;
        if !tlvs.is_empty() {
            flags |= NLM_F_ACK_TLVS;
        }
        nlmsg(NLMSG_ERROR, flags, seq, &p)
    }

    #[test]
    fn error_with_extack_message() {
        let tlvs = cat(&[
            nla(1, b"switch sw0 already exists\0"),
            nla(2, &20u32.to_ne_bytes()),
        ]);
        let m = parse(&error_msg(17, 7, &tlvs));
        match step(m, 7) {
            Step::Failed(e) => {
                assert_eq!(e.to_string(), "switch sw0 already exists");
                assert!(matches!(e, NlError::Kernel { errno: 17, .. }));
            }
            s => panic!("unexpected {s:?}"),
        }
    }

    #[test]
    fn error_without_extack_is_strerror() {
        let m = parse(&error_msg(1, 3, &[]));
        match step(m, 3) {
            Step::Failed(e) => assert_eq!(e.to_string(), "Operation not permitted"),
            s => panic!("unexpected {s:?}"),
        }
        let m = parse(&error_msg(19, 3, &[]));
        match step(m, 3) {
            Step::Failed(e) => assert_eq!(e.to_string(), "No such device"),
            s => panic!("unexpected {s:?}"),
        }
    }

    #[test]
    fn error_with_only_offset_is_strerror() {
        let tlvs = nla(2, &24u32.to_ne_bytes());
        let m = parse(&error_msg(22, 3, &tlvs));
        match step(m, 3) {
            Step::Failed(e) => assert_eq!(e.to_string(), "Invalid argument"),
            s => panic!("unexpected {s:?}"),
        }
    }

    #[test]
    fn ack_is_done_and_other_seq_is_skipped() {
        // Success ACK: error 0 + the request's header only (capped).
        let mut p = 0i32.to_ne_bytes().to_vec();
        p.extend_from_slice(&request(9)[..16]);
        let ack = nlmsg(NLMSG_ERROR, NLM_F_CAPPED, 9, &p);
        assert!(matches!(step(parse(&ack), 9), Step::Done));
        assert!(matches!(step(parse(&ack), 10), Step::Skip));
    }

    #[test]
    fn ack_with_warning_tlv_then_next_message() {
        // A success ACK may carry extack TLVs (a warning). neli 0.7 leaves
        // them unconsumed, so messages are cut by nlmsg_len before parsing.
        let mut p = 0i32.to_ne_bytes().to_vec();
        p.extend_from_slice(&request(9)[..16]);
        p.extend_from_slice(&nla(1, b"just a warning\0"));
        let mut buf = nlmsg(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 9, &p);
        buf.extend_from_slice(&nlmsg(NLMSG_DONE, NLM_F_MULTI, 10, &0i32.to_ne_bytes()));
        let frames = split_messages(&buf).unwrap();
        assert_eq!(frames.len(), 2);
        assert!(matches!(
            step(parse_message(frames[0]).unwrap(), 9),
            Step::Done
        ));
        let second = parse_message(frames[1]).unwrap();
        assert_eq!(*second.nl_seq(), 10);
        assert!(matches!(step(second, 10), Step::Done));
    }

    #[test]
    fn split_messages_checks_lengths() {
        let d = nlmsg(0x20, NLM_F_MULTI, 4, &genl(3, &nla(1, b"sw0\0")));
        let two = cat(&[d.clone(), d.clone()]);
        assert_eq!(split_messages(&two).unwrap(), vec![&d[..], &d[..]]);
        assert!(split_messages(&[]).unwrap().is_empty());
        assert!(split_messages(&d[..10]).is_err());
        let mut bad = d.clone();
        bad[..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert!(split_messages(&bad).is_err());
        let mut bad = d.clone();
        bad[..4].copy_from_slice(&8u32.to_ne_bytes());
        assert!(split_messages(&bad).is_err());
    }

    #[test]
    fn data_then_done() {
        let d = nlmsg(0x20, NLM_F_MULTI, 4, &genl(3, &nla(1, b"sw0\0")));
        match step(parse(&d), 4) {
            Step::Data(g) => {
                assert_eq!(*g.cmd(), 3);
                let sw = codec::decode_switch(g.attrs()).unwrap();
                assert_eq!(sw.name, "sw0");
            }
            s => panic!("unexpected {s:?}"),
        }
        let done = nlmsg(NLMSG_DONE, NLM_F_MULTI, 4, &0i32.to_ne_bytes());
        assert!(matches!(step(parse(&done), 4), Step::Done));
    }

    #[test]
    fn done_with_error_and_extack() {
        let mut p = (-19i32).to_ne_bytes().to_vec();
        p.extend_from_slice(&nla(1, b"no such switch\0"));
        let done = nlmsg(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, 4, &p);
        match step(parse(&done), 4) {
            Step::Failed(e) => assert_eq!(e.to_string(), "no such switch"),
            s => panic!("unexpected {s:?}"),
        }
        let done = nlmsg(NLMSG_DONE, NLM_F_MULTI, 4, &(-19i32).to_ne_bytes());
        match step(parse(&done), 4) {
            Step::Failed(e) => assert_eq!(e.to_string(), "No such device"),
            s => panic!("unexpected {s:?}"),
        }
    }

    #[test]
    fn family_lookup_from_ctrl_reply() {
        let attrs = codec::parse_attrs(&cat(&[
            nla(1, &0x1du16.to_ne_bytes()),
            nla(2, b"vflow\0"),
            nla(3, &1u32.to_ne_bytes()),
        ]))
        .unwrap();
        assert_eq!(family_id_if_named(&attrs, "vflow").unwrap(), Some(0x1d));
        assert_eq!(family_id_if_named(&attrs, "vflo").unwrap(), None);
        let attrs =
            codec::parse_attrs(&cat(&[nla(2, b"vflowx\0"), nla(1, &0x1eu16.to_ne_bytes())]))
                .unwrap();
        assert_eq!(family_id_if_named(&attrs, "vflow").unwrap(), None);
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            NlError::FamilyNotFound.to_string(),
            "vflow module not loaded (generic netlink family \"vflow\" not found)"
        );
        assert_eq!(strerror(1), "Operation not permitted");
        assert_eq!(strerror(17), "File exists");
    }

    #[test]
    fn loopback_ifindex_resolves() {
        // ifindex 1 is "lo" in every network namespace.
        assert_eq!(ifindex_to_name(1).as_deref(), Some("lo"));
        assert_eq!(ifindex_to_name(0), None);
    }

    fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    // -- against the running kernel (generic netlink is always there) -----

    #[test]
    fn kernel_resolves_nlctrl_not_vflow_lookalike() {
        let mut g = GenlSocket::open().expect("generic netlink socket");
        assert_eq!(g.resolve_family("nlctrl").unwrap(), Some(0x10));
        assert_eq!(g.resolve_family("no-such-family-x").unwrap(), None);
    }

    #[test]
    fn kernel_do_request_reply_then_ack() {
        // CTRL_CMD_GETFAMILY by CTRL_ATTR_FAMILY_ID (by id, so the kernel
        // never tries a module load): one reply, then the ACK we asked for.
        let mut g = GenlSocket::open().expect("generic netlink socket");
        let attrs: Attrs =
            std::iter::once(codec::attr(1, 0x10u16.to_ne_bytes().to_vec())).collect();
        let r = g
            .transact(0x10, CtrlCmd::Getfamily.into(), 2, attrs, false)
            .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(
            family_id_if_named(r[0].attrs(), "nlctrl").unwrap(),
            Some(0x10)
        );
        // the socket stays usable for the next request
        assert_eq!(g.resolve_family("nlctrl").unwrap(), Some(0x10));
    }

    #[test]
    fn kernel_error_carries_extack_message() {
        // CTRL_CMD_GETFAMILY with a 1-byte CTRL_ATTR_FAMILY_ID (an NLA_U16):
        // the policy check fails before any family lookup, with an extack.
        let mut g = GenlSocket::open().expect("generic netlink socket");
        let attrs: Attrs = std::iter::once(codec::attr(1, vec![7])).collect();
        let e = g
            .transact(0x10, CtrlCmd::Getfamily.into(), 2, attrs, false)
            .unwrap_err();
        match &e {
            NlError::Kernel { errno, msg } => {
                // EINVAL or, since 5.x, ERANGE for a too-short attribute
                assert!(*errno == libc::EINVAL || *errno == libc::ERANGE, "{errno}");
                // Every kernel since 4.12 explains policy failures in the
                // extended ACK (e.g. "Attribute failed policy validation").
                let m = msg.as_deref().expect("extack message");
                assert!(!m.is_empty());
                assert_eq!(e.to_string(), m);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
