//! Ctrl-C and SIGTERM during a command that may receive new tokens.
//!
//! Before the request reaches the provider, an interrupt ends the command at once (exit 130).
//! Once it has gone out, the provider may already have spent the old refresh token, so the
//! command finishes the refresh and stores the result (bounded by the HTTP timeout and the
//! store's retries) before it ends; a second Ctrl-C ends it at once, after saying what is lost
//! (SIGTERM and SIGHUP never force it: the refresh is bounded anyway).

use crate::{Engine, Error};
use std::future::Future;
use tokio::signal::unix::{signal, SignalKind};

/// Signals closer together than this are one interrupt (a group and a process signal).
const SAME_INTERRUPT: std::time::Duration = std::time::Duration::from_millis(250);

/// Runs `work` on a small runtime, with the interrupt handling above.
pub fn run_guarded<T>(
    engine: &Engine,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(guarded(engine, work))
}

async fn guarded<T>(
    engine: &Engine,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let listen =
        |kind| signal(kind).map_err(|e| Error::Other(format!("cannot listen for signals: {e}")));
    let (mut int, mut term) = (
        listen(SignalKind::interrupt())?,
        listen(SignalKind::terminate())?,
    );
    let mut hup = listen(SignalKind::hangup())?;
    tokio::pin!(work);
    let mut finishing: Option<std::time::Instant> = None;
    loop {
        let ctrl_c = tokio::select! {
            result = &mut work => return result,
            _ = int.recv() => true,
            _ = term.recv() => false,
            _ = hup.recv() => false,
        };
        let in_flight = engine.refreshes_in_flight();
        if in_flight.is_empty() {
            return Err(Error::Cancelled);
        }
        let names = quoted(&in_flight);
        // Only a second Ctrl-C forces: `timeout` sends SIGTERM to the process and to its
        // group, so one timeout can arrive twice.
        if let Some(since) = finishing {
            if !ctrl_c || since.elapsed() < SAME_INTERRUPT {
                continue;
            }
            eprintln!(
                "pancred: quitting now: the refresh of {names} is abandoned; if the provider already \
                 issued a new refresh token it is lost, and the profile must be authorized again \
                 (`pancred login`)"
            );
            return Err(Error::Cancelled);
        }
        eprintln!(
            "pancred: finishing the refresh of {names} so that its new refresh token is stored \
             (at most {} s); press Ctrl-C again to quit now and lose it",
            (engine.http_timeout() + crate::engine::RETRY_WINDOW).as_secs()
        );
        finishing = Some(std::time::Instant::now());
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
