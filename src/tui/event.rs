//! The one channel everything arrives on: ticks, terminal input, and results of background calls.

use super::authorize::{DeviceShown, Started};
use crate::engine::RevokeReport;
use crate::profile::Profile;
use crate::Error;
use crossterm::event::{Event as TermEvent, EventStream, KeyEvent, MouseEvent};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

pub enum Event {
    Tick,
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// Boxed: a result can carry a whole profile, and the channel moves many small events.
    Engine(Box<EngineEvent>),
}

/// What a background call came back with.
pub enum EngineEvent {
    Loaded(Result<(Vec<Profile>, Option<String>), Error>),
    Refreshed(String, Result<Profile, Error>),
    /// A userinfo or introspection answer for the inspection.
    Inspected(
        String,
        super::inspect::Asked,
        Result<crate::engine::Offered<crate::engine::Fields>, Error>,
    ),
    /// A keep-fresh refresh ended; the profile as stored now.
    KeptFresh(String, Result<Profile, Error>),
    Revoked(String, Result<RevokeReport, Error>),
    DefaultSet(String, Result<(), Error>),
    Saved(String, Result<(), Error>),
    Deleted(String, Result<bool, Error>),
    /// Profile names imported, each with whether it replaced one.
    Imported(Result<ImportDone, Error>),
    AuthorizationStarted(String, Result<Started, Error>),
    /// The loopback listener received the browser's redirect.
    CallbackReceived(String, Result<crate::Secret, String>),
    Authorized(String, Result<Profile, Error>),
    /// Whether the profile's provider offers device login.
    DeviceSupport(String, bool),
    /// The provider gave a user code (or refused to); polling goes on in the background.
    DeviceStarted(String, Result<DeviceShown, Error>),
    /// The device login's polling ended: tokens stored, or why not.
    DeviceFinished(String, Result<Profile, Error>),
    /// The terminal input stream ended or failed: nothing more can be read.
    InputClosed(String),
    /// Another process changed the store (see `live.rs`): time to reload.
    StoreChanged,
    /// The `exec --serve` endpoints running now (see `live.rs`), when that changed.
    Endpoints(Vec<crate::endpoints::Note>),
    /// The store's change check failed (the server went away): said once, until it answers again.
    StoreTrouble(String),
}

pub type Sender = mpsc::UnboundedSender<Event>;

/// Turns crossterm's event stream into [`Event`]s until the receiver goes away.
pub fn spawn_input(tx: Sender) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        while let Some(next) = stream.next().await {
            let ev = match next {
                Ok(TermEvent::Key(k)) => Event::Key(k),
                Ok(TermEvent::Mouse(m)) => Event::Mouse(m),
                Ok(TermEvent::Paste(p)) => Event::Paste(p),
                Ok(TermEvent::Resize(w, h)) => Event::Resize(w, h),
                Ok(_) => continue,
                Err(e) => Event::Engine(Box::new(EngineEvent::InputClosed(e.to_string()))),
            };
            if tx.send(ev).is_err() {
                return;
            }
        }
        let _ = tx.send(Event::Engine(Box::new(EngineEvent::InputClosed(
            "the terminal closed".into(),
        ))));
    })
}

/// Ticks at the period in `period`, which the loop shortens while something animates.
///
/// Ticks land just after wall-clock second boundaries so countdowns turn over with the clock.
pub fn spawn_ticker(
    tx: Sender,
    mut period: watch::Receiver<Duration>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let p = *period.borrow_and_update();
            let wait = if p >= Duration::from_secs(1) {
                let since = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_millis())
                    .unwrap_or(0);
                Duration::from_millis(u64::from(1000 - since) + 5)
            } else {
                p
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {
                    if tx.send(Event::Tick).is_err() {
                        return;
                    }
                }
                changed = period.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    })
}

/// What an import did, as the TUI tells it.
#[derive(Debug, Default)]
pub struct ImportDone {
    /// Each profile imported, and whether it replaced one of the same name.
    pub names: Vec<(String, bool)>,
    /// The file is the store itself: its profiles are here already.
    pub already_here: bool,
}
