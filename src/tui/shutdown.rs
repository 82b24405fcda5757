//! Ending the TUI without losing a token: `q` (or SIGTERM, SIGINT, SIGHUP) while a refresh is in
//! flight waits until its result is stored, saying so; a second request quits at once and says
//! what may be lost. Signals end the TUI through the same path as `q`, so the terminal is always
//! restored (alternate screen, mouse, paste, cursor, raw mode).

use tokio::signal::unix::{signal, Signal, SignalKind};

/// SIGTERM, SIGINT and SIGHUP, as one stream of quit requests.
pub struct Signals {
    term: Option<Signal>,
    int: Option<Signal>,
    hup: Option<Signal>,
}

impl Default for Signals {
    /// Listens for the three; one that cannot be listened for keeps its default action.
    fn default() -> Self {
        Signals {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
            hup: signal(SignalKind::hangup()).ok(),
        }
    }
}

impl Signals {
    /// Resolves when one of them arrives.
    pub async fn recv(&mut self) {
        async fn one(s: &mut Option<Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = one(&mut self.term) => {}
            _ = one(&mut self.int) => {}
            _ = one(&mut self.hup) => {}
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do: keep running.
    Stay,
    /// Quit now: nothing is in flight (any more).
    Quit,
    /// Keep running until the refreshes are stored; show this.
    Finish(String),
    /// Quit now although refreshes are in flight; say this after the terminal is restored.
    Forced(String),
}

/// Whether to quit, given the profiles with a refresh in flight, whether a quit was asked for
/// now, and whether an earlier request is waiting for refreshes to finish (`finishing`).
pub fn decide(in_flight: &[String], quit_asked: bool, finishing: &mut bool) -> Decision {
    let names = in_flight
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    match (*finishing, quit_asked, in_flight.is_empty()) {
        (_, _, true) if *finishing || quit_asked => Decision::Quit,
        (false, true, false) => {
            *finishing = true;
            Decision::Finish(format!(
                "finishing the refresh of {names}: quits once its new tokens are stored (q again: quit now and lose them)"
            ))
        }
        (true, true, false) => Decision::Forced(format!(
            "pancred: quit during the refresh of {names}: if the provider issued a new refresh token, it is lost and the profile must be authorized again (`{}`)",
            match in_flight {
                [one] => crate::text::pancred_command(one, "login"),
                _ => "pancred --profile NAME login".to_string(),
            }
        )),
        _ => Decision::Stay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_waits_for_a_refresh_in_flight_and_a_second_q_forces() {
        let busy = vec!["svc".to_string()];
        let mut finishing = false;
        assert_eq!(decide(&[], false, &mut finishing), Decision::Stay);
        assert_eq!(decide(&busy, false, &mut finishing), Decision::Stay);
        assert_eq!(decide(&[], true, &mut finishing), Decision::Quit);
        let Decision::Finish(text) = decide(&busy, true, &mut finishing) else {
            panic!("should finish first");
        };
        assert!(text.contains("finishing the refresh of 'svc'"), "{text}");
        assert_eq!(decide(&busy, false, &mut finishing), Decision::Stay);
        assert_eq!(decide(&[], false, &mut finishing), Decision::Quit);
        finishing = true;
        assert!(
            matches!(decide(&busy, true, &mut finishing), Decision::Forced(t) if t.contains("lost"))
        );
    }
}
