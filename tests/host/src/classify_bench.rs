//! Micro-benchmark of the classifier (ignored by default). Run it optimized:
//!
//! ```text
//! cd tests/host && cargo test --release --locked classify_bench -- --ignored --nocapture
//! ```
//!
//! Rule sets of 100 to 100k "realistic" ACL rules (a mix of /32, /24 and /16 IPv4 prefixes,
//! TCP/UDP with exact ports, well-known ranges or no port, random priorities); hit packets are
//! made from a random rule, miss packets come from addresses no rule covers. Prints ns/lookup,
//! tuple count, build time and bytes of classifier storage per rule.

use std::vec::Vec;
use std::{eprintln, println};

use crate::classify_util::{p4, pkt, tcp4, Built};
use crate::logic::flowkey::FlowKey;
use crate::logic::rule::{classify_linear, Match, RuleSpec};

/// xorshift64*: deterministic, no crate needed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u64) as usize]
    }
}

/// An address in 10.0.0.0/8 (the tenant space every rule is about).
fn addr(r: &mut Rng) -> [u8; 4] {
    [
        10,
        r.below(256) as u8,
        r.below(256) as u8,
        r.below(256) as u8,
    ]
}

fn prefix(r: &mut Rng) -> Option<crate::logic::rule::Prefix> {
    match r.below(10) {
        0..=3 => Some(p4(addr(r), 32)),
        4..=6 => Some(p4(addr(r), 24)),
        7..=8 => Some(p4(addr(r), 16)),
        _ => None,
    }
}

const WELL_KNOWN: [u16; 12] = [22, 53, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090, 25, 123];
const RANGES: [(u16, u16); 4] = [(1024, 65535), (8000, 8999), (30000, 32767), (6000, 6063)];

/// One ACL-like rule: at least one address condition, mostly TCP/UDP with a port.
pub(crate) fn acl_rule(r: &mut Rng, id: u32) -> RuleSpec {
    let mut m = Match {
        ethertype: Some(0x0800),
        src_ip: prefix(r),
        dst_ip: prefix(r),
        ..Match::default()
    };
    if m.src_ip.is_none() && m.dst_ip.is_none() {
        m.dst_ip = Some(p4(addr(r), 32));
    }
    match r.below(10) {
        0..=6 => m.ip_proto = Some(6),
        7..=8 => m.ip_proto = Some(17),
        _ => {}
    }
    if m.ip_proto.is_some() {
        m.dst_port = match r.below(10) {
            0..=4 => Some({
                let p = r.pick(&WELL_KNOWN);
                (p, p)
            }),
            5..=6 => Some({
                let p = 1024 + r.below(60000) as u16;
                (p, p)
            }),
            7 => Some(r.pick(&RANGES)),
            _ => None,
        };
        if r.below(20) == 0 {
            m.src_port = Some((1024, 65535));
        }
    }
    RuleSpec {
        id,
        priority: r.below(1000) as u32,
        m,
    }
}

/// A packet the rule matches.
fn hit_for(rule: &RuleSpec, r: &mut Rng) -> FlowKey {
    let m = &rule.m;
    let fill = |p: Option<crate::logic::rule::Prefix>, r: &mut Rng| {
        let mut a = addr(r);
        if let Some(p) = p {
            let base = [p.addr[12], p.addr[13], p.addr[14], p.addr[15]];
            let host = u32::from_be_bytes(a);
            let bits = u32::from(p.plen - 96);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            a = ((u32::from_be_bytes(base) & mask) | (host & !mask)).to_be_bytes();
        }
        a
    };
    let src = fill(m.src_ip, r);
    let dst = fill(m.dst_ip, r);
    let port = |rg: Option<(u16, u16)>, r: &mut Rng| match rg {
        Some((lo, hi)) => lo + r.below(u64::from(hi - lo) + 1) as u16,
        None => 1024 + r.below(60000) as u16,
    };
    let mut k = tcp4(src, dst, port(m.src_port, r), port(m.dst_port, r));
    k.ip_proto = m.ip_proto.unwrap_or(6);
    k
}

/// A packet from and to 192.168.0.0/16: no rule covers it.
fn miss(r: &mut Rng) -> FlowKey {
    let a = |r: &mut Rng| [192, 168, r.below(256) as u8, r.below(256) as u8];
    tcp4(
        a(r),
        a(r),
        1024 + r.below(60000) as u16,
        r.pick(&WELL_KNOWN),
    )
}

