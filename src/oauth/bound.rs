//! A [`Caller`] for one profile's requests: its DPoP key signs a proof for each (RFC 9449), and
//! its client certificate answers the TLS handshake (RFC 8705).

use super::discovery::Endpoints;
use super::dpop::{self, DpopKey};
use super::{Caller, OAuthError};
use crate::profile::Profile;
use serde_json::{Map, Value};
use std::sync::Arc;

impl Caller {
    /// This caller as `p`'s token, refresh and revocation requests need it. A DPoP profile whose
    /// key is not made yet sends no proof (the engine makes the key before any token request).
    pub fn bound_to(&self, p: &Profile) -> Result<Caller, OAuthError> {
        let mut c = self.clone();
        c.dpop = match (&p.dpop_key, p.dpop) {
            (Some(k), true) => Some(Arc::new(DpopKey::from_secret(k)?)),
            _ => None,
        };
        if p.client_auth.is_mtls() {
            c.client = super::mtls::client(p, self.timeout)?;
        }
        Ok(c)
    }

    /// The DPoP key this caller signs proofs with, if any.
    pub fn dpop_key(&self) -> Option<&DpopKey> {
        self.dpop.as_deref()
    }
}

/// A DPoP profile at a provider whose metadata names no DPoP algorithm, or not ES256: the
/// provider would issue plain bearer tokens (or refuse), so say so before anything is sent.
pub(super) fn check_metadata(p: &Profile, meta: &Map<String, Value>) -> Result<(), OAuthError> {
    if !p.dpop {
        return Ok(());
    }
    let algs: Vec<&str> = meta
        .get(dpop::METADATA)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if algs.contains(&dpop::ALG) {
        return Ok(());
    }
    let issuer = p.issuer.as_deref().unwrap_or("the provider");
    Err(OAuthError::Config(if algs.is_empty() {
        format!(
            "profile '{}' has dpop set, but the metadata of issuer {} has no {}: the provider \
             does not take DPoP proofs; unset dpop (or turn DPoP on at the provider)",
            crate::text::Safe(&p.profile),
            crate::text::Safe(issuer),
            dpop::METADATA
        )
    } else {
        format!(
            "profile '{}' has dpop set, but issuer {} takes DPoP proofs signed with {} only; \
             pancred signs with {}",
            crate::text::Safe(&p.profile),
            crate::text::Safe(issuer),
            crate::text::Safe(&algs.join(", ")),
            dpop::ALG
        )
    }))
}

/// RFC 8705 section 5: an mTLS client calls the endpoints the metadata's
/// `mtls_endpoint_aliases` name, where the provider asks for the client certificate. An
/// endpoint the profile sets itself is kept.
pub(super) fn use_mtls_aliases(p: &Profile, e: &mut Endpoints, meta: &Map<String, Value>) {
    if !p.client_auth.is_mtls() {
        return;
    }
    let Some(aliases) = meta.get("mtls_endpoint_aliases").and_then(Value::as_object) else {
        return;
    };
    let alias = |k: &str| aliases.get(k).and_then(Value::as_str).map(str::to_string);
    if p.token_url.is_none() {
        if let Some(u) = alias("token_endpoint") {
            e.token = Some(u);
        }
    }
    if p.revoke_url.is_none() {
        if let Some(u) = alias("revocation_endpoint") {
            e.revocation = Some(u);
        }
    }
    if p.device_authorization_url.is_none() {
        if let Some(u) = alias("device_authorization_endpoint") {
            e.device_authorization = Some(u);
        }
    }
}
