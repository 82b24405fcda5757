//! Git remotes as the context rules see them: a host, a port and the path's segments (`owner`,
//! `repo`), from a rule (`github.com/acme`), from git's request to its helper (`host` and, with
//! `credential.useHttpPath`, `path`), or from the current folder's repository, read from its
//! files (`.git/config`, `HEAD`) without running git.

use super::gitconfig::{read_text, GitConfig};
use crate::rules::host_port::host_and_port;
use std::path::{Path, PathBuf};

/// A remote, or a rule's pattern of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// Lowercase, without a trailing dot.
    pub host: String,
    /// A pattern's port, when it names one; a remote's port (given, or its scheme's default).
    pub port: Option<u16>,
    /// The path's segments, lowercase, the last without `.git`.
    pub segments: Vec<String>,
}

impl Remote {
    fn new(host: &str, port: Option<u16>, path: &str) -> Option<Remote> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return None;
        }
        let mut segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| s.to_lowercase())
            .collect();
        if let Some(last) = segments.last_mut() {
            if let Some(stem) = last.strip_suffix(".git").filter(|s| !s.is_empty()) {
                *last = stem.to_string();
            }
        }
        Some(Remote {
            host,
            port,
            segments,
        })
    }

    /// Whether this pattern covers `remote`: the same host (on the pattern's port, when it names
    /// one), and the pattern's segments are the first of the remote's.
    pub fn covers(&self, remote: &Remote) -> bool {
        self.host == remote.host
            && self.port.is_none_or(|p| Some(p) == remote.port)
            && remote.segments.len() >= self.segments.len()
            && self
                .segments
                .iter()
                .zip(&remote.segments)
                .all(|(a, b)| a == b)
    }

    /// How specific a pattern is: more segments first, then a port.
    pub fn weight(&self) -> (usize, bool) {
        (self.segments.len(), self.port.is_some())
    }
}

/// A rule's `git_remote`: `host[:port][/owner[/repo]]`, a URL's scheme and user allowed (and
/// ignored).
pub fn pattern(text: &str) -> Result<Remote, String> {
    let bad = || {
        format!(
            "git_remote {:?} is not HOST[:PORT][/OWNER[/REPO]] (e.g. github.com/acme)",
            crate::text::safe(text)
        )
    };
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = host_and_port(authority).ok_or_else(bad)?;
    Remote::new(host, port, path).ok_or_else(bad)
}

/// The remote git's request is about: `host` (`name` or `name:port`) and `path` when git sends
/// one.
pub fn from_request(protocol: &str, host: &str, path: Option<&str>) -> Option<Remote> {
    let (name, port) = host_and_port(host)?;
    let port = port.or_else(|| default_port(protocol));
    Remote::new(name, port, path.unwrap_or_default())
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "https" => Some(443),
        "http" => Some(80),
        "ssh" | "git+ssh" | "ssh+git" => Some(22),
        "git" => Some(9418),
        _ => None,
    }
}

