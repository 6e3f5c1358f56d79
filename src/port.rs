// SPDX-License-Identifier: GPL-2.0

//! A port, and the receive path: every frame a port's device receives comes here.

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

use kernel::{
    prelude::*,
    sync::{Arc, ArcBorrow},
};

use crate::ffi::{
    netdev::{NetDev, NetDevRef},
    rcu::{RcuBox, RcuReader},
    rx::{RxCtx, RxHandler, RxResult},
    skb::{DropReason, Rx, SkBuff},
    work,
};
use crate::flow::{Action, Flow, Installed, NewFlow, Outcome, Provenance, NO_PORT};
use crate::logic::conn;
use crate::logic::fdb::{self as l2, Decision, DropCause, Ingress, Mac, PortKind};
use crate::logic::flowkey::{self, FlowKey, ParseError};
use crate::logic::rule::{Direction, Packet, Verdict};
use crate::policy::{self, Layer, Rule, Stack};
use crate::stats::{Counters, Stats};
use crate::switch::{PortTable, Switch};

/// A netdev attached to a switch.
pub(crate) struct Port {
    dev: NetDevRef,
    id: u16,
    kind: PortKind,
    mac: Option<Mac>,
    switch: Arc<Switch>,
    stats: Stats,
    /// The port's layers (vm ports only), replaced as a whole.
    stack: RcuBox<Stack>,
    /// Most flows the port may own; 0: the switch's port-max-flows.
    max_flows: AtomicU32,
}

impl Port {
    pub(crate) fn new(
        dev: NetDevRef,
        id: u16,
        kind: PortKind,
        mac: Option<Mac>,
        switch: Arc<Switch>,
    ) -> Result<Arc<Self>> {
        Ok(Arc::new(
            Port {
                dev,
                id,
                kind,
                mac,
                switch,
                stats: Stats::new()?,
                stack: RcuBox::new(KBox::new(Stack::empty(), GFP_KERNEL)?),
                max_flows: AtomicU32::new(0),
            },
            GFP_KERNEL,
        )?)
    }

    pub(crate) fn dev(&self) -> &NetDev {
        &self.dev
    }

    pub(crate) fn id(&self) -> u16 {
        self.id
    }

    pub(crate) fn kind(&self) -> PortKind {
        self.kind
    }

    pub(crate) fn mac(&self) -> Option<Mac> {
        self.mac
    }

    pub(crate) fn switch(&self) -> &Arc<Switch> {
        &self.switch
    }

    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The layer stack, for the packet path.
    #[inline]
    pub(crate) fn stack<'a>(&'a self, rcu: &'a impl RcuReader) -> &'a Stack {
        self.stack.read(rcu)
    }

    /// Publishes a new layer stack; returns after a grace period, when the old one is freed.
    pub(crate) fn set_stack(&self, stack: KBox<Stack>) {
        drop(self.stack.replace(stack));
    }

    /// The port's own flow limit (0: the switch's).
    pub(crate) fn max_flows(&self) -> u32 {
        self.max_flows.load(Relaxed)
    }

    pub(crate) fn set_max_flows(&self, n: u32) {
        self.max_flows.store(n, Relaxed);
    }

    /// Sends `skb`, a frame of `len` bytes, out of this port's device, counting it here and in
    /// `sc`, this CPU's counters of the switch (the caller has them at hand).
    #[inline]
    fn send(&self, skb: SkBuff, len: u32, sc: &Counters, rx: &RxCtx) {
        match skb.xmit(&self.dev) {
            Ok(()) => {
                self.stats.cpu(rx).tx(len);
                sc.tx(len);
            }
            Err(_) => {
                self.stats.cpu(rx).drop(len);
                sc.drop(len);
            }
        }
    }

    fn pass(&self, skb: SkBuff, rx: &RxCtx) -> RxResult {
        self.stats.cpu(rx).pass();
        self.switch.stats().cpu(rx).pass();
        RxResult::Pass(skb)
    }

