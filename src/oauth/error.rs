//! What can go wrong talking to a provider. Messages name the cause and the endpoint, never a secret.

use std::time::Duration;

/// A provider call that failed. Carries the provider's `error` / `error_description` when it sent them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The provider answered with an OAuth error (`error`, optionally `error_description`).
    #[error(
        "{endpoint}: the provider refused: {error}{} (HTTP {status})",
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
    /// A 2xx answer whose body is not a JSON object (an HTML page, an empty body).
    #[error("{endpoint}: HTTP {status} with {}", body_kind(snippet))]
    NotJson {
        endpoint: String,
        status: u16,
        snippet: String,
    },
    /// A successful token answer without an access token.
    #[error("{endpoint}: the answer has no access_token (HTTP {status})")]
    MissingAccessToken { endpoint: String, status: u16 },
    #[error("{endpoint}: no answer within {} (PANCRED_HTTP_TIMEOUT sets the limit in seconds)", secs(*after))]
    Timeout { endpoint: String, after: Duration },
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

/// How a transport error that never reached the host begins (see `http::transport_error`).
pub(crate) const CANNOT_CONNECT: &str = "cannot connect";

fn describe(description: &Option<String>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!(" ({d})"),
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

fn body_kind(snippet: &str) -> String {
    if snippet.is_empty() {
        "an empty body where JSON was expected".into()
    } else {
        format!("a body that is not JSON: {snippet}")
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
