//! Which hosts are loopback (RFC 8252 §7.3 and §8.3): every address of 127.0.0.0/8, `::1`, and
//! the name `localhost` in any case. Nothing else: not `localhost.example`, not
//! `127.0.0.1.example.com`, not an IPv4-mapped `::ffff:127.0.0.1`. Plain http to a loopback host
//! cannot be read off the network, and a redirect to one can be caught by a listener here.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use url::{Host, Url};

pub fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.is_loopback()
}

/// The address a listener for `host` binds: the address itself, or 127.0.0.1 for `localhost`
/// (the name stays in the redirect URI, where the provider compares it). `None`: not loopback.
pub fn loopback_ip(host: &Host<&str>) -> Option<IpAddr> {
    let ip = match host {
        Host::Ipv4(a) => IpAddr::V4(*a),
        Host::Ipv6(a) => IpAddr::V6(*a),
        Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Host::Domain(_) => return None,
    };
    is_loopback_ip(ip).then_some(ip)
}

pub fn is_loopback_host(host: &Host<&str>) -> bool {
    loopback_ip(host).is_some()
}

/// Why a redirect URI is not one a native app can catch on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectRefusal {
    NotAUrl(url::ParseError),
    NotHttp,
    Fragment,
    NotLoopback,
}

impl fmt::Display for RedirectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefusal::NotAUrl(e) => write!(f, "{e}"),
            RedirectRefusal::NotHttp => {
                f.write_str("a loopback redirect uses plain http:// (RFC 8252 §7.3)")
            }
            RedirectRefusal::Fragment => f.write_str("a redirect URI cannot have a #fragment"),
            RedirectRefusal::NotLoopback => f.write_str(
                "its host is not in 127.0.0.0/8, [::1] or localhost, so no local listener can catch it",
            ),
        }
    }
}

/// A loopback redirect URI (RFC 8252 §7.3): plain http, a loopback host, no fragment, any port.
/// Gives the parsed URI and the address to listen on.
pub fn loopback_redirect(uri: &str) -> Result<(Url, IpAddr), RedirectRefusal> {
    let url = Url::parse(uri).map_err(RedirectRefusal::NotAUrl)?;
    if url.scheme() != "http" {
        return Err(RedirectRefusal::NotHttp);
    }
    if url.fragment().is_some() {
        return Err(RedirectRefusal::Fragment);
    }
    let ip = url
        .host()
        .as_ref()
        .and_then(loopback_ip)
        .ok_or(RedirectRefusal::NotLoopback)?;
    Ok((url, ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("127.0.0.1", Some("127.0.0.1"))]
    #[case("127.0.0.2", Some("127.0.0.2"))]
    #[case("127.255.255.254", Some("127.255.255.254"))]
    #[case("[::1]", Some("::1"))]
    #[case("localhost", Some("127.0.0.1"))]
    #[case("LocalHost", Some("127.0.0.1"))]
    #[case("128.0.0.1", None)]
    #[case("10.0.0.1", None)]
    #[case("0.0.0.0", None)]
    #[case("[::]", None)]
    #[case("[::ffff:127.0.0.1]", None)]
    #[case("localhost.example", None)]
    #[case("127.0.0.1.example.com", None)]
    #[case("example.com", None)]
    fn which_hosts_are_loopback(#[case] host: &str, #[case] ip: Option<&str>) {
        let url = Url::parse(&format!("http://{host}:1/")).unwrap();
        let want = ip.map(|s| s.parse::<IpAddr>().unwrap());
        assert_eq!(loopback_ip(&url.host().unwrap()), want, "{host}");
        assert_eq!(is_loopback_host(&url.host().unwrap()), want.is_some());
    }

    #[rstest]
    #[case("http://127.0.0.1:8080/callback", Ok("127.0.0.1"))]
    #[case("http://127.0.0.2/cb", Ok("127.0.0.2"))]
    #[case("http://localhost/cb?x=1", Ok("127.0.0.1"))]
    #[case("http://[::1]:9/x?y=1", Ok("::1"))]
    #[case("https://127.0.0.1/", Err(RedirectRefusal::NotHttp))]
    #[case("myapp://callback", Err(RedirectRefusal::NotHttp))]
    #[case("javascript:alert(1)", Err(RedirectRefusal::NotHttp))]
    #[case("http://127.0.0.1/#frag", Err(RedirectRefusal::Fragment))]
    #[case("http://example.com/cb", Err(RedirectRefusal::NotLoopback))]
    #[case("http://192.0.2.1:1/cb", Err(RedirectRefusal::NotLoopback))]
    #[case("http://127.0.0.1.example.com/", Err(RedirectRefusal::NotLoopback))]
    #[case("http://localhost.evil/", Err(RedirectRefusal::NotLoopback))]
    fn loopback_redirects(#[case] uri: &str, #[case] want: Result<&str, RedirectRefusal>) {
        let got = loopback_redirect(uri).map(|(_, ip)| ip);
        assert_eq!(got, want.map(|s| s.parse::<IpAddr>().unwrap()), "{uri}");
    }

    #[test]
    fn not_a_url_says_why() {
        let e = loopback_redirect("not a url").unwrap_err();
        assert!(matches!(e, RedirectRefusal::NotAUrl(_)));
        assert!(!e.to_string().is_empty());
    }
}
