//! A second, deliberately naive parser written from the rules in `flowkey`'s documentation: one
//! byte index moving over the frame, every field read by hand and every bound checked by
//! arithmetic on that index. The property tests check that it and `flowkey::parse` agree.

use crate::logic::flowkey::{FlowKey, Frag, Layer, ParseError, ETH_TYPE_802_3};

type R<T> = Result<T, ParseError>;

/// The frame, the read position, and the end of the area being read.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
}

impl Cursor<'_> {
    fn left(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }
    fn need(&self, n: usize, layer: Layer) -> R<()> {
        if self.pos + n <= self.end {
            Ok(())
        } else {
            Err(ParseError::Truncated { layer })
        }
    }
    fn byte(&self, off: usize) -> u8 {
        self.buf[self.pos + off]
    }
    fn be16(&self, off: usize) -> u16 {
        (u16::from(self.byte(off)) << 8) | u16::from(self.byte(off + 1))
    }
    fn array<const N: usize>(&self, off: usize) -> [u8; N] {
        let mut a = [0u8; N];
        for (i, b) in a.iter_mut().enumerate() {
            *b = self.byte(off + i);
        }
        a
    }
}

fn v4(a: [u8; 4]) -> [u8; 16] {
    let mut m = [0u8; 16];
    m[10] = 0xff;
    m[11] = 0xff;
    m[12..].copy_from_slice(&a);
    m
}

pub(crate) fn parse(frame: &[u8]) -> R<FlowKey> {
    let mut k = FlowKey::default();
    let mut c = Cursor {
        buf: frame,
        pos: 0,
        end: frame.len(),
    };
    c.need(14, Layer::Ethernet)?;
    k.dst_mac = c.array(0);
    k.src_mac = c.array(6);
    let mut ty = c.be16(12);
    c.pos = 14;
    let mut tags = 0;
    while (ty == 0x8100 || ty == 0x88a8) && tags < 2 {
        c.need(4, Layer::Vlan)?;
        if tags == 0 {
            k.vlan_id = c.be16(0) % 4096;
        }
        ty = c.be16(2);
        c.pos += 4;
        tags += 1;
    }
    if ty < 1536 {
        ty = ETH_TYPE_802_3;
    }
    k.ethertype = ty;
    match ty {
        0x0806 | 0x8035 => arp(&mut c, &mut k)?,
        0x0800 => ipv4(&mut c, &mut k)?,
        0x86dd => ipv6(&mut c, &mut k)?,
        _ => {}
    }
    Ok(k)
}

fn arp(c: &mut Cursor<'_>, k: &mut FlowKey) -> R<()> {
    c.need(8, Layer::Arp)?;
    let ethernet_ipv4 = c.be16(0) == 1 && c.be16(2) == 0x0800 && c.byte(4) == 6 && c.byte(5) == 4;
    if !ethernet_ipv4 {
        return Ok(());
    }
    c.need(28, Layer::Arp)?;
    k.arp_op = c.be16(6);
    k.src_ip = v4(c.array(14));
    k.dst_ip = v4(c.array(24));
    Ok(())
}

fn ipv4(c: &mut Cursor<'_>, k: &mut FlowKey) -> R<()> {
    c.need(20, Layer::Ipv4)?;
    if c.byte(0) / 16 != 4 {
        return Err(ParseError::BadIpVersion);
    }
    let ihl = usize::from(c.byte(0) % 16) * 4;
    if ihl < 20 {
        return Err(ParseError::BadIpv4Ihl);
    }
    let total = usize::from(c.be16(2));
    if total > 0 && total < ihl {
        return Err(ParseError::BadIpv4TotalLen);
    }
    c.need(ihl, Layer::Ipv4)?;
    if total > 0 && c.pos + total < c.end {
        c.end = c.pos + total;
    }
    k.tos = c.byte(1);
    k.ip_proto = c.byte(9);
    k.src_ip = v4(c.array(12));
    k.dst_ip = v4(c.array(16));
    let offset = c.be16(6) % 8192;
    let more = (c.be16(6) / 8192) % 2 == 1;
    c.pos += ihl;
    if offset > 0 {
        k.frag = Frag::Later;
        return Ok(());
    }
    if more {
        k.frag = Frag::First;
    }
    l4(c, k, k.ip_proto, false)
}

fn ipv6(c: &mut Cursor<'_>, k: &mut FlowKey) -> R<()> {
    c.need(40, Layer::Ipv6)?;
    if c.byte(0) / 16 != 6 {
        return Err(ParseError::BadIpVersion);
    }
    k.tos = ((c.be16(0) / 16) % 256) as u8;
    k.src_ip = c.array(8);
    k.dst_ip = c.array(24);
    let plen = usize::from(c.be16(4));
    let mut next = c.byte(6);
    c.pos += 40;
    if plen > 0 && plen < c.left() {
        c.end = c.pos + plen;
    }
    let mut walked = 0;
    loop {
        let is_ext = matches!(next, 0 | 43 | 44 | 51 | 60);
        if !is_ext {
            break;
        }
        if walked == 8 {
            return Err(ParseError::TooManyExtHeaders);
        }
        walked += 1;
        let len;
        if next == 44 {
            c.need(8, Layer::Ipv6Ext)?;
            let offset = c.be16(2) >> 3;
            next = c.byte(0);
            if offset != 0 {
                k.frag = Frag::Later;
                k.ip_proto = next;
                return Ok(());
            }
            k.frag = Frag::First;
            len = 8;
        } else {
            c.need(2, Layer::Ipv6Ext)?;
            len = if next == 51 {
                4 * (usize::from(c.byte(1)) + 2)
            } else {
                8 * (usize::from(c.byte(1)) + 1)
            };
            next = c.byte(0);
        }
        c.need(len, Layer::Ipv6Ext)?;
        c.pos += len;
    }
    k.ip_proto = next;
    l4(c, k, next, true)
}

fn l4(c: &mut Cursor<'_>, k: &mut FlowKey, proto: u8, v6: bool) -> R<()> {
    match proto {
        6 => {
            c.need(20, Layer::Tcp)?;
            let doff = usize::from(c.byte(12) >> 4) * 4;
            if doff < 20 {
                return Err(ParseError::BadTcpDataOffset);
            }
            c.need(doff, Layer::Tcp)?;
            k.src_port = c.be16(0);
            k.dst_port = c.be16(2);
            k.tcp_flags = (u16::from(c.byte(12) & 1) << 8) | u16::from(c.byte(13));
        }
        17 => {
            c.need(8, Layer::Udp)?;
            k.src_port = c.be16(0);
            k.dst_port = c.be16(2);
        }
        132 => {
            c.need(12, Layer::Sctp)?;
            k.src_port = c.be16(0);
            k.dst_port = c.be16(2);
        }
        1 | 58 if v6 == (proto == 58) => {
            c.need(8, if v6 { Layer::Icmpv6 } else { Layer::Icmp })?;
            k.src_port = u16::from(c.byte(0));
            k.dst_port = u16::from(c.byte(1));
        }
        _ => {}
    }
    Ok(())
}
