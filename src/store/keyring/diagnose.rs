//! `pancred doctor`'s keyring checks: the Secret Service (session bus, default collection present
//! and unlocked) and the kernel keyring's session keyring. Each is bounded by
//! [`crate::check::TIMEOUT`]; none reads an item.

use crate::check::{Check, TIMEOUT};

const SS: &str = "secret-service";
const KU: &str = "keyutils";

/// Whether the Secret Service answers, has a default collection, and has it unlocked. Without a
/// default collection some clients silently write elsewhere (or in plain text); pancred refuses.
pub fn secret_service() -> Check {
    #[cfg(target_os = "linux")]
    {
        let what = "asking the Secret Service";
        match super::backend::with_deadline(TIMEOUT, what, linux::secret_service) {
            Ok(check) => check,
            Err(e) => Check::fail(
                SS,
                e.to_string(),
                "unlock or restart the Secret Service (e.g. gnome-keyring), or choose another store",
            ),
        }
    }
    #[cfg(not(target_os = "linux"))]
    Check::skip(SS, "the Secret Service is a Linux keyring")
}

/// Whether the kernel keyring has a session keyring of this login's own.
pub fn keyutils() -> Check {
    #[cfg(target_os = "linux")]
    match super::backend::own_session_keyring() {
        Ok(()) => Check::ok(KU, "this process has a session keyring of its own"),
        Err(e) => Check::fail(
            KU,
            e.to_string(),
            "run pancred inside `keyctl session - CMD` (or a login that runs pam_keyinit)",
        ),
    }
    #[cfg(not(target_os = "linux"))]
    Check::skip(KU, "the kernel keyring is a Linux keyring")
}

#[cfg(target_os = "linux")]
mod linux {
    use super::{Check, SS};
    use zbus::blocking::Connection;
    use zbus::zvariant::{OwnedObjectPath, OwnedValue};

    const DEST: &str = "org.freedesktop.secrets";
    const START: &str = "start a Secret Service in this session (gnome-keyring: \
        `gnome-keyring-daemon --start --components=secrets`; a desktop login starts one), \
        or set PANCRED_KEYRING=keyutils, or choose --store file";

    fn property(
        conn: &Connection,
        path: &str,
        iface: &str,
        name: &str,
    ) -> zbus::Result<OwnedValue> {
        let reply = conn.call_method(
            Some(DEST),
            path,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(iface, name),
        )?;
        reply.body().deserialize()
    }

    pub fn secret_service() -> Check {
        let conn = match Connection::session() {
            Ok(c) => c,
            Err(e) => {
                return Check::fail(SS, format!("no D-Bus session bus ({e})"), format!(
                    "log in to a desktop session, or run inside `dbus-run-session -- $SHELL`; then {START}"
                ))
            }
        };
        let alias = conn
            .call_method(
                Some(DEST),
                "/org/freedesktop/secrets",
                Some("org.freedesktop.Secret.Service"),
                "ReadAlias",
                &("default",),
            )
            .and_then(|r| r.body().deserialize::<OwnedObjectPath>());
        let alias = match alias {
            Ok(a) => a,
            Err(e) => {
                return Check::fail(
                    SS,
                    format!("no Secret Service answers on the session bus ({e})"),
                    START,
                )
            }
        };
        let collections: Vec<OwnedObjectPath> = property(
            &conn,
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service",
            "Collections",
        )
        .ok()
        .and_then(|v| Vec::try_from(v).ok())
        .unwrap_or_default();
        if alias.as_str() == "/" {
            let names: Vec<&str> = collections
                .iter()
                .filter_map(|c| c.as_str().rsplit('/').next())
                .collect();
            let found = match names.is_empty() {
                true => "no collection at all".to_string(),
                false => format!("collections: {}", names.join(", ")),
            };
            return Check::fail(
                SS,
                format!("the Secret Service has no default collection ({found}); pancred refuses to write elsewhere"),
                "make a collection the default (seahorse: Set as Default), or let gnome-keyring \
                 create its `login` collection with a password: \
                 `gnome-keyring-daemon --replace --unlock --components=secrets` (it reads the password \
                 from standard input)",
            );
        }
        let iface = "org.freedesktop.Secret.Collection";
        let label = property(&conn, alias.as_str(), iface, "Label")
            .ok()
            .and_then(|v| String::try_from(v).ok())
            .unwrap_or_default();
        let label = crate::text::Safe(&label).to_string();
        let locked = property(&conn, alias.as_str(), iface, "Locked")
            .ok()
            .and_then(|v| bool::try_from(&*v).ok());
        match locked {
            Some(false) => Check::ok(SS, format!("default collection '{label}' present and unlocked")),
            Some(true) => Check::fail(
                SS,
                format!("the default collection '{label}' is locked; pancred cannot read or write it without a prompt"),
                "unlock it: log in to the desktop, or use seahorse, or with gnome-keyring \
                 `gnome-keyring-daemon --replace --unlock --components=secrets` (password on standard input)",
            ),
            None => Check::fail(SS, format!("cannot tell whether the default collection '{label}' is locked"), START),
        }
    }
}
