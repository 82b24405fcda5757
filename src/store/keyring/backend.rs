//! Opening the OS keyring (keyring-core with one platform store) and calling it with a deadline.
//!
//! Keyring calls are synchronous and may block on D-Bus (a Secret Service that does not answer,
//! an unlock prompt nobody sees). Each call runs on a short-lived thread and is abandoned after a
//! deadline, so a broken keyring costs a clear error instead of a hung command. Async callers
//! still go through `spawn_blocking`: these calls block the calling thread until they return.

use crate::store::StoreError;
use keyring_core::{CredentialStore, Entry};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// How long opening the keyring may take before `auto` falls back to the file store.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one keyring call may take (an unlock prompt on a desktop counts against it).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Which platform store holds the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The freedesktop Secret Service (gnome-keyring, KeePassXC, KWallet) over D-Bus.
    SecretService,
    /// The Linux kernel's keyutils keyring (`PANCRED_KEYRING=keyutils`): memory only, lost at reboot.
    KeyUtils,
    /// The system's own keyring elsewhere: the macOS login Keychain, the Windows Credential Manager.
    Native,
    /// keyring-core's in-process mock (tests).
    Mock,
}

impl Backend {
    /// The backend `PANCRED_KEYRING` chooses on Linux (the Secret Service by default, or the
    /// kernel keyring); the system keyring on macOS and Windows.
    pub fn chosen(choice: crate::env::KeyringChoice) -> Self {
        if cfg!(any(target_os = "macos", target_os = "windows")) {
            return Backend::Native;
        }
        match choice {
            crate::env::KeyringChoice::SecretService => Backend::SecretService,
            crate::env::KeyringChoice::KeyUtils => Backend::KeyUtils,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Backend::SecretService => "Secret Service",
            Backend::KeyUtils => "kernel keyring (keyutils)",
            Backend::Native if cfg!(target_os = "windows") => "Windows Credential Manager",
            Backend::Native => "macOS Keychain",
            Backend::Mock => "mock keyring",
        }
    }

    /// Connects to the platform store, giving up after `timeout`.
    pub fn connect(self, timeout: Duration) -> Result<Arc<CredentialStore>, StoreError> {
        if self == Backend::Mock {
            let store: Arc<CredentialStore> =
                keyring_core::mock::Store::new().map_err(|e| unavailable(self, &e))?;
            return Ok(store);
        }
        let what = format!("connecting to the {}", self.describe());
        with_deadline(timeout, &what, move || platform::connect(self))?
            .map_err(|e| unavailable(self, &e))
    }
}

/// Runs `f` on its own thread and waits at most `timeout` for it.
pub fn with_deadline<T: Send + 'static>(
    timeout: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("pancred-keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| StoreError::Backend(format!("{what}: cannot start a thread: {e}")))?;
    rx.recv_timeout(timeout).map_err(|_| {
        StoreError::Unavailable(format!(
            "the OS keyring did not answer within {}s while {what}; it may be locked \
             (unlock it, e.g. log in to the desktop or run `gnome-keyring-daemon --unlock`) or stuck",
            timeout.as_secs_f32()
        ))
    })
}

