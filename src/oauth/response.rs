//! Reading a provider's answer: any non-2xx, a body that is not a JSON object, an `error` or
//! `error_description` in it, or (for token calls) a missing access_token is an error.

use super::error::{endpoint_label, snippet, OAuthError};
use super::http::transport_error;
use crate::secret::Secret;
use serde_json::{Map, Value};
use std::time::Duration;

/// Tokens from a token endpoint.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
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
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(url, timeout, e))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(url, timeout, e))?;
    parse(url, status, &body, allow_empty).map(|m| (status, headers, m))
}

/// The JSON-object body of an answer, or the error it stands for.
pub fn parse(
    url: &str,
    status: u16,
    body: &[u8],
    allow_empty: bool,
) -> Result<Map<String, Value>, OAuthError> {
    let endpoint = endpoint_label(url);
    let ok = (200..300).contains(&status);
    let json = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    if let Some(map) = &json {
        let error = text(map, "error");
        let description = text(map, "error_description");
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
            snippet(body)
        };
        return Err(OAuthError::Status {
            endpoint,
            status,
            snippet,
        });
    }
    match json {
        Some(map) => Ok(map),
        None if allow_empty && body.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
        None => Err(OAuthError::NotJson {
            endpoint,
            status,
            snippet: snippet(body),
        }),
    }
}

/// A token answer's fields; `access_token` is required.
pub fn token_response(
    url: &str,
    status: u16,
    map: &Map<String, Value>,
) -> Result<TokenResponse, OAuthError> {
    let access_token = text(map, "access_token")
        .and_then(Secret::non_empty)
        .ok_or(OAuthError::MissingAccessToken {
            endpoint: endpoint_label(url),
            status,
        })?;
    Ok(TokenResponse {
        access_token,
        refresh_token: text(map, "refresh_token").and_then(Secret::non_empty),
        expires_in: map.get("expires_in").and_then(|v| match v {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }),
        token_type: text(map, "token_type"),
        scope: text(map, "scope"),
    })
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const URL: &str = "http://127.0.0.1:1/token";

    #[test]
    fn every_failure_shape_is_an_error() {
        let html = b"<html><body><h1>Internal Server Error</h1></body></html>";
        let e = parse(URL, 500, html, false).unwrap_err();
        assert!(
            e.to_string().contains("HTTP 500") && e.to_string().contains("Internal Server Error")
        );
        let e = parse(
            URL,
            400,
            br#"{"error":"invalid_grant","error_description":"gone"}"#,
            false,
        )
        .unwrap_err();
        assert!(e.is_invalid_grant() && e.to_string().contains("gone"));
        // An error inside a 200 is still an error (pancloud checks the body, not only the status).
        assert!(parse(URL, 200, br#"{"error_description":"nope"}"#, false).is_err());
        let e = parse(URL, 200, b"OK", false).unwrap_err();
        assert!(matches!(e, OAuthError::NotJson { .. }));
        let e = parse(URL, 200, b"", false).unwrap_err();
        assert!(e.to_string().contains("empty body"), "{e}");
        assert!(parse(URL, 200, b"", true).unwrap().is_empty());
        assert!(parse(URL, 200, b"[1,2]", false).is_err());
    }

    #[test]
    fn missing_access_token_does_not_echo_the_body() {
        let map = parse(URL, 200, br#"{"refresh_token":"rt-secret"}"#, false).unwrap();
        let e = token_response(URL, 200, &map).unwrap_err();
        assert!(matches!(e, OAuthError::MissingAccessToken { .. }));
        assert!(!e.to_string().contains("rt-secret"));
    }

    #[test]
    fn token_fields() {
        let map = parse(
            URL,
            200,
            br#"{"access_token":"a","refresh_token":"r","expires_in":"3600","token_type":"Bearer"}"#,
            false,
        )
        .unwrap();
        let t = token_response(URL, 200, &map).unwrap();
        assert_eq!(t.access_token.expose(), "a");
        assert_eq!(t.refresh_token.unwrap().expose(), "r");
        assert_eq!(t.expires_in, Some(3600));
    }
}
