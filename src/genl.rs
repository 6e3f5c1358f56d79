// SPDX-License-Identifier: GPL-2.0

//! Handlers of the `vflow` generic-netlink family. Attribute types, lengths and ranges are already
//! checked by the generated policies; these handlers check meaning, take RTNL for changes, and
//! say what went wrong in the extended ACK.

use kernel::{prelude::*, sync::Arc};

use crate::ffi::{
    genl::{Attr, Dump, Extack, Msg, Request},
    netdev::{Net, NetDev},
    pernet::state_of,
    rtnl::Rtnl,
    rx,
};
use crate::logic::fdb::{is_valid_source, Mac, PortKind};
use crate::netns::NetState;
use crate::port::Port;
use crate::switch::{PortConfig, Switch, SwitchName};
use crate::uapi::*;

pub(crate) fn net_state(net: &Net, ext: Extack) -> Result<Arc<NetState>> {
    state_of(net).ok_or_else(|| ext.msg(ENODEV, c"vflow is not active in this network namespace"))
}

pub(crate) fn switch_name(attr: Attr<'_>, ext: Extack) -> Result<SwitchName> {
    let s = attr.string()?;
    SwitchName::new(s).ok_or_else(|| {
        ext.attr(
            EINVAL,
            &attr,
            c"switch name must be 1-15 printable characters without spaces or '/'",
        )
    })
}

pub(crate) fn find_switch(state: &NetState, attr: Attr<'_>, ext: Extack) -> Result<Arc<Switch>> {
    let name = switch_name(attr, ext)?;
    state
        .find(&name)
        .ok_or_else(|| ext.attr(ENOENT, &attr, c"no such switch"))
}

/// The device a request names by `ifindex` or `ifname` in the caller's namespace.
pub(crate) fn request_dev<'a>(
    req: &Request,
    rtnl: &'a Rtnl,
    ifindex_id: u32,
    ifname_id: u32,
) -> Result<&'a NetDev> {
    let ext = req.extack();
    if let Some(a) = req.attr(ifindex_id) {
        let idx = i32::try_from(a.u32()?).map_err(|_| EINVAL)?;
        return req
            .net()
            .dev_by_index(rtnl, idx)
            .ok_or_else(|| ext.attr(ENODEV, &a, c"no such device (ifindex) in this namespace"));
    }
    if let Some(a) = req.attr(ifname_id) {
        let name = a.string()?;
        return req
            .net()
            .dev_by_name(rtnl, name)
            .ok_or_else(|| ext.attr(ENODEV, &a, c"no such device in this namespace"));
    }
    Err(ext.missing(ifname_id, c"a device (ifname or ifindex) is required"))
}

pub(crate) fn switch_new(req: &Request) -> Result {
    let ext = req.extack();
    let name = switch_name(req.require(VFLOW_A_SWITCH_NAME, c"switch name is required")?, ext)?;
    let state = net_state(req.net(), ext)?;
    let cfg = crate::genl_flow::parse_config(req, crate::flow::FlowConfig::default())?;
    let rtnl = Rtnl::lock();
    state.add(&rtnl, name, cfg).map_err(|e| {
        if e == EEXIST {
            ext.msg(e, c"a switch with this name already exists")
        } else {
            e
        }
    })
}

pub(crate) fn switch_del(req: &Request) -> Result {
    let ext = req.extack();
    let attr = req.require(VFLOW_A_SWITCH_NAME, c"switch name is required")?;
    let name = switch_name(attr, ext)?;
    let state = net_state(req.net(), ext)?;
    let rtnl = Rtnl::lock();
    state
        .remove(&rtnl, &name)
        .map_err(|e| if e == ENOENT { ext.attr(e, &attr, c"no such switch") } else { e })
}

fn fill_switch(m: &mut Msg, sw: &Switch) -> Result {
    m.put_str(VFLOW_A_SWITCH_NAME, sw.name().as_cstr())?;
    m.put_u32(VFLOW_A_SWITCH_N_PORTS, sw.n_ports() as u32)?;
    sw.stats().snapshot().put(m, VFLOW_A_SWITCH_STATS)?;
    crate::genl_flow::put_config(m, sw)
}