/// Reads an entry's value; `Ok(None)` when there is none.
pub fn get(
    backend: Backend,
    entry: Entry,
    timeout: Duration,
    what: &str,
) -> Result<Option<String>, StoreError> {
    match with_deadline(timeout, what, move || entry.get_password())? {
        Ok(v) => Ok(Some(v)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(call_error(backend, what, &e)),
    }
}

/// Writes an entry's value; `Ok(Err(limit))` when the keyring says the value is longer than one
/// entry holds (keyring-core's `TooLong`, with the limit).
pub fn set_within_limit(
    backend: Backend,
    entry: Entry,
    value: String,
    timeout: Duration,
    what: &str,
) -> Result<Result<(), usize>, StoreError> {
    match with_deadline(timeout, what, move || entry.set_password(&value))? {
        Ok(()) => Ok(Ok(())),
        Err(keyring_core::Error::TooLong(_, limit)) => Ok(Err(limit as usize)),
        Err(e) => Err(call_error(backend, what, &e)),
    }
}

/// Deletes an entry; `Ok(false)` when there was none.
pub fn delete(
    backend: Backend,
    entry: Entry,
    timeout: Duration,
    what: &str,
) -> Result<bool, StoreError> {
    match with_deadline(timeout, what, move || entry.delete_credential())? {
        Ok(()) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(e) => Err(call_error(backend, what, &e)),
    }
}

/// keyring-core's errors in words. Never prints the raw bytes some variants carry (they may be
/// a secret).
fn describe_error(backend: Backend, e: &keyring_core::Error) -> String {
    use keyring_core::Error as K;
    let kr = backend.describe();
    match e {
        K::NoStorageAccess(inner) => format!("the {kr} refused access ({inner}); unlock it"),
        K::PlatformFailure(inner) => format!("the {kr} failed: {inner}"),
        K::BadEncoding(_) => format!("the {kr} entry is not UTF-8 text"),
        K::BadDataFormat(..) | K::BadStoreFormat(_) => format!("the {kr} holds malformed data"),
        K::Ambiguous(items) => format!(
            "{} items in the {kr} match this entry; remove the extra ones (e.g. with secret-tool or seahorse)",
            items.len()
        ),
        K::NoEntry => format!("no such entry in the {kr}"),
        K::TooLong(what, limit) => format!("{what} is longer than the {kr} allows ({limit})"),
        K::Invalid(what, why) if backend == Backend::KeyUtils => format!(
            "invalid {what} for the {kr}: {why} (too large for the user's key quota, \
             /proc/sys/kernel/keys/maxbytes?)"
        ),
        K::Invalid(what, why) => format!("invalid {what} for the {kr}: {why}"),
        K::NoDefaultStore => format!("the {kr} is not set up"),
        K::NotSupportedByStore(why) => format!("the {kr} cannot do this: {why}"),
        _ => format!("the {kr} failed"),
    }
}

fn unavailable(backend: Backend, e: &keyring_core::Error) -> StoreError {
    StoreError::Unavailable(describe_error(backend, e))
}

fn call_error(backend: Backend, what: &str, e: &keyring_core::Error) -> StoreError {
    use keyring_core::Error as K;
    let text = format!("{what}: {}", describe_error(backend, e));
    match e {
        K::NoStorageAccess(_) => StoreError::Unavailable(text),
        K::BadEncoding(_) | K::BadDataFormat(..) | K::BadStoreFormat(_) | K::Ambiguous(_) => {
            StoreError::Corrupt {
                location: backend.describe().to_string(),
                what: text,
            }
        }
        _ => StoreError::Backend(text),
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::Backend;
    use keyring_core::CredentialStore;
    use std::sync::Arc;

    pub fn connect(backend: Backend) -> keyring_core::Result<Arc<CredentialStore>> {
        Ok(match backend {
            Backend::SecretService => {
                // Both connections cost a few round trips; make them side by side.
                let lock_check = std::thread::spawn(refuse_locked);
                let store = zbus_secret_service_keyring_store::Store::new()?;
                lock_check.join().unwrap_or_else(|_| {
                    Err(keyring_core::Error::PlatformFailure(
                        "checking whether the keyring is locked failed".into(),
                    ))
                })?;
                store
            }
            Backend::KeyUtils => linux_keyutils_keyring_store::Store::new()?,
            Backend::Mock => keyring_core::mock::Store::new()?,
            Backend::Native => {
                return Err(keyring_core::Error::NotSupportedByStore(
                    "there is no native keyring on Linux: use the Secret Service or keyutils"
                        .into(),
                ))
            }
        })
    }

    /// A locked default collection would make the first read wait on an unlock prompt that a
    /// headless session never shows; report it now instead.
    fn refuse_locked() -> keyring_core::Result<()> {
        use secret_service::blocking::SecretService;
        use secret_service::EncryptionType;
        let fail = |e: secret_service::Error| keyring_core::Error::PlatformFailure(Box::new(e));
        let ss = SecretService::connect(EncryptionType::Plain).map_err(fail)?;
        let locked = ss
            .get_default_collection()
            .and_then(|c| c.is_locked())
            .map_err(fail)?;
        if locked {
            return Err(keyring_core::Error::NoStorageAccess(
                "its default collection is locked".into(),
            ));
        }
        Ok(())
    }
}

/// macOS and Windows: keyring-core's native store, as in the crates' own examples. Built and run
/// only on those systems (see the README for what has been verified where).
#[cfg(any(target_os = "macos", target_os = "windows"))]
mod platform {
    use super::Backend;
    use keyring_core::CredentialStore;
    use std::sync::Arc;

    pub fn connect(backend: Backend) -> keyring_core::Result<Arc<CredentialStore>> {
        match backend {
            Backend::Mock => Ok(keyring_core::mock::Store::new()?),
            #[cfg(target_os = "macos")]
            Backend::Native => Ok(apple_native_keyring_store::keychain::Store::new()?),
            #[cfg(target_os = "windows")]
            Backend::Native => Ok(windows_native_keyring_store::Store::new()?),
            _ => Err(keyring_core::Error::NotSupportedByStore(
                "only the system keyring is available on this operating system".into(),
            )),
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod platform {
    use super::Backend;
    use keyring_core::CredentialStore;
    use std::sync::Arc;

    pub fn connect(backend: Backend) -> keyring_core::Result<Arc<CredentialStore>> {
        match backend {
            Backend::Mock => Ok(keyring_core::mock::Store::new()?),
            _ => Err(keyring_core::Error::NotSupportedByStore(
                "this build of pancred has no keyring for this operating system; use --store file"
                    .into(),
            )),
        }
    }
}

/// The kernel keyring needs a session keyring of this login's own (`keyctl session`, or one a
/// login made with pam_keyinit). Without one the kernel falls back to the user's default
/// session keyring, shared by every process of the user and outliving any session: secrets would
/// land there (and in the persistent keyring) and be read back inconsistently. Refused, saying
/// where secrets would live and how to get a session.
#[cfg(target_os = "linux")]
pub fn own_session_keyring() -> Result<(), StoreError> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let advice = "run pancred inside a session keyring (`keyctl session - CMD`, or a login \
                  session that makes one); its secrets then live in kernel memory until that \
                  session ends or the machine restarts";
    let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false).map_err(|e| {
        StoreError::Unavailable(format!(
            "the kernel keyring (keyutils) has no session keyring here ({e}); {advice}"
        ))
    })?;
    let description = session
        .metadata()
        .map(|m| m.get_description().to_string())
        .unwrap_or_default();
    if description.starts_with("_uid_ses.") {
        return Err(StoreError::Unavailable(format!(
            "PANCRED_KEYRING=keyutils: this process has only the user's default session keyring \
             ({description}), shared by all of the user's processes and kept past logout; {advice}"
        )));
    }
    Ok(())
}
