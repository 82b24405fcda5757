//! When there is no usable keyring: no session bus, a bus that never answers, a locked Secret
//! Service. `--store auto` falls back to the pancloud file with a warning, `--store keyring` fails
//! with exit 5, and neither hangs.
#![cfg(all(feature = "cli", feature = "keyring"))]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::{Run, Sandbox};
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

/// Long enough for a loaded 2-core machine, far below "hung".
const NO_HANG: Duration = Duration::from_secs(15);

fn write_init(sb: &Sandbox, fields: &Value) -> String {
    let path = sb
        .path()
        .join(format!("{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, fields.to_string()).unwrap();
    path.display().to_string()
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
    // One line, even inside `$(pancred token)`: the whole story is in `pancred doctor`.
    let warning: Vec<&str> = w
        .stderr
        .lines()
        .filter(|l| l.contains("no usable OS keyring"))
        .collect();
    assert_eq!(warning.len(), 1, "{}", w.stderr);
    assert!(warning[0].contains("`pancred doctor`"), "{}", w.stderr);
    let path = sb.creds.display().to_string();
    assert!(warning[0].replace(&path, "").len() < 240, "{}", warning[0]);
    assert!(
        !w.stderr.lines().any(|l| l.starts_with("  ")),
        "{}",
        w.stderr
    );
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
        # Asking over D-Bus before this daemon owns the name would start a second one (D-Bus
        # activation), racing this one for the keyring file: wait for its control socket first.
        for i in $(seq 300); do [ -S "$XDG_RUNTIME_DIR/keyring/control" ] && break; sleep 0.1; done
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

/// Under PANCRED_KEYRING=keyutils the fallback's advice is about the kernel keyring, not a
/// Secret Service. The child joins the user's default session keyring (what a process outside
/// any login session has), which pancred refuses.
#[test]
fn the_keyutils_fallback_advises_a_session_keyring() {
    if !common::have_program("keyctl") {
        return;
    }
    let sb = Sandbox::new();
    let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    let mut c = sb.program("keyctl");
    c.args([
        "session",
        &format!("_uid_ses.{}", uid.trim()),
        common::bin(),
        "list",
    ])
    .env_remove("PANCRED_STORE")
    .env("PANCRED_KEYRING", "keyutils")
    .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let r: Run = c.output().unwrap().into();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("warning: no usable OS keyring"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("session keyring"), "{}", r.stderr);
    assert!(!r.stderr.contains("Secret Service"), "{}", r.stderr);
    // The fix is `pancred doctor`'s, and it is about the kernel keyring too.
    let mut c = sb.program("keyctl");
    c.args([
        "session",
        &format!("_uid_ses.{}", uid.trim()),
        common::bin(),
        "doctor",
    ])
    .env_remove("PANCRED_STORE")
    .env("PANCRED_KEYRING", "keyutils")
    .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let d: Run = c.output().unwrap().into();
    assert!(d.all().contains("keyctl session"), "{}", d.all());
}

/// A session bus that starts gnome-keyring by itself (D-Bus activation) gives a Secret Service
/// with no default collection (no `login` keyring): the warning names that, and `pancred doctor`
/// gives the command that makes one.
#[test]
fn an_activated_keyring_without_a_login_collection_is_named() {
    if !["dbus-run-session", "gnome-keyring-daemon"]
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
        timeout 20 "$PANCRED" list >/dev/null 2>"$OUT/auto.err"; echo "auto: $?"
        timeout 20 "$PANCRED" doctor >"$OUT/doctor.out" 2>&1; echo "doctor: $?"
    "#;
    // (The daemon D-Bus started ends with its bus.)
    let mut c = sb.program("timeout");
    c.args(["120", "dbus-run-session", "--", "sh", "-c", script])
        .env_remove("PANCRED_STORE")
        .env("XDG_DATA_HOME", &data)
        .env("XDG_RUNTIME_DIR", &run)
        .env("PAN_CREDENTIALS_DBFILE", &sb.creds)
        .env("PANCRED", common::bin())
        .env("OUT", sb.path());
    let out: Run = c.output().expect("run dbus-run-session").into();
    let auto_err = std::fs::read_to_string(sb.path().join("auto.err")).unwrap_or_default();
    let doctor = std::fs::read_to_string(sb.path().join("doctor.out")).unwrap_or_default();
    assert!(out.stdout.contains("auto: 0"), "{}\n{auto_err}", out.all());
    assert!(
        auto_err.contains("the Secret Service has no default collection"),
        "{auto_err}"
    );
    assert!(doctor.contains("--replace --unlock"), "{doctor}");
}
