//! Endpoints of an oauth2-dialect profile: the profile's own URLs win; the rest come from the
//! issuer's metadata, cached per issuer (see `discovery_cache.rs`).
//!
//! The metadata is the OpenID configuration; when it lacks an endpoint pancred needs (OpenID
//! Discovery defines no `revocation_endpoint`), or is missing, the RFC 8414 document is read
//! too: the path-inserted `/.well-known/oauth-authorization-server{path}` of §3.1, then
//! `{issuer}/.well-known/oauth-authorization-server`, which several servers use. Every document
//! must name the configured issuer (RFC 8414 §3.3, OpenID Discovery §4.3).

use super::discovery_cache::{self as cache, Entry};
use super::{Caller, OAuthError};
use crate::profile::Profile;
use serde_json::{Map, Value};
use std::future::Future;

/// An endpoint a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Authorization,
    Token,
    Revocation,
    /// RFC 8628 device login.
    DeviceAuthorization,
}

impl Need {
    fn metadata_field(self) -> &'static str {
        match self {
            Need::Authorization => "authorization_endpoint",
            Need::Token => "token_endpoint",
            Need::Revocation => "revocation_endpoint",
            Need::DeviceAuthorization => "device_authorization_endpoint",
        }
    }

    fn profile_field(self) -> &'static str {
        match self {
            Need::Authorization => "auth_base_url",
            Need::Token => "token_url",
            Need::Revocation => "revoke_url",
            Need::DeviceAuthorization => "device_authorization_url",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub authorization: Option<String>,
    pub token: Option<String>,
    pub revocation: Option<String>,
    /// RFC 8628; read from the metadata only when a device login asks for it.
    pub device_authorization: Option<String>,
    /// The issuer as its metadata names it (else the profile's): what an authorization
    /// response's `iss` must equal (RFC 9207 §2.4).
    pub issuer: Option<String>,
    /// The metadata's `authorization_response_iss_parameter_supported`: a response without
    /// `iss` is then refused.
    pub iss_parameter_supported: bool,
    /// The metadata's `token_endpoint_auth_methods_supported` (empty when not read or not named).
    pub token_auth_methods: Vec<String>,
    /// The metadata's `token_endpoint_auth_signing_alg_values_supported` (empty when not read or
    /// not named): what a client assertion may be signed with.
    pub token_auth_signing_algs: Vec<String>,
    /// Endpoints taken from cached metadata: a failure there may mean the cache is stale.
    cached: Vec<Need>,
}

impl Endpoints {
    fn from_profile(p: &Profile) -> Self {
        Endpoints {
            authorization: p.auth_base_url.clone(),
            token: p.token_url.clone(),
            revocation: p.revoke_url.clone(),
            device_authorization: p.device_authorization_url.clone(),
            issuer: p.issuer.clone(),
            ..Default::default()
        }
    }

    fn slot(&mut self, need: Need) -> &mut Option<String> {
        match need {
            Need::Authorization => &mut self.authorization,
            Need::Token => &mut self.token,
            Need::Revocation => &mut self.revocation,
            Need::DeviceAuthorization => &mut self.device_authorization,
        }
    }

    fn get(&self, need: Need) -> Option<&str> {
        match need {
            Need::Authorization => self.authorization.as_deref(),
            Need::Token => self.token.as_deref(),
            Need::Revocation => self.revocation.as_deref(),
            Need::DeviceAuthorization => self.device_authorization.as_deref(),
        }
    }

    pub fn authorization(&self) -> Result<&str, OAuthError> {
        self.need(Need::Authorization)
    }

    pub fn token(&self) -> Result<&str, OAuthError> {
        self.need(Need::Token)
    }

    pub fn revocation(&self) -> Result<&str, OAuthError> {
        self.need(Need::Revocation)
    }

    pub fn device_authorization(&self) -> Result<&str, OAuthError> {
        self.need(Need::DeviceAuthorization)
    }

    /// The endpoint, or a local configuration error naming the setting that fixes it.
    fn need(&self, need: Need) -> Result<&str, OAuthError> {
        self.get(need).ok_or_else(|| {
            let (field, meta) = (need.profile_field(), need.metadata_field());
            OAuthError::Config(match &self.issuer {
                Some(issuer) => format!(
                    "this profile has no {field}, and the metadata of issuer {issuer} gives no \
                     {meta}: set {field} in the profile to the provider's endpoint"
                ),
                None => format!(
                    "this profile has no {field} and no issuer to discover it from: set {field} \
                     (or issuer) in the profile"
                ),
            })
        })
    }
}

