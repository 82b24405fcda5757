//! DPoP (RFC 9449): a key pair per profile, and a signed proof on each request to the token,
//! revocation and resource endpoints, so that a token copied without the key is useless.
//!
//! The key is ES256 (P-256), the algorithm every DPoP provider accepts. It is kept in the store
//! with the profile's secrets as base64url PKCS#8 (`dpop_key`), created once under the
//! profile's lock (see `engine::dpop`). Servers may demand a nonce (`DPoP-Nonce`): the last one
//! each server gave is remembered in memory, and a request refused with `use_dpop_nonce` is
//! sent once more with the new one.

use super::response;
use super::OAuthError;
use crate::secret::Secret;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::header::HeaderMap;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The proof's signing algorithm.
pub const ALG: &str = "ES256";
/// The request header carrying a proof, and the scheme of a DPoP-bound `Authorization`.
pub const HEADER: &str = "DPoP";
pub const NONCE_HEADER: &str = "DPoP-Nonce";
/// The error a server answers when it wants (another) nonce in the proof.
pub const USE_NONCE: &str = "use_dpop_nonce";
/// The `token_type` of a DPoP-bound access token.
pub use crate::profile::binding::DPOP_TOKEN_TYPE as TOKEN_TYPE;
/// Metadata naming the algorithms a provider accepts in proofs.
pub const METADATA: &str = "dpop_signing_alg_values_supported";
/// A longer nonce is not one a server meant (they are a few dozen characters).
const MAX_NONCE: usize = 512;

/// A profile's DPoP key pair. Its `Debug` shows only the public thumbprint.
pub struct DpopKey {
    pair: EcdsaKeyPair,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DpopKey(jkt {})", self.thumbprint())
    }
}

impl DpopKey {
    /// A new key pair, and its private half as stored (base64url PKCS#8).
    pub fn generate() -> Result<(DpopKey, Secret), OAuthError> {
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| OAuthError::Other("cannot generate a DPoP key pair".into()))?;
        let stored = Secret::new(URL_SAFE_NO_PAD.encode(doc.as_ref()));
        Ok((Self::from_secret(&stored)?, stored))
    }

    /// The key pair from its stored form.
    pub fn from_secret(stored: &Secret) -> Result<DpopKey, OAuthError> {
        let bad = || {
            OAuthError::Config(
                "the stored dpop_key is not a P-256 key pair; unset dpop_key to make a new one \
                 (tokens bound to the old key then need a new login)"
                    .into(),
            )
        };
        let der = URL_SAFE_NO_PAD
            .decode(stored.expose().trim())
            .map_err(|_| bad())?;
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).map_err(|_| bad())?;
        Ok(DpopKey { pair })
    }

    /// The public key's coordinates, base64url.
    fn coordinates(&self) -> (String, String) {
        // Uncompressed SEC1 point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = self.pair.public_key().as_ref();
        let (x, y) = point
            .get(1..)
            .unwrap_or_default()
            .split_at(point.len().saturating_sub(1) / 2);
        (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y))
    }

    /// The public key as a JWK (RFC 7517).
    pub fn jwk(&self) -> Value {
        let (x, y) = self.coordinates();
        json!({"kty": "EC", "crv": "P-256", "x": x, "y": y})
    }

    /// RFC 7638 SHA-256 thumbprint: what a bound token's `cnf.jkt` names.
    pub fn thumbprint(&self) -> String {
        let (x, y) = self.coordinates();
        // The required members in lexicographic order, no whitespace (RFC 7638 section 3).
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// A proof for one request: `method` and `url` as sent (the query and fragment are left
    /// out of `htu`), the server's `nonce` if it gave one, and `access_token` for a request to a
    /// resource (its hash becomes `ath`). `now` is unix seconds.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
        now: i64,
    ) -> Result<String, OAuthError> {
        let header = json!({"typ": "dpop+jwt", "alg": ALG, "jwk": self.jwk()});
        let mut claims = Map::new();
        claims.insert("jti".into(), Value::from(uuid::Uuid::new_v4().to_string()));
        claims.insert("htm".into(), Value::from(method.to_ascii_uppercase()));
        claims.insert("htu".into(), Value::from(htu(url)?));
        claims.insert("iat".into(), Value::from(now));
        if let Some(n) = nonce {
            claims.insert("nonce".into(), Value::from(n));
        }
        if let Some(t) = access_token {
            claims.insert("ath".into(), Value::from(ath(t)));
        }
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string().as_bytes());
        let input = format!("{}.{}", enc(&header), enc(&Value::Object(claims)));
        let sig = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| OAuthError::Other("cannot sign a DPoP proof".into()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
    }
}

