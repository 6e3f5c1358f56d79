// SPDX-License-Identifier: GPL-2.0

//! Handlers of the flow-table operations: switch settings, flow dumps and flushes, explain.

use kernel::{prelude::*, sync::Arc};

use crate::ffi::{
    genl::{Attr, Dump, Extack, Msg, Request},
    work,
};
use crate::flow::{Action, Flow, FlowConfig};
use crate::genl::{find_switch, net_state};
use crate::logic::conn::{self, Timeouts};
use crate::logic::flowkey::FlowKey;
use crate::logic::rule::{Direction, Verdict};
use crate::port::{self, Port};
use crate::switch::Switch;
use crate::uapi::*;

const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;

/// `base` with the settings a switch-new or switch-set request carries.
pub(crate) fn parse_config(req: &Request, base: FlowConfig) -> Result<FlowConfig> {
    let ext = req.extack();
    let mut c = base;
    let get = |id: u32| -> Result<Option<u32>> { req.attr(id).map(|a| a.u32()).transpose() };
    let port_max_given = req.attr(VFLOW_A_SWITCH_PORT_MAX_FLOWS).is_some();
    if let Some(v) = get(VFLOW_A_SWITCH_MAX_FLOWS)? {
        c.max_flows = v;
        if !port_max_given && base.port_max_flows == base.max_flows / 4 {
            c.port_max_flows = (v / 4).max(1);
        }
    }
    if let Some(v) = get(VFLOW_A_SWITCH_PORT_MAX_FLOWS)? {
        c.port_max_flows = v;
    }
    if let Some(v) = get(VFLOW_A_SWITCH_LIMIT_ACTION)? {
        c.limit_drop = v == VFLOW_LIMIT_ACTION_DROP;
    }
    let t: &mut Timeouts = &mut c.timeouts;
    for (id, slot) in [
        (VFLOW_A_SWITCH_TCP_SYN_TIMEOUT, &mut t.tcp_syn),
        (VFLOW_A_SWITCH_TCP_EST_TIMEOUT, &mut t.tcp_est),
        (VFLOW_A_SWITCH_TCP_FIN_TIMEOUT, &mut t.tcp_fin),
        (VFLOW_A_SWITCH_UDP_TIMEOUT, &mut t.udp),
        (VFLOW_A_SWITCH_ICMP_TIMEOUT, &mut t.icmp),
        (VFLOW_A_SWITCH_OTHER_TIMEOUT, &mut t.other),
    ] {
        if let Some(v) = get(id)? {
            *slot = v;
        }
    }
    if c.port_max_flows > c.max_flows {
        return Err(match req.attr(VFLOW_A_SWITCH_PORT_MAX_FLOWS) {
            Some(a) => ext.attr(EINVAL, &a, c"port-max-flows is larger than max-flows"),
            None => ext.msg(EINVAL, c"port-max-flows is larger than max-flows"),
        });
    }
    Ok(c)
}

/// Puts a switch's flow-table settings and state.
pub(crate) fn put_config(m: &mut Msg, sw: &Switch) -> Result {
    let c = sw.config_now();
    m.put_u32(VFLOW_A_SWITCH_MAX_FLOWS, c.max_flows)?;
    m.put_u32(VFLOW_A_SWITCH_PORT_MAX_FLOWS, c.port_max_flows)?;
    let la = if c.limit_drop { VFLOW_LIMIT_ACTION_DROP } else { VFLOW_LIMIT_ACTION_UNCACHED };
    m.put_u32(VFLOW_A_SWITCH_LIMIT_ACTION, la)?;
    let t = &c.timeouts;
    m.put_u32(VFLOW_A_SWITCH_TCP_SYN_TIMEOUT, t.tcp_syn)?;
    m.put_u32(VFLOW_A_SWITCH_TCP_EST_TIMEOUT, t.tcp_est)?;
    m.put_u32(VFLOW_A_SWITCH_TCP_FIN_TIMEOUT, t.tcp_fin)?;
    m.put_u32(VFLOW_A_SWITCH_UDP_TIMEOUT, t.udp)?;
    m.put_u32(VFLOW_A_SWITCH_ICMP_TIMEOUT, t.icmp)?;
    m.put_u32(VFLOW_A_SWITCH_OTHER_TIMEOUT, t.other)?;
    m.put_u32(VFLOW_A_SWITCH_N_FLOWS, sw.flows().count())?;
    m.put_u32(VFLOW_A_SWITCH_N_RULES, sw.policy().n_rules())?;
    m.put_u32(VFLOW_A_SWITCH_N_LAYERS, sw.policy().n_layers())?;
    m.put_u32(VFLOW_A_SWITCH_GENERATION, sw.policy().generation())
}

