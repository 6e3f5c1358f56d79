//! The rule classifier: tuple-space search over [`RuleSpec`]s.
//!
//! Returns exactly what [`classify_linear`](super::rule::classify_linear) returns (the matching
//! rule with the lowest `(priority, id)`, ties to the lower index), at a per-packet cost that
//! depends on the number of distinct rule *shapes* (masks), not on the number of rules.
//!
//! # How
//!
//! Every rule condition is "the packet's field, under a mask, equals a value": ports, ethertype,
//! VLAN and protocol with a full mask, MACs, ToS and TCP flags with the rule's own mask, IP
//! prefixes with a prefix mask. The packet is turned into [`WORDS`] 32-bit words; a rule into a
//! mask and a masked value over the same words. Rules with the same mask form a *tuple*, and a
//! tuple is a hash table from masked value to the rules with that value (Open vSwitch's
//! classifier, Srinivasan et al. 1999). A lookup masks the packet words with each tuple's mask,
//! hashes them and probes that tuple's table: one probe per tuple, whatever the rule count.
//!
//! Tuples are visited by their best rule (lowest `(priority, id)`) and the walk stops at the first
//! tuple whose best rule cannot beat the winner so far, so a high-priority hit costs few probes.
//! Words on which all of a tuple's rules agree (ethertype, the IPv4-mapped part of addresses...)
//! are compared once per tuple; only the others are hashed and stored. A slot holds the group's
//! best entry next to its value, so a probe that finds the value needs no second load, and
//! candidates are probed in small batches whose loads are issued together, so that their cache
//! misses overlap (Documentation/classifier.md).
//!
//! Two kinds of Bloom filters keep a lookup from touching tuples that cannot match, which matters
//! once the tables outgrow the CPU caches: per address field and common prefix length, the set of
//! rule prefixes (a tuple needing a `/24` destination is skipped when no rule's `/24` holds the
//! packet's destination); and per big tuple ([`BLOOM_MIN_GROUPS`] values or more), the set of its
//! values, tested before its slots.
//!
//! L4 port ranges are not mask conditions. A range is split into aligned prefixes (`value/len`
//! over the 16 bits; at most 30). When they all have the same length and there are at most
//! [`MAX_RANGE_PREFIXES`] of them (an exact port, the full range, `1024-2047`, `16-47`...),
//! the rule gets one entry per prefix (per pair for two such fields), all in one tuple. Any
//! other range is left out of the mask and checked afterwards on the candidate
//! ([`Match::matches`](super::rule::Match::matches), so the post-check is the reference meaning
//! itself): expanding it would put the rule into up to 17 tuples per field, and the tuple count,
//! not the entry count, is what a lookup pays for. An empty range (min > max) matches nothing and
//! the rule gets no entries.
//!
//! # Storage
//!
//! No allocation here: the caller sizes and owns the arrays.
//!
//! 1. `n = work_len(rules)`; allocate `n` [`Work`] (scratch, freed after step 3).
//! 2. `sizes = plan(rules, &mut work)?`; allocate `sizes.tuples` [`Tuple`], `sizes.slots` [`Slot`],
//!    `sizes.entries` [`Entry`], `sizes.keys` `u32`, all `Default`.
//! 3. `build(rules, &work, Storage { .. })?`.
//! 4. Per packet: `Classifier::new(&tuples, &slots, &entries, &keys).lookup(&rules, &pkt)`.
//!
//! The arrays are only valid with the `rules` slice they were built from (the same order).
//! Lookup never panics and never reads out of bounds whatever the arrays hold; inconsistent
//! arrays only give wrong answers.

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

use super::rule::{Match, Packet, Prefix, RuleSpec};

/// Number of 32-bit words a packet is classified on.
pub(crate) const WORDS: usize = 16;

/// Most prefixes (all of one length) a port range is expanded to; other ranges are post-checked.
/// (Two is also the most a range can split into without mixing lengths.)
pub(crate) const MAX_RANGE_PREFIXES: usize = 2;

/// Bit of [`Entry::rule`] telling that the candidate must be re-checked with
/// [`Match::matches`](super::rule::Match::matches) (a port range left out of the mask).
const POST_CHECK: u32 = 1 << 31;

/// Word layout (bit positions within each word):
/// - 0: `in_port` (0..16), `vlan_id` (16..32)
/// - 1: output port (0..16) and "has an output port" (bit 16, inverted: set when there is none)
/// - 2: `ethertype` (0..16), `tcp_flags` (16..32)
/// - 3: `ip_proto` (0..8), `tos` (8..16)
/// - 4..7: destination then source MAC, big-endian, 12 bytes
/// - 7..11: source address, 11..15: destination address (big-endian)
/// - 15: source port (16..32), destination port (0..16)
const W_PORTS: usize = 0;
const W_OUT: usize = 1;
const W_ETH: usize = 2;
const W_PROTO: usize = 3;
const W_MAC: usize = 4;
const W_SRC_IP: usize = 7;
const W_DST_IP: usize = 11;
const W_L4: usize = 15;

/// Value of word 1 for a packet with no single output port: never equal to a rule's port.
const NO_OUT_PORT: u32 = 1 << 16;
const OUT_PORT_MASK: u32 = 0x1_ffff;

/// Why planning or building failed. Only a caller bug (wrongly sized arrays) or more than 2^31
/// rules or entries can cause one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BuildError {
    /// An array is shorter than [`plan`] said, or `work` does not come from [`plan`].
    TooSmall,
    /// More rules, entries or key words than the 31/32-bit indices can address.
    TooLarge,
}

/// One expanded rule entry before building: the rule and the port prefixes it stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Work {
    rule: u32,
    sport: u16,
    dport: u16,
    /// Prefix lengths of `sport`/`dport` (0: wildcard or post-checked).
    splen: u8,
    dplen: u8,
    /// A port range is left to the post-check.
    post: bool,
}

/// Array sizes for [`build`], as [`plan`] computes them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Sizes {
    /// [`Tuple`]s: distinct masks, plus the prefix filters.
    pub(crate) tuples: usize,
    /// [`Slot`]s: the words of all tuples' hash slots (each slot [`SLOT_HDR`] words plus the
    /// tuple's varying value words; at most half the slots used).
    pub(crate) slots: usize,
    /// [`Entry`]s (expanded rules).
    pub(crate) entries: usize,
    /// `u32` words of the Bloom filters.
    pub(crate) keys: usize,
    /// Distinct (mask, value) groups (informational).
    pub(crate) groups: usize,
    /// Prefix filters among the tuples (informational).
    pub(crate) filters: usize,
}

