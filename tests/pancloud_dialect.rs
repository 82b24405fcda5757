//! The pancloud dialect and developer tokens against a local stub of the Application Framework
//! API that checks every body field by field; and every failure shape leaving the store untouched.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::{init, stored};
use common::pancloud_stub::{self as stub, Fault, PancloudStub};
use common::{Run, Sandbox};
use serde_json::{json, Value};
use std::time::Duration;

fn jwt_exp(token: &str) -> i64 {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["exp"]
        .as_i64()
        .unwrap()
}

fn setup(roll: bool) -> (Sandbox, PancloudStub) {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    s.state().roll = roll;
    init(&sb, &s.profile("lab"));
    (sb, s)
}

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn code_exchange_sends_pancloud_fields_and_stores_tokens() {
    let (sb, s) = setup(false);
    let mut p = s.profile("lab");
    p["refresh_token"] = Value::Null;
    p["instance_id"] = json!("inst-7");
    p["region"] = json!("americas");
    p["scope"] = json!("logging-service:read");
    init(&sb, &p);

    let r = sb.run(&["--profile", "lab", "auth-url", "--json"]);
    ok(&r);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    let url = url::Url::parse(out["url"].as_str().unwrap()).unwrap();
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "client_id",
            "instance_id",
            "redirect_uri",
            "region",
            "response_type",
            "scope",
            "state"
        ]
    );
    assert!(q.contains(&("client_id".into(), stub::CLIENT_ID.into())));
    assert!(q.contains(&("redirect_uri".into(), stub::REDIRECT_URI.into())));
    assert!(q.contains(&("response_type".into(), "code".into())));
    let state = out["state"].as_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(state).is_ok_and(|u| u.get_version_num() == 4),
        "{state}"
    );
    // A second URL gets a fresh state.
    let again: Value =
        serde_json::from_str(&sb.run(&["--profile", "lab", "auth-url", "--json"]).stdout).unwrap();
    assert_ne!(again["state"], out["state"]);

    // The code comes on standard input here, as a user would paste it.
    let r = sb.run_with_input(
        &["--profile", "lab", "exchange", "--code", "-"],
        &format!("{}\n", stub::CODE),
    );
    ok(&r);
    let reqs = s.requests();
    let last = reqs.last().unwrap();
    assert_eq!(last.path, "/api/oauth2/RequestToken");
    assert_eq!(last.content_type.as_deref(), Some("application/json"));
    assert!(last.user_agent.as_deref().unwrap().starts_with("pancred/"));
    assert_eq!(
        last.body,
        json!({"grant_type": "authorization_code", "client_id": stub::CLIENT_ID,
               "client_secret": stub::CLIENT_SECRET, "code": stub::CODE,
               "redirect_uri": stub::REDIRECT_URI})
    );
    let doc = stored(&sb, "lab");
    let at = s.state().last_access_token.clone().unwrap();
    assert_eq!(doc["access_token"], json!(at));
    assert_eq!(doc["refresh_token"], json!(stub::FIRST_REFRESH_TOKEN));
    assert_eq!(doc["expires_at"], json!(jwt_exp(&at)));
    assert!(
        doc.get("pending_state").is_none() && doc.get("pkce_verifier").is_none(),
        "{doc}"
    );
}

#[test]
fn refresh_without_a_rolled_token_keeps_the_stored_one() {
    let (sb, s) = setup(false);
    ok(&sb.run(&["--profile", "lab", "refresh"]));
    let body = s.requests().last().unwrap().body.clone();
    assert_eq!(
        body,
        json!({"grant_type": "refresh_token", "client_id": stub::CLIENT_ID,
                "client_secret": stub::CLIENT_SECRET, "refresh_token": stub::FIRST_REFRESH_TOKEN})
    );
    let doc = stored(&sb, "lab");
    assert_eq!(doc["refresh_token"], json!(stub::FIRST_REFRESH_TOKEN));
    assert_eq!(
        doc["access_token"],
        json!(s.state().last_access_token.clone().unwrap())
    );
    // A second refresh still works with the same refresh token.
    ok(&sb.run(&["--profile", "lab", "refresh"]));
    assert_eq!(s.refresh_calls(), 2);
}

