//! A small frame builder for the tests: each function returns the bytes of one header with its
//! payload appended, so frames are built inside out.

use std::vec;
use std::vec::Vec;

/// A unicast MAC.
pub(crate) const MAC_A: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0a];
/// Another unicast MAC.
pub(crate) const MAC_B: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0b];

pub(crate) const ETH_P_IP: u16 = 0x0800;
pub(crate) const ETH_P_ARP: u16 = 0x0806;
pub(crate) const ETH_P_RARP: u16 = 0x8035;
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;
pub(crate) const ETH_P_8021Q: u16 = 0x8100;
pub(crate) const ETH_P_8021AD: u16 = 0x88a8;

pub(crate) const IPPROTO_ICMP: u8 = 1;
pub(crate) const IPPROTO_TCP: u8 = 6;
pub(crate) const IPPROTO_UDP: u8 = 17;
pub(crate) const IPPROTO_ICMPV6: u8 = 58;
pub(crate) const IPPROTO_SCTP: u8 = 132;
pub(crate) const IPPROTO_HOPOPTS: u8 = 0;
pub(crate) const IPPROTO_ROUTING: u8 = 43;
pub(crate) const IPPROTO_FRAGMENT: u8 = 44;
pub(crate) const IPPROTO_ESP: u8 = 50;
pub(crate) const IPPROTO_AH: u8 = 51;
pub(crate) const IPPROTO_NONE: u8 = 59;
pub(crate) const IPPROTO_DSTOPTS: u8 = 60;

fn cat(head: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut v = head.to_vec();
    v.extend_from_slice(payload);
    v
}

/// Ethernet header, then `tags` as (TPID, TCI) VLAN tags, then `ethertype` and `payload`.
pub(crate) fn eth(
    dst: [u8; 6],
    src: [u8; 6],
    tags: &[(u16, u16)],
    ethertype: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&dst);
    v.extend_from_slice(&src);
    for &(tpid, tci) in tags {
        v.extend_from_slice(&tpid.to_be_bytes());
        v.extend_from_slice(&tci.to_be_bytes());
    }
    v.extend_from_slice(&ethertype.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// Untagged Ethernet from `MAC_B` to `MAC_A`.
pub(crate) fn eth_plain(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    eth(MAC_A, MAC_B, &[], ethertype, payload)
}

/// An IPv4 header; `build` fills in what is left `None`.
#[derive(Clone, Debug)]
pub(crate) struct Ipv4 {
    pub(crate) version: u8,
    /// Header length in words; `None`: from the options.
    pub(crate) ihl: Option<u8>,
    pub(crate) tos: u8,
    /// `None`: header plus payload.
    pub(crate) total_len: Option<u16>,
    /// Flags (DF 0x4000, MF 0x2000) and fragment offset in 8-byte units.
    pub(crate) frag: u16,
    pub(crate) ttl: u8,
    pub(crate) proto: u8,
    pub(crate) src: [u8; 4],
    pub(crate) dst: [u8; 4],
    /// Option bytes, a multiple of 4 for a consistent IHL.
    pub(crate) options: Vec<u8>,
}

impl Default for Ipv4 {
    fn default() -> Self {
        Ipv4 {
            version: 4,
            ihl: None,
            tos: 0,
            total_len: None,
            frag: 0,
            ttl: 64,
            proto: IPPROTO_UDP,
            src: [10, 0, 0, 1],
            dst: [10, 0, 0, 2],
            options: Vec::new(),
        }
    }
}

impl Ipv4 {
    pub(crate) fn build(&self, payload: &[u8]) -> Vec<u8> {
        let hlen = 20 + self.options.len();
        let ihl = self.ihl.unwrap_or((hlen / 4) as u8);
        let total = self.total_len.unwrap_or((hlen + payload.len()) as u16);
        let mut h = vec![(self.version << 4) | (ihl & 0x0f), self.tos];
        h.extend_from_slice(&total.to_be_bytes());
        h.extend_from_slice(&[0x12, 0x34]);
        h.extend_from_slice(&self.frag.to_be_bytes());
        h.extend_from_slice(&[self.ttl, self.proto, 0, 0]);
        h.extend_from_slice(&self.src);
        h.extend_from_slice(&self.dst);
        h.extend_from_slice(&self.options);
        // Header checksum, for realism (the parser does not check it).
        let sum = h
            .chunks(2)
            .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
            .sum::<u32>();
        let sum = (sum & 0xffff) + (sum >> 16);
        let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
        h[10..12].copy_from_slice(&sum.to_be_bytes());
        cat(&h, payload)
    }
}

/// An IPv6 header; `build` fills in what is left `None`.
#[derive(Clone, Debug)]
pub(crate) struct Ipv6 {
    pub(crate) version: u8,
    pub(crate) tclass: u8,
    pub(crate) flow: u32,
    /// `None`: the payload's length.
    pub(crate) payload_len: Option<u16>,
    pub(crate) next: u8,
    pub(crate) hop_limit: u8,
    pub(crate) src: [u8; 16],
    pub(crate) dst: [u8; 16],
}

impl Default for Ipv6 {
    fn default() -> Self {
        let mut src = [0u8; 16];
        src[..2].copy_from_slice(&[0x20, 0x01]);
        src[15] = 1;
        let mut dst = src;
        dst[15] = 2;
        Ipv6 {
            version: 6,
            tclass: 0,
            flow: 0,
            payload_len: None,
            next: IPPROTO_UDP,
            hop_limit: 64,
            src,
            dst,
        }
    }
}

impl Ipv6 {
    pub(crate) fn build(&self, payload: &[u8]) -> Vec<u8> {
        let word = (u32::from(self.version) << 28)
            | (u32::from(self.tclass) << 20)
            | (self.flow & 0x000f_ffff);
        let mut h = word.to_be_bytes().to_vec();
        let plen = self.payload_len.unwrap_or(payload.len() as u16);
        h.extend_from_slice(&plen.to_be_bytes());
        h.extend_from_slice(&[self.next, self.hop_limit]);
        h.extend_from_slice(&self.src);
        h.extend_from_slice(&self.dst);
        cat(&h, payload)
    }
}

/// A hop-by-hop, routing or destination options header of `(units + 1) * 8` bytes.
pub(crate) fn ext(next: u8, units: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x5a; (usize::from(units) + 1) * 8];
    h[0] = next;
    h[1] = units;
    cat(&h, payload)
}

