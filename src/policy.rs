// SPDX-License-Identifier: GPL-2.0

//! The policy of a switch: its shared rule table, its layers and the port stacks built from them,
//! and the walk that decides a packet.
//!
//! - A [`Rule`] is stored once per switch (in the rule table, as an `Arc`); a rule-set makes a new
//!   immutable version that shares the old one's counters.
//! - A [`Layer`] has, per direction, a sorted index table of rule ids (control side, under the
//!   policy mutex) and a compiled form that the packet path reads under RCU: the referenced
//!   rules' `Arc`s, their [`RuleSpec`]s as the classifier reads them, and the default verdict.
//!   Every change builds a whole new compiled layer aside and publishes it at once.
//! - A [`Stack`] is a port's list of layer pointers (top first). It counts itself in its layers'
//!   `n_ports` while it exists.
//!
//! Lock order: RTNL, then a switch's ports mutex, then the policy mutex. Nothing sleeps under RCU:
//! replaced versions are freed after a grace period once the mutex is released.

use core::sync::atomic::{AtomicU32, Ordering};

use kernel::{
    alloc::AllocError,
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex, MutexGuard},
};

use crate::ffi::{
    genl::Msg,
    percpu::{Counter, PerCpu},
    rcu::{RcuBox, RcuReader, Retired},
    rx::RxCtx,
};
use crate::logic::classify::{self, BuildError, Classifier, Entry, Slot, Storage, Tuple, Work};
use crate::logic::rule::{Direction, Match, Packet, RuleSpec, Verdict};
use crate::logic::walk as logic_walk;
use crate::switch::SwitchName;
use crate::uapi::*;

/// Most layers one switch can hold.
pub(crate) const MAX_LAYERS_PER_SWITCH: usize = 4096;

/// What went wrong in a policy change; the handlers turn it into an errno and an extack message.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PolicyError {
    /// No rule with this id.
    NoRule(u32),
    /// A rule with this id exists already.
    RuleExists,
    /// The rule table is full.
    TooManyRules,
    /// The rule is bound to a layer.
    RuleBusy,
    /// No layer with this name (for a stack: the position of the name in the request).
    NoLayer(usize),
    /// A layer with this name exists already.
    LayerExists,
    /// The switch has the maximum number of layers.
    TooManyLayers,
    /// A port's stack holds the layer.
    LayerBusy,
    /// The same layer twice in a stack (position of the second one).
    DuplicateLayer(usize),
    /// The rule is already bound in this direction.
    AlreadyBound(u32, Direction),
    /// The rule is not bound in this direction.
    NotBound(u32, Direction),
    /// The request lists this id twice for this direction.
    DuplicateId(u32, Direction),
    /// Anything else (out of memory).
    Sys(Error),
}

impl From<Error> for PolicyError {
    fn from(e: Error) -> Self {
        PolicyError::Sys(e)
    }
}

impl From<AllocError> for PolicyError {
    fn from(_: AllocError) -> Self {
        PolicyError::Sys(ENOMEM)
    }
}

// ---------------------------------------------------------------------------------------------
// Rules

/// One CPU's counters of a rule.
#[derive(Zeroable)]
struct RuleCounters {
    matches: Counter,
    packets: Counter,
    bytes: Counter,
}

/// A rule's counters, shared by every version of the rule so they survive rule-set.
struct RuleStats(PerCpu<RuleCounters>);

/// A rule's counters summed over all CPUs.
#[derive(Clone, Copy, Default)]
pub(crate) struct RuleTotals {
    pub(crate) matches: u64,
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
}

/// What a rule does: exactly one terminal action and the optional count action.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Actions {
    pub(crate) verdict: Verdict,
    pub(crate) count: bool,
}

/// One version of a rule of the switch's rule table. Immutable: rule-set publishes a new version.
pub(crate) struct Rule {
    spec: RuleSpec,
    actions: Actions,
    stats: Arc<RuleStats>,
}

impl Rule {
    /// Rule id (>= 1), unique in the switch.
    #[inline]
    pub(crate) fn id(&self) -> u32 {
        self.spec.id
    }

