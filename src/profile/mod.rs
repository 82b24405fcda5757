//! A profile: one named set of OAuth settings and secrets (field names follow pancloud's constructor).
//! [`fields`] is the table of its fields.

pub mod name;

use crate::jwt;

pub mod binding;
mod by_name;
pub mod fields;
pub mod identity;
mod inputs;
mod kinds;
use crate::seconds;
use crate::secret::Secret;
pub use inputs::GrantInputs;
pub use kinds::{ClientAuth, Dialect, Grant, TokenState};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const DEFAULT_PROFILE: &str = "default";

/// The profile used when none is named: the store's default (`pancred use NAME`), else
/// `default`. `list`, `show` and the TUI mark this one.
pub fn default_name(stored: Option<String>) -> String {
    stored.unwrap_or_else(|| DEFAULT_PROFILE.to_string())
}
pub const PANCLOUD_AUTH_BASE_URL: &str =
    "https://identity.paloaltonetworks.com/as/authorization.oauth2";
pub const PANCLOUD_API_BASE_URL: &str = "https://api.paloaltonetworks.com";
pub const DEVELOPER_TOKEN_URL: &str = "https://app.apiexplorer.rocks/request_token";
/// Seconds before expiry at which a token counts as expiring (and `pancred token` refreshes it).
pub const DEFAULT_LEEWAY: i64 = 60;

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
fn is_true(v: &bool) -> bool {
    *v
}
fn yes() -> bool {
    true
}