impl Sizes {
    /// Bytes of the arrays [`build`] fills (not counting the rules nor the `Work` scratch).
    pub(crate) fn bytes(&self) -> usize {
        let t = self.tuples.saturating_mul(core::mem::size_of::<Tuple>());
        let s = self.slots.saturating_mul(core::mem::size_of::<Slot>());
        let e = self.entries.saturating_mul(core::mem::size_of::<Entry>());
        let k = self.keys.saturating_mul(core::mem::size_of::<u32>());
        t.saturating_add(s).saturating_add(e).saturating_add(k)
    }
}

/// One tuple: a mask and the hash table of the masked values of the rules with that mask; or a
/// prefix filter: the set of one address field's rule prefixes of one length.
///
/// The mask's words are split in two: the words on which every rule of the tuple has the same
/// value (*constant*: the ethertype, the IPv4-mapped part of addresses, often the protocol) are
/// compared once per tuple against `cval`, before anything is hashed; the others (*varying*)
/// are hashed and stored in the slots. A filter has only varying words.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Tuple {
    /// The best entry in the tuple: `(priority << 32 | id, rule index)`.
    best_key: u64,
    best_rule: u32,
    /// Non-zero for a filter: its bit in the `need` masks.
    filter: u32,
    /// The filters the packet must pass for this tuple to hold a match.
    need: u32,
    /// This tuple's slots: `slot_len` slots of `SLOT_HDR + nv` words from word `slot_off` of
    /// `slots`, `slot_len` a power of two (0: empty tuple).
    slot_off: u32,
    slot_len: u32,
    /// This tuple's Bloom filter: `keys[bloom_off..bloom_off + bloom_len]`, `bloom_len` a power
    /// of two (0: none, the tuple is small enough to be probed directly).
    bloom_off: u32,
    bloom_len: u32,
    /// Number of varying words; their indices and masks, `vidx[..nv]`, `vmask[..nv]`.
    nv: u8,
    vidx: [u8; WORDS],
    vmask: [u32; WORDS],
    /// The mask on the constant words (zero on the others) and the value there.
    cmask: [u32; WORDS],
    cval: [u32; WORDS],
}

/// One word of the hash slots. A slot is [`SLOT_HDR`] words, then the tuple's varying words of
/// the masked value: `tag` (the hash with its low bit set; 0: empty slot), the best entry's
/// priority, id and rule index (with [`POST_CHECK`]), the group's first entry and entry count.
/// So a probe that finds the value reads the winner from the same place, with no second miss.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Slot(u32);

/// Header words of a slot (see [`Slot`]).
const SLOT_HDR: usize = 6;

/// One expanded rule in a group's list.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Entry {
    priority: u32,
    id: u32,
    /// Rule index, with [`POST_CHECK`] possibly set.
    rule: u32,
}

impl Entry {
    fn key(&self) -> u64 {
        (u64::from(self.priority) << 32) | u64::from(self.id)
    }
}

/// Tuples (and filters) with this many values or more get a Bloom filter: a lookup tests it
/// before probing the slots, which for a big tuple are a cache miss, while the filter (one
/// byte per value, two bits set per value in one word, about 5% false positives) stays cached.
pub(crate) const BLOOM_MIN_GROUPS: usize = 64;

/// Words of Bloom filter for `groups` values.
fn bloom_words(groups: usize) -> usize {
    if groups < BLOOM_MIN_GROUPS {
        0
    } else {
        (groups / 4).checked_next_power_of_two().unwrap_or(0)
    }
}

/// Words of a prefix filter's Bloom filter for at most `values` prefixes.
fn filter_bloom_words(values: usize) -> usize {
    (values / 4).max(1).checked_next_power_of_two().unwrap_or(0)
}

/// The word and the two bits a hash sets in a Bloom filter of `len` words.
#[inline]
fn bloom_pos(h: u32, len: u32) -> (usize, u32) {
    let word = (h >> 10) & len.wrapping_sub(1);
    let bits = (1u32 << (h & 31)) | (1u32 << ((h >> 5) & 31));
    (usize::try_from(word).unwrap_or(0), bits)
}

/// The arrays [`build`] fills, sized from [`Sizes`] (larger is allowed).
pub(crate) struct Storage<'a> {
    pub(crate) tuples: &'a mut [Tuple],
    pub(crate) slots: &'a mut [Slot],
    pub(crate) entries: &'a mut [Entry],
    pub(crate) keys: &'a mut [u32],
}

/// Most candidate tuples a lookup probes together.
const BATCH: usize = 8;

/// A candidate tuple of a lookup batch: the tuple, the packet's hash there, and the tag of the
/// first slot of the probe sequence (0: absent).
#[derive(Clone, Copy, Default)]
struct Cand<'a> {
    t: Option<&'a Tuple>,
    h: u32,
    tag: u32,
}

/// A built classifier, borrowed from its arrays.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Classifier<'a> {
    tuples: &'a [Tuple],
    slots: &'a [Slot],
    entries: &'a [Entry],
    keys: &'a [u32],
}

// ---------------------------------------------------------------------------------------------
// Words

fn be32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    for (d, s) in a.iter_mut().zip(b.iter()) {
        *d = *s;
    }
    u32::from_be_bytes(a)
}

/// Twelve MAC bytes (destination, source) as three words.
fn mac_words(dst: &[u8; 6], src: &[u8; 6]) -> [u32; 3] {
    let mut b = [0u8; 12];
    for (d, s) in b.iter_mut().zip(dst.iter().chain(src.iter())) {
        *d = *s;
    }
    let (w0, rest) = b.split_at(4);
    let (w1, w2) = rest.split_at(4);
    [be32(w0), be32(w1), be32(w2)]
}

fn ip_words(ip: &[u8; 16]) -> [u32; 4] {
    let mut w = [0u32; 4];
    for (d, c) in w.iter_mut().zip(ip.chunks_exact(4)) {
        *d = be32(c);
    }
    w
}

fn set(words: &mut [u32; WORDS], at: usize, vals: &[u32]) {
    for (d, s) in words.iter_mut().skip(at).zip(vals.iter()) {
        *d = *s;
    }
}

