//! `private_key_jwt` against a second implementation: Authlib's RFC 7523 client authentication
//! (PyPI, tests/authlib/serve.py), which checks `aud` against its token endpoint and refuses a
//! `jti` it has seen. RSA and EC keys; one token request for a burst; a stranger's key refused.
#![cfg(all(feature = "cli", unix))]

mod common;

use common::machine::{keygen, Authlib, KeyType};
use common::oidc::{expire_token, init, stored};
use common::{Run, Sandbox};
use serde_json::json;
use std::process::Stdio;

#[test]
fn authlib_accepts_pancred_assertions_once_per_expiry_and_refuses_a_strangers_key() {
    let sb = Sandbox::new();
    for (name, kind) in [("rsa", KeyType::Rsa), ("ec", KeyType::EcSec1)] {
        let key = keygen(sb.path(), name, kind);
        let Some(server) = Authlib::start(&key) else {
            return;
        };
        init(&sb, &server.profile(name, &key));
        server.set_token_delay(300);
        let children: Vec<_> = (0..12)
            .map(|_| {
                sb.cmd(&["--profile", name, "token"])
                    .env("PANCRED_LOCK_TIMEOUT", "120")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let runs: Vec<Run> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap().into())
            .collect();
        for r in &runs {
            assert_eq!(r.code, 0, "{name}: {}", r.all());
        }
        assert!(runs.iter().all(|r| r.stdout == runs[0].stdout));
        assert_eq!(server.counts()["token_requests"], 1, "{name}");
        assert_eq!(server.counts()["client_credentials"], 1, "{name}");
        assert_eq!(
            stored(&sb, name)["access_token"],
            json!(runs[0].stdout.trim())
        );

        // The next expiry: a new assertion (a jti Authlib has not seen) gets a new token.
        server.set_token_delay(0);
        expire_token(&sb, name);
        let r = sb.run(&["--profile", name, "token"]);
        assert_eq!(r.code, 0, "{name}: {}", r.all());
        assert_eq!(server.counts()["client_credentials"], 2, "{name}");

        // Another key of the same type: refused by the server, its error shown, nothing stored.
        let stranger = keygen(sb.path(), &format!("{name}-stranger"), kind);
        init(
            &sb,
            &json!({"profile": name, "client_key_file": stranger.to_str().unwrap(), "access_token": ""}),
        );
        let r = sb.run(&["--profile", name, "token"]);
        assert_eq!(r.code, 4, "{name}: {}", r.all());
        assert!(r.stderr.contains("invalid_client"), "{}", r.stderr);
        assert_eq!(server.counts()["client_credentials"], 2);
    }
}
