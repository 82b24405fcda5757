//! pancloud's credentials file: a TinyDB database whose table `profiles` holds one document per
//! profile. pancloud 1.5.1 reads what this writes and the other way round.
//!
//! Every read-modify-write holds a cross-process file lock and replaces the file atomically; a file
//! that is not a TinyDB database of profiles is reported and never overwritten.

use super::tinydb::modify_json_file;
use super::{ProfileLock, Store, StoreError};
use crate::files::{hex_name, lock_file, lock_path, read_regular, MAX_DATA_FILE};
use crate::profile::Profile;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const TABLE: &str = "profiles";
/// pancred's own settings (the default profile) live in a table of their own; pancloud never reads it.
pub const SETTINGS_TABLE: &str = "pancred";

/// `~/.config/pancloud/credentials.json`, pancloud's own place (`PAN_CREDENTIALS_DBFILE` is read
/// with the other settings: see [`super::StoreConfig::credentials_path`]).
pub fn default_path() -> Result<PathBuf, StoreError> {
    let home = crate::files::home_dir().ok_or_else(|| {
        StoreError::Unavailable(
            "cannot find the home folder (set HOME, or pass --credentials-file)".into(),
        )
    })?;
    Ok(home
        .join(".config")
        .join("pancloud")
        .join("credentials.json"))
}

#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

/// The parsed file: every table as found, so that a rewrite keeps what others stored.
struct Db {
    root: Map<String, Value>,
}

impl FileStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn corrupt(&self, what: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            location: self.path.display().to_string(),
            what: what.into(),
        }
    }

    fn read(&self) -> Result<Db, StoreError> {
        self.read_documents().map(|(db, _)| db)
    }

    /// The parsed file and its profiles, every document checked (and parsed once).
    fn read_documents(&self) -> Result<(Db, Vec<(DocId, Profile)>), StoreError> {
        let Some(bytes) = read_regular(&self.path, MAX_DATA_FILE)? else {
            return Ok((Db { root: Map::new() }, Vec::new()));
        };
        // pancloud and pancred never leave an empty file (a new store is `{"profiles": {}}`), but
        // TinyDB's own non-atomic write does when interrupted: say so rather than start afresh.
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(self.corrupt(
                "the file is empty, probably cut short by an interrupted write; restore it from a backup, or remove it to start afresh",
            ));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            self.corrupt(format!(
                "not valid JSON ({e}); the file was left as it is: repair it, or move it away to start afresh"
            ))
        })?;
        let Value::Object(root) = value else {
            return Err(self
                .corrupt("not a TinyDB database: the top level must be a JSON object of tables"));
        };
        let db = Db { root };
        // Validate every document now, so no later write can build on a file it misread.
        let docs = self.documents(&db)?;
        Ok((db, docs))
    }

    /// The documents of the profiles table in TinyDB id order, each parsed.
    fn documents(&self, db: &Db) -> Result<Vec<(DocId, Profile)>, StoreError> {
        let table = match db.root.get(TABLE) {
            None => return Ok(Vec::new()),
            Some(Value::Object(t)) => t,
            Some(_) => {
                return Err(self.corrupt(format!(
                    "table \"{TABLE}\" is not a JSON object of documents"
                )))
            }
        };
        let mut docs = Vec::with_capacity(table.len());
        for (id, doc) in table {
            let n: DocId = id.parse().map_err(|_| {
                self.corrupt(format!(
                    "document id \"{id}\" in \"{TABLE}\" is not a number"
                ))
            })?;
            if !doc.is_object() {
                return Err(
                    self.corrupt(format!("document {id} in \"{TABLE}\" is not a JSON object"))
                );
            }
            let profile = Profile::from_json(doc.clone())
                .map_err(|e| self.corrupt(format!("document {id} in \"{TABLE}\": {e}")))?;
            docs.push((n, profile));
        }
        docs.sort_by_key(|(n, _)| *n);
        Ok(docs)
    }

    /// Runs `f` on the parsed file under the write lock and writes the result if `f` says it changed.
    fn modify<T>(
        &self,
        f: impl FnOnce(&mut Db) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        modify_json_file(&self.path, || self.read(), f, |db| Value::Object(db.root))
    }

    /// Profile names with more than one document (TinyDB's `get` returns the first, so the
    /// others are shadowed). Empty when the file cannot be read: reading reports that.
    pub fn shadowed_duplicates(&self) -> Vec<String> {
        let Ok(db) = self.read() else {
            return Vec::new();
        };
        let Ok(docs) = self.documents(&db) else {
            return Vec::new();
        };
        let mut seen = std::collections::HashSet::new();
        docs.into_iter()
            .filter(|(_, p)| !seen.insert(p.profile.clone()))
            .map(|(_, p)| p.profile)
            .collect()
    }

    fn table_mut<'a>(db: &'a mut Db, name: &str) -> Result<&'a mut Map<String, Value>, StoreError> {
        let entry = db
            .root
            .entry(name.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        entry
            .as_object_mut()
            .ok_or_else(|| StoreError::Backend(format!("table \"{name}\" is not an object")))
    }

    /// The profile named `name`, else the default profile, else `default`, from one read of the
    /// file: the name chosen and the profile as stored, if it exists. (The answers of
    /// [`Store::default_profile`] and [`Store::load`], for a caller that needs both at once.)
    pub fn load_selected(
        &self,
        name: Option<String>,
    ) -> Result<(String, Option<Profile>), StoreError> {
        let (db, docs) = self.read_documents()?;
        let name = name
            .or_else(|| default_of(&db))
            .unwrap_or_else(|| crate::profile::DEFAULT_PROFILE.to_string());
        let profile = named(docs, &name);
        Ok((name, profile))
    }

    fn settings(db: &Db) -> Option<&Map<String, Value>> {
        db.root
            .get(SETTINGS_TABLE)?
            .as_object()?
            .get("1")?
            .as_object()
    }
}

