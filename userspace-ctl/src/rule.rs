//! Rules: the condition and action grammar of `rule add`/`rule change`, its
//! encoding into the `match`/`actions` nests, the decoding of `RULE_GET`
//! replies, and the text form `rule show` prints (the same grammar, so a
//! line can be pasted back). Pure code, like the codec.

use std::fmt;
use std::net::IpAddr;

use neli::genl::Nlattr;
use neli::types::Buffer;
use serde_json::{json, Map, Value};

use crate::codec::{
    self, action_attr, actions_attr, attr, attr_type, get_enum, get_mac, get_string, get_u16,
    get_u32, get_u8, get_uint, match_attr, missing, nest_attr, parse_attrs, payload, rule_attr,
    str_attr, u16_attr, u32_attr, u8_attr, ActionType, Attrs, DResult, DecodeError, Direction, Mac,
};

/// Most rule ids one id list may expand to (`VFLOW_MAX_RULES`).
pub const MAX_RULES: usize = 1_048_576;

// ---------------------------------------------------------------------------
// Small value parsers (shared with the other commands)
// ---------------------------------------------------------------------------

/// A number in decimal or, with `0x`, hex.
pub fn parse_u64(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(h, 16).ok()
    } else {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }
}

/// A number of `what` in `min..=max`; the error names the range.
pub fn parse_num(what: &str, s: &str, min: u64, max: u64) -> Result<u64, String> {
    match parse_u64(s) {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(format!(
            "invalid {what} \"{s}\" (expected a number {min}-{max})"
        )),
    }
}

pub fn parse_u32(what: &str, s: &str) -> Result<u32, String> {
    parse_num(what, s, 0, u32::MAX.into()).map(|v| v as u32)
}

/// `N` or `N-M` (inclusive, N <= M) within `min..=max`.
pub fn parse_range(what: &str, s: &str, min: u64, max: u64) -> Result<(u64, Option<u64>), String> {
    match s.split_once('-') {
        None => Ok((parse_num(what, s, min, max)?, None)),
        Some((a, b)) => {
            let lo = parse_num(what, a, min, max)?;
            let hi = parse_num(what, b, min, max)?;
            if lo > hi {
                return Err(format!(
                    "invalid {what} range \"{s}\" (the first number is larger)"
                ));
            }
            Ok((lo, Some(hi)))
        }
    }
}

/// A comma-separated list of rule ids and ranges (`10,12,100-199`), in the
/// order given. Ids are 1 or more; at most [`MAX_RULES`] ids in all.
pub fn parse_id_list(s: &str) -> Result<Vec<u32>, String> {
    let mut out: Vec<u32> = Vec::new();
    if s.is_empty() {
        return Err("empty rule id list".into());
    }
    for part in s.split(',') {
        if part.is_empty() {
            return Err(format!("invalid rule id list \"{s}\" (empty element)"));
        }
        let (lo, hi) = parse_range("rule id", part, 1, u32::MAX.into())?;
        let hi = hi.unwrap_or(lo);
        if out.len() as u64 + (hi - lo + 1) > MAX_RULES as u64 {
            return Err(format!(
                "rule id list \"{s}\" has more than {MAX_RULES} ids"
            ));
        }
        out.extend((lo..=hi).map(|v| v as u32));
    }
    Ok(out)
}

/// `ADDR` or `ADDR/PLEN`, IPv4 or IPv6.
pub fn parse_prefix(what: &str, s: &str) -> Result<(IpAddr, Option<u8>), String> {
    let bad = || format!("invalid {what} \"{s}\" (expected ADDR or ADDR/PLEN, IPv4 or IPv6)");
    let (a, p) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = a.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let plen = match p {
        None => None,
        Some(p) => Some(parse_num(&format!("{what} prefix length"), p, 0, max).map(|v| v as u8)?),
    };
    Ok((addr, plen))
}

/// `MAC` or `MAC/MASK`.
pub fn parse_mac_mask(s: &str) -> Result<(Mac, Option<Mac>), String> {
    match s.split_once('/') {
        None => Ok((s.parse().map_err(|e: codec::BadMac| e.to_string())?, None)),
        Some((m, k)) => Ok((
            m.parse().map_err(|e: codec::BadMac| e.to_string())?,
            Some(k.parse().map_err(|e: codec::BadMac| e.to_string())?),
        )),
    }
}

pub const ETHERTYPES: [(&str, u16); 3] = [("ipv4", 0x0800), ("ipv6", 0x86dd), ("arp", 0x0806)];

pub fn parse_ethertype(s: &str) -> Result<u16, String> {
    if let Some((_, v)) = ETHERTYPES.iter().find(|(n, _)| *n == s) {
        return Ok(*v);
    }
    parse_u64(s)
        .filter(|v| *v <= 0xffff)
        .map(|v| v as u16)
        .ok_or_else(|| {
            format!("invalid ethertype \"{s}\" (expected ipv4, ipv6, arp or a number 0-0xffff)")
        })
}

pub fn ethertype_name(v: u16) -> String {
    match ETHERTYPES.iter().find(|(_, e)| *e == v) {
        Some((n, _)) => n.to_string(),
        None => format!("0x{v:04x}"),
    }
}

pub const PROTOS: [(&str, u8); 5] = [
    ("tcp", 6),
    ("udp", 17),
    ("icmp", 1),
    ("icmpv6", 58),
    ("sctp", 132),
];

pub fn parse_proto(s: &str) -> Result<u8, String> {
    if let Some((_, v)) = PROTOS.iter().find(|(n, _)| *n == s) {
        return Ok(*v);
    }
    parse_u64(s)
        .filter(|v| *v <= 255)
        .map(|v| v as u8)
        .ok_or_else(|| {
            format!("invalid protocol \"{s}\" (expected tcp, udp, icmp, icmpv6, sctp or a number 0-255)")
        })
}

pub fn proto_name(v: u8) -> String {
    match PROTOS.iter().find(|(_, p)| *p == v) {
        Some((n, _)) => n.to_string(),
        None => v.to_string(),
    }
}

pub fn is_icmp(proto: u8) -> bool {
    proto == 1 || proto == 58
}

/// TCP flag names, bit 0 first.
pub const TCP_FLAGS: [&str; 9] = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns"];

fn tcp_flag_bit(name: &str) -> Option<u16> {
    TCP_FLAGS.iter().position(|n| *n == name).map(|i| 1 << i)
}

fn bad_flags(s: &str) -> String {
    format!(
        "invalid tcp-flags \"{s}\" (expected +FLAG/-FLAG sequences like +syn-ack, FLAG,FLAG or \
         VALUE/MASK; flags: {})",
        TCP_FLAGS.join(" ")
    )
}

/// TCP flag conditions: OVS style `+syn-ack` (syn set, ack clear), a
/// comma-separated list `syn,ack` (those set), or numbers `0x2/0x12`.
/// Returns (flags, mask).
pub fn parse_tcp_flags(s: &str) -> Result<(u16, u16), String> {
    let bad = || bad_flags(s);
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        let (v, m) = match s.split_once('/') {
            Some((v, m)) => (v, Some(m)),
            None => (s, None),
        };
        let v = parse_u64(v).filter(|v| *v <= 0x1ff).ok_or_else(bad)? as u16;
        let m = match m {
            Some(m) => parse_u64(m).filter(|m| *m <= 0x1ff).ok_or_else(bad)? as u16,
            None => v,
        };
        return Ok((v & m, m));
    }
    let (mut flags, mut mask) = (0u16, 0u16);
    if s.starts_with(['+', '-']) {
        let mut rest = s;
        while !rest.is_empty() {
            let set = rest.starts_with('+');
            let body = &rest[1..];
            let end = body.find(['+', '-']).unwrap_or(body.len());
            let bit = tcp_flag_bit(&body[..end]).ok_or_else(bad)?;
            if mask & bit != 0 {
                return Err(bad());
            }
            mask |= bit;
            if set {
                flags |= bit;
            }
            rest = &body[end..];
        }
    } else {
        for name in s.split(',') {
            let bit = tcp_flag_bit(name).ok_or_else(bad)?;
            flags |= bit;
            mask |= bit;
        }
    }
    if mask == 0 {
        return Err(bad());
    }
    Ok((flags, mask))
}

