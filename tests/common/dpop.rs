//! DPoP tests' parts: oidc-provider with `features.dPoP` (tests/js/bound-provider.mjs), a
//! logged-in DPoP profile, and checks of proofs and bound tokens as a server makes them.

use super::oidc::{init, stored, Client, Oidc};
use super::Sandbox;
use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

pub fn start(require_nonce: bool) -> Option<Oidc> {
    let nonce = if require_nonce { "1" } else { "0" };
    Oidc::start_with(&[
        ("PROVIDER_SCRIPT", "bound-provider.mjs"),
        ("PROVIDER_REQUIRE_NONCE", nonce),
    ])
}

pub fn native() -> Client {
    Client {
        id: "dpop-native",
        secret: None,
        auth: "none",
    }
}

/// A DPoP profile logged in as alice: init, auth-url, login and consent, exchange.
pub fn login(oidc: &Oidc, sb: &Sandbox, name: &str) -> Value {
    let mut p = oidc.profile(name, &native(), REDIRECT);
    p["dpop"] = json!(true);
    init(sb, &p);
    let r = sb.run(&["--profile", name, "auth-url"]);
    assert_eq!(r.code, 0, "auth-url: {}", r.all());
    let (code, _) = oidc.authorize(r.stdout.trim(), REDIRECT);
    let r = sb.run(&["--profile", name, "exchange", "--code", &code]);
    assert_eq!(r.code, 0, "exchange: {}", r.all());
    stored(sb, name)
}

pub fn part(jwt: &str, i: usize) -> Value {
    let seg = jwt.split('.').nth(i).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
}

/// RFC 7638 thumbprint of an EC JWK.
pub fn thumbprint(jwk: &Value) -> String {
    let c = format!(
        r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk["crv"].as_str().unwrap(),
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(c.as_bytes()))
}

pub fn verifies(proof: &str) -> bool {
    let jwk = &part(proof, 0)["jwk"];
    let mut point = vec![4u8];
    for k in ["x", "y"] {
        point.extend(URL_SAFE_NO_PAD.decode(jwk[k].as_str().unwrap()).unwrap());
    }
    let (input, sig) = proof.rsplit_once('.').unwrap();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap())
        .is_ok()
}

pub fn show(sb: &Sandbox, name: &str) -> Value {
    let r = sb.run(&["--profile", name, "show", "--json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    serde_json::from_str(&r.stdout).unwrap()
}

/// `curl` at the userinfo endpoint with a DPoP-bound token and a proof: status, headers, body.
pub fn curl_userinfo(oidc: &Oidc, token: &str, proof: &str) -> (u16, String) {
    let out = std::process::Command::new("curl")
        .args(["-s", "-i", "-H"])
        .arg(format!("Authorization: DPoP {token}"))
        .arg("-H")
        .arg(format!("DPoP: {proof}"))
        .arg(format!("{}/me", oidc.issuer))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

pub fn header_value(response: &str, name: &str) -> Option<String> {
    response.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}
