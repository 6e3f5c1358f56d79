//! Flows and explain: the `flow-key` nest, `FLOW_GET` replies, the explain
//! packet grammar (`tcp 10.0.0.1:1234 -> 10.0.0.2:80 ...`) and its reply.
//! Pure code.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};

use neli::genl::Nlattr;
use neli::types::Buffer;
use serde_json::{json, Map, Value};

use crate::codec::{
    attr, attr_type, attrs_of, explain_attr, explain_step_attr, flow_attr, flow_key_attr, get_enum,
    get_mac, get_string, get_u16, get_u32, get_u8, get_uint, missing, nest_attr, parse_attrs,
    payload, str_attr, u16_attr, u32_attr, u8_attr, Attrs, DResult, Direction, Mac, TcpState,
    Verdict,
};
use crate::rule::{
    ethertype_name, ip_from_bytes, is_icmp, parse_num, parse_proto, parse_tcp_flags, proto_name,
    tcp_flag_list,
};

pub const ETH_P_IP: u16 = 0x0800;
pub const ETH_P_IPV6: u16 = 0x86dd;

/// Header fields of a flow or of explain's packet; `None` is absent (0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlowKey {
    pub src_mac: Option<Mac>,
    pub dst_mac: Option<Mac>,
    pub ethertype: Option<u16>,
    pub vlan: Option<u16>,
    pub src_ip: Option<IpAddr>,
    pub dst_ip: Option<IpAddr>,
    pub proto: Option<u8>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub tos: Option<u8>,
    pub tcp_flags: Option<u16>,
}

fn ip_bytes(a: &IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    }
}

/// Protocols whose flows have ports.
pub fn has_ports(proto: u8) -> bool {
    matches!(proto, 6 | 17 | 132)
}

/// `10.0.0.1:80`, `[2001:db8::1]:80`, or the bare address.
pub fn endpoint_text(a: &IpAddr, port: Option<u16>) -> String {
    match (a, port) {
        (IpAddr::V6(v), Some(p)) => format!("[{v}]:{p}"),
        (a, Some(p)) => format!("{a}:{p}"),
        (a, None) => a.to_string(),
    }
}

impl FlowKey {
    /// The attributes of a `flow-key` nest.
    pub fn encode(&self) -> Vec<Nlattr<u16, Buffer>> {
        use flow_key_attr::*;
        let mut v = Vec::new();
        if let Some(m) = self.src_mac {
            v.push(attr(SRC_MAC, m.0.to_vec()));
        }
        if let Some(m) = self.dst_mac {
            v.push(attr(DST_MAC, m.0.to_vec()));
        }
        if let Some(e) = self.ethertype {
            v.push(u16_attr(ETHERTYPE, e));
        }
        if let Some(x) = self.vlan {
            v.push(u16_attr(VLAN_ID, x));
        }
        if let Some(a) = &self.src_ip {
            v.push(attr(SRC_IP, ip_bytes(a)));
        }
        if let Some(a) = &self.dst_ip {
            v.push(attr(DST_IP, ip_bytes(a)));
        }
        if let Some(p) = self.proto {
            v.push(u8_attr(IP_PROTO, p));
        }
        if let Some(p) = self.src_port {
            v.push(u16_attr(SRC_PORT, p));
        }
        if let Some(p) = self.dst_port {
            v.push(u16_attr(DST_PORT, p));
        }
        if let Some(t) = self.tos {
            v.push(u8_attr(TOS, t));
        }
        if let Some(f) = self.tcp_flags {
            v.push(u16_attr(TCP_FLAGS, f));
        }
        v
    }

    /// Decode the payload of a `flow-key` nest.
    pub fn decode(bytes: &[u8]) -> DResult<FlowKey> {
        use flow_key_attr::*;
        let mut k = FlowKey::default();
        for a in parse_attrs(bytes)?.iter() {
            let p = payload(a);
            match attr_type(a) {
                SRC_MAC => k.src_mac = Some(get_mac("key src-mac", p)?),
                DST_MAC => k.dst_mac = Some(get_mac("key dst-mac", p)?),
                ETHERTYPE => k.ethertype = Some(get_u16("key ethertype", p)?),
                VLAN_ID => k.vlan = Some(get_u16("key vlan-id", p)?),
                SRC_IP => k.src_ip = Some(ip_from_bytes("key src-ip", p)?),
                DST_IP => k.dst_ip = Some(ip_from_bytes("key dst-ip", p)?),
                IP_PROTO => k.proto = Some(get_u8("key ip-proto", p)?),
                SRC_PORT => k.src_port = Some(get_u16("key src-port", p)?),
                DST_PORT => k.dst_port = Some(get_u16("key dst-port", p)?),
                TOS => k.tos = Some(get_u8("key tos", p)?),
                TCP_FLAGS => k.tcp_flags = Some(get_u16("key tcp-flags", p)?),
                _ => {}
            }
        }
        Ok(k)
    }

