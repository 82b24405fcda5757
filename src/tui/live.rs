//! Keeps the screen live: tells the loop when another process changed the store.
//!
//! Every store answers [`crate::store::Store::change_token`], a cheap token (file metadata, a
//! Redis counter) that the watcher compares once a second. Stores kept in files also name them,
//! and the OS (inotify on Linux, via `notify`) wakes the watcher as soon as one changes, so a
//! change shows well within the second. Nothing changes, nothing is read: idle, the watcher costs
//! one `stat` (or one GET) a second.

use super::event::{EngineEvent, Event, Sender};
use crate::store::StoreView;
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How often the change token is compared when the OS says nothing.
pub const POLL: Duration = Duration::from_secs(1);
/// After the OS reports a change, how long to let a burst of events (a write, then a rename)
/// settle before the one check they cause.
const SETTLE: Duration = Duration::from_millis(30);

/// Watches `store` until the receiver goes away. A store that cannot tell (`change_token` is
/// `None`) is not watched at all.
pub fn spawn(store: StoreView, tx: Sender, poll: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = token(&store).await;
        if matches!(last, Ok(None)) {
            return;
        }
        let (wake_tx, wake_rx) = mpsc::unbounded_channel();
        // Kept alive for as long as the loop runs; `None` when the OS cannot watch (polling still works).
        let (_os, mut wake_rx) = match os_watcher(store.watch_paths(), wake_tx) {
            Some(w) => (Some(w), Some(wake_rx)),
            None => (None, None),
        };
        loop {
            tokio::select! {
                woke = recv(&mut wake_rx) => {
                    if woke.is_none() {
                        wake_rx = None;
                    }
                    tokio::time::sleep(SETTLE).await;
                    if let Some(rx) = wake_rx.as_mut() {
                        while rx.try_recv().is_ok() {}
                    }
                }
                _ = tokio::time::sleep(poll) => {}
            }
            let now = token(&store).await;
            if now == last {
                continue;
            }
            let ev = match &now {
                Ok(_) => EngineEvent::StoreChanged,
                Err(e) => EngineEvent::StoreTrouble(e.clone()),
            };
            last = now;
            if tx.send(Event::Engine(Box::new(ev))).is_err() {
                return;
            }
        }
    })
}

/// Reports the `exec --serve` endpoints running now, and again whenever that changes (one look
/// at a small folder a second).
pub fn spawn_endpoints(tx: Sender, poll: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = Vec::new();
        loop {
            let now = tokio::task::spawn_blocking(crate::endpoints::live)
                .await
                .unwrap_or_default();
            if now != last {
                last = now.clone();
                if tx
                    .send(Event::Engine(Box::new(EngineEvent::Endpoints(now))))
                    .is_err()
                {
                    return;
                }
            }
            tokio::time::sleep(poll).await;
        }
    })
}

async fn recv(rx: &mut Option<mpsc::UnboundedReceiver<()>>) -> Option<()> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn token(store: &StoreView) -> Result<Option<u64>, String> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || store.change_token().map_err(|e| e.to_string()))
        .await
        .unwrap_or_else(|e| Err(format!("the store check failed: {e}")))
}

/// Watches the folders holding `paths` (a file replaced by a rename is a new file: watching the
/// file itself would lose it) and wakes the loop on a change to one of them. Reads (our own
/// among them) are not changes.
fn os_watcher(
    paths: Vec<PathBuf>,
    wake: mpsc::UnboundedSender<()>,
) -> Option<notify::RecommendedWatcher> {
    if paths.is_empty() {
        return None;
    }
    let targets: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| std::path::absolute(p).ok())
        .collect();
    let wanted = targets.clone();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        if matches!(ev.kind, EventKind::Access(_)) {
            return;
        }
        if ev.paths.iter().any(|p| wanted.contains(p)) {
            let _ = wake.send(());
        }
    })
    .ok()?;
    let mut dirs: Vec<PathBuf> = targets
        .iter()
        .filter_map(|p| p.parent().map(PathBuf::from))
        .collect();
    dirs.dedup();
    let mut any = false;
    for dir in dirs {
        any |= watcher.watch(&dir, RecursiveMode::NonRecursive).is_ok();
    }
    any.then_some(watcher)
}
