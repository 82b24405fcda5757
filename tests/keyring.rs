//! The keyring store against a real Secret Service (gnome-keyring on the private D-Bus session
//! tests/run.sh starts) and the kernel keyring (under `keyctl session -`), through the real binary.
//! Without a usable keyring: tests/keyring_fallback.rs.
//! The keyring is shared by tests running in parallel: every test uses its own profile names.
#![cfg(all(feature = "cli", feature = "keyring"))]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::keyring::{kernel_session_keyring, secret_service};
use common::{jwt, now, Run, Sandbox};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn keyring(sb: &Sandbox, args: &[&str]) -> Run {
    let mut c = sb.cmd(args);
    c.env("PANCRED_STORE", "keyring");
    c.output().expect("run pancred").into()
}

fn secret_tool(args: &[&str]) -> Run {
    Command::new("secret-tool")
        .args(args)
        .output()
        .expect("run secret-tool")
        .into()
}

/// Every regular file under `roots`, except `skip`.
fn files_under(roots: &[PathBuf], skip: &[&Path]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo: Vec<PathBuf> = roots.to_vec();
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                todo.push(p);
            } else if t.is_file() && !skip.contains(&p.as_path()) {
                out.push(p);
            }
        }
    }
    out
}

/// The sandbox's HOME and config plus this session's XDG data and runtime folders (where
/// gnome-keyring keeps its files).
fn scan_roots(sb: &Sandbox) -> Vec<PathBuf> {
    let mut roots = vec![sb.path().to_path_buf()];
    for var in ["XDG_DATA_HOME", "XDG_RUNTIME_DIR"] {
        if let Some(p) = std::env::var_os(var) {
            roots.push(PathBuf::from(p));
        }
    }
    roots
}

/// Asserts no file holds any of `secrets`; returns how many files were read.
fn assert_no_file_holds(roots: &[PathBuf], skip: &[&Path], secrets: &[&str]) -> usize {
    let files = files_under(roots, skip);
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets {
            assert!(!text.contains(s), "{} holds a secret", f.display());
        }
    }
    files.len()
}

