//! The keyring locked while a refresh is in flight: against oidc-provider (rotating refresh
//! tokens, revoking the grant when a spent one comes back) and a gnome-keyring of the test's own
//! (on a private D-Bus, so that locking it disturbs no other test), `pancred token` keeps the new
//! tokens in the rescue file and says where; once the keyring is unlocked, the next command stores
//! them first and the grant lives on.
#![cfg(all(feature = "cli", feature = "keyring"))]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::{basic_client, Oidc, WEB_REDIRECT};
use common::{have_program, Run, Sandbox};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "rescue-test-keyring";

/// A private session bus and a gnome-keyring on it, unlocked; both killed when dropped.
struct PrivateKeyring {
    bus: Child,
    address: String,
    daemon: Option<Child>,
    data: PathBuf,
    runtime: PathBuf,
}

impl PrivateKeyring {
    fn start(dir: &Path) -> Option<Self> {
        if !have_program("dbus-daemon") || !have_program("gnome-keyring-daemon") {
            return None;
        }
        let (data, runtime) = (dir.join("xdg-data"), dir.join("xdg-runtime"));
        for d in [&data, &runtime] {
            std::fs::create_dir_all(d).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        // No service folders: a query for the Secret Service while it is down must not start
        // another gnome-keyring (one that is locked, having no password).
        let config = dir.join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir={}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/>
<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>"#,
                runtime.display()
            ),
        )
        .unwrap();
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let mut k = PrivateKeyring {
            bus,
            address: line.trim().to_string(),
            daemon: None,
            data,
            runtime,
        };
        k.start_daemon();
        Some(k)
    }

    fn env(&self, c: &mut Command) {
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", &self.data)
            .env("XDG_RUNTIME_DIR", &self.runtime);
    }

    /// Starts gnome-keyring (again), which unlocks the login collection with the password.
    fn start_daemon(&mut self) {
        let mut c = Command::new("gnome-keyring-daemon");
        c.args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.env(&mut c);
        let mut daemon = c.spawn().unwrap();
        let mut stdin = daemon.stdin.take().unwrap();
        stdin.write_all(PASSWORD.as_bytes()).unwrap();
        drop(stdin);
        self.daemon = Some(daemon);
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.locked() != Some(false) {
            assert!(Instant::now() < deadline, "gnome-keyring did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the Secret Service: the process that owns its bus name (gnome-keyring forks, so
    /// that is not always the one started), then the one started.
    fn stop_daemon(&mut self) {
        let mut c = Command::new("dbus-send");
        c.args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ]);
        self.env(&mut c);
        let reply = String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned();
        if let Some(pid) = reply.split("uint32").nth(1).map(str::trim) {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
        if let Some(mut d) = self.daemon.take() {
            let _ = d.kill();
            let _ = d.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.locked().is_some() {
            assert!(Instant::now() < deadline, "gnome-keyring did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn dbus_send(&self, args: &[&str]) -> String {
        let mut c = Command::new("dbus-send");
        c.args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
        ])
        .args(args);
        self.env(&mut c);
        let out = c.output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether the default collection is locked, as the Secret Service itself says.
    fn locked(&self) -> Option<bool> {
        let out = self.dbus_send(&[
            "/org/freedesktop/secrets/aliases/default",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Collection",
            "string:Locked",
        ]);
        if out.contains("boolean true") {
            Some(true)
        } else if out.contains("boolean false") {
            Some(false)
        } else {
            None
        }
    }

    /// Locks the default collection over D-Bus (no prompt is needed to lock).
    fn lock(&self) {
        self.dbus_send(&[
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/aliases/default",
        ]);
        assert_eq!(self.locked(), Some(true));
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        self.stop_daemon();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn kcmd(sb: &Sandbox, k: &PrivateKeyring, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("PANCRED_STORE", "keyring")
        .env("PANCRED_KEYRING", "secret-service");
    k.env(&mut c);
    c
}

fn krun(sb: &Sandbox, k: &PrivateKeyring, args: &[&str]) -> Run {
    kcmd(sb, k, args).output().unwrap().into()
}

#[test]
fn keyring_locked_during_the_refresh_keeps_the_tokens_in_the_rescue_file() {
    let Some(oidc) = Oidc::start() else {
        return;
    };
    let sb = Sandbox::new();
    let Some(mut keyring) = PrivateKeyring::start(sb.path()) else {
        return;
    };
    // Logged in on the file store, then the profile (tokens included) written to the keyring,
    // with its access token dropped so that `token` refreshes.
    let mut doc = oidc.login(&sb, "svc", &basic_client(), WEB_REDIRECT);
    doc["access_token"] = serde_json::Value::Null;
    let f = sb.path().join("svc.json");
    std::fs::write(&f, doc.to_string()).unwrap();
    std::fs::remove_file(&sb.creds).unwrap();
    let w = krun(
        &sb,
        &keyring,
        &["init", "--from", f.to_str().unwrap(), "--write"],
    );
    assert_eq!(w.code, 0, "{}", w.all());
    assert!(
        !sb.creds.exists(),
        "the keyring store writes no pancloud file"
    );
    let count = |k: &str| oidc.counts()[k].as_u64().unwrap();
    let (refreshes, requests) = (count("refresh"), count("token_requests"));

    oidc.set_token_delay(1500);
    let child = kcmd(&sb, &keyring, &["token", "--profile", "svc"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count("token_requests") == requests {
        assert!(Instant::now() < deadline, "the refresh never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    keyring.lock();
    let out = child.wait_with_output().unwrap();
    oidc.set_token_delay(0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("are not safe in the"), "{stderr}");
    let rescue = sb.home.join(".local/state/pancred/rescue");
    assert!(stderr.contains(&rescue.display().to_string()), "{stderr}");
    let token = String::from_utf8_lossy(&out.stdout);
    assert!(pancred::jwt::claims(token.trim()).is_some(), "{token}");

    // Unlocked (gnome-keyring started again with the password): the next command stores the
    // rescued tokens first; the grant lives on.
    keyring.stop_daemon();
    keyring.start_daemon();
    for _ in 0..2 {
        let r = krun(&sb, &keyring, &["refresh", "--profile", "svc"]);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    assert_eq!(std::fs::read_dir(&rescue).unwrap().count(), 0);
    assert_eq!(count("refresh_errors"), 0, "{}", oidc.counts());
    assert_eq!(count("refresh"), refreshes + 3);
}