pub(crate) fn switch_get(req: &Request) -> Result {
    let ext = req.extack();
    let state = net_state(req.net(), ext)?;
    let sw = find_switch(&state, req.require(VFLOW_A_SWITCH_NAME, c"switch name is required")?, ext)?;
    req.reply(VFLOW_CMD_SWITCH_GET as u8, |m| fill_switch(m, &sw))
}

pub(crate) fn switch_dump(dump: &mut Dump) -> Result {
    let state = net_state(dump.net(), dump.extack())?;
    let list = state.list()?;
    let mut pos = dump.cursor();
    for sw in list.iter().skip(pos) {
        if !dump.add(VFLOW_CMD_SWITCH_GET as u8, |m| fill_switch(m, sw))? {
            break;
        }
        pos += 1;
    }
    dump.set_cursor(pos);
    Ok(())
}

fn port_kind(v: u32) -> PortKind {
    if v == VFLOW_PORT_TYPE_UPLINK {
        PortKind::Uplink
    } else {
        PortKind::Vm
    }
}

pub(crate) fn port_new(req: &Request) -> Result {
    let ext = req.extack();
    let state = net_state(req.net(), ext)?;
    let sw = find_switch(&state, req.require(VFLOW_A_PORT_SWITCH, c"switch name is required")?, ext)?;
    // The policy limits the type to the enum's values.
    let kind = match req.attr(VFLOW_A_PORT_TYPE) {
        Some(a) => port_kind(a.u32()?),
        None => PortKind::Vm,
    };
    let mac = match req.attr(VFLOW_A_PORT_MAC) {
        Some(a) => {
            let mut mac: Mac = [0; 6];
            mac.copy_from_slice(a.bytes().get(..6).ok_or(EINVAL)?);
            if kind != PortKind::Vm {
                return Err(ext.attr(EINVAL, &a, c"only vm ports take a mac"));
            }
            if !is_valid_source(&mac) {
                return Err(ext.attr(EINVAL, &a, c"mac must be a unicast, non-zero address"));
            }
            Some(mac)
        }
        None => None,
    };
    let rtnl = Rtnl::lock();
    let dev = request_dev(req, &rtnl, VFLOW_A_PORT_IFINDEX, VFLOW_A_PORT_IFNAME)?;
    if rx::handler_of::<Port>(&rtnl, dev).is_some() {
        return Err(ext.msg(EBUSY, c"device is already a vflow port"));
    }
    if !dev.is_ether() {
        return Err(ext.msg(EINVAL, c"only Ethernet devices can be vflow ports"));
    }
    let port = sw.attach(&rtnl, dev, PortConfig { kind, mac }).map_err(|e| {
        if e == EBUSY {
            ext.msg(e, c"device already has an rx_handler (bridge, bond, team, macvlan or ovs port?)")
        } else if e == ENOSPC {
            ext.msg(e, c"switch has the maximum number of ports")
        } else if e == EEXIST {
            ext.msg(e, c"another port of this switch has this mac")
        } else {
            e
        }
    })?;
    if let Some(a) = req.attr(VFLOW_A_PORT_MAX_FLOWS) {
        port.set_max_flows(a.u32()?);
    }
    if let Some(a) = req.attr(VFLOW_A_PORT_LAYERS) {
        match crate::genl_policy::build_stack(&sw, kind, a, ext) {
            Ok(stack) => {
                port.set_stack(stack);
                sw.policy().bump_generation();
            }
            Err(e) => {
                sw.detach(&rtnl, &port);
                return Err(e);
            }
        }
    }
    Ok(())
}

pub(crate) fn port_of(req: &Request, rtnl: &Rtnl) -> Result<Arc<Port>> {
    let dev = request_dev(req, rtnl, VFLOW_A_PORT_IFINDEX, VFLOW_A_PORT_IFNAME)?;
    rx::handler_of::<Port>(rtnl, dev)
        .map(Into::into)
        .ok_or_else(|| req.extack().msg(ENOENT, c"device is not a vflow port"))
}

pub(crate) fn port_del(req: &Request) -> Result {
    let rtnl = Rtnl::lock();
    let port = port_of(req, &rtnl)?;
    port.switch().detach(&rtnl, &port);
    Ok(())
}

