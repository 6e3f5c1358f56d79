//! Tests of the layer walk: order per direction, defaults, deny stops, the deciding layer and
//! rule, the explain steps; a property test against a naive reference walk; and the walk over
//! real classifiers through `LayerView`.

use proptest::collection::vec;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

use crate::classify_util::{p4, pkt, rule, tcp4, Built};
use crate::logic::flowkey::FlowKey;
use crate::logic::rule::{Direction, Match, Packet, Verdict};
use crate::logic::walk::{walk, Layer, LayerView, Outcome, Side, Step};

use Direction::{In, Out};
use Verdict::{Allow, Deny};

/// A layer whose decision does not depend on the packet.
#[derive(Clone, Copy, Debug)]
struct Fixed {
    out: Option<(usize, Verdict)>,
    inn: Option<(usize, Verdict)>,
    default_out: Verdict,
    default_in: Verdict,
}

impl Layer for Fixed {
    fn decide(&self, dir: Direction, _: &Packet<'_>) -> Option<(usize, Verdict)> {
        match dir {
            Out => self.out,
            In => self.inn,
        }
    }
    fn default_verdict(&self, dir: Direction) -> Verdict {
        match dir {
            Out => self.default_out,
            In => self.default_in,
        }
    }
}

fn fixed(rule: Option<(usize, Verdict)>, default: Verdict) -> Fixed {
    Fixed {
        out: rule,
        inn: rule,
        default_out: default,
        default_in: default,
    }
}

fn run<L: Layer>(layers: &[L], dir: Direction) -> (Outcome, Vec<Step>) {
    let key = FlowKey::default();
    let p = pkt(&key, 1, Some(2));
    let mut steps = Vec::new();
    let o = walk(layers, dir, &p, |s| steps.push(s));
    (o, steps)
}

fn step(layer: usize, rule: Option<usize>, verdict: Verdict) -> Step {
    Step {
        layer,
        rule,
        verdict,
    }
}

#[test]
fn empty_stack_allows() {
    for dir in [Out, In] {
        let (o, steps) = run::<Fixed>(&[], dir);
        assert_eq!(
            o,
            Outcome {
                verdict: Allow,
                layer: None,
                rule: None
            }
        );
        assert!(steps.is_empty());
    }
}

#[test]
fn out_walks_top_down_in_bottom_up() {
    let layers = [
        fixed(Some((5, Allow)), Deny),
        fixed(None, Allow),
        fixed(Some((7, Allow)), Deny),
    ];
    let (o, steps) = run(&layers, Out);
    assert_eq!(
        steps,
        vec![
            step(0, Some(5), Allow),
            step(1, None, Allow),
            step(2, Some(7), Allow)
        ]
    );
    assert_eq!(
        o,
        Outcome {
            verdict: Allow,
            layer: Some(2),
            rule: Some(7)
        }
    );
    let (o, steps) = run(&layers, In);
    assert_eq!(
        steps,
        vec![
            step(2, Some(7), Allow),
            step(1, None, Allow),
            step(0, Some(5), Allow)
        ]
    );
    assert_eq!(
        o,
        Outcome {
            verdict: Allow,
            layer: Some(0),
            rule: Some(5)
        }
    );
}

#[test]
fn deny_stops() {
    let layers = [
        fixed(None, Allow),
        fixed(Some((3, Deny)), Allow),
        fixed(None, Deny),
    ];
    let (o, steps) = run(&layers, Out);
    assert_eq!(steps, vec![step(0, None, Allow), step(1, Some(3), Deny)]);
    assert_eq!(
        o,
        Outcome {
            verdict: Deny,
            layer: Some(1),
            rule: Some(3)
        }
    );
    // Inbound the bottom layer's default denies first.
    let (o, steps) = run(&layers, In);
    assert_eq!(steps, vec![step(2, None, Deny)]);
    assert_eq!(
        o,
        Outcome {
            verdict: Deny,
            layer: Some(2),
            rule: None
        }
    );
}

#[test]
fn rule_allow_overrides_default_deny() {
    let (o, _) = run(&[fixed(Some((0, Allow)), Deny)], Out);
    assert_eq!(o.verdict, Allow);
    let (o, _) = run(&[fixed(None, Deny)], Out);
    assert_eq!(o.verdict, Deny);
    assert_eq!(o.rule, None);
}

#[test]
fn directions_use_their_own_rules_and_defaults() {
    let l = Fixed {
        out: None,
        inn: Some((4, Deny)),
        default_out: Allow,
        default_in: Allow,
    };
    assert_eq!(run(&[l], Out).0.verdict, Allow);
    assert_eq!(
        run(&[l], In).0,
        Outcome {
            verdict: Deny,
            layer: Some(0),
            rule: Some(4)
        }
    );
    let l = Fixed {
        out: None,
        inn: None,
        default_out: Deny,
        default_in: Allow,
    };
    assert_eq!(run(&[l], Out).0.verdict, Deny);
    assert_eq!(run(&[l], In).0.verdict, Allow);
}

