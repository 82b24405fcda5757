//! What to do next, after an error a newcomer meets: one `hint:` line each on stderr, naming
//! the command that helps. Only names and settings are shown, never a secret.

use super::context::Context;
use crate::profile::{ClientAuth, Dialect};
use crate::text::Safe;
use crate::Error;

/// Prints the hints for `e`, if any.
pub fn after(ctx: &Context, e: &Error) {
    for line in hints(ctx, e) {
        eprintln!("hint: {line}");
    }
    if let Error::NoSuchProfile { profile, .. } = e {
        ctx.import_hint(Some(profile));
    }
}

fn hints(ctx: &Context, e: &Error) -> Vec<String> {
    // Only a store that is open already is asked: a hint never opens one (or waits for one).
    let Some(store) = ctx.opened_store() else {
        return Vec::new();
    };
    match e {
        Error::NoSuchProfile { .. } => {
            let names = store.profile_names().unwrap_or_default();
            if names.is_empty() {
                return vec![format!(
                    "the {} store has no profiles yet: `pancred init --from FILE --write` or \
                     `pancred generate` adds one.",
                    store.kind()
                )];
            }
            let shown: Vec<String> = names.iter().take(20).map(|n| Safe(n).to_string()).collect();
            let more = if names.len() > shown.len() {
                ", ..."
            } else {
                ""
            };
            vec![format!(
                "the profiles here are: {}{more}. Pick one with --profile NAME, or make it the \
                 default with `pancred use NAME`.",
                shown.join(", ")
            )]
        }
        Error::PartialCredentials { profile, missing } => {
            let stored = store.load(profile).ok().flatten();
            let mut out = Vec::new();
            if let Some(to) = stored.as_ref().and_then(|p| p.moved_to.as_ref()) {
                out.push(format!(
                    "the tokens of profile '{}' were moved to {}; select that store (--store or \
                     PANCRED_STORE) to use them.",
                    Safe(profile),
                    Safe(to)
                ));
            }
            let public = stored.as_ref().is_some_and(|p| {
                p.dialect == Dialect::OAuth2
                    && p.client_secret.is_none()
                    && p.client_auth != ClientAuth::None
            });
            if missing.contains(&"client_secret") && public {
                out.push(
                    "for a public client (one with no secret) set client_auth to none: \
                     {\"client_auth\": \"none\"} in `pancred init --from FILE --write`, or in the \
                     TUI's form."
                        .to_string(),
                );
            }
            if missing.contains(&"refresh_token") && out.is_empty() {
                out.push(format!(
                    "profile '{}' holds no refresh token (never authorized, or revoked): run \
                     `pancred login` (`pancred login --device` where no browser can reach this \
                     machine).",
                    Safe(profile)
                ));
            }
            out
        }
        _ => Vec::new(),
    }
}
