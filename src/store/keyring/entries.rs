//! One profile's keyring entry: naming it, reading and writing its value, values larger than one
//! entry holds, and the access token's copy kept beside every write.
//!
//! A keyring may refuse a value as too long: the Windows Credential Manager holds at most 2560
//! bytes per credential (the value encoded as UTF-16), less than one access token with large group
//! claims. keyring-core reports that as `TooLong` with the limit; the value is then written in
//! parts, each its own entry under the service [`PARTS_SERVICE`] (user `PROFILE/ID/N`), and the
//! profile's entry holds only an envelope naming them (`{"pancred_parts": {"id": ID, "count":
//! N}}`). The parts of a new value get a new ID and are all written before the envelope that names
//! them replaces the old one, so a write cut short anywhere leaves the old value whole (and stray
//! parts at worst); the old parts are deleted last. Keyrings without such a limit never see
//! an envelope.

use super::backend;
use super::token_cache::CachedToken;
use super::{Backend, KeyringStore, SERVICE};
use crate::profile::Profile;
use crate::store::StoreError;
use keyring_core::Entry;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// The keyring service the parts of a value too long for one entry are filed under.
pub const PARTS_SERVICE: &str = "pancred-part";
const ENVELOPE_KEY: &str = "pancred_parts";
/// The largest value a kernel keyring `user` key holds.
const KEYUTILS_VALUE_MAX: usize = 32767;

/// The parts an envelope names: `(id, count)`.
fn envelope(text: &str) -> Option<(String, usize)> {
    let doc: Value = serde_json::from_str(text).ok()?;
    let parts = doc.get(ENVELOPE_KEY)?;
    let id = parts.get("id")?.as_str()?.to_string();
    let count = usize::try_from(parts.get("count")?.as_u64()?).ok()?;
    Some((id, count))
}

