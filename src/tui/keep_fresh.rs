//! Keep-fresh: while it is on, the TUI refreshes each token as it enters the leeway, through the
//! engine's `fresh_access_token` (the path of `pancred token`: the profile lock and a re-read, so
//! however many processes watch one store, the provider sees one refresh). A failure waits
//! longer before each retry; a profile opts out with `keep_fresh: false`.

use super::activity::Kind;
use super::app::App;
use super::effect::Effect;
use crate::profile::{Profile, TokenState};
use crate::{clock::format_span, Error, Secret};
use std::collections::HashMap;

/// The first retry after a failure, doubled after each further one up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: i64 = 10;
pub const MAX_BACKOFF: i64 = 600;

/// A profile keep-fresh is waiting on after a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    pub failures: u32,
    /// Unix seconds of the next attempt.
    pub next_at: i64,
    /// What went wrong, for the row and the detail pane (never a secret: an engine error).
    pub error: String,
    /// The provider refused this refresh token (`invalid_grant`): no retry until the profile
    /// holds another one (authorized again), since sending it again can only fail.
    pub refused: Option<Option<Secret>>,
}

#[derive(Debug, Default)]
pub struct KeepFresh {
    pub on: bool,
    pub waiting: HashMap<String, Backoff>,
    /// The token each refresh in flight started from, to tell whether it brought a new one.
    started_with: HashMap<String, Option<Secret>>,
}

/// Seconds to wait after `failures` failures in a row: 10, 20, 40, ... at most 600.
pub fn delay(failures: u32) -> i64 {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_BACKOFF
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF)
}

/// Whether keep-fresh can do anything for `p`: it wants it, and the engine can refresh it
/// without a person (a refresh token, a developer token, or the client's own credentials).
pub fn eligible(p: &Profile) -> bool {
    p.keep_fresh
        && p.cache_token
        && (p.refresh_token.is_some() || p.developer_token.is_some() || !p.grant.needs_login())
}

impl App {
    /// The refreshes due at this second: tokens in the leeway (or past it) of eligible profiles
    /// that nothing is working on and that are not waiting out a failure.
    pub fn keep_fresh_due(&mut self) -> Vec<Effect> {
        if !self.keep_fresh.on {
            return vec![];
        }
        let due: Vec<(String, Option<Secret>)> = self
            .entries
            .iter()
            .filter(|e| {
                matches!(
                    e.state(self.now, self.leeway),
                    TokenState::Expiring | TokenState::Expired
                ) && eligible(&e.profile)
                    && self.is_busy(e.name()).is_none()
                    && self
                        .keep_fresh
                        .waiting
                        .get(e.name())
                        .is_none_or(|b| match &b.refused {
                            Some(refused) => *refused != e.profile.refresh_token,
                            None => b.next_at <= self.now,
                        })
            })
            .map(|e| (e.name().to_string(), e.profile.access_token.clone()))
            .collect();
        due.into_iter()
            .map(|(name, token)| {
                self.keep_fresh.started_with.insert(name.clone(), token);
                self.set_busy(&name, "refreshing");
                Effect::KeepFresh(name)
            })
            .collect()
    }

    pub fn toggle_keep_fresh(&mut self) -> Vec<Effect> {
        self.keep_fresh.on = !self.keep_fresh.on;
        self.keep_fresh.waiting.clear();
        if self.keep_fresh.on {
            self.info("Keep fresh on: tokens are refreshed as they enter the leeway");
            self.keep_fresh_due()
        } else {
            self.info("Keep fresh off");
            vec![]
        }
    }

    /// A keep-fresh refresh came back with the profile as stored now.
    pub fn kept_fresh(&mut self, name: String, res: Result<Profile, Error>) {
        self.clear_busy(&name);
        match res {
            Ok(p) => {
                let state = p.token_state(self.now, self.leeway);
                let left = self.token_note(&p);
                let changed = self
                    .keep_fresh
                    .started_with
                    .remove(&name)
                    .is_none_or(|before| before != p.access_token);
                self.put_profile(p);
                if state == TokenState::Valid {
                    self.keep_fresh.waiting.remove(&name);
                    if changed {
                        self.log(Kind::RefreshedHere, format!("'{name}' kept fresh: {left}"));
                    }
                    self.success(format!("Kept '{name}' fresh: {left}"));
                } else {
                    // The provider's tokens live less than the leeway: refreshing again at once
                    // would never end.
                    self.failed(
                        &name,
                        "the new token is already inside the leeway (the provider's tokens live shorter; lower --leeway)".into(),
                    );
                }
            }
            Err(e) => {
                self.keep_fresh.started_with.remove(&name);
                if matches!(&e, Error::Provider(o) if o.is_invalid_grant()) {
                    self.refused(&name, e.to_string());
                } else {
                    self.failed(&name, e.to_string());
                }
            }
        }
    }

    /// The provider refused the refresh token: keep-fresh stops for this profile until it holds
    /// another one, and says what to do.
    fn refused(&mut self, name: &str, error: String) {
        let refused = self
            .entries
            .iter()
            .find(|e| e.name() == name)
            .map(|e| e.profile.refresh_token.clone());
        self.log(
            Kind::Failed,
            format!("keep fresh of '{name}' stopped: {error}"),
        );
        self.error(format!(
            "Keep fresh: the provider no longer accepts the refresh token of '{name}'; it is not \
             sent again: authorize again (a, or `{}`)",
            crate::text::pancred_command(name, "login")
        ));
        self.keep_fresh.waiting.insert(
            name.to_string(),
            Backoff {
                failures: 1,
                next_at: i64::MAX,
                error,
                refused: Some(refused.unwrap_or_default()),
            },
        );
    }

    fn failed(&mut self, name: &str, error: String) {
        let failures = self
            .keep_fresh
            .waiting
            .get(name)
            .map_or(1, |b| b.failures.saturating_add(1));
        let wait = delay(failures);
        self.log(
            Kind::Failed,
            format!("keep fresh of '{name}' failed: {error}"),
        );
        self.error(format!(
            "Keep fresh: '{name}' failed: {error}; next try in {}",
            format_span(wait)
        ));
        self.keep_fresh.waiting.insert(
            name.to_string(),
            Backoff {
                failures,
                next_at: self.now.saturating_add(wait),
                error,
                refused: None,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(1, 10)]
    #[case(2, 20)]
    #[case(3, 40)]
    #[case(7, 600)]
    #[case(u32::MAX, 600)]
    fn failures_wait_longer_each_time(#[case] failures: u32, #[case] secs: i64) {
        assert_eq!(delay(failures), secs);
    }
}
