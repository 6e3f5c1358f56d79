// SPDX-License-Identifier: GPL-2.0

//! Handlers of the rule, layer and port-stack operations.

use kernel::prelude::*;

use crate::ffi::genl::{Dump, Request};

pub(crate) fn rule_new(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn rule_set(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn rule_del(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn rule_get(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn rule_dump(_dump: &mut Dump) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn layer_new(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn layer_set(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn layer_del(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn layer_get(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn layer_dump(_dump: &mut Dump) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn layer_bind(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn layer_unbind(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
pub(crate) fn port_set(_req: &Request) -> Result {
    Err(EOPNOTSUPP)
}