pub(crate) fn switch_set(req: &Request) -> Result {
    let ext = req.extack();
    let state = net_state(req.net(), ext)?;
    let sw = find_switch(&state, req.require(VFLOW_A_SWITCH_NAME, c"switch name is required")?, ext)?;
    let cfg = parse_config(req, sw.config_now())?;
    sw.set_config(cfg)
}

fn switch_of(req: &Request, id: u32) -> Result<Arc<Switch>> {
    let ext = req.extack();
    let state = net_state(req.net(), ext)?;
    find_switch(&state, req.require(id, c"switch name is required")?, ext)
}

pub(crate) fn flow_flush(req: &Request) -> Result {
    let sw = switch_of(req, VFLOW_A_FLOW_SWITCH)?;
    match req.attr(VFLOW_A_FLOW_IN_PORT) {
        Some(a) => {
            let id = a.u32()?;
            let id = u16::try_from(id).map_err(|_| req.extack().attr(EINVAL, &a, c"no such port id"))?;
            // A port's flows, and the reverse flows of its connections.
            sw.flows().flush(|f| f.in_port() == id || f.peer() == id);
        }
        None => {
            sw.flows().flush(|_| true);
        }
    }
    Ok(())
}

fn ip_bytes(key: &FlowKey, ip: &[u8; 16]) -> ([u8; 16], usize) {
    if key.ethertype == ETH_P_IP || key.ethertype == 0x0806 {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&ip[12..16]);
        (b, 4)
    } else {
        (*ip, 16)
    }
}

/// Puts a flow key nest (fields that are zero are left out, as the spec says).
fn put_key(m: &mut Msg, id: u32, key: &FlowKey) -> Result {
    m.nest(id, |m| {
        m.put_bytes(VFLOW_A_FLOW_KEY_SRC_MAC, &key.src_mac)?;
        m.put_bytes(VFLOW_A_FLOW_KEY_DST_MAC, &key.dst_mac)?;
        m.put_u16(VFLOW_A_FLOW_KEY_ETHERTYPE, key.ethertype)?;
        if key.vlan_id != 0 {
            m.put_u16(VFLOW_A_FLOW_KEY_VLAN_ID, key.vlan_id)?;
        }
        if key.ethertype == ETH_P_IP || key.ethertype == ETH_P_IPV6 || key.ethertype == 0x0806 {
            let (s, n) = ip_bytes(key, &key.src_ip);
            m.put_bytes(VFLOW_A_FLOW_KEY_SRC_IP, &s[..n])?;
            let (d, n) = ip_bytes(key, &key.dst_ip);
            m.put_bytes(VFLOW_A_FLOW_KEY_DST_IP, &d[..n])?;
        }
        if key.ip_proto != 0 {
            m.put_u8(VFLOW_A_FLOW_KEY_IP_PROTO, key.ip_proto)?;
            m.put_u16(VFLOW_A_FLOW_KEY_SRC_PORT, key.src_port)?;
            m.put_u16(VFLOW_A_FLOW_KEY_DST_PORT, key.dst_port)?;
        }
        if key.tos != 0 {
            m.put_u8(VFLOW_A_FLOW_KEY_TOS, key.tos)?;
        }
        Ok(())
    })
}

fn ms(jiffies: u64, hz: u64) -> u64 {
    jiffies.saturating_mul(1000) / hz.max(1)
}

fn fill_flow(m: &mut Msg, sw: &Switch, f: &Flow, twin: Option<&Flow>, now: u64, hz: u64) -> Result {
    m.put_str(VFLOW_A_FLOW_SWITCH, sw.name().as_cstr())?;
    m.put_u32(VFLOW_A_FLOW_IN_PORT, u32::from(f.in_port()))?;
    let verdict = match f.action() {
        Action::Forward(p) => {
            m.put_u32(VFLOW_A_FLOW_OUT_PORT, u32::from(p))?;
            VFLOW_VERDICT_ALLOW
        }
        Action::Pass => VFLOW_VERDICT_ALLOW,
        Action::Deny => VFLOW_VERDICT_DENY,
    };
    put_key(m, VFLOW_A_FLOW_KEY, f.key())?;
    m.put_u32(VFLOW_A_FLOW_VERDICT, verdict)?;
    let prov = f.provenance();
    if prov.layer[0] != 0 {
        if let Ok(name) = CStr::from_bytes_until_nul(&prov.layer) {
            m.put_str(VFLOW_A_FLOW_LAYER, name)?;
        }
    }
    m.put_u32(VFLOW_A_FLOW_RULE_ID, prov.rule_id)?;
    m.put_uint(VFLOW_A_FLOW_PACKETS, f.packets())?;
    m.put_uint(VFLOW_A_FLOW_BYTES, f.bytes())?;
    m.put_uint(VFLOW_A_FLOW_AGE_MS, ms(now.wrapping_sub(f.created()), hz))?;
    m.put_uint(VFLOW_A_FLOW_IDLE_MS, ms(now.wrapping_sub(f.last_used()), hz))?;
    let (fwd, rev) = match (f.is_reply(), twin) {
        (false, t) => (f.tcp_flags(), t.map_or(0, |t| t.tcp_flags())),
        (true, t) => (t.map_or(0, |t| t.tcp_flags()), f.tcp_flags()),
    };
    let key = if f.is_reply() { conn::reverse(f.key()) } else { *f.key() };
    m.put_u32(VFLOW_A_FLOW_TCP_STATE, conn::conn_state(&key, fwd, rev).uapi())?;
    if f.is_reply() {
        m.put_flag(VFLOW_A_FLOW_REPLY)?;
    }
    m.put_u32(VFLOW_A_FLOW_GENERATION, f.generation())
}