#[test]
fn refresh_with_a_rolled_token_stores_the_new_one() {
    let (sb, s) = setup(true);
    let r = sb.run(&["--profile", "lab", "refresh", "--json"]);
    ok(&r);
    let shown: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(shown["state"], "valid");
    let rolled = s.state().refresh_token.clone();
    assert_ne!(rolled, stub::FIRST_REFRESH_TOKEN);
    assert_eq!(stored(&sb, "lab")["refresh_token"], json!(rolled));
    // The stub accepts only the current refresh token: a second refresh proves the rolled one
    // was stored and used.
    ok(&sb.run(&["--profile", "lab", "refresh"]));
    assert_eq!(
        s.requests().last().unwrap().body["refresh_token"],
        json!(rolled)
    );
    assert!(!r.all().contains(&rolled), "a refresh token was printed");
}

#[test]
fn revoke_both_kinds_and_forget_them() {
    let (sb, s) = setup(false);
    ok(&sb.run(&["--profile", "lab", "refresh"]));
    let at = s.state().last_access_token.clone().unwrap();
    let r = sb.run(&["--profile", "lab", "revoke", "--access-token"]);
    ok(&r);
    let doc = stored(&sb, "lab");
    assert!(
        doc.get("access_token").is_none() && doc.get("expires_at").is_none(),
        "{doc}"
    );
    assert_eq!(doc["refresh_token"], json!(stub::FIRST_REFRESH_TOKEN));

    ok(&sb.run(&["--profile", "lab", "refresh"]));
    let at2 = s.state().last_access_token.clone().unwrap();
    ok(&sb.run(&["--profile", "lab", "revoke"]));
    let revokes: Vec<Value> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/oauth2/RevokeToken")
        .map(|r| r.body)
        .collect();
    let body = |token: &str, hint: &str| {
        json!({"client_id": stub::CLIENT_ID, "client_secret": stub::CLIENT_SECRET,
               "token": token, "token_type_hint": hint})
    };
    assert_eq!(
        revokes,
        [
            body(&at, "access_token"),
            body(&at2, "access_token"),
            body(stub::FIRST_REFRESH_TOKEN, "refresh_token")
        ]
    );
    let doc = stored(&sb, "lab");
    assert!(
        doc.get("access_token").is_none() && doc.get("refresh_token").is_none(),
        "{doc}"
    );
    assert_eq!(doc["client_id"], json!(stub::CLIENT_ID));
    // Nothing left to refresh with: partial credentials, exit 3.
    let r = sb.run(&["--profile", "lab", "refresh"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stderr.contains("refresh_token"), "{}", r.stderr);
}

#[test]
fn developer_token_is_redeemed_and_only_the_access_token_stored() {
    let (sb, s) = setup(false);
    let mut p = s.profile("dev");
    for k in ["client_id", "client_secret", "refresh_token"] {
        p[k] = Value::Null;
    }
    init(&sb, &p);
    let tok = sb.path().join("dev-token");
    std::fs::write(&tok, format!("{}\n", stub::DEVELOPER_TOKEN)).unwrap();
    let r = sb.run(&[
        "--profile",
        "dev",
        "--developer-token-file",
        tok.to_str().unwrap(),
        "refresh",
    ]);
    ok(&r);
    let req = s.requests().pop().unwrap();
    assert_eq!(req.path, "/request_token");
    assert_eq!(
        req.authorization,
        Some(format!("Bearer {}", stub::DEVELOPER_TOKEN))
    );
    let doc = stored(&sb, "dev");
    assert_eq!(
        doc["access_token"],
        json!(s.state().last_access_token.clone().unwrap())
    );
    for k in [
        "developer_token",
        "refresh_token",
        "client_secret",
        "client_id",
    ] {
        assert!(doc.get(k).is_none(), "{k} stored: {doc}");
    }
    // From the environment too (PAN_DEVELOPER_TOKEN), as in pancloud 2.0.
    let r = sb
        .cmd(&["--profile", "dev", "refresh"])
        .env("PAN_DEVELOPER_TOKEN", stub::DEVELOPER_TOKEN)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(s.state().developer_calls, 2);
}

/// Each failure: exit 4, a message naming the cause, and the store byte for byte as it was.
#[test]
fn provider_failures_exit_4_and_change_nothing() {
    let (sb, s) = setup(true);
    ok(&sb.run(&["--profile", "lab", "refresh"]));
    let cases: Vec<(Fault, &[&str])> = vec![
        (Fault::Html500, &["HTTP 500", "Internal Server Error"]),
        (
            Fault::InvalidGrant,
            &[
                "invalid_grant",
                "refresh token expired or revoked",
                "HTTP 400",
            ],
        ),
        (
            Fault::NotJson200,
            &["not a JSON object", "text/plain", "29 bytes"],
        ),
        (Fault::NoAccessToken200, &["no access_token"]),
        (
            Fault::Slow(Duration::from_secs(6)),
            &["no answer within 1.0s", "PANCRED_HTTP_TIMEOUT"],
        ),
    ];
    let before = std::fs::read(&sb.creds).unwrap();
    for (fault, words) in cases {
        s.set_fault(Some(fault.clone()));
        let started = std::time::Instant::now();
        let out = sb
            .cmd(&["--profile", "lab", "refresh"])
            .env("PANCRED_HTTP_TIMEOUT", "1")
            .output()
            .unwrap();
        let r: Run = out.into();
        assert_eq!(r.code, 4, "{fault:?}: {}", r.all());
        for w in words {
            assert!(r.stderr.contains(w), "{fault:?}: {w:?} not in {}", r.stderr);
        }
        // A successful answer is described, never quoted: it may hold tokens.
        assert!(!r.stderr.contains("have a nice day"), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "{fault:?}: {}", r.stdout);
        assert_eq!(
            std::fs::read(&sb.creds).unwrap(),
            before,
            "{fault:?} changed the store"
        );
        if matches!(fault, Fault::Slow(_)) {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the timeout did not cut the call short"
            );
        }
    }
    // The same faults on the code exchange.
    s.set_fault(Some(Fault::Html500));
    let r = sb.run(&["--profile", "lab", "exchange", "--code", stub::CODE]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
    // And once the provider is well again, the grant still works.
    s.set_fault(None);
    ok(&sb.run(&["--profile", "lab", "refresh"]));
}

#[test]
fn partial_credentials_exit_3_without_calling() {
    let (sb, s) = setup(false);
    let mut p = s.profile("half");
    p["client_secret"] = Value::Null;
    init(&sb, &p);
    let r = sb.run(&["--profile", "half", "refresh"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stderr.contains("client_secret"), "{}", r.stderr);
    assert!(s.requests().is_empty());
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let (sb, _s) = setup(false);
    let p = json!({"profile": "far", "client_id": "c", "client_secret": "s",
                       "refresh_token": "r", "token_url": "http://api.example.invalid"});
    // Storing it is refused at once, naming the field and the way out.
    let f = sb.path().join("far.json");
    std::fs::write(&f, p.to_string()).unwrap();
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("token_url") && r.stderr.contains("allow_insecure_http"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
    // Written by another program (pancloud writes what it is given), using it is refused.
    let mut db: serde_json::Value = serde_json::from_slice(&before).unwrap();
    db["profiles"]["99"] = p;
    std::fs::write(&sb.creds, db.to_string()).unwrap();
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "far", "refresh"]);
    // A local configuration problem (exit 2), naming the setting that allows it.
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("refusing plain http://"), "{}", r.stderr);
    assert!(r.stderr.contains("allow_insecure_http"), "{}", r.stderr);
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}

#[test]
fn pancloud_reads_what_a_refresh_stored() {
    let (sb, s) = setup(true);
    ok(&sb.run(&["--profile", "lab", "refresh"]));
    let Some(r) = sb.python(
        "from pancloud import Credentials\n\
         c = Credentials(profile='lab')\n\
         print(c.access_token)\n\
         print(c.refresh_token)",
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{}", r.all());
    let st = s.state();
    assert_eq!(
        r.stdout,
        format!(
            "{}\n{}\n",
            st.last_access_token.as_ref().unwrap(),
            st.refresh_token
        )
    );
}
