//! The authorize screen: its state, and reading what the user pastes (a code or the redirect URL).
//!
//! The loopback listener plugs in through [`CallbackListener`]: when one is bound, the task waits
//! on it and the user pastes nothing; without one, the pasted code or URL is exchanged.

use crate::engine::PendingAuthorization;
use crate::Secret;
use std::future::Future;
use std::pin::Pin;

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
    /// The loopback address a listener waits on, when there is one.
    pub listening: Option<String>,
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
            error: None,
        }
    }
}

/// A code the provider sent to a loopback redirect, with the state it came with.
pub struct Callback {
    pub code: Secret,
    pub state: String,
}

pub type CallbackFuture = Pin<Box<dyn Future<Output = Result<Callback, String>> + Send>>;

/// A bound loopback listener: its redirect URI goes on the authorization URL, and `wait`
/// resolves when the browser comes back.
pub trait CallbackListener: Send {
    fn redirect_uri(&self) -> String;
    fn wait(self: Box<Self>) -> CallbackFuture;
}

/// Binds the listener for a profile's redirect URI when it is a loopback one.
///
/// No listener is built in yet, so the user pastes the code or the redirect URL instead.
pub fn bind_listener(_redirect_uri: Option<&str>) -> Option<Box<dyn CallbackListener>> {
    None
}

/// The code from what the user pasted: either the bare code, or the whole URL the browser was
/// sent to (then its `state` must match and a provider `error` is reported).
pub fn parse_pasted(input: &str, expected_state: &str) -> Result<Secret, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("paste the code, or the whole URL the browser was sent to".into());
    }
    if !(input.starts_with("http://") || input.starts_with("https://")) {
        if input.chars().any(char::is_whitespace) {
            return Err("a code has no spaces; paste only the code or the URL".into());
        }
        return Ok(Secret::new(input));
    }
    let url = url::Url::parse(input).map_err(|e| format!("not a URL: {e}"))?;
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(err) = get("error") {
        let desc = get("error_description").unwrap_or_default();
        return Err(format!("the provider refused: {err} {desc}")
            .trim()
            .to_string());
    }
    match get("state") {
        Some(s) if s == expected_state => {}
        Some(_) => {
            return Err(
                "the state in that URL does not match this authorization (an old or forged link)"
                    .into(),
            )
        }
        None => return Err("that URL has no state; paste the URL from this authorization".into()),
    }
    get("code")
        .and_then(Secret::non_empty)
        .ok_or_else(|| "that URL has no code".into())
}
