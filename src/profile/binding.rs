//! Whether the profile's access token is bound to a key: DPoP (RFC 9449, `token_type: DPoP`
//! or a `cnf.jkt` claim) or a client certificate (RFC 8705, a `cnf.x5t#S256` claim).

use super::Profile;
use serde::Serialize;

/// The `token_type` of a DPoP-bound access token.
pub const DPOP_TOKEN_TYPE: &str = "DPoP";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenBinding {
    /// Usable only with a proof signed by the profile's DPoP key.
    Dpop,
    /// Usable only over TLS with the profile's client certificate.
    Mtls,
}

impl TokenBinding {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenBinding::Dpop => "dpop",
            TokenBinding::Mtls => "mtls",
        }
    }

    /// For people (`show`, the TUI's detail pane).
    pub fn describe(self) -> &'static str {
        match self {
            TokenBinding::Dpop => "DPoP (usable only with this profile's key)",
            TokenBinding::Mtls => "mTLS (usable only with this profile's client certificate)",
        }
    }
}

impl Profile {
    /// Whether the access token came as `token_type: DPoP` (a resource then wants
    /// `Authorization: DPoP` and a proof).
    pub fn is_dpop_token(&self) -> bool {
        self.access_token.is_some()
            && self
                .token_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(DPOP_TOKEN_TYPE))
    }

    /// Keeps the token type a token endpoint gave with the access token just set (only a
    /// binding one is kept: `Bearer` is what no type means).
    pub fn set_token_type(&mut self, token_type: Option<&str>) {
        self.token_type = token_type
            .filter(|t| t.eq_ignore_ascii_case(DPOP_TOKEN_TYPE))
            .map(|_| DPOP_TOKEN_TYPE.to_string());
    }

    /// What the access token is bound to, if anything.
    pub fn token_binding(&self) -> Option<TokenBinding> {
        let token = self.access_token.as_ref()?;
        if self.is_dpop_token() {
            return Some(TokenBinding::Dpop);
        }
        let claims = crate::jwt::claims(token.expose())?;
        let cnf = claims.get("cnf")?.as_object()?;
        if cnf.contains_key("jkt") {
            Some(TokenBinding::Dpop)
        } else if cnf.contains_key("x5t#S256") {
            Some(TokenBinding::Mtls)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::make_unsigned;
    use crate::secret::Secret;
    use serde_json::json;

    #[test]
    fn bound_tokens_are_told_apart() {
        let mut p = Profile::new("p");
        assert_eq!(p.token_binding(), None);
        p.set_access_token(Secret::new("opaque"), Some(60), 0);
        assert_eq!(p.token_binding(), None);
        p.set_token_type(Some("dpop"));
        assert_eq!(p.token_binding(), Some(TokenBinding::Dpop));
        assert!(p.is_dpop_token());
        // A new token forgets the old one's type.
        p.set_access_token(Secret::new("opaque2"), Some(60), 0);
        assert!(!p.is_dpop_token());
        p.set_token_type(Some("Bearer"));
        assert_eq!(p.token_type, None);
        let jwt = |cnf: serde_json::Value| Secret::new(make_unsigned(&json!({"cnf": cnf})));
        p.set_access_token(jwt(json!({"x5t#S256": "abc"})), None, 0);
        assert_eq!(p.token_binding(), Some(TokenBinding::Mtls));
        p.set_access_token(jwt(json!({"jkt": "abc"})), None, 0);
        assert_eq!(p.token_binding(), Some(TokenBinding::Dpop));
    }
}
