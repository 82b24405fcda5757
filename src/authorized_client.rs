//! An HTTP client for APIs protected by a profile's access token, like pancloud's HTTPClient
//! with auto_refresh and auto_retry: each request carries `Authorization: Bearer` with a fresh
//! token, and a 401 answer is retried once with a refreshed one.
//!
//! A DPoP-bound token (RFC 9449) goes as `Authorization: DPoP` with a fresh proof (with `ath`)
//! on each request; a 401 asking for a DPoP nonce is answered once with the server's nonce. An
//! mTLS profile's requests present its client certificate (for certificate-bound tokens).

use crate::engine::Engine;
use crate::oauth::dpop::{self, DpopKey};
use crate::oauth::transport::{client, transport_error};
use crate::{Error, Result};
use reqwest::{RequestBuilder, Response, StatusCode};

#[derive(Clone)]
pub struct AuthorizedClient {
    engine: Engine,
    profile: String,
    http: reqwest::Client,
}

impl AuthorizedClient {
    pub fn new(engine: Engine, profile: impl Into<String>) -> Result<Self> {
        let http = client(engine.http_timeout())?;
        Ok(AuthorizedClient {
            engine,
            profile: profile.into(),
            http,
        })
    }

    /// The underlying client, to build requests with.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends the request `build` makes, with the profile's token; after a 401, refreshes (unless
    /// another caller already did) and sends it once more.
    ///
    /// `build` is called once per attempt, since a request body cannot be replayed in general.
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response> {
        let token = self.engine.fresh_access_token(&self.profile).await?;
        let first = self.attempt_bound(&build, token.expose()).await?;
        if first.status() != StatusCode::UNAUTHORIZED {
            return Ok(first);
        }
        let token = self
            .engine
            .access_token_after_rejection(&self.profile, &token)
            .await?;
        self.attempt_bound(&build, token.expose()).await
    }

    /// One request with `token`: a bearer token as is; a DPoP-bound one with a proof, sent once
    /// more when the server answers 401 asking for a nonce it gives.
    async fn attempt_bound(
        &self,
        build: &impl Fn(&reqwest::Client) -> RequestBuilder,
        token: &str,
    ) -> Result<Response> {
        let binding = self.engine.resource_binding(&self.profile).await?;
        let http = binding.http.as_ref().unwrap_or(&self.http);
        let Some(key) = binding.dpop else {
            return self.attempt(http, build, token, None).await;
        };
        let first = self.attempt(http, build, token, Some((&key, None))).await?;
        if first.status() != StatusCode::UNAUTHORIZED
            || !dpop::challenge_wants_nonce(first.headers())
        {
            return Ok(first);
        }
        let url = first.url().to_string();
        match dpop::remember_nonce(&url, first.headers()) {
            Some(nonce) => {
                self.attempt(http, build, token, Some((&key, Some(&nonce))))
                    .await
            }
            None => Ok(first),
        }
    }

    async fn attempt(
        &self,
        http: &reqwest::Client,
        build: &impl Fn(&reqwest::Client) -> RequestBuilder,
        token: &str,
        dpop_key: Option<(&DpopKey, Option<&str>)>,
    ) -> Result<Response> {
        let request = build(http);
        let built = request.try_clone().and_then(|r| r.build().ok());
        let url = built
            .as_ref()
            .map(|r| r.url().to_string())
            .unwrap_or_default();
        let request = match dpop_key {
            None => request.bearer_auth(token),
            Some((key, nonce)) => {
                let method = built.as_ref().map_or("GET", |r| r.method().as_str());
                let proof = Engine::dpop_proof_with(key, method, &url, Some(token), nonce)?;
                request
                    .header(reqwest::header::AUTHORIZATION, format!("DPoP {token}"))
                    .header(dpop::HEADER, proof)
            }
        };
        request
            .send()
            .await
            .map_err(|e| Error::Provider(transport_error(&url, self.engine.http_timeout(), e)))
    }
}
