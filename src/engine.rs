//! The credentials engine: every operation on a profile's tokens, for the CLI, the TUI and
//! library users alike. It loads from the store, talks to the provider, and writes back.
//!
//! NOTE: the provider calls are filled in by the OAuth work; until then they fail cleanly.

use crate::clock::{Clock, SystemClock};
use crate::profile::{Profile, DEFAULT_LEEWAY};
use crate::resolve::{CredentialSet, Resolved};
use crate::secret::Secret;
use crate::store::SharedStore;
use crate::{Error, Result};
use std::sync::Arc;
use std::time::Duration;

/// Where the four credentials come from when the engine works on a profile.
#[derive(Debug, Clone, Default)]
pub enum CredentialPolicy {
    /// Only the store (the TUI, most library users).
    #[default]
    StoreOnly,
    /// pancloud's resolver: explicit values, else the `PAN_*` variables, else the store.
    Pancloud {
        explicit: CredentialSet,
        developer_token: Option<Secret>,
    },
}

/// An authorization in progress: the URL to open and what the callback must match.
#[derive(Debug, Clone)]
pub struct PendingAuthorization {
    pub profile: String,
    pub url: String,
    pub state: String,
    /// The PKCE verifier (oauth2 dialect), kept for the exchange.
    pub pkce_verifier: Option<Secret>,
    /// The redirect URI sent on the URL (the exchange must send the same).
    pub redirect_uri: Option<String>,
}

/// Which tokens to revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevokeWhat {
    pub access_token: bool,
    pub refresh_token: bool,
}

#[derive(Clone)]
pub struct Engine {
    store: SharedStore,
    clock: Arc<dyn Clock>,
    policy: CredentialPolicy,
    leeway: i64,
    lock_timeout: Duration,
}

impl Engine {
    pub fn new(store: SharedStore) -> Self {
        Engine {
            store,
            clock: Arc::new(SystemClock),
            policy: CredentialPolicy::StoreOnly,
            leeway: DEFAULT_LEEWAY,
            lock_timeout: Duration::from_secs(60),
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_policy(mut self, policy: CredentialPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn with_leeway(mut self, leeway: i64) -> Self {
        self.leeway = leeway;
        self
    }

    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn leeway(&self) -> i64 {
        self.leeway
    }

    pub fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }

    pub fn policy(&self) -> &CredentialPolicy {
        &self.policy
    }

    /// Resolves a stored profile's credentials under the engine's policy.
    pub fn resolve(&self, stored: Option<&Profile>) -> Resolved {
        match &self.policy {
            CredentialPolicy::StoreOnly => {
                crate::resolve::resolve(&CredentialSet::default(), None, &|_| None, stored)
            }
            CredentialPolicy::Pancloud {
                explicit,
                developer_token,
            } => crate::resolve::resolve(
                explicit,
                developer_token.as_ref(),
                &crate::resolve::process_env,
                stored,
            ),
        }
    }

    /// Starts an authorization: a fresh state (and PKCE verifier), and the URL to open.
    /// `redirect_uri` overrides the profile's (the loopback listener's actual port).
    pub async fn start_authorization(
        &self,
        _profile: &str,
        _redirect_uri: Option<&str>,
    ) -> Result<PendingAuthorization> {
        Err(not_yet())
    }

    /// Exchanges an authorization code and stores the tokens.
    pub async fn exchange_code(
        &self,
        _profile: &str,
        _code: &str,
        _pending: Option<&PendingAuthorization>,
    ) -> Result<Profile> {
        Err(not_yet())
    }

    /// Refreshes now (developer token, else refresh token) under the profile's lock, and stores
    /// the result, rolled refresh token first.
    pub async fn refresh(&self, _profile: &str) -> Result<Profile> {
        Err(not_yet())
    }

    /// A valid access token: the cached one when it is good beyond the leeway, else one refresh
    /// shared by every caller and process.
    pub async fn fresh_access_token(&self, _profile: &str) -> Result<Secret> {
        Err(not_yet())
    }

    /// Revokes at the provider and forgets what was revoked.
    pub async fn revoke(&self, _profile: &str, _what: RevokeWhat) -> Result<Profile> {
        Err(not_yet())
    }
}

fn not_yet() -> Error {
    Error::Other("provider calls are not available in this build".into())
}
