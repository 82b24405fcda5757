//! DPoP-bound tokens at a resource (RFC 9449 section 7) against oidc-provider's userinfo
//! endpoint: `pancred dpop-proof` with curl (nonces required), the library's `AuthorizedClient`
//! and the engine's userinfo call, and `exec --serve` answering proofs to its command.
#![cfg(feature = "cli")]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::dpop::*;
use common::{Run, Sandbox};
use sha2::{Digest, Sha256};

#[test]
fn nonces_required_by_the_provider_are_used() {
    let Some(oidc) = start(true) else { return };
    let sb = Sandbox::new();
    // The exchange is refused once with use_dpop_nonce, then sent with the provider's nonce.
    let doc = login(&oidc, &sb, "n");
    assert_eq!(doc["token_type"], "DPoP", "{doc}");
    assert!(oidc.count("use_dpop_nonce") >= 1, "{}", oidc.counts());
    let r = sb.run(&["--profile", "n", "refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(oidc.refreshes(), 1);

    // A script: the first try at userinfo is answered with a nonce, the second carries it.
    let token = sb
        .run(&["--profile", "n", "token"])
        .stdout
        .trim()
        .to_string();
    let url = format!("{}/me", oidc.issuer);
    let proof = sb.run(&[
        "--profile",
        "n",
        "dpop-proof",
        "--method",
        "GET",
        "--url",
        &url,
    ]);
    assert_eq!(proof.code, 0, "{}", proof.all());
    let (status, answer) = curl_userinfo(&oidc, &token, proof.stdout.trim());
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("use_dpop_nonce"), "{answer}");
    let nonce = header_value(&answer, "dpop-nonce").expect("a nonce");
    let proof = sb.run(&[
        "--profile",
        "n",
        "dpop-proof",
        "--method",
        "GET",
        "--url",
        &url,
        "--nonce",
        &nonce,
    ]);
    let p = proof.stdout.trim();
    assert!(
        verifies(p),
        "the signature checks out with the key in the header"
    );
    let claims = part(p, 1);
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], url.as_str());
    assert_eq!(claims["nonce"], nonce.as_str());
    assert_eq!(
        claims["ath"],
        URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
    );
    assert!((claims["iat"].as_i64().unwrap() - common::now()).abs() < 60);
    assert_eq!(part(p, 0)["typ"], "dpop+jwt");
    let (status, answer) = curl_userinfo(&oidc, &token, p);
    assert_eq!(status, 200, "{answer}");
}

/// The library's `AuthorizedClient` on a DPoP profile: `Authorization: DPoP` with a fresh proof
/// per request, the provider's nonce taken when it asks for one.
#[test]
fn the_library_client_sends_dpop_bound_tokens_with_proofs() {
    let Some(oidc) = start(true) else { return };
    let sb = Sandbox::new();
    let doc = login(&oidc, &sb, "lib");
    let profile = pancred::Profile::from_json(doc).unwrap();
    let store: pancred::SharedStore =
        std::sync::Arc::new(pancred::store::memory::MemoryStore::with_profiles([
            profile,
        ]));
    let engine = pancred::Engine::new(store).with_http_timeout(std::time::Duration::from_secs(30));
    let client = pancred::authorized_client::AuthorizedClient::new(engine.clone(), "lib").unwrap();
    let url = format!("{}/me", oidc.issuer);
    let (status, body, userinfo) = common::oidc::block(async {
        let r = client.send(|h| h.get(&url)).await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        // The engine's own userinfo call (the TUI's inspection) proves the key as well.
        (status, body, engine.userinfo("lib").await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"sub\""), "{body}");
    match userinfo {
        pancred::engine::Offered::Yes(fields) => {
            assert!(fields.iter().any(|(k, _)| k == "sub"), "{fields:?}")
        }
        pancred::engine::Offered::No(why) => panic!("{why}"),
    }
    assert_eq!(oidc.refreshes(), 0, "the token was good: no refresh");
}

/// `exec --serve` answers proofs too: CMD gets a token and a proof for its request without
/// ever holding the key, and the provider accepts them.
#[test]
fn exec_serve_answers_proofs_the_provider_accepts() {
    let Some(oidc) = start(false) else { return };
    if !common::have_program("curl") {
        return;
    }
    let sb = Sandbox::new();
    login(&oidc, &sb, "srv");
    let url = format!("{}/me", oidc.issuer);
    let script = r#"
        s="$PANCRED_TOKEN_SOCKET"
        tok=$(curl -s --unix-socket "$s" http://pancred/token.txt)
        type=$(curl -s --unix-socket "$s" http://pancred/token | grep -o '"token_type":"[A-Za-z]*"')
        proof=$(curl -s --unix-socket "$s" -G --data-urlencode method=GET --data-urlencode "url=$URL" http://pancred/dpop-proof)
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: DPoP $tok" -H "DPoP: $proof" "$URL")
        echo "$type $code"
    "#;
    let r: Run = sb
        .cmd(&[
            "--profile",
            "srv",
            "exec",
            "--serve",
            "--",
            "sh",
            "-c",
            script,
        ])
        .env("URL", &url)
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.trim(), r#""token_type":"DPoP" 200"#, "{}", r.all());
}

/// Under `exec --serve`, `pancred dpop-proof` asks the endpoint: the command gets a proof the
/// provider accepts (through the socket, then the URL) though its own environment leads to no
/// store at all.
#[test]
fn dpop_proof_under_serve_asks_the_endpoint() {
    let Some(oidc) = start(false) else { return };
    if !common::have_program("curl") {
        return;
    }
    let sb = Sandbox::new();
    login(&oidc, &sb, "srv");
    let url = format!("{}/me", oidc.issuer);
    let script = r#"
        export HOME=/nonexistent PAN_CREDENTIALS_DBFILE=/nonexistent/credentials.json
        tok=$(pancred token) || exit 3
        proof=$(pancred dpop-proof --method GET --url "$URL") || exit 4
        echo "proof=$proof" >&2
        curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: DPoP $tok" -H "DPoP: $proof" "$URL"
        # The same through PANCRED_TOKEN_URL and its bearer.
        unset PANCRED_TOKEN_SOCKET
        proof=$(pancred dpop-proof --method GET --url "$URL") || exit 5
        curl -s -o /dev/null -w '%{http_code}' -H "Authorization: DPoP $tok" -H "DPoP: $proof" "$URL"
    "#;
    let bindir = std::path::Path::new(common::bin()).parent().unwrap();
    let path = format!("{}:{}", bindir.display(), std::env::var("PATH").unwrap());
    let r: Run = sb
        .cmd(&[
            "--profile",
            "srv",
            "exec",
            "--serve",
            "--",
            "sh",
            "-c",
            script,
        ])
        .env("URL", &url)
        .env("PATH", path)
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.trim(), "200 200", "{}", r.all());
    // Signed with the profile's key (the one the token is bound to), for this request.
    let proof = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("proof="))
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(verifies(&proof), "{proof}");
    let claims = part(&proof, 1);
    assert_eq!(
        (claims["htm"].as_str(), claims["htu"].as_str()),
        (Some("GET"), Some(url.as_str()))
    );
    assert!(claims["ath"].is_string(), "{claims}");
}
