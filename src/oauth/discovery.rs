//! Endpoints of an oauth2-dialect profile: the profile's own URLs win; the rest come from the
//! issuer's OpenID configuration, else its RFC 8414 authorization-server metadata.

use super::{Caller, OAuthError};
use crate::profile::Profile;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub authorization: Option<String>,
    pub token: Option<String>,
    pub revocation: Option<String>,
    /// RFC 8628; fetched only when a device login asks for it.
    pub device_authorization: Option<String>,
}

impl Endpoints {
    fn from_profile(p: &Profile) -> Self {
        Endpoints {
            authorization: p.auth_base_url.clone(),
            token: p.token_url.clone(),
            revocation: p.revoke_url.clone(),
            device_authorization: p.device_authorization_url.clone(),
        }
    }

    fn complete(&self, need_device: bool) -> bool {
        self.authorization.is_some()
            && self.token.is_some()
            && self.revocation.is_some()
            && (self.device_authorization.is_some() || !need_device)
    }

    pub fn authorization(&self) -> Result<&str, OAuthError> {
        need(
            &self.authorization,
            "auth_base_url",
            "authorization_endpoint",
        )
    }

    pub fn token(&self) -> Result<&str, OAuthError> {
        need(&self.token, "token_url", "token_endpoint")
    }

    pub fn revocation(&self) -> Result<&str, OAuthError> {
        need(&self.revocation, "revoke_url", "revocation_endpoint")
    }

    pub fn device_authorization(&self) -> Result<&str, OAuthError> {
        need(
            &self.device_authorization,
            "device_authorization_url",
            "device_authorization_endpoint",
        )
    }
}

fn need<'a>(v: &'a Option<String>, field: &str, meta: &str) -> Result<&'a str, OAuthError> {
    v.as_deref().ok_or_else(|| {
        OAuthError::Config(format!(
            "the profile has no {field}, and no issuer whose metadata gives a {meta}"
        ))
    })
}

/// `{issuer}/.well-known/openid-configuration`.
pub fn openid_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// RFC 8414: the well-known segment goes between the host and the issuer's path.
pub fn rfc8414_url(issuer: &str) -> Result<String, OAuthError> {
    let u = url::Url::parse(issuer).map_err(|e| OAuthError::Discovery {
        issuer: issuer.to_string(),
        message: format!("the issuer is not a URL: {e}"),
    })?;
    let path = u.path().trim_end_matches('/');
    let mut base = u.clone();
    base.set_query(None);
    base.set_fragment(None);
    base.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    Ok(base.to_string())
}

/// The endpoints for `p`, fetching the issuer's metadata only when the profile lacks some.
pub async fn endpoints(c: &Caller, p: &Profile) -> Result<Endpoints, OAuthError> {
    endpoints_for(c, p, false).await
}

/// The endpoints, the device authorization endpoint included (RFC 8628 device login).
pub async fn device_endpoints(c: &Caller, p: &Profile) -> Result<Endpoints, OAuthError> {
    endpoints_for(c, p, true).await
}

async fn endpoints_for(
    c: &Caller,
    p: &Profile,
    need_device: bool,
) -> Result<Endpoints, OAuthError> {
    let mut e = Endpoints::from_profile(p);
    let Some(issuer) = p.issuer.as_deref().filter(|_| !e.complete(need_device)) else {
        return Ok(e);
    };
    let meta = fetch(c, p, issuer).await?;
    let field = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_string);
    e.authorization = e.authorization.or_else(|| field("authorization_endpoint"));
    e.token = e.token.or_else(|| field("token_endpoint"));
    e.revocation = e.revocation.or_else(|| field("revocation_endpoint"));
    e.device_authorization = e
        .device_authorization
        .or_else(|| field("device_authorization_endpoint"));
    Ok(e)
}

async fn fetch(c: &Caller, p: &Profile, issuer: &str) -> Result<Map<String, Value>, OAuthError> {
    let fail = |message: String| OAuthError::Discovery {
        issuer: issuer.to_string(),
        message,
    };
    let openid = c.get(&openid_url(issuer), p.allow_insecure_http).await;
    let meta = match openid {
        Ok((_, m)) => m,
        Err(first @ (OAuthError::InsecureUrl { .. } | OAuthError::Config(_))) => return Err(first),
        Err(first) => match c.get(&rfc8414_url(issuer)?, p.allow_insecure_http).await {
            Ok((_, m)) => m,
            Err(second) => {
                return Err(fail(format!(
                    "OpenID configuration: {first}; RFC 8414 metadata: {second}"
                )))
            }
        },
    };
    // RFC 8414 section 3.3 / OpenID Discovery 4.3: the metadata must name the same issuer.
    let said = meta.get("issuer").and_then(Value::as_str).unwrap_or("");
    if said.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(fail(format!(
            "the metadata names issuer {said:?}, not the one configured"
        )));
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_urls() {
        assert_eq!(
            openid_url("https://idp.example/realms/a/"),
            "https://idp.example/realms/a/.well-known/openid-configuration"
        );
        assert_eq!(
            rfc8414_url("https://idp.example/realms/a").unwrap(),
            "https://idp.example/.well-known/oauth-authorization-server/realms/a"
        );
        assert_eq!(
            rfc8414_url("https://idp.example").unwrap(),
            "https://idp.example/.well-known/oauth-authorization-server"
        );
    }
}
