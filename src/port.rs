// SPDX-License-Identifier: GPL-2.0

//! A port, and the receive path: every frame a port's device receives comes here.

use kernel::{
    prelude::*,
    sync::{Arc, ArcBorrow},
};

use crate::ffi::{
    netdev::{NetDev, NetDevRef},
    rx::{RxCtx, RxHandler, RxResult},
    skb::{DropReason, SkBuff},
};
use crate::logic::fdb::{self as policy, Decision, DropCause, Ingress, Mac, PortKind};
use crate::stats::Stats;
use crate::switch::Switch;

/// A netdev attached to a switch.
pub(crate) struct Port {
    dev: NetDevRef,
    id: u16,
    kind: PortKind,
    mac: Option<Mac>,
    switch: Arc<Switch>,
    stats: Stats,
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

    /// Sends `skb` out of this port's device, counting it.
    #[inline]
    fn send(&self, skb: SkBuff, rx: &RxCtx) {
        let len = skb.frame_len();
        match skb.xmit(&self.dev) {
            Ok(()) => {
                self.stats.cpu(rx).tx(len);
                self.switch.stats().cpu(rx).tx(len);
            }
            Err(_) => {
                self.stats.cpu(rx).drop(len);
                self.switch.stats().cpu(rx).drop(len);
            }
        }
    }

    fn drop_frame(&self, skb: SkBuff, reason: DropReason, rx: &RxCtx) {
        let len = skb.frame_len();
        self.stats.cpu(rx).drop(len);
        self.switch.stats().cpu(rx).drop(len);
        skb.drop_with(reason);
    }
}

impl RxHandler for Port {
    fn receive(port: ArcBorrow<'_, Self>, skb: SkBuff, rx: &RxCtx) -> RxResult {
        // Frames the host sends to itself are not ours to switch.
        if skb.is_loopback() {
            return RxResult::Pass(skb);
        }
        let sw = &*port.switch;
        let len = skb.frame_len();
        port.stats.cpu(rx).rx(len);
        sw.stats().cpu(rx).rx(len);
        // Packet generators and taps share skbs; we change skb->dev and push the header back.
        let Some(skb) = skb.unshare() else {
            port.stats.cpu(rx).drop(len);
            sw.stats().cpu(rx).drop(len);
            return RxResult::Consumed;
        };
        let eth = skb.eth_header();
        let mut dst: Mac = [0; 6];
        let mut src: Mac = [0; 6];
        dst.copy_from_slice(&eth[0..6]);
        src.copy_from_slice(&eth[6..12]);

        let table = sw.table(rx);
        let ingress = Ingress {
            id: port.id,
            kind: port.kind,
            mac: port.mac,
        };
        if policy::learns(&ingress)
            && policy::is_valid_source(&src)
            && table.static_port(&src).is_none()
        {
            sw.fdb().learn(&src, port.id);
        }
        let decision = policy::decide(&ingress, &dst, &src, |mac| {
            let id = table.static_port(mac).or_else(|| sw.fdb().get(mac))?;
            table.port(id).map(|p| (id, p.kind))
        });

        match decision {
            Decision::Forward(id) => match table.port(id) {
                Some(out) => out.send(skb, rx),
                None => port.drop_frame(skb, DropReason::NoTxTarget, rx),
            },
            Decision::Flood { vm_only, to_host } => {
                port.stats.cpu(rx).flood();
                sw.stats().cpu(rx).flood();
                for out in table.ports() {
                    if out.id == port.id || (vm_only && out.kind != PortKind::Vm) {
                        continue;
                    }
                    match skb.clone_frame() {
                        Some(copy) => out.send(copy, rx),
                        None => {
                            out.stats.cpu(rx).drop(len);
                            sw.stats().cpu(rx).drop(len);
                        }
                    }
                }
                if to_host {
                    port.stats.cpu(rx).pass();
                    sw.stats().cpu(rx).pass();
                    return RxResult::Pass(skb);
                }
                skb.consume();
            }
            Decision::PassToHost => {
                port.stats.cpu(rx).pass();
                sw.stats().cpu(rx).pass();
                return RxResult::Pass(skb);
            }
            Decision::Drop(cause) => {
                let reason = match cause {
                    DropCause::InvalidSource | DropCause::Spoofed => DropReason::MacInvalidSource,
                    DropCause::Hairpin => DropReason::NoTxTarget,
                };
                port.drop_frame(skb, reason, rx);
            }
        }
        RxResult::Consumed
    }
}
