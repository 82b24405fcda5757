//! Does each [`Effect`] in the background: engine calls (every write among them) in tokio tasks,
//! store reads through `spawn_blocking` (keyring and file APIs block). Every result comes back as an [`EngineEvent`].

use super::authorize::{DeviceShown, Started};
use super::clipboard;
use super::effect::Effect;
use super::event::{EngineEvent, Event, Sender};
use crate::loopback::{Expected, Listener, DEFAULT_REDIRECT_URI};
use crate::store::StoreView;
use crate::{Engine, Error};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long the listener waits for the browser before the screen says so (pasting still works).
const AUTHORIZE_TIMEOUT: Duration = Duration::from_secs(600);

pub struct Runner {
    engine: Engine,
    tx: Sender,
    open_browser: bool,
    /// A desktop session: the desktop's opener may be used when `$BROWSER` is not set.
    pub desktop: bool,
    /// The authorization in progress (waiting on a listener or an exchange), for Esc to cancel.
    auth: Option<JoinHandle<()>>,
}

impl Runner {
    pub fn new(engine: Engine, tx: Sender, open_browser: bool) -> Self {
        Runner {
            engine,
            tx,
            open_browser,
            desktop: cfg!(any(target_os = "macos", windows)),
            auth: None,
        }
    }

    fn send(tx: &Sender, ev: EngineEvent) {
        // The receiver is gone only when the TUI is exiting; nothing is left to tell.
        let _ = tx.send(Event::Engine(Box::new(ev)));
    }

