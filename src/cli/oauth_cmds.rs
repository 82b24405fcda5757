//! Commands that talk to providers: `auth-url`, `exchange`, `refresh`, `revoke`, `token`.

use super::args::Command;
use super::context::read_secret_file;
use super::context::Context;
use super::interrupt::run_guarded;
use super::output::print_json;
pub(super) use crate::config::block_on;
use crate::engine::RevokeWhat;
use crate::summary::ProfileSummary;
use crate::text::Safe;
use crate::{Engine, Error, Profile};
use std::path::Path;

pub fn run(ctx: &Context, cmd: Command) -> Result<(), Error> {
    match cmd {
        Command::AuthUrl(j) => auth_url(ctx, j.json),
        Command::Exchange { code } => exchange(ctx, &code),
        Command::Refresh(j) => refresh(ctx, j.json),
        Command::Revoke {
            access_token,
            refresh_token,
        } => revoke(ctx, access_token, refresh_token),
        Command::Token { no_refresh } => token(ctx, no_refresh),
        Command::Sandbox { .. } => Err(not_available("sandbox")),
        Command::Demo { .. } => Err(not_available("demo")),
        other => Err(Error::Other(format!("{other:?} is not a provider command"))),
    }
}

fn not_available(name: &str) -> Error {
    Error::Other(format!("`pancred {name}` is not available in this build"))
}

/// The engine for the selected profile, with pancloud's resolver over the command line's
/// explicit credentials.
pub(super) fn engine(ctx: &Context) -> Result<(Engine, String), Error> {
    engine_for(ctx, super::context::Clue::Here)
}

/// [`engine`], for a command that knows more of where it was asked from (`clue`).
pub(super) fn engine_for(
    ctx: &Context,
    clue: super::context::Clue,
) -> Result<(Engine, String), Error> {
    let engine = ctx.pancloud_engine()?;
    let name = ctx.selection(&engine, clue)?.name;
    Ok((engine, name))
}

/// A runtime with worker threads, for commands that wait on the provider and on Ctrl-C at once.
pub(super) fn block_on_multi<T>(
    f: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    crate::config::runtime(2)?.block_on(f)
}

fn auth_url(ctx: &Context, json: bool) -> Result<(), Error> {
    let (engine, name) = engine(ctx)?;
    // (A client_credentials profile is refused by the engine: it needs no login.)
    let pending = block_on(async {
        let pending = engine.start_authorization(&name, None).await?;
        engine.remember_authorization(&pending).await?;
        Ok(pending)
    })?;
    if json {
        return print_json(&serde_json::json!({
            "profile": pending.profile,
            "url": pending.url,
            "state": pending.state,
            "redirect_uri": pending.redirect_uri,
            "pkce": pending.pkce_verifier.is_some(),
        }));
    }
    super::output::print_line(&pending.url)?;
    eprintln!(
        "Open the URL, authorize, then run `pancred exchange --code CODE` with the code the provider returns."
    );
    Ok(())
}

fn exchange(ctx: &Context, code: &str) -> Result<(), Error> {
    // The code is read before the engine so that `--code -` and a `--*-file -` conflict clearly.
    let code = if code == "-" {
        if [
            &ctx.global.client_secret_file,
            &ctx.global.refresh_token_file,
            &ctx.global.access_token_file,
            &ctx.global.developer_token_file,
        ]
        .iter()
        .any(|p| p.as_deref() == Some(Path::new("-")))
        {
            return Err(Error::Usage(
                "--code - and a --*-file - cannot both read standard input".into(),
            ));
        }
        read_secret_file(Path::new("-"))?
            .ok_or_else(|| Error::Usage("no authorization code on standard input".into()))?
            .expose()
            .to_string()
    } else {
        code.to_string()
    };
    let (engine, name) = engine(ctx)?;
    let code = from_redirect(&engine, &name, code)?;
    let p = run_guarded(&engine, engine.exchange_code(&name, &code, None))?;
    eprintln!(
        "Stored the tokens of profile '{}'{}.",
        Safe(&name),
        if p.refresh_token.is_some() {
            ""
        } else {
            " (the provider returned no refresh token)"
        }
    );
    print_state(ctx, &p, false)
}

fn refresh(ctx: &Context, json: bool) -> Result<(), Error> {
    let (engine, name) = engine(ctx)?;
    let p = run_guarded(&engine, engine.refresh(&name)).map_err(|e| {
        if super::login_gate::grant_needs_login(ctx, &name) {
            hint_on_refresh(&name, e)
        } else {
            e
        }
    })?;
    print_state(ctx, &p, json)
}