/// The form [`parse_tcp_flags`] reads back: `+syn-ack`, or `0xV/0xM` when
/// flags has bits outside mask.
pub fn tcp_flags_text(flags: u16, mask: u16) -> String {
    if flags & !mask != 0 || mask & !0x1ff != 0 || mask == 0 {
        return format!("0x{flags:03x}/0x{mask:03x}");
    }
    let mut s = String::new();
    for (i, n) in TCP_FLAGS.iter().enumerate() {
        let bit = 1u16 << i;
        if mask & bit != 0 {
            s.push(if flags & bit != 0 { '+' } else { '-' });
            s.push_str(n);
        }
    }
    s
}

/// Set TCP flags as a comma list (`syn,ack`), as explain takes them.
pub fn tcp_flag_list(flags: u16) -> String {
    let v: Vec<&str> = TCP_FLAGS
        .iter()
        .enumerate()
        .filter(|(i, _)| flags & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect();
    v.join(",")
}

// ---------------------------------------------------------------------------
// Match
// ---------------------------------------------------------------------------

/// A port in a condition: a device name as typed, or a port id (from the
/// kernel, or `in-port-id N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSel {
    Dev(String),
    Id(u32),
}

/// A rule's conditions; `None` is a wildcard.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Match {
    pub in_port: Option<PortSel>,
    pub out_port: Option<PortSel>,
    pub src_mac: Option<(Mac, Option<Mac>)>,
    pub dst_mac: Option<(Mac, Option<Mac>)>,
    pub ethertype: Option<u16>,
    pub vlan: Option<u16>,
    pub src_ip: Option<(IpAddr, Option<u8>)>,
    pub dst_ip: Option<(IpAddr, Option<u8>)>,
    pub proto: Option<u8>,
    pub src_port: Option<(u16, Option<u16>)>,
    pub dst_port: Option<(u16, Option<u16>)>,
    pub tos: Option<(u8, Option<u8>)>,
    pub tcp_flags: Option<(u16, Option<u16>)>,
}

fn ip_bytes(a: &IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    }
}

/// 4 or 16 bytes as an address.
pub fn ip_from_bytes(what: &str, p: &[u8]) -> DResult<IpAddr> {
    if let Ok(b) = <[u8; 4]>::try_from(p) {
        return Ok(IpAddr::from(b));
    }
    if let Ok(b) = <[u8; 16]>::try_from(p) {
        return Ok(IpAddr::from(b));
    }
    Err(DecodeError(format!("{what}: address of {} bytes", p.len())))
}

fn prefix_text(a: &IpAddr, plen: Option<u8>) -> String {
    let full = if a.is_ipv4() { 32 } else { 128 };
    match plen {
        Some(p) if p != full => format!("{a}/{p}"),
        _ => a.to_string(),
    }
}

fn mac_text(m: &Mac, mask: Option<Mac>) -> String {
    match mask {
        Some(k) if k.0 != [0xff; 6] => format!("{m}/{k}"),
        _ => m.to_string(),
    }
}

fn range_text(lo: u16, hi: Option<u16>) -> String {
    match hi {
        Some(h) if h != lo => format!("{lo}-{h}"),
        _ => lo.to_string(),
    }
}

impl Match {
    pub fn is_empty(&self) -> bool {
        *self == Match::default()
    }

    /// Replace device names by port ids with `resolve`.
    pub fn resolve_ports<E>(
        &mut self,
        mut resolve: impl FnMut(&str) -> Result<u32, E>,
    ) -> Result<(), E> {
        for p in [&mut self.in_port, &mut self.out_port]
            .into_iter()
            .flatten()
        {
            if let PortSel::Dev(d) = p {
                *p = PortSel::Id(resolve(d)?);
            }
        }
        Ok(())
    }

    /// Replace port ids by device names where `name_of` knows them.
    pub fn name_ports(&mut self, name_of: impl Fn(u32) -> Option<String>) {
        for p in [&mut self.in_port, &mut self.out_port]
            .into_iter()
            .flatten()
        {
            if let PortSel::Id(id) = p {
                if let Some(n) = name_of(*id) {
                    *p = PortSel::Dev(n);
                }
            }
        }
    }

    /// The attributes of the `match` nest. Ports must be resolved to ids.
    pub fn encode(&self) -> Result<Vec<Nlattr<u16, Buffer>>, String> {
        use match_attr::*;
        let mut v = Vec::new();
        for (t, p) in [(IN_PORT, &self.in_port), (OUT_PORT, &self.out_port)] {
            match p {
                None => {}
                Some(PortSel::Id(id)) => v.push(u32_attr(t, *id)),
                Some(PortSel::Dev(d)) => return Err(format!("port {d} not resolved")),
            }
        }
        for (t, tm, m) in [
            (SRC_MAC, SRC_MAC_MASK, &self.src_mac),
            (DST_MAC, DST_MAC_MASK, &self.dst_mac),
        ] {
            if let Some((mac, mask)) = m {
                v.push(attr(t, mac.0.to_vec()));
                if let Some(k) = mask {
                    v.push(attr(tm, k.0.to_vec()));
                }
            }
        }
        if let Some(e) = self.ethertype {
            v.push(u16_attr(ETHERTYPE, e));
        }
        if let Some(id) = self.vlan {
            v.push(u16_attr(VLAN_ID, id));
        }
        for (t, tp, ip) in [
            (SRC_IP, SRC_PLEN, &self.src_ip),
            (DST_IP, DST_PLEN, &self.dst_ip),
        ] {
            if let Some((a, plen)) = ip {
                v.push(attr(t, ip_bytes(a)));
                if let Some(p) = plen {
                    v.push(u8_attr(tp, *p));
                }
            }
        }
        if let Some(p) = self.proto {
            v.push(u8_attr(IP_PROTO, p));
        }
        for (tmin, tmax, r) in [
            (SRC_PORT_MIN, SRC_PORT_MAX, &self.src_port),
            (DST_PORT_MIN, DST_PORT_MAX, &self.dst_port),
        ] {
            if let Some((lo, hi)) = r {
                v.push(u16_attr(tmin, *lo));
                if let Some(h) = hi {
                    v.push(u16_attr(tmax, *h));
                }
            }
        }
        if let Some((t, m)) = self.tos {
            v.push(u8_attr(TOS, t));
            if let Some(m) = m {
                v.push(u8_attr(TOS_MASK, m));
            }
        }
        if let Some((f, m)) = self.tcp_flags {
            v.push(u16_attr(TCP_FLAGS, f));
            if let Some(m) = m {
                v.push(u16_attr(TCP_FLAGS_MASK, m));
            }
        }
        Ok(v)
    }

