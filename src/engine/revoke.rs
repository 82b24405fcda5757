//! Revocation at the provider; what was revoked is then forgotten by the store.

use super::{Engine, RevokeWhat};
use crate::oauth::discovery::{self, Need};
use crate::oauth::{oauth2, pancloud};
use crate::profile::{Dialect, Profile};
use crate::secret::Secret;
use crate::{Error, Result};

/// What a revocation did.
#[derive(Debug, Clone)]
pub struct RevokeReport {
    /// The profile as stored afterwards.
    pub profile: Profile,
    /// `access_token` / `refresh_token`: revoked at the provider.
    pub revoked: Vec<&'static str>,
    /// Tokens the provider cannot revoke (RFC 7009 `unsupported_token_type`, e.g. JWT access
    /// tokens): forgotten here, but valid until they expire.
    pub not_revocable: Vec<&'static str>,
}

impl Engine {
    /// Revokes at the provider and forgets what was revoked.
    pub async fn revoke(&self, profile: &str, what: RevokeWhat) -> Result<Profile> {
        Ok(self.revoke_report(profile, what).await?.profile)
    }

    /// [`Engine::revoke`], saying what was revoked. The access token goes first, so that a
    /// failure revoking the refresh token leaves the grant usable and stored as it was.
    pub async fn revoke_report(&self, profile: &str, what: RevokeWhat) -> Result<RevokeReport> {
        let _lock = self.lock(profile).await?;
        let stored = self.load_existing(profile).await?;
        let (p, _) = self.working(profile, Some(&stored));
        let mut targets: Vec<(&'static str, Secret)> = Vec::new();
        if what.access_token {
            if let Some(t) = &p.access_token {
                targets.push(("access_token", t.clone()));
            }
        }
        if what.refresh_token {
            if let Some(t) = &p.refresh_token {
                targets.push(("refresh_token", t.clone()));
            }
        }
        if targets.is_empty() {
            return Err(Error::Other(format!(
                "nothing to revoke: profile '{profile}' has no {}",
                match (what.access_token, what.refresh_token) {
                    (true, false) => "access token",
                    (false, true) => "refresh token",
                    _ => "access or refresh token",
                }
            )));
        }
        let missing = crate::resolve::missing_for_client(
            p.client_id.as_deref(),
            p.client_secret.as_ref(),
            &p,
        );
        if !missing.is_empty() {
            return Err(Error::PartialCredentials {
                profile: profile.to_string(),
                missing,
            });
        }
        let caller = self.caller()?.bound_to(&p)?;
        if p.dialect == Dialect::OAuth2 {
            // A missing endpoint is found out before anything is revoked.
            discovery::endpoints(&caller, &p, Need::Revocation)
                .await?
                .revocation()?;
        }
        let mut current = stored;
        let (mut revoked, mut not_revocable) = (Vec::new(), Vec::new());
        for (hint, token) in targets {
            let result = match p.dialect {
                Dialect::OAuth2 => {
                    let (caller, p, token) = (&caller, &p, &token);
                    discovery::with_endpoints(caller, p, Need::Revocation, |e| async move {
                        oauth2::revoke(caller, &e, p, token, hint).await
                    })
                    .await
                }
                Dialect::Pancloud => pancloud::revoke(&caller, &p, &token, hint).await,
            };
            match result {
                Ok(()) => revoked.push(hint),
                Err(e) if e.provider_error() == Some("unsupported_token_type") => {
                    not_revocable.push(hint)
                }
                Err(e) => return Err(e.into()),
            }
            // Forget the stored copy only when it is the token just revoked (one given in
            // PAN_* or a flag is not the store's).
            match hint {
                "access_token" if current.access_token.as_ref() == Some(&token) => {
                    current.forget_access_token();
                    // Remembered so that a later refresh refused with invalid_grant can say
                    // the provider ended the grant with the access token.
                    if current.refresh_token.is_some() && revoked.contains(&"access_token") {
                        current.access_revoked_at = Some(self.now());
                    }
                }
                "refresh_token" if current.refresh_token.as_ref() == Some(&token) => {
                    current.refresh_token = None;
                    current.access_revoked_at = None;
                }
                _ => continue,
            }
            self.upsert(current.clone()).await?;
        }
        Ok(RevokeReport {
            profile: current,
            revoked,
            not_revocable,
        })
    }
}