/// The packet as classifier words.
fn packet_words(p: &Packet<'_>) -> [u32; WORDS] {
    let k = p.key;
    let mut w = [0u32; WORDS];
    let out = p.out_port.map_or(NO_OUT_PORT, u32::from);
    set(
        &mut w,
        W_PORTS,
        &[
            u32::from(p.in_port) | (u32::from(k.vlan_id) << 16),
            out,
            u32::from(k.ethertype) | (u32::from(k.tcp_flags) << 16),
            u32::from(k.ip_proto) | (u32::from(k.tos) << 8),
        ],
    );
    set(&mut w, W_MAC, &mac_words(&k.dst_mac, &k.src_mac));
    set(&mut w, W_SRC_IP, &ip_words(&k.src_ip));
    set(&mut w, W_DST_IP, &ip_words(&k.dst_ip));
    set(
        &mut w,
        W_L4,
        &[(u32::from(k.src_port) << 16) | u32::from(k.dst_port)],
    );
    w
}

/// `n` leading one bits of a 32-bit word (n clamped to 0..=32).
fn lead32(n: u32) -> u32 {
    u32::MAX.checked_shl(32u32.saturating_sub(n)).unwrap_or(0)
}

/// Mask words of a 128-bit prefix.
fn prefix_mask(p: Option<Prefix>) -> [u32; 4] {
    let mut m = [0u32; 4];
    if let Some(p) = p {
        let mut left = u32::from(p.plen.min(128));
        for w in m.iter_mut() {
            let b = left.min(32);
            *w = lead32(b);
            left = left.saturating_sub(b);
        }
    }
    m
}

/// Mask of a 16-bit port prefix of length `len`.
fn port_mask(len: u8) -> u32 {
    lead32(u32::from(len)) >> 16
}

/// The mask and masked value of one rule entry.
fn entry_words(m: &Match, w: &Work) -> ([u32; WORDS], [u32; WORDS]) {
    let mut mask = [0u32; WORDS];
    let mut val = [0u32; WORDS];
    let opt16 =
        |o: Option<u16>| -> (u32, u32) { (o.map_or(0, |_| 0xffff), o.map_or(0, u32::from)) };
    let (inm, inv) = opt16(m.in_port);
    let (vlm, vlv) = opt16(m.vlan_id);
    let (etm, etv) = opt16(m.ethertype);
    let (outm, outv) = match m.out_port {
        Some(p) => (OUT_PORT_MASK, u32::from(p)),
        None => (0, 0),
    };
    let (prm, prv) = match m.ip_proto {
        Some(p) => (0xff, u32::from(p)),
        None => (0, 0),
    };
    set(
        &mut mask,
        W_PORTS,
        &[
            inm | (vlm << 16),
            outm,
            etm | (u32::from(m.tcp_flags_mask) << 16),
            prm | (u32::from(m.tos_mask) << 8),
        ],
    );
    set(
        &mut val,
        W_PORTS,
        &[
            inv | (vlv << 16),
            outv,
            etv | (u32::from(m.tcp_flags) << 16),
            prv | (u32::from(m.tos) << 8),
        ],
    );
    set(
        &mut mask,
        W_MAC,
        &mac_words(&m.dst_mac_mask, &m.src_mac_mask),
    );
    set(&mut val, W_MAC, &mac_words(&m.dst_mac, &m.src_mac));
    set(&mut mask, W_SRC_IP, &prefix_mask(m.src_ip));
    set(
        &mut val,
        W_SRC_IP,
        &ip_words(&m.src_ip.unwrap_or_default().addr),
    );
    set(&mut mask, W_DST_IP, &prefix_mask(m.dst_ip));
    set(
        &mut val,
        W_DST_IP,
        &ip_words(&m.dst_ip.unwrap_or_default().addr),
    );
    set(
        &mut mask,
        W_L4,
        &[(port_mask(w.splen) << 16) | port_mask(w.dplen)],
    );
    set(
        &mut val,
        W_L4,
        &[(u32::from(w.sport) << 16) | u32::from(w.dport)],
    );
    for (v, k) in val.iter_mut().zip(mask.iter()) {
        *v &= *k;
    }
    (mask, val)
}

// ---------------------------------------------------------------------------------------------
// Hashing: multilinear over the 16 masked words (independent multiplies, no dependency chain).

const HASH_K: [u64; WORDS + 1] = [
    0x9e37_79b9_7f4a_7c15,
    0xbf58_476d_1ce4_e5b9,
    0x94d0_49bb_1331_11eb,
    0xd6e8_feb8_6659_fd93,
    0xa076_1d64_78bd_642f,
    0xe703_7ed1_a0b4_28db,
    0x8ebc_6af0_9c88_c6e3,
    0x5899_65cc_7537_4cc3,
    0x1d8e_4e27_c47d_124f,
    0xc2b2_ae3d_27d4_eb4f,
    0x1656_67b1_9e37_79f9,
    0x27d4_eb2f_1656_67c5,
    0x85eb_ca77_c2b2_ae63,
    0xff51_afd7_ed55_8ccd,
    0xc4ce_b9fe_1a85_ec53,
    0x8764_3b5a_f1a3_2c51,
    0x2545_f491_4f6c_dd1d,
];

/// Hash of `t`'s varying words of `a` (masked). Multilinear, so the words outside the mask
/// would add nothing: the constant words are checked apart and left out.
#[inline]
fn hash_key(t: &Tuple, a: &[u32; WORDS]) -> u32 {
    let mut h = HASH_K.get(WORDS).copied().unwrap_or(0);
    for (j, m) in t.vidx.iter().zip(t.vmask.iter()).take(usize::from(t.nv)) {
        let j = usize::from(*j) & (WORDS - 1);
        let x = a.get(j).copied().unwrap_or(0) & m;
        h = h.wrapping_add(u64::from(x).wrapping_mul(HASH_K.get(j).copied().unwrap_or(0)));
    }
    // The high half is the well-mixed one.
    (h >> 32) as u32
}

/// Whether `a` has `t`'s values on `t`'s constant words.
#[inline]
fn const_ok(t: &Tuple, a: &[u32; WORDS]) -> bool {
    let mut d = 0u32;
    for ((x, m), c) in a.iter().zip(t.cmask.iter()).zip(t.cval.iter()) {
        d |= (x & m) ^ c;
    }
    d == 0
}

// ---------------------------------------------------------------------------------------------
// Port ranges