    /// Priority: lower wins, ties go to the lower id.
    pub(crate) fn priority(&self) -> u32 {
        self.spec.priority
    }

    /// The rule's conditions.
    pub(crate) fn matcher(&self) -> &Match {
        &self.spec.m
    }

    /// The terminal verdict.
    #[inline]
    pub(crate) fn verdict(&self) -> Verdict {
        self.actions.verdict
    }

    /// The rule's actions.
    pub(crate) fn actions(&self) -> Actions {
        self.actions
    }

    /// Whether the rule has the count action (count every packet and byte of its flows).
    #[inline]
    pub(crate) fn counts(&self) -> bool {
        self.actions.count
    }

    /// The rule made one decision (a flow installed, or an uncached packet decided).
    #[inline]
    pub(crate) fn count_match(&self, rx: &RxCtx) {
        self.stats.0.this_cpu(rx).matches.add(1);
    }

    /// A packet of `len` bytes of a flow this rule decided (only meaningful with [`Self::counts`]).
    #[inline]
    pub(crate) fn count_packet(&self, rx: &RxCtx, len: u32) {
        let c = self.stats.0.this_cpu(rx);
        c.packets.add(1);
        c.bytes.add(u64::from(len));
    }

    /// The counters summed over all CPUs.
    pub(crate) fn totals(&self) -> RuleTotals {
        self.stats.0.fold(RuleTotals::default(), |mut t, c| {
            t.matches = t.matches.wrapping_add(c.matches.get());
            t.packets = t.packets.wrapping_add(c.packets.get());
            t.bytes = t.bytes.wrapping_add(c.bytes.get());
            t
        })
    }
}

/// An entry of the rule table (control side).
struct RuleEntry {
    rule: Arc<Rule>,
    /// Layer index tables (a layer's out and in table count apart) that reference the rule.
    refs: u32,
}

// ---------------------------------------------------------------------------------------------
// Layers

/// One direction of a compiled layer: what the packet path reads. The rules' specs are copied
/// here (the classifier reads them contiguously, in the order it was built from), next to the
/// tuple-space classifier's arrays (src/logic/classify.rs).
struct Table {
    default: Verdict,
    /// The bound rules, in index-table (id) order.
    rules: KVVec<Arc<Rule>>,
    /// The same rules' specs, in the same order: the classifier's input.
    specs: KVVec<RuleSpec>,
    tuples: KVVec<Tuple>,
    slots: KVVec<Slot>,
    entries: KVVec<Entry>,
    keys: KVVec<u32>,
}

fn build_error(e: BuildError) -> Error {
    match e {
        BuildError::TooSmall => EINVAL,
        BuildError::TooLarge => E2BIG,
    }
}

impl Table {
    fn build(default: Verdict, rules: KVVec<Arc<Rule>>) -> Result<Self> {
        let mut specs = KVVec::with_capacity(rules.len(), GFP_KERNEL)?;
        for r in rules.iter() {
            specs.push(r.spec, GFP_KERNEL)?;
        }
        let mut work = KVVec::from_elem(Work::default(), classify::work_len(&specs), GFP_KERNEL)?;
        let sizes = classify::plan(&specs, &mut work).map_err(build_error)?;
        let mut t = Table {
            default,
            rules,
            specs,
            tuples: KVVec::from_elem(Tuple::default(), sizes.tuples, GFP_KERNEL)?,
            slots: KVVec::from_elem(Slot::default(), sizes.slots, GFP_KERNEL)?,
            entries: KVVec::from_elem(Entry::default(), sizes.entries, GFP_KERNEL)?,
            keys: KVVec::from_elem(0u32, sizes.keys, GFP_KERNEL)?,
        };
        let work = work.get(..sizes.entries).ok_or(EINVAL)?;
        let st = Storage {
            tuples: &mut t.tuples,
            slots: &mut t.slots,
            entries: &mut t.entries,
            keys: &mut t.keys,
        };
        classify::build(&t.specs, work, st).map_err(build_error)?;
        Ok(t)
    }