/// A remote's URL: `scheme://[user@]host[:port]/path`, or scp's `[user@]host:path`; `None` for
/// a local path.
pub fn from_url(url: &str) -> Option<Remote> {
    if let Some((scheme, rest)) = url.split_once("://") {
        let rest = match rest.split_once('/') {
            Some((authority, path)) => (authority, path),
            None => (rest, ""),
        };
        let authority = rest.0.rsplit_once('@').map_or(rest.0, |(_, h)| h);
        let (host, port) = host_and_port(authority)?;
        let scheme = scheme.to_ascii_lowercase();
        return Remote::new(host, port.or_else(|| default_port(&scheme)), rest.1);
    }
    // scp's form: a colon before any slash (`./a:b` and `/x/a:b` are paths).
    let colon = url.find(':')?;
    if url[..colon].contains('/') {
        return None;
    }
    let host = url[..colon]
        .rsplit_once('@')
        .map_or(&url[..colon], |(_, h)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Remote::new(host, Some(22), &url[colon + 1..])
}

/// The remote of the repository the current folder is in: the current branch's
/// (`branch.NAME.remote`), else `origin`, else the first one configured, its URL rewritten by
/// `url.<base>.insteadOf` as git rewrites it. `None` outside a repository, or when its files
/// cannot be read.
pub fn of_folder(cwd: &Path) -> Option<Remote> {
    let (git_dir, common_dir) = find_git_dir(cwd)?;
    let config = GitConfig::of_repo(&git_dir, &common_dir);
    let head = read_text(&git_dir.join("HEAD")).unwrap_or_default();
    let branch = head.trim().strip_prefix("ref: refs/heads/");
    let remote = branch
        .and_then(|b| config.get("branch", b, "remote"))
        .filter(|r| *r != ".")
        .or_else(|| config.get("remote", "origin", "url").map(|_| "origin"))
        .or_else(|| {
            config
                .entries()
                .iter()
                .find(|e| e.section == "remote" && e.key == "url")
                .map(|e| e.sub.as_str())
        })?;
    from_url(&config.rewrite(config.get("remote", remote, "url")?))
}

/// The repository's own folder and its common folder (where `config` is; another for a linked
/// worktree), for the nearest `.git` at or above `cwd`.
fn find_git_dir(cwd: &Path) -> Option<(PathBuf, PathBuf)> {
    for dir in cwd.ancestors() {
        let dot_git = dir.join(".git");
        let Ok(meta) = std::fs::metadata(&dot_git) else {
            continue;
        };
        let git_dir = if meta.is_dir() {
            dot_git
        } else {
            // A worktree or a submodule: `gitdir: PATH`, relative to the folder.
            let text = read_text(&dot_git)?;
            dir.join(text.trim().strip_prefix("gitdir:")?.trim())
        };
        let common = match read_text(&git_dir.join("commondir")) {
            Some(c) => git_dir.join(c.trim()),
            None => git_dir.clone(),
        };
        return Some((git_dir, common));
    }
    None
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // (the tests make the repositories they read)
mod tests {
    use super::*;

    fn r(host: &str, port: Option<u16>, segs: &[&str]) -> Remote {
        Remote {
            host: host.into(),
            port,
            segments: segs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn urls_of_every_form() {
        let acme = |port| r("github.com", Some(port), &["acme", "tool"]);
        assert_eq!(
            from_url("https://github.com/acme/tool.git"),
            Some(acme(443))
        );
        assert_eq!(from_url("https://u@GitHub.com/acme/tool/"), Some(acme(443)));
        assert_eq!(from_url("git@github.com:acme/tool.git"), Some(acme(22)));
        assert_eq!(
            from_url("ssh://git@github.com:2222/acme/tool"),
            Some(acme(2222))
        );
        assert_eq!(from_url("/srv/git/tool.git"), None);
        assert_eq!(from_url("./a:b"), None);
    }

    #[test]
    fn patterns_cover_their_owner_and_below() {
        let p = pattern("github.com/acme").unwrap();
        assert!(p.covers(&from_url("https://github.com/Acme/tool").unwrap()));
        assert!(p.covers(&from_url("git@github.com:acme/x.git").unwrap()));
        assert!(!p.covers(&from_url("https://github.com/acme-evil/x").unwrap()));
        assert!(!p.covers(&from_url("https://github.com.evil/acme/x").unwrap()));
        assert!(!p.covers(&from_request("https", "github.com", None).unwrap()));
        let ported = pattern("git.example:8443/acme").unwrap();
        assert!(
            ported.covers(&from_request("https", "git.example:8443", Some("acme/r.git")).unwrap())
        );
        assert!(!ported.covers(&from_request("https", "git.example", Some("acme/r")).unwrap()));
        assert!(pattern("https://git.example/acme")
            .unwrap()
            .covers(&from_request("https", "git.example:9", Some("acme/r")).unwrap()));
        assert!(pattern("").is_err() && pattern("h:x/y").is_err());
        assert!(
            pattern("github.com/acme").unwrap().weight() > pattern("github.com").unwrap().weight()
        );
    }

    #[test]
    fn the_folders_remote_is_read_from_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("src/deep")).unwrap();
        std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(
            repo.join(".git/config"),
            "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://h.example/up/r\n\
             [remote \"origin\"]\n\turl = \"git@h.example:me/r.git\" ; mine\n",
        )
        .unwrap();
        let me = r("h.example", Some(22), &["me", "r"]);
        assert_eq!(of_folder(&repo.join("src/deep")), Some(me));
        let mut config = std::fs::read_to_string(repo.join(".git/config")).unwrap();
        config.push_str("[branch \"main\"]\n\tremote = upstream\n");
        std::fs::write(repo.join(".git/config"), config).unwrap();
        assert_eq!(
            of_folder(&repo),
            Some(r("h.example", Some(443), &["up", "r"]))
        );
        assert_eq!(of_folder(tmp.path()), None);
    }
}
