//! The keyring store against a real Secret Service (gnome-keyring on the private D-Bus session
//! tests/run.sh starts) and the kernel keyring (under `keyctl session -`), through the real binary.
//! The keyring is shared by tests running in parallel: every test uses its own profile names.

mod common;

use common::{jwt, now, Run, Sandbox};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Long enough for a loaded 2-core machine, far below "hung".
const NO_HANG: Duration = Duration::from_secs(15);

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A part of the environment tests/run.sh provides is missing: fail there, skip elsewhere.
fn missing(what: &str) -> bool {
    if std::env::var("PANCRED_REQUIRE_ALL").is_ok() {
        panic!("{what}: tests/run.sh provides it");
    }
    eprintln!("skipping: {what} (run tests/run.sh for the whole suite)");
    false
}

/// Asks the Secret Service itself, not pancred, whether its default collection is unlocked.
fn secret_service() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return missing("no D-Bus session bus");
    }
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--reply-timeout=10000",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets/aliases/default",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Collection",
            "string:Locked",
        ])
        .output();
    match out {
        Ok(o) if String::from_utf8_lossy(&o.stdout).contains("boolean false") => true,
        _ => missing("no unlocked Secret Service on the session bus"),
    }
}

/// Whether this process joined its own session keyring (`keyctl session -`), which the kernel
/// keyring store needs.
fn kernel_session_keyring() -> bool {
    let out = Command::new("keyctl").args(["rdescribe", "@s"]).output();
    match out {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .trim_end()
                .ends_with(";_ses") =>
        {
            true
        }
        _ => missing("not inside `keyctl session -`"),
    }
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
    assert_eq!(i.stdout, format!("imported {a}\nimported {b}\n"));
    assert!(i.stderr.contains("Copied 2 profile(s)"), "{}", i.stderr);
    assert!(
        i.stderr
            .contains(&format!("skipped a second document for profile '{a}'")),
        "{}",
        i.stderr
    );
    assert_eq!(
        std::fs::read(&source).unwrap(),
        before,
        "import changed its source"
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

    // Again: every profile is reported as replaced, none skipped.
    let i = keyring(&sb, &["import", "--from", &src]);
    assert_eq!(
        i.stdout,
        format!("replaced {a}\nreplaced {b}\n"),
        "{}",
        i.stderr
    );
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

/// Runs pancred with a session bus address where no bus answers.
fn without_bus(sb: &Sandbox, bus: &str, store: Option<&str>, args: &[&str]) -> (Run, Duration) {
    let mut c = sb.cmd(args);
    c.env("DBUS_SESSION_BUS_ADDRESS", bus);
    match store {
        Some(s) => c.env("PANCRED_STORE", s),
        None => c.env_remove("PANCRED_STORE"),
    };
    let start = Instant::now();
    let run: Run = c.output().expect("run pancred").into();
    (run, start.elapsed())
}

fn assert_falls_back_and_keyring_fails(sb: &Sandbox, bus: &str) {
    let init = write_init(
        sb,
        &json!({"client_id": "cid", "client_secret": "cs-fallback"}),
    );
    let (w, took) = without_bus(sb, bus, None, &["init", "--from", &init, "--write"]);
    assert!(took < NO_HANG, "auto took {took:?}");
    assert_eq!(w.code, 0, "{}", w.all());
    assert!(
        w.stderr.contains("warning: no usable OS keyring"),
        "{}",
        w.stderr
    );
    assert!(w.stderr.contains("--store file"), "{}", w.stderr);
    // The fallback is the pancloud file, and it says so on every command.
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sb.creds).unwrap()).unwrap();
    assert_eq!(doc["profiles"]["1"]["client_secret"], "cs-fallback");
    let (l, _) = without_bus(sb, bus, None, &["list"]);
    assert_eq!(l.code, 0, "{}", l.all());
    assert!(l.stderr.contains("warning: no usable OS keyring"));
    // Choosing the file store silences it.
    let (l, _) = without_bus(sb, bus, Some("file"), &["list"]);
    assert!(!l.stderr.contains("warning"), "{}", l.stderr);

    let (k, took) = without_bus(sb, bus, Some("keyring"), &["list"]);
    assert!(took < NO_HANG, "--store keyring took {took:?}");
    assert_eq!(k.code, 5, "{}", k.all());
    assert!(k.stderr.contains("no usable OS keyring"), "{}", k.stderr);
    assert!(k.stderr.contains("--store file"), "{}", k.stderr);
}

