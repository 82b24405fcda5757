//! Careless and hostile text through the real binary: names, ids, issuers and claims holding
//! escape sequences or newlines (shown escaped, JSON exact), the profile-name rule on every way
//! a name is made, and names up to the longest allowed, in any script, through every command.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::init;
use common::pancloud_stub::PancloudStub;
use common::{jwt, now, Run, Sandbox};
use serde_json::{json, Value};

const OSC52: &str = "\u{1b}]52;c;cHduZWQ=\u{7}";
const CLEAR: &str = "\u{1b}[2J";

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

/// No byte a terminal would obey: ESC, BEL, CR, or C1 controls.
fn assert_inert(text: &str, what: &str) {
    assert!(
        !text.chars().any(|c| c != '\n' && c.is_control()),
        "{what} holds raw control characters: {text:?}"
    );
}

/// A pancloud file written by someone else: every string in it is hostile.
fn hostile_file(sb: &Sandbox) -> Vec<&'static str> {
    let names = vec![
        "lab\nFORGED  *  pancloud  valid",
        "osc\u{1b}]52;c;cHduZWQ=\u{7}",
        "ok",
    ];
    let token = jwt(&json!({"exp": now() + 3600, "sub": format!("alice{CLEAR}"), "iss": OSC52}));
    let mut docs = serde_json::Map::new();
    for (i, name) in names.iter().enumerate() {
        docs.insert(
            (i + 1).to_string(),
            json!({"profile": name, "client_id": format!("cid{CLEAR}"), "access_token": token,
                   "scope": format!("openid\r{OSC52}"), "dialect": "oauth2",
                   "issuer": format!("https://idp.example/{OSC52}")}),
        );
    }
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    std::fs::write(&sb.creds, json!({"profiles": docs}).to_string()).unwrap();
    names
}

#[test]
fn list_show_and_errors_escape_what_came_from_outside() {
    let sb = Sandbox::new();
    let names = hostile_file(&sb);
    let list = sb.run(&["list"]);
    ok(&list);
    assert_inert(&list.all(), "list");
    // One header and one row per profile: a newline in a name cannot forge a row.
    assert_eq!(
        list.stdout.lines().count(),
        1 + names.len(),
        "{}",
        list.stdout
    );
    assert!(list.stdout.contains("lab\\nFORGED"), "{}", list.stdout);
    assert!(
        list.stdout.contains("osc\\e]52;c;cHduZWQ=\\x07"),
        "{}",
        list.stdout
    );

    for name in &names {
        let show = sb.run(&["--profile", name, "show"]);
        ok(&show);
        assert_inert(&show.all(), "show");
        for shown in [
            "cid\\e[2J",
            "alice\\e[2J",
            "openid\\r\\e]52",
            "idp.example/\\e]52",
        ] {
            assert!(show.stdout.contains(shown), "{shown}: {}", show.stdout);
        }
    }
    // JSON output is exact JSON: the same strings, escaped by JSON itself.
    let json: Vec<Value> = serde_json::from_str(&sb.run(&["list", "--json"]).stdout).unwrap();
    let got: Vec<&str> = json
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    // (`list` gives them by name.)
    let mut by_name = names.to_vec();
    by_name.sort();
    assert_eq!(got, by_name);
    let show: Value =
        serde_json::from_str(&sb.run(&["--profile", names[1], "show", "--json"]).stdout).unwrap();
    assert_eq!(show["client_id"], format!("cid{CLEAR}"));
    assert_eq!(show["claims"]["iss"], OSC52);

    // Errors and progress messages: a missing profile named by an outsider, a removal.
    let r = sb
        .cmd(&["show"])
        .env("PANCRED_PROFILE", format!("x{OSC52}"))
        .output()
        .unwrap();
    let r: Run = r.into();
    assert_eq!(r.code, 2, "{}", r.all());
    assert_inert(&r.all(), "the error");
    let r = sb.run(&["--profile", names[0], "remove", "--yes"]);
    ok(&r);
    assert_inert(&r.all(), "remove");
    assert!(r.stderr.contains("lab\\nFORGED"), "{}", r.stderr);
}

