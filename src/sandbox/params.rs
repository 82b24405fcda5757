//! Reading requests defensively: form and query parameters (a repeated parameter is an error,
//! RFC 6749 section 3.1), JSON objects, content types and HTTP Basic client credentials.

use super::reply::ApiError;
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub type Params = HashMap<String, String>;

/// `a=1&b=2`; empty values count as absent, as RFC 6749 section 3.1 says.
pub fn form(text: &[u8]) -> Result<Params, ApiError> {
    let mut out = Params::new();
    for (k, v) in url::form_urlencoded::parse(text) {
        if v.is_empty() {
            continue;
        }
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(ApiError::invalid_request(format!(
                "parameter '{}' repeated",
                short(&k)
            )));
        }
    }
    Ok(out)
}

/// A JSON object body (the pancloud dialect); fields that are not strings are refused.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::invalid_request("body must be a JSON object")),
        Err(_) => Err(ApiError::invalid_request("body is not JSON")),
    }
}

/// A string field of a JSON body; `null` and `""` count as absent.
pub fn json_str<'a>(body: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid_request(format!(
            "'{name}' must be a string"
        ))),
    }
}

pub fn required<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, ApiError> {
    value.ok_or_else(|| ApiError::invalid_request(format!("missing '{name}'")))
}

/// Whether the request's media type is `want` (parameters such as charset ignored).
pub fn content_type_is(headers: &HeaderMap, want: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(want))
}

pub fn require_content_type(headers: &HeaderMap, want: &str) -> Result<(), ApiError> {
    if content_type_is(headers, want) {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "Content-Type must be {want}"
        )))
    }
}

/// The `Authorization` header's scheme and credentials, when it has that scheme.
pub fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (s, rest) = value.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// RFC 6749 2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
pub fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ApiError> {
    if headers.get(header::AUTHORIZATION).is_none() {
        return Ok(None);
    }
    let bad = || ApiError::invalid_client("malformed Basic authorization header");
    let encoded = authorization(headers, "Basic").ok_or_else(bad)?;
    let decoded = STANDARD.decode(encoded).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// Request-supplied names in error descriptions stay short.
pub fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn forms_refuse_repeats_and_skip_empty_values() {
        let p = form(b"a=1&b=&c=x%20y").unwrap();
        assert_eq!(p.get("a").map(String::as_str), Some("1"));
        assert!(!p.contains_key("b"));
        assert_eq!(p["c"], "x y");
        assert_eq!(form(b"a=1&a=2").unwrap_err().error, "invalid_request");
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut h = HeaderMap::new();
        assert_eq!(basic_credentials(&h).unwrap(), None);
        let v = STANDARD.encode("my%3Aclient:s%2Bcret");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {v}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&h).unwrap(),
            Some(("my:client".into(), "s+cret".into()))
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_credentials(&h).unwrap_err().error, "invalid_client");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert!(basic_credentials(&h).is_err());
    }

    #[test]
    fn json_fields_must_be_strings() {
        let m = json_object(br#"{"a":"x","b":null,"c":1,"d":""}"#).unwrap();
        assert_eq!(json_str(&m, "a").unwrap(), Some("x"));
        assert_eq!(json_str(&m, "b").unwrap(), None);
        assert_eq!(json_str(&m, "d").unwrap(), None);
        assert!(json_str(&m, "c").is_err());
        assert!(json_object(b"<html>").is_err());
        assert!(json_object(b"[1]").is_err());
    }
}
