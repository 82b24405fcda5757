//! mTLS client authentication and certificate-bound tokens (RFC 8705) against a real provider:
//! oidc-provider behind Node's HTTPS server, which asks for client certificates
//! (tests/js/bound-provider.mjs); certificates made with `openssl` for each test.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // the test writes the openssl extension files it needs

mod common;

use common::oidc::{expire_token, init, stored, Oidc};
use common::{have_program, Run, Sandbox};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA; the provider's server certificate (127.0.0.1); a client certificate for
/// CN=mtls-client; a self-signed one; and a key that belongs to neither.
fn make_certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let req = |subj: &str, key: &str, out: &str, extra: &[&str]| {
        let mut a = vec![
            "req", "-x509", "-days", "2", "-subj", subj, "-keyout", key, "-out", out,
        ];
        a.extend(ec);
        a.extend(extra);
        openssl(dir, &a);
    };
    req("/CN=pancred test CA", "ca-key.pem", "ca.pem", &[]);
    let signed = |name: &str, subj: &str, extra: &[&str]| {
        let (key, csr, pem) = (
            format!("{name}-key.pem"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        let mut a = vec!["req", "-new", "-subj", subj, "-keyout", &key, "-out", &csr];
        a.extend(ec);
        openssl(dir, &a);
        let mut a = vec![
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &pem,
        ];
        a.extend(extra);
        openssl(dir, &a);
    };
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    signed("server", "/CN=127.0.0.1", &["-extfile", "san.ext"]);
    signed("client", "/CN=mtls-client", &["-extfile", "client.ext"]);
    req(
        "/CN=self-signed-client",
        "self-signed-key.pem",
        "self-signed.pem",
        &[],
    );
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "other-key.pem",
        ],
    );
}

struct Bound {
    oidc: Oidc,
    tls: tempfile::TempDir,
}

impl Bound {
    fn start() -> Option<Bound> {
        if !have_program("openssl") || !have_program("curl") {
            return None;
        }
        let tls = tempfile::tempdir().unwrap();
        make_certificates(tls.path());
        let oidc = Oidc::start_with(&[
            ("PROVIDER_SCRIPT", "bound-provider.mjs"),
            ("PROVIDER_TLS_DIR", tls.path().to_str().unwrap()),
        ])?;
        Some(Bound { oidc, tls })
    }

    fn file(&self, name: &str) -> PathBuf {
        self.tls.path().join(name)
    }

    fn tls_origin(&self) -> String {
        let port = std::fs::read_to_string(self.file("tls-port")).unwrap();
        format!("https://127.0.0.1:{}", port.trim())
    }

    /// pancred trusting the test CA (the provider's HTTPS server certificate).
    fn cmd(&self, sb: &Sandbox, args: &[&str]) -> Command {
        let mut c = sb.cmd(args);
        c.env("SSL_CERT_FILE", self.file("ca.pem"));
        c
    }

    /// Logs profile `m` (client `mtls-client`, `tls_client_auth`) in: auth-url, the provider's
    /// forms, and the exchange over mTLS.
    fn login_m(&self, sb: &Sandbox) {
        init(
            sb,
            &self.profile(
                "m",
                "mtls-client",
                "tls_client_auth",
                "client.pem",
                "client-key.pem",
            ),
        );
        let r = self.run(sb, &["--profile", "m", "auth-url"]);
        assert_eq!(r.code, 0, "{}", r.all());
        let (code, _) = self.oidc.authorize(r.stdout.trim(), REDIRECT);
        let r = self.run(sb, &["--profile", "m", "exchange", "--code", &code]);
        assert_eq!(r.code, 0, "exchange over mTLS: {}", r.all());
    }

    fn run(&self, sb: &Sandbox, args: &[&str]) -> Run {
        self.cmd(sb, args).output().unwrap().into()
    }

    fn profile(&self, name: &str, client: &str, auth: &str, cert: &str, key: &str) -> Value {
        json!({
            "profile": name, "dialect": "oauth2", "issuer": self.oidc.issuer,
            "client_id": client, "client_auth": auth,
            "client_cert_file": self.file(cert), "client_key_file": self.file(key),
            "redirect_uri": REDIRECT, "scope": common::oidc::SCOPE,
        })
    }

