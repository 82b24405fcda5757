//! Which Redis deployment a URL names: one server (`redis://`, `rediss://`), a master watched by
//! Sentinels (`redis+sentinel://`), or a Cluster (`redis+cluster://`); the `rediss+` forms use TLS
//! to every node. The crate's own parser reads the credentials and the database, so a password
//! is decoded the same way in every form.

use redis::{ConnectionAddr, ConnectionInfo};

/// Sentinels listen on 26379 unless told otherwise; Redis servers on 6379.
const SENTINEL_PORT: u16 = 26379;
const SERVER_PORT: u16 = 6379;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// Ask these sentinels which server is the master of this name.
    Sentinel { master: String },
    /// Any of these seeds; the node serving pancred's hash slot answers `MOVED` to it.
    Cluster,
}

/// A Sentinel or Cluster URL, read.
#[derive(Debug, Clone)]
pub(super) struct Topology {
    pub kind: Kind,
    /// The sentinels, or the cluster's seed nodes.
    pub nodes: Vec<(String, u16)>,
    pub tls: bool,
    /// The master's (or every cluster node's) credentials and database; its address is a
    /// placeholder replaced by [`Topology::at`].
    pub info: ConnectionInfo,
}

/// What is expected, for messages about a URL that is not valid.
pub(super) const FORMS: &str = "redis://[USER][:PASSWORD@]HOST[:PORT][/DB], \
    redis+sentinel://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...]/MASTER_NAME[/DB], \
    redis+cluster://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...], or their rediss... forms (TLS)";

/// `Ok(None)` for a one-server URL (the crate reads it); `Err` with what is wrong (never the
/// URL itself: it may hold a password).
pub(super) fn parse(url: &str) -> Result<Option<Topology>, String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Ok(None);
    };
    let (tls, sentinel) = match scheme.to_ascii_lowercase().as_str() {
        "redis+sentinel" => (false, true),
        "rediss+sentinel" => (true, true),
        "redis+cluster" => (false, false),
        "rediss+cluster" => (true, false),
        _ => return Ok(None),
    };
    let (userinfo, after) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    if after.contains(['?', '#']) {
        return Err("it takes no query or fragment".into());
    }
    let (hosts, path) = match after.find('/') {
        Some(i) => (&after[..i], &after[i + 1..]),
        None => (after, ""),
    };
    let default_port = if sentinel { SENTINEL_PORT } else { SERVER_PORT };
    let nodes = hosts
        .split(',')
        .map(|h| node(h.trim(), default_port))
        .collect::<Result<Vec<_>, _>>()?;
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let (kind, db) = if sentinel {
        let master = parts
            .next()
            .ok_or("it names no master (…/MASTER_NAME[/DB])")?;
        (
            Kind::Sentinel {
                master: master.to_string(),
            },
            parts.next(),
        )
    } else {
        (Kind::Cluster, parts.next().filter(|d| *d != "0"))
    };
    if parts.next().is_some() || (kind == Kind::Cluster && db.is_some()) {
        return Err(match kind {
            Kind::Cluster => "a cluster has one database: nothing may follow the nodes".into(),
            Kind::Sentinel { .. } => "only /MASTER_NAME[/DB] may follow the sentinels".into(),
        });
    }
    let db = match db {
        Some(d) => d
            .parse::<i64>()
            .ok()
            .filter(|d| *d >= 0)
            .ok_or("its database is not a number")?,
        None => 0,
    };
    // The crate reads the credentials (decoding %-escapes) from a one-server URL.
    let one = format!(
        "redis://{}127.0.0.1/{db}",
        userinfo.map(|u| format!("{u}@")).unwrap_or_default()
    );
    let info: ConnectionInfo = one
        .parse()
        .map_err(|_| "its user or password is not valid".to_string())?;
    Ok(Some(Topology {
        kind,
        nodes,
        tls,
        info,
    }))
}

/// `HOST[:PORT]`, `[V6]:PORT`.
fn node(text: &str, default_port: u16) -> Result<(String, u16), String> {
    let bad = || "one of its HOST:PORT addresses is not valid".to_string();
    let (host, port) = match text.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or_else(bad)?;
            (host, after.strip_prefix(':'))
        }
        None => match text.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (text, None),
        },
    };
    if host.is_empty() || host.contains([':', ' ']) && !text.starts_with('[') {
        return Err(bad());
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad)?,
        None => default_port,
    };
    Ok((host.to_string(), port))
}

impl Topology {
    /// The address of one node, in this topology's transport.
    pub fn addr(&self, host: &str, port: u16) -> ConnectionAddr {
        match self.tls {
            false => ConnectionAddr::Tcp(host.to_string(), port),
            true => ConnectionAddr::TcpTls {
                host: host.to_string(),
                port,
                insecure: false,
                tls_params: None,
            },
        }
    }

    /// How to reach a master or cluster node at `host:port`.
    pub fn at(&self, host: &str, port: u16) -> ConnectionInfo {
        self.info.clone().set_addr(self.addr(host, port))
    }

