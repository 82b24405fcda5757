//! `App::update` for the modal screens that take text: the import path, the profile form and
//! the authorize screen.

use super::action::Action;
use super::app::{App, Mode};
use super::authorize::{parse_pasted, AuthPhase, Method};
use super::effect::Effect;
use super::keys;
use std::path::PathBuf;

impl App {
    pub(super) fn input(&mut self, action: Action) -> Vec<Effect> {
        let Mode::Input(input) = &mut self.mode else {
            return vec![];
        };
        if edit_line(&mut input.value, &action) {
            return vec![];
        }
        match action {
            Action::Cancel => {
                self.mode = Mode::Normal;
                self.info("Cancelled");
            }
            Action::Quit => self.quit = true,
            Action::Submit => {
                let value = input.value.trim().to_string();
                if value.is_empty() {
                    self.error("Type the path of a pancloud credentials file");
                    return vec![];
                }
                let path = expand_home(&value);
                self.mode = Mode::Normal;
                self.info(format!("Importing {}…", path.display()));
                return vec![Effect::Import(path)];
            }
            _ => {}
        }
        vec![]
    }

    pub(super) fn form(&mut self, action: Action) -> Vec<Effect> {
        let Mode::Form(form) = &mut self.mode else {
            return vec![];
        };
        match action {
            Action::NextField => form.next(),
            Action::PrevField => form.prev(),
            Action::Char(c) => form.type_char(c),
            Action::Paste(p) => form.paste(&p),
            Action::Backspace => form.backspace(),
            Action::ClearInput => form.clear(),
            Action::Toggle(_) => form.cycle(),
            Action::Quit => self.quit = true,
            Action::Cancel => {
                self.mode = Mode::Normal;
                self.info("Nothing saved");
            }
            Action::Submit => match form.validate() {
                Some(done) => {
                    self.mode = Mode::Normal;
                    self.set_busy(&done.name, "saving");
                    self.info(format!("Saving '{}'…", done.new_name));
                    return vec![Effect::Save {
                        name: done.name,
                        new_name: done.new_name,
                        patch: Box::new(done.patch),
                        created: done.created,
                    }];
                }
                None => self.error(format!(
                    "Fix the marked fields, then press {} again",
                    keys::key_for(keys::Context::Form, &Action::Submit)
                )),
            },
            _ => {}
        }
        vec![]
    }

    pub(super) fn authorizing(&mut self, action: Action) -> Vec<Effect> {
        let Mode::Authorize(auth) = &mut self.mode else {
            return vec![];
        };
        if auth.method == Method::Device {
            return self.device_screen(action);
        }
        if edit_line(&mut auth.input, &action) {
            return vec![];
        }
        match action {
            Action::SwitchFlow => return self.switch_flow(),
            Action::Cancel => {
                let name = auth.profile.clone();
                self.mode = Mode::Normal;
                self.info(format!("Authorization of '{name}' cancelled"));
                return vec![Effect::CancelAuthorization];
            }
            Action::Quit => self.quit = true,
            Action::OpenBrowser => {
                if let Some(p) = &auth.pending {
                    let url = p.url.clone();
                    return self.open_browser(url);
                }
            }
            Action::CopyUrl => {
                if let Some(p) = &auth.pending {
                    let url = crate::Secret::new(p.url.clone());
                    self.success("Sent the authorization URL to the terminal's clipboard (OSC 52)");
                    return vec![Effect::Copy(url)];
                }
            }
            Action::Submit => {
                let (Some(pending), AuthPhase::Waiting) = (&auth.pending, &auth.phase) else {
                    return vec![];
                };
                match parse_pasted(&auth.input, pending) {
                    Ok(code) => {
                        auth.phase = AuthPhase::Exchanging;
                        auth.error = None;
                        auth.input.clear();
                        return vec![Effect::Exchange {
                            profile: auth.profile.clone(),
                            code,
                            pending: Box::new(pending.clone()),
                        }];
                    }
                    Err(e) => auth.error = Some(e),
                }
            }
            _ => {}
        }
        vec![]
    }

    /// Keys on the device-code screen: nothing to type there.
    fn device_screen(&mut self, action: Action) -> Vec<Effect> {
        let Mode::Authorize(auth) = &mut self.mode else {
            return vec![];
        };
        let uri = auth.device.as_ref().map(|d| d.uri_to_open().to_string());
        match action {
            Action::SwitchFlow => self.switch_flow(),
            Action::Submit => self.restart_device(),
            Action::Cancel => {
                let name = auth.profile.clone();
                self.mode = Mode::Normal;
                self.info(format!("Device login of '{name}' cancelled"));
                vec![Effect::CancelAuthorization]
            }
            Action::Quit => {
                self.quit = true;
                vec![]
            }
            Action::OpenBrowser => match uri {
                Some(u) => self.open_browser(u),
                None => vec![],
            },
            Action::CopyUrl => match uri {
                Some(u) => {
                    self.success("Sent the verification URL to the terminal's clipboard (OSC 52)");
                    vec![Effect::Copy(crate::Secret::new(u))]
                }
                None => vec![],
            },
            _ => vec![],
        }
    }
}

/// Typing into a one-line field (the filter, the import path, the pasted code): whether the
/// action was one of its edits. A paste is trimmed, so a trailing newline does not come along.
pub(super) fn edit_line(text: &mut String, action: &Action) -> bool {
    match action {
        Action::Char(c) => text.push(*c),
        Action::Paste(p) => text.push_str(p.trim()),
        Action::Backspace => {
            text.pop();
        }
        Action::ClearInput => text.clear(),
        _ => return false,
    }
    true
}

/// `~/x` to `$HOME/x`, since no shell expands what is typed here.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), crate::files::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

impl App {
    /// `^o`: the browser where one can open; elsewhere a line saying so and what to do instead.
    fn open_browser(&mut self, url: String) -> Vec<Effect> {
        if self.browser_here {
            self.info("Opening the browser…");
            return vec![Effect::OpenBrowser(url)];
        }
        let copy = super::keys::key_for(super::keys::Context::Authorize, &Action::CopyUrl);
        self.error(format!(
            "No browser can open here (no desktop session, $BROWSER not set): {copy} copies the \
             URL whole, to open it elsewhere"
        ));
        vec![]
    }
}
