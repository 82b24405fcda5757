//! The Application Framework API ("pancloud" dialect), exactly as pancloud 1.5.1 speaks it:
//! JSON bodies to `{token_url}/api/oauth2/RequestToken` and `.../RevokeToken`.

use super::{extra_params, url_with_query, Caller, OAuthError, TokenResponse};
use crate::profile::{Profile, PANCLOUD_API_BASE_URL};
use crate::secret::Secret;
use serde_json::{json, Value};

fn api(p: &Profile, path: &str) -> String {
    let base = p.token_url.as_deref().unwrap_or(PANCLOUD_API_BASE_URL);
    format!("{}/api/oauth2/{path}", base.trim_end_matches('/'))
}

pub fn request_token_url(p: &Profile) -> String {
    api(p, "RequestToken")
}

pub fn revoke_token_url(p: &Profile) -> String {
    api(p, "RevokeToken")
}

fn secret(s: &Option<Secret>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::from(s.expose()))
}

/// The authorization URL: client_id, instance_id, redirect_uri, region, response_type=code,
/// scope, state; absent settings are left out (as `requests` drops `None` parameters).
pub fn authorization_url(
    p: &Profile,
    redirect_uri: Option<&str>,
    state: &str,
) -> Result<String, OAuthError> {
    let mut params: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            params.push((k.to_string(), v.to_string()));
        }
    };
    add("client_id", p.client_id.as_deref());
    add("instance_id", p.instance_id.as_deref());
    add("redirect_uri", redirect_uri);
    add("region", p.region.as_deref());
    add("response_type", Some("code"));
    add("scope", p.scope.as_deref());
    add("state", Some(state));
    params.extend(extra_params(&p.auth_params));
    url_with_query(p.auth_base_url(), &params)
}

pub async fn exchange(
    c: &Caller,
    p: &Profile,
    code: &str,
    redirect_uri: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let body = json!({
        "grant_type": "authorization_code",
        "client_id": p.client_id,
        "client_secret": secret(&p.client_secret),
        "code": code,
        "redirect_uri": redirect_uri,
    });
    let url = request_token_url(p);
    c.token_call(&url, p.allow_insecure_http, |r| r.json(&body))
        .await
}

pub async fn refresh(c: &Caller, p: &Profile) -> Result<TokenResponse, OAuthError> {
    let body = json!({
        "grant_type": "refresh_token",
        "client_id": p.client_id,
        "client_secret": secret(&p.client_secret),
        "refresh_token": secret(&p.refresh_token),
    });
    let url = request_token_url(p);
    c.token_call(&url, p.allow_insecure_http, |r| r.json(&body))
        .await
}

/// `hint` is `access_token` or `refresh_token`.
pub async fn revoke(c: &Caller, p: &Profile, token: &Secret, hint: &str) -> Result<(), OAuthError> {
    let body = json!({
        "client_id": p.client_id,
        "client_secret": secret(&p.client_secret),
        "token": token.expose(),
        "token_type_hint": hint,
    });
    let url = revoke_token_url(p);
    c.post(&url, p.allow_insecure_http, |r| r.json(&body), false)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_url_has_pancloud_params() {
        let mut p = Profile::new("p");
        p.client_id = Some("cid".into());
        p.instance_id = Some("inst".into());
        p.region = Some("americas".into());
        p.scope = Some("logging-service:read".into());
        let u = authorization_url(&p, Some("https://app.example/cb"), "st-1").unwrap();
        let parsed = url::Url::parse(&u).unwrap();
        let q: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "client_id",
                "instance_id",
                "redirect_uri",
                "region",
                "response_type",
                "scope",
                "state"
            ]
        );
        assert!(u.starts_with(crate::profile::PANCLOUD_AUTH_BASE_URL));
        assert!(q.contains(&("state".into(), "st-1".into())));
    }

    #[test]
    fn endpoints_from_the_api_base() {
        let mut p = Profile::new("p");
        p.token_url = Some("http://127.0.0.1:9/".into());
        assert_eq!(
            request_token_url(&p),
            "http://127.0.0.1:9/api/oauth2/RequestToken"
        );
        assert_eq!(
            revoke_token_url(&p),
            "http://127.0.0.1:9/api/oauth2/RevokeToken"
        );
    }
}
