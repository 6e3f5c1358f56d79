//! Parsing an Ethernet frame into a [`FlowKey`].
//!
//! [`parse`] reads the frame from the Ethernet header on and fills a fixed-size, padding-free key
//! that the flow table hashes and compares as a whole. It never panics and never reads past the
//! slice it is given. What it does with each protocol:
//!
//! - Ethernet II; an 802.3 length field (a value below 0x0600) is stored as [`ETH_TYPE_802_3`]
//!   and the frame is keyed on L2 only (no LLC/SNAP parsing).
//! - One outer VLAN tag (802.1Q 0x8100 or 802.1ad 0x88a8): its 12-bit VID is kept. A second tag
//!   of either TPID right after it is skipped; a third one is left as the key's ethertype.
//! - ARP and RARP for Ethernet/IPv4 (htype 1, ptype 0x0800, hlen 6, plen 4): opcode, sender and
//!   target protocol addresses. Any other ARP flavour is keyed on L2 only.
//! - IPv4 (options skipped) and IPv6 (extension headers walked, see below). Addresses are stored
//!   uniformly as 16 bytes, IPv4 as the IPv4-mapped `::ffff:a.b.c.d`; the ethertype tells the two
//!   apart.
//! - TCP, UDP and SCTP ports, TCP flags; ICMP and ICMPv6 type (in `src_port`) and code (in
//!   `dst_port`). Other IP protocols are keyed up to L3 only.
//!
//! Lengths: the IP total length (IPv4) or payload length (IPv6) bounds where L4 is looked for, so
//! Ethernet padding is never taken for a header. A length larger than the frame is not an error
//! (the frame may hold only the head of the packet); a length of 0 means "up to the end of the
//! frame", as on big-TCP GSO packets.
//!
//! IPv6 extension headers: hop-by-hop (0), routing (43), destination options (60), fragment (44)
//! and AH (51) are skipped, at most [`MAX_IPV6_EXT_HEADERS`] of them; the key's `ip_proto` is the
//! first next-header value that is none of those (e.g. 6 for TCP, 50 for ESP, 59 for "no next
//! header").
//!
//! Fragments: a first fragment (IPv4 offset 0 with MF set, or an IPv6 fragment header with
//! offset 0) is parsed like an unfragmented packet and must hold its whole L4 header (RFC 1858,
//! RFC 7112). A later fragment (offset not 0) is keyed up to L3 only: ports and flags stay zero.
//!
//! Errors: a header that the frame cuts short is [`ParseError::Truncated`] at that layer, and so is
//! an L4 header that does not fit in the IP packet; malformed fixed fields have their own
//! variants. An unknown ethertype or IP protocol is not an error.

// Nothing here may panic, whatever the frame: clippy holds the code to that.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented,
    clippy::arithmetic_side_effects,
    clippy::as_conversions
)]

/// Ethertype stored in the key for an IEEE 802.3 frame (whose type field is a length, below
/// 0x0600), as Open vSwitch does.
pub(crate) const ETH_TYPE_802_3: u16 = 0x05ff;

/// Most IPv6 extension headers [`parse`] walks before it gives up with
/// [`ParseError::TooManyExtHeaders`].
pub(crate) const MAX_IPV6_EXT_HEADERS: usize = 8;

const ETH_P_IP: u16 = 0x0800;
const ETH_P_ARP: u16 = 0x0806;
const ETH_P_RARP: u16 = 0x8035;
const ETH_P_8021Q: u16 = 0x8100;
const ETH_P_8021AD: u16 = 0x88a8;
const ETH_P_IPV6: u16 = 0x86dd;
/// Smallest value of the Ethernet type/length field that is an ethertype.
const ETH_P_802_3_MIN: u16 = 0x0600;

const IPPROTO_ICMP: u8 = 1;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const IPPROTO_SCTP: u8 = 132;
const IPPROTO_ICMPV6: u8 = 58;
const IPPROTO_HOPOPTS: u8 = 0;
const IPPROTO_ROUTING: u8 = 43;
const IPPROTO_FRAGMENT: u8 = 44;
const IPPROTO_AH: u8 = 51;
const IPPROTO_DSTOPTS: u8 = 60;

