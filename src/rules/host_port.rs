//! A host as git and a profile's `git_hosts` write it: `name`, `name:port`, `[v6]` or
//! `[v6]:port`. git's credential helper, its storing-helper warning and the context rules all split
//! it here.

/// A `host` attribute (or a `git_hosts` entry) split into its name and port: `name`,
/// `name:port`, `[v6]` or `[v6]:port`. `None` when the port is not a number.
pub fn host_and_port(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        match after.strip_prefix(':') {
            Some(p) => (inside, Some(p)),
            None if after.is_empty() => (inside, None),
            None => return None,
        }
    } else {
        match host.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((name, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_split_into_name_and_port() {
        assert_eq!(host_and_port("h"), Some(("h", None)));
        assert_eq!(host_and_port("h:8443"), Some(("h", Some(8443))));
        assert_eq!(host_and_port("[::1]:80"), Some(("::1", Some(80))));
        assert_eq!(host_and_port("[::1]"), Some(("::1", None)));
        assert_eq!(host_and_port("h:x"), None);
        assert_eq!(host_and_port("h:99999"), None);
    }
}
