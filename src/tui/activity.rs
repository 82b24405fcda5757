//! What happened, for the activity pane: the last events with their times (refreshed here or by
//! another process, revoked, authorizations, store errors). Built from names, states and the
//! engine's error texts only: never a secret.

use super::app::{App, Entry};
use crate::profile::Profile;
use std::collections::VecDeque;

/// How many events are kept; older ones fall off.
pub const KEEP: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RefreshedHere,
    RefreshedElsewhere,
    Revoked,
    AuthStarted,
    AuthDone,
    AuthRefused,
    /// Profiles added, removed or made default (here or by another process).
    Changed,
    Failed,
    StoreError,
    /// An `exec --serve` endpoint started or ended.
    Serving,
}

impl Kind {
    /// The word the pane shows before the text.
    pub fn label(self) -> &'static str {
        match self {
            Kind::RefreshedHere => "refreshed",
            Kind::RefreshedElsewhere => "elsewhere",
            Kind::Revoked => "revoked",
            Kind::AuthStarted => "authorize",
            Kind::AuthDone => "authorized",
            Kind::AuthRefused => "refused",
            Kind::Changed => "changed",
            Kind::Failed => "failed",
            Kind::StoreError => "store",
            Kind::Serving => "serving",
        }
    }

    pub fn is_error(self) -> bool {
        matches!(self, Kind::AuthRefused | Kind::Failed | Kind::StoreError)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unix seconds.
    pub at: i64,
    pub kind: Kind,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Activity {
    pub shown: bool,
    events: VecDeque<Event>,
    /// Set once the first load is in: what a later load brings is a change.
    pub(super) baseline: bool,
}

impl Activity {
    pub fn push(&mut self, at: i64, kind: Kind, text: impl Into<String>) {
        if self.events.len() == KEEP {
            self.events.pop_front();
        }
        self.events.push_back(Event {
            at,
            kind,
            text: text.into(),
        });
    }

    /// Newest first.
    pub fn latest(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

impl App {
    pub fn log(&mut self, kind: Kind, text: impl Into<String>) {
        self.activity.push(self.now, kind, text);
    }

    /// The `exec --serve` endpoints running now: each one that started or ended is logged.
    pub fn set_endpoints(&mut self, notes: Vec<crate::endpoints::Note>) {
        let old = std::mem::take(&mut self.endpoints);
        for n in &notes {
            if !old.iter().any(|o| o.pid == n.pid) {
                self.log(
                    Kind::Serving,
                    format!("tokens of '{}' to {} (pid {})", n.profile, n.command, n.pid),
                );
            }
        }
        for o in &old {
            if !notes.iter().any(|n| n.pid == o.pid) {
                self.log(
                    Kind::Serving,
                    format!(
                        "ended: '{}' to {} after {}",
                        o.profile,
                        o.command,
                        crate::endpoints::answers_text(o.answers)
                    ),
                );
            }
        }
        self.endpoints = notes;
    }

    /// What a reload shows changed since the last one, logged as the work of another process.
    /// Profiles with a call in flight here are left out: their change is this TUI's own.
    pub fn log_reload(&mut self, profiles: &[Profile], default: Option<&str>) {
        if !self.activity.baseline {
            return;
        }
        let mut found = Vec::new();
        for p in profiles {
            let name = p.profile.as_str();
            if self.is_busy(name).is_some() {
                continue;
            }
            match self.entry(name) {
                None => found.push((Kind::Changed, format!("'{name}' added by another process"))),
                Some(old) => {
                    if let Some(what) = token_change(old, p) {
                        found.push(what);
                    }
                }
            }
        }
        for e in &self.entries {
            let gone = !profiles.iter().any(|p| p.profile == e.name());
            if gone && self.is_busy(e.name()).is_none() {
                found.push((
                    Kind::Changed,
                    format!("'{}' removed by another process", e.name()),
                ));
            }
        }
        if let Some(d) = default {
            if self.default.as_deref() != Some(d) && self.is_busy(d).is_none() {
                found.push((
                    Kind::Changed,
                    format!("'{d}' made the default by another process"),
                ));
            }
        }
        for (kind, text) in found {
            self.log(kind, text);
        }
    }
}

/// How another process changed a profile's access token, if it did.
fn token_change(old: &Entry, new: &Profile) -> Option<(Kind, String)> {
    if old.profile.access_token == new.access_token {
        return None;
    }
    let name = &new.profile;
    Some(match (&old.profile.access_token, &new.access_token) {
        (_, Some(_)) => (
            Kind::RefreshedElsewhere,
            format!("'{name}' got a new token from another process"),
        ),
        (Some(_), None) => (
            Kind::Revoked,
            format!("'{name}' lost its token (revoked or forgotten by another process)"),
        ),
        (None, None) => return None,
    })
}
