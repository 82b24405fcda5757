//! The store checks: which store the configuration selects (and why, for `auto`), then each
//! store's own `diagnose`. A part this setup does not use is still reported, as a skip.

use super::Check;
use crate::files as fsutil;
use crate::store::{StoreConfig, StoreKind};
use std::path::Path;

/// Every store check, in the report's order.
pub fn stores(config: &StoreConfig) -> Vec<Check> {
    let (choice, file_in_use) = choice(config);
    let mut checks = vec![choice];
    #[cfg(feature = "keyring")]
    checks.extend(keyrings(config));
    let creds = config.credentials_path();
    checks.push(match creds {
        Ok(path) => private_file("credentials-file", &path, file_in_use),
        Err(e) => Check::skip("credentials-file", e.to_string()),
    });
    #[cfg(feature = "sqlite")]
    if config.kind == StoreKind::Sqlite {
        let path = config
            .sqlite_path
            .clone()
            .map_or_else(crate::store::sqlite::default_path, Ok);
        checks.push(match path {
            Ok(path) => private_file("sqlite-file", &path, true),
            Err(e) => Check::fail("sqlite-file", e.to_string(), "set PANCRED_SQLITE_PATH"),
        });
    }
    #[cfg(feature = "redis")]
    checks.extend(redis(config));
    #[cfg(feature = "memcached")]
    checks.push(memcached(config));
    checks.push(cached_answer(config));
    checks
}

/// Whether the small `pancred` answers a valid cached token from this store itself (the path
/// kubectl and git take on every request), asked of the very function it calls
/// ([`crate::store::open_cached`]).
fn cached_answer(config: &StoreConfig) -> Check {
    const NAME: &str = "cached-answer";
    match crate::store::open_cached(config) {
        Some(Ok(opened)) => Check::ok(
            NAME,
            format!(
                "`pancred` answers a valid cached token itself, from the {} store at {}",
                opened.store.kind(),
                opened.store.location()
            ),
        ),
        Some(Err(e)) => Check::skip(NAME, format!("the store did not open: {e}")),
        None => Check::ok(
            NAME,
            "`pancred` hands every command on this store (or this form of its URL) to \
             `pancred-full`: one more process start for each kubectl or git request (the stores \
             it reads itself are in docs/install.md)",
        ),
    }
}

/// The selected store, and whether it is the file store (chosen, or `auto`'s fallback).
fn choice(config: &StoreConfig) -> (Check, bool) {
    let name = StoreKind::ALL
        .iter()
        .find(|(_, k)| *k == config.kind)
        .map_or("?", |(n, _)| *n);
    if config.kind != StoreKind::Auto {
        let detail = format!("{name} (chosen by --store or PANCRED_STORE)");
        return (Check::ok("store", detail), config.kind == StoreKind::File);
    }
    let file = config
        .credentials_path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if config.is_file_store() {
        let why = if config.credentials_file.is_some() {
            "--credentials-file names a file"
        } else {
            "this build has no keyring"
        };
        let detail = format!("auto chose the file store {file} ({why})");
        return (Check::ok("store", detail), true);
    }
    #[cfg(feature = "keyring")]
    {
        use crate::store::keyring::{Backend, KeyringStore};
        let backend = Backend::chosen(config.keyring).describe();
        match KeyringStore::open(config.keyring) {
            Ok(_) => (
                Check::ok(
                    "store",
                    format!("auto chose the keyring: the {backend} answers and is unlocked"),
                ),
                false,
            ),
            Err(e) => (
                Check::warn(
                    "store",
                    format!(
                        "auto fell back to the file store {file}: no usable OS keyring ({})",
                        crate::text::safe_lines(&e.to_string())
                    ),
                    "make the keyring usable (see the keyring checks below), then run `pancred \
                     import` to move the profiles into it; or choose the file store on purpose: \
                     PANCRED_STORE=file",
                ),
                true,
            ),
        }
    }
    #[cfg(not(feature = "keyring"))]
    (
        Check::ok("store", format!("auto: the file store {file}")),
        true,
    )
}

