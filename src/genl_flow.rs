// SPDX-License-Identifier: GPL-2.0

//! Handlers of the switch-set, flow and explain operations.

use kernel::prelude::*;

use crate::ffi::genl::{Dump, Request};

pub(crate) fn switch_set(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn flow_dump(_dump: &mut Dump) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn flow_flush(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn explain(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
