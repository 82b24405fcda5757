//! The credentials engine: every operation on a profile's tokens, for the CLI, the TUI and
//! library users alike. It loads from the store, talks to the provider, and writes back.
//!
//! Every read-modify-write of a profile happens under the store's per-profile lock and re-reads
//! the profile after taking it, so a concurrent refresh in another process is never overwritten.

// The engine owns every write of a profile (and of its rescue files): the store writes that
// clippy.toml keeps from the faces are called here.
#![allow(clippy::disallowed_methods)]

mod authorize;
mod cached;
mod device;
mod dpop;
mod flight;
mod handout;
mod identity;
mod import;
mod inspect;
mod open;
mod refresh;
mod rescue;
mod revoke;
mod write;

pub use authorize::no_login_needed;
pub use cached::{expiry_of, Cached};
pub use device::DeviceLogin;
pub use dpop::ResourceBinding;
pub use import::{ImportMode, Imported};
pub use inspect::{id_token_claims, Fields, Offered};
pub use open::OpenedEngine;
pub use rescue::{default_rescue_dir, rescue_folder_exists, Reporter, RETRY_WINDOW};
pub use revoke::RevokeReport;
pub use write::{check_name, Forget, ProfilePatch, Saved};

use crate::clock::{Clock, SystemClock};
use crate::oauth::Caller;
use crate::profile::{Profile, DEFAULT_LEEWAY};
use crate::resolve::{CredentialSet, Resolved};
use crate::secret::Secret;
use crate::store::{ProfileLock, SharedStore, StoreError, StoreView};
use crate::{Error, Result};
use std::sync::{Arc, Mutex, OnceLock};
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
        /// The `PAN_*` variables (see [`crate::env::Settings`]).
        environment: Box<crate::env::PanVars>,
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
    /// RFC 9207: the issuer an `iss` on the response must name (oauth2 profiles with an issuer).
    pub issuer: Option<String>,
    /// The issuer's metadata promises `iss` on every response: one without it is refused.
    pub iss_required: bool,
}

/// What the loopback redirect of this authorization must carry to end it.
impl From<&PendingAuthorization> for crate::loopback::Expected {
    fn from(p: &PendingAuthorization) -> Self {
        crate::loopback::Expected {
            state: p.state.clone(),
            issuer: p.issuer.clone(),
            iss_required: p.iss_required,
        }
    }
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
    http_timeout: Duration,
    /// Built on first use: a cached `pancred token` never pays for TLS set-up.
    caller: Arc<OnceLock<Caller>>,
    /// In-process refreshes in flight, one per profile (see `flight.rs`).
    flights: Arc<Mutex<flight::Flights>>,
    /// Where tokens go when the store refuses them, and what the user is told (`rescue.rs`).
    safety: rescue::Safety,
    /// What the environment offers the jwt_bearer and token_exchange grants.
    ambient: Arc<crate::oauth::grants::Ambient>,
}

impl Engine {
    pub fn new(store: SharedStore) -> Self {
        Engine {
            store,
            clock: Arc::new(SystemClock),
            policy: CredentialPolicy::StoreOnly,
            leeway: DEFAULT_LEEWAY,
            lock_timeout: crate::config::DEFAULT_LOCK_TIMEOUT,
            http_timeout: crate::config::DEFAULT_HTTP_TIMEOUT,
            caller: Arc::new(OnceLock::new()),
            flights: Arc::new(Mutex::new(flight::Flights::default())),
            safety: rescue::Safety::default(),
            ambient: Arc::default(),
        }
    }

    /// What the environment offers grants that present a token (GitHub Actions' OIDC service).
    pub fn with_ambient(mut self, ambient: crate::oauth::grants::Ambient) -> Self {
        self.ambient = Arc::new(ambient);
        self
    }

    /// The total time limit of each provider call (default 30 s; see [`crate::config::EngineConfig`]).
    pub fn with_http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self.caller = Arc::new(OnceLock::new());
        self
    }

    pub fn http_timeout(&self) -> Duration {
        self.http_timeout
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

    /// The store, to read and name; writes go through the engine's own methods.
    pub fn store(&self) -> StoreView {
        StoreView::new(self.store.clone())
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
            CredentialPolicy::StoreOnly => crate::resolve::resolve(
                &CredentialSet::default(),
                None,
                &Default::default(),
                stored,
            ),
            CredentialPolicy::Pancloud {
                explicit,
                developer_token,
                environment,
            } => crate::resolve::resolve(explicit, developer_token.as_ref(), environment, stored),
        }
    }

    /// The HTTP side of provider calls, set up on first use.
    pub(crate) fn caller(&self) -> Result<Caller> {
        if let Some(c) = self.caller.get() {
            return Ok(c.clone());
        }
        let c = Caller::new(self.http_timeout)?;
        Ok(self.caller.get_or_init(|| c).clone())
    }

    /// The profile the engine works with: settings from the store, credentials as resolved.
    pub fn working(&self, name: &str, stored: Option<&Profile>) -> (Profile, Resolved) {
        let base = stored
            .cloned()
            .unwrap_or_else(|| Profile::new(name.to_string()));
        let resolved = self.resolve(stored);
        (resolved.apply_to(&base), resolved)
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }

    pub async fn load(&self, name: &str) -> Result<Option<Profile>> {
        let (store, owned) = (self.store.clone(), name.to_string());
        let stored = blocking(move || store.load(&owned)).await?;
        Ok(self.with_rescue(name, stored))
    }

    pub(crate) async fn load_existing(&self, name: &str) -> Result<Profile> {
        self.load(name).await?.ok_or_else(|| self.no_such(name))
    }

    pub(crate) async fn upsert(&self, profile: Profile) -> Result<()> {
        let store = self.store.clone();
        blocking(move || store.upsert(&profile)).await
    }

    /// Takes the profile's refresh lock (shared with every process using the store).
    pub(crate) async fn lock(&self, name: &str) -> Result<Box<dyn ProfileLock>> {
        let (store, owned, timeout) = (self.store.clone(), name.to_string(), self.lock_timeout);
        let lock = blocking(move || store.lock(&owned, timeout)).await?;
        self.settle_rescue(name).await;
        Ok(lock)
    }

    pub fn no_such(&self, name: &str) -> Error {
        Error::NoSuchProfile {
            profile: name.to_string(),
            location: format!(
                "the {} store ({})",
                self.store.kind(),
                self.store.location()
            ),
        }
    }
}

/// Runs a synchronous store call off the async threads (keyring and file calls block).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, StoreError> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Other(format!("a store task failed: {e}")))?
        .map_err(Error::from)
}
