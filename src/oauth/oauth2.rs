//! Standard OAuth 2.0 ("oauth2" dialect): RFC 6749 form bodies, client authentication by
//! `client_secret_basic`, `client_secret_post`, `none` or a client assertion (`assertion.rs`), PKCE S256 (RFC 7636), RFC 7009 revocation.

use super::assertion::{self, Target};
use super::discovery::Endpoints;
use super::{extra_params, url_with_query, Caller, OAuthError, TokenResponse};
use crate::profile::{ClientAuth, Profile};
use crate::rules::pkce;
use crate::secret::Secret;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Whether the profile's scope asks for OpenID Connect.
fn asks_openid(p: &Profile) -> bool {
    p.scope
        .as_deref()
        .is_some_and(|s| s.split_whitespace().any(|w| w == "openid"))
}

/// OIDC Core §3.1.3.7 (11): an ID token from an authorization that sent a nonce must carry that
/// nonce. Without an ID token in the answer there is nothing to bind.
pub fn check_nonce(
    p: &Profile,
    verifier: Option<&Secret>,
    id_token: Option<&Secret>,
) -> Result<(), OAuthError> {
    let (Some(verifier), Some(id_token)) = (verifier, id_token) else {
        return Ok(());
    };
    if !asks_openid(p) {
        return Ok(());
    }
    let expected = pkce::nonce(verifier.expose());
    let found = crate::jwt::claims(id_token.expose())
        .and_then(|c| c.get("nonce").and_then(|n| n.as_str()).map(str::to_string));
    match found {
        Some(n) if crate::rules::constant_time::eq(&n, &expected) => Ok(()),
        Some(_) => Err(OAuthError::Other(
            "the ID token's nonce is not this login's: it was issued for another authorization; nothing was stored".into(),
        )),
        None => Err(OAuthError::Other(
            "the ID token carries no nonce although this login sent one (OpenID Connect requires it); nothing was stored".into(),
        )),
    }
}

/// The authorization URL with PKCE; `auth_params` are merged in, and a scope asking for
/// `offline_access` adds `prompt=consent` (OpenID Connect issues refresh tokens only then).
pub fn authorization_url(
    endpoints: &Endpoints,
    p: &Profile,
    redirect_uri: Option<&str>,
    state: &str,
    verifier: &Secret,
) -> Result<String, OAuthError> {
    let client_id = client_id(p)?;
    let mut params: Vec<(String, String)> = vec![
        ("response_type".into(), "code".into()),
        ("client_id".into(), client_id.into()),
    ];
    if let Some(r) = redirect_uri {
        params.push(("redirect_uri".into(), r.into()));
    }
    if let Some(s) = &p.scope {
        params.push(("scope".into(), s.clone()));
    }
    params.push(("state".into(), state.into()));
    params.push(("code_challenge".into(), pkce::challenge(verifier.expose())));
    params.push(("code_challenge_method".into(), "S256".into()));
    // OpenID Connect: the nonce binds the ID token to this authorization (OIDC Core §3.1.2.1).
    if asks_openid(p) {
        params.push(("nonce".into(), pkce::nonce(verifier.expose())));
    }
    let extra = extra_params(&p.auth_params);
    // The profile's own parameters replace the defaults of the same name.
    params.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    params.extend(extra);
    let offline = p
        .scope
        .as_deref()
        .is_some_and(|s| s.split_whitespace().any(|w| w == "offline_access"));
    if offline && !params.iter().any(|(k, _)| k == "prompt") {
        params.push(("prompt".into(), "consent".into()));
    }
    url_with_query(endpoints.authorization()?, &params)
}

fn client_id(p: &Profile) -> Result<&str, OAuthError> {
    p.client_id
        .as_deref()
        .ok_or_else(|| OAuthError::Config("the profile has no client_id".into()))
}

/// RFC 6749 section 2.3.1: id and secret are form-encoded before the Basic encoding.
fn basic_encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Whether client_secret_basic sends `secret` changed by that form-encoding: providers that skip
/// the decoding RFC 6749 asks for then refuse it, and `client_secret_post` is the way around.
pub fn basic_changes(secret: &str) -> bool {
    basic_encoded(secret) != secret
}

