// SPDX-License-Identifier: GPL-2.0

//! Per-CPU port and switch counters.

use kernel::prelude::*;

use crate::ffi::{
    genl::Msg,
    percpu::{Counter, PerCpu},
    rx::RxCtx,
};
use crate::uapi::*;

/// One CPU's counters.
#[derive(Zeroable)]
pub(crate) struct Counters {
    rx_packets: Counter,
    rx_bytes: Counter,
    tx_packets: Counter,
    tx_bytes: Counter,
    drop_packets: Counter,
    drop_bytes: Counter,
    pass_packets: Counter,
    flood_packets: Counter,
    flow_hit_packets: Counter,
    flow_miss_packets: Counter,
    flow_install: Counter,
    flow_limit_packets: Counter,
    policy_drop_packets: Counter,
    parse_error_packets: Counter,
    revalidate: Counter,
}

impl Counters {
    /// A frame of `len` bytes was received.
    #[inline]
    pub(crate) fn rx(&self, len: u32) {
        self.rx_packets.add(1);
        self.rx_bytes.add(u64::from(len));
    }

    /// A frame of `len` bytes was sent.
    #[inline]
    pub(crate) fn tx(&self, len: u32) {
        self.tx_packets.add(1);
        self.tx_bytes.add(u64::from(len));
    }

    /// A frame of `len` bytes was dropped.
    #[inline]
    pub(crate) fn drop(&self, len: u32) {
        self.drop_packets.add(1);
        self.drop_bytes.add(u64::from(len));
    }

    /// A frame went to the host stack.
    #[inline]
    pub(crate) fn pass(&self) {
        self.pass_packets.add(1);
    }

    /// A frame was flooded.
    #[inline]
    pub(crate) fn flood(&self) {
        self.flood_packets.add(1);
    }

    /// A packet hit an installed flow.
    #[inline]
    pub(crate) fn flow_hit(&self) {
        self.flow_hit_packets.add(1);
    }

    /// A packet found no flow and was decided by the rules.
    #[inline]
    pub(crate) fn flow_miss(&self) {
        self.flow_miss_packets.add(1);
    }

    /// `n` flows were installed.
    #[inline]
    pub(crate) fn flow_install(&self, n: u64) {
        self.flow_install.add(n);
    }

    /// A new flow met a flow limit.
    #[inline]
    pub(crate) fn flow_limit(&self) {
        self.flow_limit_packets.add(1);
    }

    /// A layer denied a packet.
    #[inline]
    pub(crate) fn policy_drop(&self) {
        self.policy_drop_packets.add(1);
    }

    /// A packet could not be parsed.
    #[inline]
    pub(crate) fn parse_error(&self) {
        self.parse_error_packets.add(1);
    }

    /// A flow was re-decided after a policy change.
    #[inline]
    pub(crate) fn revalidate(&self) {
        self.revalidate.add(1);
    }
}

/// Counters of a port or a switch.
pub(crate) struct Stats(PerCpu<Counters>);

/// Counters summed over all CPUs.
#[derive(Default, Clone, Copy)]
pub(crate) struct Snapshot {
    rx_packets: u64,
    rx_bytes: u64,
    tx_packets: u64,
    tx_bytes: u64,
    drop_packets: u64,
    drop_bytes: u64,
    pass_packets: u64,
    flood_packets: u64,
    flow_hit_packets: u64,
    flow_miss_packets: u64,
    flow_install: u64,
    flow_limit_packets: u64,
    policy_drop_packets: u64,
    parse_error_packets: u64,
    revalidate: u64,
}

impl Stats {
    pub(crate) fn new() -> Result<Self> {
        Ok(Stats(PerCpu::new()?))
    }

    /// This CPU's counters, for the packet path.
    #[inline]
    pub(crate) fn cpu<'a>(&'a self, rx: &'a RxCtx) -> &'a Counters {
        self.0.this_cpu(rx)
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        self.0.fold(Snapshot::default(), |mut s, c| {
            s.rx_packets += c.rx_packets.get();
            s.rx_bytes += c.rx_bytes.get();
            s.tx_packets += c.tx_packets.get();
            s.tx_bytes += c.tx_bytes.get();
            s.drop_packets += c.drop_packets.get();
            s.drop_bytes += c.drop_bytes.get();
            s.pass_packets += c.pass_packets.get();
            s.flood_packets += c.flood_packets.get();
            s.flow_hit_packets += c.flow_hit_packets.get();
            s.flow_miss_packets += c.flow_miss_packets.get();
            s.flow_install += c.flow_install.get();
            s.flow_limit_packets += c.flow_limit_packets.get();
            s.policy_drop_packets += c.policy_drop_packets.get();
            s.parse_error_packets += c.parse_error_packets.get();
            s.revalidate += c.revalidate.get();
            s
        })
    }
}

impl Snapshot {
    /// Puts the counters as the nested `stats` attribute `id`.
    pub(crate) fn put(&self, msg: &mut Msg, id: u32) -> Result {
        msg.nest(id, |m| {
            m.put_uint(VFLOW_A_STATS_RX_PACKETS, self.rx_packets)?;
            m.put_uint(VFLOW_A_STATS_RX_BYTES, self.rx_bytes)?;
            m.put_uint(VFLOW_A_STATS_TX_PACKETS, self.tx_packets)?;
            m.put_uint(VFLOW_A_STATS_TX_BYTES, self.tx_bytes)?;
            m.put_uint(VFLOW_A_STATS_DROP_PACKETS, self.drop_packets)?;
            m.put_uint(VFLOW_A_STATS_DROP_BYTES, self.drop_bytes)?;
            m.put_uint(VFLOW_A_STATS_PASS_PACKETS, self.pass_packets)?;
            m.put_uint(VFLOW_A_STATS_FLOOD_PACKETS, self.flood_packets)?;
            m.put_uint(VFLOW_A_STATS_FLOW_HIT_PACKETS, self.flow_hit_packets)?;
            m.put_uint(VFLOW_A_STATS_FLOW_MISS_PACKETS, self.flow_miss_packets)?;
            m.put_uint(VFLOW_A_STATS_FLOW_INSTALL, self.flow_install)?;
            m.put_uint(VFLOW_A_STATS_FLOW_LIMIT_PACKETS, self.flow_limit_packets)?;
            m.put_uint(VFLOW_A_STATS_POLICY_DROP_PACKETS, self.policy_drop_packets)?;
            m.put_uint(VFLOW_A_STATS_PARSE_ERROR_PACKETS, self.parse_error_packets)?;
            m.put_uint(VFLOW_A_STATS_REVALIDATE, self.revalidate)
        })
    }
}
