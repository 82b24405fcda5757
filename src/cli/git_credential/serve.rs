//! Which git requests a profile answers. A token is a bearer credential: whoever sees it can use
//! it, so it goes only where the user meant it to go.
//! - `protocol=https`; plain `http` only to a loopback host (nobody on the network can read it)
//!   or for a profile with `allow_insecure_http` (the rule of [`crate::rules::url_policy`]).
//!   Anything else (`cert`, `smtp`, ...) is not a request for a token.
//! - `git_hosts`, when set: `host` is that host on the protocol's default port only,
//!   `host:port` that port only.
//! - The username git asks for (`username=`, from `https://alice@host` or the configuration)
//!   must be the one answered (`--username`, default `oauth2`): a request for another user is
//!   not this profile's.

use super::request::Request;
use crate::rules::host_port::host_and_port;
use crate::rules::loopback::is_loopback_host;
use crate::Profile;
use std::fmt;

/// Why a request gets no answer. git then asks its next helper, or the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decline {
    /// Plain http to a host on the network: said on stderr, since the user may wonder why.
    InsecureHttp {
        host: String,
    },
    NotHttps,
    OtherHost,
    OtherUser,
}

impl Decline {
    /// Said on stderr (git shows a helper's stderr); the other refusals are an ordinary
    /// "not mine", for the next helper.
    pub fn worth_saying(&self) -> bool {
        matches!(self, Decline::InsecureHttp { .. })
    }
}

impl fmt::Display for Decline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decline::InsecureHttp { host } => write!(
                f,
                "no token for http://{}: plain http would send it in clear text; use https \
                 (or set allow_insecure_http in the profile)",
                crate::text::Safe(host)
            ),
            Decline::NotHttps => f.write_str("not an https request"),
            Decline::OtherHost => f.write_str("a host not in the profile's git_hosts"),
            Decline::OtherUser => f.write_str("a request for another username"),
        }
    }
}

/// `None` when `profile` (the stored profile, if any) answers `request` as `username`.
pub fn decline(profile: Option<&Profile>, request: &Request, username: &str) -> Option<Decline> {
    let host = request.get("host").unwrap_or_default();
    let parsed = host_and_port(host);
    let default_port = match request.get("protocol") {
        Some("https") => 443,
        Some("http") => {
            let loopback = parsed
                .and_then(|(name, _)| url::Host::parse(&bracketed(name)).ok())
                .is_some_and(|h| is_loopback_host(&borrowed(&h)));
            if !(loopback || profile.is_some_and(|p| p.allow_insecure_http)) {
                return Some(Decline::InsecureHttp {
                    host: host.to_string(),
                });
            }
            80
        }
        _ => return Some(Decline::NotHttps),
    };
    if request.get("username").is_some_and(|u| u != username) {
        return Some(Decline::OtherUser);
    }
    let hosts = profile.map(|p| p.git_hosts.as_slice()).unwrap_or_default();
    if hosts.is_empty() {
        return None;
    }
    let Some((name, port)) = parsed else {
        return Some(Decline::OtherHost);
    };
    let port = port.unwrap_or(default_port);
    let listed = hosts.iter().filter_map(|h| host_and_port(h)).any(|(n, p)| {
        n.trim_end_matches('.')
            .eq_ignore_ascii_case(name.trim_end_matches('.'))
            && p.unwrap_or(default_port) == port
    });
    (!listed).then_some(Decline::OtherHost)
}

fn borrowed(h: &url::Host) -> url::Host<&str> {
    match h {
        url::Host::Domain(d) => url::Host::Domain(d.as_str()),
        url::Host::Ipv4(a) => url::Host::Ipv4(*a),
        url::Host::Ipv6(a) => url::Host::Ipv6(*a),
    }
}

