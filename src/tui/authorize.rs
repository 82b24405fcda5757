//! The authorize screen: its state, and reading what the user pastes (a code or the redirect URL).
//!
//! A loopback listener catches the browser's redirect when the profile's redirect URI allows one
//! (tasks.rs); a pasted code or URL works in every case, e.g. with a browser on another machine.
//! When the provider offers RFC 8628, Tab switches to a device login (`device.rs`).

use crate::engine::PendingAuthorization;
use crate::Secret;

/// How the user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The browser comes back to a loopback listener, or the user pastes the code.
    Browser,
    /// RFC 8628: a user code entered on any device while pancred polls.
    Device,
}

/// What the device screen shows: the engine's device login without its device code, which
/// stays in the polling task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceShown {
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    /// Unix seconds when the code expires.
    pub expires_at: i64,
    /// Seconds between polls, as the provider asked.
    pub interval: u64,
}

impl DeviceShown {
    pub fn from_login(login: &crate::engine::DeviceLogin) -> Self {
        DeviceShown {
            user_code: login.user_code.clone(),
            verification_uri: login.verification_uri.clone(),
            verification_uri_complete: login.verification_uri_complete.clone(),
            expires_at: login.expires_at,
            interval: login.interval.as_secs(),
        }
    }

    /// The page to open or scan: the one that carries the code, when the provider gives it.
    pub fn uri_to_open(&self) -> &str {
        self.verification_uri_complete
            .as_deref()
            .unwrap_or(&self.verification_uri)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthPhase {
    /// Asking the engine for the URL.
    Starting,
    /// The URL is out; waiting for the callback or a pasted code.
    Waiting,
    /// Exchanging the code for tokens.
    Exchanging,
    /// A device login stopped (the code expired, the person refused): Enter asks for a new code.
    Ended,
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
    pub method: Method,
    /// Whether the provider offers device login; `None` while that is being asked.
    pub device_supported: Option<bool>,
    /// The device login being polled, once the provider gave a code.
    pub device: Option<DeviceShown>,
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
            method: Method::Browser,
            device_supported: None,
            device: None,
        }
    }

    /// A fresh screen for `method`, keeping what is known about the provider.
    pub fn switched(&self, method: Method) -> Self {
        AuthState {
            method,
            device_supported: self.device_supported,
            ..AuthState::new(self.profile.clone())
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