    /// Decode the payload of a `match` nest.
    pub fn decode(bytes: &[u8]) -> DResult<Match> {
        use match_attr::*;
        let mut m = Match::default();
        let (mut src_mask, mut dst_mask, mut src_plen, mut dst_plen) = (None, None, None, None);
        let (mut sp_max, mut dp_max, mut tos_mask, mut flags_mask) = (None, None, None, None);
        for a in parse_attrs(bytes)?.iter() {
            let p = payload(a);
            match attr_type(a) {
                IN_PORT => m.in_port = Some(PortSel::Id(get_u32("match in-port", p)?)),
                OUT_PORT => m.out_port = Some(PortSel::Id(get_u32("match out-port", p)?)),
                SRC_MAC => m.src_mac = Some((get_mac("match src-mac", p)?, None)),
                SRC_MAC_MASK => src_mask = Some(get_mac("match src-mac-mask", p)?),
                DST_MAC => m.dst_mac = Some((get_mac("match dst-mac", p)?, None)),
                DST_MAC_MASK => dst_mask = Some(get_mac("match dst-mac-mask", p)?),
                ETHERTYPE => m.ethertype = Some(get_u16("match ethertype", p)?),
                VLAN_ID => m.vlan = Some(get_u16("match vlan-id", p)?),
                SRC_IP => m.src_ip = Some((ip_from_bytes("match src-ip", p)?, None)),
                SRC_PLEN => src_plen = Some(get_u8("match src-plen", p)?),
                DST_IP => m.dst_ip = Some((ip_from_bytes("match dst-ip", p)?, None)),
                DST_PLEN => dst_plen = Some(get_u8("match dst-plen", p)?),
                IP_PROTO => m.proto = Some(get_u8("match ip-proto", p)?),
                SRC_PORT_MIN => m.src_port = Some((get_u16("match src-port-min", p)?, None)),
                SRC_PORT_MAX => sp_max = Some(get_u16("match src-port-max", p)?),
                DST_PORT_MIN => m.dst_port = Some((get_u16("match dst-port-min", p)?, None)),
                DST_PORT_MAX => dp_max = Some(get_u16("match dst-port-max", p)?),
                TOS => m.tos = Some((get_u8("match tos", p)?, None)),
                TOS_MASK => tos_mask = Some(get_u8("match tos-mask", p)?),
                TCP_FLAGS => m.tcp_flags = Some((get_u16("match tcp-flags", p)?, None)),
                TCP_FLAGS_MASK => flags_mask = Some(get_u16("match tcp-flags-mask", p)?),
                _ => {}
            }
        }
        // A mask or bound without its value: keep it visible, on a zero value.
        if let Some(k) = src_mask {
            m.src_mac.get_or_insert((Mac::default(), None)).1 = Some(k);
        }
        if let Some(k) = dst_mask {
            m.dst_mac.get_or_insert((Mac::default(), None)).1 = Some(k);
        }
        if let (Some(ip), Some(p)) = (&mut m.src_ip, src_plen) {
            ip.1 = Some(p);
        }
        if let (Some(ip), Some(p)) = (&mut m.dst_ip, dst_plen) {
            ip.1 = Some(p);
        }
        if let Some(h) = sp_max {
            m.src_port.get_or_insert((0, None)).1 = Some(h);
        }
        if let Some(h) = dp_max {
            m.dst_port.get_or_insert((0, None)).1 = Some(h);
        }
        if let Some(k) = tos_mask {
            m.tos.get_or_insert((0, None)).1 = Some(k);
        }
        if let Some(k) = flags_mask {
            m.tcp_flags.get_or_insert((0, None)).1 = Some(k);
        }
        Ok(m)
    }

    /// JSON object: the spec's attribute names in snake_case; ports as ids
    /// (`in_port`) and, where known, device names (`in_port_dev`).
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        for (k, p) in [("in_port", &self.in_port), ("out_port", &self.out_port)] {
            match p {
                Some(PortSel::Id(id)) => {
                    o.insert(k.into(), json!(id));
                }
                Some(PortSel::Dev(d)) => {
                    o.insert(format!("{k}_dev"), json!(d));
                }
                None => {}
            }
        }
        for (k, m) in [("src_mac", &self.src_mac), ("dst_mac", &self.dst_mac)] {
            if let Some((mac, mask)) = m {
                o.insert(k.into(), json!(mac.to_string()));
                if let Some(mask) = mask {
                    o.insert(format!("{k}_mask"), json!(mask.to_string()));
                }
            }
        }
        if let Some(e) = self.ethertype {
            o.insert("ethertype".into(), json!(e));
        }
        if let Some(v) = self.vlan {
            o.insert("vlan_id".into(), json!(v));
        }
        for (k, kp, ip) in [
            ("src_ip", "src_plen", &self.src_ip),
            ("dst_ip", "dst_plen", &self.dst_ip),
        ] {
            if let Some((a, plen)) = ip {
                o.insert(k.into(), json!(a.to_string()));
                if let Some(p) = plen {
                    o.insert(kp.into(), json!(p));
                }
            }
        }
        if let Some(p) = self.proto {
            o.insert("ip_proto".into(), json!(p));
        }
        for (k, r) in [("src_port", &self.src_port), ("dst_port", &self.dst_port)] {
            if let Some((lo, hi)) = r {
                o.insert(format!("{k}_min"), json!(lo));
                if let Some(h) = hi {
                    o.insert(format!("{k}_max"), json!(h));
                }
            }
        }
        if let Some((t, m)) = self.tos {
            o.insert("tos".into(), json!(t));
            if let Some(m) = m {
                o.insert("tos_mask".into(), json!(m));
            }
        }
        if let Some((f, m)) = self.tcp_flags {
            o.insert("tcp_flags".into(), json!(f));
            if let Some(m) = m {
                o.insert("tcp_flags_mask".into(), json!(m));
            }
        }
        Value::Object(o)
    }
}

impl fmt::Display for Match {
    /// The conditions in the `rule add` grammar, or `any` when there are none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut w: Vec<String> = Vec::new();
        for (k, p) in [("in-port", &self.in_port), ("out-port", &self.out_port)] {
            match p {
                Some(PortSel::Dev(d)) => w.push(format!("{k} {d}")),
                Some(PortSel::Id(id)) => w.push(format!("{k}-id {id}")),
                None => {}
            }
        }
        for (k, m) in [("src-mac", &self.src_mac), ("dst-mac", &self.dst_mac)] {
            if let Some((mac, mask)) = m {
                w.push(format!("{k} {}", mac_text(mac, *mask)));
            }
        }
        if let Some(e) = self.ethertype {
            w.push(format!("ethertype {}", ethertype_name(e)));
        }
        if let Some(v) = self.vlan {
            w.push(format!("vlan {v}"));
        }
        for (k, ip) in [("src-ip", &self.src_ip), ("dst-ip", &self.dst_ip)] {
            if let Some((a, plen)) = ip {
                w.push(format!("{k} {}", prefix_text(a, *plen)));
            }
        }
        if let Some(p) = self.proto {
            w.push(format!("proto {}", proto_name(p)));
        }
        let icmp = self.proto.is_some_and(is_icmp);
        for (k, ki, r) in [
            ("src-port", "icmp-type", &self.src_port),
            ("dst-port", "icmp-code", &self.dst_port),
        ] {
            if let Some((lo, hi)) = r {
                if icmp && hi.is_none_or(|h| h == *lo) && *lo <= 255 {
                    w.push(format!("{ki} {lo}"));
                } else {
                    w.push(format!("{k} {}", range_text(*lo, *hi)));
                }
            }
        }
        if let Some((t, m)) = self.tos {
            match m {
                Some(0xfc) if t & 3 == 0 => w.push(format!("dscp {}", t >> 2)),
                Some(m) if m != 0xff => w.push(format!("tos 0x{t:02x}/0x{m:02x}")),
                _ => w.push(format!("tos 0x{t:02x}")),
            }
        }
        if let Some((fl, m)) = self.tcp_flags {
            w.push(format!("tcp-flags {}", tcp_flags_text(fl, m.unwrap_or(fl))));
        }
        if w.is_empty() {
            f.write_str("any")
        } else {
            f.write_str(&w.join(" "))
        }
    }
}

// ---------------------------------------------------------------------------
// The rule grammar
// ---------------------------------------------------------------------------

/// What `rule add`/`rule change` says after `SWITCH`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleArgs {
    pub id: u32,
    pub priority: Option<u32>,
    /// `None`: no condition given (for change: keep the match).
    pub matches: Option<Match>,
    /// `None`: no action given (for change: keep the actions).
    pub actions: Option<Vec<ActionType>>,
}

/// Keywords of the condition grammar, for error messages and the man page.
pub const CONDITIONS: [&str; 18] = [
    "in-port",
    "out-port",
    "in-port-id",
    "out-port-id",
    "src-mac",
    "dst-mac",
    "ethertype",
    "vlan",
    "src-ip",
    "dst-ip",
    "proto",
    "src-port",
    "dst-port",
    "icmp-type",
    "icmp-code",
    "dscp",
    "tos",
    "tcp-flags",
];

fn set_once<T>(slot: &mut Option<T>, v: T, kw: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("\"{kw}\" given more than once"));
    }
    *slot = Some(v);
    Ok(())
}

fn is_action_word(w: &str) -> bool {
    matches!(w, "allow" | "deny" | "count")
}

