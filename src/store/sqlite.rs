//! One SQLite database (bundled SQLite, WAL mode, mode 0600): a row per profile holding the same
//! JSON document as the file store, the default profile in a settings row.
//!
//! Every write is one transaction, so a reader sees a whole profile or none, and a rename moves
//! the row and the default pointer together. The refresh lock is an OS file lock beside the
//! database (like the file store's), which the kernel frees when a holder dies. A database that is
//! not pancred's, is corrupt, stays locked by another program past the timeout, or sits on a
//! read-only disk is reported and left as it was.

use super::{ProfileLock, Store, StoreError};
use crate::files::{ensure_private_dir, hex_name, lock_file, lock_path};
use crate::profile::Profile;
use file::{create_private, map_err, resolve_links};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The layout this code reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
PRAGMA user_version = 1;
";

/// `$XDG_DATA_HOME/pancred/credentials.sqlite3` (the platform's data folder elsewhere).
pub fn default_path() -> Result<PathBuf, StoreError> {
    let data = crate::files::xdg_dir("XDG_DATA_HOME", ".local/share").ok_or_else(|| {
        StoreError::Unavailable(
            "cannot find the data folder (set HOME or XDG_DATA_HOME, or pass --sqlite-path)".into(),
        )
    })?;
    Ok(data.join("pancred").join("credentials.sqlite3"))
}

pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    busy_timeout: Duration,
}

struct SqliteLock(#[allow(dead_code)] crate::files::FileLock);
impl ProfileLock for SqliteLock {}

impl SqliteStore {
    /// Opens (creating it 0600 in a 0700 folder if missing) the database at `path`; a write waits
    /// at most `busy_timeout` for another program's transaction.
    pub fn open(path: impl Into<PathBuf>, busy_timeout: Duration) -> Result<Self, StoreError> {
        let path = path.into();
        let shown = path.display().to_string();
        if let Some(dir) = path.parent() {
            ensure_private_dir(dir)?;
        }
        // SQLite follows a symbolic link to the file it opens: the file pancred creates private
        // is the one the link leads to (a dangling link would otherwise make SQLite create it
        // with the umask's mode), and the database is opened there.
        let real = resolve_links(&path);
        create_private(&real)?;
        let conn = Connection::open(&real).map_err(|e| map_err(&shown, e))?;
        conn.busy_timeout(busy_timeout)
            .map_err(|e| map_err(&shown, e))?;
        let store = SqliteStore {
            path,
            conn: Mutex::new(conn),
            busy_timeout,
        };
        store.prepare()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn wal_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push("-wal");
        PathBuf::from(name)
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // Every write is one transaction: a panic elsewhere cannot leave half of one behind.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        map_err(&self.shown(), e)
    }

    fn corrupt(&self, what: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            location: self.shown(),
            what: what.into(),
        }
    }

    /// WAL mode and the schema. A cached read costs one header read here; the schema is written
    /// only into an empty database, and a database of someone else's tables is refused.
    ///
    /// Many processes may open a new database at once: the layout is read again and written
    /// inside one write transaction, so exactly one of them creates the schema and the others
    /// find it (never "someone else's tables" in pancred's own fresh schema).
    fn prepare(&self) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version < SCHEMA_VERSION {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| self.err(e))?;
            let version: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            if version == 0 {
                // Refuse someone else's database before changing anything in it.
                self.refuse_foreign(&tx)?;
                tx.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
            }
            tx.commit().map_err(|e| self.err(e))?;
        }
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version != SCHEMA_VERSION {
            return Err(self.corrupt(format!(
                "the database has layout {version}, not the one this pancred reads ({SCHEMA_VERSION}); use a newer pancred"
            )));
        }
        self.wal(&conn)
    }

    fn refuse_foreign(&self, conn: &Connection) -> Result<(), StoreError> {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if tables > 0 {
            return Err(self.corrupt(
                "not a pancred database (it has other tables); it was left as it is: choose another --sqlite-path",
            ));
        }
        Ok(())
    }

    fn wal(&self, conn: &Connection) -> Result<(), StoreError> {
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        // The switch needs the database to itself: while other processes open it at the same
        // instant SQLite may answer "busy" at once, without waiting, so it is tried again
        // (briefly, with jitter) until the busy timeout.
        let deadline = std::time::Instant::now() + self.busy_timeout;
        let mode: String = loop {
            match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
                Err(e)
                    if matches!(
                        e.sqlite_error_code(),
                        Some(
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        )
                    ) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(rand::random_range(5..30)));
                }
                other => break other.map_err(|e| self.err(e))?,
            }
        };
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{}: cannot switch the database to WAL mode (it stayed in {mode} mode)",
                self.shown()
            )));
        }
        Ok(())
    }

    fn parse(&self, name: &str, doc: &str) -> Result<Profile, StoreError> {
        let value: serde_json::Value = serde_json::from_str(doc).map_err(|e| {
            self.corrupt(format!(
                "the row of profile '{name}' is not a JSON profile ({e}); it was left as it is"
            ))
        })?;
        let profile = Profile::from_json(value)
            .map_err(|e| self.corrupt(format!("the row of profile '{name}': {e}")))?;
        if profile.profile != name {
            return Err(self.corrupt(format!(
                "the row of profile '{name}' holds profile '{}'",
                profile.profile
            )));
        }
        Ok(profile)
    }

    /// Runs `f` in one write transaction (taken at once, so concurrent writers queue up rather
    /// than fail on upgrade); nothing is written unless all of it succeeds.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(out)
    }

    fn load_in(&self, conn: &Connection, name: &str) -> Result<Option<Profile>, StoreError> {
        let doc: Option<String> = conn
            .query_row(
                "SELECT doc FROM profiles WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        doc.map(|d| self.parse(name, &d)).transpose()
    }

    /// Renames a profile, its default mark with it, in one transaction: the profile is under
    /// exactly one of the two names at every moment. `Ok(false)` when `old` does not exist.
    pub fn rename_profile(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let doc: Option<String> = tx
                .query_row(
                    "SELECT doc FROM profiles WHERE name = ?1",
                    params![old],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            let Some(doc) = doc else {
                return Ok(false);
            };
            if old == new {
                return Ok(true);
            }
            let taken: i64 = tx
                .query_row(
                    "SELECT count(*) FROM profiles WHERE name = ?1",
                    params![new],
                    |r| r.get(0),
                )
                .map_err(|e| self.err(e))?;
            let mut profile = self.parse(old, &doc)?;
            profile.profile = new.to_string();
            if taken > 0 {
                // A copy of `old` under the new name (a rename cut short by an older pancred)
                // gives way; any other profile there is refused.
                let there = self.load_in(tx, new)?;
                if there.as_ref() != Some(&profile) {
                    return Err(StoreError::Backend(format!(
                        "cannot rename '{old}' to '{new}': a profile named '{new}' exists"
                    )));
                }
                tx.execute("DELETE FROM profiles WHERE name = ?1", params![new])
                    .map_err(|e| self.err(e))?;
            }
            let doc = encode(&profile)?;
            tx.execute(
                "UPDATE profiles SET name = ?2, doc = ?3 WHERE name = ?1",
                params![old, new, doc],
            )
            .and_then(|_| {
                tx.execute(
                    "UPDATE settings SET value = ?2 WHERE key = 'default_profile' AND value = ?1",
                    params![old, new],
                )
            })
            .map_err(|e| self.err(e))?;
            Ok(true)
        })
    }
}