/// Ethernet header length in bytes (no VLAN tag).
const ETH_HLEN: usize = 14;
const IPV4_MIN_HLEN: usize = 20;
const TCP_MIN_HLEN: usize = 20;
const TCP_FLAGS_MASK: u16 = 0x01ff;
const VLAN_VID_MASK: u16 = 0x0fff;
const IPV4_MF: u16 = 0x2000;
const IPV4_OFFSET_MASK: u16 = 0x1fff;
const IPV6_OFFSET_MASK: u16 = 0xfff8;

/// Fragment status of an IP packet, as stored in [`FlowKey::frag`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(u8)]
pub(crate) enum Frag {
    /// Not a fragment (or not IP).
    #[default]
    None = 0,
    /// The fragment at offset 0: L4 is parsed.
    First = 1,
    /// A fragment at a non-zero offset: L4 is not parsed, ports and flags are zero.
    Later = 2,
}

/// The flow key: the header fields one flow is told apart by.
///
/// Fixed layout, `repr(C)`, 60 bytes, 4-byte aligned, no implicit padding (so it can be hashed
/// as 15 `u32` words). Every field that does not apply to the frame is zero; multi-byte numbers
/// are in host order.
///
/// | offset | size | field |
/// | -----: | ---: | ----- |
/// | 0  | 6  | `dst_mac` |
/// | 6  | 6  | `src_mac` |
/// | 12 | 2  | `ethertype` |
/// | 14 | 2  | `vlan_id` |
/// | 16 | 16 | `src_ip` |
/// | 32 | 16 | `dst_ip` |
/// | 48 | 2  | `src_port` |
/// | 50 | 2  | `dst_port` |
/// | 52 | 2  | `tcp_flags` |
/// | 54 | 2  | `arp_op` |
/// | 56 | 1  | `ip_proto` |
/// | 57 | 1  | `tos` |
/// | 58 | 1  | `frag` |
/// | 59 | 1  | `reserved` |
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(C, align(4))]
pub(crate) struct FlowKey {
    /// Destination MAC address.
    pub(crate) dst_mac: [u8; 6],
    /// Source MAC address (for ARP, also the sender hardware address in practice).
    pub(crate) src_mac: [u8; 6],
    /// Ethertype after any VLAN tags; [`ETH_TYPE_802_3`] for an 802.3 frame.
    pub(crate) ethertype: u16,
    /// VID of the outer VLAN tag; 0 when untagged (and for a priority-only tag).
    pub(crate) vlan_id: u16,
    /// IPv4/IPv6 source address, or the ARP sender protocol address; IPv4 as `::ffff:a.b.c.d`.
    pub(crate) src_ip: [u8; 16],
    /// IPv4/IPv6 destination address, or the ARP target protocol address; IPv4 as
    /// `::ffff:a.b.c.d`.
    pub(crate) dst_ip: [u8; 16],
    /// TCP/UDP/SCTP source port, or the ICMP/ICMPv6 type.
    pub(crate) src_port: u16,
    /// TCP/UDP/SCTP destination port, or the ICMP/ICMPv6 code.
    pub(crate) dst_port: u16,
    /// TCP flags: the low 9 bits of the data-offset/flags word (NS/AE, CWR, ECE, URG, ACK, PSH,
    /// RST, SYN, FIN).
    pub(crate) tcp_flags: u16,
    /// ARP opcode (Ethernet/IPv4 ARP and RARP only).
    pub(crate) arp_op: u16,
    /// IP protocol, or for IPv6 the upper-layer next header after the extension headers.
    pub(crate) ip_proto: u8,
    /// The whole IPv4 ToS byte or IPv6 traffic class (DSCP and ECN).
    pub(crate) tos: u8,
    /// Fragment status.
    pub(crate) frag: Frag,
    /// Always 0: makes the layout free of padding.
    pub(crate) reserved: u8,
}

const _: () = assert!(core::mem::size_of::<FlowKey>() == 60);
const _: () = assert!(core::mem::align_of::<FlowKey>() == 4);

/// The header a [`ParseError::Truncated`] frame was cut short in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Layer {
    /// The 14-byte Ethernet header.
    Ethernet,
    /// A VLAN tag.
    Vlan,
    /// The ARP/RARP header.
    Arp,
    /// The IPv4 header, options included.
    Ipv4,
    /// The fixed 40-byte IPv6 header.
    Ipv6,
    /// An IPv6 extension header.
    Ipv6Ext,
    /// The TCP header, options included.
    Tcp,
    /// The UDP header.
    Udp,
    /// The SCTP common header.
    Sctp,
    /// The 8-byte ICMP header.
    Icmp,
    /// The 8-byte ICMPv6 header.
    Icmpv6,
}