/// The credentials file, read-only: what a face may do with it. (`pancred`'s small executable
/// reads through this concrete type, so that it links the file's read and none of its writes.)
#[derive(Debug, Clone)]
pub struct FileView(FileStore);

impl FileView {
    pub fn open(path: impl Into<PathBuf>) -> Self {
        FileView(FileStore::new(path))
    }

    /// See [`FileStore::load_selected`].
    pub fn load_selected(
        &self,
        name: Option<String>,
    ) -> Result<(String, Option<Profile>), StoreError> {
        self.0.load_selected(name)
    }
}

/// The profile called `name`: the first document of that name, as TinyDB's `get` answers.
fn named(docs: Vec<(DocId, Profile)>, name: &str) -> Option<Profile> {
    docs.into_iter().map(|(_, p)| p).find(|p| p.profile == name)
}

/// The default profile's name in the settings table.
fn default_of(db: &Db) -> Option<String> {
    FileStore::settings(db)
        .and_then(|s| s.get("default_profile"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// TinyDB's document ids: Python integers, in practice below 2^64; u128 leaves room for the
/// next id after `u64::MAX` (Python's `max + 1`) without overflow.
type DocId = u128;

/// TinyDB's next id: one more than the largest.
fn next_id(table: &Map<String, Value>) -> Option<DocId> {
    table
        .keys()
        .filter_map(|k| k.parse::<DocId>().ok())
        .max()
        .unwrap_or(0)
        .checked_add(1)
}

struct FileProfileLock(#[allow(dead_code)] crate::files::FileLock);
impl ProfileLock for FileProfileLock {}

impl Store for FileStore {
    fn kind(&self) -> &'static str {
        "file"
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    /// Every write replaces the file (a new inode), so its metadata tells.
    fn change_token(&self) -> Result<Option<u64>, StoreError> {
        Ok(Some(super::change::file_stamp(&[&self.path])))
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        vec![self.path.clone()]
    }

    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        let (_, docs) = self.read_documents()?;
        Ok(named(docs, name))
    }

    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        let db = self.read()?;
        let mut seen = std::collections::HashSet::new();
        // TinyDB's get() returns the first match, so a duplicate document is shadowed.
        Ok(self
            .documents(&db)?
            .into_iter()
            .map(|(_, p)| p)
            .filter(|p| seen.insert(p.profile.clone()))
            .collect())
    }

    fn upsert(&self, profile: &Profile) -> Result<(), StoreError> {
        let doc = profile.to_json();
        self.modify(|db| {
            let table = Self::table_mut(db, TABLE)?;
            // Only the document that is read (the first of that name, as TinyDB's get() and
            // `load` pick it): a shadowed duplicate is left as it was, tokens and all.
            let first: Option<String> = table
                .iter()
                .filter(|(_, d)| d.get("profile").and_then(Value::as_str) == Some(&profile.profile))
                .min_by_key(|(id, _)| id.parse::<DocId>().unwrap_or(DocId::MAX))
                .map(|(id, _)| id.clone());
            super::check_name(&profile.profile, || Ok(first.is_some()))?;
            let Some(id) = first else {
                let id = next_id(table).ok_or_else(|| {
                    StoreError::Backend(format!(
                        "table \"{TABLE}\" has no document id left after the largest one"
                    ))
                })?;
                table.insert(id.to_string(), doc);
                return Ok(((), true));
            };
            table.insert(id, doc);
            Ok(((), true))
        })
    }

    fn remove(&self, name: &str) -> Result<bool, StoreError> {
        self.modify(|db| {
            let table = Self::table_mut(db, TABLE)?;
            let before = table.len();
            table.retain(|_, d| d.get("profile").and_then(Value::as_str) != Some(name));
            let removed = table.len() != before;
            if removed
                && Self::settings(db)
                    .and_then(|s| s.get("default_profile"))
                    .and_then(Value::as_str)
                    == Some(name)
            {
                db.root.remove(SETTINGS_TABLE);
            }
            Ok((removed, removed))
        })
    }

    /// One atomic rewrite: the documents renamed, a stale copy under the new name dropped, the
    /// default pointer moved.
    fn rename(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        self.modify(|db| {
            let table = Self::table_mut(db, TABLE)?;
            let is = |d: &Value, n: &str| d.get("profile").and_then(Value::as_str) == Some(n);
            if !table.values().any(|d| is(d, old)) {
                return Ok((false, false));
            }
            table.retain(|_, d| !is(d, new));
            for d in table.values_mut() {
                if is(d, old) {
                    if let Some(doc) = d.as_object_mut() {
                        doc.insert("profile".into(), Value::String(new.to_string()));
                    }
                }
            }
            let settings = Self::table_mut(db, SETTINGS_TABLE)?;
            if let Some(doc) = settings.get_mut("1").and_then(Value::as_object_mut) {
                if doc.get("default_profile").and_then(Value::as_str) == Some(old) {
                    doc.insert("default_profile".into(), Value::String(new.to_string()));
                }
            }
            if settings.is_empty() {
                db.root.remove(SETTINGS_TABLE);
            }
            Ok((true, true))
        })
    }

    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        let db = self.read()?;
        Ok(default_of(&db))
    }

    fn set_default_profile(&self, name: &str) -> Result<(), StoreError> {
        self.modify(|db| {
            let table = Self::table_mut(db, SETTINGS_TABLE)?;
            let mut doc = table
                .get("1")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            doc.insert("default_profile".into(), Value::String(name.to_string()));
            table.insert("1".into(), Value::Object(doc));
            Ok(((), true))
        })
    }

    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError> {
        // Beside the real file, so that a symbolic link and its target share the lock.
        let path = lock_path(
            &crate::files::real_path(&self.path)?,
            &format!("refresh-{}", hex_name(name)),
        );
        let lock = lock_file(
            &path,
            timeout,
            &format!("profile '{name}' in {}", self.path.display()),
        )?;
        Ok(Box::new(FileProfileLock(lock)))
    }
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