/// The Secret Service and the kernel keyring; problems count only for the one in use.
#[cfg(feature = "keyring")]
fn keyrings(config: &StoreConfig) -> Vec<Check> {
    use crate::env::KeyringChoice;
    use crate::store::keyring::diagnose;
    // With `auto`, a keyring that fails is the cause of the fallback: its problems count.
    let wanted = match config.kind {
        StoreKind::Keyring => true,
        StoreKind::Auto => !config.is_file_store(),
        _ => false,
    };
    let not_used = "not used by this store";
    let mut checks = Vec::new();
    let ss = diagnose::secret_service();
    checks.push(
        if wanted && config.keyring == KeyringChoice::SecretService {
            ss
        } else {
            ss.unused(not_used)
        },
    );
    let ku = diagnose::keyutils();
    checks.push(if wanted && config.keyring == KeyringChoice::KeyUtils {
        ku
    } else {
        ku.unused("not used (PANCRED_KEYRING=keyutils selects it)")
    });
    checks
}

/// The owner's uid of this process (Linux: from /proc), to compare files' owners with.
fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .ok()
        .or_else(|| std::fs::metadata(fsutil::home_dir()?).ok())
        .map(|m| m.uid())
}

/// A file that holds secrets: it must be private to its owner, and owned by this user.
pub fn private_file(check: &str, path: &Path, in_use: bool) -> Check {
    use std::os::unix::fs::MetadataExt;
    let shown = crate::text::Safe(&path.display().to_string()).to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let what = format!("{shown} does not exist yet");
            return match in_use {
                true => Check::ok(check, format!("{what} (the first write creates it, 0600)")),
                false => Check::skip(check, what),
            };
        }
        Err(e) => return Check::fail(check, format!("{shown}: {e}"), "make it readable by you"),
    };
    let mode = meta.mode() & 0o7777;
    let mut check = match fsutil::readable_by_others(path) {
        Some(problem) => {
            let (detail, fix) = problem
                .split_once("; ")
                .map_or((problem.as_str(), ""), |(d, f)| (d, f));
            Check::fail(check, detail, fix)
        }
        None => Check::ok(check, format!("{shown}: mode {mode:04o}, private")),
    };
    if let Some(me) = own_uid().filter(|me| *me != meta.uid()) {
        check = Check::fail(
            &check.check,
            format!(
                "{shown} belongs to uid {}, not to you (uid {me})",
                meta.uid()
            ),
            format!("chown {me} {shown} (as root), or point pancred at a file of your own"),
        );
    }
    if in_use {
        check
    } else {
        // A file with secrets that nobody uses is still a file with secrets.
        match check.status {
            super::Status::Ok => Check::ok(
                &check.check,
                format!("{} (not the store in use)", check.detail),
            ),
            _ => check,
        }
    }
}

#[cfg(feature = "redis")]
fn redis(config: &StoreConfig) -> Vec<Check> {
    let in_use = config.kind == StoreKind::Redis;
    if config.redis_url.is_none() {
        let detail = "no Redis configured (PANCRED_REDIS_URL)";
        return match in_use {
            true => vec![Check::fail(
                "redis",
                detail,
                "set PANCRED_REDIS_URL or --redis-url",
            )],
            false => vec![Check::skip("redis", detail)],
        };
    }
    let found = crate::store::redis::diagnose(config.redis_url.as_deref(), &config.redis);
    if in_use {
        found
    } else {
        found
            .into_iter()
            .map(|c| c.unused("not the store in use"))
            .collect()
    }
}

#[cfg(feature = "memcached")]
fn memcached(config: &StoreConfig) -> Check {
    let in_use = config.kind == StoreKind::Memcached;
    if config.memcached_url.is_none() {
        let detail = "no memcached configured (PANCRED_MEMCACHED_URL)";
        return match in_use {
            true => Check::fail(
                "memcached",
                detail,
                "set PANCRED_MEMCACHED_URL or --memcached-url",
            ),
            false => Check::skip("memcached", detail),
        };
    }
    let found =
        crate::store::memcached::diagnose(config.memcached_url.as_deref(), &config.memcached);
    if in_use {
        found
    } else {
        found.unused("not the store in use")
    }
}
