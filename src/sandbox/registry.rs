//! The sandbox's memory: registered clients and developer tokens, consents awaiting an answer,
//! authorization codes, grants with their rotating refresh tokens, and what has been revoked.
//! Nothing here is ever forgotten early: a revoked token stays revoked until the process ends.

use super::reply::ApiError;
use super::signer::Signer;
use crate::clock::Clock;
use crate::rules::{constant_time, pkce};
use crate::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// How long a consent page and an authorization code stay usable.
const CONSENT_LIFETIME: i64 = 600;
const CODE_LIFETIME: i64 = 120;
/// Unanswered consent pages kept at most (a page reload loop must not grow memory forever).
const MAX_PENDING: usize = 1000;

/// A registered client. Without a secret it is public: `client_auth: none` with PKCE.
#[derive(Debug, Clone)]
pub struct SandboxClient {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// Scope granted when the authorization request names none.
    pub default_scope: String,
}

/// A developer token the redemption endpoint accepts, and whose tokens it issues.
#[derive(Debug, Clone)]
pub struct DeveloperToken {
    pub token: Secret,
    pub subject: String,
}

/// An authorization request checked and waiting for the user's Approve or Deny.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

struct Pending {
    auth: Authorization,
    expires_at: i64,
}

struct Code {
    auth: Authorization,
    expires_at: i64,
    /// Set once exchanged; a second use revokes what the first one issued.
    grant: Option<u64>,
}

pub(super) struct Grant {
    pub client_id: String,
    pub subject: String,
    pub scope: String,
    pub revoked: bool,
}

pub(super) struct Refresh {
    pub grant: u64,
    pub used: bool,
}

/// What a token endpoint hands out.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: i64,
    pub expires_at: i64,
    pub scope: String,
}

impl TokenSet {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "access_token": self.access_token.expose(),
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        });
        if let Some(rt) = &self.refresh_token {
            v["refresh_token"] = Value::String(rt.expose().to_string());
        }
        v
    }
}

pub struct Registry {
    pub issuer: String,
    pub subject: String,
    pub lifetime: i64,
    clock: Arc<dyn Clock>,
    pub(super) signer: Signer,
    clients: Vec<SandboxClient>,
    pub(super) developer_tokens: Vec<DeveloperToken>,
    pending: HashMap<String, Pending>,
    codes: HashMap<String, Code>,
    pub(super) grants: Vec<Grant>,
    pub(super) refresh: HashMap<String, Refresh>,
    /// jti -> the grant that issued it (none for developer tokens).
    pub(super) access: HashMap<String, Option<u64>>,
    pub(super) revoked_access: HashSet<String>,
    pub(super) devices: super::device::Devices,
}

pub fn random_token(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    )
}

