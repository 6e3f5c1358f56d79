// SPDX-License-Identifier: GPL-2.0

//! A switch: its ports, the port table the packet path reads, and attach/detach.

use core::sync::atomic::{AtomicU32, Ordering};

use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

use crate::fdb::Fdb;
use crate::ffi::{
    netdev::{NetDev, NetDevRef},
    rcu::{RcuBox, RcuReader},
    rtnl::Rtnl,
    rx,
    work::{self, Periodic},
};
use crate::flow::{FlowConfig, FlowTable};
use crate::policy::Policy;
use crate::logic::conn;
use crate::logic::fdb::{Mac, PortKind};
use crate::port::Port;
use crate::stats::Stats;
use crate::uapi::{VFLOW_MAX_PORTS, VFLOW_NAME_MAX_LEN};

/// A switch name: 1 to 15 bytes, NUL-padded.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SwitchName([u8; 16]);

impl SwitchName {
    /// Validates a name; `None` if empty, too long or containing a space, '/' or a control byte.
    pub(crate) fn new(s: &CStr) -> Option<Self> {
        let b = s.to_bytes();
        if b.is_empty() || b.len() > VFLOW_NAME_MAX_LEN as usize {
            return None;
        }
        if b.iter().any(|&c| c <= b' ' || c == b'/' || c >= 0x7f) {
            return None;
        }
        let mut n = [0u8; 16];
        n[..b.len()].copy_from_slice(b);
        Some(SwitchName(n))
    }

    pub(crate) fn as_cstr(&self) -> &CStr {
        // The array always holds a NUL: names are at most 15 bytes.
        CStr::from_bytes_until_nul(&self.0).unwrap_or(c"")
    }
}

/// What the packet path reads: an immutable view of the ports, replaced as a whole under RCU.
pub(crate) struct PortTable {
    ports: KVec<Arc<Port>>,
    /// Port number -> index in `ports` plus one (0: no such port).
    by_id: KVec<u16>,
    /// Configured MACs of VM ports and their port numbers.
    statics: KVec<(Mac, u16)>,
}

impl PortTable {
    fn empty() -> Self {
        PortTable {
            ports: KVec::new(),
            by_id: KVec::new(),
            statics: KVec::new(),
        }
    }

    fn build(slots: &[Option<Arc<Port>>]) -> Result<Self> {
        let mut t = PortTable::empty();
        for p in slots.iter().flatten() {
            t.ports.push(p.clone(), GFP_KERNEL)?;
        }
        t.by_id.resize(slots.len(), 0, GFP_KERNEL)?;
        for (i, p) in t.ports.iter().enumerate() {
            if let Some(e) = t.by_id.get_mut(usize::from(p.id())) {
                *e = (i + 1) as u16;
            }
            if let Some(mac) = p.mac() {
                t.statics.push((mac, p.id()), GFP_KERNEL)?;
            }
        }
        Ok(t)
    }

    /// All ports.
    pub(crate) fn ports(&self) -> &[Arc<Port>] {
        &self.ports
    }

    /// The port with number `id`.
    #[inline]
    pub(crate) fn port(&self, id: u16) -> Option<&Arc<Port>> {
        let i = *self.by_id.get(usize::from(id))?;
        self.ports.get(usize::from(i).checked_sub(1)?)
    }

    /// The port a configured (static) MAC belongs to.
    #[inline]
    pub(crate) fn static_port(&self, mac: &Mac) -> Option<u16> {
        self.statics.iter().find(|(m, _)| m == mac).map(|&(_, id)| id)
    }
}

/// Control-side view of the ports, under the switch's mutex.
struct Ports {
    /// Indexed by port number.
    slots: KVec<Option<Arc<Port>>>,
    /// An empty table kept aside so detaching never depends on an allocation succeeding.
    spare: Option<KBox<PortTable>>,
}

/// A switch.
#[pin_data]
pub(crate) struct Switch {
    name: SwitchName,
    #[pin]
    ports: Mutex<Ports>,
    table: RcuBox<PortTable>,
    fdb: Fdb,
    stats: Stats,
    #[pin]
    flows: FlowTable,
    /// Flow-table settings; replaced as a whole under `ports`.
    config: RcuBox<FlowConfig>,
    policy: Arc<Policy>,
    /// The flow sweeper; it holds a reference to the switch, dropped by `destroy`.
    #[pin]
    gc: Mutex<Option<Pin<KBox<Periodic<Switch>>>>>,
    /// The sweeper's next slice of the bucket array (see [`SWEEP_TICKS`]).
    sweep_slice: AtomicU32,
}