/// Parse the words after `SWITCH` of `rule add` (`change` = false) or
/// `rule change` (`change` = true). `Ok(None)`: help was asked for.
pub fn parse_rule_args(args: &[String], change: bool) -> Result<Option<RuleArgs>, String> {
    let mut id = None;
    let mut priority = None;
    let mut m = Match::default();
    let mut any = false;
    let mut conds = 0usize;
    let mut actions: Vec<ActionType> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let kw = args[i].as_str();
        if crate::HELP_WORDS.contains(&kw) {
            return Ok(None);
        }
        i += 1;
        if kw == "action" || is_action_word(kw) {
            if kw == "action" && !args.get(i).is_some_and(|w| is_action_word(w)) {
                return Err("\"action\" needs allow, deny or count".into());
            }
            let start = if kw == "action" { i } else { i - 1 };
            let mut j = start;
            while j < args.len() && is_action_word(&args[j]) {
                let a: ActionType = args[j]
                    .parse()
                    .map_err(|e: codec::BadKeyword| e.to_string())?;
                if actions.contains(&a) {
                    return Err(format!("action \"{a}\" given more than once"));
                }
                actions.push(a);
                j += 1;
            }
            i = j;
            continue;
        }
        if kw == "any" {
            any = true;
            continue;
        }
        let Some(val) = args.get(i) else {
            return Err(format!("\"{kw}\" needs a value"));
        };
        let val = val.as_str();
        i += 1;
        match kw {
            "id" => set_once(
                &mut id,
                parse_num("rule id", val, 1, u32::MAX.into())? as u32,
                kw,
            )?,
            "prio" | "priority" => set_once(&mut priority, parse_u32("priority", val)?, "prio")?,
            _ => {
                conds += 1;
                parse_condition(&mut m, kw, val)?;
            }
        }
    }
    let Some(id) = id else {
        return Err("\"id N\" is required".into());
    };
    if any && conds > 0 {
        return Err("\"any\" cannot be combined with conditions".into());
    }
    check_match(&m)?;
    let n_terminal = actions
        .iter()
        .filter(|a| matches!(a, ActionType::Allow | ActionType::Deny))
        .count();
    if n_terminal > 1 {
        return Err("a rule takes one of allow or deny, not both".into());
    }
    let actions = if actions.is_empty() {
        if !change {
            return Err("\"action allow\" or \"action deny\" is required".into());
        }
        None
    } else {
        if n_terminal == 0 {
            return Err("count needs allow or deny (\"action allow count\")".into());
        }
        // The terminal action first, then the others in the given order.
        actions.sort_by_key(|a| !matches!(a, ActionType::Allow | ActionType::Deny));
        Some(actions)
    };
    Ok(Some(RuleArgs {
        id,
        priority,
        matches: if any || conds > 0 { Some(m) } else { None },
        actions,
    }))
}

/// One `KEYWORD VALUE` condition into `m`.
pub fn parse_condition(m: &mut Match, kw: &str, val: &str) -> Result<(), String> {
    match kw {
        "in-port" => set_once(&mut m.in_port, PortSel::Dev(val.into()), "in-port"),
        "out-port" => set_once(&mut m.out_port, PortSel::Dev(val.into()), "out-port"),
        "in-port-id" => set_once(
            &mut m.in_port,
            PortSel::Id(parse_u32("port id", val)?),
            "in-port",
        ),
        "out-port-id" => set_once(
            &mut m.out_port,
            PortSel::Id(parse_u32("port id", val)?),
            "out-port",
        ),
        "src-mac" => set_once(&mut m.src_mac, parse_mac_mask(val)?, kw),
        "dst-mac" => set_once(&mut m.dst_mac, parse_mac_mask(val)?, kw),
        "ethertype" => set_once(&mut m.ethertype, parse_ethertype(val)?, kw),
        "vlan" => set_once(&mut m.vlan, parse_num("vlan", val, 0, 4095)? as u16, kw),
        "src-ip" => set_once(&mut m.src_ip, parse_prefix("src-ip", val)?, kw),
        "dst-ip" => set_once(&mut m.dst_ip, parse_prefix("dst-ip", val)?, kw),
        "proto" => set_once(&mut m.proto, parse_proto(val)?, kw),
        "src-port" | "dst-port" => {
            let (lo, hi) = parse_range(kw, val, 0, 65535)?;
            let slot = if kw == "src-port" {
                &mut m.src_port
            } else {
                &mut m.dst_port
            };
            set_once(slot, (lo as u16, hi.map(|h| h as u16)), kw)
        }
        "icmp-type" => set_once(
            &mut m.src_port,
            (parse_num("icmp-type", val, 0, 255)? as u16, None),
            "icmp-type/src-port",
        ),
        "icmp-code" => set_once(
            &mut m.dst_port,
            (parse_num("icmp-code", val, 0, 255)? as u16, None),
            "icmp-code/dst-port",
        ),
        "dscp" => set_once(
            &mut m.tos,
            ((parse_num("dscp", val, 0, 63)? as u8) << 2, Some(0xfc)),
            "dscp/tos",
        ),
        "tos" => {
            let (t, k) = match val.split_once('/') {
                Some((t, k)) => (t, Some(k)),
                None => (val, None),
            };
            let t = parse_num("tos", t, 0, 255)? as u8;
            let k = k.map(|k| parse_num("tos mask", k, 0, 255)).transpose()?;
            set_once(&mut m.tos, (t, k.map(|k| k as u8)), "dscp/tos")
        }
        "tcp-flags" => {
            let (f, k) = parse_tcp_flags(val)?;
            set_once(&mut m.tcp_flags, (f, Some(k)), kw)
        }
        _ => Err(format!(
            "unknown argument \"{kw}\" (expected id, prio, action, any or a condition: {})",
            CONDITIONS.join(" ")
        )),
    }
}