/// Flow dumps resume at a bucket and a position in it; a bucket's chain is read under RCU
/// while one message is filled, so no lock is held across the dump (flows installed or removed
/// meanwhile may be missed or seen twice, as with conntrack dumps).
pub(crate) fn flow_dump(dump: &mut Dump) -> Result {
    let ext = dump.extack();
    let state = net_state(dump.net(), ext)?;
    let attr = dump
        .attr(VFLOW_A_FLOW_SWITCH)
        .ok_or_else(|| ext.missing(VFLOW_A_FLOW_SWITCH, c"switch name is required"))?;
    let sw = find_switch(&state, attr, ext)?;
    let port_filter = match dump.attr(VFLOW_A_FLOW_IN_PORT) {
        Some(a) => Some(a.u32()?),
        None => None,
    };
    let (now, hz) = (work::jiffies(), work::hz());
    // Cursor: bucket << 16 | index in the bucket.
    let cur = dump.cursor();
    let (mut bucket, mut skip) = (cur >> 16, cur & 0xffff);
    let flows = sw.flows();
    let g = kernel::sync::rcu::read_lock();
    let n = flows.n_buckets(&g);
    'outer: while bucket < n {
        for (i, f) in flows.bucket(&g, bucket).enumerate() {
            if i < skip {
                continue;
            }
            if port_filter.is_some_and(|p| p != u32::from(f.in_port())) {
                continue;
            }
            let twin = flows.twin(&g, f);
            if !dump.add(VFLOW_CMD_FLOW_GET as u8, |m| fill_flow(m, &sw, f, twin, now, hz))? {
                skip = i;
                break 'outer;
            }
        }
        // Empty buckets are skipped (the table's occupancy bitmap); the cursor stays a bucket index.
        bucket = flows.next_occupied(&g, bucket + 1).unwrap_or(n);
        skip = 0;
    }
    drop(g);
    dump.set_cursor((bucket << 16) | skip);
    Ok(())
}

fn ip16(a: Attr<'_>, ext: Extack) -> Result<([u8; 16], u16)> {
    let b = a.bytes();
    let mut ip = [0u8; 16];
    match b.len() {
        4 => {
            ip[10] = 0xff;
            ip[11] = 0xff;
            ip[12..].copy_from_slice(b);
            Ok((ip, ETH_P_IP))
        }
        16 => {
            ip.copy_from_slice(b);
            Ok((ip, ETH_P_IPV6))
        }
        _ => Err(ext.attr(EINVAL, &a, c"an address must be 4 (IPv4) or 16 (IPv6) bytes")),
    }
}