#[test]
fn layer_views_over_real_classifiers() {
    // Layer 0: outbound denies ssh to 10.0.0.0/8, allows the rest by default; inbound allows
    // only 10.1.0.0/16 sources. Layer 1: outbound default deny with an allow for tcp.
    let l0_out = Built::new(&[rule(
        1,
        10,
        Match {
            dst_ip: Some(p4([10, 0, 0, 0], 8)),
            dst_port: Some((22, 22)),
            ..Match::default()
        },
    )]);
    let l0_out_v = [Deny];
    let l0_in = Built::new(&[rule(
        2,
        10,
        Match {
            src_ip: Some(p4([10, 1, 0, 0], 16)),
            ..Match::default()
        },
    )]);
    let l0_in_v = [Allow];
    let l1_out = Built::new(&[
        rule(
            5,
            1,
            Match {
                ip_proto: Some(17),
                ..Match::default()
            },
        ),
        rule(
            3,
            1,
            Match {
                ip_proto: Some(6),
                ..Match::default()
            },
        ),
    ]);
    let l1_out_v = [Deny, Allow];
    let empty = Built::new(&[]);
    let stack = [
        LayerView {
            out: side(&l0_out, &l0_out_v, Allow),
            inn: side(&l0_in, &l0_in_v, Deny),
        },
        LayerView {
            out: side(&l1_out, &l1_out_v, Deny),
            inn: side(&empty, &[], Allow),
        },
    ];
    let walk_key = |k: &FlowKey, dir| {
        let mut steps = Vec::new();
        let o = walk(&stack, dir, &pkt(k, 1, Some(2)), |s| steps.push(s));
        (o, steps)
    };
    // ssh to 10.2.3.4: layer 0 rule 0 denies.
    let (o, steps) = walk_key(&tcp4([192, 168, 0, 1], [10, 2, 3, 4], 40000, 22), Out);
    assert_eq!(
        o,
        Outcome {
            verdict: Deny,
            layer: Some(0),
            rule: Some(0)
        }
    );
    assert_eq!(steps.len(), 1);
    // http out: layer 0 default allows, layer 1 rule index 1 (id 3, tcp) allows.
    let (o, steps) = walk_key(&tcp4([192, 168, 0, 1], [10, 2, 3, 4], 40000, 80), Out);
    assert_eq!(
        o,
        Outcome {
            verdict: Allow,
            layer: Some(1),
            rule: Some(1)
        }
    );
    assert_eq!(steps, vec![step(0, None, Allow), step(1, Some(1), Allow)]);
    // Inbound from 10.1.2.3: layer 1 (empty, default allow), then layer 0 rule 0 allows.
    let (o, steps) = walk_key(&tcp4([10, 1, 2, 3], [192, 168, 0, 1], 80, 40000), In);
    assert_eq!(
        o,
        Outcome {
            verdict: Allow,
            layer: Some(0),
            rule: Some(0)
        }
    );
    assert_eq!(steps, vec![step(1, None, Allow), step(0, Some(0), Allow)]);
    // Inbound from elsewhere: layer 0's default denies.
    let (o, _) = walk_key(&tcp4([10, 2, 2, 3], [192, 168, 0, 1], 80, 40000), In);
    assert_eq!(
        o,
        Outcome {
            verdict: Deny,
            layer: Some(0),
            rule: None
        }
    );
}

fn side<'a>(b: &'a Built, verdicts: &'a [Verdict], default: Verdict) -> Side<'a> {
    Side {
        cls: b.view(),
        rules: &b.rules,
        verdicts,
        default,
    }
}

/// The walk written as plainly as possible.
fn reference(layers: &[Fixed], dir: Direction) -> (Outcome, Vec<Step>) {
    let mut order: Vec<usize> = (0..layers.len()).collect();
    if dir == In {
        order.reverse();
    }
    let mut steps = Vec::new();
    let mut last = Outcome {
        verdict: Allow,
        layer: None,
        rule: None,
    };
    for i in order {
        let l = &layers[i];
        let decided = if dir == Out { l.out } else { l.inn };
        let default = if dir == Out {
            l.default_out
        } else {
            l.default_in
        };
        let (rule, verdict) = match decided {
            Some((r, v)) => (Some(r), v),
            None => (None, default),
        };
        steps.push(Step {
            layer: i,
            rule,
            verdict,
        });
        last = Outcome {
            verdict,
            layer: Some(i),
            rule,
        };
        if verdict == Deny {
            break;
        }
    }
    (last, steps)
}

fn verdict() -> impl Strategy<Value = Verdict> {
    prop_oneof![3 => Just(Allow), 1 => Just(Deny)]
}

fn fixed_layer() -> impl Strategy<Value = Fixed> {
    let decided = || proptest::option::of((0usize..5, verdict()));
    (decided(), decided(), verdict(), verdict()).prop_map(|(out, inn, default_out, default_in)| {
        Fixed {
            out,
            inn,
            default_out,
            default_in,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn walk_is_the_reference_walk(layers in vec(fixed_layer(), 0..9), inbound in any::<bool>()) {
        let dir = if inbound { In } else { Out };
        prop_assert_eq!(run(&layers, dir), reference(&layers, dir));
        // Through references too (the blanket impl).
        let refs: Vec<&Fixed> = layers.iter().collect();
        prop_assert_eq!(run(&refs, dir).0, reference(&layers, dir).0);
    }
}
