//! The keyrings tests/run.sh provides: a Secret Service (gnome-keyring on a private D-Bus) and a
//! kernel session keyring (`keyctl session -`).

use std::process::Command;

/// A part of the environment tests/run.sh provides is missing: fail there, skip elsewhere.
pub fn missing(what: &str) -> bool {
    if std::env::var("PANCRED_REQUIRE_ALL").is_ok() {
        panic!("{what}: tests/run.sh provides it");
    }
    eprintln!("skipping: {what} (run tests/run.sh for the whole suite)");
    false
}

/// Asks the Secret Service itself, not pancred, whether its default collection is unlocked.
pub fn secret_service() -> bool {
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
pub fn kernel_session_keyring() -> bool {
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
