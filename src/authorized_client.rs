//! An HTTP client for APIs protected by a profile's access token, like pancloud's HTTPClient
//! with auto_refresh and auto_retry: each request carries `Authorization: Bearer` with a fresh
//! token, and a 401 answer is retried once with a refreshed one.

use crate::engine::Engine;
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
        let first = self.attempt(&build, token.expose()).await?;
        if first.status() != StatusCode::UNAUTHORIZED {
            return Ok(first);
        }
        let token = self
            .engine
            .access_token_after_rejection(&self.profile, &token)
            .await?;
        self.attempt(&build, token.expose()).await
    }

    async fn attempt(
        &self,
        build: &impl Fn(&reqwest::Client) -> RequestBuilder,
        token: &str,
    ) -> Result<Response> {
        let request = build(&self.http).bearer_auth(token);
        let url = request
            .try_clone()
            .and_then(|r| r.build().ok())
            .map(|r| r.url().to_string())
            .unwrap_or_default();
        request
            .send()
            .await
            .map_err(|e| Error::Provider(transport_error(&url, self.engine.http_timeout(), e)))
    }
}
