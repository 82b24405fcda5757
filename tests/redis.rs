//! The CLI on the redis store, against a real redis-server: round trips, two "machines" sharing
//! one store, remove and use, import, prefixes, and bad values left alone.
#![cfg(all(feature = "cli", feature = "redis"))]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;
mod redis_support;

use common::{external, Sandbox};
use redis_support::{init_file, rrun, unique_prefix};
use serde_json::{json, Value};

fn list_json(sb: &Sandbox, url: &str, prefix: &str) -> Vec<Value> {
    let r = rrun(sb, url, prefix, &["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn names(rows: &[Value]) -> Vec<&str> {
    rows.iter()
        .map(|r| r["profile"].as_str().unwrap())
        .collect()
}

#[test]
fn round_trip_shared_by_two_machines() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("round-trip");
    let (one, two) = (Sandbox::new(), Sandbox::new());
    let exp = common::now() + 3600;
    let alpha = init_file(
        &one,
        "alpha.json",
        &json!({"profile": "alpha", "client_id": "id-alpha", "client_secret": "cs-SECRET-a",
                "refresh_token": "rt-SECRET-a", "access_token": "at-SECRET-a", "expires_at": exp,
                "dialect": "oauth2", "token_url": "http://127.0.0.1:9/token", "scope": "openid"}),
    );
    let beta = init_file(&one, "beta.json", &json!({"client_id": "id-beta"}));

    let dry = rrun(&one, &url, &prefix, &["init", "--from", &alpha]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        list_json(&one, &url, &prefix).is_empty(),
        "without --write nothing is stored"
    );

    let w = rrun(&one, &url, &prefix, &["init", "--from", &alpha, "--write"]);
    assert_eq!(w.code, 0, "{}", w.stderr);
    let w = rrun(
        &one,
        &url,
        &prefix,
        &["init", "--from", &beta, "--write", "--profile", "beta"],
    );
    assert_eq!(w.code, 0, "{}", w.stderr);

    // The other machine (another HOME, nothing on its disk) sees the same profiles, in order.
    let rows = list_json(&two, &url, &prefix);
    assert_eq!(names(&rows), ["alpha", "beta"]);
    let show = rrun(
        &two,
        &url,
        &prefix,
        &["show", "--json", "--profile", "alpha"],
    );
    assert_eq!(show.code, 0, "{}", show.stderr);
    let a: Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(a["client_id"], "id-alpha");
    assert_eq!(a["dialect"], "oauth2");
    assert_eq!(a["scope"], "openid");
    assert_eq!(a["expires_at"], exp);
    assert_eq!(a["state"], "valid");
    for flag in ["has_client_secret", "has_refresh_token", "has_access_token"] {
        assert_eq!(a[flag], true, "{flag}");
    }
    assert!(!two.home.join(".config/pancloud").exists());

    // An update from the second machine keeps the fields it did not name.
    let patch = init_file(
        &two,
        "patch.json",
        &json!({"scope": "openid offline_access"}),
    );
    let w = rrun(
        &two,
        &url,
        &prefix,
        &["init", "--from", &patch, "--write", "--profile", "alpha"],
    );
    assert_eq!(w.code, 0, "{}", w.stderr);
    let text = rrun(&one, &url, &prefix, &["show", "--profile", "alpha"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains("openid offline_access"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("id-alpha"));
    for r in [&dry, &w, &text, &show] {
        assert!(
            !r.all().contains("SECRET"),
            "a secret was shown: {}",
            r.all()
        );
    }
}

#[test]
fn remove_and_default_profile() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("remove");
    let sb = Sandbox::new();
    for name in ["a", "b", "c"] {
        let f = init_file(&sb, &format!("{name}.json"), &json!({"client_id": name}));
        let args = ["init", "--from", &f, "--write", "--profile", name];
        assert_eq!(rrun(&sb, &url, &prefix, &args).code, 0);
    }
    assert_eq!(rrun(&sb, &url, &prefix, &["use", "b"]).code, 0);
    let rows = list_json(&sb, &url, &prefix);
    let defaults: Vec<_> = rows.iter().filter(|r| r["default"] == true).collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["profile"], "b");
    // With no --profile, commands act on the default.
    let show = rrun(&sb, &url, &prefix, &["show", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&show.stdout).unwrap()["client_id"],
        "b"
    );
    assert_eq!(rrun(&sb, &url, &prefix, &["use", "nope"]).code, 1);

    let rm = rrun(&sb, &url, &prefix, &["remove", "--yes"]);
    assert_eq!(rm.code, 0, "{}", rm.stderr);
    let rows = list_json(&sb, &url, &prefix);
    assert_eq!(names(&rows), ["a", "c"]);
    assert!(rows.iter().all(|r| r["default"] == false));
    // Removing a profile that is not there is an error and touches nothing.
    let again = rrun(&sb, &url, &prefix, &["remove", "--yes", "--profile", "b"]);
    assert_eq!(again.code, 1);
    assert_eq!(names(&list_json(&sb, &url, &prefix)), ["a", "c"]);
    // A profile stored again after removal is listed again, in name order as every list is.
    let f = init_file(&sb, "b2.json", &json!({"client_id": "b2"}));
    let args = ["init", "--from", &f, "--write", "--profile", "b"];
    assert_eq!(rrun(&sb, &url, &prefix, &args).code, 0);
    assert_eq!(names(&list_json(&sb, &url, &prefix)), ["a", "b", "c"]);
}

#[test]
fn import_a_pancloud_file() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("import");
    let sb = Sandbox::new();
    // pancloud's TinyDB layout, as pancloud 1.5.1 writes it.
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    let file = json!({"profiles": {
        "1": {"profile": "default", "client_id": "cid-1", "client_secret": "cs-SECRET-1",
              "refresh_token": "rt-SECRET-1", "access_token": null},
        "2": {"profile": "prod", "client_id": "cid-2", "client_secret": "cs-SECRET-2",
              "refresh_token": "rt-SECRET-2", "instance_id": "inst", "region": "americas"}
    }});
    std::fs::write(&sb.creds, file.to_string()).unwrap();
    let before = std::fs::read(&sb.creds).unwrap();

    let imp = rrun(&sb, &url, &prefix, &["import"]);
    assert_eq!(imp.code, 0, "{}", imp.stderr);
    assert!(!imp.all().contains("SECRET"));
    // The tokens moved: the file keeps the settings, says where they went, holds no token.
    let left = String::from_utf8_lossy(&std::fs::read(&sb.creds).unwrap()).into_owned();
    assert_ne!(left.as_bytes(), &before[..]);
    assert!(!left.contains("rt-SECRET"), "{left}");
    assert!(
        left.contains("cid-2") && left.contains("moved_to"),
        "{left}"
    );

    let other = Sandbox::new();
    let rows = list_json(&other, &url, &prefix);
    assert_eq!(names(&rows), ["default", "prod"]);
    assert_eq!(rows[1]["client_id"], "cid-2");
    assert_eq!(rows[1]["instance_id"], "inst");
    assert_eq!(rows[1]["region"], "americas");
    assert_eq!(rows[0]["has_refresh_token"], true);
    assert_eq!(rows[0]["has_access_token"], false);
    // Importing again replaces rather than duplicates.
    let again = rrun(
        &sb,
        &url,
        &prefix,
        &["import", "--from", sb.creds.to_str().unwrap()],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("replaced prod"), "{}", again.stdout);
    assert_eq!(list_json(&other, &url, &prefix).len(), 2);
}