/// The sweeper runs `SWEEP_TICKS` times a second, each time over one slice of the bucket array:
/// a pass over the whole table takes `conn::sweep_pass_secs` seconds (1 to 8, from the shortest
/// timeout), so a table of a million connections costs a few milliseconds of work every tenth
/// of a second rather than tens of milliseconds at once (which a softirq sharing the CPU would
/// feel as a burst).
const SWEEP_TICKS: u32 = 10;

/// How a port is asked for.
pub(crate) struct PortConfig {
    pub(crate) kind: PortKind,
    pub(crate) mac: Option<Mac>,
}

impl Switch {
    /// A switch with flow-table settings `cfg`; its flow sweeper runs until [`Self::destroy`].
    pub(crate) fn new(name: SwitchName, cfg: FlowConfig) -> Result<Arc<Self>> {
        let table = RcuBox::new(KBox::new(PortTable::empty(), GFP_KERNEL)?);
        let sw = Arc::pin_init(
            try_pin_init!(Switch {
                name,
                ports <- new_mutex!(Ports {
                    slots: KVec::new(),
                    spare: Some(KBox::new(PortTable::empty(), GFP_KERNEL)?),
                }),
                table,
                fdb: Fdb::new()?,
                stats: Stats::new()?,
                flows <- FlowTable::new(cfg.max_flows)?,
                config: RcuBox::new(KBox::new(cfg, GFP_KERNEL)?),
                policy: Policy::new()?,
                gc <- new_mutex!(None),
                sweep_slice: AtomicU32::new(0),
            }),
            GFP_KERNEL,
        )?;
        let period = (work::hz() / u64::from(SWEEP_TICKS)).max(1);
        let gc = Periodic::start(sw.clone(), period, Switch::sweep)?;
        *sw.gc.lock() = Some(gc);
        Ok(sw)
    }

    fn sweep(&self) {
        let t = {
            let g = kernel::sync::rcu::read_lock();
            self.config.read(&g).timeouts
        };
        let slices = SWEEP_TICKS * conn::sweep_pass_secs(&t);
        let slice = self.sweep_slice.fetch_add(1, Ordering::Relaxed) % slices;
        self.flows.sweep(&t, slice, slices);
    }

    pub(crate) fn flows(&self) -> &FlowTable {
        &self.flows
    }

    pub(crate) fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// Flow-table settings, for the packet path.
    #[inline]
    pub(crate) fn config<'a>(&'a self, rcu: &'a impl RcuReader) -> &'a FlowConfig {
        self.config.read(rcu)
    }

    /// Flow-table settings now.
    pub(crate) fn config_now(&self) -> FlowConfig {
        let g = kernel::sync::rcu::read_lock();
        *self.config.read(&g)
    }

    /// Applies new flow-table settings. Raising `max_flows` past what the table was sized for
    /// rebuilds it empty.
    pub(crate) fn set_config(&self, cfg: FlowConfig) -> Result {
        let _ports = self.ports.lock();
        let old = self.config_now();
        if crate::flow::buckets_for(cfg.max_flows) > crate::flow::buckets_for(old.max_flows) {
            self.flows.rebuild(cfg.max_flows)?;
        }
        drop(self.config.replace(KBox::new(cfg, GFP_KERNEL)?));
        Ok(())
    }
    pub(crate) fn name(&self) -> &SwitchName {
        &self.name
    }

    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    pub(crate) fn fdb(&self) -> &Fdb {
        &self.fdb
    }

    /// The port table for the packet path.
    #[inline]
    pub(crate) fn table<'a>(&'a self, rcu: &'a impl RcuReader) -> &'a PortTable {
        self.table.read(rcu)
    }

    /// The attached ports, in port-number order.
    pub(crate) fn port_list(&self) -> Result<KVec<Arc<Port>>> {
        let ports = self.ports.lock();
        let mut out = KVec::new();
        for p in ports.slots.iter().flatten() {
            out.push(p.clone(), GFP_KERNEL)?;
        }
        Ok(out)
    }