/// An IPv6 address as `url::Host::parse` wants it.
fn bracketed(name: &str) -> String {
    if name.contains(':') {
        format!("[{name}]")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::request::read_request;
    use super::*;
    use rstest::rstest;

    fn profile(hosts: &[&str], insecure: bool) -> Profile {
        Profile {
            git_hosts: hosts.iter().map(|h| h.to_string()).collect(),
            allow_insecure_http: insecure,
            ..Profile::new("p")
        }
    }

    fn req(protocol: &str, host: &str, user: Option<&str>) -> Request {
        let mut text = format!("protocol={protocol}\nhost={host}\n");
        if let Some(u) = user {
            text.push_str(&format!("username={u}\n"));
        }
        read_request(format!("{text}\n").as_bytes()).unwrap()
    }

    const OK: Option<Decline> = None;
    const HOST: Option<Decline> = Some(Decline::OtherHost);

    #[rstest]
    #[case(&["git.example"], "https", "git.example", OK)]
    #[case(&["Git.Example"], "https", "git.example:443", OK)]
    #[case(&["git.example"], "https", "git.example.", OK)]
    #[case(&["git.example"], "https", "git.example:8443", HOST)]
    #[case(&["git.example:8443"], "https", "git.example:8443", OK)]
    #[case(&["git.example:8443"], "https", "git.example", HOST)]
    #[case(&["git.example:443"], "https", "git.example", OK)]
    #[case(&["git.example"], "https", "other.example", HOST)]
    #[case(&["git.example"], "https", "git.example.evil", HOST)]
    #[case(&["git.example"], "https", "", HOST)]
    #[case(&[], "https", "anything.example:1", OK)]
    #[case(&["127.0.0.1:8080"], "http", "127.0.0.1:8080", OK)]
    #[case(&["127.0.0.1"], "http", "127.0.0.1:8080", HOST)]
    #[case(&["[::1]:8080"], "http", "[::1]:8080", OK)]
    #[case(&[], "http", "localhost:9", OK)]
    #[case(&[], "cert", "", Some(Decline::NotHttps))]
    #[case(&[], "smtp", "mail.example", Some(Decline::NotHttps))]
    fn hosts_ports_and_protocols(
        #[case] hosts: &[&str],
        #[case] protocol: &str,
        #[case] host: &str,
        #[case] expected: Option<Decline>,
    ) {
        let p = profile(hosts, false);
        assert_eq!(
            decline(Some(&p), &req(protocol, host, None), "oauth2"),
            expected
        );
    }

    #[test]
    fn plain_http_only_to_loopback_or_when_allowed() {
        for host in [
            "git.example",
            "10.0.0.1:80",
            "[::ffff:127.0.0.1]",
            "localhost.example",
        ] {
            let d = decline(
                Some(&profile(&[], false)),
                &req("http", host, None),
                "oauth2",
            );
            assert!(
                matches!(d, Some(Decline::InsecureHttp { .. })),
                "{host}: {d:?}"
            );
            assert!(d.unwrap().worth_saying());
            let d = decline(
                Some(&profile(&[], true)),
                &req("http", host, None),
                "oauth2",
            );
            assert_eq!(d, None, "{host}");
        }
        assert_eq!(
            decline(None, &req("http", "git.example", None), "oauth2"),
            Some(Decline::InsecureHttp {
                host: "git.example".into()
            })
        );
        // The default port of http is 80, not 443.
        let p = profile(&["git.example"], true);
        assert_eq!(
            decline(Some(&p), &req("http", "git.example:80", None), "u"),
            OK
        );
        assert_eq!(
            decline(Some(&p), &req("http", "git.example:443", None), "u"),
            HOST
        );
    }

    #[test]
    fn only_the_username_answered() {
        let p = profile(&["git.example"], false);
        let r = |u| req("https", "git.example", u);
        assert_eq!(decline(Some(&p), &r(Some("oauth2")), "oauth2"), OK);
        assert_eq!(
            decline(Some(&p), &r(Some("alice")), "oauth2"),
            Some(Decline::OtherUser)
        );
        assert_eq!(decline(Some(&p), &r(Some("alice")), "alice"), OK);
        assert_eq!(decline(Some(&p), &r(None), "alice"), OK);
    }
}