/// An authentication header of `(units + 2) * 4` bytes.
pub(crate) fn ah(next: u8, units: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0xa5; (usize::from(units) + 2) * 4];
    h[0] = next;
    h[1] = units;
    h[2] = 0;
    h[3] = 0;
    cat(&h, payload)
}

/// An IPv6 fragment header: offset in 8-byte units, M flag.
pub(crate) fn frag6(next: u8, offset: u16, more: bool, payload: &[u8]) -> Vec<u8> {
    let off = (offset << 3) | u16::from(more);
    let mut h = vec![next, 0];
    h.extend_from_slice(&off.to_be_bytes());
    h.extend_from_slice(&0xdead_beef_u32.to_be_bytes());
    cat(&h, payload)
}

/// A TCP header with `flags` (low 9 bits) and `opt_words` words of options (NOPs).
pub(crate) fn tcp(sport: u16, dport: u16, flags: u16, opt_words: u8, payload: &[u8]) -> Vec<u8> {
    tcp_doff(
        sport,
        dport,
        flags,
        5 + opt_words,
        usize::from(opt_words) * 4,
        payload,
    )
}

/// A TCP header with an explicit data offset field and `opt_len` option bytes.
pub(crate) fn tcp_doff(
    sport: u16,
    dport: u16,
    flags: u16,
    doff: u8,
    opt_len: usize,
    payload: &[u8],
) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&sport.to_be_bytes());
    h.extend_from_slice(&dport.to_be_bytes());
    h.extend_from_slice(&1000u32.to_be_bytes());
    h.extend_from_slice(&2000u32.to_be_bytes());
    let word = (u16::from(doff) << 12) | (flags & 0x01ff);
    h.extend_from_slice(&word.to_be_bytes());
    h.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
    h.extend(std::iter::repeat_n(1u8, opt_len));
    cat(&h, payload)
}

/// A UDP header.
pub(crate) fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&sport.to_be_bytes());
    h.extend_from_slice(&dport.to_be_bytes());
    h.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    h.extend_from_slice(&[0, 0]);
    cat(&h, payload)
}

/// An SCTP common header.
pub(crate) fn sctp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&sport.to_be_bytes());
    h.extend_from_slice(&dport.to_be_bytes());
    h.extend_from_slice(&[0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0]);
    cat(&h, payload)
}

/// An ICMP or ICMPv6 header (8 bytes).
pub(crate) fn icmp(ty: u8, code: u8, payload: &[u8]) -> Vec<u8> {
    cat(&[ty, code, 0, 0, 0, 1, 0, 1], payload)
}

/// An Ethernet/IPv4 ARP body (28 bytes).
pub(crate) fn arp(op: u16, sha: [u8; 6], spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&sha);
    body.extend_from_slice(&spa);
    body.extend_from_slice(&tha);
    body.extend_from_slice(&tpa);
    arp_raw(1, ETH_P_IP, 6, 4, op, &body)
}

/// An ARP header with any hardware/protocol types and lengths, then `body`.
pub(crate) fn arp_raw(htype: u16, ptype: u16, hlen: u8, plen: u8, op: u16, body: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&htype.to_be_bytes());
    h.extend_from_slice(&ptype.to_be_bytes());
    h.extend_from_slice(&[hlen, plen]);
    h.extend_from_slice(&op.to_be_bytes());
    cat(&h, body)
}

/// `::ffff:a.b.c.d`.
pub(crate) fn mapped(a: [u8; 4]) -> [u8; 16] {
    let mut m = [0u8; 16];
    m[10] = 0xff;
    m[11] = 0xff;
    m[12..].copy_from_slice(&a);
    m
}
