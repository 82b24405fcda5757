//! Never dropping tokens the provider issued.
//!
//! Once a refresh (or an exchange) has succeeded, the provider has usually spent the old refresh
//! token: the new one must reach the store, or the user is logged out. So the write of new tokens
//! is retried within the profile lock (each retry on a fresh connection or keyring session, see
//! [`crate::store::Store::reset`]), and when the store stays unavailable the tokens are kept in a
//! private rescue file (0600, written atomically) under `$XDG_STATE_HOME/pancred/rescue/`, else
//! `~/.local/state/pancred/rescue/`. Every later use of the engine on that profile applies the
//! file to the store first, under the lock; until it can, reads see the rescued tokens, so the
//! spent refresh token is never sent again. Each of these steps is reported through the engine's
//! notices (the CLI prints them on stderr, the TUI on its status line).
//!
//! A rescue names the refresh token it replaced. It is applied only while the store still holds
//! that one (or already holds the rescued one); a profile logged in again meanwhile keeps what
//! the store has, the file is set aside (never deleted), and the user is told. A profile missing
//! from a store that can forget (memcached, Redis) is not a removal: the rescue waits for it to
//! come back and goes into the write that brings it back (`settle.rs`).

use super::Engine;
use crate::files::{hex_name, hex_name_bytes, read_regular, write_atomic, xdg_dir};
use crate::profile::Profile;
use crate::secret::Secret;
use crate::store::StoreError;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a failed write of new tokens is retried before they go to the rescue file.
pub const RETRY_WINDOW: Duration = Duration::from_secs(3);
/// Retries at least this many times, however slow each attempt (a frozen server).
const MIN_ATTEMPTS: u32 = 2;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// A rescue file holds one profile's tokens: a few kilobytes.
const MAX_RESCUE_FILE: u64 = 1 << 20;

/// Receives what the engine must tell its user (a rescue written or applied).
pub type Reporter = Arc<dyn Fn(&str) + Send + Sync>;

/// The engine's rescue settings and its notices.
#[derive(Clone, Default)]
pub(crate) struct Safety {
    /// Overrides the rescue folder (tests, library users); else the XDG state folder.
    dir: Option<PathBuf>,
    reporter: Option<Reporter>,
    /// Notices not yet taken, when no reporter is set.
    pending: Arc<Mutex<Vec<String>>>,
    /// Profiles whose refresh request may have reached the provider and whose result is not
    /// stored yet (one entry per refresh).
    in_flight: Arc<Mutex<Vec<String>>>,
}

/// Marks a refresh whose new tokens are not stored yet; dropping it ends the mark.
pub(crate) struct InFlight {
    list: Arc<Mutex<Vec<String>>>,
    profile: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = list.iter().position(|p| *p == self.profile) {
            list.remove(i);
        }
    }
}

/// The content of a rescue file. Secrets stay in it (the file is private); nothing else shows them.
#[derive(Serialize, Deserialize)]
struct Rescued {
    /// Format version.
    pancred_rescue: u32,
    /// The store the tokens belong to (its kind and location, as `pancred show` names it).
    store: String,
    profile: String,
    saved_at: i64,
    /// Why the store did not take them.
    why: String,
    /// The refresh token these tokens replace; `None` when the profile had none.
    spent_refresh_token: Option<Secret>,
    refresh_token: Option<Secret>,
    access_token: Option<Secret>,
    expires_at: Option<i64>,
}

/// `$XDG_STATE_HOME/pancred/rescue`, else `~/.local/state/pancred/rescue`: where rescue files go
/// unless an engine is given a folder of its own.
pub fn default_rescue_dir() -> Option<PathBuf> {
    Some(
        xdg_dir("XDG_STATE_HOME", ".local/state")?
            .join("pancred")
            .join("rescue"),
    )
}

/// Whether the default rescue folder exists: when it does not, no rescue waits for any profile
/// (a program that answers from the store alone may skip the rescue check).
pub fn rescue_folder_exists() -> bool {
    default_rescue_dir().is_some_and(|d| d.is_dir())
}