/// Calls `f(value, len)` for each aligned prefix of `[lo, hi]`, in order; returns their count.
fn range_prefixes(lo: u16, hi: u16, mut f: impl FnMut(u16, u8)) -> usize {
    let hi = u32::from(hi);
    let mut lo = u32::from(lo);
    let mut n = 0usize;
    while lo <= hi {
        // Largest aligned block starting at lo that ends at or before hi.
        let mut bits = lo.trailing_zeros().min(16);
        while bits > 0 && lo.saturating_add((1u32 << bits).saturating_sub(1)) > hi {
            bits = bits.saturating_sub(1);
        }
        f(
            u16::try_from(lo).unwrap_or(0),
            u8::try_from(16u32.saturating_sub(bits)).unwrap_or(16),
        );
        n = n.saturating_add(1);
        lo = lo.saturating_add(1u32 << bits);
    }
    n
}

/// How one port condition is handled: (expanded, entry count). No condition is one wildcard
/// entry, an empty range none; a range that is not expanded is one wildcard entry plus the
/// post-check.
fn field_plan(r: Option<(u16, u16)>) -> (bool, usize) {
    let Some((lo, hi)) = r else {
        return (true, 1);
    };
    let mut len = None;
    let mut same = true;
    let n = range_prefixes(lo, hi, |_, l| {
        if *len.get_or_insert(l) != l {
            same = false;
        }
    });
    if same && n <= MAX_RANGE_PREFIXES {
        (true, n)
    } else {
        (false, 1)
    }
}

/// How a rule's port ranges are handled: (expand src, expand dst, entry count).
fn port_plan(m: &Match) -> (bool, bool, usize) {
    let (xs, ns) = field_plan(m.src_port);
    let (xd, nd) = field_plan(m.dst_port);
    (xs, xd, ns.saturating_mul(nd))
}

/// Calls `f(value, len)` per prefix of the condition (one wildcard when none or not expanded).
fn each_prefix(r: Option<(u16, u16)>, expand: bool, mut f: impl FnMut(u16, u8)) {
    match r {
        Some((lo, hi)) if expand => {
            range_prefixes(lo, hi, f);
        }
        _ => f(0, 0),
    }
}

// ---------------------------------------------------------------------------------------------
// Building

/// Number of [`Work`] elements [`plan`] needs for `rules`.
pub(crate) fn work_len(rules: &[RuleSpec]) -> usize {
    rules
        .iter()
        .map(|r| port_plan(&r.m).2)
        .fold(0usize, |a, b| a.saturating_add(b))
}

fn rule_of(rules: &[RuleSpec], w: &Work) -> RuleSpec {
    usize::try_from(w.rule)
        .ok()
        .and_then(|i| rules.get(i))
        .copied()
        .unwrap_or_default()
}

fn entry_of(rules: &[RuleSpec], w: &Work) -> ([u32; WORDS], [u32; WORDS], u64) {
    let r = rule_of(rules, w);
    let (m, v) = entry_words(&r.m, w);
    (m, v, (u64::from(r.priority) << 32) | u64::from(r.id))
}

fn slot_len_for(groups: usize) -> Option<usize> {
    groups.checked_mul(2)?.checked_next_power_of_two()
}

/// Sorts `v` by `key`, in place, in `O(n log n)`; `key` is computed about `2 n log n` times
/// (the element being sifted keeps its key).
///
/// Not `sort_unstable_by`: core's small-sort paths end in a call to a panic function that
/// objtool does not know as noreturn, which makes the kernel build warn.
fn heapsort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    fn swap<T>(v: &mut [T], a: usize, b: usize) {
        if let Some(pair) = v.get_mut(a..=b) {
            if let Some((first, rest)) = pair.split_first_mut() {
                if let Some(last) = rest.last_mut() {
                    core::mem::swap(first, last);
                }
            }
        }
    }
    fn sift<T, K: Ord>(v: &mut [T], mut root: usize, end: usize, key: &mut impl FnMut(&T) -> K) {
        let Some(rk) = v.get(root).map(&mut *key) else {
            return;
        };
        loop {
            let Some(mut child) = root.checked_mul(2).and_then(|c| c.checked_add(1)) else {
                return;
            };
            let Some(mut ck) = v.get(child).filter(|_| child < end).map(&mut *key) else {
                return;
            };
            let right = child.saturating_add(1);
            if let Some(rtk) = v.get(right).filter(|_| right < end).map(&mut *key) {
                if rtk > ck {
                    child = right;
                    ck = rtk;
                }
            }
            if rk >= ck {
                return;
            }
            swap(v, root, child);
            root = child;
        }
    }
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift(v, i, n, &mut key);
    }
    for end in (1..n).rev() {
        swap(v, 0, end);
        sift(v, 0, end, &mut key);
    }
}

/// Bit `j` of a word bitmap (0 past 31).
fn bit(j: usize) -> u32 {
    u32::try_from(j)
        .ok()
        .and_then(|j| 1u32.checked_shl(j))
        .unwrap_or(0)
}

fn to_u32(x: usize) -> Result<u32, BuildError> {
    u32::try_from(x).map_err(|_| BuildError::TooLarge)
}

/// One run of equal masks in the sorted work.
struct Run {
    start: usize,
    end: usize,
    groups: usize,
    mask: [u32; WORDS],
    /// The first entry's masked value, and the words on which some entry differs from it.
    first: [u32; WORDS],
    vary: u32,
}

impl Run {
    /// Number of varying words (a slot's value words).
    fn nv(&self) -> usize {
        self.mask
            .iter()
            .enumerate()
            .filter(|(j, m)| **m != 0 && self.vary & bit(*j) != 0)
            .count()
    }
}

/// Calls `f` per run of equal masks in sorted `work`.
fn for_each_tuple(rules: &[RuleSpec], work: &[Work], mut f: impl FnMut(&Run)) {
    let mut run: Option<Run> = None;
    let mut prev_val = [0u32; WORDS];
    for (i, w) in work.iter().enumerate() {
        let (m, v, _) = entry_of(rules, w);
        match &mut run {
            Some(r) if r.mask == m => {
                if prev_val != v {
                    r.groups = r.groups.saturating_add(1);
                }
                for (j, (a, b)) in r.first.iter().zip(v.iter()).enumerate() {
                    if a != b {
                        r.vary |= bit(j);
                    }
                }
            }
            _ => {
                if let Some(r) = run.take() {
                    f(&Run { end: i, ..r });
                }
                run = Some(Run {
                    start: i,
                    end: i,
                    groups: 1,
                    mask: m,
                    first: v,
                    vary: 0,
                });
            }
        }
        prev_val = v;
    }
    if let Some(r) = run {
        f(&Run {
            end: work.len(),
            ..r
        });
    }
}

