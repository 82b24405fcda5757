//! Commands that talk to providers.

use super::{Command, Context};
use crate::Error;

pub fn run(_ctx: &Context, cmd: Command) -> Result<(), Error> {
    Err(Error::Other(format!(
        "{cmd:?} is not available in this build"
    )))
}