/// `{issuer}/.well-known/openid-configuration`.
pub fn openid_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
pub fn rfc8414_url(issuer: &str) -> Result<String, OAuthError> {
    let u = url::Url::parse(issuer).map_err(|e| OAuthError::Discovery {
        issuer: issuer.to_string(),
        message: format!("the issuer is not a URL: {e}"),
    })?;
    let path = u.path().trim_end_matches('/');
    let mut base = u.clone();
    base.set_query(None);
    base.set_fragment(None);
    base.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    Ok(base.to_string())
}

/// `{issuer}/.well-known/oauth-authorization-server`: the form servers mounted under a path use.
pub fn rfc8414_appended_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/oauth-authorization-server",
        issuer.trim_end_matches('/')
    )
}

/// The endpoints for `p`, reading the issuer's metadata (cached) when the profile lacks `need`.
/// For an authorization the metadata is read whenever there is an issuer: it says whether the
/// response must carry `iss`.
pub async fn endpoints(c: &Caller, p: &Profile, need: Need) -> Result<Endpoints, OAuthError> {
    let mut e = Endpoints::from_profile(p);
    let Some(issuer) = p.issuer.as_deref() else {
        return Ok(e);
    };
    let given = e.get(need).is_some();
    if given && need != Need::Authorization {
        return Ok(e);
    }
    let (meta, cached) = match metadata(c, p, issuer, need, true).await {
        Ok(found) => found,
        // The profile names the endpoint itself: metadata was only a bonus.
        Err(_) if given => return Ok(e),
        Err(err) => return Err(err),
    };
    merge(&mut e, &meta, cached);
    super::bound::check_metadata(p, &meta)?;
    super::bound::use_mtls_aliases(p, &mut e, &meta);
    Ok(e)
}

fn merge(e: &mut Endpoints, meta: &Map<String, Value>, cached: bool) {
    let field = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_string);
    for need in [
        Need::Authorization,
        Need::Token,
        Need::Revocation,
        Need::DeviceAuthorization,
    ] {
        let slot = e.slot(need);
        if slot.is_none() {
            *slot = field(need.metadata_field());
            if cached && slot.is_some() {
                e.cached.push(need);
            }
        }
    }
    e.issuer = field("issuer").or(e.issuer.take());
    let names = |k: &str| -> Vec<String> {
        meta.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    e.token_auth_methods = names("token_endpoint_auth_methods_supported");
    e.token_auth_signing_algs = names("token_endpoint_auth_signing_alg_values_supported");
    e.iss_parameter_supported = meta
        .get("authorization_response_iss_parameter_supported")
        .and_then(Value::as_bool)
        .unwrap_or(false);
}

/// Runs `call` with the endpoints for `need`. When a call to an endpoint taken from cached
/// metadata cannot connect or gets a 404, the metadata is fetched again, once, and the call
/// repeated if the endpoint moved (neither failure reached the provider's logic).
pub async fn with_endpoints<T, F, Fut>(
    c: &Caller,
    p: &Profile,
    need: Need,
    call: F,
) -> Result<T, OAuthError>
where
    F: Fn(Endpoints) -> Fut,
    Fut: Future<Output = Result<T, OAuthError>>,
{
    let e = endpoints(c, p, need).await?;
    let stale = e.cached.contains(&need);
    let before = e.get(need).map(str::to_string);
    match call(e).await {
        Err(err) if stale && err.is_unreachable() => {
            let Some(issuer) = p.issuer.as_deref() else {
                return Err(err);
            };
            let Ok((meta, _)) = metadata(c, p, issuer, need, false).await else {
                return Err(err);
            };
            let mut fresh = Endpoints::from_profile(p);
            merge(&mut fresh, &meta, false);
            super::bound::use_mtls_aliases(p, &mut fresh, &meta);
            if fresh.get(need).is_none() || fresh.get(need) == before.as_deref() {
                return Err(err);
            }
            call(fresh).await
        }
        other => other,
    }
}

/// One field of the issuer's metadata (e.g. `userinfo_endpoint`), from the cache when it is
/// fresh; `None` when the profile names no issuer or the provider's metadata lacks the field.
pub async fn metadata_field(
    c: &Caller,
    p: &Profile,
    field: &str,
) -> Result<Option<String>, OAuthError> {
    let Some(issuer) = p.issuer.as_deref() else {
        return Ok(None);
    };
    let (meta, _) = metadata(c, p, issuer, Need::Token, true).await?;
    Ok(meta.get(field).and_then(Value::as_str).map(str::to_string))
}

