//! The one HTTP client pancred uses for provider calls: rustls, bounded time, no redirects,
//! a User-Agent naming pancred, and plain http only where it cannot be sniffed (loopback).

use super::error::{endpoint_label, OAuthError};
use std::net::IpAddr;
use std::time::Duration;

/// Env var: the total time limit of each provider call, in seconds (fractions allowed).
pub const ENV_HTTP_TIMEOUT: &str = "PANCRED_HTTP_TIMEOUT";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const USER_AGENT: &str = concat!("pancred/", env!("CARGO_PKG_VERSION"));

/// The total timeout: `PANCRED_HTTP_TIMEOUT` when it holds a positive number, else 30 s.
pub fn timeout_from_env() -> Duration {
    std::env::var(ENV_HTTP_TIMEOUT)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// Builds the client. Token calls must not follow redirects: a redirect would resend the
/// credentials in the body to wherever the Location header points.
pub fn client(timeout: Duration) -> Result<reqwest::Client, OAuthError> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| OAuthError::Other(format!("cannot set up the HTTP client: {e}")))
}

/// Whether `host` is a loopback name or address.
pub fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(a) => IpAddr::V4(*a).is_loopback(),
        url::Host::Ipv6(a) => IpAddr::V6(*a).is_loopback(),
    }
}

/// Checks an endpoint URL before anything is sent to it: https, or http to a loopback host, or
/// http anywhere when the profile allows it.
pub fn check_url(url: &str, allow_insecure_http: bool) -> Result<url::Url, OAuthError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| OAuthError::Config(format!("invalid endpoint URL {url:?}: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" => {
            let loopback = parsed.host().as_ref().is_some_and(is_loopback_host);
            if loopback || allow_insecure_http {
                Ok(parsed)
            } else {
                Err(OAuthError::InsecureUrl {
                    url: endpoint_label(url),
                })
            }
        }
        other => Err(OAuthError::Config(format!(
            "unsupported URL scheme {other:?} in {}",
            endpoint_label(url)
        ))),
    }
}

/// Turns a transport failure into an error naming the endpoint and the cause.
pub fn transport_error(url: &str, timeout: Duration, e: reqwest::Error) -> OAuthError {
    let endpoint = endpoint_label(url);
    if e.is_timeout() {
        return OAuthError::Timeout {
            endpoint,
            after: timeout,
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

    #[test]
    fn http_only_for_loopback_unless_allowed() {
        assert!(check_url("http://127.0.0.1:8080/token", false).is_ok());
        assert!(check_url("http://[::1]:8080/token", false).is_ok());
        assert!(check_url("http://localhost/token", false).is_ok());
        assert!(check_url("https://idp.example/token", false).is_ok());
        let e = check_url("http://idp.example/token", false).unwrap_err();
        assert!(matches!(e, OAuthError::InsecureUrl { .. }), "{e}");
        assert!(check_url("http://idp.example/token", true).is_ok());
        assert!(matches!(
            check_url("ftp://idp.example/x", true),
            Err(OAuthError::Config(_))
        ));
        assert!(check_url("not a url", false).is_err());
    }
}
