//! Authorization: the URL to open (fresh state, PKCE kept in the profile) and the code exchange.

use super::{Engine, PendingAuthorization};
use crate::oauth::discovery::{self, Need};
use crate::oauth::{oauth2, pancloud, TokenResponse};
use crate::profile::{Dialect, Grant, Profile};
use crate::rules::pkce;
use crate::{Error, Result};

impl Engine {
    /// Starts an authorization: a fresh state (and PKCE verifier), and the URL to open.
    /// `redirect_uri` overrides the profile's (the loopback listener's actual port).
    ///
    /// Nothing is stored: a caller that waits for the code itself (the loopback login, the TUI)
    /// keeps the returned value, so a flow that fails leaves the store as it was. A caller whose
    /// exchange happens in another process calls [`Engine::remember_authorization`].
    pub async fn start_authorization(
        &self,
        profile: &str,
        redirect_uri: Option<&str>,
    ) -> Result<PendingAuthorization> {
        let stored = self.load_existing(profile).await?;
        let (p, _) = self.working(profile, Some(&stored));
        refuse_client_credentials(&p)?;
        let redirect = redirect_uri
            .map(str::to_string)
            .or_else(|| p.redirect_uri.clone());
        let state = uuid::Uuid::new_v4().to_string();
        let (mut issuer, mut iss_required) = (None, false);
        let (url, verifier) = match p.dialect {
            Dialect::Pancloud => (
                pancloud::authorization_url(&p, redirect.as_deref(), &state)?,
                None,
            ),
            Dialect::OAuth2 => {
                let endpoints =
                    discovery::endpoints(&self.caller()?, &p, Need::Authorization).await?;
                let verifier = pkce::new_verifier();
                let url = oauth2::authorization_url(
                    &endpoints,
                    &p,
                    redirect.as_deref(),
                    &state,
                    &verifier,
                )?;
                issuer = endpoints.issuer.clone();
                iss_required = endpoints.iss_parameter_supported;
                (url, Some(verifier))
            }
        };
        Ok(PendingAuthorization {
            profile: profile.to_string(),
            url,
            state,
            pkce_verifier: verifier,
            redirect_uri: redirect,
            issuer,
            iss_required,
        })
    }

    /// Keeps an authorization's verifier, state and redirect URI in the profile, so that an
    /// exchange in another process (`pancred auth-url`, then `pancred exchange --code`) can finish it.
    pub async fn remember_authorization(&self, pending: &PendingAuthorization) -> Result<()> {
        let _lock = self.lock(&pending.profile).await?;
        let mut current = self.load_existing(&pending.profile).await?;
        current.pkce_verifier = pending.pkce_verifier.clone();
        current.pending_state = Some(pending.state.clone());
        current.pending_redirect_uri = pending.redirect_uri.clone();
        self.upsert(current).await
    }

    /// Exchanges an authorization code and stores the tokens. Without `pending`, the verifier and
    /// redirect URI kept by the last `start_authorization` are used. Tokens of another subject
    /// than the profile's pinned identity are refused (see [`Engine::exchange_code_as`]).
    pub async fn exchange_code(
        &self,
        profile: &str,
        code: &str,
        pending: Option<&PendingAuthorization>,
    ) -> Result<Profile> {
        self.exchange_code_as(profile, code, pending, false).await
    }

    /// [`Engine::exchange_code`]; `new_identity` lets the tokens of another subject replace the
    /// profile's pinned identity (`pancred login --new-identity`).
    pub async fn exchange_code_as(
        &self,
        profile: &str,
        code: &str,
        pending: Option<&PendingAuthorization>,
        new_identity: bool,
    ) -> Result<Profile> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::Usage("the authorization code is empty".into()));
        }
        // A DPoP profile's key is stored before its first token request.
        self.dpop_ready(profile).await?;
        let stored = self.load_existing(profile).await?;
        let (p, _) = self.working(profile, Some(&stored));
        refuse_client_credentials(&p)?;
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
        let verifier = pending
            .and_then(|a| a.pkce_verifier.clone())
            .or_else(|| stored.pkce_verifier.clone());
        let redirect = pending
            .and_then(|a| a.redirect_uri.clone())
            .or_else(|| stored.pending_redirect_uri.clone())
            .or_else(|| p.redirect_uri.clone());
        let caller = self.caller()?.bound_to(&p)?;
        let _in_flight = self.in_flight(profile);
        let tokens = match p.dialect {
            Dialect::Pancloud => pancloud::exchange(&caller, &p, code, redirect.as_deref()).await?,
            Dialect::OAuth2 => {
                let (caller, p, redirect) = (&caller, &p, redirect.as_deref());
                let verifier = verifier.as_ref();
                let tokens = discovery::with_endpoints(caller, p, Need::Token, |e| async move {
                    oauth2::exchange(caller, &e, p, code, redirect, verifier).await
                })
                .await?;
                oauth2::check_nonce(p, verifier, tokens.id_token.as_ref())?;
                tokens
            }
        };
        let _lock = self.lock(profile).await?;
        let mut current = self.load_existing(profile).await?;
        self.pin_identity(&mut current, tokens.id_token.as_ref(), new_identity)?;
        let spent = current.refresh_token.clone();
        let result = self.apply_exchange(&mut current, &p, tokens);
        self.store_tokens(current, spent).await?;
        Ok(result)
    }

    /// Writes an exchange's tokens into `current` (as stored) and returns the profile as the
    /// caller sees it, access token included even when cache_token keeps it out of the store.
    pub(super) fn apply_exchange(
        &self,
        current: &mut Profile,
        used: &Profile,
        t: TokenResponse,
    ) -> Profile {
        let now = self.now();
        if current.client_id.is_none() {
            current.client_id = used.client_id.clone();
        }
        if current.client_secret.is_none() {
            current.client_secret = used.client_secret.clone();
        }
        if let Some(rt) = &t.refresh_token {
            current.refresh_token = Some(rt.clone());
        }
        current.clear_pending();
        current.access_revoked_at = None;
        if t.id_token.is_some() {
            current.id_token = t.id_token.clone();
        }
        current.moved_to = None;
        let mut result = current.clone();
        result.set_access_token(t.access_token.clone(), t.expires_in, now);
        result.set_token_type(t.token_type.as_deref());
        if current.cache_token {
            current.set_access_token(t.access_token, t.expires_in, now);
            current.set_token_type(t.token_type.as_deref());
        } else {
            current.forget_access_token();
        }
        result
    }
}

/// What `login`, `auth-url` and `exchange` say about a profile nobody logs in to.
pub fn no_login_needed(profile: &str, grant: Grant) -> String {
    let how = match grant {
        Grant::JwtBearer => "by presenting the profile's assertion",
        Grant::TokenExchange => "by exchanging the profile's subject token",
        _ => "with the client's own credentials",
    };
    format!(
        "profile '{profile}' uses the {} grant: it needs no login; `pancred token` gets a token \
         {how}",
        grant.as_str()
    )
}

pub(super) fn refuse_client_credentials(p: &Profile) -> Result<()> {
    if p.grant.needs_login() {
        Ok(())
    } else {
        Err(Error::Usage(no_login_needed(&p.profile, p.grant)))
    }
}