    /// Runs a store read on the blocking pool and reports its result.
    fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&StoreView) -> Result<T, Error> + Send + 'static,
        done: impl FnOnce(Result<T, Error>) -> EngineEvent + Send + 'static,
    ) {
        let (store, tx) = (self.engine.store(), self.tx.clone());
        tokio::spawn(async move {
            let res = tokio::task::spawn_blocking(move || f(&store))
                .await
                .unwrap_or_else(|e| Err(Error::Other(format!("store call failed: {e}"))));
            Self::send(&tx, done(res));
        });
    }

    pub fn run(&mut self, effect: Effect) {
        let (engine, tx) = (self.engine.clone(), self.tx.clone());
        match effect {
            Effect::Load => self.blocking(
                |s| {
                    let default = crate::profile::default_name(s.default_profile()?);
                    Ok((s.list()?, Some(default)))
                },
                EngineEvent::Loaded,
            ),
            Effect::Refresh(name) => {
                tokio::spawn(async move {
                    let res = engine.refresh(&name).await;
                    Self::send(&tx, EngineEvent::Refreshed(name, res));
                });
            }
            Effect::Inspect(name) => {
                use super::inspect::Asked;
                let (e2, tx2, n2) = (engine.clone(), tx.clone(), name.clone());
                tokio::spawn(async move {
                    let res = e2.userinfo(&n2).await;
                    Self::send(&tx2, EngineEvent::Inspected(n2, Asked::Userinfo, res));
                });
                tokio::spawn(async move {
                    let res = engine.introspect(&name).await;
                    Self::send(&tx, EngineEvent::Inspected(name, Asked::Introspection, res));
                });
            }
            Effect::KeepFresh(name) => {
                tokio::spawn(async move {
                    let res = match engine.fresh_access_token(&name).await {
                        Ok(_) => engine
                            .load(&name)
                            .await
                            .and_then(|p| p.ok_or_else(|| engine.no_such(&name))),
                        Err(e) => Err(e),
                    };
                    Self::send(&tx, EngineEvent::KeptFresh(name, res));
                });
            }
            Effect::Revoke(name, what) => {
                tokio::spawn(async move {
                    let res = engine.revoke_report(&name, what).await;
                    Self::send(&tx, EngineEvent::Revoked(name, res));
                });
            }
            Effect::SetDefault(name) => {
                tokio::spawn(async move {
                    let res = engine.set_default(&name).await;
                    Self::send(&tx, EngineEvent::DefaultSet(name, res));
                });
            }
            Effect::Save {
                name,
                new_name,
                patch,
                created,
            } => {
                tokio::spawn(async move {
                    let res = if created {
                        engine.create(&new_name, *patch).await
                    } else {
                        engine.save_as(&name, &new_name, *patch).await
                    };
                    Self::send(&tx, EngineEvent::Saved(new_name, res.map(|_| ())));
                });
            }
            Effect::Delete(name) => {
                tokio::spawn(async move {
                    let res = engine.remove(&name).await;
                    Self::send(&tx, EngineEvent::Deleted(name, res));
                });
            }
            Effect::Import(path) => {
                tokio::spawn(async move {
                    let res = engine
                        .import(&path, crate::engine::ImportMode::Move)
                        .await
                        .and_then(|out| match out.failed {
                            Some((_, e)) => Err(e),
                            None => Ok(super::event::ImportDone {
                                names: out.copied,
                                already_here: out.already_here,
                            }),
                        });
                    Self::send(&tx, EngineEvent::Imported(res));
                });
            }
            Effect::StartAuthorization(name) => self.start_authorization(name),
            Effect::CheckDeviceSupport(name) => {
                tokio::spawn(async move {
                    let supported = engine.device_login_supported(&name).await;
                    Self::send(&tx, EngineEvent::DeviceSupport(name, supported));
                });
            }
            Effect::StartDeviceLogin(name) => self.start_device_login(name),
            Effect::CancelAuthorization => {
                if let Some(h) = self.auth.take() {
                    h.abort();
                }
            }
            Effect::Exchange {
                profile,
                code,
                pending,
            } => {
                if let Some(h) = self.auth.take() {
                    h.abort();
                }
                self.auth = Some(tokio::spawn(async move {
                    let res = engine
                        .exchange_code(&profile, code.expose(), Some(&pending))
                        .await;
                    Self::send(&tx, EngineEvent::Authorized(profile, res));
                }));
            }
            Effect::OpenBrowser(url) => {
                if self.open_browser {
                    open_browser(&url, self.desktop);
                }
            }
            Effect::Copy(secret) => clipboard::copy(secret.expose()),
        }
    }

    /// Binds the loopback listener for the profile's redirect URI (any free port when it names
    /// none), starts the authorization with the bound URI, then waits for the browser.
    fn start_authorization(&mut self, name: String) {
        if let Some(h) = self.auth.take() {
            h.abort();
        }
        let (engine, tx) = (self.engine.clone(), self.tx.clone());
        // Aborting this task (Esc, or a pasted code) drops the listener and frees its port.
        self.auth = Some(tokio::spawn(async move {
            let redirect = match engine.load(&name).await {
                Ok(Some(p)) => p.redirect_uri.filter(|r| !r.trim().is_empty()),
                _ => None,
            }
            .unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_string());
            let (listener, note) = match Listener::bind(&redirect, None).await {
                Ok(l) => (Some(l), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let listening = listener.as_ref().map(|l| l.redirect_uri().to_string());
            let started = engine
                .start_authorization(&name, listening.as_deref())
                .await;
            let expected = started.as_ref().ok().map(Expected::from);
            let started = started.map(|pending| Started {
                pending,
                listening,
                note,
            });
            Self::send(
                &tx,
                EngineEvent::AuthorizationStarted(name.clone(), started),
            );
            let (Some(listener), Some(expected)) = (listener, expected) else {
                return;
            };
            let res = listener
                .wait(expected, AUTHORIZE_TIMEOUT, std::future::pending())
                .await
                .map(|cb| cb.code)
                .map_err(|e| e.to_string());
            Self::send(&tx, EngineEvent::CallbackReceived(name, res));
        }));
    }
}

impl Runner {
    /// Asks for a user code and polls through the engine, as `pancred login --device` does
    /// (its interval, slower after `slow_down`); the engine stores the tokens. Aborting the
    /// task (Esc, a switch back to the browser) stops the polling.
    fn start_device_login(&mut self, name: String) {
        if let Some(h) = self.auth.take() {
            h.abort();
        }
        let (engine, tx) = (self.engine.clone(), self.tx.clone());
        self.auth = Some(tokio::spawn(async move {
            let login = match engine.start_device_login(&name).await {
                Ok(login) => login,
                Err(e) => return Self::send(&tx, EngineEvent::DeviceStarted(name, Err(e))),
            };
            let shown = DeviceShown::from_login(&login);
            Self::send(&tx, EngineEvent::DeviceStarted(name.clone(), Ok(shown)));
            let res = engine.finish_device_login(&login).await;
            Self::send(&tx, EngineEvent::DeviceFinished(name, res));
        }));
    }
}

/// `$BROWSER` if set, else the desktop's opener when there is a desktop. Never a terminal browser:
/// it would fight the TUI for the screen. The URL is on screen either way.
fn open_browser(url: &str, desktop: bool) {
    if let Some(list) = crate::browser::browser_list() {
        let _ = crate::browser::open_with(&list, url, crate::browser::Chatter::Silent);
        return;
    }
    if desktop {
        let _ = open::that_detached(url);
    }
}
