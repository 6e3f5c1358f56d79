// SPDX-License-Identifier: GPL-2.0

//! The flow table: cached decisions, one per flow direction.
//!
//! A flow is keyed by the input port and the parsed headers (TCP flags excluded). The first
//! packet of a flow misses, is decided by the L2 forwarding policy and the rule layers (see
//! `port.rs`), and installs a flow; when it is allowed to a single port, the reverse flow is
//! installed with it, so the replies pass whatever the inbound rules say (stateful). Later
//! packets do one lock-free lookup. Each flow remembers the policy generation it was decided
//! under and is re-decided on its first hit after a policy change. A periodic sweep expires idle
//! flows, both directions of a connection together, with timeouts chosen from the connection's
//! protocol and TCP state.
//!
//! Hits write nothing shared but the flow's own counters and timestamps, with plain stores (no
//! atomic read-modify-write): two CPUs hitting the same flow at the same instant can lose an
//! increment of its packet count. Port and switch counters are per-CPU and exact.

use core::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering::Relaxed};

use kernel::{alloc::AllocError, prelude::*, sync::Arc};

use crate::ffi::{
    rcu::RcuReader,
    rcuhash::{Node, NodeBox, RcuHash},
    rx::RxCtx,
    slab::Slab,
    work,
};
use crate::logic::conn::{self, Timeouts};
use crate::logic::flowkey::FlowKey;
use crate::policy::Rule;
use crate::uapi::VFLOW_MAX_PORTS;

/// What a flow does with its packets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Action {
    /// Send out of this port.
    Forward(u16),
    /// Hand to the host stack (uplink traffic for no vflow port).
    Pass,
    /// Drop (a layer denied it).
    Deny,
}

/// "No port" in port-id fields.
pub(crate) const NO_PORT: u16 = u16::MAX;

/// Who decided a flow: the deciding layer's name (NUL-padded, empty for none), rule id (0: the
/// layer's default verdict) and the port whose stack holds the layer ([`NO_PORT`]: none).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Provenance {
    pub(crate) layer: [u8; 16],
    pub(crate) rule_id: u32,
    pub(crate) port: u16,
}

impl Default for Provenance {
    fn default() -> Self {
        Provenance {
            layer: [0; 16],
            rule_id: 0,
            port: NO_PORT,
        }
    }
}

/// A decision as the flow table stores it.
pub(crate) struct Outcome {
    pub(crate) action: Action,
    pub(crate) prov: Provenance,
    /// Rules with the count action whose counters this flow's packets go to (one per walk).
    pub(crate) counted: [Option<Arc<Rule>>; 2],
}

impl Outcome {
    pub(crate) fn same_decision(&self, f: &Flow) -> bool {
        self.action == f.action && self.prov == f.prov && {
            let a = self.counted.iter().map(|r| r.as_ref().map(|r| r.id()));
            let b = f.counted.iter().map(|r| r.as_ref().map(|r| r.id()));
            a.eq(b)
        }
    }
}

/// One cached flow direction.
pub(crate) struct Flow {
    key: FlowKey,
    in_port: u16,
    /// The other end: the output port of a forward flow, the origin's input port of a reply flow.
    peer: u16,
    /// The port whose traffic created the flow: its flow budget pays for both directions.
    owner: u16,
    reply: bool,
    action: Action,
    prov: Provenance,
    counted: [Option<Arc<Rule>>; 2],
    created: u64,
    gen: AtomicU32,
    last_used: AtomicU64,
    packets: AtomicU64,
    bytes: AtomicU64,
    tcp_flags: AtomicU16,
}