    pub(crate) fn n_ports(&self) -> usize {
        self.ports.lock().slots.iter().flatten().count()
    }

    fn publish(&self, ports: &Ports) -> Result {
        let t = KBox::new(PortTable::build(&ports.slots)?, GFP_KERNEL)?;
        // The old table is freed after a grace period when the returned value drops.
        drop(self.table.replace(t));
        // Flows decided with the old port set are re-decided on their next packet.
        self.policy.bump_generation();
        Ok(())
    }

    /// Attaches `dev`. Errors: `ENOSPC` (switch full), `EEXIST` (MAC taken), `EBUSY` (device has
    /// an rx_handler already), `ENOMEM`.
    pub(crate) fn attach(self: &Arc<Self>, rtnl: &Rtnl, dev: &NetDev, cfg: PortConfig) -> Result<Arc<Port>> {
        let mut ports = self.ports.lock();
        let id = match ports.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None if ports.slots.len() < VFLOW_MAX_PORTS as usize => {
                ports.slots.push(None, GFP_KERNEL)?;
                ports.slots.len() - 1
            }
            None => return Err(ENOSPC),
        };
        if let Some(mac) = cfg.mac {
            if ports.slots.iter().flatten().any(|p| p.mac() == Some(mac)) {
                return Err(EEXIST);
            }
        }
        let port = Port::new(NetDevRef::new(dev), id as u16, cfg.kind, cfg.mac, self.clone())?;
        if ports.spare.is_none() {
            ports.spare = Some(KBox::new(PortTable::empty(), GFP_KERNEL)?);
        }
        rx::register(rtnl, dev, port.clone())?;
        if let Some(slot) = ports.slots.get_mut(id) {
            *slot = Some(port.clone());
        }
        if let Err(e) = self.publish(&ports) {
            // Out of memory building the table: undo, the device is as it was.
            if let Some(slot) = ports.slots.get_mut(id) {
                *slot = None;
            }
            drop(rx::unregister::<Port>(rtnl, dev));
            return Err(e);
        }
        Ok(port)
    }

    /// Detaches `port`. After this returns no CPU is using it.
    pub(crate) fn detach(&self, rtnl: &Rtnl, port: &Arc<Port>) {
        // Stops frames from the device; waits for running handlers.
        let handler = rx::unregister::<Port>(rtnl, port.dev());
        {
            let mut ports = self.ports.lock();
            if let Some(slot) = ports.slots.get_mut(usize::from(port.id())) {
                *slot = None;
            }
            // Trim free slots at the end so the table stays small.
            while matches!(ports.slots.last(), Some(None)) {
                ports.slots.pop();
            }
            if self.publish(&ports).is_err() {
                // No memory for a new table. The old one still names the port, which must go:
                // publish the spare empty table (the switch forwards nothing until its next
                // change) rather than keep a detached device referenced.
                pr_warn!("out of memory rebuilding a port table; switch emptied\n");
                if let Some(spare) = ports.spare.take() {
                    drop(self.table.replace(spare));
                }
            }
        }
        self.fdb.forget_port(port.id());
        // The port's number may be reused: no flow may still name it.
        let id = port.id();
        self.flows.flush(|f| f.in_port() == id || f.peer() == id || f.owner() == id);
        // Let go of the port's layers now (a layer in no stack can be deleted at once), not
        // whenever the last reference to the port goes.
        if let Ok(empty) = KBox::new(crate::policy::Stack::empty(), GFP_KERNEL) {
            port.set_stack(empty);
        }
        drop(handler);
    }

    /// Detaches every port (switch deletion or namespace exit).
    pub(crate) fn destroy(&self, rtnl: &Rtnl) {
        // Stop the sweeper first: it holds a reference to the switch.
        let gc = self.gc.lock().take();
        drop(gc);
        let ports = match self.port_list() {
            Ok(p) => p,
            Err(_) => KVec::new(),
        };
        for p in ports.iter() {
            self.detach(rtnl, p);
        }
    }
}

/// A device is being unregistered (deleted or moved to another namespace): detach it if it is a
/// port. Called by the netdev notifier under RTNL.
pub(crate) fn device_unregistering(rtnl: &Rtnl, dev: &NetDev) {
    if let Some(port) = rx::handler_of::<Port>(rtnl, dev) {
        let port: Arc<Port> = port.into();
        port.switch().detach(rtnl, &port);
    }
}