/// `text` in pieces of at most `max` bytes, cut between characters.
fn pieces(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = max.min(rest.len()).max(1);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let end = if end == 0 {
            rest.chars().next().map_or(rest.len(), char::len_utf8)
        } else {
            end
        };
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

fn part_user(name: &str, id: &str, n: usize) -> String {
    format!("{name}/{id}/{n}")
}

impl KeyringStore {
    pub(super) fn entry(&self, name: &str) -> Result<Entry, StoreError> {
        self.entry_in(SERVICE, name, &format!("pancred profile {name}"))
    }

    fn entry_in(&self, service: &str, user: &str, label: &str) -> Result<Entry, StoreError> {
        let built = if self.backend == Backend::SecretService {
            // A label makes the item recognisable in seahorse and `secret-tool search`.
            let mods = HashMap::from([("label", label)]);
            Entry::new_in_store_with_modifiers(self.creds()?, service, user, &mods)
        } else {
            Entry::new_in_store(self.creds()?, service, user)
        };
        built.map_err(|e| StoreError::Backend(format!("cannot name the keyring entry {user}: {e}")))
    }

    fn part_entry(&self, name: &str, id: &str, n: usize) -> Result<Entry, StoreError> {
        let user = part_user(name, id, n);
        self.entry_in(
            PARTS_SERVICE,
            &user,
            &format!("pancred profile {name} part {n}"),
        )
    }

    pub(super) fn entry_location(&self, name: &str) -> String {
        format!(
            "{} entry service={SERVICE} user={name}",
            self.backend.describe()
        )
    }

    /// The profile's value, its parts put together when it was written in parts.
    pub(super) fn read_entry(&self, name: &str, what: &str) -> Result<Option<String>, StoreError> {
        let Some(text) = self.read_one(SERVICE, name, what)? else {
            return Ok(None);
        };
        let Some((id, count)) = envelope(&text) else {
            return Ok(Some(text));
        };
        let mut whole = String::new();
        for n in 0..count {
            let part = self.read_one(PARTS_SERVICE, &part_user(name, &id, n), what)?;
            let Some(part) = part else {
                return Err(StoreError::Corrupt {
                    location: self.entry_location(name),
                    what: format!(
                        "part {n} of {count} of the value is gone (removed by another program?)"
                    ),
                });
            };
            whole.push_str(&part);
        }
        Ok(Some(whole))
    }

    /// One entry's text: through the quick reader where there is one, else keyring-core.
    fn read_one(
        &self,
        service: &str,
        user: &str,
        what: &str,
    ) -> Result<Option<String>, StoreError> {
        #[cfg(target_os = "linux")]
        if let Some(reader) = &self.reader {
            let (reader, svc, usr) = (reader.clone(), service.to_string(), user.to_string());
            let bytes = backend::with_deadline(self.timeout, what, move || {
                reader.read(&HashMap::from([
                    ("service", svc.as_str()),
                    ("username", usr.as_str()),
                ]))
            })??;
            return bytes
                .map(|b| {
                    String::from_utf8(b).map_err(|_| StoreError::Corrupt {
                        location: self.entry_location(user_of(user)),
                        what: "the entry is not UTF-8 text (it was left as it is)".into(),
                    })
                })
                .transpose();
        }
        let entry = Entry::new_in_store(self.creds()?, service, user).map_err(|e| {
            StoreError::Backend(format!("cannot name the keyring entry {user}: {e}"))
        })?;
        backend::get(self.backend, entry, self.timeout, what)
    }

    /// Writes the profile's value (`None`: removes it), in parts when one entry cannot hold it.
    pub(super) fn write_entry(&self, name: &str, value: Option<String>) -> Result<(), StoreError> {
        let Some(value) = value else {
            self.delete_entry(name)?;
            return Ok(());
        };
        let what = format!("storing the secrets of profile '{name}'");
        if self.backend == Backend::KeyUtils && value.len() > KEYUTILS_VALUE_MAX {
            return Err(StoreError::Backend(format!(
                "{what}: they are {} bytes, more than the kernel keyring holds in one key \
                 ({KEYUTILS_VALUE_MAX} bytes; all of a user's keys together hold at most \
                 /proc/sys/kernel/keys/maxbytes): too large for it. Nothing was changed; keep \
                 this profile in the Secret Service (unset PANCRED_KEYRING) or another store",
                value.len()
            )));
        }
        let old = self.old_parts(name, &what)?;
        let limit = match self.set(self.entry(name)?, value.clone(), &what)? {
            Ok(()) => {
                self.delete_parts(name, old);
                return Ok(());
            }
            Err(limit) => limit,
        };
        // Half the limit: a limit on the UTF-16 encoding counts two bytes per character.
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        let parts = pieces(&value, (limit / 2).max(64));
        for (n, piece) in parts.iter().enumerate() {
            let written = self.set(self.part_entry(name, &id, n)?, piece.to_string(), &what)?;
            if written.is_err() {
                self.delete_parts(name, Some((id.clone(), n)));
                return Err(StoreError::Backend(format!(
                    "{what}: the keyring refused a part of {} bytes (its limit: {limit})",
                    piece.len()
                )));
            }
        }
        let envelope = json!({ENVELOPE_KEY: {"id": id, "count": parts.len()}}).to_string();
        if let Err(e) = self.set(self.entry(name)?, envelope, &what)? {
            self.delete_parts(name, Some((id, parts.len())));
            return Err(StoreError::Backend(format!(
                "{what}: the keyring refused even the envelope naming the parts (its limit: {e})"
            )));
        }
        self.delete_parts(name, old);
        Ok(())
    }

    /// Removes the profile's value and its parts; `Ok(false)` when there was none.
    pub(super) fn delete_entry(&self, name: &str) -> Result<bool, StoreError> {
        let what = format!("removing the secrets of profile '{name}'");
        let old = self.old_parts(name, &what)?;
        self.writes.fetch_add(1, Ordering::Relaxed);
        let had = backend::delete(self.backend, self.entry(name)?, self.timeout, &what)?;
        self.delete_parts(name, old);
        Ok(had)
    }

    /// The parts the profile's entry names now (read before it is replaced).
    fn old_parts(&self, name: &str, what: &str) -> Result<Option<(String, usize)>, StoreError> {
        match self.read_one(SERVICE, name, what) {
            Ok(text) => Ok(text.as_deref().and_then(envelope)),
            Err(e @ (StoreError::Unavailable(_) | StoreError::Io { .. })) => Err(e),
            Err(_) => Ok(None),
        }
    }

    /// Deletes parts no envelope names any more. Best effort: a stray part holds no value
    /// anyone reads.
    fn delete_parts(&self, name: &str, parts: Option<(String, usize)>) {
        let Some((id, count)) = parts else { return };
        for n in 0..count {
            if let Ok(entry) = self.part_entry(name, &id, n) {
                self.writes.fetch_add(1, Ordering::Relaxed);
                let _ = backend::delete(self.backend, entry, self.timeout, "removing a part");
            }
        }
    }

    /// One counted write; `Ok(Err(limit))` when the value is longer than one entry holds.
    fn set(
        &self,
        entry: Entry,
        value: String,
        what: &str,
    ) -> Result<Result<(), usize>, StoreError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        backend::set_within_limit(self.backend, entry, value, self.timeout, what)
    }

    /// Removes the profile's cached access token; called before every write of the profile.
    pub(super) fn forget_cached(&self, name: &str) -> Result<(), StoreError> {
        self.cache.as_ref().map_or(Ok(()), |c| c.forget(name))
    }

    /// Caches the profile's access token for the rest of its lifetime, when it has a known one.
    pub(super) fn cache_token(&self, profile: &Profile) {
        let (Some(cache), Some(token)) = (&self.cache, &profile.access_token) else {
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let Some(expiry) = crate::profile::expiry_of(token, Some(profile)) else {
            return;
        };
        if let Ok(lifetime @ 1..) = u64::try_from(expiry - now) {
            let copy = CachedToken {
                access_token: token.expose().to_string(),
                expires_at: profile.expires_at,
            };
            cache.put(&profile.profile, &copy, lifetime);
        }
    }
}

/// The profile a part's user names (`PROFILE/ID/N`), for messages.
#[cfg(target_os = "linux")]
fn user_of(user: &str) -> &str {
    user.rsplitn(3, '/').last().unwrap_or(user)
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_are_cut_between_characters_and_put_back_whole() {
        let text = "aé😀b".repeat(100);
        for max in [1, 2, 3, 5, 64] {
            let parts = pieces(&text, max);
            assert!(parts.iter().all(|p| p.len() <= max.max(4)), "max {max}");
            assert_eq!(parts.concat(), text);
        }
        assert!(pieces("", 10).is_empty());
    }
}
