//! Reading a provider's answer: any non-2xx, a body that is not a JSON object, an `error` or
//! `error_description` in it, or (for token calls) a missing or mistyped token is an error.
//!
//! Every answer is read through [`read_bounded`] (at most [`MAX_BODY`]), and no error quotes a
//! successful answer's body: a token answer holds tokens however malformed it is. Error answers
//! (4xx, 5xx) are quoted only as a short snippet with token-looking values redacted.

use super::error::{endpoint_label, redact, snippet, OAuthError};
use super::transport::transport_error;
use crate::seconds;
use crate::secret::Secret;
use serde_json::{Map, Value};
use std::time::Duration;

/// The most any provider answer may hold. Token answers and metadata are a few KiB.
pub const MAX_BODY: usize = 1 << 20;
/// The longest `error` / `error_description` shown.
const MAX_ERROR_TEXT: usize = 300;

/// Tokens from a token endpoint.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// OpenID Connect: who logged in, as a JWT.
    pub id_token: Option<Secret>,
    pub expires_in: Option<i64>,
    pub token_type: Option<String>,
    pub scope: Option<String>,
}

/// Sends a request and reads its answer as a JSON object, mapping every failure to an [`OAuthError`].
/// `allow_empty` accepts a 2xx with an empty body (RFC 7009 revocation answers so).
pub async fn send_json(
    request: reqwest::RequestBuilder,
    url: &str,
    timeout: Duration,
    allow_empty: bool,
) -> Result<(u16, Map<String, Value>), OAuthError> {
    send_json_headers(request, url, timeout, allow_empty)
        .await
        .map(|(status, _, map)| (status, map))
}

/// [`send_json`], with the answer's headers (discovery reads `Cache-Control`).
pub async fn send_json_headers(
    request: reqwest::RequestBuilder,
    url: &str,
    timeout: Duration,
    allow_empty: bool,
) -> Result<(u16, reqwest::header::HeaderMap, Map<String, Value>), OAuthError> {
    let (status, headers, answer) = send_and_read(request, url, timeout, allow_empty).await?;
    answer.map(|map| (status, headers, map))
}

/// [`send_json_headers`], with the headers kept when the answer is an error too (a DPoP nonce
/// comes with a refusal). The outer error is a transport failure.
#[allow(clippy::type_complexity)]
pub async fn send_and_read(
    request: reqwest::RequestBuilder,
    url: &str,
    timeout: Duration,
    allow_empty: bool,
) -> Result<
    (
        u16,
        reqwest::header::HeaderMap,
        Result<Map<String, Value>, OAuthError>,
    ),
    OAuthError,
> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(url, timeout, e))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_string());
    let body = read_bounded(response, url, timeout, MAX_BODY).await?;
    let answer = parse(url, status, content_type.as_deref(), &body, allow_empty);
    Ok((status, headers, answer))
}

/// The body of an answer, at most `limit` bytes: a longer one (announced or streamed) stops with
/// [`OAuthError::TooLarge`] as soon as it passes the limit, instead of filling memory until the
/// time limit. Every provider call reads its answer through here.
pub async fn read_bounded(
    mut response: reqwest::Response,
    url: &str,
    timeout: Duration,
    limit: usize,
) -> Result<Vec<u8>, OAuthError> {
    let too_large = || OAuthError::TooLarge {
        endpoint: endpoint_label(url),
        limit,
    };
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => {
                return Err(OAuthError::Timeout {
                    endpoint: endpoint_label(url),
                    after: timeout,
                    received: Some(body.len() as u64),
                })
            }
            Err(e) => return Err(transport_error(url, timeout, e)),
        }
    }
}

