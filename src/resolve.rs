//! pancloud's credential resolver, kept exactly: explicit values, else the `PAN_*` variables,
//! else the store, and whichever source has any one credential supplies all four.

use crate::env::PanVars;
use crate::profile::{ClientAuth, Grant, Profile};
use crate::secret::Secret;

/// The four credentials the resolver picks as a set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialSet {
    pub access_token: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub refresh_token: Option<Secret>,
}

impl CredentialSet {
    pub fn is_empty(&self) -> bool {
        self.access_token.is_none()
            && self.client_id.is_none()
            && self.client_secret.is_none()
            && self.refresh_token.is_none()
    }

    fn from_profile(p: &Profile) -> Self {
        CredentialSet {
            access_token: if p.cache_token {
                p.access_token.clone()
            } else {
                None
            },
            client_id: p.client_id.clone(),
            client_secret: p.client_secret.clone(),
            refresh_token: p.refresh_token.clone(),
        }
    }
}

/// Where the credential set came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Explicit,
    Environment,
    Store,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Explicit => "explicit",
            Source::Environment => "environment",
            Source::Store => "store",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub credentials: CredentialSet,
    pub source: Source,
    /// A developer token, when one applies (explicit, else `PAN_DEVELOPER_TOKEN`, else the profile's).
    pub developer_token: Option<Secret>,
    /// Where that developer token came from.
    pub developer_token_source: Option<Source>,
}

/// Resolves the credentials. `env` holds pancloud's `PAN_*` variables (empty ones count as
/// unset, as in pancloud: see [`crate::env`]); `stored` is the selected profile as the store has it.
pub fn resolve(
    explicit: &CredentialSet,
    explicit_developer_token: Option<&Secret>,
    env: &PanVars,
    stored: Option<&Profile>,
) -> Resolved {
    let from_env = CredentialSet {
        access_token: env.access_token.clone(),
        client_id: env.client_id.clone(),
        client_secret: env.client_secret.clone(),
        refresh_token: env.refresh_token.clone(),
    };
    let (credentials, source) = if !explicit.is_empty() {
        (explicit.clone(), Source::Explicit)
    } else if !from_env.is_empty() {
        (from_env, Source::Environment)
    } else {
        (
            stored.map(CredentialSet::from_profile).unwrap_or_default(),
            Source::Store,
        )
    };
    // pan-cortex-data-lake 2.0: a developer token from the environment or the store applies only
    // when no explicit credentials and no PAN_ACCESS_TOKEN are present.
    let developer_token = match explicit_developer_token {
        Some(t) => Some((t.clone(), Source::Explicit)),
        None if source == Source::Explicit || env.access_token.is_some() => None,
        None => env
            .developer_token
            .clone()
            .map(|t| (t, Source::Environment))
            .or_else(|| {
                stored
                    .and_then(|p| p.developer_token.clone())
                    .map(|t| (t, Source::Store))
            }),
    };
    Resolved {
        credentials,
        source,
        developer_token_source: developer_token.as_ref().map(|(_, s)| *s),
        developer_token: developer_token.map(|(t, _)| t),
    }
}

/// What `p`'s client authentication lacks, given the client id and secret in force: client_id;
/// client_secret for the methods that send or sign with it; client_key_file (or client_key) for
/// private_key_jwt.
pub fn missing_for_client(
    client_id: Option<&str>,
    client_secret: Option<&Secret>,
    p: &Profile,
) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if client_id.is_none() {
        missing.push("client_id");
    }
    if client_secret.is_none() && p.client_auth.uses_secret() {
        missing.push("client_secret");
    }
    let no_key = p.client_key_file.is_none() && p.client_key.is_none();
    if no_key && p.client_auth == ClientAuth::PrivateKeyJwt {
        missing.push("client_key_file");
    }
    missing
}