/// Fills a port message; the device name is read under RTNL (it can change otherwise).
fn fill_port(m: &mut Msg, port: &Port, _rtnl: &Rtnl) -> Result {
    m.put_str(VFLOW_A_PORT_SWITCH, port.switch().name().as_cstr())?;
    m.put_u32(VFLOW_A_PORT_IFINDEX, port.dev().ifindex() as u32)?;
    m.put_str(VFLOW_A_PORT_IFNAME, port.dev().name())?;
    let kind = match port.kind() {
        PortKind::Vm => VFLOW_PORT_TYPE_VM,
        PortKind::Uplink => VFLOW_PORT_TYPE_UPLINK,
    };
    m.put_u32(VFLOW_A_PORT_TYPE, kind)?;
    if let Some(mac) = port.mac() {
        m.put_bytes(VFLOW_A_PORT_MAC, &mac)?;
    }
    m.put_u32(VFLOW_A_PORT_ID, u32::from(port.id()))?;
    port.stats().snapshot().put(m, VFLOW_A_PORT_STATS)?;
    {
        let g = kernel::sync::rcu::read_lock();
        crate::policy::put_stack(m, port.stack(&g))?;
    }
    m.put_u32(VFLOW_A_PORT_MAX_FLOWS, port.max_flows())?;
    m.put_u32(VFLOW_A_PORT_N_FLOWS, port.switch().flows().port_count(port.id()))
}

pub(crate) fn port_get(req: &Request) -> Result {
    let rtnl = Rtnl::lock();
    let port = port_of(req, &rtnl)?;
    req.reply(VFLOW_CMD_PORT_GET as u8, |m| fill_port(m, &port, &rtnl))
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

pub(crate) fn port_dump(dump: &mut Dump) -> Result {
    let state = net_state(dump.net(), dump.extack())?;
    let switches = dump_switches(dump, &state, VFLOW_A_PORT_SWITCH)?;
    let rtnl = Rtnl::lock();
    let start = dump.cursor();
    let mut pos = 0usize;
    'outer: for sw in switches.iter() {
        for port in sw.port_list()?.iter() {
            if pos >= start {
                if !dump.add(VFLOW_CMD_PORT_GET as u8, |m| fill_port(m, port, &rtnl))? {
                    break 'outer;
                }
            }
            pos += 1;
        }
    }
    dump.set_cursor(pos);
    Ok(())
}

fn fill_fdb(m: &mut Msg, sw: &Switch, mac: &Mac, port: &Port, is_static: bool) -> Result {
    m.put_str(VFLOW_A_FDB_SWITCH, sw.name().as_cstr())?;
    m.put_bytes(VFLOW_A_FDB_MAC, mac)?;
    m.put_u32(VFLOW_A_FDB_IFINDEX, port.dev().ifindex() as u32)?;
    if is_static {
        m.put_flag(VFLOW_A_FDB_STATIC)?;
    }
    Ok(())
}

pub(crate) fn fdb_dump(dump: &mut Dump) -> Result {
    let state = net_state(dump.net(), dump.extack())?;
    let switches = dump_switches(dump, &state, VFLOW_A_FDB_SWITCH)?;
    let start = dump.cursor();
    let mut pos = 0usize;
    let mut full = false;
    for sw in switches.iter() {
        let ports = sw.port_list()?;
        let by_id = |id: u16| ports.iter().find(|p| p.id() == id);
        // Static entries first, then learned ones (each learned entry once: a MAC has one slot).
        for p in ports.iter() {
            if let Some(mac) = p.mac() {
                if !full && pos >= start {
                    full = !dump.add(VFLOW_CMD_FDB_GET as u8, |m| fill_fdb(m, sw, &mac, p, true))?;
                }
                if !full {
                    pos += 1;
                }
            }
        }
        let mut err = Ok(());
        sw.fdb().for_each(|mac, id| {
            let Some(p) = by_id(id) else { return };
            if full || err.is_err() {
                return;
            }
            if pos >= start {
                match dump.add(VFLOW_CMD_FDB_GET as u8, |m| fill_fdb(m, sw, &mac, p, false)) {
                    Ok(true) => {}
                    Ok(false) => {
                        full = true;
                        return;
                    }
                    Err(e) => {
                        err = Err(e);
                        return;
                    }
                }
            }
            pos += 1;
        });
        err?;
        if full {
            break;
        }
    }
    dump.set_cursor(pos);
    Ok(())
}
