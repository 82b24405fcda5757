//! The TUI's whole state. `update` changes it, rendering only reads it.

use super::authorize::AuthState;
use super::form::Form;
use super::ui::theme::Theme;
use crate::profile::{Profile, TokenState};
use crate::summary::ProfileSummary;
use crate::Secret;

/// One stored profile with its redacted view, computed once when loaded.
pub struct Entry {
    pub profile: Profile,
    pub summary: ProfileSummary,
}

impl Entry {
    pub fn new(profile: Profile, is_default: bool, now: i64, leeway: i64) -> Self {
        let summary = ProfileSummary::new(&profile, is_default, now, leeway);
        Entry { profile, summary }
    }

    /// The token's state at `now`, computed per frame so countdowns move without rebuilding
    /// summaries.
    pub fn state(&self, now: i64, leeway: i64) -> TokenState {
        self.summary.state_at(now, leeway)
    }

    pub fn name(&self) -> &str {
        &self.profile.profile
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    /// Soonest expiry first; profiles without a token last.
    TimeLeft,
}

impl Sort {
    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::TimeLeft => "time left",
        }
    }
}

/// The secrets a user can reveal, one at a time, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretField {
    ClientSecret,
    RefreshToken,
    AccessToken,
    DeveloperToken,
}

impl SecretField {
    pub const ALL: [SecretField; 4] = [
        SecretField::ClientSecret,
        SecretField::RefreshToken,
        SecretField::AccessToken,
        SecretField::DeveloperToken,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SecretField::ClientSecret => "client_secret",
            SecretField::RefreshToken => "refresh_token",
            SecretField::AccessToken => "access_token",
            SecretField::DeveloperToken => "developer_token",
        }
    }

    pub fn get(self, p: &Profile) -> Option<&Secret> {
        p.secret(self.label())
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.label() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub level: Level,
    pub text: String,
}

/// What a confirm dialog will do when the user says yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmKind {
    Revoke {
        profile: String,
        access: bool,
        refresh: bool,
    },
    Delete {
        profile: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    Import,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputBox {
    pub kind: InputKind,
    pub value: String,
}

/// Which screen has the keyboard.
pub enum Mode {
    Normal,
    Filter,
    Help { scroll: u16 },
    Confirm(ConfirmKind),
    Input(InputBox),
    Form(Box<Form>),
    Authorize(Box<AuthState>),
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Filter => "filter",
            Mode::Help { .. } => "help",
            Mode::Confirm(_) => "confirm",
            Mode::Input(_) => "input",
            Mode::Form(_) => "form",
            Mode::Authorize(_) => "authorize",
        }
    }
}

pub struct App {
    pub title: String,
    pub banner: Option<String>,
    /// `file: /home/me/.config/pancloud/credentials.json`
    pub store_label: String,
    pub leeway: i64,
    pub now: i64,
    pub entries: Vec<Entry>,
    pub default: Option<String>,
    /// Indices into `entries` that pass the filter, in sort order.
    pub view: Vec<usize>,
    /// Position in `view`.
    pub selected: usize,
    /// First visible row of the list.
    pub offset: usize,
    pub filter: String,
    pub sort: Sort,
    pub mode: Mode,
    pub status: Option<Status>,
    /// Profiles with a call in flight, and what the call is ("refreshing").
    pub busy: Vec<(String, &'static str)>,
    pub loading: bool,
    pub revealed: Option<SecretField>,
    pub detail_scroll: u16,
    /// Terminal size, for layout-dependent moves (page up/down, mouse rows).
    pub size: (u16, u16),
    pub spinner: usize,
    pub theme: Theme,
    /// The pancloud file the import dialog offers first.
    pub pancloud_file: String,
    /// A browser can open from here (`$BROWSER`, or a desktop session): else `^o` says so.
    pub browser_here: bool,
    /// The `exec --serve` endpoints running now (the activity pane lists them).
    pub endpoints: Vec<crate::endpoints::Note>,
    /// Select this profile when the next load brings it (after a save or an import).
    pub follow: Option<String>,
    pub keep_fresh: super::keep_fresh::KeepFresh,
    pub activity: super::activity::Activity,
    /// The inspection shown in the detail pane (`I`), for the selected profile.
    pub inspect: Option<super::inspect::Inspect>,
    pub quit: bool,
}

impl App {
    pub fn new(store_label: String, leeway: i64, now: i64, size: (u16, u16)) -> Self {
        App {
            title: "pancred".into(),
            banner: None,
            store_label,
            leeway,
            now,
            entries: Vec::new(),
            default: None,
            view: Vec::new(),
            selected: 0,
            offset: 0,
            filter: String::new(),
            sort: Sort::Name,
            mode: Mode::Normal,
            status: None,
            busy: Vec::new(),
            loading: true,
            revealed: None,
            detail_scroll: 0,
            size,
            spinner: 0,
            theme: Theme::colored(),
            pancloud_file: String::new(),
            browser_here: true,
            endpoints: Vec::new(),
            follow: None,
            keep_fresh: Default::default(),
            activity: Default::default(),
            inspect: None,
            quit: false,
        }
    }

