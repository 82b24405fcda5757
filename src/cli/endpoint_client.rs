//! Asking a token endpoint of `pancred exec --serve` (see `serve.rs`): what `pancred token` and
//! `kubectl-credential` do first when `PANCRED_TOKEN_SOCKET` or `PANCRED_TOKEN_URL` is set, in a
//! command run under `--serve` or on a remote host whose forwarded socket leads back to one. No
//! store is read: the endpoint's pancred holds the grant.
//!
//! Plain blocking HTTP/1.0 over the standard library, so the small `pancred` answers it too.

use crate::env::EndpointSettings;
use crate::oauth::OAuthError;
use crate::secret::Secret;
use crate::Error;
use serde::Deserialize;
use std::io::{Read, Write};
use std::time::Duration;

/// An endpoint's answer is a few hundred bytes; anything far larger is not one.
const MAX_ANSWER: u64 = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(60);

/// A token the endpoint answered.
#[derive(Debug)]
pub struct Answer {
    pub token: Secret,
    pub expires_at: Option<i64>,
    /// The profile the endpoint serves.
    pub profile: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    access_token: Option<String>,
    expires_at: Option<i64>,
    profile: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The endpoint's token when one is set: the socket first, else the URL with its bearer.
pub fn fetch(endpoint: &EndpointSettings) -> Option<Result<Answer, Error>> {
    let (label, result) = ask(endpoint, None)?;
    Some(
        result
            .map_err(|e| e.at(&label))
            .and_then(|(status, body)| read_answer(&label, status, &body)),
    )
}

/// A DPoP proof for one request (`GET /dpop-proof?method=M&url=U[&nonce=N]`, see
/// `serve_proof.rs`), signed by the endpoint's pancred with the key it holds.
pub fn fetch_proof(
    endpoint: &EndpointSettings,
    method: &str,
    url: &str,
    nonce: Option<&str>,
) -> Option<Result<String, Error>> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("method", method).append_pair("url", url);
    if let Some(nonce) = nonce {
        query.append_pair("nonce", nonce);
    }
    let target = format!("{}?{}", super::serve_proof::PATH, query.finish());
    let (label, result) = ask(endpoint, Some(&target))?;
    Some(
        result
            .map_err(|e| e.at(&label))
            .and_then(|(status, body)| read_proof(&label, status, &body)),
    )
}

/// The endpoint's label and its answer to `target` (`None`: its token).
fn ask(
    endpoint: &EndpointSettings,
    target: Option<&str>,
) -> Option<(String, Result<Reply, Failure>)> {
    Some(if let Some(socket) = &endpoint.socket {
        (
            format!("the token endpoint {}", socket.display()),
            from_socket(socket, target.unwrap_or("/token")),
        )
    } else {
        let url = endpoint.url.as_deref()?;
        (
            format!("the token endpoint {url}"),
            from_url(url, target, endpoint.auth.as_ref()),
        )
    })
}

/// An answer's status and body.
type Reply = (u16, Vec<u8>);

enum Failure {
    Io(std::io::Error),
    Refused(String),
}