/// Why a frame could not be parsed; each is a distinct drop reason.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ParseError {
    /// A header is cut short, by the end of the frame or by the IP packet's own length.
    Truncated {
        /// The header that is incomplete.
        layer: Layer,
    },
    /// The IP version field does not match the ethertype.
    BadIpVersion,
    /// IPv4 header length below 5 words.
    BadIpv4Ihl,
    /// IPv4 total length (when not 0) smaller than the IPv4 header.
    BadIpv4TotalLen,
    /// TCP data offset below 5 words.
    BadTcpDataOffset,
    /// More than [`MAX_IPV6_EXT_HEADERS`] IPv6 extension headers.
    TooManyExtHeaders,
}

/// Returns the destination and source MAC addresses of `frame`, or `None` if it is shorter than
/// the two.
pub(crate) fn eth_addrs(frame: &[u8]) -> Option<([u8; 6], [u8; 6])> {
    let (dst, rest) = frame.split_first_chunk::<6>()?;
    let (src, _) = rest.split_first_chunk::<6>()?;
    Some((*dst, *src))
}

/// Whether `mac` is a group (multicast) address; broadcast included.
pub(crate) fn is_multicast(mac: &[u8; 6]) -> bool {
    mac[0] & 1 != 0
}

/// Whether `mac` is all zeros.
pub(crate) fn is_zero(mac: &[u8; 6]) -> bool {
    *mac == [0; 6]
}

/// Parses the Ethernet frame `frame` (starting at the destination MAC) into a flow key.
pub(crate) fn parse(frame: &[u8]) -> Result<FlowKey, ParseError> {
    let mut key = FlowKey::default();
    parse_into(frame, &mut key)?;
    Ok(key)
}

/// [`parse`] writing the key in place, for the packet path (no 60-byte copy of the result).
///
/// `key` must be [`FlowKey::default()`] on entry: only the fields that apply to the frame are
/// written. On success it is the key [`parse`] returns; on error its contents are unspecified.
#[inline]
pub(crate) fn parse_into(frame: &[u8], key: &mut FlowKey) -> Result<(), ParseError> {
    let (eth, rest) = take::<ETH_HLEN>(frame, Layer::Ethernet)?;
    let [d0, d1, d2, d3, d4, d5, s0, s1, s2, s3, s4, s5, t0, t1] = *eth;
    key.dst_mac = [d0, d1, d2, d3, d4, d5];
    key.src_mac = [s0, s1, s2, s3, s4, s5];
    let mut ethertype = u16::from_be_bytes([t0, t1]);
    let mut rest = rest;

    if is_vlan_tpid(ethertype) {
        let (tag, after) = take::<4>(rest, Layer::Vlan)?;
        let [c0, c1, e0, e1] = *tag;
        key.vlan_id = u16::from_be_bytes([c0, c1]) & VLAN_VID_MASK;
        ethertype = u16::from_be_bytes([e0, e1]);
        rest = after;
        if is_vlan_tpid(ethertype) {
            let (tag, after) = take::<4>(rest, Layer::Vlan)?;
            let [_, _, e0, e1] = *tag;
            ethertype = u16::from_be_bytes([e0, e1]);
            rest = after;
        }
    }
    if ethertype < ETH_P_802_3_MIN {
        ethertype = ETH_TYPE_802_3;
    }
    key.ethertype = ethertype;

    match ethertype {
        ETH_P_IP => parse_ipv4(rest, key),
        ETH_P_IPV6 => parse_ipv6(rest, key),
        ETH_P_ARP | ETH_P_RARP => parse_arp(rest, key),
        _ => Ok(()),
    }
}

/// Splits the first `N` bytes off `buf`, or reports `layer` as truncated.
fn take<const N: usize>(buf: &[u8], layer: Layer) -> Result<(&[u8; N], &[u8]), ParseError> {
    buf.split_first_chunk::<N>()
        .ok_or(ParseError::Truncated { layer })
}

