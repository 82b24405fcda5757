//! Files a past run left behind: rescue files (tokens a refresh could not store, waiting to be
//! applied) and refresh or write locks that some process still holds.

use super::Check;
use crate::files::{lock_file, lock_path};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The rescue folder's files, and the held locks beside each data file in `data_files`.
pub fn leftovers(rescue_dir: Option<&Path>, data_files: &[PathBuf]) -> Vec<Check> {
    vec![rescues(rescue_dir), locks(data_files)]
}

fn rescues(dir: Option<&Path>) -> Check {
    const NAME: &str = "rescue-files";
    let Some(dir) = dir else {
        return Check::skip(NAME, "no state folder (HOME is not set)");
    };
    let shown = crate::text::Safe(&dir.display().to_string()).to_string();
    let mut profiles: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter_map(|n| Some(profile_of(n.strip_suffix(".json")?)))
            .collect(),
        Err(_) => return Check::ok(NAME, format!("none ({shown} does not exist)")),
    };
    if profiles.is_empty() {
        return Check::ok(NAME, format!("none in {shown}"));
    }
    profiles.sort();
    Check::warn(
        NAME,
        format!(
            "{} rescue file(s) in {shown}, for: {}; they hold tokens a refresh could not store",
            profiles.len(),
            profiles.join(", ")
        ),
        "run `pancred --profile NAME token` for each (with the store it used): pancred applies a \
         rescue file to the store, and removes it, as soon as the store answers",
    )
}

/// The profile a rescue file is for (`{store id}-{hex of the name}`), as far as it can be told.
fn profile_of(stem: &str) -> String {
    let hex = stem.split_once('-').map_or("", |(_, h)| h);
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    match bytes.and_then(|b| String::from_utf8(b).ok()) {
        Some(name) if !name.is_empty() => format!("'{}'", crate::text::Safe(&name)),
        _ => "a profile with a long name".into(),
    }
}

fn locks(data_files: &[PathBuf]) -> Check {
    const NAME: &str = "locks";
    let mut held = Vec::new();
    for data in data_files {
        let Some(dir) = lock_path(data, "x").parent().map(Path::to_path_buf) else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for lock in entries.flatten().map(|e| e.path()) {
            if lock.extension().is_some_and(|e| e == "lock")
                && lock_file(&lock, Duration::ZERO, "doctor").is_err()
            {
                held.push(crate::text::Safe(&lock.display().to_string()).to_string());
            }
        }
    }
    if held.is_empty() {
        return Check::ok(NAME, "no lock is held");
    }
    Check::warn(
        NAME,
        format!("held by a running process: {}", held.join(", ")),
        "a pancred (or a program using its engine) holds it: let it finish, or end it; the lock \
         goes with the process",
    )
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the tests make the leftovers they look for
mod tests {
    use super::*;
    use crate::diagnose::Status;

    #[test]
    fn rescue_files_are_named_by_profile() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(rescues(Some(dir.path())).status, Status::Ok);
        let name = crate::files::hex_name("work");
        std::fs::write(dir.path().join(format!("0123abcd-{name}.json")), "{}").unwrap();
        let c = rescues(Some(dir.path()));
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.contains("'work'"), "{}", c.detail);
    }

    #[test]
    fn a_held_lock_is_reported_and_a_free_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("credentials.json");
        let path = lock_path(&data, "refresh-x");
        let held = lock_file(&path, Duration::ZERO, "test").unwrap();
        // The same process holds it on another open file: flock counts it as taken.
        assert_eq!(locks(std::slice::from_ref(&data)).status, Status::Warn);
        drop(held);
        assert_eq!(locks(&[data]).status, Status::Ok);
    }
}