    /// One-line text: `tcp 10.0.0.1:1234 -> 10.0.0.2:80`, `icmp A -> B type 8
    /// code 0`, or for non-IP `MAC -> MAC ethertype arp`; then vlan and tos
    /// when not 0.
    pub fn text(&self) -> String {
        let mut s = String::new();
        match (self.src_ip, self.dst_ip) {
            (Some(a), Some(b)) => {
                let proto = self.proto.unwrap_or(0);
                let ports = has_ports(proto);
                let sp = if ports {
                    Some(self.src_port.unwrap_or(0))
                } else {
                    None
                };
                let dp = if ports {
                    Some(self.dst_port.unwrap_or(0))
                } else {
                    None
                };
                let _ = write!(
                    s,
                    "{} {} -> {}",
                    proto_name(proto),
                    endpoint_text(&a, sp),
                    endpoint_text(&b, dp)
                );
                if is_icmp(proto) {
                    let _ = write!(
                        s,
                        " type {} code {}",
                        self.src_port.unwrap_or(0),
                        self.dst_port.unwrap_or(0)
                    );
                }
            }
            _ => {
                let _ = write!(
                    s,
                    "{} -> {} ethertype {}",
                    self.src_mac.unwrap_or_default(),
                    self.dst_mac.unwrap_or_default(),
                    ethertype_name(self.ethertype.unwrap_or(0))
                );
            }
        }
        if let Some(v) = self.vlan.filter(|v| *v != 0) {
            let _ = write!(s, " vlan {v}");
        }
        if let Some(t) = self.tos.filter(|t| *t != 0) {
            let _ = write!(s, " tos 0x{t:02x}");
        }
        if let Some(f) = self.tcp_flags.filter(|f| *f != 0) {
            let _ = write!(s, " tcp-flags {}", tcp_flag_list(f));
        }
        s
    }

    pub fn to_json(self) -> Value {
        let mut o = Map::new();
        if let Some(m) = self.src_mac {
            o.insert("src_mac".into(), json!(m.to_string()));
        }
        if let Some(m) = self.dst_mac {
            o.insert("dst_mac".into(), json!(m.to_string()));
        }
        if let Some(e) = self.ethertype {
            o.insert("ethertype".into(), json!(e));
        }
        if let Some(v) = self.vlan {
            o.insert("vlan_id".into(), json!(v));
        }
        if let Some(a) = self.src_ip {
            o.insert("src_ip".into(), json!(a.to_string()));
        }
        if let Some(a) = self.dst_ip {
            o.insert("dst_ip".into(), json!(a.to_string()));
        }
        if let Some(p) = self.proto {
            o.insert("ip_proto".into(), json!(p));
        }
        if let Some(p) = self.src_port {
            o.insert("src_port".into(), json!(p));
        }
        if let Some(p) = self.dst_port {
            o.insert("dst_port".into(), json!(p));
        }
        if let Some(t) = self.tos {
            o.insert("tos".into(), json!(t));
        }
        if let Some(f) = self.tcp_flags {
            o.insert("tcp_flags".into(), json!(f));
        }
        Value::Object(o)
    }
}

// ---------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------

/// A flow, as `FLOW_GET` replies; `in_dev`/`out_dev` are filled in by the
/// caller from a port dump.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flow {
    pub switch: String,
    pub in_port: u32,
    pub out_port: Option<u32>,
    pub key: FlowKey,
    pub verdict: Option<Verdict>,
    pub layer: Option<String>,
    pub rule_id: Option<u32>,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    pub age_ms: Option<u64>,
    pub idle_ms: Option<u64>,
    pub tcp_state: Option<TcpState>,
    pub reply: bool,
    pub generation: Option<u32>,
    pub in_dev: Option<String>,
    pub out_dev: Option<String>,
}

/// `FLOW_GET` (dump) and `FLOW_FLUSH`: switch and optional input port.
pub fn encode_flow_filter(switch: &str, in_port: Option<u32>) -> Attrs {
    let mut v = vec![str_attr(flow_attr::SWITCH, switch)];
    if let Some(p) = in_port {
        v.push(u32_attr(flow_attr::IN_PORT, p));
    }
    attrs_of(v)
}

/// Decode the attributes of a `FLOW_GET` reply.
pub fn decode_flow(attrs: &Attrs) -> DResult<Flow> {
    use flow_attr::*;
    let mut f = Flow::default();
    let (mut switch, mut in_port) = (None, None);
    for a in attrs.iter() {
        let p = payload(a);
        match attr_type(a) {
            SWITCH => switch = Some(get_string("flow switch", p)?),
            IN_PORT => in_port = Some(get_u32("flow in-port", p)?),
            OUT_PORT => f.out_port = Some(get_u32("flow out-port", p)?),
            KEY => f.key = FlowKey::decode(p)?,
            VERDICT => f.verdict = Some(get_enum("flow verdict", p, Verdict::from_u32)?),
            LAYER => f.layer = Some(get_string("flow layer", p)?),
            RULE_ID => f.rule_id = Some(get_u32("flow rule-id", p)?),
            PACKETS => f.packets = Some(get_uint("flow packets", p)?),
            BYTES => f.bytes = Some(get_uint("flow bytes", p)?),
            AGE_MS => f.age_ms = Some(get_uint("flow age-ms", p)?),
            IDLE_MS => f.idle_ms = Some(get_uint("flow idle-ms", p)?),
            TCP_STATE => f.tcp_state = Some(get_enum("flow tcp-state", p, TcpState::from_u32)?),
            REPLY => f.reply = true,
            GENERATION => f.generation = Some(get_u32("flow generation", p)?),
            _ => {}
        }
    }
    f.switch = switch.ok_or_else(|| missing("flow switch"))?;
    f.in_port = in_port.ok_or_else(|| missing("flow in-port"))?;
    Ok(f)
}

/// Milliseconds as seconds with one decimal: `3.2s`.
pub fn secs(ms: u64) -> String {
    format!("{}.{}s", ms / 1000, (ms % 1000) / 100)
}

/// A port in text output: its device name, else `port-id N`.
fn port_text(dev: &Option<String>, id: u32) -> String {
    dev.clone().unwrap_or_else(|| format!("port-id {id}"))
}

/// How a layer's decision reads: `layer acl rule 10` or `layer acl default`.
fn decision_text(layer: &Option<String>, rule_id: Option<u32>) -> String {
    let mut s = String::new();
    if let Some(l) = layer {
        let _ = write!(s, " layer {l}");
        match rule_id {
            Some(0) | None => s.push_str(" default"),
            Some(r) => {
                let _ = write!(s, " rule {r}");
            }
        }
    }
    s
}

