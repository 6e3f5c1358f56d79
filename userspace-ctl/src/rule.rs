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