#[test]
fn no_session_bus_falls_back_to_the_file_and_keyring_fails_fast() {
    let sb = Sandbox::new();
    let bus = format!("unix:path={}", sb.path().join("no-bus").display());
    assert_falls_back_and_keyring_fails(&sb, &bus);
}

#[test]
fn a_bus_that_never_answers_does_not_hang() {
    let sb = Sandbox::new();
    let sock = sb.path().join("silent-bus");
    // Accepts connections (the kernel queues them) and never says a word.
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let bus = format!("unix:path={}", sock.display());
    assert_falls_back_and_keyring_fails(&sb, &bus);
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

/// A Secret Service whose default collection is locked (its own D-Bus session, so the shared
/// keyring of the other tests stays unlocked): auto falls back, keyring fails, neither waits
/// on an unlock prompt that nobody would see.
#[test]
fn a_locked_secret_service_is_not_used() {
    if !["dbus-run-session", "dbus-send", "gnome-keyring-daemon"]
        .iter()
        .all(|p| common::have_program(p))
    {
        return;
    }
    let sb = Sandbox::new();
    let (data, run) = (sb.path().join("data"), sb.path().join("run"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&run).unwrap();
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let script = r#"
        get_locked() {
          dbus-send --session --print-reply --dest=org.freedesktop.secrets \
            /org/freedesktop/secrets/aliases/default org.freedesktop.DBus.Properties.Get \
            string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null | tail -1
        }
        printf %s pw | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
        GK=$!
        for i in $(seq 200); do get_locked | grep -q boolean && break; sleep 0.1; done
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
          org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/aliases/default >/dev/null
        echo "locked: $(get_locked)"
        timeout 20 "$PANCRED" list >/dev/null 2>"$OUT/auto.err"; echo "auto: $?"
        PANCRED_STORE=keyring timeout 20 "$PANCRED" list >/dev/null 2>"$OUT/keyring.err"; echo "keyring: $?"
        kill $GK 2>/dev/null
    "#;
    let mut c = Command::new("timeout");
    c.args(["120", "dbus-run-session", "--", "sh", "-c", script]);
    for (k, _) in std::env::vars() {
        if k.starts_with("PAN_") || k.starts_with("PANCRED_") || k.starts_with("DBUS_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", &sb.home)
        .env("XDG_CONFIG_HOME", sb.home.join(".config"))
        .env("XDG_DATA_HOME", &data)
        .env("XDG_RUNTIME_DIR", &run)
        .env("PAN_CREDENTIALS_DBFILE", &sb.creds)
        .env("PANCRED", common::bin())
        .env("OUT", sb.path());
    let out: Run = c.output().expect("run dbus-run-session").into();
    assert!(
        out.stdout.contains("locked:    variant       boolean true"),
        "{}",
        out.all()
    );
    let auto_err = std::fs::read_to_string(sb.path().join("auto.err")).unwrap();
    let keyring_err = std::fs::read_to_string(sb.path().join("keyring.err")).unwrap();
    assert!(out.stdout.contains("auto: 0"), "{}\n{auto_err}", out.all());
    assert!(
        auto_err.contains("warning: no usable OS keyring"),
        "{auto_err}"
    );
    assert!(auto_err.contains("locked"), "{auto_err}");
    assert!(
        out.stdout.contains("keyring: 5"),
        "{}\n{keyring_err}",
        out.all()
    );
    assert!(keyring_err.contains("locked"), "{keyring_err}");
}