impl Flow {
    pub(crate) fn key(&self) -> &FlowKey {
        &self.key
    }
    pub(crate) fn in_port(&self) -> u16 {
        self.in_port
    }
    pub(crate) fn peer(&self) -> u16 {
        self.peer
    }
    pub(crate) fn owner(&self) -> u16 {
        self.owner
    }
    pub(crate) fn is_reply(&self) -> bool {
        self.reply
    }
    pub(crate) fn action(&self) -> Action {
        self.action
    }
    pub(crate) fn provenance(&self) -> &Provenance {
        &self.prov
    }
    pub(crate) fn generation(&self) -> u32 {
        self.gen.load(Relaxed)
    }
    pub(crate) fn created(&self) -> u64 {
        self.created
    }
    pub(crate) fn last_used(&self) -> u64 {
        self.last_used.load(Relaxed)
    }
    pub(crate) fn packets(&self) -> u64 {
        self.packets.load(Relaxed)
    }
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.load(Relaxed)
    }
    pub(crate) fn tcp_flags(&self) -> u16 {
        self.tcp_flags.load(Relaxed)
    }

    /// Marks the flow as decided under `gen` (its decision did not change).
    pub(crate) fn set_generation(&self, gen: u32) {
        self.gen.store(gen, Relaxed);
    }

    /// Accounts one packet (plain stores: see the module documentation).
    #[inline]
    pub(crate) fn touch(&self, now: u64, len: u32, flags: u16, rx: &RxCtx) {
        self.packets.store(self.packets.load(Relaxed).wrapping_add(1), Relaxed);
        self.bytes.store(self.bytes.load(Relaxed).wrapping_add(u64::from(len)), Relaxed);
        if self.last_used.load(Relaxed) != now {
            self.last_used.store(now, Relaxed);
        }
        let old = self.tcp_flags.load(Relaxed);
        if old | flags != old {
            self.tcp_flags.store(old | flags, Relaxed);
        }
        for r in self.counted.iter().flatten() {
            r.count_packet(rx, len);
        }
    }

    fn matches(&self, in_port: u16, key: &FlowKey) -> bool {
        self.in_port == in_port && conn::key_eq(&self.key, key)
    }
}

/// The slab cache of flow-table entries (`vflow_flow` in /proc/slabinfo), created at module load
/// and destroyed at unload after the last RCU-deferred free.
pub(crate) static FLOW_SLAB: Slab<Node<Flow>> = Slab::new();

/// Flow-table settings of a switch.
#[derive(Clone, Copy)]
pub(crate) struct FlowConfig {
    pub(crate) max_flows: u32,
    pub(crate) port_max_flows: u32,
    pub(crate) limit_drop: bool,
    pub(crate) timeouts: Timeouts,
}

/// Default number of flows a switch caches.
pub(crate) const DEFAULT_MAX_FLOWS: u32 = 65536;

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            max_flows: DEFAULT_MAX_FLOWS,
            port_max_flows: DEFAULT_MAX_FLOWS / 4,
            limit_drop: false,
            timeouts: Timeouts::default(),
        }
    }
}

/// Buckets for a table of `max_flows` flows: one per two flows (chains of two at the limit), at
/// least 1024, at most 2 Mi.
pub(crate) fn buckets_for(max_flows: u32) -> usize {
    (max_flows as usize / 2).clamp(1024, 2 << 20)
}

/// What `install` did.
pub(crate) enum Installed {
    /// Installed (or an equal flow was already there).
    Yes,
    /// A flow limit stopped it.
    Limit,
    /// No memory for it.
    NoMem,
}

/// A switch's flows.
#[pin_data]
pub(crate) struct FlowTable {
    #[pin]
    hash: RcuHash<Flow>,
    seed: u32,
    count: AtomicU32,
    /// Flows each port owns, by port id.
    per_port: KVec<AtomicU32>,
}

/// One flow direction to install.
pub(crate) struct NewFlow {
    pub(crate) key: FlowKey,
    pub(crate) in_port: u16,
    pub(crate) peer: u16,
    pub(crate) reply: bool,
    pub(crate) outcome: Outcome,
    pub(crate) flags: u16,
    pub(crate) len: u32,
    /// The table's hash of (`key`, `in_port`) when the caller has it already (the packet path
    /// hashed the forward key for its lookup); computed by `install` otherwise.
    pub(crate) hash: Option<u32>,
}

impl FlowTable {
    pub(crate) fn new(max_flows: u32) -> Result<impl PinInit<Self, Error>> {
        let mut per_port = KVec::with_capacity(VFLOW_MAX_PORTS as usize, GFP_KERNEL)?;
        for _ in 0..VFLOW_MAX_PORTS {
            per_port.push(AtomicU32::new(0), GFP_KERNEL)?;
        }
        let hash = RcuHash::new(buckets_for(max_flows))?;
        Ok(try_pin_init!(FlowTable {
            hash <- hash,
            seed: crate::ffi::random_u32(),
            count: AtomicU32::new(0),
            per_port,
        }? Error))
    }

    /// Flows installed now.
    pub(crate) fn count(&self) -> u32 {
        self.count.load(Relaxed)
    }

