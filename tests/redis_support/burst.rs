//! A burst of `pancred token` processes on an expired token, with a failure of the test's
//! choosing at a random moment of it, and what came of each process.

use super::{expire, rcmd};
use crate::common::oidc::Oidc;
use crate::common::Sandbox;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// What one burst did.
#[derive(Debug, Default)]
pub struct Round {
    /// Processes that printed an access token.
    pub tokens: usize,
    /// Processes that exited 5 (the store failed) with a message naming Redis.
    pub store_errors: usize,
    /// Processes that kept new tokens in the rescue file (a write no replica confirmed).
    pub rescued: usize,
    /// Distinct access tokens printed.
    pub distinct: usize,
    /// Refresh grants the provider served, and refused (a refused one is a spent refresh
    /// token sent again: reuse detection revokes the grant).
    pub refreshes: u64,
    pub refresh_errors: u64,
    /// When the failure was set off, after the first process started.
    pub disrupted_at: Duration,
    pub took: Duration,
}

/// Expires profile `name`, starts `n` `pancred token` processes on `url`, sets off `disrupt`
/// after a random delay below `within`, and waits for every process. Asserts that each printed
/// a token (exit 0) or failed with exit 5 and a message naming Redis.
#[allow(clippy::too_many_arguments)]
pub fn burst(
    oidc: &Oidc,
    sb: &Sandbox,
    url: &str,
    prefix: &str,
    name: &str,
    n: usize,
    within: Duration,
    disrupt: impl FnOnce() + Send,
) -> Round {
    expire(sb, url, prefix, name);
    let (refreshes, errors) = (oidc.refreshes(), oidc.count("refresh_errors"));
    let delay = Duration::from_millis(rand::random_range(0..within.as_millis().max(1) as u64));
    let started = Instant::now();
    let outputs = std::thread::scope(|s| {
        let children: Vec<_> = (0..n)
            .map(|_| {
                rcmd(sb, url, prefix, &["token", "--profile", name])
                    // Generous: the processes queue for the lock one after another.
                    .env("PANCRED_LOCK_TIMEOUT", "120")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn pancred token")
            })
            .collect();
        let chaos = s.spawn(move || {
            std::thread::sleep(delay);
            disrupt();
        });
        let outputs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait for pancred token"))
            .collect();
        chaos.join().expect("the failure thread");
        outputs
    });
    let mut round = Round {
        disrupted_at: delay,
        took: started.elapsed(),
        ..Round::default()
    };
    let mut tokens = std::collections::BTreeSet::new();
    if std::env::var("PANCRED_TEST_HA_VERBOSE").is_ok() {
        for o in &outputs {
            eprintln!(
                "{:?}: {}",
                o.status.code(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    for o in &outputs {
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        if err.contains("they are kept in") {
            round.rescued += 1;
        }
        match o.status.code() {
            Some(0) => {
                let token = out.trim();
                assert_eq!(token.split('.').count(), 3, "not a JWT: {out:?} ({err})");
                tokens.insert(token.to_string());
                round.tokens += 1;
            }
            Some(5) => {
                assert!(err.contains("Redis"), "exit 5 without naming Redis: {err}");
                round.store_errors += 1;
            }
            other => panic!("pancred token exited {other:?}: {err}"),
        }
    }
    round.distinct = tokens.len();
    round.refreshes = oidc.refreshes() - refreshes;
    round.refresh_errors = oidc.count("refresh_errors") - errors;
    round
}

/// Checks what a round must leave: no refresh refused, and the chain of refresh tokens intact
/// (a refresh from the same machine works, with the token the store holds or the one its
/// rescue file keeps for it), then the store read by another machine holds a working token.
pub fn check_after(oidc: &Oidc, one: &Sandbox, two: &Sandbox, url: &str, prefix: &str, name: &str) {
    let errors = oidc.count("refresh_errors");
    let r = super::rrun(one, url, prefix, &["refresh", "--profile", name]);
    assert_eq!(r.code, 0, "refresh after the round: {}", r.stderr);
    let r = super::rrun(two, url, prefix, &["refresh", "--profile", name]);
    assert_eq!(r.code, 0, "refresh from another machine: {}", r.stderr);
    assert_eq!(
        oidc.count("refresh_errors"),
        errors,
        "a spent refresh token was sent: the grant is revoked"
    );
}

/// How many rounds: `PANCRED_TEST_HA_ROUNDS`, else 3.
pub fn rounds() -> usize {
    std::env::var("PANCRED_TEST_HA_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}