fn write_init(sb: &Sandbox, fields: &Value) -> String {
    let path = sb
        .path()
        .join(format!("{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, fields.to_string()).unwrap();
    path.display().to_string()
}

fn profiles_json(sb: &Sandbox) -> PathBuf {
    sb.home.join(".config/pancred/profiles.json")
}

#[test]
fn secret_service_write_read_list_remove_and_no_secret_in_files() {
    if !secret_service() {
        return;
    }
    let sb = Sandbox::new();
    let name = unique("kr");
    let id = unique("client-id");
    let (cs, rt) = (unique("cs"), unique("rt"));
    let exp = now() + 3600;
    let at = jwt(&json!({"exp": exp, "sub": unique("at")}));
    let init = write_init(
        &sb,
        &json!({"client_id": id, "client_secret": cs, "refresh_token": rt, "access_token": at,
                "scope": "openid"}),
    );
    let w = keyring(
        &sb,
        &["--profile", &name, "init", "--from", &init, "--write"],
    );
    assert_eq!(w.code, 0, "{}", w.all());
    std::fs::remove_file(&init).unwrap();

    // Read back by other processes: pancred itself, and the Secret Service's own client.
    let s = keyring(&sb, &["--profile", &name, "show", "--json"]);
    assert_eq!(s.code, 0, "{}", s.all());
    let v: Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(v["client_id"], id.as_str());
    assert_eq!(v["has_client_secret"], true);
    assert_eq!(v["has_refresh_token"], true);
    assert_eq!(v["expires_at"], exp);
    assert_eq!(v["state"], "valid");
    assert!(!s.all().contains(&cs) && !s.all().contains(&rt));
    let t = keyring(&sb, &["--profile", &name, "token", "--no-refresh"]);
    assert_eq!((t.code, t.stdout.trim()), (0, at.as_str()), "{}", t.stderr);

    let found = secret_tool(&["search", "--all", "service", "pancred", "username", &name]);
    assert!(
        found
            .all()
            .contains(&format!("attribute.username = {name}")),
        "{}",
        found.all()
    );
    let raw = secret_tool(&["lookup", "service", "pancred", "username", &name]);
    let stored: Value = serde_json::from_str(raw.stdout.trim()).expect("one JSON entry");
    assert_eq!(
        stored,
        json!({"client_secret": cs, "refresh_token": rt, "access_token": at})
    );

    let l = keyring(&sb, &["list", "--json"]);
    assert_eq!(l.code, 0, "{}", l.all());
    let rows: Vec<Value> = serde_json::from_str(&l.stdout).unwrap();
    assert!(rows.iter().any(|r| r["profile"] == name.as_str()));

    // The settings file has the profile's settings and none of its secrets; nor has any other
    // file, gnome-keyring's own included (it encrypts).
    let settings = std::fs::read_to_string(profiles_json(&sb)).unwrap();
    assert!(
        settings.contains(&id) && settings.contains("openid"),
        "{settings}"
    );
    let read = assert_no_file_holds(&scan_roots(&sb), &[], &[&cs, &rt, &at]);
    assert!(read >= 2, "the scan read only {read} file(s)");
    assert!(
        !sb.creds.exists(),
        "the keyring store wrote the pancloud file"
    );

    let r = keyring(&sb, &["--profile", &name, "remove", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let gone = secret_tool(&["lookup", "service", "pancred", "username", &name]);
    assert!(gone.stdout.trim().is_empty(), "the keyring entry survived");
    let s = keyring(&sb, &["--profile", &name, "show"]);
    assert_eq!(s.code, 1, "{}", s.all());
}

#[test]
fn import_copies_a_pancloud_file_into_the_secret_service() {
    if !secret_service() {
        return;
    }
    let sb = Sandbox::new();
    let (a, b) = (unique("imp-a"), unique("imp-b"));
    let (cs, rt, at) = (unique("cs"), unique("rt"), unique("at"));
    let source = sb.path().join("pancloud.json");
    let tinydb = json!({"profiles": {
        "1": {"profile": a, "client_id": "cid-a", "client_secret": cs, "refresh_token": rt,
              "access_token": at},
        "2": {"profile": b, "client_id": "cid-b", "client_secret": null, "refresh_token": null,
              "access_token": null},
        "3": {"profile": a, "client_id": "shadowed", "client_secret": "shadowed-secret"}
    }});
    std::fs::write(&source, tinydb.to_string()).unwrap();
    let before = std::fs::read(&source).unwrap();

    let src = source.display().to_string();
    let i = keyring(&sb, &["import", "--from", &src]);
    assert_eq!(i.code, 0, "{}", i.all());
    // a's tokens move (one grant, one home); b has none to move.
    assert_eq!(i.stdout, format!("moved {a}\nimported {b}\n"));
    assert!(i.stderr.contains("Imported 2 profiles"), "{}", i.stderr);
    assert!(
        i.stderr
            .contains(&format!("skipped a second document for profile '{a}'")),
        "{}",
        i.stderr
    );
    // The file keeps a's settings without its tokens, says where they went, and keeps the
    // document pancloud never reads.
    let after: Value = serde_json::from_slice(&std::fs::read(&source).unwrap()).unwrap();
    assert_ne!(std::fs::read(&source).unwrap(), before);
    let doc = &after["profiles"]["1"];
    assert_eq!(doc["client_id"], "cid-a");
    assert!(doc.get("refresh_token").is_none_or(Value::is_null), "{doc}");
    assert!(
        doc["moved_to"].as_str().unwrap().contains("keyring"),
        "{doc}"
    );
    // The shadowed document (skipped) is left exactly as it was.
    assert_eq!(
        after["profiles"]["3"],
        json!({"profile": a, "client_id": "shadowed", "client_secret": "shadowed-secret"})
    );

    let raw = secret_tool(&["lookup", "service", "pancred", "username", &a]);
    let stored: Value = serde_json::from_str(raw.stdout.trim()).unwrap();
    assert_eq!(
        stored,
        json!({"client_secret": cs, "refresh_token": rt, "access_token": at})
    );
    // A profile without secrets has settings only, and no keyring entry.
    let none = secret_tool(&["lookup", "service", "pancred", "username", &b]);
    assert!(none.stdout.trim().is_empty());
    let s = keyring(&sb, &["--profile", &b, "show", "--json"]);
    let v: Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(
        (v["client_id"].as_str(), v["has_client_secret"].as_bool()),
        (Some("cid-b"), Some(false))
    );
    assert_no_file_holds(&scan_roots(&sb), &[&source], &[&cs, &rt, &at]);
    let left = String::from_utf8_lossy(&std::fs::read(&source).unwrap()).into_owned();
    assert!(
        !left.contains(&rt) && !left.contains(&at),
        "the tokens left the file"
    );

    // Again: every profile is reported as replaced, none skipped, and the tokens that moved
    // stay in the keyring (the file has none to give).
    let i = keyring(&sb, &["import", "--from", &src]);
    assert_eq!(
        i.stdout,
        format!("replaced {a}\nreplaced {b}\n"),
        "{}",
        i.stderr
    );
    let raw = secret_tool(&["lookup", "service", "pancred", "username", &a]);
    let kept: Value = serde_json::from_str(raw.stdout.trim()).unwrap();
    assert_eq!(kept["refresh_token"], rt);
    for n in [&a, &b] {
        assert_eq!(keyring(&sb, &["--profile", n, "remove", "--yes"]).code, 0);
    }
}

#[test]
fn auto_uses_the_secret_service_when_it_answers() {
    if !secret_service() {
        return;
    }
    let sb = Sandbox::new();
    let name = unique("auto");
    let cs = unique("cs");
    let init = write_init(&sb, &json!({"client_id": "cid", "client_secret": cs}));
    let mut c = sb.cmd(&["--profile", &name, "init", "--from", &init, "--write"]);
    c.env_remove("PANCRED_STORE");
    let w: Run = c.output().unwrap().into();
    assert_eq!(w.code, 0, "{}", w.all());
    assert!(!w.stderr.contains("warning"), "{}", w.stderr);
    assert!(w.stderr.contains("Secret Service"), "{}", w.stderr);
    assert!(!sb.creds.exists());
    let raw = secret_tool(&["lookup", "service", "pancred", "username", &name]);
    assert!(raw.stdout.contains(&cs));
    assert_eq!(
        keyring(&sb, &["--profile", &name, "remove", "--yes"]).code,
        0
    );

    // Someone coming from pancloud: the profile is in the pancloud file, not yet in the keyring.
    let old = unique("pancloud-only");
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    let doc = json!({"profiles": {"1": {"profile": old, "client_id": "cid"}}});
    std::fs::write(&sb.creds, doc.to_string()).unwrap();
    let s = keyring(&sb, &["--profile", &old, "show"]);
    assert_eq!(s.code, 1, "{}", s.all());
    assert!(s.stderr.contains("`pancred import`"), "{}", s.stderr);
}
#[test]
fn keyutils_without_a_session_keyring_of_its_own_is_refused_and_says_how() {
    if !kernel_session_keyring() {
        return;
    }
    let sb = Sandbox::new();
    let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    // What a process outside any login session has: the user's default session keyring.
    let shared = format!("_uid_ses.{}", uid.trim());
    let run = |store: &str| -> Run {
        let mut c = sb.program("keyctl");
        c.args(["session", &shared, common::bin(), "list"])
            .env("PANCRED_STORE", store)
            .env("PANCRED_KEYRING", "keyutils");
        c.output().unwrap().into()
    };
    let r = run("keyring");
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(r.stderr.contains("keyctl session"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("set PANCRED_KEYRING=keyutils"),
        "{}",
        r.stderr
    );
    // auto says the same and uses the file, consistently for every command.
    let r = run("auto");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("secrets go to the file"), "{}", r.stderr);
}

#[test]
fn kernel_keyring_with_keyutils() {
    if !kernel_session_keyring() {
        return;
    }
    let sb = Sandbox::new();
    let name = unique("ku");
    let rt = unique("rt");
    let init = write_init(&sb, &json!({"client_id": "cid", "refresh_token": rt}));
    let run = |args: &[&str]| -> Run {
        let mut c = sb.cmd(args);
        c.env("PANCRED_STORE", "keyring")
            .env("PANCRED_KEYRING", "keyutils");
        c.output().unwrap().into()
    };
    let w = run(&["--profile", &name, "init", "--from", &init, "--write"]);
    assert_eq!(w.code, 0, "{}", w.all());
    assert!(w.stderr.contains("kernel keyring"), "{}", w.stderr);
    let s = run(&["--profile", &name, "show", "--json"]);
    let v: Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(v["has_refresh_token"], true, "{}", s.all());

    // The kernel holds the value (keyctl is the kernel keyring's own client).
    let id = Command::new("keyctl")
        .args(["search", "@s", "user", &format!("keyring:{name}@pancred")])
        .output()
        .unwrap();
    assert!(id.status.success(), "no such key in the session keyring");
    let id = String::from_utf8_lossy(&id.stdout).trim().to_string();
    let value = Command::new("keyctl").args(["pipe", &id]).output().unwrap();
    let stored: Value = serde_json::from_slice(&value.stdout).unwrap();
    assert_eq!(stored, json!({"refresh_token": rt}));
    std::fs::remove_file(&init).unwrap();
    assert_no_file_holds(&[sb.path().to_path_buf()], &[], &[&rt]);

    assert_eq!(run(&["--profile", &name, "remove", "--yes"]).code, 0);
    let gone = Command::new("keyctl")
        .args(["search", "@s", "user", &format!("keyring:{name}@pancred")])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "the kernel key survived remove");
}

/// The longest profile name, in a script of four bytes a character, in both keyrings: stored,
/// read, locked for a refresh and removed (lock files no longer grow with the name).
#[test]
fn the_longest_names_work_in_both_keyrings() {
    let mut backends = Vec::new();
    if secret_service() {
        backends.push("secret-service");
    }
    if kernel_session_keyring() {
        backends.push("keyutils");
    }
    for backend in backends {
        let sb = Sandbox::new();
        let name = format!("{}{}", unique("l"), "𝔘".repeat(128 - 34));
        let init = write_init(
            &sb,
            &json!({"client_id": "cid", "client_secret": "cs", "refresh_token": unique("rt"),
            "access_token": jwt(&json!({"exp": now() - 10})), "token_url": "http://127.0.0.1:9"}),
        );
        let run = |args: &[&str]| -> Run {
            let mut c = sb.cmd(args);
            c.env("PANCRED_STORE", "keyring");
            if backend == "keyutils" {
                c.env("PANCRED_KEYRING", "keyutils");
            }
            c.output().unwrap().into()
        };
        let w = run(&["--profile", &name, "init", "--from", &init, "--write"]);
        assert_eq!(w.code, 0, "{backend}: {}", w.all());
        let s = run(&["--profile", &name, "show", "--json"]);
        assert_eq!(s.code, 0, "{backend}: {}", s.all());
        // A refresh takes the profile's lock first; the provider is absent, so it fails with 4.
        let r = run(&["--profile", &name, "refresh"]);
        assert_eq!(r.code, 4, "{backend}: {}", r.all());
        assert_eq!(
            run(&["--profile", &name, "remove", "--yes"]).code,
            0,
            "{backend}"
        );
    }
}

#[test]
fn another_programs_item_with_our_attributes_breaks_nothing_and_a_removed_entry_is_named() {
    if !secret_service() {
        return;
    }
    let sb = Sandbox::new();
    let (mine, other) = (unique("mine"), unique("other"));
    let rt = unique("rt");
    for name in [&mine, &other] {
        let init = write_init(&sb, &json!({"client_id": "cid", "refresh_token": rt}));
        let w = keyring(
            &sb,
            &["--profile", name, "init", "--from", &init, "--write"],
        );
        assert_eq!(w.code, 0, "{}", w.all());
    }
    // Another program stores an item with the same service and username, plus its own attribute.
    let mut foreign = Command::new("secret-tool")
        .args([
            "store",
            "--label=foreign app",
            "service",
            "pancred",
            "username",
            &mine,
            "app",
            "x",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        foreign
            .stdin
            .take()
            .unwrap()
            .write_all(b"not-ours")
            .unwrap();
    }
    assert!(foreign.wait().unwrap().success());
    let s = keyring(&sb, &["--profile", &mine, "show", "--json"]);
    assert_eq!(s.code, 0, "{}", s.all());
    let v: Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(v["has_refresh_token"], true, "{}", s.all());
    let l = keyring(&sb, &["list"]);
    assert_eq!(l.code, 0, "{}", l.all());

    // Another program removes our entry of `other`: named for that profile, the rest still listed.
    let gone = secret_tool(&["clear", "service", "pancred", "username", &other]);
    assert_eq!(gone.code, 0, "{}", gone.all());
    let s = keyring(&sb, &["--profile", &other, "show"]);
    assert_ne!(s.code, 0);
    assert!(
        s.stderr.contains("the keyring entry is gone"),
        "{}",
        s.stderr
    );
    let l = keyring(&sb, &["list"]);
    assert_eq!(l.code, 0, "{}", l.all());
    assert!(
        l.stdout.contains(&mine) && l.stdout.contains(&other),
        "{}",
        l.all()
    );
    assert!(
        l.stderr.contains(&format!("profile '{other}'")),
        "{}",
        l.stderr
    );
    let _ = secret_tool(&["clear", "service", "pancred", "username", &mine, "app", "x"]);
    for n in [&mine, &other] {
        assert_eq!(keyring(&sb, &["--profile", n, "remove", "--yes"]).code, 0);
    }
}