fn basic_header(id: &str, secret: &str) -> String {
    let enc = basic_encoded;
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

/// Adds client authentication to a request and its form; `to` is where the request goes (the
/// audience of a client assertion).
fn authenticate(
    p: &Profile,
    to: Target<'_>,
    form: &mut Vec<(&'static str, String)>,
) -> Result<Option<String>, OAuthError> {
    let id = client_id(p)?.to_string();
    let secret = || {
        p.client_secret.as_ref().ok_or_else(|| {
            OAuthError::Config(format!(
                "client_auth {} needs a client_secret; for a public client (one with no secret) \
                 set client_auth to none",
                p.client_auth.as_str()
            ))
        })
    };
    match p.client_auth {
        ClientAuth::ClientSecretBasic => Ok(Some(basic_header(&id, secret()?.expose()))),
        ClientAuth::ClientSecretPost => {
            let s = secret()?.expose().to_string();
            form.push(("client_id", id));
            form.push(("client_secret", s));
            Ok(None)
        }
        // RFC 8705: the TLS client certificate authenticates; the body names the client.
        ClientAuth::None | ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth => {
            form.push(("client_id", id));
            Ok(None)
        }
        ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt => {
            let now = crate::clock::Clock::now(&crate::clock::SystemClock);
            let jwt = assertion::client_assertion(p, to, now)?;
            form.push(("client_id", id));
            form.push(("client_assertion_type", assertion::ASSERTION_TYPE.into()));
            form.push(("client_assertion", jwt));
            Ok(None)
        }
    }
}

/// A grant's form posted to the token endpoint, with the client's authentication (every grant
/// of this dialect makes its token request through here).
pub(super) async fn token_request(
    c: &Caller,
    endpoints: &Endpoints,
    p: &Profile,
    form: Vec<(&'static str, String)>,
) -> Result<TokenResponse, OAuthError> {
    let url = endpoints.token()?;
    c.token_call(
        url,
        p.allow_insecure_http,
        build(p, target(Some(endpoints), url), form)?,
    )
    .await
}

/// Where a request to `url` goes, for its client authentication: the token endpoint is the
/// audience of client assertions (OpenID Connect Core §9), else the endpoint called.
pub(super) fn target<'a>(endpoints: Option<&'a Endpoints>, url: &'a str) -> Target<'a> {
    Target {
        audience: endpoints.and_then(|e| e.token.as_deref()).unwrap_or(url),
        algs: endpoints.map_or(&[], |e| e.token_auth_signing_algs.as_slice()),
    }
}

pub(super) fn build(
    p: &Profile,
    to: Target<'_>,
    mut form: Vec<(&'static str, String)>,
) -> Result<impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder, OAuthError> {
    let auth = authenticate(p, to, &mut form)?;
    Ok(move |r: reqwest::RequestBuilder| {
        let r = r.form(&form);
        match auth {
            Some(h) => r.header(reqwest::header::AUTHORIZATION, h),
            None => r,
        }
    })
}

pub async fn exchange(
    c: &Caller,
    endpoints: &Endpoints,
    p: &Profile,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&Secret>,
) -> Result<TokenResponse, OAuthError> {
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code.to_string()),
    ];
    if let Some(r) = redirect_uri {
        form.push(("redirect_uri", r.to_string()));
    }
    if let Some(v) = verifier {
        form.push(("code_verifier", v.expose().to_string()));
    }
    token_request(c, endpoints, p, form).await
}

pub async fn refresh(
    c: &Caller,
    endpoints: &Endpoints,
    p: &Profile,
) -> Result<TokenResponse, OAuthError> {
    let rt = p
        .refresh_token
        .as_ref()
        .ok_or_else(|| OAuthError::Config("the profile has no refresh_token".into()))?;
    let form = vec![
        ("grant_type", "refresh_token".to_string()),
        ("refresh_token", rt.expose().to_string()),
    ];
    token_request(c, endpoints, p, form).await
}

/// RFC 6749 section 4.4: a token for the client itself, asked with the profile's scope.
pub async fn client_credentials(
    c: &Caller,
    endpoints: &Endpoints,
    p: &Profile,
) -> Result<TokenResponse, OAuthError> {
    let mut form = vec![("grant_type", "client_credentials".to_string())];
    if let Some(scope) = p.scope.as_deref().filter(|s| !s.trim().is_empty()) {
        form.push(("scope", scope.to_string()));
    }
    token_request(c, endpoints, p, form).await
}

/// RFC 7009: `hint` is `access_token` or `refresh_token`; a 200 with an empty body is success.
pub async fn revoke(
    c: &Caller,
    endpoints: &Endpoints,
    p: &Profile,
    token: &Secret,
    hint: &str,
) -> Result<(), OAuthError> {
    let form = vec![
        ("token", token.expose().to_string()),
        ("token_type_hint", hint.to_string()),
    ];
    let url = endpoints.revocation()?;
    c.post(
        url,
        p.allow_insecure_http,
        build(p, target(Some(endpoints), url), form)?,
        true,
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn profile() -> Profile {
        let mut p = Profile::new("p");
        p.client_id = Some("cid".into());
        p.scope = Some("openid offline_access".into());
        p
    }

    fn endpoints() -> Endpoints {
        let mut e = Endpoints::default();
        e.authorization = Some("https://idp.example/auth?tenant=t1".into());
        e
    }

    #[test]
    fn an_openid_login_sends_a_nonce_and_checks_it() {
        let verifier = pkce::new_verifier();
        let mut p = Profile::new("p");
        p.scope = Some("openid email".into());
        let id = |claims: serde_json::Value| Secret::new(crate::jwt::make_unsigned(&claims));
        let good = id(serde_json::json!({"sub": "a", "nonce": pkce::nonce(verifier.expose())}));
        assert!(check_nonce(&p, Some(&verifier), Some(&good)).is_ok());
        let other = id(serde_json::json!({"sub": "a", "nonce": "replayed"}));
        assert!(check_nonce(&p, Some(&verifier), Some(&other)).is_err());
        let none = id(serde_json::json!({"sub": "a"}));
        assert!(check_nonce(&p, Some(&verifier), Some(&none)).is_err());
        assert!(check_nonce(&p, Some(&verifier), None).is_ok());
        p.scope = Some("api:read".into());
        assert!(check_nonce(&p, Some(&verifier), Some(&none)).is_ok());
    }

    #[test]
    fn authorization_url_has_pkce_and_consent() {
        let v = Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let u = authorization_url(
            &endpoints(),
            &profile(),
            Some("http://127.0.0.1:5/cb"),
            "s",
            &v,
        )
        .unwrap();
        let q: std::collections::HashMap<String, String> = url::Url::parse(&u)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        assert_eq!(q["tenant"], "t1");
        assert_eq!(
            q["code_challenge"],
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:5/cb");
        assert!(!u.contains(v.expose()));
    }

    #[test]
    fn auth_params_win_over_defaults() {
        let mut p = profile();
        p.auth_params = json!({"prompt": "login", "access_type": "offline"})
            .as_object()
            .unwrap()
            .clone();
        let u = authorization_url(&endpoints(), &p, None, "s", &pkce::new_verifier()).unwrap();
        let q: Vec<(String, String)> = url::Url::parse(&u)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        assert_eq!(q.iter().filter(|(k, _)| k == "prompt").count(), 1);
        assert!(q.contains(&("prompt".into(), "login".into())));
        assert!(q.contains(&("access_type".into(), "offline".into())));
    }

    #[test]
    fn basic_header_form_encodes() {
        // "a b" -> "a+b", ":" -> "%3A" before base64.
        assert_eq!(
            basic_header("a b", "x:y"),
            format!("Basic {}", STANDARD.encode("a+b:x%3Ay"))
        );
    }
}
