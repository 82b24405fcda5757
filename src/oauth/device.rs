//! RFC 8628 device authorization: ask the provider for a user code, then poll its token
//! endpoint until the person approves, refuses, or the code expires.

use super::discovery::Endpoints;
use super::error::endpoint_label;
use super::oauth2::{build, target};
use super::response::token_response;
use super::{Caller, OAuthError, TokenResponse};
use crate::profile::Profile;
use crate::secret::Secret;
use serde_json::{Map, Value};

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 section 3.2: the interval when the provider names none.
pub const DEFAULT_INTERVAL: u64 = 5;
/// Section 3.5: what `slow_down` adds to the interval.
pub const SLOW_DOWN_STEP: u64 = 5;
/// A user code longer than this is not one a person types.
const MAX_USER_CODE: usize = 64;

/// What the device authorization endpoint answered.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    pub device_code: Secret,
    /// As the provider gives it (e.g. `WDJB-MJHT`).
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    /// Seconds the codes live.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    pub interval: u64,
}

/// One poll's outcome.
#[derive(Debug)]
pub enum Poll {
    Tokens(TokenResponse),
    /// `authorization_pending`: nobody has answered yet.
    Pending,
    /// `slow_down`: keep polling, [`SLOW_DOWN_STEP`] seconds slower.
    SlowDown,
}

pub async fn start(
    c: &Caller,
    endpoint: &str,
    p: &Profile,
) -> Result<DeviceAuthorization, OAuthError> {
    let mut form = Vec::new();
    if let Some(scope) = p.scope.as_deref().filter(|s| !s.trim().is_empty()) {
        form.push(("scope", scope.to_string()));
    }
    let (status, map) = c
        .post(
            endpoint,
            p.allow_insecure_http,
            build(p, target(None, endpoint), form)?,
            false,
        )
        .await?;
    parse_authorization(endpoint, status, &map)
}

pub async fn poll(
    c: &Caller,
    endpoints: &Endpoints,
    p: &Profile,
    device_code: &Secret,
) -> Result<Poll, OAuthError> {
    let form = vec![
        ("grant_type", GRANT_TYPE.to_string()),
        ("device_code", device_code.expose().to_string()),
    ];
    let url = endpoints.token()?;
    match c
        .post(
            url,
            p.allow_insecure_http,
            build(p, target(Some(endpoints), url), form)?,
            false,
        )
        .await
    {
        Ok((status, map)) => token_response(url, status, &map).map(Poll::Tokens),
        Err(e) => match e.provider_error() {
            Some("authorization_pending") => Ok(Poll::Pending),
            Some("slow_down") => Ok(Poll::SlowDown),
            Some("expired_token") => Err(OAuthError::DeviceCodeExpired),
            _ => Err(e),
        },
    }
}

pub(crate) fn parse_authorization(
    url: &str,
    status: u16,
    map: &Map<String, Value>,
) -> Result<DeviceAuthorization, OAuthError> {
    let bad = |what: &str| OAuthError::Other(format!("{}: {what}", endpoint_label(url)));
    let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_string);
    let device_code = text("device_code")
        .and_then(Secret::non_empty)
        .ok_or_else(|| bad(&format!("the answer has no device_code (HTTP {status})")))?;
    let user_code = text("user_code")
        .filter(|c| !c.is_empty() && c.chars().count() <= MAX_USER_CODE)
        .filter(|c| !c.chars().any(char::is_control))
        .ok_or_else(|| bad("the answer has no usable user_code"))?;
    // Some providers (Google) still say verification_url, as drafts of RFC 8628 did.
    let verification_uri = text("verification_uri")
        .or_else(|| text("verification_url"))
        .and_then(|u| web_url(&u))
        .ok_or_else(|| bad("the answer has no usable verification_uri"))?;
    let verification_uri_complete = text("verification_uri_complete").and_then(|u| web_url(&u));
    let number = |k: &str| {
        map.get(k)
            .and_then(crate::seconds::from_json)
            .filter(|n| *n > 0)
    };
    Ok(DeviceAuthorization {
        device_code,
        user_code,
        verification_uri,
        verification_uri_complete,
        // The code's life and the interval are bounded: a day, and a minute between polls.
        expires_in: number("expires_in").unwrap_or(600).min(86_400),
        interval: number("interval")
            .map_or(DEFAULT_INTERVAL, |n| n as u64)
            .min(60),
    })
}

/// An http(s) URL in its normalized form (control characters percent-encoded), else nothing:
/// it is shown to a person and may be opened in a browser.
fn web_url(text: &str) -> Option<String> {
    let u = url::Url::parse(text.trim()).ok()?;
    matches!(u.scheme(), "https" | "http").then(|| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<DeviceAuthorization, OAuthError> {
        parse_authorization("http://127.0.0.1:1/device", 200, v.as_object().unwrap())
    }

    #[test]
    fn an_answer_with_defaults() {
        let a = parse(json!({"device_code": "dc", "user_code": "WDJB-MJHT",
                             "verification_uri": "https://idp.example/device", "expires_in": 1800}))
        .unwrap();
        assert_eq!(a.user_code, "WDJB-MJHT");
        assert_eq!(a.interval, DEFAULT_INTERVAL);
        assert_eq!(a.expires_in, 1800);
        assert!(a.verification_uri_complete.is_none());
    }

    #[test]
    fn what_a_person_would_see_is_checked() {
        let base = json!({"device_code": "dc", "user_code": "AB\u{1b}[2J",
                          "verification_uri": "https://idp.example/device"});
        assert!(parse(base.clone()).is_err());
        let mut v = base;
        v["user_code"] = json!("ABCD");
        v["verification_uri"] = json!("javascript:alert(1)");
        assert!(parse(v.clone()).is_err());
        v["verification_uri"] = json!("https://idp.example/device");
        v["verification_uri_complete"] = json!("file:///etc/passwd");
        assert!(parse(v.clone())
            .unwrap()
            .verification_uri_complete
            .is_none());
        v["interval"] = json!(100000);
        assert_eq!(parse(v).unwrap().interval, 60);
    }
}
