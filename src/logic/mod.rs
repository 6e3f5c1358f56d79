//! Pure packet logic of the vflow datapath.
//!
//! Everything below this module is plain computation on byte slices and small values: no
//! allocation, no locking, no raw pointers and no `kernel::` imports, only `core`. The same files are
//! compiled into the kernel module (as `mod logic;` from the crate root) and, unchanged, into the
//! host test crate in `tests/host`, where they are unit- and property-tested with `cargo test`.
//!
//! Rules for code in here: never panic on any input (no `unwrap`, no slice indexing, no arithmetic
//! that can overflow), read multi-byte fields with `from_be_bytes` on checked sub-slices, and keep
//! every item `pub(crate)` (the kernel crate root declares this module privately).

#[allow(dead_code)]
pub(crate) mod conn;
pub(crate) mod fdb;
// The flow table (next) is built on this parser; until then only the host tests use it.
#[allow(dead_code)]
pub(crate) mod flowkey;
#[allow(dead_code)]
pub(crate) mod rule;
#[allow(dead_code)]
pub(crate) mod classify;
#[allow(dead_code)]
pub(crate) mod walk;