fn encode(profile: &Profile) -> Result<String, StoreError> {
    serde_json::to_string(&profile.to_json())
        .map_err(|e| StoreError::Backend(format!("cannot encode the profile: {e}")))
}

impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn location(&self) -> String {
        self.shown()
    }

    /// A commit lands in the write-ahead log, a checkpoint in the database: both files tell.
    fn change_token(&self) -> Result<Option<u64>, StoreError> {
        let wal = self.wal_path();
        Ok(Some(super::change::file_stamp(&[&self.path, &wal])))
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        vec![self.path.clone(), self.wal_path()]
    }

    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        self.load_in(&self.conn(), name)
    }

    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        let rows: Vec<(String, String)> = {
            let conn = self.conn();
            let mut stmt = conn
                .prepare("SELECT name, doc FROM profiles ORDER BY id")
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| self.err(e))?
        };
        rows.iter().map(|(n, d)| self.parse(n, d)).collect()
    }

    fn upsert(&self, profile: &Profile) -> Result<(), StoreError> {
        super::check_name(&profile.profile, || {
            self.load(&profile.profile).map(|p| p.is_some())
        })?;
        let doc = encode(profile)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO profiles (name, doc) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET doc = excluded.doc",
                params![profile.profile, doc],
            )
            .map_err(|e| self.err(e))
        })?;
        Ok(())
    }

    fn remove(&self, name: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let removed = (|| {
                let n = tx.execute("DELETE FROM profiles WHERE name = ?1", params![name])?;
                if n > 0 {
                    tx.execute(
                        "DELETE FROM settings WHERE key = 'default_profile' AND value = ?1",
                        params![name],
                    )?;
                }
                Ok(n > 0)
            })();
            removed.map_err(|e| self.err(e))
        })
    }

    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row(
                "SELECT value FROM settings WHERE key = 'default_profile'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn set_default_profile(&self, name: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('default_profile', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![name],
            )
            .map_err(|e| self.err(e))
        })?;
        Ok(())
    }

    /// One transaction: the profile is under exactly one name at every moment.
    fn rename(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        self.rename_profile(old, new)
    }

    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError> {
        let path = lock_path(&self.path, &format!("refresh-{}", hex_name(name)));
        let lock = lock_file(
            &path,
            timeout,
            &format!("profile '{name}' in {}", self.shown()),
        )?;
        Ok(Box::new(SqliteLock(lock)))
    }
}

#[path = "sqlite_file.rs"]
mod file;
#[cfg(all(test, unix))]
#[path = "sqlite_tests.rs"]
mod tests;