impl Engine {
    /// Rescue files go to `dir` instead of the XDG state folder.
    pub fn with_rescue_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.safety.dir = Some(dir.into());
        self
    }

    /// Sends every notice (rescues written or applied) to `report` as it happens, instead of
    /// keeping them for [`Engine::take_notices`].
    pub fn with_reporter(mut self, report: Reporter) -> Self {
        self.safety.reporter = Some(report);
        self
    }

    /// The notices kept since the last call (when no reporter is set).
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .safety
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )
    }

    /// The profiles whose refresh has gone out to the provider and whose new tokens are not
    /// stored yet. A program ending now would lose them: interrupt handlers wait for this to
    /// empty (each refresh is bounded by the HTTP timeout and the store's retries).
    pub fn refreshes_in_flight(&self) -> Vec<String> {
        self.safety
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Marks `profile` as having a refresh in flight until the returned guard is dropped.
    pub(crate) fn in_flight(&self, profile: &str) -> InFlight {
        let list = self.safety.in_flight.clone();
        list.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(profile.to_string());
        InFlight {
            list,
            profile: profile.to_string(),
        }
    }

    pub(crate) fn notice(&self, text: String) {
        match &self.safety.reporter {
            Some(report) => report(&text),
            None => self
                .safety
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(text),
        }
    }

    /// The folder of rescue files: the override, else `$XDG_STATE_HOME/pancred/rescue`, else
    /// `~/.local/state/pancred/rescue`.
    pub fn rescue_dir(&self) -> Option<PathBuf> {
        match &self.safety.dir {
            Some(d) => Some(d.clone()),
            None => default_rescue_dir(),
        }
    }

    fn store_label(&self) -> String {
        format!("{} {}", self.store().kind(), self.store().location())
    }

    /// The rescue file of `profile` in this engine's store.
    pub fn rescue_path(&self, profile: &str) -> Option<PathBuf> {
        let digest = Sha256::digest(self.store_label().as_bytes());
        let id = hex_name_bytes(&digest[..8]);
        Some(
            self.rescue_dir()?
                .join(format!("{id}-{}.json", hex_name(profile))),
        )
    }

    fn read_rescue(&self, profile: &str) -> Option<(PathBuf, Rescued)> {
        let path = self.rescue_path(profile)?;
        let bytes = match read_regular(&path, MAX_RESCUE_FILE) {
            Ok(bytes) => bytes?,
            Err(e) => {
                self.notice(format!(
                    "cannot read a rescue file: {e}; it was left as it is"
                ));
                return None;
            }
        };
        // Its tokens go into the store: only a file of this user's own, that nobody else can
        // read or change, is used (the credentials file's rule).
        if let Some(why) = crate::files::not_users_own(&std::fs::metadata(&path).ok()?, 0o077) {
            self.notice(format!(
                "the rescue file {} {why}; it was not used and was left as it is",
                path.display()
            ));
            return None;
        }
        match serde_json::from_slice::<Rescued>(&bytes) {
            Ok(r) if r.profile == profile && r.store == self.store_label() => Some((path, r)),
            _ => {
                self.notice(format!(
                    "the rescue file {} is not one pancred can read; it was left as it is",
                    path.display()
                ));
                None
            }
        }
    }

    /// Writes new tokens (the caller holds the lock). A failed write is retried on a fresh
    /// connection for [`RETRY_WINDOW`]; then the tokens go to the rescue file and the user is
    /// told where. An error means neither could keep them, and says so.
    pub(crate) async fn store_tokens(&self, updated: Profile, spent: Option<Secret>) -> Result<()> {
        if let Some(held) = self.superseded(&updated, spent.as_ref()).await {
            // A lock that lapsed under this refresh (a Redis holder cut off for longer than its
            // TTL), and someone stored another grant meanwhile: that one is kept.
            self.notice(format!(
                "profile '{}' changed while this refresh ran (its lock had lapsed): the store now \
                 holds {held}, which is kept; this refresh's result was not written over it",
                crate::text::Safe(&updated.profile)
            ));
            return Ok(());
        }
        let started = Instant::now();
        let mut backoff = FIRST_BACKOFF;
        let mut attempts = 0;
        let failure = loop {
            attempts += 1;
            let (store, p) = (self.store.clone(), updated.clone());
            let err = match super::blocking(move || store.upsert(&p)).await {
                Ok(()) => {
                    // Stored, but perhaps only where a failover would lose them: written again
                    // like a failed write, and at last kept in the rescue file as well (applied
                    // later only if the store lost them).
                    let store = self.store.clone();
                    match super::blocking(move || store.confirm_write()).await {
                        Ok(()) => return Ok(()),
                        Err(e) => e,
                    }
                }
                Err(e) => e,
            };
            if matches!(err, Error::Store(StoreError::Config(_)))
                || (attempts >= MIN_ATTEMPTS && started.elapsed() >= RETRY_WINDOW)
            {
                break err;
            }
            let store = self.store.clone();
            let _ = super::blocking(move || {
                store.reset();
                Ok(())
            })
            .await;
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        };
        let name = updated.profile.clone();
        // A rescue still waiting holds the token this refresh spent: the store holds the one
        // that one spent, so the chain stays applicable.
        let spent = match self.read_rescue(&name) {
            Some((_, older)) if older.refresh_token.is_some() && older.refresh_token == spent => {
                older.spent_refresh_token
            }
            _ => spent,
        };
        let rescued = Rescued {
            pancred_rescue: 1,
            store: self.store_label(),
            profile: name.clone(),
            saved_at: self.now(),
            why: failure.to_string(),
            spent_refresh_token: spent,
            refresh_token: updated.refresh_token.clone(),
            access_token: updated.access_token.clone(),
            expires_at: updated.expires_at,
        };
        let path = self.rescue_path(&name);
        let kept = match &path {
            Some(path) => write_rescue(path, &rescued).map(|()| path.clone()),
            None => Err("no home folder to keep it in".to_string()),
        };
        match kept {
            Ok(path) => {
                self.notice(format!(
                    "the new tokens of profile '{name}' are not safe in the {} store ({failure}); \
                     they are kept in {} and every later pancred command on this profile stores them \
                     first (nothing else to do; do not delete that file)",
                    self.store().kind(),
                    path.display()
                ));
                Ok(())
            }
            Err(why) => Err(Error::Other(format!(
                "the provider issued new tokens for profile '{name}', but the store did not take them \
                 ({failure}) and neither did the rescue file {} ({why}); the new refresh token is \
                 lost: authorize again with `{}`",
                path.map(|p| p.display().to_string()).unwrap_or_default(),
                crate::text::pancred_command(&name, "login")
            ))),
        }
    }

    /// Whether the store now holds a refresh token that is neither the one this write replaces
    /// nor its own (another holder wrote meanwhile, its lease having lapsed under this one). Not judged while a rescue is pending (its
    /// chain is checked when it is applied) or when the store cannot be read (the write will say).
    async fn superseded(&self, updated: &Profile, spent: Option<&Secret>) -> Option<&'static str> {
        // Under a lock that cannot lapse, the read the caller made under it is still the truth.
        if !self.store.lock_can_lapse() || self.read_rescue(&updated.profile).is_some() {
            return None;
        }
        let (store, name) = (self.store.clone(), updated.profile.clone());
        let current = super::blocking(move || store.load(&name)).await.ok()??;
        let held = current.refresh_token?;
        (Some(&held) != spent && Some(&held) != updated.refresh_token.as_ref())
            .then_some("a different refresh token")
    }
}

fn write_rescue(path: &Path, r: &Rescued) -> std::result::Result<(), String> {
    let bytes = serde_json::to_vec_pretty(r).map_err(|e| e.to_string())?;
    write_atomic(path, &bytes).map_err(|e| e.to_string())
}

mod settle;
#[cfg(test)]
mod tests;
