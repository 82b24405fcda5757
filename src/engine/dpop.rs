//! The DPoP key of a profile (RFC 9449): made once, under the profile's lock, and stored before
//! the first token request, so that every process and every refresh signs with the same key.
//! Proofs for requests to resources (`AuthorizedClient`, `pancred dpop-proof`) come from here too.

use super::Engine;
use crate::oauth::dpop::{self, DpopKey};
use crate::profile::{Dialect, Profile};
use crate::{Error, Result};

/// `p` with a new key when it wants DPoP and has none yet (`None`: nothing to store).
fn with_new_key(p: &Profile) -> Result<Option<Profile>> {
    if !p.dpop || p.dpop_key.is_some() || p.dialect != Dialect::OAuth2 {
        return Ok(None);
    }
    let (_, stored) = DpopKey::generate()?;
    let mut next = p.clone();
    next.dpop_key = Some(stored);
    Ok(Some(next))
}

impl Engine {
    /// Makes and stores the profile's DPoP key if it wants one and has none (takes the lock).
    pub(crate) async fn dpop_ready(&self, profile: &str) -> Result<()> {
        self.update(profile, |stored| match stored {
            Some(p) => with_new_key(&p),
            None => Ok(None),
        })
        .await?;
        Ok(())
    }

    /// [`Engine::dpop_ready`] for a caller that holds the lock and has just read `stored`:
    /// returns the profile as stored now.
    pub(crate) async fn dpop_ready_locked(
        &self,
        stored: Option<Profile>,
    ) -> Result<Option<Profile>> {
        let Some(p) = &stored else {
            return Ok(stored);
        };
        match with_new_key(p)? {
            Some(next) => {
                self.upsert(next.clone()).await?;
                Ok(Some(next))
            }
            None => Ok(stored),
        }
    }

    /// The profile's DPoP key, made now if the profile wants DPoP and has none.
    pub async fn dpop_key(&self, profile: &str) -> Result<DpopKey> {
        self.dpop_ready(profile).await?;
        let stored = self.load_existing(profile).await?;
        match (&stored.dpop_key, stored.dpop) {
            (Some(k), true) => Ok(DpopKey::from_secret(k)?),
            _ => Err(Error::Usage(format!(
                "profile '{}' does not use DPoP: set \"dpop\": true in it (pancred init) and log \
                 in again",
                crate::text::Safe(profile)
            ))),
        }
    }

    /// The key a request with the profile's access token must prove, when that token is
    /// DPoP-bound (`None`: a bearer token).
    pub async fn dpop_binding(&self, profile: &str) -> Result<Option<DpopKey>> {
        let Some(stored) = self.load(profile).await? else {
            return Ok(None);
        };
        match (&stored.dpop_key, stored.is_dpop_token()) {
            (Some(k), true) => Ok(Some(DpopKey::from_secret(k)?)),
            _ => Ok(None),
        }
    }

    /// A proof for a request to `url` with `method`; with `access_token`, for a resource (it
    /// carries the token's hash). The nonce is `nonce`, else the last one that server gave.
    pub fn dpop_proof_with(
        key: &DpopKey,
        method: &str,
        url: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String> {
        let remembered = dpop::remembered_nonce(url);
        let nonce = nonce.or(remembered.as_deref());
        Ok(key.proof(method, url, nonce, access_token, dpop::now())?)
    }
}
