//! Talking to providers: the pancloud dialect, standard OAuth 2.0, developer tokens.
//!
//! Each function takes the working profile (settings from the store, credentials from the
//! resolver) and returns what the provider said; storing the result is the engine's job.

pub mod assertion;
mod bound;
pub mod developer;
pub mod device;
pub mod discovery;
pub mod discovery_cache;
pub mod dpop;
pub mod error;
pub mod grants;
pub mod inspect;
pub mod mtls;
pub mod oauth2;
pub mod pancloud;
pub mod pem_key;
pub mod response;
pub mod transport;

pub use error::OAuthError;
pub use response::TokenResponse;

use serde_json::{Map, Value};
use std::time::Duration;

/// The HTTP side of provider calls: one client and its time limit.
#[derive(Clone)]
pub struct Caller {
    client: reqwest::Client,
    timeout: Duration,
    discovery_cache: Option<std::path::PathBuf>,
    /// The profile's DPoP key: every POST then carries a proof ([`bound`]).
    dpop: Option<std::sync::Arc<dpop::DpopKey>>,
}

impl Caller {
    pub fn new(timeout: Duration) -> Result<Self, OAuthError> {
        Ok(Caller {
            client: transport::client(timeout)?,
            timeout,
            discovery_cache: discovery_cache::default_dir(),
            dpop: None,
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// POSTs and reads the answer as a JSON object (see [`response::parse`]).
    async fn post(
        &self,
        url: &str,
        allow_insecure_http: bool,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
        allow_empty: bool,
    ) -> Result<(u16, Map<String, Value>), OAuthError> {
        let checked = transport::check_url(url, allow_insecure_http)?;
        let request = build(
            self.client
                .post(checked)
                .header(reqwest::header::ACCEPT, "application/json"),
        );
        match &self.dpop {
            Some(key) => {
                dpop::send(key, request, ("POST", url), None, self.timeout, allow_empty).await
            }
            None => response::send_json(request, url, self.timeout, allow_empty).await,
        }
    }

    /// GETs a JSON object; also returns the lifetime its `Cache-Control` gives, if any.
    async fn get(
        &self,
        url: &str,
        allow_insecure_http: bool,
    ) -> Result<(Map<String, Value>, Option<u64>), OAuthError> {
        let checked = transport::check_url(url, allow_insecure_http)?;
        let request = self
            .client
            .get(checked)
            .header(reqwest::header::ACCEPT, "application/json");
        let (_, headers, map) =
            response::send_json_headers(request, url, self.timeout, false).await?;
        let cache_control = headers
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok());
        Ok((map, discovery_cache::max_age(cache_control)))
    }

    /// Where issuer metadata is cached (None: not cached).
    pub fn discovery_cache(&self) -> Option<&std::path::Path> {
        self.discovery_cache.as_deref()
    }

    /// Caches issuer metadata in `dir` (None turns the cache off).
    pub fn with_discovery_cache(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.discovery_cache = dir;
        self
    }

    /// A token call: the answer must carry an access token.
    async fn token_call(
        &self,
        url: &str,
        allow_insecure_http: bool,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<TokenResponse, OAuthError> {
        let (status, map) = self.post(url, allow_insecure_http, build, false).await?;
        response::token_response(url, status, &map)
    }
}

/// Adds `params` to `base`'s query, keeping what `base` already has.
fn url_with_query(base: &str, params: &[(String, String)]) -> Result<String, OAuthError> {
    let mut url = url::Url::parse(base)
        .map_err(|e| OAuthError::Config(format!("invalid authorization endpoint {base:?}: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Ok(url.to_string())
}

/// The profile's `auth_params` as query pairs (strings bare, other JSON values as JSON text).
fn extra_params(auth_params: &Map<String, Value>) -> Vec<(String, String)> {
    auth_params
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect()
}