    /// The index in `rules` of the winning matching rule, if any.
    #[inline]
    fn lookup(&self, pkt: &Packet<'_>) -> Option<usize> {
        Classifier::new(&self.tuples, &self.slots, &self.entries, &self.keys).lookup(&self.specs, pkt)
    }
}

/// A layer as published: both directions, replaced as a whole.
struct Compiled {
    out: Table,
    inb: Table,
}

impl Compiled {
    fn table(&self, dir: Direction) -> &Table {
        match dir {
            Direction::Out => &self.out,
            Direction::In => &self.inb,
        }
    }
}

/// A named layer of a switch.
pub(crate) struct Layer {
    name: SwitchName,
    compiled: RcuBox<Compiled>,
    /// Stacks (of ports) that hold this layer; see [`Stack`].
    n_ports: AtomicU32,
}

impl Layer {
    /// The layer's name.
    pub(crate) fn name(&self) -> &CStr {
        self.name.as_cstr()
    }

    /// Ports whose stack holds the layer.
    pub(crate) fn n_ports(&self) -> u32 {
        self.n_ports.load(Ordering::Acquire)
    }
}

/// An index table of a layer (control side): default verdict and the bound rule ids, sorted.
struct Index {
    default: Verdict,
    ids: KVVec<u32>,
}

impl Index {
    fn contains(&self, id: u32) -> bool {
        self.ids.binary_search(&id).is_ok()
    }
}

/// An entry of the layer table (control side).
struct LayerEntry {
    layer: Arc<Layer>,
    out: Index,
    inb: Index,
}

impl LayerEntry {
    fn index(&self, dir: Direction) -> &Index {
        match dir {
            Direction::Out => &self.out,
            Direction::In => &self.inb,
        }
    }

    fn references(&self, id: u32) -> bool {
        self.out.contains(id) || self.inb.contains(id)
    }
}

/// What layer-get reports.
pub(crate) struct LayerInfo<'a> {
    pub(crate) name: &'a CStr,
    pub(crate) out_default: Verdict,
    pub(crate) in_default: Verdict,
    pub(crate) n_out_rules: u32,
    pub(crate) n_in_rules: u32,
    pub(crate) n_ports: u32,
}

