//! RFC 7636 PKCE with S256: the client's side (a fresh verifier, its challenge) and the server's
//! check, which the sandbox uses.

use super::constant_time;
use crate::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::Rng;
use sha2::{Digest, Sha256};

const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// A fresh code verifier: 64 characters from the unreserved set (RFC 7636 allows 43 to 128).
pub fn new_verifier() -> Secret {
    let mut rng = rand::rng();
    let v: String = (0..64)
        .map(|_| UNRESERVED[rng.random_range(0..UNRESERVED.len())] as char)
        .collect();
    Secret::new(v)
}

/// What RFC 7636 §4.1 allows as a verifier: 43 to 128 unreserved characters.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len()) && verifier.bytes().all(|b| UNRESERVED.contains(&b))
}

/// `BASE64URL(SHA256(verifier))`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The OpenID Connect `nonce` of an authorization whose verifier is `verifier`:
/// `BASE64URL(SHA256("nonce:" + verifier))`. OIDC Core §15.5.2 suggests a hash of a secret
/// the client keeps for the session; the verifier is that secret here (never sent before the
/// exchange), so the nonce needs no storage of its own and differs from the code challenge.
pub fn nonce(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(format!("nonce:{verifier}").as_bytes()))
}

/// The server's check (RFC 7636 §4.6): a valid verifier whose S256 challenge is `challenge`.
pub fn verifies(verifier: &str, challenge: &str) -> bool {
    is_valid_verifier(verifier) && constant_time::eq(&self::challenge(verifier), challenge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(challenge(RFC_VERIFIER), RFC_CHALLENGE);
    }

    #[test]
    fn verifiers_are_valid_long_and_fresh() {
        let (a, b) = (new_verifier(), new_verifier());
        assert_eq!(a.expose().len(), 64);
        assert!(is_valid_verifier(a.expose()));
        assert_ne!(a, b);
    }

    #[rstest]
    #[case(RFC_VERIFIER, RFC_CHALLENGE, true)]
    #[case(RFC_VERIFIER, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", false)]
    #[case(RFC_VERIFIER, "", false)]
    #[case("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK", RFC_CHALLENGE, false)]
    // Too short, too long, a character outside the unreserved set: refused whatever the challenge.
    #[case("abc", &challenge("abc"), false)]
    #[case(&"a".repeat(129), &challenge(&"a".repeat(129)), false)]
    #[case(&"a".repeat(128), &challenge(&"a".repeat(128)), true)]
    #[case(&"a".repeat(43), &challenge(&"a".repeat(43)), true)]
    #[case(&"a".repeat(42), &challenge(&"a".repeat(42)), false)]
    #[case(&format!("{}+", "a".repeat(42)), &challenge(&format!("{}+", "a".repeat(42))), false)]
    fn server_check(#[case] verifier: &str, #[case] challenge: &str, #[case] ok: bool) {
        assert_eq!(verifies(verifier, challenge), ok, "{verifier}");
    }
}
