//! What can go wrong talking to a provider. Messages name the cause and the endpoint, never a secret.

use crate::text::Safe;
use std::time::Duration;

/// A provider call that failed. Carries the provider's `error` / `error_description` when it sent them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The provider answered with an OAuth error (`error`, optionally `error_description`).
    #[error(
        "{endpoint}: the provider refused: {}{} (HTTP {status})",
        Safe(error),
        describe(description)
    )]
    Refused {
        endpoint: String,
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// A non-2xx answer without an OAuth error in it.
    #[error("{endpoint}: HTTP {status}{}", snippet_suffix(snippet))]
    Status {
        endpoint: String,
        status: u16,
        snippet: String,
    },
    /// A 2xx answer whose body is not a JSON object (an HTML page, an empty body). Its content
    /// is never quoted: a successful token answer holds tokens, whatever its shape.
    #[error("{endpoint}: HTTP {status} with {what}")]
    NotJson {
        endpoint: String,
        status: u16,
        /// What the body was (type, length, where parsing stopped), not what it said.
        what: String,
    },
    /// A successful token answer without an access token.
    #[error("{endpoint}: the answer has no access_token (HTTP {status})")]
    MissingAccessToken { endpoint: String, status: u16 },
    /// A token answer whose field has the wrong type; the value is not shown.
    #[error("{endpoint}: the answer's {field} is {why} (HTTP {status}); nothing was stored")]
    BadTokenField {
        endpoint: String,
        status: u16,
        field: &'static str,
        why: String,
    },
    /// The answer grew past the size limit before it ended.
    #[error("{endpoint}: the answer is larger than {} KiB; no token or metadata answer is that big, so it was cut off", limit / 1024)]
    TooLarge { endpoint: String, limit: usize },
    /// The time limit ran out: before any answer, or while its body was still arriving.
    #[error("{endpoint}: {} (PANCRED_HTTP_TIMEOUT sets the limit in seconds)", timeout_text(*after, *received))]
    Timeout {
        endpoint: String,
        after: Duration,
        /// Bytes of the body received when the limit ran out; `None` when no answer had begun.
        received: Option<u64>,
    },
    #[error("{endpoint}: {message}")]
    Transport { endpoint: String, message: String },
    #[error("discovery at {issuer} failed: {message}")]
    Discovery { issuer: String, message: String },
    #[error("refusing plain http:// to {url}: only loopback hosts may use http unless the profile sets allow_insecure_http")]
    InsecureUrl { url: String },
    /// RFC 8628: the device code expired before anyone approved it.
    #[error("the device code expired before it was approved: start again")]
    DeviceCodeExpired,
    /// A refresh token refused after the access token alone was revoked.
    #[error(
        "the provider also ended the refresh token when the access token alone was revoked \
         (RFC 7009 §2.1 allows that): {cause}"
    )]
    GrantEnded {
        /// Unix seconds of that revocation.
        revoked_at: i64,
        cause: Box<OAuthError>,
    },
    /// The profile lacks a setting the call needs, or has one that is not usable.
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Other(String),
}

impl OAuthError {
    /// The provider's OAuth error code, when it sent one (`invalid_grant`, ...).
    pub fn provider_error(&self) -> Option<&str> {
        match self {
            OAuthError::Refused { error, .. } => Some(error),
            OAuthError::GrantEnded { cause, .. } => cause.provider_error(),
            _ => None,
        }
    }

    pub fn is_invalid_grant(&self) -> bool {
        self.provider_error() == Some("invalid_grant")
    }

    /// The endpoint was not there: no connection, or HTTP 404 (the request reached no OAuth
    /// logic, so sending it again elsewhere is safe).
    /// The provider (or a proxy in front of it) failed on its side: an HTTP 5xx answer, or
    /// `server_error` / `temporarily_unavailable` (RFC 6749 §5.2). Worth asking again later.
    pub fn is_server_error(&self) -> bool {
        let status = match self {
            OAuthError::Refused { status, .. }
            | OAuthError::Status { status, .. }
            | OAuthError::NotJson { status, .. } => Some(*status),
            _ => None,
        };
        status.is_some_and(|s| (500..600).contains(&s))
            || matches!(
                self.provider_error(),
                Some("server_error" | "temporarily_unavailable")
            )
    }

    pub fn is_unreachable(&self) -> bool {
        match self {
            OAuthError::Transport { message, .. } => message.starts_with(CANNOT_CONNECT),
            OAuthError::Status { status, .. } | OAuthError::Refused { status, .. } => {
                *status == 404
            }
            _ => false,
        }
    }

    /// A problem of the local configuration (exit 2), not of the provider.
    pub fn is_config(&self) -> bool {
        matches!(self, OAuthError::Config(_) | OAuthError::InsecureUrl { .. })
    }
}

/// How a transport error that never reached the host begins (see `transport::transport_error`).
pub(crate) const CANNOT_CONNECT: &str = "cannot connect";

fn describe(description: &Option<String>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!(" ({})", Safe(d)),
        _ => String::new(),
    }
}

fn snippet_suffix(snippet: &str) -> String {
    if snippet.is_empty() {
        " and an empty body".into()
    } else {
        format!(": {snippet}")
    }
}

