// SPDX-License-Identifier: GPL-2.0

//! Handlers of the rule, layer and port-stack operations. Attribute types and ranges are checked
//! by the generated policies; these handlers check meaning (address families, ranges, exactly one
//! terminal action, existing ids and names) and say what went wrong in the extended ACK. Every
//! change is all or nothing.

use kernel::{prelude::*, sync::Arc};

use crate::ffi::{
    genl::{Attr, Dump, Extack, Msg, Request},
    rtnl::Rtnl,
};
use crate::genl::{find_switch, net_state, port_of};
use crate::logic::fdb::PortKind;
use crate::logic::rule::{Direction, Mac, Match, Prefix, RuleSpec, Verdict};
use crate::netns::NetState;
use crate::policy::{Actions, LayerInfo, PolicyError, Rule, Stack};
use crate::switch::{Switch, SwitchName};
use crate::uapi::*;

/// Priority of a rule created without one.
const DEFAULT_PRIORITY: u32 = 1000;
const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;
/// The first 12 bytes of an IPv4-mapped IPv6 address.
const V4_MAPPED: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
const TCP_FLAGS_ALL: u16 = 0x1ff;

fn dir_name(d: Direction) -> &'static str {
    match d {
        Direction::Out => "out",
        Direction::In => "in",
    }
}

fn dir_value(d: Direction) -> u32 {
    match d {
        Direction::Out => VFLOW_DIRECTION_OUT,
        Direction::In => VFLOW_DIRECTION_IN,
    }
}

fn verdict_of(v: u32) -> Verdict {
    // The policy limits the value to the enum's.
    if v == VFLOW_VERDICT_DENY {
        Verdict::Deny
    } else {
        Verdict::Allow
    }
}

fn verdict_value(v: Verdict) -> u32 {
    match v {
        Verdict::Allow => VFLOW_VERDICT_ALLOW,
        Verdict::Deny => VFLOW_VERDICT_DENY,
    }
}

/// The extack message and errno of a policy error. `at` is the attribute to point at, if known.
fn report(ext: Extack, e: PolicyError, at: Option<&Attr<'_>>) -> Error {
    match e {
        PolicyError::NoRule(id) => ext.fmt(ENOENT, at, format_args!("no such rule: {id}")),
        PolicyError::RuleExists => ext.msg(EEXIST, c"a rule with this id already exists"),
        PolicyError::TooManyRules => ext.msg(ENOSPC, c"the switch's rule table is full"),
        PolicyError::RuleBusy => {
            ext.msg(EBUSY, c"rule is bound to a layer; unbind it from every layer first")
        }
        PolicyError::NoLayer(_) => match at {
            Some(a) => ext.attr(ENOENT, a, c"no such layer"),
            None => ext.msg(ENOENT, c"no such layer"),
        },
        PolicyError::LayerExists => ext.msg(EEXIST, c"a layer with this name already exists"),
        PolicyError::TooManyLayers => ext.msg(ENOSPC, c"switch has the maximum number of layers"),
        PolicyError::LayerBusy => {
            ext.msg(EBUSY, c"layer is in a port's stack; remove it from every port first")
        }
        PolicyError::DuplicateLayer(_) => match at {
            Some(a) => ext.attr(EINVAL, a, c"a layer appears twice in the stack"),
            None => ext.msg(EINVAL, c"a layer appears twice in the stack"),
        },
        PolicyError::AlreadyBound(id, d) => ext.fmt(
            EEXIST,
            at,
            format_args!("rule {id} is already bound to the layer's {} table", dir_name(d)),
        ),
        PolicyError::NotBound(id, d) => ext.fmt(
            ENOENT,
            at,
            format_args!("rule {id} is not bound to the layer's {} table", dir_name(d)),
        ),
        PolicyError::DuplicateId(id, d) => ext.fmt(
            EINVAL,
            at,
            format_args!("rule {id} is listed twice for the {} table", dir_name(d)),
        ),
        PolicyError::Sys(e) if e == ENOMEM => ext.msg(e, c"out of memory"),
        PolicyError::Sys(e) => ext.msg(e, c"internal error"),
    }
}

