//! The choices a profile is made of: its dialect, how the client authenticates, its grant, and
//! where its access token stands.

use crate::seconds;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// The Application Framework API: JSON bodies, `/api/oauth2/RequestToken`.
    #[default]
    Pancloud,
    /// RFC 6749 form bodies, RFC 7009 revocation, RFC 7636 PKCE.
    #[serde(rename = "oauth2")]
    OAuth2,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Pancloud => "pancloud",
            Dialect::OAuth2 => "oauth2",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    #[default]
    ClientSecretBasic,
    ClientSecretPost,
    None,
    /// RFC 8705: a client certificate from a CA the provider trusts (`client_cert_file`).
    TlsClientAuth,
    /// RFC 8705: a self-signed client certificate registered with the provider.
    SelfSignedTlsClientAuth,
    /// RFC 7523 §2.2: a JWT signed with the client's private key (`client_key_file`).
    PrivateKeyJwt,
    /// RFC 7523 §2.2: a JWT signed with an HMAC of the client secret.
    ClientSecretJwt,
}

impl ClientAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuth::ClientSecretBasic => "client_secret_basic",
            ClientAuth::ClientSecretPost => "client_secret_post",
            ClientAuth::None => "none",
            ClientAuth::TlsClientAuth => "tls_client_auth",
            ClientAuth::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
            ClientAuth::PrivateKeyJwt => "private_key_jwt",
            ClientAuth::ClientSecretJwt => "client_secret_jwt",
        }
    }

    /// Whether the client proves itself with its `client_secret`.
    pub fn uses_secret(self) -> bool {
        matches!(
            self,
            ClientAuth::ClientSecretBasic
                | ClientAuth::ClientSecretPost
                | ClientAuth::ClientSecretJwt
        )
    }

    /// Whether the client proves itself with a TLS client certificate (RFC 8705).
    pub fn is_mtls(self) -> bool {
        matches!(
            self,
            ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth
        )
    }
}

/// How the profile gets its tokens (RFC 6749 section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// A person authorizes once (browser or device flow); refresh tokens do the rest.
    #[default]
    AuthorizationCode,
    /// Section 4.4: every token comes from the client's own credentials; nobody logs in.
    ClientCredentials,
    /// RFC 7523 §2.1: every token for a signed assertion (`assertion_file`/`_command`).
    JwtBearer,
    /// RFC 8693: every token for a subject token (a file, a command, or GitHub Actions' OIDC).
    TokenExchange,
}

impl Grant {
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::ClientCredentials => "client_credentials",
            Grant::JwtBearer => "jwt_bearer",
            Grant::TokenExchange => "token_exchange",
        }
    }

    /// Whether a person logs in for this grant's tokens; the others get each token without one.
    pub fn needs_login(self) -> bool {
        self == Grant::AuthorizationCode
    }
}

/// Where an access token stands, for lists, colours and the decision to refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenState {
    Valid,
    /// Expires within the leeway: still usable, about to be refreshed.
    Expiring,
    Expired,
    /// No access token at all.
    Missing,
}

impl TokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Valid => "valid",
            TokenState::Expiring => "expiring",
            TokenState::Expired => "expired",
            TokenState::Missing => "missing",
        }
    }

    /// The rule: no access token is `Missing`; a token whose expiry is unknown (opaque, no
    /// `expires_in`) counts as valid, since only the provider can tell (and the HTTP helper retries
    /// once after a 401); past `expires_at` it is `Expired`, within `leeway` of it `Expiring`.
    pub fn of(has_token: bool, expires_at: Option<i64>, now: i64, leeway: i64) -> TokenState {
        match (has_token, expires_at) {
            (false, _) => TokenState::Missing,
            (true, None) => TokenState::Valid,
            (true, Some(exp)) if exp <= now => TokenState::Expired,
            (true, Some(exp)) if seconds::left(exp, now) <= leeway => TokenState::Expiring,
            (true, Some(_)) => TokenState::Valid,
        }
    }
}
