//! `profiles.json`: the keyring store's non-secret half (settings, token metadata, the default
//! profile). It never holds a secret; the keyring holds those.
//!
//! ```json
//! {"default_profile": "lab", "profiles": {"lab": {"client_id": "...", "profile": "lab"}}, "version": 1}
//! ```

use crate::store::tinydb::modify_json_file;
use crate::store::StoreError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

const VERSION: u64 = 1;

/// `$XDG_CONFIG_HOME/pancred/profiles.json`, else `~/.config/pancred/profiles.json`.
pub fn default_path() -> Result<PathBuf, StoreError> {
    let config = crate::files::xdg_dir("XDG_CONFIG_HOME", ".config").ok_or_else(|| {
        StoreError::Unavailable(
            "cannot find the home folder for profiles.json (set HOME or XDG_CONFIG_HOME)".into(),
        )
    })?;
    Ok(config.join("pancred").join("profiles.json"))
}

/// The parsed file. Unknown top-level keys are kept so that a rewrite loses nothing.
#[derive(Debug, Default)]
pub struct Meta {
    root: Map<String, Value>,
}

impl Meta {
    /// Profile documents by name, in name order.
    pub fn profiles(&self) -> impl Iterator<Item = (&String, &Map<String, Value>)> {
        self.root
            .get("profiles")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k, v.as_object()?)))
    }

    pub fn get(&self, name: &str) -> Option<&Map<String, Value>> {
        self.root.get("profiles")?.get(name)?.as_object()
    }

    pub fn insert(&mut self, name: &str, doc: Map<String, Value>) {
        let table = self
            .root
            .entry("profiles")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(t) = table {
            t.insert(name.to_string(), Value::Object(doc));
        }
    }

    pub fn remove(&mut self, name: &str) -> bool {
        let removed = self
            .root
            .get_mut("profiles")
            .and_then(Value::as_object_mut)
            .and_then(|t| t.remove(name))
            .is_some();
        if removed && self.default_profile() == Some(name) {
            self.root.remove("default_profile");
        }
        removed
    }

    pub fn default_profile(&self) -> Option<&str> {
        self.root.get("default_profile").and_then(Value::as_str)
    }

    pub fn set_default_profile(&mut self, name: &str) {
        self.root
            .insert("default_profile".into(), Value::String(name.to_string()));
    }
}

pub struct MetaFile {
    path: PathBuf,
}

impl MetaFile {
    pub fn new(path: PathBuf) -> Self {
        MetaFile { path }
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

    /// The file as it is now; a missing file is an empty store. Needs no lock: writes are atomic.
    /// The profiles' names, read from the file alone (no secret is asked for).
    pub fn names(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.read()?.profiles().map(|(n, _)| n.clone()).collect())
    }

    pub fn read(&self) -> Result<Meta, StoreError> {
        let Some(bytes) = crate::files::read_regular(&self.path, crate::files::MAX_DATA_FILE)?
        else {
            return Ok(Meta::default());
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            self.corrupt(format!(
                "not valid JSON ({e}); the file was left as it is: repair it, or move it away to start afresh"
            ))
        })?;
        let Value::Object(root) = value else {
            return Err(self.corrupt("expected a JSON object"));
        };
        match root.get("version") {
            None => {}
            Some(v) if v.as_u64() == Some(VERSION) => {}
            Some(v) => {
                return Err(self.corrupt(format!(
                    "version {v} is not one this pancred reads (it reads {VERSION}); a newer pancred wrote it"
                )))
            }
        }
        match root.get("profiles") {
            None => {}
            Some(Value::Object(t)) => {
                if let Some((name, _)) = t.iter().find(|(_, d)| !d.is_object()) {
                    return Err(self.corrupt(format!("profile \"{name}\" is not a JSON object")));
                }
            }
            Some(_) => return Err(self.corrupt("\"profiles\" is not a JSON object")),
        }
        if root
            .get("default_profile")
            .is_some_and(|d| !d.is_string() && !d.is_null())
        {
            return Err(self.corrupt("\"default_profile\" is not a string"));
        }
        Ok(Meta { root })
    }

    /// Runs `f` under the cross-process write lock; writes the file if `f` says it changed.
    /// `f` may do its keyring work too: holding the lock keeps keyring and file in step.
    pub fn modify<T>(
        &self,
        f: impl FnOnce(&mut Meta) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        modify_json_file(
            &self.path,
            || self.read(),
            f,
            |mut meta| {
                meta.root.insert("version".into(), Value::from(VERSION));
                Value::Object(meta.root)
            },
        )
    }
}
