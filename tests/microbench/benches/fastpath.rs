//! The pure-logic steps of vflow's packet path, each on its own: parse a frame into a flow key,
//! hash it, compare it with a stored key, make the reply key. `src/logic` is compiled here exactly
//! as the module compiles it (the same file, by path), so the numbers are of the module's code,
//! built for the host.
//!
//! ```text
//! make microbench            # or: cd tests/microbench && cargo bench --locked
//! ```
//!
//! The classifier has its own benchmark over 100 to 100k rules (tests/host/src/classify_bench.rs).
#![allow(dead_code, unused_imports, missing_docs, unreachable_pub)]

use core::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../../../src/logic/mod.rs"]
mod logic;

use logic::conn;
use logic::flowkey::{self, FlowKey};

/// A 60-byte IPv4/UDP frame, as the bench's pktgen sends.
fn udp4() -> [u8; 60] {
    let mut f = [0u8; 60];
    f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 2]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip = &mut f[14..34];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&46u16.to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&[10, 1, 0, 1]);
    ip[16..20].copy_from_slice(&[192, 168, 2, 2]);
    let udp = &mut f[34..42];
    udp[0..2].copy_from_slice(&1024u16.to_be_bytes());
    udp[2..4].copy_from_slice(&9u16.to_be_bytes());
    udp[4..6].copy_from_slice(&26u16.to_be_bytes());
    f
}

/// A 74-byte IPv6/TCP SYN frame.
fn tcp6() -> [u8; 74] {
    let mut f = [0u8; 74];
    f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 2]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    f[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
    let ip = &mut f[14..54];
    ip[0] = 0x60;
    ip[4..6].copy_from_slice(&20u16.to_be_bytes());
    ip[6] = 6;
    ip[7] = 64;
    ip[8..24].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    ip[24..40].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    let tcp = &mut f[54..74];
    tcp[0..2].copy_from_slice(&40000u16.to_be_bytes());
    tcp[2..4].copy_from_slice(&443u16.to_be_bytes());
    tcp[12] = 5 << 4;
    tcp[13] = 0x02;
    f
}

fn key_of(frame: &[u8]) -> FlowKey {
    let mut k = FlowKey::default();
    flowkey::parse_into(frame, &mut k).expect("the frame parses");
    k
}

fn fastpath(c: &mut Criterion) {
    let (u4, t6) = (udp4(), tcp6());
    c.bench_function("parse_into ipv4/udp", |b| {
        b.iter(|| {
            let mut k = FlowKey::default();
            let _ = flowkey::parse_into(black_box(&u4[..]), &mut k);
            k
        })
    });
    c.bench_function("parse_into ipv6/tcp", |b| {
        b.iter(|| {
            let mut k = FlowKey::default();
            let _ = flowkey::parse_into(black_box(&t6[..]), &mut k);
            k
        })
    });
    let k = key_of(&u4);
    let stored = conn::table_key(&k);
    c.bench_function("hash_key", |b| b.iter(|| conn::hash_key(black_box(&k), black_box(3), 0x1234_5678)));
    c.bench_function("key_eq (equal)", |b| b.iter(|| conn::key_eq(black_box(&stored), black_box(&k))));
    c.bench_function("reverse", |b| b.iter(|| conn::reverse(black_box(&k))));
    c.bench_function("hit: parse + hash + compare", |b| {
        b.iter(|| {
            let mut key = FlowKey::default();
            let _ = flowkey::parse_into(black_box(&u4[..]), &mut key);
            let h = conn::hash_key(&key, 3, 0x1234_5678);
            (h, conn::key_eq(black_box(&stored), &key))
        })
    });
}

criterion_group!(benches, fastpath);
criterion_main!(benches);