    /// Drops a frame a layer denied. It counts on the port whose layer denied it (`denier`,
    /// this port if unknown): a frame refused by a VM's inbound layers is that VM port's drop.
    fn deny(&self, skb: SkBuff, denier: Option<&Port>, rx: &RxCtx) {
        let who = denier.unwrap_or(self);
        who.stats.cpu(rx).policy_drop();
        self.switch.stats().cpu(rx).policy_drop();
        who.drop_frame(skb, DropReason::PolicyDeny, rx);
    }

    #[cold]
    fn drop_frame(&self, skb: SkBuff, reason: DropReason, rx: &RxCtx) {
        let len = skb.frame_len();
        self.stats.cpu(rx).drop(len);
        self.switch.stats().cpu(rx).drop(len);
        skb.drop_with(reason);
    }
}


/// A packet that missed the flow table, as the slow path needs it.
struct MissPkt<'a> {
    key: &'a FlowKey,
    /// The flow table's hash of `key` on its ingress port (computed for the lookup).
    hash: u32,
    /// Frame length, Ethernet header included.
    len: u32,
}

/// How many bytes of a frame the parser may look at: Ethernet, two VLAN tags, IPv6 with a few
/// extension headers, TCP with options.
const PARSE_BYTES: u32 = 256;

fn parse_drop_reason(e: ParseError) -> DropReason {
    match e {
        ParseError::Truncated { .. } => DropReason::HdrTrunc,
        ParseError::TooManyExtHeaders => DropReason::Ipv6ExtHeaders,
        _ => DropReason::IpHeader,
    }
}

/// The layers' verdict on one path through the switch, with who decided.
pub(crate) struct PathVerdict<'a> {
    verdict: Verdict,
    layer: Option<&'a Layer>,
    /// The port whose stack holds `layer`.
    port: Option<u16>,
    rule: Option<&'a Arc<Rule>>,
    /// The deciding rules of the outbound and inbound walks.
    rules: [Option<&'a Arc<Rule>>; 2],
}

impl PathVerdict<'_> {
    fn provenance(&self) -> Provenance {
        let mut p = Provenance {
            layer: [0; 16],
            rule_id: self.rule.map_or(0, |r| r.id()),
            port: self.port.unwrap_or(NO_PORT),
        };
        if let Some(l) = self.layer {
            let name = l.name().to_bytes();
            let n = name.len().min(15);
            p.layer[..n].copy_from_slice(&name[..n]);
        }
        p
    }

    fn outcome(&self, allow: Action, rx: &RxCtx) -> Outcome {
        for r in self.rules.iter().flatten() {
            r.count_match(rx);
        }
        let counted = |i: usize| self.rules[i].filter(|r| r.counts()).cloned();
        Outcome {
            action: if self.verdict == Verdict::Deny { Action::Deny } else { allow },
            prov: self.provenance(),
            counted: [counted(0), counted(1)],
        }
    }
}

/// One step of a walk, for explain: the port whose stack it is, the direction, the layer, the
/// deciding rule (`None`: the default verdict) and the layer's verdict.
pub(crate) type StepFn<'s> = dyn FnMut(u16, Direction, &Layer, Option<&Rule>, Verdict) + 's;

/// Walks the layers a packet from `src` to `dst` (`None`: flooded) crosses: `src`'s outbound
/// layers, then `dst`'s inbound ones. Uplinks have no layers.
pub(crate) fn walk_path<'a>(
    rcu: &'a impl RcuReader,
    src: Option<&'a Port>,
    in_port: u16,
    dst: Option<&'a Port>,
    key: &FlowKey,
    on_step: &mut StepFn<'_>,
) -> PathVerdict<'a> {
    let pkt = Packet {
        key,
        in_port,
        out_port: dst.map(|d| d.id),
    };
    let mut pv = PathVerdict {
        verdict: Verdict::Allow,
        layer: None,
        port: None,
        rule: None,
        rules: [None, None],
    };
    let walks = [(src, Direction::Out), (dst, Direction::In)];
    for (i, (port, dir)) in walks.into_iter().enumerate() {
        let Some(port) = port.filter(|p| p.kind == PortKind::Vm) else {
            continue;
        };
        let id = port.id;
        let d = policy::walk(port.stack(rcu), rcu, dir, &pkt, |l, r, v| on_step(id, dir, l, r, v));
        if let Some(slot) = pv.rules.get_mut(i) {
            *slot = d.rule;
        }
        if d.layer.is_some() {
            pv.layer = d.layer;
            pv.rule = d.rule;
            pv.port = Some(id);
        }
        if d.verdict == Verdict::Deny {
            pv.verdict = Verdict::Deny;
            break;
        }
    }
    pv
}