    /// "Redis Sentinel (master 'NAME')" or "Redis Cluster": for messages.
    pub fn name(&self) -> String {
        match &self.kind {
            Kind::Sentinel { master } => format!(
                "Redis Sentinel (master '{}')",
                crate::text::Safe(master.as_str())
            ),
            Kind::Cluster => "Redis Cluster".to_string(),
        }
    }
}

/// Whether a key prefix holds a Redis Cluster hash tag (`{...}` with something inside): every
/// key under it then lives in one hash slot, so each script's keys sit on one node.
pub(super) fn has_hash_tag(prefix: &str) -> bool {
    prefix
        .split_once('{')
        .and_then(|(_, after)| after.split_once('}'))
        .is_some_and(|(tag, _)| !tag.is_empty())
}

/// The prefix a cluster store uses: the one given when it holds a hash tag, else the same
/// words in braces (`pancred:` becomes `{pancred}:`, `team-a:` becomes `{team-a:}`).
pub(super) fn cluster_prefix(prefix: &str) -> String {
    if has_hash_tag(prefix) {
        prefix.to_string()
    } else if let Some(word) = prefix.strip_suffix(':').filter(|w| !w.is_empty()) {
        format!("{{{word}}}:")
    } else {
        format!("{{{prefix}}}")
    }
}

/// The URL of a topology with its password masked, as [`super::redact_url`] shows it; `None`
/// when it is not a Sentinel or Cluster URL.
pub(super) fn redact(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let lower = scheme.to_ascii_lowercase();
    if !lower.ends_with("+sentinel") && !lower.ends_with("+cluster") {
        return None;
    }
    let mask = crate::secret::MASK;
    Some(match rest.rfind('@') {
        None => url.to_string(),
        Some(at) => {
            let user = match rest[..at].split_once(':') {
                Some((user, _)) => format!("{user}:{mask}"),
                None => mask.to_string(),
            };
            format!("{scheme}://{user}@{}", &rest[at + 1..])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinel_urls() {
        let t = parse("redis+sentinel://app:s3cret@127.0.0.1:26379,[::1]:26380,h/mymaster/2")
            .unwrap()
            .unwrap();
        assert_eq!(
            t.kind,
            Kind::Sentinel {
                master: "mymaster".into()
            }
        );
        assert_eq!(
            t.nodes,
            vec![
                ("127.0.0.1".into(), 26379),
                ("::1".into(), 26380),
                ("h".into(), SENTINEL_PORT)
            ]
        );
        assert!(!t.tls);
        assert_eq!(t.info.redis_settings().db(), 2);
        assert_eq!(t.info.redis_settings().username(), Some("app"));
        assert_eq!(t.info.redis_settings().password(), Some("s3cret"));
        let t = parse("rediss+sentinel://h:1/m/").unwrap().unwrap();
        assert!(t.tls);
        assert_eq!(t.info.redis_settings().db(), 0);
    }

    #[test]
    fn cluster_urls() {
        let t = parse("redis+cluster://:p%40ss@127.0.0.1:7000,127.0.0.1:7001/")
            .unwrap()
            .unwrap();
        assert_eq!(t.kind, Kind::Cluster);
        assert_eq!(t.nodes.len(), 2);
        assert_eq!(t.info.redis_settings().password(), Some("p@ss"));
        assert!(parse("redis://127.0.0.1:6379/").unwrap().is_none());
    }

    #[test]
    fn bad_urls_say_what_is_wrong_without_the_url() {
        for url in [
            "redis+sentinel://:hunter2@h:1",
            "redis+sentinel://:hunter2@h:1/m/x",
            "redis+sentinel://:hunter2@h:1/m/0/extra",
            "redis+sentinel://:hunter2@h:notaport/m",
            "redis+sentinel://:hunter2@/m",
            "redis+cluster://:hunter2@h:1,/",
            "redis+cluster://:hunter2@h:1/3",
            "redis+cluster://:hunter2@h:1?x=1",
            "redis+cluster://:hunter2@h:0",
        ] {
            let err = parse(url).expect_err(url);
            assert!(!err.contains("hunter2"), "{url}: {err}");
        }
    }

    #[test]
    fn cluster_prefixes_hold_a_hash_tag() {
        assert_eq!(cluster_prefix("pancred:"), "{pancred}:");
        assert_eq!(cluster_prefix("{fleet-a}:"), "{fleet-a}:");
        assert_eq!(cluster_prefix("team:a"), "{team:a}");
        assert_eq!(cluster_prefix("a{}b:"), "{a{}b}:");
        assert!(has_hash_tag("x{y}z"));
        assert!(!has_hash_tag("x{}z"));
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("redis+sentinel://u:s3cret@h:1,h:2/m").unwrap(),
            "redis+sentinel://u:******@h:1,h:2/m"
        );
        assert_eq!(
            redact("rediss+cluster://s3cret@h:1").unwrap(),
            "rediss+cluster://******@h:1"
        );
        assert!(redact("redis://:p@h/").is_none());
        assert!(redact("redis+unix:///run/redis.sock?pass=p").is_none());
    }
}
