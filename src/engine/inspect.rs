//! Looking deeper at a profile's tokens: the ID token's claims, OpenID Connect userinfo and RFC
//! 7662 introspection. Each answers "not offered" (with why) rather than an error when the
//! provider or the profile has no such thing, so a face can say so plainly.

use super::Engine;
use crate::jwt::claims;
use crate::oauth::{discovery, inspect};
use crate::profile::{Dialect, Profile};
use crate::Result;
use serde_json::{Map, Value};

/// Claims or fields as `(name, text)` pairs, times as UTC dates, in a stable order.
pub type Fields = Vec<(String, String)>;

/// What the provider offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offered<T> {
    Yes(T),
    /// Why there is nothing to show (the provider or the profile does not offer it).
    No(String),
}

/// The fields an introspection answer is read for first (RFC 7662 §2.2), then the rest.
const INTROSPECTION_FIRST: [&str; 4] = ["active", "scope", "client_id", "exp"];

/// `(name, text)` pairs of a JSON object: `first` in that order, then the rest by name.
pub fn fields(map: &Map<String, Value>, first: &[&str]) -> Fields {
    let text = |k: &str, _: &Value| crate::jwt::claim_display(map, k);
    let mut out: Fields = first
        .iter()
        .filter_map(|k| map.get(*k).map(|v| (k.to_string(), text(k, v))))
        .collect();
    let mut rest: Vec<_> = map
        .iter()
        .filter(|(k, _)| !first.contains(&k.as_str()))
        .collect();
    rest.sort_by(|a, b| a.0.cmp(b.0));
    out.extend(rest.into_iter().map(|(k, v)| (k.clone(), text(k, v))));
    out
}

/// The stored ID token's claims (no signature check: what it says, not a proof).
pub fn id_token_claims(p: &Profile) -> Offered<Fields> {
    match p.id_token.as_ref().map(|t| claims(t.expose())) {
        Some(Some(c)) => Offered::Yes(fields(&c, &["iss", "sub", "aud", "exp", "iat"])),
        Some(None) => Offered::No("the stored ID token is not a readable JWT".into()),
        None if p.dialect == Dialect::Pancloud => {
            Offered::No("pancloud-dialect profiles get no ID token".into())
        }
        None if p
            .scope
            .as_deref()
            .is_some_and(|s| s.split_whitespace().any(|w| w == "openid")) =>
        {
            Offered::No(
                "no ID token stored: the profile asks for the openid scope, but none came with \
                 its tokens (they predate it, or the provider sent none); authorize again"
                    .into(),
            )
        }
        None => Offered::No(
            "no ID token: the provider gave none (ask for the openid scope, then authorize again)"
                .into(),
        ),
    }
}

impl Engine {
    /// The endpoint `field` of the profile's issuer metadata, or why there is none.
    async fn offered_endpoint(
        &self,
        p: &Profile,
        field: &str,
        what: &str,
    ) -> Result<Offered<String>> {
        if p.dialect == Dialect::Pancloud {
            return Ok(Offered::No(format!("the pancloud dialect has no {what}")));
        }
        if p.issuer.is_none() {
            return Ok(Offered::No(format!(
                "this profile names no issuer, so the provider's {what} endpoint is unknown"
            )));
        }
        let caller = self.caller()?;
        Ok(match discovery::metadata_field(&caller, p, field).await? {
            Some(url) => Offered::Yes(url),
            None => Offered::No(format!(
                "the provider does not offer {what} (its metadata names no {field})"
            )),
        })
    }

    /// OpenID Connect userinfo for the profile's access token (refreshed first if it is due,
    /// as `pancred token` would).
    pub async fn userinfo(&self, name: &str) -> Result<Offered<Fields>> {
        let p = self.load_existing(name).await?;
        let url = match self
            .offered_endpoint(&p, "userinfo_endpoint", "userinfo")
            .await?
        {
            Offered::Yes(url) => url,
            Offered::No(why) => return Ok(Offered::No(why)),
        };
        let token = self.fresh_access_token(name).await?;
        // As stored with that token (its type says whether it is DPoP-bound).
        let p = self.load_existing(name).await?;
        let caller = self.caller()?.bound_to(&p)?;
        let map = inspect::userinfo(&caller, &url, &p, &token).await?;
        Ok(Offered::Yes(fields(&map, &["sub", "name", "email"])))
    }

    /// RFC 7662 introspection of the stored access token (else the refresh token), asked with
    /// the client's own authentication.
    pub async fn introspect(&self, name: &str) -> Result<Offered<Fields>> {
        let p = self.load_existing(name).await?;
        let url = match self
            .offered_endpoint(&p, "introspection_endpoint", "token introspection")
            .await?
        {
            Offered::Yes(url) => url,
            Offered::No(why) => return Ok(Offered::No(why)),
        };
        let caller = self.caller()?.bound_to(&p)?;
        let (map, which) = match (&p.access_token, &p.refresh_token) {
            (Some(at), rt) => {
                match inspect::introspect(&caller, &url, &p, at, "access_token").await {
                    Ok(map) => (map, "access token"),
                    // Many providers cannot introspect their self-contained (JWT) access tokens;
                    // the refresh token, kept by the provider, still tells about the grant.
                    Err(e)
                        if e.provider_error() == Some("unsupported_token_type") && rt.is_some() =>
                    {
                        let rt = rt.as_ref().ok_or(e)?;
                        let map =
                            inspect::introspect(&caller, &url, &p, rt, "refresh_token").await?;
                        (
                            map,
                            "refresh token (the provider cannot introspect its JWT access tokens)",
                        )
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            (None, Some(rt)) => (
                inspect::introspect(&caller, &url, &p, rt, "refresh_token").await?,
                "refresh token",
            ),
            (None, None) => return Ok(Offered::No("no token stored to introspect".into())),
        };
        let mut out = vec![("token".to_string(), which.to_string())];
        out.extend(fields(&map, &INTROSPECTION_FIRST));
        Ok(Offered::Yes(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openid_advice_is_given_only_to_a_profile_without_openid() {
        let mut p = Profile::new("lab");
        p.dialect = Dialect::OAuth2;
        p.scope = Some("profile offline_access".into());
        let Offered::No(why) = id_token_claims(&p) else {
            panic!()
        };
        assert!(why.contains("ask for the openid scope"), "{why}");
        p.scope = Some("openid offline_access".into());
        let Offered::No(why) = id_token_claims(&p) else {
            panic!()
        };
        assert!(!why.contains("ask for the openid scope"), "{why}");
        assert!(why.contains("authorize again"), "{why}");
    }
}