    /// Replaces every profile (a store load), keeping the selection on the same name if it survives.
    pub fn set_profiles(&mut self, profiles: Vec<Profile>, default: Option<String>) {
        let keep = self
            .follow
            .take()
            .or_else(|| self.selected_entry().map(|e| e.name().to_string()));
        self.entries = profiles
            .into_iter()
            .map(|p| {
                let is_default = default.as_deref() == Some(p.profile.as_str());
                Entry::new(p, is_default, self.now, self.leeway)
            })
            .collect();
        self.default = default;
        self.loading = false;
        self.activity.baseline = true;
        self.rebuild_view(keep.as_deref());
    }

    /// Replaces one profile after an engine call returned it.
    pub fn put_profile(&mut self, profile: Profile) {
        let is_default = self.default.as_deref() == Some(profile.profile.as_str());
        let keep = self.selected_entry().map(|e| e.name().to_string());
        let entry = Entry::new(profile, is_default, self.now, self.leeway);
        match self.entries.iter().position(|e| e.name() == entry.name()) {
            Some(i) => self.entries[i] = entry,
            None => self.entries.push(entry),
        }
        self.rebuild_view(keep.as_deref());
    }

    /// Recomputes the filtered, sorted view; the selection follows `keep` when it is still shown.
    pub fn rebuild_view(&mut self, keep: Option<&str>) {
        let needle = self.filter.to_lowercase();
        let mut view: Vec<usize> = (0..self.entries.len())
            .filter(|&i| needle.is_empty() || matches(&self.entries[i], &needle))
            .collect();
        let entries = &self.entries;
        match self.sort {
            Sort::Name => view.sort_by(|&a, &b| {
                crate::profile::name::shown_order(entries[a].name(), entries[b].name())
            }),
            Sort::TimeLeft => view.sort_by(|&a, &b| {
                let key = |i: usize| {
                    let s = &entries[i].summary;
                    match (s.has_access_token, s.expires_at) {
                        (true, Some(e)) => (0, e),
                        (true, None) => (1, 0),
                        (false, _) => (2, 0),
                    }
                };
                key(a)
                    .cmp(&key(b))
                    .then_with(|| entries[a].name().cmp(entries[b].name()))
            }),
        }
        self.view = view;
        let pos = keep.and_then(|k| self.view.iter().position(|&i| self.entries[i].name() == k));
        self.selected = pos.unwrap_or(self.selected.min(self.view.len().saturating_sub(1)));
        self.scroll_to_selection();
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.view.get(self.selected).map(|&i| &self.entries[i])
    }

    pub fn selected_name(&self) -> Option<String> {
        self.selected_entry().map(|e| e.name().to_string())
    }

    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name() == name)
    }

    /// Rows the list can show at the current size.
    pub fn list_rows(&self) -> usize {
        super::ui::layout::areas(
            self.size.0,
            self.size.1,
            super::ui::layout::banner_height(self.banner.as_deref(), self.size.0),
        )
        .list_rows
        .height as usize
    }

    /// Keeps the selected row inside the visible window, moving the window as little as possible.
    pub fn scroll_to_selection(&mut self) {
        let rows = self.list_rows().max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        let max_offset = self.view.len().saturating_sub(rows);
        self.offset = self.offset.min(max_offset);
    }

    pub fn select(&mut self, pos: usize) {
        if self.view.is_empty() {
            return;
        }
        let pos = pos.min(self.view.len() - 1);
        if pos != self.selected {
            // A revealed secret belongs to the profile it was asked for; so does an inspection.
            self.revealed = None;
            self.inspect = None;
            self.detail_scroll = 0;
        }
        self.selected = pos;
        self.scroll_to_selection();
    }

    pub fn move_by(&mut self, delta: isize) {
        let pos = self.selected.saturating_add_signed(delta);
        self.select(pos);
    }

    pub fn is_busy(&self, name: &str) -> Option<&'static str> {
        self.busy.iter().find(|(n, _)| n == name).map(|(_, w)| *w)
    }

    pub fn set_busy(&mut self, name: &str, what: &'static str) {
        self.busy.retain(|(n, _)| n != name);
        self.busy.push((name.to_string(), what));
    }

    pub fn clear_busy(&mut self, name: &str) {
        self.busy.retain(|(n, _)| n != name);
    }

    /// Something animates (a call in flight): the loop ticks faster while this holds.
    pub fn animating(&self) -> bool {
        self.loading
            || !self.busy.is_empty()
            || matches!(self.mode, Mode::Authorize(_))
            || self.inspecting()
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            level: Level::Info,
            text: text.into(),
        });
    }

    pub fn success(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            level: Level::Success,
            text: text.into(),
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            level: Level::Error,
            text: text.into(),
        });
    }
}

fn matches(e: &Entry, needle: &str) -> bool {
    let s = &e.summary;
    e.name().to_lowercase().contains(needle)
        || s.dialect.as_str().contains(needle)
        || s.client_id
            .as_deref()
            .is_some_and(|c| c.to_lowercase().contains(needle))
}
