//! Refreshing: one call to the provider under the profile's lock, the rolled refresh token
//! stored before the access token is handed out, nothing stored when the call fails.

use super::Engine;
use crate::oauth::discovery::{self, Need};
use crate::oauth::{developer, grants, oauth2, pancloud, OAuthError, TokenResponse};
use crate::profile::{Dialect, Grant, Profile, TokenState};
use crate::resolve::{Resolved, Source};
use crate::secret::Secret;
use crate::{Error, Result};

impl Engine {
    /// Refreshes now (developer token, else refresh token, or the client's own credentials for
    /// the client_credentials grant) under the profile's lock, and stores the result, rolled
    /// refresh token first.
    pub async fn refresh(&self, profile: &str) -> Result<Profile> {
        let _lock = self.lock(profile).await?;
        let stored = self.load(profile).await?;
        self.refresh_locked(profile, stored).await
    }

    /// A valid access token: the cached one when it is good beyond the leeway, else one refresh
    /// shared by every caller and process.
    ///
    /// The cached path touches neither the network nor the lock. Otherwise concurrent callers in
    /// this process join one refresh; across processes the profile lock serializes them, and
    /// each re-reads the store after taking it, so only the first one calls the provider.
    pub async fn fresh_access_token(&self, profile: &str) -> Result<Secret> {
        // A waiting rescue is stored under the lock before any of its tokens is handed out.
        if !self.rescue_waiting(profile) {
            let stored = self.load(profile).await?;
            let (p, _) = self.working(profile, stored.as_ref());
            if let Some(t) = self.usable(&p) {
                return Ok(t);
            }
        }
        self.shared_refresh(profile, None).await
    }

    /// A token to replace one the resource server refused (HTTP 401): refreshes unless the
    /// store already holds a different valid token (another caller refreshed meanwhile).
    pub async fn access_token_after_rejection(
        &self,
        profile: &str,
        rejected: &Secret,
    ) -> Result<Secret> {
        self.shared_refresh(profile, Some(rejected.clone())).await
    }

    /// The cached token, when it is valid beyond the leeway.
    pub fn usable(&self, p: &Profile) -> Option<Secret> {
        match p.token_state(self.now(), self.leeway) {
            TokenState::Valid => p.access_token.clone(),
            _ => None,
        }
    }

    /// What one flight does: take the lock, re-read, refresh only if still needed.
    pub(crate) async fn locked_fresh_token(
        &self,
        profile: &str,
        rejected: Option<Secret>,
    ) -> Result<Secret> {
        let _lock = self.lock(profile).await?;
        let stored = self.load(profile).await?;
        let (p, _) = self.working(profile, stored.as_ref());
        if let Some(t) = self.usable(&p) {
            if rejected.as_ref() != Some(&t) {
                return Ok(t);
            }
        }
        let refreshed = self.refresh_locked(profile, stored).await?;
        refreshed
            .access_token
            .ok_or_else(|| Error::Other("the refresh returned no access token".into()))
    }

    /// The refresh itself; the caller holds the lock and has just read `stored`.
    pub(crate) async fn refresh_locked(
        &self,
        profile: &str,
        stored: Option<Profile>,
    ) -> Result<Profile> {
        // A DPoP profile's key is stored before its first token request (same lock).
        let stored = self.dpop_ready_locked(stored).await?;
        let (p, resolved) = self.working(profile, stored.as_ref());
        if stored.is_none()
            && resolved.source == Source::Store
            && resolved.developer_token.is_none()
        {
            return Err(self.no_such(profile));
        }
        let missing = resolved.missing_for_refresh(&p);
        if !missing.is_empty() {
            return Err(Error::PartialCredentials {
                profile: profile.to_string(),
                missing,
            });
        }
        let caller = self.caller()?.bound_to(&p)?;
        // From here until the result is stored, ending the program could lose a rotated token.
        let _in_flight = self.in_flight(profile);
        let tokens = match &resolved.developer_token {
            Some(dev) => developer::redeem(&caller, &p, dev).await?,
            None => match (p.dialect, p.grant) {
                (Dialect::Pancloud, Grant::AuthorizationCode) => {
                    pancloud::refresh(&caller, &p).await?
                }
                (Dialect::Pancloud, grant) => {
                    return Err(Error::Usage(format!(
                        "profile '{profile}': the {} grant needs the oauth2 dialect",
                        grant.as_str()
                    )))
                }
                (Dialect::OAuth2, grant) => {
                    let (caller, p, ambient) = (&caller, &p, &*self.ambient);
                    discovery::with_endpoints(caller, p, Need::Token, |e| async move {
                        match grant {
                            Grant::AuthorizationCode => oauth2::refresh(caller, &e, p).await,
                            // Same lock, same re-read, same single flight: one grant per expiry.
                            Grant::ClientCredentials => {
                                oauth2::client_credentials(caller, &e, p).await
                            }
                            Grant::JwtBearer => grants::jwt_bearer(caller, &e, p, ambient).await,
                            Grant::TokenExchange => {
                                grants::token_exchange(caller, &e, p, ambient).await
                            }
                        }
                    })
                    .await
                    .map_err(|e| ended_by_revocation(e, stored.as_ref()))?
                }
            },
        };
        // The stored grant's tokens must belong to its pinned subject (nothing stored otherwise).
        let mut identity = None;
        if resolved.source == Source::Store {
            if let Some(s) = &stored {
                let mut checked = s.clone();
                self.pin_identity(&mut checked, tokens.id_token.as_ref(), false)?;
                identity = checked.identity.filter(|_| s.identity.is_none());
            }
        }
        let spent = stored.as_ref().and_then(|s| s.refresh_token.clone());
        // A refresh token from outside the store (a flag, PAN_REFRESH_TOKEN) that the provider
        // rotated: the one outside is spent, so the new one must be kept somewhere.
        let rotated_outside = resolved.source != Source::Store
            && resolved.developer_token.is_none()
            && tokens
                .refresh_token
                .as_ref()
                .is_some_and(|rt| p.refresh_token.as_ref() != Some(rt));
        let before = stored.clone();
        let (result, mut to_store) = self.apply_refresh(profile, &p, stored, &resolved, tokens);
        if let (Some(updated), Some(id)) = (to_store.as_mut(), identity) {
            updated.identity = Some(id);
        }
        if let Some(updated) = to_store {
            // One atomic write holds the rolled refresh token and the access token together,
            // and it happens before the token is returned; a store that refuses it gets retries,
            // then the rescue file (rescue.rs): the new refresh token is never dropped.
            self.store_tokens(updated, spent).await?;
        } else if rotated_outside {
            self.keep_rotated(profile, before, &p, &result, resolved.source)
                .await?;
        }
        Ok(result)
    }