#[test]
fn prefixes_keep_fleets_apart() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let (p1, p2) = (unique_prefix("fleet-1"), unique_prefix("fleet-2"));
    let sb = Sandbox::new();
    for (prefix, id) in [(&p1, "id-one"), (&p2, "id-two")] {
        let f = init_file(&sb, "d.json", &json!({"client_id": id}));
        // (Not `default`: a profile of that name is the default until another is chosen.)
        let args = ["init", "--from", &f, "--write", "--profile", "lab"];
        assert_eq!(rrun(&sb, &url, prefix, &args).code, 0);
    }
    assert_eq!(rrun(&sb, &url, &p2, &["use", "lab"]).code, 0);
    let one = list_json(&sb, &url, &p1);
    let two = list_json(&sb, &url, &p2);
    assert_eq!((one.len(), two.len()), (1, 1));
    assert_eq!(one[0]["client_id"], "id-one");
    assert_eq!(two[0]["client_id"], "id-two");
    assert_eq!(
        (&one[0]["default"], &two[0]["default"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(
        rrun(&sb, &url, &p1, &["remove", "--yes", "--profile", "lab"]).code,
        0
    );
    assert!(list_json(&sb, &url, &p1).is_empty());
    assert_eq!(list_json(&sb, &url, &p2)[0]["client_id"], "id-two");
}

#[test]
fn a_bad_value_in_redis_is_reported_and_left_alone() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("bad-value");
    let sb = Sandbox::new();
    let f = init_file(&sb, "ok.json", &json!({"client_id": "fine"}));
    let args = ["init", "--from", &f, "--write", "--profile", "ok"];
    assert_eq!(rrun(&sb, &url, &prefix, &args).code, 0);
    let mut raw = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let bad_key = format!("{prefix}profile:bad");
    for (what, value) in [
        ("not JSON", "{\"profile\": \"bad\",,"),
        (
            "wrong field type",
            "{\"profile\": \"bad\", \"client_id\": 5}",
        ),
        ("another profile's document", "{\"profile\": \"ok\"}"),
    ] {
        redis::cmd("SET")
            .arg(&bad_key)
            .arg(value)
            .query::<()>(&mut raw)
            .unwrap();
        redis::cmd("ZADD")
            .arg(format!("{prefix}profiles"))
            .arg(99)
            .arg("bad")
            .query::<()>(&mut raw)
            .unwrap();
        // show names the key and fails; list names it too, for that profile only, and goes on.
        let r = rrun(&sb, &url, &prefix, &["show", "--profile", "bad"]);
        assert_eq!(r.code, 5, "{what}: show: {}", r.all());
        assert!(r.stderr.contains(&bad_key), "{what}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        let r = rrun(&sb, &url, &prefix, &["list"]);
        assert_eq!(r.code, 0, "{what}: list: {}", r.all());
        assert!(r.stderr.contains(&bad_key), "{what}: {}", r.stderr);
        assert!(r.stdout.contains("ok"), "{what}: {}", r.stdout);
        let kept: String = redis::cmd("GET").arg(&bad_key).query(&mut raw).unwrap();
        assert_eq!(kept, value, "{what}: the bad value was changed");
        // Other profiles still work.
        let ok = rrun(&sb, &url, &prefix, &["show", "--json", "--profile", "ok"]);
        assert_eq!(ok.code, 0, "{what}: {}", ok.stderr);
    }
    // A key of the wrong Redis type is a store error too, and is not overwritten.
    redis::cmd("DEL")
        .arg(&bad_key)
        .query::<()>(&mut raw)
        .unwrap();
    redis::cmd("HSET")
        .arg(&bad_key)
        .arg("f")
        .arg("v")
        .query::<()>(&mut raw)
        .unwrap();
    let g = init_file(&sb, "bad.json", &json!({"client_id": "x"}));
    let r = rrun(
        &sb,
        &url,
        &prefix,
        &["init", "--from", &g, "--write", "--profile", "bad"],
    );
    assert_eq!(r.code, 5, "{}", r.all());
    let kind: String = redis::cmd("TYPE").arg(&bad_key).query(&mut raw).unwrap();
    assert_eq!(kind, "hash");
}

#[test]
fn a_key_of_the_wrong_type_or_bad_json_is_reported_for_that_profile_only() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("wrongtype");
    let sb = Sandbox::new();
    let f = sb.path().join("good.json");
    std::fs::write(&f, json!({"client_id": "cid"}).to_string()).unwrap();
    let w = rrun(
        &sb,
        &url,
        &prefix,
        &[
            "--profile",
            "good",
            "init",
            "--from",
            f.to_str().unwrap(),
            "--write",
        ],
    );
    assert_eq!(w.code, 0, "{}", w.all());
    let mut raw = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    // Another program wrote a list where a profile should be, and broken JSON in another.
    let _: () = redis::cmd("RPUSH")
        .arg(format!("{prefix}profile:listy"))
        .arg("x")
        .query(&mut raw)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}profile:broken"))
        .arg("{not json")
        .query(&mut raw)
        .unwrap();
    for n in ["listy", "broken"] {
        let _: () = redis::cmd("ZADD")
            .arg(format!("{prefix}profiles"))
            .arg(99)
            .arg(n)
            .query(&mut raw)
            .unwrap();
    }
    let r = rrun(&sb, &url, &prefix, &["list"]);
    assert_eq!(r.code, 0, "{}", r.all());
    for n in ["good", "listy", "broken"] {
        assert!(r.stdout.contains(n), "{n} missing from list: {}", r.all());
    }
    assert!(
        r.stderr.contains("profile 'listy'") && r.stderr.contains("holds a Redis list"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("profile 'broken'") && r.stderr.contains("not a JSON profile"),
        "{}",
        r.stderr
    );
    let s = rrun(&sb, &url, &prefix, &["--profile", "good", "show"]);
    assert_eq!(s.code, 0, "{}", s.all());
}