/// CPU time of this thread in ns (the machine is shared: wall time would count other jobs).
pub(crate) fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|f| f.parse().ok()))
        .unwrap_or_else(|| {
            // Fallback: wall time.
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        })
}

/// Best of three runs of `rounds` passes over `keys`: (ns per lookup, lookups that matched per
/// pass).
fn time_lookups(b: &Built, keys: &[FlowKey], rounds: usize) -> (f64, usize) {
    let runs = [0; 3].map(|_| time_once(b, keys, rounds));
    runs.into_iter()
        .fold((f64::MAX, 0), |a, r| if r.0 < a.0 { r } else { a })
}

fn time_once(b: &Built, keys: &[FlowKey], rounds: usize) -> (f64, usize) {
    let mut found = 0usize;
    let start = cpu_ns();
    for _ in 0..rounds {
        for k in keys {
            let p = pkt(k, 1, Some(2));
            if std::hint::black_box(b.lookup(std::hint::black_box(&p))).is_some() {
                found += 1;
            }
        }
    }
    let ns = (cpu_ns() - start) as f64 / (rounds * keys.len()) as f64;
    (ns, found / rounds)
}

#[test]
#[ignore]
fn classify_bench() {
    if cfg!(debug_assertions) {
        eprintln!("note: run with --release for meaningful numbers");
    }
    println!(
        "{:>7} {:>7} {:>8} {:>8} {:>9} {:>10} {:>10} {:>10} {:>10}",
        "rules",
        "tuples",
        "filters",
        "build ms",
        "bytes/rule",
        "hit ns",
        "miss ns",
        "linear hit",
        "checked"
    );
    // VFLOW_BENCH_SIZES=100,1000 to pick sizes.
    let sizes: Vec<usize> = std::env::var("VFLOW_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| std::vec![100, 1_000, 10_000, 100_000]);
    for &n in &sizes {
        let mut r = Rng(0x5eed_0000 + n as u64);
        let rules: Vec<RuleSpec> = (0..n).map(|i| acl_rule(&mut r, i as u32 + 1)).collect();
        // CPU time, so at a scheduler tick's resolution (a few ms).
        let t0 = cpu_ns();
        let b = Built::new(&rules);
        let build_ms = (cpu_ns() - t0) as f64 / 1e6;
        let hits: Vec<FlowKey> = (0..4096)
            .map(|_| {
                let i = r.below(n as u64) as usize;
                hit_for(&rules[i], &mut r)
            })
            .collect();
        let misses: Vec<FlowKey> = (0..4096).map(|_| miss(&mut r)).collect();
        // Correctness on the benchmark's own packets.
        let mut checked = 0;
        for k in hits
            .iter()
            .chain(misses.iter())
            .step_by(if n > 10_000 { 16 } else { 1 })
        {
            let p = pkt(k, 1, Some(2));
            assert_eq!(b.lookup(&p), classify_linear(&rules, &p));
            checked += 1;
        }
        let rounds = (2_000_000 / (n.max(1000) / 10)).clamp(5, 200);
        let (hit_ns, found) = time_lookups(&b, &hits, rounds);
        let (miss_ns, mfound) = time_lookups(&b, &misses, rounds);
        assert_eq!(found, hits.len());
        assert_eq!(mfound, 0);
        let linear = if n <= 10_000 {
            let start = cpu_ns();
            let lr = (200_000 / n).max(3);
            for _ in 0..lr {
                for k in &hits[..512] {
                    let p = pkt(k, 1, Some(2));
                    std::hint::black_box(classify_linear(&rules, std::hint::black_box(&p)));
                }
            }
            std::format!("{:.0}", (cpu_ns() - start) as f64 / (lr * 512) as f64)
        } else {
            std::string::String::from("-")
        };
        println!(
            "{:>7} {:>7} {:>8} {:>8.1} {:>9.0} {:>10.0} {:>10.0} {:>10} {:>10}",
            n,
            b.sizes.tuples - b.sizes.filters,
            b.sizes.filters,
            build_ms,
            b.sizes.bytes() as f64 / n as f64,
            hit_ns,
            miss_ns,
            linear,
            checked
        );
    }
}
