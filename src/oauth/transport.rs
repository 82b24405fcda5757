//! The one HTTP client pancred uses for provider calls: rustls, bounded time, no redirects,
//! a User-Agent naming pancred, and plain http only where it cannot be sniffed (loopback).

use super::error::{endpoint_label, OAuthError};
use crate::rules::url_policy::{check_endpoint, UrlRefusal};
use std::time::Duration;

const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const USER_AGENT: &str = concat!("pancred/", env!("CARGO_PKG_VERSION"));

/// Builds the client. Token calls must not follow redirects: a redirect would resend the
/// credentials in the body to wherever the Location header points.
pub fn client(timeout: Duration) -> Result<reqwest::Client, OAuthError> {
    client_with(timeout, None)
}

/// [`client`], presenting a TLS client certificate when `identity` is given (mTLS, RFC 8705).
pub fn client_with(
    timeout: Duration,
    identity: Option<reqwest::Identity>,
) -> Result<reqwest::Client, OAuthError> {
    let builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none());
    let builder = match identity {
        Some(id) => builder.identity(id),
        None => builder,
    };
    builder
        .build()
        .map_err(|e| OAuthError::Other(format!("cannot set up the HTTP client: {e}")))
}

/// Checks an endpoint URL before anything is sent to it ([`crate::rules::url_policy`]).
pub fn check_url(url: &str, allow_insecure_http: bool) -> Result<url::Url, OAuthError> {
    check_endpoint(url, allow_insecure_http).map_err(|refusal| match refusal {
        UrlRefusal::NotAUrl(e) => OAuthError::Config(format!("invalid endpoint URL {url:?}: {e}")),
        UrlRefusal::Scheme(other) => OAuthError::Config(format!(
            "unsupported URL scheme {other:?} in {}",
            endpoint_label(url)
        )),
        UrlRefusal::InsecureHttp => OAuthError::InsecureUrl {
            url: endpoint_label(url),
        },
    })
}

/// Turns a transport failure into an error naming the endpoint and the cause.
pub fn transport_error(url: &str, timeout: Duration, e: reqwest::Error) -> OAuthError {
    let endpoint = endpoint_label(url);
    if e.is_timeout() {
        return OAuthError::Timeout {
            endpoint,
            after: timeout,
            received: None,
        };
    }
    let what = if e.is_connect() {
        super::error::CANNOT_CONNECT
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "the request failed"
    };
    // reqwest's own text may carry the URL; the label above already names the endpoint without
    // its query, so only the innermost cause is added.
    let mut cause: &dyn std::error::Error = &e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    OAuthError::Transport {
        endpoint,
        message: format!("{what}: {cause}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The policy itself is tested in rules::url_policy; here, that each refusal keeps its kind.
    #[test]
    fn refusals_become_provider_errors() {
        assert!(check_url("http://127.0.0.2:8080/token", false).is_ok());
        let e = check_url("http://idp.example/token", false).unwrap_err();
        assert!(matches!(e, OAuthError::InsecureUrl { .. }), "{e}");
        assert!(matches!(
            check_url("ftp://idp.example/x", true),
            Err(OAuthError::Config(_))
        ));
        assert!(matches!(
            check_url("not a url", false),
            Err(OAuthError::Config(_))
        ));
    }
}
