//! What `update` asks the outside world to do. The loop hands each [`Effect`] to the runner
//! (`tasks.rs`), which does it in the background; the state never waits on I/O.

use crate::engine::{PendingAuthorization, ProfilePatch, RevokeWhat};
use crate::Secret;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Effect {
    /// Read every profile and the default from the store.
    Load,
    Refresh(String),
    /// Ask the provider about the profile's tokens: userinfo and introspection.
    Inspect(String),
    /// Keep-fresh: a valid token the way `pancred token` gets one (refreshing only if still due).
    KeepFresh(String),
    Revoke(String, RevokeWhat),
    SetDefault(String),
    /// Apply what the form changed to the profile as stored now (`name` is its name before the
    /// edit, `new_name` after it: a rename when they differ; `created`: a new profile).
    Save {
        name: String,
        new_name: String,
        patch: Box<ProfilePatch>,
        created: bool,
    },
    Delete(String),
    Import(PathBuf),
    StartAuthorization(String),
    /// Ask whether the profile's provider offers device login (RFC 8628).
    CheckDeviceSupport(String),
    /// Ask the provider for a user code, then poll until it answers (Esc cancels).
    StartDeviceLogin(String),
    /// Stop the authorization in progress: its listener, exchange or polling.
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