fn layer_name(attr: Attr<'_>, ext: Extack) -> Result<SwitchName> {
    SwitchName::new(attr.string()?).ok_or_else(|| {
        ext.attr(
            EINVAL,
            &attr,
            c"layer name must be 1-15 printable characters without spaces or '/'",
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Matches

/// Attribute ids and messages of one side (source or destination) of a match.
struct Side {
    ip: u32,
    plen: u32,
    mac: u32,
    mac_mask: u32,
    port_min: u32,
    port_max: u32,
    bad_len: &'static CStr,
    v4_plen: &'static CStr,
    plen_alone: &'static CStr,
    port_order: &'static CStr,
}

const SRC: Side = Side {
    ip: VFLOW_A_MATCH_SRC_IP,
    plen: VFLOW_A_MATCH_SRC_PLEN,
    mac: VFLOW_A_MATCH_SRC_MAC,
    mac_mask: VFLOW_A_MATCH_SRC_MAC_MASK,
    port_min: VFLOW_A_MATCH_SRC_PORT_MIN,
    port_max: VFLOW_A_MATCH_SRC_PORT_MAX,
    bad_len: c"src-ip must be 4 or 16 bytes",
    v4_plen: c"src-plen of an IPv4 src-ip must be at most 32",
    plen_alone: c"src-plen needs src-ip",
    port_order: c"src-port-min is above src-port-max",
};

const DST: Side = Side {
    ip: VFLOW_A_MATCH_DST_IP,
    plen: VFLOW_A_MATCH_DST_PLEN,
    mac: VFLOW_A_MATCH_DST_MAC,
    mac_mask: VFLOW_A_MATCH_DST_MAC_MASK,
    port_min: VFLOW_A_MATCH_DST_PORT_MIN,
    port_max: VFLOW_A_MATCH_DST_PORT_MAX,
    bad_len: c"dst-ip must be 4 or 16 bytes",
    v4_plen: c"dst-plen of an IPv4 dst-ip must be at most 32",
    plen_alone: c"dst-plen needs dst-ip",
    port_order: c"dst-port-min is above dst-port-max",
};

/// Clears the bits of `addr` past the first `plen`.
fn mask_prefix(addr: &mut [u8; 16], plen: u8) {
    for (i, b) in addr.iter_mut().enumerate() {
        let keep = u32::from(plen).saturating_sub(i as u32 * 8).min(8);
        *b &= if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
    }
}

/// A side's address prefix and the ethertype it implies, with the attribute it came from.
fn parse_prefix<'a>(
    a: &Attr<'a>,
    side: &Side,
    ext: Extack,
) -> Result<Option<(Prefix, u16, Attr<'a>)>> {
    let plen = a.get(side.plen).map(|p| p.u8().map(|v| (v, p))).transpose()?;
    let Some(ip) = a.get(side.ip) else {
        return match plen {
            Some((_, p)) => Err(ext.attr(EINVAL, &p, side.plen_alone)),
            None => Ok(None),
        };
    };
    let b = ip.bytes();
    let mut addr = [0u8; 16];
    let (plen, ethertype) = if let Ok(v4) = <[u8; 4]>::try_from(b) {
        let n = match plen {
            Some((n, p)) if n > 32 => return Err(ext.attr(EINVAL, &p, side.v4_plen)),
            Some((n, _)) => n,
            None => 32,
        };
        addr[..12].copy_from_slice(&V4_MAPPED);
        addr[12..].copy_from_slice(&v4);
        (n + 96, ETH_P_IP)
    } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
        addr = v6;
        (plen.map_or(128, |(n, _)| n), ETH_P_IPV6)
    } else {
        return Err(ext.attr(EINVAL, &ip, side.bad_len));
    };
    mask_prefix(&mut addr, plen);
    Ok(Some((Prefix { addr, plen }, ethertype, ip)))
}

/// A MAC condition: the address under its mask (all ones when only the address is given).
fn parse_mac(a: &Attr<'_>, side: &Side) -> Result<(Mac, Mac)> {
    let get = |id: u32| -> Result<Option<Mac>> {
        a.get(id)
            .map(|x| <Mac>::try_from(x.bytes()).map_err(|_| EINVAL))
            .transpose()
    };
    let mac = get(side.mac)?;
    let mask = match get(side.mac_mask)? {
        Some(m) => m,
        None if mac.is_some() => [0xff; 6],
        None => [0; 6],
    };
    let mut mac = mac.unwrap_or([0; 6]);
    for (b, m) in mac.iter_mut().zip(mask.iter()) {
        *b &= m;
    }
    Ok((mac, mask))
}

/// An L4 port range: min alone is one port, max alone is 0..=max.
fn parse_range(a: &Attr<'_>, side: &Side, ext: Extack) -> Result<Option<(u16, u16)>> {
    let min = a.get(side.port_min).map(|x| x.u16()).transpose()?;
    let max = a.get(side.port_max).map(|x| x.u16()).transpose()?;
    Ok(match (min, max) {
        (Some(lo), Some(hi)) if lo > hi => {
            let at = a.get(side.port_min);
            return Err(match at {
                Some(x) => ext.attr(EINVAL, &x, side.port_order),
                None => ext.msg(EINVAL, side.port_order),
            });
        }
        (Some(lo), Some(hi)) => Some((lo, hi)),
        (Some(lo), None) => Some((lo, lo)),
        (None, Some(hi)) => Some((0, hi)),
        (None, None) => None,
    })
}

fn port_id(a: &Attr<'_>, id: u32, ext: Extack) -> Result<Option<u16>> {
    let Some(x) = a.get(id) else { return Ok(None) };
    let v = x.u32()?;
    if v >= VFLOW_MAX_PORTS {
        return Err(ext.attr(EINVAL, &x, c"port id must be below 1024"));
    }
    Ok(Some(v as u16))
}

/// Parses a `match` nest into its canonical form: IPv4 prefixes in the 16-byte mapped form
/// (plen + 96), the ethertype an address implies, bits outside masks and prefixes cleared.
fn parse_match(a: Attr<'_>, ext: Extack) -> Result<Match> {
    let mut m = Match {
        in_port: port_id(&a, VFLOW_A_MATCH_IN_PORT, ext)?,
        out_port: port_id(&a, VFLOW_A_MATCH_OUT_PORT, ext)?,
        ..Match::default()
    };
    (m.src_mac, m.src_mac_mask) = parse_mac(&a, &SRC)?;
    (m.dst_mac, m.dst_mac_mask) = parse_mac(&a, &DST)?;
    m.vlan_id = a.get(VFLOW_A_MATCH_VLAN_ID).map(|x| x.u16()).transpose()?;
    m.ip_proto = a.get(VFLOW_A_MATCH_IP_PROTO).map(|x| x.u8()).transpose()?;

    let src = parse_prefix(&a, &SRC, ext)?;
    let dst = parse_prefix(&a, &DST, ext)?;
    let mut implied: Option<u16> = None;
    for (p, et, at) in [src, dst].into_iter().flatten() {
        if implied.is_some_and(|i| i != et) {
            return Err(ext.attr(EINVAL, &at, c"src-ip and dst-ip must be of the same family"));
        }
        implied = Some(et);
        if at.id() == VFLOW_A_MATCH_SRC_IP {
            m.src_ip = Some(p);
        } else {
            m.dst_ip = Some(p);
        }
    }
    m.ethertype = match a.get(VFLOW_A_MATCH_ETHERTYPE) {
        Some(x) => {
            let et = x.u16()?;
            if implied.is_some_and(|i| i != et) {
                return Err(ext.attr(
                    EINVAL,
                    &x,
                    c"ethertype contradicts the address family of src-ip/dst-ip",
                ));
            }
            Some(et)
        }
        None => implied,
    };

    m.src_port = parse_range(&a, &SRC, ext)?;
    m.dst_port = parse_range(&a, &DST, ext)?;

    let tos = a.get(VFLOW_A_MATCH_TOS).map(|x| x.u8()).transpose()?;
    let tos_mask = a.get(VFLOW_A_MATCH_TOS_MASK).map(|x| x.u8()).transpose()?;
    m.tos_mask = tos_mask.unwrap_or(if tos.is_some() { 0xff } else { 0 });
    m.tos = tos.unwrap_or(0) & m.tos_mask;

    let flags = a.get(VFLOW_A_MATCH_TCP_FLAGS);
    let flags_mask = a.get(VFLOW_A_MATCH_TCP_FLAGS_MASK);
    for x in [flags, flags_mask].into_iter().flatten() {
        if x.u16()? & !TCP_FLAGS_ALL != 0 {
            return Err(ext.attr(EINVAL, &x, c"tcp-flags and tcp-flags-mask have 9 bits (0x1ff)"));
        }
    }
    let f = flags.map(|x| x.u16()).transpose()?;
    m.tcp_flags_mask = match flags_mask {
        Some(x) => x.u16()?,
        None => f.unwrap_or(0),
    };
    m.tcp_flags = f.unwrap_or(0) & m.tcp_flags_mask;
    Ok(m)
}

fn put_prefix(m: &mut Msg, ip_id: u32, plen_id: u32, p: &Prefix, v4: bool) -> Result {
    match p.addr.get(12..) {
        Some(a4) if v4 && p.plen >= 96 && p.addr.starts_with(&V4_MAPPED) => {
            m.put_bytes(ip_id, a4)?;
            m.put_u8(plen_id, p.plen - 96)
        }
        _ => {
            m.put_bytes(ip_id, &p.addr)?;
            m.put_u8(plen_id, p.plen)
        }
    }
}

/// Puts a match in its canonical form (see [`parse_match`]); IPv4 prefixes as 4 bytes and the
/// prefix length the user gave.
fn put_match(m: &mut Msg, x: &Match) -> Result {
    m.nest(VFLOW_A_RULE_MATCH, |m| {
        if let Some(p) = x.in_port {
            m.put_u32(VFLOW_A_MATCH_IN_PORT, u32::from(p))?;
        }
        if let Some(p) = x.out_port {
            m.put_u32(VFLOW_A_MATCH_OUT_PORT, u32::from(p))?;
        }
        if x.src_mac_mask != [0; 6] {
            m.put_bytes(VFLOW_A_MATCH_SRC_MAC, &x.src_mac)?;
            m.put_bytes(VFLOW_A_MATCH_SRC_MAC_MASK, &x.src_mac_mask)?;
        }
        if x.dst_mac_mask != [0; 6] {
            m.put_bytes(VFLOW_A_MATCH_DST_MAC, &x.dst_mac)?;
            m.put_bytes(VFLOW_A_MATCH_DST_MAC_MASK, &x.dst_mac_mask)?;
        }
        if let Some(e) = x.ethertype {
            m.put_u16(VFLOW_A_MATCH_ETHERTYPE, e)?;
        }
        if let Some(v) = x.vlan_id {
            m.put_u16(VFLOW_A_MATCH_VLAN_ID, v)?;
        }
        let v4 = x.ethertype == Some(ETH_P_IP);
        if let Some(p) = &x.src_ip {
            put_prefix(m, VFLOW_A_MATCH_SRC_IP, VFLOW_A_MATCH_SRC_PLEN, p, v4)?;
        }
        if let Some(p) = &x.dst_ip {
            put_prefix(m, VFLOW_A_MATCH_DST_IP, VFLOW_A_MATCH_DST_PLEN, p, v4)?;
        }
        if let Some(p) = x.ip_proto {
            m.put_u8(VFLOW_A_MATCH_IP_PROTO, p)?;
        }
        if let Some((lo, hi)) = x.src_port {
            m.put_u16(VFLOW_A_MATCH_SRC_PORT_MIN, lo)?;
            m.put_u16(VFLOW_A_MATCH_SRC_PORT_MAX, hi)?;
        }
        if let Some((lo, hi)) = x.dst_port {
            m.put_u16(VFLOW_A_MATCH_DST_PORT_MIN, lo)?;
            m.put_u16(VFLOW_A_MATCH_DST_PORT_MAX, hi)?;
        }
        if x.tos_mask != 0 {
            m.put_u8(VFLOW_A_MATCH_TOS, x.tos)?;
            m.put_u8(VFLOW_A_MATCH_TOS_MASK, x.tos_mask)?;
        }
        if x.tcp_flags_mask != 0 {
            m.put_u16(VFLOW_A_MATCH_TCP_FLAGS, x.tcp_flags)?;
            m.put_u16(VFLOW_A_MATCH_TCP_FLAGS_MASK, x.tcp_flags_mask)?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Actions

/// Parses an `actions` nest: exactly one of allow and deny, count optional.
fn parse_actions(a: Attr<'_>, ext: Extack) -> Result<Actions> {
    let mut verdict = None;
    let mut count = false;
    for x in a.nested() {
        if x.id() != VFLOW_A_ACTIONS_ACTION {
            continue;
        }
        let t = x
            .get(VFLOW_A_ACTION_TYPE)
            .ok_or_else(|| ext.attr(EINVAL, &x, c"an action needs a type"))?
            .u32()?;
        match t {
            VFLOW_ACTION_TYPE_ALLOW | VFLOW_ACTION_TYPE_DENY => {
                if verdict.is_some() {
                    return Err(ext.attr(EINVAL, &x, c"a rule takes exactly one of allow and deny"));
                }
                verdict = Some(verdict_of(if t == VFLOW_ACTION_TYPE_DENY {
                    VFLOW_VERDICT_DENY
                } else {
                    VFLOW_VERDICT_ALLOW
                }));
            }
            VFLOW_ACTION_TYPE_COUNT => count = true,
            _ => return Err(ext.attr(EOPNOTSUPP, &x, c"unknown action type")),
        }
    }
    let verdict =
        verdict.ok_or_else(|| ext.attr(EINVAL, &a, c"a rule needs exactly one of allow and deny"))?;
    Ok(Actions { verdict, count })
}

fn put_action(m: &mut Msg, t: u32) -> Result {
    m.nest(VFLOW_A_ACTIONS_ACTION, |m| m.put_u32(VFLOW_A_ACTION_TYPE, t))
}

fn put_actions(m: &mut Msg, a: Actions) -> Result {
    m.nest(VFLOW_A_RULE_ACTIONS, |m| {
        put_action(
            m,
            match a.verdict {
                Verdict::Allow => VFLOW_ACTION_TYPE_ALLOW,
                Verdict::Deny => VFLOW_ACTION_TYPE_DENY,
            },
        )?;
        if a.count {
            put_action(m, VFLOW_ACTION_TYPE_COUNT)?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Rules

fn rule_switch(req: &Request) -> Result<Arc<Switch>> {
    let ext = req.extack();
    let state = net_state(req.net(), ext)?;
    find_switch(&state, req.require(VFLOW_A_RULE_SWITCH, c"switch name is required")?, ext)
}

fn rule_id(req: &Request) -> Result<u32> {
    req.require(VFLOW_A_RULE_ID, c"rule id is required")?.u32()
}

pub(crate) fn rule_new(req: &Request) -> Result {
    let ext = req.extack();
    let sw = rule_switch(req)?;
    let id = rule_id(req)?;
    let priority = match req.attr(VFLOW_A_RULE_PRIORITY) {
        Some(a) => a.u32()?,
        None => DEFAULT_PRIORITY,
    };
    let m = match req.attr(VFLOW_A_RULE_MATCH) {
        Some(a) => parse_match(a, ext)?,
        None => Match::default(),
    };
    let actions = parse_actions(
        req.require(VFLOW_A_RULE_ACTIONS, c"actions are required (allow or deny)")?,
        ext,
    )?;
    let mut p = sw.policy().lock();
    p.rule_new(RuleSpec { id, priority, m }, actions)
        .map_err(|e| report(ext, e, req.attr(VFLOW_A_RULE_ID).as_ref()))
}

pub(crate) fn rule_set(req: &Request) -> Result {
    let ext = req.extack();
    let sw = rule_switch(req)?;
    let id = rule_id(req)?;
    let priority = req.attr(VFLOW_A_RULE_PRIORITY).map(|a| a.u32()).transpose()?;
    let m = req.attr(VFLOW_A_RULE_MATCH).map(|a| parse_match(a, ext)).transpose()?;
    let actions = req.attr(VFLOW_A_RULE_ACTIONS).map(|a| parse_actions(a, ext)).transpose()?;
    let mut p = sw.policy().lock();
    p.rule_set(id, priority, m, actions)
        .map_err(|e| report(ext, e, req.attr(VFLOW_A_RULE_ID).as_ref()))
}

pub(crate) fn rule_del(req: &Request) -> Result {
    let ext = req.extack();
    let sw = rule_switch(req)?;
    let id = rule_id(req)?;
    let mut p = sw.policy().lock();
    p.rule_del(id).map_err(|e| report(ext, e, req.attr(VFLOW_A_RULE_ID).as_ref()))
}

fn fill_rule(
    m: &mut Msg,
    sw: &Switch,
    rule: &Rule,
    refs: u32,
    from: Option<(&CStr, Direction)>,
) -> Result {
    m.put_str(VFLOW_A_RULE_SWITCH, sw.name().as_cstr())?;
    m.put_u32(VFLOW_A_RULE_ID, rule.id())?;
    m.put_u32(VFLOW_A_RULE_PRIORITY, rule.priority())?;
    put_match(m, rule.matcher())?;
    put_actions(m, rule.actions())?;
    let t = rule.totals();
    m.put_uint(VFLOW_A_RULE_MATCHES, t.matches)?;
    m.put_uint(VFLOW_A_RULE_PACKETS, t.packets)?;
    m.put_uint(VFLOW_A_RULE_BYTES, t.bytes)?;
    m.put_u32(VFLOW_A_RULE_REFS, refs)?;
    if let Some((layer, dir)) = from {
        m.put_str(VFLOW_A_RULE_LAYER, layer)?;
        m.put_u32(VFLOW_A_RULE_DIRECTION, dir_value(dir))?;
    }
    Ok(())
}

pub(crate) fn rule_get(req: &Request) -> Result {
    let ext = req.extack();
    let sw = rule_switch(req)?;
    let id = rule_id(req)?;
    let p = sw.policy().lock();
    let Some((rule, refs)) = p.rule(id) else {
        return Err(report(ext, PolicyError::NoRule(id), req.attr(VFLOW_A_RULE_ID).as_ref()));
    };
    req.reply(VFLOW_CMD_RULE_GET as u8, |m| fill_rule(m, &sw, rule, refs, None))
}

/// Dump cursors hold two parts: a major position (switch or table) above bit 33 and the next rule
/// id (or position) below.
const CURSOR_SHIFT: u32 = 33;

fn cursor_parts(dump: &Dump) -> (usize, u64) {
    let c = dump.cursor() as u64;
    ((c >> CURSOR_SHIFT) as usize, c & ((1u64 << CURSOR_SHIFT) - 1))
}

fn set_cursor_parts(dump: &mut Dump, major: usize, minor: u64) {
    let c = ((major as u64) << CURSOR_SHIFT) | minor;
    dump.set_cursor(usize::try_from(c).unwrap_or(usize::MAX));
}

/// The switches a dump covers: the one named by `attr_id`, or all.
fn dump_switches(dump: &Dump, state: &NetState, attr_id: u32) -> Result<KVec<Arc<Switch>>> {
    match dump.attr(attr_id) {
        Some(a) => {
            let sw = find_switch(state, a, dump.extack())?;
            let mut v = KVec::new();
            v.push(sw, GFP_KERNEL)?;
            Ok(v)
        }
        None => state.list(),
    }
}

/// Rule dump: every rule of one or all switches by id, or with `layer` the rules one layer
/// references (its out table, then its in table), each message naming the layer and table.
pub(crate) fn rule_dump(dump: &mut Dump) -> Result {
    let ext = dump.extack();
    let state = net_state(dump.net(), ext)?;
    if let Some(la) = dump.attr(VFLOW_A_RULE_LAYER) {
        let Some(sa) = dump.attr(VFLOW_A_RULE_SWITCH) else {
            return Err(ext.missing(VFLOW_A_RULE_SWITCH, c"a layer filter needs the switch name"));
        };
        let sw = find_switch(&state, sa, ext)?;
        let name = layer_name(la, ext)?;
        if sw.policy().lock().layer(name.as_cstr()).is_none() {
            return Err(ext.attr(ENOENT, &la, c"no such layer"));
        }
        return dump_layer_rules(dump, &sw, &name, ext);
    }
    let switches = dump_switches(dump, &state, VFLOW_A_RULE_SWITCH)?;
    let (first, mut next) = cursor_parts(dump);
    for (i, sw) in switches.iter().enumerate().skip(first) {
        let p = sw.policy().lock();
        for (rule, refs) in p.rules_from(u32::try_from(next).unwrap_or(u32::MAX)) {
            if next > u64::from(u32::MAX) {
                break;
            }
            if !dump.add(VFLOW_CMD_RULE_GET as u8, |m| fill_rule(m, sw, rule, refs, None))? {
                set_cursor_parts(dump, i, next);
                return Ok(());
            }
            next = u64::from(rule.id()) + 1;
        }
        next = 0;
        set_cursor_parts(dump, i + 1, 0);
    }
    Ok(())
}

fn dump_layer_rules(
    dump: &mut Dump,
    sw: &Switch,
    name: &SwitchName,
    ext: Extack,
) -> Result {
    let (first, mut next) = cursor_parts(dump);
    let p = sw.policy().lock();
    for (t, dir) in [Direction::Out, Direction::In].into_iter().enumerate().skip(first) {
        let Some(ids) = p.layer_ids(name.as_cstr(), dir) else {
            return Err(ext.msg(ENOENT, c"no such layer"));
        };
        let start = ids.partition_point(|&id| u64::from(id) < next);
        for &id in ids.get(start..).unwrap_or(&[]) {
            // Bound ids always name a rule (a bound rule cannot be deleted).
            let Some((rule, refs)) = p.rule(id) else { continue };
            let from = Some((name.as_cstr(), dir));
            if !dump.add(VFLOW_CMD_RULE_GET as u8, |m| fill_rule(m, sw, rule, refs, from))? {
                set_cursor_parts(dump, t, next);
                return Ok(());
            }
            next = u64::from(id) + 1;
        }
        next = 0;
        set_cursor_parts(dump, t + 1, 0);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Layers

fn layer_switch(req: &Request) -> Result<Arc<Switch>> {
    let ext = req.extack();
    let state = net_state(req.net(), ext)?;
    find_switch(&state, req.require(VFLOW_A_LAYER_SWITCH, c"switch name is required")?, ext)
}

fn req_layer_name(req: &Request) -> Result<(SwitchName, Attr<'_>)> {
    let a = req.require(VFLOW_A_LAYER_NAME, c"layer name is required")?;
    Ok((layer_name(a, req.extack())?, a))
}

fn req_verdict(req: &Request, id: u32) -> Result<Option<Verdict>> {
    Ok(req.attr(id).map(|a| a.u32()).transpose()?.map(verdict_of))
}

pub(crate) fn layer_new(req: &Request) -> Result {
    let ext = req.extack();
    let sw = layer_switch(req)?;
    let (name, at) = req_layer_name(req)?;
    let out_d = req_verdict(req, VFLOW_A_LAYER_OUT_DEFAULT)?.unwrap_or(Verdict::Allow);
    let in_d = req_verdict(req, VFLOW_A_LAYER_IN_DEFAULT)?.unwrap_or(Verdict::Allow);
    let mut p = sw.policy().lock();
    p.layer_new(name, out_d, in_d).map_err(|e| report(ext, e, Some(&at)))
}

pub(crate) fn layer_set(req: &Request) -> Result {
    let ext = req.extack();
    let sw = layer_switch(req)?;
    let (name, at) = req_layer_name(req)?;
    let out_d = req_verdict(req, VFLOW_A_LAYER_OUT_DEFAULT)?;
    let in_d = req_verdict(req, VFLOW_A_LAYER_IN_DEFAULT)?;
    let mut p = sw.policy().lock();
    p.layer_set(name.as_cstr(), out_d, in_d)
        .map_err(|e| report(ext, e, Some(&at)))
}

pub(crate) fn layer_del(req: &Request) -> Result {
    let ext = req.extack();
    let sw = layer_switch(req)?;
    let (name, at) = req_layer_name(req)?;
    let mut p = sw.policy().lock();
    p.layer_del(name.as_cstr()).map_err(|e| report(ext, e, Some(&at)))
}

fn fill_layer(m: &mut Msg, sw: &Switch, l: &LayerInfo<'_>) -> Result {
    m.put_str(VFLOW_A_LAYER_SWITCH, sw.name().as_cstr())?;
    m.put_str(VFLOW_A_LAYER_NAME, l.name)?;
    m.put_u32(VFLOW_A_LAYER_OUT_DEFAULT, verdict_value(l.out_default))?;
    m.put_u32(VFLOW_A_LAYER_IN_DEFAULT, verdict_value(l.in_default))?;
    m.put_u32(VFLOW_A_LAYER_N_OUT_RULES, l.n_out_rules)?;
    m.put_u32(VFLOW_A_LAYER_N_IN_RULES, l.n_in_rules)?;
    m.put_u32(VFLOW_A_LAYER_N_PORTS, l.n_ports)
}

pub(crate) fn layer_get(req: &Request) -> Result {
    let ext = req.extack();
    let sw = layer_switch(req)?;
    let (name, at) = req_layer_name(req)?;
    let p = sw.policy().lock();
    let Some(info) = p.layer(name.as_cstr()) else {
        return Err(ext.attr(ENOENT, &at, c"no such layer"));
    };
    req.reply(VFLOW_CMD_LAYER_GET as u8, |m| fill_layer(m, &sw, &info))
}

pub(crate) fn layer_dump(dump: &mut Dump) -> Result {
    let state = net_state(dump.net(), dump.extack())?;
    let switches = dump_switches(dump, &state, VFLOW_A_LAYER_SWITCH)?;
    let (first, pos) = cursor_parts(dump);
    let mut pos = usize::try_from(pos).unwrap_or(usize::MAX);
    for (i, sw) in switches.iter().enumerate().skip(first) {
        let p = sw.policy().lock();
        for info in p.layers_from(pos) {
            if !dump.add(VFLOW_CMD_LAYER_GET as u8, |m| fill_layer(m, sw, &info))? {
                set_cursor_parts(dump, i, pos as u64);
                return Ok(());
            }
            pos += 1;
        }
        pos = 0;
        set_cursor_parts(dump, i + 1, 0);
    }
    Ok(())
}

/// The rule ids of a `rule-list` nest.
fn rule_ids(a: Option<Attr<'_>>, total: &mut usize, ext: Extack) -> Result<KVVec<u32>> {
    let mut v = KVVec::new();
    let Some(a) = a else { return Ok(v) };
    for x in a.nested() {
        if x.id() != VFLOW_A_RULE_LIST_ID {
            continue;
        }
        *total += 1;
        if *total > VFLOW_MAX_BIND as usize {
            return Err(ext.attr(E2BIG, &x, c"at most 8191 rule ids per request"));
        }
        v.push(x.u32()?, GFP_KERNEL)?;
    }
    Ok(v)
}

/// The attribute carrying rule id `id` in a `rule-list` nest.
fn id_attr<'a>(list: Option<Attr<'a>>, id: u32) -> Option<Attr<'a>> {
    list?
        .nested()
        .find(|x| x.id() == VFLOW_A_RULE_LIST_ID && x.u32().ok() == Some(id))
}

fn bind_or_unbind(req: &Request, bind: bool) -> Result {
    let ext = req.extack();
    let sw = layer_switch(req)?;
    let (name, at) = req_layer_name(req)?;
    let out_a = req.attr(VFLOW_A_LAYER_OUT_RULES);
    let in_a = req.attr(VFLOW_A_LAYER_IN_RULES);
    let mut total = 0;
    let out_ids = rule_ids(out_a, &mut total, ext)?;
    let in_ids = rule_ids(in_a, &mut total, ext)?;
    let mut p = sw.policy().lock();
    p.layer_bind(name.as_cstr(), &out_ids, &in_ids, bind).map_err(|e| {
        let list = |d: Direction| if d == Direction::Out { out_a } else { in_a };
        let bad = match e {
            PolicyError::NoRule(id) => id_attr(out_a, id).or_else(|| id_attr(in_a, id)),
            PolicyError::AlreadyBound(id, d)
            | PolicyError::NotBound(id, d)
            | PolicyError::DuplicateId(id, d) => id_attr(list(d), id),
            _ => Some(at),
        };
        report(ext, e, bad.as_ref())
    })
}

pub(crate) fn layer_bind(req: &Request) -> Result {
    bind_or_unbind(req, true)
}

pub(crate) fn layer_unbind(req: &Request) -> Result {
    bind_or_unbind(req, false)
}

// ---------------------------------------------------------------------------------------------
// Port stacks

/// Builds a port's stack from a `layer-stack` nest (layer names, top first), for port-new and
/// port-set. The stack counts in its layers' n-ports from now on; the caller publishes it and
/// then bumps the policy generation. Takes the policy mutex: call after RTNL and the switch's
/// ports mutex, if taken.
pub(crate) fn build_stack(sw: &Switch, kind: PortKind, attr: Attr<'_>, ext: Extack) -> Result<KBox<Stack>> {
    let mut names: KVec<SwitchName> = KVec::new();
    let mut attrs: KVec<Attr<'_>> = KVec::new();
    for x in attr.nested() {
        if x.id() != VFLOW_A_LAYER_STACK_NAME {
            continue;
        }
        if names.len() >= VFLOW_MAX_LAYERS as usize {
            return Err(ext.attr(E2BIG, &x, c"a port takes at most 8 layers"));
        }
        names.push(layer_name(x, ext)?, GFP_KERNEL)?;
        attrs.push(x, GFP_KERNEL)?;
    }
    if !names.is_empty() && kind != PortKind::Vm {
        return Err(ext.attr(EINVAL, &attr, c"layers apply to vm ports only"));
    }
    let p = sw.policy().lock();
    p.stack(&names).map_err(|e| match e {
        PolicyError::NoLayer(i) => {
            let name = names.get(i).map_or(c"", |n| n.as_cstr());
            ext.fmt(ENOENT, attrs.get(i), format_args!("no such layer: {}", name.to_str().unwrap_or("?")))
        }
        PolicyError::DuplicateLayer(i) => report(ext, e, attrs.get(i)),
        _ => report(ext, e, None),
    })
}

pub(crate) fn port_set(req: &Request) -> Result {
    let ext = req.extack();
    let rtnl = Rtnl::lock();
    let port = port_of(req, &rtnl)?;
    let max_flows = req.attr(VFLOW_A_PORT_MAX_FLOWS).map(|a| a.u32()).transpose()?;
    // Everything is checked before anything changes.
    let stack = match req.attr(VFLOW_A_PORT_LAYERS) {
        Some(a) => Some(build_stack(port.switch(), port.kind(), a, ext)?),
        None => None,
    };
    if let Some(n) = max_flows {
        port.set_max_flows(n);
    }
    if let Some(s) = stack {
        // Returns once the old stack is freed (and uncounted from its layers).
        port.set_stack(s);
        port.switch().policy().bump_generation();
    }
    Ok(())
}