/// The L2 decision for a frame from `port` (no learning).
fn l2_decide(port: &Port, table: &PortTable, sw: &Switch, dst: &Mac, src: &Mac) -> Decision {
    let ingress = Ingress {
        id: port.id,
        kind: port.kind,
        mac: port.mac,
    };
    l2::decide(&ingress, dst, src, |mac| {
        let id = table.static_port(mac).or_else(|| sw.fdb().get(mac))?;
        table.port(id).map(|p| (id, p.kind))
    })
}

/// What the explain operation reports.
pub(crate) struct Explained {
    pub(crate) verdict: Verdict,
    pub(crate) out_port: Option<u16>,
}

/// Decides a synthetic packet like the slow path would, without learning, installing or
/// counting anything. `dir` Out: the packet comes from `port`; In: it goes to `port`. Missing
/// MACs are filled in as a real frame would carry them: the sending port's own MAC, and the MAC
/// the switch has seen the address at (from its flows), if any.
pub(crate) fn explain(
    rcu: &impl RcuReader,
    sw: &Switch,
    port: &Port,
    dir: Direction,
    key: &FlowKey,
    on_step: &mut StepFn<'_>,
) -> Explained {
    let table = sw.table(rcu);
    let mut key = *key;
    let ipv4 = key.ethertype == 0x0800;
    let ip_known = key.ethertype == 0x0800 || key.ethertype == 0x86dd;
    let seen_at = |ip: &[u8; 16]| if ip_known { sw.flows().find_by_src_ip(rcu, ipv4, ip) } else { None };
    match dir {
        Direction::Out => {
            if key.src_mac == [0; 6] {
                key.src_mac = port.mac.unwrap_or([0x02, 0, 0, 0, 0, 0x01]);
            }
            if key.dst_mac == [0; 6] {
                if let Some((mac, _)) = seen_at(&key.dst_ip) {
                    key.dst_mac = mac;
                }
            }
            match l2_decide(port, table, sw, &key.dst_mac, &key.src_mac) {
                Decision::Forward(id) => {
                    let dst = table.port(id).map(|p| &**p);
                    let pv = walk_path(rcu, Some(port), port.id, dst, &key, on_step);
                    Explained {
                        verdict: pv.verdict,
                        out_port: (pv.verdict == Verdict::Allow).then_some(id),
                    }
                }
                Decision::Flood { .. } | Decision::PassToHost => {
                    let pv = walk_path(rcu, Some(port), port.id, None, &key, on_step);
                    Explained {
                        verdict: pv.verdict,
                        out_port: None,
                    }
                }
                Decision::Drop(_) => Explained {
                    verdict: Verdict::Deny,
                    out_port: None,
                },
            }
        }
        Direction::In => {
            let mut src_id = None;
            if key.src_mac == [0; 6] {
                if let Some((mac, id)) = seen_at(&key.src_ip) {
                    key.src_mac = mac;
                    src_id = Some(id);
                }
            }
            let src_id = src_id
                .or_else(|| table.static_port(&key.src_mac))
                .or_else(|| sw.fdb().get(&key.src_mac));
            // Only this port's (inbound) layers: the sender's are the other direction's business.
            let pv = walk_path(rcu, None, src_id.unwrap_or(NO_PORT), Some(port), &key, on_step);
            Explained {
                verdict: pv.verdict,
                out_port: (pv.verdict == Verdict::Allow).then_some(port.id),
            }
        }
    }
}

