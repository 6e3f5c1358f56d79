// SPDX-License-Identifier: GPL-2.0

//! vflow's state in one network namespace: its switches.

use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

use crate::ffi::rtnl::Rtnl;
use crate::flow::FlowConfig;
use crate::switch::{Switch, SwitchName};

/// The switches of one namespace. Lock order: RTNL, then `switches`, then a switch's ports.
#[pin_data]
pub(crate) struct NetState {
    #[pin]
    switches: Mutex<KVec<Arc<Switch>>>,
}

impl NetState {
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(NetState {
                switches <- new_mutex!(KVec::new()),
            }),
            GFP_KERNEL,
        )
    }

    /// The namespace is going away: delete every switch.
    pub(crate) fn shutdown(&self) {
        let rtnl = Rtnl::lock();
        let switches = core::mem::take(&mut *self.switches.lock());
        for sw in switches.iter() {
            sw.destroy(&rtnl);
        }
    }

    pub(crate) fn find(&self, name: &SwitchName) -> Option<Arc<Switch>> {
        self.switches
            .lock()
            .iter()
            .find(|s| s.name() == name)
            .cloned()
    }

    /// Adds a switch; `EEXIST` if the name is taken.
    pub(crate) fn add(&self, rtnl: &Rtnl, name: SwitchName, cfg: FlowConfig) -> Result {
        let mut list = self.switches.lock();
        if list.iter().any(|s| s.name() == &name) {
            return Err(EEXIST);
        }
        list.reserve(1, GFP_KERNEL)?;
        let sw = Switch::new(name, cfg)?;
        if let Err(e) = list.push(sw.clone(), GFP_KERNEL) {
            // Not reachable: reserved above. Stop the sweeper so the switch can go.
            sw.destroy(rtnl);
            return Err(e.into());
        }
        Ok(())
    }

    /// Deletes a switch and detaches its ports; `ENOENT` if there is none by that name.
    pub(crate) fn remove(&self, rtnl: &Rtnl, name: &SwitchName) -> Result {
        let sw = {
            let mut list = self.switches.lock();
            let i = list.iter().position(|s| s.name() == name).ok_or(ENOENT)?;
            list.remove(i)?
        };
        sw.destroy(rtnl);
        Ok(())
    }

    /// A copy of the switch list (for dumps, without holding the lock while filling messages).
    pub(crate) fn list(&self) -> Result<KVec<Arc<Switch>>> {
        let list = self.switches.lock();
        let mut out = KVec::with_capacity(list.len(), GFP_KERNEL)?;
        for s in list.iter() {
            out.push(s.clone(), GFP_KERNEL)?;
        }
        Ok(out)
    }
}