impl Flow {
    /// `in vm1 out vm2 tcp 10.0.0.1:1234 -> 10.0.0.2:80 allow layer acl rule
    /// 10 packets 5 bytes 420 age 3.2s idle 0.1s state established reply`
    pub fn text(&self) -> String {
        let mut s = format!("in {}", port_text(&self.in_dev, self.in_port));
        if let Some(o) = self.out_port {
            let _ = write!(s, " out {}", port_text(&self.out_dev, o));
        }
        let _ = write!(s, " {}", self.key.text());
        if let Some(v) = self.verdict {
            let _ = write!(s, " {v}");
        }
        s.push_str(&decision_text(&self.layer, self.rule_id));
        if let Some(p) = self.packets {
            let _ = write!(s, " packets {p}");
        }
        if let Some(b) = self.bytes {
            let _ = write!(s, " bytes {b}");
        }
        if let Some(a) = self.age_ms {
            let _ = write!(s, " age {}", secs(a));
        }
        if let Some(i) = self.idle_ms {
            let _ = write!(s, " idle {}", secs(i));
        }
        if let Some(st) = self.tcp_state.filter(|st| *st != TcpState::None) {
            let _ = write!(s, " state {st}");
        }
        if self.reply {
            s.push_str(" reply");
        }
        s
    }

    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("switch".into(), json!(self.switch));
        o.insert("in_port".into(), json!(self.in_port));
        if let Some(d) = &self.in_dev {
            o.insert("in_dev".into(), json!(d));
        }
        if let Some(p) = self.out_port {
            o.insert("out_port".into(), json!(p));
        }
        if let Some(d) = &self.out_dev {
            o.insert("out_dev".into(), json!(d));
        }
        o.insert("key".into(), self.key.to_json());
        if let Some(v) = self.verdict {
            o.insert("verdict".into(), json!(v));
        }
        if let Some(l) = &self.layer {
            o.insert("layer".into(), json!(l));
        }
        if let Some(r) = self.rule_id {
            o.insert("rule_id".into(), json!(r));
        }
        for (k, v) in [
            ("packets", self.packets),
            ("bytes", self.bytes),
            ("age_ms", self.age_ms),
            ("idle_ms", self.idle_ms),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        if let Some(t) = self.tcp_state {
            o.insert("tcp_state".into(), json!(t));
        }
        o.insert("reply".into(), json!(self.reply));
        if let Some(g) = self.generation {
            o.insert("generation".into(), json!(g));
        }
        Value::Object(o)
    }
}

// ---------------------------------------------------------------------------
// Explain
// ---------------------------------------------------------------------------

/// What `explain` says: `port DEV out|in` and the packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainArgs {
    pub dev: String,
    pub direction: Direction,
    pub key: FlowKey,
}

/// `10.0.0.1`, `10.0.0.1:80`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:80`.
pub fn parse_endpoint(s: &str) -> Result<(IpAddr, Option<u16>), String> {
    let bad =
        || format!("invalid address \"{s}\" (expected ADDR or ADDR:PORT, IPv6 as [ADDR]:PORT)");
    if let Some(rest) = s.strip_prefix('[') {
        let (a, after) = rest.split_once(']').ok_or_else(bad)?;
        let a: Ipv6Addr = a.parse().map_err(|_| bad())?;
        let port = match after {
            "" => None,
            p => Some(parse_num("port", p.strip_prefix(':').ok_or_else(bad)?, 0, 65535)? as u16),
        };
        return Ok((IpAddr::V6(a), port));
    }
    if s.matches(':').count() > 1 {
        let a: Ipv6Addr = s.parse().map_err(|_| bad())?;
        return Ok((IpAddr::V6(a), None));
    }
    match s.split_once(':') {
        Some((a, p)) => {
            let a: std::net::Ipv4Addr = a.parse().map_err(|_| bad())?;
            Ok((IpAddr::V4(a), Some(parse_num("port", p, 0, 65535)? as u16)))
        }
        None => {
            let a: std::net::Ipv4Addr = s.parse().map_err(|_| bad())?;
            Ok((IpAddr::V4(a), None))
        }
    }
}

/// Split words around `->` (also inside a word: `a->b`).
fn split_arrows(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in args {
        if a == "->" || !a.contains("->") {
            out.push(a.clone());
            continue;
        }
        let mut first = true;
        for part in a.split("->") {
            if !first {
                out.push("->".into());
            }
            first = false;
            if !part.is_empty() {
                out.push(part.into());
            }
        }
    }
    out
}

pub const EXPLAIN_USAGE: &str =
    "vflowctl explain port IFNAME out|in PROTO SRC[:PORT] -> DST[:PORT] \
[src-mac MAC] [dst-mac MAC] [vlan N] [tos N|dscp N] [tcp-flags FLAG,...] [type N] [code N]";