/// Whether `ethertype` is the TPID of a VLAN tag.
fn is_vlan_tpid(ethertype: u16) -> bool {
    ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD
}

/// The IPv4-mapped IPv6 form `::ffff:a.b.c.d` of an IPv4 address.
fn ipv4_mapped(addr: [u8; 4]) -> [u8; 16] {
    let [a, b, c, d] = addr;
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d]
}

/// Parses the ARP/RARP header at the start of `l3`.
fn parse_arp(l3: &[u8], key: &mut FlowKey) -> Result<(), ParseError> {
    let (fixed, rest) = take::<8>(l3, Layer::Arp)?;
    let [h0, h1, p0, p1, hlen, plen, o0, o1] = *fixed;
    if u16::from_be_bytes([h0, h1]) != 1
        || u16::from_be_bytes([p0, p1]) != ETH_P_IP
        || hlen != 6
        || plen != 4
    {
        return Ok(());
    }
    let (addrs, _) = take::<20>(rest, Layer::Arp)?;
    let [_, _, _, _, _, _, sp0, sp1, sp2, sp3, _, _, _, _, _, _, tp0, tp1, tp2, tp3] = *addrs;
    key.arp_op = u16::from_be_bytes([o0, o1]);
    key.src_ip = ipv4_mapped([sp0, sp1, sp2, sp3]);
    key.dst_ip = ipv4_mapped([tp0, tp1, tp2, tp3]);
    Ok(())
}

/// Returns the first `len` bytes of `buf`, or all of it when `len` is 0 or beyond its end.
fn bounded(buf: &[u8], len: usize) -> &[u8] {
    if len == 0 {
        buf
    } else {
        buf.get(..len).unwrap_or(buf)
    }
}

/// Parses the IPv4 header at the start of `l3`, then L4.
fn parse_ipv4(l3: &[u8], key: &mut FlowKey) -> Result<(), ParseError> {
    let (hdr, _) = take::<IPV4_MIN_HLEN>(l3, Layer::Ipv4)?;
    let [vihl, tos, l0, l1, _, _, f0, f1, _, proto, _, _, s0, s1, s2, s3, d0, d1, d2, d3] = *hdr;
    // Stored before the checks (an error leaves the key unspecified): the bytes go straight from
    // the frame to the key instead of being kept aside across the branches.
    key.src_ip = ipv4_mapped([s0, s1, s2, s3]);
    key.dst_ip = ipv4_mapped([d0, d1, d2, d3]);
    key.ip_proto = proto;
    key.tos = tos;
    if vihl >> 4 != 4 {
        return Err(ParseError::BadIpVersion);
    }
    // At most 15 * 4 = 60: no overflow.
    let hlen = usize::from(vihl & 0x0f).saturating_mul(4);
    if hlen < IPV4_MIN_HLEN {
        return Err(ParseError::BadIpv4Ihl);
    }
    let total_len = usize::from(u16::from_be_bytes([l0, l1]));
    if total_len != 0 && total_len < hlen {
        return Err(ParseError::BadIpv4TotalLen);
    }
    // The L4 area: from the end of the header to the end of the packet or of the frame.
    let l4 = bounded(l3, total_len)
        .get(hlen..)
        .ok_or(ParseError::Truncated { layer: Layer::Ipv4 })?;
    let frag = u16::from_be_bytes([f0, f1]);
    if frag & IPV4_OFFSET_MASK != 0 {
        key.frag = Frag::Later;
        return Ok(());
    }
    if frag & IPV4_MF != 0 {
        key.frag = Frag::First;
    }
    parse_l4(proto, false, l4, key)
}