impl Resolved {
    /// What a refresh still lacks: nothing with a developer token; else what the client's
    /// authentication needs ([`missing_for_client`]) and, for the authorization-code grant,
    /// refresh_token.
    pub fn missing_for_refresh(&self, p: &Profile) -> Vec<&'static str> {
        if self.developer_token.is_some() {
            return Vec::new();
        }
        let c = &self.credentials;
        let mut missing = missing_for_client(c.client_id.as_deref(), c.client_secret.as_ref(), p);
        if c.refresh_token.is_none() && p.grant == Grant::AuthorizationCode {
            missing.push("refresh_token");
        }
        missing
    }

    /// The profile the engine works with: settings from `base`, credentials from the resolution.
    pub fn apply_to(&self, base: &Profile) -> Profile {
        let mut p = base.clone();
        let c = &self.credentials;
        if self.source != Source::Store {
            // The stored expiry belongs to the stored token, not to one given from outside.
            if c.access_token != p.access_token {
                p.expires_at = None;
            }
            p.access_token = c.access_token.clone();
            p.client_id = c.client_id.clone();
            p.client_secret = c.client_secret.clone();
            p.refresh_token = c.refresh_token.clone();
        }
        p.developer_token = self.developer_token.clone();
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// pancloud's variables as the environment table reads them.
    fn pan(vars: &[(&str, &str)]) -> PanVars {
        let env = crate::env::Env::from_pairs(vars.iter().copied());
        crate::env::Settings::from_env(&env).unwrap().pan
    }

    fn stored() -> Profile {
        let mut p = Profile::new("default");
        p.access_token = Some(Secret::new("store-at"));
        p.client_id = Some("store-id".into());
        p.client_secret = Some(Secret::new("store-cs"));
        p.refresh_token = Some(Secret::new("store-rt"));
        p
    }

    fn set(
        at: Option<&str>,
        id: Option<&str>,
        cs: Option<&str>,
        rt: Option<&str>,
    ) -> CredentialSet {
        CredentialSet {
            access_token: at.map(Secret::new),
            client_id: id.map(str::to_string),
            client_secret: cs.map(Secret::new),
            refresh_token: rt.map(Secret::new),
        }
    }

    #[rstest]
    // Nothing explicit, no env: the store supplies all four.
    #[case::store_only(set(None, None, None, None), &[], Source::Store,
        set(Some("store-at"), Some("store-id"), Some("store-cs"), Some("store-rt")))]
    // One env var wins whole: the others stay empty, the store is not read.
    #[case::one_env_var_wins_whole(set(None, None, None, None), &[("PAN_CLIENT_ID", "env-id")], Source::Environment,
        set(None, Some("env-id"), None, None))]
    #[case::env_access_token_only(set(None, None, None, None), &[("PAN_ACCESS_TOKEN", "env-at")], Source::Environment,
        set(Some("env-at"), None, None, None))]
    #[case::all_env(set(None, None, None, None),
        &[("PAN_ACCESS_TOKEN", "a"), ("PAN_CLIENT_ID", "b"), ("PAN_CLIENT_SECRET", "c"), ("PAN_REFRESH_TOKEN", "d")],
        Source::Environment, set(Some("a"), Some("b"), Some("c"), Some("d")))]
    // An empty variable is unset, as Python's truthiness makes it.
    #[case::empty_env_is_unset(set(None, None, None, None), &[("PAN_CLIENT_ID", "")], Source::Store,
        set(Some("store-at"), Some("store-id"), Some("store-cs"), Some("store-rt")))]
    // One explicit value wins whole over env and store.
    #[case::one_explicit_wins_whole(set(None, None, None, Some("x-rt")), &[("PAN_CLIENT_ID", "env-id")], Source::Explicit,
        set(None, None, None, Some("x-rt")))]
    #[case::explicit_beats_env(set(Some("x-at"), Some("x-id"), None, None),
        &[("PAN_ACCESS_TOKEN", "env-at"), ("PAN_CLIENT_SECRET", "env-cs")], Source::Explicit,
        set(Some("x-at"), Some("x-id"), None, None))]
    fn precedence(
        #[case] explicit: CredentialSet,
        #[case] env: &[(&str, &str)],
        #[case] source: Source,
        #[case] expected: CredentialSet,
    ) {
        let r = resolve(&explicit, None, &pan(env), Some(&stored()));
        assert_eq!(r.source, source);
        assert_eq!(r.credentials, expected);
    }

    #[test]
    fn no_cached_token_when_cache_token_is_off() {
        let mut p = stored();
        p.cache_token = false;
        let r = resolve(
            &CredentialSet::default(),
            None,
            &PanVars::default(),
            Some(&p),
        );
        assert_eq!(r.credentials.access_token, None);
    }

    #[rstest]
    #[case::explicit_arg(Some("x-dt"), &[], true, Some("x-dt"))]
    #[case::env(None, &[("PAN_DEVELOPER_TOKEN", "env-dt")], false, Some("env-dt"))]
    #[case::store(None, &[], false, Some("store-dt"))]
    #[case::env_access_token_disables(None, &[("PAN_DEVELOPER_TOKEN", "env-dt"), ("PAN_ACCESS_TOKEN", "at")], false, None)]
    #[case::explicit_creds_disable(None, &[("PAN_DEVELOPER_TOKEN", "env-dt")], true, None)]
    fn developer_token(
        #[case] arg: Option<&str>,
        #[case] env: &[(&str, &str)],
        #[case] explicit_creds: bool,
        #[case] expected: Option<&str>,
    ) {
        let mut p = stored();
        p.developer_token = Some(Secret::new("store-dt"));
        let explicit = if explicit_creds {
            set(None, Some("x-id"), None, None)
        } else {
            CredentialSet::default()
        };
        let r = resolve(
            &explicit,
            arg.map(Secret::new).as_ref(),
            &pan(env),
            Some(&p),
        );
        assert_eq!(r.developer_token.as_ref().map(|s| s.expose()), expected);
    }

    #[rstest]
    #[case(set(None, None, None, None), ClientAuth::ClientSecretBasic, &["client_id", "client_secret", "refresh_token"])]
    #[case(set(None, Some("i"), None, Some("r")), ClientAuth::ClientSecretBasic, &["client_secret"])]
    #[case(set(None, Some("i"), None, Some("r")), ClientAuth::None, &[])]
    #[case(set(Some("a"), Some("i"), Some("s"), None), ClientAuth::ClientSecretPost, &["refresh_token"])]
    fn partial_credentials(
        #[case] c: CredentialSet,
        #[case] auth: ClientAuth,
        #[case] missing: &[&str],
    ) {
        let r = resolve(&c, None, &PanVars::default(), None);
        let mut p = Profile::new("p");
        p.client_auth = auth;
        assert_eq!(r.missing_for_refresh(&p), missing);
    }

    #[rstest]
    #[case(set(None, Some("i"), Some("s"), None), &[])]
    #[case(set(None, Some("i"), None, None), &["client_secret"])]
    #[case(set(None, None, Some("s"), Some("r")), &["client_id"])]
    fn client_credentials_need_no_refresh_token(
        #[case] c: CredentialSet,
        #[case] missing: &[&str],
    ) {
        let r = resolve(&c, None, &PanVars::default(), None);
        let mut p = Profile::new("p");
        p.grant = Grant::ClientCredentials;
        assert_eq!(r.missing_for_refresh(&p), missing);
    }

    #[rstest]
    #[case(ClientAuth::PrivateKeyJwt, None, &["client_key_file"])]
    #[case(ClientAuth::PrivateKeyJwt, Some("/k.pem"), &[])]
    #[case(ClientAuth::ClientSecretJwt, None, &["client_secret"])]
    fn assertions_need_their_key(
        #[case] auth: ClientAuth,
        #[case] key: Option<&str>,
        #[case] missing: &[&str],
    ) {
        let r = resolve(
            &set(None, Some("i"), None, None),
            None,
            &PanVars::default(),
            None,
        );
        let mut p = Profile::new("p");
        p.client_auth = auth;
        p.client_key_file = key.map(str::to_string);
        for grant in [
            Grant::ClientCredentials,
            Grant::JwtBearer,
            Grant::TokenExchange,
        ] {
            p.grant = grant;
            assert_eq!(r.missing_for_refresh(&p), missing);
        }
    }
}