/// Parse the words after `explain`. `Ok(None)`: help was asked for.
pub fn parse_explain(args: &[String]) -> Result<Option<ExplainArgs>, String> {
    if args.iter().any(|a| crate::HELP_WORDS.contains(&a.as_str())) {
        return Ok(None);
    }
    let w = split_arrows(args);
    let mut it = w.iter().map(String::as_str);
    match it.next() {
        Some("port") => {}
        Some(x) => return Err(format!("unknown argument \"{x}\" (expected \"port\")")),
        None => return Err("\"port DEV\" is required".into()),
    }
    let dev = it.next().ok_or("\"port\" needs a value")?.to_string();
    let direction: Direction = it
        .next()
        .ok_or("direction out or in is required after the device")?
        .parse()
        .map_err(|e: crate::codec::BadKeyword| e.to_string())?;
    let proto = parse_proto(
        it.next()
            .ok_or("the protocol (tcp, udp, icmp, ...) is required")?,
    )?;
    let (src, sport) = parse_endpoint(it.next().ok_or("the source address is required")?)?;
    match it.next() {
        Some("->") | Some("to") => {}
        Some(x) => {
            return Err(format!(
                "expected \"->\" between the addresses, not \"{x}\" (quote '->' in a shell)"
            ))
        }
        None => return Err("\"-> DST\" is required (quote '->' in a shell)".into()),
    }
    let (dst, dport) = parse_endpoint(it.next().ok_or("the destination address is required")?)?;
    if src.is_ipv4() != dst.is_ipv4() {
        return Err("source and destination must both be IPv4 or both IPv6".into());
    }
    if (sport.is_some() || dport.is_some()) && !has_ports(proto) {
        return Err(format!(
            "{} has no ports (ports are for tcp, udp and sctp{})",
            proto_name(proto),
            if is_icmp(proto) {
                "; use type N code N"
            } else {
                ""
            }
        ));
    }
    let mut key = FlowKey {
        ethertype: Some(if src.is_ipv4() { ETH_P_IP } else { ETH_P_IPV6 }),
        src_ip: Some(src),
        dst_ip: Some(dst),
        proto: Some(proto),
        src_port: sport,
        dst_port: dport,
        ..Default::default()
    };
    let once = |slot: bool, kw: &str| -> Result<(), String> {
        if slot {
            Err(format!("\"{kw}\" given more than once"))
        } else {
            Ok(())
        }
    };
    while let Some(kw) = it.next() {
        let val = it.next().ok_or_else(|| format!("\"{kw}\" needs a value"))?;
        match kw {
            "src-mac" => {
                once(key.src_mac.is_some(), kw)?;
                key.src_mac = Some(
                    val.parse()
                        .map_err(|e: crate::codec::BadMac| e.to_string())?,
                );
            }
            "dst-mac" => {
                once(key.dst_mac.is_some(), kw)?;
                key.dst_mac = Some(
                    val.parse()
                        .map_err(|e: crate::codec::BadMac| e.to_string())?,
                );
            }
            "vlan" => {
                once(key.vlan.is_some(), kw)?;
                key.vlan = Some(parse_num("vlan", val, 0, 4095)? as u16);
            }
            "tos" => {
                once(key.tos.is_some(), "tos/dscp")?;
                key.tos = Some(parse_num("tos", val, 0, 255)? as u8);
            }
            "dscp" => {
                once(key.tos.is_some(), "tos/dscp")?;
                key.tos = Some((parse_num("dscp", val, 0, 63)? as u8) << 2);
            }
            "tcp-flags" => {
                once(key.tcp_flags.is_some(), kw)?;
                if proto != 6 {
                    return Err("tcp-flags needs protocol tcp".into());
                }
                let (f, _) = parse_tcp_flags(val)?;
                key.tcp_flags = Some(f);
            }
            "type" | "code" => {
                if !is_icmp(proto) {
                    return Err(format!("\"{kw}\" needs protocol icmp or icmpv6"));
                }
                let v = Some(parse_num(&format!("icmp {kw}"), val, 0, 255)? as u16);
                let slot = if kw == "type" {
                    &mut key.src_port
                } else {
                    &mut key.dst_port
                };
                once(slot.is_some(), kw)?;
                *slot = v;
            }
            _ => {
                return Err(format!(
                    "unknown argument \"{kw}\" (expected src-mac, dst-mac, vlan, tos, dscp, \
                     tcp-flags, type or code)"
                ))
            }
        }
    }
    Ok(Some(ExplainArgs {
        dev,
        direction,
        key,
    }))
}

/// `EXPLAIN` request.
pub fn encode_explain(switch: &str, port: u32, dir: Direction, key: &FlowKey) -> Attrs {
    attrs_of(vec![
        str_attr(explain_attr::SWITCH, switch),
        u32_attr(explain_attr::PORT, port),
        u32_attr(explain_attr::DIRECTION, dir.to_u32()),
        nest_attr(explain_attr::KEY, &key.encode()),
    ])
}

/// One layer's decision in an explain reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExplainStep {
    pub port: Option<u32>,
    pub direction: Option<Direction>,
    pub layer: Option<String>,
    pub rule_id: Option<u32>,
    pub verdict: Option<Verdict>,
    pub dev: Option<String>,
}

/// An explain reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Explain {
    pub switch: Option<String>,
    pub port: Option<u32>,
    pub direction: Option<Direction>,
    pub key: Option<FlowKey>,
    pub verdict: Option<Verdict>,
    pub out_port: Option<u32>,
    pub steps: Vec<ExplainStep>,
    pub dev: Option<String>,
    pub out_dev: Option<String>,
}

fn decode_step(bytes: &[u8]) -> DResult<ExplainStep> {
    use explain_step_attr::*;
    let mut s = ExplainStep::default();
    for a in parse_attrs(bytes)?.iter() {
        let p = payload(a);
        match attr_type(a) {
            PORT => s.port = Some(get_u32("step port", p)?),
            DIRECTION => s.direction = Some(get_enum("step direction", p, Direction::from_u32)?),
            LAYER => s.layer = Some(get_string("step layer", p)?),
            RULE_ID => s.rule_id = Some(get_u32("step rule-id", p)?),
            VERDICT => s.verdict = Some(get_enum("step verdict", p, Verdict::from_u32)?),
            _ => {}
        }
    }
    Ok(s)
}