/// The synthetic packet of an explain request.
fn parse_key(nest: Attr<'_>, ext: Extack) -> Result<FlowKey> {
    let mut k = FlowKey::default();
    let mut family = None;
    let mut flags_given = false;
    for a in nest.nested() {
        match a.id() {
            VFLOW_A_FLOW_KEY_SRC_MAC => k.src_mac.copy_from_slice(a.bytes().get(..6).ok_or(EINVAL)?),
            VFLOW_A_FLOW_KEY_DST_MAC => k.dst_mac.copy_from_slice(a.bytes().get(..6).ok_or(EINVAL)?),
            VFLOW_A_FLOW_KEY_ETHERTYPE => k.ethertype = a.u16()?,
            VFLOW_A_FLOW_KEY_VLAN_ID => k.vlan_id = a.u16()?,
            VFLOW_A_FLOW_KEY_SRC_IP => {
                let (ip, f) = ip16(a, ext)?;
                k.src_ip = ip;
                family = Some((f, a));
            }
            VFLOW_A_FLOW_KEY_DST_IP => {
                let (ip, f) = ip16(a, ext)?;
                k.dst_ip = ip;
                if family.is_some_and(|(g, _)| g != f) {
                    return Err(ext.attr(EINVAL, &a, c"source and destination addresses differ in family"));
                }
                family = Some((f, a));
            }
            VFLOW_A_FLOW_KEY_IP_PROTO => k.ip_proto = a.u8()?,
            VFLOW_A_FLOW_KEY_SRC_PORT => k.src_port = a.u16()?,
            VFLOW_A_FLOW_KEY_DST_PORT => k.dst_port = a.u16()?,
            VFLOW_A_FLOW_KEY_TOS => k.tos = a.u8()?,
            VFLOW_A_FLOW_KEY_TCP_FLAGS => {
                k.tcp_flags = a.u16()? & 0x1ff;
                flags_given = true;
            }
            _ => {}
        }
    }
    if k.ip_proto == 6 && !flags_given {
        // The packet that opens a connection, which is what creates a flow.
        k.tcp_flags = conn::TCP_SYN;
    }
    if let Some((f, a)) = family {
        if k.ethertype == 0 {
            k.ethertype = f;
        } else if k.ethertype != f {
            return Err(ext.attr(EINVAL, &a, c"address family contradicts the ethertype"));
        }
    }
    Ok(k)
}

pub(crate) fn explain(req: &Request) -> Result {
    let ext = req.extack();
    let sw = switch_of(req, VFLOW_A_EXPLAIN_SWITCH)?;
    let pa = req.require(VFLOW_A_EXPLAIN_PORT, c"port id is required")?;
    let dir = match req.require(VFLOW_A_EXPLAIN_DIRECTION, c"direction is required")?.u32()? {
        VFLOW_DIRECTION_IN => Direction::In,
        _ => Direction::Out,
    };
    let key = match req.attr(VFLOW_A_EXPLAIN_KEY) {
        Some(a) => parse_key(a, ext)?,
        None => FlowKey::default(),
    };
    let port: Arc<Port> = {
        let g = kernel::sync::rcu::read_lock();
        let id = u16::try_from(pa.u32()?).unwrap_or(u16::MAX);
        sw.table(&g)
            .port(id)
            .cloned()
            .ok_or_else(|| ext.attr(ENOENT, &pa, c"no port with this id in the switch"))?
    };
    req.reply(VFLOW_CMD_EXPLAIN as u8, |m| {
        m.put_str(VFLOW_A_EXPLAIN_SWITCH, sw.name().as_cstr())?;
        m.put_u32(VFLOW_A_EXPLAIN_PORT, u32::from(port.id()))?;
        let d = match dir {
            Direction::Out => VFLOW_DIRECTION_OUT,
            Direction::In => VFLOW_DIRECTION_IN,
        };
        m.put_u32(VFLOW_A_EXPLAIN_DIRECTION, d)?;
        put_key(m, VFLOW_A_EXPLAIN_KEY, &key)?;
        let g = kernel::sync::rcu::read_lock();
        let mut err = Ok(());
        let res = port::explain(&g, &sw, &port, dir, &key, &mut |pid, dir, layer, rule, v| {
            if err.is_err() {
                return;
            }
            err = m.nest(VFLOW_A_EXPLAIN_STEP, |m| {
                m.put_u32(VFLOW_A_EXPLAIN_STEP_PORT, u32::from(pid))?;
                let d = match dir {
                    Direction::Out => VFLOW_DIRECTION_OUT,
                    Direction::In => VFLOW_DIRECTION_IN,
                };
                m.put_u32(VFLOW_A_EXPLAIN_STEP_DIRECTION, d)?;
                m.put_str(VFLOW_A_EXPLAIN_STEP_LAYER, layer.name())?;
                m.put_u32(VFLOW_A_EXPLAIN_STEP_RULE_ID, rule.map_or(0, |r| r.id()))?;
                let v = match v {
                    Verdict::Allow => VFLOW_VERDICT_ALLOW,
                    Verdict::Deny => VFLOW_VERDICT_DENY,
                };
                m.put_u32(VFLOW_A_EXPLAIN_STEP_VERDICT, v)
            });
        });
        drop(g);
        err?;
        let v = match res.verdict {
            Verdict::Allow => VFLOW_VERDICT_ALLOW,
            Verdict::Deny => VFLOW_VERDICT_DENY,
        };
        m.put_u32(VFLOW_A_EXPLAIN_VERDICT, v)?;
        if let Some(o) = res.out_port {
            m.put_u32(VFLOW_A_EXPLAIN_OUT_PORT, u32::from(o))?;
        }
        Ok(())
    })
}
