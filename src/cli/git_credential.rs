//! `pancred git-credential get|store|erase`: git's credential-helper protocol, for
//! `git config credential.helper '!pancred --profile NAME git-credential'`.
//!
//! git writes `key=value` lines and a blank line on standard input. `get` answers a username and
//! a fresh access token as the password, with `password_expiry_utc`; `erase` (git calls it when
//! the server refused the credential) reports the token as rejected, so the next `get` gets a new
//! one; `store` has nothing to keep. Other operations are ignored, as git asks of helpers.

use super::context::Context;
use super::oauth_cmds::{block_on, engine, hint_on_refresh};
use crate::engine::Cached;
use crate::secret::Secret;
use crate::{Engine, Error};
use std::collections::HashMap;
use std::io::{Read, Write};

pub use super::args::DEFAULT_USERNAME;
/// git's requests are a few lines; anything longer is not git.
const MAX_INPUT: u64 = 64 * 1024;

pub fn git_credential(ctx: &Context, operation: &str, username: &str) -> Result<(), Error> {
    let request = read_request(std::io::stdin().lock())?;
    match operation {
        "get" => get(ctx, &request, username),
        "erase" => erase(ctx, &request),
        _ => Ok(()),
    }
}

/// The attributes git sent, up to the blank line (or the end of input).
pub(super) fn read_request(input: impl Read) -> Result<HashMap<String, String>, Error> {
    let mut text = String::new();
    input
        .take(MAX_INPUT)
        .read_to_string(&mut text)
        .map_err(|e| Error::Usage(format!("cannot read git's request: {e}")))?;
    let mut attrs = HashMap::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once('=') {
            attrs.insert(k.to_string(), v.to_string());
        }
    }
    Ok(attrs)
}

/// Whether the profile answers for this request's host: any host when `git_hosts` is empty.
pub(super) fn answers_for(git_hosts: &[String], request: &HashMap<String, String>) -> bool {
    if git_hosts.is_empty() {
        return true;
    }
    let Some(host) = request.get("host") else {
        return false;
    };
    let bare = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    git_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host) || h.eq_ignore_ascii_case(bare))
}

fn get(ctx: &Context, request: &HashMap<String, String>, username: &str) -> Result<(), Error> {
    let (engine, name) = engine(ctx)?;
    // The cached path needs no runtime, no thread and no lock; only a refresh builds them.
    let answer = match engine.cached_access_token(&name)? {
        Some(c) => return from_cache(&c, request, username),
        None => refreshed(&engine, &name, request)?,
    };
    // Silence for a host this profile does not serve: git asks its next helper, or the user.
    let Some((token, expiry)) = answer else {
        return Ok(());
    };
    self::answer(username, &token, expiry)
}

/// The answer from a cached token: silence for a host the profile does not serve.
pub(super) fn from_cache(
    cached: &Cached,
    request: &HashMap<String, String>,
    username: &str,
) -> Result<(), Error> {
    let hosts = cached.stored.as_ref().map(|p| p.git_hosts.as_slice());
    if !answers_for(hosts.unwrap_or_default(), request) {
        return Ok(());
    }
    answer(username, &cached.token, cached.expires_at())
}

/// git's answer: the username, the token as the password, and its expiry when known.
pub(super) fn answer(username: &str, token: &Secret, expiry: Option<i64>) -> Result<(), Error> {
    // A line break would let the token's text add attributes of its own to the answer.
    if token.expose().contains(['\n', '\0']) || username.contains(['\n', '\0']) {
        return Err(Error::Other(
            "the access token or username holds a line break and cannot be given to git".into(),
        ));
    }
    let mut out = format!("username={username}\npassword={}\n", token.expose());
    if let Some(exp) = expiry {
        out.push_str(&format!("password_expiry_utc={exp}\n"));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::Other(format!("cannot answer git: {e}")))
}

/// The answer when the cached token will not do: read again, and refresh if still needed.
fn refreshed(
    engine: &Engine,
    name: &str,
    request: &HashMap<String, String>,
) -> Result<Option<(Secret, Option<i64>)>, Error> {
    block_on(async {
        let stored = engine.load(name).await?;
        let hosts = stored.map(|p| p.git_hosts).unwrap_or_default();
        if !answers_for(&hosts, request) {
            return Ok(None);
        }
        engine
            .fresh_access_token_with_expiry(name)
            .await
            .map(Some)
            .map_err(|e| hint_on_refresh(name, e))
    })
}

fn erase(ctx: &Context, request: &HashMap<String, String>) -> Result<(), Error> {
    let Some(password) = request.get("password").cloned().and_then(Secret::non_empty) else {
        return Ok(());
    };
    let (engine, name) = engine(ctx)?;
    block_on(async {
        let stored = engine.load(&name).await?;
        let hosts = stored.map(|p| p.git_hosts).unwrap_or_default();
        if answers_for(&hosts, request) {
            engine.reject_access_token(&name, &password).await?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_ends_at_the_blank_line() {
        let r = read_request("protocol=https\nhost=git.example:8443\n\npassword=x\n".as_bytes())
            .unwrap();
        assert_eq!(r["host"], "git.example:8443");
        assert!(!r.contains_key("password"));
    }

    #[test]
    fn hosts_match_with_or_without_the_port() {
        let req = |h: &str| HashMap::from([("host".to_string(), h.to_string())]);
        let hosts = vec!["Git.Example".to_string()];
        assert!(answers_for(&hosts, &req("git.example")));
        assert!(answers_for(&hosts, &req("git.example:8443")));
        assert!(!answers_for(&hosts, &req("other.example")));
        assert!(!answers_for(&hosts, &HashMap::new()));
        assert!(answers_for(&[], &req("anything.example")));
    }
}
