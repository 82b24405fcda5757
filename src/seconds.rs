//! Numbers of seconds that come from outside: a token answer's `expires_in`, a stored
//! `expires_at`, a JWT's `exp` and `iat`. One parser for all of them, and arithmetic that
//! saturates, so no value (`i64::MIN`, `1e300`, `"3600"`, `-5`, `3599.9`) can panic or wrap.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Whole seconds from a JSON value: an integer (beyond `i64` it saturates), a finite float
/// (truncated, saturating) or a string holding either. Anything else is `None`.
pub fn from_json(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|_| i64::MAX))
            .or_else(|| n.as_f64().and_then(from_f64)),
        Value::String(s) => from_str(s),
        _ => None,
    }
}

/// Whole seconds from text: `3600`, ` 3600 `, `-5`, `3599.9`, `1e3`; `NaN`, `inf` and words are `None`.
pub fn from_str(s: &str) -> Option<i64> {
    let s = s.trim();
    s.parse::<i64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().and_then(from_f64))
}

fn from_f64(f: f64) -> Option<i64> {
    // `as` saturates at the bounds of i64; NaN and the infinities are refused first.
    f.is_finite().then_some(f as i64)
}

/// `now + secs`, saturating: the unix time a token given for `secs` seconds expires.
pub fn after(now: i64, secs: i64) -> i64 {
    now.saturating_add(secs)
}

/// `until - now`, saturating: seconds left (negative when past).
pub fn left(until: i64, now: i64) -> i64 {
    until.saturating_sub(now)
}

/// Serde for an optional field of seconds (`expires_at`): null or absent is `None`, any number
/// or numeric string is read by [`from_json`], anything else is an error naming what it found.
pub fn deserialize_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => from_json(&v).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a number of seconds, found {}", kind(&v)))
        }),
    }
}

/// What a JSON value is, for messages that must not quote it (it may be a secret).
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_shape_of_a_number() {
        let cases = [
            (json!(3600), Some(3600)),
            (json!(-5), Some(-5)),
            (json!(3599.9), Some(3599)),
            (json!(1e300), Some(i64::MAX)),
            (json!(-1e300), Some(i64::MIN)),
            (json!(u64::MAX), Some(i64::MAX)),
            (json!(i64::MIN), Some(i64::MIN)),
            (json!("3600"), Some(3600)),
            (json!(" 42 "), Some(42)),
            (json!("1e3"), Some(1000)),
            (json!("99999999999999999999999"), Some(i64::MAX)),
            (json!("NaN"), None),
            (json!("inf"), None),
            (json!("soon"), None),
            (json!(""), None),
            (json!(true), None),
            (json!(null), None),
            (json!([1]), None),
        ];
        for (v, want) in cases {
            assert_eq!(from_json(&v), want, "{v}");
        }
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(after(i64::MAX - 1, 10), i64::MAX);
        assert_eq!(after(10, i64::MIN), i64::MIN + 10);
        assert_eq!(left(i64::MIN, 1_000), i64::MIN);
        assert_eq!(left(i64::MAX, -1), i64::MAX);
        assert_eq!(left(1_100, 1_000), 100);
    }
}
