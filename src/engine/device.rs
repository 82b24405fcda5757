//! Device login (RFC 8628): start one (a user code for a person to enter elsewhere), then poll
//! until the provider answers with tokens, which are stored like a login's.

use super::Engine;
use crate::oauth::device::{self, Poll, SLOW_DOWN_STEP};
use crate::oauth::discovery::{self, Endpoints, Need};
use crate::oauth::OAuthError;
use crate::profile::{Dialect, Profile};
use crate::secret::Secret;
use crate::{Error, Result};
use std::time::Duration;

/// Failed polls in a row (the network, not the provider) before the login gives up.
const MAX_TRANSPORT_FAILURES: u32 = 3;

/// A device login in progress: what to show the person, and what the polling needs.
#[derive(Debug, Clone)]
pub struct DeviceLogin {
    pub profile: String,
    /// As the provider gives it (e.g. `WDJB-MJHT`); checked to hold no control characters.
    pub user_code: String,
    pub verification_uri: String,
    /// The URI with the code in it, when the provider gives one (the one to put in a QR code).
    pub verification_uri_complete: Option<String>,
    /// Unix seconds when the code expires.
    pub expires_at: i64,
    /// The polling interval the provider asked for.
    pub interval: Duration,
    /// Let the tokens replace the profile's pinned identity (`login --device --new-identity`).
    pub new_identity: bool,
    device_code: Secret,
    endpoints: Endpoints,
    working: Profile,
}

impl DeviceLogin {
    /// The URI a browser or a phone should open: the complete one when there is one.
    pub fn uri_to_open(&self) -> &str {
        self.verification_uri_complete
            .as_deref()
            .unwrap_or(&self.verification_uri)
    }
}

impl Engine {
    /// Whether the profile's provider offers device login (a `device_authorization_url`, or one
    /// in the issuer's metadata). Never fails: an unreachable provider counts as no.
    pub async fn device_login_supported(&self, profile: &str) -> bool {
        let Ok(Some(stored)) = self.load(profile).await else {
            return false;
        };
        let (p, _) = self.working(profile, Some(&stored));
        if p.dialect != Dialect::OAuth2 {
            return false;
        }
        let Ok(caller) = self.caller() else {
            return false;
        };
        discovery::endpoints(&caller, &p, Need::DeviceAuthorization)
            .await
            .is_ok_and(|e| e.device_authorization.is_some())
    }

    /// Asks the provider for a user code. Nothing is stored.
    pub async fn start_device_login(&self, profile: &str) -> Result<DeviceLogin> {
        // A DPoP profile's key is stored before its first token request.
        self.dpop_ready(profile).await?;
        let stored = self.load_existing(profile).await?;
        let (p, _) = self.working(profile, Some(&stored));
        super::authorize::refuse_client_credentials(&p)?;
        if p.dialect != Dialect::OAuth2 {
            return Err(Error::Usage(format!(
                "profile '{profile}': device login (RFC 8628) needs the oauth2 dialect"
            )));
        }
        if p.client_id.is_none() {
            return Err(Error::PartialCredentials {
                profile: profile.to_string(),
                missing: vec!["client_id"],
            });
        }
        let caller = self.caller()?.bound_to(&p)?;
        let endpoints = discovery::endpoints(&caller, &p, Need::DeviceAuthorization).await?;
        let answer = device::start(&caller, endpoints.device_authorization()?, &p).await?;
        Ok(DeviceLogin {
            profile: profile.to_string(),
            user_code: answer.user_code,
            verification_uri: answer.verification_uri,
            verification_uri_complete: answer.verification_uri_complete,
            expires_at: self.now().saturating_add(answer.expires_in),
            new_identity: false,
            interval: Duration::from_secs(answer.interval),
            device_code: answer.device_code,
            endpoints,
            working: p,
        })
    }

    /// Polls at the interval (slower after each `slow_down`) until the provider gives tokens,
    /// and stores them as a login does. A refusal is `access_denied` from the provider; a code
    /// that expires first is [`OAuthError::DeviceCodeExpired`]. Both exit 4.
    pub async fn finish_device_login(&self, login: &DeviceLogin) -> Result<Profile> {
        let caller = self.caller()?.bound_to(&login.working)?;
        let mut interval = login.interval;
        let mut transport_failures = 0;
        let tokens = loop {
            tokio::time::sleep(interval).await;
            if self.now() >= login.expires_at {
                return Err(OAuthError::DeviceCodeExpired.into());
            }
            let polled = device::poll(
                &caller,
                &login.endpoints,
                &login.working,
                &login.device_code,
            )
            .await;
            match polled {
                Ok(Poll::Tokens(t)) => break t,
                Ok(Poll::Pending) => transport_failures = 0,
                Ok(Poll::SlowDown) => interval += Duration::from_secs(SLOW_DOWN_STEP),
                // Polls are seconds apart, often longer than a server keeps an idle connection:
                // a connection closed under a poll is tried again at the next one, a few times.
                Err(OAuthError::Transport { .. } | OAuthError::Timeout { .. })
                    if transport_failures < MAX_TRANSPORT_FAILURES =>
                {
                    transport_failures += 1;
                }
                // The provider (or its proxy) failing on its side, while the code still lives:
                // ask again at the next interval; the code's expiry bounds the waiting.
                Err(e) if e.is_server_error() => {}
                Err(e) => return Err(e.into()),
            }
        };
        let _lock = self.lock(&login.profile).await?;
        let mut current = self.load_existing(&login.profile).await?;
        self.pin_identity(&mut current, tokens.id_token.as_ref(), login.new_identity)?;
        let result = self.apply_exchange(&mut current, &login.working, tokens);
        self.upsert(current).await?;
        Ok(result)
    }
}