/// Consistency the kernel would refuse less helpfully.
fn check_match(m: &Match) -> Result<(), String> {
    let v4 = |ip: &Option<(IpAddr, Option<u8>)>| ip.map(|(a, _)| a.is_ipv4());
    if let (Some(a), Some(b)) = (v4(&m.src_ip), v4(&m.dst_ip)) {
        if a != b {
            return Err("src-ip and dst-ip must both be IPv4 or both IPv6".into());
        }
    }
    if let (Some(e), Some(is4)) = (m.ethertype, v4(&m.src_ip).or(v4(&m.dst_ip))) {
        let want = if is4 { 0x0800 } else { 0x86dd };
        if e != want {
            return Err(format!(
                "ethertype {} contradicts an {} address",
                ethertype_name(e),
                if is4 { "IPv4" } else { "IPv6" }
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Requests and replies
// ---------------------------------------------------------------------------

/// The `actions` nest.
pub fn actions_nest(actions: &[ActionType]) -> Nlattr<u16, Buffer> {
    let inner: Vec<_> = actions
        .iter()
        .map(|a| {
            nest_attr(
                actions_attr::ACTION,
                &[u32_attr(action_attr::TYPE, a.to_u32())],
            )
        })
        .collect();
    nest_attr(rule_attr::ACTIONS, &inner)
}

/// `RULE_NEW`/`RULE_SET`: ports in the match must be resolved to ids.
pub fn encode_rule(switch: &str, r: &RuleArgs) -> Result<Attrs, String> {
    let mut v = vec![
        str_attr(rule_attr::SWITCH, switch),
        u32_attr(rule_attr::ID, r.id),
    ];
    if let Some(p) = r.priority {
        v.push(u32_attr(rule_attr::PRIORITY, p));
    }
    if let Some(m) = &r.matches {
        v.push(nest_attr(rule_attr::MATCH, &m.encode()?));
    }
    if let Some(a) = &r.actions {
        v.push(actions_nest(a));
    }
    Ok(codec::attrs_of(v))
}

/// `RULE_DEL`, `RULE_GET` (do): switch and id. `RULE_GET` dump: switch and
/// optional layer filter (`id` None).
pub fn encode_rule_key(switch: &str, id: Option<u32>, layer: Option<&str>) -> Attrs {
    let mut v = vec![str_attr(rule_attr::SWITCH, switch)];
    if let Some(id) = id {
        v.push(u32_attr(rule_attr::ID, id));
    }
    if let Some(l) = layer {
        v.push(str_attr(rule_attr::LAYER, l));
    }
    codec::attrs_of(v)
}

/// A rule, as `RULE_GET` replies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    pub switch: String,
    pub id: u32,
    pub priority: Option<u32>,
    pub matches_: Match,
    pub actions: Vec<ActionType>,
    pub n_matches: Option<u64>,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    pub refs: Option<u32>,
    pub layer: Option<String>,
    pub direction: Option<Direction>,
}

/// Decode the payload of an `actions` nest.
pub fn decode_actions(bytes: &[u8]) -> DResult<Vec<ActionType>> {
    let mut out = Vec::new();
    for a in parse_attrs(bytes)?.iter() {
        if attr_type(a) != actions_attr::ACTION {
            continue;
        }
        for b in parse_attrs(payload(a))?.iter() {
            if attr_type(b) == action_attr::TYPE {
                out.push(get_enum("action type", payload(b), ActionType::from_u32)?);
            }
        }
    }
    Ok(out)
}

/// Decode the attributes of a `RULE_GET` reply.
pub fn decode_rule(attrs: &Attrs) -> DResult<Rule> {
    use rule_attr::*;
    let mut r = Rule::default();
    let (mut switch, mut id) = (None, None);
    for a in attrs.iter() {
        let p = payload(a);
        match attr_type(a) {
            SWITCH => switch = Some(get_string("rule switch", p)?),
            ID => id = Some(get_u32("rule id", p)?),
            PRIORITY => r.priority = Some(get_u32("rule priority", p)?),
            MATCH => r.matches_ = Match::decode(p)?,
            ACTIONS => r.actions = decode_actions(p)?,
            MATCHES => r.n_matches = Some(get_uint("rule matches", p)?),
            PACKETS => r.packets = Some(get_uint("rule packets", p)?),
            BYTES => r.bytes = Some(get_uint("rule bytes", p)?),
            REFS => r.refs = Some(get_u32("rule refs", p)?),
            LAYER => r.layer = Some(get_string("rule layer", p)?),
            DIRECTION => r.direction = Some(get_enum("rule direction", p, Direction::from_u32)?),
            _ => {}
        }
    }
    r.switch = switch.ok_or_else(|| missing("rule switch"))?;
    r.id = id.ok_or_else(|| missing("rule id"))?;
    Ok(r)
}

impl Rule {
    /// `action allow count`.
    pub fn actions_text(&self) -> String {
        let v: Vec<String> = self.actions.iter().map(|a| a.to_string()).collect();
        if v.is_empty() {
            "action none".into()
        } else {
            format!("action {}", v.join(" "))
        }
    }

    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("switch".into(), json!(self.switch));
        o.insert("id".into(), json!(self.id));
        if let Some(p) = self.priority {
            o.insert("priority".into(), json!(p));
        }
        o.insert("match".into(), self.matches_.to_json());
        o.insert("actions".into(), json!(self.actions));
        for (k, v) in [
            ("matches", self.n_matches),
            ("packets", self.packets),
            ("bytes", self.bytes),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        if let Some(r) = self.refs {
            o.insert("refs".into(), json!(r));
        }
        if let Some(l) = &self.layer {
            o.insert("layer".into(), json!(l));
        }
        if let Some(d) = self.direction {
            o.insert("direction".into(), json!(d));
        }
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::wire::*;
    use crate::codec::{attrs_to_bytes, parse_attrs};
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn add(s: &str) -> RuleArgs {
        parse_rule_args(&words(s), false)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .expect("not help")
    }

    fn add_err(s: &str) -> String {
        match parse_rule_args(&words(s), false) {
            Err(e) => e,
            Ok(r) => panic!("{s}: expected an error, got {r:?}"),
        }
    }

    fn cond(s: &str) -> Match {
        add(&format!("id 1 {s} action allow"))
            .matches
            .expect("conditions")
    }

    // -- value parsers ------------------------------------------------------

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("0"), Some(0));
        assert_eq!(parse_u64("0x1f"), Some(31));
        assert_eq!(parse_u64("0X1F"), Some(31));
        assert_eq!(parse_u64("0x"), None);
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64("+1"), None);
        assert_eq!(parse_u64("1e3"), None);
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_num("vlan", "4095", 0, 4095), Ok(4095));
        assert_eq!(
            parse_num("vlan", "4096", 0, 4095),
            Err("invalid vlan \"4096\" (expected a number 0-4095)".into())
        );
    }

    #[test]
    fn id_lists() {
        assert_eq!(parse_id_list("10"), Ok(vec![10]));
        assert_eq!(
            parse_id_list("10,12,100-103"),
            Ok(vec![10, 12, 100, 101, 102, 103])
        );
        assert_eq!(parse_id_list("5-5"), Ok(vec![5]));
        assert_eq!(parse_id_list("0x10"), Ok(vec![16]));
        assert_eq!(parse_id_list("1-16384").unwrap().len(), 16384);
        assert_eq!(parse_id_list("4294967295"), Ok(vec![u32::MAX]));
        for bad in [
            "",
            "0",
            "1,,2",
            ",1",
            "1,",
            "5-3",
            "a",
            "1-",
            "-1",
            "1-2-3",
            "4294967296",
        ] {
            assert!(parse_id_list(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_id_list("5-3").unwrap_err(),
            "invalid rule id range \"5-3\" (the first number is larger)"
        );
        let e = parse_id_list("1-4294967295").unwrap_err();
        assert!(e.contains("more than 1048576 ids"), "{e}");
        assert_eq!(parse_id_list("1-1048576").unwrap().len(), MAX_RULES);
        assert!(parse_id_list("1-1048576,7").is_err());
    }

    #[test]
    fn prefixes() {
        let v4 = |a, b, c, d| IpAddr::V4(Ipv4Addr::new(a, b, c, d));
        assert_eq!(parse_prefix("x", "10.0.0.1"), Ok((v4(10, 0, 0, 1), None)));
        assert_eq!(
            parse_prefix("x", "10.0.0.0/8"),
            Ok((v4(10, 0, 0, 0), Some(8)))
        );
        assert_eq!(
            parse_prefix("x", "0.0.0.0/0"),
            Ok((v4(0, 0, 0, 0), Some(0)))
        );
        assert_eq!(
            parse_prefix("x", "10.0.0.1/32"),
            Ok((v4(10, 0, 0, 1), Some(32)))
        );
        let v6: IpAddr = "2001:db8::".parse().unwrap();
        assert_eq!(parse_prefix("x", "2001:db8::/32"), Ok((v6, Some(32))));
        assert_eq!(parse_prefix("x", "2001:db8::/128"), Ok((v6, Some(128))));
        for bad in [
            "10.0.0.1/33",
            "2001:db8::/129",
            "10.0.0",
            "10.0.0.1/",
            "/8",
            "x",
            "[::1]",
            "10.0.0.1/-1",
        ] {
            assert!(parse_prefix("src-ip", bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_prefix("src-ip", "10.0.0").unwrap_err(),
            "invalid src-ip \"10.0.0\" (expected ADDR or ADDR/PLEN, IPv4 or IPv6)"
        );
    }

    #[test]
    fn ethertypes_and_protocols() {
        assert_eq!(parse_ethertype("ipv4"), Ok(0x0800));
        assert_eq!(parse_ethertype("ipv6"), Ok(0x86dd));
        assert_eq!(parse_ethertype("arp"), Ok(0x0806));
        assert_eq!(parse_ethertype("0x88cc"), Ok(0x88cc));
        assert_eq!(parse_ethertype("2048"), Ok(0x0800));
        assert!(parse_ethertype("0x10000").is_err());
        assert!(parse_ethertype("IPV4").is_err());
        assert_eq!(ethertype_name(0x0800), "ipv4");
        assert_eq!(ethertype_name(0x88cc), "0x88cc");
        for (n, v) in [
            ("tcp", 6),
            ("udp", 17),
            ("icmp", 1),
            ("icmpv6", 58),
            ("sctp", 132),
        ] {
            assert_eq!(parse_proto(n), Ok(v));
            assert_eq!(proto_name(v), n);
        }
        assert_eq!(parse_proto("47"), Ok(47));
        assert_eq!(proto_name(47), "47");
        assert!(parse_proto("256").is_err());
        assert!(parse_proto("gre").is_err());
    }

    #[test]
    fn tcp_flag_forms() {
        assert_eq!(parse_tcp_flags("+syn-ack"), Ok((0x002, 0x012)));
        assert_eq!(parse_tcp_flags("+syn"), Ok((0x002, 0x002)));
        assert_eq!(parse_tcp_flags("-rst"), Ok((0, 0x004)));
        assert_eq!(
            parse_tcp_flags("+fin+syn+rst+psh+ack+urg+ece+cwr+ns"),
            Ok((0x1ff, 0x1ff))
        );
        assert_eq!(parse_tcp_flags("-ns-cwr"), Ok((0, 0x180)));
        assert_eq!(parse_tcp_flags("syn,ack"), Ok((0x012, 0x012)));
        assert_eq!(parse_tcp_flags("fin"), Ok((0x001, 0x001)));
        assert_eq!(parse_tcp_flags("0x2/0x12"), Ok((0x002, 0x012)));
        assert_eq!(parse_tcp_flags("0x12"), Ok((0x012, 0x012)));
        assert_eq!(parse_tcp_flags("18/0x1ff"), Ok((0x012, 0x1ff)));
        for bad in [
            "",
            "+",
            "+syn+syn",
            "+syn-syn",
            "+bogus",
            "syn,",
            "SYN",
            "0x200",
            "0x2/0x200",
            "+syn,ack",
        ] {
            assert!(parse_tcp_flags(bad).is_err(), "{bad:?}");
        }
        assert!(parse_tcp_flags("+bogus")
            .unwrap_err()
            .contains("fin syn rst psh ack urg ece cwr ns"));
        assert_eq!(tcp_flags_text(0x002, 0x012), "+syn-ack");
        assert_eq!(
            tcp_flags_text(0x1ff, 0x1ff),
            "+fin+syn+rst+psh+ack+urg+ece+cwr+ns"
        );
        assert_eq!(tcp_flags_text(0, 0x004), "-rst");
        assert_eq!(tcp_flags_text(0x012, 0x002), "0x012/0x002");
        assert_eq!(tcp_flag_list(0x012), "syn,ack");
        assert_eq!(tcp_flag_list(0), "");
        // text form reads back
        for (f, m) in [(0x002, 0x012), (0x100, 0x101), (0, 0x1ff), (0x3, 0x7)] {
            assert_eq!(parse_tcp_flags(&tcp_flags_text(f, m)), Ok((f, m)));
        }
    }

    // -- the rule grammar ---------------------------------------------------

    #[test]
    fn minimal_rules() {
        assert_eq!(
            add("id 10 action allow"),
            RuleArgs {
                id: 10,
                priority: None,
                matches: None,
                actions: Some(vec![ActionType::Allow]),
            }
        );
        assert_eq!(add("id 10 deny").actions, Some(vec![ActionType::Deny]));
        assert_eq!(
            add("action deny count id 3").actions,
            Some(vec![ActionType::Deny, ActionType::Count])
        );
        assert_eq!(
            add("id 3 action count allow").actions,
            Some(vec![ActionType::Allow, ActionType::Count])
        );
        assert_eq!(
            add("id 3 count action deny").actions,
            Some(vec![ActionType::Deny, ActionType::Count])
        );
        assert_eq!(
            add("id 3 deny count").actions,
            Some(vec![ActionType::Deny, ActionType::Count])
        );
        assert_eq!(add("id 3 prio 7 allow").priority, Some(7));
        assert_eq!(add("id 3 priority 0 allow").priority, Some(0));
        assert_eq!(add("id 3 any allow").matches, Some(Match::default()));
        assert_eq!(parse_rule_args(&words("id 1 help"), false), Ok(None));
        assert_eq!(parse_rule_args(&words("-h"), false), Ok(None));
    }

    #[test]
    fn every_condition() {
        let m = cond(
            "in-port vm1 out-port vm2 src-mac 02:00:00:00:00:01 \
             dst-mac 02:00:00:00:00:00/ff:ff:ff:00:00:00 ethertype ipv4 vlan 100 \
             src-ip 10.0.0.0/8 dst-ip 10.1.2.3 proto tcp src-port 1024-65535 dst-port 80 \
             dscp 46 tcp-flags +syn-ack",
        );
        assert_eq!(
            m,
            Match {
                in_port: Some(PortSel::Dev("vm1".into())),
                out_port: Some(PortSel::Dev("vm2".into())),
                src_mac: Some((Mac([2, 0, 0, 0, 0, 1]), None)),
                dst_mac: Some((
                    Mac([2, 0, 0, 0, 0, 0]),
                    Some(Mac([0xff, 0xff, 0xff, 0, 0, 0]))
                )),
                ethertype: Some(0x0800),
                vlan: Some(100),
                src_ip: Some((IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), Some(8))),
                dst_ip: Some((IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)), None)),
                proto: Some(6),
                src_port: Some((1024, Some(65535))),
                dst_port: Some((80, None)),
                tos: Some((46 << 2, Some(0xfc))),
                tcp_flags: Some((0x002, Some(0x012))),
            }
        );
        assert_eq!(cond("tos 0x10").tos, Some((0x10, None)));
        assert_eq!(cond("tos 16/0xfc").tos, Some((0x10, Some(0xfc))));
        assert_eq!(cond("in-port-id 3").in_port, Some(PortSel::Id(3)));
        assert_eq!(cond("out-port-id 0").out_port, Some(PortSel::Id(0)));
        let m = cond("proto icmp icmp-type 8 icmp-code 0");
        assert_eq!((m.src_port, m.dst_port), (Some((8, None)), Some((0, None))));
        let m = cond("src-ip 2001:db8::/32 dst-ip 2001:db8::1 ethertype ipv6");
        assert_eq!(m.src_ip, Some(("2001:db8::".parse().unwrap(), Some(32))));
        assert_eq!(
            m.dst_ip,
            Some((
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
                None
            ))
        );
        assert_eq!(cond("ethertype arp").ethertype, Some(0x0806));
        assert_eq!(cond("vlan 0").vlan, Some(0));
        assert_eq!(cond("src-port 0-0").src_port, Some((0, Some(0))));
    }

    #[test]
    fn grammar_errors() {
        for (args, msg) in [
            ("action allow", "\"id N\" is required"),
            ("id 1", "\"action allow\" or \"action deny\" is required"),
            ("id 1 count", "count needs allow or deny"),
            ("id 1 allow deny", "one of allow or deny, not both"),
            ("id 1 allow allow", "action \"allow\" given more than once"),
            ("id 1 action", "\"action\" needs allow, deny or count"),
            ("id 1 action drop", "\"action\" needs allow, deny or count"),
            ("id 0 allow", "invalid rule id \"0\""),
            ("id x allow", "invalid rule id \"x\""),
            ("id 1 id 2 allow", "\"id\" given more than once"),
            (
                "id 1 prio 1 priority 2 allow",
                "\"prio\" given more than once",
            ),
            ("id 1 prio -1 allow", "invalid priority \"-1\""),
            (
                "id 1 vlan 4096 allow",
                "invalid vlan \"4096\" (expected a number 0-4095)",
            ),
            ("id 1 vlan", "\"vlan\" needs a value"),
            (
                "id 1 src-mac 02:00:00:00:00 allow",
                "invalid MAC address \"02:00:00:00:00\"",
            ),
            (
                "id 1 dst-mac 02:00:00:00:00:01/ff allow",
                "invalid MAC address \"ff\"",
            ),
            (
                "id 1 src-ip 10.0.0.1/40 allow",
                "invalid src-ip prefix length \"40\"",
            ),
            ("id 1 dst-ip nope allow", "invalid dst-ip \"nope\""),
            (
                "id 1 src-ip 10.0.0.1 dst-ip ::1 allow",
                "both be IPv4 or both IPv6",
            ),
            (
                "id 1 ethertype ipv6 src-ip 10.0.0.1 allow",
                "ethertype ipv6 contradicts an IPv4 address",
            ),
            (
                "id 1 ethertype arp dst-ip ::1 allow",
                "ethertype arp contradicts an IPv6 address",
            ),
            ("id 1 proto ggp allow", "invalid protocol \"ggp\""),
            ("id 1 src-port 70000 allow", "invalid src-port \"70000\""),
            (
                "id 1 dst-port 90-80 allow",
                "invalid dst-port range \"90-80\"",
            ),
            ("id 1 dst-port 80- allow", "invalid dst-port \"\""),
            ("id 1 icmp-type 256 allow", "invalid icmp-type \"256\""),
            (
                "id 1 src-port 1 icmp-type 3 allow",
                "\"icmp-type/src-port\" given more than once",
            ),
            (
                "id 1 dscp 64 allow",
                "invalid dscp \"64\" (expected a number 0-63)",
            ),
            (
                "id 1 dscp 1 tos 4 allow",
                "\"dscp/tos\" given more than once",
            ),
            ("id 1 tos 256 allow", "invalid tos \"256\""),
            ("id 1 tos 1/0x100 allow", "invalid tos mask \"0x100\""),
            (
                "id 1 tcp-flags +bogus allow",
                "invalid tcp-flags \"+bogus\"",
            ),
            (
                "id 1 in-port a in-port b allow",
                "\"in-port\" given more than once",
            ),
            (
                "id 1 in-port a in-port-id 2 allow",
                "\"in-port\" given more than once",
            ),
            (
                "id 1 any proto tcp allow",
                "\"any\" cannot be combined with conditions",
            ),
            ("id 1 frob 3 allow", "unknown argument \"frob\""),
        ] {
            let e = add_err(args);
            assert!(e.contains(msg), "{args}: {e}");
        }
        let e = add_err("id 1 frob 3 allow");
        assert!(e.contains("in-port out-port"), "{e}");
    }

    #[test]
    fn change_takes_parts() {
        let c = |s: &str| parse_rule_args(&words(s), true).unwrap().unwrap();
        assert_eq!(
            c("id 5 prio 9"),
            RuleArgs {
                id: 5,
                priority: Some(9),
                matches: None,
                actions: None
            }
        );
        assert_eq!(c("id 5 any").matches, Some(Match::default()));
        assert_eq!(c("id 5 deny").actions, Some(vec![ActionType::Deny]));
        assert_eq!(c("id 5 proto udp").matches.unwrap().proto, Some(17));
        assert!(parse_rule_args(&words("id 5 count"), true).is_err());
    }

    #[test]
    fn text_reads_back() {
        for s in [
            "any",
            "in-port vm1 out-port vm2",
            "in-port-id 4",
            "src-mac 02:00:00:00:00:01 dst-mac 02:00:00:00:00:00/ff:ff:ff:00:00:00",
            "ethertype arp vlan 5",
            "ethertype 0x88cc",
            "src-ip 10.0.0.0/8 dst-ip 10.1.2.3",
            "src-ip 2001:db8::/32 dst-ip 2001:db8::1",
            "proto tcp src-port 1024-65535 dst-port 80",
            "proto udp dst-port 53",
            "proto icmp icmp-type 8 icmp-code 0",
            "proto icmpv6 icmp-type 128",
            "proto 47",
            "dscp 46",
            "tos 0x10",
            "tos 0x10/0xf0",
            "proto tcp tcp-flags +syn-ack",
        ] {
            let m = if s == "any" {
                Match::default()
            } else {
                cond(s)
            };
            assert_eq!(m.to_string(), s, "text of {s}");
            if s != "any" {
                assert_eq!(cond(&m.to_string()), m, "{s}");
            }
        }
        // forms that print differently but mean the same
        assert_eq!(cond("src-ip 10.0.0.1/32").to_string(), "src-ip 10.0.0.1");
        assert_eq!(
            cond("src-mac 02:00:00:00:00:01/ff:ff:ff:ff:ff:ff").to_string(),
            "src-mac 02:00:00:00:00:01"
        );
        assert_eq!(cond("dst-port 80-80").to_string(), "dst-port 80");
        assert_eq!(cond("tos 16/0xfc").to_string(), "dscp 4");
        assert_eq!(cond("tcp-flags syn,ack").to_string(), "tcp-flags +syn+ack");
        assert_eq!(cond("ethertype 2048").to_string(), "ethertype ipv4");
    }

    // -- encoding -----------------------------------------------------------

    #[test]
    fn encode_every_condition_bytes() {
        let mut r = add(
            "id 10 prio 100 in-port vm1 out-port vm2 src-mac 02:00:00:00:00:01 \
             dst-mac 02:00:00:00:00:00/ff:ff:ff:00:00:00 ethertype ipv4 vlan 100 \
             src-ip 10.0.0.0/8 dst-ip 10.1.2.3 proto tcp src-port 1024-65535 dst-port 80 \
             dscp 46 tcp-flags +syn-ack action allow count",
        );
        // unresolved devices cannot be encoded
        assert_eq!(encode_rule("sw0", &r).unwrap_err(), "port vm1 not resolved");
        r.matches
            .as_mut()
            .unwrap()
            .resolve_ports(|d| Ok::<u32, ()>(if d == "vm1" { 1 } else { 2 }))
            .unwrap();
        let got = attrs_to_bytes(&encode_rule("sw0", &r).unwrap());
        use crate::codec::{
            action_attr as a, actions_attr as al, match_attr as m, rule_attr as ra,
        };
        let want = [
            stra(ra::SWITCH, "sw0"),
            u32a(ra::ID, 10),
            u32a(ra::PRIORITY, 100),
            nest(
                ra::MATCH,
                &[
                    u32a(m::IN_PORT, 1),
                    u32a(m::OUT_PORT, 2),
                    nla(m::SRC_MAC, &[2, 0, 0, 0, 0, 1]),
                    nla(m::DST_MAC, &[2, 0, 0, 0, 0, 0]),
                    nla(m::DST_MAC_MASK, &[0xff, 0xff, 0xff, 0, 0, 0]),
                    u16a(m::ETHERTYPE, 0x0800),
                    u16a(m::VLAN_ID, 100),
                    nla(m::SRC_IP, &[10, 0, 0, 0]),
                    u8a(m::SRC_PLEN, 8),
                    nla(m::DST_IP, &[10, 1, 2, 3]),
                    u8a(m::IP_PROTO, 6),
                    u16a(m::SRC_PORT_MIN, 1024),
                    u16a(m::SRC_PORT_MAX, 65535),
                    u16a(m::DST_PORT_MIN, 80),
                    u8a(m::TOS, 184),
                    u8a(m::TOS_MASK, 0xfc),
                    u16a(m::TCP_FLAGS, 0x002),
                    u16a(m::TCP_FLAGS_MASK, 0x012),
                ],
            ),
            nest(
                ra::ACTIONS,
                &[
                    nest(al::ACTION, &[u32a(a::TYPE, 0)]),
                    nest(al::ACTION, &[u32a(a::TYPE, 2)]),
                ],
            ),
        ]
        .concat();
        assert_eq!(got, want);
        // spot-check raw numbers: the match nest is type 4 | NLA_F_NESTED
        // after switch (8 bytes), id (8) and priority (8)
        assert_eq!(&got[26..28], &(4u16 | 0x8000).to_ne_bytes());
        // a typed VALUE/MASK keeps only the bits of the mask
        assert_eq!(cond("tcp-flags 0x012/0x002").to_string(), "tcp-flags +syn");
    }

    #[test]
    fn encode_ipv6_and_masks() {
        let r = add("id 7 src-ip 2001:db8::/32 dst-ip ::1 src-mac 02:00:00:00:00:01/ff:ff:ff:ff:ff:00 tos 1/3 deny");
        let got = attrs_to_bytes(&encode_rule("s", &r).unwrap());
        use crate::codec::{
            action_attr as a, actions_attr as al, match_attr as m, rule_attr as ra,
        };
        let mut v6 = [0u8; 16];
        v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        let mut lo = [0u8; 16];
        lo[15] = 1;
        let want = [
            stra(ra::SWITCH, "s"),
            u32a(ra::ID, 7),
            nest(
                ra::MATCH,
                &[
                    nla(m::SRC_MAC, &[2, 0, 0, 0, 0, 1]),
                    nla(m::SRC_MAC_MASK, &[0xff, 0xff, 0xff, 0xff, 0xff, 0]),
                    nla(m::SRC_IP, &v6),
                    u8a(m::SRC_PLEN, 32),
                    nla(m::DST_IP, &lo),
                    u8a(m::TOS, 1),
                    u8a(m::TOS_MASK, 3),
                ],
            ),
            nest(ra::ACTIONS, &[nest(al::ACTION, &[u32a(a::TYPE, 1)])]),
        ]
        .concat();
        assert_eq!(got, want);
        // single port: only the min attribute; tcp-flags always with a mask
        let r = add("id 1 proto udp src-port 53 tcp-flags syn allow");
        let got = attrs_to_bytes(&encode_rule("s", &r).unwrap());
        let want_match = nest(
            ra::MATCH,
            &[
                u8a(m::IP_PROTO, 17),
                u16a(m::SRC_PORT_MIN, 53),
                u16a(m::TCP_FLAGS, 2),
                u16a(m::TCP_FLAGS_MASK, 2),
            ],
        );
        assert!(got
            .windows(want_match.len())
            .any(|w| w == want_match.as_slice()));
    }

    #[test]
    fn encode_change_and_keys() {
        use crate::codec::{match_attr as m, rule_attr as ra};
        let r = parse_rule_args(&words("id 5 prio 9"), true)
            .unwrap()
            .unwrap();
        assert_eq!(
            attrs_to_bytes(&encode_rule("sw0", &r).unwrap()),
            [
                stra(ra::SWITCH, "sw0"),
                u32a(ra::ID, 5),
                u32a(ra::PRIORITY, 9)
            ]
            .concat()
        );
        // `any`: an empty match nest replaces the conditions
        let r = parse_rule_args(&words("id 5 any"), true).unwrap().unwrap();
        assert_eq!(
            attrs_to_bytes(&encode_rule("sw0", &r).unwrap()),
            [
                stra(ra::SWITCH, "sw0"),
                u32a(ra::ID, 5),
                nest(ra::MATCH, &[])
            ]
            .concat()
        );
        let _ = m::IN_PORT;
        assert_eq!(
            attrs_to_bytes(&encode_rule_key("sw0", Some(3), None)),
            [stra(ra::SWITCH, "sw0"), u32a(ra::ID, 3)].concat()
        );
        assert_eq!(
            attrs_to_bytes(&encode_rule_key("sw0", None, Some("acl"))),
            [stra(ra::SWITCH, "sw0"), stra(ra::LAYER, "acl")].concat()
        );
        assert_eq!(
            attrs_to_bytes(&encode_rule_key("sw0", None, None)),
            stra(ra::SWITCH, "sw0")
        );
    }

    // -- decoding -----------------------------------------------------------

    pub fn rule_fixture_bytes() -> Vec<u8> {
        use crate::codec::{
            action_attr as a, actions_attr as al, match_attr as m, rule_attr as ra,
        };
        [
            stra(ra::SWITCH, "sw0"),
            u32a(ra::ID, 10),
            u32a(ra::PRIORITY, 100),
            nest(
                ra::MATCH,
                &[
                    u32a(m::IN_PORT, 1),
                    u8a(m::IP_PROTO, 6),
                    u16a(m::DST_PORT_MIN, 80),
                    u16a(m::DST_PORT_MAX, 90),
                    u16a(m::TCP_FLAGS, 2),
                    u16a(m::TCP_FLAGS_MASK, 0x12),
                ],
            ),
            nest(
                ra::ACTIONS,
                &[
                    nest(al::ACTION, &[u32a(a::TYPE, 0)]),
                    nest(al::ACTION, &[u32a(a::TYPE, 2)]),
                ],
            ),
            nla(ra::MATCHES, &3u64.to_ne_bytes()),
            nla(ra::PACKETS, &10u32.to_ne_bytes()),
            nla(ra::BYTES, &1000u64.to_ne_bytes()),
            u32a(ra::REFS, 2),
            stra(ra::LAYER, "acl"),
            u32a(ra::DIRECTION, 1),
            u32a(99, 5), // unknown: ignored
        ]
        .concat()
    }

    #[test]
    fn decode_rule_fixture() {
        let r = decode_rule(&parse_attrs(&rule_fixture_bytes()).unwrap()).unwrap();
        assert_eq!(r.switch, "sw0");
        assert_eq!(r.id, 10);
        assert_eq!(r.priority, Some(100));
        assert_eq!(r.matches_.in_port, Some(PortSel::Id(1)));
        assert_eq!(r.matches_.dst_port, Some((80, Some(90))));
        assert_eq!(r.matches_.tcp_flags, Some((2, Some(0x12))));
        assert_eq!(r.actions, vec![ActionType::Allow, ActionType::Count]);
        assert_eq!(
            (r.n_matches, r.packets, r.bytes, r.refs),
            (Some(3), Some(10), Some(1000), Some(2))
        );
        assert_eq!(r.layer.as_deref(), Some("acl"));
        assert_eq!(r.direction, Some(Direction::In));
        assert_eq!(
            r.matches_.to_string(),
            "in-port-id 1 proto tcp dst-port 80-90 tcp-flags +syn-ack"
        );
        let mut m = r.matches_.clone();
        m.name_ports(|id| (id == 1).then(|| "vm1".to_string()));
        assert_eq!(
            m.to_string(),
            "in-port vm1 proto tcp dst-port 80-90 tcp-flags +syn-ack"
        );
        assert_eq!(r.actions_text(), "action allow count");
    }

    #[test]
    fn decode_rule_errors_and_odd_values() {
        use crate::codec::{match_attr as m, rule_attr as ra};
        let e = decode_rule(&parse_attrs(&u32a(ra::ID, 1)).unwrap()).unwrap_err();
        assert!(e.0.contains("rule switch attribute missing"), "{e}");
        let e = decode_rule(&parse_attrs(&stra(ra::SWITCH, "s")).unwrap()).unwrap_err();
        assert!(e.0.contains("rule id attribute missing"), "{e}");
        let b = [
            stra(ra::SWITCH, "s"),
            u32a(ra::ID, 1),
            nest(ra::MATCH, &[nla(m::SRC_IP, &[1, 2, 3])]),
        ]
        .concat();
        let e = decode_rule(&parse_attrs(&b).unwrap()).unwrap_err();
        assert!(e.0.contains("address of 3 bytes"), "{e}");
        // an unknown action type from a newer kernel is shown as a number
        let b = [
            stra(ra::SWITCH, "s"),
            u32a(ra::ID, 1),
            nest(ra::ACTIONS, &[nest(1, &[u32a(1, 9)])]),
        ]
        .concat();
        let r = decode_rule(&parse_attrs(&b).unwrap()).unwrap();
        assert_eq!(r.actions, vec![ActionType::Other(9)]);
        assert_eq!(r.actions_text(), "action 9");
        assert_eq!(r.matches_.to_string(), "any");
    }

    #[test]
    fn rule_json() {
        let r = decode_rule(&parse_attrs(&rule_fixture_bytes()).unwrap()).unwrap();
        let v = r.to_json();
        assert_eq!(v["id"], 10);
        assert_eq!(v["priority"], 100);
        assert_eq!(v["match"]["in_port"], 1);
        assert_eq!(v["match"]["ip_proto"], 6);
        assert_eq!(v["match"]["dst_port_min"], 80);
        assert_eq!(v["match"]["dst_port_max"], 90);
        assert_eq!(v["match"]["tcp_flags_mask"], 0x12);
        assert_eq!(v["actions"], json!(["allow", "count"]));
        assert_eq!(v["matches"], 3);
        assert_eq!(v["refs"], 2);
        assert_eq!(v["layer"], "acl");
        assert_eq!(v["direction"], "in");
        let m = cond("src-ip 10.0.0.0/8 src-mac 02:00:00:00:00:01/ff:ff:ff:00:00:00 in-port vm1");
        let j = m.to_json();
        assert_eq!(j["src_ip"], "10.0.0.0");
        assert_eq!(j["src_plen"], 8);
        assert_eq!(j["src_mac_mask"], "ff:ff:ff:00:00:00");
        assert_eq!(j["in_port_dev"], "vm1");
    }
}
