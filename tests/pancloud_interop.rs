//! pancred and the real pancloud 1.5.1 share one credentials file, in both directions.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::{jwt, now, Sandbox};
use serde_json::{json, Value};

fn read_with_pancloud(sb: &Sandbox, profile: &str) -> Option<Value> {
    let script = format!(
        "import json\nfrom pancloud import Credentials\nc = Credentials(profile={profile:?})\n\
         print(json.dumps([c.client_id, c.client_secret, c.refresh_token, c.access_token]))"
    );
    let out = sb.python(&script)?;
    assert_eq!(out.code, 0, "pancloud failed: {}", out.stderr);
    Some(serde_json::from_str(out.stdout.trim()).expect("pancloud printed JSON"))
}

#[test]
fn pancred_lists_and_shows_what_pancloud_wrote() {
    let sb = Sandbox::new();
    let token = jwt(&json!({"exp": now() + 3600, "sub": "alice@example.com"}));
    let script = format!(
        "from pancloud import Credentials\n\
         Credentials(client_id='cid-lab', client_secret='cs-lab-secret', refresh_token='rt-lab-secret', access_token='{token}', profile='lab').write_credentials()\n\
         Credentials(client_id='cid-def', client_secret='cs-def-secret', refresh_token='rt-def-secret', profile='default').write_credentials()"
    );
    let Some(out) = sb.python(&script) else {
        return;
    };
    assert_eq!(out.code, 0, "{}", out.stderr);

    let list = sb.run(&["list", "--json"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let rows: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(rows.len(), 2);
    let lab = rows.iter().find(|r| r["profile"] == "lab").unwrap();
    assert_eq!(lab["client_id"], "cid-lab");
    assert_eq!(lab["has_refresh_token"], true);
    assert_eq!(lab["has_access_token"], true);
    assert_eq!(lab["state"], "valid");
    assert!(lab["expires_in"].as_i64().unwrap() > 3500);
    let def = rows.iter().find(|r| r["profile"] == "default").unwrap();
    // pancloud wrote `"access_token": null` for this one.
    assert_eq!(def["has_access_token"], false);
    assert_eq!(def["state"], "missing");

    let show = sb.run(&["show", "--profile", "lab"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(show.stdout.contains("cid-lab"));
    assert!(
        show.stdout.contains("alice@example.com"),
        "claims shown: {}",
        show.stdout
    );
    for secret in ["cs-lab-secret", "rt-lab-secret", token.as_str()] {
        assert!(!show.all().contains(secret), "secret leaked by show");
    }
    let table = sb.run(&["list"]);
    assert!(table.stdout.contains("lab") && table.stdout.contains("default"));
}

#[test]
fn pancloud_reads_what_init_and_generate_wrote() {
    let sb = Sandbox::new();
    let init = sb.dir.path().join("cred-init.json");
    std::fs::write(
        &init,
        json!({"client_id": "cid-init", "client_secret": "cs-init", "refresh_token": "rt-init", "profile": "from-init", "scope": "logging-service:read"}).to_string(),
    )
    .unwrap();
    let w = sb.run(&["init", "--from", init.to_str().unwrap(), "--write"]);
    assert_eq!(w.code, 0, "{}", w.stderr);
    let g = sb.run_with_input(&["generate"], "cid-gen\ncs-gen\nrt-gen\nfrom-generate\ny\n");
    assert_eq!(g.code, 0, "{}", g.stderr);
    assert!(
        g.stderr
            .contains("Write credentials to PROFILE 'from-generate' [Y/N]?"),
        "{}",
        g.stderr
    );

    let Some(a) = read_with_pancloud(&sb, "from-init") else {
        return;
    };
    assert_eq!(a, json!(["cid-init", "cs-init", "rt-init", null]));
    let b = read_with_pancloud(&sb, "from-generate").unwrap();
    assert_eq!(b, json!(["cid-gen", "cs-gen", "rt-gen", null]));
}

#[test]
fn same_profile_gives_the_same_bytes_as_pancloud() {
    let ours = Sandbox::new();
    let theirs = Sandbox::new();
    let token = jwt(&json!({"exp": 2_000_000_000}));
    let init = ours.dir.path().join("i.json");
    std::fs::write(
        &init,
        json!({"profile": "dé", "client_id": "c", "client_secret": "s", "refresh_token": "r", "access_token": token}).to_string(),
    )
    .unwrap();
    assert_eq!(
        ours.run(&["init", "--from", init.to_str().unwrap(), "--write"])
            .code,
        0
    );
    let script = format!(
        "from pancloud import Credentials\nCredentials(profile='dé', client_id='c', client_secret='s', refresh_token='r', access_token='{token}').write_credentials()"
    );
    let Some(out) = theirs.python(&script) else {
        return;
    };
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&ours.creds).unwrap(),
        std::fs::read_to_string(&theirs.creds).unwrap()
    );
}

#[test]
fn pancloud_keeps_pancred_fields_and_remove_keeps_other_profiles() {
    let sb = Sandbox::new();
    let init = sb.dir.path().join("i.json");
    std::fs::write(
        &init,
        json!({"profile": "lab", "client_id": "c1", "client_secret": "s1", "refresh_token": "r1", "dialect": "oauth2", "scope": "openid offline_access"}).to_string(),
    )
    .unwrap();
    assert_eq!(
        sb.run(&["init", "--from", init.to_str().unwrap(), "--write"])
            .code,
        0
    );
    // pancloud rewrites the profile (as after a refresh) and adds two more.
    let script = "from pancloud import Credentials\n\
        Credentials(profile='lab', client_id='c1', client_secret='s1', refresh_token='r1-rolled').write_credentials()\n\
        Credentials(profile='keep-a', client_id='ka', client_secret='ks', refresh_token='kr').write_credentials()\n\
        Credentials(profile='keep-b', client_id='kb', client_secret='ks', refresh_token='kr').write_credentials()";
    let Some(out) = sb.python(script) else { return };
    assert_eq!(out.code, 0, "{}", out.stderr);
    let show: Value =
        serde_json::from_str(&sb.run(&["show", "--profile", "lab", "--json"]).stdout).unwrap();
    assert_eq!(show["dialect"], "oauth2");
    assert_eq!(show["scope"], "openid offline_access");

    let rm = sb.run(&["remove", "--yes", "--profile", "keep-a"]);
    assert_eq!(rm.code, 0, "{}", rm.stderr);
    assert_eq!(
        read_with_pancloud(&sb, "keep-a").unwrap(),
        json!([null, null, null, null])
    );
    assert_eq!(
        read_with_pancloud(&sb, "keep-b").unwrap(),
        json!(["kb", "ks", "kr", null])
    );
    assert_eq!(
        read_with_pancloud(&sb, "lab").unwrap(),
        json!(["c1", "s1", "r1-rolled", null])
    );
}