impl Registry {
    pub fn new(
        issuer: String,
        subject: String,
        lifetime: i64,
        clock: Arc<dyn Clock>,
        key: Vec<u8>,
        clients: Vec<SandboxClient>,
        developer_tokens: Vec<DeveloperToken>,
    ) -> Self {
        Registry {
            issuer,
            subject,
            lifetime,
            clock,
            signer: Signer::new(key),
            clients,
            developer_tokens,
            pending: HashMap::new(),
            codes: HashMap::new(),
            grants: Vec::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            revoked_access: HashSet::new(),
            devices: Default::default(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn client(&self, id: &str) -> Option<&SandboxClient> {
        self.clients.iter().find(|c| c.client_id == id)
    }

    pub fn add_client(&mut self, client: SandboxClient) {
        self.clients.retain(|c| c.client_id != client.client_id);
        self.clients.push(client);
    }

    /// Checks a client's credentials; `secret` is `None` when none was presented.
    pub fn authenticate(&self, id: &str, secret: Option<&str>) -> Result<(), ApiError> {
        let client = self
            .client(id)
            .ok_or_else(|| ApiError::invalid_client("unknown client"))?;
        match (&client.client_secret, secret) {
            (Some(_), None) => Err(ApiError::invalid_client(
                "client authentication required (client_secret_basic or client_secret_post)",
            )),
            (Some(want), Some(got)) if !constant_time::eq(want.expose(), got) => {
                Err(ApiError::invalid_client("client authentication failed"))
            }
            (None, Some(_)) => Err(ApiError::invalid_client(
                "public client: send no secret (client_auth none)",
            )),
            _ => Ok(()),
        }
    }

    pub fn is_public(&self, id: &str) -> bool {
        self.client(id).is_some_and(|c| c.client_secret.is_none())
    }

    /// Keeps a checked request until the user answers; returns the id the consent form carries.
    pub fn begin_consent(&mut self, auth: Authorization) -> String {
        let now = self.now();
        self.pending.retain(|_, p| p.expires_at > now);
        self.codes
            .retain(|_, c| c.expires_at > now || c.grant.is_some());
        if self.pending.len() >= MAX_PENDING {
            if let Some(oldest) = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.expires_at)
                .map(|(k, _)| k.clone())
            {
                self.pending.remove(&oldest);
            }
        }
        let id = random_token("");
        self.pending.insert(
            id.clone(),
            Pending {
                auth,
                expires_at: now + CONSENT_LIFETIME,
            },
        );
        id
    }

    /// The request a consent form answers, once: a second answer finds nothing.
    pub fn take_consent(&mut self, id: &str) -> Option<Authorization> {
        let now = self.now();
        self.pending
            .remove(id)
            .filter(|p| p.expires_at > now)
            .map(|p| p.auth)
    }

    pub fn issue_code(&mut self, auth: Authorization) -> String {
        let code = random_token("");
        let expires_at = self.now() + CODE_LIFETIME;
        self.codes.insert(
            code.clone(),
            Code {
                auth,
                expires_at,
                grant: None,
            },
        );
        code
    }

    /// The authorization_code grant (RFC 6749 4.1.3, RFC 7636 4.6).
    pub fn exchange_code(
        &mut self,
        client_id: &str,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<TokenSet, ApiError> {
        let now = self.now();
        let public = self.is_public(client_id);
        let entry = self
            .codes
            .get_mut(code)
            .ok_or_else(|| ApiError::invalid_grant("unknown authorization code"))?;
        if let Some(g) = entry.grant {
            // A replayed code: whatever it issued is no longer to be trusted (RFC 6749 4.1.2).
            self.grants[g as usize].revoked = true;
            return Err(ApiError::invalid_grant(
                "authorization code already used; the tokens it issued are revoked",
            ));
        }
        if entry.expires_at <= now {
            return Err(ApiError::invalid_grant("authorization code expired"));
        }
        let auth = entry.auth.clone();
        if auth.client_id != client_id {
            return Err(ApiError::invalid_grant(
                "authorization code was issued to another client",
            ));
        }
        if redirect_uri != Some(auth.redirect_uri.as_str()) {
            return Err(ApiError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        match (&auth.code_challenge, verifier) {
            (Some(challenge), Some(v)) => {
                if !pkce::verifies(v, challenge) {
                    return Err(ApiError::invalid_grant(
                        "PKCE verification failed: code_verifier does not match code_challenge",
                    ));
                }
            }
            (Some(_), None) => {
                return Err(ApiError::invalid_grant(
                    "code_verifier required: the authorization request used PKCE",
                ))
            }
            (None, Some(_)) => {
                return Err(ApiError::invalid_grant(
                    "code_verifier sent but the authorization request had no code_challenge",
                ))
            }
            (None, None) if public => {
                return Err(ApiError::invalid_grant("public clients must use PKCE"))
            }
            (None, None) => {}
        }
        let grant = self.new_grant(client_id, &auth.scope);
        if let Some(entry) = self.codes.get_mut(code) {
            entry.grant = Some(grant);
        }
        Ok(self.issue(grant, self.lifetime))
    }
}