/// Parses the IPv6 header at the start of `l3`, its extension headers, then L4.
fn parse_ipv6(l3: &[u8], key: &mut FlowKey) -> Result<(), ParseError> {
    let (fixed, rest) = take::<8>(l3, Layer::Ipv6)?;
    let (src, rest) = take::<16>(rest, Layer::Ipv6)?;
    let (dst, rest) = take::<16>(rest, Layer::Ipv6)?;
    let [b0, b1, _, _, l0, l1, mut next, _] = *fixed;
    if b0 >> 4 != 6 {
        return Err(ParseError::BadIpVersion);
    }
    key.src_ip = *src;
    key.dst_ip = *dst;
    key.tos = ((b0 & 0x0f) << 4) | (b1 >> 4);
    let mut payload = bounded(rest, usize::from(u16::from_be_bytes([l0, l1])));

    for _ in 0..MAX_IPV6_EXT_HEADERS {
        // Lengths are at most (255 + 1) * 8 or (255 + 2) * 4: no overflow.
        let (nh, len) = match next {
            IPPROTO_HOPOPTS | IPPROTO_ROUTING | IPPROTO_DSTOPTS => {
                let (&[nh, units], _) = take::<2>(payload, Layer::Ipv6Ext)?;
                (nh, usize::from(units).saturating_add(1).saturating_mul(8))
            }
            IPPROTO_AH => {
                let (&[nh, units], _) = take::<2>(payload, Layer::Ipv6Ext)?;
                (nh, usize::from(units).saturating_add(2).saturating_mul(4))
            }
            IPPROTO_FRAGMENT => {
                let (&[nh, _, o0, o1, _, _, _, _], _) = take::<8>(payload, Layer::Ipv6Ext)?;
                if u16::from_be_bytes([o0, o1]) & IPV6_OFFSET_MASK != 0 {
                    key.frag = Frag::Later;
                    key.ip_proto = nh;
                    return Ok(());
                }
                key.frag = Frag::First;
                (nh, 8)
            }
            _ => break,
        };
        next = nh;
        payload = payload.get(len..).ok_or(ParseError::Truncated {
            layer: Layer::Ipv6Ext,
        })?;
    }
    if is_ipv6_ext_header(next) {
        return Err(ParseError::TooManyExtHeaders);
    }
    key.ip_proto = next;
    parse_l4(next, true, payload, key)
}

/// Whether `next_header` is an IPv6 extension header that [`parse`] walks.
fn is_ipv6_ext_header(next_header: u8) -> bool {
    matches!(
        next_header,
        IPPROTO_HOPOPTS | IPPROTO_ROUTING | IPPROTO_DSTOPTS | IPPROTO_AH | IPPROTO_FRAGMENT
    )
}

/// Parses the L4 header of IP protocol `proto` at the start of `l4`, the L4 area of the packet.
#[inline(always)]
fn parse_l4(proto: u8, ipv6: bool, l4: &[u8], key: &mut FlowKey) -> Result<(), ParseError> {
    match (proto, ipv6) {
        (IPPROTO_TCP, _) => {
            let (&[s0, s1, d0, d1, _, _, _, _, _, _, _, _, off, flags, ..], _) =
                take::<TCP_MIN_HLEN>(l4, Layer::Tcp)?;
            // At most 15 * 4 = 60: no overflow.
            let doff = usize::from(off >> 4).saturating_mul(4);
            if doff < TCP_MIN_HLEN {
                return Err(ParseError::BadTcpDataOffset);
            }
            if l4.len() < doff {
                return Err(ParseError::Truncated { layer: Layer::Tcp });
            }
            key.src_port = u16::from_be_bytes([s0, s1]);
            key.dst_port = u16::from_be_bytes([d0, d1]);
            key.tcp_flags = u16::from_be_bytes([off, flags]) & TCP_FLAGS_MASK;
        }
        (IPPROTO_UDP, _) => {
            let (&[s0, s1, d0, d1, ..], _) = take::<8>(l4, Layer::Udp)?;
            key.src_port = u16::from_be_bytes([s0, s1]);
            key.dst_port = u16::from_be_bytes([d0, d1]);
        }
        (IPPROTO_SCTP, _) => {
            let (&[s0, s1, d0, d1, ..], _) = take::<12>(l4, Layer::Sctp)?;
            key.src_port = u16::from_be_bytes([s0, s1]);
            key.dst_port = u16::from_be_bytes([d0, d1]);
        }
        (IPPROTO_ICMP, false) => {
            let (&[ty, code, ..], _) = take::<8>(l4, Layer::Icmp)?;
            key.src_port = u16::from(ty);
            key.dst_port = u16::from(code);
        }
        (IPPROTO_ICMPV6, true) => {
            let (&[ty, code, ..], _) = take::<8>(l4, Layer::Icmpv6)?;
            key.src_port = u16::from(ty);
            key.dst_port = u16::from(code);
        }
        _ => {}
    }
    Ok(())
}
