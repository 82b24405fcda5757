//! What to do next, after an error a newcomer meets: one `hint:` line each on stderr, naming
//! the command that helps. Only names and settings are shown, never a secret.

use super::context::Context;
use crate::profile::{ClientAuth, Dialect};
use crate::text::Safe;
use crate::Error;

/// Prints the hints for `e`, if any; `choosing_default`: the command was `use`, so the hint
/// does not suggest it again.
pub fn after(ctx: &Context, e: &Error, choosing_default: bool) {
    for line in hints(ctx, e, choosing_default) {
        eprintln!("hint: {line}");
    }
    if let Error::NoSuchProfile { profile, .. } = e {
        ctx.import_hint(Some(profile));
    }
}

fn hints(ctx: &Context, e: &Error, choosing_default: bool) -> Vec<String> {
    // Only a store that is open already is asked: a hint never opens one (or waits for one).
    let Some(store) = ctx.opened_store() else {
        return Vec::new();
    };
    match e {
        Error::NoSuchProfile { profile, .. } => {
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
            let mut out = Vec::new();
            if let Some(near) = closest(profile, &names) {
                out.push(format!("did you mean '{}'?", Safe(near)));
            }
            let how = if choosing_default {
                ""
            } else {
                " Pick one with --profile NAME, or make it the default with `pancred use NAME`."
            };
            out.push(format!(
                "the profiles here are: {}{more}.{how}",
                shown.join(", ")
            ));
            out
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
                    && p.client_auth.uses_secret()
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
                     `{}` (`{} --device` where no browser can reach this machine).",
                    Safe(profile),
                    command_for(profile, "login"),
                    command_for(profile, "login"),
                ));
            }
            out
        }
        Error::Provider(o) if o.provider_error() == Some("invalid_client") => {
            let name = ctx
                .selection_with(super::context::Clue::Here, &|| Ok(store.default_profile()?))
                .map(|s| s.name)
                .unwrap_or_else(|_| crate::profile::DEFAULT_PROFILE.to_string());
            let mut out = vec![format!(
                "the provider did not accept the client (invalid_client): check profile '{}''s \
                 client_id and client_secret against the provider's registration (`{}`), and \
                 its client_auth (client_secret_basic sends them in a header, \
                 client_secret_post in the body).",
                Safe(&name),
                command_for(&name, "show")
            )];
            let stored = store.load(&name).ok().flatten();
            let encoded = stored.as_ref().is_some_and(|p| {
                p.client_auth == ClientAuth::ClientSecretBasic
                    && p.client_secret
                        .as_ref()
                        .is_some_and(|s| crate::oauth::oauth2::basic_changes(s.expose()))
            });
            if encoded {
                out.push(
                    "its client secret holds characters that client_secret_basic form-encodes \
                     (RFC 6749 §2.3.1), which some providers do not decode: try \
                     {\"client_auth\": \"client_secret_post\"} (`pancred init --from FILE \
                     --write`)."
                        .to_string(),
                );
            }
            out
        }
        _ => Vec::new(),
    }
}

/// `pancred --profile NAME SUB` (see [`crate::text::pancred_command`]).
pub(super) fn command_for(profile: &str, sub: &str) -> String {
    crate::text::pancred_command(profile, sub)
}

/// The profile name nearest to `wanted` (a typo: at most a third of its letters off, and at
/// least one), if one is.
fn closest<'a>(wanted: &str, names: &'a [String]) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(1);
    names
        .iter()
        .map(|n| (edit_distance(wanted, n), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.as_str())
}

/// Edits between two names (insert, delete, replace, or swap two neighbours), over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_the_profile_meant() {
        let names = vec![
            "sandbox".to_string(),
            "work".to_string(),
            "prod".to_string(),
        ];
        assert_eq!(closest("sandbx", &names), Some("sandbox"));
        assert_eq!(closest("wrk", &names), Some("work"));
        assert_eq!(closest("staging", &names), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("wrok", "work"), 1);
    }

    #[test]
    fn hint_commands_name_the_profile() {
        assert_eq!(
            command_for("sandbox", "login"),
            "pancred --profile sandbox login"
        );
        assert_eq!(
            command_for("my lab", "show"),
            "pancred --profile 'my lab' show"
        );
        assert_eq!(
            command_for("it's", "show"),
            "pancred --profile 'it'\\''s' show"
        );
    }
}