fn no_step(_: u16, _: Direction, _: &Layer, _: Option<&Rule>, _: Verdict) {}

impl Port {
    /// Applies a flow's (or a fresh decision's) action to the frame, of `len` bytes; `sc` are
    /// this CPU's counters of the switch.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        action: Action,
        denier: u16,
        skb: SkBuff,
        len: u32,
        sc: &Counters,
        table: &PortTable,
        rx: &RxCtx,
    ) -> RxResult {
        match action {
            Action::Forward(id) => match table.port(id) {
                Some(out) => out.send(skb, len, sc, rx),
                None => self.drop_frame(skb, DropReason::NoTxTarget, rx),
            },
            Action::Pass => return self.pass(skb, rx),
            Action::Deny => self.deny(skb, table.port(denier).map(|p| &**p), rx),
        }
        RxResult::Consumed
    }

    /// The flow limit of this port.
    fn flow_limit(&self, sw_port_max: u32) -> u32 {
        match self.max_flows() {
            0 => sw_port_max,
            n => n,
        }
    }

    /// Re-decides a flow whose policy generation is old: the same decision just takes the new
    /// generation; a different one replaces the flow. Returns the action to apply.
    #[cold]
    #[inline(never)]
    fn revalidate(&self, f: &Flow, table: &PortTable, gen: u32, rx: &RxCtx) -> (Action, u16) {
        let sw = &*self.switch;
        self.stats.cpu(rx).revalidate();
        sw.stats().cpu(rx).revalidate();
        let key = f.key();
        let fresh = if f.is_reply() {
            // A reply flow stands as long as its connection's forward direction is allowed.
            let origin = conn::reverse(key);
            let src = table.port(f.peer()).map(|p| &**p);
            match src {
                Some(src) => {
                    let pv = walk_path(rx, Some(src), src.id, Some(self), &origin, &mut no_step);
                    pv.outcome(Action::Forward(src.id), rx)
                }
                None => Outcome {
                    action: Action::Deny,
                    prov: Provenance::default(),
                    counted: [None, None],
                },
            }
        } else {
            match l2_decide(self, table, sw, &key.dst_mac, &key.src_mac) {
                Decision::Forward(id) => {
                    let dst = table.port(id).map(|p| &**p);
                    walk_path(rx, Some(self), self.id, dst, key, &mut no_step).outcome(Action::Forward(id), rx)
                }
                Decision::PassToHost => Outcome {
                    action: Action::Pass,
                    prov: Provenance::default(),
                    counted: [None, None],
                },
                // The destination is no longer a single port: drop the flow, the next packet
                // takes the slow path.
                _ => {
                    sw.flows().remove(self.id, key);
                    return (f.action(), f.provenance().port);
                }
            }
        };
        if fresh.same_decision(f) {
            f.set_generation(gen);
            return (f.action(), f.provenance().port);
        }
        let action = (fresh.action, fresh.prov.port);
        let nf = NewFlow {
            key: *key,
            in_port: self.id,
            peer: f.peer(),
            reply: f.is_reply(),
            outcome: fresh,
            flags: f.tcp_flags(),
            len: 0,
            hash: None,
        };
        let cfg = sw.config(rx);
        let _ = sw.flows().install(nf, None, f.owner(), (cfg.max_flows, u32::MAX), gen, true);
        action
    }

    /// A packet that missed the flow table: learn, decide at L2, then the rules (unicast, cached)
    /// or flood (not cached).
    #[inline(never)]
    fn slow_path(&self, skb: SkBuff, pkt: MissPkt<'_>, table: &PortTable, gen: u32, rx: &RxCtx) -> RxResult {
        let (port, sw, key) = (self, &*self.switch, pkt.key);
        let ingress = Ingress {
            id: port.id,
            kind: port.kind,
            mac: port.mac,
        };
        if l2::learns(&ingress) && l2::is_valid_source(&key.src_mac) && table.static_port(&key.src_mac).is_none() {
            if sw.fdb().learn(&key.src_mac, port.id) {
                // A MAC appeared or moved: flows towards it are re-decided.
                sw.policy().bump_generation();
            }
        }
        let decision = l2_decide(port, table, sw, &key.dst_mac, &key.src_mac);
        match decision {
            Decision::Forward(_) | Decision::PassToHost => port.miss(skb, pkt, decision, table, gen, rx),
            Decision::Flood { vm_only, to_host } => port.flood(skb, key, vm_only, to_host, table, rx),
            Decision::Drop(cause) => {
                let reason = match cause {
                    DropCause::InvalidSource | DropCause::Spoofed => DropReason::MacInvalidSource,
                    DropCause::Hairpin => DropReason::NoTxTarget,
                };
                port.drop_frame(skb, reason, rx);
                RxResult::Consumed
            }
        }
    }

    /// The slow path for a unicast frame to port `dst_id`, or one for the host: decide, install
    /// the flow (and its reverse), apply.
    #[allow(clippy::too_many_arguments)]
    fn miss(
        &self,
        skb: SkBuff,
        pkt: MissPkt<'_>,
        decision: Decision,
        table: &PortTable,
        gen: u32,
        rx: &RxCtx,
    ) -> RxResult {
        let sw = &*self.switch;
        let MissPkt { key, hash, len } = pkt;
        let tkey = &conn::table_key(key);
        let (outcome, dst) = match decision {
            Decision::Forward(id) => {
                let Some(dst) = table.port(id) else {
                    self.drop_frame(skb, DropReason::NoTxTarget, rx);
                    return RxResult::Consumed;
                };
                let pv = walk_path(rx, Some(self), self.id, Some(dst), key, &mut no_step);
                (pv.outcome(Action::Forward(id), rx), Some(id))
            }
            _ => (
                Outcome {
                    action: Action::Pass,
                    prov: Provenance::default(),
                    counted: [None, None],
                },
                None,
            ),
        };
        let action = outcome.action;
        let denier = outcome.prov.port;
        // The first packet of the flow, for rules that count every packet.
        for r in outcome.counted.iter().flatten() {
            r.count_packet(rx, len);
        }
        let rev = match (action, dst) {
            (Action::Forward(d), Some(_)) => Some(NewFlow {
                key: conn::reverse(tkey),
                in_port: d,
                peer: self.id,
                reply: true,
                outcome: Outcome {
                    action: Action::Forward(self.id),
                    prov: outcome.prov,
                    counted: [None, None],
                },
                flags: 0,
                len: 0,
                hash: None,
            }),
            _ => None,
        };
        let n = 1 + u64::from(rev.is_some());
        let fwd = NewFlow {
            key: *tkey,
            in_port: self.id,
            peer: dst.unwrap_or(NO_PORT),
            reply: false,
            outcome,
            flags: key.tcp_flags,
            len,
            hash: Some(hash),
        };
        let cfg = sw.config(rx);
        let limits = (cfg.max_flows, self.flow_limit(cfg.port_max_flows));
        match sw.flows().install(fwd, rev, self.id, limits, gen, false) {
            Installed::Yes => {
                self.stats.cpu(rx).flow_install(n);
                sw.stats().cpu(rx).flow_install(n);
            }
            Installed::Limit => {
                self.stats.cpu(rx).flow_limit();
                sw.stats().cpu(rx).flow_limit();
                if cfg.limit_drop {
                    self.drop_frame(skb, DropReason::FlowLimit, rx);
                    return RxResult::Consumed;
                }
            }
            // Not cached this time; the packet itself goes on.
            Installed::NoMem => {}
        }
        self.apply(action, denier, skb, len, sw.stats().cpu(rx), table, rx)
    }

    /// Floods a frame (not cached): `self`'s outbound layers once, each VM destination's inbound
    /// layers per copy.
    fn flood(&self, skb: SkBuff, key: &FlowKey, vm_only: bool, to_host: bool, table: &PortTable, rx: &RxCtx) -> RxResult {
        let sw = &*self.switch;
        let len = skb.frame_len();
        if walk_path(rx, Some(self), self.id, None, key, &mut no_step).verdict == Verdict::Deny {
            self.deny(skb, None, rx);
            return RxResult::Consumed;
        }
        self.stats.cpu(rx).flood();
        sw.stats().cpu(rx).flood();
        for out in table.ports() {
            if out.id == self.id || (vm_only && out.kind != PortKind::Vm) {
                continue;
            }
            if out.kind == PortKind::Vm
                && !out.stack(rx).is_empty()
                && walk_path(rx, None, self.id, Some(out), key, &mut no_step).verdict == Verdict::Deny
            {
                out.stats.cpu(rx).policy_drop();
                out.stats.cpu(rx).drop(len);
                sw.stats().cpu(rx).policy_drop();
                sw.stats().cpu(rx).drop(len);
                continue;
            }
            match skb.clone_frame() {
                Some(copy) => out.send(copy, len, sw.stats().cpu(rx), rx),
                None => {
                    out.stats.cpu(rx).drop(len);
                    sw.stats().cpu(rx).drop(len);
                }
            }
        }
        if to_host {
            return self.pass(skb, rx);
        }
        skb.consume();
        RxResult::Consumed
    }
}

