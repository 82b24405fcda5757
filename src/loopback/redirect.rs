//! Which loopback address, port and path a redirect URI asks pancred to serve (RFC 8252 §7.3).

use super::LoopbackError;
use crate::rules::loopback::loopback_redirect;
use std::net::IpAddr;
use url::Url;

/// What to listen on for a redirect URI.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub url: Url,
    pub ip: IpAddr,
    /// 0 asks the OS for a free port.
    pub port: u16,
}

/// Reads a loopback redirect URI. `port_override` (the `--port` flag) wins over the URI's port;
/// a URI without a port, or port 0, means an ephemeral port.
pub(crate) fn parse(
    redirect_uri: &str,
    port_override: Option<u16>,
) -> Result<Target, LoopbackError> {
    let refuse = |reason: &str| LoopbackError::NotLoopback {
        uri: redirect_uri.to_string(),
        reason: reason.to_string(),
    };
    let (url, ip) =
        loopback_redirect(redirect_uri).map_err(|reason| refuse(&reason.to_string()))?;
    let port = port_override.or(url.port()).unwrap_or(0);
    Ok(Target { url, ip, port })
}

/// The redirect URI with the port actually bound.
pub(crate) fn with_port(url: &Url, port: u16) -> String {
    let mut url = url.clone();
    // Cannot fail: the URL is http with a host.
    let _ = url.set_port(Some(port));
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_hosts() {
        let t = parse("http://127.0.0.1:8765/cb", None).unwrap();
        assert_eq!((t.ip, t.port), ("127.0.0.1".parse().unwrap(), 8765));
        assert_eq!(parse("http://127.0.0.1/cb", None).unwrap().port, 0);
        assert_eq!(parse("http://127.0.0.1:8765/cb", Some(0)).unwrap().port, 0);
        assert_eq!(
            parse("http://127.0.0.1:8765/cb", Some(9000)).unwrap().port,
            9000
        );
        assert_eq!(
            parse("http://[::1]:1/cb", None).unwrap().ip,
            "::1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            parse("http://localhost:1/", None).unwrap().ip,
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
        let t = parse("http://localhost/cb?x=1", None).unwrap();
        assert_eq!(with_port(&t.url, 4321), "http://localhost:4321/cb?x=1");
    }

    #[test]
    fn refuses_what_it_cannot_serve() {
        for uri in [
            "https://127.0.0.1:1/cb",
            "http://example.com:1/cb",
            "http://10.0.0.1:1/cb",
            "http://127.0.0.1:1/cb#x",
            "not a url",
        ] {
            assert!(
                matches!(parse(uri, None), Err(LoopbackError::NotLoopback { .. })),
                "{uri}"
            );
        }
    }
}