    /// `curl` at the HTTPS userinfo endpoint with `token`, presenting `cert` or nothing.
    fn userinfo(&self, token: &str, cert: Option<(&str, &str)>) -> String {
        let mut c = Command::new("curl");
        c.args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
            .arg(self.file("ca.pem"))
            .arg("-H")
            .arg(format!("Authorization: Bearer {token}"));
        if let Some((cert, key)) = cert {
            c.arg("--cert")
                .arg(self.file(cert))
                .arg("--key")
                .arg(self.file(key));
        }
        let out = c.arg(format!("{}/me", self.tls_origin())).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let seg = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(seg)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn tls_client_auth_login_refresh_burst_and_revoke() {
    let Some(b) = Bound::start() else { return };
    let sb = Sandbox::new();
    b.login_m(&sb);
    let doc = stored(&sb, "m");
    assert!(doc.get("client_secret").is_none());
    let token = doc["access_token"].as_str().unwrap().to_string();
    // The token is bound to the certificate: good with it, refused without it.
    assert_eq!(
        b.userinfo(&token, Some(("client.pem", "client-key.pem"))),
        "200"
    );
    assert_eq!(b.userinfo(&token, None), "401");

    // A burst of processes on an expired token: one refresh, the rotated refresh token stored.
    let rt = doc["refresh_token"].clone();
    expire_token(&sb, "m");
    b.oidc.set_token_delay(400);
    let children: Vec<_> = (0..12)
        .map(|_| {
            b.cmd(&sb, &["--profile", "m", "token"])
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
        assert_eq!(r.code, 0, "{}", r.all());
    }
    assert!(runs.iter().all(|r| r.stdout == runs[0].stdout));
    assert_eq!(b.oidc.refreshes(), 1, "{}", b.oidc.counts());
    let after = stored(&sb, "m");
    assert_ne!(after["refresh_token"], rt, "rotated");
    b.oidc.set_token_delay(0);
    let fresh = runs[0].stdout.trim();
    assert_eq!(
        b.userinfo(fresh, Some(("client.pem", "client-key.pem"))),
        "200"
    );

    let r = b.run(&sb, &["--profile", "m", "revoke"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(stored(&sb, "m").get("refresh_token").is_none());
    init(
        &sb,
        &json!({"profile": "m", "refresh_token": after["refresh_token"]}),
    );
    let r = b.run(&sb, &["--profile", "m", "refresh"]);
    assert_eq!(r.code, 4, "revoked: {}", r.all());
}

#[test]
fn self_signed_client_credentials_tokens_are_certificate_bound() {
    let Some(b) = Bound::start() else { return };
    let sb = Sandbox::new();
    let mut p = b.profile(
        "s",
        "mtls-self-signed",
        "self_signed_tls_client_auth",
        "self-signed.pem",
        "self-signed-key.pem",
    );
    p["grant"] = json!("client_credentials");
    p["scope"] = json!("api:read");
    init(&sb, &p);
    let r = b.run(&sb, &["--profile", "s", "token"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let c = claims(r.stdout.trim());
    assert!(c["cnf"]["x5t#S256"].is_string(), "{c}");
    let shown: Value =
        serde_json::from_str(&b.run(&sb, &["--profile", "s", "show", "--json"]).stdout).unwrap();
    assert_eq!(shown["token_binding"], "mtls", "{shown}");
    let text = b.run(&sb, &["--profile", "s", "show"]).stdout;
    assert!(
        text.contains("token binding") && text.contains("mTLS"),
        "{text}"
    );
    assert_eq!(b.oidc.count("client_credentials"), 1);
}

#[test]
fn missing_unreadable_or_mismatched_files_are_named() {
    let Some(b) = Bound::start() else { return };
    let sb = Sandbox::new();
    let mut p = b.profile(
        "x",
        "mtls-client",
        "tls_client_auth",
        "client.pem",
        "client-key.pem",
    );
    p["grant"] = json!("client_credentials");
    p.as_object_mut().unwrap().remove("client_cert_file");
    let f = sb.path().join("x.json");
    std::fs::write(&f, p.to_string()).unwrap();
    let r = b.run(&sb, &["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("warning") && r.stderr.contains("client_cert_file"),
        "init says so: {}",
        r.stderr
    );
    let r = b.run(&sb, &["--profile", "x", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("client_cert_file"), "{}", r.stderr);

    let gone = b.file("gone.pem");
    init(&sb, &json!({"profile": "x", "client_cert_file": gone}));
    let r = b.run(&sb, &["--profile", "x", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("gone.pem") && r.stderr.contains("client_cert_file"),
        "{}",
        r.stderr
    );

    init(
        &sb,
        &json!({"profile": "x", "client_cert_file": b.file("client.pem"), "client_key_file": b.file("other-key.pem")}),
    );
    let r = b.run(&sb, &["--profile", "x", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("other-key.pem") && r.stderr.contains("not the key"),
        "{}",
        r.stderr
    );
    assert_eq!(b.oidc.token_requests(), 0, "nothing was sent");
}

/// DPoP with mTLS client authentication: a client that proves itself with its certificate and
/// whose tokens are bound to a DPoP key gets a token bound to pancred's key; a
/// client whose tokens the provider binds to its certificate cannot have both, and the
/// provider's refusal is said as it is, with nothing stored lost.
#[test]
fn dpop_with_mtls_client_authentication() {
    let Some(b) = Bound::start() else { return };
    let sb = Sandbox::new();
    let profile = |name: &str, client: &str| {
        let mut p = b.profile(
            name,
            client,
            "self_signed_tls_client_auth",
            "self-signed.pem",
            "self-signed-key.pem",
        );
        p["grant"] = json!("client_credentials");
        p["scope"] = json!("api:read");
        p["dpop"] = json!(true);
        p
    };
    init(&sb, &profile("both", "mtls-dpop"));
    let r = b.run(&sb, &["--profile", "both", "token"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let token = r.stdout.trim().to_string();
    let c = claims(&token);
    assert!(c["cnf"]["jkt"].is_string(), "{c}");
    // Bound to the key pancred proves with, not to the certificate.
    let proof = b.run(
        &sb,
        &[
            "--profile",
            "both",
            "dpop-proof",
            "--method",
            "GET",
            "--url",
            "https://x.example/",
        ],
    );
    assert_eq!(proof.code, 0, "{}", proof.all());
    let jwk = &common::dpop::part(proof.stdout.trim(), 0)["jwk"];
    assert_eq!(
        c["cnf"]["jkt"],
        common::dpop::thumbprint(jwk).as_str(),
        "{c}"
    );
    assert!(c["cnf"].get("x5t#S256").is_none(), "{c}");
    let shown: Value =
        serde_json::from_str(&b.run(&sb, &["--profile", "both", "show", "--json"]).stdout).unwrap();
    assert_eq!(shown["token_binding"], "dpop", "{shown}");

    init(&sb, &profile("cert-bound", "mtls-self-signed"));
    let before = stored(&sb, "cert-bound");
    let r = b.run(&sb, &["--profile", "cert-bound", "token"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(
        r.stderr.contains("multiple proof-of-possession mechanisms"),
        "{}",
        r.all()
    );
    assert_eq!(stored(&sb, "cert-bound")["client_id"], before["client_id"]);
}

/// The library's `AuthorizedClient` on an mTLS profile presents the client certificate, so a
/// certificate-bound token is accepted by the resource server. (The call runs in a child of this
/// test, started with `SSL_CERT_FILE` naming the test CA, as a program of the user's would be.)
#[test]
fn the_library_client_presents_the_certificate() {
    if let Ok(spec) = std::env::var("PANCRED_TEST_MTLS_LIBRARY_CALL") {
        return library_call(&spec);
    }
    let Some(b) = Bound::start() else { return };
    let sb = Sandbox::new();
    b.login_m(&sb);
    let doc = stored(&sb, "m");
    let token = doc["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        b.userinfo(&token, None),
        "401",
        "the token is certificate-bound"
    );
    let spec = json!({"doc": doc, "url": format!("{}/me", b.tls_origin())});
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "the_library_client_presents_the_certificate",
            "--exact",
            "--nocapture",
        ])
        .env("PANCRED_TEST_MTLS_LIBRARY_CALL", spec.to_string())
        .env("SSL_CERT_FILE", b.file("ca.pem"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("status 200"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The child's part: the profile in a memory store, one request through `AuthorizedClient`.
fn library_call(spec: &str) {
    let spec: Value = serde_json::from_str(spec).unwrap();
    let profile = pancred::Profile::from_json(spec["doc"].clone()).unwrap();
    let store: pancred::SharedStore =
        std::sync::Arc::new(pancred::store::memory::MemoryStore::with_profiles([
            profile,
        ]));
    let engine = pancred::Engine::new(store).with_http_timeout(std::time::Duration::from_secs(30));
    let client = pancred::authorized_client::AuthorizedClient::new(engine, "m").unwrap();
    let url = spec["url"].as_str().unwrap().to_string();
    let status = common::oidc::block(async {
        let r = client.send(|h| h.get(&url)).await.unwrap();
        r.status().as_u16()
    });
    println!("status {status}");
    assert_eq!(status, 200);
}
