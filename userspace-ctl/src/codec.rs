//! Attribute encoding and decoding of vflow objects.
//!
//! Pure code: no sockets, no system calls. The numbers below are copied from
//! `include/uapi/linux/vflow.h`, generated from
//! `Documentation/netlink/specs/vflow.yaml` (the source of truth); the unit
//! tests at the bottom pin them with byte fixtures written out by hand.

use std::fmt;
use std::io::Cursor;
use std::str::FromStr;

use neli::genl::{AttrTypeBuilder, Nlattr, NlattrBuilder};
use neli::types::{Buffer, GenlBuffer};
use neli::FromBytesWithInput;
use serde::{Serialize, Serializer};

/// `VFLOW_FAMILY_NAME`
pub const FAMILY_NAME: &str = "vflow";
/// `VFLOW_FAMILY_VERSION`
pub const FAMILY_VERSION: u8 = 1;

/// `enum { VFLOW_CMD_* }`
pub mod cmd {
    pub const SWITCH_NEW: u8 = 1;
    pub const SWITCH_DEL: u8 = 2;
    pub const SWITCH_GET: u8 = 3;
    pub const PORT_NEW: u8 = 4;
    pub const PORT_DEL: u8 = 5;
    pub const PORT_GET: u8 = 6;
    pub const FDB_GET: u8 = 7;
}

/// `enum { VFLOW_A_STATS_* }`
pub mod stats_attr {
    pub const RX_PACKETS: u16 = 1;
    pub const RX_BYTES: u16 = 2;
    pub const TX_PACKETS: u16 = 3;
    pub const TX_BYTES: u16 = 4;
    pub const DROP_PACKETS: u16 = 5;
    pub const DROP_BYTES: u16 = 6;
    pub const PASS_PACKETS: u16 = 7;
    pub const FLOOD_PACKETS: u16 = 8;
}

/// `enum { VFLOW_A_SWITCH_* }`
pub mod switch_attr {
    pub const NAME: u16 = 1;
    pub const N_PORTS: u16 = 2;
    pub const STATS: u16 = 3;
}

/// `enum { VFLOW_A_PORT_* }`
pub mod port_attr {
    pub const SWITCH: u16 = 1;
    pub const IFINDEX: u16 = 2;
    pub const IFNAME: u16 = 3;
    pub const TYPE: u16 = 4;
    pub const MAC: u16 = 5;
    pub const ID: u16 = 6;
    pub const STATS: u16 = 7;
}

/// `enum { VFLOW_A_FDB_* }`
pub mod fdb_attr {
    pub const SWITCH: u16 = 1;
    pub const MAC: u16 = 2;
    pub const IFINDEX: u16 = 3;
    pub const STATIC: u16 = 4;
}

/// `enum vflow_port_type`
pub const PORT_TYPE_VM: u32 = 0;
pub const PORT_TYPE_UPLINK: u32 = 1;

/// Attributes of one message, as neli parses them (type without flag bits).
pub type Attrs = GenlBuffer<u16, Buffer>;

// ---------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------

/// An Ethernet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// Error for a MAC string that is not six `:`-separated hex octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMac(pub String);

impl fmt::Display for BadMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid MAC address \"{}\" (expected XX:XX:XX:XX:XX:XX)",
            self.0
        )
    }
}

impl FromStr for Mac {
    type Err = BadMac;

    /// Six groups of one or two hex digits separated by `:`, case-insensitive.
    fn from_str(s: &str) -> Result<Self, BadMac> {
        let bad = || BadMac(s.to_string());
        let mut out = [0u8; 6];
        let mut n = 0;
        for part in s.split(':') {
            if n == 6
                || part.is_empty()
                || part.len() > 2
                || !part.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(bad());
            }
            out[n] = u8::from_str_radix(part, 16).map_err(|_| bad())?;
            n += 1;
        }
        if n != 6 {
            return Err(bad());
        }
        Ok(Mac(out))
    }
}