impl<'a> LayerInfo<'a> {
    fn of(e: &'a LayerEntry) -> Self {
        LayerInfo {
            name: e.layer.name(),
            out_default: e.out.default,
            in_default: e.inb.default,
            n_out_rules: e.out.ids.len() as u32,
            n_in_rules: e.inb.ids.len() as u32,
            n_ports: e.layer.n_ports(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Port stacks and the walk

/// A port's layers, top first: a small vector of pointers. Each layer counts the stacks holding
/// it (`n_ports`) from the stack's creation (under the policy mutex) until the stack is freed.
pub(crate) struct Stack {
    layers: KVec<Arc<Layer>>,
}

impl Stack {
    /// No layers: every packet is allowed.
    pub(crate) fn empty() -> Self {
        Stack { layers: KVec::new() }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for l in self.layers.iter() {
            l.n_ports.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Puts a port's stack as the `layers` nest (repeated names, top first).
pub(crate) fn put_stack(m: &mut Msg, stack: &Stack) -> Result {
    m.nest(VFLOW_A_PORT_LAYERS, |m| {
        for l in stack.layers.iter() {
            m.put_str(VFLOW_A_LAYER_STACK_NAME, l.name())?;
        }
        Ok(())
    })
}

/// The outcome of a walk.
pub(crate) struct Decision<'a> {
    /// Final verdict.
    pub(crate) verdict: Verdict,
    /// The deciding layer: the denying one, or the last one that allowed (none: empty stack).
    pub(crate) layer: Option<&'a Layer>,
    /// The rule that decided in that layer; `None` for the layer's default verdict.
    pub(crate) rule: Option<&'a Arc<Rule>>,
}

/// Walks `stack` for `pkt`: outbound top to bottom, inbound bottom to top; in each layer the
/// winning matching rule decides, else the layer's default; a deny stops the walk. `on_step` sees
/// every layer's decision (for explain). An empty stack allows.
///
/// The walk itself is [`crate::logic::walk::walk`] (host-tested) over one snapshot of each
/// layer's published version, so a layer republished during the walk is seen whole, once.
pub(crate) fn walk<'a>(
    stack: &'a Stack,
    rcu: &'a impl RcuReader,
    dir: Direction,
    pkt: &Packet<'_>,
    mut on_step: impl FnMut(&Layer, Option<&Rule>, Verdict),
) -> Decision<'a> {
    // No layers: nothing to snapshot or walk (ports without policy pay nothing for it).
    if stack.layers.is_empty() {
        return Decision {
            verdict: Verdict::Allow,
            layer: None,
            rule: None,
        };
    }
    const NONE: Option<&Compiled> = None;
    let mut snap = [NONE; VFLOW_MAX_LAYERS as usize];
    // Stacks hold at most VFLOW_MAX_LAYERS layers (`Locked::stack`).
    for (s, l) in snap.iter_mut().zip(stack.layers.iter()) {
        *s = Some(l.compiled.read(rcu));
    }
    let snap = snap.get(..stack.layers.len()).unwrap_or(&snap);
    let rule_of = |layer: usize, rule: Option<usize>| -> Option<&'a Arc<Rule>> {
        snap.get(layer).copied().flatten()?.table(dir).rules.get(rule?)
    };
    let out = logic_walk::walk(snap, dir, pkt, |st| {
        if let Some(l) = stack.layers.get(st.layer) {
            on_step(l, rule_of(st.layer, st.rule).map(|r| &**r), st.verdict);
        }
    });
    Decision {
        verdict: out.verdict,
        layer: out.layer.and_then(|i| stack.layers.get(i)).map(|l| &**l),
        rule: out.layer.and_then(|i| rule_of(i, out.rule)),
    }
}

/// A layer's published version as the walk logic sees it.
impl logic_walk::Layer for Option<&Compiled> {
    #[inline]
    fn decide(&self, dir: Direction, pkt: &Packet<'_>) -> Option<(usize, Verdict)> {
        let t = (*self)?.table(dir);
        let i = t.lookup(pkt)?;
        Some((i, t.rules.get(i)?.verdict()))
    }

    fn default_verdict(&self, dir: Direction) -> Verdict {
        self.map_or(Verdict::Allow, |c| c.table(dir).default)
    }
}

// ---------------------------------------------------------------------------------------------
// The policy of a switch

/// Control-side state, under the policy mutex.
struct Inner {
    /// Sorted by id.
    rules: KVVec<RuleEntry>,
    /// Sorted by name.
    layers: KVec<LayerEntry>,
}

impl Inner {
    fn rule_pos(&self, id: u32) -> core::result::Result<usize, usize> {
        self.rules.binary_search_by_key(&id, |e| e.rule.id())
    }

    fn layer_pos(&self, name: &CStr) -> core::result::Result<usize, usize> {
        self.layers
            .binary_search_by(|e| e.layer.name().to_bytes().cmp(name.to_bytes()))
    }

    /// The rules `ids` name, with `swap` standing in for its id's current version.
    fn resolve(&self, ids: &[u32], swap: Option<&Arc<Rule>>) -> Result<KVVec<Arc<Rule>>> {
        let mut v = KVVec::with_capacity(ids.len(), GFP_KERNEL)?;
        for &id in ids {
            let r = match swap {
                Some(s) if s.id() == id => s.clone(),
                _ => {
                    let i = self.rule_pos(id).map_err(|_| ENOENT)?;
                    self.rules.get(i).ok_or(ENOENT)?.rule.clone()
                }
            };
            v.push(r, GFP_KERNEL)?;
        }
        Ok(v)
    }

    /// A new compiled layer for these index tables.
    fn compile(&self, out: &Index, inb: &Index, swap: Option<&Arc<Rule>>) -> Result<KBox<Compiled>> {
        let c = Compiled {
            out: Table::build(out.default, self.resolve(&out.ids, swap)?)?,
            inb: Table::build(inb.default, self.resolve(&inb.ids, swap)?)?,
        };
        Ok(KBox::new(c, GFP_KERNEL)?)
    }
}

/// Replaced compiled layers, freed after one grace period for all of them when dropped (after
/// the policy mutex is released: see the field order of [`Locked`]).
struct RetiredList(KVec<Retired<Compiled>>);

impl Drop for RetiredList {
    fn drop(&mut self) {
        Retired::free_all(core::mem::take(&mut self.0));
    }
}

/// The policy of one switch.
#[pin_data]
pub(crate) struct Policy {
    #[pin]
    inner: Mutex<Inner>,
    generation: AtomicU32,
}

impl Policy {
    pub(crate) fn new() -> Result<Arc<Policy>> {
        Arc::pin_init(
            pin_init!(Policy {
                inner <- new_mutex!(Inner {
                    rules: KVVec::new(),
                    layers: KVec::new(),
                }),
                generation: AtomicU32::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// The policy generation: changes whenever a rule, layer or port stack changes. Read it
    /// before deciding; a flow decided under an older generation must be re-decided.
    #[inline]
    pub(crate) fn generation(&self) -> u32 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks a change, after the changed objects are published.
    pub(crate) fn bump_generation(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Rules in the rule table.
    pub(crate) fn n_rules(&self) -> u32 {
        self.inner.lock().rules.len() as u32
    }

    /// Layers of the switch.
    pub(crate) fn n_layers(&self) -> u32 {
        self.inner.lock().layers.len() as u32
    }

    /// Takes the policy mutex (after RTNL and the switch's ports mutex, if those are taken).
    pub(crate) fn lock(&self) -> Locked<'_> {
        Locked {
            inner: self.inner.lock(),
            retired: RetiredList(KVec::new()),
            policy: self,
        }
    }
}

/// The policy, locked: every read and change of rules, layers and stacks goes through this.
/// Dropping it unlocks, then frees the versions it replaced after a grace period.
pub(crate) struct Locked<'a> {
    // Field order matters: the mutex is released before the retired versions wait for RCU.
    inner: MutexGuard<'a, Inner>,
    retired: RetiredList,
    policy: &'a Policy,
}

impl<'a> Locked<'a> {
    // ---- reads

    /// Rule `id` and how many index tables reference it.
    pub(crate) fn rule(&self, id: u32) -> Option<(&Arc<Rule>, u32)> {
        let i = self.inner.rule_pos(id).ok()?;
        self.inner.rules.get(i).map(|e| (&e.rule, e.refs))
    }

    /// Rules with id >= `start`, in id order, with their reference counts.
    pub(crate) fn rules_from(&self, start: u32) -> impl Iterator<Item = (&Arc<Rule>, u32)> + '_ {
        let i = self.inner.rules.partition_point(|e| e.rule.id() < start);
        self.inner
            .rules
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .map(|e| (&e.rule, e.refs))
    }

    /// Layer `name`.
    pub(crate) fn layer(&self, name: &CStr) -> Option<LayerInfo<'_>> {
        let i = self.inner.layer_pos(name).ok()?;
        self.inner.layers.get(i).map(LayerInfo::of)
    }

    /// Layers from position `start` (name order).
    pub(crate) fn layers_from(&self, start: usize) -> impl Iterator<Item = LayerInfo<'_>> + '_ {
        self.inner
            .layers
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .map(LayerInfo::of)
    }

    /// The rule ids a layer's index table for `dir` holds, sorted.
    pub(crate) fn layer_ids(&self, name: &CStr, dir: Direction) -> Option<&[u32]> {
        let i = self.inner.layer_pos(name).ok()?;
        self.inner.layers.get(i).map(|e| &e.index(dir).ids[..])
    }

    // ---- rules

    /// Adds a rule. Errors: `RuleExists`, `TooManyRules`, `Sys(ENOMEM)`.
    pub(crate) fn rule_new(&mut self, spec: RuleSpec, actions: Actions) -> Result<(), PolicyError> {
        let pos = match self.inner.rule_pos(spec.id) {
            Ok(_) => return Err(PolicyError::RuleExists),
            Err(p) => p,
        };
        if self.inner.rules.len() >= VFLOW_MAX_RULES as usize {
            return Err(PolicyError::TooManyRules);
        }
        let stats = Arc::new(RuleStats(PerCpu::new()?), GFP_KERNEL)?;
        let rule = Arc::new(
            Rule {
                spec,
                actions,
                stats,
            },
            GFP_KERNEL,
        )?;
        self.inner.rules.reserve(1, GFP_KERNEL)?;
        self.inner
            .rules
            .insert_within_capacity(pos, RuleEntry { rule, refs: 0 })
            .map_err(|_| PolicyError::Sys(ENOMEM))?;
        self.policy.bump_generation();
        Ok(())
    }

    /// Replaces the given parts of rule `id` and republishes every layer that references it,
    /// all or nothing. Errors: `NoRule`, `Sys(ENOMEM)`.
    pub(crate) fn rule_set(
        &mut self,
        id: u32,
        priority: Option<u32>,
        m: Option<Match>,
        actions: Option<Actions>,
    ) -> Result<(), PolicyError> {
        let pos = self.inner.rule_pos(id).map_err(|_| PolicyError::NoRule(id))?;
        let old = &self.inner.rules.get(pos).ok_or(PolicyError::NoRule(id))?.rule;
        let mut spec = old.spec;
        if let Some(p) = priority {
            spec.priority = p;
        }
        if let Some(m) = m {
            spec.m = m;
        }
        let rule = Arc::new(
            Rule {
                spec,
                actions: actions.unwrap_or(old.actions),
                stats: old.stats.clone(),
            },
            GFP_KERNEL,
        )?;
        // Build every affected layer's new version first: nothing changes if one fails.
        let mut fresh: KVec<(usize, KBox<Compiled>)> = KVec::new();
        for (i, e) in self.inner.layers.iter().enumerate() {
            if e.references(id) {
                fresh.push((i, self.inner.compile(&e.out, &e.inb, Some(&rule))?), GFP_KERNEL)?;
            }
        }
        self.retired.0.reserve(fresh.len(), GFP_KERNEL)?;
        if let Some(e) = self.inner.rules.get_mut(pos) {
            e.rule = rule;
        }
        for (i, c) in fresh {
            if let Some(e) = self.inner.layers.get(i) {
                self.retire(e.layer.compiled.replace(c));
            }
        }
        self.policy.bump_generation();
        Ok(())
    }

    /// Deletes rule `id`. Errors: `NoRule`, `RuleBusy`.
    pub(crate) fn rule_del(&mut self, id: u32) -> Result<(), PolicyError> {
        let pos = self.inner.rule_pos(id).map_err(|_| PolicyError::NoRule(id))?;
        if self.inner.rules.get(pos).is_some_and(|e| e.refs > 0) {
            return Err(PolicyError::RuleBusy);
        }
        drop(self.inner.rules.remove(pos));
        self.policy.bump_generation();
        Ok(())
    }

    // ---- layers

    /// Adds a layer with no rules. Errors: `LayerExists`, `TooManyLayers`, `Sys(ENOMEM)`.
    pub(crate) fn layer_new(
        &mut self,
        name: SwitchName,
        out_default: Verdict,
        in_default: Verdict,
    ) -> Result<(), PolicyError> {
        let pos = match self.inner.layer_pos(name.as_cstr()) {
            Ok(_) => return Err(PolicyError::LayerExists),
            Err(p) => p,
        };
        if self.inner.layers.len() >= MAX_LAYERS_PER_SWITCH {
            return Err(PolicyError::TooManyLayers);
        }
        let out = Index {
            default: out_default,
            ids: KVVec::new(),
        };
        let inb = Index {
            default: in_default,
            ids: KVVec::new(),
        };
        let compiled = RcuBox::new(self.inner.compile(&out, &inb, None)?);
        let layer = Arc::new(
            Layer {
                name,
                compiled,
                n_ports: AtomicU32::new(0),
            },
            GFP_KERNEL,
        )?;
        self.inner.layers.reserve(1, GFP_KERNEL)?;
        self.inner
            .layers
            .insert_within_capacity(pos, LayerEntry { layer, out, inb })
            .map_err(|_| PolicyError::Sys(ENOMEM))?;
        self.policy.bump_generation();
        Ok(())
    }

    /// Changes a layer's default verdicts. Errors: `NoLayer(0)`, `Sys(ENOMEM)`.
    pub(crate) fn layer_set(
        &mut self,
        name: &CStr,
        out_default: Option<Verdict>,
        in_default: Option<Verdict>,
    ) -> Result<(), PolicyError> {
        let pos = self.inner.layer_pos(name).map_err(|_| PolicyError::NoLayer(0))?;
        let e = self.inner.layers.get(pos).ok_or(PolicyError::NoLayer(0))?;
        let out_d = out_default.unwrap_or(e.out.default);
        let in_d = in_default.unwrap_or(e.inb.default);
        if out_d == e.out.default && in_d == e.inb.default {
            return Ok(());
        }
        // Compile with the new defaults (the ids are unchanged).
        let c = KBox::new(
            Compiled {
                out: Table::build(out_d, self.inner.resolve(&e.out.ids, None)?)?,
                inb: Table::build(in_d, self.inner.resolve(&e.inb.ids, None)?)?,
            },
            GFP_KERNEL,
        )?;
        self.retired.0.reserve(1, GFP_KERNEL)?;
        let Some(e) = self.inner.layers.get_mut(pos) else {
            return Err(PolicyError::NoLayer(0));
        };
        e.out.default = out_d;
        e.inb.default = in_d;
        let old = e.layer.compiled.replace(c);
        self.retire(old);
        self.policy.bump_generation();
        Ok(())
    }

    /// Deletes a layer, releasing its rules. Errors: `NoLayer(0)`, `LayerBusy`.
    pub(crate) fn layer_del(&mut self, name: &CStr) -> Result<(), PolicyError> {
        let pos = self.inner.layer_pos(name).map_err(|_| PolicyError::NoLayer(0))?;
        // Stacks are only created under this mutex, so a count of 0 stays 0.
        if self.inner.layers.get(pos).is_some_and(|e| e.layer.n_ports() > 0) {
            return Err(PolicyError::LayerBusy);
        }
        let e = self.inner.layers.remove(pos).map_err(|_| PolicyError::NoLayer(0))?;
        for ids in [&e.out.ids, &e.inb.ids] {
            for &id in ids.iter() {
                if let Ok(i) = self.inner.rule_pos(id) {
                    if let Some(r) = self.inner.rules.get_mut(i) {
                        r.refs = r.refs.saturating_sub(1);
                    }
                }
            }
        }
        self.policy.bump_generation();
        Ok(())
    }

    /// Binds (`bind`) or unbinds rule ids to/from a layer's index tables and publishes the new
    /// version, all or nothing. Errors: `NoLayer(0)`, `NoRule`, `AlreadyBound`, `NotBound`,
    /// `DuplicateId`, `Sys(ENOMEM)`.
    pub(crate) fn layer_bind(
        &mut self,
        name: &CStr,
        out_ids: &[u32],
        in_ids: &[u32],
        bind: bool,
    ) -> Result<(), PolicyError> {
        let pos = self.inner.layer_pos(name).map_err(|_| PolicyError::NoLayer(0))?;
        if out_ids.is_empty() && in_ids.is_empty() {
            return Ok(());
        }
        let e = self.inner.layers.get(pos).ok_or(PolicyError::NoLayer(0))?;
        let out = self.changed(&e.out, out_ids, Direction::Out, bind)?;
        let inb = self.changed(&e.inb, in_ids, Direction::In, bind)?;
        let c = self.inner.compile(&out, &inb, None)?;
        self.retired.0.reserve(1, GFP_KERNEL)?;
        // Commit: nothing below fails.
        for ids in [out_ids, in_ids] {
            for &id in ids {
                if let Ok(i) = self.inner.rule_pos(id) {
                    if let Some(r) = self.inner.rules.get_mut(i) {
                        r.refs = if bind {
                            r.refs.saturating_add(1)
                        } else {
                            r.refs.saturating_sub(1)
                        };
                    }
                }
            }
        }
        let Some(e) = self.inner.layers.get_mut(pos) else {
            return Err(PolicyError::NoLayer(0));
        };
        e.out = out;
        e.inb = inb;
        let old = e.layer.compiled.replace(c);
        self.retire(old);
        self.policy.bump_generation();
        Ok(())
    }

    /// The index table `cur` with `ids` added (`bind`) or removed, checked.
    fn changed(&self, cur: &Index, ids: &[u32], dir: Direction, bind: bool) -> Result<Index, PolicyError> {
        let mut req = KVVec::with_capacity(ids.len(), GFP_KERNEL)?;
        for &id in ids {
            if bind && self.inner.rule_pos(id).is_err() {
                return Err(PolicyError::NoRule(id));
            }
            match (bind, cur.contains(id)) {
                (true, true) => return Err(PolicyError::AlreadyBound(id, dir)),
                (false, false) => return Err(PolicyError::NotBound(id, dir)),
                _ => {}
            }
            req.push(id, GFP_KERNEL)?;
        }
        req.sort_unstable();
        if let Some(w) = req.windows(2).find(|w| w.first() == w.get(1)) {
            return Err(PolicyError::DuplicateId(w.first().copied().unwrap_or(0), dir));
        }
        let cap = if bind {
            cur.ids.len().saturating_add(req.len())
        } else {
            cur.ids.len().saturating_sub(req.len())
        };
        let mut ids_new = KVVec::with_capacity(cap, GFP_KERNEL)?;
        if bind {
            // Merge two sorted, disjoint lists.
            let (mut a, mut b) = (cur.ids.iter().peekable(), req.iter().peekable());
            loop {
                let next = match (a.peek(), b.peek()) {
                    (Some(&&x), Some(&&y)) if x < y => a.next(),
                    (Some(_), Some(_)) => b.next(),
                    (Some(_), None) => a.next(),
                    (None, Some(_)) => b.next(),
                    (None, None) => break,
                };
                if let Some(&v) = next {
                    ids_new.push(v, GFP_KERNEL)?;
                }
            }
        } else {
            for &v in cur.ids.iter() {
                if req.binary_search(&v).is_err() {
                    ids_new.push(v, GFP_KERNEL)?;
                }
            }
        }
        Ok(Index {
            default: cur.default,
            ids: ids_new,
        })
    }

    // ---- stacks

    /// A stack of the named layers (top first), counted in each layer's `n_ports`; the caller
    /// publishes it on the port and then calls [`Policy::bump_generation`]. Errors: `NoLayer(i)`,
    /// `DuplicateLayer(i)` (i: position in `names`), `Sys(ENOMEM)`.
    pub(crate) fn stack(&self, names: &[SwitchName]) -> Result<KBox<Stack>, PolicyError> {
        if names.len() > VFLOW_MAX_LAYERS as usize {
            return Err(PolicyError::Sys(E2BIG));
        }
        let mut stack = Stack {
            layers: KVec::with_capacity(names.len(), GFP_KERNEL)?,
        };
        for (i, n) in names.iter().enumerate() {
            if names.get(..i).is_some_and(|before| before.contains(n)) {
                return Err(PolicyError::DuplicateLayer(i));
            }
            let pos = self.inner.layer_pos(n.as_cstr()).map_err(|_| PolicyError::NoLayer(i))?;
            let l = self.inner.layers.get(pos).ok_or(PolicyError::NoLayer(i))?;
            stack.layers.push(l.layer.clone(), GFP_KERNEL)?;
            // Counted from here: dropping `stack` on an error below uncounts it.
            l.layer.n_ports.fetch_add(1, Ordering::AcqRel);
        }
        Ok(KBox::new(stack, GFP_KERNEL)?)
    }

    fn retire(&mut self, old: Retired<Compiled>) {
        // Capacity was reserved before committing; if not, free it now (waits under the mutex).
        if let Err(e) = self.retired.0.push_within_capacity(old) {
            drop(e);
        }
    }
}
