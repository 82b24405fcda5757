//! Client assertions (RFC 7523 §2.2, OpenID Connect Core §9): a short-lived JWT that stands in
//! for the client secret on the wire, signed with the client's private key (`private_key_jwt`)
//! or with an HMAC of the client secret (`client_secret_jwt`).

use super::OAuthError;
use crate::client_key::{Alg, ClientKey};
use crate::profile::{ClientAuth, Profile};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::path::Path;

/// RFC 7523 §2.2's `client_assertion_type`.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is good for: one request, with room for a slow network.
pub const LIFETIME: i64 = 60;

/// Where a request with client authentication goes: the assertion's audience and what the
/// provider's metadata allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    /// The `aud` claim: the token endpoint (OpenID Connect Core §9), which providers accept at
    /// their other endpoints too.
    pub audience: &'a str,
    /// The metadata's `token_endpoint_auth_signing_alg_values_supported` (empty: not named).
    pub algs: &'a [String],
}

/// A JWS in compact form: `header.claims.signature`, each base64url without padding.
pub fn encode(
    alg: Alg,
    kid: Option<&str>,
    claims: &Value,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<String, String> {
    let mut header = Map::new();
    header.insert("alg".into(), alg.as_str().into());
    header.insert("typ".into(), "JWT".into());
    if let Some(kid) = kid {
        header.insert("kid".into(), kid.into());
    }
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!("{}.{}", b64(&Value::Object(header)), b64(claims));
    let signature = sign(input.as_bytes())?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// HS256 (RFC 7518 §3.2) with `secret` as the key.
pub fn hs256(secret: &[u8], message: &[u8]) -> Vec<u8> {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    aws_lc_rs::hmac::sign(&key, message).as_ref().to_vec()
}

/// The claims of a client assertion issued at `now`.
fn claims(client_id: &str, audience: &str, now: i64) -> Value {
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": uuid::Uuid::new_v4().to_string(),
        "iat": now,
        "exp": now.saturating_add(LIFETIME),
    })
}

/// The client's key: from the profile's `client_key_file`, read for each request (a rotated key
/// is used at once), else the PEM text of its `client_key` secret. Errors name the field.
pub fn client_key(p: &Profile) -> Result<ClientKey, OAuthError> {
    if let Some(path) = p.client_key_file.as_deref() {
        return ClientKey::from_file(Path::new(path)).map_err(|e| {
            OAuthError::Config(format!("client_key_file {}: {e}", crate::text::Safe(path)))
        });
    }
    let pem = p.client_key.as_ref().ok_or_else(|| {
        OAuthError::Config(
            "client_auth private_key_jwt needs client_key_file: the path of the client's \
             private key (PEM)"
                .into(),
        )
    })?;
    ClientKey::from_pem(pem.expose().as_bytes())
        .map_err(|e| OAuthError::Config(format!("client_key: {e}")))
}

/// Where the key comes from, for messages.
fn key_source(p: &Profile) -> String {
    match p.client_key_file.as_deref() {
        Some(path) => format!("the key in client_key_file {}", crate::text::Safe(path)),
        None => "the key in client_key".into(),
    }
}