/// `htu`: the URL without its query and fragment (RFC 9449 section 4.2).
pub fn htu(url: &str) -> Result<String, OAuthError> {
    let mut u = url::Url::parse(url)
        .map_err(|e| OAuthError::Config(format!("invalid URL for a DPoP proof: {e}")))?;
    u.set_query(None);
    u.set_fragment(None);
    Ok(u.to_string())
}

/// `ath`: base64url SHA-256 of the access token.
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// The current time for `iat` (the server compares it with its own clock).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn nonces() -> &'static Mutex<HashMap<String, String>> {
    static NONCES: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    NONCES.get_or_init(Default::default)
}

/// Nonces are per server: scheme, host and port.
fn server(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// The last nonce the server of `url` gave, if any.
pub fn remembered_nonce(url: &str) -> Option<String> {
    let key = server(url)?;
    nonces().lock().ok()?.get(&key).cloned()
}

/// Keeps the nonce an answer from `url` carries (if any) for the next proof, and returns it.
pub fn remember_nonce(url: &str, headers: &HeaderMap) -> Option<String> {
    let nonce = headers
        .get(NONCE_HEADER)?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.len() <= MAX_NONCE)?
        .to_string();
    if let (Some(key), Ok(mut map)) = (server(url), nonces().lock()) {
        map.insert(key, nonce.clone());
    }
    Some(nonce)
}

/// Whether a 401's `WWW-Authenticate` asks for a DPoP nonce (RFC 9449 section 9).
pub fn challenge_wants_nonce(headers: &HeaderMap) -> bool {
    headers
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.trim_start().to_ascii_lowercase().starts_with("dpop") && v.contains(USE_NONCE))
}

/// Sends a request with a proof (`access_token`: to a resource, which then gets it as
/// `Authorization: DPoP`); when the server asks for a nonce it has just given, sends it once
/// more with that nonce.
pub(super) async fn send(
    key: &DpopKey,
    request: reqwest::RequestBuilder,
    (method, url): (&str, &str),
    access_token: Option<&str>,
    timeout: Duration,
    allow_empty: bool,
) -> Result<(u16, Map<String, Value>), OAuthError> {
    let mut nonce = remembered_nonce(url);
    let mut retried = false;
    loop {
        let again = request
            .try_clone()
            .ok_or_else(|| OAuthError::Other("the request cannot be sent twice".into()))?;
        let proof = key.proof(method, url, nonce.as_deref(), access_token, now())?;
        let again = match access_token {
            Some(t) => again.header(reqwest::header::AUTHORIZATION, format!("{TOKEN_TYPE} {t}")),
            None => again,
        };
        let (status, headers, answer) =
            response::send_and_read(again.header(HEADER, proof), url, timeout, allow_empty).await?;
        let given = remember_nonce(url, &headers);
        match answer {
            Err(e)
                if !retried
                    && (e.provider_error() == Some(USE_NONCE)
                        || challenge_wants_nonce(&headers))
                    && given.is_some()
                    && given != nonce =>
            {
                retried = true;
                nonce = given;
            }
            other => return other.map(|m| (status, m)),
        }
    }
}

#[cfg(test)]
mod tests;
