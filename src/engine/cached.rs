//! The cached path, on the caller's thread: no async runtime, no thread, no network, no lock.
//!
//! `pancred token`, git's helper and kubectl's plugin run once per request, and most of the time
//! the stored token is still good. Building an async runtime (and its blocking thread) to read
//! one profile costs more than the read, so these callers first ask here. The rules are the
//! async path's own ([`Engine::working`], [`Engine::usable`], the rescue overlay of
//! [`Engine::load`]): `None` means "a refresh is needed", and the caller then takes the async
//! path ([`Engine::fresh_access_token`]), which re-reads under the lock as it always did.

use super::Engine;
pub use crate::profile::expiry_of;
use crate::profile::Profile;
use crate::secret::Secret;
use crate::Result;

/// A cached token and what the caller may need of the stored profile.
#[derive(Debug, Clone)]
pub struct Cached {
    pub token: Secret,
    /// The profile as stored (with a waiting rescue's tokens), if it exists.
    pub stored: Option<Profile>,
}

impl Cached {
    /// When the token expires (unix seconds), when known: see [`expiry_of`].
    pub fn expires_at(&self) -> Option<i64> {
        expiry_of(&self.token, self.stored.as_ref())
    }
}

impl Engine {
    /// [`Engine::load`] on the caller's thread: the stored profile with the tokens of a rescue
    /// not yet applied.
    pub fn load_now(&self, name: &str) -> Result<Option<Profile>> {
        let stored = self.store.load(name)?;
        Ok(self.with_rescue(name, stored))
    }

    /// The cached token of `profile` when it is valid beyond the leeway, read on the caller's
    /// thread; `Ok(None)` when it must be refreshed (or the profile is missing: the async path
    /// says so with its own error).
    ///
    /// A rescue waiting for the profile is also `None`: its tokens must reach the store (under
    /// the lock, on the async path) before any is handed out, or another machine sharing the
    /// store would refresh with the spent refresh token.
    pub fn cached_access_token(&self, profile: &str) -> Result<Option<Cached>> {
        if self.rescue_waiting(profile) {
            return Ok(None);
        }
        let stored = self.load_now(profile)?;
        let (p, _) = self.working(profile, stored.as_ref());
        Ok(self.usable(&p).map(|token| Cached { token, stored }))
    }
}