fn timeout_text(after: Duration, received: Option<u64>) -> String {
    match received {
        None => format!("no answer within {}", secs(after)),
        Some(n) => format!(
            "the answer began but was still arriving after {} ({n} bytes of its body so far)",
            secs(after)
        ),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// A short, printable rendering of a body for an error message: markup dropped, whitespace
/// collapsed, control characters removed, cut at a bounded length.
pub fn snippet(body: &[u8]) -> String {
    const MAX: usize = 160;
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut in_tag = false;
    let mut last_space = true;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            _ if in_tag => {}
            c if c.is_whitespace() || c.is_control() => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            c => {
                out.push(c);
                last_space = false;
            }
        }
        if out.chars().count() >= MAX {
            out.push('…');
            break;
        }
    }
    out.trim().to_string()
}

/// Field names whose values are secrets wherever they appear in a body: JSON, a form or HTML.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "developer_token",
    "code_verifier",
    "assertion",
    "password",
    "token",
    "code",
];

/// `text` with secret-looking values replaced by `******`: the value after any of
/// [`SECRET_KEYS`] (`"k": "v"`, `k=v`, `'k':'v'`) and anything shaped like a JWT.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = jwt_at(&chars, i) {
            out.push_str(crate::secret::MASK);
            i = end;
            continue;
        }
        if let Some((key_end, value_start, value_end)) = secret_pair_at(&chars, i) {
            out.extend(&chars[i..value_start.max(key_end)]);
            out.push_str(crate::secret::MASK);
            i = value_end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A JWT (`eyJ...` `.` ... `.` ...) starting at `i`: the index after it.
fn jwt_at(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && is_word(chars[i - 1]) {
        return None;
    }
    let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
    if rest != "eyJ" {
        return None;
    }
    let mut j = i;
    let mut dots = 0;
    while j < chars.len() && (is_word(chars[j]) || chars[j] == '.') {
        dots += usize::from(chars[j] == '.');
        j += 1;
    }
    (dots >= 1 && j - i >= 10).then_some(j)
}

/// A secret key at `i` followed by `:` or `=` and a value: (end of key, start, end of value).
fn secret_pair_at(chars: &[char], i: usize) -> Option<(usize, usize, usize)> {
    if i > 0 && is_word(chars[i - 1]) {
        return None;
    }
    let key = SECRET_KEYS.iter().find(|k| {
        chars.len() >= i + k.len()
            && chars[i..i + k.len()]
                .iter()
                .zip(k.chars())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
            && chars.get(i + k.len()).is_none_or(|c| !is_word(*c))
    })?;
    let mut j = i + key.len();
    let skip = |j: &mut usize, set: &[char]| {
        while *j < chars.len() && (set.contains(&chars[*j]) || chars[*j].is_whitespace()) {
            *j += 1;
        }
    };
    skip(&mut j, &['"', '\'']);
    if !matches!(chars.get(j), Some(':') | Some('=')) {
        return None;
    }
    let key_end = j + 1;
    j += 1;
    skip(&mut j, &['"', '\'']);
    let start = j;
    while j < chars.len()
        && !matches!(chars[j], '"' | '\'' | '&' | ',' | '}' | '<' | ';')
        && !chars[j].is_whitespace()
    {
        j += 1;
    }
    (j > start).then_some((key_end, start, j))
}

/// A URL for messages: scheme, host, port and path only (no query, no credentials).
pub fn endpoint_label(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let mut s = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
            if let Some(p) = u.port() {
                s.push_str(&format!(":{p}"));
            }
            s.push_str(u.path());
            s
        }
        Err(_) => "an invalid URL".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_of_an_html_page_is_short_text() {
        let html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad   Gateway</h1></body></html>";
        assert_eq!(snippet(html), "502 Bad Gateway Bad Gateway");
        let long = "x".repeat(10_000);
        assert!(snippet(long.as_bytes()).chars().count() <= 161);
        assert_eq!(snippet(b""), "");
    }

    #[test]
    fn redaction_of_token_looking_values() {
        let jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln";
        let cases = [
            (r#"{"access_token": "AT-1", "x": 1}"#, "AT-1"),
            ("refresh_token=RT-2&grant_type=refresh_token", "RT-2"),
            ("<p>client_secret: 'CS-3'</p>", "CS-3"),
            ("Token= tok-4; path", "tok-4"),
            (&format!("bad token {jwt} here") as &str, jwt),
        ];
        for (text, secret) in cases {
            let r = redact(text);
            assert!(
                !r.contains(secret) && r.contains(crate::secret::MASK),
                "{text} -> {r}"
            );
        }
        // Words that merely contain a key, and plain prose, are left alone.
        assert_eq!(
            redact("the tokenizer said: code red"),
            "the tokenizer said: code red"
        );
        assert_eq!(
            redact("grant_type=refresh_token"),
            "grant_type=refresh_token"
        );
    }

    #[test]
    fn endpoint_label_drops_query_and_userinfo() {
        assert_eq!(
            endpoint_label("https://user:pw@example.test:8443/token?code=abc"),
            "https://example.test:8443/token"
        );
    }

    #[test]
    fn refused_names_error_and_description() {
        let e = OAuthError::Refused {
            endpoint: "http://127.0.0.1:1/token".into(),
            status: 400,
            error: "invalid_grant".into(),
            description: Some("grant request is invalid".into()),
        };
        let s = e.to_string();
        assert!(
            s.contains("invalid_grant")
                && s.contains("grant request is invalid")
                && s.contains("400")
        );
        assert!(e.is_invalid_grant());
    }
}