    /// Flows port `id` owns.
    pub(crate) fn port_count(&self, id: u16) -> u32 {
        self.per_port.get(usize::from(id)).map_or(0, |c| c.load(Relaxed))
    }

    #[inline]
    pub(crate) fn hash(&self, key: &FlowKey, in_port: u16) -> u32 {
        conn::hash_key(key, in_port, self.seed)
    }

    /// The flow of `(in_port, key)` (TCP flags are not part of the match).
    #[inline]
    pub(crate) fn lookup<'a>(
        &'a self,
        rcu: &'a impl RcuReader,
        hash: u32,
        in_port: u16,
        key: &FlowKey,
    ) -> Option<&'a Flow> {
        self.hash.lookup(rcu, hash, |f| f.matches(in_port, key))
    }

    fn make(&self, n: NewFlow, h: u32, owner: u16, gen: u32, now: u64) -> Result<NodeBox<Flow>, AllocError> {
        NodeBox::new_with(&FLOW_SLAB, h, || Flow {
            key: n.key,
            in_port: n.in_port,
            peer: n.peer,
            owner,
            reply: n.reply,
            action: n.outcome.action,
            prov: n.outcome.prov,
            counted: n.outcome.counted,
            created: now,
            gen: AtomicU32::new(gen),
            last_used: AtomicU64::new(now),
            packets: AtomicU64::new(u64::from(n.len != 0)),
            bytes: AtomicU64::new(u64::from(n.len)),
            tcp_flags: AtomicU16::new(n.flags),
        })
    }

    fn charge(&self, owner: u16, n: u32) {
        self.count.fetch_add(n, Relaxed);
        if let Some(c) = self.per_port.get(usize::from(owner)) {
            c.fetch_add(n, Relaxed);
        }
    }

    fn release(&self, f: &Flow) {
        self.count.fetch_sub(1, Relaxed);
        if let Some(c) = self.per_port.get(usize::from(f.owner)) {
            c.fetch_sub(1, Relaxed);
        }
    }

    /// Installs a flow and, if given, its reverse flow, charged to port `owner`, unless that
    /// would pass `max` flows in the switch or `port_max` for the owner. An existing flow with
    /// the same key is kept (another CPU installed it first); when `replace` is set it is
    /// replaced instead (revalidation).
    pub(crate) fn install(
        &self,
        fwd: NewFlow,
        rev: Option<NewFlow>,
        owner: u16,
        limits: (u32, u32),
        gen: u32,
        replace: bool,
    ) -> Installed {
        let need = if rev.is_some() { 2 } else { 1 };
        if !replace
            && (self.count().saturating_add(need) > limits.0
                || self.port_count(owner).saturating_add(need) > limits.1)
        {
            return Installed::Limit;
        }
        let now = work::jiffies();
        // Each key is hashed once: the packet path already hashed the forward one.
        let ha = fwd.hash.unwrap_or_else(|| self.hash(&fwd.key, fwd.in_port));
        let Ok(a) = self.make(fwd, ha, owner, gen, now) else {
            return Installed::NoMem;
        };
        let b = match rev {
            Some(r) => {
                let hb = r.hash.unwrap_or_else(|| self.hash(&r.key, r.in_port));
                match self.make(r, hb, owner, gen, now) {
                    Ok(b) => Some((b, hb)),
                    Err(_) => return Installed::NoMem,
                }
            }
            None => None,
        };
        let mut w = self.hash.write();
        let nodes = Iterator::chain(core::iter::once((a, ha, replace)), b.map(|(b, hb)| (b, hb, false)));
        for (node, h, replace) in nodes {
            let v = node.value();
            let (port, key) = (v.in_port, v.key);
            if let Some(old) = w.find(h, |f| f.matches(port, &key)) {
                // A reverse flow takes the place of a cached deny: the connection it belongs to
                // was just allowed, which is what decides its replies.
                let displace = v.reply && old.action == Action::Deny;
                if !replace && !displace {
                    continue;
                }
                let old_owner = old.owner;
                if w.remove(h, |f| f.matches(port, &key)) {
                    self.count.fetch_sub(1, Relaxed);
                    if let Some(c) = self.per_port.get(usize::from(old_owner)) {
                        c.fetch_sub(1, Relaxed);
                    }
                }
            }
            w.insert(node);
            self.charge(owner, 1);
        }
        Installed::Yes
    }

    /// Removes the flow `(in_port, key)` if present.
    pub(crate) fn remove(&self, in_port: u16, key: &FlowKey) -> bool {
        let h = self.hash(key, in_port);
        let mut w = self.hash.write();
        let mut owner = None;
        if let Some(f) = w.find(h, |f| f.matches(in_port, key)) {
            owner = Some(f.owner);
        }
        if w.remove(h, |f| f.matches(in_port, key)) {
            self.count.fetch_sub(1, Relaxed);
            if let Some(c) = owner.and_then(|o| self.per_port.get(usize::from(o))) {
                c.fetch_sub(1, Relaxed);
            }
            return true;
        }
        false
    }

    /// Number of buckets, for sweeps and dumps.
    pub(crate) fn n_buckets(&self, rcu: &impl RcuReader) -> usize {
        self.hash.n_buckets(rcu)
    }

    /// The first possibly non-empty bucket at or after `from`, for walks that skip empty
    /// buckets (a hint: see [`RcuHash::next_occupied`]).
    pub(crate) fn next_occupied(&self, rcu: &impl RcuReader, from: usize) -> Option<usize> {
        self.hash.next_occupied(rcu, from)
    }

    /// The flows of bucket `i`.
    pub(crate) fn bucket<'a>(&'a self, rcu: &'a impl RcuReader, i: usize) -> impl Iterator<Item = &'a Flow> {
        self.hash.bucket(rcu, i)
    }

    /// Removes every flow for which `gone` holds (process context). Only occupied buckets are
    /// visited (the table's bitmap), in windows of 1024 buckets checked under RCU first, so only
    /// those holding a victim take the writer lock. Returns how many went.
    pub(crate) fn flush(&self, gone: impl Fn(&Flow) -> bool) -> usize {
        if self.count() == 0 {
            return 0;
        }
        const WINDOW: usize = 1024;
        let mut total = 0;
        let mut from = 0;
        loop {
            // A window starts at the next occupied bucket; `hit` marks its buckets with victims.
            let mut hit = [0u64; WINDOW / 64];
            let start = {
                let g = kernel::sync::rcu::read_lock();
                let Some(start) = self.hash.next_occupied(&g, from) else {
                    break;
                };
                let end = start.saturating_add(WINDOW);
                let mut b = start;
                loop {
                    if self.hash.bucket(&g, b).any(&gone) {
                        if let Some(w) = hit.get_mut((b - start) / 64) {
                            *w |= 1 << ((b - start) % 64);
                        }
                    }
                    match self.hash.next_occupied(&g, b + 1) {
                        Some(next) if next < end => b = next,
                        _ => break,
                    }
                }
                start
            };
            for (wi, word) in hit.iter().enumerate() {
                let mut bits = *word;
                while bits != 0 {
                    let b = start + wi * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let mut w = self.hash.write();
                    total += w.remove_where(b, |f| {
                        let out = gone(f);
                        if out {
                            self.release(f);
                        }
                        out
                    });
                }
            }
            from = start.saturating_add(WINDOW);
            work::cond_resched();
        }
        total
    }

    /// Empties the table and resizes it for `max_flows` (process context, sleeps).
    pub(crate) fn rebuild(&self, max_flows: u32) -> Result {
        self.flush(|_| true);
        self.hash.rebuild_empty(buckets_for(max_flows))
    }

    /// Expires idle flows. Both directions of a connection go together, after the timeout of its
    /// protocol and TCP state since either direction last carried a packet.
    ///
    /// Only occupied buckets are visited (the table's bitmap), so a sweep costs in proportion to
    /// the occupied buckets plus one load per 64 buckets, not to the table size. A flow inserted
    /// while the sweep passes its bucket may be missed: it is new, so not idle, and the next sweep
    /// sees it.
    ///
    /// One call judges slice `slice` of `slices` equal slices of the bucket array.
    pub(crate) fn sweep(&self, t: &Timeouts, slice: u32, slices: u32) {
        if self.count() == 0 || slices == 0 {
            return;
        }
        let hz = work::hz();
        let n = {
            let g = kernel::sync::rcu::read_lock();
            self.hash.n_buckets(&g)
        };
        let part = |k: u32| (n as u64 * u64::from(k) / u64::from(slices)) as usize;
        let (lo, hi) = (part(slice), part(slice + 1));
        // Victims found under RCU, removed under the writer lock after it.
        let mut victims: KVec<(u16, FlowKey)> = match KVec::with_capacity(256, GFP_KERNEL) {
            Ok(v) => v,
            Err(_) => return,
        };
        // Next bucket to look at; `None` once the walk is past the last occupied one.
        let mut from = Some(lo);
        while let Some(start) = from.filter(|&i| i < hi) {
            let now = work::jiffies();
            {
                let g = kernel::sync::rcu::read_lock();
                // At most 256 occupied buckets per read-side section.
                let mut visited = 0;
                let mut next = self.hash.next_occupied(&g, start);
                while let Some(i) = next.filter(|&i| i < hi) {
                    if victims.len() + 2 > victims.capacity() {
                        break;
                    }
                    for f in self.hash.bucket(&g, i) {
                        self.judge(&g, f, t, now, hz, &mut victims);
                        if victims.len() + 2 > victims.capacity() {
                            break;
                        }
                    }
                    visited += 1;
                    next = Some(i + 1);
                    if visited == 256 {
                        break;
                    }
                    next = self.hash.next_occupied(&g, i + 1);
                }
                from = next;
            }
            for (port, key) in victims.drain_all() {
                self.remove(port, &key);
            }
            work::cond_resched();
        }
    }

    /// Adds `f` (and its twin) to `victims` if the connection is idle past its timeout.
    fn judge(
        &self,
        rcu: &impl RcuReader,
        f: &Flow,
        t: &Timeouts,
        now: u64,
        hz: u64,
        victims: &mut KVec<(u16, FlowKey)>,
    ) {
        // This direction alone carried a packet within the shortest timeout its protocol can
        // have: the connection is not idle, whatever its twin and TCP state say. Most flows stop
        // here, without the hash lookup of their twin (2M lookups a second at 1M connections).
        let floor = conn::min_timeout_secs(t, f.key.ip_proto, f.key.ethertype);
        if !conn::expired(now, f.last_used(), floor, hz) {
            return;
        }
        let twin = self.twin(rcu, f);
        // A connection is judged from its forward flow; a reply flow whose forward flow is gone
        // is judged alone.
        if f.reply && twin.is_some() {
            return;
        }
        let (fwd_flags, rev_flags) = (f.tcp_flags(), twin.map_or(0, |t| t.tcp_flags()));
        let state = conn::conn_state(&f.key, fwd_flags, rev_flags);
        let timeout = conn::timeout_secs(t, f.key.ip_proto, f.key.ethertype, state);
        let last = twin.map_or(f.last_used(), |t| {
            let (a, b) = (f.last_used(), t.last_used());
            // The later of the two, wraparound-safe.
            if (b.wrapping_sub(a) as i64) > 0 { b } else { a }
        });
        if conn::expired(now, last, timeout, hz) {
            let _ = victims.push_within_capacity((f.in_port, f.key));
            if let Some(tw) = twin {
                let _ = victims.push_within_capacity((tw.in_port, tw.key));
            }
        }
    }

    /// The source MAC and input port of a flow whose source address is `ip` (IPv4 flows and ARP
    /// count for IPv4): how explain finds where an address lives. Scans the whole table.
    pub(crate) fn find_by_src_ip(&self, rcu: &impl RcuReader, ipv4: bool, ip: &[u8; 16]) -> Option<([u8; 6], u16)> {
        let ethertypes: &[u16] = if ipv4 { &[0x0800, 0x0806] } else { &[0x86dd] };
        let mut next = self.hash.next_occupied(rcu, 0);
        while let Some(i) = next {
            let found = self
                .hash
                .bucket(rcu, i)
                .find(|f| f.key.src_ip == *ip && ethertypes.contains(&f.key.ethertype));
            if let Some(f) = found {
                return Some((f.key.src_mac, f.in_port));
            }
            next = self.hash.next_occupied(rcu, i + 1);
        }
        None
    }

    /// The other direction of `f`'s connection, if installed.
    pub(crate) fn twin<'a>(&'a self, rcu: &'a impl RcuReader, f: &Flow) -> Option<&'a Flow> {
        if f.peer == NO_PORT {
            return None;
        }
        let rk = conn::reverse(&f.key);
        let h = self.hash(&rk, f.peer);
        self.hash
            .lookup(rcu, h, |t| t.matches(f.peer, &rk) && t.peer == f.in_port && t.reply != f.reply)
    }
}
