//! `pancred git-credential get|store|erase`: git's credential-helper protocol, for
//! `git config credential.helper '!pancred --profile NAME git-credential'`.
//!
//! git writes `key=value` lines and a blank line on standard input. `get` answers a username and
//! a fresh access token as the password, with `password_expiry_utc`, when the request is one the
//! profile serves ([`serve`]); `erase` (git calls it when the server refused the credential)
//! reports the token as rejected, so the next `get` gets a new one; `store` keeps nothing, and
//! warns when a storing helper comes before pancred ([`storing`]). Other operations are ignored,
//! as git asks of helpers.
//!
//! git 2.46 and later announce `capability[]=authtype`: the answer is then the ready
//! `Authorization: Basic` credential marked `ephemeral`, so that no storing helper keeps a copy
//! of a token that expires within the hour (`cache` honours `ephemeral`; `store` keeps only
//! usernames and passwords). To a git that takes `state`, the answer also says which profile
//! gave the token (`state[]=pancred.profile=NAME`): git hands it back on `erase`, which then
//! forgets that profile's token, whatever profile the context would choose by then.
//!
//! Which profile answers: `--profile`, `PANCRED_PROFILE`, else the context rule for the
//! request's remote ([`super::context_rules`]), and so on ([`Context::selection`]).

mod request;
mod serve;
mod storing;

use super::context::{Clue, Context};
use super::oauth_cmds::{block_on, engine_for};
use crate::engine::Cached;
use crate::secret::Secret;
use crate::{Engine, Error, Profile};
use base64::Engine as _;
use std::io::Write;

#[cfg(test)]
use request::read_request;
pub use request::{spent_input, stdin_request, Request};
pub use serve::decline;

pub use super::args::DEFAULT_USERNAME;

/// The prefix of pancred's `state[]` value: the profile that answered.
const STATE_PROFILE: &str = "pancred.profile=";