/// The issuer's metadata and whether it came from the cache. `use_cache` false fetches anew.
async fn metadata(
    c: &Caller,
    p: &Profile,
    issuer: &str,
    need: Need,
    use_cache: bool,
) -> Result<(Map<String, Value>, bool), OAuthError> {
    let dir = c.discovery_cache();
    let now = cache::now();
    let kept = dir
        .filter(|_| use_cache)
        .and_then(|d| cache::load(d, issuer))
        .filter(|e| e.fresh(now));
    if let Some(entry) = &kept {
        if entry.metadata.contains_key(need.metadata_field()) || entry.rfc8414_tried {
            return Ok((entry.metadata.clone(), true));
        }
    }
    let entry = match kept {
        // The OpenID configuration is kept but lacks `need`: add the RFC 8414 document.
        Some(mut entry) => {
            if let Ok((rfc, age)) = fetch_rfc8414(c, p, issuer).await {
                fill(&mut entry.metadata, rfc);
                entry.max_age = entry.max_age.min(age.unwrap_or(cache::DEFAULT_MAX_AGE));
            }
            entry.rfc8414_tried = true;
            entry
        }
        None => fetch(c, p, issuer, need, now).await?,
    };
    if let Some(d) = dir {
        cache::save(d, &entry);
    }
    Ok((entry.metadata, false))
}

/// Fetches the OpenID configuration, and the RFC 8414 document when that one is missing or
/// lacks `need`; the first wins field by field.
async fn fetch(
    c: &Caller,
    p: &Profile,
    issuer: &str,
    need: Need,
    now: u64,
) -> Result<Entry, OAuthError> {
    let fail = |message: String| OAuthError::Discovery {
        issuer: issuer.to_string(),
        message,
    };
    let openid = get_checked(c, p, issuer, &openid_url(issuer)).await;
    let openid = match openid {
        Err(e @ (OAuthError::InsecureUrl { .. } | OAuthError::Config(_))) => return Err(e),
        other => other,
    };
    let mut entry = Entry {
        issuer: issuer.to_string(),
        fetched_at: now,
        max_age: cache::DEFAULT_MAX_AGE,
        rfc8414_tried: false,
        metadata: Map::new(),
    };
    let openid_error = match openid {
        Ok((meta, age)) => {
            entry.metadata = meta;
            entry.max_age = age.unwrap_or(cache::DEFAULT_MAX_AGE);
            if entry.metadata.contains_key(need.metadata_field()) {
                return Ok(entry);
            }
            None
        }
        Err(e) => Some(e),
    };
    entry.rfc8414_tried = true;
    match (fetch_rfc8414(c, p, issuer).await, openid_error) {
        (Ok((rfc, age)), first) => {
            fill(&mut entry.metadata, rfc);
            let age = age.unwrap_or(cache::DEFAULT_MAX_AGE);
            entry.max_age = if first.is_some() {
                age
            } else {
                entry.max_age.min(age)
            };
            Ok(entry)
        }
        (Err(_), None) => Ok(entry),
        (Err(second), Some(first)) => Err(fail(format!(
            "OpenID configuration: {first}; RFC 8414 metadata: {second}"
        ))),
    }
}

/// The RFC 8414 document: path-inserted first, then appended to the issuer (when different).
async fn fetch_rfc8414(
    c: &Caller,
    p: &Profile,
    issuer: &str,
) -> Result<(Map<String, Value>, Option<u64>), OAuthError> {
    let inserted = rfc8414_url(issuer)?;
    let appended = rfc8414_appended_url(issuer);
    match get_checked(c, p, issuer, &inserted).await {
        Err(_) if appended != inserted => get_checked(c, p, issuer, &appended).await,
        other => other,
    }
}

/// GETs one metadata document and checks that it names `issuer`.
async fn get_checked(
    c: &Caller,
    p: &Profile,
    issuer: &str,
    url: &str,
) -> Result<(Map<String, Value>, Option<u64>), OAuthError> {
    let (meta, age) = c.get(url, p.allow_insecure_http).await?;
    let said = meta.get("issuer").and_then(Value::as_str).unwrap_or("");
    if said.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(OAuthError::Discovery {
            issuer: issuer.to_string(),
            message: format!("the metadata names issuer {said:?}, not the one configured"),
        });
    }
    Ok((meta, age))
}

/// Adds the fields of `more` that `meta` lacks.
fn fill(meta: &mut Map<String, Value>, more: Map<String, Value>) {
    for (k, v) in more {
        meta.entry(k).or_insert(v);
    }
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