/// One profile. Serialized, it is exactly a document of pancloud's credentials file: pancloud's
/// fields under their own names, pancred's additions beside them, and unknown fields kept as found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub profile: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_token_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub dialect: Dialect,
    #[serde(default, skip_serializing_if = "is_default")]
    pub client_auth: ClientAuth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub auth_params: Map<String, Value>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub cache_token: bool,
    /// OpenID Connect: the last ID token (who logged in), for the TUI's inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
    /// The TUI's keep-fresh refreshes this profile as its token enters the leeway (default true).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub keep_fresh: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub grant: Grant,
    /// RFC 8628 endpoint, when the issuer's metadata does not name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_url: Option<String>,
    /// Hosts `pancred git-credential` answers for (empty: any host it is configured for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub git_hosts: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "seconds::deserialize_opt"
    )]
    pub expires_at: Option<i64>,
    /// Allow `http://` endpoints on hosts other than loopback (off: plain HTTP only to 127.0.0.1/::1/localhost).
    #[serde(default, skip_serializing_if = "is_default")]
    pub allow_insecure_http: bool,
    /// The PKCE verifier of the last `auth-url`, kept until its code is exchanged (possibly by
    /// another process: `pancred auth-url` now, `pancred exchange --code` later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkce_verifier: Option<Secret>,
    /// The state of the last authorization URL, until its code is exchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_state: Option<String>,
    /// The redirect URI the last authorization URL carried (the exchange must send the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_redirect_uri: Option<String>,
    /// When `revoke --access-token` revoked the access token alone (unix seconds): a later
    /// refresh refused with `invalid_grant` then says the provider ended the grant with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_revoked_at: Option<i64>,
    /// Where `pancred import` moved this profile's tokens (the store, and when): the copy left
    /// behind keeps its settings and says where its tokens are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// Whose grant this is, from the first ID token (see [`identity`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<identity::Identity>,
    /// RFC 9449: tokens bound to a key pair kept in `dpop_key` (see [`binding`]).
    #[serde(default, skip_serializing_if = "is_default")]
    pub dpop: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<Secret>,
    /// The access token's `token_type` when it is not `Bearer` (`DPoP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// RFC 8705: the client certificate (PEM) for mTLS; its key is in `client_key_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_file: Option<String>,
    /// The client's private key for `private_key_jwt` and mTLS (a PEM file, or for
    /// `private_key_jwt` the PEM text kept with the profile's secrets) and its `kid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_id: Option<String>,
    /// Inputs of the jwt_bearer and token_exchange grants (see `oauth::grants`).
    #[serde(flatten)]
    pub grant_inputs: GrantInputs,
    /// Fields pancred does not know, kept so that a rewrite loses nothing another program stored.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Profile {
    pub fn new(name: impl Into<String>) -> Self {
        Profile {
            profile: name.into(),
            client_id: None,
            client_secret: None,
            refresh_token: None,
            access_token: None,
            developer_token: None,
            developer_token_url: None,
            auth_base_url: None,
            token_url: None,
            revoke_url: None,
            issuer: None,
            dialect: Dialect::default(),
            client_auth: ClientAuth::default(),
            redirect_uri: None,
            scope: None,
            instance_id: None,
            region: None,
            auth_params: Map::new(),
            cache_token: true,
            keep_fresh: true,
            id_token: None,
            grant: Grant::default(),
            device_authorization_url: None,
            git_hosts: Vec::new(),
            expires_at: None,
            allow_insecure_http: false,
            pkce_verifier: None,
            pending_state: None,
            pending_redirect_uri: None,
            access_revoked_at: None,
            moved_to: None,
            identity: None,
            dpop: false,
            dpop_key: None,
            token_type: None,
            client_cert_file: None,
            client_key_file: None,
            client_key: None,
            client_key_id: None,
            grant_inputs: GrantInputs::default(),
            extra: Map::new(),
        }
    }

    /// A profile from a pancloud document (or any JSON object of profile fields).
    pub fn from_json(value: Value) -> Result<Self, String> {
        let mut value = value;
        // pancloud writes `null` for absent credentials; treat null and "" as unset.
        if let Value::Object(map) = &mut value {
            map.retain(|k, v| !(v.is_null() || (v.as_str() == Some("") && k != "profile")));
        }
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Expiry of the access token: the JWT's `exp` when it has one, else the stored `expires_at`.
    ///
    /// The JWT comes first because pancloud rewrites `access_token` without touching `expires_at`.
    pub fn effective_expires_at(&self) -> Option<i64> {
        let token = self.access_token.as_ref()?;
        jwt::expiry(token.expose()).or(self.expires_at)
    }

    /// Where the access token stands at `now` ([`TokenState::of`]).
    pub fn token_state(&self, now: i64, leeway: i64) -> TokenState {
        TokenState::of(
            self.access_token.is_some(),
            self.effective_expires_at(),
            now,
            leeway,
        )
    }

    pub fn auth_base_url(&self) -> &str {
        self.auth_base_url.as_deref().unwrap_or(match self.dialect {
            Dialect::Pancloud => PANCLOUD_AUTH_BASE_URL,
            Dialect::OAuth2 => "",
        })
    }

    pub fn developer_token_url(&self) -> &str {
        self.developer_token_url
            .as_deref()
            .unwrap_or(DEVELOPER_TOKEN_URL)
    }

    /// Sets a newly received access token and its expiry (JWT `exp`, else `expires_in` from `now`).
    pub fn set_access_token(&mut self, token: Secret, expires_in: Option<i64>, now: i64) {
        self.expires_at =
            jwt::expiry(token.expose()).or(expires_in.map(|s| seconds::after(now, s)));
        self.access_token = Some(token);
        self.token_type = None;
    }

    /// Drops what an authorization in progress kept (after its exchange, or a new one).
    pub fn clear_pending(&mut self) {
        self.pkce_verifier = None;
        self.pending_state = None;
        self.pending_redirect_uri = None;
    }

    pub fn forget_access_token(&mut self) {
        self.access_token = None;
        self.expires_at = None;
        self.token_type = None;
    }
}

