//! Where `exec --serve` keeps what it serves: a private folder for its socket, the socket itself,
//! the token file kept fresh, and the watcher that removes them should pancred be killed.

use super::serve::random_text;
use crate::engine::Engine;
use crate::files;
use crate::Error;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A fresh 0700 folder for this run's socket, under `$XDG_RUNTIME_DIR/pancred/` (itself 0700 and
/// the user's own: a folder others can write is refused, as the credentials file's rule says).
pub(super) fn private_run_dir() -> Result<PathBuf, Error> {
    let base = crate::endpoints::dir();
    files::ensure_private_dir(&base)?;
    if let Some(why) = files::readable_by_others(&base) {
        return Err(Error::Usage(format!(
            "not serving tokens from a folder others can reach: {why}"
        )));
    }
    let dir = base.join(format!(
        "serve-{}-{}",
        std::process::id(),
        &random_text()[..12]
    ));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(&dir)
        .map_err(|e| Error::Other(format!("cannot make {}: {e}", dir.display())))?;
    Ok(dir)
}

#[cfg(unix)]
pub(super) fn bind_unix(path: &Path) -> Result<tokio::net::UnixListener, Error> {
    use std::os::unix::fs::PermissionsExt;
    let listener = tokio::net::UnixListener::bind(path)
        .map_err(|e| Error::Other(format!("cannot listen on {}: {e}", path.display())))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::Other(format!("cannot make {} private: {e}", path.display())))?;
    Ok(listener)
}

/// Removes `files` and `dir` when this process is gone, however it ends (SIGKILL too): a shell
/// that waits for the end of a pipe only this process holds. `None` when it cannot be started
/// (the files are still removed on a normal end).
#[cfg(unix)]
pub(super) fn watch_for_death(
    files: &[&Path],
    token_file: Option<&Path>,
    dir: &Path,
) -> Option<std::process::Child> {
    use std::os::unix::process::CommandExt;
    let mut args: Vec<OsString> = files.iter().map(|f| f.as_os_str().to_os_string()).collect();
    if let Some(t) = token_file {
        args.push(t.as_os_str().to_os_string());
    }
    std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(r#"dir=$1; shift; cat >/dev/null; rm -f -- "$@"; rmdir -- "$dir" 2>/dev/null; exit 0"#)
        .arg("pancred-serve-cleanup")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        // Its own process group: Ctrl-C and a closed terminal do not end it before pancred.
        .process_group(0)
        .spawn()
        .ok()
}

/// Writes a fresh token to `path` (0600, atomically); returns its expiry.
// The command's own token file, not a store: written the way every secret file is.
#[allow(clippy::disallowed_methods)]
pub(super) async fn write_token_file(
    engine: &Engine,
    profile: &str,
    path: &Path,
) -> Result<Option<i64>, Error> {
    let (token, expiry) = engine.fresh_access_token_with_expiry(profile).await?;
    let mut bytes = token.expose().as_bytes().to_vec();
    bytes.push(b'\n');
    files::write_atomic(path, &bytes)?;
    Ok(expiry)
}

/// Rewrites the token file before each expiry (at the leeway), or every minute when the expiry is
/// unknown; a failure is retried after a short wait (the file keeps the last good token).
pub(super) async fn keep_file_fresh(
    engine: Engine,
    profile: String,
    path: PathBuf,
    mut expiry: Option<i64>,
) {
    loop {
        let now = engine.clock().now();
        let wait = match expiry {
            Some(exp) => (exp - engine.leeway() - now).clamp(1, 3600),
            None => 60,
        };
        tokio::time::sleep(Duration::from_secs(wait.unsigned_abs())).await;
        match write_token_file(&engine, &profile, &path).await {
            Ok(e) => expiry = e,
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}
