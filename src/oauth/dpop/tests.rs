use super::*;
use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

fn part(jwt: &str, i: usize) -> Value {
    let seg = jwt.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
}

/// Checks the signature with the key the header carries, as a server does.
fn verify(jwt: &str) -> bool {
    let jwk = &part(jwt, 0)["jwk"];
    let coord = |k: &str| URL_SAFE_NO_PAD.decode(jwk[k].as_str().unwrap()).unwrap();
    let mut point = vec![4u8];
    point.extend(coord("x"));
    point.extend(coord("y"));
    let (input, sig) = jwt.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(input.as_bytes(), &sig)
        .is_ok()
}

#[test]
fn a_proof_is_signed_by_the_key_in_its_header_and_names_the_request() {
    let (key, _) = DpopKey::generate().unwrap();
    let url = "https://rs.example/api/items?page=2#top";
    let proof = key.proof("get", url, None, None, 1_700_000_000).unwrap();
    assert!(verify(&proof));
    let header = part(&proof, 0);
    assert_eq!(header["typ"], "dpop+jwt");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["jwk"], key.jwk());
    assert!(header["jwk"].get("d").is_none(), "no private part");
    let claims = part(&proof, 1);
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], "https://rs.example/api/items");
    assert_eq!(claims["iat"], 1_700_000_000);
    assert!(claims.get("ath").is_none() && claims.get("nonce").is_none());
    // Each proof is new: a server refuses a jti it has seen.
    let again = key.proof("GET", url, None, None, 1_700_000_000).unwrap();
    assert_ne!(part(&again, 1)["jti"], claims["jti"]);
    // A tampered proof does not verify.
    let mut forged = proof.clone();
    forged.insert(forged.find('.').unwrap() + 2, 'A');
    assert!(!verify(&forged));
}

#[test]
fn a_resource_proof_carries_the_token_hash_and_the_nonce() {
    let (key, _) = DpopKey::generate().unwrap();
    let proof = key
        .proof("POST", "https://rs.example/x", Some("n-1"), Some("tok"), 5)
        .unwrap();
    let claims = part(&proof, 1);
    assert_eq!(claims["nonce"], "n-1");
    // RFC 9449 section 4.2: base64url(SHA-256(ASCII(token))).
    assert_eq!(
        claims["ath"],
        URL_SAFE_NO_PAD.encode(Sha256::digest(b"tok"))
    );
}

#[test]
fn the_stored_key_gives_back_the_same_key_and_a_bad_one_is_refused() {
    let (key, stored) = DpopKey::generate().unwrap();
    let back = DpopKey::from_secret(&stored).unwrap();
    assert_eq!(back.jwk(), key.jwk());
    assert_eq!(back.thumbprint(), key.thumbprint());
    assert!(!format!("{back:?}").contains(stored.expose()));
    for bad in ["", "not base64!", "AAAA"] {
        let e = DpopKey::from_secret(&Secret::new(bad)).unwrap_err();
        assert!(e.to_string().contains("dpop_key"), "{e}");
    }
}

#[test]
fn the_thumbprint_is_rfc_7638() {
    let (key, _) = DpopKey::generate().unwrap();
    let jwk = key.jwk();
    let canonical = format!(
        r#"{{"crv":"{}","kty":"{}","x":"{}","y":"{}"}}"#,
        jwk["crv"].as_str().unwrap(),
        jwk["kty"].as_str().unwrap(),
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    assert_eq!(
        key.thumbprint(),
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(jwk["x"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(jwk["y"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
}

#[test]
fn nonces_are_kept_per_server_and_challenges_are_read() {
    let mut h = HeaderMap::new();
    h.insert(NONCE_HEADER, "abc".parse().unwrap());
    assert_eq!(
        remember_nonce("https://as-a.example:8443/token", &h).as_deref(),
        Some("abc")
    );
    assert_eq!(
        remembered_nonce("https://as-a.example:8443/revoke?x=1").as_deref(),
        Some("abc")
    );
    assert_eq!(remembered_nonce("https://as-b.example/token"), None);
    h.insert(NONCE_HEADER, "x".repeat(MAX_NONCE + 1).parse().unwrap());
    assert_eq!(remember_nonce("https://as-c.example/token", &h), None);
    let mut c = HeaderMap::new();
    c.insert(
        reqwest::header::WWW_AUTHENTICATE,
        r#"DPoP error="use_dpop_nonce", error_description="need a nonce""#
            .parse()
            .unwrap(),
    );
    assert!(challenge_wants_nonce(&c));
    c.insert(
        reqwest::header::WWW_AUTHENTICATE,
        r#"Bearer error="invalid_token""#.parse().unwrap(),
    );
    assert!(!challenge_wants_nonce(&c));
}
