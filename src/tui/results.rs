//! `App::on_engine`: a background call came back. Success updates the profile in place; failure
//! goes to the status line, and the UI carries on.

use super::activity::Kind;
use super::app::{App, Mode};
use super::authorize::{AuthPhase, Method};
use super::effect::Effect;
use super::event::EngineEvent;
use crate::clock::format_span;
use crate::profile::Profile;

const CANNOT_READ: &str = "Cannot read the store";

impl App {
    pub fn on_engine(&mut self, event: EngineEvent) -> Vec<Effect> {
        match event {
            EngineEvent::Loaded(Ok((profiles, default))) => {
                // A reload asked for with R, or one after a failed read, says how it went.
                let answer = self.status.as_ref().is_some_and(|s| {
                    s.text == super::update::RELOADING || s.text.starts_with(CANNOT_READ)
                });
                let n = profiles.len();
                self.log_reload(&profiles, default.as_deref());
                self.set_profiles(profiles, default);
                if answer {
                    let n = crate::text::count(n, "profile");
                    self.success(format!("Reloaded {n} from the store"));
                }
                return self.keep_fresh_due();
            }
            EngineEvent::Loaded(Err(e)) => {
                self.loading = false;
                self.log(Kind::StoreError, format!("cannot read the store: {e}"));
                self.error(format!("{CANNOT_READ}: {e}"));
            }
            EngineEvent::Refreshed(name, res) => {
                self.clear_busy(&name);
                match res {
                    Ok(p) => {
                        let left = self.token_note(&p);
                        self.put_profile(p);
                        self.log(
                            Kind::RefreshedHere,
                            format!("'{name}' refreshed here: {left}"),
                        );
                        self.success(format!("Refreshed '{name}': {left}"));
                    }
                    Err(e) => {
                        self.log(Kind::Failed, format!("refresh of '{name}' failed: {e}"));
                        self.error(format!("Refresh of '{name}' failed: {e}"));
                    }
                }
            }
            EngineEvent::KeptFresh(name, res) => self.kept_fresh(name, res),
            EngineEvent::Inspected(name, asked, res) => self.inspected(&name, asked, res),
            EngineEvent::Revoked(name, res) => {
                self.clear_busy(&name);
                match res {
                    Ok(report) => {
                        self.put_profile(report.profile);
                        let words = |v: &[&str]| v.join(" and ").replace('_', " ");
                        let mut text = if report.revoked.is_empty() {
                            format!("Forgot the tokens of '{name}'")
                        } else {
                            format!("Revoked the {} of '{name}'", words(&report.revoked))
                        };
                        if !report.not_revocable.is_empty() {
                            text.push_str(&format!(
                                "; the provider cannot revoke the {}: forgotten here, valid until it expires",
                                words(&report.not_revocable)
                            ));
                        }
                        self.log(Kind::Revoked, text.clone());
                        self.success(text);
                    }
                    Err(e) => {
                        self.log(Kind::Failed, format!("revoke for '{name}' failed: {e}"));
                        self.error(format!("Revoke for '{name}' failed: {e}"));
                    }
                }
            }
            EngineEvent::DefaultSet(name, res) => {
                self.clear_busy(&name);
                match res {
                    Ok(()) => {
                        self.default = Some(name.clone());
                        for e in &mut self.entries {
                            e.summary.default = e.profile.profile == name;
                        }
                        self.success(format!("'{name}' is now the default profile"));
                    }
                    Err(e) => self.error(format!("Cannot make '{name}' the default: {e}")),
                }
            }
            EngineEvent::Saved(name, res) => {
                self.clear_busy(&name);
                match res {
                    Ok(()) => {
                        self.success(format!("Saved '{name}'"));
                        self.follow = Some(name);
                        self.loading = true;
                        return vec![Effect::Load];
                    }
                    Err(e) => self.error(format!("Cannot save '{name}': {e}")),
                }
            }
            EngineEvent::Deleted(name, res) => {
                self.clear_busy(&name);
                match res {
                    Ok(true) => {
                        self.success(format!("Deleted '{name}'"));
                        self.loading = true;
                        return vec![Effect::Load];
                    }
                    Ok(false) => {
                        self.error(format!("'{name}' was already gone from the store"));
                        self.loading = true;
                        return vec![Effect::Load];
                    }
                    Err(e) => self.error(format!("Cannot delete '{name}': {e}")),
                }
            }
            EngineEvent::Imported(Ok(done)) if done.already_here => {
                self.info("That file is this store itself: its profiles are here already");
            }
            EngineEvent::Imported(Ok(done)) if done.names.is_empty() => {
                self.info("That file holds no profiles; nothing imported");
            }
            EngineEvent::Imported(Ok(done)) => {
                let names = done.names;
                let replaced = names.iter().filter(|(_, r)| *r).count();
                let list: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
                let profiles = if names.len() == 1 {
                    "profile"
                } else {
                    "profiles"
                };
                self.success(format!(
                    "Moved {} {profiles} into the store (their tokens left the file): {}{}",
                    names.len(),
                    list.join(", "),
                    if replaced > 0 {
                        format!(" ({replaced} replaced)")
                    } else {
                        String::new()
                    }
                ));
                self.follow = names.first().map(|(n, _)| n.clone());
                self.loading = true;
                return vec![Effect::Load];
            }
            EngineEvent::Imported(Err(e)) => self.error(format!("Import failed: {e}")),
            EngineEvent::AuthorizationStarted(name, res) => {
                let Mode::Authorize(auth) = &mut self.mode else {
                    return vec![];
                };
                if auth.profile != name
                    || auth.phase != AuthPhase::Starting
                    || auth.method != Method::Browser
                {
                    return vec![];
                }
                match res {
                    Ok(started) => {
                        let url = started.pending.url.clone();
                        auth.pending = Some(started.pending);
                        auth.listening = started.listening;
                        auth.note = started.note;
                        auth.phase = AuthPhase::Waiting;
                        self.log(
                            Kind::AuthStarted,
                            format!("'{name}': authorization started"),
                        );
                        self.info(format!("Authorizing '{name}': finish in the browser"));
                        return vec![Effect::OpenBrowser(url)];
                    }
                    Err(e) => {
                        self.mode = Mode::Normal;
                        self.log(Kind::Failed, format!("cannot authorize '{name}': {e}"));
                        self.error(format!("Cannot authorize '{name}': {e}"));
                    }
                }
            }
            EngineEvent::CallbackReceived(name, res) => {
                let Mode::Authorize(auth) = &mut self.mode else {
                    return vec![];
                };
                if auth.profile != name || auth.method != Method::Browser {
                    return vec![];
                }
                match (res, auth.pending.clone()) {
                    (Ok(code), Some(pending)) => {
                        auth.phase = AuthPhase::Exchanging;
                        return vec![Effect::Exchange {
                            profile: name,
                            code,
                            pending: Box::new(pending),
                        }];
                    }
                    (Err(e), _) => {
                        let text = format!("'{name}': authorization refused: {e}");
                        auth.error = Some(e);
                        self.log(Kind::AuthRefused, text);
                    }
                    (Ok(_), None) => {}
                }
            }
            EngineEvent::Authorized(name, res) => {
                let here = matches!(&self.mode, Mode::Authorize(a) if a.profile == name);
                match res {
                    Ok(p) => {
                        let left = self.token_note(&p);
                        self.put_profile(p);
                        if here {
                            self.mode = Mode::Normal;
                        }
                        self.log(Kind::AuthDone, format!("'{name}' authorized: {left}"));
                        self.success(format!("Authorized '{name}': {left}"));
                    }
                    Err(e) => {
                        if let Mode::Authorize(auth) = &mut self.mode {
                            if here {
                                auth.phase = AuthPhase::Waiting;
                                auth.error = Some(e.to_string());
                            }
                        }
                        self.log(
                            Kind::AuthRefused,
                            format!("'{name}': authorization refused: {e}"),
                        );
                        self.error(format!("Authorization of '{name}' failed: {e}"));
                    }
                }
            }
            EngineEvent::StoreChanged => return vec![Effect::Load],
            EngineEvent::Endpoints(notes) => self.set_endpoints(notes),
            EngineEvent::StoreTrouble(why) => {
                self.log(Kind::StoreError, format!("cannot check the store: {why}"));
                self.error(format!("Cannot check the store for changes: {why}"));
            }
            EngineEvent::DeviceSupport(..)
            | EngineEvent::DeviceStarted(..)
            | EngineEvent::DeviceFinished(..) => return self.on_device(event),
            EngineEvent::InputClosed(why) => {
                self.error(why);
                self.quit = true;
            }
        }
        vec![]
    }

    /// "token valid for 59m 59s" for a profile just returned by the engine.
    pub(super) fn token_note(&self, p: &Profile) -> String {
        match (p.access_token.is_some(), p.effective_expires_at()) {
            (false, _) => "no access token came back".into(),
            (true, None) => "new access token (no expiry given)".into(),
            (true, Some(exp)) => format!(
                "token valid for {}",
                format_span(crate::seconds::left(exp, self.now))
            ),
        }
    }
}
