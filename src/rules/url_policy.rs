//! Which endpoint URLs may receive credentials: https; plain http only to a loopback host
//! ([`super::loopback`]), where nobody on the network can read it, unless the profile sets
//! `allow_insecure_http`. The provider calls check this before sending anything, and the TUI
//! form before saving, so both give the same answer.

use super::loopback::is_loopback_host;
use url::Url;

/// Why an endpoint URL is refused. The texts are short enough for the TUI form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("not a URL: {0}")]
    NotAUrl(url::ParseError),
    #[error("{0}: only http and https URLs")]
    Scheme(String),
    #[error("use https (plain http only to loopback)")]
    InsecureHttp,
}

/// Checks an endpoint URL and gives it back parsed.
/// A URL setting as typed (a form, an `init` file): empty is fine (unset); otherwise the endpoint
/// policy of the provider calls.
pub fn check_setting(value: &str, insecure_ok: bool) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    check_endpoint(value, insecure_ok)
        .map(|_| ())
        .map_err(|refusal| refusal.to_string())
}

pub fn check_endpoint(url: &str, allow_insecure_http: bool) -> Result<Url, UrlRefusal> {
    let parsed = Url::parse(url).map_err(UrlRefusal::NotAUrl)?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if allow_insecure_http || parsed.host().as_ref().is_some_and(is_loopback_host) => {
            Ok(parsed)
        }
        "http" => Err(UrlRefusal::InsecureHttp),
        other => Err(UrlRefusal::Scheme(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const OK: Result<(), UrlRefusal> = Ok(());
    const INSECURE: Result<(), UrlRefusal> = Err(UrlRefusal::InsecureHttp);

    #[rstest]
    #[case("https://idp.example/token", false, OK)]
    #[case("https://127.0.0.1/token", false, OK)]
    #[case("http://127.0.0.1:8080/token", false, OK)]
    #[case("http://127.0.0.2:8080/token", false, OK)]
    #[case("http://127.9.9.9/token", false, OK)]
    #[case("http://[::1]:8080/token", false, OK)]
    #[case("http://localhost/token", false, OK)]
    #[case("http://LOCALHOST/token", false, OK)]
    #[case("http://idp.example/token", false, INSECURE)]
    #[case("http://10.0.0.1/token", false, INSECURE)]
    #[case("http://localhost.example/token", false, INSECURE)]
    #[case("http://[::ffff:127.0.0.1]/token", false, INSECURE)]
    #[case("http://idp.example/token", true, OK)]
    #[case("ftp://idp.example/x", true, Err(UrlRefusal::Scheme("ftp".into())))]
    #[case("file:///etc/passwd", false, Err(UrlRefusal::Scheme("file".into())))]
    fn endpoint_policy(
        #[case] url: &str,
        #[case] allow_insecure_http: bool,
        #[case] want: Result<(), UrlRefusal>,
    ) {
        assert_eq!(
            check_endpoint(url, allow_insecure_http).map(|_| ()),
            want,
            "{url}"
        );
    }

    #[test]
    fn not_a_url() {
        assert!(matches!(
            check_endpoint("not a url", true),
            Err(UrlRefusal::NotAUrl(_))
        ));
    }
}