// Prefix filters. For a packet to match an entry of a tuple whose mask has a /L prefix on an
// address field, some rule must have a /L prefix on that field that contains the address. A
// Bloom filter per (field, L) of those prefixes, tested at most once per lookup (when the first
// tuple needing it is reached), lets a lookup skip every tuple that needs a prefix the packet is
// not in: a packet to or from addresses no rule covers probes almost no tuple. A false positive
// only costs a probe, so no exact set is kept.

/// First words of the address fields filters are kept for.
const FILTER_FIELDS: [usize; 2] = [W_SRC_IP, W_DST_IP];
/// Most filters per field (the prefix lengths used by most tuples get them).
pub(crate) const FILTERS_PER_FIELD: usize = 8;
const MAX_FILTERS: usize = 16;

/// The prefix length a tuple mask has on address field `f` (its first word).
fn field_plen(mask: &[u32; WORDS], f: usize) -> usize {
    mask.iter()
        .skip(f)
        .take(4)
        .map(|w| w.count_ones())
        .fold(0usize, |a, b| {
            a.saturating_add(usize::try_from(b).unwrap_or(0))
        })
}

/// The mask of a /plen prefix on address field `f`.
fn field_mask(f: usize, plen: usize) -> [u32; WORDS] {
    let mut m = [0u32; WORDS];
    let p = Prefix {
        addr: [0; 16],
        plen: u8::try_from(plen).unwrap_or(128),
    };
    set(&mut m, f, &prefix_mask(Some(p)));
    m
}

#[derive(Clone, Copy, Default)]
struct FilterSpec {
    field: usize,
    plen: usize,
    /// Groups of all tuples with this prefix: a bound on the distinct prefixes.
    bound: usize,
}

/// The filters chosen for a sorted work array; [`plan`] and [`build`] compute the same.
struct Filters {
    list: [FilterSpec; MAX_FILTERS],
    n: usize,
}

impl Filters {
    fn choose(rules: &[RuleSpec], work: &[Work]) -> Filters {
        // Per field, the prefix lengths in use: (length, tuples, groups). Kept small for the
        // kernel stack: lengths past the first PLENS_SEEN get no filter.
        const PLENS_SEEN: usize = 32;
        let mut seen = [[(0usize, 0u32, 0usize); PLENS_SEEN]; 2];
        let mut nseen = [0usize; 2];
        for_each_tuple(rules, work, |r| {
            for ((f, seen), n) in FILTER_FIELDS
                .iter()
                .zip(seen.iter_mut())
                .zip(nseen.iter_mut())
            {
                let l = field_plen(&r.mask, *f);
                if l == 0 {
                    // No condition on the field: nothing to filter on.
                    continue;
                }
                let used = seen.get_mut(..*n).unwrap_or(&mut []);
                if let Some(e) = used.iter_mut().find(|e| e.0 == l) {
                    e.1 = e.1.saturating_add(1);
                    e.2 = e.2.saturating_add(r.groups);
                } else if let Some(e) = seen.get_mut(*n) {
                    *e = (l, 1, r.groups);
                    *n = n.saturating_add(1);
                }
            }
        });
        let mut out = Filters {
            list: [FilterSpec::default(); MAX_FILTERS],
            n: 0,
        };
        for ((f, seen), n) in FILTER_FIELDS.iter().zip(seen.iter_mut()).zip(nseen.iter()) {
            let used = seen.get_mut(..*n).unwrap_or(&mut []);
            // Most tuples first, then the shorter length (deterministic).
            heapsort_by_key(used, |e| (core::cmp::Reverse(e.1), e.0));
            // A filter for a single tuple costs what probing that tuple costs.
            for e in used.iter().filter(|e| e.1 >= 2).take(FILTERS_PER_FIELD) {
                if let Some(d) = out.list.get_mut(out.n) {
                    *d = FilterSpec {
                        field: *f,
                        plen: e.0,
                        bound: e.2,
                    };
                    out.n = out.n.saturating_add(1);
                }
            }
        }
        out
    }

    fn specs(&self) -> &[FilterSpec] {
        self.list.get(..self.n).unwrap_or(&[])
    }

    /// The filter bits a tuple with `mask` needs.
    fn need(&self, mask: &[u32; WORDS]) -> u32 {
        let mut need = 0u32;
        for (k, fs) in self.specs().iter().enumerate() {
            if field_plen(mask, fs.field) == fs.plen {
                need |= 1u32.checked_shl(to_u32(k).unwrap_or(32)).unwrap_or(0);
            }
        }
        need
    }
}

/// Expands `rules` into `work` (at least [`work_len`] long), sorts it by mask, value and rule
/// order, and returns the array sizes [`build`] needs. `work` must then be passed to
/// [`build`] unchanged, truncated to `sizes.entries`.
pub(crate) fn plan(rules: &[RuleSpec], work: &mut [Work]) -> Result<Sizes, BuildError> {
    if u32::try_from(rules.len()).map_or(true, |n| n >= POST_CHECK) {
        return Err(BuildError::TooLarge);
    }
    let mut n = 0usize;
    let mut short = false;
    for (i, r) in rules.iter().enumerate() {
        let rule = to_u32(i)?;
        let (xs, xd, _) = port_plan(&r.m);
        let post = !(xs && xd);
        each_prefix(r.m.src_port, xs, |sport, splen| {
            each_prefix(r.m.dst_port, xd, |dport, dplen| {
                match work.get_mut(n) {
                    Some(w) => {
                        *w = Work {
                            rule,
                            sport,
                            dport,
                            splen,
                            dplen,
                            post,
                        }
                    }
                    None => short = true,
                }
                n = n.saturating_add(1);
            })
        });
    }
    if short {
        return Err(BuildError::TooSmall);
    }
    let work = work.get_mut(..n).ok_or(BuildError::TooSmall)?;
    if u32::try_from(n).map_or(true, |n| n >= POST_CHECK) {
        return Err(BuildError::TooLarge);
    }
    heapsort_by_key(work, |w| {
        let (m, v, k) = entry_of(rules, w);
        (m, v, k, w.rule)
    });
    let mut sz = Sizes {
        entries: n,
        ..Sizes::default()
    };
    let mut bad = false;
    for_each_tuple(rules, work, |r| {
        sz.tuples = sz.tuples.saturating_add(1);
        sz.groups = sz.groups.saturating_add(r.groups);
        let sl = slot_len_for(r.groups).and_then(|n| n.checked_mul(SLOT_HDR.checked_add(r.nv())?));
        bad |= sl.is_none();
        sz.slots = sz.slots.saturating_add(sl.unwrap_or(0));
        sz.keys = sz.keys.saturating_add(bloom_words(r.groups));
    });
    let filters = Filters::choose(rules, work);
    for fs in filters.specs() {
        sz.tuples = sz.tuples.saturating_add(1);
        sz.filters = sz.filters.saturating_add(1);
        sz.keys = sz.keys.saturating_add(filter_bloom_words(fs.bound));
    }
    if bad
        || u32::try_from(sz.slots).is_err()
        || u32::try_from(sz.keys).map_or(true, |k| k == u32::MAX)
    {
        return Err(BuildError::TooLarge);
    }
    Ok(sz)
}

