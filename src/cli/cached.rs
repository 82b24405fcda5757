//! The answer from a cached token: the one decision both programs make before anything else.
//!
//! kubectl runs its credential plugin before every request and git its helper on every fetch,
//! and most of the time the stored token is still good. `pancred` (the small executable) and
//! `pancred-full` (the whole program) both call [`answer`] first; they differ only in what opens
//! the store: `pancred` opens the cached stores ([`crate::store::open_cached`]: the file store,
//! the keyring's kernel-keyring copy, a plain Redis server's reader, the memcached store),
//! `pancred-full` every store. `None` means "the
//! whole command is needed" (a refresh, an error to report, a login, anything but the four plain
//! commands): `pancred` then runs `pancred-full`, which goes on past this point. A store that
//! cannot be reached is reported here, by both programs alike.
//!
//! Every rule applied here is the engine's or the command's own: the store's choice and its
//! warnings ([`crate::store`]), the profile's choice ([`Context::selection`]), pancloud's
//! resolution and the token's state ([`crate::Engine::cached_access_token`]), and each command's
//! own request check and answer; git's request is read here only when it may choose the profile
//! (no `--profile`), and kept for the whole command.

use super::args::Command;
use super::context::{Clue, Context, Opener};
use super::{endpoint_client, exec, git_credential, kubectl, output};
use crate::engine::Cached;
use crate::Engine;

/// The exit code when `command` was answered from a cached token; `None` when the whole
/// command must run (nothing has been written then; standard input is unread, or git's request
/// was read and kept: [`git_credential::spent_input`]).
pub fn answer(ctx: &Context, command: &Command, open: Opener) -> Option<i32> {
    // A shell asking for completions: that is the whole program's.
    if crate::env::completing() {
        return None;
    }
    match command {
        Command::Token { .. } => {
            if let Some(answer) = from_endpoint(ctx) {
                return Some(finish(
                    answer.and_then(|a| output::print_line(a.token.expose())),
                ));
            }
            let (_, _, cached) = match cached(ctx, open, Clue::Here)? {
                Ok(found) => found,
                Err(e) => return Some(finish(Err(e))),
            };
            Some(finish(output::print_line(cached.token.expose())))
        }
        Command::KubectlCredential { exec_info } => {
            let info = exec_info.as_deref().or(ctx.settings.exec_info.as_deref());
            // A request this version cannot answer: the whole command says why.
            let api_version = kubectl::api_version(info).ok()?;
            if let Some(answer) = from_endpoint(ctx) {
                return Some(finish(answer.and_then(|a| {
                    output::print_json(&kubectl::exec_credential(
                        api_version,
                        &a.token,
                        a.expires_at,
                    ))
                })));
            }
            let (_, _, cached) = match cached(ctx, open, kubectl::clue(ctx))? {
                Ok(found) => found,
                Err(e) => return Some(finish(Err(e))),
            };
            let expiry = cached.expires_at();
            let answer = kubectl::exec_credential(api_version, &cached.token, expiry);
            Some(finish(output::print_json(&answer)))
        }
        Command::GitCredential {
            operation,
            username,
        } if operation == "get" => {
            // A profile named on the command line: decided before git's request is read, which
            // the whole command then reads itself.
            if ctx.explicit_profile().is_some() {
                let (_, name, cached) = match cached(ctx, open, Clue::Here)? {
                    Ok(found) => found,
                    Err(e) => return Some(finish(Err(e))),
                };
                return Some(finish(git_credential::stdin_request().and_then(
                    |request| git_credential::from_cache(&cached, &name, &request, username),
                )));
            }
            // Else the request may choose it (context rules): read first, and kept for the
            // whole command (`pancred` hands the bytes on: see `front`).
            let request = match git_credential::stdin_request() {
                Ok(r) => r,
                Err(e) => return Some(finish(Err(e))),
            };
            let (_, name, cached) = match cached(ctx, open, git_credential::clue(&request))? {
                Ok(found) => found,
                Err(e) => return Some(finish(Err(e))),
            };
            Some(finish(git_credential::from_cache(
                &cached, &name, &request, username,
            )))
        }
        // (`--serve` keeps the whole program running beside the command.)
        Command::Exec {
            env,
            serve: false,
            command,
            ..
        } => {
            exec::check_names(env).ok()?;
            let (program, args) = command.split_first()?;
            let (engine, name, cached) = match cached(ctx, open, Clue::Here)? {
                Ok(found) => found,
                Err(e) => return Some(finish(Err(e))),
            };
            let (p, _) = engine.working(&name, cached.stored.as_ref());
            let child = exec::command_with_token(program, args, p.dialect, env, &cached.token);
            drop(cached);
            Some(exec::run(program, child))
        }
        _ => None,
    }
}

/// The token of the `exec --serve` endpoint this process was given (`PANCRED_TOKEN_SOCKET`, else
/// `PANCRED_TOKEN_URL`), unless the command line asks for another profile or store. `None`: the
/// store answers. (`dpop-proof` asks it too before it asks the same endpoint for a proof.)
pub(super) fn from_endpoint(
    ctx: &Context,
) -> Option<Result<endpoint_client::Answer, crate::Error>> {
    let g = &ctx.global;
    if g.store.is_some() || g.credentials_file.is_some() || ctx.has_explicit_credentials() {
        return None;
    }
    let answer = endpoint_client::fetch(&ctx.settings.endpoint)?;
    // `--profile` naming another profile than the endpoint serves: the store answers.
    match (&answer, &g.profile) {
        (Ok(a), Some(wanted)) if a.profile.as_ref().is_some_and(|p| p != wanted) => None,
        _ => Some(answer),
    }
}

/// The engine on the selected store, with pancloud's resolver, and the selected profile's cached
/// token when it is valid beyond the leeway. A store that cannot be reached at all is the answer
/// (its error): the whole command would only wait for it again, so a frozen server costs a
/// command one timeout, not two.
fn cached(
    ctx: &Context,
    open: Opener,
    clue: Clue,
) -> Option<Result<(Engine, String, Cached), crate::Error>> {
    // Credentials given on the command line are read from files (or standard input) and
    // resolved by the whole command.
    if ctx.has_explicit_credentials() {
        return None;
    }
    let engine = match ctx.engine_with(open)? {
        Ok(engine) => engine,
        Err(e) => return unreachable(e),
    };
    let engine = engine.with_policy(ctx.pancloud_policy(Default::default(), None));
    let name = match ctx.selection(&engine, clue) {
        Ok(chosen) => chosen.name,
        Err(e) => return unreachable(e),
    };
    match engine.cached_access_token(&name) {
        Ok(cached) => Some(Ok((engine, name, cached?))),
        Err(e) => unreachable(e),
    }
}

/// A failure the cached answer reports itself: the store cannot be reached. Anything else the
/// whole command reports, with its own hints.
fn unreachable<T>(e: crate::Error) -> Option<Result<T, crate::Error>> {
    matches!(
        e,
        crate::Error::Store(crate::store::StoreError::Unavailable(_))
    )
    .then_some(Err(e))
}

/// The exit code of an answer, its error reported as the whole program reports one.
fn finish(result: Result<(), crate::Error>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            super::exit::report(&e);
            super::exit::exit_code(&e)
        }
    }
}