pub fn git_credential(ctx: &Context, operation: &str, username: &str) -> Result<(), Error> {
    let request = stdin_request()?;
    match operation {
        "get" => get(ctx, &request, username),
        "erase" => erase(ctx, &request, username),
        "store" => {
            storing::warn_if_listed_first(&request);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether `profile` answers `request` as `username`; a refusal the user should hear of is said
/// on stderr.
pub(super) fn answers_for(profile: Option<&Profile>, request: &Request, username: &str) -> bool {
    match decline(profile, request, username) {
        None => true,
        Some(d) => {
            if d.worth_saying() {
                eprintln!("pancred: {d}");
            }
            false
        }
    }
}

/// What the request tells of where git was asked to go, for the context rules.
pub(super) fn clue(request: &Request) -> Clue<'_> {
    Clue::Git {
        protocol: request.get("protocol").unwrap_or_default(),
        host: request.get("host").unwrap_or_default(),
        path: request.get("path"),
    }
}

/// The answer from profile `name`'s cached token (both programs' cached path): silence for a
/// request this profile does not serve.
pub(super) fn from_cache(
    cached: &Cached,
    name: &str,
    request: &Request,
    username: &str,
) -> Result<(), Error> {
    if !answers_for(cached.stored.as_ref(), request, username) {
        return Ok(());
    }
    answer(name, request, username, &cached.token, cached.expires_at())
}

fn get(ctx: &Context, request: &Request, username: &str) -> Result<(), Error> {
    let (engine, name) = engine_for(ctx, clue(request))?;
    // The cached path needs no runtime, no thread and no lock; only a refresh builds them.
    let answer = match engine.cached_access_token(&name)? {
        Some(c) => return from_cache(&c, &name, request, username),
        None => refreshed(ctx, &engine, &name, request, username)?,
    };
    // Silence for a request this profile does not serve: git asks its next helper, or the user.
    let Some((token, expiry)) = answer else {
        return Ok(());
    };
    self::answer(&name, request, username, &token, expiry)
}

/// git's answer to `request`: the username and the token as the password, with its expiry when
/// known; to a git that takes `authtype`, the Basic credential, marked ephemeral; to one that
/// takes `state`, the profile that answered.
pub(super) fn answer(
    profile: &str,
    request: &Request,
    username: &str,
    token: &Secret,
    expiry: Option<i64>,
) -> Result<(), Error> {
    // A line break would let the token's text add attributes of its own to the answer.
    if token.expose().contains(['\n', '\r', '\0']) || username.contains(['\n', '\r', '\0', ':']) {
        return Err(Error::Other(
            "the access token or username holds a line break (or the username a colon) and \
             cannot be given to git"
                .into(),
        ));
    }
    // (A profile name holds no line break: names with control characters are refused.)
    let state = request.has_capability("state") && !profile.contains(['\n', '\r', '\0']);
    let mut out = String::new();
    for (cap, on) in [
        ("authtype", request.has_capability("authtype")),
        ("state", state),
    ] {
        if on {
            out.push_str(&format!("capability[]={cap}\n"));
        }
    }
    if request.has_capability("authtype") {
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{username}:{}", token.expose()));
        out.push_str(&format!(
            "authtype=Basic\ncredential={basic}\nephemeral=true\n"
        ));
    } else {
        out.push_str(&format!(
            "username={username}\npassword={}\n",
            token.expose()
        ));
    }
    if state {
        out.push_str(&format!("state[]={STATE_PROFILE}{profile}\n"));
    }
    if let Some(exp) = expiry {
        // (git reads the number unsigned.)
        out.push_str(&format!("password_expiry_utc={}\n", exp.max(0)));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::Other(format!("cannot answer git: {e}")))
}

/// The answer when the cached token will not do: read again, and refresh if still needed (a
/// login first, when one is needed and a person is there: see [`super::login_gate`]).
fn refreshed(
    ctx: &Context,
    engine: &Engine,
    name: &str,
    request: &Request,
    username: &str,
) -> Result<Option<(Secret, Option<i64>)>, Error> {
    let stored = block_on(engine.load(name))?;
    if !answers_for(stored.as_ref(), request, username) {
        return Ok(None);
    }
    let caller = super::login_gate::Caller {
        git_prompt_off: ctx.settings.git_prompt_off,
        ..Default::default()
    };
    super::login_gate::with_login(ctx, name, ctx.global.login, caller, || {
        block_on(engine.fresh_access_token_with_expiry(name))
    })
    .map(Some)
}

/// The token git reports as refused: the password, or the token inside a Basic credential.
fn refused_token(request: &Request, username: &str) -> Option<Secret> {
    if let Some(password) = request.get("password") {
        return Secret::non_empty(password);
    }
    if !request
        .get("authtype")
        .is_some_and(|t| t.eq_ignore_ascii_case("basic"))
    {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(request.get("credential")?)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, token) = text.split_once(':')?;
    (user == username).then(|| Secret::non_empty(token))?
}

fn erase(ctx: &Context, request: &Request, username: &str) -> Result<(), Error> {
    let Some(token) = refused_token(request, username) else {
        return Ok(());
    };
    let (engine, mut name) = engine_for(ctx, clue(request))?;
    // The profile whose token git was given, as the answer told git (`state`).
    if let Some(answered) = request.state(STATE_PROFILE) {
        name = answered.to_string();
    }
    block_on(async {
        let stored = engine.load(&name).await?;
        if decline(stored.as_ref(), request, username).is_none() {
            engine.reject_access_token(&name, &token).await?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_basic_credential_names_its_token() {
        let basic = base64::engine::general_purpose::STANDARD.encode("oauth2:tok");
        let r = read_request(
            format!("protocol=https\nhost=h\nauthtype=Basic\ncredential={basic}\n\n").as_bytes(),
        )
        .unwrap();
        assert_eq!(refused_token(&r, "oauth2").unwrap().expose(), "tok");
        assert!(refused_token(&r, "alice").is_none());
        let r = read_request("protocol=https\nhost=h\npassword=p\n\n".as_bytes()).unwrap();
        assert_eq!(refused_token(&r, "oauth2").unwrap().expose(), "p");
    }
}