/// Sets `t`'s word split: the mask's words in `vary` are varying words, the others constant,
/// with `val`'s (masked) value.
fn split_words(
    t: &mut Tuple,
    mask: &[u32; WORDS],
    vary: u32,
    val: &[u32; WORDS],
) -> Result<(), BuildError> {
    let mut nv = 0usize;
    for (j, (((m, v), cm), cv)) in mask
        .iter()
        .zip(val.iter())
        .zip(t.cmask.iter_mut())
        .zip(t.cval.iter_mut())
        .enumerate()
    {
        if *m == 0 {
            continue;
        }
        if vary & bit(j) != 0 {
            *t.vidx.get_mut(nv).ok_or(BuildError::TooLarge)? =
                u8::try_from(j).map_err(|_| BuildError::TooLarge)?;
            *t.vmask.get_mut(nv).ok_or(BuildError::TooLarge)? = *m;
            nv = nv.saturating_add(1);
        } else {
            *cm = *m;
            *cv = v & m;
        }
    }
    t.nv = u8::try_from(nv).map_err(|_| BuildError::TooLarge)?;
    Ok(())
}

/// Words per slot of `t`.
fn stride(t: &Tuple) -> usize {
    SLOT_HDR.saturating_add(usize::from(t.nv))
}

/// A tuple with its words and slot region set up; best, filter and need left to the caller.
fn new_tuple(
    r: &Run,
    (slot_off, slots): (&mut usize, &mut [Slot]),
    (key_off, keys): (&mut usize, &mut [u32]),
) -> Result<Tuple, BuildError> {
    let mut t = Tuple {
        best_key: u64::MAX,
        best_rule: u32::MAX,
        ..Tuple::default()
    };
    split_words(&mut t, &r.mask, r.vary, &r.first)?;
    let len = slot_len_for(r.groups).ok_or(BuildError::TooLarge)?;
    let words = len.checked_mul(stride(&t)).ok_or(BuildError::TooLarge)?;
    let end = slot_off.checked_add(words).ok_or(BuildError::TooLarge)?;
    let region = slots.get_mut(*slot_off..end).ok_or(BuildError::TooSmall)?;
    for s in region.iter_mut() {
        *s = Slot::default();
    }
    t.slot_off = to_u32(*slot_off)?;
    t.slot_len = to_u32(len)?;
    *slot_off = end;
    let bl = bloom_words(r.groups);
    let bend = key_off.checked_add(bl).ok_or(BuildError::TooLarge)?;
    for w in keys.get_mut(*key_off..bend).ok_or(BuildError::TooSmall)? {
        *w = 0;
    }
    t.bloom_off = to_u32(*key_off)?;
    t.bloom_len = to_u32(bl)?;
    *key_off = bend;
    Ok(t)
}

/// The tuple's slot region (`slot_len` slots of [`stride`] words).
fn region_mut<'s>(t: &Tuple, slots: &'s mut [Slot]) -> Result<&'s mut [Slot], BuildError> {
    let off = usize::try_from(t.slot_off).map_err(|_| BuildError::TooLarge)?;
    let len = usize::try_from(t.slot_len).map_err(|_| BuildError::TooLarge)?;
    let words = len.checked_mul(stride(t)).ok_or(BuildError::TooLarge)?;
    let end = off.checked_add(words).ok_or(BuildError::TooLarge)?;
    slots.get_mut(off..end).ok_or(BuildError::TooSmall)
}

/// Adds hash `h` to `t`'s Bloom filter, if it has one.
fn bloom_add(t: &Tuple, h: u32, keys: &mut [u32]) -> Result<(), BuildError> {
    if t.bloom_len == 0 {
        return Ok(());
    }
    let (w, bits) = bloom_pos(h, t.bloom_len);
    let at = usize::try_from(t.bloom_off)
        .ok()
        .and_then(|o| o.checked_add(w))
        .ok_or(BuildError::TooLarge)?;
    *keys.get_mut(at).ok_or(BuildError::TooSmall)? |= bits;
    Ok(())
}

/// Puts a new group with hash `hash`, header `hdr` (all but the tag) and value `v` into the
/// first free slot of its probe sequence in `t`; returns that slot's word offset in the region.
fn insert(
    t: &Tuple,
    region: &mut [Slot],
    hash: u32,
    hdr: [u32; SLOT_HDR - 1],
    v: &[u32; WORDS],
) -> Result<usize, BuildError> {
    let len = usize::try_from(t.slot_len).map_err(|_| BuildError::TooLarge)?;
    let stride = stride(t);
    let hmask = len.checked_sub(1).ok_or(BuildError::TooSmall)?;
    let mut i = usize::try_from(hash).map_err(|_| BuildError::TooLarge)? & hmask;
    for _ in 0..len {
        let at = i.checked_mul(stride).ok_or(BuildError::TooLarge)?;
        let end = at.checked_add(stride).ok_or(BuildError::TooLarge)?;
        let s = region.get_mut(at..end).ok_or(BuildError::TooSmall)?;
        if s.first().is_some_and(|w| w.0 == 0) {
            let vals = t
                .vidx
                .iter()
                .zip(t.vmask.iter())
                .take(usize::from(t.nv))
                .map(|(j, m)| v.get(usize::from(*j)).copied().unwrap_or(0) & m);
            let words = core::iter::once(hash | 1).chain(hdr).chain(vals);
            for (d, w) in s.iter_mut().zip(words) {
                *d = Slot(w);
            }
            return Ok(at);
        }
        i = i.wrapping_add(1) & hmask;
    }
    Err(BuildError::TooSmall)
}

/// Adds the prefix of `v` on filter `t`'s field to the filter.
fn filter_add(t: &Tuple, v: &[u32; WORDS], keys: &mut [u32]) -> Result<(), BuildError> {
    bloom_add(t, hash_key(t, v), keys)
}