#[test]
fn every_way_of_making_a_name_applies_the_rule() {
    let sb = Sandbox::new();
    let long = "x".repeat(129);
    let bad = ["a\nb", "tab\there", " lead", &long, "esc\u{1b}[2J"];
    for name in bad {
        let f = sb.path().join("p.json");
        std::fs::write(&f, json!({"profile": name, "client_id": "c"}).to_string()).unwrap();
        for args in [
            vec!["init", "--from", f.to_str().unwrap(), "--write"],
            vec!["init", "--from", f.to_str().unwrap()],
        ] {
            let r = sb.run(&args);
            assert_eq!(r.code, 2, "init {name:?}: {}", r.all());
            assert_inert(&r.all(), "init");
        }
        std::fs::write(&f, json!({"client_id": "c"}).to_string()).unwrap();
        let r = sb.run(&[
            "--profile",
            name,
            "init",
            "--from",
            f.to_str().unwrap(),
            "--write",
        ]);
        assert_eq!(r.code, 2, "--profile {name:?}: {}", r.all());
        if !name.contains('\n') && name.trim() == name {
            let r = sb.run_with_input(&["generate"], &format!("cid\ncs\nrt\n{name}\ny\n"));
            assert_eq!(r.code, 2, "generate {name:?}: {}", r.all());
        }
    }
    assert!(!sb.creds.exists(), "something was written");

    // import: good names are copied, bad ones named and skipped, exit 2.
    let src = sb.path().join("other.json");
    std::fs::write(
        &src,
        json!({"profiles": {"1": {"profile": "good", "client_id": "c"},
                            "2": {"profile": "bad\nname", "client_id": "c"}}})
        .to_string(),
    )
    .unwrap();
    let r = sb.run(&["import", "--from", src.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("bad\\nname") && r.stdout.contains("imported good"),
        "{}",
        r.all()
    );
    let names: Vec<Value> = serde_json::from_str(&sb.run(&["list", "--json"]).stdout).unwrap();
    assert_eq!(names.len(), 1);
}

#[test]
fn a_stored_bad_name_still_loads_refreshes_and_can_be_removed() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    let mut p = s.profile("legacy\nname");
    p["profile"] = json!("legacy\nname");
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    std::fs::write(&sb.creds, json!({"profiles": {"1": p}}).to_string()).unwrap();
    ok(&sb.run(&["--profile", "legacy\nname", "show"]));
    ok(&sb.run(&["--profile", "legacy\nname", "refresh"]));
    ok(&sb.run(&["--profile", "legacy\nname", "token"]));
    ok(&sb.run(&["--profile", "legacy\nname", "remove", "--yes"]));
    let left: Vec<Value> = serde_json::from_str(&sb.run(&["list", "--json"]).stdout).unwrap();
    assert!(left.is_empty());
}

/// The longest names, in scripts of one to four bytes a character, through every command of the
/// file store (its lock files once grew with the name until `token` hit "File name too long").
#[test]
fn the_longest_names_in_any_script_work_everywhere() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    for ch in ["a", "é", "名", "𝔘"] {
        let name = ch.repeat(128);
        init(&sb, &s.profile(&name));
        for args in [
            vec!["token"],
            vec!["refresh"],
            vec!["show"],
            vec!["token", "--no-refresh"],
            vec!["use", &name],
        ] {
            let mut all = vec!["--profile", &name];
            all.extend(args.iter().copied());
            let r = sb.run(&all);
            assert_eq!(r.code, 0, "{args:?} with 128 × {ch}: {}", r.all());
        }
        ok(&sb.run(&["list"]));
        ok(&sb.run(&["--profile", &name, "remove", "--yes"]));
    }
}