/// Decode the attributes of an `EXPLAIN` reply.
pub fn decode_explain(attrs: &Attrs) -> DResult<Explain> {
    use explain_attr::*;
    let mut e = Explain::default();
    for a in attrs.iter() {
        let p = payload(a);
        match attr_type(a) {
            SWITCH => e.switch = Some(get_string("explain switch", p)?),
            PORT => e.port = Some(get_u32("explain port", p)?),
            DIRECTION => e.direction = Some(get_enum("explain direction", p, Direction::from_u32)?),
            KEY => e.key = Some(FlowKey::decode(p)?),
            VERDICT => e.verdict = Some(get_enum("explain verdict", p, Verdict::from_u32)?),
            OUT_PORT => e.out_port = Some(get_u32("explain out-port", p)?),
            STEP => e.steps.push(decode_step(p)?),
            _ => {}
        }
    }
    Ok(e)
}

impl Explain {
    /// Fill in device names with `name_of(port id)`.
    pub fn name_ports(&mut self, name_of: impl Fn(u32) -> Option<String>) {
        self.dev = self.port.and_then(&name_of);
        self.out_dev = self.out_port.and_then(&name_of);
        for s in &mut self.steps {
            s.dev = s.port.and_then(&name_of);
        }
    }

    /// One line per step, then the verdict:
    /// `port vm1 out layer acl rule 10 allow` ... `verdict allow out-port vm2`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for st in &self.steps {
            s.push_str("port ");
            match (&st.dev, st.port) {
                (Some(d), _) => s.push_str(d),
                (None, Some(p)) => {
                    let _ = write!(s, "port-id {p}");
                }
                (None, None) => s.push('-'),
            }
            if let Some(d) = st.direction {
                let _ = write!(s, " {d}");
            }
            let layer = Some(st.layer.clone().unwrap_or_else(|| "-".into()));
            s.push_str(&decision_text(&layer, st.rule_id));
            if let Some(v) = st.verdict {
                let _ = write!(s, " {v}");
            }
            s.push('\n');
        }
        s.push_str("verdict");
        match self.verdict {
            Some(v) => {
                let _ = write!(s, " {v}");
            }
            None => s.push_str(" unknown"),
        }
        if let Some(o) = self.out_port {
            let _ = write!(s, " out-port {}", port_text(&self.out_dev, o));
        }
        s.push('\n');
        s
    }

    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        if let Some(sw) = &self.switch {
            o.insert("switch".into(), json!(sw));
        }
        if let Some(p) = self.port {
            o.insert("port".into(), json!(p));
        }
        if let Some(d) = &self.dev {
            o.insert("dev".into(), json!(d));
        }
        if let Some(d) = self.direction {
            o.insert("direction".into(), json!(d));
        }
        if let Some(k) = &self.key {
            o.insert("key".into(), k.to_json());
        }
        if let Some(v) = self.verdict {
            o.insert("verdict".into(), json!(v));
        }
        if let Some(p) = self.out_port {
            o.insert("out_port".into(), json!(p));
        }
        if let Some(d) = &self.out_dev {
            o.insert("out_dev".into(), json!(d));
        }
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|st| {
                let mut m = Map::new();
                if let Some(p) = st.port {
                    m.insert("port".into(), json!(p));
                }
                if let Some(d) = &st.dev {
                    m.insert("dev".into(), json!(d));
                }
                if let Some(d) = st.direction {
                    m.insert("direction".into(), json!(d));
                }
                if let Some(l) = &st.layer {
                    m.insert("layer".into(), json!(l));
                }
                if let Some(r) = st.rule_id {
                    m.insert("rule_id".into(), json!(r));
                }
                if let Some(v) = st.verdict {
                    m.insert("verdict".into(), json!(v));
                }
                Value::Object(m)
            })
            .collect();
        o.insert("steps".into(), Value::Array(steps));
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::wire::*;
    use crate::codec::{attrs_to_bytes, parse_attrs};
    use std::net::Ipv4Addr;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn ex(s: &str) -> ExplainArgs {
        parse_explain(&words(s))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .expect("not help")
    }

    fn ex_err(s: &str) -> String {
        match parse_explain(&words(s)) {
            Err(e) => e,
            Ok(r) => panic!("{s}: expected an error, got {r:?}"),
        }
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            parse_endpoint("10.0.0.1:1234"),
            Ok((v4(10, 0, 0, 1), Some(1234)))
        );
        assert_eq!(parse_endpoint("10.0.0.1"), Ok((v4(10, 0, 0, 1), None)));
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(parse_endpoint("[2001:db8::1]:80"), Ok((a, Some(80))));
        assert_eq!(parse_endpoint("[2001:db8::1]"), Ok((a, None)));
        assert_eq!(parse_endpoint("2001:db8::1"), Ok((a, None)));
        assert_eq!(parse_endpoint("::ffff:10.0.0.1").unwrap().1, None);
        for bad in [
            "10.0.0.1:",
            "10.0.0.1:65536",
            "10.0.0:80",
            "[10.0.0.1]:80",
            "[2001:db8::1]80",
            "[2001:db8::1",
            "2001:db8::1:80:x",
            "host:80",
            "",
            ":80",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad:?}");
        }
        assert_eq!(endpoint_text(&a, Some(80)), "[2001:db8::1]:80");
        assert_eq!(endpoint_text(&a, None), "2001:db8::1");
        assert_eq!(endpoint_text(&v4(10, 0, 0, 1), Some(0)), "10.0.0.1:0");
    }

    #[test]
    fn explain_exact_example() {
        let e = ex("port vm1 out tcp 10.0.0.1:1234 -> 10.0.0.2:80");
        assert_eq!(
            e,
            ExplainArgs {
                dev: "vm1".into(),
                direction: Direction::Out,
                key: FlowKey {
                    ethertype: Some(0x0800),
                    src_ip: Some(v4(10, 0, 0, 1)),
                    dst_ip: Some(v4(10, 0, 0, 2)),
                    proto: Some(6),
                    src_port: Some(1234),
                    dst_port: Some(80),
                    ..Default::default()
                },
            }
        );
        // the arrow glued to the addresses, or written "to"
        assert_eq!(ex("port vm1 out tcp 10.0.0.1:1234->10.0.0.2:80"), e);
        assert_eq!(ex("port vm1 out tcp 10.0.0.1:1234-> 10.0.0.2:80"), e);
        assert_eq!(ex("port vm1 out tcp 10.0.0.1:1234 ->10.0.0.2:80"), e);
        assert_eq!(ex("port vm1 out tcp 10.0.0.1:1234 to 10.0.0.2:80"), e);
    }

    #[test]
    fn explain_forms() {
        let e = ex("port vm2 in udp [2001:db8::1]:53 -> [2001:db8::2]:5353 vlan 7 tos 0x10");
        assert_eq!(e.direction, Direction::In);
        assert_eq!(e.key.ethertype, Some(0x86dd));
        assert_eq!(e.key.src_ip, Some("2001:db8::1".parse().unwrap()));
        assert_eq!((e.key.src_port, e.key.dst_port), (Some(53), Some(5353)));
        assert_eq!((e.key.vlan, e.key.tos), (Some(7), Some(0x10)));
        let e = ex("port vm1 out icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0");
        assert_eq!(e.key.proto, Some(1));
        assert_eq!((e.key.src_port, e.key.dst_port), (Some(8), Some(0)));
        let e = ex("port vm1 out icmp 10.0.0.1 -> 10.0.0.2");
        assert_eq!((e.key.src_port, e.key.dst_port), (None, None));
        let e = ex("port vm1 out icmpv6 2001:db8::1 -> 2001:db8::2 type 128");
        assert_eq!((e.key.proto, e.key.src_port), (Some(58), Some(128)));
        let e = ex(
            "port vm1 out tcp 10.0.0.1:1 -> 10.0.0.2:2 src-mac 02:00:00:00:00:01 \
                    dst-mac 02:00:00:00:00:02 tcp-flags syn,ack dscp 46",
        );
        assert_eq!(e.key.src_mac, Some(Mac([2, 0, 0, 0, 0, 1])));
        assert_eq!(e.key.dst_mac, Some(Mac([2, 0, 0, 0, 0, 2])));
        assert_eq!(e.key.tcp_flags, Some(0x012));
        assert_eq!(e.key.tos, Some(184));
        let e = ex("port vm1 out tcp 10.0.0.1 -> 10.0.0.2 tcp-flags +syn");
        assert_eq!((e.key.src_port, e.key.tcp_flags), (None, Some(2)));
        let e = ex("port vm1 out 47 10.0.0.1 -> 10.0.0.2");
        assert_eq!(e.key.proto, Some(47));
        assert_eq!(parse_explain(&words("port vm1 help")), Ok(None));
        assert_eq!(parse_explain(&words("--help")), Ok(None));
    }

    #[test]
    fn explain_errors() {
        for (args, msg) in [
            ("", "\"port DEV\" is required"),
            ("dev vm1", "unknown argument \"dev\" (expected \"port\")"),
            ("port", "\"port\" needs a value"),
            ("port vm1", "direction out or in is required"),
            (
                "port vm1 up tcp",
                "invalid direction \"up\" (expected out or in)",
            ),
            ("port vm1 out", "the protocol"),
            (
                "port vm1 out tcpx 1.1.1.1 -> 2.2.2.2",
                "invalid protocol \"tcpx\"",
            ),
            ("port vm1 out tcp", "the source address is required"),
            (
                "port vm1 out tcp 10.0.0.1:1",
                "\"-> DST\" is required (quote '->' in a shell)",
            ),
            // what a shell leaves of an unquoted `->`: the `-`
            (
                "port vm1 out tcp 10.0.0.1:1 -",
                "expected \"->\" between the addresses, not \"-\"",
            ),
            (
                "port vm1 out tcp 10.0.0.1:1 ->",
                "the destination address is required",
            ),
            (
                "port vm1 out tcp 10.0.0.1:1 -> 2001:db8::1",
                "both be IPv4 or both IPv6",
            ),
            (
                "port vm1 out tcp 10.0.0.1:99999 -> 10.0.0.2",
                "invalid port \"99999\"",
            ),
            (
                "port vm1 out icmp 10.0.0.1:1 -> 10.0.0.2",
                "icmp has no ports (ports are for tcp, udp and sctp; use type N code N)",
            ),
            ("port vm1 out 47 10.0.0.1 -> 10.0.0.2:5", "47 has no ports"),
            (
                "port vm1 out tcp 1.1.1.1 -> 2.2.2.2 type 8",
                "\"type\" needs protocol icmp or icmpv6",
            ),
            (
                "port vm1 out udp 1.1.1.1 -> 2.2.2.2 tcp-flags syn",
                "tcp-flags needs protocol tcp",
            ),
            (
                "port vm1 out icmp 1.1.1.1 -> 2.2.2.2 type 256",
                "invalid icmp type \"256\"",
            ),
            (
                "port vm1 out icmp 1.1.1.1 -> 2.2.2.2 type 1 type 2",
                "\"type\" given more than once",
            ),
            (
                "port vm1 out tcp 1.1.1.1 -> 2.2.2.2 vlan 4096",
                "invalid vlan \"4096\"",
            ),
            (
                "port vm1 out tcp 1.1.1.1 -> 2.2.2.2 vlan",
                "\"vlan\" needs a value",
            ),
            (
                "port vm1 out tcp 1.1.1.1 -> 2.2.2.2 tos 1 dscp 1",
                "\"tos/dscp\" given more than once",
            ),
            (
                "port vm1 out tcp 1.1.1.1 -> 2.2.2.2 src-mac xx",
                "invalid MAC address \"xx\"",
            ),
            (
                "port vm1 out tcp 1.1.1.1 -> 2.2.2.2 frob 1",
                "unknown argument \"frob\"",
            ),
        ] {
            let e = ex_err(args);
            assert!(e.contains(msg), "{args}: {e}");
        }
    }

    #[test]
    fn encode_explain_bytes() {
        use crate::codec::{explain_attr as x, flow_key_attr as k};
        let e = ex(
            "port vm1 out tcp 10.0.0.1:1234 -> 10.0.0.2:80 dst-mac 02:00:00:00:00:02 tcp-flags syn",
        );
        let got = attrs_to_bytes(&encode_explain("sw0", 3, e.direction, &e.key));
        let want = [
            stra(x::SWITCH, "sw0"),
            u32a(x::PORT, 3),
            u32a(x::DIRECTION, 0),
            nest(
                x::KEY,
                &[
                    nla(k::DST_MAC, &[2, 0, 0, 0, 0, 2]),
                    u16a(k::ETHERTYPE, 0x0800),
                    nla(k::SRC_IP, &[10, 0, 0, 1]),
                    nla(k::DST_IP, &[10, 0, 0, 2]),
                    u8a(k::IP_PROTO, 6),
                    u16a(k::SRC_PORT, 1234),
                    u16a(k::DST_PORT, 80),
                    u16a(k::TCP_FLAGS, 2),
                ],
            ),
        ]
        .concat();
        assert_eq!(got, want);
        let e = ex(
            "port vm1 in udp [2001:db8::1]:53 -> [::1]:9 vlan 7 tos 16 src-mac 02:00:00:00:00:01",
        );
        let got = attrs_to_bytes(&encode_explain("s", 0, e.direction, &e.key));
        let mut a6 = [0u8; 16];
        a6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        a6[15] = 1;
        let mut lo = [0u8; 16];
        lo[15] = 1;
        let want = [
            stra(x::SWITCH, "s"),
            u32a(x::PORT, 0),
            u32a(x::DIRECTION, 1),
            nest(
                x::KEY,
                &[
                    nla(k::SRC_MAC, &[2, 0, 0, 0, 0, 1]),
                    u16a(k::ETHERTYPE, 0x86dd),
                    u16a(k::VLAN_ID, 7),
                    nla(k::SRC_IP, &a6),
                    nla(k::DST_IP, &lo),
                    u8a(k::IP_PROTO, 17),
                    u16a(k::SRC_PORT, 53),
                    u16a(k::DST_PORT, 9),
                    u8a(k::TOS, 16),
                ],
            ),
        ]
        .concat();
        assert_eq!(got, want);
    }

    #[test]
    fn flow_filter_bytes() {
        use crate::codec::flow_attr as f;
        assert_eq!(
            attrs_to_bytes(&encode_flow_filter("sw0", None)),
            stra(f::SWITCH, "sw0")
        );
        assert_eq!(
            attrs_to_bytes(&encode_flow_filter("sw0", Some(2))),
            [stra(f::SWITCH, "sw0"), u32a(f::IN_PORT, 2)].concat()
        );
    }

    pub fn flow_fixture() -> Vec<u8> {
        use crate::codec::{flow_attr as f, flow_key_attr as k};
        [
            stra(f::SWITCH, "sw0"),
            u32a(f::IN_PORT, 1),
            u32a(f::OUT_PORT, 2),
            nest(
                f::KEY,
                &[
                    nla(k::SRC_MAC, &[2, 0, 0, 0, 0, 1]),
                    nla(k::DST_MAC, &[2, 0, 0, 0, 0, 2]),
                    u16a(k::ETHERTYPE, 0x0800),
                    u16a(k::VLAN_ID, 0),
                    nla(k::SRC_IP, &[10, 0, 0, 1]),
                    nla(k::DST_IP, &[10, 0, 0, 2]),
                    u8a(k::IP_PROTO, 6),
                    u16a(k::SRC_PORT, 1234),
                    u16a(k::DST_PORT, 80),
                    u8a(k::TOS, 0),
                ],
            ),
            u32a(f::VERDICT, 0),
            stra(f::LAYER, "acl"),
            u32a(f::RULE_ID, 10),
            nla(f::PACKETS, &5u64.to_ne_bytes()),
            nla(f::BYTES, &420u32.to_ne_bytes()),
            nla(f::AGE_MS, &3200u64.to_ne_bytes()),
            nla(f::IDLE_MS, &100u64.to_ne_bytes()),
            u32a(f::TCP_STATE, 2),
            nla(f::REPLY, &[]),
            u32a(f::GENERATION, 7),
        ]
        .concat()
    }

    #[test]
    fn decode_flow_fixture_and_text() {
        let mut f = decode_flow(&parse_attrs(&flow_fixture()).unwrap()).unwrap();
        assert_eq!((f.in_port, f.out_port), (1, Some(2)));
        assert_eq!(f.key.src_port, Some(1234));
        assert_eq!(f.verdict, Some(Verdict::Allow));
        assert_eq!(f.rule_id, Some(10));
        assert_eq!(
            (f.packets, f.bytes, f.age_ms, f.idle_ms),
            (Some(5), Some(420), Some(3200), Some(100))
        );
        assert_eq!(f.tcp_state, Some(TcpState::Established));
        assert!(f.reply);
        assert_eq!(f.generation, Some(7));
        assert_eq!(
            f.text(),
            "in port-id 1 out port-id 2 tcp 10.0.0.1:1234 -> 10.0.0.2:80 allow layer acl rule 10 \
             packets 5 bytes 420 age 3.2s idle 0.1s state established reply"
        );
        f.in_dev = Some("vm1".into());
        f.out_dev = Some("vm2".into());
        assert_eq!(
            f.text(),
            "in vm1 out vm2 tcp 10.0.0.1:1234 -> 10.0.0.2:80 allow layer acl rule 10 \
             packets 5 bytes 420 age 3.2s idle 0.1s state established reply"
        );
        let j = f.to_json();
        assert_eq!(j["in_dev"], "vm1");
        assert_eq!(j["out_port"], 2);
        assert_eq!(j["key"]["src_ip"], "10.0.0.1");
        assert_eq!(j["key"]["dst_port"], 80);
        assert_eq!(j["key"]["src_mac"], "02:00:00:00:00:01");
        assert_eq!(j["verdict"], "allow");
        assert_eq!(j["rule_id"], 10);
        assert_eq!(j["age_ms"], 3200);
        assert_eq!(j["tcp_state"], "established");
        assert_eq!(j["reply"], true);
        assert_eq!(j["generation"], 7);
    }

    #[test]
    fn flow_text_variants() {
        use crate::codec::{flow_attr as f, flow_key_attr as k};
        // non-IP, dropped (no out-port), default verdict, vlan
        let b = [
            stra(f::SWITCH, "sw0"),
            u32a(f::IN_PORT, 1),
            nest(
                f::KEY,
                &[
                    nla(k::SRC_MAC, &[2, 0, 0, 0, 0, 1]),
                    nla(k::DST_MAC, &[0xff; 6]),
                    u16a(k::ETHERTYPE, 0x0806),
                    u16a(k::VLAN_ID, 5),
                ],
            ),
            u32a(f::VERDICT, 1),
            stra(f::LAYER, "base"),
            u32a(f::RULE_ID, 0),
            u32a(f::TCP_STATE, 0),
        ]
        .concat();
        let fl = decode_flow(&parse_attrs(&b).unwrap()).unwrap();
        assert_eq!(
            fl.text(),
            "in port-id 1 02:00:00:00:00:01 -> ff:ff:ff:ff:ff:ff ethertype arp vlan 5 deny layer base default"
        );
        // ICMP, IPv6 with ports, tos, no layer (a port without layers)
        let key = FlowKey {
            ethertype: Some(ETH_P_IP),
            src_ip: Some(v4(10, 0, 0, 1)),
            dst_ip: Some(v4(10, 0, 0, 2)),
            proto: Some(1),
            src_port: Some(8),
            dst_port: Some(0),
            tos: Some(0x10),
            ..Default::default()
        };
        assert_eq!(
            key.text(),
            "icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0 tos 0x10"
        );
        let key = FlowKey {
            ethertype: Some(ETH_P_IPV6),
            src_ip: Some("2001:db8::1".parse().unwrap()),
            dst_ip: Some("2001:db8::2".parse().unwrap()),
            proto: Some(17),
            src_port: Some(53),
            dst_port: Some(5353),
            ..Default::default()
        };
        assert_eq!(key.text(), "udp [2001:db8::1]:53 -> [2001:db8::2]:5353");
        let fl = Flow {
            switch: "s".into(),
            in_port: 0,
            key,
            verdict: Some(Verdict::Allow),
            in_dev: Some("up0".into()),
            ..Default::default()
        };
        assert_eq!(
            fl.text(),
            "in up0 udp [2001:db8::1]:53 -> [2001:db8::2]:5353 allow"
        );
        assert_eq!(secs(0), "0.0s");
        assert_eq!(secs(999), "0.9s");
        assert_eq!(secs(7_200_000), "7200.0s");
        let e = decode_flow(&parse_attrs(&stra(f::SWITCH, "s")).unwrap()).unwrap_err();
        assert!(e.0.contains("flow in-port attribute missing"), "{e}");
    }

    pub fn explain_fixture() -> Vec<u8> {
        use crate::codec::{explain_attr as x, explain_step_attr as s};
        [
            stra(x::SWITCH, "sw0"),
            u32a(x::PORT, 1),
            u32a(x::DIRECTION, 0),
            u32a(x::VERDICT, 1),
            nest(
                x::STEP,
                &[
                    u32a(s::PORT, 1),
                    u32a(s::DIRECTION, 0),
                    stra(s::LAYER, "acl"),
                    u32a(s::RULE_ID, 10),
                    u32a(s::VERDICT, 0),
                ],
            ),
            nest(
                x::STEP,
                &[
                    u32a(s::PORT, 2),
                    u32a(s::DIRECTION, 1),
                    stra(s::LAYER, "web"),
                    u32a(s::RULE_ID, 0),
                    u32a(s::VERDICT, 1),
                ],
            ),
        ]
        .concat()
    }

    #[test]
    fn decode_explain_and_text() {
        let mut e = decode_explain(&parse_attrs(&explain_fixture()).unwrap()).unwrap();
        assert_eq!(e.steps.len(), 2);
        assert_eq!(e.verdict, Some(Verdict::Deny));
        assert_eq!(
            e.text(),
            "port port-id 1 out layer acl rule 10 allow\n\
             port port-id 2 in layer web default deny\n\
             verdict deny\n"
        );
        e.name_ports(|id| Some(format!("vm{id}")));
        assert_eq!(
            e.text(),
            "port vm1 out layer acl rule 10 allow\nport vm2 in layer web default deny\nverdict deny\n"
        );
        let j = e.to_json();
        assert_eq!(j["dev"], "vm1");
        assert_eq!(j["verdict"], "deny");
        assert_eq!(j["steps"][0]["layer"], "acl");
        assert_eq!(j["steps"][0]["rule_id"], 10);
        assert_eq!(j["steps"][1]["dev"], "vm2");
        assert_eq!(j["steps"][1]["direction"], "in");
        // allowed, with an output port; no steps (ports without layers)
        let e = Explain {
            verdict: Some(Verdict::Allow),
            out_port: Some(2),
            out_dev: Some("vm2".into()),
            ..Default::default()
        };
        assert_eq!(e.text(), "verdict allow out-port vm2\n");
        let e = Explain::default();
        assert_eq!(e.text(), "verdict unknown\n");
    }
}