/// When `token` expires: its JWT `exp`, else the stored `expires_at` when the store holds that
/// very token (a token from `PAN_ACCESS_TOKEN` or a flag has no known expiry).
pub fn expiry_of(token: &crate::secret::Secret, stored: Option<&Profile>) -> Option<i64> {
    crate::jwt::expiry(token.expose()).or_else(|| {
        stored
            .filter(|p| p.access_token.as_ref() == Some(token))
            .and_then(|p| p.expires_at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::make_unsigned;
    use serde_json::json;

    #[test]
    fn pancloud_document_round_trips_with_unknown_fields() {
        let doc = json!({
            "access_token": "at", "client_id": "cid", "client_secret": "cs",
            "profile": "lab", "refresh_token": "rt", "someone_elses": {"x": 1}
        });
        let p = Profile::from_json(doc.clone()).unwrap();
        assert_eq!(p.client_id.as_deref(), Some("cid"));
        assert_eq!(p.refresh_token.as_ref().unwrap().expose(), "rt");
        assert_eq!(p.to_json(), doc);
    }

    #[test]
    fn nulls_are_unset_and_defaults_are_not_written() {
        let p =
            Profile::from_json(json!({"profile": "p", "client_secret": null, "access_token": ""}))
                .unwrap();
        assert!(p.client_secret.is_none() && p.access_token.is_none());
        assert_eq!(p.to_json(), json!({"profile": "p"}));
    }

    #[test]
    fn wrong_types_are_errors() {
        assert!(Profile::from_json(json!({"profile": "p", "expires_at": "soon"})).is_err());
        assert!(Profile::from_json(json!({"profile": "p", "dialect": "saml"})).is_err());
        assert!(Profile::from_json(json!({"client_id": "no name"})).is_err());
        assert!(Profile::from_json(json!(["not", "an", "object"])).is_err());
    }

    #[test]
    fn expires_at_in_a_file_may_be_any_number() {
        let at = |v: Value| Profile::from_json(json!({"profile": "p", "expires_at": v}));
        assert_eq!(
            at(json!("1700000000")).unwrap().expires_at,
            Some(1_700_000_000)
        );
        assert_eq!(at(json!(1e300)).unwrap().expires_at, Some(i64::MAX));
        assert_eq!(at(json!(i64::MIN)).unwrap().expires_at, Some(i64::MIN));
        assert_eq!(at(json!(u64::MAX)).unwrap().expires_at, Some(i64::MAX));
        let e = at(json!({"x": 1})).unwrap_err();
        assert!(e.contains("expected a number of seconds"), "{e}");
    }

    #[test]
    fn states_by_expiry() {
        let now = 1_000_000;
        let mut p = Profile::new("p");
        assert_eq!(p.token_state(now, 60), TokenState::Missing);
        p.access_token = Some(Secret::new("opaque"));
        assert_eq!(p.token_state(now, 60), TokenState::Valid);
        p.expires_at = Some(now + 30);
        assert_eq!(p.token_state(now, 60), TokenState::Expiring);
        p.expires_at = Some(now - 1);
        assert_eq!(p.token_state(now, 60), TokenState::Expired);
        // A JWT's own exp beats a stale stored expires_at.
        p.access_token = Some(Secret::new(make_unsigned(&json!({"exp": now + 3600}))));
        assert_eq!(p.token_state(now, 60), TokenState::Valid);
    }

    #[test]
    fn set_access_token_prefers_jwt_exp() {
        let mut p = Profile::new("p");
        p.set_access_token(Secret::new("opaque"), Some(300), 1000);
        assert_eq!(p.expires_at, Some(1300));
        p.set_access_token(
            Secret::new(make_unsigned(&json!({"exp": 5000}))),
            Some(300),
            1000,
        );
        assert_eq!(p.expires_at, Some(5000));
    }

    #[test]
    fn debug_masks_secrets() {
        let mut p = Profile::new("p");
        p.client_secret = Some(Secret::new("topsecret"));
        assert!(!format!("{p:?}").contains("topsecret"));
    }
}