    /// The profile as the caller sees it, and what to store (if anything).
    ///
    /// Credentials that came from outside the store (flags, `PAN_*`) are not written into it,
    /// as pancloud does not; a developer token's access token is stored as in pancloud 2.0.
    fn apply_refresh(
        &self,
        profile: &str,
        used: &Profile,
        stored: Option<Profile>,
        resolved: &Resolved,
        t: TokenResponse,
    ) -> (Profile, Option<Profile>) {
        let now = self.now();
        let developer = resolved.developer_token.is_some();
        let mut result = used.clone();
        if !developer {
            if let Some(rt) = &t.refresh_token {
                result.refresh_token = Some(rt.clone());
            }
        }
        result.set_access_token(t.access_token.clone(), t.expires_in, now);
        result.set_token_type(t.token_type.as_deref());
        if t.id_token.is_some() {
            result.id_token = t.id_token.clone();
        }
        if resolved.source != Source::Store && !developer {
            return (result, None);
        }
        let mut current = stored.unwrap_or_else(|| Profile::new(profile.to_string()));
        if !developer {
            if let Some(rt) = t.refresh_token {
                current.refresh_token = Some(rt);
            }
        }
        current.access_revoked_at = None;
        if t.id_token.is_some() {
            current.id_token = t.id_token;
        }
        current.moved_to = None;
        if current.cache_token {
            current.set_access_token(t.access_token, t.expires_in, now);
            current.set_token_type(t.token_type.as_deref());
        } else {
            current.forget_access_token();
        }
        (result, Some(current))
    }
}

impl Engine {
    /// Stores a refresh token the provider rotated for credentials from outside the store (as
    /// pancloud writes its credentials back): into the selected profile, unless that profile
    /// holds another live grant, which is never overwritten (then `NAME-rotated`). Says where.
    async fn keep_rotated(
        &self,
        profile: &str,
        stored: Option<Profile>,
        used: &Profile,
        result: &Profile,
        source: Source,
    ) -> Result<()> {
        let spent = used.refresh_token.as_ref();
        // The selected profile, else the first free `NAME-rotated[-N]`: never another live grant.
        let holds_other_grant = |p: &Option<Profile>| {
            p.as_ref()
                .and_then(|h| h.refresh_token.as_ref())
                .is_some_and(|rt| Some(rt) != spent)
        };
        let mut name = profile.to_string();
        let mut here = stored;
        let mut n = 1;
        while holds_other_grant(&here) {
            name = match n {
                1 => format!("{profile}-rotated"),
                _ => format!("{profile}-rotated-{n}"),
            };
            if super::check_name(&name).is_err() {
                // Too long to grow: a name of its own, unique by the time.
                name = format!("rotated-{}-{n}", self.now());
            }
            here = self.load(&name).await?;
            n += 1;
        }
        let mut keep = result.clone();
        keep.profile = name.clone();
        keep.access_revoked_at = None;
        keep.moved_to = None;
        keep.clear_pending();
        if !keep.cache_token {
            keep.forget_access_token();
        }
        self.store_tokens(keep, spent.cloned()).await?;
        let (origin, drop) = match source {
            Source::Explicit => (
                "the refresh token given with --refresh-token-file",
                "stop passing --client-id and the credential files",
            ),
            _ => (
                "PAN_REFRESH_TOKEN",
                "unset PAN_REFRESH_TOKEN, PAN_CLIENT_ID, PAN_CLIENT_SECRET and PAN_ACCESS_TOKEN",
            ),
        };
        self.notice(format!(
            "the provider rotated {origin}: that one is spent now. The new one is stored in \
             profile '{}' of the {} store ({}); to use it, {drop} and run with --profile {}.",
            crate::text::Safe(&name),
            self.store.kind(),
            self.store.location(),
            crate::text::Safe(&name),
        ));
        Ok(())
    }
}

/// A refresh token refused after `revoke --access-token`: the provider ended the whole grant
/// when the access token alone was revoked (RFC 7009 §2.1 allows it). Said so, not only
/// `invalid_grant`.
fn ended_by_revocation(e: OAuthError, stored: Option<&Profile>) -> OAuthError {
    match stored.and_then(|p| p.access_revoked_at) {
        Some(at) if e.is_invalid_grant() => OAuthError::GrantEnded {
            revoked_at: at,
            cause: Box::new(e),
        },
        _ => e,
    }
}