/// The provider must accept `alg` when its metadata names what it accepts.
fn check_listed(alg: Alg, what: &str, algs: &[String]) -> Result<(), OAuthError> {
    if algs.is_empty() || algs.iter().any(|a| alg.is_listed(a)) {
        return Ok(());
    }
    Err(OAuthError::Config(format!(
        "{what} signs with {}, but the provider's metadata \
         (token_endpoint_auth_signing_alg_values_supported) lists only {}",
        alg.as_str(),
        algs.iter()
            .map(|a| crate::text::Safe(a).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The `client_assertion` for `p`'s `client_auth` (`private_key_jwt` or `client_secret_jwt`),
/// issued at `now` for `to`.
pub fn client_assertion(p: &Profile, to: Target<'_>, now: i64) -> Result<String, OAuthError> {
    let client_id = p
        .client_id
        .as_deref()
        .ok_or_else(|| OAuthError::Config("the profile has no client_id".into()))?;
    let claims = claims(client_id, to.audience, now);
    let signed = match p.client_auth {
        ClientAuth::ClientSecretJwt => {
            let secret = p.client_secret.as_ref().ok_or_else(|| {
                OAuthError::Config("client_auth client_secret_jwt needs a client_secret".into())
            })?;
            check_listed(Alg::Hs256, "client_secret_jwt", to.algs)?;
            encode(Alg::Hs256, None, &claims, |m| {
                Ok(hs256(secret.expose().as_bytes(), m))
            })
        }
        _ => {
            let key = client_key(p)?;
            check_listed(key.alg(), &key_source(p), to.algs)?;
            encode(key.alg(), p.client_key_id.as_deref(), &claims, |m| {
                key.sign(m)
            })
        }
    };
    signed.map_err(OAuthError::Config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_key::tests::{ec_pem, ed_pem, rsa_pem};
    use aws_lc_rs::signature::{
        UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256,
    };

    fn parts(jwt: &str) -> (Value, Value, Vec<u8>, String) {
        let v: Vec<&str> = jwt.split('.').collect();
        assert_eq!(v.len(), 3);
        let json = |s: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap();
        (
            json(v[0]),
            json(v[1]),
            URL_SAFE_NO_PAD.decode(v[2]).unwrap(),
            format!("{}.{}", v[0], v[1]),
        )
    }

    #[allow(clippy::disallowed_methods)] // the test makes the key file
    fn profile_with_key(dir: &Path, pem: &str) -> Profile {
        use std::os::unix::fs::PermissionsExt;
        let f = dir.join("key.pem");
        std::fs::write(&f, pem).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut p = Profile::new("p");
        p.client_id = Some("cid".into());
        p.client_auth = ClientAuth::PrivateKeyJwt;
        p.client_key_file = Some(f.to_str().unwrap().into());
        p.client_key_id = Some("k1".into());
        p
    }

    #[test]
    fn private_key_jwt_verifies_with_the_public_key_and_has_the_claims() {
        let dir = tempfile::tempdir().unwrap();
        let to = Target {
            audience: "https://idp.example/token",
            algs: &[],
        };
        for (pem, alg, verify) in [
            (
                ec_pem(),
                "ES256",
                &ECDSA_P256_SHA256_FIXED as &dyn aws_lc_rs::signature::VerificationAlgorithm,
            ),
            (ed_pem(), "EdDSA", &ED25519),
            (rsa_pem(), "RS256", &RSA_PKCS1_2048_8192_SHA256),
        ] {
            let p = profile_with_key(dir.path(), &pem);
            let jwt = client_assertion(&p, to, 1_000).unwrap();
            let (header, claims, sig, input) = parts(&jwt);
            assert_eq!(header["alg"], alg);
            assert_eq!(header["kid"], "k1");
            assert_eq!(claims["iss"], "cid");
            assert_eq!(claims["sub"], "cid");
            assert_eq!(claims["aud"], "https://idp.example/token");
            assert_eq!(claims["iat"], 1_000);
            assert_eq!(claims["exp"], 1_000 + LIFETIME);
            assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
            let public = client_key(&p).unwrap().public_key();
            UnparsedPublicKey::new(verify, &public)
                .verify(input.as_bytes(), &sig)
                .unwrap_or_else(|_| panic!("{alg} signature does not verify"));
            // Another key's public half does not verify it.
            let other = ClientKey::from_pem(pem_of_same_type(alg).as_bytes())
                .unwrap()
                .public_key();
            assert!(UnparsedPublicKey::new(verify, &other)
                .verify(input.as_bytes(), &sig)
                .is_err());
            // Each assertion is unique.
            let again = parts(&client_assertion(&p, to, 1_000).unwrap()).1;
            assert_ne!(again["jti"], claims["jti"]);
        }
    }

    fn pem_of_same_type(alg: &str) -> String {
        match alg {
            "ES256" => ec_pem(),
            "EdDSA" => ed_pem(),
            _ => rsa_pem(),
        }
    }

    #[test]
    fn a_key_kept_with_the_secrets_signs_too() {
        let pem = ec_pem();
        let mut p = Profile::new("p");
        p.client_id = Some("cid".into());
        p.client_auth = ClientAuth::PrivateKeyJwt;
        p.client_key = Some(crate::Secret::new(pem.clone()));
        let jwt = client_assertion(&p, Target::default(), 7).unwrap();
        let (header, _, sig, input) = parts(&jwt);
        assert_eq!(header["alg"], "ES256");
        let public = ClientKey::from_pem(pem.as_bytes()).unwrap().public_key();
        assert!(UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(input.as_bytes(), &sig)
            .is_ok());
        p.client_key = Some(crate::Secret::new("not a key"));
        let e = client_assertion(&p, Target::default(), 7).unwrap_err();
        assert!(e.to_string().starts_with("client_key:"), "{e}");
    }

    #[test]
    fn client_secret_jwt_is_an_hmac_of_the_secret() {
        let mut p = Profile::new("p");
        p.client_id = Some("cid".into());
        p.client_auth = ClientAuth::ClientSecretJwt;
        p.client_secret = Some(crate::Secret::new("s3cret-s3cret-s3cret-s3cret-s3cret"));
        let to = Target {
            audience: "https://idp.example/token",
            algs: &[],
        };
        let jwt = client_assertion(&p, to, 5).unwrap();
        let (header, claims, sig, input) = parts(&jwt);
        assert_eq!(header["alg"], "HS256");
        assert!(header.get("kid").is_none());
        assert_eq!(claims["aud"], "https://idp.example/token");
        assert_eq!(
            sig,
            hs256(b"s3cret-s3cret-s3cret-s3cret-s3cret", input.as_bytes())
        );
        assert!(!jwt.contains("s3cret"));
    }

    #[test]
    fn an_algorithm_the_provider_does_not_list_is_refused_naming_the_listed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let p = profile_with_key(dir.path(), &ec_pem());
        let listed = vec!["RS256".to_string(), "PS256".to_string()];
        let to = Target {
            audience: "https://idp.example/token",
            algs: &listed,
        };
        let e = client_assertion(&p, to, 0).unwrap_err();
        assert!(e.is_config());
        let text = e.to_string();
        assert!(
            text.contains("ES256") && text.contains("RS256, PS256"),
            "{text}"
        );
        let ok = vec!["ES256".to_string()];
        assert!(client_assertion(&p, Target { algs: &ok, ..to }, 0).is_ok());
    }

    #[test]
    fn a_missing_key_file_is_a_configuration_error_naming_it() {
        let mut p = Profile::new("p");
        p.client_id = Some("cid".into());
        p.client_auth = ClientAuth::PrivateKeyJwt;
        let e = client_assertion(&p, Target::default(), 0).unwrap_err();
        assert!(
            e.is_config() && e.to_string().contains("client_key_file"),
            "{e}"
        );
        p.client_key_file = Some("/nonexistent/pancred-key.pem".into());
        let e = client_assertion(&p, Target::default(), 0).unwrap_err();
        assert!(
            e.to_string().contains("/nonexistent/pancred-key.pem"),
            "{e}"
        );
    }
}