impl Failure {
    fn at(self, label: &str) -> Error {
        match self {
            Failure::Io(e) => Error::Other(format!(
                "{}: {e} (is the `pancred exec --serve` that set it still running?)",
                crate::text::Safe(label)
            )),
            Failure::Refused(why) => Error::Usage(format!("{}: {why}", crate::text::Safe(label))),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

#[cfg(unix)]
fn from_socket(path: &std::path::Path, target: &str) -> Result<(u16, Vec<u8>), Failure> {
    let mut stream = std::os::unix::net::UnixStream::connect(path)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    exchange(
        &mut stream,
        &format!("GET {target} HTTP/1.0\r\nHost: pancred\r\n\r\n"),
    )
}

#[cfg(not(unix))]
fn from_socket(_path: &std::path::Path, _target: &str) -> Result<(u16, Vec<u8>), Failure> {
    Err(Failure::Refused(
        "Unix sockets are not available here".into(),
    ))
}

/// `target`: a path and query on the URL's host (`None`: the URL's own).
fn from_url(
    url: &str,
    target: Option<&str>,
    auth: Option<&Secret>,
) -> Result<(u16, Vec<u8>), Failure> {
    let parsed = url::Url::parse(url).map_err(|_| Failure::Refused("not a URL".into()))?;
    let host = parsed
        .host()
        .ok_or_else(|| Failure::Refused("the URL has no host".into()))?;
    // The bearer travels in clear text: only to this machine.
    if parsed.scheme() != "http" || !crate::rules::loopback::is_loopback_host(&host) {
        return Err(Failure::Refused(
            "only an http:// URL on a loopback address is used (the bearer is sent in clear text)"
                .into(),
        ));
    }
    let auth =
        auth.ok_or_else(|| Failure::Refused(format!("{} is not set", crate::env::TOKEN_AUTH)))?;
    let addrs = parsed.socket_addrs(|| None)?;
    let addr = addrs
        .first()
        .ok_or_else(|| Failure::Refused("the URL names no address".into()))?;
    let mut stream = std::net::TcpStream::connect_timeout(addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let path = match (target, parsed.query()) {
        (Some(t), _) => t.to_string(),
        (None, Some(q)) => format!("{}?{q}", parsed.path()),
        (None, None) => parsed.path().to_string(),
    };
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: pancred\r\nAuthorization: Bearer {}\r\n\r\n",
        auth.expose()
    );
    exchange(&mut stream, &request)
}

/// Sends the request and reads the whole answer (bounded): its status and body.
fn exchange(stream: &mut (impl Read + Write), request: &str) -> Result<(u16, Vec<u8>), Failure> {
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.take(MAX_ANSWER).read_to_end(&mut raw)?;
    let bad = || Failure::Refused("the answer is not HTTP".into());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(bad)?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| bad())?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| head.starts_with("HTTP/1."))
        .ok_or_else(bad)?;
    Ok((status, raw[end + 4..].to_vec()))
}

fn read_answer(label: &str, status: u16, body: &[u8]) -> Result<Answer, Error> {
    let parsed: Option<Body> = serde_json::from_slice(body).ok();
    match (status, parsed) {
        (
            200,
            Some(Body {
                access_token: Some(token),
                expires_at,
                profile,
                ..
            }),
        ) if !token.is_empty() && !token.chars().any(char::is_control) => Ok(Answer {
            token: Secret::new(token),
            expires_at,
            profile,
        }),
        (_, Some(Body { error: Some(_), .. })) if status != 200 => {
            Err(refusal(label, status, body))
        }
        _ => Err(Error::Other(format!(
            "{}: an answer without a usable token (HTTP {status})",
            crate::text::Safe(label)
        ))),
    }
}

/// A proof answered: one line of base64url segments; else the endpoint's error.
fn read_proof(label: &str, status: u16, body: &[u8]) -> Result<String, Error> {
    if status != 200 {
        return Err(refusal(label, status, body));
    }
    let proof = std::str::from_utf8(body).unwrap_or_default().trim();
    let jws = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if proof.is_empty() || !proof.chars().all(jws) {
        return Err(Error::Other(format!(
            "{}: an answer without a usable proof (HTTP {status})",
            crate::text::Safe(label)
        )));
    }
    Ok(proof.to_string())
}

/// The endpoint's refusal: its JSON `error` when it sent one.
fn refusal(label: &str, status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<Body>(body) {
        Ok(Body {
            error: Some(error),
            error_description,
            ..
        }) => Error::Provider(OAuthError::Refused {
            endpoint: label.to_string(),
            status,
            error,
            description: error_description,
        }),
        _ => Error::Other(format!(
            "{}: refused (HTTP {status})",
            crate::text::Safe(label)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_refusals() {
        let ok = read_answer(
            "e",
            200,
            br#"{"access_token":"t","token_type":"Bearer","expires_at":5,"profile":"p"}"#,
        )
        .unwrap();
        assert_eq!((ok.token.expose(), ok.expires_at), ("t", Some(5)));
        let refused = read_answer("e", 502, br#"{"error":"invalid_grant"}"#).unwrap_err();
        assert!(matches!(refused, Error::Provider(_)), "{refused:?}");
        for (status, body) in [
            (200, &b"{}"[..]),
            (200, br#"{"access_token":"a\nb"}"#),
            (200, b"<html>"),
            (500, b""),
        ] {
            assert!(matches!(
                read_answer("e", status, body),
                Err(Error::Other(_))
            ));
        }
    }

    #[test]
    fn a_bearer_is_never_sent_off_this_machine() {
        let auth = Secret::new("b");
        for url in [
            "https://127.0.0.1:1/token",
            "http://example.com/token",
            "http://10.0.0.1/t",
        ] {
            assert!(
                matches!(from_url(url, None, Some(&auth)), Err(Failure::Refused(_))),
                "{url}"
            );
        }
    }
}
