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

/// See [`Engine::resource_binding`].
#[derive(Debug, Default)]
pub struct ResourceBinding {
    /// Sign a proof for each request and send the token as `Authorization: DPoP`.
    pub dpop: Option<DpopKey>,
    /// Send through this client (it presents the profile's client certificate).
    pub http: Option<reqwest::Client>,
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
        let mut stored = self.load_existing(profile).await?;
        if stored.dpop && stored.dpop_key.is_none() {
            // Made under the lock (another process may be making it right now).
            self.dpop_ready(profile).await?;
            stored = self.load_existing(profile).await?;
        }
        match (&stored.dpop_key, stored.dpop) {
            (Some(k), true) => Ok(DpopKey::from_secret(k)?),
            _ => Err(Error::Usage(format!(
                "profile '{}' does not use DPoP: set \"dpop\": true in it (pancred init) and log \
                 in again",
                crate::text::Safe(profile)
            ))),
        }
    }

    /// What a request to a resource with the profile's access token needs: the DPoP key when
    /// the token is DPoP-bound, the client presenting the certificate of an mTLS profile.
    pub async fn resource_binding(&self, profile: &str) -> Result<ResourceBinding> {
        let Some(stored) = self.load(profile).await? else {
            return Ok(ResourceBinding::default());
        };
        let dpop = match (&stored.dpop_key, stored.is_dpop_token()) {
            (Some(k), true) => Some(DpopKey::from_secret(k)?),
            _ => None,
        };
        let http = match stored.client_auth.is_mtls() {
            true => Some(crate::oauth::mtls::client(&stored, self.http_timeout())?),
            false => None,
        };
        Ok(ResourceBinding { dpop, http })
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
