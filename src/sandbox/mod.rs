//! A local authorization server to try pancred against, with no account anywhere.
//!
//! It speaks both dialects pancred speaks, on loopback only: the pancloud API (JSON bodies,
//! `/api/oauth2/RequestToken`, `/api/oauth2/RevokeToken`) with pancloud's developer-token
//! redemption, and standard OAuth 2.0 (discovery, `/authorize` with PKCE, `/token`, `/revoke`).
//! Access tokens are HS256-signed JWTs with a short life; refresh tokens rotate; revocations last
//! as long as the process. Everything is in memory.
//!
//! ```no_run
//! use pancred::sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default())?;
//! println!("issuer: {}", sandbox.base_url());
//! sandbox.shutdown(); // the port is free again
//! # Ok::<(), pancred::sandbox::SandboxError>(())
//! ```

mod consent;
pub mod demo;
mod device;
mod log;
mod oauth2;
mod pancloud;
mod params;
mod registry;
mod reply;
mod server;
mod signer;
mod tokens;

pub use log::{file_sink, memory_sink, stdout_sink, LogSink};
pub use registry::{DeveloperToken, SandboxClient, TokenSet};
pub use signer::AccessClaims;

use crate::clock::{Clock, SystemClock};
use log::RequestLog;
use registry::Registry;
use server::App;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::watch;

pub const PANCLOUD_AUTHORIZE_PATH: &str = "/as/authorization.oauth2";
pub const PANCLOUD_TOKEN_PATH: &str = "/api/oauth2/RequestToken";
pub const PANCLOUD_REVOKE_PATH: &str = "/api/oauth2/RevokeToken";
pub const DEVELOPER_TOKEN_PATH: &str = "/request_token";
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
pub const RFC8414_PATH: &str = "/.well-known/oauth-authorization-server";
pub const OAUTH2_AUTHORIZE_PATH: &str = "/authorize";
pub const CONSENT_PATH: &str = "/consent";
pub const TOKEN_PATH: &str = "/token";
pub const REVOKE_PATH: &str = "/revoke";
pub const USERINFO_PATH: &str = "/userinfo";
pub const DEVICE_AUTHORIZATION_PATH: &str = "/device_authorization";
/// Where a person enters a device login's user code.
pub const DEVICE_PAGE_PATH: &str = "/device";

/// Access-token lifetime unless configured: short, so expiry and refresh can be watched.
pub const DEFAULT_TOKEN_LIFETIME: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox listens on loopback only, and {0} is not a loopback address")]
    NotLoopback(IpAddr),
    #[error("cannot listen on {addr}: {source} (choose another port with --port N, or --port 0 for any free one)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the sandbox: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("the sandbox has no client '{0}'")]
    UnknownClient(String),
}

/// How to run a sandbox. `Default` is the demo set-up: the demo clients and developer token of
/// [`demo`], an ephemeral port on 127.0.0.1, five-minute tokens, and no request log.
pub struct SandboxConfig {
    pub ip: IpAddr,
    /// 0 for any free port.
    pub port: u16,
    /// Access-token lifetime in seconds.
    pub token_lifetime: i64,
    /// The user every consent signs in as (the tokens' `sub`).
    pub subject: String,
    pub clients: Vec<SandboxClient>,
    pub developer_tokens: Vec<DeveloperToken>,
    /// HS256 key; random for each start when `None`.
    pub signing_key: Option<Vec<u8>>,
    pub clock: Arc<dyn Clock>,
    pub log: Option<LogSink>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            subject: demo::DEMO_SUBJECT.into(),
            clients: demo::clients(),
            developer_tokens: demo::developer_tokens(),
            signing_key: None,
            clock: Arc::new(SystemClock),
            log: None,
        }
    }
}

pub struct Sandbox;

impl Sandbox {
    /// Binds the port now (so a busy port is an error here) and serves on a thread of its own.
    pub fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
        if !crate::rules::loopback::is_loopback_ip(config.ip) {
            return Err(SandboxError::NotLoopback(config.ip));
        }
        let want = SocketAddr::new(config.ip, config.port);
        let listener = std::net::TcpListener::bind(want)
            .map_err(|source| SandboxError::Bind { addr: want, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr: want, source })?;
        let base_url = format!("http://{addr}");
        let key = config
            .signing_key
            .unwrap_or_else(|| rand::random::<[u8; 32]>().to_vec());
        let registry = Registry::new(
            base_url.clone(),
            config.subject,
            config.token_lifetime,
            config.clock,
            key,
            config.clients,
            config.developer_tokens,
        );
        let app = Arc::new(App {
            registry: Mutex::new(registry),
            log: RequestLog::new(config.log),
            base_url,
        });
        let (stop, thread) = server::spawn(listener, app.clone())?;
        Ok(SandboxHandle {
            app,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A running sandbox. Dropping it stops the server too.
pub struct SandboxHandle {
    app: Arc<App>,
    addr: SocketAddr,
    stop: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`: the oauth2 issuer and the pancloud `token_url`.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.base_url)
    }

    pub fn token_lifetime(&self) -> i64 {
        self.app.reg().lifetime
    }

    pub fn add_client(&self, client: SandboxClient) {
        self.app.reg().add_client(client);
    }

    /// Issues tokens as if `client_id` had been authorized (the demo's starting profiles).
    /// `lifetime` is the access token's, in seconds; negative makes one that has already expired.
    pub fn issue_tokens(
        &self,
        client_id: &str,
        scope: Option<&str>,
        lifetime: i64,
    ) -> Result<TokenSet, SandboxError> {
        let mut reg = self.app.reg();
        let client = reg
            .client(client_id)
            .ok_or_else(|| SandboxError::UnknownClient(client_id.to_string()))?;
        let scope = scope.map_or_else(|| client.default_scope.clone(), str::to_string);
        let grant = reg.new_grant(client_id, &scope);
        Ok(reg.issue(grant, lifetime))
    }

    /// Whether an access token is one this sandbox issued, unexpired and unrevoked.
    pub fn check_access_token(&self, token: &str) -> Option<AccessClaims> {
        self.app.reg().check_access(token).ok()
    }

    /// Stops serving and waits until the port is released.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}