impl Serialize for Mac {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Role of a port (`enum vflow_port_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortType {
    #[default]
    Vm,
    Uplink,
    /// A value this tool does not know (newer kernel).
    Other(u32),
}

impl PortType {
    pub fn from_u32(v: u32) -> Self {
        match v {
            PORT_TYPE_VM => PortType::Vm,
            PORT_TYPE_UPLINK => PortType::Uplink,
            v => PortType::Other(v),
        }
    }

    pub fn to_u32(self) -> u32 {
        match self {
            PortType::Vm => PORT_TYPE_VM,
            PortType::Uplink => PORT_TYPE_UPLINK,
            PortType::Other(v) => v,
        }
    }
}

impl fmt::Display for PortType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortType::Vm => f.write_str("vm"),
            PortType::Uplink => f.write_str("uplink"),
            PortType::Other(v) => write!(f, "{v}"),
        }
    }
}

/// Error for an unknown port type keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPortType(pub String);

impl fmt::Display for BadPortType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid port type \"{}\" (expected vm or uplink)",
            self.0
        )
    }
}

impl FromStr for PortType {
    type Err = BadPortType;

    fn from_str(s: &str) -> Result<Self, BadPortType> {
        match s {
            "vm" => Ok(PortType::Vm),
            "uplink" => Ok(PortType::Uplink),
            _ => Err(BadPortType(s.to_string())),
        }
    }
}

impl Serialize for PortType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PortType::Other(v) => s.serialize_u32(*v),
            t => s.collect_str(t),
        }
    }
}

// ---------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------

/// The `stats` attribute set. Counters the kernel left out read as 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Stats {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub drop_packets: u64,
    pub drop_bytes: u64,
    pub pass_packets: u64,
    pub flood_packets: u64,
}

/// A switch, as `SWITCH_GET` replies.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Switch {
    pub name: String,
    pub n_ports: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<Stats>,
}

/// A port, as `PORT_GET` replies.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Port {
    pub switch: String,
    pub ifindex: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifname: Option<String>,
    /// `vm` when the kernel leaves the attribute out (as the spec says).
    #[serde(rename = "type")]
    pub port_type: PortType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<Mac>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<Stats>,
}

/// One forwarding-table entry, as `FDB_GET` replies.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Fdb {
    pub switch: String,
    pub mac: Mac,
    pub ifindex: u32,
    /// Not a kernel attribute: filled in by the caller with if_indextoname().
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifname: Option<String>,
    #[serde(rename = "static")]
    pub is_static: bool,
}

/// Request of `PORT_NEW`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortNew {
    pub switch: String,
    pub ifname: String,
    /// `None`: leave the attribute out (the kernel then uses vm).
    pub port_type: Option<PortType>,
    pub mac: Option<Mac>,
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// A reply the kernel should not have sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed reply from the kernel: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

type DResult<T> = Result<T, DecodeError>;

fn attr_type(a: &Nlattr<u16, Buffer>) -> u16 {
    *a.nla_type().nla_type()
}

fn payload(a: &Nlattr<u16, Buffer>) -> &[u8] {
    a.nla_payload().as_ref()
}

/// Parse a byte stream of attributes (e.g. a nest's payload).
pub fn parse_attrs(bytes: &[u8]) -> DResult<Attrs> {
    Attrs::from_bytes_with_input(&mut Cursor::new(bytes), bytes.len())
        .map_err(|e| DecodeError(format!("bad attribute stream: {e}")))
}

/// A NUL-terminated string attribute; a missing terminator is tolerated.
fn get_string(what: &str, p: &[u8]) -> DResult<String> {
    let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
    String::from_utf8(p[..end].to_vec())
        .map_err(|_| DecodeError(format!("{what}: string is not UTF-8")))
}

fn get_u32(what: &str, p: &[u8]) -> DResult<u32> {
    let b: [u8; 4] = p
        .try_into()
        .map_err(|_| DecodeError(format!("{what}: u32 of {} bytes", p.len())))?;
    Ok(u32::from_ne_bytes(b))
}

/// A `uint` attribute: 4 or 8 bytes.
fn get_uint(what: &str, p: &[u8]) -> DResult<u64> {
    match p.len() {
        4 => Ok(u32::from_ne_bytes(p.try_into().expect("length checked")).into()),
        8 => Ok(u64::from_ne_bytes(p.try_into().expect("length checked"))),
        n => Err(DecodeError(format!("{what}: uint of {n} bytes"))),
    }
}

fn get_mac(what: &str, p: &[u8]) -> DResult<Mac> {
    let b: [u8; 6] = p
        .try_into()
        .map_err(|_| DecodeError(format!("{what}: MAC of {} bytes", p.len())))?;
    Ok(Mac(b))
}

fn missing(what: &str) -> DecodeError {
    DecodeError(format!("{what} attribute missing"))
}

/// Decode the payload of a `stats` nest.
pub fn decode_stats(bytes: &[u8]) -> DResult<Stats> {
    use stats_attr::*;
    let mut s = Stats::default();
    for a in parse_attrs(bytes)?.iter() {
        let p = payload(a);
        match attr_type(a) {
            RX_PACKETS => s.rx_packets = get_uint("stats rx-packets", p)?,
            RX_BYTES => s.rx_bytes = get_uint("stats rx-bytes", p)?,
            TX_PACKETS => s.tx_packets = get_uint("stats tx-packets", p)?,
            TX_BYTES => s.tx_bytes = get_uint("stats tx-bytes", p)?,
            DROP_PACKETS => s.drop_packets = get_uint("stats drop-packets", p)?,
            DROP_BYTES => s.drop_bytes = get_uint("stats drop-bytes", p)?,
            PASS_PACKETS => s.pass_packets = get_uint("stats pass-packets", p)?,
            FLOOD_PACKETS => s.flood_packets = get_uint("stats flood-packets", p)?,
            _ => {} // newer kernel: ignore unknown counters
        }
    }
    Ok(s)
}

/// Decode the attributes of a `SWITCH_GET` reply.
pub fn decode_switch(attrs: &Attrs) -> DResult<Switch> {
    use switch_attr::*;
    let mut name = None;
    let mut sw = Switch::default();
    for a in attrs.iter() {
        let p = payload(a);
        match attr_type(a) {
            NAME => name = Some(get_string("switch name", p)?),
            N_PORTS => sw.n_ports = get_u32("switch n-ports", p)?,
            STATS => sw.stats = Some(decode_stats(p)?),
            _ => {}
        }
    }
    sw.name = name.ok_or_else(|| missing("switch name"))?;
    Ok(sw)
}

/// Decode the attributes of a `PORT_GET` reply.
pub fn decode_port(attrs: &Attrs) -> DResult<Port> {
    use port_attr::*;
    let mut switch = None;
    let mut ifindex = None;
    let mut port = Port::default();
    for a in attrs.iter() {
        let p = payload(a);
        match attr_type(a) {
            SWITCH => switch = Some(get_string("port switch", p)?),
            IFINDEX => ifindex = Some(get_u32("port ifindex", p)?),
            IFNAME => port.ifname = Some(get_string("port ifname", p)?),
            TYPE => port.port_type = PortType::from_u32(get_u32("port type", p)?),
            MAC => port.mac = Some(get_mac("port mac", p)?),
            ID => port.id = Some(get_u32("port id", p)?),
            STATS => port.stats = Some(decode_stats(p)?),
            _ => {}
        }
    }
    port.switch = switch.ok_or_else(|| missing("port switch"))?;
    port.ifindex = ifindex.ok_or_else(|| missing("port ifindex"))?;
    Ok(port)
}

/// Decode the attributes of an `FDB_GET` reply.
pub fn decode_fdb(attrs: &Attrs) -> DResult<Fdb> {
    use fdb_attr::*;
    let mut switch = None;
    let mut mac = None;
    let mut ifindex = None;
    let mut is_static = false;
    for a in attrs.iter() {
        let p = payload(a);
        match attr_type(a) {
            SWITCH => switch = Some(get_string("fdb switch", p)?),
            MAC => mac = Some(get_mac("fdb mac", p)?),
            IFINDEX => ifindex = Some(get_u32("fdb ifindex", p)?),
            STATIC => is_static = true,
            _ => {}
        }
    }
    Ok(Fdb {
        switch: switch.ok_or_else(|| missing("fdb switch"))?,
        mac: mac.ok_or_else(|| missing("fdb mac"))?,
        ifindex: ifindex.ok_or_else(|| missing("fdb ifindex"))?,
        ifname: None,
        is_static,
    })
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// One attribute with a raw payload (neli adds the header and the padding).
pub fn attr(t: u16, payload: Vec<u8>) -> Nlattr<u16, Buffer> {
    NlattrBuilder::default()
        .nla_type(
            AttrTypeBuilder::default()
                .nla_type(t)
                .build()
                .expect("attribute type fully set"),
        )
        .nla_payload(Buffer::from(payload))
        .build()
        .expect("attribute fully set")
}

/// A string attribute: the bytes and a terminating NUL (NLA_NUL_STRING).
/// The length is not checked here: the kernel's policy does it and says why.
pub fn str_attr(t: u16, s: &str) -> Nlattr<u16, Buffer> {
    let mut v = Vec::with_capacity(s.len() + 1);
    v.extend_from_slice(s.as_bytes());
    v.push(0);
    attr(t, v)
}

pub fn u32_attr(t: u16, v: u32) -> Nlattr<u16, Buffer> {
    attr(t, v.to_ne_bytes().to_vec())
}

fn attrs_of(list: Vec<Nlattr<u16, Buffer>>) -> Attrs {
    list.into_iter().collect()
}

/// `SWITCH_NEW`, `SWITCH_DEL`, `SWITCH_GET` (do): the name.
pub fn encode_switch_name(name: &str) -> Attrs {
    attrs_of(vec![str_attr(switch_attr::NAME, name)])
}

/// `PORT_NEW`: switch, ifname (the kernel resolves it in the caller's
/// namespace), and type and mac only when given.
pub fn encode_port_new(req: &PortNew) -> Attrs {
    let mut v = vec![
        str_attr(port_attr::SWITCH, &req.switch),
        str_attr(port_attr::IFNAME, &req.ifname),
    ];
    if let Some(t) = req.port_type {
        v.push(u32_attr(port_attr::TYPE, t.to_u32()));
    }
    if let Some(m) = req.mac {
        v.push(attr(port_attr::MAC, m.0.to_vec()));
    }
    attrs_of(v)
}

/// `PORT_DEL`, `PORT_GET` (do): the ifname.
pub fn encode_port_ifname(ifname: &str) -> Attrs {
    attrs_of(vec![str_attr(port_attr::IFNAME, ifname)])
}

/// `PORT_GET` (dump): optional switch filter.
pub fn encode_port_dump(switch: Option<&str>) -> Attrs {
    attrs_of(
        switch
            .map(|s| str_attr(port_attr::SWITCH, s))
            .into_iter()
            .collect(),
    )
}

/// `FDB_GET` (dump): optional switch filter.
pub fn encode_fdb_dump(switch: Option<&str>) -> Attrs {
    attrs_of(
        switch
            .map(|s| str_attr(fdb_attr::SWITCH, s))
            .into_iter()
            .collect(),
    )
}

/// The wire bytes of an attribute list (headers, payloads, padding).
#[cfg(test)]
pub fn attrs_to_bytes(attrs: &Attrs) -> Vec<u8> {
    use neli::ToBytes;
    let mut c = Cursor::new(Vec::new());
    attrs
        .to_bytes(&mut c)
        .expect("writing to a Vec cannot fail");
    c.into_inner()
}

/// Reply-side encoders, as the kernel would send the objects: used by the
/// tests for round trips.
#[cfg(test)]
pub mod reply {
    use super::*;

    fn u64_attr(t: u16, v: u64) -> Nlattr<u16, Buffer> {
        attr(t, v.to_ne_bytes().to_vec())
    }

    fn nest(t: u16, inner: &Attrs) -> Nlattr<u16, Buffer> {
        let mut a = NlattrBuilder::default()
            .nla_type(
                AttrTypeBuilder::default()
                    .nla_type(t)
                    .nla_nested(true)
                    .build()
                    .unwrap(),
            )
            .nla_payload(Buffer::new())
            .build()
            .unwrap();
        for i in inner.iter() {
            a = a.nest(i).unwrap();
        }
        a
    }

    pub fn stats(s: &Stats) -> Attrs {
        use stats_attr::*;
        attrs_of(vec![
            u64_attr(RX_PACKETS, s.rx_packets),
            u64_attr(RX_BYTES, s.rx_bytes),
            u64_attr(TX_PACKETS, s.tx_packets),
            u64_attr(TX_BYTES, s.tx_bytes),
            u64_attr(DROP_PACKETS, s.drop_packets),
            u64_attr(DROP_BYTES, s.drop_bytes),
            u64_attr(PASS_PACKETS, s.pass_packets),
            u64_attr(FLOOD_PACKETS, s.flood_packets),
        ])
    }

    pub fn switch(sw: &Switch) -> Attrs {
        let mut v = vec![
            str_attr(switch_attr::NAME, &sw.name),
            u32_attr(switch_attr::N_PORTS, sw.n_ports),
        ];
        if let Some(s) = &sw.stats {
            v.push(nest(switch_attr::STATS, &stats(s)));
        }
        attrs_of(v)
    }

    pub fn port(p: &Port) -> Attrs {
        use port_attr::*;
        let mut v = vec![str_attr(SWITCH, &p.switch), u32_attr(IFINDEX, p.ifindex)];
        if let Some(n) = &p.ifname {
            v.push(str_attr(IFNAME, n));
        }
        v.push(u32_attr(TYPE, p.port_type.to_u32()));
        if let Some(m) = p.mac {
            v.push(attr(MAC, m.0.to_vec()));
        }
        if let Some(id) = p.id {
            v.push(u32_attr(ID, id));
        }
        if let Some(s) = &p.stats {
            v.push(nest(STATS, &stats(s)));
        }
        attrs_of(v)
    }

    pub fn fdb(f: &Fdb) -> Attrs {
        use fdb_attr::*;
        let mut v = vec![
            str_attr(SWITCH, &f.switch),
            attr(MAC, f.mac.0.to_vec()),
            u32_attr(IFINDEX, f.ifindex),
        ];
        if f.is_static {
            v.push(attr(STATIC, Vec::new()));
        }
        attrs_of(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One attribute on the wire, written out by hand: len, type, payload,
    /// padding to 4 bytes.
    fn nla(t: u16, payload: &[u8]) -> Vec<u8> {
        let len = 4 + payload.len();
        let mut v = Vec::new();
        v.extend_from_slice(&(len as u16).to_ne_bytes());
        v.extend_from_slice(&t.to_ne_bytes());
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    const NLA_F_NESTED: u16 = 1 << 15;

    // -- numbers ----------------------------------------------------------

    #[test]
    fn numbers_match_uapi_header() {
        // Parse include/uapi/linux/vflow.h when the repository is around,
        // so a renumbering there cannot go unnoticed.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/uapi/linux/vflow.h");
        let Ok(h) = std::fs::read_to_string(path) else {
            return;
        };
        let enums = parse_c_enums(&h);
        let want: &[(&str, u32)] = &[
            ("VFLOW_CMD_SWITCH_NEW", cmd::SWITCH_NEW.into()),
            ("VFLOW_CMD_SWITCH_DEL", cmd::SWITCH_DEL.into()),
            ("VFLOW_CMD_SWITCH_GET", cmd::SWITCH_GET.into()),
            ("VFLOW_CMD_PORT_NEW", cmd::PORT_NEW.into()),
            ("VFLOW_CMD_PORT_DEL", cmd::PORT_DEL.into()),
            ("VFLOW_CMD_PORT_GET", cmd::PORT_GET.into()),
            ("VFLOW_CMD_FDB_GET", cmd::FDB_GET.into()),
            ("VFLOW_A_STATS_RX_PACKETS", stats_attr::RX_PACKETS.into()),
            ("VFLOW_A_STATS_RX_BYTES", stats_attr::RX_BYTES.into()),
            ("VFLOW_A_STATS_TX_PACKETS", stats_attr::TX_PACKETS.into()),
            ("VFLOW_A_STATS_TX_BYTES", stats_attr::TX_BYTES.into()),
            (
                "VFLOW_A_STATS_DROP_PACKETS",
                stats_attr::DROP_PACKETS.into(),
            ),
            ("VFLOW_A_STATS_DROP_BYTES", stats_attr::DROP_BYTES.into()),
            (
                "VFLOW_A_STATS_PASS_PACKETS",
                stats_attr::PASS_PACKETS.into(),
            ),
            (
                "VFLOW_A_STATS_FLOOD_PACKETS",
                stats_attr::FLOOD_PACKETS.into(),
            ),
            ("VFLOW_A_SWITCH_NAME", switch_attr::NAME.into()),
            ("VFLOW_A_SWITCH_N_PORTS", switch_attr::N_PORTS.into()),
            ("VFLOW_A_SWITCH_STATS", switch_attr::STATS.into()),
            ("VFLOW_A_PORT_SWITCH", port_attr::SWITCH.into()),
            ("VFLOW_A_PORT_IFINDEX", port_attr::IFINDEX.into()),
            ("VFLOW_A_PORT_IFNAME", port_attr::IFNAME.into()),
            ("VFLOW_A_PORT_TYPE", port_attr::TYPE.into()),
            ("VFLOW_A_PORT_MAC", port_attr::MAC.into()),
            ("VFLOW_A_PORT_ID", port_attr::ID.into()),
            ("VFLOW_A_PORT_STATS", port_attr::STATS.into()),
            ("VFLOW_A_FDB_SWITCH", fdb_attr::SWITCH.into()),
            ("VFLOW_A_FDB_MAC", fdb_attr::MAC.into()),
            ("VFLOW_A_FDB_IFINDEX", fdb_attr::IFINDEX.into()),
            ("VFLOW_A_FDB_STATIC", fdb_attr::STATIC.into()),
            ("VFLOW_PORT_TYPE_VM", PORT_TYPE_VM),
            ("VFLOW_PORT_TYPE_UPLINK", PORT_TYPE_UPLINK),
        ];
        for (name, val) in want {
            assert_eq!(enums.get(*name), Some(val), "{name}");
        }
        assert!(h.contains(&format!("#define VFLOW_FAMILY_NAME\t\"{FAMILY_NAME}\"")));
        assert!(h.contains(&format!("#define VFLOW_FAMILY_VERSION\t{FAMILY_VERSION}")));
    }

    /// Minimal C enum evaluator: `NAME = N,` sets the counter, `NAME,` counts on.
    fn parse_c_enums(h: &str) -> std::collections::HashMap<String, u32> {
        let mut out = std::collections::HashMap::new();
        let mut next = None;
        for line in h.lines() {
            let l = line.trim();
            if l.starts_with("enum") {
                next = Some(0u32);
                continue;
            }
            if l.starts_with('}') {
                next = None;
                continue;
            }
            let Some(n) = next else { continue };
            let l = l.trim_end_matches(',');
            if !l.starts_with("VFLOW_") {
                continue;
            }
            let (name, val) = match l.split_once('=') {
                Some((a, b)) => match b.trim().parse::<u32>() {
                    Ok(v) => (a.trim(), v),
                    Err(_) => continue, // VFLOW_A_X_MAX = (__... - 1)
                },
                None => (l, n),
            };
            out.insert(name.to_string(), val);
            next = Some(val + 1);
        }
        out
    }

    // -- MAC / port type ----------------------------------------------------

    #[test]
    fn mac_parse_good() {
        assert_eq!(
            "02:00:00:00:00:01".parse::<Mac>().unwrap(),
            Mac([2, 0, 0, 0, 0, 1])
        );
        assert_eq!(
            "AA:bb:Cc:dD:ee:FF".parse::<Mac>().unwrap(),
            Mac([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])
        );
        assert_eq!(
            "2:0:0:0:0:a".parse::<Mac>().unwrap(),
            Mac([2, 0, 0, 0, 0, 10])
        );
    }

    #[test]
    fn mac_parse_bad() {
        for s in [
            "",
            "02:00:00:00:00",
            "02:00:00:00:00:01:02",
            "02:00:00:00:00:001",
            "02:00:00:00:00:0g",
            "02-00-00-00-00-01",
            "02:00:00:00::01",
            "020000000001",
            " 02:00:00:00:00:01",
            "02:00:00:00:00:01:",
            "+2:00:00:00:00:01",
        ] {
            let e = s.parse::<Mac>().unwrap_err();
            assert_eq!(e, BadMac(s.to_string()));
        }
        assert_eq!(
            BadMac("zz".into()).to_string(),
            "invalid MAC address \"zz\" (expected XX:XX:XX:XX:XX:XX)"
        );
    }

    #[test]
    fn mac_display() {
        assert_eq!(
            Mac([0x02, 0xab, 0, 0, 0, 0x0f]).to_string(),
            "02:ab:00:00:00:0f"
        );
        assert_eq!(
            serde_json::to_string(&Mac([2, 0, 0, 0, 0, 1])).unwrap(),
            "\"02:00:00:00:00:01\""
        );
    }

    #[test]
    fn port_type_parse() {
        assert_eq!("vm".parse::<PortType>().unwrap(), PortType::Vm);
        assert_eq!("uplink".parse::<PortType>().unwrap(), PortType::Uplink);
        assert!("VM".parse::<PortType>().is_err());
        assert!("trunk".parse::<PortType>().is_err());
        assert_eq!(PortType::from_u32(0), PortType::Vm);
        assert_eq!(PortType::from_u32(1), PortType::Uplink);
        assert_eq!(PortType::from_u32(7), PortType::Other(7));
        assert_eq!(
            serde_json::to_string(&PortType::Uplink).unwrap(),
            "\"uplink\""
        );
        assert_eq!(serde_json::to_string(&PortType::Other(7)).unwrap(), "7");
    }

    // -- requests: exact bytes -------------------------------------------

    #[test]
    fn encode_switch_name_bytes() {
        let got = attrs_to_bytes(&encode_switch_name("sw0"));
        // len 8 = 4 + "sw0\0", type 1 (VFLOW_A_SWITCH_NAME), no padding needed.
        assert_eq!(got, cat(&[nla(1, b"sw0\0")]));
        assert_eq!(got.len(), 8);
        let got = attrs_to_bytes(&encode_switch_name("switch1"));
        assert_eq!(got, nla(1, b"switch1\0"));
        let got = attrs_to_bytes(&encode_switch_name("ab"));
        assert_eq!(got, vec![7, 0, 1, 0, b'a', b'b', 0, 0]);
    }

    #[test]
    fn encode_long_name_passed_through() {
        // 16 characters: longer than VFLOW_NAME_MAX_LEN; the kernel refuses it.
        let name = "abcdefghijklmnop";
        let got = attrs_to_bytes(&encode_switch_name(name));
        assert_eq!(got, nla(1, b"abcdefghijklmnop\0"));
    }

    #[test]
    fn encode_port_new_minimal() {
        let req = PortNew {
            switch: "sw0".into(),
            ifname: "veth0".into(),
            port_type: None,
            mac: None,
        };
        let got = attrs_to_bytes(&encode_port_new(&req));
        // PORT_SWITCH = 1, PORT_IFNAME = 3; no TYPE, no MAC, no IFINDEX.
        assert_eq!(got, cat(&[nla(1, b"sw0\0"), nla(3, b"veth0\0")]));
    }

    #[test]
    fn encode_port_new_full() {
        let req = PortNew {
            switch: "sw0".into(),
            ifname: "eth1".into(),
            port_type: Some(PortType::Uplink),
            mac: Some(Mac([2, 0, 0, 0, 0, 1])),
        };
        let got = attrs_to_bytes(&encode_port_new(&req));
        let want = cat(&[
            nla(1, b"sw0\0"),
            nla(3, b"eth1\0"),
            nla(4, &1u32.to_ne_bytes()),
            nla(5, &[2, 0, 0, 0, 0, 1]),
        ]);
        assert_eq!(got, want);
        // mac attribute: len 10, padded to 12
        assert_eq!(&got[got.len() - 12..got.len() - 8], &[10, 0, 5, 0]);
        assert_eq!(&got[got.len() - 2..], &[0, 0]);

        let req = PortNew {
            port_type: Some(PortType::Vm),
            mac: None,
            ..req
        };
        let got = attrs_to_bytes(&encode_port_new(&req));
        assert_eq!(
            got,
            cat(&[
                nla(1, b"sw0\0"),
                nla(3, b"eth1\0"),
                nla(4, &0u32.to_ne_bytes())
            ])
        );
    }

    #[test]
    fn encode_port_ifname_bytes() {
        assert_eq!(
            attrs_to_bytes(&encode_port_ifname("veth0")),
            nla(3, b"veth0\0")
        );
    }

    #[test]
    fn encode_dump_filters() {
        assert!(attrs_to_bytes(&encode_port_dump(None)).is_empty());
        assert_eq!(
            attrs_to_bytes(&encode_port_dump(Some("sw0"))),
            nla(1, b"sw0\0")
        );
        assert!(attrs_to_bytes(&encode_fdb_dump(None)).is_empty());
        assert_eq!(
            attrs_to_bytes(&encode_fdb_dump(Some("sw1"))),
            nla(1, b"sw1\0")
        );
    }

    // -- replies: hand-built fixtures -------------------------------------

    fn stats_fixture_u64() -> Vec<u8> {
        cat(&[
            nla(1, &12u64.to_ne_bytes()),
            nla(2, &1008u64.to_ne_bytes()),
            nla(3, &3u64.to_ne_bytes()),
            nla(4, &252u64.to_ne_bytes()),
            nla(5, &1u64.to_ne_bytes()),
            nla(6, &60u64.to_ne_bytes()),
            nla(7, &4u64.to_ne_bytes()),
            nla(8, &5u64.to_ne_bytes()),
        ])
    }

    fn stats_fixture_want() -> Stats {
        Stats {
            rx_packets: 12,
            rx_bytes: 1008,
            tx_packets: 3,
            tx_bytes: 252,
            drop_packets: 1,
            drop_bytes: 60,
            pass_packets: 4,
            flood_packets: 5,
        }
    }

    #[test]
    fn decode_stats_u64_and_u32() {
        assert_eq!(
            decode_stats(&stats_fixture_u64()).unwrap(),
            stats_fixture_want()
        );
        // Same counters as 4-byte uints (the kernel's nla_put_uint does that
        // for values that fit in 32 bits).
        let b = cat(&[
            nla(1, &12u32.to_ne_bytes()),
            nla(2, &1008u32.to_ne_bytes()),
            nla(3, &3u32.to_ne_bytes()),
            nla(4, &252u32.to_ne_bytes()),
            nla(5, &1u32.to_ne_bytes()),
            nla(6, &60u32.to_ne_bytes()),
            nla(7, &4u32.to_ne_bytes()),
            nla(8, &5u32.to_ne_bytes()),
        ]);
        assert_eq!(decode_stats(&b).unwrap(), stats_fixture_want());
        // Mixed, large value, unknown counter 9 ignored, missing ones read 0.
        let b = cat(&[
            nla(1, &(u64::MAX - 1).to_ne_bytes()),
            nla(3, &7u32.to_ne_bytes()),
            nla(9, &1u32.to_ne_bytes()),
        ]);
        let s = decode_stats(&b).unwrap();
        assert_eq!(s.rx_packets, u64::MAX - 1);
        assert_eq!(s.tx_packets, 7);
        assert_eq!(s.rx_bytes, 0);
    }

    #[test]
    fn decode_stats_bad_len() {
        let b = nla(1, &[1, 2, 3]);
        let e = decode_stats(&b).unwrap_err();
        assert!(e.0.contains("uint of 3 bytes"), "{e}");
    }

    #[test]
    fn decode_switch_fixture() {
        let b = cat(&[
            nla(1, b"sw0\0"),
            nla(2, &2u32.to_ne_bytes()),
            nla(3 | NLA_F_NESTED, &stats_fixture_u64()),
        ]);
        let sw = decode_switch(&parse_attrs(&b).unwrap()).unwrap();
        assert_eq!(
            sw,
            Switch {
                name: "sw0".into(),
                n_ports: 2,
                stats: Some(stats_fixture_want()),
            }
        );
        // Without stats, unknown attribute 42 ignored.
        let b = cat(&[nla(42, b"x"), nla(2, &0u32.to_ne_bytes()), nla(1, b"a\0")]);
        let sw = decode_switch(&parse_attrs(&b).unwrap()).unwrap();
        assert_eq!(
            sw,
            Switch {
                name: "a".into(),
                n_ports: 0,
                stats: None
            }
        );
    }

    #[test]
    fn decode_switch_missing_name() {
        let b = nla(2, &2u32.to_ne_bytes());
        let e = decode_switch(&parse_attrs(&b).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "malformed reply from the kernel: switch name attribute missing"
        );
    }

    #[test]
    fn decode_string_without_nul() {
        let b = cat(&[nla(1, b"sw9"), nla(2, &1u32.to_ne_bytes())]);
        assert_eq!(
            decode_switch(&parse_attrs(&b).unwrap()).unwrap().name,
            "sw9"
        );
    }

    #[test]
    fn decode_port_fixture() {
        let b = cat(&[
            nla(1, b"sw0\0"),
            nla(2, &5u32.to_ne_bytes()),
            nla(3, b"veth0\0"),
            nla(4, &0u32.to_ne_bytes()),
            nla(5, &[2, 0, 0, 0, 0, 1]),
            nla(6, &0u32.to_ne_bytes()),
            nla(7 | NLA_F_NESTED, &stats_fixture_u64()),
        ]);
        let p = decode_port(&parse_attrs(&b).unwrap()).unwrap();
        assert_eq!(
            p,
            Port {
                switch: "sw0".into(),
                ifindex: 5,
                ifname: Some("veth0".into()),
                port_type: PortType::Vm,
                mac: Some(Mac([2, 0, 0, 0, 0, 1])),
                id: Some(0),
                stats: Some(stats_fixture_want()),
            }
        );
        // uplink, no mac, no type attribute => vm default
        let b = cat(&[
            nla(1, b"sw0\0"),
            nla(2, &7u32.to_ne_bytes()),
            nla(4, &1u32.to_ne_bytes()),
        ]);
        let p = decode_port(&parse_attrs(&b).unwrap()).unwrap();
        assert_eq!(p.port_type, PortType::Uplink);
        assert_eq!(p.mac, None);
        assert_eq!(p.ifname, None);
        let b = cat(&[nla(1, b"sw0\0"), nla(2, &7u32.to_ne_bytes())]);
        assert_eq!(
            decode_port(&parse_attrs(&b).unwrap()).unwrap().port_type,
            PortType::Vm
        );
    }

    #[test]
    fn decode_port_bad() {
        let b = cat(&[
            nla(1, b"sw0\0"),
            nla(2, &5u32.to_ne_bytes()),
            nla(5, &[1, 2, 3]),
        ]);
        let e = decode_port(&parse_attrs(&b).unwrap()).unwrap_err();
        assert!(e.0.contains("MAC of 3 bytes"), "{e}");
        let b = nla(1, b"sw0\0");
        let e = decode_port(&parse_attrs(&b).unwrap()).unwrap_err();
        assert!(e.0.contains("ifindex attribute missing"), "{e}");
        let b = cat(&[nla(1, b"sw0\0"), nla(2, &5u16.to_ne_bytes())]);
        let e = decode_port(&parse_attrs(&b).unwrap()).unwrap_err();
        assert!(e.0.contains("u32 of 2 bytes"), "{e}");
    }

    #[test]
    fn decode_fdb_fixture() {
        let b = cat(&[
            nla(1, b"sw0\0"),
            nla(2, &[2, 0, 0, 0, 0, 1]),
            nla(3, &5u32.to_ne_bytes()),
            nla(4, &[]),
        ]);
        let f = decode_fdb(&parse_attrs(&b).unwrap()).unwrap();
        assert_eq!(
            f,
            Fdb {
                switch: "sw0".into(),
                mac: Mac([2, 0, 0, 0, 0, 1]),
                ifindex: 5,
                ifname: None,
                is_static: true,
            }
        );
        let b = cat(&[
            nla(1, b"sw0\0"),
            nla(2, &[0xaa, 0xbb, 0xcc, 0, 0, 9]),
            nla(3, &6u32.to_ne_bytes()),
        ]);
        assert!(!decode_fdb(&parse_attrs(&b).unwrap()).unwrap().is_static);
        let b = cat(&[nla(1, b"sw0\0"), nla(3, &6u32.to_ne_bytes())]);
        assert!(decode_fdb(&parse_attrs(&b).unwrap()).is_err());
    }

    #[test]
    fn truncated_attribute_stream_is_an_error() {
        let mut b = nla(1, b"sw0\0");
        b.truncate(6);
        assert!(parse_attrs(&b).is_err());
    }

    // -- round trips --------------------------------------------------------

    #[test]
    fn round_trip_switch() {
        for sw in [
            Switch {
                name: "sw0".into(),
                n_ports: 3,
                stats: None,
            },
            Switch {
                name: "a-long-name-15c".into(),
                n_ports: 1024,
                stats: Some(stats_fixture_want()),
            },
        ] {
            let bytes = attrs_to_bytes(&reply::switch(&sw));
            assert_eq!(decode_switch(&parse_attrs(&bytes).unwrap()).unwrap(), sw);
        }
    }

    #[test]
    fn round_trip_port() {
        let p = Port {
            switch: "sw0".into(),
            ifindex: 42,
            ifname: Some("tap1".into()),
            port_type: PortType::Uplink,
            mac: Some(Mac([0xde, 0xad, 0xbe, 0xef, 0, 1])),
            id: Some(9),
            stats: Some(Stats {
                rx_packets: u64::MAX,
                ..Default::default()
            }),
        };
        let bytes = attrs_to_bytes(&reply::port(&p));
        assert_eq!(decode_port(&parse_attrs(&bytes).unwrap()).unwrap(), p);
        let p = Port {
            mac: None,
            id: None,
            stats: None,
            ifname: None,
            port_type: PortType::Vm,
            ..p
        };
        let bytes = attrs_to_bytes(&reply::port(&p));
        assert_eq!(decode_port(&parse_attrs(&bytes).unwrap()).unwrap(), p);
    }

    #[test]
    fn round_trip_fdb() {
        for is_static in [false, true] {
            let f = Fdb {
                switch: "sw1".into(),
                mac: Mac([1, 2, 3, 4, 5, 6]),
                ifindex: 3,
                ifname: None,
                is_static,
            };
            let bytes = attrs_to_bytes(&reply::fdb(&f));
            assert_eq!(decode_fdb(&parse_attrs(&bytes).unwrap()).unwrap(), f);
        }
    }

    #[test]
    fn nested_stats_has_nested_flag() {
        let sw = Switch {
            name: "s".into(),
            n_ports: 0,
            stats: Some(Stats::default()),
        };
        let bytes = attrs_to_bytes(&reply::switch(&sw));
        // name (8) + n_ports (8), then the nest header
        let t = u16::from_ne_bytes([bytes[18], bytes[19]]);
        assert_eq!(t, 3 | NLA_F_NESTED);
    }
}
