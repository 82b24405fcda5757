//! HS256-signed JWT access tokens: the sandbox signs what it issues and checks what comes back.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The claims of a sandbox access token (RFC 9068's set, which pancred's TUI shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// Signs and verifies with one key, random per process unless the configuration fixes it.
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub fn new(key: Vec<u8>) -> Self {
        Signer { key }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }

    pub fn sign(&self, claims: &AccessClaims) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"at+jwt"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{sig}")
    }

    /// The claims of a token this sandbox signed; `None` for anything else (no expiry check here).
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        let (signing_input, sig) = token.rsplit_once('.')?;
        let (header, payload) = signing_input.split_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        mac.verify_slice(&sig).ok()?;
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.get("alg")?.as_str()? != "HS256" {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: "http://127.0.0.1:1".into(),
            sub: "demo-user".into(),
            aud: "c".into(),
            client_id: "c".into(),
            scope: "s".into(),
            iat: 10,
            exp: 310,
            jti: "j".into(),
        }
    }

    #[test]
    fn signed_tokens_verify_and_read_as_jwts() {
        let s = Signer::new(b"k".to_vec());
        let t = s.sign(&claims());
        assert_eq!(s.verify(&t), Some(claims()));
        assert_eq!(crate::jwt::expiry(&t), Some(310));
    }

    #[test]
    fn tampered_or_foreign_tokens_do_not_verify() {
        let s = Signer::new(b"k".to_vec());
        let t = s.sign(&claims());
        assert!(Signer::new(b"other".to_vec()).verify(&t).is_none());
        let mut forged = claims();
        forged.exp = 9_999_999_999;
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = t.split('.').collect();
        assert!(s
            .verify(&format!("{}.{body}.{}", parts[0], parts[2]))
            .is_none());
        for junk in ["", "a.b", "a.b.c", "...", "x.y.z.w"] {
            assert!(s.verify(junk).is_none());
        }
    }
}
