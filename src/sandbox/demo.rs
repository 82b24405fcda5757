//! The demo set-up: the sandbox's demo clients and developer token (demo values, printed by
//! `pancred sandbox`), and profiles against a running sandbox in every interesting state.

use super::{
    DeveloperToken, SandboxClient, SandboxError, SandboxHandle, DEVELOPER_TOKEN_PATH,
    PANCLOUD_AUTHORIZE_PATH,
};
use crate::profile::{ClientAuth, Dialect, Profile};
use crate::secret::Secret;

pub const DEMO_SUBJECT: &str = "demo-user";
pub const PANCLOUD_CLIENT: &str = "pancloud-demo";
pub const PANCLOUD_SECRET: &str = "pancloud-demo-secret";
pub const OAUTH2_CLIENT: &str = "oauth2-demo";
pub const OAUTH2_SECRET: &str = "oauth2-demo-secret";
/// A public client: no secret, PKCE only.
pub const PUBLIC_CLIENT: &str = "oauth2-public-demo";
pub const DEVELOPER_TOKEN: &str = "demo-developer-token";
pub const PANCLOUD_SCOPE: &str = "logging-service:read directory-sync-service:read";
pub const OAUTH2_SCOPE: &str = "openid profile offline_access";
/// Loopback redirect without a port: `pancred login` picks a free one.
pub const REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// The demo profiles, by state.
pub const VALID: &str = "pancloud-valid";
pub const EXPIRING: &str = "oauth2-expiring";
pub const EXPIRED: &str = "oauth2-expired";
pub const NEW: &str = "oauth2-new";
pub const DEVELOPER: &str = "pancloud-developer";

pub fn clients() -> Vec<SandboxClient> {
    vec![
        SandboxClient {
            client_id: PANCLOUD_CLIENT.into(),
            client_secret: Some(Secret::new(PANCLOUD_SECRET)),
            default_scope: PANCLOUD_SCOPE.into(),
        },
        SandboxClient {
            client_id: OAUTH2_CLIENT.into(),
            client_secret: Some(Secret::new(OAUTH2_SECRET)),
            default_scope: OAUTH2_SCOPE.into(),
        },
        SandboxClient {
            client_id: PUBLIC_CLIENT.into(),
            client_secret: None,
            default_scope: OAUTH2_SCOPE.into(),
        },
    ]
}

pub fn developer_tokens() -> Vec<DeveloperToken> {
    vec![DeveloperToken {
        token: Secret::new(DEVELOPER_TOKEN),
        subject: DEMO_SUBJECT.into(),
    }]
}

/// A pancloud-dialect profile for the demo client, pointed at `sandbox`.
pub fn pancloud_profile(name: &str, sandbox: &SandboxHandle) -> Profile {
    let mut p = Profile::new(name);
    p.dialect = Dialect::Pancloud;
    p.client_id = Some(PANCLOUD_CLIENT.into());
    p.client_secret = Some(Secret::new(PANCLOUD_SECRET));
    p.token_url = Some(sandbox.base_url().to_string());
    p.auth_base_url = Some(sandbox.url(PANCLOUD_AUTHORIZE_PATH));
    p.redirect_uri = Some(REDIRECT_URI.into());
    p.scope = Some(PANCLOUD_SCOPE.into());
    p
}

/// An oauth2-dialect profile that finds its endpoints by discovery.
pub fn oauth2_profile(name: &str, sandbox: &SandboxHandle, auth: ClientAuth) -> Profile {
    let mut p = Profile::new(name);
    p.dialect = Dialect::OAuth2;
    p.issuer = Some(sandbox.base_url().to_string());
    p.client_auth = auth;
    if auth == ClientAuth::None {
        p.client_id = Some(PUBLIC_CLIENT.into());
    } else {
        p.client_id = Some(OAUTH2_CLIENT.into());
        p.client_secret = Some(Secret::new(OAUTH2_SECRET));
    }
    p.redirect_uri = Some(REDIRECT_URI.into());
    p.scope = Some(OAUTH2_SCOPE.into());
    p
}

fn with_tokens(
    mut p: Profile,
    sandbox: &SandboxHandle,
    lifetime: i64,
    now: i64,
) -> Result<Profile, SandboxError> {
    let client = p.client_id.clone().unwrap_or_default();
    let t = sandbox.issue_tokens(&client, p.scope.as_deref(), lifetime)?;
    p.refresh_token = t.refresh_token;
    p.set_access_token(t.access_token, Some(t.expires_in), now);
    Ok(p)
}

/// Five profiles against `sandbox`: valid, about to expire (inside the default leeway), expired,
/// never authorized (authorize it in the browser), and one that redeems a developer token.
pub fn profiles(sandbox: &SandboxHandle, now: i64) -> Result<Vec<Profile>, SandboxError> {
    let lifetime = sandbox.token_lifetime();
    let mut developer = pancloud_profile(DEVELOPER, sandbox);
    developer.client_id = None;
    developer.client_secret = None;
    developer.developer_token = Some(Secret::new(DEVELOPER_TOKEN));
    developer.developer_token_url = Some(sandbox.url(DEVELOPER_TOKEN_PATH));
    Ok(vec![
        with_tokens(pancloud_profile(VALID, sandbox), sandbox, lifetime, now)?,
        with_tokens(
            oauth2_profile(EXPIRING, sandbox, ClientAuth::ClientSecretBasic),
            sandbox,
            45,
            now,
        )?,
        with_tokens(
            oauth2_profile(EXPIRED, sandbox, ClientAuth::ClientSecretPost),
            sandbox,
            -120,
            now,
        )?,
        oauth2_profile(NEW, sandbox, ClientAuth::None),
        developer,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, SystemClock};
    use crate::profile::{TokenState, DEFAULT_LEEWAY};

    #[test]
    fn demo_profiles_start_in_every_state() {
        let sandbox = super::super::Sandbox::start(Default::default()).unwrap();
        let now = SystemClock.now();
        let ps = profiles(&sandbox, now).unwrap();
        let state = |name: &str| {
            ps.iter()
                .find(|p| p.profile == name)
                .unwrap()
                .token_state(now, DEFAULT_LEEWAY)
        };
        assert_eq!(state(VALID), TokenState::Valid);
        assert_eq!(state(EXPIRING), TokenState::Expiring);
        assert_eq!(state(EXPIRED), TokenState::Expired);
        assert_eq!(state(NEW), TokenState::Missing);
        assert_eq!(state(DEVELOPER), TokenState::Missing);
        let dialects: Vec<_> = ps.iter().map(|p| p.dialect).collect();
        assert!(dialects.contains(&Dialect::Pancloud) && dialects.contains(&Dialect::OAuth2));
        // The tokens are real ones: the sandbox accepts the valid one and not the expired one.
        let token = |name: &str| {
            ps.iter()
                .find(|p| p.profile == name)
                .and_then(|p| p.access_token.clone())
                .unwrap()
        };
        assert!(sandbox.check_access_token(token(VALID).expose()).is_some());
        assert!(sandbox
            .check_access_token(token(EXPIRED).expose())
            .is_none());
        sandbox.shutdown();
    }
}
