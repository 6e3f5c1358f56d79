//! The layer walk: a port's stack of layers deciding one packet.
//!
//! A port's stack is ordered top (index 0) to bottom. Outbound packets (from the VM,
//! [`Direction::Out`]) go through it top to bottom, inbound ones ([`Direction::In`]) bottom to top.
//! In each layer the winning matching rule of that direction decides, or the layer's default
//! verdict when no rule matches. A deny stops the walk; the packet passes when every layer allows.
//! An empty stack allows.
//!
//! [`walk`] is generic over the [`Layer`] trait so that the kernel can walk its own
//! RCU-published layer objects; [`LayerView`] is a ready-made [`Layer`] over borrowed classifier
//! storage.

#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented,
    clippy::arithmetic_side_effects
)]

use super::classify::Classifier;
use super::rule::{Direction, Packet, RuleSpec, Verdict};

/// One layer as the walk sees it.
pub(crate) trait Layer {
    /// The rule that decides `pkt` in direction `dir`: its index in that direction's rules and
    /// its verdict; `None` when no rule matches.
    fn decide(&self, dir: Direction, pkt: &Packet<'_>) -> Option<(usize, Verdict)>;
    /// The verdict when no rule of direction `dir` matches.
    fn default_verdict(&self, dir: Direction) -> Verdict;
}

impl<T: Layer + ?Sized> Layer for &T {
    fn decide(&self, dir: Direction, pkt: &Packet<'_>) -> Option<(usize, Verdict)> {
        (**self).decide(dir, pkt)
    }
    fn default_verdict(&self, dir: Direction) -> Verdict {
        (**self).default_verdict(dir)
    }
}

/// What one layer decided, as `explain` reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Step {
    /// Position of the layer in the stack (0: top), whatever the direction.
    pub(crate) layer: usize,
    /// The deciding rule's index in the layer's rules for the direction; `None`: the default.
    pub(crate) rule: Option<usize>,
    /// The layer's verdict.
    pub(crate) verdict: Verdict,
}

/// What the whole stack decided.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Outcome {
    /// The final verdict.
    pub(crate) verdict: Verdict,
    /// The deciding layer: the one that denied, or the last one walked when all allowed; `None`
    /// for an empty stack.
    pub(crate) layer: Option<usize>,
    /// The deciding rule in that layer; `None` when its default verdict decided (or no layer).
    pub(crate) rule: Option<usize>,
}

/// Walks `layers` (top first) in direction `dir` for `pkt`, calling `on_step` once per layer
/// visited, in walk order.
pub(crate) fn walk<L: Layer>(
    layers: &[L],
    dir: Direction,
    pkt: &Packet<'_>,
    mut on_step: impl FnMut(Step),
) -> Outcome {
    let mut out = Outcome {
        verdict: Verdict::Allow,
        layer: None,
        rule: None,
    };
    let mut visit = |i: usize, l: &L| -> bool {
        let (rule, verdict) = match l.decide(dir, pkt) {
            Some((r, v)) => (Some(r), v),
            None => (None, l.default_verdict(dir)),
        };
        on_step(Step {
            layer: i,
            rule,
            verdict,
        });
        out = Outcome {
            verdict,
            layer: Some(i),
            rule,
        };
        verdict == Verdict::Deny
    };
    match dir {
        Direction::Out => {
            for (i, l) in layers.iter().enumerate() {
                if visit(i, l) {
                    break;
                }
            }
        }
        Direction::In => {
            for (i, l) in layers.iter().enumerate().rev() {
                if visit(i, l) {
                    break;
                }
            }
        }
    }
    out
}

/// One direction of a layer over borrowed storage.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Side<'a> {
    /// The classifier built from `rules`.
    pub(crate) cls: Classifier<'a>,
    /// The rules, in the order the classifier was built from.
    pub(crate) rules: &'a [RuleSpec],
    /// Each rule's verdict, parallel to `rules` (a missing one denies).
    pub(crate) verdicts: &'a [Verdict],
    /// The verdict when no rule matches.
    pub(crate) default: Verdict,
}

impl Side<'_> {
    /// The deciding rule and its verdict, if a rule matches.
    pub(crate) fn decide(&self, pkt: &Packet<'_>) -> Option<(usize, Verdict)> {
        let i = self.cls.lookup(self.rules, pkt)?;
        Some((i, self.verdicts.get(i).copied().unwrap_or(Verdict::Deny)))
    }
}

/// A layer over borrowed storage: one [`Side`] per direction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LayerView<'a> {
    /// Outbound (from the VM).
    pub(crate) out: Side<'a>,
    /// Inbound (to the VM).
    pub(crate) inn: Side<'a>,
}

impl<'a> LayerView<'a> {
    fn side(&self, dir: Direction) -> &Side<'a> {
        match dir {
            Direction::Out => &self.out,
            Direction::In => &self.inn,
        }
    }
}

impl Layer for LayerView<'_> {
    fn decide(&self, dir: Direction, pkt: &Packet<'_>) -> Option<(usize, Verdict)> {
        self.side(dir).decide(pkt)
    }
    fn default_verdict(&self, dir: Direction) -> Verdict {
        self.side(dir).default
    }
}
