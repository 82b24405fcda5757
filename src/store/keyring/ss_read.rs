//! Reading the Secret Service the quick way, for the cached `pancred token` path: one D-Bus
//! connection, a `plain` session, `SearchItems` on our attributes and `GetSecrets` for the one
//! item. The session bus is local and private to the user, so the Diffie-Hellman session that the
//! keyring crate opens for every connection buys nothing here (libsecret's clients, gh among
//! them, read the same way); writes still go through keyring-core's store.
//!
//! The same connection first checks that the default collection is unlocked, so `auto` learns at
//! once whether the keyring is usable, and a locked item is an error rather than a prompt nobody
//! sees.

use crate::store::StoreError;
use std::collections::HashMap;
use zbus::blocking::Connection;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

const DEST: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE_IFACE: &str = "org.freedesktop.Secret.Service";

/// A secret as the service returns it: session, parameters, value, content type.
type SecretStruct = (OwnedObjectPath, Vec<u8>, Vec<u8>, String);

pub struct Reader {
    conn: Connection,
}

fn failed(doing: &str, e: zbus::Error) -> StoreError {
    StoreError::Unavailable(format!("the Secret Service failed while {doing}: {e}"))
}

impl Reader {
    /// Connects to the session bus and checks that the default collection is unlocked.
    pub fn connect() -> Result<Reader, StoreError> {
        let conn = Connection::session().map_err(|e| {
            StoreError::Unavailable(format!("no D-Bus session bus for the Secret Service ({e})"))
        })?;
        let ask = || {
            conn.call_method(
                Some(DEST),
                "/org/freedesktop/secrets/aliases/default",
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.freedesktop.Secret.Collection", "Locked"),
            )
        };
        // gnome-keyring busy with other clients has been seen to name a collection for the
        // default alias that it then says does not exist: asked again a moment later, it answers.
        let mut reply = ask();
        for wait_ms in [20, 100, 300] {
            let vanished =
                matches!(&reply, Err(e) if e.to_string().contains("Object does not exist"));
            if !vanished {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(wait_ms));
            reply = ask();
        }
        // Still gone: gnome-keyring started by D-Bus without a `login` keyring has no default
        // collection at all (only `session`), which the advice must name.
        if matches!(&reply, Err(e) if e.to_string().contains("Object does not exist")) {
            return Err(StoreError::Unavailable(
                "the Secret Service has no default collection (a keyring daemon started without \
                 its login keyring); `pancred doctor` says how to make one"
                    .into(),
            ));
        }
        let reply = reply.map_err(|e| failed("checking whether the keyring is locked", e))?;
        let locked: OwnedValue = reply
            .body()
            .deserialize()
            .map_err(|e| failed("checking whether the keyring is locked", e))?;
        if bool::try_from(&*locked).unwrap_or(true) {
            return Err(StoreError::Unavailable(
                "the Secret Service's default collection is locked; unlock it".into(),
            ));
        }
        Ok(Reader { conn })
    }

    fn call<B, R>(&self, method: &str, body: &B, doing: &str) -> Result<R, StoreError>
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
        R: for<'d> serde::Deserialize<'d> + zbus::zvariant::Type,
    {
        let reply = self
            .conn
            .call_method(Some(DEST), SERVICE_PATH, Some(SERVICE_IFACE), method, body)
            .map_err(|e| failed(doing, e))?;
        reply.body().deserialize().map_err(|e| failed(doing, e))
    }

    /// The items among `items` that pancred wrote (labelled "pancred profile NAME").
    fn ours(&self, items: &[OwnedObjectPath]) -> Vec<OwnedObjectPath> {
        items
            .iter()
            .filter(|item| {
                let label = self
                    .conn
                    .call_method(
                        Some(DEST),
                        item.as_str(),
                        Some("org.freedesktop.DBus.Properties"),
                        "Get",
                        &("org.freedesktop.Secret.Item", "Label"),
                    )
                    .ok()
                    .and_then(|r| r.body().deserialize::<OwnedValue>().ok())
                    .and_then(|v| String::try_from(v).ok());
                label.is_some_and(|l| l.starts_with("pancred profile "))
            })
            .cloned()
            .collect()
    }

    /// The secret of the one item with these attributes; `Ok(None)` when there is none.
    pub fn read(&self, attributes: &HashMap<&str, &str>) -> Result<Option<Vec<u8>>, StoreError> {
        let (unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) =
            self.call("SearchItems", &(attributes,), "searching for the entry")?;
        let item = match (unlocked.as_slice(), locked.is_empty()) {
            ([], true) => return Ok(None),
            ([], false) => {
                return Err(StoreError::Unavailable(
                    "the Secret Service refused access (the entry is locked); unlock it".into(),
                ))
            }
            ([one], true) => one.clone(),
            // Another program's item can carry our attributes and more of its own: the one
            // pancred wrote is the one with pancred's label.
            (many, true) if self.ours(many).len() == 1 => self.ours(many).remove(0),
            (many, _) => {
                return Err(StoreError::Corrupt {
                    location: "Secret Service".into(),
                    what: format!(
                        "{} items match this entry; remove the extra ones (e.g. with secret-tool or seahorse)",
                        many.len() + locked.len()
                    ),
                })
            }
        };
        let (_, session): (OwnedValue, OwnedObjectPath) = self.call(
            "OpenSession",
            &("plain", Value::from("")),
            "opening a session",
        )?;
        let mut secrets: HashMap<OwnedObjectPath, SecretStruct> =
            self.call("GetSecrets", &(vec![&item], &session), "reading the entry")?;
        Ok(secrets.remove(&item).map(|(_, _, value, _)| value))
    }
}
