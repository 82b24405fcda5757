//! Issuer metadata against both real providers: cached per issuer (a refresh is one request),
//! a stale cached endpoint refetched once, the RFC 8414 document read when the OpenID
//! configuration lacks an endpoint, and a missing endpoint named as a local fix (exit 2).
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::{basic_client, stored, Kind, Oidc, WEB_REDIRECT};
use common::{Run, Sandbox};
use pancred::oauth::discovery_cache::{self, Entry};
use rstest::rstest;
use serde_json::{json, Value};

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

fn logged_in(kind: Kind) -> Option<(Oidc, Sandbox)> {
    let oidc = Oidc::start_kind(kind, &[])?;
    let sb = Sandbox::new();
    oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    Some((oidc, sb))
}

/// The one cache entry (the provider's issuer) and its file.
fn cache_entry(sb: &Sandbox, issuer: &str) -> (std::path::PathBuf, Entry) {
    let path = discovery_cache::path(&sb.discovery_cache(), issuer);
    let entry = serde_json::from_slice(&std::fs::read(&path).expect("a cache entry"))
        .expect("a cache entry");
    (path, entry)
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn five_refreshes_fetch_the_metadata_at_most_once(#[case] kind: Kind) {
    let Some((oidc, sb)) = logged_in(kind) else {
        return;
    };
    // From an empty cache: the first refresh reads the metadata, the next four do not.
    let _ = std::fs::remove_dir_all(sb.discovery_cache());
    let (metadata, tokens) = (oidc.metadata_fetches(), oidc.token_requests());
    for _ in 0..5 {
        ok(&sb.run(&["--profile", "idp", "refresh"]));
    }
    assert_eq!(oidc.token_requests() - tokens, 5, "{}", oidc.counts());
    assert_eq!(oidc.metadata_fetches() - metadata, 1, "{}", oidc.counts());
    assert_eq!(oidc.refreshes(), 5);
    let (_, entry) = cache_entry(&sb, &oidc.issuer);
    assert_eq!(entry.max_age, discovery_cache::DEFAULT_MAX_AGE);
    assert!(entry.metadata["token_endpoint"].is_string());
}

#[rstest]
#[case::oidc_provider_gone_host(Kind::OidcProvider, "gone-host")]
#[case::oidc_provider_404(Kind::OidcProvider, "404")]
#[case::django_oauth_toolkit_gone_host(Kind::Dot, "gone-host")]
#[case::django_oauth_toolkit_404(Kind::Dot, "404")]
fn a_stale_cached_endpoint_is_fetched_again_once(#[case] kind: Kind, #[case] how: &str) {
    let Some((oidc, sb)) = logged_in(kind) else {
        return;
    };
    let (path, mut entry) = cache_entry(&sb, &oidc.issuer);
    let real = entry.metadata["token_endpoint"].clone();
    let stale = match how {
        // A port nothing listens on (the provider moved).
        "gone-host" => format!("http://127.0.0.1:{}/token", common::login::free_port()),
        _ => format!("{}/moved-away/token", oidc.origin),
    };
    entry.metadata["token_endpoint"] = json!(stale);
    std::fs::write(&path, serde_json::to_vec(&entry).unwrap()).unwrap();

    let metadata = oidc.metadata_fetches();
    let r = sb.run(&["--profile", "idp", "refresh"]);
    ok(&r);
    assert_eq!(oidc.refreshes(), 1);
    assert_eq!(oidc.metadata_fetches() - metadata, 1, "{}", oidc.counts());
    assert_eq!(
        cache_entry(&sb, &oidc.issuer).1.metadata["token_endpoint"],
        real
    );
    // The next refresh uses the mended entry.
    ok(&sb.run(&["--profile", "idp", "refresh"]));
    assert_eq!(oidc.metadata_fetches() - metadata, 1);
    assert_eq!(oidc.refreshes(), 2);
}

#[test]
fn revocation_endpoint_only_in_the_rfc8414_document() {
    // django-oauth-toolkit publishes revocation_endpoint in its RFC 8414 document only, and under
    // /o/ it serves that as {issuer}/.well-known/oauth-authorization-server, not path-inserted.
    let Some((oidc, sb)) = logged_in(Kind::Dot) else {
        return;
    };
    let (_, entry) = cache_entry(&sb, &oidc.issuer);
    assert!(!entry.metadata.contains_key("revocation_endpoint"));
    let metadata = oidc.metadata_fetches();
    let r = sb.run(&["--profile", "idp", "revoke"]);
    ok(&r);
    assert!(
        r.stderr
            .contains("Revoked the access token and refresh token of profile 'idp'"),
        "{}",
        r.stderr
    );
    // The path-inserted form (a 404 here), then the appended one.
    assert_eq!(oidc.metadata_fetches() - metadata, 2, "{}", oidc.counts());
    let (_, entry) = cache_entry(&sb, &oidc.issuer);
    assert_eq!(
        entry.metadata["revocation_endpoint"],
        json!(format!("{}/revoke_token/", oidc.issuer))
    );
    let after = stored(&sb, "idp");
    assert!(after.get("refresh_token").is_none(), "{after}");

    // From an empty cache: the OpenID configuration, then both RFC 8414 forms.
    oidc.login(&sb, "two", &basic_client(), WEB_REDIRECT);
    std::fs::remove_dir_all(sb.discovery_cache()).unwrap();
    let metadata = oidc.metadata_fetches();
    let r = sb.run(&["--profile", "two", "revoke", "--refresh-token"]);
    ok(&r);
    assert_eq!(oidc.metadata_fetches() - metadata, 3, "{}", oidc.counts());
    assert!(stored(&sb, "two").get("refresh_token").is_none());
}

#[test]
fn no_revocation_endpoint_is_a_local_problem_naming_the_fix() {
    let sb = Sandbox::new();
    // No issuer at all.
    common::oidc::init(
        &sb,
        &json!({"profile": "bare", "dialect": "oauth2", "client_id": "c", "client_secret": "s",
                "token_url": "http://127.0.0.1:1/token", "refresh_token": "rt"}),
    );
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "bare", "revoke"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("set revoke_url"), "{}", r.stderr);
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);

    // An issuer whose metadata (both documents, as cached) names no revocation endpoint; no
    // request is made: the issuer's port has nothing behind it.
    let issuer = format!("http://127.0.0.1:{}", common::login::free_port());
    let meta = json!({"issuer": issuer, "token_endpoint": format!("{issuer}/token")});
    discovery_cache::save(
        &sb.discovery_cache(),
        &Entry {
            issuer: issuer.clone(),
            fetched_at: discovery_cache::now(),
            max_age: 3600,
            rfc8414_tried: true,
            metadata: meta.as_object().unwrap().clone(),
        },
    );
    common::oidc::init(
        &sb,
        &json!({"profile": "meta", "dialect": "oauth2", "issuer": issuer, "client_id": "c",
                "client_secret": "s", "refresh_token": "rt"}),
    );
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "meta", "revoke", "--refresh-token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains(&format!("metadata of issuer {issuer}"))
            && r.stderr.contains("revocation_endpoint")
            && r.stderr.contains("set revoke_url"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn revoking_the_access_token_alone_and_what_the_provider_did_with_the_grant(#[case] kind: Kind) {
    let Some((oidc, sb)) = logged_in(kind) else {
        return;
    };
    let r = sb.run(&["--profile", "idp", "revoke", "--access-token"]);
    ok(&r);
    let kept = stored(&sb, "idp");
    assert!(kept["refresh_token"].is_string(), "{kept}");
    assert!(kept.get("access_token").is_none(), "{kept}");
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "idp", "refresh"]);
    match kind {
        // Its JWT access tokens cannot be revoked (said so); the grant lives on.
        Kind::OidcProvider => {
            ok(&r);
            assert_eq!(oidc.refreshes(), 1);
            assert_eq!(stored(&sb, "idp").get("access_revoked_at"), None::<&Value>);
        }
        // RFC 7009 §2.1 lets a provider end the grant with the access token: this one does.
        Kind::Dot => {
            assert_eq!(r.code, 4, "{}", r.all());
            assert!(
                r.stderr
                    .contains("the provider also ended the refresh token")
                    && r.stderr.contains("invalid_grant"),
                "{}",
                r.stderr
            );
            assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
        }
    }
}

