//! Reading a JWT's payload without checking its signature, as pancloud does.
//!
//! Any input is safe: what is not a JWT yields `None`, never a panic.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};

/// The payload of a JWT as a JSON object, or `None` when the token is not a JWT.
pub fn claims(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.is_empty() {
        return None;
    }
    let trimmed = payload.trim_end_matches('=');
    // Tokens are base64url; pancloud's b64decode also accepts the standard alphabet.
    let bytes = URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| STANDARD_NO_PAD.decode(trimmed))
        .ok()?;
    match serde_json::from_slice::<Value>(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The `exp` claim as unix seconds; integers, integral floats and numeric strings are accepted.
pub fn expiry(token: &str) -> Option<i64> {
    claim_seconds(&claims(token)?, "exp")
}

/// A claim of seconds (`exp`, `iat`, `nbf`) through the one parser of numbers from outside.
pub fn claim_seconds(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    crate::seconds::from_json(claims.get(name)?)
}

/// Claims that hold a time (unix seconds): shown as a date.
const TIME_CLAIMS: [&str; 5] = ["exp", "iat", "nbf", "auth_time", "updated_at"];

/// A claim as the CLI's `show`, the TUI's detail pane and its inspection all show it: a time as
/// `2026-11-29 17:08:57 UTC`, anything else as [`claim_text`] renders it.
pub fn claim_display(claims: &Map<String, Value>, name: &str) -> String {
    let Some(value) = claims.get(name) else {
        return String::new();
    };
    TIME_CLAIMS
        .contains(&name)
        .then(|| claim_seconds(claims, name))
        .flatten()
        .map(crate::clock::format_utc)
        .unwrap_or_else(|| claim_text(value))
}

/// Renders a claim for display: strings bare, arrays joined by spaces, others as JSON.
pub fn claim_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(claim_text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

#[cfg(test)]
pub(crate) fn make_unsigned(payload: &Value) -> String {
    let enc = |v: &[u8]| URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.sig",
        enc(br#"{"alg":"none","typ":"JWT"}"#),
        enc(payload.to_string().as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_exp_and_claims() {
        let t = make_unsigned(&json!({"exp": 1_900_000_000, "sub": "alice", "aud": ["a", "b"]}));
        assert_eq!(expiry(&t), Some(1_900_000_000));
        let c = claims(&t).unwrap();
        assert_eq!(claim_text(&c["aud"]), "a b");
    }

    #[test]
    fn numeric_forms_of_exp() {
        assert_eq!(expiry(&make_unsigned(&json!({"exp": 12.0}))), Some(12));
        assert_eq!(expiry(&make_unsigned(&json!({"exp": "42"}))), Some(42));
        assert_eq!(expiry(&make_unsigned(&json!({"exp": "soon"}))), None);
        assert_eq!(expiry(&make_unsigned(&json!({"sub": "x"}))), None);
    }

    #[test]
    fn anything_else_is_not_a_jwt() {
        for t in [
            "",
            ".",
            "..",
            "a.b",
            "a.b.c.d",
            "opaque-token",
            "x.!!!.y",
            "x.bnVsbA.y",
            "é.é.é",
            "eyJhbGciOiJub25lIn0.eyJleHAiOjE.sig",
        ] {
            assert_eq!(expiry(t), None, "{t:?}");
        }
    }
}
