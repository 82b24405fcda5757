//! `App::update`: an [`Action`] changes the state and may ask for [`Effect`]s. No I/O here.

use super::action::Action;
use super::app::{App, ConfirmKind, InputBox, InputKind, Mode, SecretField, Sort};
use super::authorize::AuthState;
use super::effect::Effect;
use super::form::Form;
use super::keys::on_main;
use crate::engine::RevokeWhat;
use crate::TokenState;

impl App {
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Tick(now) => {
                let second = now != self.now;
                self.now = now;
                self.spinner = self.spinner.wrapping_add(1);
                return if second {
                    self.keep_fresh_due()
                } else {
                    vec![]
                };
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.scroll_to_selection();
                return vec![];
            }
            _ => {}
        }
        match self.mode {
            Mode::Normal => self.normal(action),
            Mode::Filter => self.filtering(action),
            Mode::Help { .. } => self.help(action),
            Mode::Confirm(_) => self.confirming(action),
            Mode::Input(_) => self.input(action),
            Mode::Form(_) => self.form(action),
            Mode::Authorize(_) => self.authorizing(action),
        }
    }

    fn normal(&mut self, action: Action) -> Vec<Effect> {
        let page = self.list_rows().max(1) as isize;
        match action {
            Action::Quit => self.quit = true,
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::Top => self.select(0),
            Action::Bottom => self.select(self.view.len().saturating_sub(1)),
            Action::Select(pos) => self.select(pos),
            Action::DetailUp => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Action::DetailDown => self.detail_scroll = self.detail_scroll.saturating_add(1),
            Action::StartFilter => self.mode = Mode::Filter,
            Action::ClearFilter if !self.filter.is_empty() => {
                self.filter.clear();
                let keep = self.selected_name();
                self.rebuild_view(keep.as_deref());
            }
            Action::ToggleSort => {
                self.sort = match self.sort {
                    Sort::Name => Sort::TimeLeft,
                    Sort::TimeLeft => Sort::Name,
                };
                let keep = self.selected_name();
                self.rebuild_view(keep.as_deref());
                self.info(format!("Sorted by {}", self.sort.label()));
            }
            Action::Reveal => self.reveal_next(),
            Action::Reload => {
                self.loading = true;
                self.info(RELOADING);
                return vec![Effect::Load];
            }
            Action::Help => self.mode = Mode::Help { scroll: 0 },
            Action::ToggleKeepFresh => return self.toggle_keep_fresh(),
            Action::ToggleActivity => self.activity.shown = !self.activity.shown,
            Action::Inspect => return self.toggle_inspect(),
            Action::New => {
                self.mode = Mode::Form(Box::new(Form::new(None, self.names())));
            }
            Action::Import => {
                let value = self.pancloud_file.clone();
                self.mode = Mode::Input(InputBox {
                    kind: InputKind::Import,
                    value,
                });
            }
            Action::Authorize
            | Action::Refresh
            | Action::Revoke
            | Action::MakeDefault
            | Action::Edit
            | Action::Delete
            | Action::Copy => return self.on_selected(action),
            _ => {}
        }
        vec![]
    }

    /// Actions on the selected profile.
    fn on_selected(&mut self, action: Action) -> Vec<Effect> {
        let Some(entry) = self.selected_entry() else {
            self.error(format!(
                "No profile selected: press {} to create one or {} to import a pancloud file",
                on_main(&Action::New),
                on_main(&Action::Import)
            ));
            return vec![];
        };
        let name = entry.name().to_string();
        let s = &entry.summary;
        let (has_access, has_refresh, is_default) =
            (s.has_access_token, s.has_refresh_token, s.default);
        let access_token = entry.profile.access_token.clone();
        let profile = entry.profile.clone();
        if let Some(what) = self.is_busy(&name) {
            if !matches!(action, Action::Copy | Action::Edit) {
                self.error(format!("'{name}' is busy ({what}); wait for it to finish"));
                return vec![];
            }
        }
        match action {
            Action::Authorize => {
                self.mode = Mode::Authorize(Box::new(AuthState::new(name.clone())));
                self.info(format!("Authorizing '{name}'…"));
                vec![
                    Effect::StartAuthorization(name.clone()),
                    Effect::CheckDeviceSupport(name),
                ]
            }
            Action::Refresh => {
                self.set_busy(&name, "refreshing");
                self.info(format!("Refreshing '{name}'…"));
                vec![Effect::Refresh(name)]
            }
            Action::Revoke => {
                if !has_access && !has_refresh {
                    self.error(format!("'{name}' holds no token to revoke"));
                } else {
                    self.mode = Mode::Confirm(ConfirmKind::Revoke {
                        profile: name,
                        access: has_access,
                        refresh: has_refresh,
                    });
                }
                vec![]
            }
            Action::MakeDefault if is_default => {
                self.info(format!("'{name}' is already the default profile"));
                vec![]
            }
            Action::MakeDefault => {
                self.set_busy(&name, "saving");
                vec![Effect::SetDefault(name)]
            }
            Action::Edit => {
                self.mode = Mode::Form(Box::new(Form::new(Some(profile), self.names())));
                vec![]
            }
            Action::Delete => {
                self.mode = Mode::Confirm(ConfirmKind::Delete { profile: name });
                vec![]
            }
            Action::Copy => match access_token {
                Some(token) => {
                    let expired = self
                        .selected_entry()
                        .is_some_and(|e| e.state(self.now, self.leeway) == TokenState::Expired);
                    let note = if expired {
                        format!(
                            " (it has expired: press {} to refresh)",
                            on_main(&Action::Refresh)
                        )
                    } else {
                        String::new()
                    };
                    // OSC 52 has no answer: the terminal may have dropped it, so say what was done.
                    self.success(format!(
                        "Sent the access token of '{name}' to the terminal's clipboard (OSC 52){note}"
                    ));
                    vec![Effect::Copy(token)]
                }
                None => {
                    self.error(format!(
                        "'{name}' has no access token: press {} to refresh or {} to authorize",
                        on_main(&Action::Refresh),
                        on_main(&Action::Authorize)
                    ));
                    vec![]
                }
            },
            _ => vec![],
        }
    }

    fn reveal_next(&mut self) {
        let Some(entry) = self.selected_entry() else {
            return;
        };
        let present: Vec<SecretField> = SecretField::ALL
            .into_iter()
            .filter(|f| f.get(&entry.profile).is_some())
            .collect();
        if present.is_empty() {
            self.info(format!("'{}' stores no secrets", entry.name()));
            return;
        }
        let next = match self.revealed {
            None => Some(present[0]),
            Some(cur) => present
                .iter()
                .position(|f| *f == cur)
                .and_then(|i| present.get(i + 1).copied()),
        };
        self.revealed = next;
        match next {
            Some(f) => self.info(format!(
                "Showing {} of '{}'; moving the selection hides it ({}: next)",
                f.label(),
                self.selected_name().unwrap_or_default(),
                on_main(&Action::Reveal)
            )),
            None => self.info("Secrets hidden"),
        }
    }

    fn names(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.name().to_string()).collect()
    }

    fn filtering(&mut self, action: Action) -> Vec<Effect> {
        let keep = self.selected_name();
        if super::update_text::edit_line(&mut self.filter, &action) {
            self.rebuild_view(keep.as_deref());
            return vec![];
        }
        match action {
            Action::Submit => {
                self.mode = Mode::Normal;
                return vec![];
            }
            Action::Cancel => {
                self.filter.clear();
                self.mode = Mode::Normal;
            }
            Action::Up => return self.normal(Action::Up),
            Action::Down => return self.normal(Action::Down),
            Action::Quit => self.quit = true,
            _ => return vec![],
        }
        self.rebuild_view(keep.as_deref());
        vec![]
    }

    fn help(&mut self, action: Action) -> Vec<Effect> {
        if let Mode::Help { scroll } = &mut self.mode {
            match action {
                Action::Down => *scroll = scroll.saturating_add(1),
                Action::Up => *scroll = scroll.saturating_sub(1),
                Action::Cancel => self.mode = Mode::Normal,
                Action::Quit => self.quit = true,
                _ => {}
            }
        }
        vec![]
    }

    fn confirming(&mut self, action: Action) -> Vec<Effect> {
        let Mode::Confirm(kind) = &mut self.mode else {
            return vec![];
        };
        match (action, kind) {
            (
                Action::Toggle(c),
                ConfirmKind::Revoke {
                    access, refresh, ..
                },
            ) => {
                match c {
                    'a' => *access = !*access,
                    'r' => *refresh = !*refresh,
                    _ => {}
                }
                vec![]
            }
            (Action::Confirm, kind) => {
                let kind = kind.clone();
                self.mode = Mode::Normal;
                match kind {
                    ConfirmKind::Revoke {
                        profile,
                        access,
                        refresh,
                    } => {
                        if !access && !refresh {
                            self.error("Nothing chosen to revoke");
                            return vec![];
                        }
                        self.set_busy(&profile, "revoking");
                        self.info(format!("Revoking at the provider for '{profile}'…"));
                        let what = RevokeWhat {
                            access_token: access,
                            refresh_token: refresh,
                        };
                        vec![Effect::Revoke(profile, what)]
                    }
                    ConfirmKind::Delete { profile } => {
                        self.set_busy(&profile, "deleting");
                        vec![Effect::Delete(profile)]
                    }
                }
            }
            (Action::Cancel, _) => {
                self.mode = Mode::Normal;
                self.info("Cancelled");
                vec![]
            }
            (Action::Quit, _) => {
                self.quit = true;
                vec![]
            }
            _ => vec![],
        }
    }
}

/// The status line while `R` reloads; the answer replaces it.
pub(super) const RELOADING: &str = "Reloading the profiles from the store…";
