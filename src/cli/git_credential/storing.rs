//! A storing helper (`store`, `cache`, a keychain) listed before pancred answers git first, with
//! the copy it kept of an earlier token: that copy expires within the hour, and each fetch then
//! fails once before pancred is asked. Told on `store`, which git sends to every helper after a
//! credential worked, so the check costs nothing on the path of `get`.

use super::request::Request;
use std::process::{Command, Stdio};

/// Helpers that keep what git hands them (their names without `git-credential-`).
const STORING: &[&str] = &[
    "store",
    "cache",
    "osxkeychain",
    "libsecret",
    "gnome-keyring",
    "wincred",
    "manager",
    "manager-core",
    "keepassxc",
    "pass",
];

pub fn warn_if_listed_first(request: &Request) {
    let Some(helpers) = configured_helpers(request) else {
        return;
    };
    if let Some(first) = storing_before_pancred(&helpers) {
        eprintln!(
            "pancred: warning: git's credential.helper lists `{}` before pancred: it keeps a copy \
             of the token and hands it out after it expires. List pancred first, or remove it \
             (`git config --show-origin --get-all credential.helper` shows where it is set)",
            crate::text::Safe(first)
        );
    }
}

/// The helpers git runs for this request, in order (`git config`, from the current folder, as
/// git reads them): `credential.helper` and `credential.<url>.helper` for a URL of the request's
/// protocol and host. `None` when git cannot be asked.
fn configured_helpers(request: &Request) -> Option<Vec<String>> {
    let out = Command::new("git")
        .args([
            "config",
            "--null",
            "--get-regexp",
            r"^credential\.(.*\.)?helper$",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let protocol = request.get("protocol").unwrap_or_default();
    let host = request.get("host").unwrap_or_default();
    let text = String::from_utf8_lossy(&out.stdout);
    let helpers = text
        .split('\0')
        .filter_map(|entry| entry.split_once('\n'))
        .filter(|(key, _)| {
            let scope = key
                .strip_prefix("credential.")
                .and_then(|k| k.strip_suffix(".helper"));
            scope.is_none_or(|url| applies(url, protocol, host))
        })
        .map(|(_, value)| value.to_string())
        .collect();
    Some(helpers)
}

/// Whether `credential.<url>.helper` applies to a request for `protocol://host`.
fn applies(url: &str, protocol: &str, host: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    let mut h = u.host_str().unwrap_or_default().to_string();
    if let Some(p) = u.port() {
        h = format!("{h}:{p}");
    }
    u.scheme() == protocol && h.eq_ignore_ascii_case(host)
}

/// The first storing helper that git runs before pancred, if any (an empty value clears the
/// list, as in git).
fn storing_before_pancred(helpers: &[String]) -> Option<&str> {
    let mut first_storing = None;
    for value in helpers {
        if value.trim().is_empty() {
            first_storing = None;
            continue;
        }
        let program = value.trim_start_matches('!').split_whitespace().next()?;
        let name = program.rsplit('/').next().unwrap_or(program);
        if name.starts_with("pancred") {
            return first_storing;
        }
        let name = name.strip_prefix("git-credential-").unwrap_or(name);
        if first_storing.is_none() && STORING.contains(&name) {
            first_storing = Some(value.as_str());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(list: &[&str]) -> Option<String> {
        let v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        storing_before_pancred(&v).map(str::to_string)
    }

    #[test]
    fn a_storing_helper_before_pancred_is_found() {
        let me = "!/usr/bin/pancred --profile w git-credential";
        assert_eq!(first(&["store", me]).as_deref(), Some("store"));
        assert_eq!(
            first(&["cache --timeout 300", me]).as_deref(),
            Some("cache --timeout 300")
        );
        assert_eq!(
            first(&["/usr/lib/git-core/git-credential-libsecret", me]).as_deref(),
            Some("/usr/lib/git-core/git-credential-libsecret")
        );
        assert_eq!(first(&[me, "store"]), None);
        assert_eq!(first(&["store", "", me]), None);
        assert_eq!(first(&["store"]), None);
        assert_eq!(first(&["!my-own-script", me]), None);
    }

    #[test]
    fn url_scoped_helpers_apply_to_their_host() {
        assert!(applies("https://git.example", "https", "git.example"));
        assert!(applies(
            "https://git.example:8443",
            "https",
            "git.example:8443"
        ));
        assert!(!applies("https://git.example", "https", "other.example"));
        assert!(!applies("http://git.example", "https", "git.example"));
    }
}
