//! What `update` asks the outside world to do. The loop hands each [`Effect`] to the runner
//! (`tasks.rs`), which does it in the background; the state never waits on I/O.

use crate::engine::{PendingAuthorization, RevokeWhat};
use crate::profile::Profile;
use crate::Secret;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Effect {
    /// Read every profile and the default from the store.
    Load,
    Refresh(String),
    Revoke(String, RevokeWhat),
    SetDefault(String),
    /// Store a profile; `replaces` is its old name when it was renamed.
    Save {
        profile: Box<Profile>,
        replaces: Option<String>,
    },
    Delete(String),
    Import(PathBuf),
    StartAuthorization(String),
    CancelAuthorization,
    Exchange {
        profile: String,
        code: Secret,
        pending: Box<PendingAuthorization>,
    },
    OpenBrowser(String),
    /// Put this on the clipboard (OSC 52).
    Copy(Secret),
}
