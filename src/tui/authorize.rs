//! The authorize screen: its state, and reading what the user pastes (a code or the redirect URL).
//!
//! A loopback listener catches the browser's redirect when the profile's redirect URI allows one
//! (tasks.rs); a pasted code or URL works in every case, e.g. with a browser on another machine.

use crate::engine::PendingAuthorization;
use crate::Secret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthPhase {
    /// Asking the engine for the URL.
    Starting,
    /// The URL is out; waiting for the callback or a pasted code.
    Waiting,
    /// Exchanging the code for tokens.
    Exchanging,
}

pub struct AuthState {
    pub profile: String,
    pub pending: Option<PendingAuthorization>,
    pub phase: AuthPhase,
    /// What the user typed or pasted (a code, or the URL the browser landed on).
    pub input: String,
    /// The redirect URI a loopback listener serves, when there is one.
    pub listening: Option<String>,
    /// Why there is no listener, when there is none.
    pub note: Option<String>,
    /// The last problem (bad paste, failed exchange); the screen stays open to try again.
    pub error: Option<String>,
}

impl AuthState {
    pub fn new(profile: String) -> Self {
        AuthState {
            profile,
            pending: None,
            phase: AuthPhase::Starting,
            input: String::new(),
            listening: None,
            note: None,
            error: None,
        }
    }
}

/// An authorization under way: the URL to open and, when a loopback listener got the profile's
/// redirect URI, where it waits.
pub struct Started {
    pub pending: PendingAuthorization,
    /// The redirect URI the listener serves.
    pub listening: Option<String>,
    /// Why there is no listener (the redirect URI is not a loopback one, its port is taken).
    pub note: Option<String>,
}

/// The code from what the user pasted: the bare code, or the whole URL the browser was sent to
/// (then its `state` must match, and a provider's refusal is reported).
pub fn parse_pasted(
    input: &str,
    expected: impl Into<crate::loopback::Expected>,
) -> Result<Secret, String> {
    crate::loopback::parse_pasted(input, expected)
        .map(|c| c.code)
        .map_err(|e| e.to_string())
}
