//! Which server a plain Redis URL names: `redis://[USER][:PASSWORD@]HOST[:PORT][/DB]` and the
//! Unix socket forms (`redis+unix:///PATH?db=N&user=U&pass=P`, `unix://...`), read as the Redis
//! store's client reads them. Anything else (TLS, Sentinel, Cluster, a query or fragment the
//! store's client would act on, a URL it would refuse) is not read here: the whole program
//! opens it with the Redis store, which says what is wrong with it.

use crate::secret::Secret;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Addr {
    Tcp(String, u16),
    #[cfg(unix)]
    Unix(PathBuf),
}

/// A server and the login and database to use on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Endpoint {
    pub addr: Addr,
    pub db: i64,
    pub username: Option<String>,
    /// Masked when printed (`Debug`), as every secret is.
    pub password: Option<Secret>,
}

/// Redis' port when the URL names none.
const DEFAULT_PORT: u16 = 6379;

/// The endpoint `url` names, when it is a plain one.
pub(super) fn parse(url: &str) -> Option<Endpoint> {
    let u = url::Url::parse(url).ok()?;
    if u.fragment().is_some() {
        return None;
    }
    match u.scheme() {
        "redis" | "valkey" => tcp(&u),
        #[cfg(unix)]
        "redis+unix" | "valkey+unix" | "unix" => unix(&u),
        _ => None,
    }
}

fn tcp(u: &url::Url) -> Option<Endpoint> {
    if u.query().is_some() {
        return None;
    }
    let host = match u.host()? {
        url::Host::Domain(d) => d.to_string(),
        url::Host::Ipv4(v4) => v4.to_string(),
        url::Host::Ipv6(v6) => v6.to_string(),
    };
    // (A wildcard address is refused by the store's client.)
    if host == "0.0.0.0" || host == "::" {
        return None;
    }
    let db = match u.path().trim_matches('/') {
        "" => 0,
        path => path.parse().ok()?,
    };
    Some(Endpoint {
        addr: Addr::Tcp(host, u.port().unwrap_or(DEFAULT_PORT)),
        db,
        username: decoded(u.username())?,
        password: match u.password() {
            Some(p) => Some(Secret::new(decoded(p)?.unwrap_or_default())),
            None => None,
        },
    })
}

/// `Some(None)` for an empty part, `None` when it is not UTF-8 once decoded.
fn decoded(part: &str) -> Option<Option<String>> {
    if part.is_empty() {
        return Some(None);
    }
    let text = percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .ok()?;
    Some(Some(text.into_owned()))
}

#[cfg(unix)]
fn unix(u: &url::Url) -> Option<Endpoint> {
    if !u.username().is_empty() || u.password().is_some() {
        return None;
    }
    let path = u.to_file_path().ok()?;
    let (mut db, mut username, mut password) = (None, None, None);
    for (k, v) in u.query_pairs() {
        let slot = match k.as_ref() {
            "db" => &mut db,
            "user" => &mut username,
            "pass" => &mut password,
            _ => return None,
        };
        // A key given twice: not guessed at.
        if slot.replace(v.into_owned()).is_some() {
            return None;
        }
    }
    Some(Endpoint {
        addr: Addr::Unix(path),
        db: match db {
            Some(d) => d.parse().ok()?,
            None => 0,
        },
        username,
        password: password.map(Secret::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store's client (the redis crate) reads every URL read here the same way: server,
    /// database, user and password.
    #[test]
    fn a_plain_url_means_what_it_means_to_the_redis_store() {
        let urls = [
            "redis://127.0.0.1:6380/",
            "redis://127.0.0.1",
            "redis://localhost:6379/3",
            "redis://[::1]:7000/",
            "redis://:s3cret@127.0.0.1:6379/",
            "redis://alice:s%40cr%3At@cache.example:1/2",
            "redis://alice@h/",
            "redis://%E2%82%AC:%E2%82%AC@h/",
            "valkey://h:1/0",
            "redis://h//4//",
            "redis+unix:///run/redis.sock",
            "redis+unix:///run/redis.sock?db=2&pass=s3cret",
            "unix:///run/redis.sock?user=app&pass=pw&db=1",
            "redis://h/-1",
        ];
        for url in urls {
            let ours = parse(url).unwrap_or_else(|| panic!("{url} was not read"));
            let theirs: redis::ConnectionInfo = url.parse().unwrap();
            let addr = match theirs.addr() {
                redis::ConnectionAddr::Tcp(h, p) => Addr::Tcp(h.clone(), *p),
                redis::ConnectionAddr::Unix(p) => Addr::Unix(p.clone()),
                other => panic!("{url}: {other:?}"),
            };
            let r = theirs.redis_settings();
            assert_eq!(ours.addr, addr, "{url}");
            assert_eq!(ours.db, r.db(), "{url}");
            assert_eq!(ours.username.as_deref(), r.username(), "{url}");
            assert_eq!(
                ours.password.as_ref().map(Secret::expose),
                r.password(),
                "{url}"
            );
        }
    }

    /// What is not plain, or what the store's client would refuse or read otherwise, is left to
    /// the Redis store.
    #[test]
    fn anything_else_is_the_redis_stores() {
        for url in [
            "rediss://h:6380/",
            "redis+sentinel://h:26379/mymaster",
            "redis+cluster://h:7000",
            "redis://h/?protocol=resp3",
            "redis://h/#insecure",
            "redis://0.0.0.0/",
            "redis://[::]/",
            "redis://h/x",
            "redis:///nohost",
            "redis://:%FF@h/",
            "redis+unix:///s?db=x",
            "redis+unix:///s?protocol=3",
            "redis+unix:///s?db=1&db=2",
            "http://h/",
            "not a url",
            "",
        ] {
            assert_eq!(parse(url), None, "{url}");
        }
    }
}
