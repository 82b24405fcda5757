//! A storing helper (`store`, `cache`, a keychain) listed before pancred answers git first, with
//! the copy it kept of an earlier token: that copy expires within the hour, and each fetch then
//! fails once before pancred is asked. Told on `store`, which git sends to every helper after a
//! credential worked, so the check costs nothing on the path of `get`.

use super::request::Request;
use crate::rules::git_helpers::storing_before_pancred;
use crate::rules::host_port::host_and_port;
use std::process::{Command, Stdio};

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
/// git reads them): `credential.helper` and each `credential.<url>.helper` whose URL matches the
/// request as git matches it ([`applies`]). `None` when git cannot be asked.
///
/// One `git config` runs here, on `store` only: git sends `store` once after a credential worked,
/// so `get`, which runs before every fetch, starts no process. (`git config --get-urlmatch`
/// would match for us, but it gives one value per key, where git runs every helper that
/// matches.)
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
    let text = String::from_utf8_lossy(&out.stdout);
    let helpers = text
        .split('\0')
        .filter_map(|entry| entry.split_once('\n'))
        .filter(|(key, _)| {
            let scope = key
                .strip_prefix("credential.")
                .and_then(|k| k.strip_suffix(".helper"));
            scope.is_none_or(|url| applies(url, request))
        })
        .map(|(_, value)| value.to_string())
        .collect();
    Some(helpers)
}

/// Whether `credential.<url>.helper` applies to `request`, by git's rules (git-config(1),
/// `http.<url>.*`): a URL with a scheme and a host matches on the scheme, the host (each `*`
/// standing for one name's label), the port (the scheme's default when absent), the user when it
/// names one, and its path as a prefix of the request's at a `/`; a partial one (`example.com`,
/// `https://`) on each part it gives, exactly. A path git did not send (without
/// `credential.useHttpPath`) may be any: the helper may run, and is counted.
fn applies(url: &str, request: &Request) -> bool {
    let want = Parts::of(url);
    let have = Parts {
        scheme: request.get("protocol").map(str::to_ascii_lowercase),
        user: request.get("username").map(str::to_string),
        host: request.get("host").map(str::to_string),
        path: request.get("path").map(|p| p.trim_matches('/').to_string()),
    };
    let path_ok = |prefix: bool| match (&want.path, &have.path) {
        (None, _) | (_, None) => true,
        (Some(w), Some(h)) if prefix => {
            w.is_empty() || h == w || h.starts_with(&format!("{}/", w.trim_end_matches('/')))
        }
        (Some(w), Some(h)) => w == h,
    };
    let user_ok = want.user.is_none() || want.user == have.user;
    let (Some(scheme), Some(host)) = (&want.scheme, &want.host) else {
        // A partial URL: each part it gives, exactly.
        let same = |w: &Option<String>, h: &Option<String>| w.is_none() || w == h;
        return same(&want.scheme, &have.scheme)
            && same(&want.host, &have.host)
            && user_ok
            && path_ok(false);
    };
    let default_port = match scheme.as_str() {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    };
    let split = |h: &str| {
        host_and_port(h).map(|(n, p)| {
            let name = n.trim_end_matches('.').to_ascii_lowercase();
            (name, p.or(default_port))
        })
    };
    let (Some((want_name, want_port)), Some((have_name, have_port))) =
        (split(host), have.host.as_deref().and_then(split))
    else {
        return false;
    };
    let labels_match = want_name.split('.').count() == have_name.split('.').count()
        && want_name
            .split('.')
            .zip(have_name.split('.'))
            .all(|(w, h)| w == "*" || w == h);
    have.scheme.as_deref() == Some(scheme.as_str())
        && labels_match
        && want_port == have_port
        && user_ok
        && path_ok(true)
}

/// The parts of a URL as git reads a potentially partial one (`credential_from_url`).
#[derive(Debug, Default)]
struct Parts {
    scheme: Option<String>,
    user: Option<String>,
    host: Option<String>,
    path: Option<String>,
}

impl Parts {
    fn of(url: &str) -> Parts {
        let (scheme, rest) = match url.split_once("://") {
            Some((s, r)) => (Some(s.to_ascii_lowercase()).filter(|s| !s.is_empty()), r),
            None => (None, url),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        let (user, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.split(':').next().unwrap_or(u)), h),
            None => (None, authority),
        };
        let decode = |s: &str| percent_decoded(s);
        let path = path.trim_matches('/');
        Parts {
            scheme,
            user: user.filter(|u| !u.is_empty()).map(decode),
            host: Some(host.to_string()).filter(|h| !h.is_empty()),
            path: Some(decode(path)).filter(|p| !p.is_empty()),
        }
    }
}

fn percent_decoded(s: &str) -> String {
    let bytes: Vec<u8> =
        url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())
            .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case("https://git.example", "", true)]
    #[case("https://git.example/", "", true)]
    #[case("https://GIT.example:443", "", true)]
    #[case("https://git.example:8443", "", false)]
    #[case("https://git.example:8443", "host=git.example:8443", true)]
    #[case("http://git.example", "", false)]
    #[case("https://other.example", "", false)]
    #[case("https://*.example", "", true)]
    #[case("https://*.example", "host=a.b.example", false)]
    #[case("https://git.*", "", true)]
    #[case("https://alice@git.example", "", false)]
    #[case("https://alice@git.example", "username=alice", true)]
    #[case("https://git.example/acme", "path=acme/r.git", true)]
    #[case("https://git.example/acme/", "path=acme", true)]
    #[case("https://git.example/acme", "path=acmeco/r.git", false)]
    #[case("https://git.example/acme", "path=beta/r.git", false)]
    // Without the path (no useHttpPath), a path-scoped helper may run: counted.
    #[case("https://git.example/acme", "", true)]
    // Partial URLs: each part exactly.
    #[case("git.example", "", true)]
    #[case("git.example", "host=git.example:8443", false)]
    #[case("https://", "", true)]
    #[case("http://", "", false)]
    #[case("git.example/acme/r.git", "path=acme/r.git", true)]
    #[case("git.example/acme", "path=acme/r.git", false)]
    fn url_scoped_helpers_match_as_git_matches(
        #[case] url: &str,
        #[case] extra: &str,
        #[case] expected: bool,
    ) {
        let mut text = String::from("protocol=https\n");
        if !extra.starts_with("host=") {
            text.push_str("host=git.example\n");
        }
        if !extra.is_empty() {
            text.push_str(&format!("{extra}\n"));
        }
        let request = super::super::request::read_request(format!("{text}\n").as_bytes()).unwrap();
        assert_eq!(applies(url, &request), expected, "{url} {extra}");
    }
}