/// The JSON-object body of an answer, or the error it stands for.
pub fn parse(
    url: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    allow_empty: bool,
) -> Result<Map<String, Value>, OAuthError> {
    let endpoint = endpoint_label(url);
    let ok = (200..300).contains(&status);
    // A UTF-8 byte order mark is tolerated, as Python's requests (pancloud) tolerates it.
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let parsed = serde_json::from_slice::<Value>(body);
    let json = match &parsed {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    if let Some(map) = json {
        let error = error_text(map, "error");
        let description = error_text(map, "error_description");
        if error.is_some() || description.is_some() {
            return Err(OAuthError::Refused {
                endpoint,
                status,
                error: error.unwrap_or_else(|| "error".into()),
                description,
            });
        }
    }
    if !ok {
        // A JSON body without an OAuth error is not shown: it might echo what was sent.
        let snippet = if json.is_some() {
            "a JSON body without an error field".into()
        } else {
            snippet(redact(&String::from_utf8_lossy(body)).as_bytes())
        };
        return Err(OAuthError::Status {
            endpoint,
            status,
            snippet,
        });
    }
    match json {
        Some(map) => Ok(map.clone()),
        None if allow_empty && body.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
        None => Err(OAuthError::NotJson {
            endpoint,
            status,
            what: describe_body(content_type, body, &parsed),
        }),
    }
}

/// What a successful answer that is not a JSON object was, without a byte of what it said.
fn describe_body(
    content_type: Option<&str>,
    body: &[u8],
    parsed: &Result<Value, serde_json::Error>,
) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        return "an empty body where JSON was expected".into();
    }
    let why = match parsed {
        Ok(v) => format!("JSON {}, not an object", seconds::kind(v)),
        Err(e) => {
            let what = match e.classify() {
                serde_json::error::Category::Eof => "it ends early",
                serde_json::error::Category::Syntax => "not valid JSON",
                serde_json::error::Category::Data => "not usable JSON",
                serde_json::error::Category::Io => "unreadable",
            };
            format!("{what} at line {} column {}", e.line(), e.column())
        }
    };
    format!(
        "a body that is not a JSON object ({}, {} bytes; {why}); its content is not shown, as it may hold tokens",
        content_type
            .filter(|c| !c.is_empty())
            .map(|c| crate::text::safe(c).into_owned())
            .unwrap_or_else(|| "no content type".into()),
        body.len()
    )
}

/// A token answer's fields: `access_token` a non-empty string, `refresh_token` a string when
/// present, `expires_in` a number or a numeric string when present. A field of another type is
/// an error naming it, and never quoting its value.
pub fn token_response(
    url: &str,
    status: u16,
    map: &Map<String, Value>,
) -> Result<TokenResponse, OAuthError> {
    let bad = |field: &'static str, why: String| OAuthError::BadTokenField {
        endpoint: endpoint_label(url),
        status,
        field,
        why,
    };
    let secret = |field: &'static str| match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Secret::non_empty(s.clone())),
        Some(other) => Err(bad(
            field,
            format!("{}, not a string", seconds::kind(other)),
        )),
    };
    let access_token = secret("access_token")?.ok_or(OAuthError::MissingAccessToken {
        endpoint: endpoint_label(url),
        status,
    })?;
    let refresh_token = secret("refresh_token")?;
    let id_token = secret("id_token")?;
    let expires_in = match map.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(v) => Some(seconds::from_json(v).ok_or_else(|| {
            bad(
                "expires_in",
                format!("{}, not a number of seconds", seconds::kind(v)),
            )
        })?),
    };
    Ok(TokenResponse {
        access_token,
        refresh_token,
        id_token,
        expires_in,
        token_type: plain_text(map, "token_type"),
        scope: plain_text(map, "scope"),
    })
}

/// A string field, or `None` when absent or of another type.
fn plain_text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_string)
}

/// `error` or `error_description` as it may be shown: bounded, with the answer's own token
/// values and anything token-looking redacted. A value that is not a string is not quoted.
fn error_text(map: &Map<String, Value>, key: &str) -> Option<String> {
    let text = match map.get(key)? {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => return Some(format!("({} in the {key} field)", seconds::kind(other))),
    };
    let mut text = redact(&text);
    for field in ["access_token", "refresh_token", "id_token"] {
        if let Some(secret) = map
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| s.len() >= 4)
        {
            text = text.replace(secret, crate::secret::MASK);
        }
    }
    if text.chars().count() > MAX_ERROR_TEXT {
        text = text.chars().take(MAX_ERROR_TEXT).chain(['…']).collect();
    }
    Some(text)
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
