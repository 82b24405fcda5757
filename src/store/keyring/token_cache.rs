//! The access-token cache in the kernel keyring, for the cached `pancred token` path.
//!
//! The Secret Service costs a D-Bus connection and four round trips per process; kubectl and git
//! start one process per request. So the keyring store keeps a second copy of each profile's
//! ACCESS TOKEN (never a refresh token or a client secret) in the kernel's user keyring (`@u`):
//! reading it is two system calls. The copy:
//!
//! - lives in the user keyring, which every process of this user on this machine shares (every
//!   login session, `keyctl session` or not), so a write in any session (a revoke in an ssh
//!   session, a refresh in the TUI) updates or removes the one copy every session reads; the
//!   kernel keeps it in memory only, and drops it at the token's expiry (the key's timeout) or
//!   when the user's last process ends;
//! - is readable by this user only (possessor and user permissions; nothing for group or others:
//!   another user cannot even find it);
//! - is named by the store (a hash of its `profiles.json` path) and the profile, so two stores'
//!   or two configurations' copies never mix;
//! - records the expiry `profiles.json` gave the token; a reader that finds another expiry
//!   there (a write by a pancred that knew nothing of this cache) ignores the copy;
//! - is written by [`super::KeyringStore`] in the same call that writes the Secret Service, and
//!   removed BEFORE that write, so a revoked or replaced token is never served from it.
//!
//! Where the kernel keyring cannot be used (a container's seccomp profile, the user's key quota
//! `/proc/sys/kernel/keys/maxbytes` full, a token larger than a key holds), nothing is cached and
//! every read goes to the Secret Service: the cache only ever makes answers faster.

use std::path::Path;

/// The copy of one profile's access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    pub access_token: String,
    /// `profiles.json`'s `expires_at` when the copy was written.
    pub expires_at: Option<i64>,
}

/// One store's copies (see the module's documentation).
#[derive(Debug, Clone)]
pub struct TokenCache {
    prefix: String,
}

impl TokenCache {
    /// The cache of the keyring store whose settings are in `meta_path`.
    pub fn for_store(meta_path: &Path) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(meta_path.as_os_str().as_encoded_bytes());
        let id: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        TokenCache {
            prefix: format!("pancred:access_token:{id}:"),
        }
    }

    pub(super) fn description(&self, profile: &str) -> String {
        format!("{}{profile}", self.prefix)
    }
}

#[cfg(target_os = "linux")]
mod kernel {
    use super::{CachedToken, TokenCache};
    use crate::store::StoreError;
    use linux_keyutils::{KeyError, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};

    fn user_keyring() -> Option<KeyRing> {
        KeyRing::from_special_id(KeyRingIdentifier::User, false).ok()
    }

    impl TokenCache {
        /// The profile's cached token; `None` when there is none (or no kernel keyring here).
        pub fn get(&self, profile: &str) -> Option<CachedToken> {
            let key = user_keyring()?.search(&self.description(profile)).ok()?;
            let bytes = key.read_to_vec().ok()?;
            let doc: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            Some(CachedToken {
                access_token: doc.get("access_token")?.as_str()?.to_string(),
                expires_at: doc.get("expires_at")?.as_i64(),
            })
        }

        /// Caches `token` for `lifetime_secs`. Best effort: a cache that cannot take it (quota,
        /// size, no kernel keyring) simply has no copy, and readers ask the Secret Service.
        pub fn put(&self, profile: &str, token: &CachedToken, lifetime_secs: u64) {
            let doc = serde_json::json!({
                "access_token": token.access_token,
                "expires_at": token.expires_at,
            });
            let (Some(user), Ok(staging)) = (
                user_keyring(),
                KeyRing::from_special_id(KeyRingIdentifier::Thread, true),
            ) else {
                return;
            };
            // Made in this thread's own keyring first, where this process possesses it, so that
            // its permissions and timeout can be set before any other process can find it; then
            // linked into the user keyring, which replaces the previous copy in one step.
            let description = self.description(profile);
            let Ok(key) = staging.add_key(&description, doc.to_string().as_bytes()) else {
                return;
            };
            let own = || {
                Permission::VIEW
                    | Permission::READ
                    | Permission::WRITE
                    | Permission::SEARCH
                    | Permission::SETATTR
            };
            let perms = KeyPermissionsBuilder::builder()
                .posessor(own() | Permission::LINK)
                .user(own())
                .build();
            let ready = key.set_perms(perms).is_ok()
                && key
                    .set_timeout(usize::try_from(lifetime_secs).unwrap_or(usize::MAX))
                    .is_ok();
            if ready {
                let _ = user.link_key(key);
            }
            let _ = staging.unlink_key(key);
            if !ready {
                let _ = key.invalidate();
            }
        }

        /// Removes the profile's copy. An error only when a copy exists and could not be
        /// removed: the write that called it must not go on, or the copy would outlive it.
        pub fn forget(&self, profile: &str) -> Result<(), StoreError> {
            let Some(user) = user_keyring() else {
                return Ok(());
            };
            let key = match user.search(&self.description(profile)) {
                Ok(k) => k,
                // No copy this process can find: none that the readers here could find either.
                Err(_) => return Ok(()),
            };
            match key.invalidate() {
                Ok(())
                | Err(KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired) => {
                    Ok(())
                }
                Err(first) => user.unlink_key(key).map_err(|_| {
                    StoreError::Backend(format!(
                        "cannot remove the cached access token of profile '{profile}' from the \
                         kernel keyring ({first:?}); remove it with `keyctl purge user {}`",
                        self.description(profile)
                    ))
                }),
            }
        }
    }
}

/// Elsewhere there is no kernel keyring: no copy is ever made.
#[cfg(not(target_os = "linux"))]
impl TokenCache {
    pub fn get(&self, _profile: &str) -> Option<CachedToken> {
        None
    }
    pub fn put(&self, _profile: &str, _token: &CachedToken, _lifetime_secs: u64) {}
    pub fn forget(&self, _profile: &str) -> Result<(), crate::store::StoreError> {
        Ok(())
    }
}
