//! Host build of vflow's pure logic.
//!
//! `src/logic` is compiled here exactly as the kernel module compiles it: `no_std`, without
//! `alloc`, as a private module whose items are `pub(crate)`. The tests are this crate's own
//! `#[cfg(test)]` modules, so they reach those items; they use `std` and proptest.
#![no_std]
// The kernel module, not this crate, is what uses the logic.
#![allow(dead_code)]

#[cfg(test)]
extern crate std;

#[path = "../../../src/logic/mod.rs"]
mod logic;

#[cfg(test)]
mod conn_test;
#[cfg(test)]
mod fdb_test;
#[cfg(test)]
mod flowkey_prop;
#[cfg(test)]
mod flowkey_unit;
#[cfg(test)]
mod frame;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod classify_prop;
#[cfg(test)]
mod classify_util;
#[cfg(test)]
mod walk_test;
#[cfg(test)]
mod classify_unit;
#[cfg(test)]
mod classify_bench;