/// Fills `st` from `rules` and the `work` that [`plan`] prepared (its first `sizes.entries`
/// elements). The arrays must be at least as long as [`plan`]'s [`Sizes`]; their contents do
/// not matter.
pub(crate) fn build(rules: &[RuleSpec], work: &[Work], st: Storage<'_>) -> Result<(), BuildError> {
    let Storage {
        tuples,
        slots,
        entries,
        keys,
    } = st;
    let filters = Filters::choose(rules, work);
    let nf = filters.n;
    let mut slot_off = 0usize;
    let mut key_off = 0usize;
    // Filters first, in bit order: a mask and a Bloom filter each.
    for (k, fs) in filters.specs().iter().enumerate() {
        let bl = filter_bloom_words(fs.bound);
        let bend = key_off.checked_add(bl).ok_or(BuildError::TooLarge)?;
        for w in keys.get_mut(key_off..bend).ok_or(BuildError::TooSmall)? {
            *w = 0;
        }
        let mut t = Tuple {
            filter: 1u32.checked_shl(to_u32(k)?).ok_or(BuildError::TooLarge)?,
            bloom_off: to_u32(key_off)?,
            bloom_len: to_u32(bl)?,
            best_key: u64::MAX,
            best_rule: u32::MAX,
            ..Tuple::default()
        };
        split_words(&mut t, &field_mask(fs.field, fs.plen), u32::MAX, &[0; WORDS])?;
        key_off = bend;
        *tuples.get_mut(k).ok_or(BuildError::TooSmall)? = t;
    }
    let (ftuples, rtuples) = tuples.split_at_mut(nf.min(tuples.len()));
    let mut nt = 0usize;
    let mut err = None;
    for_each_tuple(rules, work, |r| {
        if err.is_some() {
            return;
        }
        let res = build_tuple(
            rules,
            work,
            r,
            &filters,
            ftuples,
            slots,
            entries,
            keys,
            (&mut slot_off, &mut key_off),
        )
        .and_then(|t| {
            *rtuples.get_mut(nt).ok_or(BuildError::TooSmall)? = t;
            Ok(())
        });
        if let Err(e) = res {
            err = Some(e);
        }
        nt = nt.saturating_add(1);
    });
    if let Some(e) = err {
        return Err(e);
    }
    // Unused tuple slots (a longer array than planned) must never be probed.
    for t in rtuples.iter_mut().skip(nt) {
        *t = Tuple {
            best_key: u64::MAX,
            best_rule: u32::MAX,
            ..Tuple::default()
        };
    }
    let used = rtuples.get_mut(..nt).ok_or(BuildError::TooSmall)?;
    heapsort_by_key(used, |t| (t.best_key, t.best_rule));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn build_tuple(
    rules: &[RuleSpec],
    work: &[Work],
    r: &Run,
    filters: &Filters,
    ftuples: &[Tuple],
    slots: &mut [Slot],
    entries: &mut [Entry],
    keys: &mut [u32],
    (slot_off, key_off): (&mut usize, &mut usize),
) -> Result<Tuple, BuildError> {
    let run = work.get(r.start..r.end).ok_or(BuildError::TooSmall)?;
    let mut t = new_tuple(r, (slot_off, slots), (key_off, keys))?;
    t.need = filters.need(&r.mask);
    // Runs of equal values are the groups: one slot each, holding the best entry (the work is
    // sorted, so the group's first) and the entry count.
    let mut group: Option<([u32; WORDS], usize)> = None;
    for (i, w) in run.iter().enumerate() {
        let (_, v, key) = entry_of(rules, w);
        let ei = r.start.checked_add(i).ok_or(BuildError::TooLarge)?;
        let rule = w.rule | if w.post { POST_CHECK } else { 0 };
        let e = Entry {
            priority: u32::try_from(key >> 32).unwrap_or(u32::MAX),
            id: u32::try_from(key & u64::from(u32::MAX)).unwrap_or(u32::MAX),
            rule,
        };
        *entries.get_mut(ei).ok_or(BuildError::TooSmall)? = e;
        if (key, w.rule) < (t.best_key, t.best_rule) {
            t.best_key = key;
            t.best_rule = w.rule;
        }
        match &mut group {
            Some((gv, at)) if *gv == v => {
                // One more entry in the group: bump its count.
                let c = at
                    .checked_add(SLOT_HDR - 1)
                    .and_then(|c| region_mut(&t, slots).ok()?.get_mut(c))
                    .ok_or(BuildError::TooSmall)?;
                c.0 = c.0.saturating_add(1);
            }
            _ => {
                let h = hash_key(&t, &v);
                let hdr = [e.priority, e.id, rule, to_u32(ei)?, 1];
                let at = insert(&t, region_mut(&t, slots)?, h, hdr, &v)?;
                bloom_add(&t, h, keys)?;
                for ft in ftuples {
                    if t.need & ft.filter != 0 {
                        filter_add(ft, &v, keys)?;
                    }
                }
                group = Some((v, at));
            }
        }
    }
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// Lookup

impl<'a> Classifier<'a> {
    /// A view of arrays filled by [`build`].
    pub(crate) fn new(
        tuples: &'a [Tuple],
        slots: &'a [Slot],
        entries: &'a [Entry],
        keys: &'a [u32],
    ) -> Self {
        Self {
            tuples,
            slots,
            entries,
            keys,
        }
    }

    /// Number of rule tuples (distinct masks), filters not counted.
    pub(crate) fn tuple_count(&self) -> usize {
        self.tuples
            .iter()
            .filter(|t| t.slot_len != 0 && t.filter == 0)
            .count()
    }

    /// The index in `rules` of the winning matching rule, as
    /// [`classify_linear`](super::rule::classify_linear) gives it. `rules` must be the slice the
    /// classifier was built from.
    pub(crate) fn lookup(&self, rules: &[RuleSpec], pkt: &Packet<'_>) -> Option<usize> {
        let key = packet_words(pkt);
        // The filters come first (build puts them there), then the rule tuples, best first.
        let nf = self.tuples.iter().take_while(|t| t.filter != 0).count();
        let (filters, tuples) = self.tuples.split_at_checked(nf)?;
        let passed = self.filters(filters, &key);
        // (priority << 32 | id, rule index) of the winner so far.
        let mut best: Option<(u64, u32)> = None;
        let mut rest = tuples.iter();
        // Candidates are gathered in batches and each step's loads (Bloom words, then first
        // slots) are issued for the whole batch before any is waited for: the cache misses of
        // a batch overlap instead of following one another. The first batches are small, so a
        // lookup that stops early (a high-priority winner) does little extra work.
        let mut cap = 2usize;
        loop {
            let mut cand = [Cand::default(); BATCH];
            let mut n = 0usize;
            let mut end = false;
            while n < cap {
                let Some(t) = rest.next() else {
                    end = true;
                    break;
                };
                if best.is_some_and(|b| (t.best_key, t.best_rule) >= b) {
                    end = true;
                    break;
                }
                if t.need & !passed != 0 || t.slot_len == 0 || !const_ok(t, &key) {
                    continue;
                }
                if let Some(c) = cand.get_mut(n) {
                    *c = Cand {
                        t: Some(t),
                        h: hash_key(t, &key),
                        tag: 0,
                    };
                }
                n = n.saturating_add(1);
            }
            let batch = cand.get_mut(..n).unwrap_or(&mut []);
            // Bloom words: a candidate that fails is dropped (tag 0, as an empty slot).
            for c in batch.iter_mut() {
                c.tag = match c.t {
                    Some(t) if t.bloom_len == 0 || self.bloom_has(t, c.h) => 1,
                    _ => 0,
                };
            }
            // First slots of the probe sequences: their tags (0: empty, the value is absent).
            for c in batch.iter_mut() {
                if let (Some(t), 1) = (c.t, c.tag) {
                    c.tag = self.first_tag(t, c.h);
                }
            }
            for c in batch.iter() {
                let Some(t) = c.t else {
                    continue;
                };
                if best.is_some_and(|b| (t.best_key, t.best_rule) >= b) {
                    end = true;
                    break;
                }
                if c.tag == 0 {
                    continue;
                }
                if let Some(hdr) = self.find(t, &key, c.h) {
                    self.consider(&mut best, hdr, rules, pkt);
                }
            }
            if end {
                break;
            }
            cap = cap.saturating_mul(2).min(BATCH);
        }
        best.and_then(|(_, i)| usize::try_from(i).ok())
    }

    /// Updates `best` with the group whose slot header is `[prio, id, rule, eoff, elen]`: its
    /// best entry, or if that one must be post-checked, its best entry that passes.
    #[inline]
    fn consider(
        &self,
        best: &mut Option<(u64, u32)>,
        [prio, id, rule, eoff, elen]: [u32; SLOT_HDR - 1],
        rules: &[RuleSpec],
        pkt: &Packet<'_>,
    ) {
        let k = ((u64::from(prio) << 32) | u64::from(id), rule & !POST_CHECK);
        if best.is_some_and(|b| k >= b) {
            return;
        }
        if rule & POST_CHECK == 0 {
            *best = Some(k);
            return;
        }
        let off = usize::try_from(eoff).unwrap_or(usize::MAX);
        let len = usize::try_from(elen).unwrap_or(0);
        let list = self
            .entries
            .get(off..off.saturating_add(len))
            .unwrap_or(&[]);
        for e in list {
            let idx = e.rule & !POST_CHECK;
            let k = (e.key(), idx);
            if best.is_some_and(|b| k >= b) {
                return;
            }
            if e.rule & POST_CHECK != 0 {
                let ok = usize::try_from(idx)
                    .ok()
                    .and_then(|i| rules.get(i))
                    .is_some_and(|r| r.m.matches(pkt));
                if !ok {
                    continue;
                }
            }
            *best = Some(k);
            return;
        }
    }

    /// The filter bits of `filters` (filter `k` is tuple `k`) the packet passes. All are
    /// tested at once, so that their Bloom words are loaded together.
    fn filters(&self, filters: &[Tuple], key: &[u32; WORDS]) -> u32 {
        let mut passed = 0u32;
        for t in filters {
            if self.bloom_has(t, hash_key(t, key)) {
                passed |= t.filter;
            }
        }
        passed
    }

    /// Whether `t`'s Bloom filter may hold hash `h`.
    #[inline]
    fn bloom_has(&self, t: &Tuple, h: u32) -> bool {
        let (w, bits) = bloom_pos(h, t.bloom_len);
        usize::try_from(t.bloom_off)
            .ok()
            .and_then(|o| o.checked_add(w))
            .and_then(|at| self.keys.get(at))
            .is_some_and(|x| x & bits == bits)
    }

    /// The tag of the first slot of hash `h`'s probe sequence in `t` (0: empty or none).
    #[inline]
    fn first_tag(&self, t: &Tuple, h: u32) -> u32 {
        let i = usize::try_from(h).unwrap_or(0) & usize::try_from(t.slot_len).unwrap_or(0).wrapping_sub(1);
        usize::try_from(t.slot_off)
            .ok()
            .zip(i.checked_mul(stride(t)))
            .and_then(|(o, a)| o.checked_add(a))
            .and_then(|at| self.slots.get(at))
            .map_or(0, |s| s.0)
    }

    /// The slot header (all but the tag) of rule tuple `t` holding the packet's masked value,
    /// whose hash is `h` (the Bloom filter already passed).
    #[inline]
    fn find(&self, t: &Tuple, key: &[u32; WORDS], h: u32) -> Option<[u32; SLOT_HDR - 1]> {
        let stride = stride(t);
        let off = usize::try_from(t.slot_off).ok()?;
        let len = usize::try_from(t.slot_len).ok()?;
        let region = self
            .slots
            .get(off..off.checked_add(len.checked_mul(stride)?)?)?;
        let hmask = len.checked_sub(1)?;
        let tag = h | 1;
        let mut i = usize::try_from(h).ok()? & hmask;
        for _ in 0..len {
            let at = i.checked_mul(stride)?;
            let s = region.get(at..at.checked_add(stride)?)?;
            let (hdr, vals) = s.split_at_checked(SLOT_HDR)?;
            let [Slot(stag), Slot(prio), Slot(id), Slot(rule), Slot(eoff), Slot(elen)] =
                *hdr
            else {
                return None;
            };
            if stag == 0 {
                return None;
            }
            if stag == tag
                && t.vidx
                    .iter()
                    .zip(t.vmask.iter())
                    .zip(vals.iter())
                    .all(|((j, m), v)| key.get(usize::from(*j)).copied().unwrap_or(0) & m == v.0)
            {
                return Some([prio, id, rule, eoff, elen]);
            }
            i = i.wrapping_add(1) & hmask;
        }
        None
    }
}
