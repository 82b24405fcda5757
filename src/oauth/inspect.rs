//! What the provider says about a token: OpenID Connect userinfo (a GET with the access token)
//! and RFC 7662 introspection (a POST with the client's authentication). Both answers are JSON
//! objects read with the same bounds as every other answer.

use super::oauth2::{build, target};
use super::response::send_json;
use super::{transport, Caller, OAuthError};
use crate::profile::Profile;
use crate::secret::Secret;
use serde_json::{Map, Value};

/// OpenID Connect Core §5.3: the claims about the person the access token stands for.
pub async fn userinfo(
    c: &Caller,
    url: &str,
    p: &Profile,
    token: &Secret,
) -> Result<Map<String, Value>, OAuthError> {
    let checked = transport::check_url(url, p.allow_insecure_http)?;
    let request = c
        .client()
        .get(checked)
        .header(reqwest::header::ACCEPT, "application/json");
    // A DPoP-bound token goes with a proof of the key (RFC 9449 section 7).
    if let Some(key) = c.dpop_key().filter(|_| p.is_dpop_token()) {
        let (_, map) = super::dpop::send(
            key,
            request,
            ("GET", url),
            Some(token.expose()),
            c.timeout(),
            false,
        )
        .await?;
        return Ok(map);
    }
    send_json(request.bearer_auth(token.expose()), url, c.timeout(), false)
        .await
        .map(|(_, map)| map)
}

/// RFC 7662 §2.1: `active` and, for an active token, what it is for. `hint` is
/// `access_token` or `refresh_token`.
pub async fn introspect(
    c: &Caller,
    url: &str,
    p: &Profile,
    token: &Secret,
    hint: &str,
) -> Result<Map<String, Value>, OAuthError> {
    let form = vec![
        ("token", token.expose().to_string()),
        ("token_type_hint", hint.to_string()),
    ];
    c.post(
        url,
        p.allow_insecure_http,
        build(p, target(None, url), form)?,
        false,
    )
    .await
    .map(|(_, map)| map)
}