/// The code, also when the whole redirect URL (or its query) was pasted, as `login` takes it:
/// then its state must be the one the last `auth-url` of this profile sent.
fn from_redirect(engine: &crate::Engine, name: &str, text: String) -> Result<String, Error> {
    // A bare code may end in base64's `=`: only a URL or a query with its fields is parsed.
    let redirect = ["://", "code=", "error="].iter().any(|m| text.contains(m));
    if !redirect {
        return Ok(text);
    }
    let state = engine
        .store()
        .load(name)?
        .and_then(|p| p.pending_state)
        .ok_or_else(|| {
            Error::Usage(format!(
                "profile '{}' has no authorization waiting for this redirect (run `{}` first), \
                 or pass just the code",
                Safe(name),
                super::hints::command_for(name, "auth-url")
            ))
        })?;
    let callback = crate::loopback::parse_pasted(&text, state.as_str())?;
    Ok(callback.code.expose().to_string())
}

/// A refused refresh token deserves a next step, not only the provider's words.
pub(super) fn hint_on_refresh(profile: &str, e: Error) -> Error {
    if let Error::Provider(o) = &e {
        // Some providers end a grant with a bare 400 and no OAuth error in the body.
        let bare_400 = matches!(o, crate::oauth::OAuthError::Status { status: 400, .. });
        if bare_400 {
            eprintln!(
                "pancred: profile '{}': the provider refused the refresh with a bare HTTP 400 (no reason given); if its refresh token is no longer valid, authorize again (`{}`).",
                Safe(profile),
                super::hints::command_for(profile, "login"),
            );
        }
        if o.is_invalid_grant() {
            eprintln!(
                "pancred: profile '{}': the provider no longer accepts its refresh token; authorize again (`{}`, or `{}` then `{} --code`).",
                Safe(profile),
                super::hints::command_for(profile, "login"),
                super::hints::command_for(profile, "auth-url"),
                super::hints::command_for(profile, "exchange"),
            );
        }
    }
    e
}

fn print_state(ctx: &Context, p: &Profile, json: bool) -> Result<(), Error> {
    let s = ProfileSummary::new(p, false, ctx.now(), ctx.global.leeway);
    if json {
        return print_json(&s);
    }
    super::output::print_line(&format!(
        "{}: {} ({})",
        Safe(&s.profile),
        s.state.as_str(),
        s.time_left()
    ))
}

fn revoke(ctx: &Context, access: bool, refresh: bool) -> Result<(), Error> {
    let what = if !access && !refresh {
        RevokeWhat {
            access_token: true,
            refresh_token: true,
        }
    } else {
        RevokeWhat {
            access_token: access,
            refresh_token: refresh,
        }
    };
    let (engine, name) = engine(ctx)?;
    let report = block_on(engine.revoke_report(&name, what))?;
    let words = |v: &[&str]| {
        v.iter()
            .map(|h| h.replace('_', " "))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    if !report.revoked.is_empty() {
        eprintln!(
            "Revoked the {} of profile '{}'.",
            words(&report.revoked),
            Safe(&name)
        );
    }
    if !report.not_revocable.is_empty() {
        eprintln!(
            "pancred: warning: the provider cannot revoke the {} (unsupported_token_type); forgot it here, but it stays valid until it expires.",
            words(&report.not_revocable)
        );
    }
    Ok(())
}

fn token(ctx: &Context, no_refresh: bool) -> Result<(), Error> {
    let (engine, name) = engine(ctx)?;
    // The cached path needs no runtime, no thread and no lock; only a refresh builds them.
    let cached = if no_refresh {
        None
    } else {
        engine.cached_access_token(&name)?
    };
    let token = if let Some(c) = cached {
        c.token
    } else if no_refresh {
        let stored = engine.load_now(&name)?;
        let (p, _) = engine.working(&name, stored.as_ref());
        if stored.is_none() && p.access_token.is_none() {
            return Err(engine.no_such(&name));
        }
        engine.usable(&p).ok_or_else(|| {
            Error::Other(format!(
                "the access token of profile '{}' is stale ({}) and --no-refresh forbids refreshing it",
                Safe(&name),
                p.token_state(ctx.now(), ctx.global.leeway).as_str()
            ))
        })?
    } else {
        let caller = super::login_gate::Caller::default();
        super::login_gate::with_login(ctx, &name, ctx.global.login, caller, || {
            run_guarded(&engine, engine.fresh_access_token(&name))
        })?
    };
    // stdout carries only the token, so that `$(pancred token)` is the token.
    super::output::print_line(token.expose())
}