#[test]
fn metadata_naming_another_issuer_is_refused_and_not_cached() {
    // RFC 8414 §3.3: the document at the issuer's well-known URL must name that issuer.
    let s = common::pancloud_stub::PancloudStub::start();
    s.state().issuer = "https://another.example".into();
    let sb = Sandbox::new();
    common::oidc::init(
        &sb,
        &json!({"profile": "as", "dialect": "oauth2", "issuer": s.url, "client_id": "c",
                "client_auth": "none", "redirect_uri": "http://127.0.0.1:5/cb"}),
    );
    let r = sb.run(&["--profile", "as", "auth-url"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(
        r.stderr
            .contains("names issuer \"https://another.example\", not the one configured"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    assert!(!discovery_cache::path(&sb.discovery_cache(), &s.url).exists());
}

/// A loopback listener standing in for an attacker's token endpoint: counts every connection.
struct Trap {
    url: String,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Trap {
    fn start() -> Trap {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(conn);
            }
        });
        Trap { url, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[test]
fn a_cache_entry_or_folder_another_user_can_change_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let Some((oidc, sb)) = logged_in(Kind::OidcProvider) else {
        return;
    };
    let trap = Trap::start();
    let (path, mut entry) = cache_entry(&sb, &oidc.issuer);
    entry.metadata["token_endpoint"] = json!(trap.url);
    let dir = sb.discovery_cache();
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    let cases: [(&str, &dyn Fn() -> bool); 3] = [
        ("an entry of another user", &|| {
            // Only root can give a file away; elsewhere this case is skipped.
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).is_ok()
        }),
        ("an entry others can write", &|| {
            mode(&path, 0o666);
            true
        }),
        ("a folder others can write", &|| {
            mode(&dir, 0o777);
            true
        }),
    ];
    let mut refreshes = oidc.refreshes();
    for (what, poison) in cases {
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, serde_json::to_vec(&entry).unwrap()).unwrap();
        mode(&path, 0o600);
        if !poison() {
            continue;
        }
        let r = sb.run(&["--profile", "idp", "refresh"]);
        ok(&r);
        assert_eq!(
            trap.hits(),
            0,
            "{what}: the refresh token went to the entry's endpoint"
        );
        refreshes += 1;
        assert_eq!(oidc.refreshes(), refreshes, "{what}");
        mode(&dir, 0o700);
    }
}
