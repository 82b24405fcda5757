//! Tokens handed to other tools (`exec`, git, kubectl): a fresh token with its expiry, and the
//! report of a token a server refused, so that the next request gets a new one.

use super::Engine;
use crate::secret::Secret;
use crate::{jwt, Result};

impl Engine {
    /// A valid access token (as [`Engine::fresh_access_token`]) and when it expires (unix
    /// seconds), when that is known: the JWT's `exp`, else the stored `expires_at` of that token.
    pub async fn fresh_access_token_with_expiry(
        &self,
        profile: &str,
    ) -> Result<(Secret, Option<i64>)> {
        let token = self.fresh_access_token(profile).await?;
        if let Some(exp) = jwt::expiry(token.expose()) {
            return Ok((token, Some(exp)));
        }
        let stored = self.load(profile).await?;
        let exp = super::cached::expiry_of(&token, stored.as_ref());
        Ok((token, exp))
    }

    /// Reports that a server refused `rejected` (git's `erase`). When the store still holds that
    /// token it is forgotten, under the profile's lock, so the next caller refreshes, and only
    /// once however many ask at the same time (the refresh path re-reads under the same lock). A
    /// token another caller has already replaced is left alone. Returns whether it was forgotten.
    pub async fn reject_access_token(&self, profile: &str, rejected: &Secret) -> Result<bool> {
        let _lock = self.lock(profile).await?;
        let Some(mut current) = self.load(profile).await? else {
            return Ok(false);
        };
        if current.access_token.as_ref() != Some(rejected) {
            return Ok(false);
        }
        current.forget_access_token();
        self.upsert(current).await?;
        Ok(true)
    }
}