impl RxHandler for Port {
    fn receive(port: ArcBorrow<'_, Self>, skb: SkBuff, rx: &RxCtx) -> RxResult {
        let sw = &*port.switch;
        // Frames the host sends to itself are not ours to switch. Shared skbs (packet generators,
        // taps) are copied: we change skb->dev and push the header back.
        let (skb, rxf) = match skb.rx_prepare(PARSE_BYTES) {
            Rx::Ready(skb, rxf) => (skb, rxf),
            Rx::Loopback(skb) => return RxResult::Pass(skb),
            Rx::Gone(len) => {
                let (pc, sc) = (port.stats.cpu(rx), sw.stats().cpu(rx));
                pc.rx(len);
                sc.rx(len);
                pc.drop(len);
                sc.drop(len);
                return RxResult::Consumed;
            }
            Rx::NoMem(skb, len) => {
                port.stats.cpu(rx).rx(len);
                sw.stats().cpu(rx).rx(len);
                port.drop_frame(skb, DropReason::NoMem, rx);
                return RxResult::Consumed;
            }
        };
        let len = rxf.len;
        // This CPU's counters, looked up once for the packet.
        let (pc, sc) = (port.stats.cpu(rx), sw.stats().cpu(rx));
        pc.rx(len);
        sc.rx(len);
        // Parsed in place: no copy of the 60-byte key.
        let mut key = FlowKey::default();
        let parsed = flowkey::parse_into(rxf.bytes(&skb), &mut key);
        let vlan = rxf.vlan;
        if let Err(e) = parsed {
            pc.parse_error();
            sc.parse_error();
            port.drop_frame(skb, parse_drop_reason(e), rx);
            return RxResult::Consumed;
        }
        // The stack moved the outer tag into the skb before calling us; it is the outer VLAN.
        if let Some(vid) = vlan {
            key.vlan_id = vid;
        }
        let table = sw.table(rx);
        let gen = sw.policy().generation();
        let flows = sw.flows();
        // Hash and comparison ignore the TCP flags: no copy of the key without them is needed.
        let hash = flows.hash(&key, port.id);

        // Fast path: one lookup.
        if let Some(f) = flows.lookup(rx, hash, port.id, &key) {
            pc.flow_hit();
            sc.flow_hit();
            f.touch(work::jiffies(), len, key.tcp_flags, rx);
            let (action, denier) = if f.generation() == gen {
                (f.action(), f.provenance().port)
            } else {
                port.revalidate(f, table, gen, rx)
            };
            return port.apply(action, denier, skb, len, sc, table, rx);
        }

        // Slow path, out of line: the fast path above keeps its registers and a small frame.
        pc.flow_miss();
        sc.flow_miss();
        let pkt = MissPkt { key: &key, hash, len };
        port.slow_path(skb, pkt, table, gen, rx)
    }
}
